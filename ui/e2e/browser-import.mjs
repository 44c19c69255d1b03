// The browser's Import against a real `skillmeat serve` (a fresh temp home)
// in headless Debian Chromium (playwright-core). Run by `make browser` after
// browser.mjs; SKILLMEAT_BIN overrides target/debug/skillmeat.
//
// A copy of the guardrails fixture set on the Import view's directory input:
// the buckets equal `skillmeat preview --json`; Import uploads exactly the
// fixture's distinct bytes (the summary and /metrics' blob_upload_bytes_total
// agree) and the collection then holds what `skillmeat add` stores; the same
// folder again uploads 0 bytes; a copy with one changed file uploads exactly
// that file's bytes, and its conflict resolved with Keep leaves the current
// version pinned; Cancel during hashing leaves the server untouched (no
// upload, the list unchanged); a bundle zip chosen on its input imports as
// `skillmeat add` of it does, and a tampered one is refused with the CLI's
// message, nothing written. Screenshots of the preview and the upload
// summary go to docs/screenshots/ (BROWSER_SHOTS overrides the folder).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "../../wasm/browser/harness.mjs";
import { generateMarketplace } from "./marketplace.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.SKILLMEAT_BIN ?? join(ROOT, "target/debug/skillmeat");
const SHOTS = process.env.BROWSER_SHOTS ?? join(ROOT, "docs/screenshots");
const started = Date.now();
const step = (what) => console.log(`  ok  ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

const work = mkdtempSync(join(tmpdir(), "skillmeat-browser-import-"));
const env = { ...process.env, SKILLMEAT_HOME: join(work, "home") };
const cli = (...args) => execFileSync(BIN, args, { env, encoding: "utf8" });
const other = { ...process.env, SKILLMEAT_HOME: join(work, "by-cli") };

/** Every file below `dir`: path → bytes. */
function files(dir) {
  const out = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}
/** The bytes of the folder's distinct contents (each content once). */
function distinctBytes(dir) {
  const seen = new Map();
  for (const bytes of files(dir).values()) seen.set(createHash("sha256").update(bytes).digest("hex"), bytes.length);
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

/** `skillmeat serve` on an ephemeral loopback port. */
async function serve() {
  const child = spawn(BIN, ["serve", "--listen", "127.0.0.1:0"], { env, stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`no startup line in 30 s: ${out}`)), 30_000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) {
        clearTimeout(timer);
        ok(out);
      }
    });
    child.on("exit", (code) => fail(new Error(`skillmeat serve exited ${code}: ${out}`)));
  });
  const url = /http:\/\/\S+/.exec(line)?.[0];
  assert.ok(url, `no URL in ${line}`);
  const [origin, token] = url.split("/#token=");
  return { child, origin, token };
}

const server = await serve();
const browser = await launch();
const problems = [];

/** blob_upload_bytes_total of /metrics. */
async function uploadedBytes() {
  const r = await fetch(`${server.origin}/metrics`, { headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(r.status, 200);
  const m = /^blob_upload_bytes_total (\d+)/m.exec(await r.text());
  return m ? Number(m[1]) : 0;
}

const list = () => JSON.parse(cli("list", "--json")).items.map((a) => `${a.kind}:${a.name}@${a.content_hash}`).sort();

try {
  mkdirSync(SHOTS, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  // The main thread's long tasks (over 50 ms), for the page-never-freezes check.
  await context.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => window.__longTasks.push(...l.getEntries().map((e) => ({ start: e.startTime, ms: e.duration })))).observe({ type: "longtask", buffered: true });
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  const puts = [];
  // Every upload request: a PUT of one blob or a POST of a batch.
  page.on("request", (r) => (r.method() === "PUT" || (r.method() === "POST" && r.url().endsWith("/api/v1/blobs"))) && puts.push(r.url()));

  await page.goto(`${server.origin}/#token=${server.token}`);
  await page.locator('nav[aria-label="Main"] button', { hasText: "Import" }).click();
  const input = page.locator("input[name=import-folder]");
  await input.waitFor();

  const buckets = async () =>
    Object.fromEntries(
      await page.locator("[data-bucket]").evaluateAll((els) => els.map((e) => [e.dataset.bucket, Number(e.querySelector("strong").textContent)])),
    );
  const cliBuckets = (dir) => {
    const b = JSON.parse(cli("preview", dir, "--json")).plugins[0].buckets;
    return { new: b.new.length, existing: b.existing.length, conflict: b.conflict.length };
  };
  /** Sets `dir` on the input, waits for the preview; the buckets. */
  const choose = async (dir) => {
    await input.setInputFiles(dir);
    await page.locator(".plugin-preview").first().waitFor({ timeout: 60_000 });
    return buckets();
  };
  /** Import, waits for the summary: the bytes it says were uploaded. */
  const importNow = async () => {
    await page.locator(".actions button.primary").click();
    const line = page.locator("[data-field=upload-summary]");
    await line.waitFor({ timeout: 60_000 });
    return { uploaded: Number(await line.getAttribute("data-uploaded")), text: await line.textContent() };
  };

  // 1. A fresh server: everything NEW, every distinct byte uploaded.
  const folder = join(work, "guardrails");
  cpSync(join(ROOT, "tests/fixtures/guardrails"), folder, { recursive: true });
  const expected = cliBuckets(folder);
  const now = () => page.evaluate(() => performance.now());
  const chosenAt = await now();
  assert.deepEqual(await choose(folder), expected);
  const previewAt = await now();
  await page.screenshot({ path: join(SHOTS, "browser-import-preview.png") });
  step(`preview: buckets ${JSON.stringify(expected)} = skillmeat preview`);

  const bytes = distinctBytes(folder);
  const importAt = await now();
  const first = await importNow();
  // From the choice to the preview (hash, discover, plan) and from Import to
  // the summary (upload, import, follow), not the screenshot between: no
  // main-thread task over 100 ms.
  const long = await page.evaluate(
    ([a, b, c]) => window.__longTasks.filter((e) => (e.start >= a && e.start < b) || e.start >= c),
    [chosenAt, previewAt, importAt],
  );
  assert.equal(first.uploaded, bytes, first.text);
  assert.equal(await uploadedBytes(), bytes);
  assert.match(first.text, /^uploaded .* of .*; 0% already on the server$/);
  await page.locator("li[data-plugin=guardrails] [data-count=imported]").waitFor();
  await page.screenshot({ path: join(SHOTS, "browser-upload-summary.png") });
  execFileSync(BIN, ["add", folder], { env: other });
  const byCli = JSON.parse(execFileSync(BIN, ["list", "--json"], { env: other, encoding: "utf8" }))
    .items.map((a) => `${a.kind}:${a.name}@${a.content_hash}`)
    .sort();
  assert.deepEqual(list(), byCli);
  // The File API has no mode bits: a script (#!) is imported executable.
  const stored = join(env.SKILLMEAT_HOME, "collections/default/artifacts");
  const scripts = [...files(stored).keys()].filter((p) => p.endsWith("check.py"));
  assert.ok(scripts.length > 0, "hooks/check.py is stored");
  for (const p of scripts) assert.equal(statSync(join(stored, p)).mode & 0o100, 0o100, `${p} is executable`);
  assert.deepEqual(long.filter((e) => e.ms > 100), [], JSON.stringify(long));
  step(`Import: uploaded ${first.uploaded} bytes = the fixture's distinct bytes = /metrics; "${first.text}"; the collection = skillmeat add's; check.py executable; no main-thread task over 100 ms (longest ${Math.max(0, ...long.map((e) => e.ms)).toFixed(0)} ms)`);

  // 2. The same folder again: nothing uploaded.
  assert.deepEqual(await choose(folder), { new: 0, existing: expected.new, conflict: 0 });
  const again = await importNow();
  assert.equal(again.uploaded, 0, again.text);
  assert.equal(await uploadedBytes(), bytes);
  assert.match(again.text, /100% already on the server$/);
  step(`re-import: 0 bytes uploaded ("${again.text}")`);

  // 3. One file changed: only it is uploaded; its conflict kept.
  const changed = "skills/guard-rules/SKILL.md";
  const text = `${readFileSync(join(folder, changed), "utf8")}\nOne more rule: say what was measured.\n`;
  appendFileSync(join(folder, changed), "\nOne more rule: say what was measured.\n");
  const before = list();
  const current = JSON.parse(cli("show", "skill:guard-rules", "--json")).content_hash;
  assert.deepEqual(await choose(folder), { new: 0, existing: expected.new - 1, conflict: 1 });
  const conflict = page.locator("[data-conflict=guard-rules]");
  await conflict.locator("button", { hasText: "View diff" }).click();
  await conflict.locator(".diff pre[aria-label=incoming]", { hasText: "One more rule" }).waitFor();
  await conflict.locator('input[value="keep"]').check();
  const third = await importNow();
  assert.equal(third.uploaded, Buffer.byteLength(text), third.text);
  assert.equal(await uploadedBytes(), bytes + Buffer.byteLength(text));
  assert.equal(JSON.parse(cli("show", "skill:guard-rules", "--json")).content_hash, current);
  assert.match(await page.locator(".summary .ok").textContent(), /match the preview/);
  // The children as they were (the plugin itself has a new version: its files changed).
  const children = (l) => l.filter((a) => !a.startsWith("composite:"));
  assert.deepEqual(children(list()), children(before));
  assert.notDeepEqual(list(), before);
  step(`a changed copy uploads exactly the changed file (${third.uploaded} bytes); Keep leaves guard-rules at ${current.slice(0, 12)}`);

  // 4. Cancel while hashing: nothing reaches the server.
  const market = join(work, "marketplace");
  generateMarketplace(market, 150);
  const putsBefore = puts.length;
  const listed = list();
  await input.setInputFiles(market);
  await page.locator("[data-field=hash-progress][data-state=hashing]").waitFor();
  await page.locator("button[name=cancel]").click();
  await page.locator("[role=alert]", { hasText: "Cancelled: nothing was sent" }).waitFor();
  assert.equal(puts.length, putsBefore);
  assert.equal(await uploadedBytes(), bytes + Buffer.byteLength(text));
  assert.deepEqual(list(), listed);
  assert.equal(await page.locator(".plugin-preview").count(), 0);
  step("Cancel during hashing: no upload, the collection unchanged");

  // 5. A marketplace with 2 of its 6 plugins selected: only those 2 arrive,
  // and only their files' bytes (and the marketplace's manifest) are uploaded.
  const six = join(work, "market6");
  generateMarketplace(six, 6);
  const picked = ["gen-001", "gen-004"];
  await input.setInputFiles(six);
  await page.locator(".picker-totals [data-total=plugins]", { hasText: /^6$/ }).waitFor({ timeout: 60_000 });
  await page.locator(".picker .toolbar button", { hasText: "None" }).click();
  for (const name of picked) await page.locator(`input[name=pick-plugin][value=${name}]`).check();
  await page.locator(".actions button.primary", { hasText: "Import selected (2)" }).waitFor();
  const uploadedBefore = await uploadedBytes();
  const sent = await importNow();
  const needed = new Map();
  for (const [path, data] of files(six)) {
    if (path === ".claude-plugin/marketplace.json" || picked.some((n) => path.startsWith(`plugins/${n}/`))) {
      needed.set(createHash("sha256").update(data).digest("hex"), data.length);
    }
  }
  const neededBytes = [...needed.values()].reduce((a, b) => a + b, 0);
  assert.equal(sent.uploaded, neededBytes, sent.text);
  assert.equal((await uploadedBytes()) - uploadedBefore, neededBytes);
  const r = await fetch(`${server.origin}/api/v1/artifacts?artifact_type=composite`, { headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(r.status, 200);
  const plugins = (await r.json()).items.map((a) => a.name).sort();
  assert.deepEqual(plugins, ["gen-001", "gen-004", "guardrails"]);
  step(`marketplace of 6, 2 selected: only ${picked.join(", ")} imported (the API lists ${plugins.join(", ")}); uploaded ${sent.uploaded} bytes = their files' + the manifest's (/metrics agrees)`);

  // 6. A dropped folder (DataTransferItem.webkitGetAsEntry): Chromium gives
  // a script no real directory entry, so the drop event carries entries
  // built in the page over the fixture's bytes; the page walks them with
  // directory readers as it walks a real drop.
  const fixture = join(ROOT, "tests/fixtures/guardrails");
  const dropped = Object.fromEntries([...files(fixture)].map(([p, b]) => [p, b.toString("base64")]));
  await page.evaluate(
    ({ name, files }) => {
      const dir = (dirName, prefix) => {
        const names = new Set(Object.keys(files).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split("/")[0]));
        const children = [...names].map((n) =>
          Object.keys(files).includes(prefix + n)
            ? { name: n, isDirectory: false, isFile: true, file: (ok) => ok(new File([Uint8Array.from(atob(files[prefix + n]), (c) => c.charCodeAt(0))], n)) }
            : dir(n, `${prefix}${n}/`),
        );
        return {
          name: dirName,
          isDirectory: true,
          isFile: false,
          createReader: () => {
            // Two batches, then an empty one: as Chromium answers a large folder.
            const batches = [children.slice(0, 1), children.slice(1), []];
            return { readEntries: (ok) => ok(batches.shift() ?? []) };
          },
        };
      };
      const root = dir(name, "");
      const drop = new Event("drop", { bubbles: true, cancelable: true });
      Object.defineProperty(drop, "dataTransfer", { value: { items: [{ webkitGetAsEntry: () => root }], files: [], types: ["Files"] } });
      document.querySelector(".dropzone").dispatchEvent(drop);
    },
    { name: "guardrails", files: dropped },
  );
  await page.locator(".plugin-preview").first().waitFor({ timeout: 60_000 });
  assert.deepEqual(await buckets(), cliBuckets(fixture));
  const hashedLine = await page.locator("[data-field=hashed]").textContent();
  assert.ok(hashedLine.startsWith(`guardrails: ${files(fixture).size} files`), hashedLine);
  step(`a dropped folder (webkitGetAsEntry, synthetic drop): ${files(fixture).size} files hashed, buckets = skillmeat preview`);

  // 7. A bundle zip: uploaded as one blob, previewed and imported by the
  // server, which opens and verifies it as `skillmeat add` does. gen-002,
  // exported by the CLI in another home: the preview's buckets are
  // `skillmeat preview`'s, and it arrives as it was exported; a tampered
  // copy is refused with the message `skillmeat add` gives, nothing written.
  const gen2 = (l) => l.filter((a) => a.startsWith("composite:gen-002@"));
  const elsewhere = { ...process.env, SKILLMEAT_HOME: join(work, "bundle-home") };
  const there = (...args) => execFileSync(BIN, args, { env: elsewhere, encoding: "utf8" });
  there("add", six, "--plugin", "gen-002");
  const zip = join(work, "gen-002.zip");
  there("export", "gen-002", "-o", zip);
  const zipBytes = readFileSync(zip);
  const bundleBefore = await uploadedBytes();
  await page.locator("input[name=import-bundle]").setInputFiles(zip);
  // The server's preview of the zip: the buckets `skillmeat preview` gives.
  await page.locator("[data-field=bundle]").waitFor({ timeout: 60_000 });
  assert.deepEqual(await buckets(), cliBuckets(zip));
  assert.equal((await uploadedBytes()) - bundleBefore, zipBytes.length);
  assert.equal(gen2(list()).length, 0, "nothing imported before Import");
  await page.locator(".actions button.primary").click();
  await page.locator(`[data-field=upload-summary][data-uploaded="${zipBytes.length}"]`).waitFor({ timeout: 60_000 });
  assert.equal((await uploadedBytes()) - bundleBefore, zipBytes.length);

  const theirList = JSON.parse(there("list", "--json")).items.map((a) => `${a.kind}:${a.name}@${a.content_hash}`);
  assert.deepEqual(gen2(list()), gen2(theirList));
  assert.equal(gen2(list()).length, 1);

  const tamperedZip = Buffer.from(zipBytes);
  const atName = tamperedZip.lastIndexOf("gen-002");
  assert.ok(atName > 0);
  tamperedZip[atName] = "G".charCodeAt(0);
  const badZip = join(work, "tampered.zip");
  writeFileSync(badZip, tamperedZip);
  let refusedWhy = "";
  try {
    execFileSync(BIN, ["add", badZip], { env: elsewhere, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    assert.fail("skillmeat add took the tampered bundle");
  } catch (e) {
    assert.equal(e.status, 1, String(e.stderr));
    refusedWhy = String(e.stderr).trim().replace(`skillmeat: error: ${badZip}: `, "");
  }
  const markProblems = problems.length;
  const listedBeforeBad = list();
  await page.locator("input[name=import-bundle]").setInputFiles(badZip);
  const refusal = page.locator("[role=alert]", { hasText: `tampered.zip: ${refusedWhy}` });
  await refusal.waitFor({ timeout: 60_000 });
  assert.deepEqual(list(), listedBeforeBad);
  // The refusal is a 400, which Chromium also logs: expected here.
  const refusedLogs = problems.splice(markProblems);
  assert.ok(refusedLogs.length > 0 && refusedLogs.every((p) => p.includes("400")), refusedLogs.join("\n"));
  step(`a bundle zip (${zipBytes.length} bytes, one blob): previewed as skillmeat preview of it, imported as skillmeat add of it; a tampered one is refused: "tampered.zip: ${refusedWhy}"`);

  assert.deepEqual(problems, []);
  console.log(`browser import: 8 passed, 0 failed (${((Date.now() - started) / 1000).toFixed(1)} s, Chromium ${browser.version()})`);
} finally {
  await browser.close();
  server.child.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
