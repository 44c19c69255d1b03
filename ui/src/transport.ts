// The only module that calls @tauri-apps/*. Views get a `Transport` (from
// context) and never know which one: this Tauri one in the desktop window,
// the HTTP one of http.ts in a browser (`skillmeat serve`).
import type { Commands, ErrorCode, ImportProgress, PublicError } from "./generated/types.ts";
import { IMPORT_PROGRESS } from "./generated/types.ts";

export type CommandName = keyof Commands;
export type Args<K extends CommandName> = Commands[K]["args"];
export type Result<K extends CommandName> = Commands[K]["result"];

/** Every failure a view sees: the command's `{code, message}`. */
export class CommandError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = "CommandError";
  }
}

/** Any thrown value as a CommandError (transport failures are `internal`). */
export function asCommandError(e: unknown): CommandError {
  if (e instanceof CommandError) return e;
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const a = e as PublicError;
    return new CommandError(a.code, String(a.message));
  }
  return new CommandError("internal", e instanceof Error ? e.message : String(e));
}

export interface Transport {
  /** `app`: the desktop window (paths on this machine, system dialogs, import);
   * `browser`: `skillmeat serve` over HTTP (export downloads; no import yet). */
  readonly host: "app" | "browser";
  /** Deploy and Project: the project is a folder on the engine's machine,
   * which in a browser is only the page's own on a loopback server. */
  readonly deploy: boolean;
  call<K extends CommandName>(cmd: K, args: Args<K>): Promise<Result<K>>;
  /** Calls `cb` for each `import-progress` event; resolves to an unsubscribe. */
  onImportProgress(cb: (p: ImportProgress) => void): Promise<() => void>;
  /** Paths dropped on the window; resolves to an unsubscribe. */
  onDrop(cb: (paths: string[]) => void): Promise<() => void>;
  /** A folder (or, with `file`, a bundle zip) chosen in the system dialog. */
  pickPath(opts: { directory: boolean; title: string }): Promise<string | null>;
  /** Where to save a file, chosen in the system dialog. */
  pickSavePath(defaultName: string): Promise<string | null>;
}

/** The Tauri transport: `invoke`, events and the dialog plugin. */
export async function tauriTransport(): Promise<Transport> {
  const { invoke } = await import("@tauri-apps/api/core");
  const { listen } = await import("@tauri-apps/api/event");
  const { getCurrentWebview } = await import("@tauri-apps/api/webview");
  const dialog = await import("@tauri-apps/plugin-dialog");
  return {
    host: "app",
    deploy: true,
    async call(cmd, args) {
      try {
        return await invoke(cmd, args === null ? {} : { args });
      } catch (e) {
        throw asCommandError(e);
      }
    },
    async onImportProgress(cb) {
      return listen<ImportProgress>(IMPORT_PROGRESS, (e) => cb(e.payload));
    },
    async onDrop(cb) {
      return getCurrentWebview().onDragDropEvent((e) => {
        if (e.payload.type === "drop") cb(e.payload.paths);
      });
    },
    async pickPath({ directory, title }) {
      const r = await dialog.open({
        directory,
        title,
        multiple: false,
        filters: directory ? undefined : [{ name: "Bundle", extensions: ["zip"] }],
      });
      return typeof r === "string" ? r : null;
    },
    async pickSavePath(defaultName) {
      return dialog.save({ defaultPath: defaultName, filters: [{ name: "Bundle", extensions: ["zip"] }] });
    },
  };
}

/** Whether the page runs inside the Tauri window. */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}
