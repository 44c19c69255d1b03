// A bundle zip in the browser: hashed in the page (the wasm core's
// FileHasher), uploaded as one blob when the server lacks it, previewed by
// the server as `skillmeat preview BUNDLE.zip` would (`POST
// /api/v1/plan/bundle`) and imported as `skillmeat add BUNDLE.zip` would
// (it opens and verifies the zip itself: a bad bundle is refused with the
// CLI's message).
import type { UploadedFile } from "../generated/types.ts";
import { type HashFirstApi, type UploadOutcome, uploadMissing } from "./flow.ts";
import { type QueueOptions, UploadCancelled } from "./queue.ts";

/** SHA-256 of a file, in 1 MiB slices (the page's wasm core); stops with
 * `UploadCancelled` when `signal` aborts. */
export async function hashFile(file: Blob, signal?: AbortSignal): Promise<string> {
  const core = await import("../core.ts");
  await core.loadCore();
  const h = new core.FileHasher();
  const step = 1 << 20;
  for (let at = 0; at < file.size; at += step) {
    if (signal?.aborted) throw new UploadCancelled();
    h.update(new Uint8Array(await file.slice(at, at + step).arrayBuffer()));
  }
  return h.finish();
}

/** A bundle zip on the server: the blob the import names, and what its upload sent. */
export interface UploadedBundle {
  bundle: UploadedFile;
  uploaded: UploadOutcome;
}

/** Hashes `zip` in the page and uploads it as one blob when the server
 * lacks it; the server opens it only when asked to plan or import it. */
export async function uploadBundle(
  api: HashFirstApi,
  zip: File,
  opts: QueueOptions & { hash?: (f: Blob, signal?: AbortSignal) => Promise<string> } = {},
): Promise<UploadedBundle> {
  const sha256 = await (opts.hash ?? hashFile)(zip, opts.signal);
  const uploaded = await uploadMissing(api, [{ path: zip.name, sha256, size: zip.size, file: zip }], opts);
  return { bundle: { path: zip.name, sha256, size: zip.size, executable: false }, uploaded };
}
