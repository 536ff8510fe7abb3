//! A soak test of `aura serve`: a route that builds a cycle on every request (lists, a map, an
//! object, a closure that captures itself), 20 000 requests over keep-alive connections, and the
//! host's resident memory (`VmRSS`) must stay flat after a warm-up. Without the interpreter's
//! cycle collector every request leaks its cycle (about 4 KB here). Every wait is bounded; the
//! server is killed on drop.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const AURA: &str = env!("CARGO_BIN_EXE_aura");
const TIMEOUT: Duration = Duration::from_secs(30);

const MODULE: &str = r#"
plugin soak {
    route GET "/cycle" (req) {
        let l = range(0, 200)
        push(l, l)
        let m = {list: l, n: len(l)}
        m.me = m
        let a = clone(node)
        a.m = m
        a.next = a
        let f = fn() { return f }
        m.f = f
        return {n: m.n}
    }
}
object node { next = nil }
"#;

struct Host {
    child: Child,
    address: String,
}

impl Host {
    fn start(dir: &PathBuf) -> Host {
        let mut child = Command::new(AURA)
            .arg("serve")
            .arg(dir)
            .args(["--port", "0"])
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
        let line = rx.recv_timeout(TIMEOUT).unwrap_or_default();
        let Some(address) = line
            .trim()
            .strip_prefix("listening on http://")
            .map(|a| a.trim_end_matches('/').to_string())
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("unexpected first line from aura serve: {line:?}");
        };
        Host { child, address }
    }

    /// The host's resident set size in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `requests` GETs of `/cycle` on one keep-alive connection; every answer must be `{"n": 201}`.
fn hammer(address: &str, requests: usize) {
    let stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    stream.set_write_timeout(Some(TIMEOUT)).expect("timeout");
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    let request = format!("GET /cycle HTTP/1.1\r\nHost: {address}\r\n\r\n");
    for _ in 0..requests {
        writer.write_all(request.as_bytes()).expect("send");
        let mut status = String::new();
        reader.read_line(&mut status).expect("status line");
        assert!(status.starts_with("HTTP/1.1 200"), "{status:?}");
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().expect("content-length");
                }
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).expect("body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(body, serde_json::json!({ "n": 201 }));
    }
}

fn soak(address: &str, connections: usize, each: usize) {
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let address = address.to_string();
            std::thread::spawn(move || hammer(&address, each))
        })
        .collect();
    for worker in workers {
        worker.join().expect("client thread");
    }
}

#[test]
fn a_route_that_builds_cycles_keeps_the_host_memory_flat() {
    let dir = std::env::temp_dir().join(format!("aura-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("soak.aura"), MODULE).expect("write module");
    let host = Host::start(&dir);
    // Warm-up: allocator pools, the route's first collections, connection buffers.
    soak(&host.address, 4, 1_000);
    let warm = host.rss_kib();
    // 16 000 more requests: about 64 MB of cycles if none were freed.
    soak(&host.address, 4, 4_000);
    let after = host.rss_kib();
    drop(host);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        after <= warm + 16 * 1024,
        "the host grew from {warm} KiB to {after} KiB over 16 000 requests"
    );
}
