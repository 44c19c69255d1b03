// `make bench-wasm`: TreeHasher (wasm) vs WebCrypto SHA-256 in headless
// Chromium, same page, same run. Prints MB/s (1 MB = 10^6 bytes).
//
// Usage: node bench.mjs   (after `make wasm`)
// BENCH_LARGE_MB (100), BENCH_FILES (5000), BENCH_RUNS (3) change the sizes.

import { openPage, requirePkg, serve } from './harness.mjs';

const num = (name, dflt) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};

async function main() {
  requirePkg();
  const opts = {
    largeBytes: Math.round(num('BENCH_LARGE_MB', 100) * 1e6),
    smallFiles: Math.round(num('BENCH_FILES', 5000)),
    runs: Math.round(num('BENCH_RUNS', 3)),
  };
  const server = await serve();
  let browser;
  try {
    const opened = await openPage(`${server.origin}/page/bench.html`);
    browser = opened.browser;
    const r = await opened.page.evaluate((o) => window.bench(o), opts);
    for (const e of opened.errors) throw e;

    const median = (xs) => {
      const s = [...xs].sort((x, y) => x - y);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const mbps = (bytes, m) => bytes / 1e6 / m.best;
    const medians = [];
    const row = (label, bytes, wasm, web, extra = '') => {
      const a = mbps(bytes, wasm);
      const b = mbps(bytes, web);
      console.log(
        `  ${label.padEnd(42)} ${a.toFixed(0).padStart(7)} MB/s ${b.toFixed(0).padStart(9)} MB/s ${(a / b).toFixed(2).padStart(7)}×${extra}`,
      );
      const ma = bytes / 1e6 / median(wasm.times);
      const mb = bytes / 1e6 / median(web.times);
      medians.push(`  ${label.padEnd(42)} ${ma.toFixed(0).padStart(7)} MB/s ${mb.toFixed(0).padStart(9)} MB/s ${(ma / mb).toFixed(2).padStart(7)}×`);
      return a / b;
    };
    const files = (m) => `  (${Math.round(r.smallFiles / m.best).toLocaleString('en-US')} vs `;
    console.log(`wasm TreeHasher vs WebCrypto SHA-256 — Chromium ${opened.version}, best of ${r.runs} interleaved rounds`);
    console.log(`  ${''.padEnd(42)} ${'TreeHasher'.padStart(12)} ${'WebCrypto'.padStart(14)} ${'ratio'.padStart(8)}`);
    const L = r.large;
    const S = r.small;
    const big = `${(r.largeBytes / 1e6).toFixed(0)} MB file`;
    const ratio = row(`${big}, File.stream()/arrayBuffer()`, r.largeBytes, L.wasmStream, L.webCryptoFile);
    row(`${big}, bytes in memory`, r.largeBytes, L.wasmMemory, L.webCryptoMemory);
    const sm = `${r.smallFiles.toLocaleString('en-US')} files (${(r.smallBytes / 1e6).toFixed(1)} MB)`;
    row(
      `${sm}, File API`,
      r.smallBytes,
      S.wasmStream,
      S.webCryptoFile,
      `${files(S.wasmStream)}${Math.round(r.smallFiles / S.webCryptoFile.best).toLocaleString('en-US')} files/s)`,
    );
    row(`${sm}, bytes in memory`, r.smallBytes, S.wasmMemory, S.webCryptoMemory);
    console.log(`  median of the ${r.runs} rounds:`);
    for (const line of medians) console.log(line);
    console.log(
      `  goal TreeHasher >= 0.5× WebCrypto on the large file (File API): ${ratio >= 0.5 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}×)`,
    );
    if (!r.agree) throw new Error('TreeHasher and WebCrypto disagree on a tree hash');
    console.log('  every method gave the same tree hash');
  } finally {
    if (browser) await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
