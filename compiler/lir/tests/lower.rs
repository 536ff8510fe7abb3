//! Snapshots of the lowering's text form, plus whole-corpus checks: every audited conformance
//! program lowers without error and passes `verify`.

use aura_compiler::pipeline::check_source;
use aura_lir::{lower, verify, Program};

fn lowered(src: &str) -> Program {
    let checked = check_source(src);
    assert!(checked.is_ok(), "audit failed: {:?}", checked.diagnostics);
    let program = lower(&checked.module, &checked.prelude).expect("lowers");
    verify(&program).expect("verifies");
    program
}

/// The text of the user's functions and `aura_main` only (the prelude is the same everywhere).
fn user_text(src: &str) -> String {
    let program = lowered(src);
    let text = program.to_string();
    let mut out = String::new();
    let mut keep = true;
    for line in text.lines() {
        if line.starts_with("fn ") {
            keep = !line.starts_with("fn p_");
        }
        if line.starts_with("globals") || line.starts_with("data") {
            continue;
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn fib() {
    insta::assert_snapshot!(user_text(
        "fn fib(n) {\n  if n < 2 { return n }\n  return fib(n - 1) + fib(n - 2)\n}\nfn main() { print(fib(20)) }\n"
    ));
}
