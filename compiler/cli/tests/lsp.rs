//! `aura lsp` over stdio, driven by a small test client: initialize, diagnostics on open and on
//! change, hover, definition, references, highlights, rename (and its refusals), completion,
//! document symbols, formatting, shutdown and exit.

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
        let message = self.response(method, params);
        assert!(message.get("error").is_none(), "{message}");
        message["result"].clone()
    }

    /// Sends a request that must fail and returns its error (`code`, `message`).
    fn request_error(&mut self, method: &str, params: Value) -> Value {
        let message = self.response(method, params);
        assert!(message.get("result").is_none(), "{message}");
        message["error"].clone()
    }

    fn response(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next();
            if message["id"] == json!(id) {
                return message;
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

    // A request it does not handle is an error; one about a document that is not open, null.
    let error = client.request_error(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(error["code"], json!(-32601), "{error}");
    let hover = client.request("textDocument/hover", json!({ "textDocument": { "uri": "file:///nope.aura" }, "position": { "line": 0, "character": 0 } }));
    assert_eq!(hover, Value::Null);

    let _ = client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("aura lsp exits");
    assert!(status.success(), "{status}");
}

/// Starts a server, initializes it and opens `source` at `uri`; returns the client and the first
/// diagnostics.
fn open(uri: &str, source: &str) -> (Client, Vec<Value>) {
    let mut client = Client::start();
    let _ = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "aura", "version": 1, "text": source } }),
    );
    let diagnostics = client.diagnostics();
    (client, diagnostics)
}

fn close(mut client: Client) {
    let _ = client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("aura lsp exits");
    assert!(status.success(), "{status}");
}

/// An editor that quits after `shutdown` without sending `exit` (its pipe closes): the server
/// still ends with success.
fn close_without_exit(mut client: Client) {
    let _ = client.request("shutdown", Value::Null);
    drop(client.stdin);
    let status = client.child.wait().expect("aura lsp exits");
    assert!(status.success(), "{status}");
}

const SHOP_URI: &str = "file:///tmp/counter.aura";

const SHOP: &str = "uses store

object counter {
    count = 0
    fn bump(by) {
        self.count = self.count + by
    }
}

object loud : counter {
    fn shout() {
        return upper(str(self.count))
    }
}

fn total(items) {
    let sum = 0
    for item in items {
        sum = sum + item
    }
    return sum
}

fn main() {
    let a = clone(loud)
    a.bump(total([1, 2]))
    store.set(\"last\", a.count)
    print(a.shout())
}
";

/// The position of the `n`th (0-based) `needle` in SHOP, `skip` characters in.
fn pos(needle: &str, n: usize, skip: usize) -> Value {
    let at = SHOP
        .match_indices(needle)
        .nth(n)
        .map(|(i, _)| i + skip)
        .unwrap_or_else(|| panic!("no {n}th `{needle}`"));
    let line = SHOP[..at].matches('\n').count();
    let column = at - SHOP[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({ "textDocument": { "uri": SHOP_URI }, "position": { "line": line, "character": column } })
}

/// "line:character" of each location or edit in a list, in order.
fn starts(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|l| {
            l.iter()
                .map(|x| {
                    let start = &x["range"]["start"];
                    format!("{}:{}", start["line"], start["character"])
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn references_and_highlights() {
    let (mut client, diagnostics) = open(SHOP_URI, SHOP);
    assert_eq!(diagnostics, Vec::<Value>::new());

    // The slot `count` of counter: its definition, counter's and loud's methods, `a.count`.
    let mut params = pos("a.count", 0, 2);
    params["context"] = json!({ "includeDeclaration": true });
    let found = client.request("textDocument/references", params.clone());
    assert_eq!(
        starts(&found),
        ["3:4", "5:13", "5:26", "11:30", "26:24"],
        "{found}"
    );
    assert!(found[0]["uri"] == json!(SHOP_URI));
    params["context"] = json!({ "includeDeclaration": false });
    let found = client.request("textDocument/references", params);
    assert_eq!(starts(&found), ["5:13", "5:26", "11:30", "26:24"]);

    // A local: `sum` in total.
    let found = client.request("textDocument/references", pos("sum", 2, 0));
    assert_eq!(starts(&found), ["16:8", "18:8", "18:14", "20:11"]);

    // A function, from its definition.
    let found = client.request("textDocument/references", pos("fn total", 0, 3));
    assert_eq!(starts(&found), ["15:3", "25:11"]);

    // An object, named as a prototype and as a value.
    let found = client.request("textDocument/references", pos("counter", 0, 0));
    assert_eq!(starts(&found), ["2:7", "9:14"]);

    // A method reached through a clone of loud finds counter's `bump`.
    let definition = client.request("textDocument/definition", pos("a.bump", 0, 2));
    assert_eq!(
        definition["range"]["start"],
        json!({ "line": 4, "character": 7 })
    );

    // Highlights: the definition is a write (3), the uses reads (2).
    let found = client.request("textDocument/documentHighlight", pos("item", 0, 0));
    let kinds: Vec<&Value> = found
        .as_array()
        .map(|l| l.iter().map(|h| &h["kind"]).collect())
        .unwrap_or_default();
    assert_eq!(starts(&found), ["15:9", "17:16"]);
    assert_eq!(kinds, [&json!(3), &json!(2)]);

    // Hover on an inherited slot says where it comes from along the prototype chain.
    let hover = client.request("textDocument/hover", pos("self.count", 2, 5));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        text.contains("slot `count` of object `counter`")
            && text.contains("prototype chain of `loud`: loud → counter"),
        "{hover}"
    );
    // A local known to hold a clone.
    let hover = client.request("textDocument/hover", pos("let a", 0, 4));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("local `a`: holds `loud`"), "{hover}");
    // A capability method.
    let hover = client.request("textDocument/hover", pos("store.set", 0, 6));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("store.set(key, value)"), "{hover}");
    close(client);
}

fn rename(client: &mut Client, at: Value, new_name: &str) -> Value {
    let mut params = at;
    params["newName"] = json!(new_name);
    client.request("textDocument/rename", params)
}

fn rename_error(client: &mut Client, at: Value, new_name: &str) -> Value {
    let mut params = at;
    params["newName"] = json!(new_name);
    client.request_error("textDocument/rename", params)
}

/// Applies a rename's edits (on one line each) to SHOP.
fn apply(edit: &Value) -> String {
    let edits = edit["changes"][SHOP_URI]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut lines: Vec<String> = SHOP.lines().map(str::to_string).collect();
    for e in edits.iter().rev() {
        let line = e["range"]["start"]["line"].as_u64().unwrap_or(0) as usize;
        let from = e["range"]["start"]["character"].as_u64().unwrap_or(0) as usize;
        let to = e["range"]["end"]["character"].as_u64().unwrap_or(0) as usize;
        let new = e["newText"].as_str().unwrap_or_default();
        lines[line].replace_range(from..to, new);
    }
    lines.join("\n") + "\n"
}

#[test]
fn rename_and_its_refusals() {
    let (mut client, _) = open(SHOP_URI, SHOP);

    // prepareRename gives the name's range and text.
    let prepared = client.request("textDocument/prepareRename", pos("a.count", 0, 2));
    assert_eq!(prepared["placeholder"], json!("count"));
    assert_eq!(
        prepared["range"]["start"],
        json!({ "line": 26, "character": 24 })
    );

    // A slot: every use along the chain.
    let renamed = apply(&rename(&mut client, pos("count =", 0, 0), "total_count"));
    assert_eq!(renamed.matches("total_count").count(), 5, "{renamed}");
    assert!(!renamed.contains(".count") && renamed.contains("    total_count = 0"));
    // A local.
    let renamed = apply(&rename(&mut client, pos("sum", 0, 0), "acc"));
    assert!(
        renamed.contains("let acc = 0")
            && renamed.contains("acc = acc + item")
            && renamed.contains("return acc"),
        "{renamed}"
    );
    // A function, from a call.
    let renamed = apply(&rename(&mut client, pos("total([", 0, 0), "sum_all"));
    assert!(
        renamed.contains("fn sum_all(items)") && renamed.contains("a.bump(sum_all([1, 2]))"),
        "{renamed}"
    );

    // Refusals: a keyword, a non-identifier, a builtin, collisions.
    let error = rename_error(&mut client, pos("sum", 0, 0), "while");
    assert_eq!(error["code"], json!(-32602));
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("`while` is a keyword")),
        "{error}"
    );
    let error = rename_error(&mut client, pos("sum", 0, 0), "2x");
    assert_eq!(error["code"], json!(-32602));
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("not an identifier")),
        "{error}"
    );
    let error = rename_error(&mut client, pos("upper", 0, 0), "up");
    assert_eq!(error["code"], json!(-32803));
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("is a builtin")),
        "{error}"
    );
    // `total` → `main`: two top-level definitions with one name.
    let error = rename_error(&mut client, pos("fn total", 0, 3), "main");
    assert_eq!(error["code"], json!(-32803));
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("would collide") && m.contains("`main`")),
        "{error}"
    );
    // `sum` → `item`: inside the loop, `sum` would read the loop variable.
    let error = rename_error(&mut client, pos("sum", 0, 0), "item");
    assert_eq!(error["code"], json!(-32803));
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("would collide") && m.contains("line 19")),
        "{error}"
    );
    // `total` → `a`: main's local `a` would shadow it at the call.
    let error = rename_error(&mut client, pos("fn total", 0, 3), "a");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("would collide")),
        "{error}"
    );
    // The slot `count` → `bump`: counter would define `bump` twice.
    let error = rename_error(&mut client, pos("count =", 0, 0), "bump");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("would collide")),
        "{error}"
    );
    close_without_exit(client);
}

fn labels(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["label"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn item<'a>(list: &'a Value, label: &str) -> &'a Value {
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["label"] == label))
        .unwrap_or_else(|| panic!("no item `{label}` in {list}"))
}

#[test]
fn completion() {
    let uri = "file:///tmp/complete.aura";
    let (mut client, _) = open(uri, SHOP);
    let edit = |client: &mut Client, text: &str, version: i64| {
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
        let _ = client.diagnostics();
    };
    let at = |line: usize, character: usize| json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });

    // `a.` with nothing after the dot: loud's and counter's members (a holds a clone of loud).
    let text = SHOP.replace("    print(a.shout())", "    a.");
    edit(&mut client, &text, 2);
    let list = client.request("textDocument/completion", at(27, 6));
    assert_eq!(labels(&list), ["shout", "count", "bump"], "{list}");
    assert_eq!(item(&list, "count")["detail"], json!("slot of counter"));
    assert_eq!(
        item(&list, "bump")["detail"],
        json!("fn bump(by) (object counter)")
    );

    // A capability's methods.
    let text = SHOP.replace("    print(a.shout())", "    store.");
    edit(&mut client, &text, 3);
    let list = client.request("textDocument/completion", at(27, 10));
    assert_eq!(labels(&list), ["get", "set", "delete", "keys"], "{list}");
    assert_eq!(item(&list, "set")["detail"], json!("store.set(key, value)"));

    // A prefix after the dot narrows the members.
    let text = SHOP.replace("    print(a.shout())", "    counter.co");
    edit(&mut client, &text, 4);
    let list = client.request("textDocument/completion", at(27, 14));
    assert_eq!(labels(&list), ["count"], "{list}");

    // Names: locals in scope, then the module, capabilities, prelude and builtins.
    let text = SHOP.replace("        sum = sum + item", "        sum = sum + it");
    edit(&mut client, &text, 5);
    let list = client.request("textDocument/completion", at(18, 22));
    assert_eq!(labels(&list), ["item", "items"], "{list}");
    assert_eq!(item(&list, "items")["detail"], json!("parameter"));
    // Nothing typed yet on an empty line of main: locals first, `item` (another function's) not.
    let text = SHOP.replace("    print(a.shout())", "    ");
    edit(&mut client, &text, 6);
    let list = client.request("textDocument/completion", at(27, 4));
    let names = labels(&list);
    assert_eq!(names[0], "a", "{list}");
    for name in [
        "total", "counter", "loud", "main", "store", "print", "len", "slice",
    ] {
        assert!(names.iter().any(|n| n == name), "no `{name}` in {list}");
    }
    assert!(!names.iter().any(|n| n == "item" || n == "sum"), "{list}");
    assert_eq!(item(&list, "slice")["detail"], json!("slice(x, a, b?)"));
    assert_eq!(item(&list, "total")["detail"], json!("fn total(items)"));

    // While the file has a syntax error elsewhere (an `if a. {` being typed), the members of
    // `a.` on the last line are still found from what the parser recovered.
    let text = SHOP.replace("    print(a.shout())", "    if a. {\n    }\n    a.");
    edit(&mut client, &text, 7);
    let list = client.request("textDocument/completion", at(29, 6));
    assert_eq!(labels(&list), ["shout", "count", "bump"], "{list}");
    let list = client.request("textDocument/completion", at(27, 9));
    assert_eq!(labels(&list), ["shout", "count", "bump"], "{list}");
    close(client);
}

/// A document that imports: its imports are read from disk relative to it, so imported names
/// are not unknown; hover says where they come from; a problem in an imported module shows at
/// the top of the document.
#[test]
fn imports_resolve_from_disk() {
    let dir = std::env::temp_dir().join(format!("aura-lsp-imports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).expect("temp dir");
    std::fs::write(
        dir.join("lib/geo.aura"),
        "fn area(w, h) {\n    return w * h\n}\n",
    )
    .expect("write");
    let uri = format!("file://{}", dir.join("main.aura").display());
    let source = "import \"lib/geo.aura\"\nimport \"std/list\"\n\nfn main() {\n    print(area(2, 3), sum([1]))\n}\n";
    let (mut client, diagnostics) = open(&uri, source);
    assert_eq!(diagnostics, Vec::<Value>::new());
    let at = |line: usize, character: usize| json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
    let hover = client.request("textDocument/hover", at(4, 11));
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        text.contains("area(w, h)") && text.contains("imported"),
        "{hover}"
    );
    // Definition goes to the imported file.
    let definition = client.request("textDocument/definition", at(4, 11));
    let lib = format!("file://{}", dir.join("lib/geo.aura").display());
    assert_eq!(definition["uri"], json!(lib), "{definition}");
    assert_eq!(
        definition["range"]["start"],
        json!({ "line": 0, "character": 3 })
    );
    // The wrong arity of an imported fn is the usual diagnostic.
    let wrong = source.replace("area(2, 3)", "area(2)");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": wrong }] }),
    );
    let diagnostics = client.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], json!("E0204"));
    // A broken imported module: reported at the top, naming its file.
    std::fs::write(
        dir.join("lib/geo.aura"),
        "fn area(w, h) {\n    return w * nope\n}\n",
    )
    .expect("write");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": source }] }),
    );
    let diagnostics = client.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let message = diagnostics[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("lib/geo.aura") && message.contains("nope"),
        "{message}"
    );
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    close(client);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The catch name of a `try` is a local of its handler: definition, references and rename see
/// it and leave the outer name of the same spelling alone.
#[test]
fn the_catch_name_is_a_local_for_definition_references_and_rename() {
    const URI: &str = "file:///tmp/catching.aura";
    const SOURCE: &str = "fn main() {
    let e = 1
    try {
        print(e)
    } catch e {
        print(e.kind, e.message)
    }
    print(e)
}
";
    let (mut client, diagnostics) = open(URI, SOURCE);
    assert_eq!(diagnostics, Vec::<Value>::new());
    let at = |line: u32, character: u32| json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character } });
    // `e.kind` in the handler goes to the catch name.
    let definition = client.request("textDocument/definition", at(5, 14));
    assert_eq!(
        definition["range"]["start"],
        json!({ "line": 4, "character": 12 })
    );
    let mut params = at(5, 14);
    params["context"] = json!({ "includeDeclaration": true });
    let found = client.request("textDocument/references", params);
    assert_eq!(starts(&found), ["4:12", "5:14", "5:22"]);
    let mut params = at(4, 12);
    params["newName"] = json!("err");
    let edit = client.request("textDocument/rename", params);
    assert_eq!(starts(&edit["changes"][URI]), ["4:12", "5:14", "5:22"]);
    close(client);
}
