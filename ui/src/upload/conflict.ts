// A conflicting child's side-by-side diff in the browser: the incoming files
// from the page's own `File`s (the folder chosen), the current ones fetched
// from the server (`GET /api/v1/artifacts/{kind:name}/files/{path}`), as the
// `FileDiff` the desktop wizard's DiffView renders.
import type { DiffFile, FileDiff, Kind } from "../generated/types.ts";
import type { InspectReport } from "../folder/protocol.ts";
import { asCommandError } from "../transport.ts";
import type { HashFirstApi, HashedFile } from "./flow.ts";

/** Files larger than this are shown as absent or binary (as the engine's diff does). */
const MAX_TEXT = 1 << 20;

/** The child's files in the chosen folder, by their path relative to the
 * child (`""` for a one-file artifact such as a command or an agent). */
export function childFiles(
  report: InspectReport,
  files: readonly HashedFile[],
  plugin: string,
  kind: Kind,
  name: string,
): Array<{ rel: string; file: HashedFile }> {
  const p = report.plugins.find((x) => x.name === plugin);
  const c = p?.children.find((x) => x.kind === kind && x.name === name);
  if (!p || !c) return [];
  const base = join(p.root, c.path);
  const out: Array<{ rel: string; file: HashedFile }> = [];
  for (const f of files) {
    if (f.path === base) out.push({ rel: "", file: f });
    else if (f.path.startsWith(`${base}/`)) out.push({ rel: f.path.slice(base.length + 1), file: f });
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Each incoming file beside the current version's file of the same path. */
export async function conflictDiff(
  api: Pick<HashFirstApi, "file">,
  report: InspectReport,
  files: readonly HashedFile[],
  plugin: string,
  kind: Kind,
  name: string,
): Promise<FileDiff> {
  const id = `${kind}:${name}`;
  const out: DiffFile[] = [];
  for (const { rel, file } of childFiles(report, files, plugin, kind, name)) {
    const incoming = file.size > MAX_TEXT ? null : text(new Uint8Array(await file.file.arrayBuffer()));
    let current: string | null = null;
    let absent = false;
    try {
      current = text(await api.file(id, rel));
    } catch (e) {
      if (asCommandError(e).code !== "not_found") throw e;
      absent = true;
    }
    if (!absent && current === incoming && current !== null) continue;
    out.push({ path: rel, current, incoming, change: absent ? "added" : "changed" });
  }
  return { kind, name, files: out };
}

function join(root: string, path: string): string {
  const parts = [root, path].filter((s) => s && s !== ".");
  return parts.join("/").replace(/\/+$/, "");
}

/** UTF-8 text, or null for bytes that are not (binary) or too many. */
function text(bytes: Uint8Array): string | null {
  if (bytes.length > MAX_TEXT) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
