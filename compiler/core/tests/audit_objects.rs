//! E0212 prototypes that are not objects of the module, E0213 prototype cycles.

#[path = "support/audit.rs"]
mod support;

#[test]
fn prototype_declared_later_is_fine() {
    assert_audit!("object child : parent {}\n\nobject parent {}");
}

#[test]
fn unknown_prototype() {
    assert_audit!("object child : nothing {}");
}

#[test]
fn misspelt_prototype_suggests_an_object() {
    assert_audit!("object counter {}\n\nobject loud : countr {}");
}

#[test]
fn prototype_that_is_a_function() {
    assert_audit!("fn base() {}\n\nobject child : base {}");
}

#[test]
fn prototype_that_is_a_global_or_a_plugin() {
    assert_audit!("let base = 1\n\nplugin api {}\n\nobject a : base {}\n\nobject b : api {}");
}

#[test]
fn prototype_that_is_a_builtin() {
    assert_audit!("object a : print {}");
}

#[test]
fn two_objects_in_a_cycle() {
    assert_audit!("object a : b {}\n\nobject b : a {}");
}

#[test]
fn an_object_that_is_its_own_prototype() {
    assert_audit!("object a : a {}");
}

#[test]
fn a_longer_cycle_with_a_tail_is_reported_once() {
    assert_audit!("object tail : a {}\n\nobject a : b {}\n\nobject b : c {}\n\nobject c : a {}");
}

// E0220: hooks the runtime calls by itself take the parameters it passes (issue 14).

#[test]
fn does_not_understand_with_one_parameter() {
    assert_audit!(
        "object proxy {\n    fn does_not_understand(name) {\n        return name\n    }\n}"
    );
}

#[test]
fn does_not_understand_slot_and_plugin_fn_with_wrong_arity() {
    assert_audit!(
        "object a {\n    does_not_understand = fn(name, args, extra) { return nil }\n}\n\nplugin p {\n    fn does_not_understand() { return nil }\n}"
    );
}

#[test]
fn does_not_understand_with_two_parameters_is_fine() {
    assert_audit!(
        "object proxy {\n    fn does_not_understand(name, args) {\n        return name\n    }\n}\n\nobject b {\n    does_not_understand = fn(n, a) { return n }\n}"
    );
}
