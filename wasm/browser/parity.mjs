// Parity of the wasm package in real headless Chromium with the native CLI.
//
// For every tree — tests/fixtures as a whole, each fixture, and a generated
// tree with unicode names, a symlink, a multi-megabyte file and excluded
// files — the page (page/parity.js) fetches every file over HTTP, hashes it
// through `File.stream()` chunks, and hashes the tree root, every plugin
// root and every child path that `skillmeat inspect --json` reports. Each
// hash must equal `skillmeat hash --json` on the same path, and the page's
// `discover` must give exactly the JSON of `skillmeat inspect --json`.
//
// Usage: node parity.mjs   (after `make wasm` and `cargo build -p skillmeat`;
// SKILLMEAT_BIN overrides the binary, default target/debug/skillmeat)

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPage, repo, requirePkg, serve } from './harness.mjs';

const BIN = process.env.SKILLMEAT_BIN || path.join(repo, 'target/debug/skillmeat');

function cli(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** Every regular file below `root`, relative, `/`-separated. Symlinks are
 * followed (stat), like the native reader does for in-tree links. Excluded
 * names are listed too: the wasm side must drop them itself. */
function walk(root) {
  const out = [];
  const rec = (dir, rel) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.statSync(abs);
      if (st.isDirectory()) rec(abs, r);
      else if (st.isFile()) out.push(r);
      else throw new Error(`${abs}: not a regular file or folder`);
    }
  };
  rec(root, '');
  return out;
}

function joinRel(a, b) {
  const parts = [a, b].filter((p) => p && p !== '.');
  return parts.join('/');
}

/** Deterministic pseudo-random bytes. */
function noise(n, seed) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A heuristic plugin (no manifest) full of awkward names. */
function generatedTree() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skillmeat-parity-'));
  const root = path.join(base, 'unicode-pl\u00fcgin');
  const put = (rel, content) => {
    const abs = path.join(root, ...rel.split('/'));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  };
  put('README.md', '# A generated plugin\n');
  put('skills/caf\u00e9/SKILL.md', '---\nname: caf\u00e9\ndescription: NFC name\n---\nBody\n');
  put('skills/cafe\u0301-nfd/SKILL.md', '---\nname: cafe\u0301-nfd\ndescription: NFD [a] | [b]\n---\n');
  put('skills/\u65e5\u672c\u8a9e/SKILL.md', '---\nname: \u65e5\u672c\u8a9e\n---\n\u672c\u6587\n');
  put('skills/\u65e5\u672c\u8a9e/\u53c2\u8003/\u30e1\u30e2.md', '\u30e1\u30e2\n');
  put('skills/\u65e5\u672c\u8a9e/node_modules/dep/index.js', 'module.exports = 1;\n');
  put('skills/caf\u00e9/.DS_Store', noise(64, 1));
  put('skills/caf\u00e9/.gitkeep', '');
  put('commands/\uff46.md', 'U+FF46: three UTF-8 bytes, one UTF-16 unit\n');
  put('commands/\u{1f600}.md', 'U+1F600: four UTF-8 bytes, a surrogate pair\n');
  put('commands/100% done #1?.md', 'characters that mean something in a URL\n');
  put('agents/na\u00efve.md', '---\nname: na\u00efve\ndescription: an agent\n---\n');
  put(
    'hooks/hooks.json',
    JSON.stringify({
      hooks: {
        SessionStart: [{ hooks: [{ type: 'command', command: '${CLAUDE_PLUGIN_ROOT}/scripts/start-\u2713.sh' }] }],
      },
    }),
  );
  put('scripts/start-\u2713.sh', '#!/bin/sh\necho ok\n');
  put('assets/big.bin', noise(3 * 1024 * 1024 + 17, 7)); // many File.stream() chunks
  put('assets/empty.txt', '');
  put('docs/a b/c d.md', 'spaces\n');
  put('docs/distance.md', 'not excluded: "dist" is matched as a whole name only\n');
  put('docs/swp.md', 'not excluded\n');
  put('docs/.gitkeeper', 'not excluded\n');
  put('building.md', 'not excluded\n');
  put('my.git/config', 'not excluded\n');
  fs.symlinkSync('../README.md', path.join(root, 'docs/link.md'));
  // Excluded, at several depths.
  put('node_modules/left-pad/index.js', 'module.exports = 2;\n');
  put('.git/HEAD', 'ref: refs/heads/main\n');
  put('.git/objects/ab/cdef', noise(100, 2));
  put('__pycache__/m.cpython-312.pyc', noise(50, 3));
  put('.venv/bin/activate', '# venv\n');
  put('dist/bundle.js', 'bundle\n');
  put('build/out.o', noise(10, 4));
  put('Thumbs.db', noise(10, 5));
  put('docs/notes.swp', 'swap\n');
  put('docs/notes.swo', 'swap\n');
  put('docs/draft.tmp', 'tmp\n');
  put('docs/backup.md~', 'backup\n');
  put('docs/~$report.docx', 'lock\n');
  put('docs/.#lock.md', 'emacs lock\n');
  return { base, root };
}

async function main() {
  requirePkg();
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`cargo build -p skillmeat\` first`);
  const fixtures = path.join(repo, 'tests/fixtures');
  const generated = generatedTree();
  const mounts = { fixtures, generated: generated.root };
  const trees = [
    { name: 'tests/fixtures', root: fixtures, mount: 'fixtures', base: '' },
    { name: 'superpowers', root: path.join(fixtures, 'superpowers'), mount: 'fixtures', base: 'superpowers/' },
    { name: 'wshobson-agents', root: path.join(fixtures, 'wshobson-agents'), mount: 'fixtures', base: 'wshobson-agents/' },
    { name: 'generated', root: generated.root, mount: 'generated', base: '', generated: true },
  ];
  const specs = [];
  for (const tree of trees) {
    tree.files = walk(tree.root);
    tree.inspect = cli('inspect', '--json', tree.root);
    const report = JSON.parse(tree.inspect);
    const targets = new Set(['']);
    for (const p of report.plugins) {
      targets.add(joinRel('', p.root));
      for (const c of p.children) targets.add(joinRel(p.root, c.path));
    }
    tree.targets = [...targets];
    const abs = tree.targets.map((t) => (t ? path.join(tree.root, ...t.split('/')) : tree.root));
    const hashed = JSON.parse(cli('hash', '--json', ...abs));
    if (hashed.length !== abs.length) throw new Error(`${tree.name}: skillmeat hash printed ${hashed.length} of ${abs.length}`);
    tree.expected = new Map();
    hashed.forEach((h, j) => {
      if (h.path !== abs[j]) throw new Error(`${tree.name}: skillmeat hash answered ${h.path} for ${abs[j]}`);
      tree.expected.set(tree.targets[j], h);
    });
    specs.push({
      name: tree.name,
      mount: tree.mount,
      base: tree.base,
      rootName: path.basename(tree.root),
      files: tree.files,
      targets: tree.targets,
    });
  }

  const server = await serve(mounts);
  let browser;
  const failures = [];
  const fail = (msg) => failures.push(msg);
  let compared = 0;
  try {
    const opened = await openPage(`${server.origin}/page/parity.html`);
    browser = opened.browser;
    const started = Date.now();
    const results = await opened.page.evaluate((t) => window.parity(t), specs);
    const seconds = (Date.now() - started) / 1000;
    for (const e of opened.errors) fail(`page error: ${e.message}`);

    for (const [i, tree] of trees.entries()) {
      const got = results[i];
      if (got.read !== tree.files.length) fail(`${tree.name}: page read ${got.read} of ${tree.files.length} files`);
      const want = JSON.stringify(JSON.parse(tree.inspect));
      if (got.report !== want) {
        fail(`${tree.name}: discover() differs from skillmeat inspect --json\n  page: ${got.report.slice(0, 400)}…\n  cli:  ${want.slice(0, 400)}…`);
      }
      compared += 1;
      for (const h of got.hashes) {
        const e = tree.expected.get(h.target);
        const label = `${tree.name}: ${h.target || '(root)'}`;
        if (!e) {
          fail(`${label}: no native hash`);
          continue;
        }
        if (h.kind !== e.kind) fail(`${label}: page hashed a ${h.kind}, skillmeat hash a ${e.kind}`);
        if (h.content_hash !== e.content_hash) fail(`${label}: page ${h.content_hash} != native ${e.content_hash}`);
        if (h.files !== e.files) fail(`${label}: page counted ${h.files} files, native ${e.files}`);
        if (h.kind === 'file' && h.whole !== h.content_hash) fail(`${label}: hashFile ${h.whole} != streamed ${h.content_hash}`);
        compared += 1;
      }
      if (got.hashes.length !== tree.targets.length) fail(`${tree.name}: ${got.hashes.length} of ${tree.targets.length} targets hashed`);
      if (tree.generated) {
        const root = got.hashes.find((h) => h.target === '');
        // Excluded files were fed to the wasm hasher and dropped by it.
        if (!(root && root.fed > root.files)) fail(`${tree.name}: no excluded file reached the wasm hasher`);
        if (!(got.maxChunks > 1)) fail(`${tree.name}: no file was streamed in more than one chunk`);
      }
    }
    const targets = trees.reduce((n, t) => n + t.targets.length, 0);
    const files = trees.reduce((n, t) => n + t.files.length, 0);
    if (failures.length === 0) {
      console.log(
        `wasm parity: ${compared} comparisons, all equal — ${targets} paths hashed through File.stream() ` +
          `(${files} files, ${trees.length} discover() reports) in Chromium ${opened.version}, ${seconds.toFixed(1)} s`,
      );
    }
  } finally {
    if (browser) await browser.close();
    await server.close();
    fs.rmSync(generated.base, { recursive: true, force: true });
  }
  if (failures.length) {
    console.error(`wasm parity: ${failures.length} failures`);
    for (const f of failures.slice(0, 50)) console.error(`  ${f}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
