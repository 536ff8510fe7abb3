//! Shared by the `fmt_*` test files: `assert_fmt!` snapshots what a source formats to, after
//! checking that the output parses back to the same UAST and formats to itself.

/// Parses `source`, formats it, checks that the formatted text parses back to the same UAST and
/// formats to itself, and snapshots `----- SOURCE` / `----- OUTPUT`.
#[macro_export]
macro_rules! assert_fmt {
    ($source:expr) => {{
        let source: &str = $source;
        let output = $crate::support::format_checked(source);
        insta::assert_snapshot!(format!("----- SOURCE\n{source}\n----- OUTPUT\n{output}"));
    }};
}

/// The formatted text of `source`; panics (this is a test) when `source` does not parse or the
/// output does not round-trip.
pub fn format_checked(source: &str) -> String {
    use aura_compiler::{fmt::format, parse::parse, render};
    let parsed = parse(source);
    if !parsed.diagnostics.is_empty() {
        let rendered = render::text(&parsed.diagnostics, "test.aura", source);
        panic!("source does not parse:\n{rendered}");
    }
    let output = format(&parsed.module);
    let reparsed = parse(&output);
    if !reparsed.diagnostics.is_empty() {
        let rendered = render::text(&reparsed.diagnostics, "formatted.aura", &output);
        panic!("output does not parse:\n{rendered}\n{output}");
    }
    assert_eq!(
        aura_uast::canonical(&parsed.module),
        aura_uast::canonical(&reparsed.module),
        "output parses to a different UAST:\n{output}"
    );
    assert_eq!(format(&reparsed.module), output, "format is not idempotent");
    output
}
