//! E0201 unknown names, E0202 assignments to undeclared names, E0203 assignments to definitions.

#[path = "support/audit.rs"]
mod support;

#[test]
fn unknown_name_in_call_argument() {
    assert_audit!("fn main() {\n    print(nope)\n}");
}

#[test]
fn typo_of_a_local_suggests_it() {
    assert_audit!("fn main() {\n    let count = 1\n    print(cuont + 1)\n}");
}

#[test]
fn typo_of_a_builtin_suggests_it() {
    assert_audit!("fn main() {\n    prnt(\"hi\")\n}");
}

#[test]
fn typo_of_a_prelude_fn_suggests_it() {
    assert_audit!("fn main() {\n    return contans([1], 1)\n}");
}

#[test]
fn let_is_block_scoped() {
    assert_audit!("fn main() {\n    if true {\n        let inner = 1\n    }\n    print(inner)\n}");
}

#[test]
fn let_initialiser_does_not_see_its_own_name() {
    assert_audit!("fn main() {\n    let x = x + 1\n}");
}

#[test]
fn for_variable_is_scoped_to_the_loop_body() {
    assert_audit!(
        "fn main() {\n    for item in [1, 2] {\n        print(item)\n    }\n    print(item)\n}"
    );
}

#[test]
fn locals_of_another_function_are_not_visible() {
    assert_audit!("fn a() {\n    let secret = 1\n}\n\nfn b() {\n    return secret\n}");
}

#[test]
fn nested_fn_is_visible_after_its_statement_and_in_its_body() {
    assert_audit!(
        "fn main() {\n    helper(1)\n    fn helper(n) {\n        if n > 0 { helper(n - 1) }\n    }\n    helper(2)\n}"
    );
}

#[test]
fn fn_literal_sees_enclosing_locals_but_not_later_ones() {
    assert_audit!(
        "fn main() {\n    let a = 1\n    let f = fn() { return a + b }\n    let b = 2\n}"
    );
}

#[test]
fn slot_name_without_self_hints_at_self() {
    assert_audit!(
        "object counter {\n    count = 0\n    fn get() {\n        return count\n    }\n}"
    );
}

#[test]
fn inherited_slot_name_without_self_hints_at_self() {
    assert_audit!(
        "object base {\n    size = 1\n}\n\nobject box : base {\n    fn area() {\n        return size * size\n    }\n}"
    );
}

#[test]
fn plugin_fns_are_not_visible_outside_their_plugin() {
    assert_audit!(
        "plugin files {\n    fn check(p) { return p }\n}\n\nfn main() {\n    check(1)\n    files.check(1)\n}"
    );
}

#[test]
fn hidden_intrinsic_is_unknown_to_user_code() {
    assert_audit!("fn main() {\n    __type_error(\"no\")\n}");
}

#[test]
fn unknown_names_in_global_and_slot_initialisers() {
    assert_audit!("let a = missing\n\nobject o {\n    slot = also_missing\n}");
}

#[test]
fn many_unknown_names_are_reported_in_one_run() {
    assert_audit!("fn main() {\n    let total = alpha + beta\n    gamma(total)\n}");
}

#[test]
fn self_is_always_allowed() {
    assert_audit!("let me = self\n\nfn main() {\n    return fn() { return self }\n}");
}

#[test]
fn assignment_to_undeclared_name() {
    assert_audit!("fn main() {\n    x = 1\n}");
}

#[test]
fn assignment_to_misspelt_local_suggests_it() {
    assert_audit!("fn main() {\n    let total = 0\n    totl = total + 1\n}");
}

#[test]
fn assignment_to_a_global_and_a_captured_local_is_fine() {
    assert_audit!(
        "let hits = 0\n\nfn main() {\n    let n = 0\n    let bump = fn() { n = n + 1 }\n    hits = hits + 1\n}"
    );
}

#[test]
fn assignment_to_a_function_is_allowed() {
    assert_audit!("fn helper() {}\n\nfn main() {\n    helper = 1\n}");
}

#[test]
fn assignment_to_an_object_and_a_plugin_is_allowed() {
    assert_audit!("object o {}\n\nplugin p {}\n\nfn main() {\n    o = 1\n    p = 2\n}");
}

#[test]
fn assignment_to_builtins_and_prelude_fns() {
    assert_audit!("fn main() {\n    print = 1\n    abs = 2\n}");
}

#[test]
fn assignment_to_a_capability() {
    assert_audit!("uses store\n\nfn main() {\n    store = nil\n}");
}

#[test]
fn assignment_to_a_plugin_fn() {
    assert_audit!("plugin p {\n    fn helper() {}\n    route GET \"/x\" (req) {\n        helper = nil\n    }\n}");
}

// Issue 14: E0202 inside a method agrees with E0201 on the same line.

#[test]
fn assignment_to_a_slot_name_without_self_hints_at_self() {
    assert_audit!(
        "object counter {\n    count = 0\n    fn add(by) {\n        count = count + by\n    }\n}"
    );
}

#[test]
fn assignment_to_an_inherited_slot_name_without_self_hints_at_self() {
    assert_audit!(
        "object base {\n    size = 1\n}\n\nobject box : base {\n    fn grow() {\n        size = 2\n    }\n}"
    );
}

#[test]
fn assignment_to_an_undeclared_name_in_a_method_offers_self_or_let() {
    assert_audit!("object counter {\n    fn reset() {\n        total = 0\n    }\n}");
}

#[test]
fn slot_name_in_a_fn_literal_of_a_method_hints_at_binding_self() {
    assert_audit!(
        "object counter {\n    count = 0\n    fn add(by) {\n        let f = fn() { count = count + by }\n        f()\n    }\n}"
    );
}

#[test]
fn undeclared_assignment_in_a_nested_fn_of_a_method_does_not_offer_self() {
    assert_audit!(
        "object counter {\n    fn reset() {\n        fn helper() {\n            total = 0\n        }\n        helper()\n    }\n}"
    );
}

#[test]
fn the_catch_name_is_a_local_of_the_handler_only() {
    assert_audit!(
        "fn main() {\n    try { print(e) } catch e { print(e.kind) }\n    print(e)\n    e = 1\n}"
    );
}
