// The wasm core (wasm/pkg, built by `make wasm`): hashing, discovery and the
// import plan run in the page with the engine's own code.
import init, { FileHasher, discover, planImport } from "../../wasm/pkg/skillmeat_wasm.js";
import type { IndexSnapshot, InspectReport, Preview } from "../../wasm/pkg/skillmeat_wasm.js";

export type { InspectReport, Preview };
export { FileHasher, discover, planImport };

let ready: Promise<unknown> | null = null;

/** Loads the wasm module once (the bundler serves the .wasm file). */
export function loadCore(): Promise<unknown> {
  ready ??= init();
  return ready;
}

/** Lets tests supply an already-initialised module. */
export function coreLoaded(): void {
  ready = Promise.resolve();
}

/** SHA-256 of one file in 1 MiB chunks (the same FileHasher the engine uses). */
export function hashBytes(bytes: Uint8Array): string {
  const h = new FileHasher();
  const chunk = 1 << 20;
  for (let i = 0; i < bytes.length; i += chunk) h.update(bytes.subarray(i, i + chunk));
  return h.finish();
}

export function plan(plugin: InspectReport["plugins"][number], index: IndexSnapshot): Preview {
  return planImport(plugin, index, "new-version");
}
