import { act } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../App.tsx";
import type { ImportArgs, ImportPreview, ImportSummary, Kind, PreviewChild } from "../generated/types.ts";
import { CommandError } from "../transport.ts";
import { byText, click, fakeTransport, mount, type Mounted, settle, type } from "../test/fake.ts";

const FIXTURE = "/plugins/guardrails";
const KINDS: Record<string, Kind> = {
  "guard-rules": "skill",
  "guard-status": "command",
  "guard-reviewer": "agent",
  guardrails: "hook",
  "guard-audit": "mcp_server",
};
/** Each child's incoming hash: its position among NAMES + 1, 64 times. */
const hash = (name: string) => (NAMES.indexOf(name) + 1).toString(16).repeat(64);
const child = (name: string, current: string | null = null): PreviewChild => ({
  kind: KINDS[name]!,
  name,
  content_hash: hash(name),
  current_hash: current,
});
const NAMES = Object.keys(KINDS);

/** Claude Code's verdict on a plugin that loads and validates. */
const LOADS = { loads_in_claude_code: true, load_errors: [], validation_errors: [] };

/** What the engine answers for guardrails: `conflicts` maps a name to its current hash. */
function enginePreview(existing: string[] = [], conflicts: Record<string, string> = {}): ImportPreview {
  return {
    plugins: [
      {
        name: "guardrails",
        buckets: {
          new: NAMES.filter((n) => !existing.includes(n) && !(n in conflicts)).map((n) => child(n)),
          existing: existing.map((n) => child(n, hash(n))),
          conflict: Object.entries(conflicts).map(([n, cur]) => child(n, cur)),
        },
        ...LOADS,
      },
    ],
    warnings: [],
  };
}

function counts(m: Mounted, within = ""): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of m.container.querySelectorAll<HTMLElement>(`${within} [data-bucket]`)) {
    out[b.dataset.bucket!] = Number(b.querySelector("strong")?.textContent);
  }
  return out;
}

async function preview(answer: ImportPreview, extra: Parameters<typeof fakeTransport>[0] = {}, at = FIXTURE) {
  const t = fakeTransport({ preview_import: () => answer, ...extra });
  const m = await mount(<App transport={t} initial={{ view: "import" }} />);
  await type(m.container.querySelector("input[name=source-path]"), at);
  await click(byText(m.container, "button", "Preview"));
  await settle();
  return { t, m };
}

const summary = (pins: Record<string, string> = {}, names = NAMES): ImportSummary => ({
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
      ...LOADS,
      children: names.map((n) => ({ kind: KINDS[n.split("--")[0]!]!, name: n, pinned_hash: pins[n] ?? hash(n.split("--")[0]!) })),
    },
  ],
});

describe("Import wizard", () => {
  let m: Mounted | undefined;
  afterEach(() => m?.unmount());

  it("previews a marketplace in one engine call, no file read by the page, buckets per plugin", async () => {
    const answer: ImportPreview = {
      plugins: [
        enginePreview().plugins[0]!,
        {
          name: "second",
          buckets: { new: [child("guard-status")], existing: [child("guard-rules", hash("guard-rules"))], conflict: [] },
          ...LOADS,
        },
      ],
      warnings: [],
    };
    const r = await preview(answer);
    m = r.m;
    expect(r.t.calls.map((c) => c.cmd)).toEqual(["preview_import"]);
    expect(r.t.calls[0]!.args).toEqual({ path: FIXTURE });
    expect(counts(m, "[aria-label='Preview of guardrails']")).toEqual({ new: 5, existing: 0, conflict: 0 });
    expect(counts(m, "[aria-label='Preview of second']")).toEqual({ new: 1, existing: 1, conflict: 0 });
    // Several plugins: each one's children are rendered only when asked for.
    expect(m.container.querySelectorAll(".children li").length).toBe(0);
    await click(byText(m.container, "[aria-label='Preview of guardrails'] button", "Show 5 children"));
    expect(m.container.querySelectorAll(".children li").length).toBe(5);
    expect(m.container.querySelector("progress")).toBeNull(); // the bar is gone once the preview is shown
    await act(() => new Promise((done) => setTimeout(done, 50))); // the next frame
    expect(m.container.querySelector("[data-field=preview-time]")?.textContent).toMatch(/^2 plugins previewed in \d+ ms$/);
  });

  it("puts a child with other content in CONFLICT, diffs it on request only, imports with Keep", async () => {
    const old = "a".repeat(64);
    let sent: ImportArgs | undefined;
    const diffs: unknown[] = [];
    const r = await preview(enginePreview(["guard-status", "guard-reviewer", "guardrails", "guard-audit"], { "guard-rules": old }), {
      import_source: (a) => {
        sent = a;
        return summary({ "guard-rules": old });
      },
      file_diff: (a) => {
        diffs.push(a);
        return { kind: a.kind, name: a.name, files: [{ path: "SKILL.md", current: "one\ntwo", incoming: "one\nthree", change: "changed" }] };
      },
    });
    m = r.m;
    expect(counts(m)).toEqual({ new: 0, existing: 4, conflict: 1 });
    expect(m.container.querySelectorAll(".children li").length).toBe(4); // one plugin: listed at once
    const conflict = m.container.querySelector<HTMLElement>("[data-conflict=guard-rules]")!;
    expect(conflict.textContent).toContain(old.slice(0, 12));
    expect(diffs).toEqual([]);

    await click(byText(conflict, "button", "View diff"));
    expect(diffs).toEqual([{ path: FIXTURE, plugin: "guardrails", kind: "skill", name: "guard-rules" }]);
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
    const [oldRules, oldStatus] = ["a".repeat(64), "b".repeat(64)];
    const answer = enginePreview([], { "guard-rules": oldRules, "guard-status": oldStatus });
    const stored = (keptPin: string) =>
      summary({ "guard-rules": keptPin }, ["guard-rules", "guard-status--guardrails", "guard-reviewer", "guardrails", "guard-audit"]);
    let sent: ImportArgs | undefined;
    const r = await preview(answer, {
      import_source: (a) => {
        sent = a;
        return stored(oldRules);
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
    const again = await preview(answer, { import_source: () => stored(hash("guard-rules")) });
    m = again.m;
    await click(m.container.querySelector("[data-conflict=guard-rules] input[value=keep]"));
    await click(m.container.querySelector("[data-conflict=guard-status] input[value=fork]"));
    await click(byText(m.container, "button", "Import All"));
    expect(m.container.querySelector("[role=alert]")?.textContent).toContain("guardrails/guard-rules");
    expect(m.container.querySelector("[role=alert]")?.textContent).not.toContain("guard-status");
  });

  it("previews a bundle zip in the same one call and imports the zip", async () => {
    const zip = "/downloads/guardrails.zip";
    let imported = "";
    const r = await preview(
      enginePreview(NAMES),
      {
        import_source: (a) => {
          imported = a.path;
          return { results: [], warnings: [] };
        },
      },
      zip,
    );
    m = r.m;
    expect(counts(m)).toEqual({ new: 0, existing: 5, conflict: 0 });
    expect(r.t.calls).toEqual([{ cmd: "preview_import", args: { path: zip } }]);
    expect(m.container.textContent).toContain("A bundle zip: the engine verified it");
    await click(byText(m.container, "button", "Import All"));
    expect(imported).toBe(zip);
  });

  it("says so when the engine stored other hashes than the preview", async () => {
    const r = await preview(enginePreview(), { import_source: () => summary({ "guard-rules": "b".repeat(64) }) });
    m = r.m;
    await click(byText(m.container, "button", "Import All"));
    const alert = m.container.querySelector("[role=alert]");
    expect(alert?.textContent).toContain("differ from the preview");
    expect(alert?.textContent).toContain("guardrails/guard-rules");
    expect(alert?.textContent).not.toContain("guard-status");
  });

  it("shows a failing preview in place", async () => {
    const t = fakeTransport({
      preview_import: () => {
        throw new CommandError("not_found", "/nope: no such file or directory");
      },
    });
    m = await mount(<App transport={t} initial={{ view: "import" }} />);
    await type(m.container.querySelector("input[name=source-path]"), "/nope");
    await click(byText(m.container, "button", "Preview"));
    const alert = m.container.querySelector(".error-not_found");
    expect(alert?.textContent).toContain("/nope: no such file or directory");
    expect(m.container.querySelector("input[name=source-path]")).not.toBeNull();
    expect(m.container.querySelector("[data-field=preview-time]")).toBeNull();
  });
  it("shows what discovery noticed with the preview, and the import's warnings with the summary", async () => {
    const skipped = '.claude-plugin/marketplace.json: plugin "gone": source ./plugins/gone has no files here; skipped';
    const lenient = "guardrails: `claude plugin validate` reports: description is missing";
    const r = await preview({ ...enginePreview(), warnings: [skipped] }, { import_source: () => ({ ...summary(), warnings: [skipped, lenient] }) });
    m = r.m;
    const shown = (within: string) =>
      [...r.m.container.querySelectorAll(`${within} ul.warnings[aria-label=Warnings] li`)].map((li) => li.textContent);
    expect(shown(".previews")).toEqual([skipped]);
    await click(byText(m.container, "button", "Import All"));
    expect(shown(".summary")).toEqual([skipped, lenient]);
  });

  it("says which plugins Claude Code would not load, with the reasons, before importing", async () => {
    const reason = '.claude-plugin/plugin.json: agents: "./agents" must be a .md file (Claude Code does not take a folder here)';
    const answer = enginePreview();
    answer.plugins[0] = { ...answer.plugins[0]!, loads_in_claude_code: false, load_errors: [reason] };
    const r = await preview(answer);
    m = r.m;
    const verdict = m.container.querySelector(".plugin-preview .verdict[role=alert]");
    expect(verdict?.querySelector(".badge")?.textContent).toBe("Claude Code would not load this plugin");
    expect([...verdict!.querySelectorAll("li")].map((li) => li.textContent)).toEqual([reason]);
    // It can still be imported.
    expect(byText(m.container, "button", "Import All")?.hasAttribute("disabled")).toBe(false);
  });
});
