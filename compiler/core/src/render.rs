//! The one place that draws diagnostics (with ariadne), as plain text or as JSON data.

use crate::Diagnostic;
use ariadne::{CharSet, Config, IndexType, Label, Report, ReportKind, Source};
use serde::Serialize;

/// Renders diagnostics as a user sees them: `file:line:col`, the source line, a caret under the
/// problem, and a help line where one helps. Plain text, no colour, so it is stable in snapshots.
pub fn text(diagnostics: &[Diagnostic], path: &str, source: &str) -> String {
    text_colored(diagnostics, path, source, false)
}

/// [`text`], or with `color` the same report in colour with Unicode box drawing, for a
/// terminal (the CLI decides: `--color auto|always|never`, `NO_COLOR`).
pub fn text_colored(diagnostics: &[Diagnostic], path: &str, source: &str, color: bool) -> String {
    let mut out = Vec::new();
    for diagnostic in diagnostics {
        let range = clamp(diagnostic.primary_span().range(), source);
        let config = Config::default()
            .with_color(color)
            .with_char_set(if color {
                CharSet::Unicode
            } else {
                CharSet::Ascii
            })
            .with_index_type(IndexType::Byte);
        let mut report = Report::build(ReportKind::Error, (path, range))
            .with_config(config)
            .with_code(diagnostic.code)
            .with_message(&diagnostic.title);
        // In source order: ariadne starts a new section, headed with the primary location, at a
        // label that goes back up the file, which would put a wrong `file:line:col` over it.
        let mut labels: Vec<&crate::Label> = diagnostic.labels.iter().collect();
        labels.sort_by_key(|label| (label.span.start, label.span.end));
        for label in labels {
            let range = clamp(label.span.range(), source);
            report = report.with_label(Label::new((path, range)).with_message(&label.message));
        }
        if let Some(hint) = &diagnostic.hint {
            report = report.with_help(hint);
        }
        if report
            .finish()
            .write((path, Source::from(source)), &mut out)
            .is_err()
        {
            out.extend_from_slice(
                format!("error[{}]: {}\n", diagnostic.code, diagnostic.title).as_bytes(),
            );
        }
    }
    let text = String::from_utf8_lossy(&out);
    if color {
        // Coloured rows carry escape codes between the characters; Unicode marks are clear.
        text.into_owned()
    } else {
        carets_for_single_characters(&text)
    }
}

/// [`text_colored`] for a program of several modules: a diagnostic whose `file` is set is drawn
/// against that module's source (`sources` maps a module's path to its text); the others against
/// `path` and `source`, the entry.
pub fn text_program(
    diagnostics: &[Diagnostic],
    path: &str,
    source: &str,
    sources: &dyn Fn(&str) -> Option<String>,
    color: bool,
) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let one = std::slice::from_ref(diagnostic);
        match &diagnostic.file {
            Some(file) => {
                let text = sources(file).unwrap_or_default();
                out.push_str(&text_colored(one, file, &text, color));
            }
            None => out.push_str(&text_colored(one, path, source, color)),
        }
    }
    out
}

/// Ariadne marks a one-character span with its connector `|` only; a user looks for a caret.
/// In the row under a source line, a lone `|` (no `^` beside it) under a non-blank character is
/// such a span, and becomes `^`.
fn carets_for_single_characters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut code_line: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let is_code = line
            .trim_start()
            .split_once(" | ")
            .is_some_and(|(number, _)| {
                !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
            });
        match code_line.take() {
            Some(code) if !is_code => out.push_str(&mark_row(code, line)),
            _ => out.push_str(line),
        }
        if is_code {
            code_line = Some(line);
        }
    }
    out
}

fn mark_row(code: &str, row: &str) -> String {
    let Some(gutter) = row.find('|') else {
        return row.to_string();
    };
    let code: Vec<char> = code.chars().collect();
    let mut chars: Vec<char> = row.chars().collect();
    let gutter = row[..gutter].chars().count();
    for i in gutter + 1..chars.len() {
        let beside_caret =
            (i > 0 && chars.get(i - 1) == Some(&'^')) || chars.get(i + 1) == Some(&'^');
        let over_text = code.get(i).is_some_and(|c| !c.is_whitespace());
        if chars[i] == '|' && !beside_caret && over_text {
            chars[i] = '^';
        }
    }
    chars.into_iter().collect()
}

/// One diagnostic as JSON data: spans as byte offsets plus 1-based line and column.
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    #[serde(flatten)]
    pub diagnostic: &'a Diagnostic,
}

pub fn json_diagnostics<'a>(
    diagnostics: &'a [Diagnostic],
    path: &'a str,
    source: &str,
) -> Vec<JsonDiagnostic<'a>> {
    json_program(diagnostics, path, source, &|_| None)
}

/// [`json_diagnostics`] for a program of several modules (see [`text_program`]).
pub fn json_program<'a>(
    diagnostics: &'a [Diagnostic],
    path: &'a str,
    source: &str,
    sources: &dyn Fn(&str) -> Option<String>,
) -> Vec<JsonDiagnostic<'a>> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let offset = diagnostic.primary_span().start as usize;
            let (file, (line, column)) = match &diagnostic.file {
                Some(file) => (
                    file.as_str(),
                    line_column(&sources(file).unwrap_or_default(), offset),
                ),
                None => (path, line_column(source, offset)),
            };
            JsonDiagnostic {
                file,
                line,
                column,
                diagnostic,
            }
        })
        .collect()
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(source: &str, mut offset: usize) -> usize {
    while offset > 0 && !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Keeps a span inside the source and on character boundaries, so that a bad span (say from a
/// hand-written UAST file) still renders.
fn clamp(range: std::ops::Range<usize>, source: &str) -> std::ops::Range<usize> {
    let start = floor_char_boundary(source, range.start.min(source.len()));
    let end = floor_char_boundary(source, range.end.min(source.len())).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use aura_uast::Span;

    #[test]
    fn renders_location_line_and_hint() {
        let source = "fn main() {\n    print(nope)\n}\n";
        let diagnostic = Diagnostic::new("E0201", "unknown name `nope`")
            .with_label(
                Span::new(22, 26),
                "not a local, global, function or builtin",
            )
            .with_hint("declare it with `let nope = ...`");
        let text = text(&[diagnostic], "x.aura", source);
        assert!(text.contains("x.aura:2:11"), "{text}");
        assert!(text.contains("print(nope)"), "{text}");
        assert!(text.contains("^"), "{text}");
        assert!(text.contains("Help: declare it"), "{text}");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("é\nab", 4), (2, 2));
        assert_eq!(line_column("", 10), (1, 1));
    }
}
