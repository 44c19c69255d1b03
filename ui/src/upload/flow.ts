// The browser's Import after hashing (DESIGN.md §12, the hash-first
// protocol): the plan from the children's hashes, then ask which blobs the
// server lacks, upload only those (queue.ts), start the composite import
// (202) and follow it to the end. The server re-reads and re-hashes every
// byte; nothing computed here is trusted by it.
import type {
  BlobStored,
  BlobsStored,
  BundlePlanArgs,
  ChildChoice,
  CompositeImportArgs,
  ImportJob,
  ImportPreview,
  ImportStarted,
  ImportSummary,
  PlanArgs,
} from "../generated/types.ts";
import type { InspectReport } from "../folder/protocol.ts";
import { CommandError } from "../transport.ts";
import { type QueueOptions, type QueuedBlob, UploadCancelled, type UploadProgress, backoff, isRetryable, uploadBlobs } from "./queue.ts";

/** What the flow needs of `skillmeat serve` (HttpTransport has it; tests fake it). */
export interface HashFirstApi {
  plan(args: PlanArgs): Promise<ImportPreview>;
  /** The preview of a bundle zip uploaded as one blob (the server opens it). */
  planBundle(args: BundlePlanArgs): Promise<ImportPreview>;
  missingBlobs(sha256: string[]): Promise<string[]>;
  putBlob(sha256: string, body: Blob, signal?: AbortSignal): Promise<BlobStored>;
  /** Many small blobs in one body (`batchBody`'s framing). */
  putBlobs(body: Blob, signal?: AbortSignal): Promise<BlobsStored>;
  importComposite(args: CompositeImportArgs): Promise<ImportStarted>;
  importStatus(id: string): Promise<ImportJob>;
  /** A stored file of an artifact (for the conflict diff). */
  file(id: string, path: string, version?: string): Promise<Uint8Array>;
}

/** A transport that speaks the hash-first protocol. */
export function isHashFirst(t: unknown): t is HashFirstApi {
  return typeof t === "object" && t !== null && "putBlob" in t && "importComposite" in t;
}

/** One file of what is imported: its path in the chosen folder, hash, size and bytes. */
export interface HashedFile {
  path: string;
  sha256: string;
  size: number;
  /** A script (it starts with `#!`): the File API has no mode bits. */
  executable?: boolean;
  file: Blob;
}

/** The plan request for the plugins `discover` found. */
export function planArgs(report: InspectReport, only?: readonly string[]): PlanArgs {
  return {
    plugins: report.plugins
      .filter((p) => !only || only.includes(p.name))
      .map((p) => ({ name: p.name, children: p.children.map((c) => ({ kind: c.kind, name: c.name, content_hash: c.content_hash })) })),
  };
}

/** The files an import of only the plugins `only` needs: every file of a
 * selected plugin's folder, and every file outside all plugin folders (the
 * marketplace's own: `.claude-plugin/marketplace.json`, …); the files of
 * the plugins left out stay in the page. All of them when `only` is absent
 * (or a selected plugin is the folder itself). */
export function filesFor<F extends { path: string }>(report: InspectReport, files: readonly F[], only?: readonly string[]): F[] {
  if (!only) return [...files];
  const chosen = new Set(only);
  const under = (root: string) => (root === "." ? () => true : (path: string) => path.startsWith(`${root}/`));
  const picked = report.plugins.filter((p) => chosen.has(p.name)).map((p) => under(p.root));
  // A plugin that is the folder itself holds every file: it is never left out by itself.
  const left = report.plugins.filter((p) => !chosen.has(p.name) && p.root !== ".").map((p) => under(p.root));
  return files.filter((f) => picked.some((inside) => inside(f.path)) || !left.some((inside) => inside(f.path)));
}

/** Each content once (a folder may hold the same bytes twice). */
export function uniqueBlobs(files: readonly HashedFile[]): QueuedBlob[] {
  const seen = new Map<string, QueuedBlob>();
  for (const f of files) if (!seen.has(f.sha256)) seen.set(f.sha256, { sha256: f.sha256, size: f.size, body: f.file });
  return [...seen.values()];
}

export interface UploadOutcome extends UploadProgress {
  /** Bytes of all the folder's distinct contents (what the server now holds). */
  contentBytes: number;
  /** Distinct contents of the folder. */
  contents: number;
}

/** Asks which blobs the server lacks and uploads those (only those). */
export async function uploadMissing(api: HashFirstApi, files: readonly HashedFile[], opts: QueueOptions = {}): Promise<UploadOutcome> {
  const blobs = uniqueBlobs(files);
  const missing = new Set(await api.missingBlobs(blobs.map((b) => b.sha256)));
  if (opts.signal?.aborted) throw new UploadCancelled();
  const todo = blobs.filter((b) => missing.has(b.sha256));
  const sent = await uploadBlobs(todo, (b, signal) => api.putBlob(b.sha256, b.body, signal), {
    putBatch: async (bs, signal) => api.putBlobs(await batchBody(bs), signal),
    ...opts,
  });
  return { ...sent, contentBytes: blobs.reduce((n, b) => n + b.size, 0), contents: blobs.length };
}

/** The body of `POST /api/v1/blobs`: per blob a line `SHA256 SIZE\n`,
 * then its bytes. The bytes are read first (`arrayBuffer()`): a Blob built
 * of chosen Files would make Chromium stat each on the page. */
export async function batchBody(blobs: readonly QueuedBlob[]): Promise<Blob> {
  const bytes = await Promise.all(blobs.map((b) => b.body.arrayBuffer()));
  const parts: BlobPart[] = [];
  blobs.forEach((b, i) => parts.push(`${b.sha256} ${bytes[i]!.byteLength}\n`, bytes[i]!));
  return new Blob(parts, { type: "application/octet-stream" });
}

export interface ImportRequest {
  rootName: string;
  files: readonly HashedFile[];
  /** Only these plugins of a marketplace (all when absent). */
  plugins?: readonly string[];
  choices: ChildChoice[];
}

/** The composite import of the uploaded files (202), followed until it ends. */
export async function importUploaded(
  api: HashFirstApi,
  req: ImportRequest,
  opts: { pollMs?: number; onStarted?: (s: ImportStarted) => void; sleep?: (ms: number) => Promise<void> } = {},
): Promise<ImportSummary> {
  const started = await api.importComposite({
    files: req.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, executable: f.executable ?? false })),
    root_name: req.rootName,
    plugins: req.plugins ? [...req.plugins] : undefined,
    on_conflict: "new-version",
    conflict_choices: req.choices,
  });
  opts.onStarted?.(started);
  return follow(api, started.transaction_id, opts);
}

/** How many failed status requests in a row `follow` sits out. */
const STATUS_RETRIES = 5;

/** Polls an import until it succeeded (its summary) or failed (its error; the
 * summary of the plugins it reached when it has one). */
export async function follow(
  api: HashFirstApi,
  id: string,
  opts: { pollMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<ImportSummary> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let failures = 0;
  for (;;) {
    let job: ImportJob;
    try {
      job = await api.importStatus(id);
      failures = 0;
    } catch (e) {
      // The import goes on on the server: a dropped answer is asked again
      // (with the upload queue's backoff), not reported as a failed import.
      if (!isRetryable(e) || ++failures > STATUS_RETRIES) throw e;
      await sleep(backoff(failures));
      continue;
    }
    if (job.status === "succeeded" && job.result) return job.result;
    if (job.status === "failed") {
      if (job.result) return job.result;
      throw new CommandError(job.error?.code ?? "internal", job.error?.message ?? `import ${id} failed`);
    }
    await sleep(opts.pollMs ?? 150);
  }
}

/** "uploaded 12 KB of 4.3 MB; 99.7% already on the server". */
export function uploadSummary(o: Pick<UploadOutcome, "bytes" | "contentBytes">): string {
  const had = o.contentBytes === 0 ? 100 : ((o.contentBytes - o.bytes) / o.contentBytes) * 100;
  return `uploaded ${size(o.bytes)} of ${size(o.contentBytes)}; ${percent(had)} already on the server`;
}

/** Bytes in B / KB / MB (10^3). */
export function size(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${trim(n / 1e3)} KB`;
  if (n < 1e9) return `${trim(n / 1e6)} MB`;
  return `${trim(n / 1e9)} GB`;
}

const trim = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** A share with one decimal that never rounds to 100% or 0% when it is not. */
function percent(x: number): string {
  let s = x.toFixed(1);
  if (s === "100.0" && x < 100) s = "99.9";
  if (s === "0.0" && x > 0) s = "0.1";
  return `${s.replace(/\.0$/, "")}%`;
}
