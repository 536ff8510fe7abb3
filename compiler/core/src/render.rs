//! The one place that draws diagnostics (with ariadne), as plain text or as JSON data.

use crate::Diagnostic;
use ariadne::{CharSet, Config, IndexType, Label, Report, ReportKind, Source};
use serde::Serialize;

/// Renders diagnostics as a user sees them: `file:line:col`, the source line, a caret under the
/// problem, and a help line where one helps. Plain text, no colour, so it is stable in snapshots.
pub fn text(diagnostics: &[Diagnostic], path: &str, source: &str) -> String {
    let mut out = Vec::new();
    for diagnostic in diagnostics {
        let range = clamp(diagnostic.primary_span().range(), source);
        let config = Config::default()
            .with_color(false)
            .with_char_set(CharSet::Ascii)
            .with_index_type(IndexType::Byte);
        let mut report = Report::build(ReportKind::Error, (path, range))
            .with_config(config)
            .with_code(diagnostic.code)
            .with_message(&diagnostic.title);
        for label in &diagnostic.labels {
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
    String::from_utf8_lossy(&out).into_owned()
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
    diagnostics
        .iter()
        .map(|diagnostic| {
            let (line, column) = line_column(source, diagnostic.primary_span().start as usize);
            JsonDiagnostic {
                file: path,
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
