//! Literals: numbers, strings, booleans, nil, self, lists, maps and `fn` literals.

#[path = "support/parse.rs"]
mod support;

#[test]
fn decimal_int() {
    assert_parse!("let x = 42");
}

#[test]
fn int_with_underscores() {
    assert_parse!("let x = 1_000_000");
}

#[test]
fn hex_int() {
    assert_parse!("let x = 0xff\nlet y = 0XDEAD_beef");
}

#[test]
fn largest_int() {
    assert_parse!("let x = 9223372036854775807");
}

#[test]
fn smallest_int_folds_the_minus() {
    assert_parse!("let x = -9223372036854775808");
}

#[test]
fn minus_before_literal_folds_but_not_before_postfix() {
    assert_parse!("let a = -5\nlet b = - 5\nlet c = -5.abs()\nlet d = -(5)\nlet e = 2 -1");
}

#[test]
fn floats() {
    assert_parse!(
        "let a = 1.5\nlet b = 2e3\nlet c = 2.5e-3\nlet d = 1E10\nlet e = 1_000.5\nlet f = -0.25"
    );
}

#[test]
fn one_dot_is_not_a_float() {
    // `1.` and `.5` are not float literals: `1.e` reads as a field access.
    assert_parse!("let a = 1.e");
}

#[test]
fn string_escapes() {
    assert_parse!(r#"let s = "tab\there\nnew \"quoted\" back\\slash nul\0 cr\r""#);
}

#[test]
fn unicode_escapes() {
    assert_parse!(r#"let s = "\u{1F600} \u{e9} \u{0}""#);
}

#[test]
fn string_spanning_lines() {
    assert_parse!("let s = \"line one\nline two\"");
}

#[test]
fn unicode_in_strings_and_comments() {
    assert_parse!("// héllo ✓\nlet s = \"naïve ✓ 日本\"");
}

#[test]
fn keywords_literals() {
    assert_parse!("let a = true\nlet b = false\nlet c = nil\nlet d = self");
}

#[test]
fn empty_list_and_map() {
    assert_parse!("let a = []\nlet b = {}");
}

#[test]
fn list_with_trailing_comma_across_lines() {
    assert_parse!("let a = [\n    1,\n    \"two\",\n    [3],\n]");
}

#[test]
fn map_with_identifier_and_string_keys() {
    assert_parse!("let m = {a: 1, \"b c\": 2}");
}

#[test]
fn map_spanning_lines_with_trailing_comma() {
    assert_parse!("let m = {\n    a: 1,\n    \"b c\": [2, 3],\n\n    nested: {x: nil},\n}");
}

#[test]
fn map_entries_one_per_line_without_trailing_comma() {
    assert_parse!("let m = {\n    a: 1,\n    b: 2\n}");
}

#[test]
fn fn_literal() {
    assert_parse!("let f = fn(x, y) { return x + y }");
}

#[test]
fn fn_literal_spanning_lines_inside_a_call() {
    assert_parse!("fn main() {\n    each(items, fn(item) {\n        print(item)\n    })\n}");
}

#[test]
fn fn_literal_without_params() {
    assert_parse!("let f = fn() {}");
}

#[test]
fn keywords_as_map_keys() {
    assert_parse!("let m = {if: 1, for: 2, nil: 3}");
}

#[test]
fn leading_zeros_and_underscores_anywhere() {
    assert_parse!("let a = 007\nlet b = 1__0_\nlet c = 0xff_\nlet d = 1e1_0");
}
