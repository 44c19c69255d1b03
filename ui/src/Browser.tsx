import { useEffect, useState } from "react";
import { App } from "./App.tsx";
import type { HttpTransport, ServerInfo, TokenWanted } from "./http.ts";
import { asCommandError, type CommandError } from "./transport.ts";
import { ErrorBox } from "./ui.tsx";

/** The UI in a browser: the token prompt, the server's info, then the app. */
export function Browser({ http }: { http: HttpTransport }) {
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  useEffect(() => {
    http.info().then(setInfo, (e) => setError(asCommandError(e)));
  }, [http]);
  return (
    <>
      <TokenPrompt gate={http} />
      {info ? (
        <App transport={http} />
      ) : error ? (
        <div className="app">
          <ErrorBox error={error} />
        </div>
      ) : (
        <div className="app">
          <p role="status" className="empty-state">
            Connecting to skillmeat serve…
          </p>
        </div>
      )}
    </>
  );
}

/** Shown while a request waits for a token (none yet, or a 401): paste it, and the request is sent again. */
export function TokenPrompt({ gate }: { gate: Pick<HttpTransport, "onTokenWanted" | "setToken"> }) {
  const [wanted, setWanted] = useState<TokenWanted>(null);
  const [value, setValue] = useState("");
  useEffect(() => gate.onTokenWanted(setWanted), [gate]);
  if (!wanted) return null;
  return (
    <form
      className="token-prompt"
      aria-labelledby="token-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (!value.trim()) return;
        gate.setToken(value);
        setValue("");
      }}
    >
      <h2 id="token-title">The server's token</h2>
      <p role="alert">
        {wanted.reason === "wrong" ? `The server refused the token (${wanted.message}).` : "This page needs the server's token."} It is in the
        URL <code>skillmeat serve</code> printed (after <code>#token=</code>) and in <code>$SKILLMEAT_HOME/server-token</code>.
      </p>
      <label>
        Token <input name="token" type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} size={66} />
      </label>{" "}
      <button type="submit" className="primary" disabled={!value.trim()}>
        Use token
      </button>
    </form>
  );
}
