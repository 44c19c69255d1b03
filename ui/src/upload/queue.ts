// The upload queue of the browser's Import: the blobs the server lacks,
// sent a few at a time (4 by default), each retried with exponential
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

export interface QueueOptions {
  /** Uploads at the same time (default 4, at least 1). */
  concurrency?: number;
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

/** Uploads every blob with `put`; resolves to the bytes and blobs sent, rejects
 * with `UploadCancelled` on Cancel or with the first failure not retried. */
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
  let next = 0;
  let failure: unknown = null;

  const one = async (blob: QueuedBlob) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await put(blob, ctl.signal);
        return;
      } catch (e) {
        if (ctl.signal.aborted) throw failure ?? new UploadCancelled();
        if (attempt >= retries || !retryable(e)) throw e;
      }
      await sleep(backoff(attempt + 1, opts.backoffMs, opts.maxBackoffMs), ctl.signal);
    }
  };
  const lane = async () => {
    while (next < blobs.length && !ctl.signal.aborted) {
      const blob = blobs[next++]!;
      await one(blob);
      progress.blobs++;
      progress.bytes += blob.size;
      opts.onProgress?.({ ...progress });
    }
  };
  try {
    const lanes = Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, blobs.length)) }, () =>
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
