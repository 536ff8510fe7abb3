//! Operators: precedence, associativity, unary and postfix operators, line continuation.

#[path = "support/parse.rs"]
mod support;

#[test]
fn multiplication_binds_tighter_than_addition() {
    assert_parse!("let x = 1 + 2 * 3 - 4 / 5 % 6");
}

#[test]
fn same_precedence_is_left_associative() {
    assert_parse!("let x = a - b - c\nlet y = a / b * c");
}

#[test]
fn parentheses_override_precedence() {
    assert_parse!("let x = (1 + 2) * 3");
}

#[test]
fn comparison_below_arithmetic() {
    assert_parse!("let x = a + 1 <= b * 2");
}

#[test]
fn all_comparison_operators() {
    assert_parse!("let a = x == y\nlet b = x != y\nlet c = x < y\nlet d = x <= y\nlet e = x > y\nlet f = x >= y");
}

#[test]
fn parenthesised_comparisons_may_be_compared() {
    assert_parse!("let x = (a < b) == (c < d)");
}

#[test]
fn and_binds_tighter_than_or() {
    assert_parse!("let x = a or b and c or d");
}

#[test]
fn not_sits_between_and_and_comparison() {
    // `not a == b` is `not (a == b)`; `not a and b` is `(not a) and b`.
    assert_parse!("let x = not a == b\nlet y = not a and b\nlet z = not not a");
}

#[test]
fn unary_minus_binds_tighter_than_multiplication() {
    assert_parse!("let x = -a * b\nlet y = a * -b\nlet z = - -a");
}

#[test]
fn unary_minus_binds_looser_than_postfix() {
    assert_parse!("let x = -a.b\nlet y = -f(1)[0]");
}

#[test]
fn call_index_and_field_chain() {
    assert_parse!("let x = f(1)(2)[3].g");
}

#[test]
fn field_followed_by_parenthesis_is_a_send() {
    assert_parse!("let x = counter.increment(1, 2)");
}

#[test]
fn parenthesised_field_then_call_is_a_call() {
    assert_parse!("let x = (obj.f)(1)");
}

#[test]
fn send_chain() {
    assert_parse!("let x = a.b().c(1).d");
}

#[test]
fn call_with_trailing_comma() {
    assert_parse!("let x = f(1, 2,)");
}

#[test]
fn index_with_expression() {
    assert_parse!("let x = a[i + 1][j]");
}

#[test]
fn method_call_on_self() {
    assert_parse!("let x = self.count + self.step(1)");
}

#[test]
fn line_continues_after_binary_operator() {
    assert_parse!(
        "fn main() {\n    let x = 1 +\n        2 *\n        3\n    let y = a and\n        b\n}"
    );
}

#[test]
fn line_continues_inside_parentheses_and_brackets() {
    assert_parse!("fn main() {\n    let x = (1\n        + 2)\n    let y = f(\n        a,\n        b\n    )\n    let z = [a\n        , b]\n}");
}

#[test]
fn line_continues_after_dot_and_assign() {
    assert_parse!("fn main() {\n    let x =\n        a.\n        b\n}");
}

#[test]
fn line_starting_with_an_operator_continues_the_line_before() {
    // `let x = a` then `-b` is `let x = a - b`, never a silent statement `-b`.
    assert_parse!("fn main() {\n    let x = a\n    -b\n}");
}

#[test]
fn minus_after_an_operand_is_binary() {
    assert_parse!("let a = x-1\nlet b = f(x) -2\nlet c = [1][0]-3");
}

#[test]
fn keywords_as_field_and_method_names() {
    assert_parse!("let x = req.query.for + o.if(1) + m.nil");
}

#[test]
fn bit_operators_between_comparison_and_arithmetic() {
    assert_parse!("let x = a | b ^ c & d << 1 + e == f");
}

#[test]
fn bit_and_binds_tighter_than_equality() {
    assert_parse!("let x = n & 1 == 0");
}

#[test]
fn shifts_are_left_associative() {
    assert_parse!("let x = a << b >> c");
}

#[test]
fn bit_not_is_a_prefix_operator() {
    assert_parse!("let x = ~a.f + ~-1 - -~b");
}

#[test]
fn doubled_and_or_are_not_bit_operators() {
    assert_parse!("let x = a && b || c");
}

#[test]
fn leading_operators_and_dots_continue() {
    assert_parse!("fn main() {\n    let x = a\n        + b * 2\n        .f\n    // a comment\n    and c\n    print(x)\n}");
}

#[test]
fn allman_braces() {
    assert_parse!("fn f(a)\n{\n    if a\n    {\n        return 1\n    }\n    else if b\n    {\n    }\n    while a\n    {\n    }\n    for x in a\n    {\n    }\n}\nobject O\n{\n    fn m()\n    {\n    }\n}\nplugin P\n{\n    route GET \"/\" (req)\n    {\n    }\n}");
}
