//! Statements inside function bodies.

#[path = "support/parse.rs"]
mod support;

#[test]
fn let_and_shadowing() {
    assert_parse!("fn main() {\n    let x = 1\n    let x = x + 1\n}");
}

#[test]
fn assignment_to_variable_field_and_index() {
    assert_parse!("fn main() {\n    x = 1\n    o.f = 2\n    a[i] = 3\n    o.list[0].name = 4\n    f().x = 5\n}");
}

#[test]
fn if_without_else() {
    assert_parse!("fn main() {\n    if x > 0 { print(x) }\n}");
}

#[test]
fn if_else_if_else() {
    assert_parse!(
        "fn main() {\n    if a { f(1) } else if b { f(2) } else if c { f(3) } else { f(4) }\n}"
    );
}

#[test]
fn else_on_the_line_after_the_closing_brace() {
    assert_parse!("fn main() {\n    if a {\n        f(1)\n    }\n    else if b {\n        f(2)\n    }\n\n    else {\n        f(3)\n    }\n}");
}

#[test]
fn while_loop() {
    assert_parse!("fn main() {\n    while i < 10 {\n        i = i + 1\n    }\n}");
}

#[test]
fn for_loop() {
    assert_parse!("fn main() {\n    for x in range(0, 3) { print(x) }\n}");
}

#[test]
fn return_with_and_without_value() {
    assert_parse!("fn f(x) {\n    if x { return }\n    return x * 2\n}");
}

#[test]
fn return_alone_on_a_line() {
    assert_parse!("fn f() {\n    return\n}");
}

#[test]
fn break_and_continue() {
    assert_parse!(
        "fn main() {\n    while true {\n        if a { break }\n        continue\n    }\n}"
    );
}

#[test]
fn nested_fn_statement() {
    assert_parse!("fn main() {\n    fn fact(n) {\n        if n < 2 { return 1 }\n        return n * fact(n - 1)\n    }\n    print(fact(5))\n}");
}

#[test]
fn fn_literal_as_expression_statement() {
    assert_parse!("fn main() {\n    fn(x) { return x }(1)\n}");
}

#[test]
fn expression_statements() {
    assert_parse!("fn main() {\n    print(\"hi\")\n    counter.increment(1)\n    1 + 2\n}");
}

#[test]
fn semicolons_separate_statements() {
    assert_parse!("fn main() { let a = 1; let b = 2; print(a, b); }");
}

#[test]
fn blank_lines_and_comments_between_statements() {
    assert_parse!(
        "fn main() {\n\n    // first\n    let a = 1 // trailing\n\n\n    ;;\n    print(a)\n\n}"
    );
}

#[test]
fn map_literal_as_statement_value() {
    assert_parse!(
        "fn main() {\n    return {\n        status: \"ok\",\n        items: [1, 2],\n    }\n}"
    );
}

#[test]
fn spans_are_byte_offsets() {
    // The only snapshot with spans: they are what diagnostics point at.
    let source = "fn main() {\n    let s = \"é\"\n    o.f = [s, -2]\n}";
    let parsed = aura_compiler::parse::parse(source);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let json = aura_uast::Document::new(parsed.module).to_json(true);
    insta::assert_snapshot!(format!("----- SOURCE\n{source}\n----- OUTPUT\n{json}"));
}

#[test]
fn try_catch() {
    assert_parse!("fn main() {\n    try { f(1) } catch e { print(e.kind) }\n}");
}

#[test]
fn try_catch_on_separate_lines_and_allman_braces() {
    assert_parse!("fn main() {\n    try\n    {\n        f(1)\n    }\n    catch err\n    {\n        g(err)\n    }\n    h()\n}");
}

#[test]
fn try_catch_nested_with_statements_after_the_brace() {
    assert_parse!(
        "fn main() {\n    try { try { f() } catch a { g(a) } } catch b { return b } print(1)\n}"
    );
}

#[test]
fn try_without_catch_is_an_error() {
    assert_parse!("fn main() {\n    try { f() }\n    g()\n}");
}

#[test]
fn catch_without_a_name_is_an_error() {
    assert_parse!("fn main() {\n    try { f() } catch { g() }\n}");
}
