//! `textDocument/hover`: what the name under the cursor is, from the resolution.

use super::text::range;
use super::Document;
use aura_compiler::resolve::{Reference, Resolution, SymbolId, SymbolKind};
use aura_facts::CapabilityMethod;
use serde_json::{json, Value};

pub fn hover(document: &Document, at: usize) -> Option<Value> {
    let reference = document.resolution.reference_at(at)?;
    Some(json!({
        "contents": { "kind": "markdown", "value": describe(document, reference) },
        "range": range(&document.text, reference.span),
    }))
}

fn code(line: &str) -> String {
    format!("```aura\n{line}\n```\n")
}

fn signature(res: &Resolution, id: SymbolId) -> String {
    let symbol = res.symbol(id);
    format!("fn {}({})", symbol.name, symbol.params.join(", "))
}

fn describe(document: &Document, reference: &Reference) -> String {
    let res = &document.resolution;
    let id = reference.symbol;
    let symbol = res.symbol(id);
    let name = &symbol.name;
    match symbol.kind {
        SymbolKind::Function => code(&signature(res, id)) + "function",
        SymbolKind::Global => format!("global `{name}`{}", holds(res, id)),
        SymbolKind::Object { .. } => object_summary(res, id),
        SymbolKind::Plugin => {
            let mut text = code(&format!("plugin {name}"));
            for member in res.members_of(id) {
                text.push_str(&format!("- `{}`\n", signature(res, member)));
            }
            text
        }
        SymbolKind::PluginFn { plugin } => {
            let plugin = &res.symbol(plugin).name;
            code(&signature(res, id))
                + &format!("fn of plugin `{plugin}` (by bare name inside it, `{plugin}.{name}(..)` elsewhere)")
        }
        SymbolKind::Slot { object } => {
            format!("slot `{name}` of object `{}`", res.symbol(object).name)
                + &chain_note(res, reference.via, object)
        }
        SymbolKind::Method { object } => method_summary(document, id, object, reference.via),
        SymbolKind::Param => format!("parameter `{name}`"),
        SymbolKind::Local if !symbol.params.is_empty() => code(&signature(res, id)) + "local fn",
        SymbolKind::Local => format!("local `{name}`{}", holds(res, id)),
        SymbolKind::Prelude => code(&signature(res, id)) + "from the stdlib prelude",
        SymbolKind::Imported => code(&signature(res, id)) + "imported from another module",
        SymbolKind::Builtin => {
            let builtin = aura_uast::Builtin::lookup(name);
            let mut text = String::new();
            if let Some(builtin) = builtin {
                text = code(&builtin.signature());
                text.push_str(&format!(
                    "builtin `{name}`: takes {} argument(s)",
                    builtin.arity_text()
                ));
            }
            text
        }
        SymbolKind::Capability => {
            let mut text = if symbol.span.is_empty() {
                format!("capability `{name}`, not declared: add `uses {name}`\n\n")
            } else {
                format!("capability `{name}` (declared with `uses {name}`)\n\n")
            };
            for method in aura_facts::CAPABILITY_METHODS
                .iter()
                .filter(|m| m.capability == name)
            {
                text.push_str(&format!("- `{}`: {}\n", method.signature(), method.doc));
            }
            text
        }
        SymbolKind::CapabilityMethod { capability } => {
            match CapabilityMethod::lookup(&res.symbol(capability).name, name) {
                Some(method) => code(&method.signature()) + method.doc,
                None => String::new(),
            }
        }
    }
}

/// ": holds `counter` (or a clone of it)" when a local or global is known to hold an object.
fn holds(res: &Resolution, id: SymbolId) -> String {
    match res.symbol(id).value {
        Some(aura_compiler::resolve::Receiver::Object(object)) => {
            format!(": holds `{}` (or a clone of it)", res.symbol(object).name)
        }
        Some(aura_compiler::resolve::Receiver::Capability(cap)) => {
            format!(": holds capability `{}`", res.symbol(cap).name)
        }
        None => String::new(),
    }
}

/// Where along the prototype chain a member was found, when the lookup started elsewhere.
fn chain_note(res: &Resolution, via: Option<SymbolId>, owner: SymbolId) -> String {
    match via {
        Some(start) if start != owner => {
            let chain: Vec<&str> = res
                .chain(start)
                .into_iter()
                .map(|o| res.symbol(o).name.as_str())
                .collect();
            format!(
                "\n\nfound on `{}` along the prototype chain of `{}`: {}",
                res.symbol(owner).name,
                res.symbol(start).name,
                chain.join(" → ")
            )
        }
        _ => String::new(),
    }
}

fn object_summary(res: &Resolution, id: SymbolId) -> String {
    let symbol = res.symbol(id);
    let mut header = format!("object {}", symbol.name);
    if let SymbolKind::Object { proto: Some(proto) } = symbol.kind {
        header.push_str(&format!(" : {}", res.symbol(proto).name));
    }
    let mut text = code(&header);
    for member in res.members_of(id) {
        let m = res.symbol(member);
        let owner = match m.kind {
            SymbolKind::Slot { object } | SymbolKind::Method { object } if object != id => {
                format!(" (from `{}`)", res.symbol(object).name)
            }
            _ => String::new(),
        };
        match m.kind {
            SymbolKind::Method { .. } => text.push_str(&format!(
                "- method `{}({})`{owner}\n",
                m.name,
                m.params.join(", ")
            )),
            _ => text.push_str(&format!("- slot `{}`{owner}\n", m.name)),
        }
    }
    text
}

fn method_summary(
    document: &Document,
    id: SymbolId,
    object: SymbolId,
    via: Option<SymbolId>,
) -> String {
    let res = &document.resolution;
    let owner = &res.symbol(object).name;
    let name = &res.symbol(id).name;
    let mut text = code(&signature(res, id)) + &format!("method of object `{owner}`");
    if let Some(fact) = document
        .checked
        .methods
        .iter()
        .find(|f| &f.owner == owner && &f.method == name)
    {
        if fact.mutates {
            text.push_str(&format!("; mutates `self`: {}", fact.reasons.join("; ")));
        } else {
            text.push_str("; does not mutate `self`");
        }
    }
    text + &chain_note(res, via, object)
}
