import { act } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../App.tsx";
import type {
  ArtifactDetail,
  ArtifactList,
  ArtifactSummary,
  Association,
  DeployResult,
  Kind,
  RemoveArgs,
  RemoveResult,
} from "../generated/types.ts";
import { CommandError } from "../transport.ts";
import { byText, click, fakeTransport, mount, type Mounted, type } from "../test/fake.ts";

const H1 = "1".repeat(64);
const H2 = "2".repeat(64);

const item = (id: string, name: string, kind: Kind, child_count: number, content_hash: string): ArtifactSummary => ({
  id,
  name,
  kind,
  subtype: kind === "composite" ? "plugin" : null,
  version: kind === "composite" ? "0.3.0" : null,
  child_count,
  content_hash,
  created_at: "",
  updated_at: "",
});
const ITEMS: ArtifactSummary[] = [
  item("p", "guardrails", "composite", 2, H1),
  item("s", "guard-rules", "skill", 0, H1),
  item("c", "guard-status", "command", 0, H2),
  item("l", "pyright", "lsp_server", 0, H2),
];
/** The list as the engine answers it: `total` counts what matches. */
const list = (items: ArtifactSummary[]): ArtifactList => ({ items, total: items.length, count: items.length });

/** One side of a membership: pinned at `pinned`, currently `current`. */
function link(
  artifact_id: string,
  artifact_name: string,
  artifact_type: Kind,
  relationship_type: Association["relationship_type"],
  pinned: string,
  current: string,
  path: string | null,
): Association {
  return { artifact_id, artifact_name, artifact_type, relationship_type, pinned_version_hash: pinned, current_hash: current, path, created_at: "" };
}

function detail(over: Partial<ArtifactDetail>): ArtifactDetail {
  return {
    id: "x",
    name: "x",
    kind: "skill",
    version: null,
    description: null,
    source: null,
    origin: null,
    content_hash: H1,
    created_at: "2026-01-01",
    updated_at: "2026-01-01",
    versions: [{ content_hash: H1, file_count: 1, created_at: "2026-01-01", current: true }],
    subtype: null,
    parents: [],
    children: [],
    deployments: [],
    loads_in_claude_code: true,
    load_errors: [],
    validation_errors: [],
    ...over,
  };
}

const PLUGIN = detail({
  id: "p",
  name: "guardrails",
  kind: "composite",
  children: [
    link("s", "guard-rules", "skill", "MEMBER", H1, H1, "skills/guard-rules"),
    link("c", "guard-status", "command", "MEMBER", H1, H2, null),
  ],
});
const SKILL = detail({ id: "s", name: "guard-rules", parents: [link("p", "guardrails", "composite", "REQUIRED", H1, H1, null)] });

let m: Mounted | undefined;
afterEach(() => m?.unmount());

describe("Collection", () => {
  it("lists plugins first with child counts, filters by type and searches", async () => {
    const t = fakeTransport({
      list_artifacts: (a) => list(ITEMS.filter((i) => (!a.kind || i.kind === a.kind) && (!a.search || i.name.includes(a.search)))),
    });
    m = await mount(<App transport={t} />);
    const rows = [...m.container.querySelectorAll("tbody tr")].map((r) => r.textContent);
    expect(rows[0]).toContain("guardrails");
    expect(m.container.querySelector("tbody tr td.num")?.textContent).toBe("2");
    await type(m.container.querySelector("select"), "command");
    expect(t.calls.at(-1)).toEqual({ cmd: "list_artifacts", args: { kind: "command", search: undefined, limit: 100, offset: 0 } });
    expect(m.container.querySelectorAll("tbody tr").length).toBe(1);
    // LSP servers are a type of their own, with their label and icon.
    const filter = m.container.querySelector("select");
    expect(byText(filter!, "option", "LSP server")?.getAttribute("value")).toBe("lsp_server");
    await type(filter, "lsp_server");
    expect(t.calls.at(-1)).toEqual({ cmd: "list_artifacts", args: { kind: "lsp_server", search: undefined, limit: 100, offset: 0 } });
    const icon = m.container.querySelector("tbody tr [role=img]");
    expect([icon?.getAttribute("aria-label"), icon?.textContent]).toEqual(["LSP server", "LSP"]);
    await type(m.container.querySelector("input[type=search]"), "nothing");
    expect(m.container.querySelector(".empty-state")?.textContent).toContain("Nothing matches");
  });

  it("says what to do when the collection is empty, and shows errors in place", async () => {
    let fail = false;
    const t = fakeTransport({
      list_artifacts: () => {
        if (fail) throw new CommandError("internal", "disk on fire");
        return list([]);
      },
    });
    m = await mount(<App transport={t} />);
    expect(m.container.querySelector(".empty-state")?.textContent).toContain("import a plugin");
    fail = true;
    await type(m.container.querySelector("input[type=search]"), "x");
    expect(m.container.querySelector("[role=alert]")?.textContent).toContain("disk on fire");
  });
});

describe("Artifact detail", () => {
  it("shows Contains with type, pinned hash and sync status; a row opens the child", async () => {
    const t = fakeTransport({ show_artifact: (a) => (a.name_or_id === "p" ? PLUGIN : SKILL) });
    m = await mount(<App transport={t} initial={{ view: "artifact", id: "p" }} />);
    expect(byText(m.container, "[role=tab]", "Contains")?.getAttribute("aria-selected")).toBe("true");
    const rows = [...m.container.querySelectorAll(".contains tbody tr")];
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining("pinned = current"),
      expect.stringContaining("drifted"),
    ]);
    expect(rows[0]?.querySelector("[role=img]")?.getAttribute("aria-label")).toBe("Skill");
    await click(byText(m.container, ".contains button", "guard-rules"));
    expect(t.calls.at(-1)).toEqual({ cmd: "show_artifact", args: { name_or_id: "s" } });
    const partOf = m.container.querySelector(".part-of");
    expect(partOf?.textContent).toContain("guardrails");
    expect(partOf?.querySelector(".badge")?.textContent).toBe("REQUIRED");
    await click(byText(partOf!, "button", "Open"));
    expect(t.calls.at(-1)).toEqual({ cmd: "show_artifact", args: { name_or_id: "p" } });
  });

  it("moves between tabs with the arrow keys, Home and End (roving tabindex)", async () => {
    const t = fakeTransport({ show_artifact: () => PLUGIN });
    m = await mount(<App transport={t} initial={{ view: "artifact", id: "p" }} />);
    const tabs = () => [...m!.container.querySelectorAll<HTMLElement>("[role=tab]")];
    const state = () => ({
      selected: tabs().find((b) => b.getAttribute("aria-selected") === "true")?.id,
      focused: document.activeElement?.id,
      tabbable: tabs().filter((b) => b.tabIndex === 0).map((b) => b.id),
      panel: m!.container.querySelector("[role=tabpanel]")?.getAttribute("aria-labelledby"),
    });
    const press = async (key: string) => {
      const ev = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
      await act(async () => {
        document.activeElement!.dispatchEvent(ev);
      });
      return ev.defaultPrevented;
    };
    const at = (id: string) => ({ selected: id, focused: id, tabbable: [id], panel: id });

    expect(tabs().map((b) => b.id)).toEqual(["tab-info", "tab-versions", "tab-contains", "tab-deployments"]);
    expect(tabs().map((b) => b.tabIndex)).toEqual([-1, -1, 0, -1]);
    tabs()[2]!.focus();
    expect(await press("ArrowRight")).toBe(true);
    expect(state()).toEqual(at("tab-deployments"));
    await press("ArrowRight"); // wraps
    expect(state()).toEqual(at("tab-info"));
    await press("ArrowLeft"); // wraps back
    expect(state()).toEqual(at("tab-deployments"));
    await press("Home");
    expect(state()).toEqual(at("tab-info"));
    await press("End");
    expect(state()).toEqual(at("tab-deployments"));
    await press("ArrowLeft");
    expect(state()).toEqual(at("tab-contains"));
    expect(m.container.querySelector(".contains")).not.toBeNull();
    expect(await press("a")).toBe(false); // other keys pass through
    expect(state()).toEqual(at("tab-contains"));
  });

  it("removes after a confirmation that shows what the dry run says will go", async () => {
    const removal = (dry_run: boolean): RemoveResult => ({
      id: "p",
      name: "guardrails",
      kind: "composite",
      dry_run,
      removed: [
        { id: "p", kind: "composite", name: "guardrails", versions: 1 },
        { id: "c", kind: "command", name: "guard-status", versions: 2 },
      ],
      kept: [{ kind: "skill", name: "guard-rules", reason: "also in plugin other" }],
      overridden: [],
      blobs_freed: 3,
      bytes_freed: 1536,
    });
    const t = fakeTransport({ show_artifact: () => PLUGIN, remove_artifact: (a) => removal(a.dry_run), list_artifacts: () => list([]) });
    m = await mount(<App transport={t} initial={{ view: "artifact", id: "p" }} />);
    await click(byText(m.container, "button", "Remove…"));
    expect(t.calls.at(-1)).toEqual({ cmd: "remove_artifact", args: { name: "p", dry_run: true, force: false, keep_children: false } });
    const dialog = m.container.querySelector("[role=dialog]");
    expect([...dialog!.querySelectorAll(".remove-list li")].map((li) => li.textContent)).toEqual([
      "Plugin guardrails (1 version)",
      "Command guard-status (2 versions)",
    ]);
    expect(dialog?.querySelector(".keep-list")?.textContent).toContain("guard-rules — also in plugin other");
    expect(dialog?.querySelector(".freed")?.textContent).toBe("Frees 1.5 KiB (3 stored files).");
    await click(byText(dialog!, "button", "Cancel"));
    expect(m.container.querySelector("[role=dialog]")).toBeNull();
    expect(t.calls.filter((c) => c.cmd === "remove_artifact")).toHaveLength(1);

    await click(byText(m.container, "button", "Remove…"));
    await click(byText(m.container, "[role=dialog] button", "Remove"));
    expect(t.calls.find((c) => c.cmd === "remove_artifact" && !(c.args as RemoveArgs).dry_run)?.args).toEqual({
      name: "p",
      dry_run: false,
      force: false,
      keep_children: false,
    });
    expect(t.calls.at(-1)?.cmd).toBe("list_artifacts");
  });

  it("shows why a removal is refused and removes anyway with force", async () => {
    const t = fakeTransport({
      show_artifact: () => SKILL,
      remove_artifact: (a) => {
        if (!a.force) throw new CommandError("conflict", "not removing skill guard-rules: it is part of plugin guardrails (--force removes it anyway)");
        return { id: "s", name: "guard-rules", kind: "skill", dry_run: false, removed: [], kept: [], overridden: [], blobs_freed: 0, bytes_freed: 0 };
      },
      list_artifacts: () => list([]),
    });
    m = await mount(<App transport={t} initial={{ view: "artifact", id: "s" }} />);
    await click(byText(m.container, "button", "Remove…"));
    expect(m.container.querySelector("[role=dialog] [role=alert]")?.textContent).toContain("part of plugin guardrails");
    await click(byText(m.container, "[role=dialog] button", "Remove anyway"));
    expect(t.calls.filter((c) => c.cmd === "remove_artifact").at(-1)?.args).toEqual({ name: "s", dry_run: false, force: true, keep_children: false });
    expect(t.calls.at(-1)?.cmd).toBe("list_artifacts");
  });

  it("says when Claude Code would not load a plugin, with the reasons", async () => {
    const reason = '.claude-plugin/plugin.json: agents: "./agents" must be a .md file';
    const broken = { ...PLUGIN, loads_in_claude_code: false, load_errors: [reason], validation_errors: ["x: license: expected a string"] };
    const t = fakeTransport({ show_artifact: (a) => (a.name_or_id === "p" ? broken : PLUGIN) });
    m = await mount(<App transport={t} initial={{ view: "artifact", id: "p" }} />);
    const verdict = m.container.querySelector(".verdict[role=alert]");
    expect(verdict?.querySelector(".badge")?.textContent).toBe("Claude Code would not load this plugin");
    expect([...verdict!.querySelectorAll("li")].map((li) => li.textContent)).toEqual([reason, "x: license: expected a string"]);
    // A plugin that loads and validates shows no verdict at all.
    m.unmount();
    m = await mount(<App transport={t} initial={{ view: "artifact", id: "q" }} />);
    expect(m.container.querySelector(".verdict")).toBeNull();
  });

  it("shows not_found in place", async () => {
    const t = fakeTransport({
      show_artifact: () => {
        throw new CommandError("not_found", 'no artifact named "zz"');
      },
    });
    m = await mount(<App transport={t} initial={{ view: "artifact", id: "zz" }} />);
    expect(m.container.querySelector(".error-not_found")?.textContent).toContain("zz");
  });
});

describe("Deploy, Project, Export", () => {
  const plan = (conflict: boolean, dry_run = true): DeployResult => ({
    name: "guardrails",
    kind: "composite",
    project: "/p",
    platform: "claude-code",
    dry_run,
    warnings: [],
    deployed: [{ kind: "skill", name: "guard-rules", parent: "guardrails", content_hash: H1 }],
    operations: [
      { action: "write", path: ".claude/skills/guard-rules/SKILL.md", artifact: "guard-rules" },
      ...(conflict ? [{ action: "conflict" as const, path: ".claude/agents/a.md", artifact: "a" }] : []),
    ],
  });

  it("offers only Claude Code, shows the dry-run plan, and deploys on confirm", async () => {
    let conflict = true;
    const t = fakeTransport({ deploy: (a) => plan(conflict && !a.force, a.dry_run) });
    m = await mount(<App transport={t} initial={{ view: "deploy", name: "guardrails" }} />);
    const options = [...m.container.querySelectorAll<HTMLOptionElement>("select[name=deploy-platform] option")];
    expect(options.filter((o) => !o.disabled).map((o) => o.value)).toEqual(["claude-code"]);
    expect(options.find((o) => o.value === "cursor")?.textContent).toContain("unsupported in v1");
    await type(m.container.querySelector("input[name=deploy-project]"), "/p");
    await click(byText(m.container, "button", "Plan (dry run)"));
    expect(m.container.querySelector(".row-conflict")?.textContent).toContain(".claude/agents/a.md");
    expect(byText(m.container, "button", "Confirm deploy")?.hasAttribute("disabled")).toBe(true);
    // The engine's default mode: a plugin deploys natively.
    expect(t.calls.at(-1)?.args).toMatchObject({ mode: null });
    conflict = false;
    const mode = m.container.querySelector<HTMLSelectElement>("select[name=deploy-mode]");
    expect([...(mode?.options ?? [])].map((o) => o.value)).toEqual(["", "plugin", "unpacked"]);
    expect(mode?.value).toBe("");
    await type(mode, "unpacked");
    await click(byText(m.container, "button", "Plan (dry run)"));
    await click(byText(m.container, "button", "Confirm deploy"));
    expect(t.calls.at(-1)?.args).toMatchObject({
      name: "guardrails",
      project: "/p",
      dry_run: false,
      platform: "claude-code",
      mode: "unpacked",
    });
    expect(m.container.textContent).toContain("Deployed guardrails (1 artifacts) to /p");
  });

  it("shows drift and undeploys from the Project view", async () => {
    let deployed = true;
    const t = fakeTransport({
      project_status: () => ({
        project: "/p",
        items: deployed
          ? [{ kind: "skill", name: "guard-rules", parent: "guardrails", status: "modified", deployed_hash: H1, current_hash: H1, deployment: "guardrails" }]
          : [],
      }),
      undeploy: (a) => {
        deployed = false;
        return {
          name: a.name,
          project: a.project,
          removed: ["x", "y"],
          kept: [],
          notes: [],
          restored: ["z"],
          backed_up: [],
          hooks_removed: 0,
          mcp_servers_removed: 0,
          mcp_servers_restored: [],
        };
      },
    });
    m = await mount(<App transport={t} initial={{ view: "project", project: "/p" }} />);
    expect(m.container.querySelector(".badge-warn")?.textContent).toBe("modified");
    await click(byText(m.container, "button", "Undeploy guardrails"));
    expect(t.calls.find((c) => c.cmd === "undeploy")?.args).toEqual({ name: "guardrails", project: "/p", force: false });
    expect(m.container.textContent).toContain("2 files removed");
    expect(m.container.textContent).toContain("1 of your files restored");
    expect(m.container.querySelector(".empty-state")).not.toBeNull();
  });

  it("exports and shows the bundle's path and hash", async () => {
    const t = fakeTransport(
      { export_bundle: (a) => ({ path: `${a.out}/guardrails-0.3.0.zip`, content_hash: H2, files: 12, bytes: 999, plugin: "guardrails", version: "0.3.0" }) },
      ["/out"],
    );
    m = await mount(<App transport={t} initial={{ view: "export", name: "guardrails" }} />);
    await click(byText(m.container, "button", "Choose…"));
    await click(byText(m.container, "button", "Export bundle"));
    expect(m.container.querySelector("[data-field=path]")?.textContent).toBe("/out/guardrails-0.3.0.zip");
    expect(m.container.querySelector("[data-field=hash]")?.textContent).toBe(H2);
  });

  it("without a host, says how to open the app instead of a blank page", async () => {
    m = await mount(<App transport={null} />);
    expect(m.container.querySelector(".empty-state")?.textContent).toContain("make run");
  });
});
