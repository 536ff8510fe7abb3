//! LSP positions (line, UTF-16 column) and byte offsets of a document's text.

use aura_uast::Span;
use serde_json::{json, Value};

/// An LSP position for byte `at`.
pub fn position(text: &str, at: usize) -> Value {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or("");
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

pub fn range(text: &str, span: Span) -> Value {
    json!({
        "start": position(text, span.start as usize),
        "end": position(text, span.end as usize),
    })
}

/// The byte offset of an LSP position (clamped to the text).
pub fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap_or(0) as usize;
    let character = position["character"].as_u64().unwrap_or(0) as usize;
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where the name that ends at byte `at` starts (`at` itself when none does).
pub fn name_start(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.get(..at)
        .unwrap_or("")
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name_char(*c))
        .last()
        .map_or(at, |(i, _)| i)
}

/// The 1-based line of byte `at`.
pub fn line(text: &str, at: usize) -> usize {
    text.get(..at.min(text.len()))
        .unwrap_or("")
        .matches('\n')
        .count()
        + 1
}
