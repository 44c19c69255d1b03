// The messages between the page (hashing.ts) and the hashing worker
// (worker.ts). The page reads the files (`File.stream()`, concurrently)
// and hands the bytes over in batches, transferred (no copy); a file larger
// than a batch may hold whole (8 MiB) goes over in parts as its stream gives
// them, so no large file is ever in memory at once. Posting a
// chosen `File` itself would make Chromium stat it synchronously on the
// page (0.5 ms a file: 9.5 s of blocked main thread for 17,700 files), and
// one message per small file costs more than hashing it. The page never
// asks a chosen File its `size` for the same reason; sizes come from the
// bytes read.
import type { InspectReport } from "../../../wasm/pkg/skillmeat_wasm.js";

export type { InspectReport };

/** One file's bytes, read by the page. */
export interface FileBytes {
  id: number;
  path: string;
  bytes: ArrayBuffer;
}

/** What the worker learnt of one file: `script` when it starts with `#!`
 * (the File API has no mode bits: an import marks such a file executable). */
export interface FileDigest {
  id: number;
  sha256: string;
  size: number;
  script?: boolean;
}

/** One part of a file too large to send whole, in the order read; the
 * worker streams the parts through a `FileHasher`. */
export interface FilePart {
  id: number;
  path: string;
  bytes: ArrayBuffer;
  /** The file's last part (it may be empty). */
  last: boolean;
}

export type ToWorker =
  /** Hash these files and add them to the tree (their buffers are transferred). */
  | { type: "batch"; files: FileBytes[] }
  /** One part of a large file (its buffer is transferred). */
  | { type: "part"; part: FilePart }
  /** Every file was sent: finish the tree and run `discover` over the listing. */
  | { type: "finish"; rootName: string };

export type FromWorker =
  /** The files of one batch, hashed (in the order sent); or a large
   * file, hashed after its last part. */
  | { type: "hashed"; files: FileDigest[] }
  /** One part of a large file went through the hasher (`bytes` long). */
  | { type: "took"; bytes: number }
  /** The tree hash, and `discover`'s report (which took `discoverMs`). */
  | { type: "done"; tree: string; treeFiles: number; report: InspectReport; discoverMs: number }
  /** Hashing or discovery failed (the page rejects with this message). */
  | { type: "error"; message: string };
