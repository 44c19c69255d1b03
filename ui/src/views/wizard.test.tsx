import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { App } from "../App.tsx";
import type { ImportArgs, IndexSnapshot, ImportSummary, SourceListing } from "../generated/types.ts";
import { CommandError } from "../transport.ts";
import { byText, click, fakeTransport, loadWasm, mount, type Mounted, repo, settle, type } from "../test/fake.ts";

const FIXTURE = repo("tests/fixtures/guardrails");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [relative(FIXTURE, p).split("\\").join("/")];
  });
}

const FILES = walk(FIXTURE).sort();

function walkIn(root: string, dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walkIn(root, p) : [relative(root, p).split("\\").join("/")];
  });
}

function listing(): SourceListing {
  return {
    path: FIXTURE,
    root_name: "guardrails",
    bundle: false,
    files: FILES.map((path) => ({ path, size: statSync(join(FIXTURE, path)).size })),
  };
}

function read({ path }: { path: string }): ArrayBuffer {
  const b = readFileSync(join(FIXTURE, path));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function counts(m: Mounted): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of m.container.querySelectorAll<HTMLElement>("[data-bucket]")) {
    out[b.dataset.bucket!] = Number(b.querySelector("strong")?.textContent);
  }
  return out;
}

async function preview(index: IndexSnapshot, extra: Parameters<typeof fakeTransport>[0] = {}, at = FIXTURE) {
  const t = fakeTransport({
    list_source: () => listing(),
    read_source_file: read,
    collection_index: () => index,
    ...extra,
  });
  const m = await mount(<App transport={t} initial={{ view: "import" }} />);
  await type(m.container.querySelector("input[name=source-path]"), at);
  await click(byText(m.container, "button", "Preview"));
  await settle();
  return { t, m };
}

/** The children and hashes the page computed for an empty collection. */
async function firstPreview() {
  const { m, t } = await preview({ artifacts: [] });
  const items = [...m.container.querySelectorAll<HTMLElement>(".children li")].map((li) => ({
    name: li.textContent!.replace(/^NEW\s*\S+\s*/u, "").split(" ")[0]!,
    hash: li.querySelector("code")!.getAttribute("title")!,
  }));
  m.unmount();
  return { items, t };
}

describe("Import wizard", () => {
  let m: Mounted | undefined;
  beforeAll(loadWasm);
  afterEach(() => m?.unmount());

  it("hashes every file with the wasm core and shows all children NEW for an empty collection", async () => {
    const r = await preview({ artifacts: [] });
    m = r.m;
    expect(counts(m)).toEqual({ new: 5, existing: 0, conflict: 0 });
    const reads = r.t.calls.filter((c) => c.cmd === "read_source_file");
    expect(reads.length).toBe(FILES.length);
    const bar = m.container.querySelector("progress");
    expect(bar).toBeNull(); // the bar is gone once the preview is shown
    expect(m.container.textContent).toContain("guardrails");
  });

  it("puts a child with other content in CONFLICT, imports with Keep, and compares the engine's hashes", async () => {
    const { items } = await firstPreview();
    expect(items.length).toBe(5);
    const kinds: Record<string, IndexSnapshot["artifacts"][number]["kind"]> = {
      "guard-rules": "skill",
      "guard-status": "command",
      "guard-reviewer": "agent",
      guardrails: "hook",
      "guard-audit": "mcp_server",
    };
    const old = "a".repeat(64);
    const index: IndexSnapshot = {
      artifacts: items.map((c, i) => {
        const h = c.name === "guard-rules" ? old : c.hash;
        return { id: `id${i}`, kind: kinds[c.name]!, name: c.name, current_hash: h, hashes: [h] };
      }),
    };
    const summary = (pins: Record<string, string>): ImportSummary => ({
      warnings: [],
      results: [
        {
          success: true,
          plugin_name: "guardrails",
          plugin_id: "plugin-1",
          children_imported: 0,
          children_reused: 4,
          children_new_version: 0,
          errors: [],
          transaction_id: "txn-42",
          dry_run: false,
          loads_in_claude_code: true,
          load_errors: [],
          validation_errors: [],
          children: items.map((c) => ({ kind: kinds[c.name]!, name: c.name, pinned_hash: pins[c.name] ?? c.hash })),
        },
      ],
    });
    let sent: ImportArgs | undefined;
    const r = await preview(index, {
      import_source: (a) => {
        sent = a;
        return summary({ "guard-rules": old });
      },
      file_diff: (a) => ({
        kind: a.kind,
        name: a.name,
        files: [{ path: "SKILL.md", current: "one\ntwo", incoming: "one\nthree", change: "changed" }],
      }),
    });
    m = r.m;
    expect(counts(m)).toEqual({ new: 0, existing: 4, conflict: 1 });
    const conflict = m.container.querySelector<HTMLElement>("[data-conflict=guard-rules]")!;
    expect(conflict.textContent).toContain(old.slice(0, 12));

    await click(byText(conflict, "button", "View diff"));
    const del = [...conflict.querySelectorAll("pre[aria-label=current] .del")].map((e) => e.textContent);
    const add = [...conflict.querySelectorAll("pre[aria-label=incoming] .add")].map((e) => e.textContent);
    expect(del).toEqual(["two"]);
    expect(add).toEqual(["three"]);

    await click(conflict.querySelector("input[value=keep]"));
    await click(byText(m.container, "button", "Import All"));
    expect(sent?.choices).toEqual([{ plugin: "guardrails", kind: "skill", name: "guard-rules", policy: "keep" }]);
    expect(m.container.querySelector("[data-count=reused]")?.textContent).toBe("4");
    expect(m.container.textContent).toContain("txn-42");
    expect(m.container.textContent).toContain("hashes match the preview");
  });

  it("sends a choice per conflict (Keep one, Fork another) and checks each against the engine", async () => {
    const { items } = await firstPreview();
    const hash = (name: string) => items.find((c) => c.name === name)!.hash;
    const [oldRules, oldStatus] = ["a".repeat(64), "b".repeat(64)];
    const index: IndexSnapshot = {
      artifacts: [
        { id: "s", kind: "skill", name: "guard-rules", current_hash: oldRules, hashes: [oldRules] },
        { id: "c", kind: "command", name: "guard-status", current_hash: oldStatus, hashes: [oldStatus] },
      ],
    };
    const stored = (keptPin: string) => ({
      warnings: [],
      results: [
        {
          success: true,
          plugin_name: "guardrails",
          plugin_id: "plugin-1",
          children_imported: 4,
          children_reused: 1,
          children_new_version: 0,
          errors: [],
          transaction_id: "txn-7",
          dry_run: false,
          loads_in_claude_code: true,
          load_errors: [],
          validation_errors: [],
          children: [
            { kind: "skill" as const, name: "guard-rules", pinned_hash: keptPin },
            { kind: "command" as const, name: "guard-status--guardrails", pinned_hash: hash("guard-status") },
            ...["guard-reviewer", "guardrails", "guard-audit"].map((name) => ({
              kind: ({ "guard-reviewer": "agent", guardrails: "hook", "guard-audit": "mcp_server" } as const)[name]!,
              name,
              pinned_hash: hash(name),
            })),
          ],
        },
      ],
    });
    let sent: ImportArgs | undefined;
    let keptPin = oldRules;
    const r = await preview(index, {
      import_source: (a) => {
        sent = a;
        return stored(keptPin);
      },
    });
    m = r.m;
    expect(counts(m)).toEqual({ new: 3, existing: 0, conflict: 2 });
    const rules = m.container.querySelector<HTMLElement>("[data-conflict=guard-rules]")!;
    const status = m.container.querySelector<HTMLElement>("[data-conflict=guard-status]")!;
    await click(rules.querySelector("input[value=keep]"));
    await click(status.querySelector("input[value=fork]"));
    expect(m.container.querySelector("[role=alert]")).toBeNull();
    await click(byText(m.container, "button", "Import All"));
    expect(sent?.path).toBe(FIXTURE);
    expect(sent?.choices).toEqual([
      { plugin: "guardrails", kind: "skill", name: "guard-rules", policy: "keep" },
      { plugin: "guardrails", kind: "command", name: "guard-status", policy: "fork" },
    ]);
    expect(m.container.textContent).toContain("hashes match the preview");

    // Had the engine overwritten the kept child, the page would say so.
    m.unmount();
    keptPin = hash("guard-rules");
    const again = await preview(index, { import_source: () => stored(keptPin) });
    m = again.m;
    await click(m.container.querySelector("[data-conflict=guard-rules] input[value=keep]"));
    await click(m.container.querySelector("[data-conflict=guard-status] input[value=fork]"));
    await click(byText(m.container, "button", "Import All"));
    expect(m.container.querySelector("[role=alert]")?.textContent).toContain("guardrails/guard-rules");
    expect(m.container.querySelector("[role=alert]")?.textContent).not.toContain("guard-status");
  });

  it("hashes a bundle's files in the page like a folder's and imports the zip", async () => {
    const zip = "/downloads/guardrails.zip";
    const roots = new Set<string>();
    let imported = "";
    const r = await preview(
      { artifacts: [] },
      {
        list_source: () => ({ ...listing(), path: zip, bundle: true }),
        read_source_file: (a) => {
          roots.add(a.root);
          return read(a);
        },
        import_source: (a) => {
          imported = a.path;
          return { results: [], warnings: [] };
        },
      },
      zip,
    );
    m = r.m;
    expect(counts(m)).toEqual({ new: 5, existing: 0, conflict: 0 });
    expect(r.t.calls.filter((c) => c.cmd === "read_source_file").length).toBe(FILES.length);
    expect([...roots]).toEqual([zip]);
    expect(r.t.calls.some((c) => c.cmd === "preview_import")).toBe(false);
    expect(m.container.textContent).toContain("A bundle zip: the engine verified it");
    await click(byText(m.container, "button", "Import All"));
    expect(imported).toBe(zip);
  });

  it("says so when the engine stored other hashes than the preview", async () => {
    const r = await preview(
      { artifacts: [] },
      {
        import_source: () => ({
          warnings: [],
          results: [
            {
              success: true,
              plugin_name: "guardrails",
              plugin_id: "p",
              children_imported: 5,
              children_reused: 0,
              children_new_version: 0,
              errors: [],
              transaction_id: "t",
              dry_run: false,
              loads_in_claude_code: true,
              load_errors: [],
              validation_errors: [],
              children: [{ kind: "skill", name: "guard-rules", pinned_hash: "b".repeat(64) }],
            },
          ],
        }),
      },
    );
    m = r.m;
    await click(byText(m.container, "button", "Import All"));
    const alert = m.container.querySelector("[role=alert]");
    expect(alert?.textContent).toContain("differ from the preview");
    expect(alert?.textContent).toContain("guardrails/guard-rules");
  });

  it("shows a failing listing in place", async () => {
    const t = fakeTransport({
      list_source: () => {
        throw new CommandError("not_found", "/nope: no such file or directory");
      },
    });
    m = await mount(<App transport={t} initial={{ view: "import" }} />);
    await type(m.container.querySelector("input[name=source-path]"), "/nope");
    await click(byText(m.container, "button", "Preview"));
    const alert = m.container.querySelector(".error-not_found");
    expect(alert?.textContent).toContain("/nope: no such file or directory");
    expect(m.container.querySelector("input[name=source-path]")).not.toBeNull();
  });
  it("says which plugins Claude Code would not load, with the reasons, before importing", async () => {
    const dir = repo("tests/fixtures/agents-folder");
    const files = walkIn(dir, dir).sort();
    const t = fakeTransport({
      list_source: () => ({
        path: dir,
        root_name: "agents-folder",
        bundle: false,
        files: files.map((path) => ({ path, size: statSync(join(dir, path)).size })),
      }),
      read_source_file: ({ path }) => {
        const b = readFileSync(join(dir, path));
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      },
      collection_index: () => ({ artifacts: [] }),
    });
    m = await mount(<App transport={t} initial={{ view: "import" }} />);
    await type(m.container.querySelector("input[name=source-path]"), dir);
    await click(byText(m.container, "button", "Preview"));
    await settle();
    const verdict = m.container.querySelector(".plugin-preview .verdict[role=alert]");
    expect(verdict?.querySelector(".badge")?.textContent).toBe("Claude Code would not load this plugin");
    expect([...verdict!.querySelectorAll("li")].map((li) => li.textContent)).toEqual([
      '.claude-plugin/plugin.json: agents: "./agents" must be a .md file (Claude Code does not take a folder here)',
    ]);
    // It can still be imported.
    expect(byText(m.container, "button", "Import All")?.hasAttribute("disabled")).toBe(false);
  });
});
