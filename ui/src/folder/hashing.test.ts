import { describe, expect, it } from "vitest";
import { HashCancelled, type HashProgress, type HashWorker, hashFolder, type PickedFolder } from "./hashing.ts";
import { folderFromEntry, folderFromInput } from "./pick.ts";
import type { FromWorker, InspectReport, ToWorker } from "./protocol.ts";

/** A worker whose answers the test sends by hand. */
class FakeWorker implements HashWorker {
  posted: ToWorker[] = [];
  terminated = false;
  onmessage: ((event: { data: FromWorker }) => void) | null = null;
  postMessage(m: ToWorker) {
    if (this.terminated) throw new Error("posted to a terminated worker");
    this.posted.push(m);
  }
  terminate() {
    this.terminated = true;
  }
  reply(m: FromWorker) {
    this.onmessage?.({ data: m });
  }
  files = () => this.posted.filter((m) => m.type === "file").map((m) => (m as { id: number }).id);
  finishes = () => this.posted.filter((m) => m.type === "finish");
}

const REPORT = { plugins: [], warnings: [] } as unknown as InspectReport;
const sha = (i: number) => i.toString(16).padStart(64, "0");

function folder(sizes: number[]): PickedFolder {
  return { rootName: "root", files: sizes.map((n, i) => ({ path: `f${i}.md`, file: new File([new Uint8Array(n)], `f${i}.md`) })) };
}

describe("hashFolder", () => {
  it("keeps at most inFlight files at the worker, asks for the tree once after the last, returns every digest in order", async () => {
    const w = new FakeWorker();
    const run = hashFolder(folder(Array(10).fill(1)), { worker: w, inFlight: 3 });
    expect(w.files()).toEqual([0, 1, 2]);
    w.reply({ type: "hashed", id: 1, sha256: sha(1), size: 1, bytes: 1 });
    expect(w.files()).toEqual([0, 1, 2, 3]);
    for (const id of [0, 2, 3, 4, 5, 6, 7, 8]) w.reply({ type: "hashed", id, sha256: sha(id), size: 1, bytes: 1 });
    expect(w.files()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(w.finishes()).toEqual([]);
    w.reply({ type: "hashed", id: 9, sha256: sha(9), size: 1, bytes: 1 });
    expect(w.finishes()).toEqual([{ type: "finish", rootName: "root" }]);
    w.reply({ type: "done", tree: "t".repeat(64), treeFiles: 10, report: REPORT, discoverMs: 7 });
    const r = await run;
    expect(r.files.map((f) => [f.path, f.sha256])).toEqual(Array.from({ length: 10 }, (_, i) => [`f${i}.md`, sha(i)]));
    expect([r.tree, r.treeFiles, r.report, r.rootName]).toEqual(["t".repeat(64), 10, REPORT, "root"]);
    expect(w.terminated).toBe(true);
  });

  it("reports files, bytes and MB/s at most every progressEveryMs, and always the last", async () => {
    let clock = 0;
    const seen: HashProgress[] = [];
    const w = new FakeWorker();
    const run = hashFolder(folder([1_000_000, 2_000_000, 3_000_000]), {
      worker: w,
      onProgress: (p) => seen.push(p),
      progressEveryMs: 100,
      now: () => clock,
    });
    clock = 50;
    w.reply({ type: "progress", id: 0, bytes: 500_000 }); // first report
    clock = 80;
    w.reply({ type: "hashed", id: 0, sha256: sha(0), size: 1_000_000, bytes: 500_000 }); // 30 ms later: not reported
    clock = 500;
    w.reply({ type: "hashed", id: 1, sha256: sha(1), size: 2_000_000, bytes: 2_000_000 });
    clock = 1_900;
    w.reply({ type: "hashed", id: 2, sha256: sha(2), size: 3_000_000, bytes: 3_000_000 });
    clock = 2_000;
    w.reply({ type: "done", tree: sha(9), treeFiles: 3, report: REPORT, discoverMs: 0 });
    const r = await run;
    const row = (p: HashProgress) => [p.files, p.bytes, p.elapsedMs];
    expect(seen.map(row)).toEqual([
      [0, 500_000, 50],
      [2, 3_000_000, 500],
      [3, 6_000_000, 1_900],
      [3, 6_000_000, 2_000],
    ]);
    expect(seen.at(-1)).toEqual({ files: 3, totalFiles: 3, bytes: 6e6, elapsedMs: 2000, mbPerSec: 3 });
    expect(r.progress.mbPerSec).toBe(3);
    expect(r.files.map((f) => f.size)).toEqual([1e6, 2e6, 3e6]);
  });

  it("never asks a chosen File its size on the page (a synchronous stat in Chromium)", async () => {
    const w = new FakeWorker();
    const file = new File(["abc"], "a.md");
    Object.defineProperty(file, "size", {
      get() {
        throw new Error("size read on the page");
      },
    });
    const run = hashFolder({ rootName: "r", files: [{ path: "a.md", file }] }, { worker: w, onProgress: () => {} });
    w.reply({ type: "hashed", id: 0, sha256: sha(0), size: 3, bytes: 3 });
    w.reply({ type: "done", tree: sha(1), treeFiles: 1, report: REPORT, discoverMs: 0 });
    expect((await run).files).toEqual([{ path: "a.md", size: 3, sha256: sha(0) }]);
  });

  it("Cancel terminates the worker, rejects with HashCancelled and ignores what comes after", async () => {
    const w = new FakeWorker();
    const ctl = new AbortController();
    const seen: HashProgress[] = [];
    const run = hashFolder(folder([1, 1, 1, 1]), { worker: w, signal: ctl.signal, inFlight: 2, onProgress: (p) => seen.push(p) });
    w.reply({ type: "hashed", id: 0, sha256: sha(0), size: 1, bytes: 1 });
    ctl.abort();
    await expect(run).rejects.toBeInstanceOf(HashCancelled);
    expect(w.terminated).toBe(true);
    expect(w.onmessage).toBeNull();
    const reports = seen.length;
    w.reply({ type: "hashed", id: 1, sha256: sha(1), size: 1, bytes: 1 }); // a late message from the dying worker
    expect(seen.length).toBe(reports);
    expect(w.files()).toEqual([0, 1, 2]);
  });

  it("an already aborted signal posts nothing", async () => {
    const w = new FakeWorker();
    const ctl = new AbortController();
    ctl.abort();
    await expect(hashFolder(folder([1]), { worker: w, signal: ctl.signal })).rejects.toBeInstanceOf(HashCancelled);
    expect([w.posted, w.terminated]).toEqual([[], true]);
  });

  it("a worker error rejects with its message and ends the worker", async () => {
    const w = new FakeWorker();
    const run = hashFolder(folder([1, 1]), { worker: w });
    w.reply({ type: "error", message: "f1.md: NotReadableError" });
    await expect(run).rejects.toThrow("f1.md: NotReadableError");
    expect(w.terminated).toBe(true);
  });

  it("a file the worker saw start with #! is executable (the File API has no mode bits)", async () => {
    const w = new FakeWorker();
    const run = hashFolder(folder([1, 1]), { worker: w });
    w.reply({ type: "hashed", id: 0, sha256: sha(0), size: 1, bytes: 1, script: true });
    w.reply({ type: "hashed", id: 1, sha256: sha(1), size: 1, bytes: 1 });
    w.reply({ type: "done", tree: sha(2), treeFiles: 2, report: REPORT, discoverMs: 0 });
    expect((await run).files.map((f) => f.executable)).toEqual([true, undefined]);
  });

  it("an empty folder asks for the tree at once", async () => {
    const w = new FakeWorker();
    const run = hashFolder({ rootName: "empty", files: [] }, { worker: w });
    expect(w.posted).toEqual([{ type: "finish", rootName: "empty" }]);
    w.reply({ type: "done", tree: sha(0), treeFiles: 0, report: REPORT, discoverMs: 0 });
    expect((await run).files).toEqual([]);
  });
});

describe("picking a folder", () => {
  const withPath = (rel: string) => {
    const f = new File(["x"], rel.split("/").at(-1)!);
    Object.defineProperty(f, "webkitRelativePath", { value: rel });
    return f;
  };

  it("takes an input's files relative to the chosen folder, in the browser's order", () => {
    const picked = folderFromInput([withPath("guardrails/skills/a/SKILL.md"), withPath("guardrails/.claude-plugin/plugin.json")]);
    expect(picked.rootName).toBe("guardrails");
    expect(picked.files.map((f) => f.path)).toEqual(["skills/a/SKILL.md", ".claude-plugin/plugin.json"]);
  });

  it("walks a dropped folder's entries, reading each directory until an empty batch", async () => {
    const file = (name: string) => ({ name, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([name], name)) });
    const dir = (name: string, batches: unknown[][]) => ({
      name,
      isDirectory: true,
      createReader: () => {
        const left = [...batches, []];
        return { readEntries: (ok: (e: unknown[]) => void) => ok(left.shift()!) };
      },
    });
    const root = dir("market", [[file("z.md"), dir("sub", [[file("b.md")], [file("a.md")]])], [file("c.json")]]);
    const picked = await folderFromEntry(root as unknown as FileSystemDirectoryEntry);
    expect(picked.rootName).toBe("market");
    expect(picked.files.map((f) => f.path)).toEqual(["c.json", "sub/a.md", "sub/b.md", "z.md"]);
  });
});
