// Shared by parity.mjs and bench.mjs: a static HTTP server on 127.0.0.1 and
// headless Debian Chromium driven by playwright-core (never a downloaded
// browser).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');

export const CHROMIUM = process.env.SKILLMEAT_CHROMIUM || '/usr/bin/chromium';
// The network is closed and the machine runs as root: without these flags
// Chromium stalls on background fetches or refuses to start.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Serves `/page/*` (this folder's page/), `/pkg/*` (wasm/pkg) and
 * `/m/<mount>/<path>` for each mounted folder. Path segments are
 * percent-decoded; `..`, empty and `.` segments are refused. Reading a file
 * follows symlinks, so an in-tree link is served as its target's bytes, as
 * the native hash reads it.
 */
export async function serve(mounts = {}) {
  const roots = {
    page: path.join(here, 'page'),
    pkg: path.join(repo, 'wasm/pkg'),
  };
  const server = http.createServer((req, res) => {
    const fail = (code, msg) => {
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(msg);
    };
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      const segs = url.pathname.split('/').slice(1).map(decodeURIComponent);
      let base;
      if (segs[0] === 'm') {
        base = mounts[segs[1]];
        segs.splice(0, 2);
      } else {
        base = roots[segs[0]];
        segs.splice(0, 1);
      }
      if (!base) return fail(404, `no such mount: ${url.pathname}`);
      if (segs.length === 0 || segs.some((s) => s === '' || s === '.' || s === '..' || s.includes('/'))) {
        return fail(400, `bad path: ${url.pathname}`);
      }
      const file = path.join(base, ...segs);
      fs.stat(file, (err, st) => {
        if (err || !st.isFile()) return fail(404, `not a file: ${url.pathname}`);
        res.writeHead(200, {
          'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
          'content-length': st.size,
          'cache-control': 'no-store',
        });
        fs.createReadStream(file).pipe(res);
      });
    } catch (e) {
      fail(400, String(e));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Headless Debian Chromium (also used by ui/e2e/browser.mjs). */
export async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (make setup)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** Headless Chromium with one page open at `url`, once `window.ready` is set. */
export async function openPage(url) {
  const browser = await launch();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(new Error(m.text()));
  });
  await page.goto(url);
  await page.waitForFunction(() => window.ready === true || window.loadError, null, { timeout: 60_000 });
  const loadError = await page.evaluate(() => window.loadError && String(window.loadError));
  if (loadError) throw new Error(`page failed to load: ${loadError}`);
  const version = browser.version();
  return { browser, page, errors, version };
}

/** The package must be built first. */
export function requirePkg() {
  const js = path.join(repo, 'wasm/pkg/skillmeat_wasm.js');
  if (!fs.existsSync(js)) {
    throw new Error(`${js} is missing: run \`make wasm\` first`);
  }
}
