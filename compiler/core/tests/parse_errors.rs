//! Syntax errors: one test per diagnostic (E0101...), their wording and labels, and recovery
//! (several errors reported in one run).

#[path = "support/parse.rs"]
mod support;

// E0101 unexpected token

#[test]
fn missing_operand() {
    assert_parse!("fn main() {\n    let x = (1 + )\n}");
}

#[test]
fn missing_comma_between_arguments() {
    assert_parse!("fn main() {\n    print(\"a\" \"b\")\n}");
}

#[test]
fn missing_name_after_let() {
    assert_parse!("fn main() {\n    let = 5\n}");
}

#[test]
fn keyword_used_as_a_name() {
    assert_parse!("fn main() {\n    let fn = 3\n}");
}

#[test]
fn assignment_in_a_condition() {
    assert_parse!("fn main() {\n    if x = 1 { }\n}");
}

#[test]
fn two_statements_on_one_line() {
    assert_parse!("fn main() {\n    let x = 1 2\n}");
}

#[test]
fn unclosed_call_inside_a_block() {
    assert_parse!("fn main() {\n    foo(1, 2\n}");
}

#[test]
fn missing_closing_bracket_of_a_list() {
    assert_parse!("fn main() {\n    let x = [1, 2\n    let y = 3\n}");
}

#[test]
fn stray_closing_parenthesis() {
    assert_parse!("fn main() {\n    return )\n}");
}

#[test]
fn stray_closing_brace_at_top_level() {
    assert_parse!("fn main() {}\n}");
}

#[test]
fn function_without_a_name() {
    assert_parse!("fn (a) { }");
}

#[test]
fn missing_comma_between_parameters() {
    assert_parse!("fn f(a b) { }");
}

#[test]
fn field_name_missing_after_dot() {
    assert_parse!("fn main() {\n    a.\n}");
}

#[test]
fn map_entry_without_colon() {
    assert_parse!("let n = {a 1}");
}

#[test]
fn misspelled_return_suggests_the_keyword() {
    assert_parse!("fn f(s) {\n    retrun s\n}");
}

#[test]
fn misspelled_statement_keywords_suggest_the_keyword() {
    assert_parse!(
        "fucntion main() {\n    print(1)\n}\n\nfn g(x) {\n    whlie x < 3 { x = x + 1 }\n    lte y = 3\n    fi x > 1 { print(x) }\n    fro i in [1] { print(i) }\n}"
    );
}

#[test]
fn words_of_other_languages_suggest_the_aura_keyword() {
    assert_parse!("function f(x) {\n    var y = x\n    return y\n}");
}

#[test]
fn a_name_near_a_keyword_without_what_the_keyword_needs_gets_no_keyword_hint() {
    assert_parse!("fn g() {\n    foo 3\n    lte(1) 2\n}");
}

#[test]
fn a_name_near_a_keyword_where_no_statement_could_end_gets_no_keyword_hint() {
    assert_parse!("fn g() {\n    let m = {whlie x}\n}");
}

#[test]
fn missing_comma_between_map_entries_on_separate_lines() {
    assert_parse!("fn main() {\n    let m = {\n        a: 1\n        b: 2\n    }\n    print(m)\n}");
}

#[test]
fn missing_commas_in_a_nested_multi_line_map() {
    assert_parse!(
        "let config = {\n    name: \"x\",\n    \"limits\": {\n        depth: [1,\n            2]\n        if: 3\n    }\n    on: true\n}"
    );
}

#[test]
fn map_entry_on_a_new_line_without_a_colon() {
    assert_parse!("fn main() {\n    let m = {\n        a: 1\n        b 2\n    }\n}");
}

#[test]
fn map_key_must_be_a_name_or_string() {
    assert_parse!("let n = {1: 2}");
}

#[test]
fn object_member_that_is_not_a_slot_or_method() {
    assert_parse!("object o {\n    x = 1\n    5\n    fn m() { }\n}");
}

#[test]
fn route_without_path() {
    assert_parse!("plugin p {\n    route GET (req) { }\n}");
}

#[test]
fn plugin_member_that_is_not_a_route_or_fn() {
    assert_parse!("plugin p {\n    x = 1\n}");
}

#[test]
fn allman_else_block_on_the_next_line() {
    assert_parse!("fn main() {\n    if x {\n    } else\n    {\n    }\n}");
}

#[test]
fn statements_need_a_separator() {
    assert_parse!("fn main() {\n    let a = 1 let b = 2\n}");
}

#[test]
fn unexpected_end_of_input() {
    assert_parse!("let x = 1 +");
}

#[test]
fn line_continues_after_equals_so_the_next_item_is_its_value() {
    // A newline after `=` does not end the line: the `fn` below is read as the value.
    assert_parse!("let bad =\nfn b() { return 2 }");
}

#[test]
fn single_quotes_are_not_strings() {
    assert_parse!("let s = 'c'");
}

#[test]
fn uses_needs_a_name() {
    assert_parse!("uses");
}

#[test]
fn not_inside_a_comparison_needs_parentheses() {
    assert_parse!("let x = a == not b");
}

// E0102 unknown character

#[test]
fn unknown_characters_with_hints() {
    assert_parse!(
        "fn main() {\n    let x = a # b\n    x = y && z\n    if !x { }\n    let t = a @ b\n}"
    );
}

#[test]
fn non_ascii_identifier() {
    assert_parse!("fn main() {\n    let café = 1\n}");
}

// E0103 unterminated string

#[test]
fn unterminated_string() {
    assert_parse!("fn main() {\n    let s = \"abc\n}");
}

// E0104 invalid escape

#[test]
fn invalid_escapes() {
    assert_parse!(r#"let s = "a\qb\u{110000}c\u{zz}d\u{D800}\u{1234567}\u12""#);
}

// E0105 bad number literal

#[test]
fn bad_number_literals() {
    assert_parse!(
        "let a = 12abc\nlet b = 0x\nlet c = 1e400\nlet d = 0b101\nlet e = 1e\nlet f = 1.5x"
    );
}

#[test]
fn hex_prefix_with_only_underscores() {
    assert_parse!("let x = 0x_");
}

#[test]
fn int_too_large() {
    assert_parse!("let d = 9223372036854775808\nlet e = -9223372036854775809\nlet f = 0xffffffffffffffffff\nlet g = x - 9223372036854775808\nlet h = 99999999999999999999999");
}

// E0106 chained comparison

#[test]
fn chained_comparisons() {
    assert_parse!("fn main() {\n    print(a == b == c)\n    print(a < b > c and d != e)\n}");
}

// E0107 invalid assignment target

#[test]
fn invalid_assignment_targets() {
    assert_parse!(
        "fn main() {\n    1 + 2 = 3\n    a.b() = 4\n    [1] = 2\n    f(x) = 1\n    self = 1\n}"
    );
}

// E0108 statement at top level

#[test]
fn statements_at_top_level() {
    assert_parse!("x = 5\nif true { }\nprint(1)\nfn main() {}");
}

// E0110 unclosed delimiter

#[test]
fn unclosed_brace() {
    assert_parse!("fn a() {\n    if x {\n        foo()\n\n}\nfn b() {}");
}

#[test]
fn unclosed_if_inside_a_plugin_is_reported_at_the_if() {
    assert_parse!(
        "plugin p {\n    fn f(x) {\n        if x > 1 {\n            print(x)\n        return 2\n    }\n}"
    );
}

#[test]
fn unclosed_if_inside_an_object_method_is_reported_at_the_if() {
    assert_parse!(
        "object o {\n    fn f(x) {\n        while x > 1 {\n            x = x - 1\n        if x == 3 {\n            print(x)\n        }\n    }\n}"
    );
}

#[test]
fn unclosed_block_at_the_end_with_consistent_indentation() {
    assert_parse!("fn a() {\n    if x {\n        foo()\n    }\n");
}

#[test]
fn unclosed_parenthesis_at_end() {
    assert_parse!("let x = f(1,");
}

// Recovery: many errors in one run, the rest of the module kept.

#[test]
fn bad_statements_in_two_functions_are_both_reported() {
    assert_parse!("fn a() {\n    let x = 1 +* 2\n}\n\nfn b() {\n    return )\n}");
}

#[test]
fn several_bad_statements_in_one_function() {
    assert_parse!(
        "fn main() {\n    let = 1\n    print(1)\n    foo(1 2)\n    let ok = 3\n    if x y { }\n}"
    );
}

#[test]
fn errors_in_nested_blocks() {
    assert_parse!("fn main() {\n    while x {\n        if y {\n            let = 1\n        }\n        bad bad\n    }\n}");
}

#[test]
fn lexer_and_parser_errors_together_in_source_order() {
    assert_parse!("fn main() {\n    let a = 1 +\n}\nlet s = \"\\q\"\nlet n = 12ab\nx = 1");
}

#[test]
fn recovered_module_keeps_the_good_items() {
    let source = "fn a() {\n    let x = )\n    print(1)\n}\nlet bad = )\nfn b() { return 2 }\nobject o { x = 1; 5; y = 2 }";
    let parsed = aura_compiler::parse::parse(source);
    let names: Vec<String> = parsed
        .module
        .items
        .iter()
        .filter_map(|item| item.defined_name().map(|n| n.name.clone()))
        .collect();
    // A broken line is skipped up to the next separator; `fn b` on the next line survives.
    insta::assert_snapshot!(format!(
        "----- SOURCE\n{source}\n----- OUTPUT\nitems: {names:?}\n{}",
        support::output(source)
    ));
}

#[test]
fn leading_operator_with_nothing_to_continue() {
    assert_parse!("fn main() {\n    + 1\n}\nfn g() {\n    .f()\n}");
}

#[test]
fn leading_operator_after_a_block() {
    assert_parse!("fn main() {\n    if a {\n    }\n    * 2\n}");
}
