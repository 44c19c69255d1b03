//! Claude Code itself (`tests/tools`, pinned) as the judge of discovery: for
//! every plugin in `tests/fixtures/`, `skillmeat inspect --json` finds what
//! `claude plugin details` lists (skill and command names, agent names,
//! hook events, MCP and LSP server names), and every export of it
//! passes `claude plugin validate` and loads with the same inventory.
//!
//! Marketplace plugins are read as users install them (`claude plugin
//! marketplace add`, `install NAME@MKT`, `details NAME@MKT`); plugin folders
//! (a fixture that is a plugin, and a marketplace entry's folder holding a
//! `marketplace.json` of its own) through `--plugin-dir`. The expected side
//! is Claude Code's output only. One known quirk of `plugin details` is left
//! alone: agents a manifest (or entry) lists as `.md` files are loaded but
//! not listed (`Agents (0)` when there are no others), so for such a plugin
//! the agents it lists must only be among skillmeat's.
//!
//! Each `claude` run costs about 0.3 s of CPU (not its start-up: `--version`
//! takes 0.02 s), so the runs go on all cores, one `HOME` per worker.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use util::{ClaudeCode, Home, fixture};

/// What `claude plugin details` lists for one plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Inventory {
    /// Skills and commands (Claude Code lists commands as skills).
    skills: BTreeSet<String>,
    agents: BTreeSet<String>,
    /// Hook event names.
    hooks: BTreeSet<String>,
    mcp: BTreeSet<String>,
    lsp: BTreeSet<String>,
}

impl Inventory {
    /// From the "Component inventory" lines: `Skills (2)  a, b`,
    /// `Hooks (1)  PreToolUse  (harness-only …)`, `Agents (0)` …
    fn parse(lines: &[String]) -> Inventory {
        let mut rows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for line in lines {
            let (label, rest) = line.split_once(" (").expect("`Label (N)…`");
            let (count, names) = rest.split_once(')').expect("`(N)`");
            let count: usize = count.parse().expect("a count");
            let mut names = names.trim();
            // A trailing note in parentheses, after two spaces.
            if names.ends_with(')')
                && let Some(at) = names.rfind("  (")
            {
                names = names[..at].trim_end();
            }
            let names: BTreeSet<String> = names
                .split(", ")
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect();
            assert_eq!(names.len(), count, "{line}: {count} names, unique");
            rows.insert(label.to_owned(), names);
        }
        let mut take = |label: &str| {
            rows.remove(label)
                .unwrap_or_else(|| panic!("no `{label}` row in {lines:?}"))
        };
        let inventory = Inventory {
            skills: take("Skills"),
            agents: take("Agents"),
            hooks: take("Hooks"),
            mcp: take("MCP servers"),
            lsp: take("LSP servers"),
        };
        assert!(rows.is_empty(), "rows not read: {rows:?}");
        inventory
    }
}

/// One plugin as Claude Code loads it and as skillmeat reads the same
/// folder.
#[derive(Debug)]
struct Case {
    /// Where it comes from, for messages: `wshobson-agents: seo (NAME@MKT)`.
    label: String,
    /// skillmeat's name for it.
    name: String,
    /// The fixture it comes from.
    fixture: String,
    /// `None`: Claude Code does not load it (`plugin details` finds no
    /// such plugin).
    claude: Option<Inventory>,
    /// The plugin's entry of `skillmeat inspect --json`.
    skillmeat: Value,
    /// Its manifest or marketplace entry lists agents as `.md` files.
    agents_listed: bool,
}

/// Runs `f` over `items` on all cores; results in the order of `items`.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .min(items.len().max(1));
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break out };
                        out.push((i, f(item)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker finished"))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

fn read_json(path: &Path) -> Option<Value> {
    let text = fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Whether a manifest or entry lists agents as `.md` files.
fn lists_agent_files(manifest: Option<&Value>) -> bool {
    match manifest.and_then(|m| m.get("agents")) {
        Some(Value::String(s)) => s.ends_with(".md"),
        Some(Value::Array(items)) => items
            .iter()
            .any(|i| i.as_str().is_some_and(|s| s.ends_with(".md"))),
        _ => false,
    }
}

/// The name `claude --plugin-dir DIR plugin details NAME` knows a folder
/// by: its manifest's, else the folder's.
fn plugin_dir_name(dir: &Path) -> String {
    read_json(&dir.join(".claude-plugin/plugin.json"))
        .and_then(|m| m["name"].as_str().map(str::to_owned))
        .unwrap_or_else(|| {
            dir.file_name()
                .expect("a folder name")
                .to_string_lossy()
                .into_owned()
        })
}

/// `skillmeat inspect --json DIR`.
fn inspect(home: &Home, dir: &Path) -> Value {
    home.json(&["inspect", "--json"], [dir])
}

/// The plugin skillmeat reads at `root` (relative) in a report.
fn plugin_at<'a>(report: &'a Value, root: &str, what: &str) -> &'a Value {
    report["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .find(|p| p["root"] == root)
        .unwrap_or_else(|| panic!("{what}: skillmeat finds no plugin at {root}: {report}"))
}

/// A marketplace entry with a local source: its name and plugin root.
struct Entry {
    name: String,
    root: String,
    value: Value,
}

fn local_entries(marketplace: &Value) -> Vec<Entry> {
    marketplace["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .filter_map(|e| {
            let source = e["source"].as_str()?;
            let root = source.trim_start_matches("./").trim_end_matches('/');
            Some(Entry {
                name: e["name"].as_str().expect("a name").to_owned(),
                root: if root.is_empty() {
                    ".".into()
                } else {
                    root.into()
                },
                value: e.clone(),
            })
        })
        .collect()
}

/// Work for one `claude` HOME, and what skillmeat read of the plugins it
/// is about.
struct Job {
    how: How,
    /// One per inventory the job gives, in order.
    plugins: Vec<Pending>,
}

enum How {
    /// `marketplace add`, then `install` and `details` of each entry.
    Marketplace {
        fixture: String,
        market: String,
        entries: Vec<String>,
    },
    /// `--plugin-dir DIR plugin details NAME`.
    PluginDir { dir: PathBuf, name: String },
}

/// A [`Case`] waiting for Claude Code's inventory.
struct Pending {
    label: String,
    name: String,
    fixture: String,
    skillmeat: Value,
    agents_listed: bool,
}

impl Pending {
    fn with(self, claude: Option<Inventory>) -> Case {
        Case {
            label: self.label,
            name: self.name,
            fixture: self.fixture,
            claude,
            skillmeat: self.skillmeat,
            agents_listed: self.agents_listed,
        }
    }
}

impl Job {
    fn run(&self) -> Vec<Option<Inventory>> {
        let claude = ClaudeCode::new();
        let cwd = tempfile::TempDir::new().expect("a working folder");
        let details = |args: &[&str]| {
            claude
                .details(cwd.path(), args)
                .map(|lines| Inventory::parse(&lines))
        };
        match &self.how {
            How::Marketplace {
                fixture: f,
                market,
                entries,
            } => {
                let dir = fixture(f).display().to_string();
                claude.run(cwd.path(), &["plugin", "marketplace", "add", &dir]);
                entries
                    .iter()
                    .map(|name| {
                        let id = format!("{name}@{market}");
                        claude.run(cwd.path(), &["plugin", "install", &id]);
                        details(&["plugin", "details", &id])
                    })
                    .collect()
            }
            How::PluginDir { dir, name } => {
                let dir = dir.display().to_string();
                vec![details(&["--plugin-dir", &dir, "plugin", "details", name])]
            }
        }
    }
}

/// Every plugin of the fixtures, read by Claude Code and by skillmeat
/// (computed once, shared by the tests of this file).
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(gather)
}

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(fixture(""))
        .expect("tests/fixtures")
        .map(|e| e.expect("an entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn gather() -> Vec<Case> {
    let home = Home::new();
    let jobs: Vec<Job> = fixture_names()
        .iter()
        .flat_map(|f| fixture_jobs(&home, f))
        .collect();
    let found = par_map(&jobs, Job::run);
    jobs.into_iter()
        .zip(found)
        .flat_map(|(job, inventories)| {
            assert_eq!(job.plugins.len(), inventories.len());
            job.plugins
                .into_iter()
                .zip(inventories)
                .map(|(p, i)| p.with(i))
        })
        .collect()
}

/// A fixture that is a marketplace: its entries installed, ten per HOME
/// (the workers share them), and each entry folder that holds both
/// manifests also given directly. Any other fixture: given directly.
fn fixture_jobs(home: &Home, f: &str) -> Vec<Job> {
    let dir = fixture(f);
    let report = inspect(home, &dir);
    let Some(market) = read_json(&dir.join(".claude-plugin/marketplace.json")) else {
        return vec![plugin_dir_job(f, &dir, &report)];
    };
    let name = market["name"].as_str().expect("a marketplace name");
    let entries = local_entries(&market);
    let mut jobs: Vec<Job> = entries
        .chunks(10)
        .map(|chunk| Job {
            how: How::Marketplace {
                fixture: f.to_owned(),
                market: name.to_owned(),
                entries: chunk.iter().map(|e| e.name.clone()).collect(),
            },
            plugins: chunk
                .iter()
                .map(|e| {
                    let own = read_json(&dir.join(&e.root).join(".claude-plugin/plugin.json"));
                    Pending {
                        label: format!("{f}: {}@{name}", e.name),
                        name: e.name.clone(),
                        fixture: f.to_owned(),
                        skillmeat: plugin_at(&report, &e.root, f).clone(),
                        agents_listed: lists_agent_files(Some(&e.value))
                            || lists_agent_files(own.as_ref()),
                    }
                })
                .collect(),
        })
        .collect();
    for e in &entries {
        let root = dir.join(&e.root);
        if both_manifests(&root) {
            jobs.push(plugin_dir_job(f, &root, &inspect(home, &root)));
        }
    }
    jobs
}

fn both_manifests(dir: &Path) -> bool {
    dir.join(".claude-plugin/plugin.json").is_file()
        && dir.join(".claude-plugin/marketplace.json").is_file()
}

/// `--plugin-dir DIR`, and the plugin skillmeat reads at the root of
/// `report` (its inspection of DIR).
fn plugin_dir_job(f: &str, dir: &Path, report: &Value) -> Job {
    let skillmeat = plugin_at(report, ".", f).clone();
    let own = read_json(&dir.join(".claude-plugin/plugin.json"));
    Job {
        how: How::PluginDir {
            dir: dir.to_owned(),
            name: plugin_dir_name(dir),
        },
        plugins: vec![Pending {
            label: format!("{f}: --plugin-dir {}", dir.display()),
            name: skillmeat["name"].as_str().expect("a name").to_owned(),
            fixture: f.to_owned(),
            skillmeat,
            agents_listed: lists_agent_files(own.as_ref()),
        }],
    }
}

/// skillmeat's children of `kinds` in a plugin of `inspect --json`.
fn names(plugin: &Value, kinds: &[&str]) -> BTreeSet<String> {
    children(plugin)
        .filter(|c| kinds.contains(&c["kind"].as_str().unwrap_or_default()))
        .map(|c| c["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn children(plugin: &Value) -> impl Iterator<Item = &Value> {
    plugin["children"].as_array().expect("children").iter()
}

/// The events of skillmeat's hook artifact (none without one).
fn hook_events(plugin: &Value) -> BTreeSet<String> {
    children(plugin)
        .filter(|c| c["kind"] == "hook")
        .flat_map(|c| c["events"].as_array().cloned().unwrap_or_default())
        .map(|e| e.as_str().expect("an event").to_owned())
        .collect()
}

/// The differences between Claude Code's inventory and skillmeat's plugin.
fn differences(claude: &Inventory, plugin: &Value, agents_listed: bool) -> Vec<String> {
    let pairs = [
        (
            "skills and commands",
            &claude.skills,
            names(plugin, &["skill", "command"]),
        ),
        ("hook events", &claude.hooks, hook_events(plugin)),
        ("MCP servers", &claude.mcp, names(plugin, &["mcp_server"])),
        ("LSP servers", &claude.lsp, names(plugin, &["lsp_server"])),
    ];
    let mut out: Vec<String> = pairs
        .into_iter()
        .filter(|(_, claude, ours)| *claude != ours)
        .map(|(what, claude, ours)| format!("{what}: Claude Code {claude:?}, skillmeat {ours:?}"))
        .collect();
    // Agents listed as files are loaded but missing from `plugin details`;
    // those of the default folder are still there.
    let agents = names(plugin, &["agent"]);
    let agents_agree = if agents_listed {
        claude.agents.is_subset(&agents)
    } else {
        claude.agents == agents
    };
    if !agents_agree {
        out.push(format!(
            "agents: Claude Code {:?}, skillmeat {agents:?}",
            claude.agents
        ));
    }
    let hook = children(plugin).any(|c| c["kind"] == "hook");
    if hook == claude.hooks.is_empty() {
        out.push(format!(
            "hook artifact: Claude Code lists {} hook events, skillmeat has {}",
            claude.hooks.len(),
            if hook { "one" } else { "none" }
        ));
    }
    out
}

#[test]
fn skillmeat_finds_what_claude_code_loads_in_every_fixture() {
    let cases = cases();
    // Independently of the cases: every local marketplace entry, every
    // fixture that is a plugin folder, every entry folder with both
    // manifests.
    let mut expected = 0;
    for f in fixture_names() {
        let dir = fixture(&f);
        match read_json(&dir.join(".claude-plugin/marketplace.json")) {
            Some(market) => {
                for e in local_entries(&market) {
                    expected += 1;
                    let root = dir.join(&e.root);
                    if both_manifests(&root) {
                        expected += 1;
                    }
                }
            }
            None => expected += 1,
        }
    }
    assert_eq!(cases.len(), expected);
    assert!(
        cases.len() >= 68,
        "the 60 wshobson plugins and the others: {}",
        cases.len()
    );
    let mismatches: Vec<String> = cases
        .iter()
        .flat_map(|c| {
            let loads = c.skillmeat["loads_in_claude_code"].as_bool();
            let verdict = (loads != Some(c.claude.is_some())).then(|| {
                format!(
                    "loads: Claude Code {}, skillmeat {loads:?} ({})",
                    c.claude.is_some(),
                    c.skillmeat["load_errors"]
                )
            });
            let inventory = c.claude.as_ref().map_or_else(Vec::new, |claude| {
                differences(claude, &c.skillmeat, c.agents_listed)
            });
            verdict
                .into_iter()
                .chain(inventory)
                .map(move |d| format!("{}: {d}", c.label))
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Both verdicts are among the fixtures.
    assert!(cases.iter().any(|c| c.claude.is_none()));
    // The comparison sees something: hooks, MCP and LSP servers, agents.
    let loaded = || cases.iter().filter_map(|c| c.claude.as_ref());
    let total = |f: fn(&Inventory) -> usize| loaded().map(f).sum::<usize>();
    assert!(total(|i| i.hooks.len()) >= 4);
    assert!(total(|i| i.mcp.len()) >= 2);
    // lsp-cases: an entry's, a .lsp.json's, a plugin.json's.
    assert!(total(|i| i.lsp.len()) >= 3);
    assert!(total(|i| i.agents.len()) >= 100);
}

/// The zip's entries written below `to`.
fn unzip(zip: &Path, to: &Path) {
    use skillmeat::bundle::zip::ZipArchive;
    use std::io::Read;
    let file = fs::File::open(zip).expect("the export");
    let mut archive = ZipArchive::new(file).expect("a zip");
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("an entry");
        let name = entry.enclosed_name().expect("a safe name");
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("the entry's bytes");
        let path = to.join(name);
        fs::create_dir_all(path.parent().expect("a parent")).expect("its folder");
        fs::write(&path, data).expect("writing the entry");
    }
}

/// An export unzipped: whether `claude plugin validate` passes it (and its
/// report), what `plugin details` lists (`None`: it does not load), and
/// whether its manifest lists agents as `.md` files.
struct Exported {
    validated: Result<(), String>,
    inventory: Option<Inventory>,
    agents_listed: bool,
}

fn export(home: &Home, name: &str, out: &Path) -> Exported {
    let zip = out.join(format!("{name}.zip"));
    home.json(&["export", name, "--json", "-o"], [&zip]);
    let dir = out.join(name);
    unzip(&zip, &dir);
    let claude = ClaudeCode::new();
    // The plugin's manifest, not a marketplace.json it may also hold.
    let manifest = dir.join(".claude-plugin/plugin.json");
    let validated = validate(&claude, &dir, &manifest);
    let dir_arg = dir.display().to_string();
    let id = plugin_dir_name(&dir);
    let args = ["--plugin-dir", &dir_arg, "plugin", "details", &id];
    Exported {
        validated,
        inventory: claude
            .details(&dir, &args)
            .map(|lines| Inventory::parse(&lines)),
        agents_listed: lists_agent_files(read_json(&manifest).as_ref()),
    }
}

/// `claude plugin validate PATH` run in `dir`: passed, or its report.
fn validate(claude: &ClaudeCode, dir: &Path, path: &Path) -> Result<(), String> {
    let (passed, report) = claude.output(dir, &["plugin", "validate", &path.display().to_string()]);
    if passed && report.contains("Validation passed") {
        Ok(())
    } else {
        Err(report)
    }
}

/// Whether `claude plugin validate` passes each fixture (a marketplace is
/// validated with the manifests of its plugins), by fixture name; one run
/// per fixture.
fn fixture_verdicts() -> &'static BTreeMap<String, Result<(), String>> {
    static VERDICTS: OnceLock<BTreeMap<String, Result<(), String>>> = OnceLock::new();
    VERDICTS.get_or_init(|| {
        let names = fixture_names();
        let verdicts = par_map(&names, |f| {
            let dir = fixture(f);
            validate(&ClaudeCode::new(), &dir, &dir)
        });
        names.into_iter().zip(verdicts).collect()
    })
}

/// skillmeat's errors for a plugin of `inspect --json`: why Claude Code
/// would not load it, and what `claude plugin validate` would report.
fn skillmeat_errors(plugin: &Value) -> Vec<String> {
    ["load_errors", "validation_errors"]
        .iter()
        .flat_map(|k| plugin[k].as_array().expect("a list").iter())
        .map(|e| e.as_str().expect("a message").to_owned())
        .collect()
}

#[test]
fn skillmeat_reports_errors_exactly_when_claude_code_validation_fails() {
    let verdicts = fixture_verdicts();
    let mut mismatches = Vec::new();
    for (f, verdict) in verdicts {
        let errors: Vec<String> = cases()
            .iter()
            .filter(|c| c.fixture == *f)
            .flat_map(|c| skillmeat_errors(&c.skillmeat))
            .collect();
        if errors.is_empty() != verdict.is_ok() {
            mismatches.push(format!(
                "{f}: skillmeat's errors {errors:?}; claude plugin validate: {verdict:?}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Both verdicts are among the fixtures.
    assert!(verdicts.values().any(Result::is_ok));
    assert!(verdicts.values().any(Result::is_err));
}

#[test]
fn every_export_validates_and_loads_as_its_source() {
    let home = Home::new();
    for f in fixture_names() {
        home.cmd().arg("add").arg(fixture(&f)).assert().success();
    }
    let listed = home.json(&["list", "--json"], &[] as &[&str]);
    let plugins: Vec<String> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["kind"] == "composite")
        .map(|i| i["name"].as_str().expect("a name").to_owned())
        .collect();
    let out = tempfile::TempDir::new().expect("a temp dir");
    let exports = par_map(&plugins, |name| export(&home, name, out.path()));
    // Claude Code's view of each source (a plugin read two ways is the
    // same plugin: the other test compares both with skillmeat).
    let mut sources: BTreeMap<&str, &Case> = BTreeMap::new();
    for c in cases() {
        sources.entry(&c.name).or_insert(c);
    }
    let verdicts = fixture_verdicts();
    let mut problems: Vec<String> = Vec::new();
    for (name, e) in plugins.iter().zip(&exports) {
        let source = sources
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{name}: exported, but not among the fixtures' plugins"));
        // A fixture that fails validation is one plugin (a marketplace's
        // plugins all pass): its export fails as it does.
        let source_valid = verdicts[&source.fixture].is_ok();
        match &e.validated {
            Err(report) if source_valid => {
                problems.push(format!("{name}: claude plugin validate:\n{report}"));
            }
            Ok(()) if !source_valid => {
                problems.push(format!("{name}: its export validates, its source does not"));
            }
            _ => {}
        }
        let (mut want, mut got) = (source.claude.clone(), e.inventory.clone());
        if source.agents_listed || e.agents_listed {
            for i in want.iter_mut().chain(got.iter_mut()) {
                i.agents.clear();
            }
        }
        if got != want {
            problems.push(format!(
                "{name}: the export loads as {got:?}, its source as {want:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(plugins.len(), sources.len(), "{plugins:?}");
}
