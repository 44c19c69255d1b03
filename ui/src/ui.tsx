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
