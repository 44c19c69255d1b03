// Small shared pieces: errors in place, kind icons, short hashes.
import type { Kind } from "./generated/types.ts";
import { CommandError } from "./transport.ts";

export function ErrorBox({ error }: { error: CommandError | null }) {
  if (!error) return null;
  return (
    <div className={`error error-${error.code}`} role="alert">
      <strong>{label(error.code)}</strong> {error.message}
    </div>
  );
}

function label(code: CommandError["code"]): string {
  switch (code) {
    case "not_found":
      return "Not found:";
    case "bad_input":
      return "Cannot do that:";
    case "conflict":
      return "Conflict:";
    case "unauthorized":
      return "Not authorised:";
    case "forbidden":
      return "Not allowed here:";
    case "too_large":
      return "Too large:";
    case "busy":
      return "Busy, try again:";
    case "internal":
      return "Something went wrong:";
  }
}

const ICONS: Record<Kind, string> = {
  composite: "PLG",
  skill: "SKL",
  command: "CMD",
  agent: "AGT",
  hook: "HOOK",
  mcp_server: "MCP",
  lsp_server: "LSP",
};

export const KIND_LABELS: Record<Kind, string> = {
  composite: "Plugin",
  skill: "Skill",
  command: "Command",
  agent: "Agent",
  hook: "Hook",
  mcp_server: "MCP server",
  lsp_server: "LSP server",
};

export function KindIcon({ kind }: { kind: Kind }) {
  return (
    <span className={`kind-icon kind-${kind}`} role="img" aria-label={KIND_LABELS[kind]} title={KIND_LABELS[kind]}>
      {ICONS[kind]}
    </span>
  );
}

export function Hash({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="hash">—</span>;
  return (
    <code className="hash" title={value}>
      {value.slice(0, 12)}
    </code>
  );
}

/** Claude Code's verdict on a plugin, as `inspect` and the engine report it. */
export type Verdict = {
  loads_in_claude_code: boolean;
  load_errors: string[];
  validation_errors: string[];
};

/** A badge when Claude Code would not load the plugin, with its reasons, and
 * what `claude plugin validate` would report; nothing for a clean plugin. */
export function ClaudeCodeVerdict({ verdict }: { verdict: Verdict }) {
  const { loads_in_claude_code: loads, load_errors: load, validation_errors: validate } = verdict;
  if (loads && validate.length === 0) return null;
  return (
    <div className="verdict" role={loads ? "note" : "alert"}>
      {loads ? (
        <span className="badge badge-warn">claude plugin validate reports errors</span>
      ) : (
        <span className="badge badge-error">Claude Code would not load this plugin</span>
      )}
      {!loads && <p className="muted">It can be imported and fixed; deploy refuses it until then (or with --force).</p>}
      <ul>
        {[...load, ...validate].map((e) => (
          <li key={e}>{e}</li>
        ))}
      </ul>
    </div>
  );
}
