// The hashing worker (see hashing.ts): each file streamed through
// `FileHasher` in `File.stream()` chunks (never asking `size`, a
// synchronous stat: see protocol.ts) and added to a `TreeHasher` by its digest. The files the page hands out are
// hashed concurrently (reading a File waits on the browser process; one at
// a time, a marketplace of 17,000 small files is bound by that wait). On
// `finish`, once all are hashed: the tree hash and `discover` over the
// listing (manifests and markdown kept from hashing, any other small file
// read again synchronously with `FileReaderSync`, which only workers have).
import init, { FileHasher, TreeHasher, discover } from "../../../wasm/pkg/skillmeat_wasm.js";
import type { FromWorker, ToWorker } from "./protocol.ts";

/** Bytes hashed between two progress messages. */
const PROGRESS_BYTES = 4 << 20;
/** Larger files are not read for discovery (the CLI reports them as too large). */
const SMALL = 8 << 20;

// Workers only (not in the DOM lib this project compiles against).
declare class FileReaderSync {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(m: FromWorker): void };
const post = (m: FromWorker) => scope.postMessage(m);

let tree: TreeHasher | null = null;
const files = new Map<string, File>();
const digests = new Map<string, string>();
const sizes = new Map<string, number>();
/** The bytes of the files discovery reads (manifests, markdown), kept from
 * hashing: reading 5,000 of them again with FileReaderSync took 9 s. */
const kept = new Map<string, Uint8Array>();
const KEEP = 1 << 20;
const keeps = (path: string) => path.endsWith(".md") || path.endsWith(".json");
const ready = init();
const pending = new Set<Promise<void>>();
let failed = false;

function fail(err: unknown): void {
  if (failed) return;
  failed = true;
  post({ type: "error", message: err instanceof Error ? err.message : String(err) });
}

async function hashOne(id: number, path: string, file: File): Promise<void> {
  const h = new FileHasher();
  const chunks: Uint8Array[] | null = keeps(path) ? [] : null;
  const { size, unreported, script } = await stream(id, file, h, chunks);
  if (chunks && size <= KEEP) kept.set(path, concat(chunks, size));
  const sha256 = h.finish();
  tree ??= new TreeHasher();
  tree.addDigest(path, sha256);
  files.set(path, file);
  digests.set(path, sha256);
  sizes.set(path, size);
  post({ type: "hashed", id, sha256, size, bytes: unreported, ...(script ? { script } : {}) });
}

/** Feeds `file` to `h` chunk by chunk: its size, the bytes not yet reported, whether it starts with `#!`. */
async function stream(
  id: number,
  file: File,
  h: FileHasher,
  keep: Uint8Array[] | null,
): Promise<{ size: number; unreported: number; script: boolean }> {
  const reader = file.stream().getReader();
  let size = 0;
  let unreported = 0;
  let script = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // `#!` (a chunk of one byte is not worth a second look).
    if (size === 0) script = value.length >= 2 && value[0] === 0x23 && value[1] === 0x21;
    h.update(value);
    if (keep && size + value.byteLength <= KEEP) keep.push(value);
    size += value.byteLength;
    unreported += value.byteLength;
    if (unreported >= PROGRESS_BYTES) {
      post({ type: "progress", id, bytes: unreported });
      unreported = 0;
    }
  }
  return { size, unreported, script };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function finish(rootName: string): void {
  const t = tree ?? new TreeHasher();
  tree = null;
  const treeFiles = t.files;
  const hash = t.finish();
  const sync = new FileReaderSync();
  const readSmall = (path: string) => {
    const f = files.get(path);
    if (!f || (sizes.get(path) ?? 0) > SMALL) return undefined;
    return kept.get(path) ?? new Uint8Array(sync.readAsArrayBuffer(f));
  };
  const t0 = performance.now();
  const report = discover([...files.keys()], readSmall, digests, rootName);
  post({ type: "done", tree: hash, treeFiles, report, discoverMs: performance.now() - t0 });
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === "file") {
    const job: Promise<void> = ready
      .then(() => hashOne(m.id, m.path, m.file))
      .catch(fail)
      .finally(() => pending.delete(job));
    pending.add(job);
  } else {
    ready
      .then(() => Promise.all(pending))
      .then(() => failed || finish(m.rootName))
      .catch(fail);
  }
};
