// folder.html: choose or drop a folder, hash it in the worker with
// progress and Cancel, show the tree hash, what `discover` found and each
// file's hash. Import is not wired here yet (the upload protocol comes
// first); the page is reachable at /folder.html, not from the app's nav.
import "../styles.css";
import { HashCancelled, type HashProgress, type HashedFolder, hashFolder, type PickedFolder, startHashWorker } from "./hashing.ts";
import { droppedFolder, folderFromEntry, folderFromInput } from "./pick.ts";

/** Rows shown in the files table (the rest is counted, not rendered). */
const MAX_ROWS = 100;

const $ = <T extends Element>(sel: string) => document.querySelector<T>(sel)!;
const field = <T extends HTMLElement = HTMLElement>(name: string) => $<T>(`[data-field="${name}"]`);
const input = $<HTMLInputElement>("input[name=folder]");
const cancel = $<HTMLButtonElement>("button[name=cancel]");
const bar = $<HTMLProgressElement>("progress");

// The main thread's long tasks (over 50 ms) since the folder was chosen.
// The task that delivers the choice is the browser's (Chromium builds the
// FileList of every file in it: seconds for 17,000 files) with our change
// handler inside: that handler is timed on its own.
const tasks: PerformanceEntry[] = [];
if (PerformanceObserver.supportedEntryTypes?.includes("longtask")) {
  new PerformanceObserver((list) => tasks.push(...list.getEntries())).observe({ type: "longtask", buffered: true });
}
const chosen = { start: 0, end: 0 };

let running: AbortController | null = null;
cancel.addEventListener("click", () => running?.abort());
input.addEventListener("change", () => {
  chosen.start = performance.now();
  if (input.files) run(folderFromInput(input.files));
  chosen.end = performance.now();
});
const zone = field("dropzone");
zone.addEventListener("dragover", (e) => e.preventDefault());
zone.addEventListener("drop", (e) => {
  e.preventDefault();
  const entry = e.dataTransfer && droppedFolder(e.dataTransfer);
  if (!entry) return showError("Drop a folder (a plugin or a marketplace).");
  folderFromEntry(entry).then((folder) => {
    chosen.start = performance.now();
    run(folder);
    chosen.end = performance.now();
  }, (err: unknown) => showError(String(err)));
});

const mb = (n: number) => (n / 1e6).toFixed(1);
function showProgress(p: HashProgress) {
  bar.max = p.totalFiles || 1;
  bar.value = p.files;
  field("progress").textContent = `${p.files}/${p.totalFiles} files, ${mb(p.bytes)} MB, ${p.mbPerSec.toFixed(1)} MB/s`;
}

function showError(message: string) {
  const e = field("error");
  e.textContent = message;
  e.hidden = false;
}

async function run(folder: PickedFolder) {
  running?.abort();
  const ctl = new AbortController();
  running = ctl;
  field("error").hidden = true;
  field("result").hidden = true;
  field("progress").dataset.state = "hashing";
  cancel.disabled = false;
  try {
    const hashed = await hashFolder(folder, { worker: startHashWorker(), signal: ctl.signal, onProgress: showProgress });
    showProgress(hashed.progress);
    field("progress").dataset.state = "done";
    field("progress").dataset.ms = String(Math.round(hashed.progress.elapsedMs));
    showResult(hashed);
  } catch (e) {
    field("progress").dataset.state = e instanceof HashCancelled ? "cancelled" : "failed";
    showError(e instanceof HashCancelled ? "Cancelled: nothing was hashed or sent." : String(e));
  } finally {
    if (running === ctl) {
      running = null;
      cancel.disabled = true;
    }
  }
}

function showResult(h: HashedFolder) {
  field("tree").textContent = h.tree;
  field("tree-files").textContent = String(h.treeFiles);
  const ours = tasks.filter((t) => t.startTime > chosen.end);
  const longest = Math.round(Math.max(0, ...ours.map((t) => t.duration)));
  const handler = Math.round(chosen.end - chosen.start);
  const lt = field("long-tasks");
  lt.dataset.over100 = String(ours.filter((t) => t.duration > 100).length);
  lt.dataset.handlerMs = String(handler);
  lt.textContent =
    `Main thread: the change handler took ${handler} ms; since then ${ours.length} tasks over 50 ms (longest ${longest} ms). ` +
    `discover took ${Math.round(h.discoverMs)} ms in the worker.`;
  const plugins = field("plugins");
  plugins.replaceChildren(
    ...h.report.plugins.map((p) => {
      const li = document.createElement("li");
      li.dataset.plugin = p.name;
      li.textContent = `${p.name}: ${p.children.length} children`;
      return li;
    }),
  );
  const rows = h.files.slice(0, MAX_ROWS).map((f) => {
    const tr = document.createElement("tr");
    tr.dataset.path = f.path;
    tr.dataset.sha256 = f.sha256;
    for (const text of [f.path, String(f.size), f.sha256]) tr.appendChild(document.createElement("td")).textContent = text;
    return tr;
  });
  $("table.files tbody").replaceChildren(...rows);
  field("more-files").textContent = h.files.length > MAX_ROWS ? `… and ${h.files.length - MAX_ROWS} more files.` : "";
  field("result").hidden = false;
}
