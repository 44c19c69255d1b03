// `make bench-wasm`: planImport against a large collection snapshot, in
// Node.js (the same wasm package the page loads). Prints milliseconds per
// call with no children (reading the snapshot) and with 50 (the lookups).
//
// Usage: node plan-bench.mjs   (after `make wasm`)
// BENCH_ARTIFACTS (100000), BENCH_RUNS (3) change the sizes.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../pkg/', import.meta.url));
const { initSync, planImport } = await import(`${pkg}skillmeat_wasm.js`);
initSync({ module: readFileSync(`${pkg}skillmeat_wasm_bg.wasm`) });

const count = Number(process.env.BENCH_ARTIFACTS ?? 100000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const hex = (i) => i.toString(16).padStart(64, '0');
const kinds = ['skill', 'command', 'agent'];
const artifacts = Array.from({ length: count }, (_, i) => ({
  id: `id${i}`,
  kind: kinds[i % 3],
  name: `Artifact_${i}`,
  current_hash: hex(i),
  hashes: [hex(i)],
}));
const index = { artifacts };
// Children named like stored artifacts (other case, `-` for `_`), with
// other content: each is a conflict, found by its name key.
const plugin = (n) => ({
  name: 'bench',
  children: Array.from({ length: n }, (_, i) => ({
    kind: kinds[(i * 1999) % 3],
    name: `artifact-${i * 1999}`,
    content_hash: hex(count + i),
    relationship: 'MEMBER',
  })),
});

planImport(plugin(1), index); // warm-up: compile and first allocation
for (const n of [0, 50]) {
  const times = [];
  let conflicts = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    conflicts = planImport(plugin(n), index).buckets.conflict.length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  if (conflicts !== n) throw new Error(`expected ${n} conflicts, got ${conflicts}`);
  console.log(
    `planImport, ${count.toLocaleString('en')} artifacts, ${n} children: ` +
      `best ${times[0].toFixed(0)} ms, median ${times[Math.floor(runs / 2)].toFixed(0)} ms`,
  );
}
