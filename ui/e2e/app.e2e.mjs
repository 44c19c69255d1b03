// End-to-end in the real Tauri window: tauri-driver + WebKitWebDriver, plain
// W3C WebDriver over HTTP. Run under Xvfb (`make e2e`). Needs the debug app
// binary (target/debug/skillmeat-desktop) built with the current ui/dist.
//
// Import the guardrails fixture through the wizard (bucket counts), Contains
// lists its children, a child shows Part of; import again → all EXISTING; a
// changed copy → CONFLICT → Keep; deploy to a temp project → files present;
// export → the bundle exists with the reported SHA-256, and previews as all
// EXISTING; a generated marketplace of 300 plugins (ui/e2e/marketplace.mjs,
// in a temp folder) previews in one engine call, and the time is printed.
// Screenshots go to docs/screenshots/.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { generateMarketplace } from "./marketplace.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const APP = process.env.SKILLMEAT_APP ?? join(ROOT, "target/debug/skillmeat-desktop");
const FIXTURE = join(ROOT, "tests/fixtures/guardrails");
const SHOTS = join(ROOT, "docs/screenshots");
const PORT = 4444;
const BASE = `http://127.0.0.1:${PORT}`;

const work = mkdtempSync(join(tmpdir(), "skillmeat-e2e-"));
const home = join(work, "home");
const project = join(work, "project");
const out = join(work, "out");
const changed = join(work, "changed", "guardrails");
for (const d of [home, project, out]) mkdirSync(d, { recursive: true });
cpSync(FIXTURE, changed, { recursive: true });
const skill = join(changed, "skills/guard-rules/SKILL.md");
appendFileSync(skill, "\nOne more rule, from the changed copy.\n");

const driver = spawn("tauri-driver", ["--port", String(PORT), "--native-driver", "/usr/bin/WebKitWebDriver"], {
  env: { ...process.env, SKILLMEAT_HOME: home },
  stdio: ["ignore", "inherit", "inherit"],
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function wd(method, path, body) {
  const r = await fetch(BASE + path, {
    method,
    signal: AbortSignal.timeout(30000),
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

let session;
const s = (p) => `/session/${session}${p}`;
const ELEMENT = "element-6066-11e4-a6c7-4653288c8a0b";

async function find(using, value, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      const v = await wd("POST", s("/element"), { using, value });
      return v[ELEMENT] ?? Object.values(v)[0];
    } catch (e) {
      if (Date.now() > end) throw new Error(`not found: ${value}\n${e.message}`);
      await sleep(100);
    }
  }
}
const css = (sel, t) => find("css selector", sel, t);
const button = (text, within = "") => find("xpath", `${within}//button[contains(normalize-space(.), ${JSON.stringify(text)})]`);
const click = async (id) => wd("POST", s(`/element/${id}/click`), {});
const text = async (id) => wd("GET", s(`/element/${id}/text`));
async function fill(id, value) {
  await wd("POST", s(`/element/${id}/clear`), {});
  await wd("POST", s(`/element/${id}/value`), { text: value });
}
async function shot(name) {
  const png = await wd("GET", s("/screenshot"));
  writeFileSync(join(SHOTS, name), Buffer.from(png, "base64"));
  console.log(`  screenshot docs/screenshots/${name}`);
}
async function nav(label) {
  await click(await find("xpath", `//nav/button[normalize-space(.)=${JSON.stringify(label)}]`));
}
async function buckets() {
  await css("[data-bucket=new] strong");
  const out = {};
  for (const b of ["new", "existing", "conflict"]) out[b] = Number(await text(await css(`[data-bucket=${b}] strong`)));
  return out;
}
async function previewOf(path) {
  await nav("Collection");
  await nav("Import");
  await fill(await css("input[name=source-path]"), path);
  await click(await button("Preview"));
  return buckets();
}

let failed = false;
try {
  for (let i = 0; ; i++) {
    try {
      await wd("GET", "/status");
      break;
    } catch (e) {
      if (i > 100) throw e;
      await sleep(100);
    }
  }
  const t0 = performance.now();
  session = (
    await wd("POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application: APP }, browserName: "wry" } },
    })
  ).sessionId;
  await css("h1");
  await css("section[aria-labelledby=collection-title]");
  console.log(`session + first view: ${Math.round(performance.now() - t0)} ms`);
  const firstPaint = await wd("POST", s("/execute/async"), {
    script: "window.__TAURI_INTERNALS__.invoke('first_paint', {}).then(arguments[0], (e) => arguments[0](String(e)))",
    args: [],
  });
  assert.equal(typeof firstPaint, "number", `first_paint: ${JSON.stringify(firstPaint)}`);
  console.log(`cold start to first paint (process created → first frame, as the app measured it): ${firstPaint} ms`);
  await wd("POST", s("/window/rect"), { width: 1200, height: 800 }).catch(() => {});

  // 1. import through the wizard
  let b = await previewOf(FIXTURE);
  assert.deepEqual(b, { new: 5, existing: 0, conflict: 0 });
  console.log("ok - wizard preview: 5 NEW");
  await shot("wizard-preview.png");
  await click(await button("Import All"));
  await css(".summary");
  const reused = await text(await css("[data-count=imported]"));
  assert.equal(reused, "5");
  assert.match(await text(await css(".summary")), /hashes match the preview/);
  console.log("ok - imported 5, engine hashes match the preview");

  // 2. Contains and Part of
  await click(await button("Open guardrails"));
  await css(".contains tbody tr");
  const rows = await wd("POST", s("/elements"), { using: "css selector", value: ".contains tbody tr" });
  assert.equal(rows.length, 5);
  console.log("ok - Contains lists 5 children");
  await shot("detail-contains.png");
  await click(await button("guard-rules", "//table[contains(@class,'contains')]"));
  const partOf = await text(await css(".part-of"));
  assert.match(partOf, /guardrails/);
  assert.match(partOf, /MEMBER/);
  console.log("ok - the child shows Part of guardrails");
  await shot("part-of.png");

  // 3. import again: all EXISTING
  b = await previewOf(FIXTURE);
  assert.deepEqual(b, { new: 0, existing: 5, conflict: 0 });
  console.log("ok - re-import preview: 5 EXISTING");

  // 4. a changed copy: CONFLICT → Keep
  b = await previewOf(changed);
  assert.deepEqual(b, { new: 0, existing: 4, conflict: 1 });
  await click(await button("View diff"));
  await css(".diff .add");
  await shot("wizard-conflict-diff.png");
  await click(await css("input[value=keep]"));
  await click(await button("Import All"));
  await css(".summary");
  assert.equal(await text(await css("[data-count=new-versions]")), "0");
  console.log("ok - changed copy: 1 CONFLICT, kept (0 new versions)");

  // 5. deploy
  await nav("Deploy");
  await fill(await css("input[name=deploy-name]"), "guardrails");
  await fill(await css("input[name=deploy-project]"), project);
  await click(await button("Plan (dry run)"));
  await css(".plan tbody tr");
  // The default for a plugin: deployed whole, as the project plugin Claude
  // Code loads from .claude/skills/<plugin>/ (guardrails@skills-dir).
  const native = ".claude/skills/guardrails";
  assert.ok(!existsSync(join(project, native)), "dry run wrote nothing");
  await shot("deploy-plan.png");
  await click(await button("Confirm deploy"));
  await css(".result");
  for (const f of ["skills/guard-rules/SKILL.md", "commands/guard-status.md", "agents/guard-reviewer.md", ".claude-plugin/plugin.json"]) {
    assert.ok(existsSync(join(project, native, f)), `${native}/${f} deployed`);
  }
  assert.ok(!existsSync(join(project, ".claude/settings.json")), "a plugin deployed whole edits no settings.json");
  console.log("ok - deployed: the plugin whole in the project (plugin mode)");
  await click(await button("Project status"));
  await css(".badge-ok");
  await shot("project-status.png");

  // 6. export
  await nav("Export");
  await fill(await css("input[name=export-name]"), "guardrails");
  await fill(await css("input[name=export-out]"), out);
  await click(await button("Export bundle"));
  const zip = await text(await css("[data-field=path]"));
  const hash = await text(await css("[data-field=hash]"));
  assert.ok(zip.startsWith(out) && existsSync(zip), `bundle ${zip} exists`);
  assert.equal(createHash("sha256").update(readFileSync(zip)).digest("hex"), hash);
  console.log("ok - exported bundle exists with the shown SHA-256");

  // 7. the bundle back through the wizard: verified and previewed by the engine
  b = await previewOf(zip);
  assert.deepEqual(b, { new: 0, existing: 5, conflict: 0 });
  assert.match(await text(await css(".previews")), /A bundle zip: the engine verified it/);
  await click(await button("Import All"));
  await css(".summary");
  assert.match(await text(await css(".summary")), /hashes match the preview/);
  console.log("ok - bundle zip: previewed by the engine, 5 EXISTING, imported");

  // 8. a 300-plugin marketplace: one preview_import call, timed
  const market = join(work, "marketplace");
  const gen = generateMarketplace(market, 300);
  const size = `${gen.plugins} plugins, ${gen.files} files, ${(gen.bytes / 1e6).toFixed(1)} MB`;
  await nav("Collection");
  await nav("Import");
  await fill(await css("input[name=source-path]"), market);
  const t1 = performance.now();
  await click(await button("Preview"));
  const ms = Number(await wd("GET", s(`/element/${await css("[data-field=preview-time] [data-ms]", 60000)}/attribute/data-ms`)));
  const seen = Math.round(performance.now() - t1);
  const shown = await wd("POST", s("/execute/sync"), {
    script: `const n = (b) => [...document.querySelectorAll("[data-bucket=" + b + "] strong")].reduce((a, e) => a + Number(e.textContent), 0);
      return { plugins: document.querySelectorAll("article.plugin-preview").length, new: n("new"), existing: n("existing"), conflict: n("conflict") };`,
    args: [],
  });
  assert.deepEqual(shown, { plugins: gen.plugins, new: gen.plugins * gen.children, existing: 0, conflict: 0 });
  console.log(`ok - marketplace preview (${size}): ${ms} ms in the window (click → preview painted, as the page measured it; ${seen} ms as WebDriver saw it)`);
  // The same command alone, from the page: the engine and IPC without the UI.
  const call = await wd("POST", s("/execute/async"), {
    script: `const done = arguments[arguments.length - 1]; const t = performance.now();
      window.__TAURI_INTERNALS__.invoke("preview_import", { args: { path: arguments[0] } })
        .then((r) => done({ ms: Math.round(performance.now() - t), plugins: r.plugins.length }), (e) => done({ error: String(e) }));`,
    args: [market],
  });
  assert.equal(call.plugins, gen.plugins, JSON.stringify(call));
  console.log(`   the preview_import call alone, from the page: ${call.ms} ms`);

  await nav("Collection");
  await css("table.artifacts");
  await shot("collection.png");
  console.log("e2e: all passed");
} catch (e) {
  failed = true;
  console.error("e2e FAILED:", e);
  if (session) {
    const body = await wd("POST", s("/execute/sync"), { script: "return document.body.innerText", args: [] }).catch((x) => String(x));
    console.error("page text:\n" + body);
    await shot("failure.png").catch((x) => console.error("no screenshot:", x.message));
  }
} finally {
  if (session) await wd("DELETE", s("")).catch(() => {});
  driver.kill();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
