import { describe, expect, it } from "vitest";
import type { InspectReport } from "../folder/protocol.ts";
import { filesFor } from "./flow.ts";

const report = (plugins: Array<[string, string]>) => ({ plugins: plugins.map(([name, root]) => ({ name, root })), warnings: [] }) as unknown as InspectReport;
const files = (...paths: string[]) => paths.map((path) => ({ path }));
const paths = (fs: Array<{ path: string }>) => fs.map((f) => f.path);

describe("filesFor (the files an import of some plugins needs)", () => {
  const market = report([
    ["a", "plugins/a"],
    ["ab", "plugins/ab"],
    ["c", "plugins/c"],
  ]);
  const all = files(".claude-plugin/marketplace.json", "README.md", "plugins/a/x.md", "plugins/ab/y.md", "plugins/c/z.md", "plugins/c/.claude-plugin/plugin.json");

  it("keeps the selected plugins' folders and what lies outside every plugin", () => {
    expect(paths(filesFor(market, all, ["a", "c"]))).toEqual([
      ".claude-plugin/marketplace.json",
      "README.md",
      "plugins/a/x.md",
      "plugins/c/z.md",
      "plugins/c/.claude-plugin/plugin.json",
    ]);
    expect(paths(filesFor(market, all, ["ab"]))).toEqual([".claude-plugin/marketplace.json", "README.md", "plugins/ab/y.md"]);
  });

  it("no selection, or a selected plugin that is the folder itself: every file", () => {
    expect(filesFor(market, all)).toEqual(all);
    const rooted = report([
      ["whole", "."],
      ["c", "plugins/c"],
    ]);
    expect(filesFor(rooted, all, ["whole"])).toEqual(all);
    expect(paths(filesFor(rooted, all, ["c"]))).toEqual(paths(all));
  });
});
