import { describe, expect, it } from "vitest";
import type { ImportJob, ImportSummary } from "../generated/types.ts";
import { CommandError } from "../transport.ts";
import { type HashFirstApi, follow } from "./flow.ts";

const summary = { results: [] } as unknown as ImportSummary;

/** An api whose status answers are `answers`, in order (an Error is thrown). */
function statuses(answers: Array<ImportJob | Error>): { api: HashFirstApi; asked: () => number } {
  let asked = 0;
  const api = {
    async importStatus() {
      const a = answers[Math.min(asked++, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    },
  } as unknown as HashFirstApi;
  return { api, asked: () => asked };
}

const running: ImportJob = { transaction_id: "t", status: "in_progress" };
const done: ImportJob = { transaction_id: "t", status: "succeeded", result: summary };
const dropped = () => new CommandError("internal", "network error");
const noWait = async () => {};

describe("follow (polling an import to its end)", () => {
  it("a dropped status answer is asked again: the import's result, not a failure", async () => {
    const s = statuses([running, dropped(), dropped(), running, done]);
    expect(await follow(s.api, "t", { sleep: noWait })).toBe(summary);
    expect(s.asked()).toBe(5);
  });

  it("a refusal (not the network) ends at once", async () => {
    const s = statuses([new CommandError("not_found", "no import t")]);
    await expect(follow(s.api, "t", { sleep: noWait })).rejects.toMatchObject({ code: "not_found" });
    expect(s.asked()).toBe(1);
  });

  it("a server that stays unreachable ends after 5 retries in a row", async () => {
    const s = statuses([dropped()]);
    await expect(follow(s.api, "t", { sleep: noWait })).rejects.toMatchObject({ code: "internal" });
    expect(s.asked()).toBe(6);
  });
});
