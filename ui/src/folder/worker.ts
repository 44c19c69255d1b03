// The hashing worker (see hashing.ts): the page sends files' bytes in
// batches; each file is hashed (`hashFile`) and added to a `TreeHasher`
// by its digest, and the batch's digests go back in one message. A large
// file comes in parts, streamed through a `FileHasher`. On
// `finish`: the tree hash and `discover` over the listing, reading the
// bytes kept from hashing (manifests, markdown and other small files: the
// worker has no File to read again).
import init, { FileHasher, TreeHasher, discover, hashFile } from "../../../wasm/pkg/skillmeat_wasm.js";
import type { FileBytes, FileDigest, FilePart, FromWorker, ToWorker } from "./protocol.ts";

/** Markdown and JSON up to this size are kept for discovery (the CLI reads no larger file). */
const SMALL = 8 << 20;
/** Any other file up to this size is kept too (a hook config may have any name). */
const KEEP = 64 << 10;
const keeps = (path: string, size: number) => size <= KEEP || (size <= SMALL && (path.endsWith(".md") || path.endsWith(".json")));

const scope = self as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(m: FromWorker): void };
const post = (m: FromWorker) => scope.postMessage(m);

let tree: TreeHasher | null = null;
const paths: string[] = [];
const digests = new Map<string, string>();
const kept = new Map<string, Uint8Array>();
const ready = init();
let failed = false;

function fail(err: unknown): void {
  if (failed) return;
  failed = true;
  post({ type: "error", message: err instanceof Error ? err.message : String(err) });
}

const startsScript = (data: Uint8Array) => data.byteLength >= 2 && data[0] === 0x23 && data[1] === 0x21;

/** Adds a hashed file to the tree and the listing. */
function add(id: number, path: string, sha256: string, size: number, script: boolean): FileDigest {
  tree ??= new TreeHasher();
  tree.addDigest(path, sha256);
  paths.push(path);
  digests.set(path, sha256);
  return { id, sha256, size, ...(script ? { script } : {}) };
}

function hashOne({ id, path, bytes }: FileBytes): FileDigest {
  const data = new Uint8Array(bytes);
  if (keeps(path, data.byteLength)) kept.set(path, data);
  return add(id, path, hashFile(data), data.byteLength, startsScript(data));
}

/** Large files being streamed, by id (parts of several may interleave). */
const streams = new Map<number, { hasher: FileHasher; size: number; script: boolean }>();

/** One part of a large file through its hasher; after the last, the file
 * is hashed and added (never kept: larger than anything discovery reads). */
function hashPart({ id, path, bytes, last }: FilePart): void {
  const data = new Uint8Array(bytes);
  let s = streams.get(id);
  if (!s) {
    s = { hasher: new FileHasher(), size: 0, script: startsScript(data) };
    streams.set(id, s);
  }
  s.hasher.update(data);
  s.size += data.byteLength;
  post({ type: "took", bytes: data.byteLength });
  if (!last) return;
  streams.delete(id);
  post({ type: "hashed", files: [add(id, path, s.hasher.finish(), s.size, s.script)] });
}

function finish(rootName: string): void {
  const t = tree ?? new TreeHasher();
  tree = null;
  const treeFiles = t.files;
  const hash = t.finish();
  const t0 = performance.now();
  const report = discover(paths, (path: string) => kept.get(path), digests, rootName);
  post({ type: "done", tree: hash, treeFiles, report, discoverMs: performance.now() - t0 });
}

scope.onmessage = (e) => {
  const m = e.data;
  ready
    .then(() => {
      if (failed) return;
      if (m.type === "batch") post({ type: "hashed", files: m.files.map(hashOne) });
      else if (m.type === "part") hashPart(m.part);
      else finish(m.rootName);
    })
    .catch(fail);
};
