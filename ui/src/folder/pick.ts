// The files of a folder the user chose, for hashFolder: from
// `<input type=file webkitdirectory>` (each File's `webkitRelativePath`
// starts with the folder's name) or from a folder dropped on the page
// (`DataTransferItem.webkitGetAsEntry`, walked with directory readers).
import type { PickedFile, PickedFolder } from "./hashing.ts";

const byPath = (a: PickedFile, b: PickedFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** An input's FileList: paths relative to the chosen folder, in the
 * browser's order (this runs in the change handler: no sort, no `size`). */
export function folderFromInput(list: FileList | readonly File[]): PickedFolder {
  const all = Array.from(list);
  const rootName = all[0]?.webkitRelativePath.split("/")[0] ?? "";
  const files = all.map((file) => {
    const rel = file.webkitRelativePath || file.name;
    const slash = rel.indexOf("/");
    return { path: slash < 0 ? rel : rel.slice(slash + 1), file };
  });
  return { rootName, files };
}

/** The dropped folder's entry: call it in the `drop` handler itself (the
 * items are gone once the handler returns). `null` when no folder was dropped. */
export function droppedFolder(data: DataTransfer): FileSystemDirectoryEntry | null {
  const entry = data.items[0]?.webkitGetAsEntry() ?? null;
  return entry?.isDirectory ? (entry as FileSystemDirectoryEntry) : null;
}

/** Every file below a dropped folder. */
export async function folderFromEntry(root: FileSystemDirectoryEntry): Promise<PickedFolder> {
  const files: PickedFile[] = [];
  const walk = async (dir: FileSystemDirectoryEntry, prefix: string): Promise<void> => {
    for (const entry of await entries(dir)) {
      const path = prefix + entry.name;
      if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, `${path}/`);
      else files.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
    }
  };
  await walk(root, "");
  return { rootName: root.name, files: files.sort(byPath) };
}

/** A directory reader answers in batches until an empty one. */
async function entries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((ok, fail) => entry.file(ok, fail));
