//! `spec/diagnostics.md` documents every diagnostic code: each code the compiler core or the CLI
//! can emit has a `### CODE` section there, each section is such a code, and each `aura` example
//! of a section gets that section's code from the checker.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `"E0123"` string literals in the `.rs` files under `dir`.
fn codes_in(dir: &Path, codes: &mut BTreeSet<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            codes_in(&path, codes);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let bytes = text.as_bytes();
            for (i, window) in bytes.windows(7).enumerate() {
                let is_code = window[0] == b'"'
                    && window[1] == b'E'
                    && window[2..6].iter().all(u8::is_ascii_digit)
                    && window[6] == b'"';
                // Codes in tests of the library itself (`#[cfg(test)]`) are fine too: they are
                // codes the library emits.
                if is_code {
                    let _ = codes.insert(text[i + 1..i + 6].to_string());
                }
            }
        }
    }
}

struct Section {
    code: String,
    examples: Vec<String>,
}

/// The `### CODE ...` sections of the document and their ```aura blocks.
fn sections(doc: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut block: Option<String> = None;
    for line in doc.lines() {
        if let Some(text) = &mut block {
            if line == "```" {
                if let Some(section) = sections.last_mut() {
                    section.examples.push(std::mem::take(text));
                }
                block = None;
            } else {
                text.push_str(line);
                text.push('\n');
            }
        } else if line == "```aura" {
            block = Some(String::new());
        } else if let Some(rest) = line.strip_prefix("### ") {
            let code = rest.split_whitespace().next().unwrap_or("").to_string();
            if code.starts_with('E') {
                sections.push(Section {
                    code,
                    examples: Vec::new(),
                });
            }
        }
    }
    sections
}

fn doc() -> String {
    std::fs::read_to_string(root().join("spec/diagnostics.md")).expect("spec/diagnostics.md")
}

#[test]
fn every_code_has_a_section_and_every_section_is_a_code() {
    let mut emitted = BTreeSet::new();
    codes_in(&root().join("compiler/core/src"), &mut emitted);
    codes_in(&root().join("compiler/cli/src"), &mut emitted);
    assert!(emitted.len() > 20, "found too few codes: {emitted:?}");
    let documented: BTreeSet<String> = sections(&doc()).into_iter().map(|s| s.code).collect();
    let missing: Vec<&String> = emitted.difference(&documented).collect();
    let stale: Vec<&String> = documented.difference(&emitted).collect();
    assert!(
        missing.is_empty(),
        "codes without a section in spec/diagnostics.md: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "sections of spec/diagnostics.md for codes nothing emits: {stale:?}"
    );
}

#[test]
fn every_example_gets_the_code_of_its_section() {
    let mut checked = 0;
    for section in sections(&doc()) {
        for example in &section.examples {
            let codes: Vec<&str> = aura_compiler::check_source(example)
                .diagnostics
                .iter()
                .map(|d| d.code)
                .collect();
            assert!(
                codes.contains(&section.code.as_str()),
                "the example of {} gets {codes:?}:\n{example}",
                section.code
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} examples checked");
}
