import { describe, expect, it } from "vitest";
import type { CompositeImportArgs, ImportSummary } from "../generated/types.ts";
import { importBundle } from "./bundle.ts";
import type { HashFirstApi } from "./flow.ts";

const SUMMARY: ImportSummary = { results: [], warnings: [] };

/** The server as the bundle path sees it: which blobs it holds, what it was asked. */
function fakeApi(has: string[]) {
  const held = new Set(has);
  const puts: string[] = [];
  const imports: CompositeImportArgs[] = [];
  let polls = 0;
  const api: HashFirstApi = {
    plan: async () => ({ plugins: [], warnings: [] }),
    planBundle: async () => ({ plugins: [], warnings: [] }),
    missingBlobs: async (h) => h.filter((x) => !held.has(x)),
    putBlob: async (sha, body) => {
      puts.push(sha);
      held.add(sha);
      return { sha256: sha, size: body.size };
    },
    putBlobs: async () => {
      throw new Error("a bundle goes as one blob");
    },
    importComposite: async (args) => {
      imports.push(args);
      return { transaction_id: "t1", status: "in_progress", parent: { name: "guardrails", pending: true }, children: [], plugins: [] };
    },
    importStatus: async (id) => (++polls < 2 ? { transaction_id: id, status: "in_progress" } : { transaction_id: id, status: "succeeded", result: SUMMARY }),
    file: async () => new Uint8Array(),
  };
  return { api, puts, imports };
}

describe("a bundle zip in the browser", () => {
  const zip = new File([new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3])], "guardrails-0.3.0.zip");
  const hash = async () => "ab".repeat(32);

  it("is uploaded as one blob, then imported by its hash and name", async () => {
    const { api, puts, imports } = fakeApi([]);
    const r = await importBundle(api, zip, { hash, pollMs: 1 });
    expect(puts).toEqual(["ab".repeat(32)]);
    expect(imports).toEqual([{ bundle: { path: "guardrails-0.3.0.zip", sha256: "ab".repeat(32), size: 7, executable: false } }]);
    expect([r.uploaded.bytes, r.uploaded.contentBytes, r.summary]).toEqual([7, 7, SUMMARY]);
  });

  it("a zip the server holds is not uploaded again", async () => {
    const { api, puts, imports } = fakeApi(["ab".repeat(32)]);
    const r = await importBundle(api, zip, { hash, pollMs: 1 });
    expect(puts).toEqual([]);
    expect(imports.length).toBe(1);
    expect(r.uploaded.bytes).toBe(0);
  });
});
