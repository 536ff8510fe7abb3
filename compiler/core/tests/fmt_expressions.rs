//! `aura fmt` on expressions: precedence and parentheses, postfix chains, lambdas, line breaking.

#[path = "support/fmt.rs"]
mod support;

#[test]
fn redundant_parentheses_go() {
    assert_fmt!(
        r#"fn main() {
    print((a - b) - c)
    print(a - (b - c))
    print((a * b) + (c * d))
    print((a + b) * (c + d))
    print(a + (b + c))
    print(((x)))
    print((a.b).c)
    print((f(x))[0])
}
"#
    );
}

#[test]
fn comparisons() {
    assert_fmt!(
        r#"fn main() {
    print(a + 1 == b * 2)
    print((a == b) == c)
    print(a != (b < c))
    print((a <= b) and (c >= d))
}
"#
    );
}

#[test]
fn logic() {
    assert_fmt!(
        r#"fn main() {
    print(a or (b and c))
    print((a or b) and c)
    print(not (a and b))
    print(not a == b)
    print((not a) == b)
    print(a == (not b))
    print(not not a)
    print(a and not b or c)
}
"#
    );
}

#[test]
fn unary_minus() {
    assert_fmt!(
        r#"fn main() {
    print(-x)
    print(-(-x))
    print(- -x)
    print(-(x + 1))
    print(-x.f)
    print((-x).f)
    print(-f(x) * 2)
    print(-(5))
    print(-(-5))
    print(-5)
    print(-5 * 2)
    print(1 - -5)
    print(1 - 5)
    print(-2.5e-3)
    print(-9223372036854775808)
    print((-5)[0])
}
"#
    );
}

#[test]
fn postfix() {
    assert_fmt!(
        r#"fn main() {
    o.m(1, 2)
    (o.f)(1, 2)
    o.a.b.m().c[0](1)
    f(1)(2)
    xs[0][1]
    self.m(self.f)
    "abc"[1]
    [1, 2, 3][0]
    print(req.query.for, o.if(1), {if: 1, for: 2}.for)
}
"#
    );
}

#[test]
fn lambdas() {
    assert_fmt!(
        r#"fn main() {
    let f = fn(x) { return x * 2 }
    let g = fn() {}
    each(xs, fn(x) { print(x) })
    let h = fn(a, b) { let c = a + b
        return fn() { return c } }
    print((fn(x) { return x })(1))
}
"#
    );
}

#[test]
fn long_calls_break() {
    assert_fmt!(
        r#"fn main() {
    let result = some_long_function_name(first_argument, second_argument, third_argument, fourth)
    let result = some_long_function_name(first_argument, second_argument, third_argument, fourth_argument)
    print(outer(inner_function_one(aaaaaaaaaa, bbbbbbbbbb), inner_function_two(cccccccccc, dddddddddd)))
    receiver.send_a_message(with_a_long_argument_name, and_another_long_argument, and_yet_another_one)
    register("/some/path", fn(request, response) { return handle(request, response, defaults) }, options)
    print(some_function_with_long_name([first_element, second_element, third_element, fourth_element]))
    print("a single string argument that is far too long to fit on one line, and cannot be broken")
}
"#
    );
}

#[test]
fn trailing_commas_and_multi_line_input() {
    assert_fmt!(
        r#"fn main() {
    print(
        1,
        2,
    )
    let xs = [
        1, 2,
        3,
    ]
    let m = {
        a: 1,
        b: 2,
    }
}
"#
    );
}

#[test]
fn bit_operators() {
    assert_fmt!(
        r#"fn main() {
    print(a | (b ^ (c & (d << 1))))
    print((a | b) ^ c & d)
    print(((a & b) == 0) and (x >> 1 != 0))
    print((a + 1) << (b * 2))
    print(a << (b << c))
    print(~(~x))
    print(~(-x))
    print(-(~x))
    print(~(x & 1))
    print(~x.f)
    print((~x).f)
    print(~(5))
}
"#
    );
}
