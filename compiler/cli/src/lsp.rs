//! `aura lsp`: a language server over stdio (the `lsp-server` crate; JSON built with serde_json).
//!
//! Full-text sync; on every open and change the document is parsed, audited and resolved
//! (`aura_compiler::resolve`), and its diagnostics published (the same codes and hints as
//! `aura check`). Every request about a name (hover, definition, references, highlights, rename,
//! completion) answers from that one resolution; document symbols and formatting (`aura fmt`,
//! comments kept) from the UAST. See `spec/lsp.md`.

mod complete;
mod hover;
mod rename;
mod text;

use crate::input::Failure;
use aura_compiler::resolve::{resolve_with_imports, Resolution};
use aura_compiler::Checked;
use aura_uast::{Item, Module, Span};
use lsp_server::{Connection, Message, Notification, Request, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use text::{offset, range};

/// Checks a document's text as `aura check` would check its file: a `file://` document's imports
/// are read from disk relative to it (the other documents' unsaved edits are not seen).
pub(crate) fn check(uri: &str, text: &str) -> Checked {
    let Some(path) = uri.strip_prefix("file://") else {
        return aura_compiler::check_source(text);
    };
    let path = path.replace("%20", " ");
    aura_compiler::check_program(
        &path,
        aura_compiler::modules::Text::Source(text.to_string()),
        &mut crate::input::read_module,
    )
}

/// The resolution of a checked document: its own module, with the names it imports.
pub(crate) fn resolution(checked: &Checked, prelude: &Module) -> Resolution {
    resolve_with_imports(checked.entry_module(), prelude, &checked.entry_imports())
}

pub fn lsp() -> Result<(), Failure> {
    let (connection, threads) = Connection::stdio();
    let capabilities = json!({
        "textDocumentSync": 1,
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "documentHighlightProvider": true,
        "renameProvider": { "prepareProvider": true },
        "completionProvider": { "triggerCharacters": ["."] },
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
    // The stdlib prelude, parsed once: completion and resolution need it also while a document
    // has syntax errors (then `Checked` carries none).
    let prelude = aura_compiler::prelude().unwrap_or_default();
    let mut server = Server {
        documents: HashMap::new(),
        prelude,
    };
    // After `shutdown` only `exit` is expected; an editor that quits without sending it (the
    // pipe closes) still ends the server with success, as the protocol asks.
    let mut shut_down = false;
    for message in &connection.receiver {
        match message {
            Message::Request(request) if request.method == "shutdown" => {
                shut_down = true;
                send(
                    &connection,
                    Message::Response(Response::new_ok(request.id, Value::Null)),
                )?;
            }
            Message::Request(request) if shut_down => {
                let response = Response::new_err(
                    request.id,
                    lsp_server::ErrorCode::InvalidRequest as i32,
                    "aura lsp is shutting down".to_string(),
                );
                send(&connection, Message::Response(response))?;
            }
            Message::Request(request) => {
                let response = server.request(request);
                send(&connection, Message::Response(response))?;
            }
            Message::Notification(notification) if notification.method == "exit" => break,
            Message::Notification(notification) => {
                for out in server.notification(notification) {
                    send(&connection, Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    threads
        .join()
        .map_err(|e| Failure::Io(format!("lsp: {e}")))?;
    if shut_down {
        Ok(())
    } else {
        Err(Failure::Io(
            "lsp: the client exited without a shutdown request".to_string(),
        ))
    }
}

fn send(connection: &Connection, message: Message) -> Result<(), Failure> {
    connection
        .sender
        .send(message)
        .map_err(|e| Failure::Io(format!("lsp: the client went away: {e}")))
}

/// The requests the server answers (besides `shutdown`).
const REQUESTS: &[&str] = &[
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/documentHighlight",
    "textDocument/prepareRename",
    "textDocument/rename",
    "textDocument/completion",
    "textDocument/formatting",
    "textDocument/documentSymbol",
];

/// One open document: its text, what the front end made of it and what its names mean.
struct Document {
    uri: String,
    text: String,
    checked: Checked,
    resolution: Resolution,
}

struct Server {
    documents: HashMap<String, Document>,
    prelude: Module,
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
        let checked = check(&uri, text);
        let diagnostics = checked
            .diagnostics
            .iter()
            .map(|d| {
                let mut message = match &d.file {
                    // A problem in an imported module: shown at the top of this one.
                    Some(file) => format!("in imported module `{file}`: {}", d.title),
                    None => d.title.clone(),
                };
                let span = if d.file.is_some() {
                    Span::default()
                } else {
                    d.primary_span()
                };
                if let Some(hint) = &d.hint {
                    message.push_str("\nhint: ");
                    message.push_str(hint);
                }
                json!({
                    "range": range(text, span),
                    "severity": 1,
                    "code": d.code,
                    "source": "aura",
                    "message": message,
                })
            })
            .collect();
        let resolution = resolution(&checked, &self.prelude);
        let _ = self.documents.insert(
            uri.clone(),
            Document {
                uri: uri.clone(),
                text: text.to_string(),
                checked,
                resolution,
            },
        );
        vec![publish(&uri, diagnostics)]
    }

    fn request(&mut self, request: Request) -> Response {
        if !REQUESTS.contains(&request.method.as_str()) {
            return Response::new_err(
                request.id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("aura lsp does not handle {}", request.method),
            );
        }
        let uri = request.params["textDocument"]["uri"]
            .as_str()
            .unwrap_or_default();
        let Some(document) = self.documents.get(uri) else {
            return Response::new_ok(request.id, Value::Null);
        };
        let at = offset(&document.text, &request.params["position"]);
        let answer = match request.method.as_str() {
            "textDocument/hover" => Ok(hover::hover(document, at)),
            "textDocument/definition" => Ok(definition(document, uri, at)),
            "textDocument/references" => Ok(references(document, uri, at, &request.params)),
            "textDocument/documentHighlight" => Ok(highlights(document, at)),
            "textDocument/prepareRename" => rename::prepare(document, at).map(Some),
            "textDocument/rename" => {
                let new_name = request.params["newName"].as_str().unwrap_or_default();
                rename::rename(document, &self.prelude, uri, at, new_name).map(Some)
            }
            "textDocument/completion" => Ok(Some(complete::complete(document, &self.prelude, at))),
            "textDocument/formatting" => Ok(formatting(document)),
            "textDocument/documentSymbol" => Ok(Some(symbols(document))),
            _ => Ok(None),
        };
        match answer {
            Ok(result) => Response::new_ok(request.id, result.unwrap_or(Value::Null)),
            Err((code, message)) => Response::new_err(request.id, code, message),
        }
    }
}

fn publish(uri: &str, diagnostics: Vec<Value>) -> Notification {
    Notification::new(
        "textDocument/publishDiagnostics".to_string(),
        json!({ "uri": uri, "diagnostics": diagnostics }),
    )
}

/// Where the symbol under the cursor is defined (nothing for a builtin or prelude function).
fn definition(document: &Document, uri: &str, at: usize) -> Option<Value> {
    let res = &document.resolution;
    let symbol = res.symbol(res.reference_at(at)?.symbol);
    if symbol.kind == aura_compiler::resolve::SymbolKind::Imported {
        return imported_definition(document, &symbol.name);
    }
    (!symbol.span.is_empty())
        .then(|| json!({ "uri": uri, "range": range(&document.text, symbol.span) }))
}

/// Where an imported name is defined: its name in the file of the module the document imports
/// it from (a standard module has no file to go to).
fn imported_definition(document: &Document, name: &str) -> Option<Value> {
    let checked = &document.checked;
    let entry = checked.modules.last()?;
    let module = entry.imports.iter().find_map(|path| {
        let m = checked.modules.iter().find(|m| &m.path == path)?;
        let defines = m
            .module
            .items
            .iter()
            .filter_map(|item| item.defined_name())
            .find(|n| n.name == name)?;
        Some((m, defines.span))
    });
    let (module, span) = module?;
    if module.path.starts_with(aura_compiler::modules::STD_PREFIX)
        && !module.path.ends_with(".aura")
    {
        return None;
    }
    let source = module.source.as_deref()?;
    Some(json!({
        "uri": format!("file://{}", module.path.replace(' ', "%20")),
        "range": range(source, span),
    }))
}

/// Every place the symbol under the cursor is named; its definition unless
/// `context.includeDeclaration` is false.
fn references(document: &Document, uri: &str, at: usize, params: &Value) -> Option<Value> {
    let res = &document.resolution;
    let symbol = res.reference_at(at)?.symbol;
    let declaration = params["context"]["includeDeclaration"]
        .as_bool()
        .unwrap_or(true);
    let list: Vec<Value> = res
        .references_to(symbol)
        .filter(|r| declaration || !r.definition)
        .map(|r| json!({ "uri": uri, "range": range(&document.text, r.span) }))
        .collect();
    Some(Value::Array(list))
}

/// The places of the symbol under the cursor in this document: its definition a write (3), the
/// others reads (2).
fn highlights(document: &Document, at: usize) -> Option<Value> {
    let res = &document.resolution;
    let symbol = res.reference_at(at)?.symbol;
    let list: Vec<Value> = res
        .references_to(symbol)
        .map(|r| {
            json!({
                "range": range(&document.text, r.span),
                "kind": if r.definition { 3 } else { 2 },
            })
        })
        .collect();
    Some(Value::Array(list))
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
