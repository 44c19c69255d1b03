import { useState } from "react";
import type { ExportResult } from "../generated/types.ts";
import { useTransport } from "../context.tsx";
import { asCommandError, type CommandError } from "../transport.ts";
import { ErrorBox } from "../ui.tsx";

/** Save a plugin (or one artifact) as a bundle zip (in a browser: a download); show its path and hash. */
export function Export({ name: initial }: { name?: string }) {
  const t = useTransport();
  const [name, setName] = useState(initial ?? "");
  const [out, setOut] = useState("");
  const [result, setResult] = useState<ExportResult | null>(null);
  const [error, setError] = useState<CommandError | null>(null);

  const browser = t.host === "browser";

  async function run() {
    setError(null);
    setResult(null);
    try {
      setResult(await t.call("export_bundle", { name, out: out || undefined }));
    } catch (e) {
      setError(asCommandError(e));
    }
  }

  return (
    <section aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <div className="form">
        <label>
          Artifact or plugin <input name="export-name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        {!browser && (
          <>
            <label>
              Save to (file or folder; empty: your home folder){" "}
              <input name="export-out" value={out} onChange={(e) => setOut(e.target.value)} size={40} />
            </label>
            <button
              onClick={async () => {
                const p = await t.pickSavePath(`${name || "bundle"}.zip`);
                if (p) setOut(p);
              }}
            >
              Choose…
            </button>
          </>
        )}
        <button className="primary" disabled={!name} onClick={run}>
          {browser ? "Download bundle" : "Export bundle"}
        </button>
      </div>
      <ErrorBox error={error} />
      {result && (
        <dl className="export-result" role="status">
          <dt>{browser ? "Downloaded" : "Bundle"}</dt>
          <dd>
            <code data-field="path">{result.path}</code>
          </dd>
          <dt>SHA-256</dt>
          <dd>
            <code data-field="hash">{result.content_hash}</code>
          </dd>
          <dt>Files</dt>
          <dd>
            {result.files} ({result.bytes} bytes)
          </dd>
        </dl>
      )}
    </section>
  );
}
