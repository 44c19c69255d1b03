// The benchmark page: TreeHasher (wasm) against WebCrypto
// `crypto.subtle.digest('SHA-256')` in the same run, on one 100 MB file and
// on 5,000 small files, both generated here. Driven by bench.mjs.

import init, { TreeHasher } from '/pkg/skillmeat_wasm.js';

const MB = 1e6;

/** Deterministic pseudo-random bytes (content does not change SHA-256 speed). */
function noise(n, seed) {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  for (let i = words.length * 4; i < n; i++) out[i] = i & 0xff;
  return out;
}

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The UI's path: every file through File.stream() into one TreeHasher. */
async function treeHasherStream(files) {
  const t = new TreeHasher();
  try {
    for (const [path, file] of files) {
      t.beginFile(path);
      const reader = file.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        t.update(value);
      }
      t.finishFile();
    }
    return t.finish();
  } finally {
    t.free();
  }
}

/** Pure hashing speed: bytes already in memory, fed in 1 MiB slices. */
function treeHasherMemory(entries) {
  const t = new TreeHasher();
  try {
    for (const [path, bytes] of entries) {
      t.beginFile(path);
      for (let i = 0; i < bytes.length; i += 1 << 20) t.update(bytes.subarray(i, i + (1 << 20)));
      t.finishFile();
    }
    return t.finish();
  } finally {
    t.free();
  }
}

/** The same tree hash with WebCrypto: one digest per file (WebCrypto cannot
 * stream, so each file is read whole), then the sorted records. */
async function webCryptoTree(files, read) {
  const records = [];
  for (const [path, file] of files) {
    records.push([path, hex(await crypto.subtle.digest('SHA-256', await read(file)))]);
  }
  const enc = new TextEncoder();
  const keyed = records.map(([p, h]) => [enc.encode(p), h]);
  keyed.sort((a, b) => {
    const n = Math.min(a[0].length, b[0].length);
    for (let i = 0; i < n; i++) if (a[0][i] !== b[0][i]) return a[0][i] - b[0][i];
    return a[0].length - b[0].length;
  });
  const parts = [];
  for (const [p, h] of keyed) parts.push(p, enc.encode(`\0${h}\n`));
  const all = new Uint8Array(await new Blob(parts).arrayBuffer());
  return hex(await crypto.subtle.digest('SHA-256', all));
}

/** Runs every method once per round, interleaved, so that load on the
 * machine hits all of them alike; keeps each method's best time. */
async function timed(runs, methods) {
  const out = {};
  for (const name of Object.keys(methods)) out[name] = { times: [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of Object.entries(methods)) {
      const t0 = performance.now();
      out[name].result = await fn();
      out[name].times.push((performance.now() - t0) / 1000);
    }
  }
  for (const m of Object.values(out)) m.best = Math.min(...m.times);
  return out;
}

async function bench({ largeBytes = 100 * MB, smallFiles = 5000, runs = 3 } = {}) {
  const big = noise(largeBytes, 42);
  const bigFile = new File([big], 'big.bin');
  const large = [['big.bin', bigFile]];

  const small = [];
  const smallMem = [];
  let smallBytes = 0;
  for (let i = 0; i < smallFiles; i++) {
    const size = 256 + ((i * 2654435761) >>> 0) % (8 * 1024 - 256); // 256 B .. 8 KiB
    const bytes = noise(size, i + 1);
    const path = `skills/s${String(i % 100).padStart(3, '0')}/f${i}.md`;
    small.push([path, new File([bytes], `f${i}.md`)]);
    smallMem.push([path, bytes]);
    smallBytes += size;
  }

  const fromFile = (f) => f.arrayBuffer();
  const r = {
    userAgent: navigator.userAgent,
    largeBytes,
    smallFiles,
    smallBytes,
    runs,
    large: await timed(runs, {
      wasmStream: () => treeHasherStream(large),
      webCryptoFile: () => webCryptoTree(large, fromFile),
      wasmMemory: () => treeHasherMemory([['big.bin', big]]),
      webCryptoMemory: () => webCryptoTree([['big.bin', big]], (b) => b),
    }),
    small: await timed(runs, {
      wasmStream: () => treeHasherStream(small),
      webCryptoFile: () => webCryptoTree(small, fromFile),
      wasmMemory: () => treeHasherMemory(smallMem),
      webCryptoMemory: () => webCryptoTree(smallMem, (b) => b),
    }),
  };
  // Every way of hashing must give the same tree hash.
  r.agree = [r.large, r.small].every((set) => new Set(Object.values(set).map((m) => m.result)).size === 1);
  return r;
}

try {
  await init();
  window.bench = bench;
  window.ready = true;
} catch (e) {
  window.loadError = e;
}
