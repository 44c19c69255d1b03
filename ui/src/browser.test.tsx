// The UI in a browser: the token prompt, and the views a server offers.
import { act } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { Browser } from "./Browser.tsx";
import { HttpTransport } from "./http.ts";
import { byText, click, mount, type Mounted, settle, type } from "./test/fake.ts";

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const ITEM = {
  id: "01P",
  artifact_uuid: "01P",
  name: "guardrails",
  type: "composite",
  subtype: "plugin",
  version: "0.3.0",
  child_count: 5,
  content_hash: "a".repeat(64),
  created_at: "",
  updated_at: "",
};

/** A server holding guardrails whose token is `good`; `loopback` as given. */
function server(loopback: boolean) {
  const seen: string[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const auth = (init?.headers as Record<string, string>).Authorization;
    seen.push(`${url} ${auth}`);
    if (auth !== "Bearer good") return json(401, { code: "unauthorized", message: "wrong token" });
    if (url === "/api/v1/server") return json(200, { version: "0.1.0", collection: "default", loopback });
    if (url.startsWith("/api/v1/artifacts?")) return json(200, { items: [ITEM], total: 1, count: 1 });
    if (url === "/api/v1/artifacts/01P") return json(200, { ...ITEM, description: null, source: null, versions: [], parents: [], children: [], deployments: [], loads_in_claude_code: true, load_errors: [], validation_errors: [] });
    return json(404, { code: "not_found", message: `no route ${url}` });
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

const nav = (m: Mounted) => [...m.container.querySelectorAll("nav button")].map((b) => b.textContent);

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

describe("in a browser", () => {
  it("a wrong token shows the prompt; the pasted right one lists the collection", async () => {
    const s = server(true);
    m = await mount(<Browser http={new HttpTransport({ token: "wrong", fetch: s.fetch, store: sessionStorage })} />);
    await settle();
    const prompt = m.container.querySelector("form.token-prompt");
    expect(prompt?.textContent).toContain("The server refused the token (wrong token)");
    expect(m.container.querySelector("table.artifacts")).toBeNull();

    await type(m.container.querySelector<HTMLInputElement>('input[name="token"]'), "good");
    await act(async () => prompt!.querySelector<HTMLButtonElement>('button[type="submit"]')!.click());
    await settle();
    expect(m.container.querySelector("form.token-prompt")).toBeNull();
    expect(byText(m.container, "table.artifacts button", "guardrails")).toBeTruthy();
    expect(s.seen[0]).toBe("/api/v1/server Bearer wrong");
    expect(s.seen[1]).toBe("/api/v1/server Bearer good");
    // Loopback: Deploy and Project; Import (hash-first uploads) everywhere.
    expect(nav(m)).toEqual(["Collection", "Updates", "Import", "Deploy", "Project", "Export"]);
  });

  it("a server that is not on loopback offers neither Deploy nor Project", async () => {
    m = await mount(<Browser http={new HttpTransport({ token: "good", fetch: server(false).fetch })} />);
    await settle();
    expect(nav(m)).toEqual(["Collection", "Updates", "Import", "Export"]);
    await click(byText(m.container, "table.artifacts button", "guardrails"));
    expect(m.container.querySelector("h2#detail-title")?.textContent).toContain("guardrails");
    expect(byText(m.container, ".actions button", "Deploy")).toBeUndefined();
    expect(byText(m.container, ".actions button", "Export bundle")).toBeTruthy();
    await click(byText(m.container, ".actions button", "Export bundle"));
    // Export downloads: no folder to save into.
    expect(m.container.querySelector('input[name="export-out"]')).toBeNull();
    expect(byText(m.container, "button", "Download bundle")).toBeTruthy();
  });
});
