//! E0209: `break`/`continue` outside a loop. (`return` outside a function cannot be written: see
//! `return_is_always_inside_a_function`.)

#[path = "support/audit.rs"]
mod support;

#[test]
fn break_in_a_function_body() {
    assert_audit!("fn main() {\n    break\n}");
}

#[test]
fn continue_in_an_if() {
    assert_audit!("fn main() {\n    if true {\n        continue\n    }\n}");
}

#[test]
fn break_inside_while_and_for_is_fine() {
    assert_audit!(
        "fn main() {\n    while true {\n        if true { break }\n        continue\n    }\n    for x in [1] {\n        if x == 1 { continue }\n        break\n    }\n}"
    );
}

#[test]
fn a_loop_outside_a_fn_literal_does_not_count() {
    assert_audit!(
        "fn main() {\n    while true {\n        let f = fn() { break }\n        f()\n    }\n}"
    );
}

#[test]
fn a_loop_outside_a_nested_fn_does_not_count() {
    assert_audit!("fn main() {\n    for x in [1] {\n        fn skip() {\n            continue\n        }\n    }\n}");
}

#[test]
fn a_loop_inside_a_fn_literal_counts() {
    assert_audit!("fn main() {\n    let f = fn() {\n        while true { break }\n    }\n}");
}

#[test]
fn break_in_a_fn_literal_of_a_global() {
    assert_audit!("let f = fn() {\n    break\n}");
}

#[test]
fn break_in_a_method_and_a_route() {
    assert_audit!(
        "object o {\n    fn m() { break }\n}\n\nplugin p {\n    route GET \"/x\" (req) { continue }\n}"
    );
}

#[test]
fn return_is_always_inside_a_function() {
    // Every statement lives in a fn, method, route or fn literal: returns there are fine, also
    // in a fn literal that initialises a global or a slot.
    assert_audit!(
        "let f = fn() { return 1 }\n\nobject o {\n    g = fn() { return 2 }\n    fn m() { return }\n}\n\nplugin p {\n    route GET \"/x\" (req) { return 3 }\n}"
    );
}

#[test]
fn break_and_continue_inside_try_follow_the_loop_around_it() {
    assert_audit!(
        "fn main() {\n    for x in [1] {\n        try { break } catch e { continue }\n    }\n    try { continue } catch e { break }\n}"
    );
}
