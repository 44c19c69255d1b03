// Hashing a folder the user chose, in a Web Worker (worker.ts) with the
// wasm core: every file streamed through `FileHasher`, the tree through
// `TreeHasher` (the hash `skillmeat hash` prints), then `discover` over the
// listing. The page only hands out `File` handles a few at a time and adds
// up progress, so no main-thread task grows with the folder's size; Cancel
// (an AbortSignal) terminates the worker at once.
import type { FromWorker, InspectReport, ToWorker } from "./protocol.ts";

export interface PickedFile {
  /** Relative to the chosen folder, `/`-separated. */
  path: string;
  file: File;
}

export interface PickedFolder {
  /** The chosen folder's name (discovery names a plugin without a manifest after it). */
  rootName: string;
  files: PickedFile[];
}

export interface HashProgress {
  files: number;
  totalFiles: number;
  /** Bytes hashed so far (the total is known only at the end: see protocol.ts). */
  bytes: number;
  elapsedMs: number;
  /** Bytes hashed per second since the start, in MB (10^6). */
  mbPerSec: number;
}

export interface HashedFolder {
  rootName: string;
  /** The folder's tree hash: `skillmeat hash FOLDER`. */
  tree: string;
  /** Files the tree counts (excluded names such as `.git/` left out). */
  treeFiles: number;
  /** Every chosen file with its SHA-256, in the order given; `executable`
   * (present only when true) for a script (it starts with `#!`). */
  files: Array<{ path: string; size: number; sha256: string; executable?: true }>;
  /** `discover` over the listing: `skillmeat inspect --json`. */
  report: InspectReport;
  /** How long `discover` took in the worker. */
  discoverMs: number;
  progress: HashProgress;
}

/** What `hashFolder` needs of a `Worker` (the tests give a fake). */
export interface HashWorker {
  postMessage(message: ToWorker): void;
  onmessage: ((event: { data: FromWorker }) => void) | null;
  terminate(): void;
}

export class HashCancelled extends Error {
  constructor() {
    super("hashing cancelled");
    this.name = "HashCancelled";
  }
}

export interface HashOptions {
  /** Used for this folder only: terminated when hashing ends, fails or is cancelled. */
  worker: HashWorker;
  onProgress?: (p: HashProgress) => void;
  signal?: AbortSignal;
  /** Files handed to the worker and not hashed yet, which it hashes concurrently (default 32). */
  inFlight?: number;
  /** Least time between two `onProgress` calls (default 100 ms); the last one always comes. */
  progressEveryMs?: number;
  now?: () => number;
}

/** The real worker (a module worker: it imports the wasm core). */
export function startHashWorker(): HashWorker {
  return new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "skillmeat-hash" }) as HashWorker;
}

/** Hashes every file of `folder` in `opts.worker`; rejects with
 * `HashCancelled` when `opts.signal` aborts, or with the worker's error. */
export function hashFolder(folder: PickedFolder, opts: HashOptions): Promise<HashedFolder> {
  return new Promise((resolve, reject) => new Run(folder, opts, resolve, reject).start());
}

class Run {
  private readonly digests: string[];
  private readonly sizes: number[];
  private readonly scripts = new Set<number>();
  private readonly now: () => number;
  private readonly t0: number;
  private next = 0;
  private hashed = 0;
  private bytes = 0;
  private lastReport = Number.NEGATIVE_INFINITY;
  private settled = false;

  constructor(
    private readonly folder: PickedFolder,
    private readonly opts: HashOptions,
    private readonly resolve: (h: HashedFolder) => void,
    private readonly reject: (e: Error) => void,
  ) {
    this.digests = new Array<string>(folder.files.length);
    this.sizes = new Array<number>(folder.files.length);
    this.now = opts.now ?? (() => performance.now());
    this.t0 = this.now();
  }

  start(): void {
    const { signal, worker } = this.opts;
    if (signal?.aborted) return this.cancel();
    signal?.addEventListener("abort", this.cancel, { once: true });
    worker.onmessage = (e) => this.receive(e.data);
    this.pump();
  }

  private readonly cancel = () => this.end(() => this.reject(new HashCancelled()));

  /** Hands out files while fewer than `inFlight` wait; after the last is hashed, asks for the tree. */
  private pump(): void {
    const files = this.folder.files;
    const window = Math.max(1, this.opts.inFlight ?? 32);
    while (this.next < files.length && this.next - this.hashed < window) {
      const { path, file } = files[this.next]!;
      this.opts.worker.postMessage({ type: "file", id: this.next, path, file });
      this.next++;
    }
    if (this.hashed === files.length) this.opts.worker.postMessage({ type: "finish", rootName: this.folder.rootName });
  }

  private receive(m: FromWorker): void {
    if (this.settled) return;
    switch (m.type) {
      case "progress":
        this.bytes += m.bytes;
        return this.report(false);
      case "hashed":
        if (this.digests[m.id] !== undefined) return this.fail(`file ${m.id} reported twice`);
        this.digests[m.id] = m.sha256;
        this.sizes[m.id] = m.size;
        if (m.script) this.scripts.add(m.id);
        this.bytes += m.bytes;
        this.hashed++;
        this.report(false);
        return this.pump();
      case "done":
        this.report(true);
        return this.end(() =>
          this.resolve({
            rootName: this.folder.rootName,
            tree: m.tree,
            treeFiles: m.treeFiles,
            files: this.folder.files.map((f, i) => ({
              path: f.path,
              size: this.sizes[i]!,
              sha256: this.digests[i]!,
              ...(this.scripts.has(i) ? { executable: true as const } : {}),
            })),
            report: m.report,
            discoverMs: m.discoverMs,
            progress: this.progress(),
          }),
        );
      case "error":
        return this.fail(m.message);
    }
  }

  private fail(message: string): void {
    this.end(() => this.reject(new Error(message)));
  }

  private progress(): HashProgress {
    const elapsedMs = this.now() - this.t0;
    return {
      files: this.hashed,
      totalFiles: this.folder.files.length,
      bytes: this.bytes,
      elapsedMs,
      mbPerSec: elapsedMs > 0 ? this.bytes / 1e6 / (elapsedMs / 1000) : 0,
    };
  }

  private report(last: boolean): void {
    const t = this.now();
    if (!last && t - this.lastReport < (this.opts.progressEveryMs ?? 100)) return;
    this.lastReport = t;
    this.opts.onProgress?.(this.progress());
  }

  private end(settle: () => void): void {
    if (this.settled) return;
    this.settled = true;
    this.opts.signal?.removeEventListener("abort", this.cancel);
    this.opts.worker.onmessage = null;
    this.opts.worker.terminate();
    settle();
  }
}
