import { describe, expect, it } from "vitest";
import type { CompositeImportArgs } from "../generated/types.ts";
import { uploadBundle } from "./bundle.ts";
import type { HashFirstApi } from "./flow.ts";

/** The server as the bundle path sees it: which blobs it holds, what it was asked. */
function fakeApi(has: string[]) {
  const held = new Set(has);
  const puts: string[] = [];
  const imports: CompositeImportArgs[] = [];
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
    importStatus: async () => {
      throw new Error("uploading a bundle starts no import");
    },
    file: async () => new Uint8Array(),
  };
  return { api, puts, imports };
}

describe("a bundle zip in the browser", () => {
  const zip = new File([new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3])], "guardrails-0.3.0.zip");
  const hash = async () => "ab".repeat(32);

  it("is uploaded as one blob and named by its hash and name for the plan and the import", async () => {
    const { api, puts, imports } = fakeApi([]);
    const r = await uploadBundle(api, zip, { hash });
    expect(puts).toEqual(["ab".repeat(32)]);
    expect(r.bundle).toEqual({ path: "guardrails-0.3.0.zip", sha256: "ab".repeat(32), size: 7, executable: false });
    expect([r.uploaded.bytes, r.uploaded.contentBytes, imports]).toEqual([7, 7, []]);
  });

  it("a zip the server holds is not uploaded again", async () => {
    const { api, puts } = fakeApi(["ab".repeat(32)]);
    const r = await uploadBundle(api, zip, { hash });
    expect(puts).toEqual([]);
    expect([r.uploaded.bytes, r.uploaded.contentBytes]).toEqual([0, 7]);
  });
});
