// The upload queue of the browser's Import: the blobs the server lacks,
// small ones packed into batches (`putBatch`: one request for up to 4 MB
// or 1,000 blobs, POST /api/v1/blobs), large ones one by one; sent a few
// requests at a time (4 by default), each retried with exponential
// backoff when the network or the server failed (a CommandError `internal`:
// no answer, a 5xx or 503); any other refusal (422 bytes that are not the
// blob, 413 too large) stops the queue. Progress counts the bytes of the
// blobs the server kept. Cancel (an AbortSignal) aborts the requests in
// flight. Resuming needs no state here: a second Import asks the server
// which blobs are still missing and queues only those.
import { asCommandError } from "../transport.ts";

export interface QueuedBlob {
  sha256: string;
  size: number;
  body: Blob;
}

export interface UploadProgress {
  blobs: number;
  totalBlobs: number;
  bytes: number;
  totalBytes: number;
}

/** Sends one blob; rejects on failure (the queue decides whether to retry). */
export type PutBlob = (blob: QueuedBlob, signal: AbortSignal) => Promise<unknown>;
/** Sends several blobs in one request; rejects on failure (the whole batch is retried). */
export type PutBatch = (blobs: QueuedBlob[], signal: AbortSignal) => Promise<unknown>;

export interface QueueOptions {
  /** Uploads at the same time (default 4, at least 1). */
  concurrency?: number;
  /** Sends packed small blobs; without it every blob goes through `put`. */
  putBatch?: PutBatch;
  /** A batch holds at most this many bytes (default 4 MB; a larger blob goes alone) … */
  batchBytes?: number;
  /** … and this many blobs (default 1,000). */
  batchBlobs?: number;
  /** Attempts per blob after the first (default 5). */
  retries?: number;
  /** The first wait before a retry; doubled each time (default 250 ms) … */
  backoffMs?: number;
  /** … up to this (default 8 s). */
  maxBackoffMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: UploadProgress) => void;
  /** Whether a failure is worth retrying (default: a CommandError `internal`). */
  retryable?: (e: unknown) => boolean;
  /** Waits `ms` (tests give a fake clock); rejects when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class UploadCancelled extends Error {
  constructor() {
    super("upload cancelled");
    this.name = "UploadCancelled";
  }
}

/** What is worth another attempt: the network or the server failed (no
 * answer, 5xx, 503), not a refusal of the request itself. */
export function isRetryable(e: unknown): boolean {
  return asCommandError(e).code === "internal";
}

/** The wait before retry `attempt` (1-based): backoff · 2^(attempt-1), capped. */
export function backoff(attempt: number, first = 250, cap = 8_000): number {
  return Math.min(cap, first * 2 ** (attempt - 1));
}

/** The requests that send `blobs`: small ones packed in order into batches
 * of at most `batchBytes` and `batchBlobs`, each larger one alone. */
export function pack(blobs: readonly QueuedBlob[], batchBytes = 4e6, batchBlobs = 1000): QueuedBlob[][] {
  const out: QueuedBlob[][] = [];
  let batch: QueuedBlob[] = [];
  let bytes = 0;
  for (const b of blobs) {
    if (b.size > batchBytes) {
      out.push([b]);
      continue;
    }
    if (batch.length > 0 && (bytes + b.size > batchBytes || batch.length >= batchBlobs)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(b);
    bytes += b.size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/** Uploads every blob (with `put`, or packed with `opts.putBatch`); resolves
 * to the bytes and blobs sent, rejects with `UploadCancelled` on Cancel or
 * with the first failure not retried. */
export async function uploadBlobs(blobs: QueuedBlob[], put: PutBlob, opts: QueueOptions = {}): Promise<UploadProgress> {
  const ctl = new AbortController();
  const outer = opts.signal;
  const onAbort = () => ctl.abort();
  if (outer?.aborted) throw new UploadCancelled();
  outer?.addEventListener("abort", onAbort, { once: true });
  const progress: UploadProgress = {
    blobs: 0,
    totalBlobs: blobs.length,
    bytes: 0,
    totalBytes: blobs.reduce((n, b) => n + b.size, 0),
  };
  const sleep = opts.sleep ?? wait;
  const retryable = opts.retryable ?? isRetryable;
  const retries = opts.retries ?? 5;
  const { putBatch } = opts;
  const units = putBatch ? pack(blobs, opts.batchBytes, opts.batchBlobs) : blobs.map((b) => [b]);
  const send = (unit: QueuedBlob[], signal: AbortSignal) => (unit.length === 1 || !putBatch ? put(unit[0]!, signal) : putBatch(unit, signal));
  let next = 0;
  let failure: unknown = null;

  const one = async (unit: QueuedBlob[]) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await send(unit, ctl.signal);
        return;
      } catch (e) {
        if (ctl.signal.aborted) throw failure ?? new UploadCancelled();
        if (attempt >= retries || !retryable(e)) throw e;
      }
      await sleep(backoff(attempt + 1, opts.backoffMs, opts.maxBackoffMs), ctl.signal);
    }
  };
  const lane = async () => {
    while (next < units.length && !ctl.signal.aborted) {
      const unit = units[next++]!;
      await one(unit);
      progress.blobs += unit.length;
      progress.bytes += unit.reduce((n, b) => n + b.size, 0);
      opts.onProgress?.({ ...progress });
    }
  };
  try {
    const lanes = Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, units.length)) }, () =>
      lane().catch((e) => {
        failure ??= e;
        ctl.abort();
      }),
    );
    await Promise.all(lanes);
    if (outer?.aborted) throw new UploadCancelled();
    if (failure) throw failure;
    opts.onProgress?.({ ...progress });
    return progress;
  } finally {
    outer?.removeEventListener("abort", onAbort);
  }
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      ok();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      fail(new UploadCancelled());
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}
