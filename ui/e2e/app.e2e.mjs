// End-to-end in the real Tauri window: tauri-driver + WebKitWebDriver, plain
// W3C WebDriver over HTTP. Run under Xvfb (`make e2e`). Needs the debug app
// binary (target/debug/skillmeat-desktop) built with the current ui/dist.
//
// Import the guardrails fixture through the wizard (bucket counts), Contains
// lists its children, a child shows Part of; import again → all EXISTING; a
// changed copy → CONFLICT → Keep; deploy to a temp project → files present;
// export → the bundle exists with the reported SHA-256, and previews as all
// EXISTING; a generated marketplace of 300 plugins (ui/e2e/marketplace.mjs,
// in a temp folder) previews in one engine call, and the time is printed;
// two of its plugins chosen in the picker are imported, and only those.
// The collection starts with 1,500 artifacts (a generated plugin of 1,499
// skills, added with the CLI): a search keystroke → rows painted is timed.
// Screenshots go to docs/screenshots/ (not with SKILLMEAT_E2E_SHOTS=0).
//
// SKILLMEAT_APP picks the app binary (the release one: `make bench-desktop`),
// SKILLMEAT_CLI the CLI that adds the 1,500 artifacts.
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { generateMarketplace, generateSkills } from "./marketplace.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const APP = process.env.SKILLMEAT_APP ?? join(ROOT, "target/debug/skillmeat-desktop");
const CLI = process.env.SKILLMEAT_CLI ?? join(ROOT, "target/debug/skillmeat");
const SHOTS_ON = process.env.SKILLMEAT_E2E_SHOTS !== "0";
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
// 1,500 artifacts in the collection before the app starts.
const bulk = generateSkills(join(work, "bulk"), 1499);
const tAdd = performance.now();
execFileSync(CLI, ["add", join(work, "bulk")], { env: { ...process.env, SKILLMEAT_HOME: home }, stdio: "ignore" });
console.log(`collection of ${bulk.artifacts} artifacts added with the CLI in ${Math.round(performance.now() - tAdd)} ms`);

const driver = spawn("tauri-driver", ["--port", String(PORT), "--native-driver", "/usr/bin/WebKitWebDriver"], {
  env: { ...process.env, SKILLMEAT_HOME: home },
  stdio: ["ignore", "inherit", "inherit"],
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function wd(method, path, body) {
  const r = await fetch(BASE + path, {
    method,
    signal: AbortSignal.timeout(300000),
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
  if (!SHOTS_ON) return;
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

/** Types `q` into the Collection's search at once (as one keystroke does)
 * and times it to the first frame painted with the engine's rows for it. */
async function searchTimed(q, expectEmpty = false) {
  return wd("POST", s("/execute/async"), {
    script: `const arguments_ = arguments; const [q, , done] = arguments;
      const input = document.querySelector("input[name=collection-search]");
      const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
      const t0 = performance.now();
      set.call(input, q);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      const want = "|" + q + "|0";
      const poll = () => {
        const table = document.querySelector("table.artifacts");
        const empty = document.querySelector(".empty-state");
        // Nothing matches: no table, the empty state (a stale one is only
        // ever left by an earlier empty answer, so only this search waits for it).
        if (arguments_[1] ? empty && !table : table && table.dataset.query === want) {
          // Committed before this frame: painted when this callback returns.
          setTimeout(() => done({ ms: performance.now() - t0,
            rows: table ? [...table.querySelectorAll("tbody tr td:first-child")].map((td) => td.textContent.trim()) : [],
            range: document.querySelector("[data-field=range]")?.textContent ?? "" }));
        } else requestAnimationFrame(poll);
      };
      requestAnimationFrame(poll);`,
    args: [q, expectEmpty],
  });
}
const rowsOf = async () =>
  wd("POST", s("/execute/sync"), {
    script: `return [...document.querySelectorAll("table.artifacts tbody tr td:first-child")].map((td) => td.textContent.trim());`,
    args: [],
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
  // A loaded machine: scripts (the timed preview call) may take minutes.
  await wd("POST", s("/timeouts"), { script: 300000 });
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

  // 0. the collection at 1,500 artifacts: a page at a time, search by the engine
  await css("[data-field=range]");
  const first = await wd("POST", s("/execute/sync"), { script: `return document.querySelector("[data-field=range]").textContent;`, args: [] });
  assert.equal(first, `1–100 of ${bulk.artifacts.toLocaleString("en")}`);
  const times = [];
  let last;
  for (const q of ["b", "bu", "bul", "bulk", "bulk-", "bulk-1", "bulk-12", "bulk-123"]) {
    last = await searchTimed(q);
    times.push(last.ms);
  }
  assert.deepEqual(last.rows, Array.from({ length: 10 }, (_, i) => `SKL bulk-123${i}`));
  assert.equal(last.range, "1–10 of 10");
  const none = await searchTimed("no-such-artifact", true);
  assert.deepEqual(none.rows, []);
  const back = await searchTimed("");
  assert.equal(back.range, `1–100 of ${bulk.artifacts.toLocaleString("en")}`);
  console.log(
    `ok - collection of ${bulk.artifacts} artifacts: search keystroke → rows painted, median ${median(times).toFixed(0)} ms, ` +
      `max ${Math.max(...times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(", ")}); bulk-123 → its 10 skills`,
  );

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
  const gen = generateMarketplace(market, 300, 2);
  const size = `${gen.plugins} plugins, ${gen.files} files, ${(gen.bytes / 1e6).toFixed(1)} MB`;
  await nav("Collection");
  await nav("Import");
  await fill(await css("input[name=source-path]"), market);
  const t1 = performance.now();
  await click(await button("Preview"));
  const ms = Number(await wd("GET", s(`/element/${await css("[data-field=preview-time] [data-ms]", 300000)}/attribute/data-ms`)));
  const seen = Math.round(performance.now() - t1);
  const shown = await wd("POST", s("/execute/sync"), {
    script: `const n = (k) => Number(document.querySelector("[data-total=" + k + "] strong").textContent);
      return { plugins: Number(document.querySelector("strong[data-total=plugins]").textContent), selected: n("selected"),
        new: n("new"), existing: n("existing"), conflict: n("conflict") };`,
    args: [],
  });
  assert.deepEqual(shown, { plugins: gen.plugins, selected: gen.plugins, new: gen.plugins * gen.children, existing: 0, conflict: 0 });
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

  // 9. choose 2 of the marketplace's plugins: only those are imported
  await click(await button("None"));
  for (const name of ["gen-007", "gen-123"]) {
    await fill(await css("input[name=plugin-search]"), name);
    await click(await css(`input[name=pick-plugin][value=${name}]`));
  }
  await fill(await css("input[name=plugin-search]"), "gen-0");
  await shot("wizard-picker.png");
  await wd("POST", s(`/element/${await css("input[name=plugin-search]")}/clear`), {});
  await click(await button("Import selected (2)"));
  await css(".summary", 300000);
  const imported = await wd("POST", s("/execute/sync"), {
    script: `return [...document.querySelectorAll(".summary li[data-plugin]")].map((li) => li.dataset.plugin + ":" + li.querySelector("[data-count=imported]")?.textContent);`,
    args: [],
  });
  assert.deepEqual(imported, [`gen-007:${gen.children}`, `gen-123:${gen.children}`]);
  await nav("Collection");
  await css("table.artifacts");
  const named = await searchTimed("gen-");
  assert.deepEqual(named.rows.slice(0, 2), ["PLG gen-007", "PLG gen-123"]); // plugins first
  const all = await wd("POST", s("/execute/async"), {
    script: `const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke("list_artifacts", { args: { kind: "composite", search: "gen-" } })
        .then((l) => done(l.items.map((i) => i.name)), (e) => done(String(e)));`,
    args: [],
  });
  assert.deepEqual(all, ["gen-007", "gen-123"]);
  assert.equal(named.range, `1–${2 + 2 * gen.children} of ${2 + 2 * gen.children}`);
  console.log(`ok - marketplace: 2 of ${gen.plugins} plugins chosen in the picker, only those imported (${2 + 2 * gen.children} artifacts named gen-)`);

  await searchTimed("");
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
