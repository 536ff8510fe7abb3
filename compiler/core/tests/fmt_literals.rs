//! `aura fmt` on literals: numbers, strings, lists and maps.

#[path = "support/fmt.rs"]
mod support;

#[test]
fn integers() {
    assert_fmt!("fn main() { print(0, 42, 1_000_000, 0xff, 0xFF_FF, 9223372036854775807) }");
}

#[test]
fn floats() {
    assert_fmt!(
        "fn main() { print(1.5, 2e3, 2.5e-3, 1E10, 1e300, 1e-7, 0.1, 100.0, 1e16, 12345678.9) }"
    );
}

#[test]
fn strings() {
    assert_fmt!(
        r#"fn main() {
    print("plain", "", "quote \" and backslash \\")
    print("escapes \n \t \r \0")
    print("unicode \u{1F600} \u{e9} é")
    print("control \u{1} \u{7f}")
    print("spans
two lines")
    print("// not a comment", "{not a block}")
}
"#
    );
}

#[test]
fn lists() {
    assert_fmt!("fn main() { print([], [1], [1,2,3], [[1, 2], [3]], [nil, true, false, self]) }");
}

#[test]
fn maps() {
    assert_fmt!(
        r#"fn main() {
    print({})
    print({a: 1, "b": 2, "with space": 3, "if": 4, "1x": 5, _u: 6, "": 7})
    print({nested: {deeper: [1, {x: nil}]}})
}
"#
    );
}
