// Hashing a folder the user chose, in a Web Worker (worker.ts) with the
// wasm core: every file hashed, the tree through `TreeHasher` (the hash
// `skillmeat hash` prints), then `discover` over the listing. The page
// reads the files (`File.stream()`, 32 at a time: each read waits on the
// browser process, not on the CPU) and hands the bytes to the worker in
// batches of about 1 MB, transferred; a file over 8 MiB goes in parts as
// its stream gives them, hashed by a `FileHasher` in the worker, so no
// large file is held whole. At most 32 MB wait for the worker, besides
// what each reader holds of the file it is reading (up to 8 MiB: sent whole
// once read), so at most 32 + 32 × 8 MiB in the rare worst case.
// Every step is a short task, so none grows with the folder's size; Cancel
// (an AbortSignal) stops the reading and terminates the worker at once.
import type { FileBytes, FromWorker, InspectReport, ToWorker } from "./protocol.ts";

/** A file up to this size is sent whole; a larger one in parts (the worker
 * keeps no file over it for discovery either). */
const WHOLE = 8 << 20;

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
  postMessage(message: ToWorker, transfer?: Transferable[]): void;
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
  /** Files read at the same time on the page (default 32: each read waits
   * on the browser process; 32, 64 and 128 measured the same). */
  readers?: number;
  /** A batch goes to the worker once it holds this many bytes (default 1 MB) … */
  batchBytes?: number;
  /** … or this many files (default 256). */
  batchFiles?: number;
  /** A file up to this many bytes goes whole; a larger one in parts (default 8 MiB). */
  wholeBytes?: number;
  /** Bytes read and not yet hashed, at most (default 32 MB; reading waits beyond). */
  maxUnhashedBytes?: number;
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
  /** Files sent in parts (their bytes are counted as each part is hashed). */
  private readonly streamed = new Set<number>();
  private readonly now: () => number;
  private readonly t0: number;
  private batch: FileBytes[] = [];
  private batchBytes = 0;
  /** Bytes posted to the worker and not hashed yet. */
  private unhashed = 0;
  private waiting: Array<() => void> = [];
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
    if (this.folder.files.length === 0) return this.askTree();
    const lanes = Math.max(1, Math.min(this.opts.readers ?? 32, this.folder.files.length));
    const reading = Array.from({ length: lanes }, () => this.lane());
    Promise.all(reading).then(
      () => this.flush(),
      (e: unknown) => this.fail(e instanceof Error ? e.message : String(e)),
    );
  }

  private readonly cancel = () => this.end(() => this.reject(new HashCancelled()));

  /** Reads files one after another (several lanes run at once). */
  private async lane(): Promise<void> {
    const files = this.folder.files;
    while (!this.settled && this.next < files.length) {
      await this.room();
      if (this.settled || this.next >= files.length) return;
      const id = this.next++;
      const { path, file } = files[id]!;
      try {
        await this.read(id, path, file);
      } catch (e) {
        throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** Streams one file: up to `wholeBytes` into the batch, whole; beyond,
   * what was read and every later chunk to the worker as parts. */
  private async read(id: number, path: string, file: File): Promise<void> {
    const whole = this.opts.wholeBytes ?? WHOLE;
    const reader = file.stream().getReader();
    const held: Uint8Array[] = [];
    let size = 0;
    let streaming = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (this.settled) return void reader.cancel().catch(() => {});
      if (done) break;
      if (!streaming && size + value.byteLength <= whole) {
        held.push(value);
        size += value.byteLength;
        continue;
      }
      if (!streaming) {
        streaming = true;
        this.streamed.add(id);
        if (size > 0) this.sendPart(id, path, joined(held, size), false);
      }
      this.sendPart(id, path, buffer(value), false);
      await this.room();
    }
    if (streaming) return this.sendPart(id, path, new ArrayBuffer(0), true);
    const bytes = joined(held, size);
    this.batch.push({ id, path, bytes });
    this.batchBytes += bytes.byteLength;
    if (this.batchBytes >= (this.opts.batchBytes ?? 1e6) || this.batch.length >= (this.opts.batchFiles ?? 256)) this.flush();
  }

  /** One part of a large file, transferred (counted as waiting for the worker). */
  private sendPart(id: number, path: string, bytes: ArrayBuffer, last: boolean): void {
    if (this.settled) return;
    this.unhashed += bytes.byteLength;
    this.opts.worker.postMessage({ type: "part", part: { id, path, bytes, last } }, [bytes]);
  }

  /** Waits while too many bytes wait for the worker. */
  private room(): Promise<void> {
    if (this.unhashed < (this.opts.maxUnhashedBytes ?? 32e6)) return Promise.resolve();
    return new Promise((ok) => this.waiting.push(ok));
  }

  /** Sends the batch (its buffers transferred, not copied). */
  private flush(): void {
    if (this.settled || this.batch.length === 0) return;
    const files = this.batch;
    this.unhashed += this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    this.opts.worker.postMessage(
      { type: "batch", files },
      files.map((f) => f.bytes),
    );
  }

  private askTree(): void {
    this.opts.worker.postMessage({ type: "finish", rootName: this.folder.rootName });
  }

  private receive(m: FromWorker): void {
    if (this.settled) return;
    switch (m.type) {
      case "hashed":
        for (const f of m.files) {
          if (this.digests[f.id] !== undefined) return this.fail(`file ${f.id} reported twice`);
          this.digests[f.id] = f.sha256;
          this.sizes[f.id] = f.size;
          if (f.script) this.scripts.add(f.id);
          if (!this.streamed.has(f.id)) this.took(f.size);
          this.hashed++;
        }
        this.report(false);
        for (const go of this.waiting.splice(0)) go();
        if (this.hashed === this.folder.files.length) this.askTree();
        return;
      case "took":
        this.took(m.bytes);
        this.report(false);
        for (const go of this.waiting.splice(0)) go();
        return;
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

  /** `n` bytes were hashed by the worker. */
  private took(n: number): void {
    this.bytes += n;
    this.unhashed -= n;
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
    for (const go of this.waiting.splice(0)) go();
    settle();
  }
}

/** `chunk`'s bytes as an ArrayBuffer of their own (to transfer). */
function buffer(chunk: Uint8Array): ArrayBuffer {
  const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
  return whole ? (chunk.buffer as ArrayBuffer) : chunk.slice().buffer;
}

/** The chunks read, `size` bytes in all, as one ArrayBuffer. */
function joined(chunks: Uint8Array[], size: number): ArrayBuffer {
  if (chunks.length === 1) return buffer(chunks[0]!);
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out.buffer;
}
