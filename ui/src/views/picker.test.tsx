import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../App.tsx";
import type { ImportArgs, ImportPreview, PluginPreview, PreviewChild } from "../generated/types.ts";
import { byText, click, fakeTransport, mount, type Mounted, type } from "../test/fake.ts";
import { type Pickable, PluginPicker } from "./PluginPicker.tsx";

const child = (name: string, current: string | null = null): PreviewChild => ({
  kind: "skill",
  name,
  content_hash: "1".repeat(64),
  current_hash: current,
});
const LOADS = { loads_in_claude_code: true, load_errors: [], validation_errors: [] };

/** Five plugins: `n` NEW, `e` EXISTING and `c` CONFLICT children each. */
function plugin(name: string, description: string, n: string[], e: string[] = [], c: string[] = []): PluginPreview {
  return {
    name,
    description,
    buckets: { new: n.map((x) => child(x)), existing: e.map((x) => child(x, "1".repeat(64))), conflict: c.map((x) => child(x, "2".repeat(64))) },
    ...LOADS,
  };
}
const PLUGINS: PluginPreview[] = [
  plugin("linter", "Lints the code", ["lint-rules", "lint-fix"]),
  plugin("formatter", "Formats files", ["fmt"], ["fmt-config"]),
  plugin("reviewer", "Reviews pull requests", ["review"], [], ["review-rules"]),
  plugin("docs", "Writes documentation", ["doc-writer", "lint-docs"]),
  plugin("tester", "Runs the tests", ["test-runner"], ["coverage"]),
];

/** The picker with its selection held as a caller holds it. */
function Harness({ start }: { start: string[] }) {
  const [selected, setSelected] = useState(new Set(start));
  return <PluginPicker previews={PLUGINS as Pickable[]} selected={selected} onChange={setSelected} />;
}

const rows = (m: Mounted) => [...m.container.querySelectorAll<HTMLElement>("article[data-plugin]")].map((r) => r.dataset.plugin);
const checked = (m: Mounted) =>
  [...m.container.querySelectorAll<HTMLInputElement>("input[name=pick-plugin]")].filter((c) => c.checked).map((c) => c.value);
function totals(m: Mounted) {
  const get = (k: string) => Number(m.container.querySelector(`[data-total=${k}] strong`)?.textContent);
  return {
    selected: get("selected"),
    plugins: Number(m.container.querySelector("strong[data-total=plugins]")?.textContent),
    new: get("new"),
    existing: get("existing"),
    conflict: get("conflict"),
  };
}
const search = (m: Mounted, q: string) => type(m.container.querySelector("input[name=plugin-search]"), q);

let m: Mounted | undefined;
afterEach(() => m?.unmount());

describe("PluginPicker", () => {
  it("totals the selection's plugins and children, and follows each checkbox", async () => {
    m = await mount(<Harness start={PLUGINS.map((p) => p.name)} />);
    expect(totals(m)).toEqual({ selected: 5, plugins: 5, new: 7, existing: 2, conflict: 1 });
    await click(m.container.querySelector("input[value=reviewer]"));
    expect(totals(m)).toEqual({ selected: 4, plugins: 5, new: 6, existing: 2, conflict: 0 });
    await click(m.container.querySelector("input[value=tester]"));
    expect(totals(m)).toEqual({ selected: 3, plugins: 5, new: 5, existing: 1, conflict: 0 });
    expect(checked(m)).toEqual(["linter", "formatter", "docs"]);
  });

  it("searches names, descriptions and child names; hidden rows keep their selection", async () => {
    m = await mount(<Harness start={["linter", "reviewer"]} />);
    await search(m, "lint"); // linter by name, docs by its child lint-docs
    expect(rows(m)).toEqual(["linter", "docs"]);
    await search(m, "pull requests"); // a description, every word
    expect(rows(m)).toEqual(["reviewer"]);
    await search(m, "COVERAGE"); // a child, any case
    expect(rows(m)).toEqual(["tester"]);
    await click(m.container.querySelector("input[value=tester]"));
    await search(m, "");
    expect(rows(m)).toEqual(["linter", "formatter", "reviewer", "docs", "tester"]);
    expect(checked(m)).toEqual(["linter", "reviewer", "tester"]);
    expect(totals(m).selected).toBe(3);
  });

  it("All and None act on the rows the search shows only", async () => {
    m = await mount(<Harness start={["formatter", "linter"]} />);
    await search(m, "lint");
    await click(byText(m.container, "button", "All"));
    await search(m, "");
    expect(checked(m)).toEqual(["linter", "formatter", "docs"]);
    await search(m, "tests");
    await click(byText(m.container, "button", "All"));
    await search(m, "formats");
    await click(byText(m.container, "button", "None"));
    await search(m, "");
    expect(checked(m)).toEqual(["linter", "docs", "tester"]);
    await click(byText(m.container, "button", "None"));
    expect(checked(m)).toEqual([]);
    expect(totals(m)).toEqual({ selected: 0, plugins: 5, new: 0, existing: 0, conflict: 0 });
  });

  it("paints the first rows of a large marketplace and the rest on request", async () => {
    const many = Array.from({ length: 150 }, (_, i) => plugin(`gen-${String(i).padStart(3, "0")}`, "", ["x"]));
    function Big() {
      const [selected, setSelected] = useState(new Set(many.map((p) => p.name)));
      return <PluginPicker previews={many} selected={selected} onChange={setSelected} />;
    }
    m = await mount(<Big />);
    expect(rows(m).length).toBe(60);
    expect(totals(m)).toMatchObject({ selected: 150, new: 150 });
    await click(byText(m.container, "button", "Show 60 more"));
    expect(rows(m).length).toBe(120);
    await search(m, "gen-14");
    expect(rows(m)).toEqual(Array.from({ length: 10 }, (_, i) => `gen-14${i}`));
  });
});

describe("Import wizard: choosing a marketplace's plugins", () => {
  async function wizard(answer: ImportPreview) {
    let sent: ImportArgs | undefined;
    const t = fakeTransport({
      preview_import: () => answer,
      import_source: (a) => {
        sent = a;
        return { results: [], warnings: [] };
      },
    });
    const mounted = await mount(<App transport={t} initial={{ view: "import" }} />);
    await type(mounted.container.querySelector("input[name=source-path]"), "/market");
    await click(byText(mounted.container, "button", "Preview"));
    return { m: mounted, sent: () => sent };
  }

  it("imports exactly the plugins chosen, with the choices of their conflicts only", async () => {
    const w = await wizard({ plugins: PLUGINS, warnings: [] });
    m = w.m;
    expect(byText(m.container, "button", "Import selected")?.textContent).toBe("Import selected (5)");
    await click(byText(m.container, "button", "None"));
    expect(byText(m.container, "button", "Import selected")?.textContent).toBe("Import selected (0)");
    expect(byText(m.container, "button", "Import selected")?.hasAttribute("disabled")).toBe(true);
    await search(m, "lint");
    await click(m.container.querySelector("input[value=docs]"));
    await search(m, "");
    await click(m.container.querySelector("input[value=formatter]"));
    await click(byText(m.container, "button", "Import selected (2)"));
    expect(w.sent()?.plugins).toEqual(["formatter", "docs"]);
    expect(w.sent()?.choices).toEqual([]); // reviewer's conflict is not imported
  });

  it("a conflict of a chosen plugin carries its choice", async () => {
    const w = await wizard({ plugins: PLUGINS, warnings: [] });
    m = w.m;
    await search(m, "review");
    await click(byText(m.container, "button", "None of 1 shown"));
    await search(m, "");
    await click(m.container.querySelector("[data-conflict=review-rules] input[value=keep]"));
    await click(byText(m.container, "button", "Import selected (4)"));
    expect(w.sent()?.plugins).toEqual(["linter", "formatter", "docs", "tester"]);
    expect(w.sent()?.choices).toEqual([]);
    await click(byText(m.container, "button", "Preview"));
    await click(m.container.querySelector("[data-conflict=review-rules] input[value=keep]"));
    await click(byText(m.container, "button", "Import selected (5)"));
    expect(w.sent()?.choices).toEqual([{ plugin: "reviewer", kind: "skill", name: "review-rules", policy: "keep" }]);
  });

  it("one plugin needs no picker: Import All, no plugins sent", async () => {
    const w = await wizard({ plugins: [PLUGINS[0]!], warnings: [] });
    m = w.m;
    expect(m.container.querySelector("input[name=pick-plugin]")).toBeNull();
    await click(byText(m.container, "button", "Import All"));
    expect(w.sent()).toEqual({ path: "/market", policy: "new-version", choices: [] });
  });
});
