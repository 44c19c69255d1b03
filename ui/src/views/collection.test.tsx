import { act } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../App.tsx";
import type { ArtifactList, ArtifactSummary, ListArgs } from "../generated/types.ts";
import { byText, click, fakeTransport, mount, type Mounted, settle, type } from "../test/fake.ts";

/** `n` skills named skill-0000 … in the engine's order. */
const ITEMS: ArtifactSummary[] = Array.from({ length: 250 }, (_, i) => ({
  id: `id-${i}`,
  name: `skill-${String(i).padStart(4, "0")}`,
  kind: "skill",
  subtype: null,
  version: null,
  child_count: 0,
  content_hash: "1".repeat(64),
  created_at: "",
  updated_at: "",
}));

/** The engine's answer: filter, then the page. */
function engine(a: ListArgs): ArtifactList {
  const all = ITEMS.filter((i) => (!a.kind || i.kind === a.kind) && (!a.search || i.name.includes(a.search)));
  const items = all.slice(a.offset ?? 0, (a.offset ?? 0) + (a.limit ?? all.length));
  return { items, total: all.length, count: items.length };
}

const names = (m: Mounted) => [...m.container.querySelectorAll("tbody tr td:first-child")].map((td) => td.textContent?.trim());
const range = (m: Mounted) => m.container.querySelector("[data-field=range]")?.textContent;

let m: Mounted | undefined;
afterEach(() => m?.unmount());

describe("Collection at scale", () => {
  it("asks the engine for one page of 100 at a time, and pages with Previous / Next", async () => {
    const t = fakeTransport({ list_artifacts: engine });
    m = await mount(<App transport={t} />);
    expect(t.calls).toEqual([{ cmd: "list_artifacts", args: { kind: undefined, search: undefined, limit: 100, offset: 0 } }]);
    expect(names(m).length).toBe(100);
    expect([names(m)[0], names(m)[99]]).toEqual(["SKL skill-0000", "SKL skill-0099"]);
    expect(range(m)).toBe("1–100 of 250");
    expect(byText(m.container, "button", "Previous")?.hasAttribute("disabled")).toBe(true);

    await click(byText(m.container, "button", "Next"));
    expect(t.calls.at(-1)?.args).toEqual({ kind: undefined, search: undefined, limit: 100, offset: 100 });
    expect(names(m)[0]).toBe("SKL skill-0100");
    await click(byText(m.container, "button", "Next"));
    expect(range(m)).toBe("201–250 of 250");
    expect(names(m).length).toBe(50);
    expect(byText(m.container, "button", "Next")?.hasAttribute("disabled")).toBe(true);
    await click(byText(m.container, "button", "Previous"));
    expect(range(m)).toBe("101–200 of 250");
  });

  it("searches in the engine from the first page, and shows what matches", async () => {
    const t = fakeTransport({ list_artifacts: engine });
    m = await mount(<App transport={t} />);
    await click(byText(m.container, "button", "Next"));
    await type(m.container.querySelector("input[name=collection-search]"), "skill-012");
    expect(t.calls.at(-1)?.args).toEqual({ kind: undefined, search: "skill-012", limit: 100, offset: 0 });
    expect(names(m)).toEqual(Array.from({ length: 10 }, (_, i) => `SKL skill-012${i}`));
    expect(range(m)).toBe("1–10 of 10");
  });

  it("coalesces keystrokes typed while the engine answers: one request for the latest text, no stale page shown", async () => {
    const pending: Array<() => void> = [];
    const t = fakeTransport({
      list_artifacts: (a) => new Promise<ArtifactList>((done) => pending.push(() => done(engine(a)))),
    });
    m = await mount(<App transport={t} />);
    const search = m.container.querySelector<HTMLInputElement>("input[name=collection-search]");
    for (const text of ["s", "sk", "skill-02", "skill-024"]) await type(search, text);
    // The first request (no search) is still out: nothing else was asked.
    expect(t.calls.map((c) => (c.args as ListArgs).search)).toEqual([undefined]);
    await act(async () => pending.shift()!());
    await settle();
    // Its answer is not what is wanted any more: not shown; the latest text is asked once.
    expect(names(m)).toEqual([]);
    expect(t.calls.map((c) => (c.args as ListArgs).search)).toEqual([undefined, "skill-024"]);
    await act(async () => pending.shift()!());
    await settle();
    expect(names(m)).toEqual(Array.from({ length: 10 }, (_, i) => `SKL skill-024${i}`));
    expect(t.calls.length).toBe(2);
  });
});
