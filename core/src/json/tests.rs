//! `json::parse` against `serde_json::from_slice::<Value>`: documents in,
//! the same value (compared as serialised text, so key order, `-0.0` and
//! integer-or-float all count) or the same message out.

use proptest::prelude::*;

use super::*;

/// What serde_json says about `input`, and what we say.
fn both(input: &[u8]) -> (Result<String, String>, Result<String, String>) {
    let text = |v: Value| serde_json::to_string(&v).expect("a Value serialises");
    let theirs = serde_json::from_slice::<Value>(input)
        .map(text)
        .map_err(|e| e.to_string());
    let ours = parse(input).map(text).map_err(|e| e.to_string());
    (theirs, ours)
}

fn same(input: &[u8]) {
    let (theirs, ours) = both(input);
    assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(input));
}

#[test]
fn documents_parse_as_serde_json_parses_them() {
    for doc in [
        r#"{"name":"a","version":"1.0.0","skills":["./s"],"n":null,"t":true,"f":false}"#,
        " \t\r\n[1, -2, 3.5, -0, 0, -0.0, 1e3, 1E-3, 2.5e+2, [], {}, [[]]] \n",
        r#"{"b":1,"a":2,"b":3}"#,
        r#""\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00 é""#,
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "12345678901234567890123.456e-3",
        "0.1000000000000000055511151231257827",
        "1.8446744073709551615999e5",
        "1e308",
        "1e-400",
        "-1e-400",
        "0e99999999999",
        "1e-99999999999",
        "2.2250738585072011e-308",
        "4.9e-324",
        "9007199254740993",
        "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    ] {
        same(doc.as_bytes());
    }
    for doc in EXTREME_NUMBERS {
        same(doc.as_bytes());
    }
}

#[test]
fn huge_and_tiny_exponents_and_long_mantissas_parse_as_in_serde_json() {
    let zeros = "0".repeat(400);
    for doc in [
        "1e-924".to_owned(),
        "-1e-924".to_owned(),
        "1e-323".to_owned(),
        "1e-324".to_owned(),
        "2.4703282292062328e-324".to_owned(),
        "2.4703282292062327e-324".to_owned(),
        "1.7976931348623157e308".to_owned(),
        "1.7976931348623158e308".to_owned(),
        "1.7976931348623159e308".to_owned(),
        "1e309".to_owned(),
        "0.1e310".to_owned(),
        "1e-616".to_owned(),
        "9.99999999999999999999e-617".to_owned(),
        "18446744073709551615e-650".to_owned(),
        "18446744073709551616e-650".to_owned(),
        format!("1{zeros}"),
        format!("1{zeros}e-700"),
        format!("1{zeros}e-1100"),
        format!("-1{zeros}.5e-100"),
        format!("0.{zeros}1e400"),
        format!("0.{zeros}1e900"),
        format!("1.{zeros}1e-300"),
        format!("3.{}e-250", "14159265358979323846".repeat(20)),
        format!(
            "[{}]",
            ["1e300", "1e-924", "-4.9e-324"].repeat(50).join(",")
        ),
    ] {
        same(doc.as_bytes());
    }
}

#[test]
fn errors_say_what_serde_json_says_where_it_says_it() {
    for doc in [
        "",
        "   ",
        "{name: 1}",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":1,2}",
        "[1,]",
        "[1 2]",
        "[1,",
        "[",
        "{",
        "{\"a\":",
        "{\"a\"",
        "nul",
        "nulL",
        "tru",
        "falsy",
        "-",
        "-x",
        "01",
        "1.",
        "1.x",
        "1e",
        "1e+",
        "1ex",
        "1e400",
        "1e99999999999",
        "\"abc",
        "\"a\\",
        "\"a\\x\"",
        "\"\\u12\"",
        "\"\\u12G4\"",
        "\"\\ud800\"",
        "\"\\ud800\\n\"",
        "\"\\ud800\\ud800\"",
        "\"\\udc00\"",
        "\"tab\there\"",
        "\"\u{7f}\"",
        "{} x",
        "[1]\n\n  ]",
        "\u{feff}{}",
        "{\n  \"name\": \"x\",\n  \"version\" \"1\"\n}",
    ] {
        same(doc.as_bytes());
    }
    // Not UTF-8 inside a string, and outside one.
    same(b"\"ab\xff\xfecd\"");
    same(b"[\"\\u00e9\xc3\"]");
    same(b"\xff");
}

#[test]
fn nesting_stops_at_128_levels_as_in_serde_json() {
    for depth in [127, 128, 129, 1000] {
        same(format!("{}{}", "[".repeat(depth), "]".repeat(depth)).as_bytes());
        same("{\"a\":".repeat(depth).as_bytes());
    }
}

#[test]
fn powers_of_ten_are_the_nearest_f64() {
    for n in 0..=308 {
        let literal: f64 = format!("1e{n}").parse().expect("std parses 1eN");
        assert_eq!(pow10(n).to_bits(), literal.to_bits(), "1e{n}");
    }
}

/// Numbers at the edges of the f64 range, and with more digits than a u64.
const EXTREME_NUMBERS: [&str; 8] = [
    "1e-924",
    "1e300",
    "-1.7976931348623157e308",
    "4.9e-324",
    "2.2250738585072011e-308",
    "3.14159265358979323846264338327950288419716939937510e-250",
    "123456789012345678901234567890123456789e-340",
    "0.00000000000000000000000000000000000000012345678901234567890e330",
];

#[test]
fn a_number_costs_a_bounded_number_of_multiplications() {
    let numbers = EXTREME_NUMBERS.repeat(100);
    let doc = format!("[{}]", numbers.join(","));
    MULTIPLICATIONS.with(|c| c.set(0));
    let parsed = parse(doc.as_bytes()).expect("a valid document");
    let spent = MULTIPLICATIONS.with(core::cell::Cell::get);
    assert_eq!(parsed.as_array().map(Vec::len), Some(numbers.len()));
    // A power of ten is 5^r (r < 27 multiplications) times at most 11
    // multiplications by 5^27 (two words each): 48 per number at most.
    assert!(
        spent <= 48 * numbers.len() as u64,
        "{spent} multiplications for {} numbers",
        numbers.len()
    );
}

/// Any JSON value, a few levels deep.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-c\u{e9}\"\\\\]{0,3}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn numbers_match(text in "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{0,24})?([eE][+-]?[0-9]{0,4})?") {
        same(text.as_bytes());
    }

    #[test]
    fn extreme_numbers_match(
        text in "-?[1-9][0-9]{0,45}(\\.[0-9]{1,45})?[eE][+-]?(2[89][0-9]|3[0-9][0-9]|[4-9][0-9][0-9]|1[0-9]{3})",
    ) {
        same(text.as_bytes());
    }

    #[test]
    fn written_documents_match(v in value(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&v)
        } else {
            serde_json::to_string(&v)
        };
        same(text.expect("a Value serialises").as_bytes());
    }

    #[test]
    fn damaged_documents_fail_or_pass_alike(
        v in value(),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"{}[]:,\"\\ \n0-.eE+tu\x01\xc3\xe9x".to_vec()),
        action in 0..3u8,
    ) {
        let mut bytes = serde_json::to_vec_pretty(&v).expect("a Value serialises");
        let i = at.index(bytes.len() + 1);
        match action {
            0 => bytes.insert(i, byte),
            1 if i < bytes.len() => { bytes.remove(i); }
            _ if i < bytes.len() => bytes[i] = byte,
            _ => bytes.push(byte),
        }
        same(&bytes);
    }
}
