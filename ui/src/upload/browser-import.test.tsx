// The browser's Import end to end in jsdom: files chosen on the directory
// input, hashed by an in-page stand-in for the worker with the real wasm
// core, the plan, the uploads and the composite import through the real
// HttpTransport over a fake `fetch` that plays skillmeat serve.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { act } from "react";
import { App } from "../App.tsx";
import { discover, FileHasher } from "../core.ts";
import type { HashWorker } from "../folder/hashing.ts";
import type { FromWorker, ToWorker } from "../folder/protocol.ts";
import type { BundlePlanArgs, CompositeImportArgs, ImportPreview, PlanArgs, PreviewChild } from "../generated/types.ts";
import { HttpTransport } from "../http.ts";
import { byText, click, loadWasm, mount, type Mounted, settle } from "../test/fake.ts";
import { BrowserImport } from "../views/BrowserImport.tsx";
import { size, uploadSummary } from "./flow.ts";

beforeAll(loadWasm);

const MANIFEST = '{"name": "canvas", "version": "1.0.0"}';
const DESIGN = "---\nname: canvas-design\ndescription: Design on a canvas.\n---\nDraw.\n";
const COMMAND = "---\ndescription: Open the canvas.\n---\nOpen it.\n";
const SCRIPT = "#!/bin/sh\necho drawn\n";
const FILES: Record<string, string> = {
  ".claude-plugin/plugin.json": MANIFEST,
  "skills/canvas-design/SKILL.md": DESIGN,
  "skills/canvas-design/copy.md": DESIGN, // the same bytes twice: one blob
  "commands/canvas.md": COMMAND,
  "skills/canvas-design/scripts/draw.sh": SCRIPT,
};
const sha = (text: string) => {
  const h = new FileHasher();
  h.update(new TextEncoder().encode(text));
  return h.finish();
};
const bytesOf = (texts: string[]) => texts.reduce((n, t) => n + new TextEncoder().encode(t).length, 0);
const DISTINCT = [MANIFEST, DESIGN, COMMAND, SCRIPT];

/** The chosen folder as `<input webkitdirectory>` gives it. */
function chosenFiles(root = "canvas", files = FILES): File[] {
  return Object.entries(files).map(([path, text]) => {
    const f = new File([text], path.split("/").at(-1)!);
    Object.defineProperty(f, "webkitRelativePath", { value: `${root}/${path}` });
    return f;
  });
}

const read = (f: Blob) =>
  new Promise<Uint8Array>((ok, fail) => {
    const r = new FileReader();
    r.onload = () => ok(new Uint8Array(r.result as ArrayBuffer));
    r.onerror = () => fail(r.error);
    r.readAsArrayBuffer(f);
  });

/** worker.ts's answers, computed in the page with the same wasm core. */
function inlineWorker(hold = false): HashWorker & { posted: ToWorker[]; terminated: boolean } {
  const paths: string[] = [];
  const bytes = new Map<string, Uint8Array>();
  const digests = new Map<string, string>();
  const w = {
    posted: [] as ToWorker[],
    terminated: false,
    onmessage: null as ((e: { data: FromWorker }) => void) | null,
    postMessage(m: ToWorker) {
      w.posted.push(m);
      if (hold) return;
      const reply = (d: FromWorker) => setTimeout(() => w.onmessage?.({ data: d }), 0);
      if (m.type === "batch") {
        const files = m.files.map((f) => {
          const b = new Uint8Array(f.bytes);
          const h = new FileHasher();
          h.update(b);
          const digest = h.finish();
          paths.push(f.path);
          bytes.set(f.path, b);
          digests.set(f.path, digest);
          const script = b[0] === 0x23 && b[1] === 0x21;
          return { id: f.id, sha256: digest, size: b.length, ...(script ? { script } : {}) };
        });
        reply({ type: "hashed", files });
      } else if (m.type !== "finish") {
        throw new Error(`the inline worker takes no ${m.type} message`);
      } else {
        setTimeout(() => {
          const report = discover(paths, (p) => bytes.get(p), digests, m.rootName);
          w.onmessage?.({ data: { type: "done", tree: "0".repeat(64), treeFiles: paths.length, report, discoverMs: 1 } });
        }, 5);
      }
    },
    terminate() {
      w.terminated = true;
    },
  };
  return w;
}

type Req = { method: string; path: string; body: unknown };

/** skillmeat serve as the flow sees it: blobs it holds, the plan's buckets from
 * the collection's current hashes, a composite import that succeeds. */
function fakeServer(opts: { has?: string[]; current?: Record<string, string>; failPuts?: number; failImports?: number; stored?: Record<string, string> } = {}) {
  const blobs = new Set(opts.has ?? []);
  const requests: Req[] = [];
  let failPuts = opts.failPuts ?? 0;
  let failImports = opts.failImports ?? 0;
  let imported: CompositeImportArgs | null = null;
  let planned: PlanArgs | null = null;
  let polls = 0;
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), "http://server");
    const method = init?.method ?? "GET";
    const raw = init?.body instanceof Blob ? await read(init.body) : undefined;
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : raw;
    requests.push({ method, path: url.pathname, body });
    const p = url.pathname;
    if (p === "/api/v1/server") return json(200, { version: "0.1.0", collection: "default", loopback: false });
    if (p === "/api/v1/plan") {
      planned = body as PlanArgs;
      return json(200, plan(planned, opts.current ?? {}));
    }
    if (p === "/api/v1/plan/bundle") {
      // The zip (uploaded first) holds canvas: canvas-design and canvas-review.
      const zip = (body as BundlePlanArgs).bundle;
      if (!blobs.has(zip.sha256)) return json(409, { code: "conflict", message: `1 blob(s) not uploaded: ${zip.sha256}` });
      const child = (name: string, text: string) => ({ kind: "skill" as const, name, content_hash: sha(text) });
      planned = { plugins: [{ name: "canvas", children: [child("canvas-design", "Draw.\n"), child("canvas-review", "Look.\n")] }] };
      return json(200, plan(planned, opts.current ?? {}));
    }
    if (p === "/api/v1/blobs/missing") return json(200, { missing: (body as { sha256: string[] }).sha256.filter((h) => !blobs.has(h)) });
    if (p.startsWith("/api/v1/blobs/") && method === "PUT") {
      if (failPuts > 0) {
        failPuts--;
        return json(503, { code: "internal", message: "busy" });
      }
      const h = p.split("/").at(-1)!;
      const got = sha(new TextDecoder().decode(raw));
      if (got !== h) return json(422, { code: "bad_input", message: `bytes hash to ${got}` });
      blobs.add(h);
      return json(200, { sha256: h, size: raw!.length });
    }
    if (p === "/api/v1/blobs" && method === "POST") {
      const stored = [];
      for (let at = 0; at < raw!.length; ) {
        const nl = raw!.indexOf(0x0a, at);
        const [h, n] = new TextDecoder().decode(raw!.subarray(at, nl)).split(" ");
        const bytes = raw!.subarray(nl + 1, nl + 1 + Number(n));
        const got = sha(new TextDecoder().decode(bytes));
        if (got !== h) return json(422, { code: "bad_input", message: `bytes hash to ${got}, not ${h}` });
        blobs.add(h!);
        stored.push({ sha256: h!, size: bytes.length });
        at = nl + 1 + Number(n);
      }
      return json(200, { stored });
    }
    if (p === "/api/v1/artifacts/import/composite") {
      if (failImports > 0) {
        failImports--;
        return json(409, { code: "conflict", message: "another import holds the collection" });
      }
      imported = body as CompositeImportArgs;
      const lacking = [...(imported.files ?? []), ...(imported.bundle ? [imported.bundle] : [])].filter((f) => !blobs.has(f.sha256)).map((f) => f.sha256);
      if (lacking.length) return json(409, { code: "conflict", message: `${lacking.length} blob(s) not uploaded` });
      return json(202, { transaction_id: "job-1", status: "in_progress", parent: { name: "canvas", pending: true }, children: [], plugins: [] });
    }
    if (p === "/api/v1/imports/job-1") {
      polls++;
      if (polls < 2) return json(200, { transaction_id: "job-1", status: "in_progress" });
      return json(200, { transaction_id: "job-1", status: "succeeded", result: summary(imported!, planned!, opts.current ?? {}) });
    }
    const file = /^\/api\/v1\/artifacts\/([^/]+)\/files\/(.*)$/.exec(p);
    if (file) {
      const text = opts.stored?.[`${decodeURIComponent(file[1]!)}/${file[2]}`];
      return text === undefined ? json(404, { code: "not_found", message: "no such file" }) : new Response(text);
    }
    return json(404, { code: "not_found", message: `no route ${p}` });
  };
  return { fetch, requests, blobs, imported: () => imported };
}

function plan(args: PlanArgs, current: Record<string, string>): ImportPreview {
  return {
    plugins: args.plugins.map((p) => {
      const buckets = { new: [] as PreviewChild[], existing: [] as PreviewChild[], conflict: [] as PreviewChild[] };
      for (const c of p.children) {
        const cur = current[`${c.kind}:${c.name}`] ?? null;
        const child = { ...c, current_hash: cur };
        (cur === null ? buckets.new : cur === c.content_hash ? buckets.existing : buckets.conflict).push(child);
      }
      return { name: p.name, buckets, loads_in_claude_code: true, load_errors: [], validation_errors: [] };
    }),
    warnings: [],
  };
}

/** What the import stored: each child at its incoming hash, a kept conflict at its current one. */
function summary(args: CompositeImportArgs, planned: PlanArgs, current: Record<string, string>) {
  const choices = args.conflict_choices ?? [];
  const kept = (c: PlanArgs["plugins"][number]["children"][number]) =>
    choices.find((x) => x.name === c.name && x.kind === c.kind)?.policy === "keep" ? current[`${c.kind}:${c.name}`]! : c.content_hash;
  const children = planned.plugins[0]!.children;
  return {
    warnings: [],
    results: [
      {
        success: true,
        plugin_name: "canvas",
        plugin_id: "plugin-1",
        children_imported: children.length,
        children_reused: 0,
        children_new_version: 0,
        errors: [],
        transaction_id: "txn-1",
        dry_run: false,
        loads_in_claude_code: true,
        load_errors: [],
        validation_errors: [],
        children: children.map((c) => ({ kind: c.kind, name: c.name, pinned_hash: kept(c) })),
      },
    ],
  };
}
const OLD_DESIGN = "---\nname: canvas-design\ndescription: Design on a canvas.\n---\nSketch.\n";

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

async function open(server: ReturnType<typeof fakeServer>, worker: () => HashWorker = () => inlineWorker()) {
  const http = new HttpTransport({ token: "t0k3n", fetch: server.fetch as typeof fetch, store: { setItem() {} } });
  await http.info();
  m = await mount(<BrowserImport go={() => {}} api={http} startWorker={worker} />);
  return http;
}

async function choose(files: File[]) {
  const input = m!.container.querySelector<HTMLInputElement>("input[name=import-folder]")!;
  Object.defineProperty(input, "files", { value: files, configurable: true });
  await act(async () => input.dispatchEvent(new Event("change", { bubbles: true })));
  for (let i = 0; i < 20 && !m!.container.querySelector(".plugin-preview, [role=alert]"); i++) await settle();
}

async function importNow(label = "Import") {
  await click(byText(m!.container, ".actions button", label));
  for (let i = 0; i < 100 && !m!.container.querySelector("[data-field=upload-summary], [role=alert]"); i++) {
    await act(async () => new Promise((r) => setTimeout(r, 20)));
  }
}

const buckets = () =>
  Object.fromEntries([...m!.container.querySelectorAll<HTMLElement>("[data-bucket]")].map((b) => [b.dataset.bucket, Number(b.querySelector("strong")?.textContent)]));
/** The hashes of a batch body (`SHA256 SIZE\n` then the bytes, per blob). */
function batchHashes(raw: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at < raw.length; ) {
    const nl = raw.indexOf(0x0a, at);
    const [h, n] = new TextDecoder().decode(raw.subarray(at, nl)).split(" ");
    out.push(h!);
    at = nl + 1 + Number(n);
  }
  return out;
}
/** Every blob sent, by PUT or in a batch, in the order sent. */
const puts = (s: ReturnType<typeof fakeServer>) =>
  s.requests.flatMap((r) =>
    r.method === "PUT" ? [r.path.split("/").at(-1)] : r.method === "POST" && r.path === "/api/v1/blobs" ? batchHashes(r.body as Uint8Array) : [],
  );
const uploadRequests = (s: ReturnType<typeof fakeServer>) => s.requests.filter((r) => r.method === "PUT" || r.path === "/api/v1/blobs").map((r) => `${r.method} ${r.path}`);

describe("the browser's Import", () => {
  it("is in the browser's nav, and a chosen folder is hashed, discovered and planned by the server", async () => {
    const server = fakeServer();
    const http = new HttpTransport({ token: "t0k3n", fetch: server.fetch as typeof fetch, store: { setItem() {} } });
    await http.info();
    const app = await mount(<App transport={http} />);
    expect([...app.container.querySelectorAll('nav[aria-label="Main"] button')].map((b) => b.textContent)).toEqual(["Collection", "Updates", "Import", "Export"]);
    app.unmount();

    await open(server);
    await choose(chosenFiles());
    expect(buckets()).toEqual({ new: 2, existing: 0, conflict: 0 });
    const planned = server.requests.find((r) => r.path === "/api/v1/plan")!.body as PlanArgs;
    expect(planned.plugins.map((p) => [p.name, p.children.map((c) => `${c.kind}:${c.name}`).sort()])).toEqual([
      ["canvas", ["command:canvas", "skill:canvas-design"]],
    ]);
    expect(m!.container.querySelector("[data-field=hashed]")?.textContent).toMatch(/^canvas: 5 files, 0\.0 MB hashed in \d+ ms/);
    expect(uploadRequests(server)).toEqual([]);
  });

  it("Import uploads each missing blob once, imports the file list and says what was uploaded", async () => {
    const server = fakeServer();
    await open(server);
    await choose(chosenFiles());
    await importNow();
    expect(puts(server).sort()).toEqual(DISTINCT.map(sha).sort());
    expect(uploadRequests(server)).toEqual(["POST /api/v1/blobs"]);
    const asked = server.requests.find((r) => r.path === "/api/v1/blobs/missing")!.body as { sha256: string[] };
    expect(asked.sha256.sort()).toEqual(DISTINCT.map(sha).sort());
    const args = server.imported()!;
    expect(args.root_name).toBe("canvas");
    expect(args.plugins).toBeUndefined();
    expect(args.files!.map((f) => [f.path, f.sha256, f.size, f.executable])).toEqual(
      Object.entries(FILES).map(([p, t]) => [p, sha(t), bytesOf([t]), t.startsWith("#!")]),
    );
    const total = bytesOf(DISTINCT);
    const line = m!.container.querySelector<HTMLElement>("[data-field=upload-summary]")!;
    expect(line.textContent).toBe(`uploaded ${size(total)} of ${size(total)}; 0% already on the server`);
    expect([line.dataset.uploaded, line.dataset.content]).toEqual([String(total), String(total)]);
    expect(m!.container.querySelector("li[data-plugin=canvas] [data-count=imported]")?.textContent).toBe("2");
    expect(m!.container.querySelector(".summary .ok")?.textContent).toMatch(/match the preview/);
  });

  it("a second Import uploads only what is still missing (resume after a dropped connection)", async () => {
    const server = fakeServer({ has: [sha(MANIFEST), sha(DESIGN), sha(SCRIPT)] });
    await open(server);
    await choose(chosenFiles());
    await importNow();
    expect(puts(server)).toEqual([sha(COMMAND)]);
    const line = m!.container.querySelector<HTMLElement>("[data-field=upload-summary]")!;
    expect(line.dataset.uploaded).toBe(String(bytesOf([COMMAND])));
    expect(line.textContent).toBe(uploadSummary({ bytes: bytesOf([COMMAND]), contentBytes: bytesOf(DISTINCT) }));
  });

  it("an upload answered 503 is retried and the import goes on", async () => {
    const server = fakeServer({ has: [sha(MANIFEST), sha(DESIGN), sha(SCRIPT)], failPuts: 1 });
    await open(server);
    await choose(chosenFiles());
    await importNow();
    expect(puts(server)).toEqual([sha(COMMAND), sha(COMMAND)]);
    expect(m!.container.querySelector("[data-field=upload-summary]")).not.toBeNull();
    expect(m!.container.querySelector("[role=alert]")).toBeNull();
  });

  it("a conflict: the diff puts the server's file beside the page's, and Keep is sent as the child's choice", async () => {
    const server = fakeServer({ current: { "skill:canvas-design": "c".repeat(64) }, stored: { "skill:canvas-design/SKILL.md": OLD_DESIGN } });
    await open(server);
    await choose(chosenFiles());
    expect(buckets()).toEqual({ new: 1, existing: 0, conflict: 1 });
    await click(byText(m!.container, "[data-conflict=canvas-design] button", "View diff"));
    const diff = m!.container.querySelector("[data-conflict=canvas-design] .diff")!;
    expect(diff.querySelector("pre[aria-label=current]")?.textContent).toContain("Sketch.");
    expect(diff.querySelector("pre[aria-label=incoming]")?.textContent).toContain("Draw.");
    expect([...diff.querySelectorAll("h4")].map((h) => h.textContent)).toEqual(["SKILL.md (changed)", "copy.md (added)", "scripts/draw.sh (added)"]);
    const keep = m!.container.querySelector<HTMLInputElement>('[data-conflict=canvas-design] input[value="keep"]')!;
    await click(keep);
    await importNow();
    expect(server.imported()!.conflict_choices).toEqual([{ plugin: "canvas", kind: "skill", name: "canvas-design", policy: "keep" }]);
    expect(m!.container.querySelector(".summary .ok")?.textContent).toMatch(/match the preview/);
  });

  it("a bundle zip: uploaded as one blob, previewed by the server (buckets, Keep on a conflict, no page-side diff), imported with the choice", async () => {
    const server = fakeServer({ current: { "skill:canvas-design": "c".repeat(64) }, failImports: 1 });
    await open(server);
    const text = "PK: a bundle zip, as the fake server reads it";
    const input = m!.container.querySelector<HTMLInputElement>("input[name=import-bundle]")!;
    Object.defineProperty(input, "files", { value: [new File([text], "canvas-1.0.0.zip")], configurable: true });
    await act(async () => input.dispatchEvent(new Event("change", { bubbles: true })));
    for (let i = 0; i < 50 && !m!.container.querySelector(".plugin-preview, [role=alert]"); i++) await act(async () => new Promise((r) => setTimeout(r, 20)));
    expect(buckets()).toEqual({ new: 1, existing: 0, conflict: 1 });
    expect(uploadRequests(server)).toEqual([`PUT /api/v1/blobs/${sha(text)}`]);
    expect(server.requests.find((r) => r.path === "/api/v1/plan/bundle")!.body).toEqual({ bundle: { path: "canvas-1.0.0.zip", sha256: sha(text), size: text.length, executable: false } });
    expect(m!.container.querySelector("[data-field=bundle]")?.textContent).toMatch(/^canvas-1\.0\.0\.zip: a bundle zip/);
    expect(m!.container.querySelectorAll("[data-conflict=canvas-design] button").length).toBe(0);
    expect(server.imported()).toBeNull();
    const keep = () => m!.container.querySelector<HTMLInputElement>('[data-conflict=canvas-design] input[value="keep"]')!;
    await click(keep());
    // The first Import is refused: the preview comes back with the choice as it was.
    await importNow();
    expect(m!.container.querySelector("[role=alert]")?.textContent).toContain("another import holds the collection");
    expect([server.imported(), keep().checked]).toEqual([null, true]);
    await importNow();
    const imported = server.imported()!;
    expect([imported.bundle?.sha256, imported.files]).toEqual([sha(text), undefined]);
    expect(imported.conflict_choices).toEqual([{ plugin: "canvas", kind: "skill", name: "canvas-design", policy: "keep" }]);
    expect(m!.container.querySelector("[data-field=upload-summary]")?.getAttribute("data-uploaded")).toBe(String(text.length));
    expect(m!.container.querySelector(".summary .ok")?.textContent).toMatch(/match the preview/);
  });

  it("a marketplace: the picker's selection is imported, and only its plugins' files (and the marketplace's) are asked for and sent", async () => {
    const market: Record<string, string> = {
      ".claude-plugin/marketplace.json": JSON.stringify({
        name: "market",
        owner: { name: "o" },
        plugins: ["alpha", "beta", "gamma", "gone"].map((n) => ({ name: n, source: `./plugins/${n}` })),
      }),
    };
    for (const n of ["alpha", "beta", "gamma"]) {
      market[`plugins/${n}/.claude-plugin/plugin.json`] = JSON.stringify({ name: n, version: "1.0.0" });
      market[`plugins/${n}/commands/${n}.md`] = `---\ndescription: The ${n} command.\n---\nRun ${n}.\n`;
    }
    const server = fakeServer();
    await open(server);
    await choose(chosenFiles("market", market));
    expect([...m!.container.querySelectorAll<HTMLInputElement>("input[name=pick-plugin]")].map((c) => [c.value, c.checked])).toEqual([
      ["alpha", true],
      ["beta", true],
      ["gamma", true],
    ]);
    // What the page's discovery noticed is shown with the preview.
    const warnings = [...m!.container.querySelectorAll(".previews ul.warnings li")].map((li) => li.textContent);
    expect(warnings).toEqual(['.claude-plugin/marketplace.json: plugin "gone": source ./plugins/gone has no files here; skipped']);
    await click(byText(m!.container, ".picker .toolbar button", "None"));
    await click(m!.container.querySelector("input[name=pick-plugin][value=beta]"));
    await importNow("Import selected (1)");
    const wanted = [".claude-plugin/marketplace.json", "plugins/beta/.claude-plugin/plugin.json", "plugins/beta/commands/beta.md"];
    const asked = server.requests.find((r) => r.path === "/api/v1/blobs/missing")!.body as { sha256: string[] };
    expect(asked.sha256.sort()).toEqual(wanted.map((p) => sha(market[p]!)).sort());
    expect(puts(server).sort()).toEqual(wanted.map((p) => sha(market[p]!)).sort());
    const args = server.imported()!;
    expect([args.plugins, args.files!.map((f) => f.path).sort()]).toEqual([["beta"], wanted]);
    const line = m!.container.querySelector<HTMLElement>("[data-field=upload-summary]")!;
    expect(line.dataset.uploaded).toBe(String(bytesOf(wanted.map((p) => market[p]!))));
  });

  it("Cancel during hashing ends the worker and sends nothing to the server", async () => {
    const server = fakeServer();
    const workers: Array<ReturnType<typeof inlineWorker>> = [];
    await open(server, () => {
      const w = inlineWorker(true);
      workers.push(w);
      return w;
    });
    const before = server.requests.length;
    await choose(chosenFiles());
    expect(m!.container.querySelector("[data-field=hash-progress]")?.getAttribute("data-state")).toBe("hashing");
    await click(m!.container.querySelector("button[name=cancel]"));
    expect(workers[0]!.terminated).toBe(true);
    expect(m!.container.querySelector("[role=alert]")?.textContent).toMatch(/Cancelled: nothing was sent/);
    expect(server.requests.length).toBe(before);
  });
});
