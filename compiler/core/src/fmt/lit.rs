//! Literal text: numbers, strings and map keys, written so that they lex back to the same value.

use std::fmt::Write as _;

/// The reserved words of the language; a map key spelled like one of these is quoted.
pub const KEYWORDS: &[&str] = &[
    "fn", "let", "if", "else", "try", "catch", "while", "for", "in", "return", "break", "continue",
    "true", "false", "nil", "and", "or", "not", "object", "plugin", "route", "uses", "self",
];

/// `[A-Za-z_][A-Za-z0-9_]*` and not a keyword.
pub fn is_bare_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !KEYWORDS.contains(&name)
}

/// A map key: bare when it is a plain identifier, else a quoted string.
pub fn map_key(key: &str) -> String {
    if is_bare_name(key) {
        key.to_string()
    } else {
        string(key)
    }
}

/// A double-quoted string literal. `\n \t \r \\ \" \0` use their short escapes; every other
/// control character (C0, DEL, C1) is written `\u{HEX}`; everything else is written as itself.
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A float literal in the form of Rust's `{:?}` (`1.0`, `0.1`, `1e300`, `2.5e-7`), which the
/// lexer reads back to the same bits. The UAST promises finite floats; a non-finite one (only
/// possible in hand-written JSON) is written as the division that computes it at run time, so
/// the output still parses.
pub fn float(value: f64) -> String {
    if value.is_finite() {
        format!("{value:?}")
    } else if value.is_nan() {
        "(0.0 / 0.0)".to_string()
    } else if value > 0.0 {
        "(1.0 / 0.0)".to_string()
    } else {
        "(-1.0 / 0.0)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_controls() {
        assert_eq!(string("a\"b\\c\n\t\r\0"), r#""a\"b\\c\n\t\r\0""#);
        assert_eq!(
            string("\u{1}\u{7f}\u{85}é😀"),
            "\"\\u{1}\\u{7F}\\u{85}é😀\""
        );
    }

    #[test]
    fn keys() {
        assert_eq!(map_key("abc_1"), "abc_1");
        assert_eq!(map_key("_"), "_");
        assert_eq!(map_key("if"), "\"if\"");
        assert_eq!(map_key("1a"), "\"1a\"");
        assert_eq!(map_key(""), "\"\"");
        assert_eq!(map_key("a-b"), "\"a-b\"");
    }

    #[test]
    fn floats() {
        assert_eq!(float(1.0), "1.0");
        assert_eq!(float(1e300), "1e300");
        assert_eq!(float(2.5e-7), "2.5e-7");
        assert_eq!(float(-0.5), "-0.5");
        assert_eq!(float(f64::INFINITY), "(1.0 / 0.0)");
    }
}
