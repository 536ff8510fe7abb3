//! The Swarm host under attack (issue 11): each test is one attack, against the real `aura serve`
//! binary on 127.0.0.1 with a free port. Waits are bounded; nothing asserts a timing beyond
//! "answered within N seconds".

use aura_host::client;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const AURA: &str = env!("CARGO_BIN_EXE_aura");
const TIMEOUT: Duration = Duration::from_secs(30);

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aura-harden-{}-{name}", std::process::id()));
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
    addr: String,
    token: String,
    /// What the host wrote on stderr before it listened.
    startup: String,
}

impl Host {
    fn start(dir: &Path, extra: &[&str]) -> Host {
        Host::start_with(Command::new(AURA), dir, extra)
    }

    /// With at most `files` open descriptors (`ulimit -n`), as a host on a small machine.
    fn start_with_descriptors(files: u32, dir: &Path, extra: &[&str]) -> Host {
        let mut command = Command::new("sh");
        let _ = command
            .arg("-c")
            .arg(format!("ulimit -n {files} && exec \"$0\" \"$@\""))
            .arg(AURA);
        Host::start_with(command, dir, extra)
    }

    fn start_with(mut command: Command, dir: &Path, extra: &[&str]) -> Host {
        let mut child = command
            .arg("serve")
            .arg(dir)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start aura serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        let _reader = std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let (err_tx, err_rx) = mpsc::channel();
        let _err_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let _ = err_tx.send(line);
            }
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
        std::thread::sleep(Duration::from_millis(50));
        let startup: Vec<String> = err_rx.try_iter().collect();
        let token = aura_host::auth::read_token_file(&dir.join(".aura").join("token"))
            .expect("the token file");
        Host {
            addr: url.trim_start_matches("http://").to_string(),
            url: url.to_string(),
            child,
            token,
            startup: startup.join("\n"),
        }
    }

    fn call_as(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let response = client::request_as(&self.url, method, path, body, TIMEOUT, token)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let body = serde_json::from_str(&response.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", response.body));
        (response.status, body)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        self.call_as("GET", path, None, None)
    }

    fn evolve(&self, module: &str, source: &str) -> (u16, Value) {
        let body = json!({ "module": module, "source": source }).to_string();
        self.call_as("POST", "/api/evolve_plugin", Some(&body), Some(&self.token))
    }

    /// Sends `request` as raw bytes and reads the answer until the host closes the connection
    /// (or `within` passes): (status, body), status 0 when nothing came back.
    fn raw(&self, request: &[u8], within: Duration) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(within)).expect("timeout");
        let _ = stream.write_all(request);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_json_error(body: &str) -> bool {
    serde_json::from_str::<Value>(body).is_ok_and(|v| v["error"].is_string())
}

const APP: &str = "uses clock\nplugin app {\n route GET \"/hi\" (req) { return {hi: 1} }\n route GET \"/spin\" (req) {\n  let t = clock.millis()\n  while clock.millis() < t + 600000 { }\n  return {done: true}\n }\n route GET \"/hash\" (req) {\n  let s = \"x\"\n  for i in range(22) { s = s + s }\n  let n = 0\n  while true { sha256(s)\n n = n + 1 }\n }\n route GET \"/shared\" (req) {\n  let a = [1]\n  for i in range(60) { a = [a, a] }\n  return len(str(a))\n }\n route GET \"/shared_json\" (req) {\n  let a = [1]\n  for i in range(60) { a = [a, a] }\n  return len(json_encode(a))\n }\n route GET \"/shared_result\" (req) {\n  let a = [1]\n  for i in range(60) { a = [a, a] }\n  return a\n }\n}\n";

/// The attack of the issue: a page in the developer's browser (text/plain, foreign Origin) or any
/// client without the token installs code. Now only a JSON request with the token, from no
/// foreign origin and to a loopback Host name, may.
#[test]
fn changing_code_needs_the_token_json_and_no_foreign_origin_or_host() {
    let dir = temp_dir("auth");
    write(&dir, "app.aura", APP);
    let host = Host::start(&dir, &[]);
    // Printed once, at the start that generated it; kept owner-only.
    assert!(host.startup.contains(&host.token), "{}", host.startup);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(".aura").join("token"))
            .expect("token file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let pwn = json!({ "module": "pwn", "source": "fn f() { return 1 }" }).to_string();
    let post = |headers: &str| {
        let request = format!(
            "POST /api/evolve_plugin HTTP/1.1\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{pwn}",
            pwn.len()
        );
        host.raw(request.as_bytes(), TIMEOUT)
    };
    let local = format!("Host: {}\r\n", host.addr);
    let bearer = format!("Authorization: Bearer {}\r\n", host.token);
    let attacks = [
        // The request: text/plain from a foreign page, no token.
        (
            format!("{local}Content-Type: text/plain\r\nOrigin: http://evil.example\r\n"),
            415,
        ),
        (format!("{local}Content-Type: application/json\r\n"), 401),
        (
            format!("{local}Content-Type: application/json\r\nAuthorization: Bearer wrong\r\n"),
            401,
        ),
        // The token does not make a foreign page's request acceptable.
        (
            format!(
                "{local}{bearer}Content-Type: application/json\r\nOrigin: http://evil.example\r\n"
            ),
            403,
        ),
        // DNS rebinding: the page's own name in Host.
        (
            format!("Host: evil.example\r\n{bearer}Content-Type: application/json\r\n"),
            421,
        ),
    ];
    for (headers, expected) in attacks {
        let (status, body) = post(&headers);
        assert_eq!(status, expected, "{headers}: {body}");
        assert!(is_json_error(&body), "{body}");
    }
    assert!(!dir.join("pwn.aura").exists());
    let (status, _) = host.get("/api/status");
    assert_eq!(status, 200);
    // The real administrator.
    let (status, body) = post(&format!(
        "{local}{bearer}Content-Type: application/json\r\n"
    ));
    assert_eq!(status, 200, "{body}");
    assert!(dir.join("pwn.aura").exists());
    drop(host);
    // A second start reads the same token and does not print it.
    let again = Host::start(&dir, &[]);
    assert!(!again.startup.contains(&again.token), "{}", again.startup);
    assert_eq!(again.evolve("pwn", "fn f() { return 2 }").0, 200);
}

/// A synthesiser installs code too: a message without the token never makes it do so.
#[test]
fn the_synthesiser_installs_methods_only_for_the_token() {
    let dir = temp_dir("synth-auth");
    write(&dir, "system.aura", "object system {\n n = 0\n}\n");
    let stub = dir.join("stub.sh");
    std::fs::write(&stub, "cat > /dev/null\necho 'fn hi() { return 7 }'\n").expect("stub");
    let command = format!("sh {}", stub.display());
    let host = Host::start(&dir, &["--synthesizer-cmd", &command]);
    let message = json!({ "target": "system", "method": "hi" }).to_string();
    let (status, body) = host.call_as("POST", "/message", Some(&message), None);
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"], json!("does not understand"));
    let source = std::fs::read_to_string(dir.join("system.aura")).expect("source");
    assert!(!source.contains("fn hi"), "{source}");
    let (status, body) = host.call_as("POST", "/message", Some(&message), Some(&host.token));
    assert_eq!((status, body), (200, json!({ "result": 7 })));
}

#[test]
fn a_non_loopback_bind_needs_an_explicit_token() {
    let dir = temp_dir("bind");
    write(&dir, "app.aura", APP);
    let output = Command::new(AURA)
        .args(["serve", dir.to_str().unwrap_or_default(), "--port", "0"])
        .args(["--bind", "0.0.0.0"])
        .env_remove("AURA_TOKEN")
        .output()
        .expect("aura serve");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0") && stderr.contains("--token-file"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

/// Builtins cost fuel in proportion to their work: a `sha256()` loop over a 4 MiB string used to
/// hold the interpreter for as long as its statements' fuel lasted (40 s and more).
#[test]
fn a_sha256_loop_runs_out_of_fuel_or_time() {
    let dir = temp_dir("sha");
    write(&dir, "app.aura", APP);
    let host = Host::start(&dir, &[]);
    let started = Instant::now();
    let (status, body) = host.get("/hash");
    assert!(
        (status == 500 && body["error"] == json!("out of fuel"))
            || (status == 503 && body["error"] == json!("timeout")),
        "{status} {body}"
    );
    assert!(started.elapsed() < Duration::from_secs(25));
    assert_eq!(host.get("/hi"), (200, json!({"hi": 1})));
}

/// `str()`, `json_encode()` and the route's own result of a structure that shares its parts
/// (2^60 elements when written out) are `out of memory`, and the host lives on.
#[test]
fn shared_structures_are_out_of_memory_not_an_abort() {
    let dir = temp_dir("shared");
    write(&dir, "app.aura", APP);
    let host = Host::start(&dir, &["--max-memory", "4M"]);
    for path in ["/shared", "/shared_json", "/shared_result"] {
        let (status, body) = host.get(path);
        assert_eq!(status, 500, "{path}: {body}");
        assert_eq!(body["error"], json!("out of memory"), "{path}: {body}");
    }
    assert_eq!(host.get("/hi"), (200, json!({"hi": 1})));
}

/// A `clock.millis()` busy-wait is stopped at the deadline; meanwhile `/health` answers, and a
/// worker held past the deadline (here by a slow synthesiser) is reported.
#[test]
fn the_deadline_stops_busy_waits_and_health_sees_a_stuck_worker() {
    let dir = temp_dir("deadline");
    write(&dir, "app.aura", APP);
    write(&dir, "slow.aura", "object slow {\n n = 0\n}\n");
    let stub = dir.join("stub.sh");
    std::fs::write(
        &stub,
        "cat > /dev/null\nsleep 6\necho 'fn late() { return 1 }'\n",
    )
    .expect("stub");
    let command = format!("sh {}", stub.display());
    let host = Host::start(&dir, &["--deadline", "1", "--synthesizer-cmd", &command]);
    let started = Instant::now();
    let (status, body) = host.get("/spin");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], json!("timeout"));
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(host.get("/health").0, 200);
    // A synthesiser that takes 6 s holds the worker past the deadline (1 s + 2 s of grace).
    let url = host.url.clone();
    let token = host.token.clone();
    let late = std::thread::spawn(move || {
        let message = json!({ "target": "slow", "method": "late" }).to_string();
        client::request_as(
            &url,
            "POST",
            "/message",
            Some(&message),
            TIMEOUT,
            Some(&token),
        )
    });
    let deadline = Instant::now() + TIMEOUT;
    let mut stuck = None;
    while Instant::now() < deadline {
        let (status, body) = host.get("/health");
        if status == 503 {
            stuck = Some(body);
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let stuck = stuck.expect("/health never reported the stuck worker");
    assert_eq!(stuck["worker"], json!("stuck"), "{stuck}");
    let answer = late.join().expect("thread").expect("answer");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(host.get("/health").0, 200);
}

/// Slowloris: hundreds of connections that never finish their request head, against a host
/// with 160 descriptors (the 20 000 connections against the usual limits, scaled down).
/// The connection cap answers the ones over it at once (so descriptors never run out), the
/// header timeout closes the others, and `/health` keeps answering.
#[test]
fn slowloris_neither_exhausts_the_host_nor_silences_health() {
    let dir = temp_dir("slowloris");
    write(&dir, "app.aura", APP);
    let host = Host::start_with_descriptors(
        160,
        &dir,
        &["--max-connections", "64", "--header-timeout", "2"],
    );
    let mut slow = Vec::new();
    for _ in 0..300 {
        let Ok(mut stream) = TcpStream::connect(&host.addr) else {
            continue;
        };
        let _ = stream.write_all(b"GET /hi HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ");
        slow.push(stream);
    }
    assert!(slow.len() >= 200, "only {} connections", slow.len());
    // One more byte now and then, as slowloris does.
    for stream in &mut slow {
        let _ = stream.write_all(b"a");
    }
    // Within a few seconds /health answers 200 (the slow connections were closed).
    let started = Instant::now();
    let mut healthy = false;
    while started.elapsed() < Duration::from_secs(10) {
        let (status, body) = host.raw(
            b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            Duration::from_secs(5),
        );
        if status != 0 {
            assert!(is_json_error(&body) || status == 200, "{status} {body}");
        }
        if status == 200 {
            healthy = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(healthy, "/health did not answer within 10 s");
    // Every slow connection was answered (503) or closed by the host.
    let mut closed = 0;
    for stream in &mut slow {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut rest = Vec::new();
        match stream.read_to_end(&mut rest) {
            Ok(_) => closed += 1,
            // Reset by the host (it closed with our bytes unread): closed too.
            Err(e)
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                closed += 1
            }
            Err(_) => {}
        }
    }
    assert_eq!(closed, slow.len());
}

/// A request that announces a huge body and sends two bytes is answered at once (413), one that
/// announces a small body and stalls gets 408 at the body timeout; a kept-alive connection that
/// sends nothing is closed.
#[test]
fn bodies_and_idle_connections_are_bounded() {
    let dir = temp_dir("bodies");
    write(&dir, "app.aura", APP);
    let host = Host::start(
        &dir,
        &[
            "--body-timeout",
            "1",
            "--header-timeout",
            "2",
            "--max-body",
            "1K",
        ],
    );
    let started = Instant::now();
    let (status, body) = host.raw(
        b"POST /message HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n{}",
        Duration::from_secs(10),
    );
    assert_eq!(status, 413, "{body}");
    assert!(is_json_error(&body), "{body}");
    let (status, body) = host.raw(
        b"POST /hi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n{}",
        Duration::from_secs(10),
    );
    assert_eq!(status, 408, "{body}");
    assert!(is_json_error(&body), "{body}");
    let big = format!(
        "POST /hi HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n800\r\n{}\r\n0\r\n\r\n",
        "x".repeat(2048)
    );
    let (status, body) = host.raw(big.as_bytes(), Duration::from_secs(10));
    assert_eq!(status, 413, "{body}");
    assert!(is_json_error(&body), "{body}");
    // An idle connection: closed by the host (read returns end of file, not our timeout).
    let mut idle = TcpStream::connect(&host.addr).expect("connect");
    idle.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let mut buf = Vec::new();
    assert!(
        idle.read_to_end(&mut buf).is_ok(),
        "the idle connection stayed open"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// Every error answer is JSON: axum's 405, the host's 413/414/431, and the limits on names.
#[test]
fn every_error_answer_is_json() {
    let dir = temp_dir("json-errors");
    write(&dir, "app.aura", APP);
    let host = Host::start(&dir, &[]);
    let long_path = format!("/{}", "a".repeat(10_000));
    let big_header = format!("X-Big: {}\r\n", "b".repeat(20_000));
    let cases = [
        ("GET /message HTTP/1.1\r\n".to_string(), String::new(), 405),
        (format!("GET {long_path} HTTP/1.1\r\n"), String::new(), 414),
        ("GET /hi HTTP/1.1\r\n".to_string(), big_header, 431),
        ("GET /nowhere HTTP/1.1\r\n".to_string(), String::new(), 404),
        // A body that is not JSON.
        (
            "POST /hi HTTP/1.1\r\n".to_string(),
            "Content-Length: 3\r\n".into(),
            400,
        ),
    ];
    for (line, headers, expected) in cases {
        let body = if headers.starts_with("Content-Length") {
            "abc"
        } else {
            ""
        };
        let request = format!("{line}Host: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n{body}");
        let (status, body) = host.raw(request.as_bytes(), TIMEOUT);
        assert_eq!(status, expected, "{line}: {body}");
        assert!(is_json_error(&body), "{line}: {body}");
    }
    // Requests hyper cannot parse at all, which it answers itself.
    let unparsable: [(&[u8], u16); 2] = [
        (b"GARBAGE\r\n\r\n", 400),
        (
            b"GET /hi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
            400,
        ),
    ];
    for (request, expected) in unparsable {
        let (status, body) = host.raw(request, TIMEOUT);
        assert_eq!(status, expected, "{body}");
        assert!(is_json_error(&body), "{body}");
    }
    // A module name over 255 bytes: 400 with JSON, and no path of the data directory.
    let name = "m".repeat(300);
    let (status, body) = host.evolve(&name, "fn f() { return 1 }");
    assert_eq!(status, 400, "{body}");
    assert!(
        !body.to_string().contains(dir.to_str().unwrap_or("/")),
        "{body}"
    );
}

/// A file put back to its old text right after an evolve (before the watcher's next look) is
/// loaded again: the directory and the served code agree.
#[test]
fn a_file_reverted_right_after_an_evolve_is_reloaded() {
    let dir = temp_dir("revert");
    let version =
        |v: &str| format!("plugin hello {{\n route GET \"/v\" (req) {{ return \"{v}\" }}\n}}\n");
    write(&dir, "hello.aura", &version("a"));
    let host = Host::start(&dir, &["--watch", "400"]);
    assert_eq!(host.get("/v"), (200, json!("a")));
    for _ in 0..3 {
        assert_eq!(host.evolve("hello", &version("b")).0, 200);
        write(&dir, "hello.aura", &version("a"));
        let deadline = Instant::now() + TIMEOUT;
        while host.get("/v").1 != json!("a") && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(host.get("/v"), (200, json!("a")));
    }
}
