//! The lenient frontmatter reader: fixed cases, and generated YAML quoted
//! scalars read as a YAML 1.2 parser (saphyr) reads them.

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

#[test]
fn double_quoted_escapes_are_undone() {
    for (quoted, value) in [
        (r#""caf\u00e9""#, "café"),
        (r#""caf\u00E9 \x41\x7a \U0001F600""#, "café Az 😀"),
        (r#""a\rb\nc\td""#, "a\rb\nc\td"),
        (r#""\\ \" \/ \ x""#, "\\ \" /  x"),
        (r#""\0\a\b\v\f\e""#, "\0\u{7}\u{8}\u{b}\u{c}\u{1b}"),
        (r#""\N\_\L\P""#, "\u{85}\u{a0}\u{2028}\u{2029}"),
        ("\"tab\\\there\"", "tab\there"),
        (r#""ends in a space\ ""#, "ends in a space "),
        (r#""\"quoted\"" # comment"#, "\"quoted\""),
    ] {
        check(
            &format!("---\nname: {quoted}\n---\n"),
            Some(value),
            None,
            true,
        );
    }
}

#[test]
fn quoted_values_go_on_over_indented_lines_folded() {
    check(
        "---\nname: \"first\n  second \n\n   third\"\ndescription: d\n---\n",
        Some("first second\nthird"),
        Some("d"),
        true,
    );
    // An escaped line break joins without a space; the white space before
    // the backslash stays.
    check(
        "---\ndescription: \"one \\\n    two\\\n three\"\n---\n",
        None,
        Some("one twothree"),
        true,
    );
    check(
        "---\ndescription: 'it''s\n  folded,\n\n\n  ''twice'''\nname: n\n---\n",
        Some("n"),
        Some("it's folded,\n\n'twice'"),
        true,
    );
    check(
        "---\ndescription: \"a\n  # not a comment\"\n---\n",
        None,
        Some("a # not a comment"),
        true,
    );
}

#[test]
fn invalid_quoted_values_are_read_anyway() {
    // Unknown escapes and code points that are not characters are kept as
    // written.
    check(
        "---\nname: \"a\\qb \\ud83d\\ude00 \\x4g\"\n---\n",
        Some("a\\qb \\ud83d\\ude00 \\x4g"),
        None,
        false,
    );
    check(
        "---\ndescription: \"closed\" and more\n---\n",
        None,
        Some("closed"),
        false,
    );
    check(
        "---\ndescription: \"closed\"\n  more\n---\n",
        None,
        Some("closed"),
        false,
    );
    check(
        "---\ndescription: 'never\n  closed\nname: n\n---\n",
        Some("n"),
        Some("never"),
        false,
    );
}

/// What saphyr reads as the value of `key` in the YAML `block`, if it reads
/// the block at all (an empty string is no value, as in `parse`).
fn yaml_value(block: &str, key: &str) -> Option<Option<String>> {
    use saphyr::{LoadableYamlNode, Yaml};
    let docs = Yaml::load_from_str(block).ok()?;
    let value = docs.first()?.as_mapping_get(key)?.as_str()?;
    Some(Some(value.to_owned()).filter(|v| !v.is_empty()))
}

/// Continuation lines of a value are indented this much.
const INDENT: &str = "  ";

/// Whether a line break may be written here: YAML drops the white space
/// written on either side of one.
fn may_break(out: &str, next: Option<char>) -> bool {
    !out.ends_with([' ', '\t', '"', '\'']) && !matches!(next, Some(' ' | '\t'))
}

/// A line break, then one empty line per `\n` of `run`.
fn push_break(out: &mut String, newlines: usize) {
    out.push('\n');
    for _ in 0..newlines {
        out.push('\n');
    }
    out.push_str(INDENT);
}

/// Whether YAML lets `c` be written as it is inside quotes.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}'
}

/// `c` as a hex escape chosen by `pick`.
fn hex_escape(c: char, pick: u8) -> String {
    let code = u32::from(c);
    let upper = pick & 0x10 != 0;
    match (pick % 3, code) {
        (0, 0..=0xff) if upper => format!("\\x{code:02X}"),
        (0, 0..=0xff) => format!("\\x{code:02x}"),
        (0 | 1, 0..=0xffff) if upper => format!("\\u{code:04X}"),
        (0 | 1, 0..=0xffff) => format!("\\u{code:04x}"),
        _ => format!("\\U{code:08x}"),
    }
}

/// `s` as a double-quoted scalar, each character written as `pick` chooses:
/// as it is, by a named or hex escape, a space or `\n` as a line break, or
/// after an escaped line break.
fn double_quoted(s: &[(char, u8)]) -> String {
    let mut out = String::from("\"");
    let mut i = 0;
    while let Some(&(c, pick)) = s.get(i) {
        let next = s.get(i + 1).map(|(c, _)| *c);
        let after_newlines = s[i..].iter().take_while(|(c, _)| *c == '\n').count();
        if pick >= 0xe0 && !out.ends_with('"') && !matches!(c, ' ' | '\t') {
            out.push_str("\\\n");
            out.push_str(INDENT);
        }
        match c {
            '\n' if pick % 2 == 0
                && may_break(&out, s.get(i + after_newlines).map(|(c, _)| *c)) =>
            {
                push_break(&mut out, after_newlines);
                i += after_newlines;
                continue;
            }
            ' ' if pick % 4 == 0 && may_break(&out, next) => push_break(&mut out, 0),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ' ' if pick % 4 == 1 => out.push_str("\\ "),
            '\t' if pick % 3 == 0 => out.push_str("\\t"),
            '\t' if pick % 3 == 1 => out.push_str("\\\t"),
            '/' if pick % 2 == 0 => out.push_str("\\/"),
            c if !printable(c) || pick % 8 == 7 => out.push_str(&hex_escape(c, pick)),
            c => out.push(c),
        }
        i += 1;
    }
    out.push('"');
    out
}

/// `s` (no `\r`, only printable characters) as a single-quoted scalar: a
/// space sometimes, and a `\n` always, written as a line break.
fn single_quoted(s: &[(char, u8)]) -> String {
    let mut out = String::from("'");
    let mut i = 0;
    while let Some(&(c, pick)) = s.get(i) {
        let next = s.get(i + 1).map(|(c, _)| *c);
        match c {
            '\n' => {
                let run = s[i..].iter().take_while(|(c, _)| *c == '\n').count();
                push_break(&mut out, run);
                i += run;
                continue;
            }
            ' ' if pick % 3 == 0 && may_break(&out, next) => push_break(&mut out, 0),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
        i += 1;
    }
    out.push('\'');
    out
}

/// Characters that YAML quoting treats specially, and some that it does not.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec!['a', 'b', 'z', '0', ' ', ' ', '\n', '"', '\'', '\\']),
        2 => prop::sample::select(vec!['\t', '#', ':', '/', '-', '[', '{', '&', '*', '!', '%', '@', '`', 'é', '😀']),
        1 => prop::sample::select(vec!['\0', '\u{7}', '\u{1b}', '\r', '\u{7f}', '\u{85}', '\u{9f}', '\u{a0}', '\u{2028}', '\u{fffe}']),
        1 => any::<char>(),
    ]
}

/// A single-quoted scalar cannot hold white space next to a line break (YAML
/// drops it), a `\r`, or what is not printable: those become `x`.
fn single_quotable(s: Vec<(char, u8)>) -> Vec<(char, u8)> {
    let newline_at = |i: Option<usize>| i.and_then(|i| s.get(i)).is_some_and(|(c, _)| *c == '\n');
    (0..s.len())
        .map(|i| {
            let (c, pick) = s[i];
            let beside_break = newline_at(i.checked_sub(1)) || newline_at(Some(i + 1));
            match c {
                ' ' | '\t' if beside_break => ('x', pick),
                '\r' => ('x', pick),
                c if !printable(c) => ('x', pick),
                c => (c, pick),
            }
        })
        .collect()
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn double_quoted_values_read_as_yaml_reads_them(
        s in prop::collection::vec((any_char(), any::<u8>()), 0..24),
    ) {
        let quoted = double_quoted(&s);
        let block = format!("name: {quoted}\ndescription: after\n");
        let text: String = s.iter().map(|(c, _)| *c).collect();
        // The generator writes valid YAML for `text`.
        prop_assert_eq!(yaml_value(&block, "name"), Some(Some(text.clone()).filter(|t| !t.is_empty())), "{}", block);
        let fm = parse(format!("---\n{block}---\nbody\n").as_bytes());
        prop_assert_eq!(fm.name, Some(text).filter(|t| !t.is_empty()), "{}", block);
        prop_assert_eq!(fm.description.as_deref(), Some("after"));
        prop_assert_eq!(fm.problem, None);
    }

    #[test]
    fn single_quoted_values_read_as_yaml_reads_them(
        s in prop::collection::vec((any_char(), any::<u8>()), 0..24).prop_map(single_quotable),
    ) {
        let quoted = single_quoted(&s);
        let block = format!("description: {quoted}\nname: after\n");
        let text: String = s.iter().map(|(c, _)| *c).collect();
        prop_assert_eq!(yaml_value(&block, "description"), Some(Some(text.clone()).filter(|t| !t.is_empty())), "{}", block);
        let fm = parse(format!("---\n{block}---\nbody\n").as_bytes());
        prop_assert_eq!(fm.description, Some(text).filter(|t| !t.is_empty()), "{}", block);
        prop_assert_eq!(fm.name.as_deref(), Some("after"));
        prop_assert_eq!(fm.problem, None);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Any quoting is read without failing, and when the reader finds
    /// nothing wrong, YAML reads the same value.
    #[test]
    fn any_quoted_value_is_read_and_valid_only_if_yaml_agrees(
        body in "([\"'\\\\ \tuxU0-9a-fé:#]|\n\n?[ \t][ \t]?){0,30}",
        quote in prop::sample::select(vec!['"', '\'']),
    ) {
        // (Lines after the first are indented: a line at the left margin
        // would be the next key, not part of this value.)
        let block = format!("name: {quote}{body}\n");
        let fm = parse(format!("---\n{block}---\n").as_bytes());
        if fm.problem.is_none() {
            prop_assert_eq!(yaml_value(&block, "name"), Some(fm.name), "{:?}", block);
        }
    }
}
