//! Lenient frontmatter of `SKILL.md`, agents and commands.
//!
//! Real plugins often carry frontmatter that is not valid YAML (for example
//! `argument-hint: [a] | [b]`). We read `name` and `description` line by line,
//! never fail, and report what a strict YAML parser would have refused so the
//! caller can warn. The original bytes are always kept by the caller.

use crate::prelude::*;

/// What we read from a frontmatter block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontmatter {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Why the block is not strict YAML, if it is not (line numbers 1-based
    /// from the top of the file).
    pub problem: Option<String>,
}

/// Reads the frontmatter at the top of a markdown file.
pub fn parse(bytes: &[u8]) -> Frontmatter {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first.trim_end() == "---" => {}
        _ => return Frontmatter::default(),
    }
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut closed = false;
    for (i, line) in lines {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            closed = true;
            break;
        }
        block.push((i + 1, line));
    }
    let mut fm = read_block(&block);
    if !closed && fm.problem.is_none() {
        fm.problem = Some("frontmatter starts with `---` but is never closed".into());
    }
    fm
}

fn read_block(block: &[(usize, &str)]) -> Frontmatter {
    let mut fm = Frontmatter::default();
    let mut i = 0;
    while i < block.len() {
        let (line_no, line) = block[i];
        i += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) || trimmed.starts_with("- ") || trimmed == "-" {
            // Belongs to a nested value we do not need.
            continue;
        }
        let Some((key, raw)) = line.split_once(':') else {
            note(&mut fm, line_no, "could not find expected ':'");
            continue;
        };
        let key = key.trim();
        let raw = raw.trim();
        // Continuation lines: everything indented that follows.
        let start = i;
        while i < block.len()
            && (block[i].1.starts_with([' ', '\t']) || block[i].1.trim().is_empty())
        {
            i += 1;
        }
        let continuation: Vec<&str> = block[start..i].iter().map(|(_, l)| *l).collect();
        let (value, problem) = scalar(raw, &continuation);
        if let Some(p) = problem {
            note(&mut fm, line_no, &p);
        }
        let slot = match key {
            "name" => &mut fm.name,
            "description" => &mut fm.description,
            _ => continue,
        };
        if slot.is_none() {
            *slot = value.filter(|v| !v.is_empty());
        }
    }
    fm
}

fn note(fm: &mut Frontmatter, line_no: usize, what: &str) {
    if fm.problem.is_none() {
        fm.problem = Some(format!("line {line_no}: {what}"));
    }
}

/// Reads one scalar leniently; returns its text and, if strict YAML would
/// refuse it, why.
fn scalar(raw: &str, continuation: &[&str]) -> (Option<String>, Option<String>) {
    let mut problem = None;
    let value = if let Some(style) = raw.strip_prefix(['|', '>']) {
        let folded = raw.starts_with('>');
        let _ = style;
        let body: Vec<&str> = continuation.iter().map(|l| l.trim()).collect();
        let joined = if folded { fold(&body) } else { body.join("\n") };
        Some(joined.trim().to_owned())
    } else if let Some(rest) = raw.strip_prefix('"') {
        match find_closing_double(rest) {
            Some(end) => {
                if !rest[end + 1..].trim().is_empty() && !rest[end + 1..].trim().starts_with('#') {
                    problem = Some("unexpected text after a quoted scalar".into());
                }
                Some(unescape_double(&rest[..end]))
            }
            None => {
                problem = Some("unclosed double-quoted scalar".into());
                Some(rest.to_owned())
            }
        }
    } else if let Some(rest) = raw.strip_prefix('\'') {
        match single_quoted(rest) {
            Some(value) => Some(value),
            None => {
                problem = Some("unclosed single-quoted scalar".into());
                Some(rest.to_owned())
            }
        }
    } else if raw.starts_with(['[', '{']) {
        if let Some(p) = flow_problem(raw) {
            problem = Some(p);
        }
        Some(raw.to_owned())
    } else {
        if raw.starts_with(['@', '`']) {
            problem = Some(format!(
                "found character {:?} that cannot start any token",
                &raw[..1]
            ));
        } else if find(raw, ": ").is_some() {
            problem = Some("mapping values are not allowed here".into());
        }
        let mut parts = vec![strip_comment(raw)];
        parts.extend(
            continuation
                .iter()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty()),
        );
        Some(parts.join(" ").trim().to_owned())
    };
    (value, problem)
}

fn fold(lines: &[&str]) -> String {
    let mut out = String::new();
    for l in lines {
        if l.is_empty() {
            out.push('\n');
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(l);
        }
    }
    out
}

fn strip_comment(raw: &str) -> &str {
    match find(raw, " #") {
        Some(i) => raw[..i].trim_end(),
        None => raw,
    }
}

/// The byte index of `needle` in `haystack`: `str::find` with a string
/// pattern would bring std's two-way searcher (about 1 KB of the browser
/// package) for needles of two bytes.
pub(crate) fn find(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

/// A single-quoted scalar's value (`''` is one quote), if it is closed.
fn single_quoted(rest: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            out.push(c);
        } else if chars.next_if_eq(&'\'').is_some() {
            out.push('\'');
        } else {
            return Some(out);
        }
    }
    None
}

fn find_closing_double(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return Some(i),
            _ => {}
        }
    }
    None
}

fn unescape_double(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Checks that a flow collection (`[...]` / `{...}`) spans the whole value.
fn flow_problem(raw: &str) -> Option<String> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in raw.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    let rest = raw[i + 1..].trim();
                    if !rest.is_empty() && !rest.starts_with('#') {
                        return Some(
                            "expected a comment or a line break after a flow collection".into(),
                        );
                    }
                    return None;
                }
            }
            _ => {}
        }
    }
    Some("flow collection is never closed".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, name: Option<&str>, description: Option<&str>, valid: bool) {
        let fm = parse(input.as_bytes());
        assert_eq!(fm.name.as_deref(), name, "name of {input:?}");
        assert_eq!(
            fm.description.as_deref(),
            description,
            "description of {input:?}"
        );
        assert_eq!(
            fm.problem.is_none(),
            valid,
            "validity of {input:?}: {:?}",
            fm.problem
        );
    }

    #[test]
    fn plain() {
        check(
            "---\nname: tdd\ndescription: Use when testing\n---\n# Body\n",
            Some("tdd"),
            Some("Use when testing"),
            true,
        );
        check("# No frontmatter\n", None, None, true);
        check("", None, None, true);
        check("\u{feff}---\r\nname: x\r\n---\r\n", Some("x"), None, true);
    }

    #[test]
    fn quoted_and_blocks() {
        check(
            "---\nname: \"a: b\"\ndescription: 'it''s'\n---\n",
            Some("a: b"),
            Some("it's"),
            true,
        );
        check(
            "---\ndescription: >\n  folded\n  text\nname: n\n---\n",
            Some("n"),
            Some("folded text"),
            true,
        );
        check(
            "---\ndescription: |\n  line1\n  line2\n---\n",
            None,
            Some("line1\nline2"),
            true,
        );
        check(
            "---\ndescription: plain\n  continued\n---\n",
            None,
            Some("plain continued"),
            true,
        );
    }

    #[test]
    fn invalid_yaml_is_read_anyway() {
        // Real quirk: unquoted `[a] | [b]` in argument-hint.
        check(
            "---\ndescription: Run checks\nargument-hint: [--skip-install] | [--only-lint]\n---\n",
            None,
            Some("Run checks"),
            false,
        );
        check(
            "---\nname: x\ndescription: Use this: always\n---\n",
            Some("x"),
            Some("Use this: always"),
            false,
        );
        check(
            "---\nname: y\njust some words\n---\n",
            Some("y"),
            None,
            false,
        );
        check("---\nname: z\n", Some("z"), None, false);
        check(
            "---\ndescription: \"unclosed\n---\n",
            None,
            Some("unclosed"),
            false,
        );
        check(
            "---\ntools: [Read, Grep]\nname: ok\n---\n",
            Some("ok"),
            None,
            true,
        );
    }
}
