import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import type { ArtifactDetail as Detail } from "../generated/types.ts";
import { type Go, useTransport } from "../context.tsx";
import { asCommandError, type CommandError } from "../transport.ts";
import { ClaudeCodeVerdict, ErrorBox, Hash, KIND_LABELS, KindIcon } from "../ui.tsx";
import { RemoveDialog } from "./RemoveDialog.tsx";

type Tab = "info" | "versions" | "contains" | "deployments";

/** Header, Part of, and the tabs Info / Versions / Contains / Deployments. */
export function ArtifactDetail({ id, go }: { id: string; go: Go }) {
  const t = useTransport();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [tab, setTab] = useState<Tab>("info");
  const [removing, setRemoving] = useState(false);
  const [reloads, setReloads] = useState(0);
  const [note, setNote] = useState("");
  const tabRefs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});

  useEffect(() => {
    let live = true;
    setDetail(null);
    t.call("show_artifact", { name_or_id: id })
      .then((d) => {
        if (!live) return;
        setDetail(d);
        setError(null);
        if (reloads === 0) setTab(d.kind === "composite" ? "contains" : "info");
      })
      .catch((e) => live && setError(asCommandError(e)));
    return () => {
      live = false;
    };
  }, [t, id, reloads]);

  /** `use`: the stored version `hash` becomes current again. */
  async function makeCurrent(hash: string) {
    try {
      const r = await t.call("use_version", { name: id, hash });
      setNote(r.changed ? `${r.name} is now at ${r.to_hash.slice(0, 12)} (was ${r.from_hash.slice(0, 12)}).` : `${r.name}: already current.`);
      setReloads((n) => n + 1);
    } catch (e) {
      setError(asCommandError(e));
    }
  }

  if (error) return <ErrorBox error={error} />;
  if (!detail) return <p role="status">Loading…</p>;
  const tabs: Tab[] = detail.kind === "composite" ? ["info", "versions", "contains", "deployments"] : ["info", "versions", "deployments"];

  /** WAI-ARIA tabs: Left/Right (wrapping), Home/End move focus and select. */
  function onTabKey(e: KeyboardEvent, i: number) {
    const n = tabs.length;
    const next = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const name = tabs[next]!;
    setTab(name);
    tabRefs.current[name]?.focus();
  }

  return (
    <section aria-labelledby="detail-title">
      <header className="detail-header">
        <h2 id="detail-title">
          <KindIcon kind={detail.kind} /> {detail.name}
          {detail.version && <span className="version"> {detail.version}</span>}
        </h2>
        <p className="muted">
          {KIND_LABELS[detail.kind]} · <Hash value={detail.content_hash} />
        </p>
        <ClaudeCodeVerdict verdict={detail} />
        <div className="actions">
          {t.deploy && <button onClick={() => go({ view: "deploy", name: detail.name })}>Deploy…</button>}
          <button onClick={() => go({ view: "export", name: detail.name })}>Export bundle…</button>
          <button className="danger" onClick={() => setRemoving(true)}>
            Remove…
          </button>
        </div>
      </header>
      {removing && <RemoveDialog id={detail.id} onCancel={() => setRemoving(false)} onRemoved={() => go({ view: "collection" })} />}

      {detail.parents.length > 0 && (
        <section className="part-of" aria-labelledby="part-of-title">
          <h3 id="part-of-title">Part of</h3>
          <ul>
            {detail.parents.map((p) => (
              <li key={p.artifact_id}>
                <KindIcon kind="composite" /> {p.artifact_name}{" "}
                <span className={`badge badge-${p.relationship_type.toLowerCase()}`}>{p.relationship_type}</span>{" "}
                <button onClick={() => go({ view: "artifact", id: p.artifact_id })}>Open</button>
              </li>
            ))}
          </ul>
        </section>
      )}

      <div role="tablist" aria-label="Details">
        {tabs.map((name, i) => (
          <button
            key={name}
            ref={(el) => {
              tabRefs.current[name] = el;
            }}
            role="tab"
            id={`tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`panel-${name}`}
            tabIndex={tab === name ? 0 : -1}
            onClick={() => setTab(name)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {name === "info" ? "Info" : name === "versions" ? "Versions" : name === "contains" ? `Contains (${detail.children.length})` : "Deployments"}
          </button>
        ))}
      </div>

      {note && <p role="status">{note}</p>}
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} tabIndex={0}>
        {tab === "info" && (
          <dl className="info">
            <dt>Description</dt>
            <dd>{detail.description ?? "—"}</dd>
            <dt>Source</dt>
            <dd>{detail.source ?? "—"}</dd>
            <dt>Content hash</dt>
            <dd>
              <code>{detail.content_hash}</code>
            </dd>
            <dt>Added</dt>
            <dd>{detail.created_at}</dd>
            <dt>Updated</dt>
            <dd>{detail.updated_at}</dd>
          </dl>
        )}
        {tab === "versions" && (
          <table>
            <thead>
              <tr>
                <th>Hash</th>
                <th>Files</th>
                <th>Date</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {detail.versions.map((v) => (
                <tr key={v.content_hash}>
                  <td>
                    <Hash value={v.content_hash} />
                  </td>
                  <td className="num">{v.file_count}</td>
                  <td>{v.created_at}</td>
                  <td>
                    {v.current ? (
                      "current"
                    ) : (
                      <button onClick={() => void makeCurrent(v.content_hash)}>Make current</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {tab === "contains" && (
          <table className="contains">
            <thead>
              <tr>
                <th>Type</th>
                <th>Name</th>
                <th>Pinned</th>
                <th>Sync</th>
              </tr>
            </thead>
            <tbody>
              {detail.children.map((c) => (
                <tr key={c.artifact_id}>
                  <td>
                    <KindIcon kind={c.artifact_type} />
                  </td>
                  <td>
                    <button className="link" onClick={() => go({ view: "artifact", id: c.artifact_id })}>
                      {c.artifact_name}
                    </button>
                  </td>
                  <td>
                    <Hash value={c.pinned_version_hash} />
                  </td>
                  <td>
                    {c.pinned_version_hash === c.current_hash ? (
                      <span className="badge badge-ok">pinned = current</span>
                    ) : (
                      <span className="badge badge-warn" title={`current ${c.current_hash}`}>
                        drifted
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {tab === "deployments" &&
          (detail.deployments.length === 0 ? (
            <p className="empty-state">Not deployed anywhere yet{t.deploy ? " — use Deploy… above" : ""}.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Project</th>
                  <th>With plugin</th>
                  <th>Hash</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {detail.deployments.map((d) => (
                  <tr key={`${d.project}-${d.deployed_at}`}>
                    <td>{d.project}</td>
                    <td>{d.parent ?? "—"}</td>
                    <td>
                      <Hash value={d.content_hash} />
                    </td>
                    <td>{t.deploy && <button onClick={() => go({ view: "project", project: d.project })}>Status</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
      </div>
    </section>
  );
}
