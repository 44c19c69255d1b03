import { describe, expect, it } from "vitest";
import { CommandError } from "../transport.ts";
import { backoff, pack, type QueuedBlob, UploadCancelled, type UploadProgress, uploadBlobs } from "./queue.ts";

const blob = (i: number, size = 10): QueuedBlob => ({ sha256: i.toString(16).padStart(64, "0"), size, body: new Blob([new Uint8Array(size)]) });
const blobs = (n: number, size = 10) => Array.from({ length: n }, (_, i) => blob(i, size));
const tick = () => new Promise((r) => setTimeout(r, 0));

/** A put whose calls the test settles by hand. */
function manualPut() {
  const open: Array<{ sha: string; ok: () => void; fail: (e: unknown) => void; signal: AbortSignal }> = [];
  const calls: string[] = [];
  const put = (b: QueuedBlob, signal: AbortSignal) =>
    new Promise<void>((ok, fail) => {
      calls.push(b.sha256);
      open.push({ sha: b.sha256, ok, fail, signal });
      signal.addEventListener("abort", () => fail(new DOMException("aborted", "AbortError")));
    });
  return { put, open, calls };
}

describe("uploadBlobs", () => {
  it("keeps at most `concurrency` uploads in flight and counts the bytes kept", async () => {
    const { put, open } = manualPut();
    const seen: UploadProgress[] = [];
    let peak = 0;
    const run = uploadBlobs(blobs(10, 7), put, { concurrency: 4, onProgress: (p) => seen.push(p) });
    for (let done = 0; done < 10; done++) {
      await tick();
      const live = open.length - done;
      peak = Math.max(peak, live);
      expect(live).toBeLessThanOrEqual(4);
      open[done]!.ok();
    }
    const r = await run;
    expect(peak).toBe(4);
    expect(r).toEqual({ blobs: 10, totalBlobs: 10, bytes: 70, totalBytes: 70 });
    expect(seen.map((p) => p.bytes)).toEqual([7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 70]);
  });

  it("retries network errors and 5xx with exponential backoff, then succeeds", async () => {
    const waits: number[] = [];
    let calls = 0;
    const put = async () => {
      calls++;
      if (calls === 1) throw new CommandError("internal", "skillmeat serve did not answer (Failed to fetch)");
      if (calls === 2) throw new CommandError("internal", "HTTP 503 Service Unavailable");
      if (calls === 3) throw new CommandError("internal", "HTTP 500");
    };
    const r = await uploadBlobs([blob(1)], put, { backoffMs: 100, sleep: async (ms) => void waits.push(ms) });
    expect(calls).toBe(4);
    expect(waits).toEqual([100, 200, 400]);
    expect(r.bytes).toBe(10);
  });

  it("gives up after `retries` attempts with the last error", async () => {
    const waits: number[] = [];
    let calls = 0;
    const put = async () => {
      calls++;
      throw new CommandError("internal", `down ${calls}`);
    };
    await expect(uploadBlobs([blob(1)], put, { retries: 3, backoffMs: 10, sleep: async (ms) => void waits.push(ms) })).rejects.toThrow("down 4");
    expect(waits).toEqual([10, 20, 40]);
  });

  it("does not retry a refusal (422: bytes that are not the blob) and stops the other uploads", async () => {
    const { put, open, calls } = manualPut();
    const run = uploadBlobs(blobs(6), put, { concurrency: 2, sleep: async () => {} });
    await tick();
    open[0]!.fail(new CommandError("bad_input", "the bytes hash to 00…, not 01…"));
    await expect(run).rejects.toThrow("the bytes hash to");
    expect(open[1]!.signal.aborted).toBe(true);
    expect(calls.length).toBe(2);
  });

  it("Cancel aborts the uploads in flight and rejects with UploadCancelled; nothing more is sent", async () => {
    const { put, open, calls } = manualPut();
    const ctl = new AbortController();
    const run = uploadBlobs(blobs(8), put, { concurrency: 3, signal: ctl.signal });
    await tick();
    open[0]!.ok();
    await tick();
    expect(calls.length).toBe(4);
    ctl.abort();
    await expect(run).rejects.toBeInstanceOf(UploadCancelled);
    expect(open.slice(1).every((o) => o.signal.aborted)).toBe(true);
    await tick();
    expect(calls.length).toBe(4);
  });

  it("Cancel during a backoff wait ends at once", async () => {
    const ctl = new AbortController();
    const run = uploadBlobs([blob(1)], async () => Promise.reject(new CommandError("internal", "down")), { signal: ctl.signal, backoffMs: 60_000 });
    await tick();
    ctl.abort();
    await expect(run).rejects.toBeInstanceOf(UploadCancelled);
  });

  it("an empty queue sends nothing", async () => {
    const { put, calls } = manualPut();
    expect(await uploadBlobs([], put)).toEqual({ blobs: 0, totalBlobs: 0, bytes: 0, totalBytes: 0 });
    expect(calls).toEqual([]);
  });

  it("backoff doubles from the first wait up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoff(a, 250, 8000))).toEqual([250, 500, 1000, 2000, 4000, 8000, 8000]);
  });
});

describe("uploadBlobs with putBatch", () => {
  const sized = (sizes: number[]) => sizes.map((n, i) => blob(i, n));
  const ids = (bs: QueuedBlob[]) => bs.map((b) => parseInt(b.sha256, 16));

  it("packs small blobs into batches bounded by bytes and count; a larger blob, or a batch of one, goes through put", async () => {
    expect(pack(sized([3, 3, 3, 9, 11, 2, 2, 2, 2]), 10, 3).map(ids)).toEqual([[0, 1, 2], [4], [3], [5, 6, 7], [8]]);
    expect(pack([], 10, 3)).toEqual([]);
    const singles: number[] = [];
    const batches: number[][] = [];
    const r = await uploadBlobs(sized([3, 3, 3, 9, 11, 2]), async (b) => void singles.push(parseInt(b.sha256, 16)), {
      putBatch: async (bs) => void batches.push(ids(bs)),
      batchBytes: 10,
      batchBlobs: 3,
      concurrency: 1,
    });
    expect([batches, singles]).toEqual([[[0, 1, 2]], [4, 3, 5]]);
    expect(r).toEqual({ blobs: 6, totalBlobs: 6, bytes: 31, totalBytes: 31 });
  });

  it("a batch that failed on the network is sent again whole, with backoff; progress counts each batch once", async () => {
    const sent: number[][] = [];
    const waits: number[] = [];
    const seen: UploadProgress[] = [];
    const r = await uploadBlobs(sized([4, 4, 4, 4]), async () => Promise.reject(new Error("put is not used")), {
      putBatch: async (bs) => {
        sent.push(ids(bs));
        if (sent.length === 2) throw new CommandError("internal", "HTTP 503 Service Unavailable");
      },
      batchBytes: 8,
      concurrency: 1,
      backoffMs: 50,
      sleep: async (ms) => void waits.push(ms),
      onProgress: (p) => seen.push(p),
    });
    expect(sent).toEqual([[0, 1], [2, 3], [2, 3]]);
    expect(waits).toEqual([50]);
    expect(seen.map((p) => [p.blobs, p.bytes])).toEqual([[2, 8], [4, 16], [4, 16]]);
    expect(r.bytes).toBe(16);
  });

  it("a batch refused (422 naming a blob) is not retried and stops the queue", async () => {
    let calls = 0;
    const run = uploadBlobs(sized([1, 1, 1]), async () => {}, {
      putBatch: async () => {
        calls++;
        throw new CommandError("bad_input", "the bytes sent hash to 00…, not 01…; nothing was kept");
      },
      sleep: async () => {},
    });
    await expect(run).rejects.toThrow("nothing was kept");
    expect(calls).toBe(1);
  });
});
