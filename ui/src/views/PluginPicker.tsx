import { type ReactNode, useMemo, useState } from "react";
import { KindIcon } from "../ui.tsx";

/** What the picker needs of a plugin's preview: the engine's `PluginPreview`
 * (desktop) and a plan of the page's own discovery (browser) both fit. */
export interface Pickable {
  name: string;
  description?: string | null;
  buckets: { new: ReadonlyArray<{ name: string }>; existing: ReadonlyArray<{ name: string }>; conflict: ReadonlyArray<{ name: string }> };
}

/** Rows painted at first, and added by each "Show more": a marketplace of
 * 300 plugins paints its first rows at once and the rest on request. */
export const ROWS_AT_ONCE = 60;

/** A plugin's NEW / EXISTING / CONFLICT counts (`data-bucket`). */
export function BucketCounts({ buckets: b }: { buckets: Pickable["buckets"] }) {
  return (
    <p className="buckets">
      <span className="bucket bucket-new" data-bucket="new">
        NEW <strong>{b.new.length}</strong>
      </span>
      <span className="bucket bucket-existing" data-bucket="existing">
        EXISTING <strong>{b.existing.length}</strong>
      </span>
      <span className="bucket bucket-conflict" data-bucket="conflict">
        CONFLICT <strong>{b.conflict.length}</strong>
      </span>
    </p>
  );
}

/** Plugins selected of all, and the NEW / EXISTING / CONFLICT children of
 * the selection. */
export function pickerTotals(previews: readonly Pickable[], selected: ReadonlySet<string>) {
  const t = { selected: 0, plugins: previews.length, new: 0, existing: 0, conflict: 0 };
  for (const p of previews) {
    if (!selected.has(p.name)) continue;
    t.selected++;
    t.new += p.buckets.new.length;
    t.existing += p.buckets.existing.length;
    t.conflict += p.buckets.conflict.length;
  }
  return t;
}

/** The text a search looks in: the plugin's name, description and its
 * children's names, lower-cased. */
function haystack(p: Pickable): string {
  const b = p.buckets;
  const children = [...b.new, ...b.existing, ...b.conflict].map((c) => c.name);
  return [p.name, p.description ?? "", ...children].join("\n").toLowerCase();
}

/** The plugins whose name, description or a child's name contains `query`
 * (case-insensitive; every word of it, in any order). */
export function filterPlugins<P extends Pickable>(previews: readonly P[], query: string, hay = previews.map(haystack)): P[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...previews];
  return previews.filter((_, i) => words.every((w) => hay[i]!.includes(w)));
}

/** A marketplace's plugins to choose from: totals of the selection at the
 * top, a search (name, description, children), a checkbox per plugin, All /
 * None of the rows the search shows. The selection is the caller's (it
 * survives the search); `detail` adds what the caller shows under a row. */
export function PluginPicker<P extends Pickable>({
  previews,
  selected,
  onChange,
  detail,
  disabled = false,
}: {
  previews: readonly P[];
  selected: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
  detail?: (p: P) => ReactNode;
  disabled?: boolean;
}) {
  const [query, setQuery] = useState("");
  const [limit, setLimit] = useState(ROWS_AT_ONCE);
  const hay = useMemo(() => previews.map(haystack), [previews]);
  const shown = useMemo(() => filterPlugins(previews, query, hay), [previews, query, hay]);
  const totals = pickerTotals(previews, selected);

  const toggle = (name: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(name);
    else next.delete(name);
    onChange(next);
  };
  const all = () => onChange(new Set([...selected, ...shown.map((p) => p.name)]));
  const none = () => {
    const next = new Set(selected);
    for (const p of shown) next.delete(p.name);
    onChange(next);
  };

  return (
    <div className="picker">
      <p className="picker-totals" role="status">
        <span data-total="selected">
          <strong>{totals.selected}</strong> of <strong data-total="plugins">{totals.plugins}</strong> plugins selected
        </span>
        <span className="bucket bucket-new" data-total="new">
          NEW <strong>{totals.new}</strong>
        </span>
        <span className="bucket bucket-existing" data-total="existing">
          EXISTING <strong>{totals.existing}</strong>
        </span>
        <span className="bucket bucket-conflict" data-total="conflict">
          CONFLICT <strong>{totals.conflict}</strong>
        </span>
      </p>
      <div className="toolbar">
        <label>
          Search plugins{" "}
          <input
            type="search"
            name="plugin-search"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setLimit(ROWS_AT_ONCE);
            }}
            placeholder="name, description or child"
          />
        </label>
        <button onClick={all} disabled={disabled || shown.length === 0}>
          All{query ? ` ${shown.length} shown` : ""}
        </button>
        <button onClick={none} disabled={disabled || shown.length === 0}>
          None{query ? ` of ${shown.length} shown` : ""}
        </button>
        {query && (
          <span className="muted" data-field="shown">
            {shown.length} of {previews.length} match
          </span>
        )}
      </div>
      {shown.slice(0, limit).map((p) => (
        <article key={p.name} className="plugin-preview picker-row" aria-label={`Preview of ${p.name}`} data-plugin={p.name}>
          <h3>
            <label>
              <input
                type="checkbox"
                name="pick-plugin"
                value={p.name}
                checked={selected.has(p.name)}
                disabled={disabled}
                onChange={(e) => toggle(p.name, e.target.checked)}
              />{" "}
              <KindIcon kind="composite" /> {p.name}
            </label>
          </h3>
          {p.description && <p className="muted description">{p.description}</p>}
          <BucketCounts buckets={p.buckets} />
          {detail?.(p)}
        </article>
      ))}
      {shown.length > limit && (
        <button className="link" onClick={() => setLimit(limit + ROWS_AT_ONCE)}>
          Show {Math.min(ROWS_AT_ONCE, shown.length - limit)} more ({shown.length - limit} not shown)
        </button>
      )}
    </div>
  );
}
