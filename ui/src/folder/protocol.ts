// The messages between the page (hashing.ts) and the hashing worker
// (worker.ts). Files go over as `File` handles (structured clone copies no
// bytes); the worker reads them. The page never asks a chosen File its
// `size`: Chromium answers that with a synchronous stat (8 s on the main
// thread for 17,700 files); the worker learns sizes by reading.
import type { InspectReport } from "../../../wasm/pkg/skillmeat_wasm.js";

export type { InspectReport };

export type ToWorker =
  /** Hash one file (streamed through `FileHasher`) and add it to the tree. */
  | { type: "file"; id: number; path: string; file: File }
  /** Every file was sent: finish the tree and run `discover` over the listing. */
  | { type: "finish"; rootName: string };

export type FromWorker =
  /** `bytes` more of file `id` were hashed. */
  | { type: "progress"; id: number; bytes: number }
  /** File `id` is hashed: its `size`, and its bytes not yet reported by `progress`;
   * `script` when it starts with `#!` (the File API has no mode bits: an
   * import marks such a file executable). */
  | { type: "hashed"; id: number; sha256: string; size: number; bytes: number; script?: boolean }
  /** The tree hash, and `discover`'s report (which took `discoverMs`). */
  | { type: "done"; tree: string; treeFiles: number; report: InspectReport; discoverMs: number }
  /** Reading or hashing failed (the page rejects with this message). */
  | { type: "error"; message: string };
