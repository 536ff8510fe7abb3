//! `aura lsp`: a language server over stdio (the `lsp-server` crate; JSON built with serde_json).
//!
//! Full-text sync; on every open and change the document is parsed and audited and its
//! diagnostics published (the same codes and hints as `aura check`). Hover (builtins with their
//! arity, top-level functions, objects with their slots and methods, and whether a method
//! mutates `self` and why), go to definition (top-level names, slots and methods), document
//! symbols and formatting (`aura fmt`, comments kept). See `spec/cli.md`, "aura lsp".

use crate::input::Failure;
use aura_compiler::Checked;
use aura_uast::{Item, Module, ObjectMember, PluginMember, Span};
use lsp_server::{Connection, Message, Notification, Request, Response};
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn lsp() -> Result<(), Failure> {
    let (connection, threads) = Connection::stdio();
    let capabilities = json!({
        "textDocumentSync": 1,
        "hoverProvider": true,
        "definitionProvider": true,
        "documentFormattingProvider": true,
        "documentSymbolProvider": true,
    });
    let (id, _params) = connection
        .initialize_start()
        .map_err(|e| Failure::Io(format!("lsp: initialize failed: {e}")))?;
    connection
        .initialize_finish(
            id,
            json!({
                "capabilities": capabilities,
                "serverInfo": { "name": "aura", "version": env!("CARGO_PKG_VERSION") },
            }),
        )
        .map_err(|e| Failure::Io(format!("lsp: initialize failed: {e}")))?;
    let mut server = Server {
        documents: HashMap::new(),
    };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| Failure::Io(format!("lsp: {e}")))?
                {
                    break;
                }
                let response = server.request(request);
                send(&connection, Message::Response(response))?;
            }
            Message::Notification(notification) => {
                for out in server.notification(notification) {
                    send(&connection, Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    threads.join().map_err(|e| Failure::Io(format!("lsp: {e}")))
}

fn send(connection: &Connection, message: Message) -> Result<(), Failure> {
    connection
        .sender
        .send(message)
        .map_err(|e| Failure::Io(format!("lsp: the client went away: {e}")))
}

/// One open document: its text and what the front end made of it.
struct Document {
    text: String,
    checked: Checked,
}

struct Server {
    documents: HashMap<String, Document>,
}

impl Server {
    fn notification(&mut self, n: Notification) -> Vec<Notification> {
        let uri = n.params["textDocument"]["uri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let text = match n.method.as_str() {
            "textDocument/didOpen" => n.params["textDocument"]["text"].as_str(),
            // Full sync: the last change holds the whole text.
            "textDocument/didChange" => n.params["contentChanges"]
                .as_array()
                .and_then(|changes| changes.last())
                .and_then(|change| change["text"].as_str()),
            "textDocument/didClose" => {
                let _ = self.documents.remove(&uri);
                return vec![publish(&uri, Vec::new())];
            }
            _ => None,
        };
        let Some(text) = text else {
            return Vec::new();
        };
        let checked = aura_compiler::check_source(text);
        let diagnostics = checked
            .diagnostics
            .iter()
            .map(|d| {
                let mut message = d.title.clone();
                if let Some(hint) = &d.hint {
                    message.push_str("\nhint: ");
                    message.push_str(hint);
                }
                json!({
                    "range": range(text, d.primary_span()),
                    "severity": 1,
                    "code": d.code,
                    "source": "aura",
                    "message": message,
                })
            })
            .collect();
        let _ = self.documents.insert(
            uri.clone(),
            Document {
                text: text.to_string(),
                checked,
            },
        );
        vec![publish(&uri, diagnostics)]
    }

    fn request(&mut self, request: Request) -> Response {
        let uri = request.params["textDocument"]["uri"]
            .as_str()
            .unwrap_or_default();
        let Some(document) = self.documents.get(uri) else {
            return Response::new_ok(request.id, Value::Null);
        };
        let at = offset(&document.text, &request.params["position"]);
        let result = match request.method.as_str() {
            "textDocument/hover" => hover(document, at),
            "textDocument/definition" => definition(document, at)
                .map(|span| json!({ "uri": uri, "range": range(&document.text, span) })),
            "textDocument/formatting" => formatting(document),
            "textDocument/documentSymbol" => Some(symbols(document)),
            _ => {
                return Response::new_err(
                    request.id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("aura lsp does not handle {}", request.method),
                )
            }
        };
        Response::new_ok(request.id, result.unwrap_or(Value::Null))
    }
}

fn publish(uri: &str, diagnostics: Vec<Value>) -> Notification {
    Notification::new(
        "textDocument/publishDiagnostics".to_string(),
        json!({ "uri": uri, "diagnostics": diagnostics }),
    )
}

/// The identifier around byte `at`, with its span.
fn word_at(text: &str, at: usize) -> Option<(String, Span)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let at = at.min(text.len());
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| at + i);
    (start < end).then(|| (text[start..end].to_string(), Span::new(start, end)))
}

fn hover(document: &Document, at: usize) -> Option<Value> {
    let (word, span) = word_at(&document.text, at)?;
    let module = &document.checked.module;
    let mut parts = Vec::new();
    for item in &module.items {
        match item {
            Item::Fn(def) if def.name.name == word => {
                parts.push(format!(
                    "```aura\nfn {}({})\n```",
                    word,
                    params(&def.params)
                ));
            }
            Item::Let { name, .. } if name.name == word => {
                parts.push(format!("global `{word}`"));
            }
            Item::Object(def) => {
                if def.name.name == word {
                    parts.push(object_summary(def));
                }
                for member in &def.members {
                    match member {
                        ObjectMember::Slot { name, .. } if name.name == word => {
                            parts.push(format!("slot `{word}` of object `{}`", def.name.name));
                        }
                        ObjectMember::Method(m) if m.name.name == word => {
                            parts.push(method_summary(document, &def.name.name, m));
                        }
                        _ => {}
                    }
                }
            }
            Item::Plugin(def) if def.name.name == word => {
                parts.push(format!("plugin `{word}`"));
            }
            _ => {}
        }
    }
    if parts.is_empty() {
        if let Some(builtin) = aura_uast::Builtin::lookup(&word).filter(|b| !b.stdlib_only) {
            parts.push(format!(
                "builtin `{}`: takes {} argument(s)",
                builtin.name,
                builtin.arity_text()
            ));
        } else if let Some(def) = document.checked.prelude.items.iter().find_map(|i| match i {
            Item::Fn(def) if def.name.name == word => Some(def),
            _ => None,
        }) {
            parts.push(format!(
                "```aura\nfn {}({})\n```\nfrom the stdlib prelude",
                word,
                params(&def.params)
            ));
        } else if aura_uast::CAPABILITIES.contains(&word.as_str()) {
            parts.push(format!(
                "capability `{word}` (declare it with `uses {word}`)"
            ));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(json!({
        "contents": { "kind": "markdown", "value": parts.join("\n\n---\n\n") },
        "range": range(&document.text, span),
    }))
}

fn params(list: &[aura_uast::Ident]) -> String {
    list.iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn object_summary(def: &aura_uast::ObjectDef) -> String {
    let mut text = format!("```aura\nobject {}", def.name.name);
    if let Some(proto) = &def.proto {
        text.push_str(" : ");
        text.push_str(&proto.name);
    }
    text.push_str("\n```\n");
    for member in &def.members {
        match member {
            ObjectMember::Slot { name, .. } => text.push_str(&format!("- slot `{}`\n", name.name)),
            ObjectMember::Method(m) => text.push_str(&format!(
                "- method `{}({})`\n",
                m.name.name,
                params(&m.params)
            )),
        }
    }
    text
}

fn method_summary(document: &Document, owner: &str, def: &aura_uast::FnDef) -> String {
    let mut text = format!(
        "```aura\nfn {}({})\n```\nmethod of object `{owner}`",
        def.name.name,
        params(&def.params)
    );
    if let Some(fact) = document
        .checked
        .methods
        .iter()
        .find(|f| f.owner == owner && f.method == def.name.name)
    {
        if fact.mutates {
            text.push_str(&format!("; mutates `self`: {}", fact.reasons.join("; ")));
        } else {
            text.push_str("; does not mutate `self`");
        }
    }
    text
}

/// Where the name at `at` is defined: a top-level fn, global, object or plugin, else a slot or
/// method of an object.
fn definition(document: &Document, at: usize) -> Option<Span> {
    let (word, _) = word_at(&document.text, at)?;
    let module: &Module = &document.checked.module;
    let top = module.items.iter().find_map(|item| {
        item.defined_name()
            .filter(|name| name.name == word)
            .map(|name| name.span)
    });
    top.or_else(|| {
        module.items.iter().find_map(|item| match item {
            Item::Object(def) => def.members.iter().find_map(|m| match m {
                ObjectMember::Slot { name, .. } if name.name == word => Some(name.span),
                ObjectMember::Method(m) if m.name.name == word => Some(m.name.span),
                _ => None,
            }),
            Item::Plugin(def) => def.members.iter().find_map(|m| match m {
                PluginMember::Fn(f) if f.name.name == word => Some(f.name.span),
                _ => None,
            }),
            _ => None,
        })
    })
}

fn formatting(document: &Document) -> Option<Value> {
    let formatted = aura_compiler::fmt::format_source(&document.text).ok()?;
    if formatted == document.text {
        return Some(json!([]));
    }
    let whole = Span::new(0, document.text.len());
    Some(json!([{ "range": range(&document.text, whole), "newText": formatted }]))
}

fn symbols(document: &Document) -> Value {
    let text = &document.text;
    let list: Vec<Value> = document
        .checked
        .module
        .items
        .iter()
        .filter_map(|item| {
            let name = item.defined_name()?;
            let kind = match item {
                Item::Fn(_) => 12,
                Item::Object(_) => 5,
                Item::Plugin(_) => 2,
                _ => 13,
            };
            Some(json!({
                "name": name.name,
                "kind": kind,
                "range": range(text, item.span()),
                "selectionRange": range(text, name.span),
            }))
        })
        .collect();
    Value::Array(list)
}

/// An LSP position (line, UTF-16 column) for byte `at`.
fn position(text: &str, at: usize) -> Value {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or("");
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

fn range(text: &str, span: Span) -> Value {
    json!({
        "start": position(text, span.start as usize),
        "end": position(text, span.end as usize),
    })
}

/// The byte offset of an LSP position (clamped to the text).
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap_or(0) as usize;
    let character = position["character"].as_u64().unwrap_or(0) as usize;
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}
