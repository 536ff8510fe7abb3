//! Stack traces of runtime errors, written once for every engine (`spec/language.md`, "Errors").
//!
//! After the first line `runtime error: KIND: message`, an error carries one line per active Aura
//! frame, innermost first: `  at NAME (FILE:LINE:COL)`. This module decides the three parts:
//! the frame names ([`FrameName`]), where a frame stands ([`site`]: the statement being run) and
//! how a byte offset becomes `FILE:LINE:COL` ([`SourceFile::location`]). The interpreter and the
//! LIR lowering both call it, so the same failure gets the same line on every backend.

use crate::Stmt;
use std::sync::Arc;

/// How many innermost and outermost frames a long trace keeps; the frames between are one line
/// `  ... N more`.
pub const TRACE_KEEP: usize = 10;

/// The source text of one module and the path it was given as, for `FILE:LINE:COL`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            text: text.into(),
        })
    }

    /// `FILE:LINE:COL` of a byte offset: 1-based, the column counted in characters like the
    /// diagnostics' columns.
    pub fn location(&self, offset: u32) -> String {
        let (line, col) = line_column(&self.text, offset as usize);
        format!("{}:{line}:{col}", self.path)
    }
}

/// Where an error in a module without source text (a UAST document run as is) stands.
pub const UNKNOWN_LOCATION: &str = "?";

/// `FILE:LINE:COL` of `offset` in `source`, or [`UNKNOWN_LOCATION`]: the one lookup "which file
/// does this code come from" (a module's functions all come from its file).
pub fn location(source: Option<&SourceFile>, offset: u32) -> String {
    match source {
        Some(file) => file.location(offset),
        None => UNKNOWN_LOCATION.to_string(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Where a frame stands while `stmt` runs: its start. Every failure inside the statement that
/// is not inside a statement nested in it (an `if`'s condition, a `for`'s iteration, an operator,
/// a call of the statement's own expressions) is reported at this point; a frame that called
/// another stands at the statement holding the call.
pub fn site(stmt: &Stmt) -> u32 {
    stmt.span().start
}

/// The name a frame shows.
pub enum FrameName<'a> {
    /// A top-level `fn f`: `f`.
    Fn(&'a str),
    /// Method `m` of object `O`: `O.m`.
    Method(&'a str, &'a str),
    /// Function `f` of plugin `P`: `P.f`.
    PluginFn(&'a str, &'a str),
    /// Route `METHOD PATH` of plugin `P`: `P METHOD PATH`.
    Route(&'a str, &'a str, &'a str),
    /// A named local function (`fn name() {}` or `let name = fn ...`): `name`.
    Local(&'a str),
    /// Any other closure: `<fn>`.
    Closure,
    /// The initialisers of globals and object slots: `<init>`.
    Init,
}

impl FrameName<'_> {
    pub fn text(&self) -> String {
        match self {
            FrameName::Fn(f) | FrameName::Local(f) => f.to_string(),
            FrameName::Method(o, m) => format!("{o}.{m}"),
            FrameName::PluginFn(p, f) => format!("{p}.{f}"),
            FrameName::Route(p, method, path) => format!("{p} {method} {path}"),
            FrameName::Closure => "<fn>".to_string(),
            FrameName::Init => "<init>".to_string(),
        }
    }
}

/// One line of a trace, without its newline.
pub fn frame_line(name: &str, location: &str) -> String {
    format!("  at {name} ({location})")
}

/// The trace lines after the first line of an error, each preceded by a newline; more than
/// `2 * TRACE_KEEP` frames keep the innermost and outermost [`TRACE_KEEP`] around `  ... N more`.
pub fn format_trace(frames: &[String]) -> String {
    let mut out = String::new();
    let n = frames.len();
    for (i, line) in frames.iter().enumerate() {
        if n > 2 * TRACE_KEEP && i == TRACE_KEEP {
            out.push_str(&format!("\n  ... {} more", n - 2 * TRACE_KEEP));
        }
        if n > 2 * TRACE_KEEP && i >= TRACE_KEEP && i < n - TRACE_KEEP {
            continue;
        }
        out.push('\n');
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("ab\n\u{e9}x = 1", 5), (2, 2));
        assert_eq!(line_column("x", 0), (1, 1));
        assert_eq!(line_column("x", 99), (1, 2));
    }

    #[test]
    fn long_traces_are_elided() {
        let frames: Vec<String> = (0..25).map(|i| format!("f{i}")).collect();
        let text = format_trace(&frames);
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(lines.len(), 21);
        assert_eq!(lines[9], "f9");
        assert_eq!(lines[10], "  ... 5 more");
        assert_eq!(lines[11], "f15");
        assert_eq!(format_trace(&frames[..20]).lines().count(), 21);
    }
}
