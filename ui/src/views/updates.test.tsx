import { afterEach, describe, expect, it } from "vitest";
import { App } from "../App.tsx";
import type { ArtifactDetail, OutdatedReport, PluginOutdated, UpdateArgs, UpdateResult } from "../generated/types.ts";
import { byText, click, fakeTransport, mount, type Mounted } from "../test/fake.ts";

const H1 = "1".repeat(64);
const H2 = "2".repeat(64);
const H3 = "3".repeat(64);

function plugin(over: Partial<PluginOutdated>): PluginOutdated {
  return {
    id: "p",
    name: "guardrails",
    state: "up_to_date",
    source: "git://example/kit.git",
    commit: "a".repeat(40),
    latest_commit: "a".repeat(40),
    content_hash: H1,
    latest_hash: H1,
    children: [],
    reason: null,
    ...over,
  };
}

const CHANGED = plugin({
  state: "changed",
  latest_commit: "b".repeat(40),
  latest_hash: H2,
  children: [
    { kind: "command", name: "guard-status", change: "gone", old_hash: H1, new_hash: null },
    { kind: "skill", name: "guard-rules", change: "changed", old_hash: H1, new_hash: H2 },
  ],
});
const REPORT: OutdatedReport = {
  plugins: [
    CHANGED,
    plugin({ id: "q", name: "planner" }),
    plugin({ id: "r", name: "offsite", state: "unreachable", reason: "git://gone/x.git: could not fetch" }),
  ],
};

function updateResult(a: UpdateArgs): UpdateResult {
  const dry = a.dry_run ?? false;
  return {
    dry_run: dry,
    checked: [CHANGED],
    previews: dry
      ? [
          {
            name: "guardrails",
            buckets: { new: [], existing: [], conflict: [{ kind: "skill", name: "guard-rules", content_hash: H2, current_hash: H1 }] },
            loads_in_claude_code: true,
            load_errors: [],
            validation_errors: [],
          },
        ]
      : [],
    results: dry
      ? []
      : [
          {
            success: true,
            plugin_name: "guardrails",
            plugin_id: "p",
            children_imported: 0,
            children_reused: 3,
            children_new_version: 1,
            errors: [],
            transaction_id: "t",
            dry_run: false,
            children: [],
            loads_in_claude_code: true,
            load_errors: [],
            validation_errors: [],
          },
        ],
  };
}

let m: Mounted | undefined;
afterEach(() => m?.unmount());

describe("Updates", () => {
  it("lists each plugin's state and changed children from the Updates nav entry", async () => {
    const t = fakeTransport({ list_artifacts: () => ({ items: [], total: 0, count: 0 }), outdated: () => REPORT });
    m = await mount(<App transport={t} />);
    await click(byText(m.container, "nav button", "Updates"));
    expect(t.calls.at(-1)).toEqual({ cmd: "outdated", args: {} });
    const rows = [...m.container.querySelectorAll("tbody tr")];
    expect(rows.map((r) => r.getAttribute("data-plugin"))).toEqual(["guardrails", "planner", "offsite"]);
    expect(rows.map((r) => r.querySelector(".badge")?.textContent)).toEqual(["changed", "up to date", "source unreachable"]);
    expect([...rows[0]!.querySelectorAll(".changes li")].map((li) => li.className)).toEqual(["change-gone", "change-changed"]);
    expect(rows[0]!.textContent).toContain("guard-rules");
    expect(rows[2]!.textContent).toContain("could not fetch");
    // Only a changed plugin has an Update button.
    expect(rows.map((r) => r.querySelector("button")?.textContent ?? null)).toEqual(["Update", null, null]);
    expect(byText(m.container, "button", "Update all")?.textContent).toBe("Update all (1)");
  });

  it("previews with a dry run first and updates one plugin on confirm", async () => {
    let checked = 0;
    const t = fakeTransport({
      outdated: () => (checked++ === 0 ? REPORT : { plugins: [plugin({})] }),
      update_plugins: (a) => updateResult(a),
    });
    m = await mount(<App transport={t} initial={{ view: "updates" }} />);
    await click(byText(m.container, "tbody button", "Update"));
    expect(t.calls.at(-1)).toEqual({ cmd: "update_plugins", args: { names: ["guardrails"], dry_run: true } });
    const preview = m.container.querySelector("[aria-label='Update preview']");
    expect(preview?.querySelector(".bucket-conflict")?.textContent).toContain("guard-rules");
    expect(t.calls.filter((c) => c.cmd === "update_plugins")).toHaveLength(1);
    await click(byText(m.container, "button", "Confirm update"));
    expect(t.calls.filter((c) => c.cmd === "update_plugins").at(-1)?.args).toEqual({ names: ["guardrails"], dry_run: false });
    expect(m.container.textContent).toContain("Updated guardrails.");
    expect(m.container.querySelector("[aria-label='Update preview']")).toBeNull();
    expect(m.container.querySelector("tbody .badge")?.textContent).toBe("up to date");
  });

  it("Update all plans every changed plugin, and Cancel writes nothing", async () => {
    const t = fakeTransport({ outdated: () => REPORT, update_plugins: (a) => updateResult(a) });
    m = await mount(<App transport={t} initial={{ view: "updates" }} />);
    await click(byText(m.container, "button", "Update all"));
    expect(t.calls.at(-1)).toEqual({ cmd: "update_plugins", args: { names: undefined, dry_run: true } });
    await click(byText(m.container, "button", "Cancel"));
    expect(m.container.querySelector("[aria-label='Update preview']")).toBeNull();
    expect(t.calls.filter((c) => c.cmd === "update_plugins" && (c.args as UpdateArgs).dry_run === false)).toHaveLength(0);
  });
});

describe("Versions tab", () => {
  it("makes an earlier version current with use", async () => {
    let current = H2;
    const detail = (): ArtifactDetail => ({
      id: "s",
      name: "guard-rules",
      kind: "skill",
      version: null,
      description: null,
      source: null,
      origin: null,
      content_hash: current,
      created_at: "",
      updated_at: "",
      versions: [H1, H2, H3].map((h) => ({ content_hash: h, file_count: 1, created_at: "", current: h === current })),
      subtype: null,
      parents: [],
      children: [],
      deployments: [],
      loads_in_claude_code: true,
      load_errors: [],
      validation_errors: [],
    });
    const t = fakeTransport({
      show_artifact: () => detail(),
      use_version: (a) => {
        const from = current;
        current = a.hash;
        return { id: "s", name: "guard-rules", kind: "skill", from_hash: from, to_hash: a.hash, changed: true };
      },
    });
    m = await mount(<App transport={t} initial={{ view: "artifact", id: "s" }} />);
    await click(byText(m.container, "[role=tab]", "Versions"));
    const buttons = () => [...m!.container.querySelectorAll("tbody tr")].map((r) => r.querySelector("button")?.textContent ?? r.lastElementChild?.textContent);
    expect(buttons()).toEqual(["Make current", "current", "Make current"]);
    await click(m.container.querySelector("tbody tr button"));
    expect(t.calls.find((c) => c.cmd === "use_version")?.args).toEqual({ name: "s", hash: H1 });
    expect(buttons()).toEqual(["current", "Make current", "Make current"]);
    expect(m.container.textContent).toContain(`now at ${H1.slice(0, 12)}`);
  });
});
