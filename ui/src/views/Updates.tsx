import { useCallback, useEffect, useState } from "react";
import type { OutdatedReport, OutdatedState, PluginOutdated, UpdateResult } from "../generated/types.ts";
import { useTransport } from "../context.tsx";
import { asCommandError, type CommandError } from "../transport.ts";
import { ErrorBox, Hash, KindIcon } from "../ui.tsx";

const STATE_LABELS: Record<OutdatedState, string> = {
  up_to_date: "up to date",
  changed: "changed",
  unreachable: "source unreachable",
  gone: "source gone",
  untracked: "no source recorded",
};

const STATE_BADGES: Record<OutdatedState, string> = {
  up_to_date: "badge-ok",
  changed: "badge-new",
  unreachable: "badge-warn",
  gone: "badge-error",
  untracked: "badge-warn",
};

/** Each plugin against its source (by content hash); Update one or all, after a dry-run preview. */
export function Updates() {
  const t = useTransport();
  const [report, setReport] = useState<OutdatedReport | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  /** The dry run being confirmed, and the plugins it is for (null: all). */
  const [preview, setPreview] = useState<{ names: string[] | null; result: UpdateResult } | null>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState("");

  const check = useCallback(async () => {
    setError(null);
    try {
      setReport(await t.call("outdated", {}));
    } catch (e) {
      setError(asCommandError(e));
    }
  }, [t]);

  useEffect(() => {
    void check();
  }, [check]);

  async function plan(names: string[] | null) {
    setError(null);
    setNote("");
    setBusy(true);
    try {
      const result = await t.call("update_plugins", { names: names ?? undefined, dry_run: true });
      setPreview({ names, result });
    } catch (e) {
      setError(asCommandError(e));
    } finally {
      setBusy(false);
    }
  }

  async function confirm() {
    if (!preview) return;
    setError(null);
    setBusy(true);
    try {
      const r = await t.call("update_plugins", { names: preview.names ?? undefined, dry_run: false });
      const ok = r.results.filter((p) => p.success).map((p) => p.plugin_name);
      const failed = r.results.filter((p) => !p.success).map((p) => `${p.plugin_name} (${p.errors.join("; ")})`);
      setNote(
        (ok.length ? `Updated ${ok.join(", ")}. Deployed projects are unchanged until you deploy again.` : "Nothing was updated.") +
          (failed.length ? ` Failed: ${failed.join(", ")}.` : ""),
      );
      setPreview(null);
      await check();
    } catch (e) {
      setError(asCommandError(e));
    } finally {
      setBusy(false);
    }
  }

  const changed = (report?.plugins ?? []).filter((p) => p.state === "changed");

  return (
    <section aria-labelledby="updates-title">
      <h2 id="updates-title">Updates</h2>
      <p className="muted">Each plugin's source is read again and compared by content hash, not by version.</p>
      <div className="actions">
        <button onClick={() => void check()} disabled={busy}>
          Check again
        </button>
        <button onClick={() => void plan(null)} disabled={busy || changed.length === 0}>
          Update all ({changed.length})
        </button>
      </div>
      <ErrorBox error={error} />
      {note && <p role="status">{note}</p>}
      {preview && <Preview result={preview.result} busy={busy} onConfirm={() => void confirm()} onCancel={() => setPreview(null)} />}
      {!report ? (
        !error && <p role="status">Checking…</p>
      ) : report.plugins.length === 0 ? (
        <p className="empty-state">No plugins in the collection.</p>
      ) : (
        <table className="updates">
          <thead>
            <tr>
              <th>Plugin</th>
              <th>State</th>
              <th>Source</th>
              <th>Changes</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {report.plugins.map((p) => (
              <Row key={p.id} plugin={p} busy={busy} onUpdate={() => void plan([p.name])} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Row({ plugin: p, busy, onUpdate }: { plugin: PluginOutdated; busy: boolean; onUpdate: () => void }) {
  return (
    <tr data-plugin={p.name}>
      <td>
        <KindIcon kind="composite" /> {p.name}
      </td>
      <td>
        <span className={`badge ${STATE_BADGES[p.state]}`}>{STATE_LABELS[p.state]}</span>
        {p.reason && <div className="muted">{p.reason}</div>}
      </td>
      <td>
        {p.source ?? "—"}
        {p.latest_commit && p.commit !== p.latest_commit && (
          <div className="muted">
            <Hash value={p.commit} /> → <Hash value={p.latest_commit} />
          </div>
        )}
      </td>
      <td>
        {p.state === "changed" && p.children.length === 0 && <span className="muted">the plugin's own files</span>}
        <ul className="changes">
          {p.children.map((c) => (
            <li key={`${c.kind}:${c.name}`} className={`change-${c.change}`}>
              {c.change} <KindIcon kind={c.kind} /> {c.name} <Hash value={c.old_hash} /> → <Hash value={c.new_hash} />
            </li>
          ))}
        </ul>
      </td>
      <td>
        {p.state === "changed" && (
          <button onClick={onUpdate} disabled={busy}>
            Update
          </button>
        )}
      </td>
    </tr>
  );
}

/** The dry run's NEW / EXISTING / CONFLICT children of each changed plugin, then Confirm. */
function Preview({ result, busy, onConfirm, onCancel }: { result: UpdateResult; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  return (
    <section className="update-preview" aria-label="Update preview">
      <h3>Preview (nothing written yet)</h3>
      {result.previews.length === 0 && <p>Nothing to update.</p>}
      {result.previews.map((p) => (
        <div key={p.name} data-preview={p.name}>
          <h4>{p.name}</h4>
          <ul>
            {(["new", "existing", "conflict"] as const).map((bucket) =>
              p.buckets[bucket].map((c) => (
                <li key={`${bucket}-${c.kind}-${c.name}`} className={`bucket-${bucket}`}>
                  {bucket.toUpperCase()} <KindIcon kind={c.kind} /> {c.name}
                </li>
              )),
            )}
          </ul>
        </div>
      ))}
      <div className="actions">
        <button onClick={onConfirm} disabled={busy || result.previews.length === 0}>
          Confirm update
        </button>
        <button onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  );
}
