import { useEffect, useRef, useState } from "react";
import type { ChildChoice, FileDiff, ImportSummary, PluginPreview, Policy } from "../generated/types.ts";
import { type Go, useTransport } from "../context.tsx";
import { asCommandError, type CommandError } from "../transport.ts";
import { ClaudeCodeVerdict, ErrorBox, Hash, KindIcon } from "../ui.tsx";
import { lineDiff } from "./diff.ts";
import { BucketCounts, PluginPicker } from "./PluginPicker.tsx";

type Stage = "choose" | "reading" | "preview" | "importing" | "done";
type Preview = PluginPreview;
type Child = Preview["buckets"]["new"][number];
const CHOICES: Array<{ policy: Policy; label: string }> = [
  { policy: "new-version", label: "Overwrite" },
  { policy: "keep", label: "Keep" },
  { policy: "fork", label: "Fork" },
];

const key = (plugin: string, c: Child) => `${plugin}/${c.kind}/${c.name}`;

/** Each conflict's choice (Overwrite when none was made). */
export function childChoices(previews: Preview[], choices: Record<string, Policy>): ChildChoice[] {
  return previews.flatMap((p) =>
    p.buckets.conflict.map((c) => ({ plugin: p.name, kind: c.kind, name: c.name, policy: choices[key(p.name, c)] ?? "new-version" })),
  );
}

/** Choose a folder or bundle → the engine's three-bucket preview of every
 * plugin, in one `preview_import` call (the engine reads and hashes the
 * files; none crosses to the page) → for a marketplace, choose its plugins
 * (PluginPicker) → resolve conflicts (a diff fetches only the two versions
 * of the child opened) → Import All, or Import selected (N) → summary. */
export function ImportWizard({ go }: { go: Go }) {
  const t = useTransport();
  const [path, setPath] = useState("");
  const [stage, setStage] = useState<Stage>("choose");
  const [progress, setProgress] = useState({ done: 0, total: 0 });
  const [previews, setPreviews] = useState<Preview[]>([]);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [bundle, setBundle] = useState(false);
  const [choices, setChoices] = useState<Record<string, Policy>>({});
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [diff, setDiff] = useState<{ key: string; diff: FileDiff } | null>(null);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [mismatches, setMismatches] = useState<string[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  // Click → preview on screen: started at the click, read once it is painted.
  const started = useRef(0);
  const [elapsed, setElapsed] = useState<number | null>(null);

  useEffect(() => {
    if (stage !== "preview" || started.current === 0) return;
    const id = requestAnimationFrame(() => {
      setElapsed(Math.round(performance.now() - started.current));
      started.current = 0;
    });
    return () => cancelAnimationFrame(id);
  }, [stage]);

  useEffect(() => {
    let off: (() => void) | undefined;
    let live = true;
    t.onDrop((paths) => paths[0] && setPath(paths[0])).then((u) => (live ? (off = u) : u()));
    return () => {
      live = false;
      off?.();
    };
  }, [t]);

  async function choose(directory: boolean) {
    const p = await t.pickPath({ directory, title: directory ? "Plugin or marketplace folder" : "Bundle zip" });
    if (p) setPath(p);
  }

  async function readAndPlan() {
    setError(null);
    setSummary(null);
    setDiff(null);
    setElapsed(null);
    setStage("reading");
    started.current = performance.now();
    try {
      const preview = await t.call("preview_import", { path });
      setPreviews(preview.plugins);
      setWarnings(preview.warnings);
      setBundle(/\.zip$/i.test(path.trim()));
      setChoices({});
      setSelected(new Set(preview.plugins.map((p) => p.name)));
      setStage("preview");
    } catch (e) {
      started.current = 0;
      setError(asCommandError(e));
      setStage("choose");
    }
  }

  // A marketplace imports the plugins chosen in the picker; one plugin, itself.
  const marketplace = previews.length > 1;
  const chosen = marketplace ? previews.filter((p) => selected.has(p.name)) : previews;

  async function importChosen() {
    setError(null);
    setStage("importing");
    setProgress({ done: 0, total: chosen.length });
    const off = await t.onImportProgress((p) => {
      if (p.phase !== "started") setProgress({ done: p.index + 1, total: p.total });
    });
    try {
      const plugins = marketplace ? { plugins: chosen.map((p) => p.name) } : {};
      const s = await t.call("import_source", { path, policy: "new-version", choices: childChoices(chosen, choices), ...plugins });
      setSummary(s);
      setMismatches(compare(chosen, s, choices));
      setStage("done");
    } catch (e) {
      setError(asCommandError(e));
      setStage("preview");
    } finally {
      off();
    }
  }

  async function viewDiff(plugin: string, c: Child) {
    try {
      const d = await t.call("file_diff", { path, plugin, kind: c.kind, name: c.name });
      setDiff({ key: key(plugin, c), diff: d });
    } catch (e) {
      setError(asCommandError(e));
    }
  }

  const detailProps = {
    locked: stage !== "preview",
    choices,
    choose: (k: string, policy: Policy) => setChoices({ ...choices, [k]: policy }),
    diff,
    viewDiff,
    closeDiff: () => setDiff(null),
  };

  return (
    <section aria-labelledby="import-title" className="wizard">
      <h2 id="import-title">Import</h2>
      <div className="dropzone" aria-label="Choose what to import">
        <label>
          Plugin or marketplace folder, or bundle zip{" "}
          <input
            name="source-path"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/path/to/plugin — or drop a folder on the window"
            size={50}
          />
        </label>{" "}
        <button onClick={() => choose(true)}>Choose folder…</button>{" "}
        <button onClick={() => choose(false)}>Choose bundle…</button>{" "}
        <button className="primary" disabled={!path || stage === "reading" || stage === "importing"} onClick={readAndPlan}>
          Preview
        </button>
      </div>
      <ErrorBox error={error} />

      {stage === "reading" && (
        <div className="progress">
          <label>
            Reading and hashing the files <progress />
          </label>
        </div>
      )}
      {stage === "importing" && (
        <div className="progress">
          <label>
            Importing plugins {progress.done}/{progress.total}
            <progress max={progress.total || 1} value={progress.done} />
          </label>
        </div>
      )}

      {stage !== "choose" && stage !== "reading" && (
        <div className="previews">
          {bundle && <p className="muted">A bundle zip: the engine verified it.</p>}
          {elapsed !== null && (
            <p className="muted" data-field="preview-time">
              {previews.length} {previews.length === 1 ? "plugin" : "plugins"} previewed in <span data-ms={elapsed}>{elapsed} ms</span>
            </p>
          )}
          <Warnings warnings={warnings} />
          {marketplace ? (
            <PluginPicker
              previews={previews}
              selected={selected}
              onChange={setSelected}
              disabled={stage !== "preview"}
              detail={(p) => <PluginDetail {...detailProps} preview={p} collapsed />}
            />
          ) : (
            previews.map((p) => (
              <article key={p.name} className="plugin-preview" aria-label={`Preview of ${p.name}`}>
                <h3>
                  <KindIcon kind="composite" /> {p.name}
                </h3>
                <BucketCounts buckets={p.buckets} />
                <PluginDetail {...detailProps} preview={p} collapsed={false} />
              </article>
            ))
          )}
          {stage === "preview" && (
            <div className="actions">
              <button className="primary" disabled={chosen.length === 0} onClick={importChosen}>
                {marketplace ? `Import selected (${chosen.length})` : "Import All"}
              </button>
            </div>
          )}
        </div>
      )}

      {stage === "done" && summary && (
        <section className="summary" aria-labelledby="summary-title">
          <h3 id="summary-title">Imported</h3>
          {mismatches.length > 0 ? (
            <p role="alert" className="error">
              The engine's hashes differ from the preview for: {mismatches.join(", ")}.
            </p>
          ) : (
            <p className="ok">The engine's hashes match the preview.</p>
          )}
          <ImportResults summary={summary} go={go} />
        </section>
      )}
    </section>
  );
}

/** What discovery noticed about a source (a marketplace entry skipped and
 * why, a remote source not fetched…), shown with its preview and summary. */
export function Warnings({ warnings }: { warnings: readonly string[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="warnings" aria-label="Warnings">
      {warnings.map((w, i) => (
        <li key={i} className="warning">
          {w}
        </li>
      ))}
    </ul>
  );
}

/** Each plugin's import result (the wizard's and the browser's summary). */
export function ImportResults({ summary, go }: { summary: ImportSummary; go: Go }) {
  return (
    <>
      <Warnings warnings={summary.warnings} />
      <ul>
        {summary.results.map((r) => (
          <li key={r.transaction_id} data-plugin={r.plugin_name}>
            {r.success ? (
              <>
                <strong>{r.plugin_name}</strong>: <span data-count="imported">{r.children_imported}</span> imported,{" "}
                <span data-count="reused">{r.children_reused}</span> reused,{" "}
                <span data-count="new-versions">{r.children_new_version}</span> new versions — transaction{" "}
                <code>{r.transaction_id}</code>{" "}
                {r.plugin_id && <button onClick={() => go({ view: "artifact", id: r.plugin_id! })}>Open {r.plugin_name}</button>}
              </>
            ) : (
              <span className="error">
                {r.plugin_name} failed: {r.errors.join("; ")}
              </span>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** Under a plugin's buckets: Claude Code's verdict, its NEW and EXISTING
 * children, and a choice (and diff) per conflict. */
function PluginDetail({
  preview: p,
  collapsed,
  locked,
  choices,
  choose,
  diff,
  viewDiff,
  closeDiff,
}: {
  preview: Preview;
  collapsed: boolean;
  locked: boolean;
  choices: Record<string, Policy>;
  choose: (key: string, policy: Policy) => void;
  diff: { key: string; diff: FileDiff } | null;
  viewDiff: (plugin: string, c: Child) => void;
  closeDiff: () => void;
}) {
  return (
    <>
      <ClaudeCodeVerdict verdict={p} />
      <Children preview={p} collapsed={collapsed} />
      {p.buckets.conflict.map((c) => {
        const k = key(p.name, c);
        return (
          <div key={k} className="conflict" data-conflict={c.name}>
            <div>
              <span className="badge badge-warn">CONFLICT</span> <KindIcon kind={c.kind} /> <strong>{c.name}</strong>: current{" "}
              <Hash value={c.current_hash} /> → incoming <Hash value={c.content_hash} />
            </div>
            <fieldset disabled={locked}>
              <legend className="sr-only">Resolve {c.name}</legend>
              {CHOICES.map((ch) => (
                <label key={ch.policy}>
                  <input
                    type="radio"
                    name={k}
                    value={ch.policy}
                    checked={(choices[k] ?? "new-version") === ch.policy}
                    onChange={() => choose(k, ch.policy)}
                  />{" "}
                  {ch.label}
                </label>
              ))}
              <button onClick={() => viewDiff(p.name, c)}>View diff</button>
            </fieldset>
            {diff?.key === k && <DiffView diff={diff.diff} onClose={closeDiff} />}
          </div>
        );
      })}
    </>
  );
}

/** Children whose stored (pinned) hash is not the one the page expects:
 * the computed hash, except for a conflict kept (the current hash) or
 * forked (the computed hash, under `<name>--<plugin>`). */
export function compare(previews: Preview[], s: ImportSummary, choices: Record<string, Policy>): string[] {
  const out: string[] = [];
  for (const p of previews) {
    const r = s.results.find((x) => x.plugin_name === p.name && x.success);
    if (!r) continue;
    const expect = (c: Child, name: string, hash: string | null) => {
      const stored = r.children.find((x) => x.kind === c.kind && x.name === name);
      if (!stored || stored.pinned_hash !== hash) out.push(`${p.name}/${c.name}`);
    };
    for (const c of [...p.buckets.new, ...p.buckets.existing]) expect(c, c.name, c.content_hash);
    for (const c of p.buckets.conflict) {
      const choice = choices[key(p.name, c)] ?? "new-version";
      if (choice === "keep") expect(c, c.name, c.current_hash);
      else if (choice === "fork") expect(c, `${c.name}--${p.name}`, c.content_hash);
      else expect(c, c.name, c.content_hash);
    }
  }
  return out;
}

/** A plugin's NEW and EXISTING children. In a marketplace's preview they
 * are rendered only when asked for: 300 plugins' 5,400 rows took seconds
 * to paint in the window. Conflicts are always shown (each needs a choice). */
export function Children({ preview: p, collapsed }: { preview: Preview; collapsed: boolean }) {
  const [open, setOpen] = useState(!collapsed);
  const n = p.buckets.new.length + p.buckets.existing.length;
  if (n === 0) return null;
  if (!open) {
    return (
      <button className="link" onClick={() => setOpen(true)}>
        Show {n} {n === 1 ? "child" : "children"}
      </button>
    );
  }
  return (
    <ul className="children">
      {p.buckets.new.map((c) => (
        <li key={`n-${c.kind}-${c.name}`}>
          <span className="badge badge-new">NEW</span> <KindIcon kind={c.kind} /> {c.name} <Hash value={c.content_hash} />
        </li>
      ))}
      {p.buckets.existing.map((c) => (
        <li key={`e-${c.kind}-${c.name}`}>
          <span className="badge badge-ok">EXISTING</span> <KindIcon kind={c.kind} /> {c.name} <Hash value={c.content_hash} />
        </li>
      ))}
    </ul>
  );
}

export function DiffView({ diff, onClose }: { diff: FileDiff; onClose: () => void }) {
  return (
    <div className="diff" role="region" aria-label={`Diff of ${diff.name}`}>
      {diff.files.length === 0 && <p>No file differs.</p>}
      {diff.files.map((f) => {
        const { left, right } = lineDiff(f.current ?? "", f.incoming ?? "");
        return (
          <div key={f.path} className="diff-file">
            <h4>
              {f.path || diff.name} <span className="muted">({f.change})</span>
            </h4>
            <div className="side-by-side">
              <pre aria-label="current">
                {f.current === null ? <em>(absent or binary)</em> : left.map((l, i) => <div key={i} className={l.same ? "" : "del"}>{l.text || " "}</div>)}
              </pre>
              <pre aria-label="incoming">
                {f.incoming === null ? <em>(absent or binary)</em> : right.map((l, i) => <div key={i} className={l.same ? "" : "add"}>{l.text || " "}</div>)}
              </pre>
            </div>
          </div>
        );
      })}
      <button onClick={onClose}>Close diff</button>
    </div>
  );
}
