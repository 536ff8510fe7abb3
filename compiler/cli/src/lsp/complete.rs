//! `textDocument/completion`: after `x.` the members of what `x` is known to be (the slots and
//! methods along an object's prototype chain, a plugin's fns, a capability's methods); elsewhere
//! the locals in scope, the module's definitions, declared capabilities, prelude functions and
//! builtins (with their signatures). Items start with the name typed so far.
//!
//! The text at the cursor is often not a whole program yet (`counter.` with nothing after the
//! dot): it is analysed with a placeholder name at the cursor, so the parser sees `counter.NAME`.

use super::text::name_start;
use super::Document;
use aura_compiler::resolve::{resolve, Receiver, Resolution, SymbolId, SymbolKind};
use aura_uast::{Item, Module};
use serde_json::{json, Value};

/// Stands for the name being typed.
const PLACEHOLDER: &str = "__aura_complete";

// LSP CompletionItemKind values.
const METHOD: u8 = 2;
const FUNCTION: u8 = 3;
const FIELD: u8 = 5;
const VARIABLE: u8 = 6;
const CLASS: u8 = 7;
const MODULE: u8 = 9;

struct Items {
    prefix: String,
    list: Vec<Value>,
}

impl Items {
    fn add(&mut self, label: &str, kind: u8, detail: String, doc: Option<String>) {
        if !label.starts_with(self.prefix.as_str())
            || label.starts_with("__")
            || self.list.iter().any(|item| item["label"] == label)
        {
            return;
        }
        let mut item = json!({ "label": label, "kind": kind, "detail": detail });
        if let Some(doc) = doc {
            item["documentation"] = json!(doc);
        }
        self.list.push(item);
    }

    fn symbol(&mut self, res: &Resolution, id: SymbolId) {
        let symbol = res.symbol(id);
        let signature = || format!("fn {}({})", symbol.name, symbol.params.join(", "));
        let (kind, detail) = match symbol.kind {
            SymbolKind::Function => (FUNCTION, signature()),
            SymbolKind::Global => (VARIABLE, "global".to_string()),
            SymbolKind::Object { .. } => (CLASS, "object".to_string()),
            SymbolKind::Plugin => (MODULE, "plugin".to_string()),
            SymbolKind::PluginFn { plugin } => (
                FUNCTION,
                format!("{} (plugin {})", signature(), res.symbol(plugin).name),
            ),
            SymbolKind::Slot { object } => (FIELD, format!("slot of {}", res.symbol(object).name)),
            SymbolKind::Method { object } => (
                METHOD,
                format!("{} (object {})", signature(), res.symbol(object).name),
            ),
            SymbolKind::Param => (VARIABLE, "parameter".to_string()),
            SymbolKind::Local if !symbol.params.is_empty() => (FUNCTION, signature()),
            SymbolKind::Local => (VARIABLE, "local".to_string()),
            SymbolKind::Prelude => (FUNCTION, format!("{} (stdlib)", signature())),
            SymbolKind::Imported => (FUNCTION, format!("{} (imported)", signature())),
            SymbolKind::Builtin => (FUNCTION, "builtin".to_string()),
            SymbolKind::Capability => (MODULE, "capability".to_string()),
            SymbolKind::CapabilityMethod { .. } => (METHOD, "capability method".to_string()),
        };
        self.add(&symbol.name, kind, detail, None);
    }
}

pub fn complete(document: &Document, prelude: &Module, at: usize) -> Value {
    let text = &document.text;
    let at = at.min(text.len());
    let start = name_start(text, at);
    let mut items = Items {
        prefix: text[start..at].to_string(),
        list: Vec::new(),
    };
    let after_dot = text[..start].trim_end_matches([' ', '\t']).ends_with('.');
    // With no name typed yet, the cursor holds the placeholder (the same offsets up to it).
    let patched;
    let res = if items.prefix.is_empty() {
        let source = format!("{}{PLACEHOLDER}{}", &text[..at], &text[at..]);
        let parsed = aura_compiler::parse::parse(&source);
        patched = resolve(&parsed.module, prelude);
        &patched
    } else {
        &document.resolution
    };
    if after_dot {
        members(res, text, start, &mut items);
    } else {
        names(document, res, prelude, at, &mut items);
    }
    json!({ "isIncomplete": false, "items": items.list })
}

/// After `receiver.`: what the receiver understands.
fn members(res: &Resolution, text: &str, start: usize, items: &mut Items) {
    let receiver = match res.member_at(start) {
        Some(access) => access.receiver.map(|r| match r {
            Receiver::Object(id) => Known::Object(id),
            Receiver::Capability(id) => Known::Capability(res.symbol(id).name.clone()),
        }),
        // The member was not parsed: go by the name before the dot.
        None => receiver_named(res, text, start),
    };
    match receiver {
        Some(Known::Object(object)) => {
            for member in res.members_of(object) {
                items.symbol(res, member);
            }
        }
        Some(Known::Capability(name)) => capability_methods(&name, items),
        None => {
            // Unknown receiver: every member any object or plugin of the module defines.
            for (id, symbol) in res.symbols.iter().enumerate() {
                if matches!(
                    symbol.kind,
                    SymbolKind::Slot { .. }
                        | SymbolKind::Method { .. }
                        | SymbolKind::PluginFn { .. }
                ) {
                    items.symbol(res, id);
                }
            }
        }
    }
}

/// What a receiver is, when completing its members.
enum Known {
    Object(SymbolId),
    Capability(String),
}

/// The receiver written just before the dot that ends before `start`, by its name: a capability,
/// a local known to hold an object, or an object or plugin of the module.
fn receiver_named(res: &Resolution, text: &str, start: usize) -> Option<Known> {
    let before = text[..start]
        .trim_end_matches([' ', '\t'])
        .strip_suffix('.')?;
    let word = &before[name_start(before, before.len())..];
    if aura_uast::CAPABILITIES.contains(&word) {
        return Some(Known::Capability(word.to_string()));
    }
    let local = res
        .locals_at(start)
        .into_iter()
        .find(|id| res.symbol(*id).name == word);
    if let Some(local) = local {
        return match res.symbol(local).value {
            Some(Receiver::Object(object)) => Some(Known::Object(object)),
            Some(Receiver::Capability(id)) => Some(Known::Capability(res.symbol(id).name.clone())),
            None => None,
        };
    }
    res.symbols
        .iter()
        .position(|s| {
            s.name == word && matches!(s.kind, SymbolKind::Object { .. } | SymbolKind::Plugin)
        })
        .map(Known::Object)
}

fn capability_methods(capability: &str, items: &mut Items) {
    for method in aura_facts::CAPABILITY_METHODS
        .iter()
        .filter(|m| m.capability == capability)
    {
        items.add(
            method.name,
            METHOD,
            method.signature(),
            Some(method.doc.to_string()),
        );
    }
}

/// A name on its own: locals, then the module, capabilities, the prelude and builtins.
fn names(document: &Document, res: &Resolution, prelude: &Module, at: usize, items: &mut Items) {
    for local in res.locals_at(at) {
        items.symbol(res, local);
    }
    for (id, symbol) in res.symbols.iter().enumerate() {
        let inside_plugin = |plugin: SymbolId| {
            let span = res.symbol(plugin).definition;
            span.start as usize <= at && at < span.end as usize
        };
        let visible = match symbol.kind {
            SymbolKind::Function
            | SymbolKind::Global
            | SymbolKind::Object { .. }
            | SymbolKind::Plugin => true,
            SymbolKind::PluginFn { plugin } => inside_plugin(plugin),
            _ => false,
        };
        if visible {
            items.symbol(res, id);
        }
    }
    for item in &document.checked.module.items {
        if let Item::Uses { names, .. } = item {
            for name in names {
                items.add(&name.name, MODULE, "capability".to_string(), None);
            }
        }
    }
    for item in &prelude.items {
        if let Item::Fn(def) = item {
            let params: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
            items.add(
                &def.name.name,
                FUNCTION,
                format!("fn {}({}) (stdlib)", def.name.name, params.join(", ")),
                None,
            );
        }
    }
    for builtin in aura_uast::BUILTINS.iter().filter(|b| !b.stdlib_only) {
        items.add(
            builtin.name,
            FUNCTION,
            builtin.signature(),
            Some(format!(
                "builtin: takes {} argument(s)",
                builtin.arity_text()
            )),
        );
    }
}
