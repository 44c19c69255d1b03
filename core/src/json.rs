//! Reading JSON documents (manifests, `hooks.json`, `.mcp.json`) into
//! `serde_json::Value`.
//!
//! This is `serde_json::from_slice::<Value>` with the same results: the same
//! values (numbers included: a `u64`, else an `i64`, else the `f64` serde_json
//! computes without its `float_roundtrip` feature, so canonical MCP hashes do
//! not move), the same key order and duplicate-key rule, the same 128-level
//! nesting limit, and the same messages and positions ("expected `:` at line
//! 3 column 9"). It exists because serde_json's generic deserializer is the
//! largest part of the browser package; `tests` compares the two on generated
//! documents.

use crate::prelude::*;
use serde_json::{Map, Number, Value};

/// Why a document is not JSON, and where (1-based line; column in bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub reason: &'static str,
    pub line: usize,
    pub column: usize,
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.reason, self.line, self.column
        )
    }
}

const EOF_LIST: &str = "EOF while parsing a list";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_STRING: &str = "EOF while parsing a string";
const EOF_VALUE: &str = "EOF while parsing a value";
const EXPECTED_COLON: &str = "expected `:`";
const EXPECTED_LIST_COMMA: &str = "expected `,` or `]`";
const EXPECTED_OBJECT_COMMA: &str = "expected `,` or `}`";
const EXPECTED_IDENT: &str = "expected ident";
const EXPECTED_VALUE: &str = "expected value";
const INVALID_ESCAPE: &str = "invalid escape";
const INVALID_NUMBER: &str = "invalid number";
const OUT_OF_RANGE: &str = "number out of range";
const INVALID_CODE_POINT: &str = "invalid unicode code point";
const CONTROL_CHARACTER: &str = "control character (\\u0000-\\u001F) found while parsing a string";
const KEY_NOT_STRING: &str = "key must be a string";
const LONE_SURROGATE: &str = "lone leading surrogate in hex escape";
const TRAILING_COMMA: &str = "trailing comma";
const TRAILING_CHARACTERS: &str = "trailing characters";
const END_OF_HEX_ESCAPE: &str = "unexpected end of hex escape";
const RECURSION_LIMIT: &str = "recursion limit exceeded";

type Result<T, E = JsonError> = core::result::Result<T, E>;

/// Parses one JSON document (whitespace around it allowed, nothing else).
pub fn parse(bytes: &[u8]) -> Result<Value> {
    let mut p = Parser {
        bytes,
        index: 0,
        depth: 128,
    };
    let value = p.value()?;
    match p.skip_whitespace() {
        Some(_) => Err(p.peek_error(TRAILING_CHARACTERS)),
        None => Ok(value),
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    /// Bytes consumed so far.
    index: usize,
    /// Arrays and objects that may still be opened.
    depth: u8,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.index).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek();
        self.index += usize::from(b.is_some());
        b
    }

    fn next_digit(&mut self) -> Option<u8> {
        let d = self.peek().filter(u8::is_ascii_digit)?;
        self.index += 1;
        Some(d - b'0')
    }

    /// The next byte that is not whitespace, not consumed.
    fn skip_whitespace(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.index += 1;
        }
        self.peek()
    }

    /// An error at the last consumed byte.
    fn error(&self, reason: &'static str) -> JsonError {
        self.error_at(self.index, reason)
    }

    /// An error at the next byte (not yet consumed).
    fn peek_error(&self, reason: &'static str) -> JsonError {
        self.error_at((self.index + 1).min(self.bytes.len()), reason)
    }

    fn error_at(&self, index: usize, reason: &'static str) -> JsonError {
        let before = &self.bytes[..index];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        JsonError {
            reason,
            line: 1 + before[..line_start].iter().filter(|&&b| b == b'\n').count(),
            column: index - line_start,
        }
    }

    fn value(&mut self) -> Result<Value> {
        let Some(first) = self.skip_whitespace() else {
            return Err(self.peek_error(EOF_VALUE));
        };
        let value = match first {
            b'n' => self.ident(b"null", Value::Null)?,
            b't' => self.ident(b"true", Value::Bool(true))?,
            b'f' => self.ident(b"false", Value::Bool(false))?,
            b'-' => {
                self.index += 1;
                self.number(false)?
            }
            b'0'..=b'9' => self.number(true)?,
            b'"' => {
                self.index += 1;
                Value::String(self.string()?)
            }
            b'[' => {
                self.descend()?;
                let items = self.array()?;
                self.depth += 1;
                Value::Array(items)
            }
            b'{' => {
                self.descend()?;
                let map = self.object()?;
                self.depth += 1;
                Value::Object(map)
            }
            _ => return Err(self.peek_error(EXPECTED_VALUE)),
        };
        Ok(value)
    }

    fn ident(&mut self, word: &[u8], value: Value) -> Result<Value> {
        self.index += 1;
        for expected in &word[1..] {
            match self.next() {
                None => return Err(self.error(EOF_VALUE)),
                Some(b) if b != *expected => return Err(self.error(EXPECTED_IDENT)),
                Some(_) => {}
            }
        }
        Ok(value)
    }

    /// Enters an array or object, whose opening byte is next.
    fn descend(&mut self) -> Result<()> {
        self.depth -= 1;
        if self.depth == 0 {
            return Err(self.peek_error(RECURSION_LIMIT));
        }
        self.index += 1;
        Ok(())
    }

    fn array(&mut self) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        loop {
            match self.skip_whitespace() {
                None => return Err(self.peek_error(EOF_LIST)),
                Some(b']') => break,
                Some(_) if items.is_empty() => {}
                Some(b',') => {
                    self.index += 1;
                    match self.skip_whitespace() {
                        Some(b']') => return Err(self.peek_error(TRAILING_COMMA)),
                        Some(_) => {}
                        None => return Err(self.peek_error(EOF_VALUE)),
                    }
                }
                Some(_) => return Err(self.peek_error(EXPECTED_LIST_COMMA)),
            }
            items.push(self.value()?);
        }
        self.index += 1;
        Ok(items)
    }

    fn object(&mut self) -> Result<Map<String, Value>> {
        let mut map = Map::new();
        let mut first = true;
        loop {
            match self.skip_whitespace() {
                None => return Err(self.peek_error(EOF_OBJECT)),
                Some(b'}') => break,
                Some(b'"') if first => {}
                Some(_) if first => return Err(self.peek_error(KEY_NOT_STRING)),
                Some(b',') => {
                    self.index += 1;
                    match self.skip_whitespace() {
                        Some(b'"') => {}
                        Some(b'}') => return Err(self.peek_error(TRAILING_COMMA)),
                        Some(_) => return Err(self.peek_error(KEY_NOT_STRING)),
                        None => return Err(self.peek_error(EOF_VALUE)),
                    }
                }
                Some(_) => return Err(self.peek_error(EXPECTED_OBJECT_COMMA)),
            }
            first = false;
            self.index += 1;
            let key = self.string()?;
            match self.skip_whitespace() {
                Some(b':') => self.index += 1,
                Some(_) => return Err(self.peek_error(EXPECTED_COLON)),
                None => return Err(self.peek_error(EOF_OBJECT)),
            }
            let value = self.value()?;
            // A repeated key keeps its first place and takes the last value.
            map.insert(key, value);
        }
        self.index += 1;
        Ok(map)
    }

    /// The rest of a string whose opening quote was consumed.
    fn string(&mut self) -> Result<String> {
        let mut out = Vec::new();
        loop {
            let Some(b) = self.next() else {
                return Err(self.error(EOF_STRING));
            };
            match b {
                b'"' => break,
                b'\\' => self.escape(&mut out)?,
                0..=0x1f => return Err(self.error(CONTROL_CHARACTER)),
                _ => out.push(b),
            }
        }
        String::from_utf8(out).map_err(|e| {
            let mut err = self.error(INVALID_CODE_POINT);
            // Point at the first invalid byte (approximately, after escapes).
            let bad = e.as_bytes().len() - e.utf8_error().valid_up_to();
            err.column = err.column.saturating_sub(bad);
            err
        })
    }

    /// One escape; the backslash was consumed.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let Some(b) = self.next() else {
            return Err(self.error(EOF_STRING));
        };
        let byte = match b {
            b'"' | b'\\' | b'/' => b,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => return self.unicode_escape(out),
            _ => return Err(self.error(INVALID_ESCAPE)),
        };
        out.push(byte);
        Ok(())
    }

    /// `\uXXXX`, or a surrogate pair of them; the `\u` was consumed.
    fn unicode_escape(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let high = self.hex4()?;
        let code = match high {
            0xDC00..=0xDFFF => return Err(self.error(LONE_SURROGATE)),
            0xD800..=0xDBFF => {
                for expected in [b'\\', b'u'] {
                    match self.next() {
                        None => return Err(self.error(EOF_STRING)),
                        Some(b) if b != expected => return Err(self.error(END_OF_HEX_ESCAPE)),
                        Some(_) => {}
                    }
                }
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.error(LONE_SURROGATE));
                }
                0x1_0000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
            }
            _ => u32::from(high),
        };
        // Surrogates were handled above, so `code` is a scalar value.
        let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16> {
        let Some(digits) = self.bytes.get(self.index..self.index + 4) else {
            self.index = self.bytes.len();
            return Err(self.error(EOF_STRING));
        };
        self.index += 4;
        digits
            .iter()
            .try_fold(0u16, |n, &d| {
                Some(n << 4 | (d as char).to_digit(16)? as u16)
            })
            .ok_or_else(|| self.error(INVALID_ESCAPE))
    }

    /// A number; a leading `-` was consumed (`positive` is false).
    fn number(&mut self, positive: bool) -> Result<Value> {
        let mut significand = match self.next() {
            None => return Err(self.error(EOF_VALUE)),
            Some(b'0') if self.peek().is_some_and(|b| b.is_ascii_digit()) => {
                return Err(self.peek_error(INVALID_NUMBER));
            }
            Some(b @ b'0'..=b'9') => u64::from(b - b'0'),
            Some(_) => return Err(self.error(INVALID_NUMBER)),
        };
        // Whole digits that did not fit in a u64 (they only scale the value).
        let mut dropped = 0i32;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            match grow(significand, d - b'0') {
                Some(s) if dropped == 0 => significand = s,
                _ => dropped += 1,
            }
            self.index += 1;
        }
        let f = match self.peek() {
            Some(b'.' | b'e' | b'E') => self.fraction_and_exponent(significand, dropped)?,
            _ if dropped > 0 => self.float(significand, dropped)?,
            _ if positive => return Ok(Value::Number(significand.into())),
            _ => match 0i64.checked_sub_unsigned(significand) {
                // `-0` is a float, as in serde_json.
                Some(n) if n != 0 => return Ok(Value::Number(n.into())),
                _ => significand as f64,
            },
        };
        let f = if positive { f } else { -f };
        Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
    }

    /// `.digits` and/or `e±digits`, after the whole part.
    fn fraction_and_exponent(&mut self, mut significand: u64, mut exponent: i32) -> Result<f64> {
        if self.peek() == Some(b'.') {
            self.index += 1;
            let mut digits = 0;
            let mut full = false;
            while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
                // Digits past a full u64 are ignored, as serde_json does.
                match grow(significand, d - b'0').filter(|_| !full) {
                    Some(s) => {
                        significand = s;
                        exponent -= 1;
                    }
                    None => full = true,
                }
                digits += 1;
                self.index += 1;
            }
            if digits == 0 {
                return Err(match self.peek() {
                    Some(_) => self.peek_error(INVALID_NUMBER),
                    None => self.peek_error(EOF_VALUE),
                });
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.index += 1;
            let negative = self.peek() == Some(b'-');
            if let Some(b'+' | b'-') = self.peek() {
                self.index += 1;
            }
            let mut exp = match self.next() {
                None => return Err(self.error(EOF_VALUE)),
                Some(b @ b'0'..=b'9') => i32::from(b - b'0'),
                Some(_) => return Err(self.error(INVALID_NUMBER)),
            };
            while let Some(d) = self.next_digit() {
                match exp
                    .checked_mul(10)
                    .and_then(|e| e.checked_add(i32::from(d)))
                {
                    Some(e) => exp = e,
                    None if significand == 0 || negative => {
                        while self.next_digit().is_some() {}
                        return Ok(0.0);
                    }
                    None => return Err(self.error(OUT_OF_RANGE)),
                }
            }
            exponent = if negative {
                exponent.saturating_sub(exp)
            } else {
                exponent.saturating_add(exp)
            };
        }
        self.float(significand, exponent)
    }

    /// `significand × 10^exponent` as serde_json computes it: one multiply or
    /// divide by the nearest f64 to a power of ten (so not always the nearest
    /// f64 to the decimal); an infinite result is an error.
    fn float(&self, significand: u64, mut exponent: i32) -> Result<f64> {
        let mut f = significand as f64;
        loop {
            let abs = exponent.unsigned_abs();
            if abs <= 308 {
                if exponent >= 0 {
                    f *= pow10(abs);
                    if f.is_infinite() {
                        return Err(self.error(OUT_OF_RANGE));
                    }
                } else {
                    f /= pow10(abs);
                }
                return Ok(f);
            }
            if f == 0.0 {
                return Ok(f);
            }
            if exponent >= 0 {
                return Err(self.error(OUT_OF_RANGE));
            }
            f /= 1e308;
            exponent += 308;
        }
    }
}

/// `n × 10 + digit`, unless that overflows a u64.
fn grow(n: u64, digit: u8) -> Option<u64> {
    n.checked_mul(10)?.checked_add(u64::from(digit))
}

/// The f64 nearest to 10^n (what the literal `1e{n}` is), for n ≤ 308.
///
/// Computed rather than tabled (package size), in at most 48 multiplications:
/// 10^n is 5^n × 2^n, and 5^n = 5^r × (5^27)^q is carried as a 128-bit
/// mantissa through q ≤ 11 multiplications by 5^27 (the largest power of
/// five in a u64), each product cut to its top 128 bits (of which at least
/// 126 are significant). What is kept is below 5^n by less than 2^-121 of it
/// (11 cuts of less than 2^-125 each), while no 5^n with n ≤ 308 is closer
/// than 2^-66 of itself to a tie between two 53-bit values, so rounding the
/// kept value rounds 5^n. `powers_of_ten_are_the_nearest_f64` checks every n.
fn pow10(n: u32) -> f64 {
    const STEP: u32 = 27;
    const FIVE_TO_STEP: u64 = 5u64.pow(STEP);
    count_multiplications(u64::from(n % STEP));
    // 5^n = mantissa × 2^exponent, plus what was cut off (if `inexact`).
    let mut mantissa = (0..n % STEP).fold(1u128, |m, _| m * 5);
    let mut exponent = 0i32;
    let mut inexact = false;
    for _ in 0..n / STEP {
        let zeros = mantissa.leading_zeros();
        mantissa <<= zeros;
        count_multiplications(2);
        let low = (mantissa as u64 as u128) * u128::from(FIVE_TO_STEP);
        let high = (mantissa >> 64) * u128::from(FIVE_TO_STEP) + (low >> 64);
        inexact |= low as u64 != 0;
        mantissa = high;
        exponent += 64 - zeros as i32;
    }
    let zeros = mantissa.leading_zeros();
    mantissa <<= zeros;
    exponent -= zeros as i32;
    // The top 53 bits, rounded to nearest (ties to even) by the 75 below.
    let mut top = (mantissa >> 75) as u64;
    let rest = mantissa & ((1 << 75) - 1);
    let half = 1 << 74;
    if rest > half || (rest == half && (inexact || top & 1 == 1)) {
        top += 1;
    }
    exponent += 75 + n as i32;
    if top == 1 << 53 {
        top >>= 1;
        exponent += 1;
    }
    // 10^n = top × 2^exponent, top of exactly 53 bits.
    let biased = (exponent + 52 + 1023) as u64;
    f64::from_bits(biased << 52 | (top & ((1 << 52) - 1)))
}

#[cfg(test)]
std::thread_local! {
    /// Multiplications of a machine word done for powers of ten on this thread.
    static MULTIPLICATIONS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

#[cfg(test)]
fn count_multiplications(n: u64) {
    MULTIPLICATIONS.with(|c| c.set(c.get() + n));
}

#[cfg(not(test))]
fn count_multiplications(_: u64) {}

#[cfg(test)]
mod tests;
