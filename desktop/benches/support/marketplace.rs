//! A generated marketplace for the hash-first import benchmark: `plugins`
//! plugins under `plugins/`, each with 4 skills (SKILL.md and 10 reference
//! files), 8 commands and 6 agents (59 files), listed in
//! `.claude-plugin/marketplace.json` — the shape of `ui/e2e/marketplace.mjs`
//! with files twice as large: 300 plugins are 17,701 files, about 150 MB.
#![allow(dead_code)]

use std::path::Path;

/// Files and bytes written.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub files: usize,
    pub bytes: u64,
}

/// Deterministic filler text of about `bytes` bytes, different per `seed`.
fn filler(seed: &str, bytes: usize) -> String {
    let line = format!("- {seed}: keep the change small, test it, and say what was measured.\n");
    line.repeat(bytes.div_ceil(line.len()).max(1))
}

fn write(path: &Path, text: &str, totals: &mut Totals) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("creating a marketplace folder");
    }
    std::fs::write(path, text).expect("writing a marketplace file");
    totals.files += 1;
    totals.bytes += text.len() as u64;
}

fn plugin(root: &Path, name: &str, i: usize, totals: &mut Totals) {
    let dir = root.join("plugins").join(name);
    let manifest = format!(
        "{{\n  \"name\": \"{name}\",\n  \"version\": \"1.0.0\",\n  \"description\": \"Generated plugin {i}\"\n}}"
    );
    write(&dir.join(".claude-plugin/plugin.json"), &manifest, totals);
    for s in 0..4 {
        let skill = format!("{name}-skill-{s}");
        let front = format!(
            "---\nname: {skill}\ndescription: Generated skill {s} of plugin {i}. Use when benchmarking.\n---\n\n"
        );
        let body = front + &filler(&skill, 6000);
        write(&dir.join(format!("skills/{skill}/SKILL.md")), &body, totals);
        for r in 0..10 {
            let text =
                format!("# Reference {r}\n\n") + &filler(&format!("{skill}/{r}"), 4000 + 800 * r);
            let path = dir.join(format!("skills/{skill}/references/ref-{r}.md"));
            write(&path, &text, totals);
        }
    }
    for c in 0..8 {
        let front = format!("---\ndescription: Generated command {c} of plugin {i}\n---\n\n");
        let text = front + &filler(&format!("{name}/cmd/{c}"), 8000);
        write(
            &dir.join(format!("commands/{name}-cmd-{c}.md")),
            &text,
            totals,
        );
    }
    for a in 0..6 {
        let agent = format!("{name}-agent-{a}");
        let front = format!(
            "---\nname: {agent}\ndescription: Generated agent {a} of plugin {i}\nmodel: sonnet\n---\n\n"
        );
        let text = front + &filler(&agent, 10000);
        write(&dir.join(format!("agents/{agent}.md")), &text, totals);
    }
}

/// Writes the marketplace into `root`.
pub fn generate(root: &Path, plugins: usize) -> Totals {
    let mut totals = Totals::default();
    let names: Vec<String> = (0..plugins).map(|i| format!("gen-{i:03}")).collect();
    for (i, name) in names.iter().enumerate() {
        plugin(root, name, i, &mut totals);
    }
    let entries: Vec<String> = names
        .iter()
        .map(|n| {
            format!(
                "    {{\"name\": \"{n}\", \"source\": \"./plugins/{n}\", \"description\": \"Generated plugin {n}\"}}"
            )
        })
        .collect();
    let manifest = format!(
        "{{\n  \"name\": \"generated-marketplace\",\n  \"owner\": {{\"name\": \"skillmeat bench\"}},\n  \"plugins\": [\n{}\n  ]\n}}\n",
        entries.join(",\n")
    );
    write(
        &root.join(".claude-plugin/marketplace.json"),
        &manifest,
        &mut totals,
    );
    totals
}
