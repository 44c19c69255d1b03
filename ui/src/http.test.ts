/// <reference types="node" />
// The HTTP transport against a mocked fetch: the token, the requests it
// sends, the answers it maps, the 401 prompt.
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpTransport, TOKEN_KEY, type TokenWanted, takeToken, zipEntries } from "./http.ts";
import { loadWasm } from "./test/fake.ts";
import { CommandError } from "./transport.ts";

type Sent = { url: string; method: string; headers: Record<string, string>; body: string | undefined };

/** A fetch that answers from a queue and records each request. */
function fakeFetch(answers: Array<Response | Error>) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body as string | undefined,
    });
    const next = answers.shift();
    if (!next) throw new Error(`no answer queued for ${String(input)}`);
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

const item = (id: string, name: string, type: string) => ({
  id,
  artifact_uuid: id,
  name,
  type,
  subtype: null,
  version: null,
  child_count: 0,
  content_hash: "a".repeat(64),
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

/** Settles pending promise callbacks. */
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("the token", () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => history.replaceState(null, "", "/"));

  it("is taken from the fragment, kept for the tab and removed from the address bar", () => {
    history.replaceState(null, "", "/?x=1#token=0123abcd");
    expect(location.hash).toBe("#token=0123abcd");
    expect(takeToken()).toBe("0123abcd");
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe("0123abcd");
    expect(location.hash).toBe("");
    expect(location.href).not.toContain("0123abcd");
    expect(location.search).toBe("?x=1");
    // A reload (no fragment) keeps the tab's token.
    expect(takeToken()).toBe("0123abcd");
  });

  it("is null with neither a fragment nor a stored one", () => {
    expect(takeToken()).toBeNull();
  });
});

describe("requests and answers", () => {
  it("sends the bearer token and maps the list's names; no limit pages through every artifact", async () => {
    const first = Array.from({ length: 1000 }, (_, i) => item(`id${i}`, `s${i}`, "skill"));
    const { fetch, sent } = fakeFetch([
      json(200, { items: first, total: 1001, count: 1000 }),
      json(200, { items: [item("last", "zz", "agent")], total: 1001, count: 1 }),
    ]);
    const t = new HttpTransport({ token: "tok", fetch, store: sessionStorage });
    const list = await t.call("list_artifacts", { kind: "skill", search: "guard rules" });
    expect(sent.map((s) => s.url)).toEqual([
      "/api/v1/artifacts?artifact_type=skill&q=guard+rules&limit=1000&offset=0",
      "/api/v1/artifacts?artifact_type=skill&q=guard+rules&limit=1000&offset=1000",
    ]);
    expect(sent.every((s) => s.headers.Authorization === "Bearer tok")).toBe(true);
    expect(list.total).toBe(1001);
    expect(list.count).toBe(1001);
    expect(list.items[1000]).toEqual({
      id: "last",
      name: "zz",
      kind: "agent",
      subtype: null,
      version: null,
      child_count: 0,
      content_hash: "a".repeat(64),
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    });
  });

  it("asks for one artifact by type:name, and deploys with the body the server takes", async () => {
    const info = { ...item("01P", "guardrails", "composite"), description: null, source: null, versions: [], parents: [], children: [], deployments: [] };
    const plan = { name: "guardrails", kind: "composite", project: "/p", platform: "claude-code", dry_run: true, operations: [], warnings: [], deployed: [] };
    const { fetch, sent } = fakeFetch([json(200, info), json(200, plan)]);
    const t = new HttpTransport({ token: "tok", fetch });
    const detail = await t.call("show_artifact", { name_or_id: "guardrails", kind: "composite" });
    expect(sent[0]!.url).toBe("/api/v1/artifacts/composite%3Aguardrails");
    expect(detail.kind).toBe("composite");
    expect("artifact_uuid" in detail || "type" in detail).toBe(false);
    const r = await t.call("deploy", {
      name: "guardrails",
      project: "/p",
      platform: "claude-code",
      dry_run: true,
      use_current: false,
      force: false,
      mode: "plugin",
    });
    expect(r).toEqual(plan);
    expect(sent[1]!.method).toBe("POST");
    expect(sent[1]!.url).toBe("/api/v1/artifacts/guardrails/deploy");
    expect(sent[1]!.headers["Content-Type"]).toBe("application/json");
    expect(JSON.parse(sent[1]!.body!)).toEqual({ project: "/p", force: false, dry_run: true, use_current: false, mode: "plugin" });
  });

  it("asks for associations, a stored file's bytes and a verify by their routes", async () => {
    const assoc = { artifact_id: "01S", parents: [], children: [] };
    const report = { ok: true, artifacts: 6, versions: 6, blobs: 12, problems: [] };
    const { fetch, sent } = fakeFetch([
      json(200, assoc),
      new Response(new Uint8Array([0x23, 0x20, 0xc3, 0xa9]) as BodyInit, { status: 200 }),
      new Response(new Uint8Array([1]) as BodyInit, { status: 200 }),
      json(200, report),
    ]);
    const t = new HttpTransport({ token: "tok", fetch });
    expect(await t.associations("skill:guard-rules", { children: false, relationship: "MEMBER" })).toEqual(assoc);
    expect([...(await t.file("skill:guard-rules", "references/a b#.md", "f".repeat(64)))]).toEqual([0x23, 0x20, 0xc3, 0xa9]);
    expect([...(await t.file("agent:guard-reviewer", ""))]).toEqual([1]);
    expect(await t.verify()).toEqual(report);
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /api/v1/artifacts/skill%3Aguard-rules/associations?include_children=false&relationship_type=MEMBER",
      `GET /api/v1/artifacts/skill%3Aguard-rules/files/references/a%20b%23.md?version=${"f".repeat(64)}`,
      "GET /api/v1/artifacts/agent%3Aguard-reviewer/files/",
      "POST /api/v1/verify",
    ]);
  });

  it("maps refusals to {code, message}", async () => {
    const { fetch } = fakeFetch([
      json(404, { code: "not_found", message: 'no artifact named "nope"' }),
      json(403, { code: "forbidden", message: "this server was started with --public" }),
      new Response("<html>Bad gateway</html>", { status: 502, headers: { "content-type": "text/html" } }),
      new Response("", { status: 409 }),
      new TypeError("Failed to fetch"),
    ]);
    const t = new HttpTransport({ token: "tok", fetch });
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => {
          expect(e).toBeInstanceOf(CommandError);
          return { code: (e as CommandError).code, message: (e as CommandError).message };
        },
      );
    expect(await fail(t.call("show_artifact", { name_or_id: "nope" }))).toEqual({ code: "not_found", message: 'no artifact named "nope"' });
    expect(await fail(t.call("project_status", { project: "/p" }))).toEqual({ code: "forbidden", message: "this server was started with --public" });
    expect(await fail(t.call("show_artifact", { name_or_id: "x" }))).toEqual({ code: "internal", message: "<html>Bad gateway</html>" });
    expect(await fail(t.call("show_artifact", { name_or_id: "x" }))).toEqual({ code: "conflict", message: "HTTP 409" });
    const down = await fail(t.call("show_artifact", { name_or_id: "x" }));
    expect(down?.code).toBe("internal");
    expect(down?.message).toContain("skillmeat serve did not answer (Failed to fetch)");
    // Import has no route yet: a clear refusal, no request.
    expect((await fail(t.call("import_source", { path: "/x", policy: "keep", choices: [] })))?.code).toBe("bad_input");
  });

  it("starts an update (202) and follows it by its id until it ends", async () => {
    const result = { dry_run: false, checked: [], previews: [], results: [] };
    const { fetch, sent } = fakeFetch([
      json(202, { transaction_id: "01UPD", status: "in_progress" }),
      json(200, { transaction_id: "01UPD", status: "in_progress" }),
      json(200, { transaction_id: "01UPD", status: "succeeded", result }),
      json(202, { transaction_id: "01BAD", status: "in_progress" }),
      json(200, { transaction_id: "01BAD", status: "failed", error: { code: "not_found", message: 'no artifact named "nope"' } }),
    ]);
    const t = new HttpTransport({ token: "tok", fetch, pollMs: 0 });
    expect(await t.call("update_plugins", { names: ["guardrails"] })).toEqual(result);
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /api/v1/update",
      "GET /api/v1/updates/01UPD",
      "GET /api/v1/updates/01UPD",
    ]);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({ names: ["guardrails"] });
    const failed = await t.call("update_plugins", { names: ["nope"] }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CommandError);
    expect((failed as CommandError).code).toBe("not_found");
    expect((failed as CommandError).message).toBe('no artifact named "nope"');
  });
});

describe("a 401", () => {
  it("opens the prompt; the pasted token is kept and the request sent again", async () => {
    const { fetch, sent } = fakeFetch([
      json(401, { code: "unauthorized", message: "wrong token" }, { "www-authenticate": "Bearer" }),
      json(200, { version: "0.1.0", collection: "default", loopback: true }),
    ]);
    const stored = new Map<string, string>();
    const t = new HttpTransport({ token: "stale", fetch, store: { setItem: (k, v) => void stored.set(k, v) } });
    const seen: TokenWanted[] = [];
    t.onTokenWanted((w) => seen.push(w));
    let info: unknown = null;
    const pending = t.info().then((i) => (info = i));
    await tick();
    expect(seen).toEqual([null, { reason: "wrong", message: "wrong token" }]);
    expect(info).toBeNull();
    expect(t.deploy).toBe(false);

    t.setToken("  fresh \n");
    await pending;
    expect(seen.at(-1)).toBeNull();
    expect(sent.map((s) => s.headers.Authorization)).toEqual(["Bearer stale", "Bearer fresh"]);
    expect(stored.get(TOKEN_KEY)).toBe("fresh");
    expect(info).toEqual({ version: "0.1.0", collection: "default", loopback: true });
    expect(t.deploy).toBe(true);
  });

  it("without a token, asks before sending anything", async () => {
    const { fetch, sent } = fakeFetch([json(200, { items: [], total: 0, count: 0 })]);
    const t = new HttpTransport({ token: null, fetch });
    const seen: TokenWanted[] = [];
    t.onTokenWanted((w) => seen.push(w));
    const pending = t.call("list_artifacts", { limit: 5 });
    await tick();
    expect(sent).toEqual([]);
    expect(seen.at(-1)?.reason).toBe("missing");
    t.setToken("tok");
    expect(await pending).toEqual({ items: [], total: 0, count: 0 });
    expect(sent[0]!.url).toBe("/api/v1/artifacts?limit=5&offset=0");
  });
});

/** A zip's end-of-central-directory record alone, saying `entries` entries. */
function eocd(entries: number): Uint8Array {
  const b = new Uint8Array(22 + 5);
  const v = new DataView(b.buffer);
  v.setUint32(5, 0x06054b50, true);
  v.setUint16(5 + 8, entries, true);
  v.setUint16(5 + 10, entries, true);
  return b;
}

describe("export", () => {
  it("downloads the bundle under the server's name, with its SHA-256 and file count", async () => {
    loadWasm();
    const zip = eocd(13);
    const { fetch, sent } = fakeFetch([
      new Response(zip as BodyInit, {
        status: 200,
        headers: { "content-type": "application/zip", "content-disposition": 'attachment; filename="guardrails-0.3.0.zip"' },
      }),
    ]);
    const saved: Array<{ name: string; bytes: Uint8Array }> = [];
    const t = new HttpTransport({ token: "tok", fetch, save: (bytes, name) => saved.push({ name, bytes }) });
    const r = await t.call("export_bundle", { name: "composite:guardrails", allow_secrets: true });
    expect(sent[0]!.url).toBe("/api/v1/artifacts/composite%3Aguardrails/bundle?allow_secrets=true");
    expect(saved.map((s) => s.name)).toEqual(["guardrails-0.3.0.zip"]);
    expect([...saved[0]!.bytes]).toEqual([...zip]);
    expect(r).toEqual({
      path: "guardrails-0.3.0.zip",
      content_hash: createHash("sha256").update(zip).digest("hex"),
      files: 12,
      bytes: 27,
      plugin: "composite:guardrails",
      version: null,
    });
    expect(zipEntries(new Uint8Array(40))).toBe(0);
  });
});
