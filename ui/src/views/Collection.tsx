import { useEffect, useRef, useState } from "react";
import type { ArtifactList, Kind, ListArgs } from "../generated/types.ts";
import { type Go, useTransport } from "../context.tsx";
import { asCommandError, type CommandError, type Transport } from "../transport.ts";
import { ErrorBox, Hash, KIND_LABELS, KindIcon } from "../ui.tsx";

const KINDS: Kind[] = ["composite", "skill", "command", "agent", "hook", "mcp_server", "lsp_server"];

/** Rows per page: the engine filters, searches and pages in SQL, so the
 * page paints the same 100 rows at 1,500 artifacts as at 100,000. */
export const PAGE = 100;

type Query = { kind: Kind | ""; search: string; offset: number };
const same = (a: Query, b: Query) => a.kind === b.kind && a.search === b.search && a.offset === b.offset;
const args = (q: Query): ListArgs => ({ kind: q.kind || undefined, search: q.search || undefined, limit: PAGE, offset: q.offset });

/** The page of `query`, asked of the engine with one request in flight at
 * a time: keystrokes typed while one is answered are coalesced into the
 * next request (for the latest text only), and an answer is shown only
 * while it is still the one wanted. The first keystroke goes at once. */
function usePage(t: Transport, query: Query) {
  const [shown, setShown] = useState<{ query: Query; list: ArtifactList } | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const state = useRef({ wanted: query, busy: false, live: true });
  state.current.wanted = query;

  useEffect(() => {
    const s = state.current;
    s.live = true;
    return () => {
      s.live = false;
    };
  }, []);

  useEffect(() => {
    const s = state.current;
    const ask = (q: Query) => {
      s.busy = true;
      t.call("list_artifacts", args(q))
        .then((list) => {
          if (s.live && same(q, s.wanted)) (setShown({ query: q, list }), setError(null));
        })
        .catch((e) => {
          if (s.live && same(q, s.wanted)) setError(asCommandError(e));
        })
        .finally(() => {
          s.busy = false;
          // What was typed meanwhile: one request, for the latest.
          if (s.live && !same(q, s.wanted)) ask(s.wanted);
        });
    };
    if (!s.busy) ask(s.wanted);
  }, [t, query.kind, query.search, query.offset]);
  return { shown, error };
}

/** Every artifact, plugins first with their child counts, a page at a
 * time; type filter and search answered by the engine. */
export function Collection({ go }: { go: Go }) {
  const t = useTransport();
  const [query, setQuery] = useState<Query>({ kind: "", search: "", offset: 0 });
  const { shown, error } = usePage(t, query);
  const list = shown?.list ?? null;
  // `total` counts what matches the filter: 0 without one is an empty collection.
  const filtered = shown !== null && (shown.query.kind !== "" || shown.query.search !== "");
  const at = shown?.query.offset ?? 0;

  return (
    <section aria-labelledby="collection-title">
      <h2 id="collection-title">Collection</h2>
      <div className="toolbar">
        <label>
          Type{" "}
          <select value={query.kind} onChange={(e) => setQuery({ ...query, kind: e.target.value as Kind | "", offset: 0 })}>
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
          <input
            type="search"
            name="collection-search"
            value={query.search}
            onChange={(e) => setQuery({ ...query, search: e.target.value, offset: 0 })}
            placeholder="name"
          />
        </label>
        {list && list.total > 0 && <Pager at={at} list={list} goTo={(offset) => setQuery({ ...query, offset })} />}
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
        <table className="artifacts" data-query={`${shown!.query.kind}|${shown!.query.search}|${at}`}>
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

/** "101–200 of 1,523", with the previous and next page. */
function Pager({ at, list, goTo }: { at: number; list: ArtifactList; goTo: (offset: number) => void }) {
  const n = (x: number) => x.toLocaleString("en");
  return (
    <span className="pager">
      <button aria-label="Previous page" disabled={at === 0} onClick={() => goTo(Math.max(0, at - PAGE))}>
        ‹ Previous
      </button>{" "}
      <span data-field="range">
        {n(at + 1)}–{n(at + list.count)} of <span data-field="total">{n(list.total)}</span>
      </span>{" "}
      <button aria-label="Next page" disabled={at + list.count >= list.total} onClick={() => goTo(at + PAGE)}>
        Next ›
      </button>
    </span>
  );
}
