//! End to end in a real browser: `aura build --target wasm` compiles examples/browser/hello.aura,
//! a tiny HTTP server in this test serves the page, runtime/browser/aura.js and the module, and a
//! headless Chromium runs it and POSTs what it saw to /result. The program's output must be what
//! the interpreter prints, and the page's messages must answer as the message ABI says.
//!
//! Without /usr/bin/chromium (or $AURA_CHROMIUM) the test prints a note and passes, except on CI
//! (CI=true), where a missing browser is a failure.
//!
//! A second test runs aura.js under Node (runtime/browser/test/run.mjs) on programs that use the
//! capabilities and fail, and compares standard output and error with `aura run`.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const AURA: &str = env!("CARGO_BIN_EXE_aura");
const TIMEOUT: Duration = Duration::from_secs(60);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("AURA_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.is_file().then_some(path)
}

/// A fresh, empty directory for one test run.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aura-browser-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// What the server answers: URL path → (file, Content-Type).
struct Site {
    files: Vec<(&'static str, PathBuf, &'static str)>,
}

/// Serves `site` on 127.0.0.1 (free port) from a thread; the body of the first POST /result
/// arrives on the returned channel. The thread ends with the test process.
fn serve(site: Site) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let (tx, rx) = mpsc::channel();
    let _server = std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // One request per connection (we answer `Connection: close`); a broken connection
            // only loses that request, the page then reports its own failure.
            let _ = handle(stream, &site, &tx);
        }
    });
    (url, rx)
}

fn handle(stream: TcpStream, site: &Site, results: &mpsc::Sender<String>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    let _ = reader.read_line(&mut request_line)?;
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;

    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("");
    let path = path.split('?').next().unwrap_or(path);
    let (status, content_type, content) = match (method, path) {
        ("POST", "/result") => {
            let _ = results.send(String::from_utf8_lossy(&body).into_owned());
            ("200 OK", "text/plain", b"ok".to_vec())
        }
        ("GET", _) => match site.files.iter().find(|(url, _, _)| *url == path) {
            Some((_, file, content_type)) => match std::fs::read(file) {
                Ok(bytes) => ("200 OK", *content_type, bytes),
                Err(_) => ("404 Not Found", "text/plain", b"missing".to_vec()),
            },
            None => ("404 Not Found", "text/plain", b"not found".to_vec()),
        },
        _ => ("405 Method Not Allowed", "text/plain", Vec::new()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        content.len()
    )?;
    stream.write_all(&content)?;
    stream.flush()
}

/// A headless Chromium on `url`; killed (and reaped) when dropped.
struct Browser(Child);

impl Browser {
    fn start(chromium: &Path, url: &str, profile: &Path) -> Browser {
        let child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        Browser(child)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// /usr/bin/node, or `None` to skip a Node test — except on CI (CI=true), where a missing Node
/// is a failure.
fn node() -> Option<&'static Path> {
    let node = Path::new("/usr/bin/node");
    if node.is_file() {
        return Some(node);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "node is missing (/usr/bin/node) and CI=true"
    );
    None
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn compiled_module_runs_in_chromium() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is missing (/usr/bin/chromium or $AURA_CHROMIUM) and CI=true"
        );
        eprintln!("note: skipping the browser test: no /usr/bin/chromium (set AURA_CHROMIUM)");
        return;
    };
    let root = repo();
    let source = root.join("examples/browser/hello.aura");
    let dir = temp_dir("hello");
    let wasm = dir.join("hello.wasm");

    aura_build(&source, &wasm);
    let interp = Command::new(AURA)
        .arg("run")
        .arg(&source)
        .output()
        .expect("run aura run");
    assert!(interp.status.success(), "{}", text(&interp.stderr));

    let site = Site {
        files: vec![
            (
                "/examples/browser/index.html",
                root.join("examples/browser/index.html"),
                "text/html; charset=utf-8",
            ),
            (
                "/examples/browser/main.js",
                root.join("examples/browser/main.js"),
                "text/javascript",
            ),
            (
                "/runtime/browser/aura.js",
                root.join("runtime/browser/aura.js"),
                "text/javascript",
            ),
            ("/examples/browser/hello.wasm", wasm, "application/wasm"),
        ],
    };
    let (url, results) = serve(site);
    let browser = Browser::start(
        &chromium,
        &format!("{url}/examples/browser/index.html"),
        &dir.join("profile"),
    );
    let report = results
        .recv_timeout(TIMEOUT)
        .expect("no POST /result from the page within 60 s");
    drop(browser);
    let _ = std::fs::remove_dir_all(&dir);

    let report: Value = serde_json::from_str(&report).expect("the report is JSON");
    assert_eq!(report.get("exception"), None, "the page failed: {report}");
    assert_eq!(report["error"], Value::Null, "runtime error: {report}");
    assert_eq!(report["stdout"], json!(text(&interp.stdout)));

    let messages = &report["messages"];
    assert_eq!(
        messages[0],
        json!({"result": 46, "changed": true, "state": {"count": 46}, "stdout": "", "error": null}),
        "increment(5) on count 41"
    );
    assert_eq!(
        messages[1],
        json!({"result": 41, "changed": false, "state": {"count": 41}, "stdout": "", "error": null}),
        "peek() changes nothing"
    );
    assert_eq!(
        messages[2]["error"],
        json!({"kind": "does not understand", "message": "counter does not understand `nope`"}),
    );
}

fn aura_build(source: &Path, wasm: &Path) {
    let build = Command::new(AURA)
        .arg("build")
        .arg(source)
        .args(["--target", "wasm", "-o"])
        .arg(wasm)
        .output()
        .expect("run aura build");
    assert!(
        build.status.success(),
        "aura build --target wasm failed: {}",
        text(&build.stderr)
    );
}

/// Capabilities (store round trips keep ints, floats and key order; log lines print values as
/// `str` does) and a runtime error after some output.
const CAPABILITIES: &str = r#"uses store, log, clock
fn main() {
    store.set("a", [1, 2.0, "x", nil])
    store.set("b", {"k": 1e300, "big": 9007199254740993})
    store.set("a", 7)
    print(store.get("a"), store.get("b"), store.get("missing"), store.keys())
    print(store.delete("b"), store.keys())
    log.info("plain text")
    log.warn([1, "a", {"k": nil}])
    print(type_of(clock.now()), type_of(clock.millis()), clock.millis() > 0)
    print("héllo ✓")
    store.get(1)
}
"#;

#[test]
fn aura_js_under_node_matches_the_interpreter() {
    let Some(node) = node() else {
        eprintln!("note: skipping the aura.js test under Node: no /usr/bin/node");
        return;
    };
    let dir = temp_dir("node");
    let source = dir.join("caps.aura");
    std::fs::write(&source, CAPABILITIES).expect("write the program");
    let wasm = dir.join("caps.wasm");
    aura_build(&source, &wasm);
    let interp = Command::new(AURA)
        .arg("run")
        .arg(&source)
        .output()
        .expect("run aura run");
    let js = Command::new(node)
        .arg(repo().join("runtime/browser/test/run.mjs"))
        .arg(&wasm)
        .output()
        .expect("run node");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(text(&js.stdout), text(&interp.stdout));
    assert_eq!(text(&js.stderr), text(&interp.stderr));
    assert_eq!(js.status.code(), Some(1));
    assert_eq!(interp.status.code(), Some(1));
}

/// `try` in aura.js (its `aura_try` import re-enters the module through `rt_call`): the `try_*`
/// conformance programs print under Node what the interpreter prints, and fail the same way.
#[test]
fn aura_js_catches_errors_like_the_interpreter() {
    let Some(node) = node() else {
        eprintln!("note: skipping the aura.js try test under Node: no /usr/bin/node");
        return;
    };
    let dir = temp_dir("try");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/conformance"))
        .expect("tests/conformance")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "aura")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("try_"))
        })
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "{cases:?}");
    for source in &cases {
        let wasm = dir.join("case.wasm");
        aura_build(source, &wasm);
        let interp = Command::new(AURA)
            .arg("run")
            .arg(source)
            .output()
            .expect("run aura run");
        let js = Command::new(node)
            .arg(repo().join("runtime/browser/test/run.mjs"))
            .arg(&wasm)
            .output()
            .expect("run node");
        let name = source.display();
        assert_eq!(text(&js.stdout), text(&interp.stdout), "{name}");
        // The kind: a deep recursion may meet the JavaScript engine's stack before the depth
        // limit (a `stack overflow` with another message).
        let kind = |stderr: &[u8]| -> Option<String> {
            let text = text(stderr);
            let line = text.lines().next()?;
            line.splitn(3, ':')
                .take(2)
                .collect::<Vec<_>>()
                .join(":")
                .into()
        };
        assert_eq!(kind(&js.stderr), kind(&interp.stderr), "{name}");
        assert_eq!(js.status.code(), interp.status.code(), "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Under Node, `load` reads a path or a file: URL from disk (it fetches only http(s) URLs) and
/// takes bytes, an ArrayBuffer or a compiled module (runtime/browser/test/paths.mjs).
#[test]
fn aura_js_loads_paths_and_bytes_under_node() {
    let Some(node) = node() else {
        eprintln!("note: skipping the aura.js test under Node: no /usr/bin/node");
        return;
    };
    let dir = temp_dir("paths");
    let wasm = dir.join("hello.wasm");
    aura_build(&repo().join("examples/browser/hello.aura"), &wasm);
    let interp = Command::new(AURA)
        .arg("run")
        .arg(repo().join("examples/browser/hello.aura"))
        .output()
        .expect("run aura run");
    let js = Command::new(node)
        .arg(repo().join("runtime/browser/test/paths.mjs"))
        .arg(&wasm)
        .output()
        .expect("run node");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(js.status.code(), Some(0), "{}", text(&js.stderr));
    let stdout = serde_json::to_string(&text(&interp.stdout)).expect("json");
    let expected: String = [
        "path",
        "file URL",
        "file URL text",
        "bytes",
        "ArrayBuffer",
        "module",
    ]
    .iter()
    .map(|name| format!("{name}: {stdout}\n"))
    .chain(std::iter::once("missing: error\n".to_string()))
    .collect();
    assert_eq!(text(&js.stdout), expected);
}

/// `chromium --headless --dump-dom` prints the page at its load event; the example is complete
/// by then (output and messages shown, status `done`), with no `--virtual-time-budget`.
#[test]
fn example_page_is_complete_at_load_under_dump_dom() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is missing (/usr/bin/chromium or $AURA_CHROMIUM) and CI=true"
        );
        eprintln!("note: skipping the dump-dom test: no /usr/bin/chromium (set AURA_CHROMIUM)");
        return;
    };
    let root = repo();
    let dir = temp_dir("dump");
    let wasm = dir.join("hello.wasm");
    aura_build(&root.join("examples/browser/hello.aura"), &wasm);
    let site = Site {
        files: vec![
            (
                "/examples/browser/index.html",
                root.join("examples/browser/index.html"),
                "text/html; charset=utf-8",
            ),
            (
                "/examples/browser/main.js",
                root.join("examples/browser/main.js"),
                "text/javascript",
            ),
            (
                "/runtime/browser/aura.js",
                root.join("runtime/browser/aura.js"),
                "text/javascript",
            ),
            ("/examples/browser/hello.wasm", wasm, "application/wasm"),
        ],
    };
    let (url, _results) = serve(site);
    let mut child = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("{url}/examples/browser/index.html"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let _reader = std::thread::spawn(move || {
        let mut dom = String::new();
        let _ = stdout.read_to_string(&mut dom);
        let _ = tx.send(dom);
    });
    let dom = rx.recv_timeout(TIMEOUT);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let dom = dom.expect("chromium --dump-dom printed nothing within 60 s");
    assert!(dom.contains(r#"<p id="status">done</p>"#), "{dom}");
    assert!(
        dom.contains(r#"<pre id="out">hello from Aura in the browser"#),
        "{dom}"
    );
    assert!(dom.contains(r#"{"result":46,"changed":true"#), "{dom}");
}
