//! `aura fmt` on statements.

#[path = "support/fmt.rs"]
mod support;

#[test]
fn one_statement_per_line() {
    assert_fmt!("fn main() { let x = 1; x = x + 1; print(x);; return x }");
}

#[test]
fn if_else_chains() {
    assert_fmt!(
        r#"fn main() {
    if a { f() }
    if a { f() } else { g() }
    if a { f() }
    else if b { g() }
    else { h() }
    if a {} else {}
    if a { } else { if b { g() } }
    if a { } else { if b { g() }
        h() }
}
"#
    );
}

#[test]
fn loops() {
    assert_fmt!(
        r#"fn main() {
    while i < 10 { i = i + 1; if i == 5 { continue }; if i > 8 { break } }
    while true {}
    for x in [1, 2, 3] { print(x) }
    for k in range(0, len(xs)) {}
}
"#
    );
}

#[test]
fn returns() {
    assert_fmt!("fn a() { return }\nfn b() { return 1 + 2 }\nfn c() { return fn(x) { return x } }");
}

#[test]
fn assignments() {
    assert_fmt!(
        r#"fn main() {
    x = 1
    o.f = 2
    o.g.h = 3
    a[i + 1] = 4
    a[0][1] = 5
    self.count = self.count + 1
    m["key with space"] = nil
}
"#
    );
}

#[test]
fn nested_functions() {
    assert_fmt!(
        r#"fn main() {
    fn fact(n) { if n < 2 { return 1 }; return n * fact(n - 1) }
    fn nothing() {}
    print(fact(10))
}
"#
    );
}

#[test]
fn expression_statements_that_need_parentheses() {
    assert_fmt!("fn main() {\n    ({a: 1}).a\n    (fn(x) { return x })(1)\n}");
}

#[test]
fn try_catch() {
    assert_fmt!(
        r#"fn main() {
    try { let x = f(); print(x) } catch e { print(e.kind, e.message) }
    try {
    } catch e {}
    try { try { g() } catch inner { error(inner.value) } }
    catch outer { return outer }
}"#
    );
}
