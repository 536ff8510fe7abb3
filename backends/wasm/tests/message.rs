//! The message ABI end to end: Aura source → LIR → wasm with the real runtime
//! (`runtime/rt/aura_rt.wasm`) → one message per fresh instance, with a persisted state.

use aura_compiler::pipeline::check_source;
use aura_host_api::ErrorKind;
use aura_wasm::{declared_capabilities, emit};
use aura_wasm_sandbox::{send_message, Io, Limits, RunError};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

#[derive(Clone, Default)]
struct Captured(Rc<RefCell<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const COUNTER: &str = r#"
object counter {
    count = 0
    history = []
    fn increment(by) {
        self.count = self.count + by
        push(self.history, by)
        return self.count
    }
    fn peek() { return {count: self.count, seen: len(self.history)} }
    fn shout(s) {
        print("shouting", s)
        return upper(s) + "!"
    }
    fn me() { return self }
}

fn main() { print("main is not called by messages") }
"#;

fn compile(source: &str) -> Vec<u8> {
    let checked = check_source(source);
    assert!(checked.is_ok(), "audit: {:?}", checked.diagnostics);
    let program = aura_lir::compile(&checked.module, &checked.prelude).expect("compiles");
    emit(&program, &declared_capabilities(&checked.module)).expect("emits")
}

/// The reply as JSON and what the message printed.
fn send(wasm: &[u8], request: Value) -> (Result<Value, RunError>, String) {
    let out = Captured::default();
    let io = Io {
        stdout: Box::new(out.clone()),
        stderr: Box::new(std::io::sink()),
        host: Box::new(aura_host_api::StdHost::new()),
    };
    let reply = send_message(wasm, &request.to_string(), &Limits::default(), io)
        .map(|text| serde_json::from_str(&text).expect("the reply is JSON"));
    let printed = String::from_utf8(out.0.borrow().clone()).expect("UTF-8 output");
    (reply, printed)
}

fn kind(result: Result<Value, RunError>) -> ErrorKind {
    match result {
        Err(RunError::Runtime(e)) => e.kind,
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[test]
fn a_message_changes_the_persisted_state() {
    let wasm = compile(COUNTER);
    let (reply, printed) = send(
        &wasm,
        json!({"target": "counter", "method": "increment", "args": [5],
               "state": {"count": 41, "history": [1]}}),
    );
    assert_eq!(
        reply.expect("increment"),
        json!({"result": 46, "changed": true, "state": {"count": 46, "history": [1, 5]}})
    );
    assert_eq!(
        printed, "",
        "initialisers print nothing and main is not called"
    );

    // Each message starts from the state it brings, not from the previous message's.
    let (reply, _) = send(
        &wasm,
        json!({"target": "counter", "method": "increment", "args": [1], "state": {"count": 1}}),
    );
    assert_eq!(
        reply.expect("increment"),
        json!({"result": 2, "changed": true, "state": {"count": 2, "history": [1]}})
    );
}

#[test]
fn a_read_only_message_reports_no_change() {
    let wasm = compile(COUNTER);
    let state = json!({"count": 7, "history": [3, 4]});
    let (reply, _) = send(
        &wasm,
        json!({"target": "counter", "method": "peek", "args": [], "state": state}),
    );
    assert_eq!(
        reply.expect("peek"),
        json!({"result": {"count": 7, "seen": 2}, "changed": false, "state": state})
    );
    let (reply, printed) = send(
        &wasm,
        json!({"target": "counter", "method": "shout", "args": ["hé"], "state": {}}),
    );
    assert_eq!(
        reply.expect("shout"),
        json!({"result": "Hé!", "changed": false, "state": {"count": 0, "history": []}})
    );
    assert_eq!(printed, "shouting hé\n");
}

#[test]
fn message_errors_are_runtime_errors() {
    let wasm = compile(COUNTER);
    let request = |target: &str, method: &str, args: Value| json!({"target": target, "method": method, "args": args, "state": {}});
    let (reply, _) = send(&wasm, request("nobody", "peek", json!([])));
    assert_eq!(kind(reply), ErrorKind::DoesNotUnderstand);
    let (reply, _) = send(&wasm, request("counter", "nope", json!([])));
    assert_eq!(kind(reply), ErrorKind::DoesNotUnderstand);
    let (reply, _) = send(&wasm, request("counter", "increment", json!(["x"])));
    assert_eq!(kind(reply), ErrorKind::Type);
    // An object is no JSON value.
    let (reply, _) = send(&wasm, request("counter", "me", json!([])));
    assert_eq!(kind(reply), ErrorKind::Json);
}

/// `try` in a message (the host's `aura_try` re-enters the instance): a caught error keeps what
/// the method did before it and the message succeeds; an uncaught one is the message's error.
#[test]
fn a_caught_error_in_a_message_keeps_the_changes() {
    let wasm = compile(
        r#"
object parser {
    good = 0
    bad = []
    fn feed(text) {
        try {
            let v = json_decode(text)
            self.good = self.good + 1
            return v
        } catch e {
            push(self.bad, e.kind)
            return nil
        }
    }
    fn strict(text) {
        self.good = -1
        return json_decode(text)
    }
}
"#,
    );
    let (reply, _) = send(
        &wasm,
        json!({"target": "parser", "method": "feed", "args": ["{oops"],
               "state": {"good": 2, "bad": []}}),
    );
    assert_eq!(
        reply.expect("feed"),
        json!({"result": null, "changed": true, "state": {"good": 2, "bad": ["json error"]}})
    );
    let (reply, _) = send(
        &wasm,
        json!({"target": "parser", "method": "feed", "args": ["[1]"], "state": {"good": 2}}),
    );
    assert_eq!(
        reply.expect("feed"),
        json!({"result": [1], "changed": true, "state": {"good": 3, "bad": []}})
    );
    let (reply, _) = send(
        &wasm,
        json!({"target": "parser", "method": "strict", "args": ["{oops"], "state": {}}),
    );
    assert_eq!(kind(reply), ErrorKind::Json);
}
