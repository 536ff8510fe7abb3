//! E0205 duplicate top-level definitions, E0206 duplicate parameters, E0207 duplicate members,
//! E0208 duplicate routes.

#[path = "support/audit.rs"]
mod support;

#[test]
fn two_fns_with_one_name() {
    assert_audit!("fn helper() {}\n\nfn helper() {}");
}

#[test]
fn let_and_fn_with_one_name() {
    assert_audit!("let value = 1\n\nfn value() {}");
}

#[test]
fn object_and_plugin_with_one_name() {
    assert_audit!("object thing {}\n\nplugin thing {}");
}

#[test]
fn three_definitions_report_twice() {
    assert_audit!("let a = 1\nlet a = 2\nfn a() {}");
}

#[test]
fn a_global_named_like_a_declared_capability() {
    assert_audit!("uses log\n\nfn log(message) {}");
}

#[test]
fn a_global_named_like_an_undeclared_capability_is_fine() {
    assert_audit!("fn log(message) {\n    print(message)\n}\n\nfn main() {\n    log(\"hi\")\n}");
}

#[test]
fn shadowing_a_builtin_or_prelude_fn_is_not_a_duplicate() {
    assert_audit!("fn print(x) {}\n\nfn abs(x) { return x }");
}

#[test]
fn duplicate_parameter_in_a_fn() {
    assert_audit!("fn add(a, b, a) {\n    return a + b\n}");
}

#[test]
fn duplicate_parameter_in_a_method_and_a_fn_literal() {
    assert_audit!("object o {\n    fn m(x, x) {}\n}\n\nlet f = fn(y, y) { return y }");
}

#[test]
fn duplicate_parameter_in_a_nested_fn() {
    assert_audit!("fn main() {\n    fn inner(a, a) {}\n}");
}

#[test]
fn duplicate_slot() {
    assert_audit!("object point {\n    x = 0\n    x = 1\n}");
}

#[test]
fn slot_and_method_with_one_name() {
    assert_audit!("object counter {\n    count = 0\n    fn count() {\n        return 0\n    }\n}");
}

#[test]
fn duplicate_method() {
    assert_audit!("object o {\n    fn m() {}\n    fn m() {}\n}");
}

#[test]
fn duplicate_plugin_fn() {
    assert_audit!("plugin p {\n    fn helper() {}\n    fn helper() {}\n}");
}

#[test]
fn duplicate_route() {
    assert_audit!(
        "plugin api {\n    route GET \"/items\" (req) { return 1 }\n    route POST \"/items\" (req) { return 2 }\n    route GET \"/items\" (req) { return 3 }\n}"
    );
}

#[test]
fn route_methods_compare_ignoring_case() {
    assert_audit!(
        "plugin api {\n    route GET \"/items\" (req) { return 1 }\n    route get \"/items\" (req) { return 3 }\n}"
    );
}

#[test]
fn same_member_names_in_different_objects_are_fine() {
    assert_audit!(
        "object a {\n    x = 1\n}\n\nobject b : a {\n    x = 2\n    fn m(x) { return x }\n}"
    );
}
