import { useRef, useState } from "react";
import type { FileDiff, ImportSummary, PluginPreview, Policy } from "../generated/types.ts";
import { type Go } from "../context.tsx";
import { HashCancelled, type HashProgress, type HashWorker, hashFolder, type PickedFolder, startHashWorker } from "../folder/hashing.ts";
import { droppedFolder, folderFromEntry, folderFromInput } from "../folder/pick.ts";
import type { InspectReport } from "../folder/protocol.ts";
import { asCommandError, CommandError } from "../transport.ts";
import { ClaudeCodeVerdict, ErrorBox, Hash, KindIcon } from "../ui.tsx";
import { conflictDiff } from "../upload/conflict.ts";
import {
  filesFor,
  follow,
  type HashFirstApi,
  type HashedFile,
  importUploaded,
  planArgs,
  size,
  type UploadOutcome,
  uploadMissing,
  uploadSummary,
} from "../upload/flow.ts";
import { type UploadedBundle, uploadBundle } from "../upload/bundle.ts";
import { UploadCancelled, type UploadProgress } from "../upload/queue.ts";
import { Children, childChoices, compare, DiffView, ImportResults, Warnings } from "./ImportWizard.tsx";
import { BucketCounts, PluginPicker } from "./PluginPicker.tsx";

type Stage = "choose" | "hashing" | "planning" | "preview" | "uploading" | "importing" | "done";
type Child = PluginPreview["buckets"]["new"][number];

const CHOICES: Array<{ policy: Policy; label: string }> = [
  { policy: "new-version", label: "Overwrite" },
  { policy: "keep", label: "Keep" },
  { policy: "fork", label: "Fork" },
];
const key = (plugin: string, c: Child) => `${plugin}/${c.kind}/${c.name}`;
const mb = (n: number) => (n / 1e6).toFixed(1);

interface Chosen {
  rootName: string;
  files: HashedFile[];
  report: InspectReport;
}

/** Import in a browser (`skillmeat serve`): choose or drop a folder (or a
 * bundle zip) → hashed in a Web Worker by the wasm core, `discover` shows
 * the plugins at once → the server's plan from the hashes (three buckets) →
 * resolve conflicts (the diff: the server's file beside the page's) →
 * upload only the blobs the server lacks → the composite import, followed
 * to the end → what was uploaded and imported. */
export function BrowserImport({ go, api, startWorker = startHashWorker }: { go: Go; api: HashFirstApi; startWorker?: () => HashWorker }) {
  const [stage, setStage] = useState<Stage>("choose");
  const [hashing, setHashing] = useState<HashProgress | null>(null);
  /** How long the server took to plan (shown with the hashing figures). */
  const [planMs, setPlanMs] = useState<number | null>(null);
  const [chosen, setChosen] = useState<Chosen | null>(null);
  /** A bundle zip uploaded and previewed by the server (instead of a folder). */
  const [bundle, setBundle] = useState<(UploadedBundle & { warnings: string[] }) | null>(null);
  const [previews, setPreviews] = useState<PluginPreview[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [choices, setChoices] = useState<Record<string, Policy>>({});
  const [diff, setDiff] = useState<{ key: string; diff: FileDiff } | null>(null);
  const [upload, setUpload] = useState<UploadProgress | null>(null);
  const [uploaded, setUploaded] = useState<UploadOutcome | null>(null);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [mismatches, setMismatches] = useState<string[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const running = useRef<AbortController | null>(null);
  const busy = stage === "hashing" || stage === "planning" || stage === "uploading" || stage === "importing";

  function begin(): AbortController {
    running.current?.abort();
    const ctl = new AbortController();
    running.current = ctl;
    setError(null);
    setSummary(null);
    setUploaded(null);
    setUpload(null);
    setDiff(null);
    return ctl;
  }

  async function hashAndPlan(folder: PickedFolder) {
    const ctl = begin();
    setChosen(null);
    setBundle(null);
    setPreviews([]);
    setChoices({});
    setHashing(null);
    setPlanMs(null);
    setStage("hashing");
    try {
      const h = await hashFolder(folder, { worker: startWorker(), signal: ctl.signal, onProgress: setHashing });
      if (running.current !== ctl) return;
      setHashing(h.progress);
      const files = h.files.map((f, i) => ({ ...f, file: folder.files[i]!.file }));
      const c = { rootName: h.rootName, files, report: h.report };
      setChosen(c);
      if (h.report.plugins.length === 0) throw new CommandError("bad_input", `${folder.rootName || "the folder"}: no plugin found (no .claude-plugin/plugin.json, marketplace or skills/commands/agents)`);
      setSelected(new Set(h.report.plugins.map((p) => p.name)));
      setStage("planning");
      const t0 = performance.now();
      const plan = await api.plan(planArgs(h.report));
      if (running.current !== ctl) return;
      setPlanMs(performance.now() - t0);
      setPreviews(plan.plugins);
      setStage("preview");
    } catch (e) {
      // A newer choice took over: its flow owns the view now.
      if (running.current !== ctl) return;
      if (e instanceof HashCancelled) {
        setError(new CommandError("bad_input", "Cancelled: nothing was sent to the server."));
      } else setError(asCommandError(e));
      setStage("choose");
    } finally {
      if (running.current === ctl) running.current = null;
    }
  }

  /** The plugins picked (`only`: undefined when all are) and their previews. */
  function selection(): { only: string[] | undefined; shown: PluginPreview[] } {
    const only = previews.length > 1 && selected.size < previews.length ? [...selected] : undefined;
    return { only, shown: previews.filter((p) => !only || only.includes(p.name)) };
  }

  async function importChosen() {
    if (bundle) return importBundleChosen(bundle);
    if (!chosen) return;
    const ctl = begin();
    setStage("uploading");
    try {
      const { only, shown } = selection();
      // Only the selected plugins' files (and the marketplace's own) are sent.
      const files = filesFor(chosen.report, chosen.files, only);
      const sent = await uploadMissing(api, files, { signal: ctl.signal, onProgress: setUpload });
      if (running.current !== ctl) return;
      setUploaded(sent);
      setStage("importing");
      const s = await importUploaded(api, {
        rootName: chosen.rootName,
        files,
        plugins: only,
        choices: childChoices(shown, choices),
      });
      if (running.current !== ctl) return;
      setSummary(s);
      setMismatches(compare(shown, s, choices));
      setStage("done");
    } catch (e) {
      if (running.current !== ctl) return;
      setError(e instanceof UploadCancelled ? new CommandError("bad_input", "Upload cancelled: nothing was imported (Import again sends only what is still missing).") : asCommandError(e));
      setStage("preview");
    } finally {
      if (running.current === ctl) running.current = null;
    }
  }

  /** A bundle zip: hashed here, uploaded as one blob if the server lacks
   * it, then previewed by the server (it opens and verifies the zip). */
  async function chooseBundle(file: File) {
    const ctl = begin();
    setChosen(null);
    setBundle(null);
    setPreviews([]);
    setChoices({});
    setHashing(null);
    setPlanMs(null);
    setStage("uploading");
    try {
      const up = await uploadBundle(api, file, { signal: ctl.signal, onProgress: setUpload });
      if (running.current !== ctl) return;
      setStage("planning");
      const t0 = performance.now();
      const plan = await api.planBundle({ bundle: up.bundle });
      if (running.current !== ctl) return;
      setPlanMs(performance.now() - t0);
      setBundle({ ...up, warnings: plan.warnings ?? [] });
      setSelected(new Set(plan.plugins.map((p) => p.name)));
      setPreviews(plan.plugins);
      setStage("preview");
    } catch (e) {
      if (running.current !== ctl) return;
      setError(e instanceof UploadCancelled ? new CommandError("bad_input", "Upload cancelled: nothing was imported.") : asCommandError(e));
      setStage("choose");
    } finally {
      if (running.current === ctl) running.current = null;
    }
  }

  /** Imports the previewed bundle: the selected plugins, with the conflict choices. */
  async function importBundleChosen(b: UploadedBundle) {
    const ctl = begin();
    setStage("importing");
    try {
      const { only, shown } = selection();
      const started = await api.importComposite({ bundle: b.bundle, plugins: only, conflict_choices: childChoices(shown, choices) });
      const s = await follow(api, started.transaction_id);
      if (running.current !== ctl) return;
      setUploaded(b.uploaded);
      setSummary(s);
      setMismatches(compare(shown, s, choices));
      setStage("done");
    } catch (e) {
      if (running.current !== ctl) return;
      setError(asCommandError(e));
      setStage("preview");
    } finally {
      if (running.current === ctl) running.current = null;
    }
  }

  async function viewDiff(plugin: string, c: Child) {
    if (!chosen) return;
    try {
      setDiff({ key: key(plugin, c), diff: await conflictDiff(api, chosen.report, chosen.files, plugin, c.kind, c.name) });
    } catch (e) {
      setError(asCommandError(e));
    }
  }

  const verdict = (name: string) => chosen?.report.plugins.find((p) => p.name === name);

  /** Under a plugin's buckets: Claude Code's verdict, its children, a choice (and diff) per conflict. */
  const detail = (p: PluginPreview) => (
    <>
      {verdict(p.name) && <ClaudeCodeVerdict verdict={verdict(p.name)!} />}
      <Children preview={p} collapsed={previews.length > 1} />
      {p.buckets.conflict.map((c) => {
        const k = key(p.name, c);
        return (
          <div key={k} className="conflict" data-conflict={c.name}>
            <div>
              <span className="badge badge-warn">CONFLICT</span> <KindIcon kind={c.kind} /> <strong>{c.name}</strong>: current{" "}
              <Hash value={c.current_hash} /> → incoming <Hash value={c.content_hash} />
            </div>
            <fieldset disabled={stage !== "preview"}>
              <legend className="sr-only">Resolve {c.name}</legend>
              {CHOICES.map((ch) => (
                <label key={ch.policy}>
                  <input
                    type="radio"
                    name={k}
                    value={ch.policy}
                    checked={(choices[k] ?? "new-version") === ch.policy}
                    onChange={() => setChoices({ ...choices, [k]: ch.policy })}
                  />{" "}
                  {ch.label}
                </label>
              ))}
              {chosen && <button onClick={() => viewDiff(p.name, c)}>View diff</button>}
            </fieldset>
            {diff?.key === k && <DiffView diff={diff.diff} onClose={() => setDiff(null)} />}
          </div>
        );
      })}
    </>
  );

  return (
    <section aria-labelledby="import-title" className="wizard browser-import">
      <h2 id="import-title">Import</h2>
      <div
        className="dropzone"
        aria-label="Choose what to import"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          // One import at a time: a drop while one runs is refused, not raced.
          if (busy) return setError(new CommandError("conflict", "An import is running: wait for it or Cancel it before dropping another folder."));
          const entry = droppedFolder(e.dataTransfer);
          if (!entry) return setError(new CommandError("bad_input", "Drop a folder (a plugin or a marketplace)."));
          folderFromEntry(entry).then(hashAndPlan, (err: unknown) => setError(asCommandError(err)));
        }}
      >
        <label>
          Plugin or marketplace folder{" "}
          <input
            type="file"
            name="import-folder"
            // @ts-expect-error: webkitdirectory is not in React's attribute types
            webkitdirectory=""
            multiple
            disabled={busy}
            onChange={(e) => {
              const list = e.currentTarget.files;
              if (list && list.length > 0) void hashAndPlan(folderFromInput(list));
              e.currentTarget.value = "";
            }}
          />
        </label>{" "}
        <label>
          or a bundle zip{" "}
          <input
            type="file"
            name="import-bundle"
            accept=".zip,application/zip"
            disabled={busy}
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              if (f) void chooseBundle(f);
              e.currentTarget.value = "";
            }}
          />
        </label>{" "}
        <span className="muted">— or drop a folder here. The files are hashed in this page; only what the server lacks is uploaded.</span>
      </div>
      <ErrorBox error={error} />

      {stage === "hashing" && (
        <div className="progress">
          <label>
            Hashing <progress max={hashing?.totalFiles || 1} value={hashing?.files ?? 0} />
          </label>{" "}
          <span data-field="hash-progress" data-state="hashing">
            {hashing ? `${hashing.files}/${hashing.totalFiles} files, ${mb(hashing.bytes)} MB, ${hashing.mbPerSec.toFixed(1)} MB/s` : "starting…"}
          </span>{" "}
          <button name="cancel" onClick={() => running.current?.abort()}>
            Cancel
          </button>
        </div>
      )}
      {stage === "planning" && !chosen && (
        <div className="progress" data-field="planning-bundle">
          <p>Uploaded; the server is opening and checking the bundle…</p>
        </div>
      )}
      {stage === "planning" && chosen && (
        <div className="progress" data-field="discovered">
          <p>
            Found {chosen.report.plugins.length} {chosen.report.plugins.length === 1 ? "plugin" : "plugins"}; asking the server for the plan…
          </p>
          <ul>
            {chosen.report.plugins.slice(0, 50).map((p) => (
              <li key={p.name}>
                {p.name}: {p.children.length} children
              </li>
            ))}
          </ul>
        </div>
      )}
      {(stage === "uploading" || stage === "importing") && (
        <div className="progress">
          <label>
            {stage === "uploading" ? "Uploading" : "Importing"}{" "}
            <progress max={upload?.totalBytes || 1} value={stage === "importing" ? upload?.totalBytes || 1 : (upload?.bytes ?? 0)} />
          </label>{" "}
          <span data-field="upload-progress">
            {upload
              ? `${size(upload.bytes)} of ${size(upload.totalBytes)} (${upload.blobs}/${upload.totalBlobs} files)`
              : stage === "importing"
                ? "the server is importing…"
                : "asking the server what it lacks…"}
          </span>{" "}
          {stage === "uploading" && (
            <button name="cancel" onClick={() => running.current?.abort()}>
              Cancel
            </button>
          )}
        </div>
      )}

      {hashing && stage !== "hashing" && chosen && (
        <p className="muted" data-field="hashed" data-ms={Math.round(hashing.elapsedMs)} data-plan-ms={planMs === null ? undefined : Math.round(planMs)}>
          {chosen.rootName}: {hashing.files} files, {mb(hashing.bytes)} MB hashed in {Math.round(hashing.elapsedMs)} ms ({hashing.mbPerSec.toFixed(1)} MB/s)
          {planMs !== null && `; planned by the server in ${Math.round(planMs)} ms`}
        </p>
      )}

      {(stage === "preview" || stage === "uploading" || stage === "importing" || stage === "done") && previews.length > 0 && (
        <div className="previews">
          {chosen && <Warnings warnings={chosen.report.warnings} />}
          {bundle && (
            <p className="muted" data-field="bundle">
              {bundle.bundle.path}: a bundle zip, opened and verified by the server
              {planMs !== null && `; planned in ${Math.round(planMs)} ms`}
            </p>
          )}
          {bundle && <Warnings warnings={bundle.warnings} />}
          {previews.length > 1 ? (
            <PluginPicker previews={previews} selected={selected} onChange={setSelected} disabled={stage !== "preview"} detail={detail} />
          ) : (
            previews.map((p) => (
              <article key={p.name} className="plugin-preview" aria-label={`Preview of ${p.name}`}>
                <h3>
                  <KindIcon kind="composite" /> {p.name}
                </h3>
                <BucketCounts buckets={p.buckets} />
                {detail(p)}
              </article>
            ))
          )}
          {stage === "preview" && (
            <div className="actions">
              <button className="primary" disabled={selected.size === 0} onClick={importChosen}>
                {previews.length > 1 && selected.size < previews.length ? `Import selected (${selected.size})` : "Import"}
              </button>
            </div>
          )}
        </div>
      )}

      {stage === "done" && summary && (
        <section className="summary" aria-labelledby="summary-title">
          <h3 id="summary-title">Imported</h3>
          {uploaded && (
            <p data-field="upload-summary" data-uploaded={uploaded.bytes} data-content={uploaded.contentBytes} data-files={uploaded.blobs}>
              {uploadSummary(uploaded)}
            </p>
          )}
          {mismatches.length > 0 ? (
            <p role="alert" className="error">
              The server's hashes differ from the preview for: {mismatches.join(", ")}.
            </p>
          ) : (
            previews.length > 0 && <p className="ok">The server's hashes match the preview.</p>
          )}
          <ImportResults summary={summary} go={go} />
        </section>
      )}
    </section>
  );
}
