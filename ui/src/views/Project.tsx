import { useCallback, useEffect, useState } from "react";
import type { ProjectStatus } from "../generated/types.ts";
import { useTransport } from "../context.tsx";
import { asCommandError, type CommandError } from "../transport.ts";
import { ErrorBox, Hash, KindIcon } from "../ui.tsx";

/** What skillmeat deployed into a project, with drift status and Undeploy. */
export function Project({ project: initial }: { project?: string }) {
  const t = useTransport();
  const [project, setProject] = useState(initial ?? "");
  const [status, setStatus] = useState<ProjectStatus | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [note, setNote] = useState("");

  const load = useCallback(
    async (p: string) => {
      setError(null);
      try {
        setStatus(await t.call("project_status", { project: p }));
      } catch (e) {
        setError(asCommandError(e));
      }
    },
    [t],
  );

  useEffect(() => {
    if (initial) void load(initial);
  }, [initial, load]);

  async function undeploy(name: string) {
    setError(null);
    try {
      const r = await t.call("undeploy", { name, project, force: false });
      setNote(
        `Undeployed ${r.name}: ${r.removed.length} files removed` +
          (r.restored.length ? `, ${r.restored.length} of your files restored` : "") +
          (r.mcp_servers_restored.length ? `, ${r.mcp_servers_restored.length} of your MCP servers restored` : "") +
          (r.kept.length ? `, ${r.kept.length} changed files kept` : "") +
          ".",
      );
      await load(project);
    } catch (e) {
      setError(asCommandError(e));
    }
  }

  const roots = [...new Set((status?.items ?? []).map((i) => i.parent ?? i.name))];

  return (
    <section aria-labelledby="project-title">
      <h2 id="project-title">Project</h2>
      <div className="form">
        <label>
          Project folder <input name="project-path" value={project} onChange={(e) => setProject(e.target.value)} size={40} />
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
        <button className="primary" disabled={!project} onClick={() => load(project)}>
          Show status
        </button>
      </div>
      <ErrorBox error={error} />
      {note && <p role="status">{note}</p>}
      {status && status.items.length === 0 && <p className="empty-state">Nothing deployed here by skillmeat — deploy from an artifact’s page.</p>}
      {roots.map((root) => (
        <article key={root} aria-label={`Deployed ${root}`}>
          <h3>
            {root} <button onClick={() => undeploy(root)}>Undeploy {root}</button>
          </h3>
          <table>
            <thead>
              <tr>
                <th>Type</th>
                <th>Name</th>
                <th>Status</th>
                <th>Deployed</th>
                <th>Current</th>
              </tr>
            </thead>
            <tbody>
              {status!.items
                .filter((i) => (i.parent ?? i.name) === root)
                .map((i) => (
                  <tr key={`${i.kind}-${i.name}`}>
                    <td>
                      <KindIcon kind={i.kind} />
                    </td>
                    <td>{i.name}</td>
                    <td>
                      <span className={`badge badge-${i.status === "ok" ? "ok" : "warn"}`}>{i.status}</span>
                    </td>
                    <td>
                      <Hash value={i.deployed_hash} />
                    </td>
                    <td>
                      <Hash value={i.current_hash} />
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </article>
      ))}
    </section>
  );
}
