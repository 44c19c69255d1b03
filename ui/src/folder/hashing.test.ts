import { describe, expect, it } from "vitest";
import { HashCancelled, type HashProgress, type HashWorker, hashFolder, type PickedFolder } from "./hashing.ts";
import { folderFromEntry, folderFromInput } from "./pick.ts";
import type { FromWorker, InspectReport, ToWorker } from "./protocol.ts";

/** A worker whose answers the test sends by hand. */
class FakeWorker implements HashWorker {
  posted: ToWorker[] = [];
  transferred: Transferable[][] = [];
  terminated = false;
  onmessage: ((event: { data: FromWorker }) => void) | null = null;
  postMessage(m: ToWorker, transfer: Transferable[] = []) {
    if (this.terminated) throw new Error("posted to a terminated worker");
    this.posted.push(m);
    this.transferred.push(transfer);
  }
  terminate() {
    this.terminated = true;
  }
  reply(m: FromWorker) {
    this.onmessage?.({ data: m });
  }
  batches = () => this.posted.filter((m) => m.type === "batch").map((m) => (m as Extract<ToWorker, { type: "batch" }>).files);
  ids = () => this.batches().map((b) => b.map((f) => f.id));
  finishes = () => this.posted.filter((m) => m.type === "finish");
  parts = () => this.posted.filter((m) => m.type === "part").map((m) => (m as Extract<ToWorker, { type: "part" }>).part);
  /** Answers every batch not answered yet, as the real worker would (sizes from the bytes). */
  answer(from = 0, script?: (id: number) => boolean) {
    for (const b of this.batches().slice(from))
      this.reply({ type: "hashed", files: b.map((f) => ({ id: f.id, sha256: sha(f.id), size: f.bytes.byteLength, ...(script?.(f.id) ? { script: true } : {}) })) });
  }
}

const REPORT = { plugins: [], warnings: [] } as unknown as InspectReport;
const sha = (i: number) => i.toString(16).padStart(64, "0");
/** Lets the page's pending reads (promises) run. */
const settle = () => new Promise((r) => setTimeout(r, 0));
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await settle();
  expect(ok()).toBe(true);
};

function folder(sizes: number[]): PickedFolder {
  return { rootName: "root", files: sizes.map((n, i) => ({ path: `f${i}.md`, file: new File([new Uint8Array(n)], `f${i}.md`) })) };
}

describe("hashFolder", () => {
  it("sends the bytes in batches (transferred) of batchFiles files, asks for the tree once after the last is hashed, returns every digest in order", async () => {
    const w = new FakeWorker();
    const run = hashFolder(folder(Array(10).fill(3)), { worker: w, readers: 4, batchFiles: 4 });
    await until(() => w.batches().flat().length === 10);
    expect(w.ids().map((b) => b.length)).toEqual([4, 4, 2]);
    expect(w.ids().flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(w.transferred.map((t) => t.length)).toEqual([4, 4, 2]);
    expect(w.batches().flat().every((f) => f.bytes.byteLength === 3 && f.path === `f${f.id}.md`)).toBe(true);
    w.answer(0);
    expect(w.finishes()).toEqual([{ type: "finish", rootName: "root" }]);
    w.reply({ type: "done", tree: "t".repeat(64), treeFiles: 10, report: REPORT, discoverMs: 7 });
    const r = await run;
    expect(r.files.map((f) => [f.path, f.sha256, f.size])).toEqual(Array.from({ length: 10 }, (_, i) => [`f${i}.md`, sha(i), 3]));
    expect([r.tree, r.treeFiles, r.report, r.rootName]).toEqual(["t".repeat(64), 10, REPORT, "root"]);
    expect(w.terminated).toBe(true);
  });

  it("a batch goes once it holds batchBytes; reading waits while maxUnhashedBytes are with the worker", async () => {
    const w = new FakeWorker();
    const run = hashFolder(folder([600, 600, 600, 600, 600, 600]), { worker: w, readers: 1, batchBytes: 1000, maxUnhashedBytes: 1000 });
    await until(() => w.batches().length === 1);
    await settle();
    expect(w.ids()).toEqual([[0, 1]]); // 1,200 bytes with the worker: no more reading
    w.answer(0);
    await until(() => w.batches().length === 2);
    expect(w.ids()[1]).toEqual([2, 3]);
    w.answer(1);
    await until(() => w.batches().length === 3);
    w.answer(2);
    expect(w.finishes().length).toBe(1);
    w.reply({ type: "done", tree: sha(9), treeFiles: 6, report: REPORT, discoverMs: 0 });
    expect((await run).files.map((f) => f.size)).toEqual([600, 600, 600, 600, 600, 600]);
  });

  it("reports files, bytes and MB/s at most every progressEveryMs, and always the last", async () => {
    let clock = 0;
    const seen: HashProgress[] = [];
    const w = new FakeWorker();
    const run = hashFolder(folder([1_000_000, 2_000_000, 3_000_000]), {
      worker: w,
      onProgress: (p) => seen.push(p),
      progressEveryMs: 100,
      batchFiles: 1,
      readers: 1,
      now: () => clock,
    });
    const hashed = (id: number, size: number) => w.reply({ type: "hashed", files: [{ id, sha256: sha(id), size }] });
    await until(() => w.batches().length === 3);
    clock = 50;
    hashed(0, 1_000_000); // first report
    clock = 80;
    hashed(1, 2_000_000); // 30 ms later: not reported
    clock = 1_900;
    hashed(2, 3_000_000);
    clock = 2_000;
    w.reply({ type: "done", tree: sha(9), treeFiles: 3, report: REPORT, discoverMs: 0 });
    const r = await run;
    const row = (p: HashProgress) => [p.files, p.bytes, p.elapsedMs];
    expect(seen.map(row)).toEqual([
      [1, 1_000_000, 50],
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
    await until(() => w.batches().length === 1);
    w.answer(0);
    w.reply({ type: "done", tree: sha(1), treeFiles: 1, report: REPORT, discoverMs: 0 });
    expect((await run).files).toEqual([{ path: "a.md", size: 3, sha256: sha(0) }]);
  });

  it("Cancel terminates the worker, stops reading, rejects with HashCancelled and ignores what comes after", async () => {
    const w = new FakeWorker();
    const ctl = new AbortController();
    const seen: HashProgress[] = [];
    const run = hashFolder(folder([1, 1, 1, 1]), { worker: w, signal: ctl.signal, readers: 1, batchFiles: 1, maxUnhashedBytes: 1, onProgress: (p) => seen.push(p) });
    await until(() => w.batches().length === 1);
    ctl.abort();
    await expect(run).rejects.toBeInstanceOf(HashCancelled);
    expect(w.terminated).toBe(true);
    expect(w.onmessage).toBeNull();
    w.answer(0); // a late message from the dying worker
    await settle();
    expect(seen).toEqual([]);
    expect(w.ids()).toEqual([[0]]);
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
    w.reply({ type: "error", message: "discover: bad manifest" });
    await expect(run).rejects.toThrow("discover: bad manifest");
    expect(w.terminated).toBe(true);
  });

  it("a file the page cannot read rejects naming it", async () => {
    const w = new FakeWorker();
    const file = new File(["x"], "gone.md");
    file.stream = () => new ReadableStream({ pull: (c) => c.error(new Error("NotReadableError")) });
    await expect(hashFolder({ rootName: "r", files: [{ path: "skills/gone.md", file }] }, { worker: w })).rejects.toThrow("skills/gone.md: NotReadableError");
    expect(w.terminated).toBe(true);
  });

  it("a file over wholeBytes goes to the worker in parts as its stream gives them (transferred, never whole); its bytes count as each part is hashed", async () => {
    const w = new FakeWorker();
    const big = new File([new Uint8Array(9)], "big.bin");
    const chunks = [new Uint8Array([0x23, 0x21, 1]), new Uint8Array([2, 3, 4]), new Uint8Array([5, 6, 7])];
    big.stream = () => new ReadableStream({ start: (c) => (chunks.forEach((b) => c.enqueue(b)), c.close()) });
    const seen: HashProgress[] = [];
    const small = { path: "a.md", file: new File(["abc"], "a.md") };
    const run = hashFolder({ rootName: "r", files: [small, { path: "big.bin", file: big }] }, { worker: w, readers: 1, wholeBytes: 4, maxUnhashedBytes: 6, progressEveryMs: 0, onProgress: (p) => seen.push(p) });
    await until(() => w.parts().length === 2);
    await settle();
    // 3 + 3 bytes with the worker: the third chunk waits.
    expect(w.parts().map((p) => [p.id, p.path, p.bytes.byteLength, p.last])).toEqual([
      [1, "big.bin", 3, false],
      [1, "big.bin", 3, false],
    ]);
    expect(new Uint8Array(w.parts()[0]!.bytes)).toEqual(chunks[0]);
    w.reply({ type: "took", bytes: 3 });
    w.reply({ type: "took", bytes: 3 });
    await until(() => w.parts().length === 4);
    expect(w.parts().slice(2).map((p) => [p.bytes.byteLength, p.last])).toEqual([
      [3, false],
      [0, true],
    ]);
    expect(w.transferred.filter((t) => t.length === 1).length).toBe(5); // 4 parts and the batch holding a.md
    w.reply({ type: "took", bytes: 3 });
    w.reply({ type: "hashed", files: [{ id: 1, sha256: sha(1), size: 9, script: true }] });
    expect(w.finishes()).toEqual([]);
    w.answer(0);
    w.reply({ type: "done", tree: sha(2), treeFiles: 2, report: REPORT, discoverMs: 0 });
    const r = await run;
    expect(r.files).toEqual([
      { path: "a.md", size: 3, sha256: sha(0) },
      { path: "big.bin", size: 9, sha256: sha(1), executable: true },
    ]);
    expect(r.progress.bytes).toBe(12);
    expect(seen.map((p) => p.bytes)).toEqual([3, 6, 9, 9, 12, 12]);
  });

  it("a file of exactly wholeBytes goes whole in a batch, its chunks joined; a chunk that is a view into a larger buffer is sent as its own bytes", async () => {
    const w = new FakeWorker();
    const shared = new Uint8Array([9, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const exact = new File([new Uint8Array(4)], "exact.md");
    exact.stream = () => new ReadableStream({ start: (c) => (c.enqueue(shared.subarray(1, 3)), c.enqueue(shared.subarray(3, 5)), c.close()) });
    const over = new File([new Uint8Array(5)], "over.bin");
    over.stream = () => new ReadableStream({ start: (c) => (c.enqueue(shared.subarray(5, 10)), c.close()) });
    const run = hashFolder(
      { rootName: "r", files: [{ path: "exact.md", file: exact }, { path: "over.bin", file: over }] },
      { worker: w, readers: 1, wholeBytes: 4 },
    );
    await until(() => w.batches().length === 1);
    const [whole] = w.batches()[0]!;
    expect([whole!.id, [...new Uint8Array(whole!.bytes)]]).toEqual([0, [1, 2, 3, 4]]);
    expect(w.parts().map((p) => [p.id, [...new Uint8Array(p.bytes)], p.last])).toEqual([
      [1, [5, 6, 7, 8, 9], false],
      [1, [], true],
    ]);
    expect(shared.byteLength).toBe(10); // the page's own buffer was not transferred away
    w.answer(0);
    w.reply({ type: "took", bytes: 5 });
    w.reply({ type: "hashed", files: [{ id: 1, sha256: sha(1), size: 5 }] });
    w.reply({ type: "done", tree: sha(2), treeFiles: 2, report: REPORT, discoverMs: 0 });
    expect((await run).files.map((f) => [f.path, f.size])).toEqual([
      ["exact.md", 4],
      ["over.bin", 5],
    ]);
  });

  it("a file the worker saw start with #! is executable (the File API has no mode bits)", async () => {
    const w = new FakeWorker();
    const run = hashFolder(folder([1, 1]), { worker: w });
    await until(() => w.batches().flat().length === 2);
    w.answer(0, (id) => id === 0);
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
