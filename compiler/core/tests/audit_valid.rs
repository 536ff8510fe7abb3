//! Valid programs pass the audit: the examples, the conformance programs, the prelude, and the
//! scoping rules of `spec/language.md` in `tests/audit_valid/`.

#[path = "support/audit.rs"]
mod support;

use std::path::{Path, PathBuf};

fn aura_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "aura"))
        .collect();
    files.sort();
    files
}

/// Audits every `.aura` file of `dir` (relative to the workspace root); returns how many.
fn assert_clean(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let files = aura_files(&root.join(dir));
    let mut failures = String::new();
    for path in &files {
        let source = std::fs::read_to_string(path).unwrap_or_default();
        // Checked as `aura check` does: its imports read from disk, relative to it.
        let name = path.display().to_string();
        let mut read = |p: &str| {
            std::fs::read_to_string(p)
                .map(aura_compiler::modules::Text::Source)
                .map_err(|e| e.to_string())
        };
        let checked = aura_compiler::check_program(
            &name,
            aura_compiler::modules::Text::Source(source.clone()),
            &mut read,
        );
        if !checked.diagnostics.is_empty() {
            failures += &aura_compiler::render::text_program(
                &checked.diagnostics,
                &name,
                &source,
                &|p| checked.module_source(p),
                false,
            );
        }
    }
    assert!(
        failures.is_empty(),
        "valid programs rejected by the audit:\n{failures}"
    );
    files.len()
}

#[test]
fn prelude_is_clean() {
    let prelude = support::prelude();
    assert!(!prelude.items.is_empty());
    let report = aura_compiler::audit::audit_prelude(&prelude);
    let text = aura_compiler::render::text(
        &report.diagnostics,
        aura_stdlib::PRELUDE_NAME,
        aura_stdlib::PRELUDE,
    );
    assert!(report.diagnostics.is_empty(), "{text}");
}

#[test]
fn examples_are_clean() {
    // The examples may not exist in every checkout; each one present must pass.
    let _ = assert_clean("examples");
}

#[test]
fn conformance_programs_are_clean() {
    let _ = assert_clean("tests/conformance");
}

#[test]
fn scoping_programs_are_clean() {
    assert!(assert_clean("compiler/core/tests/audit_valid") > 0);
}

/// The parser keeps what parsed of an invalid source; the audit must take any such module.
#[test]
fn partial_modules_of_truncated_sources_do_not_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = aura_files(&root.join("compiler/core/tests/audit_valid"));
    files.extend(aura_files(&root.join("examples")));
    let prelude = support::prelude();
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        let cuts: Vec<usize> = (0..source.len())
            .step_by(7)
            .filter(|i| source.is_char_boundary(*i))
            .collect();
        for cut in cuts {
            let parsed = aura_compiler::parse::parse(&source[..cut]);
            let report = aura_compiler::audit::audit(&parsed.module, &prelude);
            let _ = aura_compiler::render::text(&report.diagnostics, "cut.aura", &source[..cut]);
        }
    }
}
