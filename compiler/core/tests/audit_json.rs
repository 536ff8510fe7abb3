//! The audit on hand-written, span-less UAST JSON: the shapes a host may send, odd ones included.

use aura_compiler::audit::{audit, audit_prelude, AuditReport};
use aura_uast::{Document, Module};
use serde_json::{json, Value};

fn module(items: Value) -> Module {
    let doc = json!({"schema": "aura-uast", "version": 1, "module": {"items": items}});
    match Document::from_json(&doc.to_string()) {
        Ok(doc) => doc.module,
        Err(e) => panic!("bad test document: {e}"),
    }
}

fn prelude() -> Module {
    module(json!([
        {"kind": "fn", "name": {"name": "abs"}, "params": [{"name": "x"}], "body": {"stmts": [
            {"kind": "return", "value": var("x")}
        ]}},
        {"kind": "fn", "name": {"name": "values"}, "params": [{"name": "m"}], "body": {"stmts": [
            {"kind": "expr", "expr": call("__type_error", vec![s("no")])},
            {"kind": "return", "value": var("m")}
        ]}}
    ]))
}

fn run(items: Value) -> AuditReport {
    audit(&module(items), &prelude())
}

fn codes(report: &AuditReport) -> Vec<&'static str> {
    report.diagnostics.iter().map(|d| d.code).collect()
}

fn titles(report: &AuditReport) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.title))
        .collect()
}

fn var(name: &str) -> Value {
    json!({"kind": "var", "name": name})
}
fn s(value: &str) -> Value {
    json!({"kind": "str", "value": value})
}
fn int(value: i64) -> Value {
    json!({"kind": "int", "value": value})
}
fn this() -> Value {
    json!({"kind": "self_ref"})
}
fn call(name: &str, args: Vec<Value>) -> Value {
    json!({"kind": "call", "callee": var(name), "args": args})
}
fn send(receiver: Value, method: &str, args: Vec<Value>) -> Value {
    json!({"kind": "send", "receiver": receiver, "method": {"name": method}, "args": args})
}
fn field(object: Value, name: &str) -> Value {
    json!({"kind": "field", "object": object, "field": {"name": name}})
}
fn expr(e: Value) -> Value {
    json!({"kind": "expr", "expr": e})
}
fn let_(name: &str, value: Value) -> Value {
    json!({"kind": "let", "name": {"name": name}, "value": value})
}
fn set_field(object: Value, name: &str, value: Value) -> Value {
    json!({"kind": "assign", "target": {"kind": "field", "object": object, "field": {"name": name}}, "value": value})
}
fn set_var(name: &str, value: Value) -> Value {
    json!({"kind": "assign", "target": {"kind": "var", "name": name}, "value": value})
}
fn ret(value: Value) -> Value {
    json!({"kind": "return", "value": value})
}
fn func(name: &str, params: &[&str], stmts: Vec<Value>) -> Value {
    let params: Vec<Value> = params.iter().map(|p| json!({"name": p})).collect();
    json!({"kind": "fn", "name": {"name": name}, "params": params, "body": {"stmts": stmts}})
}
fn method(name: &str, params: &[&str], stmts: Vec<Value>) -> Value {
    let mut f = func(name, params, stmts);
    f["kind"] = json!("method");
    f
}
fn object(name: &str, proto: Option<&str>, members: Vec<Value>) -> Value {
    let mut o = json!({"kind": "object", "name": {"name": name}, "members": members});
    if let Some(proto) = proto {
        o["proto"] = json!({"name": proto});
    }
    o
}
fn slot(name: &str, value: Value) -> Value {
    json!({"kind": "slot", "name": {"name": name}, "value": value})
}
fn main_fn(stmts: Vec<Value>) -> Value {
    func("main", &[], stmts)
}

#[test]
fn clean_program_has_no_diagnostics() {
    let report = run(json!([
        {"kind": "let", "name": {"name": "greeting"}, "value": s("hi")},
        func("greet", &["name"], vec![ret(json!({"kind": "binary", "op": "add", "lhs": var("greeting"), "rhs": var("name")}))]),
        main_fn(vec![expr(call("print", vec![call("greet", vec![s("x")])])), expr(call("abs", vec![int(-1)]))]),
    ]));
    assert_eq!(titles(&report), Vec::<String>::new());
}

#[test]
fn unknown_names_and_the_hidden_intrinsic() {
    let report = run(json!([main_fn(vec![
        expr(call("prnt", vec![var("nope")])),
        expr(call("__type_error", vec![s("x")])),
        expr(var("self")),
    ])]));
    assert_eq!(
        titles(&report),
        vec![
            "E0201 unknown name `prnt`",
            "E0201 unknown name `nope`",
            "E0201 unknown name `__type_error`"
        ]
    );
    assert_eq!(
        report.diagnostics[0].hint.as_deref(),
        Some("did you mean `print`?")
    );
}

#[test]
fn prelude_may_name_the_intrinsic() {
    assert_eq!(titles(&audit_prelude(&prelude())), Vec::<String>::new());
}

#[test]
fn assignments() {
    let report = run(json!([
        {"kind": "let", "name": {"name": "g"}, "value": int(0)},
        main_fn(vec![
            set_var("g", int(1)),
            set_var("x", int(1)),
            set_var("main", int(1)),
            set_var("print", int(1)),
            set_var("abs", int(1)),
            set_var("store", int(1)),
            set_var("self", int(1)),
        ]),
    ]));
    assert_eq!(
        titles(&report),
        vec![
            "E0202 assignment to undeclared name `x`",
            "E0203 cannot assign to builtin `print`",
            "E0203 cannot assign to builtin `abs`",
            "E0203 cannot assign to capability `store`",
            "E0203 cannot assign to keyword `self`",
        ]
    );
}

#[test]
fn arity_of_fns_prelude_and_builtins_unless_shadowed() {
    let report = run(json!([
        func("two", &["a", "b"], vec![]),
        main_fn(vec![
            expr(call("two", vec![int(1)])),
            expr(call("abs", vec![])),
            expr(call("slice", vec![int(1)])),
            expr(call("print", vec![int(1), int(2), int(3)])),
            let_("len", int(0)),
            expr(call("len", vec![])),
        ]),
    ]));
    assert_eq!(
        titles(&report),
        vec![
            "E0204 function `two` takes 2 arguments, but 1 was given",
            "E0204 builtin `abs` takes 1 argument, but 0 were given",
            "E0204 builtin `slice` takes 2 or 3 arguments, but 1 was given",
        ]
    );
}

#[test]
fn user_definitions_shadow_prelude_and_builtins() {
    let report = run(json!([
        func("abs", &["a", "b"], vec![]),
        func("len", &[], vec![]),
        main_fn(vec![
            expr(call("abs", vec![int(1), int(2)])),
            expr(call("len", vec![]))
        ]),
    ]));
    assert_eq!(titles(&report), Vec::<String>::new());
}

#[test]
fn duplicates() {
    let report = run(json!([
        {"kind": "uses", "names": [{"name": "log"}, {"name": "log"}]},
        func("f", &["a", "a"], vec![]),
        object("f", None, vec![
            slot("x", int(0)),
            method("x", &[], vec![]),
        ]),
        {"kind": "let", "name": {"name": "log"}, "value": int(0)},
        {"kind": "plugin", "name": {"name": "p"}, "members": [
            {"kind": "route", "method": {"name": "GET"}, "path": "/a", "param": {"name": "r"}, "body": {"stmts": []}},
            {"kind": "route", "method": {"name": "get"}, "path": "/a", "param": {"name": "r"}, "body": {"stmts": []}},
            {"kind": "route", "method": {"name": "POST"}, "path": "/a", "param": {"name": "r"}, "body": {"stmts": []}},
            func("h", &[], vec![]),
            func("h", &[], vec![]),
        ]},
    ]));
    // Span-less: the order is the order the checks ran in, not source order.
    assert_eq!(
        titles(&report),
        vec![
            "E0205 `f` is defined twice at top level",
            "E0205 `log` is defined twice at top level",
            "E0207 object `f` defines `x` twice",
            "E0207 plugin `p` defines `h` twice",
            "E0208 plugin `p` defines route `GET /a` twice",
            "E0206 parameter `a` is declared twice",
        ]
    );
}

#[test]
fn loops_and_fn_literals() {
    let brk = json!({"kind": "break"});
    let lambda = json!({"kind": "lambda", "params": [], "body": {"stmts": [brk.clone()]}});
    let report = run(json!([
        {"kind": "let", "name": {"name": "f"}, "value": lambda.clone()},
        main_fn(vec![
            json!({"kind": "continue"}),
            json!({"kind": "while", "cond": {"kind": "bool", "value": true}, "body": {"stmts": [
                brk.clone(),
                expr(lambda.clone()),
                json!({"kind": "fn", "name": {"name": "inner"}, "params": [], "body": {"stmts": [brk.clone()]}}),
            ]}}),
        ]),
    ]));
    assert_eq!(
        codes(&report),
        vec!["E0209", "E0209", "E0209", "E0209"],
        "{:#?}",
        titles(&report)
    );
    let hints: Vec<bool> = report
        .diagnostics
        .iter()
        .map(|d| d.hint.is_some())
        .collect();
    assert_eq!(hints, vec![false, false, true, true]);
}

#[test]
fn capabilities() {
    let report = run(json!([
        {"kind": "uses", "names": [{"name": "store"}, {"name": "lgo"}]},
        main_fn(vec![
            expr(send(var("store"), "get", vec![s("k")])),
            expr(send(var("log"), "info", vec![s("k")])),
            expr(send(var("clock"), "now", vec![])),
        ]),
    ]));
    assert_eq!(
        titles(&report),
        vec![
            "E0210 unknown capability `lgo`",
            "E0211 capability `log` is used but not declared",
            "E0211 capability `clock` is used but not declared",
        ]
    );
    assert_eq!(
        report.diagnostics[0].hint.as_deref(),
        Some("did you mean `log`? known capabilities: store, log, clock")
    );
}

#[test]
fn prototypes() {
    let report = run(json!([
        func("f", &[], vec![]),
        object("a", Some("b"), vec![]),
        object("b", Some("a"), vec![]),
        object("c", Some("f"), vec![]),
        object("d", Some("missing"), vec![]),
        object("e", Some("e"), vec![]),
        object("g", Some("a"), vec![]),
    ]));
    assert_eq!(
        titles(&report),
        vec![
            "E0212 prototype `f` of object `c` is not an object",
            "E0212 prototype `missing` of object `d` is not an object",
            "E0213 prototype cycle: `a` -> `b` -> `a`",
            "E0213 prototype cycle: `e` -> `e`",
        ]
    );
}

#[test]
fn empty_and_odd_names_do_not_panic() {
    let report = run(json!([
        func(
            "",
            &["", ""],
            vec![expr(var("")), set_var("", int(1)), expr(call("", vec![]))]
        ),
        object(
            "",
            Some(""),
            vec![method("", &[], vec![set_field(this(), "", int(1))])]
        ),
    ]));
    assert!(!report.diagnostics.is_empty());
    assert_eq!(report.methods.len(), 1);
}

/// Building, reading and dropping a very deep UAST recurses in serde and in `Drop`: do those on a
/// big stack, and only the audit on the test thread's ordinary one.
fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new().stack_size(1 << 30).spawn(f);
    match handle.map(|h| h.join()) {
        Ok(Ok(value)) => value,
        _ => panic!("big-stack thread failed"),
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let m = on_big_stack(|| {
        let mut e = int(1);
        for _ in 0..5000 {
            // `json!` would serialise `e` again at every level: move it in instead.
            let mut outer = json!({"kind": "unary", "op": "neg"});
            outer["operand"] = e;
            e = outer;
        }
        for _ in 0..3000 {
            let mut outer = json!({"kind": "field", "field": {"name": "f"}});
            outer["object"] = e;
            e = outer;
        }
        let mut block = vec![expr(e), set_field(this(), "x", int(1))];
        for _ in 0..2000 {
            let mut outer = json!({"kind": "if", "cond": var("nope"), "then": {}});
            outer["then"]["stmts"] = Value::Array(block);
            block = vec![outer];
        }
        let mut main = main_fn(vec![]);
        main["body"]["stmts"] = Value::Array(block.clone());
        let mut m = method("m", &[], vec![]);
        m["body"]["stmts"] = Value::Array(block);
        let mut o = object("o", None, vec![]);
        o["members"] = Value::Array(vec![m]);
        let items = Value::Array(vec![main, o]);
        let m = module(items.clone());
        on_big_stack(move || drop(items));
        m
    });
    let report = audit(&m, &prelude());
    assert_eq!(codes(&report).len(), 4000);
    assert!(facts(&report)[0].1);
    on_big_stack(move || drop(m));
}

fn facts(report: &AuditReport) -> Vec<(String, bool, Vec<String>)> {
    report
        .methods
        .iter()
        .map(|f| {
            (
                format!("{}.{}", f.owner, f.method),
                f.mutates,
                f.reasons.clone(),
            )
        })
        .collect()
}

#[test]
fn mutation_basics() {
    let report = run(json!([
        func("keep", &["x"], vec![set_var("registry", var("x"))]),
        func("look", &["x"], vec![expr(call("print", vec![var("x")]))]),
        func("fill", &["l"], vec![expr(call("push", vec![var("l"), int(1)]))]),
        {"kind": "let", "name": {"name": "registry"}, "value": {"kind": "nil"}},
        object("counter", None, vec![
            slot("count", int(0)),
            slot("items", json!({"kind": "list", "items": []})),
            method("get", &[], vec![ret(field(this(), "count"))]),
            method("bump", &[], vec![set_field(this(), "count", int(1))]),
            method("twice", &[], vec![expr(send(this(), "bump", vec![])), expr(send(this(), "get", vec![]))]),
            method("shown", &[], vec![expr(call("look", vec![this()]))]),
            method("kept", &[], vec![expr(call("keep", vec![this()]))]),
            method("filled", &[], vec![expr(call("fill", vec![field(this(), "items")]))]),
            method("pushed", &[], vec![let_("l", field(this(), "items")), expr(call("push", vec![var("l"), int(2)]))]),
            method("cloned", &[], vec![let_("r", call("clone", vec![this()])), set_field(var("r"), "count", int(5)), ret(var("r"))]),
            method("me", &[], vec![ret(this())]),
            method("unknown", &[], vec![expr(send(this(), "nothing", vec![]))]),
        ]),
    ]));
    assert_eq!(codes(&report), Vec::<&str>::new(), "{:#?}", titles(&report));
    let expected: Vec<(String, bool, Vec<String>)> = vec![
        ("counter.get", false, vec![]),
        ("counter.bump", true, vec!["writes self.count"]),
        (
            "counter.twice",
            true,
            vec!["sends self.bump, which mutates"],
        ),
        ("counter.shown", false, vec![]),
        (
            "counter.kept",
            true,
            vec!["passes self to keep, which lets it escape"],
        ),
        (
            "counter.filled",
            true,
            vec!["passes self.items to fill, which changes it"],
        ),
        (
            "counter.pushed",
            true,
            vec!["push changes l (l may hold part of self) in place"],
        ),
        ("counter.cloned", false, vec![]),
        ("counter.me", true, vec!["returns self"]),
        ("counter.unknown", false, vec![]),
    ]
    .into_iter()
    .map(|(n, m, r)| (n.to_string(), m, r.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(facts(&report), expected);
}

#[test]
fn mutation_through_chain_dnu_and_overrides() {
    let report = run(json!([
        object(
            "base",
            None,
            vec![
                method("poke", &[], vec![expr(send(this(), "hook", vec![]))]),
                method("hook", &[], vec![]),
                method("ask", &[], vec![expr(send(this(), "whatever", vec![]))]),
            ]
        ),
        object(
            "child",
            Some("base"),
            vec![
                method("hook", &[], vec![set_field(this(), "x", int(1))]),
                method(
                    "does_not_understand",
                    &["n", "a"],
                    vec![set_field(this(), "last", var("n"))]
                ),
                method("go", &[], vec![expr(send(this(), "missing", vec![]))]),
            ]
        ),
        object(
            "cyc1",
            Some("cyc2"),
            vec![method("m", &[], vec![expr(send(this(), "z", vec![]))])]
        ),
        object("cyc2", Some("cyc1"), vec![]),
    ]));
    let got = facts(&report);
    assert_eq!(
        got[0],
        (
            "base.poke".to_string(),
            true,
            vec!["sends self.hook, which mutates as overridden in `child`".to_string()]
        )
    );
    assert!(!got[1].1);
    assert_eq!(
        got[2],
        (
            "base.ask".to_string(),
            true,
            vec![
                "sends self.whatever, answered by does_not_understand in `child`, which mutates"
                    .to_string()
            ]
        )
    );
    assert_eq!(
        got[5],
        (
            "child.go".to_string(),
            true,
            vec!["sends self.missing, answered by does_not_understand, which mutates".to_string()]
        )
    );
    assert!(!got[6].1);
}
