//! Shared by the `audit_*` test files: `assert_audit!` snapshots the diagnostics a user sees for
//! a source, `assert_mutation!` also the mutation facts.
#![allow(dead_code)] // each test file uses a part of it

use aura_compiler::audit::{audit, AuditReport};
use aura_compiler::parse::parse;

/// The stdlib prelude, parsed.
pub fn prelude() -> aura_uast::Module {
    parse(aura_stdlib::PRELUDE).module
}

/// Parses and audits `source`; a syntax error in a test source is a broken test.
pub fn report(source: &str) -> AuditReport {
    let parsed = parse(source);
    assert!(
        parsed.diagnostics.is_empty(),
        "test source does not parse:\n{}",
        aura_compiler::render::text(&parsed.diagnostics, "test.aura", source)
    );
    audit(&parsed.module, &prelude()).with_lines(source)
}

/// The diagnostics exactly as a user sees them, or `(no diagnostics)`.
pub fn diagnostics(source: &str, report: &AuditReport) -> String {
    if report.diagnostics.is_empty() {
        "(no diagnostics)\n".to_string()
    } else {
        aura_compiler::render::text(&report.diagnostics, "test.aura", source)
    }
}

pub fn output(source: &str) -> String {
    diagnostics(source, &report(source))
}

/// The diagnostics, then the mutation facts as pretty JSON.
pub fn mutation_output(source: &str) -> String {
    let report = report(source);
    let facts = serde_json::to_string_pretty(&report.methods).unwrap_or_else(|e| e.to_string());
    format!("{}----- FACTS\n{facts}", diagnostics(source, &report))
}

/// Snapshots `----- SOURCE` and `----- OUTPUT` (the rendered diagnostics).
#[macro_export]
macro_rules! assert_audit {
    ($source:expr) => {{
        let source: &str = $source;
        let output = $crate::support::output(source);
        insta::assert_snapshot!(format!("----- SOURCE\n{source}\n----- OUTPUT\n{output}"));
    }};
}

/// Like `assert_audit!`, with the mutation facts after the diagnostics.
#[macro_export]
macro_rules! assert_mutation {
    ($source:expr) => {{
        let source: &str = $source;
        let output = $crate::support::mutation_output(source);
        insta::assert_snapshot!(format!("----- SOURCE\n{source}\n----- OUTPUT\n{output}"));
    }};
}
