import { useEffect, useState } from "react";
import type { ArtifactList, Kind } from "../generated/types.ts";
import { type Go, useTransport } from "../context.tsx";
import { asCommandError, type CommandError } from "../transport.ts";
import { ErrorBox, Hash, KIND_LABELS, KindIcon } from "../ui.tsx";

const KINDS: Kind[] = ["composite", "skill", "command", "agent", "hook", "mcp_server", "lsp_server"];

/** Every artifact, plugins first with their child counts; type filter and search. */
export function Collection({ go }: { go: Go }) {
  const t = useTransport();
  const [kind, setKind] = useState<Kind | "">("");
  const [search, setSearch] = useState("");
  const [list, setList] = useState<ArtifactList | null>(null);
  const [error, setError] = useState<CommandError | null>(null);

  useEffect(() => {
    let live = true;
    t.call("list_artifacts", { kind: kind || undefined, search: search || undefined })
      .then((l) => live && (setList(l), setError(null)))
      .catch((e) => live && setError(asCommandError(e)));
    return () => {
      live = false;
    };
  }, [t, kind, search]);

  // `total` counts what matches the filter: 0 without one is an empty collection.
  const filtered = kind !== "" || search !== "";

  return (
    <section aria-labelledby="collection-title">
      <h2 id="collection-title">Collection</h2>
      <div className="toolbar">
        <label>
          Type{" "}
          <select value={kind} onChange={(e) => setKind(e.target.value as Kind | "")}>
            <option value="">All types</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search{" "}
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name" />
        </label>
      </div>
      <ErrorBox error={error} />
      {list && list.total === 0 && !filtered && (
        <p className="empty-state" role="status">
          The collection is empty —{" "}
          {t.host === "app" ? (
            <button onClick={() => go({ view: "import" })}>import a plugin</button>
          ) : (
            <>
              add a plugin with <code>skillmeat add PATH</code>
            </>
          )}{" "}
          to begin.
        </p>
      )}
      {list && list.items.length === 0 && filtered && (
        <p className="empty-state" role="status">
          Nothing matches; clear the filter or the search.
        </p>
      )}
      {list && list.items.length > 0 && (
        <table className="artifacts">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Version</th>
              <th>Children</th>
              <th>Hash</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((a) => (
              <tr key={a.id}>
                <td>
                  <button className="link" onClick={() => go({ view: "artifact", id: a.id })}>
                    <KindIcon kind={a.kind} /> {a.name}
                  </button>
                </td>
                <td>{KIND_LABELS[a.kind]}</td>
                <td>{a.version ?? ""}</td>
                <td className="num">{a.kind === "composite" ? a.child_count : ""}</td>
                <td>
                  <Hash value={a.content_hash} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
