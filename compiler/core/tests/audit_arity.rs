//! E0204: direct calls to a top-level fn, a plugin fn, a prelude fn or a builtin with the wrong
//! number of arguments.

#[path = "support/audit.rs"]
mod support;

#[test]
fn too_few_arguments_to_a_top_level_fn() {
    assert_audit!("fn add(a, b) {\n    return a + b\n}\n\nfn main() {\n    add(1)\n}");
}

#[test]
fn too_many_arguments_to_a_top_level_fn() {
    assert_audit!("fn one(a) {\n    return a\n}\n\nfn main() {\n    one(1, 2, 3)\n}");
}

#[test]
fn arguments_to_a_fn_without_parameters() {
    assert_audit!("fn main() {\n    main(1)\n}");
}

#[test]
fn fn_declared_after_its_call() {
    assert_audit!("fn main() {\n    later()\n}\n\nfn later(x) {}");
}

#[test]
fn fixed_arity_builtin() {
    assert_audit!("fn main() {\n    print(len(\"a\", \"b\"))\n}");
}

#[test]
fn builtin_with_an_optional_argument() {
    assert_audit!("fn main() {\n    print(slice(\"abc\"))\n}");
}

#[test]
fn builtin_with_a_range_of_arities() {
    assert_audit!("fn main() {\n    print(range(1, 2, 3, 4))\n}");
}

#[test]
fn variadic_builtin_with_too_few() {
    assert_audit!("fn main() {\n    print(max())\n}");
}

#[test]
fn prelude_fn() {
    assert_audit!("fn main() {\n    print(contains([1, 2]))\n}");
}

#[test]
fn plugin_fn_called_by_bare_name() {
    assert_audit!(
        "plugin p {\n    fn fail(message) { return {error: message} }\n    route GET \"/x\" (req) {\n        return fail()\n    }\n}"
    );
}

#[test]
fn correct_calls_are_fine() {
    assert_audit!(
        "fn add(a, b) { return a + b }\n\nfn main() {\n    print()\n    print(1, 2, 3)\n    print(add(1, 2), slice(\"ab\", 1), slice(\"ab\", 0, 1), max(1, 2, 3), abs(-1))\n}"
    );
}

#[test]
fn a_local_shadowing_the_fn_is_not_checked() {
    assert_audit!(
        "fn add(a, b) { return a + b }\n\nfn main() {\n    let add = fn(x) { return x }\n    print(add(1))\n}"
    );
}

#[test]
fn a_parameter_shadowing_a_builtin_is_not_checked() {
    assert_audit!("fn apply(len) {\n    return len(1, 2, 3)\n}");
}

#[test]
fn a_user_fn_shadowing_a_builtin_is_checked_with_its_own_arity() {
    assert_audit!("fn len(a, b) { return 0 }\n\nfn main() {\n    print(len(\"ab\"))\n}");
}

#[test]
fn calls_through_values_are_not_checked() {
    assert_audit!(
        "let f = fn(a) { return a }\n\nobject o {\n    fn m(a) { return a }\n}\n\nfn main() {\n    f(1, 2)\n    o.m(1, 2)\n    o.m.call()\n}"
    );
}
