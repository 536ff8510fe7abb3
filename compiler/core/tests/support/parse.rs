//! Shared by the `parse_*` test files: `assert_parse!` snapshots what a source parses to.

/// The text a parse snapshot holds: the UAST JSON without spans when the source is valid,
/// otherwise the diagnostics exactly as a user sees them.
pub fn output(source: &str) -> String {
    let parsed = aura_compiler::parse::parse(source);
    if parsed.diagnostics.is_empty() {
        aura_uast::Document::new(parsed.module).to_json(false)
    } else {
        aura_compiler::render::text(&parsed.diagnostics, "test.aura", source)
    }
}

/// Snapshots `----- SOURCE` and `----- OUTPUT` (see [`output`]).
#[macro_export]
macro_rules! assert_parse {
    ($source:expr) => {{
        let source: &str = $source;
        let output = $crate::support::output(source);
        insta::assert_snapshot!(format!("----- SOURCE\n{source}\n----- OUTPUT\n{output}"));
    }};
}
