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
#[allow(dead_code)]
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

/// Like `assert_fmt!`, with the comments kept: formats `source` with `format_source`, checks
/// that the output has the same UAST and formats to itself, and snapshots both texts.
#[macro_export]
macro_rules! assert_fmt_source {
    ($source:expr) => {{
        let source: &str = $source;
        let output = $crate::support::format_source_checked(source);
        insta::assert_snapshot!(format!("----- SOURCE\n{source}\n----- OUTPUT\n{output}"));
    }};
}

/// `format_source(source)`; panics (this is a test) when it fails, when the output parses to
/// another UAST, or when formatting the output changes it.
#[allow(dead_code)]
pub fn format_source_checked(source: &str) -> String {
    use aura_compiler::{fmt::format_source, parse::parse, render};
    let output = match format_source(source) {
        Ok(output) => output,
        Err(diagnostics) => panic!(
            "source does not parse:\n{}",
            render::text(&diagnostics, "test.aura", source)
        ),
    };
    assert_eq!(
        aura_uast::canonical(&parse(source).module),
        aura_uast::canonical(&parse(&output).module),
        "output parses to a different UAST:\n{output}"
    );
    assert_eq!(
        format_source(&output).ok().as_deref(),
        Some(output.as_str()),
        "format_source is not idempotent"
    );
    output
}
