// The browser's transport: `skillmeat serve`'s HTTP API behind the same
// `Transport` the views use in the desktop window. The token comes from the
// URL's fragment (`#token=…`, which the browser never sends), is kept for the
// tab in sessionStorage and taken out of the address bar; a 401 asks for it
// (`onTokenWanted`) and the request is sent again once it is given.
import type {
  ArtifactDetail,
  ArtifactInfo,
  ArtifactItem,
  ArtifactPage,
  Associations,
  BlobStored,
  BlobsStored,
  BundlePlanArgs,
  CompositeImportArgs,
  ImportJob,
  ImportPreview,
  ImportStarted,
  MissingBlobs,
  PlanArgs,
  ArtifactList,
  ArtifactSummary,
  DeployArgs,
  DeployResult,
  ErrorCode,
  ExportArgs,
  ExportResult,
  ListArgs,
  Membership,
  OutdatedArgs,
  OutdatedReport,
  ProjectArgs,
  ProjectStatus,
  ShowArgs,
  UndeployArgs,
  UndeployResult,
  UpdateArgs,
  UpdateJob,
  UpdateResult,
  UpdateStarted,
  ServerInfo,
  VerifyReport,
} from "./generated/types.ts";
import { type Args, type CommandName, CommandError, type Result, type Transport } from "./transport.ts";

/** The tab's token (the API page at /api/docs keeps it under the same key). */
export const TOKEN_KEY = "skillmeat-token";

/** `GET /api/v1/server` (generated from the server's type). */
export type { ServerInfo };

/** Why the page asks for the token; null while it has one that works. */
export type TokenWanted = { reason: "missing" | "wrong"; message: string } | null;

/** A provenance in one line, as `skillmeat show` prints it: `url#path@commit`. */
function originText(o: NonNullable<ArtifactDetail["origin"]>): string {
  const at = o.path ? `${o.url}#${o.path}` : o.url;
  return o.commit ? `${at} @ ${o.commit.slice(0, 12)}` : at;
}

/** The largest page the server gives. */
const MAX_LIMIT = 1000;

/**
 * The token of the URL's fragment, stored for the tab and removed from the
 * address bar (history.replaceState: no reload, no history entry); without
 * one, the tab's stored token.
 */
export function takeToken(win: Window = window): string | null {
  const params = new URLSearchParams(win.location.hash.replace(/^#/, ""));
  const given = params.get("token");
  if (given) {
    win.sessionStorage.setItem(TOKEN_KEY, given);
    params.delete("token");
    const rest = params.toString();
    win.history.replaceState(win.history.state, "", win.location.pathname + win.location.search + (rest ? `#${rest}` : ""));
  }
  return win.sessionStorage.getItem(TOKEN_KEY);
}

export interface HttpOptions {
  /** The server's origin; "" is the page's own. */
  base?: string;
  token: string | null;
  fetch?: typeof fetch;
  /** Where a given token is kept (sessionStorage). */
  store?: Pick<Storage, "setItem">;
  /** Saves a downloaded file (an `<a download>` click by default). */
  save?: (bytes: Uint8Array, name: string) => void;
  /** How long to wait between two looks at a running update (ms). */
  pollMs?: number;
}

/** The HTTP transport; `info()` before the views (it sets `deploy`). */
export class HttpTransport implements Transport {
  readonly host = "browser" as const;
  /** Set by `info()`: only a loopback server deploys. */
  deploy = false;
  private token: string | null;
  private wanted: TokenWanted = null;
  private waiting: Array<() => void> = [];
  private readonly listeners = new Set<(w: TokenWanted) => void>();
  private readonly base: string;
  private readonly fetcher: typeof fetch;
  private readonly store: Pick<Storage, "setItem"> | null;
  private readonly save: (bytes: Uint8Array, name: string) => void;
  private readonly pollMs: number;

  constructor(opts: HttpOptions) {
    this.base = opts.base ?? "";
    this.token = opts.token;
    this.fetcher = opts.fetch ?? ((input, init) => fetch(input, init));
    this.store = opts.store ?? (typeof sessionStorage === "undefined" ? null : sessionStorage);
    this.save = opts.save ?? saveFile;
    this.pollMs = opts.pollMs ?? 250;
  }

  /** Calls `cb` now and whenever the token prompt opens or closes. */
  onTokenWanted(cb: (w: TokenWanted) => void): () => void {
    this.listeners.add(cb);
    cb(this.wanted);
    return () => this.listeners.delete(cb);
  }

  /** A token pasted into the prompt: kept, and the waiting requests sent again. */
  setToken(token: string): void {
    this.token = token.trim();
    this.store?.setItem(TOKEN_KEY, this.token);
    this.want(null);
    const waiting = this.waiting;
    this.waiting = [];
    for (const go of waiting) go();
  }

  async info(): Promise<ServerInfo> {
    const info = await this.json<ServerInfo>("GET", "/api/v1/server");
    this.deploy = info.loopback;
    return info;
  }

  async call<K extends CommandName>(cmd: K, args: Args<K>): Promise<Result<K>> {
    const run = (this.commands as Record<string, ((a: unknown) => Promise<unknown>) | undefined>)[cmd];
    if (!run) throw new CommandError("bad_input", `${cmd} is not available in the browser (skillmeat serve has no route for it)`);
    return (await run(args)) as Result<K>;
  }

  private readonly commands: { [K in CommandName]?: (args: Args<K>) => Promise<Result<K>> } = {
    list_artifacts: (a) => this.list(a),
    show_artifact: (a) => this.show(a),
    deploy: (a) => this.deployTo(a),
    undeploy: (a) => this.undeployFrom(a),
    project_status: (a) => this.status(a),
    export_bundle: (a) => this.exportBundle(a),
    use_version: (a) => this.json("POST", `${artifact(a.name)}/use`, { hash: a.hash }),
    outdated: (a) => this.outdated(a),
    update_plugins: (a) => this.updatePlugins(a),
  };

  async onImportProgress(): Promise<() => void> {
    return () => {};
  }
  async onDrop(): Promise<() => void> {
    return () => {};
  }
  /** The server's folders are not the browser's to choose: typed instead. */
  async pickPath(): Promise<string | null> {
    return null;
  }
  async pickSavePath(): Promise<string | null> {
    return null;
  }

  /** An artifact's parents and children. */
  async associations(id: string, opts: { parents?: boolean; children?: boolean; relationship?: Membership } = {}): Promise<Associations> {
    const q = new URLSearchParams();
    if (opts.parents !== undefined) q.set("include_parents", String(opts.parents));
    if (opts.children !== undefined) q.set("include_children", String(opts.children));
    if (opts.relationship) q.set("relationship_type", opts.relationship);
    return this.json("GET", `${artifact(id)}/associations${query(q)}`);
  }

  /** The bytes of one stored file (`""`: a one-file artifact's file), of the current version unless `version`. */
  async file(id: string, path: string, version?: string): Promise<Uint8Array> {
    const q = new URLSearchParams(version ? { version } : {});
    const rel = path.split("/").map(encodeURIComponent).join("/");
    const r = await this.send("GET", `${artifact(id)}/files/${rel}${query(q)}`);
    return new Uint8Array(await r.arrayBuffer());
  }

  async verify(): Promise<VerifyReport> {
    return this.json("POST", "/api/v1/verify");
  }

  // The hash-first import (DESIGN.md §12), for the browser's Import (upload/).

  /** `POST /api/v1/plan`: the three buckets of each plugin from its children's hashes. */
  plan(args: PlanArgs): Promise<ImportPreview> {
    return this.json("POST", "/api/v1/plan", args);
  }

  /** `POST /api/v1/plan/bundle`: the preview of a bundle zip uploaded as one blob. */
  planBundle(args: BundlePlanArgs): Promise<ImportPreview> {
    return this.json("POST", "/api/v1/plan/bundle", args);
  }

  /** `POST /api/v1/blobs/missing`: the hashes the server holds nowhere. */
  async missingBlobs(sha256: string[]): Promise<string[]> {
    return (await this.json<MissingBlobs>("POST", "/api/v1/blobs/missing", { sha256 })).missing;
  }

  /** `PUT /api/v1/blobs/{sha256}`: one file's bytes (the server re-hashes them). */
  putBlob(sha256: string, body: Blob, signal?: AbortSignal): Promise<BlobStored> {
    return this.json("PUT", `/api/v1/blobs/${sha256}`, body, signal);
  }

  /** `POST /api/v1/blobs`: many small blobs in one body (see `batchBody`). */
  putBlobs(body: Blob, signal?: AbortSignal): Promise<BlobsStored> {
    return this.json("POST", "/api/v1/blobs", body, signal);
  }

  /** `POST /api/v1/artifacts/import/composite` (202): the import starts. */
  importComposite(args: CompositeImportArgs): Promise<ImportStarted> {
    return this.json("POST", "/api/v1/artifacts/import/composite", args);
  }

  /** `GET /api/v1/imports/{id}`. */
  importStatus(id: string): Promise<ImportJob> {
    return this.json("GET", `/api/v1/imports/${encodeURIComponent(id)}`);
  }

  private async list(a: ListArgs): Promise<ArtifactList> {
    const q = new URLSearchParams();
    if (a.kind) q.set("artifact_type", a.kind);
    if (a.subtype) q.set("subtype", a.subtype);
    if (a.search) q.set("q", a.search);
    const offset = a.offset ?? 0;
    const page = async (limit: number, at: number) => {
      q.set("limit", String(limit));
      q.set("offset", String(at));
      return this.json<ArtifactPage>("GET", `/api/v1/artifacts${query(q)}`);
    };
    if (a.limit !== undefined) {
      const p = await page(a.limit, offset);
      return { items: p.items.map(summary), total: p.total, count: p.count };
    }
    // No limit is every artifact, as in the app: page until the total.
    const items: ArtifactItem[] = [];
    let total = 0;
    for (;;) {
      const p = await page(MAX_LIMIT, offset + items.length);
      items.push(...p.items);
      total = p.total;
      if (p.items.length === 0 || offset + items.length >= total) break;
    }
    return { items: items.map(summary), total, count: items.length };
  }

  private async show(a: ShowArgs): Promise<ArtifactDetail> {
    const id = a.kind ? `${a.kind}:${a.name_or_id}` : a.name_or_id;
    const { type, artifact_uuid: _, source, ...rest } = await this.json<ArtifactInfo>("GET", artifact(id));
    return { ...rest, kind: type, origin: source, source: source ? originText(source) : null };
  }

  /** One plugin (`name`) or all: the route takes one name at a time. */
  private async outdated(a: OutdatedArgs): Promise<OutdatedReport> {
    const get = (name?: string) => {
      const q = new URLSearchParams();
      if (name) q.set("name", name);
      if (a.offline) q.set("offline", "true");
      return this.json<OutdatedReport>("GET", `/api/v1/outdated${query(q)}`);
    };
    if (!a.names || a.names.length === 0) return get();
    const each = await Promise.all(a.names.map((n) => get(n)));
    return { plugins: each.flatMap((r) => r.plugins) };
  }

  /** `POST /api/v1/update` answers 202 at once (fetching and importing may
   * take longer than a request may): followed by its id until it ends. */
  private async updatePlugins(a: UpdateArgs): Promise<UpdateResult> {
    const started = await this.json<UpdateStarted>("POST", "/api/v1/update", a);
    const id = started.transaction_id;
    for (;;) {
      const job = await this.json<UpdateJob>("GET", `/api/v1/updates/${encodeURIComponent(id)}`);
      if (job.status === "succeeded" && job.result) return job.result;
      if (job.status === "failed") {
        throw new CommandError(job.error?.code ?? "internal", job.error?.message ?? `update ${id} failed`);
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  private async deployTo(a: DeployArgs): Promise<DeployResult> {
    if (a.platform !== "claude-code") {
      throw new CommandError("bad_input", `platform ${a.platform}: only claude-code is deployable in v1`);
    }
    const body = { project: a.project, force: a.force, dry_run: a.dry_run, use_current: a.use_current, mode: a.mode ?? undefined };
    return this.json("POST", `${artifact(a.name)}/deploy`, body);
  }

  private undeployFrom(a: UndeployArgs): Promise<UndeployResult> {
    return this.json("POST", `${artifact(a.name)}/undeploy`, { project: a.project, force: a.force });
  }

  private status(a: ProjectArgs): Promise<ProjectStatus> {
    return this.json("GET", `/api/v1/projects/status${query(new URLSearchParams({ project: a.project }))}`);
  }

  /** The bundle, downloaded: its name, SHA-256 (the wasm core) and file count. */
  private async exportBundle(a: ExportArgs): Promise<ExportResult> {
    const q = new URLSearchParams(a.allow_secrets ? { allow_secrets: "true" } : {});
    const r = await this.send("GET", `${artifact(a.name)}/bundle${query(q)}`);
    const bytes = new Uint8Array(await r.arrayBuffer());
    const name = fileName(r.headers.get("content-disposition")) ?? `${a.name}.zip`;
    const core = await import("./core.ts");
    await core.loadCore();
    const content_hash = core.hashBytes(bytes);
    this.save(bytes, name);
    // The zip's entries, less skillmeat-bundle.json (as `skillmeat export` counts).
    const files = Math.max(0, zipEntries(bytes) - 1);
    return { path: name, content_hash, files, bytes: bytes.length, plugin: a.name, version: null };
  }

  private async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const r = await this.send(method, path, body, signal);
    return (await r.json()) as T;
  }

  /** One request with the token; a 401 waits for a token and sends it again.
   * A `Blob` body goes as it is (`application/octet-stream`), any other as JSON. */
  private async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    for (;;) {
      if (this.token === null || this.token === "") {
        await this.ask({ reason: "missing", message: "this page needs the server's token" });
        continue;
      }
      const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
      const raw = typeof Blob !== "undefined" && body instanceof Blob;
      if (body !== undefined) headers["Content-Type"] = raw ? "application/octet-stream" : "application/json";
      const payload = body === undefined ? undefined : raw ? (body as Blob) : JSON.stringify(body);
      let r: Response;
      try {
        r = await this.fetcher(this.base + path, { method, headers, body: payload, signal });
      } catch (e) {
        if (signal?.aborted) throw e;
        throw new CommandError("internal", `skillmeat serve did not answer (${e instanceof Error ? e.message : String(e)}): is it still running?`);
      }
      if (r.status === 401) {
        const refused = await errorOf(r);
        await this.ask({ reason: "wrong", message: refused.message });
        continue;
      }
      if (!r.ok) throw await errorOf(r);
      return r;
    }
  }

  private ask(w: NonNullable<TokenWanted>): Promise<void> {
    this.want(w);
    return new Promise((go) => this.waiting.push(go));
  }

  private want(w: TokenWanted): void {
    this.wanted = w;
    for (const cb of this.listeners) cb(w);
  }
}

/** `{code, message}` of a refusal; a body that is not one keeps the status's code. */
export async function errorOf(r: Response): Promise<CommandError> {
  const text = await r.text().catch(() => "");
  try {
    const e = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof e.code === "string" && typeof e.message === "string") return new CommandError(e.code as ErrorCode, e.message);
  } catch {
    // not JSON: a proxy's or the browser's page
  }
  return new CommandError(codeOf(r.status), text.trim() || `HTTP ${r.status} ${r.statusText}`.trim());
}

/** The server's mapping (desktop/src/serve/error.rs), for answers that are not `{code, message}`. */
export function codeOf(status: number): ErrorCode {
  switch (status) {
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "too_large";
    default:
      return status >= 500 ? "internal" : "bad_input";
  }
}

function artifact(id: string): string {
  return `/api/v1/artifacts/${encodeURIComponent(id)}`;
}

function query(q: URLSearchParams): string {
  const s = q.toString();
  return s ? `?${s}` : "";
}

function summary({ type, artifact_uuid: _, ...rest }: ArtifactItem): ArtifactSummary {
  return { ...rest, kind: type };
}

/** `attachment; filename="guardrails-1.0.0.zip"` → the name. */
function fileName(disposition: string | null): string | null {
  const m = /filename="([^"]+)"/.exec(disposition ?? "");
  return m ? m[1]! : null;
}

/** The entry count of a zip's end-of-central-directory record (0 if none). */
export function zipEntries(zip: Uint8Array): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === 0x06054b50) return view.getUint16(at + 10, true);
  }
  return 0;
}

/** Saves bytes as a download. */
function saveFile(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: "application/zip" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
