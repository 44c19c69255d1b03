//! Lenient frontmatter of `SKILL.md`, agents and commands.
//!
//! Real plugins often carry frontmatter that is not valid YAML (for example
//! `argument-hint: [a] | [b]`). We read `name` and `description` line by line,
//! never fail, and report what a strict YAML parser would have refused so the
//! caller can warn. The original bytes are always kept by the caller.
//!
//! A quoted value is read as YAML 1.2 reads it: the escapes of a
//! double-quoted scalar, `''` in a single-quoted one, and lines folded when
//! it goes on over the indented lines after its key (the tests check this
//! against a YAML parser). One YAML would refuse (an unknown escape, never
//! closed, text after it) is still read, and said to be invalid.

use crate::prelude::*;
use alloc::borrow::Cow;

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
    // `from_utf8` checks valid text many times faster than the lossy
    // decoder, which is only needed for text that is not.
    let text = match core::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    };
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
        // Untrimmed at the end: `"a\ ` ends in an escaped space.
        let quoted_raw = raw.trim_start();
        let raw = raw.trim();
        // Continuation lines: everything indented that follows.
        let start = i;
        while i < block.len()
            && (block[i].1.starts_with([' ', '\t']) || block[i].1.trim().is_empty())
        {
            i += 1;
        }
        let continuation: Vec<&str> = block[start..i].iter().map(|(_, l)| *l).collect();
        let (value, problem) = if raw.starts_with(['"', '\'']) {
            quoted(quoted_raw, &continuation)
        } else {
            scalar(raw, &continuation)
        };
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

/// Reads one unquoted scalar leniently; returns its text and, if strict YAML
/// would refuse it, why.
fn scalar(raw: &str, continuation: &[&str]) -> (Option<String>, Option<String>) {
    let mut problem = None;
    let value = if let Some(style) = raw.strip_prefix(['|', '>']) {
        let folded = raw.starts_with('>');
        let _ = style;
        let body: Vec<&str> = continuation.iter().map(|l| l.trim()).collect();
        let joined = if folded { fold(&body) } else { body.join("\n") };
        Some(joined.trim().to_owned())
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

/// A quoted scalar that starts on the key's line (`raw`, from its opening
/// quote) and may go on over the indented lines after it, read as YAML reads
/// it. One that is never closed is read as the rest of its first line.
fn quoted(raw: &str, continuation: &[&str]) -> (Option<String>, Option<String>) {
    let double = raw.starts_with('"');
    let first = &raw[1..];
    let mut source = String::from(first);
    for line in continuation {
        source.push('\n');
        source.push_str(line);
    }
    let Some(end) = closing_quote(&source, double) else {
        let problem = if double {
            "unclosed double-quoted scalar"
        } else {
            "unclosed single-quoted scalar"
        };
        return (Some(first.trim_end().to_owned()), Some(problem.into()));
    };
    let (value, mut problem) = flow_scalar(&source[..end], double);
    // Its lines after the first are empty or indented by a space at least.
    if source[..end]
        .split('\n')
        .skip(1)
        .any(|l| !l.is_empty() && !l.starts_with(' '))
    {
        problem.get_or_insert_with(|| "a line of a quoted scalar is not indented".into());
    }
    // After it: nothing, or a comment (`#` after white space), to the end.
    let mut after = source[end + 1..].split('\n');
    let same_line = after.next().unwrap_or_default();
    let comment = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    let clean = (same_line.trim().is_empty() || same_line.starts_with([' ', '\t']))
        && comment(same_line)
        && after.all(comment);
    if !clean && problem.is_none() {
        problem = Some("unexpected text after a quoted scalar".into());
    }
    (Some(value), problem)
}

/// Where the closing quote of a quoted scalar's text is: the first `"` not
/// escaped by a backslash, or the first `'` that is not `''`.
fn closing_quote(s: &str, double: bool) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (double, bytes[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') => return Some(i),
            (false, b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 1,
            (false, b'\'') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The value of a quoted scalar's text (what is between its quotes, lines
/// joined by `\n`): escapes (double-quoted) or `''` (single-quoted) undone,
/// and lines folded: a line break is a space, or one `\n` per empty line
/// after it, and the white space around it goes. Also why YAML would refuse
/// the text, if it would; an escape it refuses is kept as written.
fn flow_scalar(text: &str, double: bool) -> (String, Option<String>) {
    let mut out = String::with_capacity(text.len());
    let mut problem = None;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = match c {
            ' ' | '\t' => {
                let end = white_space(rest);
                if !rest[end..].starts_with('\n') {
                    out.push_str(&rest[..end]);
                }
                &rest[end..]
            }
            '\n' => fold_break(&rest[1..], &mut out, true),
            '\\' if double => escape(&rest[1..], &mut out).unwrap_or_else(|what| {
                problem.get_or_insert_with(|| what.to_owned());
                out.push('\\');
                &rest[1..]
            }),
            // `''`: the closing quote was cut off, so a quote here is doubled.
            '\'' if !double => {
                out.push('\'');
                &rest[2..]
            }
            c => {
                out.push(c);
                &rest[c.len_utf8()..]
            }
        };
    }
    (out, problem)
}

/// How many spaces and tabs `s` starts with.
fn white_space(s: &str) -> usize {
    s.bytes().take_while(|b| matches!(b, b' ' | b'\t')).count()
}

/// After a line break in a quoted scalar: the empty lines that follow, each
/// one `\n` (none: a space if `space`), and the next line's indentation.
fn fold_break<'a>(mut rest: &'a str, out: &mut String, space: bool) -> &'a str {
    let mut empty = 0;
    let next_line = loop {
        let end = white_space(rest);
        match rest[end..].strip_prefix('\n') {
            Some(next) => {
                empty += 1;
                rest = next;
            }
            None => break &rest[end..],
        }
    };
    if empty == 0 && space {
        out.push(' ');
    }
    for _ in 0..empty {
        out.push('\n');
    }
    next_line
}

/// One escape of a double-quoted scalar (`rest` is what follows the
/// backslash) into `out`; what follows it, or why YAML refuses it.
fn escape<'a>(rest: &'a str, out: &mut String) -> Result<&'a str, &'static str> {
    const UNKNOWN: &str = "found unknown escape character";
    let c = rest.chars().next().ok_or(UNKNOWN)?;
    let after = &rest[c.len_utf8()..];
    let digits = match c {
        '\n' => return Ok(fold_break(after, out, false)),
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => {
            out.push(named_escape(c).ok_or(UNKNOWN)?);
            return Ok(after);
        }
    };
    let code = after
        .get(..digits)
        .and_then(|h| h.chars().try_fold(0, |n, d| Some(n << 4 | d.to_digit(16)?)))
        .ok_or("did not find expected hexadecimal number")?;
    out.push(char::from_u32(code).ok_or("found invalid Unicode character escape code")?);
    Ok(&after[digits..])
}

/// What a one-letter escape of a double-quoted scalar stands for.
fn named_escape(c: char) -> Option<char> {
    Some(match c {
        '0' => '\0',
        'a' => '\u{7}',
        'b' => '\u{8}',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\u{b}',
        'f' => '\u{c}',
        'r' => '\r',
        'e' => '\u{1b}',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        _ => return None,
    })
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
mod tests;
