/// <reference types="node" />
// A fake Transport for the view tests: answers commands from a table of
// handlers and records every call.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import type { ReactNode } from "react";
import { initSync } from "../../../wasm/pkg/skillmeat_wasm.js";
import { coreLoaded } from "../core.ts";
import type { ImportProgress } from "../generated/types.ts";
import { type Args, type CommandName, CommandError, type Result, type Transport } from "../transport.ts";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

type Handlers = { [K in CommandName]?: (args: Args<K>) => Result<K> | Promise<Result<K>> };

export interface Fake extends Transport {
  calls: Array<{ cmd: CommandName; args: unknown }>;
  progress: Array<(p: ImportProgress) => void>;
}

export function fakeTransport(handlers: Handlers, picks: string[] = []): Fake {
  const calls: Fake["calls"] = [];
  const progress: Fake["progress"] = [];
  return {
    host: "app",
    deploy: true,
    calls,
    progress,
    async call(cmd, args) {
      calls.push({ cmd, args });
      const h = handlers[cmd] as ((a: typeof args) => unknown) | undefined;
      if (!h) throw new CommandError("internal", `no fake for ${cmd}`);
      return (await h(args)) as never;
    },
    async onImportProgress(cb) {
      progress.push(cb);
      return () => {};
    },
    async onDrop() {
      return () => {};
    },
    async pickPath() {
      return picks.shift() ?? null;
    },
    async pickSavePath() {
      return picks.shift() ?? null;
    },
  };
}

/** The real wasm core, loaded from wasm/pkg (run `make wasm` first). */
export function loadWasm(): void {
  initSync({ module: readFileSync(repo("wasm/pkg/skillmeat_wasm_bg.wasm")) });
  coreLoaded();
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** A path in the repository. */
export const repo = (rel: string) => resolve(ROOT, rel);

export interface Mounted {
  container: HTMLDivElement;
  root: Root;
  unmount(): void;
}

export async function mount(node: ReactNode): Promise<Mounted> {
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  await act(async () => root.render(node));
  return {
    container,
    root,
    unmount() {
      act(() => root.unmount());
      container.remove();
    },
  };
}

/** Lets pending promises and the renders they cause settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
}

export async function click(el: Element | null | undefined): Promise<void> {
  if (!el) throw new Error("nothing to click");
  await act(async () => (el as HTMLElement).click());
  await settle();
}

export function byText(root: ParentNode, selector: string, text: string): HTMLElement | undefined {
  return [...root.querySelectorAll<HTMLElement>(selector)].find((e) => e.textContent?.includes(text));
}

/** Sets an input's value the way React notices. */
export async function type(el: HTMLInputElement | HTMLSelectElement | null, value: string): Promise<void> {
  if (!el) throw new Error("no input");
  const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(el, value);
  await act(async () => {
    el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
  });
  await settle();
}
