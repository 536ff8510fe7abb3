//! End to end: the real `aura serve` binary on 127.0.0.1 with a free port, in a temp directory,
//! driven over HTTP (and by `aura send`). Every wait is bounded; every server is killed on drop.

use aura_host::client;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const AURA: &str = env!("CARGO_BIN_EXE_aura");
const TIMEOUT: Duration = Duration::from_secs(30);

/// A fresh, empty directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aura-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(dir: &Path, file: &str, source: &str) {
    std::fs::write(dir.join(file), source).expect("write module");
}

/// A running `aura serve DIR --port 0`; killed when dropped.
struct Host {
    child: Child,
    url: String,
    /// The admin token the host generated in its data directory (sent with every request).
    token: Option<String>,
}

impl Host {
    fn start(dir: &Path, extra: &[&str]) -> Host {
        let mut child = Command::new(AURA)
            .arg("serve")
            .arg(dir)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aura serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let _reader = std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("aura serve did not start in time");
            }
        };
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("unexpected first line from aura serve: {line:?}");
        };
        let data = extra
            .iter()
            .position(|a| *a == "--data")
            .and_then(|i| extra.get(i + 1))
            .map_or_else(|| dir.join(".aura").join("image.redb"), PathBuf::from);
        let token = aura_host::auth::read_token_file(&aura_host::auth::token_path(&data)).ok();
        Host {
            url: url.to_string(),
            child,
            token,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let response = client::request_as(
            &self.url,
            method,
            path,
            body,
            TIMEOUT,
            self.token.as_deref(),
        )
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let body = serde_json::from_str(&response.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", response.body));
        (response.status, body)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, None)
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call("POST", path, Some(&body.to_string()))
    }

    fn send(&self, target: &str, method: &str, args: Value) -> (u16, Value) {
        self.post(
            "/message",
            &json!({ "target": target, "method": method, "args": args }),
        )
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn meshfs_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/meshfs.aura");
    std::fs::read_to_string(path).expect("examples/meshfs.aura")
}

#[test]
fn meshfs_write_then_resolve() {
    let dir = temp_dir("meshfs");
    write(&dir, "meshfs.aura", &meshfs_source());
    let host = Host::start(&dir, &[]);
    let (status, body) = host.post(
        "/api/v2/meshfs/write",
        &json!({ "pointer": "notes/today", "data": { "text": "hi", "n": [1, 2.5] } }),
    );
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "status": "success", "pointer": "notes/today" })
    );
    let (status, body) = host.get("/api/v2/meshfs/resolve?pointer=notes%2Ftoday");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "status": "success", "pointer": "notes/today", "data": { "text": "hi", "n": [1, 2.5] } })
    );
    // The seeds' error answers.
    let (_, body) = host.get("/api/v2/meshfs/resolve?pointer=nowhere");
    assert_eq!(
        body,
        json!({ "status": "error", "message": "pointer not found" })
    );
    let (_, body) = host.get("/api/v2/meshfs/resolve");
    assert_eq!(
        body,
        json!({ "status": "error", "message": "missing pointer" })
    );
    let (_, body) = host.post("/api/v2/meshfs/write", &json!({ "data": 1 }));
    assert_eq!(
        body,
        json!({ "status": "error", "message": "missing pointer" })
    );
    let (_, body) = host.post("/api/v2/meshfs/write", &json!({ "pointer": "p" }));
    assert_eq!(
        body,
        json!({ "status": "error", "message": "missing data" })
    );
    // Written data is in the store, so it survives a restart.
    drop(host);
    let host = Host::start(&dir, &[]);
    let (_, body) = host.get("/api/v2/meshfs/resolve?pointer=notes/today");
    assert_eq!(body["data"]["text"], json!("hi"));
}

const ROUTES: &str = r#"
plugin api {
    route GET "/boom" (req) { return 1 / 0 }
    route GET "/spin" (req) { while true { } }
    route GET "/ok" (req) { return {ok: true, q: req.query.q, agent: req.headers["user-agent"]} }
    route GET "/items/:id" (req) { return {id: req.params.id} }
    route POST "/made" (req) { return {status_code: 201, body: {got: req.body}} }
    route GET "/object" (req) { return thing }
}
object thing { }
"#;

#[test]
fn route_errors_are_500_and_the_host_keeps_serving() {
    let dir = temp_dir("routes");
    write(&dir, "api.aura", ROUTES);
    let host = Host::start(&dir, &["--fuel", "100000"]);
    let (status, body) = host.get("/boom");
    assert_eq!(status, 500);
    assert_eq!(body["error"], json!("division by zero"));
    // The stack trace, in the module's file (spec/host.md).
    assert_eq!(body["trace"], json!(["at api GET /boom (api.aura:3:31)"]));
    let (status, body) = host.get("/spin");
    assert_eq!(status, 500);
    assert_eq!(body["error"], json!("out of fuel"));
    let (status, body) = host.get("/object");
    assert_eq!(status, 500);
    assert_eq!(body["error"], json!("json error"));
    let (status, body) = host.get("/ok?q=a%20b");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "ok": true, "q": "a b", "agent": "aura-send" })
    );
    assert_eq!(host.get("/items/42").1, json!({ "id": "42" }));
    let (status, body) = host.post("/made", &json!([1]));
    assert_eq!((status, body), (201, json!({ "got": [1] })));
    let (status, body) = host.call("POST", "/made", Some("{not json"));
    assert_eq!((status, body["error"].clone()), (400, json!("bad request")));
    assert_eq!(host.get("/nowhere").0, 404);
    assert_eq!(host.call("DELETE", "/ok", None).0, 405);
    let (status, body) = host.get("/api/status");
    assert_eq!(status, 200);
    assert_eq!(body["modules"][0]["name"], json!("api"));
    let hash = body["modules"][0]["definitions"][0]["hash"]
        .as_str()
        .expect("hash");
    assert_eq!(hash.len(), 64);
    assert_eq!(body["requests"]["routes"]["api GET /boom"], json!(1));
    assert!(body["requests"]["errors"].as_u64() >= Some(3));
}

const CATCHING: &str = r#"
uses store
plugin api {
    route POST "/items" (req) {
        let n = store.get("count")
        if n == nil { n = 0 }
        store.set("count", n + 1)
        try {
            let item = json_decode(req.body.text)
            store.set("last", item)
            return {status_code: 201, body: {item: item}}
        } catch e {
            return {status_code: 400, body: {error: e.kind, message: e.message}}
        }
    }
    route POST "/fail" (req) {
        store.set("count", 1000)
        try { print(1 / 0) } catch e { store.set("caught", e.kind) }
        error("after the try")
    }
    route GET "/count" (req) {
        return {count: store.get("count"), caught: store.get("caught"), last: store.get("last")}
    }
    route GET "/spin" (req) {
        try { while true { } } catch e { return "caught" }
    }
}
"#;

/// `try` in routes (spec/language.md, "Handling errors"): a caught error lets the route answer
/// and commit what it did; an uncaught one (after a caught one) commits nothing; the limits are
/// not catchable.
#[test]
fn a_caught_error_in_a_route_commits_and_an_uncaught_one_does_not() {
    let dir = temp_dir("catching");
    write(&dir, "api.aura", CATCHING);
    let host = Host::start(&dir, &["--fuel", "100000"]);
    let (status, body) = host.post("/items", &json!({ "text": "{\"a\": 1}" }));
    assert_eq!((status, body), (201, json!({ "item": { "a": 1 } })));
    let (status, body) = host.post("/items", &json!({ "text": "{oops" }));
    assert_eq!(status, 400);
    assert_eq!(body["error"], json!("json error"));
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let (status, body) = host.post("/fail", &json!({}));
    assert_eq!((status, body["error"].clone()), (500, json!("error")));
    let (status, body) = host.get("/spin");
    assert_eq!((status, body["error"].clone()), (500, json!("out of fuel")));
    assert_eq!(
        host.get("/count"),
        (
            200,
            json!({ "count": 2, "caught": null, "last": { "a": 1 } })
        )
    );
}

const COUNTER: &str = r#"
object counter {
    count = 0
    items = []
    fn add(x) {
        push(self.items, x)
        self.count = self.count + 1
        if x == "bad" { error("refused") }
        return self.count
    }
    fn peek() { return {count: self.count, items: self.items} }
}
"#;

#[test]
fn message_state_persists_and_failed_messages_change_nothing() {
    let dir = temp_dir("image");
    write(&dir, "counter.aura", COUNTER);
    let host = Host::start(&dir, &[]);
    assert_eq!(
        host.send("counter", "add", json!(["a"])),
        (200, json!({ "result": 1 }))
    );
    assert_eq!(
        host.send("counter.counter", "add", json!([{ "k": 2 }])),
        (200, json!({ "result": 2 }))
    );
    let (status, body) = host.send("counter", "add", json!(["bad"]));
    assert_eq!(status, 500);
    assert_eq!(
        body,
        json!({ "error": "error", "message": "refused",
                "trace": ["at counter.add (counter.aura:8:25)"] })
    );
    let expected = json!({ "result": { "count": 2, "items": ["a", { "k": 2 }] } });
    assert_eq!(
        host.send("counter", "peek", json!([])),
        (200, expected.clone())
    );
    assert_eq!(
        host.send("counter", "nope", json!([])).1["error"],
        json!("does not understand")
    );
    assert_eq!(host.send("nobody", "peek", json!([])).0, 404);
    assert_eq!(host.post("/message", &json!({ "target": 1 })).0, 400);
    drop(host);
    let host = Host::start(&dir, &[]);
    assert_eq!(host.send("counter", "peek", json!([])), (200, expected));
}

#[test]
fn store_namespaces_are_separate() {
    let dir = temp_dir("store");
    let module = |name: &str| {
        format!(
            "uses store\nobject {name} {{\n fn put(k, v) {{ store.set(k, v) }}\n fn get(k) {{ return store.get(k) }}\n fn keys() {{ return store.keys() }}\n fn drop(k) {{ return store.delete(k) }}\n}}\n"
        )
    };
    write(&dir, "a.aura", &module("a"));
    write(&dir, "b.aura", &module("b"));
    let host = Host::start(&dir, &[]);
    assert_eq!(host.send("b", "put", json!(["x", "secret of b"])).0, 200);
    assert_eq!(host.send("a", "put", json!(["x", "a's own"])).0, 200);
    for key in ["../b/x", "b/x", "/b/x", "b:x", "b\u{0}x"] {
        assert_eq!(
            host.send("a", "get", json!([key])),
            (200, json!({ "result": null })),
            "{key:?}"
        );
    }
    assert_eq!(
        host.send("a", "get", json!(["x"])).1,
        json!({ "result": "a's own" })
    );
    assert_eq!(
        host.send("b", "get", json!(["x"])).1,
        json!({ "result": "secret of b" })
    );
    assert_eq!(host.send("a", "put", json!(["../b/x", 1])).0, 200);
    assert_eq!(
        host.send("b", "keys", json!([])).1,
        json!({ "result": ["x"] })
    );
    assert_eq!(
        host.send("a", "keys", json!([])).1,
        json!({ "result": ["../b/x", "x"] })
    );
    assert_eq!(
        host.send("a", "drop", json!(["x"])).1,
        json!({ "result": "a's own" })
    );
    assert_eq!(
        host.send("a", "keys", json!([])).1,
        json!({ "result": ["../b/x"] })
    );
    assert_eq!(
        host.send("b", "get", json!(["x"])).1,
        json!({ "result": "secret of b" })
    );
}

#[test]
fn evolve_swaps_good_sources_and_rejects_bad_ones() {
    let dir = temp_dir("evolve");
    write(
        &dir,
        "hello.aura",
        "plugin hello {\n route GET \"/hello\" (req) { return \"v1\" }\n}\n",
    );
    let host = Host::start(&dir, &[]);
    assert_eq!(host.get("/hello").1, json!("v1"));
    let bad = "plugin hello {\n route GET \"/hello\" (req) { return missing }\n}\n";
    let (status, body) = host.post(
        "/api/evolve_plugin",
        &json!({ "module": "hello", "source": bad }),
    );
    assert_eq!(status, 422);
    let diagnostic = &body["diagnostics"][0];
    assert_eq!(diagnostic["file"], json!("hello.aura"));
    assert_eq!(diagnostic["line"], json!(2));
    assert!(diagnostic["code"]
        .as_str()
        .is_some_and(|c| c.starts_with('E')));
    assert!(diagnostic["title"]
        .as_str()
        .is_some_and(|t| t.contains("missing")));
    assert_eq!(
        host.get("/hello").1,
        json!("v1"),
        "the old version keeps serving"
    );
    let good = "plugin hello {\n route GET \"/hello\" (req) { return \"v2\" }\n route GET \"/new\" (req) { return 2 }\n}\n";
    let (status, body) = host.post(
        "/api/evolve_plugin",
        &json!({ "module": "hello", "source": good }),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(host.get("/hello").1, json!("v2"));
    assert_eq!(host.get("/new").1, json!(2));
    let (status, _) = host.post(
        "/api/evolve_plugin",
        &json!({ "module": "../escape", "source": good }),
    );
    assert_eq!(status, 400);
    // The accepted source survives a restart.
    drop(host);
    let host = Host::start(&dir, &[]);
    assert_eq!(host.get("/hello").1, json!("v2"));
}

/// A plugin file imports a library module of the directory; swapping the library re-checks and
/// reloads the plugin with it, atomically: a library change that breaks the plugin is a 422 and
/// changes nothing.
#[test]
fn swapping_a_library_reloads_its_dependants_atomically() {
    let dir = temp_dir("library");
    write(
        &dir,
        "text.aura",
        "fn shout(s) {\n    return upper(s) + \"!\"\n}\n",
    );
    write(
        &dir,
        "greet.aura",
        "import \"text.aura\"\n\nobject greeter {\n    count = 0\n    fn greeted() {\n        return self.count\n    }\n    fn greet(who) {\n        self.count = self.count + 1\n        return shout(\"hi \" + who)\n    }\n}\n\nplugin greet {\n    route GET \"/greet/:who\" (req) {\n        return shout(req.params.who)\n    }\n}\n",
    );
    let host = Host::start(&dir, &[]);
    assert_eq!(host.get("/greet/bob").1, json!("BOB!"));
    assert_eq!(
        host.send("greeter", "greet", json!(["ann"])).1["result"],
        json!("HI ANN!")
    );
    // A compatible change of the library: the dependant is reloaded with it, state kept.
    let v2 = "fn shout(s) {\n    return upper(s) + \"!!\"\n}\n";
    let (status, body) = host.post(
        "/api/evolve_plugin",
        &json!({ "module": "text", "source": v2 }),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["reloaded"], json!(["greet"]));
    let status = host.get("/api/status").1;
    let greet = status["modules"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["name"] == json!("greet")))
        .cloned()
        .unwrap_or_default();
    assert_eq!(greet["imports"], json!(["text.aura"]), "{status}");
    assert_eq!(greet["objects"], json!(["greeter"]));
    assert_eq!(host.get("/greet/bob").1, json!("BOB!!"));
    assert_eq!(
        host.send("greeter", "greet", json!(["ann"])).1["result"],
        json!("HI ANN!!")
    );
    assert_eq!(
        host.send("greeter", "greeted", json!([])).1["result"],
        json!(2)
    );
    // A change that breaks the dependant (shout now takes two arguments): 422 naming the
    // dependant and its diagnostic; neither module changes, on disk or serving.
    let v3 = "fn shout(s, mark) {\n    return upper(s) + mark\n}\n";
    let (status, body) = host.post(
        "/api/evolve_plugin",
        &json!({ "module": "text", "source": v3 }),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["module"], json!("greet"));
    let diagnostic = &body["diagnostics"][0];
    assert_eq!(diagnostic["file"], json!("greet.aura"));
    assert_eq!(diagnostic["code"], json!("E0204"));
    assert_eq!(host.get("/greet/bob").1, json!("BOB!!"));
    let on_disk = std::fs::read_to_string(dir.join("text.aura")).expect("text.aura");
    assert_eq!(on_disk, v2, "the rejected library was not written");
    // An import that leaves the served directory is refused.
    let escape = "import \"../outside.aura\"\n\nfn f() {}\n";
    let (status, body) = host.post(
        "/api/evolve_plugin",
        &json!({ "module": "sneaky", "source": escape }),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["diagnostics"][0]["code"], json!("E0243"));
    // After a restart the plugin loads with the accepted library.
    drop(host);
    let host = Host::start(&dir, &[]);
    assert_eq!(host.get("/greet/bob").1, json!("BOB!!"));
    assert_eq!(
        host.send("greeter", "greeted", json!([])).1["result"],
        json!(2)
    );
}

/// The watcher sees a changed library file: its dependants reload with it; a library change
/// that breaks a dependant is logged and listed under `rejected`, and nothing is swapped.
#[test]
fn a_changed_library_file_reloads_its_dependants() {
    let dir = temp_dir("library-watch");
    let lib = |mark: &str| format!("fn mark(s) {{\n    return s + \"{mark}\"\n}}\n");
    write(&dir, "marks.aura", &lib("!"));
    write(
        &dir,
        "web.aura",
        "import \"marks.aura\"\n\nplugin web {\n    route GET \"/x\" (req) {\n        return mark(\"x\")\n    }\n}\n",
    );
    let host = Host::start(&dir, &["--watch", "50"]);
    assert_eq!(host.get("/x").1, json!("x!"));
    write(&dir, "marks.aura", &lib("?"));
    assert!(eventually(|| host.get("/x").1 == json!("x?")));
    write(&dir, "marks.aura", "fn mark() {\n    return \"\"\n}\n");
    assert!(eventually(|| {
        host.get("/api/status").1["rejected"]
            .as_array()
            .is_some_and(|r| r.iter().any(|m| m["name"] == json!("marks")))
    }));
    assert_eq!(host.get("/x").1, json!("x?"));
}

#[test]
fn health_and_rejected_modules() {
    let dir = temp_dir("health");
    let host = Host::start(&dir, &[]);
    let (status, body) = host.get("/health");
    assert_eq!(status, 503, "no module loaded");
    assert_eq!(body["store"], json!(true));
    drop(host);
    write(&dir, "broken.aura", "fn f() { return nope }\n");
    write(&dir, "fine.aura", "object fine { n = 1 }\n");
    let host = Host::start(&dir, &[]);
    let (status, body) = host.get("/health");
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "status": "ok", "store": true, "modules": 1, "worker": "idle" })
        )
    );
    let (_, status) = host.get("/api/status");
    assert_eq!(status["rejected"][0]["name"], json!("broken"));
}

#[test]
fn aura_send_talks_to_a_running_host() {
    let dir = temp_dir("send");
    write(
        &dir,
        "system.aura",
        "object system {\n attributes = {}\n fn set_attribute(pairs) {\n  self.attributes[pairs.key] = pairs.value\n  return self.attributes\n }\n fn add(a, b) { return a + b }\n}\n",
    );
    let host = Host::start(&dir, &[]);
    let send = |args: &[&str]| {
        let output = Command::new(AURA)
            .arg("send")
            .args(args)
            .args(["--url", &host.url])
            .output()
            .expect("aura send");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, out, _) = send(&["system", "set_attribute", "key=test", "value=123"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        serde_json::from_str::<Value>(&out).ok(),
        Some(json!({ "test": 123 }))
    );
    let (code, out, _) = send(&["system", "add", "2", "-3"]);
    assert_eq!((code, out.trim()), (Some(0), "-1"));
    let (code, out, _) = send(&["system", "add", "[1]", "[\"x\"]"]);
    assert_eq!(
        serde_json::from_str::<Value>(&out).ok(),
        Some(json!([1, "x"]))
    );
    assert_eq!(code, Some(0));
    let (code, _, err) = send(&["system", "add", "1", "word"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("type error"), "{err}");
    let (code, out, _) = send(&["--health"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("\"ok\""), "{out}");
}

#[test]
fn evolve_keeps_object_state() {
    let dir = temp_dir("evolve-state");
    write(
        &dir,
        "tally.aura",
        "object tally {\n n = 0\n fn bump() { self.n = self.n + 1\n return self.n }\n}\n",
    );
    let host = Host::start(&dir, &[]);
    assert_eq!(
        host.send("tally", "bump", json!([])).1,
        json!({ "result": 1 })
    );
    assert_eq!(
        host.send("tally", "bump", json!([])).1,
        json!({ "result": 2 })
    );
    let v2 = "object tally {\n n = 100\n fn bump() { self.n = self.n + 10\n return self.n }\n fn peek() { return self.n }\n}\n";
    let (status, _) = host.post(
        "/api/evolve_plugin",
        &json!({ "module": "tally", "source": v2 }),
    );
    assert_eq!(status, 200);
    // The persisted slot wins over the new initial value; the new method is there.
    assert_eq!(
        host.send("tally", "peek", json!([])).1,
        json!({ "result": 2 })
    );
    assert_eq!(
        host.send("tally", "bump", json!([])).1,
        json!({ "result": 12 })
    );
}

/// Two slots that one message changes together: after any crash they must still agree.
const PAIR: &str = r#"
object counter {
    count = 0
    twice = 0
    fn increment(by) {
        self.count = self.count + by
        self.twice = self.twice + 2 * by
        return self.count
    }
    fn peek() { return {count: self.count, twice: self.twice} }
}
"#;

/// What the client threads of one round saw.
#[derive(Default)]
struct Tally {
    /// Increments answered 200 (so their redb transaction had committed).
    acked: u64,
    /// Requests that got no answer because the host died under them (at most one per thread).
    in_flight: u64,
    /// The `result`s of the acknowledged increments.
    results: Vec<u64>,
}

/// Clients send `counter.increment(1)` in a loop until the host stops answering; the host is
/// killed with SIGKILL once `kill_after` increments were acknowledged.
fn increment_until_killed(host: &mut Host, threads: usize, kill_after: u64) -> Tally {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let acked = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (url, acked) = (host.url.clone(), acked.clone());
            std::thread::spawn(move || {
                let mut tally = Tally::default();
                let message = json!({ "target": "counter", "method": "increment", "args": [1] });
                let deadline = std::time::Instant::now() + TIMEOUT;
                while std::time::Instant::now() < deadline {
                    match client::request(
                        &url,
                        "POST",
                        "/message",
                        Some(&message.to_string()),
                        TIMEOUT,
                    ) {
                        Ok(response) => {
                            assert_eq!(response.status, 200, "{}", response.body);
                            let body: Value = serde_json::from_str(&response.body).expect("JSON");
                            tally.results.push(body["result"].as_u64().expect("an int"));
                            tally.acked += 1;
                            let _ = acked.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(_) => {
                            // Sent (or being sent) when the host died: it may or may not have
                            // committed. Connecting to a dead host also lands here; counting it
                            // only widens the upper bound by this one request.
                            tally.in_flight += 1;
                            break;
                        }
                    }
                }
                tally
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while acked.load(Ordering::SeqCst) < kill_after && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    host.child.kill().expect("SIGKILL the host");
    let _ = host.child.wait();
    let mut total = Tally::default();
    for worker in workers {
        let tally = worker.join().expect("client thread");
        total.acked += tally.acked;
        total.in_flight += tally.in_flight;
        total.results.extend(tally.results);
    }
    total
}

#[test]
fn kill_9_keeps_every_acknowledged_message_and_no_half_applied_one() {
    let dir = temp_dir("crash");
    write(&dir, "counter.aura", PAIR);
    let threads = 4;
    let (mut acked, mut in_flight) = (0u64, 0u64);
    for round in 0..3 {
        let mut host = Host::start(&dir, &[]);
        let (status, body) = host.send("counter", "peek", json!([]));
        assert_eq!(status, 200);
        let count = body["result"]["count"].as_u64().expect("count");
        // Every acknowledged increment is there; at most the unanswered ones were added too.
        assert!(
            count >= acked && count <= acked + in_flight,
            "round {round}: count {count}, acknowledged {acked}, in flight {in_flight}"
        );
        assert_eq!(
            body["result"]["twice"],
            json!(2 * count),
            "half-applied message"
        );
        // Continue from what survived: the unanswered ones that committed are now known.
        eprintln!("round {round}: the host came back with count {count}");
        acked = count;
        let tally = increment_until_killed(&mut host, threads, 100 + 50 * round);
        assert!(
            tally.acked >= 100,
            "round {round}: only {} acknowledged",
            tally.acked
        );
        assert!(tally.in_flight <= threads as u64);
        // Each acknowledged answer is a distinct count the host committed.
        let mut results = tally.results.clone();
        results.sort_unstable();
        results.dedup();
        assert_eq!(
            results.len(),
            tally.results.len(),
            "two answers with one count"
        );
        assert!(results
            .iter()
            .all(|&r| r > acked && r <= acked + tally.acked + tally.in_flight));
        eprintln!(
            "round {round}: {} acknowledged, {} unanswered",
            tally.acked, tally.in_flight
        );
        acked += tally.acked;
        in_flight = tally.in_flight;
    }
    let host = Host::start(&dir, &[]);
    let (_, body) = host.send("counter", "peek", json!([]));
    let count = body["result"]["count"].as_u64().expect("count");
    assert!(
        count >= acked && count <= acked + in_flight,
        "count {count}, acked {acked}, in flight {in_flight}"
    );
    assert_eq!(body["result"]["twice"], json!(2 * count));
}

/// One version of a module whose route's answer is computed from three places (a global, a
/// function and an object's method): a mixed answer would show a half-swapped module.
fn version_source(version: &str, n: u32) -> String {
    format!(
        "let version = \"{version}\"\nfn a() {{ return {n} }}\nobject parts {{\n fn b() {{ return {n} }}\n}}\nplugin ver {{\n route GET \"/ver\" (req) {{ return {{version: version, a: a(), b: parts.b()}} }}\n}}\n"
    )
}

#[test]
fn hundred_swaps_under_load_drop_nothing_and_never_mix_versions() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let started = std::time::Instant::now();
    let dir = temp_dir("swaps");
    write(&dir, "ver.aura", &version_source("A", 1));
    let host = Host::start(&dir, &[]);
    let versions = [version_source("A", 1), version_source("B", 2)];
    let answers = [
        json!({ "version": "A", "a": 1, "b": 1 }),
        json!({ "version": "B", "a": 2, "b": 2 }),
    ];
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let (url, stop, answers) = (host.url.clone(), stop.clone(), answers.clone());
            std::thread::spawn(move || {
                let (mut seen, mut failures) = ([0u64; 2], Vec::new());
                let deadline = std::time::Instant::now() + TIMEOUT;
                while !stop.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                    match client::request(&url, "GET", "/ver", None, TIMEOUT) {
                        Ok(r) if r.status == 200 => {
                            let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                            match answers.iter().position(|a| *a == body) {
                                Some(i) => seen[i] += 1,
                                None => failures.push(format!("mixed answer {body}")),
                            }
                        }
                        Ok(r) => failures.push(format!("{}: {}", r.status, r.body)),
                        Err(e) => failures.push(e),
                    }
                }
                (seen, failures)
            })
        })
        .collect();
    for swap in 0..100 {
        let (status, body) = host.post(
            "/api/evolve_plugin",
            &json!({ "module": "ver", "source": versions[(swap + 1) % 2] }),
        );
        assert_eq!(status, 200, "swap {swap}: {body}");
    }
    stop.store(true, Ordering::SeqCst);
    let (mut seen, mut failures) = ([0u64; 2], Vec::new());
    for client in clients {
        let (s, f) = client.join().expect("client thread");
        seen[0] += s[0];
        seen[1] += s[1];
        failures.extend(f);
    }
    eprintln!(
        "100 swaps in {:?}: {} answers from A, {} from B",
        started.elapsed(),
        seen[0],
        seen[1]
    );
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(
        seen[0] > 0 && seen[1] > 0,
        "both versions answered: {seen:?}"
    );
    // After an even number of swaps version A serves again.
    assert_eq!(host.get("/ver").1, answers[0]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

/// Polls `check` every 20 ms until it holds; false after `TIMEOUT`.
fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + TIMEOUT;
    while std::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn files_changed_in_dir_are_picked_up() {
    let dir = temp_dir("watch");
    let hello = |v: &str| {
        format!("plugin hello {{\n route GET \"/hello\" (req) {{ return \"{v}\" }}\n}}\n")
    };
    write(&dir, "hello.aura", &hello("v1"));
    let host = Host::start(&dir, &["--watch", "50"]);
    assert_eq!(host.get("/hello").1, json!("v1"));
    // A changed file is swapped in.
    write(&dir, "hello.aura", &hello("v2"));
    assert!(eventually(|| host.get("/hello").1 == json!("v2")));
    // A bad file is logged and listed under `rejected`; the old version keeps serving.
    write(
        &dir,
        "hello.aura",
        "plugin hello {\n route GET \"/hello\" (req) { return nope }\n}\n",
    );
    assert!(eventually(|| {
        host.get("/api/status").1["rejected"]
            .as_array()
            .is_some_and(|r| r.iter().any(|m| m["name"] == json!("hello")))
    }));
    assert_eq!(host.get("/hello").1, json!("v2"));
    // Fixing it clears the rejection; a new file adds a module.
    write(&dir, "hello.aura", &hello("v3"));
    write(
        &dir,
        "extra.aura",
        "object extra {\n fn hi() { return \"new module\" }\n}\n",
    );
    assert!(eventually(|| host.get("/hello").1 == json!("v3")));
    assert!(eventually(|| host.send("extra", "hi", json!([])).0 == 200));
    assert_eq!(host.get("/api/status").1["rejected"], json!([]));
    // An evolve writes the file too; the watcher sees its own text and changes nothing.
    let (status, _) = host.post(
        "/api/evolve_plugin",
        &json!({ "module": "hello", "source": hello("v4") }),
    );
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(host.get("/hello").1, json!("v4"));
}

/// A stub synthesiser: saves the request it gets in `DIR/request.json` and answers by method.
const STUB: &str = r#"#!/bin/sh
dir=$(dirname "$0")
cat > "$dir/request.json"
case "$(cat "$dir/request.json")" in
*'"method":"set_attribute"'*) cat <<'AURA'
Here is the method:
```aura
fn set_attribute(attrs) {
    if self.attributes == nil { self.attributes = {} }
    for k in attrs { self.attributes[k] = attrs[k] }
    return self.attributes
}
```
AURA
;;
*'"method":"broken"'*) echo 'fn broken(x) { return nope }' ;;
*'"method":"sneaky"'*) echo 'fn sneaky() { } } fn evil() { }' ;;
*) exit 3 ;;
esac
"#;

fn aura_send(host: &Host, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(AURA)
        .arg("send")
        .args(args)
        .args(["--url", &host.url, "--timeout", "30"])
        .env("AURA_TOKEN", host.token.as_deref().unwrap_or_default())
        .output()
        .expect("aura send");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn synthesiser_command_supplies_missing_methods_through_the_audit() {
    let dir = temp_dir("synth");
    let modules = dir.join("modules");
    std::fs::create_dir_all(&modules).expect("modules dir");
    write(&modules, "system.aura", "object system { }\n");
    let stub = dir.join("stub.sh");
    write(&dir, "stub.sh", STUB);
    let command = format!("sh {}", stub.display());
    let host = Host::start(&modules, &["--synthesizer-cmd", &command]);
    // The seeds' first handshake.
    let (code, out, err) = aura_send(&host, &["system", "set_attribute", "key=test", "value=123"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).ok(),
        Some(json!({ "key": "test", "value": 123 }))
    );
    let request: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("request.json")).expect("the stub was asked"),
    )
    .expect("request JSON");
    assert_eq!(request["target"], json!("system"));
    assert_eq!(request["module"], json!("system"));
    assert_eq!(request["method"], json!("set_attribute"));
    assert_eq!(request["args"], json!([{ "key": "test", "value": 123 }]));
    assert_eq!(request["slots"], json!([]));
    assert_eq!(request["source"], json!("object system { }\n"));
    // Installed: the next send does not ask again.
    std::fs::remove_file(dir.join("request.json")).expect("remove");
    let (code, out, _) = aura_send(&host, &["system", "set_attribute", "other=1"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        serde_json::from_str::<Value>(&out).ok(),
        Some(json!({ "key": "test", "value": 123, "other": 1 }))
    );
    assert!(!dir.join("request.json").exists());
    let installed = std::fs::read_to_string(modules.join("system.aura")).expect("source");
    assert!(installed.contains("fn set_attribute(attrs)"), "{installed}");
    // A method that fails the audit is rejected with its diagnostics; nothing is installed.
    let (status, body) = host.send("system", "broken", json!([1]));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], json!("rejected"));
    assert!(
        body["diagnostics"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("nope")),
        "{body}"
    );
    assert_eq!(body["method_source"], json!("fn broken(x) { return nope }"));
    assert_eq!(
        std::fs::read_to_string(modules.join("system.aura")).expect("source"),
        installed
    );
    // An answer that is not exactly one method of the asked name is not spliced in at all.
    let (status, body) = host.send("system", "sneaky", json!([]));
    assert_eq!(
        (status, &body["error"]),
        (500, &json!("does not understand")),
        "{body}"
    );
    // A synthesiser that fails: `does not understand`.
    let (status, body) = host.send("system", "unknown", json!([]));
    assert_eq!(
        (status, &body["error"]),
        (500, &json!("does not understand")),
        "{body}"
    );
    assert_eq!(
        std::fs::read_to_string(modules.join("system.aura")).expect("source"),
        installed
    );
    // The method and the state survive a restart, without any synthesiser.
    drop(host);
    let host = Host::start(&modules, &[]);
    assert_eq!(
        host.send("system", "set_attribute", json!([{ "x": true }]))
            .1,
        json!({ "result": { "key": "test", "value": 123, "other": 1, "x": true } })
    );
    let (status, body) = host.send("system", "nope", json!([]));
    assert_eq!(
        (status, &body["error"]),
        (500, &json!("does not understand"))
    );
}

/// A one-route HTTP server on 127.0.0.1 that answers every request like an Ollama `/api/chat`
/// and records what it was sent; stopped when dropped.
struct ChatStub {
    url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ChatStub {
    fn start(content: &'static str) -> ChatStub {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the stub");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}/api/chat", listener.local_addr().expect("addr"));
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (seen, stopped) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + TIMEOUT;
            while !stopped.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(TIMEOUT));
                let mut raw = Vec::new();
                let mut buf = [0u8; 4096];
                let complete = |raw: &[u8]| {
                    let text = String::from_utf8_lossy(raw);
                    let Some(split) = text.find("\r\n\r\n") else {
                        return false;
                    };
                    let length = text[..split]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    raw.len() >= split + 4 + length
                };
                while !complete(&raw) {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => raw.extend_from_slice(&buf[..n]),
                    }
                }
                seen.lock()
                    .expect("lock")
                    .push(String::from_utf8_lossy(&raw).into_owned());
                let body = json!({ "model": "tiny", "message": { "role": "assistant", "content": content }, "done": true }).to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        ChatStub {
            url,
            requests,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ChatStub {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn synthesiser_url_speaks_ollama_chat() {
    let stub = ChatStub::start("Sure!\n\n```aura\nfn double(x) {\n    return x * 2\n}\n```\n");
    let dir = temp_dir("synth-url");
    write(&dir, "calc.aura", "object calc {\n    base = 1\n}\n");
    let host = Host::start(
        &dir,
        &[
            "--synthesizer-url",
            &stub.url,
            "--synthesizer-model",
            "tiny",
        ],
    );
    assert_eq!(
        host.send("calc", "double", json!([21])),
        (200, json!({ "result": 42 }))
    );
    let requests = stub.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1);
    let (head, body) = requests[0].split_once("\r\n\r\n").expect("HTTP request");
    assert!(head.starts_with("POST /api/chat HTTP/1.1"), "{head}");
    let body: Value = serde_json::from_str(body).expect("JSON body");
    assert_eq!(body["model"], json!("tiny"));
    assert_eq!(body["stream"], json!(false));
    assert_eq!(body["messages"][0]["role"], json!("system"));
    let asked: Value =
        serde_json::from_str(body["messages"][1]["content"].as_str().expect("content"))
            .expect("the request as JSON");
    assert_eq!(
        (asked["target"].clone(), asked["method"].clone()),
        (json!("calc"), json!("double"))
    );
    assert_eq!(asked["slots"], json!(["base"]));
    assert_eq!(
        host.send("calc", "double", json!([5])).1,
        json!({ "result": 10 })
    );
    assert_eq!(
        stub.requests.lock().expect("lock").len(),
        1,
        "asked only once"
    );
}
