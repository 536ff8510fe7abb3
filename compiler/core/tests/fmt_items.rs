//! `aura fmt` on items: `uses`, globals, functions, objects, plugins, and the spacing between them.

#[path = "support/fmt.rs"]
mod support;

#[test]
fn uses_and_globals_group() {
    assert_fmt!(
        "uses store,log\nuses clock\nlet a=1\nlet b = \"two\"\nlet c=[1,2]\nfn main(){}\nlet d = nil"
    );
}

#[test]
fn multi_line_globals_get_blank_lines() {
    assert_fmt!(
        r#"let short = 1
let long = ["a fairly long string", "another fairly long string", "and a third one, to go past 100 columns"]
let after = 2
"#
    );
}

#[test]
fn functions() {
    assert_fmt!(
        "fn add(a,b){return a+b}\n\n\n\nfn main() { print(add(1, 2)) }\nfn none(){}\nfn trailing(a, b,) { return }"
    );
}

#[test]
fn comments_are_dropped() {
    assert_fmt!(
        r#"// leading comment
fn main() { // after brace
    // alone
    print(1) // after statement
}
"#
    );
}

#[test]
fn objects() {
    assert_fmt!(
        r#"object counter {
    count = 0; step = 1
    fn increment(by) { self.count = self.count + by
        return self.count }
    label = "c"
    fn reset() {}
    fn get() { return self.count }
}
object mid : counter { }
object leaf:mid{fn only() { return 1 }}
"#
    );
}

#[test]
fn plugins() {
    assert_fmt!(
        r#"plugin meshfs {
    route POST "/api/v2/meshfs/write" (req) { return {status: "success"} }
    route GET "/api/v2/meshfs/resolve" (req) { return {pointer: req.query.pointer} }
    fn helper(x) { return x }
    route DELETE "/a\"b" (r) {}
}
plugin empty {}
"#
    );
}

#[test]
fn contract_example() {
    assert_fmt!(
        r#"uses store, log                      // capabilities this module may touch

let greeting = "hello"

fn add(a, b) { return a + b }        // falling off the end returns nil

object counter {                     // a named prototype object
    count = 0                        // slot with its initial value
    fn increment(by) {
        self.count = self.count + by
        return self.count
    }
}

object loud : counter {              // prototype link: loud delegates to counter
    fn shout(s) { return upper(s) + "!" }
}

plugin meshfs {                      // a group of HTTP routes served by a host
    route POST "/api/v2/meshfs/write" (req) { return {status: "success"} }
    route GET "/api/v2/meshfs/resolve" (req) { return {pointer: req.query.pointer} }
    fn helper(x) { return x }
}
"#
    );
}

#[test]
fn empty_module() {
    assert_fmt!("// nothing but a comment\n");
}
