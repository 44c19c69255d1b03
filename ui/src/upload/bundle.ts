// A bundle zip in the browser: hashed in the page (the wasm core's
// FileHasher), uploaded as one blob when the server lacks it, and imported
// by the server as `skillmeat add BUNDLE.zip` would (it opens and verifies
// the zip itself: a bad bundle is refused with the CLI's message).
import type { ImportStarted, ImportSummary } from "../generated/types.ts";
import { follow, type HashFirstApi, type UploadOutcome, uploadMissing } from "./flow.ts";
import type { QueueOptions } from "./queue.ts";

export interface BundleImport {
  started: ImportStarted;
  summary: ImportSummary;
  uploaded: UploadOutcome;
}

/** SHA-256 of a file, in 1 MiB slices (the page's wasm core). */
export async function hashFile(file: Blob): Promise<string> {
  const core = await import("../core.ts");
  await core.loadCore();
  const h = new core.FileHasher();
  const step = 1 << 20;
  for (let at = 0; at < file.size; at += step) h.update(new Uint8Array(await file.slice(at, at + step).arrayBuffer()));
  return h.finish();
}

export async function importBundle(
  api: HashFirstApi,
  zip: File,
  opts: QueueOptions & { onUploaded?: (o: UploadOutcome) => void; hash?: (f: Blob) => Promise<string>; pollMs?: number } = {},
): Promise<BundleImport> {
  const sha256 = await (opts.hash ?? hashFile)(zip);
  const file = { path: zip.name, sha256, size: zip.size, file: zip };
  const uploaded = await uploadMissing(api, [file], opts);
  opts.onUploaded?.(uploaded);
  const started = await api.importComposite({ bundle: { path: zip.name, sha256, size: zip.size, executable: false } });
  const summary = await follow(api, started.transaction_id, { pollMs: opts.pollMs });
  return { started, summary, uploaded };
}
