//! What every engine must agree on, written once: the runtime error kinds and their spelling,
//! the float printing rule, JSON string quoting, sha256 and the "did you mean" rule.

#![forbid(unsafe_code)]

pub mod capabilities;
pub mod suggest;

pub use capabilities::{CapabilityMethod, CAPABILITY_METHODS};

use sha2::{Digest, Sha256};
use std::fmt;

/// The kinds of runtime error in the contract. `Display` gives the exact spelling the CLI prints
/// in `runtime error: KIND: message`. This is the one table of error kinds: the C runtime
/// (`runtime/rt`) and the browser host (`runtime/browser/aura.js`) spell them too, and
/// `tests/error_kinds.rs` checks that they agree with it, in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    Type,
    DivisionByZero,
    IntegerOverflow,
    IndexOutOfRange,
    DoesNotUnderstand,
    StackOverflow,
    OutOfMemory,
    OutOfFuel,
    AssertionFailed,
    Json,
    Error,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::Type,
        ErrorKind::DivisionByZero,
        ErrorKind::IntegerOverflow,
        ErrorKind::IndexOutOfRange,
        ErrorKind::DoesNotUnderstand,
        ErrorKind::StackOverflow,
        ErrorKind::OutOfMemory,
        ErrorKind::OutOfFuel,
        ErrorKind::AssertionFailed,
        ErrorKind::Json,
        ErrorKind::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Type => "type error",
            ErrorKind::DivisionByZero => "division by zero",
            ErrorKind::IntegerOverflow => "integer overflow",
            ErrorKind::IndexOutOfRange => "index out of range",
            ErrorKind::DoesNotUnderstand => "does not understand",
            ErrorKind::StackOverflow => "stack overflow",
            ErrorKind::OutOfMemory => "out of memory",
            ErrorKind::OutOfFuel => "out of fuel",
            ErrorKind::AssertionFailed => "assertion failed",
            ErrorKind::Json => "json error",
            ErrorKind::Error => "error",
        }
    }

    /// Whether `try ... catch` may handle an error of this kind. The limits (call depth, memory,
    /// fuel and the deadline) are not catchable: they propagate through every `try`, so a
    /// program cannot go on past them.
    pub fn catchable(self) -> bool {
        !matches!(
            self,
            ErrorKind::StackOverflow | ErrorKind::OutOfMemory | ErrorKind::OutOfFuel
        )
    }

    /// The kind's constant in the C runtime (`runtime/rt/aura_rt.h`), whose value is the kind's
    /// index in [`ErrorKind::ALL`]: what `aura_fail` passes to the host.
    pub fn c_name(self) -> &'static str {
        match self {
            ErrorKind::Type => "AURA_E_TYPE",
            ErrorKind::DivisionByZero => "AURA_E_DIV_ZERO",
            ErrorKind::IntegerOverflow => "AURA_E_OVERFLOW",
            ErrorKind::IndexOutOfRange => "AURA_E_INDEX",
            ErrorKind::DoesNotUnderstand => "AURA_E_DNU",
            ErrorKind::StackOverflow => "AURA_E_STACK",
            ErrorKind::OutOfMemory => "AURA_E_MEMORY",
            ErrorKind::OutOfFuel => "AURA_E_FUEL",
            ErrorKind::AssertionFailed => "AURA_E_ASSERT",
            ErrorKind::Json => "AURA_E_JSON",
            ErrorKind::Error => "AURA_E_ERROR",
        }
    }

    pub fn parse(text: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A runtime error: its kind and a human message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    pub kind: ErrorKind,
    pub message: String,
}

impl RuntimeError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> RuntimeError {
        RuntimeError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for RuntimeError {
    /// The first line the CLI prints on standard error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "runtime error: {}: {}", self.kind, self.message)
    }
}

impl std::error::Error for RuntimeError {}

/// `str(x)` of a float: the shortest round-trip decimal in the form of Rust's `{:?}` for f64.
pub fn format_float(value: f64) -> String {
    format!("{value:?}")
}

/// Appends `text` as a JSON string literal (with quotes): `"`, `\`, and control characters escaped.
pub fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Lowercase hex sha256 of the UTF-8 bytes of `text`.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_rust_debug() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e300, "1e300"),
            (1e-7, "1e-7"),
            (1e16, "1e16"),
        ];
        for (value, text) in cases {
            assert_eq!(format_float(value), text);
        }
        assert_eq!(format_float(f64::NAN), "NaN");
        assert_eq!(format_float(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn json_strings_escape_quotes_and_controls() {
        let mut out = String::new();
        write_json_string(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u0001é\"");
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn error_kinds_round_trip_through_their_spelling() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::parse(kind.as_str()), Some(kind));
        }
    }
}
