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

/// The text of a program lowered without the prelude (so the snapshot shows only the user's
/// code); the program must not call prelude functions.
fn user_text(src: &str) -> String {
    let checked = check_source(src);
    assert!(checked.is_ok(), "audit failed: {:?}", checked.diagnostics);
    let program = lower(&checked.module, &aura_uast::Module::default()).expect("lowers");
    verify(&program).expect("verifies");
    program.to_string()
}

/// The text of the user's functions and `aura_main` (prelude functions left out).
fn text_without_prelude_fns(src: &str) -> String {
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
    insta::assert_snapshot!(text_without_prelude_fns(
        "fn fib(n) {\n  if n < 2 { return n }\n  return fib(n - 1) + fib(n - 2)\n}\nfn main() { print(fib(20)) }\n"
    ));
}

/// Every conformance program that passes the audit lowers, and the result verifies (runtime
/// calls with exactly `RtFn::params()` arguments, direct calls with the callee's param count,
/// locals/globals in range, loops, `FnAddr` on generic entries only).
#[test]
fn conformance_programs_lower_and_verify() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("conformance dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "aura"))
        .collect();
    entries.sort();
    let mut lowered = 0;
    let mut failures = Vec::new();
    for path in &entries {
        let src = std::fs::read_to_string(path).expect("read");
        let checked = check_source(&src);
        if !checked.is_ok() {
            continue;
        }
        let result = std::panic::catch_unwind(|| lower(&checked.module, &checked.prelude));
        match result {
            Ok(Ok(program)) => match verify(&program) {
                Ok(()) => lowered += 1,
                Err(e) => failures.push(format!("{}: verify: {e}", path.display())),
            },
            Ok(Err(e)) => failures.push(format!("{}: {e}", path.display())),
            Err(_) => failures.push(format!("{}: panic", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(lowered > 100, "only {lowered} programs lowered");
}

#[test]
fn closure_counter() {
    insta::assert_snapshot!(user_text(
        r#"
fn make_counter() {
    let count = 0
    return fn() {
        count = count + 1
        return count
    }
}
fn main() {
    let c = make_counter()
    c()
    print(c())
}
"#
    ));
}

#[test]
fn object_method_and_send() {
    insta::assert_snapshot!(user_text(
        r#"
object counter {
    count = 0
    fn increment(by) {
        self.count = self.count + by
        return self.count
    }
}
object loud : counter {
    fn shout(s) { return upper(s) + "!" }
}
fn main() {
    counter.increment(5)
    print(loud.shout("hi"))
}
"#
    ));
}

#[test]
fn for_over_list_with_break_and_continue() {
    insta::assert_snapshot!(user_text(
        r#"
fn main() {
    let total = 0
    for x in [1, 2, 3] {
        if x == 2 { continue }
        if x > 5 { break }
        total = total + x
    }
    print(total)
}
"#
    ));
}

/// Safepoints in loops (spec/abi.md, "Memory model"): the counted loop of small-int arithmetic
/// polls and stores its locals only on its slow paths (the runtime calls), never on its fast
/// path; the loop that calls the runtime on every iteration (`str`, `push`) polls at its head.
#[test]
fn loop_polls_only_where_a_call_is_reachable() {
    insta::assert_snapshot!(user_text(
        r#"
fn main() {
    let n = 0
    let i = 0
    while i < 1000 {
        n = n + i * 2
        i = i + 1
    }
    let xs = []
    for j in range(3) {
        push(xs, str(j))
    }
    print(n, len(xs))
}
"#
    ));
}

#[test]
fn for_range_and_captured_loop_variable() {
    insta::assert_snapshot!(user_text(
        r#"
fn main() {
    let fs = []
    for i in range(3) {
        push(fs, fn() { return i })
    }
    for j in range(1, 10) {
        print(j)
    }
}
"#
    ));
}

#[test]
fn string_literals_are_shared_constants() {
    insta::assert_snapshot!(user_text(
        "fn main() {\n  print(\"a\\n\\\"b\\\"\", \"a\\n\\\"b\\\"\", \"\\u{1F600}\")\n  let m = {k: 1.5, \"k2\": 9223372036854775807}\n  print(m.k)\n}\n"
    ));
}

#[test]
fn globals_initialise_in_source_order() {
    insta::assert_snapshot!(user_text(
        r#"
let a = b
let b = 2
object o { x = a; fn get() { return self.x } }
let c = o.get()
fn main() { print(a, b, c) }
"#
    ));
}

#[test]
fn plugin_route_and_helper() {
    insta::assert_snapshot!(user_text(
        r#"
plugin files {
    route POST "/api/write" (req) { return {status: helper(req.body)} }
    fn helper(x) { return x }
}
"#
    ));
}

#[test]
fn and_or_not() {
    insta::assert_snapshot!(user_text(
        r#"
fn f(a, b) {
    let x = a and b
    let y = a or b
    if not a and (b or x) { return y }
    return not x
}
"#
    ));
}

#[test]
fn builtin_calls_and_values() {
    insta::assert_snapshot!(user_text(
        r#"
fn main() {
    let p = print
    p(1, "two", [3])
    print(len("abc"), type_of(p))
}
"#
    ));
}

#[test]
fn nested_fns_and_recursive_let() {
    insta::assert_snapshot!(user_text(
        r#"
fn outer(n) {
    fn inner(k) { if k == 0 { return 0 } return inner(k - 1) + n }
    let fact = fn(k) { if k < 2 { return 1 } return k * fact(k - 1) }
    return [inner(n), fact(n), self]
}
"#
    ));
}

#[test]
fn arithmetic_fast_paths() {
    insta::assert_snapshot!(user_text(
        r#"
fn f(a, b) {
    return [a * b, a / b, a % 3, -a, a <= b, a != 4611686018427387904]
}
"#
    ));
}

/// A module that mentions a float gets the inline float code: two immediate floats, a float
/// beside a small int constant, an ordering as a condition, equality (floats only), negation.
#[test]
fn float_fast_paths() {
    insta::assert_snapshot!(user_text(
        r#"
fn f(a, b) {
    if a < b { return -a }
    return [a + b, a * 2, 0.5 - b, a == b]
}
"#
    ));
}

#[test]
fn capabilities() {
    insta::assert_snapshot!(user_text(
        r#"
uses store, log
fn main() {
    store.set("k", 1)
    log.info(str(store.get("k")))
    let s = store
    s.get("k")
}
"#
    ));
}

#[test]
fn user_definition_shadows_prelude_for_user_module_only() {
    let program = lowered("fn abs(x) { return 1 }\nfn main() { print(abs(-3)) }\n");
    let text = program.to_string();
    // The user's main calls the user's abs; the prelude keeps its own.
    assert!(text.contains("call f_abs(2, 2, "), "{text}");
    assert!(text.contains("fn p_abs("), "{text}");
}

/// Input the audit rejects never panics the lowering: it lowers or says why not.
#[test]
fn unaudited_input_never_panics() {
    let sources = [
        "fn main() { break }",
        "fn main() { continue }",
        "fn main() { print(nope) }",
        "fn main() { nope = 1 }",
        "fn f() {}\nfn f() {}",
        "object a : b {}\nlet b = 1",
        "object a : a {}",
        "fn main() { print = 1 }",
        "fn main() { __type_error(1) }",
        "fn main() { store.get(1) }",
        "fn f(a) {}\nfn main() { f() f(1, 2) }",
        "let x = fn() { return y }\nlet y = x",
    ];
    for src in sources {
        let checked = check_source(src);
        assert!(!checked.module.items.is_empty(), "{src} parses");
        let prelude = aura_compiler::pipeline::prelude().expect("prelude");
        if let Ok(program) = lower(&checked.module, &prelude) {
            verify(&program).unwrap_or_else(|e| panic!("{src}: {e}"));
        }
    }
}

/// `try`: the body is a closure `rt_try` calls; `return` goes through the return cell and
/// `break`/`continue` come back as codes; the caller saves and restores its globals around the
/// call (`gc::restore_after_try`) and binds the error's map for the handler.
#[test]
fn try_catch_with_return_break_and_continue() {
    insta::assert_snapshot!(user_text(
        r#"
fn find(items) {
    for x in items {
        try {
            if x == 0 { continue }
            if x < 0 { break }
            return 10 / x
        } catch e {
            print(e.kind)
        }
    }
    return nil
}
fn main() { print(find([0, 5])) }
"#
    ));
}
