// A generated marketplace for the preview benchmarks (never committed):
// `plugins` plugins under plugins/, each with skills (SKILL.md and reference
// files), commands and agents, listed in .claude-plugin/marketplace.json.
// The defaults give 300 plugins of 59 files (17,701 files, 68.7 MB), the file
// count of the 293-plugin marketplace of issue #15 (17,465 files); `scale` 2
// doubles every file (136.5 MB, as that marketplace's 154 MB and the HTTP
// bench's `desktop/benches/support/marketplace.rs`): the benchmarks use it.
//
//   node ui/e2e/marketplace.mjs DIR [PLUGINS] [SCALE]   writes one and prints its size
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SHAPE = { skills: 4, references: 10, commands: 8, agents: 6 };

/** Deterministic filler text of about `bytes` bytes, different per `seed`. */
function fill(seed, bytes) {
  const line = `- ${seed}: keep the change small, test it, and say what was measured.\n`;
  return line.repeat(Math.max(1, Math.ceil(bytes / line.length)));
}

function write(path, text, totals) {
  writeFileSync(path, text);
  totals.files++;
  totals.bytes += Buffer.byteLength(text);
}

function plugin(root, name, i, totals, scale) {
  const filler = (seed, bytes) => fill(seed, bytes * scale);
  const dir = join(root, "plugins", name);
  mkdirSync(join(dir, ".claude-plugin"), { recursive: true });
  write(join(dir, ".claude-plugin/plugin.json"), JSON.stringify({ name, version: "1.0.0", description: `Generated plugin ${i}` }, null, 2), totals);
  for (let s = 0; s < SHAPE.skills; s++) {
    const skill = `${name}-skill-${s}`;
    mkdirSync(join(dir, "skills", skill, "references"), { recursive: true });
    const front = `---\nname: ${skill}\ndescription: Generated skill ${s} of plugin ${i}. Use when benchmarking.\n---\n\n`;
    write(join(dir, "skills", skill, "SKILL.md"), front + filler(skill, 3000), totals);
    for (let r = 0; r < SHAPE.references; r++) {
      write(join(dir, "skills", skill, "references", `ref-${r}.md`), `# Reference ${r}\n\n` + filler(`${skill}/${r}`, 2000 + 400 * r), totals);
    }
  }
  mkdirSync(join(dir, "commands"), { recursive: true });
  for (let c = 0; c < SHAPE.commands; c++) {
    const front = `---\ndescription: Generated command ${c} of plugin ${i}\n---\n\n`;
    write(join(dir, "commands", `${name}-cmd-${c}.md`), front + filler(`${name}/cmd/${c}`, 4000), totals);
  }
  mkdirSync(join(dir, "agents"), { recursive: true });
  for (let a = 0; a < SHAPE.agents; a++) {
    const agent = `${name}-agent-${a}`;
    const front = `---\nname: ${agent}\ndescription: Generated agent ${a} of plugin ${i}\nmodel: sonnet\n---\n\n`;
    write(join(dir, "agents", `${agent}.md`), front + filler(agent, 5000), totals);
  }
}

/** Writes the marketplace into `root`; returns its plugins, files, bytes and
 * children per plugin. */
export function generateMarketplace(root, plugins = 300, scale = 1) {
  const totals = { files: 0, bytes: 0 };
  const names = Array.from({ length: plugins }, (_, i) => `gen-${String(i).padStart(3, "0")}`);
  names.forEach((name, i) => plugin(root, name, i, totals, scale));
  mkdirSync(join(root, ".claude-plugin"), { recursive: true });
  const manifest = {
    name: "generated-marketplace",
    owner: { name: "skillmeat e2e" },
    plugins: names.map((name) => ({ name, source: `./plugins/${name}`, description: `Generated plugin ${name}` })),
  };
  write(join(root, ".claude-plugin/marketplace.json"), JSON.stringify(manifest, null, 2), totals);
  return { plugins, ...totals, children: SHAPE.skills + SHAPE.commands + SHAPE.agents };
}

/** A plugin `name` of `skills` one-file skills (`<name>-0000`, …), for a
 * collection of many artifacts: the plugin and its skills. */
export function generateSkills(root, skills, name = "bulk") {
  const totals = { files: 0, bytes: 0 };
  mkdirSync(join(root, ".claude-plugin"), { recursive: true });
  write(join(root, ".claude-plugin/plugin.json"), JSON.stringify({ name, version: "1.0.0", description: `${skills} generated skills` }), totals);
  for (let s = 0; s < skills; s++) {
    const skill = `${name}-${String(s).padStart(4, "0")}`;
    mkdirSync(join(root, "skills", skill), { recursive: true });
    write(join(root, "skills", skill, "SKILL.md"), `---\nname: ${skill}\ndescription: Generated skill ${s}.\n---\n\n` + fill(skill, 200), totals);
  }
  return { artifacts: skills + 1, ...totals };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, n, scale] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: node ui/e2e/marketplace.mjs DIR [PLUGINS] [SCALE]");
    process.exit(1);
  }
  const m = generateMarketplace(dir, n ? Number(n) : undefined, scale ? Number(scale) : undefined);
  console.log(`${dir}: ${m.plugins} plugins, ${m.files} files, ${(m.bytes / 1e6).toFixed(1)} MB`);
}
