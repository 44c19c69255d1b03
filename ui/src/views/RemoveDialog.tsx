import { useEffect, useRef, useState } from "react";
import type { RemoveResult } from "../generated/types.ts";
import { useTransport } from "../context.tsx";
import { asCommandError, type CommandError } from "../transport.ts";
import { ErrorBox, KIND_LABELS } from "../ui.tsx";

/** `1 536` → "1.5 KiB" (and the exact count beside it). */
function size(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u += 1;
  }
  return u === 0 ? `${bytes} bytes` : `${n.toFixed(1)} ${units[u]}`;
}

/**
 * Remove confirmation: asks for a dry run first and shows what it says
 * will go (and stay, and how much it frees). A refusal (part of a plugin,
 * deployed) shows why, and the button becomes "Remove anyway" (force).
 */
export function RemoveDialog({ id, onCancel, onRemoved }: { id: string; onCancel: () => void; onRemoved: (r: RemoveResult) => void }) {
  const t = useTransport();
  const [plan, setPlan] = useState<RemoveResult | null>(null);
  const [refusal, setRefusal] = useState<CommandError | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [busy, setBusy] = useState(false);
  const cancel = useRef<HTMLButtonElement | null>(null);

  useEffect(() => {
    let live = true;
    t.call("remove_artifact", { name: id, dry_run: true, force: false, keep_children: false })
      .then((p) => live && setPlan(p))
      .catch((e) => {
        if (!live) return;
        const err = asCommandError(e);
        if (err.code === "conflict") setRefusal(err);
        else setError(err);
      });
    cancel.current?.focus();
    return () => {
      live = false;
    };
  }, [t, id]);

  async function confirm() {
    setBusy(true);
    try {
      onRemoved(await t.call("remove_artifact", { name: id, dry_run: false, force: refusal !== null, keep_children: false }));
    } catch (e) {
      setError(asCommandError(e));
      setBusy(false);
    }
  }

  return (
    <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="remove-title" onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <h3 id="remove-title">Remove from the collection?</h3>
      {!plan && !refusal && !error && <p role="status">Checking what would go…</p>}
      {refusal && (
        <p className="error-conflict" role="alert">
          {refusal.message}
        </p>
      )}
      {plan && (
        <>
          <p>Will remove:</p>
          <ul className="remove-list">
            {plan.removed.map((r) => (
              <li key={r.id}>
                {KIND_LABELS[r.kind]} {r.name} ({r.versions} {r.versions === 1 ? "version" : "versions"})
              </li>
            ))}
          </ul>
          {plan.kept.length > 0 && (
            <>
              <p>Stays:</p>
              <ul className="keep-list">
                {plan.kept.map((k) => (
                  <li key={`${k.kind}:${k.name}`}>
                    {KIND_LABELS[k.kind]} {k.name} — {k.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
          <p className="freed">
            Frees {size(plan.bytes_freed)} ({plan.blobs_freed} stored {plan.blobs_freed === 1 ? "file" : "files"}).
          </p>
        </>
      )}
      <ErrorBox error={error} />
      <div className="actions">
        <button ref={cancel} onClick={onCancel}>
          Cancel
        </button>
        <button className="danger" disabled={busy || (!plan && !refusal)} onClick={confirm}>
          {refusal ? "Remove anyway" : "Remove"}
        </button>
      </div>
    </div>
  );
}
