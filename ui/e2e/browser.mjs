// The UI in a real browser: headless Debian Chromium (playwright-core, the
// harness of wasm/browser) against a real `skillmeat serve` on a temp home
// with the guardrails fixture added by the CLI. `make browser` (after
// `make ui-build`); SKILLMEAT_BIN overrides target/debug/skillmeat (a debug
// build reads ui/dist at run time).
//
// Opened at /#token=…: the token leaves the address bar; the Collection
// lists what `skillmeat list --json` lists; Detail shows Contains and Part of
// and navigates between them; an app path (/some/route) loads the same app;
// Deploy (on loopback) writes into a temp project; Export downloads the same
// bytes as `skillmeat export`; a wrong token shows the prompt and the pasted
// right one recovers. /folder.html hashes a folder set on its directory
// input in a Web Worker: every file's hash and the tree hash equal `skillmeat
// hash`, discovery finds what `skillmeat inspect` finds, and no main-thread
// task takes over 100 ms, for the guardrails fixture and a generated
// 300-plugin marketplace (ui/e2e/marketplace.mjs, timed); Cancel stops it.
// No page error and no CSP violation anywhere.
// Screenshots: target/browser-e2e/.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "../../wasm/browser/harness.mjs";
import { generateMarketplace } from "./marketplace.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.SKILLMEAT_BIN ?? join(ROOT, "target/debug/skillmeat");
const SHOTS = join(ROOT, "target/browser-e2e");
const started = Date.now();

const work = mkdtempSync(join(tmpdir(), "skillmeat-browser-"));
const env = { ...process.env, SKILLMEAT_HOME: join(work, "home") };
const cli = (...args) => execFileSync(BIN, args, { env, encoding: "utf8" });
cli("add", join(ROOT, "tests/fixtures/guardrails"));
const listed = JSON.parse(cli("list", "--json")).items;
const plugin = JSON.parse(cli("show", "guardrails", "--json"));
const exported = JSON.parse(cli("export", "guardrails", "-o", join(work, "cli.zip"), "--json"));

/** `skillmeat serve` on an ephemeral loopback port: its origin and token. */
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
/** A fresh tab (its own sessionStorage); page errors and console errors are collected. */
async function tab(allow = () => false) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400 && !allow(`${r.status()} ${r.url()}`)) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error" && !allow(m.text())) problems.push(`console: ${m.text()}`);
  });
  return page;
}
/** Sets `dir` on /folder.html's directory input and waits for the worker's
 * result. `strict`: no main-thread task over 100 ms (the change handler and
 * every task after it). Long tasks are wall-clock: on a loaded machine a
 * big folder's figures are printed, not asserted. */
async function hashFolderIn(page, dir, strict) {
  await page.locator("input[name=folder]").setInputFiles(dir);
  await page.locator("[data-field=progress][data-state=done]").waitFor({ timeout: 120_000 });
  const tasks = page.locator("[data-field=long-tasks]");
  if (strict) {
    const why = await tasks.textContent();
    assert.equal(await tasks.getAttribute("data-over100"), "0", why);
    assert.ok(Number(await tasks.getAttribute("data-handler-ms")) <= 100, why);
  }
  return {
    tree: await page.locator("[data-field=tree]").textContent(),
    treeFiles: Number(await page.locator("[data-field=tree-files]").textContent()),
    ms: Number(await page.locator("[data-field=progress]").getAttribute("data-ms")),
    progress: await page.locator("[data-field=progress]").textContent(),
    mainThread: await page.locator("[data-field=long-tasks]").textContent(),
  };
}
const texts = (page, selector) => page.locator(selector).allTextContents();
const step = (what) => console.log(`  ok  ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

try {
  mkdirSync(SHOTS, { recursive: true });
  const page = await tab();
  await page.goto(`${server.origin}/#token=${server.token}`);
  await page.locator("table.artifacts").waitFor({ timeout: 30_000 });
  assert.ok(!page.url().includes(server.token), `the token is still in the address bar: ${page.url()}`);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("skillmeat-token")), server.token);
  const names = (await texts(page, "table.artifacts tbody tr td:first-child")).map((t) => t.replace(/^\S+\s+/, "").trim());
  assert.deepEqual(names, listed.map((a) => a.name));
  assert.deepEqual(await texts(page, 'nav[aria-label="Main"] button'), ["Collection", "Updates", "Import", "Deploy", "Project", "Export"]);
  await page.screenshot({ path: join(SHOTS, "collection.png") });
  step(`Collection lists the ${names.length} artifacts of skillmeat list; the token left the URL; Import, and Deploy and Project on loopback`);

  // Detail: Contains → a child → Part of → back to the plugin.
  // (the plugin and its hook are both named guardrails)
  await page.getByRole("button", { name: "Plugin guardrails" }).click();
  await page.locator("h2#detail-title", { hasText: `guardrails ${plugin.version}` }).waitFor();
  assert.equal(await page.locator("#tab-contains").getAttribute("aria-selected"), "true");
  const children = await texts(page, "table.contains tbody tr td:nth-child(2)");
  assert.deepEqual(children.sort(), plugin.children.map((c) => c.artifact_name).sort());
  await page.screenshot({ path: join(SHOTS, "detail.png") });
  const child = plugin.children.find((c) => c.artifact_name !== "guardrails").artifact_name;
  await page.locator("table.contains button.link", { hasText: child }).click();
  await page.locator("h2#detail-title", { hasText: child }).waitFor();
  assert.deepEqual(
    (await texts(page, "section.part-of li")).map((t) => t.split(/\s+/).slice(1, 2).join("")),
    ["guardrails"],
  );
  await page.locator("section.part-of button", { hasText: "Open" }).click();
  await page.locator("h2#detail-title", { hasText: `guardrails ${plugin.version}` }).waitFor();
  step(`Detail: Contains lists the ${children.length} children; ${child} is Part of guardrails; Open goes back`);

  // Deploy into a temp project, through the server.
  const project = join(work, "project");
  mkdirSync(project);
  await page.locator(".actions button", { hasText: "Deploy…" }).click();
  await page.locator('input[name="deploy-project"]').fill(project);
  await page.locator("button", { hasText: "Plan (dry run)" }).click();
  await page.locator("section.plan").waitFor();
  await page.locator("button", { hasText: "Confirm deploy" }).click();
  const deployed = await page.locator("section.result [role=status]").textContent();
  assert.match(deployed, new RegExp(`Deployed guardrails \\(\\d+ artifacts\\) to ${project}`));
  const status = JSON.parse(cli("status", "--project", project, "--json"));
  assert.ok(status.items.length > 0 && status.items.every((i) => i.status === "ok"), JSON.stringify(status));
  step(`Deploy: ${status.items.length} artifacts deployed into the project, all ok by skillmeat status`);

  // Export: the download is the CLI's bundle, byte for byte (reproducible zips).
  await page.locator('nav[aria-label="Main"] button', { hasText: "Export" }).click();
  await page.locator('input[name="export-name"]').fill("guardrails");
  assert.equal(await page.locator('input[name="export-out"]').count(), 0);
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("button", { hasText: "Download bundle" }).click()]);
  const saved = join(work, "download.zip");
  await download.saveAs(saved);
  const bytes = readFileSync(saved);
  assert.equal(download.suggestedFilename(), `guardrails-${plugin.version}.zip`);
  assert.equal(createHash("sha256").update(bytes).digest("hex"), exported.content_hash);
  assert.equal(await page.locator('code[data-field="hash"]').textContent(), exported.content_hash);
  assert.match(await page.locator(".export-result").textContent(), new RegExp(`${exported.files} \\(${exported.bytes} bytes\\)`));
  step(`Export: downloaded ${download.suggestedFilename()}, ${bytes.length} bytes, the same SHA-256 as skillmeat export`);

  // An app path is the same app (index.html, assets from /assets/).
  await page.goto(`${server.origin}/some/route`);
  await page.locator("table.artifacts").waitFor();
  step("/some/route loads the app (the tab's token kept)");

  // A wrong token: the prompt; the right one pasted: the collection.
  const wrong = await tab((text) => text.includes("401"));
  await wrong.goto(`${server.origin}/#token=${"0".repeat(64)}`);
  await wrong.locator("form.token-prompt").waitFor();
  assert.match(await wrong.locator("form.token-prompt [role=alert]").textContent(), /refused the token \(wrong token\)/);
  assert.equal(await wrong.locator("table.artifacts").count(), 0);
  await wrong.screenshot({ path: join(SHOTS, "token.png") });
  await wrong.locator('input[name="token"]').fill(server.token);
  await wrong.locator('form.token-prompt button[type="submit"]').click();
  await wrong.locator("table.artifacts").waitFor();
  assert.equal(await wrong.locator("form.token-prompt").count(), 0);
  assert.equal(await wrong.evaluate(() => sessionStorage.getItem("skillmeat-token")), server.token);
  step("a wrong token shows the prompt; the pasted right one lists the collection");

  // /api/docs: the page's script reads the OpenAPI description with the
  // tab's token and draws every operation and schema (no CDN: the CSP
  // allows nothing else).
  const docs = await tab();
  await docs.goto(`${server.origin}/api/docs#token=${server.token}`);
  await docs.locator("section#associations h3").waitFor({ timeout: 30_000 });
  assert.ok(!docs.url().includes(server.token), docs.url());
  const api = await (await fetch(`${server.origin}/api/v1/openapi.json`, { headers: { Authorization: `Bearer ${server.token}` } })).json();
  const operations = Object.values(api.paths).flatMap((item) => Object.keys(item).filter((m) => ["get", "put", "post", "delete", "patch"].includes(m)));
  assert.equal(await docs.locator("#doc section.op h3 .method").count(), operations.length);
  assert.equal(await docs.locator("#doc section[id^=schema-]").count(), Object.keys(api.components.schemas).length);
  assert.match(await docs.locator("section#associations h3").textContent(), /^GET\/api\/v1\/artifacts\/\{id\}\/associations$/);
  step(`/api/docs: ${operations.length} operations and ${Object.keys(api.components.schemas).length} schemas drawn from openapi.json with the tab's token`);

  // /folder.html: a folder hashed in the worker, checked against the CLI.
  const hashing = await tab();
  await hashing.goto(`${server.origin}/folder.html`);
  const fixture = join(ROOT, "tests/fixtures/guardrails");
  const hashed = await hashFolderIn(hashing, fixture, true);
  const rows = await hashing.locator("table.files tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.dataset.path, tr.dataset.sha256]));
  const cliHashes = JSON.parse(cli("hash", "--json", fixture, ...rows.map(([p]) => join(fixture, p))));
  assert.equal(hashed.tree, cliHashes[0].content_hash);
  assert.equal(hashed.treeFiles, cliHashes[0].files);
  assert.deepEqual(rows, cliHashes.slice(1).map((h, i) => [rows[i][0], h.content_hash]));
  const inspected = JSON.parse(cli("inspect", "--json", fixture)).plugins.map((p) => `${p.name}: ${p.children.length} children`);
  assert.deepEqual(await texts(hashing, "[data-field=plugins] li"), inspected);
  await hashing.screenshot({ path: join(SHOTS, "folder-hashed.png") });
  step(`/folder.html: ${rows.length} files hashed in the worker, each and the tree (${hashed.tree.slice(0, 12)}) equal skillmeat hash; discover = skillmeat inspect; no main-thread task over 100 ms`);

  // A file over 8 MiB goes to the worker in parts through a FileHasher:
  // its hash and the tree's are still the CLI's.
  const streamed = join(work, "streamed");
  mkdirSync(join(streamed, "skills/huge"), { recursive: true });
  writeFileSync(join(streamed, "skills/huge/SKILL.md"), "---\nname: huge\ndescription: A skill with a large asset.\n---\nUse it.\n");
  const huge = Buffer.alloc(9 * 1024 * 1024 + 5);
  for (let i = 0; i < huge.length; i += 997) huge[i] = (i / 997) & 255;
  writeFileSync(join(streamed, "skills/huge/data.bin"), huge);
  const hugeHashed = await hashFolderIn(hashing, streamed, true);
  const hugeRows = await hashing.locator("table.files tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.dataset.path, tr.dataset.sha256]));
  const hugeCli = JSON.parse(cli("hash", "--json", streamed, join(streamed, "skills/huge/data.bin")));
  assert.equal(hugeHashed.tree, hugeCli[0].content_hash);
  assert.deepEqual(hugeRows.find(([p]) => p === "skills/huge/data.bin"), ["skills/huge/data.bin", hugeCli[1].content_hash]);
  step(`/folder.html: a ${(huge.length / 1e6).toFixed(1)} MB file streamed to the worker in parts; its hash and the tree equal skillmeat hash`);

  const market = join(work, "marketplace");
  const gen = generateMarketplace(market, 300);
  const big = await hashFolderIn(hashing, market, false);
  assert.equal(big.tree, JSON.parse(cli("hash", "--json", market))[0].content_hash);
  assert.equal(await hashing.locator("[data-field=plugins] li").count(), gen.plugins);
  step(
    `/folder.html: generated marketplace (${gen.plugins} plugins, ${gen.files} files, ${(gen.bytes / 1e6).toFixed(1)} MB) hashed + discovered in the worker in ${big.ms} ms (${big.progress}); tree = skillmeat hash\n      ${big.mainThread} (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`,
  );

  await hashing.locator("input[name=folder]").setInputFiles(market);
  await hashing.locator("[data-field=progress][data-state=hashing]").waitFor();
  await hashing.locator("button[name=cancel]").click();
  await hashing.locator("[data-field=progress][data-state=cancelled]").waitFor();
  assert.match(await hashing.locator("[data-field=error]").textContent(), /^Cancelled/);
  assert.equal(await hashing.locator("[data-field=result]").isHidden(), true);
  step("/folder.html: Cancel during hashing stops it (no result)");

  assert.deepEqual(problems, []);
  console.log(`browser: 11 passed, 0 failed (${((Date.now() - started) / 1000).toFixed(1)} s, Chromium ${browser.version()})`);
} finally {
  await browser.close();
  server.child.kill("SIGTERM");
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
