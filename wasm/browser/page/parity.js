// The page side of the parity test: fetch every file of a tree over HTTP,
// wrap the bytes in `File` objects, and hash them the way the UI will —
// `File.stream()` chunks into `FileHasher` / `TreeHasher` — then run
// `discover` over the listing. parity.mjs compares the results with the
// native `skillmeat hash --json` and `skillmeat inspect --json`.

import init, { FileHasher, TreeHasher, discover, hashFile } from '/pkg/skillmeat_wasm.js';

/** Largest file discovery may read (the native host uses the same bound). */
const SMALL_FILE = 8 * 1024 * 1024;

function url(mount, rel) {
  return `/m/${mount}/` + rel.split('/').map(encodeURIComponent).join('/');
}

/** Fetched files by URL: trees that share files (tests/fixtures and each
 * fixture) fetch them once. */
const fetched = new Map();

async function fetchFile(mount, rel) {
  const u = url(mount, rel);
  if (!fetched.has(u)) {
    const r = await fetch(u);
    if (!r.ok) throw new Error(`${rel}: HTTP ${r.status} ${await r.text()}`);
    const bytes = new Uint8Array(await r.arrayBuffer());
    fetched.set(u, new File([bytes], rel.split('/').pop(), { type: 'application/octet-stream' }));
  }
  return fetched.get(u);
}

/** Feeds `file.stream()` to `sink` chunk by chunk; returns the chunk count. */
async function stream(file, sink) {
  const reader = file.stream().getReader();
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    sink(value);
    chunks += 1;
  }
}

async function fileDigest(file) {
  const h = new FileHasher();
  try {
    const chunks = await stream(file, (c) => h.update(c));
    return { hex: h.finish(), chunks };
  } finally {
    h.free();
  }
}

/** The tree hash of every file below `prefix` ('' for all), streamed. */
async function treeDigest(files, prefix) {
  const t = new TreeHasher();
  try {
    let fed = 0;
    for (const [rel, file] of files) {
      if (!rel.startsWith(prefix)) continue;
      t.beginFile(rel.slice(prefix.length));
      await stream(file, (c) => t.update(c));
      t.finishFile();
      fed += 1;
    }
    const hex = t.finish();
    return { hex, files: t.files, fed };
  } finally {
    t.free();
  }
}

/**
 * trees: [{ name, mount, base, rootName, files: [rel…], targets: [rel…] }]
 * A file `rel` of the tree is served at /m/<mount>/<base><rel>.
 * A target is a file of the tree, a folder ('' is the root) otherwise.
 */
async function parity(trees) {
  const out = [];
  for (const tree of trees) {
    const files = new Map();
    for (let i = 0; i < tree.files.length; i += 32) {
      const batch = tree.files.slice(i, i + 32);
      const got = await Promise.all(batch.map((rel) => fetchFile(tree.mount, tree.base + rel)));
      batch.forEach((rel, j) => files.set(rel, got[j]));
    }

    const digests = {};
    const small = new Map();
    let maxChunks = 0;
    for (const [rel, file] of files) {
      const d = await fileDigest(file);
      digests[rel] = d.hex;
      maxChunks = Math.max(maxChunks, d.chunks);
      if (file.size <= SMALL_FILE) small.set(rel, new Uint8Array(await file.arrayBuffer()));
    }
    const report = discover(tree.files, (p) => small.get(p), digests, tree.rootName);

    const hashes = [];
    for (const target of tree.targets) {
      const file = files.get(target);
      if (file) {
        const streamed = await fileDigest(file);
        const whole = hashFile(new Uint8Array(await file.arrayBuffer()));
        hashes.push({ target, kind: 'file', content_hash: streamed.hex, whole, files: 1 });
      } else {
        const d = await treeDigest(files, target === '' ? '' : `${target}/`);
        hashes.push({ target, kind: 'directory', content_hash: d.hex, files: d.files, fed: d.fed });
      }
    }
    // As text, so nothing between the page and Node reshapes it.
    out.push({ name: tree.name, report: JSON.stringify(report), hashes, maxChunks, read: files.size });
  }
  return out;
}

try {
  await init();
  window.parity = parity;
  window.ready = true;
} catch (e) {
  window.loadError = e;
}
