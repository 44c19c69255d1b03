import { useState } from "react";
import type { DeployMode, DeployResult } from "../generated/types.ts";
import { type Go, useTransport } from "../context.tsx";
import { asCommandError, type CommandError } from "../transport.ts";
import { ErrorBox } from "../ui.tsx";

/** Platforms; only Claude Code is deployable in v1. */
export const PLATFORMS = [
  { id: "claude-code", label: "Claude Code", supported: true },
  { id: "cursor", label: "Cursor", supported: false },
  { id: "codex", label: "Codex", supported: false },
  { id: "windsurf", label: "Windsurf", supported: false },
];

/** Project folder + platform → dry-run plan → confirm → result. */
export function Deploy({ name: initial, go }: { name?: string; go: Go }) {
  const t = useTransport();
  const [name, setName] = useState(initial ?? "");
  const [project, setProject] = useState("");
  const [platform, setPlatform] = useState("claude-code");
  // "": the engine's default (a plugin natively, one artifact unpacked).
  const [mode, setMode] = useState<DeployMode | "">("");
  const [force, setForce] = useState(false);
  const [plan, setPlan] = useState<DeployResult | null>(null);
  const [result, setResult] = useState<DeployResult | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(dryRun: boolean) {
    setError(null);
    setBusy(true);
    try {
      const r = await t.call("deploy", { name, project, platform, dry_run: dryRun, use_current: false, force, mode: mode || null });
      if (dryRun) {
        setPlan(r);
        setResult(null);
      } else setResult(r);
    } catch (e) {
      setError(asCommandError(e));
    } finally {
      setBusy(false);
    }
  }

  const conflicts = plan?.operations.filter((o) => o.action === "conflict").length ?? 0;

  return (
    <section aria-labelledby="deploy-title">
      <h2 id="deploy-title">Deploy</h2>
      <div className="form">
        <label>
          Artifact or plugin <input name="deploy-name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Project folder{" "}
          <input name="deploy-project" value={project} onChange={(e) => setProject(e.target.value)} size={40} />
        </label>
        {t.host === "app" && (
          <button
            onClick={async () => {
              const p = await t.pickPath({ directory: true, title: "Project folder" });
              if (p) setProject(p);
            }}
          >
            Choose…
          </button>
        )}
        <label>
          Platform{" "}
          <select name="deploy-platform" value={platform} onChange={(e) => setPlatform(e.target.value)}>
            {PLATFORMS.map((p) => (
              <option key={p.id} value={p.id} disabled={!p.supported}>
                {p.label}
                {p.supported ? "" : " (unsupported in v1)"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Mode{" "}
          <select name="deploy-mode" value={mode} onChange={(e) => setMode(e.target.value as DeployMode | "")}>
            <option value="">Default (a plugin natively; one artifact unpacked)</option>
            <option value="plugin">Native plugin (.claude/skills/&lt;plugin&gt;/, loaded as plugin@skills-dir)</option>
            <option value="unpacked">
              Unpacked (skills, commands, agents in place; hooks and MCP servers merged; no LSP servers)
            </option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Replace files skillmeat did not
          write (keeps a backup)
        </label>
        <button className="primary" disabled={!name || !project || busy} onClick={() => run(true)}>
          Plan (dry run)
        </button>
      </div>
      <ErrorBox error={error} />
      {plan && !result && (
        <section className="plan" aria-labelledby="plan-title">
          <h3 id="plan-title">
            Plan: {plan.name} → {plan.project}
          </h3>
          {plan.warnings.map((w) => (
            <p key={w} className="warning">
              {w}
            </p>
          ))}
          <table>
            <thead>
              <tr>
                <th>Action</th>
                <th>Path</th>
                <th>Artifact</th>
              </tr>
            </thead>
            <tbody>
              {plan.operations.map((o) => (
                <tr key={`${o.action}-${o.path}-${o.detail ?? ""}`} className={o.action === "conflict" ? "row-conflict" : ""}>
                  <td>{o.action}</td>
                  <td>
                    <code>{o.path}</code>
                    {o.detail ? ` (${o.detail})` : ""}
                  </td>
                  <td>{o.artifact}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {conflicts > 0 && !force && (
            <p className="error" role="alert">
              {conflicts} file(s) were not written by skillmeat: tick “Replace files” to back them up and replace them.
            </p>
          )}
          <button className="primary" disabled={busy || (conflicts > 0 && !force)} onClick={() => run(false)}>
            Confirm deploy
          </button>
        </section>
      )}
      {result && (
        <section className="result" aria-labelledby="result-title">
          <h3 id="result-title">Deployed</h3>
          <p role="status">
            Deployed {result.name} ({result.deployed.length} artifacts) to {result.project}.
          </p>
          <button onClick={() => go({ view: "project", project: result.project })}>Project status</button>
        </section>
      )}
    </section>
  );
}
