//! `aura lsp` over stdio, driven by a small test client: initialize, diagnostics on open and on
//! change, hover, definition, document symbols, formatting, shutdown and exit.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
    next_id: i64,
}

fn read_message(reader: &mut BufReader<ChildStdout>) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aura"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aura lsp");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, messages) = mpsc::channel();
        let _reader = std::thread::spawn(move || {
            while let Some(message) = read_message(&mut stdout) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its result (other messages in between are skipped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next();
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{message}");
                return message["result"].clone();
            }
        }
    }

    fn next(&mut self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(30))
            .expect("no message from aura lsp within 30 s")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self) -> Vec<Value> {
        loop {
            let message = self.next();
            if message["method"] == "textDocument/publishDiagnostics" {
                return message["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }
}

const URI: &str = "file:///tmp/shop.aura";

const SOURCE: &str = "fn sq(x) {\n    return x * x\n}\n\nobject counter {\n    count = 0\n\n    \
fn bump(n) {\n        self.count = self.count + n\n    }\n}\n\nfn main() {\n    print(sq(3), \
nope)\n    counter.bump(1)\n}\n";

fn at(line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character } })
}

#[test]
fn language_server_over_stdio() {
    let mut client = Client::start();
    let init = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], json!(true), "{init}");
    assert_eq!(init["capabilities"]["definitionProvider"], json!(true));
    assert_eq!(
        init["capabilities"]["documentFormattingProvider"],
        json!(true)
    );
    client.notify("initialized", json!({}));

    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "aura", "version": 1, "text": SOURCE } }),
    );
    let diagnostics = client.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], json!("E0201"));
    assert!(diagnostics[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("unknown name `nope`")));
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({ "line": 13, "character": 17 })
    );

    // Hover: a builtin, a user function, a method that mutates self.
    let hover = client.request("textDocument/hover", at(13, 5));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("builtin `print`"), "{hover}");
    let hover = client.request("textDocument/hover", at(13, 11));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("fn sq(x)"), "{hover}");
    let hover = client.request("textDocument/hover", at(14, 14));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        text.contains("mutates `self`: writes self.count"),
        "{hover}"
    );

    // Definition of `sq` (line 13) is on line 0; of `bump` on line 7.
    let definition = client.request("textDocument/definition", at(13, 11));
    assert_eq!(definition["uri"], json!(URI));
    assert_eq!(
        definition["range"]["start"],
        json!({ "line": 0, "character": 3 })
    );
    let definition = client.request("textDocument/definition", at(14, 14));
    assert_eq!(
        definition["range"]["start"],
        json!({ "line": 7, "character": 7 })
    );

    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["sq", "counter", "main"]);

    // A change fixes the error; then formatting keeps the comment.
    let fixed = "fn  main() { // entry\n  print(1) }\n";
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 2 }, "contentChanges": [{ "text": fixed }] }),
    );
    assert_eq!(client.diagnostics(), Vec::<Value>::new());
    let edits = client.request("textDocument/formatting", json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 4, "insertSpaces": true } }));
    assert_eq!(
        edits[0]["newText"],
        json!("fn main() {\n    // entry\n    print(1)\n}\n"),
        "{edits}"
    );

    let _ = client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("aura lsp exits");
    assert!(status.success(), "{status}");
}
