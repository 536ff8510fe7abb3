//! Top-level items: `uses`, `let`, `fn`, `object`, `plugin`.

#[path = "support/parse.rs"]
mod support;

#[test]
fn uses_declaration() {
    assert_parse!("uses store, log");
}

#[test]
fn global_let() {
    assert_parse!("let greeting = \"hello\"");
}

#[test]
fn function_with_params_and_trailing_comma() {
    assert_parse!("fn add(\n    a,\n    b,\n) { return a + b }");
}

#[test]
fn empty_function() {
    assert_parse!("fn main() {}");
}

#[test]
fn object_with_slots_and_methods() {
    assert_parse!(
        "object counter {
    count = 0
    fn increment(by) {
        self.count = self.count + by
        return self.count
    }
}"
    );
}

#[test]
fn object_with_prototype_and_semicolons() {
    assert_parse!("object loud : counter { volume = 11; fn shout(s) { return upper(s) + \"!\" } }");
}

#[test]
fn plugin_with_routes_and_helper() {
    assert_parse!(
        r#"plugin meshfs {
    route POST "/api/v2/meshfs/write" (req) { return {status: "success"} }
    route GET "/api/v2/meshfs/resolve" (req) { return {pointer: req.query.pointer} }
    fn helper(x) { return x }
}"#
    );
}

#[test]
fn items_separated_by_blank_lines_and_comments() {
    assert_parse!(
        "// a module\n\nuses log // capabilities\n\n\nlet a = 1\n\n// main\nfn main() {\n}\n"
    );
}
