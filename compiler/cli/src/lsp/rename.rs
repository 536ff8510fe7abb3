//! `textDocument/prepareRename` and `textDocument/rename`: every place the symbol under the cursor
//! is named gets the new name, after checking that the result means the same program. A new name
//! that is not an identifier or is a keyword is refused (`InvalidParams`); so is a rename that
//! would collide (`RequestFailed`): the renamed text is checked and resolved again, and it must
//! have no new diagnostic (a duplicate definition, say) and every name must still refer to the
//! same definition (no local captured by, or shadowing, the new name).

use super::text::{line, range};
use super::Document;
use aura_compiler::resolve::{Resolution, SymbolId, SymbolKind};
use aura_uast::{Module, Span};
use lsp_server::ErrorCode;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A refusal: an LSP error code and a message for the user.
pub type Refusal = (i32, String);

fn failed(message: String) -> Refusal {
    (ErrorCode::RequestFailed as i32, message)
}

/// The symbol under the cursor, if it may be renamed.
fn target(document: &Document, at: usize) -> Result<(SymbolId, Span), Refusal> {
    if !aura_compiler::parse::parse(&document.text)
        .diagnostics
        .is_empty()
    {
        return Err(failed(
            "the file has syntax errors: fix them before renaming".to_string(),
        ));
    }
    let res = &document.resolution;
    let reference = res
        .reference_at(at)
        .ok_or_else(|| failed("there is no name here to rename".to_string()))?;
    let symbol = res.symbol(reference.symbol);
    let what = match symbol.kind {
        SymbolKind::Builtin => Some("a builtin"),
        SymbolKind::Prelude => Some("a stdlib prelude function"),
        SymbolKind::Imported => Some("imported from another module"),
        SymbolKind::Capability => Some("a capability"),
        SymbolKind::CapabilityMethod { .. } => Some("a capability method"),
        _ => None,
    };
    if let Some(what) = what {
        return Err(failed(format!(
            "`{}` is {what}, defined outside this file: it cannot be renamed",
            symbol.name
        )));
    }
    if !symbol.in_module() {
        return Err(failed(format!("`{}` cannot be renamed", symbol.name)));
    }
    Ok((reference.symbol, reference.span))
}

pub fn prepare(document: &Document, at: usize) -> Result<Value, Refusal> {
    let (symbol, span) = target(document, at)?;
    Ok(json!({
        "range": range(&document.text, span),
        "placeholder": document.resolution.symbol(symbol).name,
    }))
}

pub fn rename(
    document: &Document,
    prelude: &Module,
    uri: &str,
    at: usize,
    new_name: &str,
) -> Result<Value, Refusal> {
    if aura_compiler::parse::is_keyword(new_name) {
        return Err((
            ErrorCode::InvalidParams as i32,
            format!("`{new_name}` is a keyword, not a name"),
        ));
    }
    if !aura_compiler::parse::is_name(new_name) {
        return Err((
            ErrorCode::InvalidParams as i32,
            format!("`{new_name}` is not an identifier (letters, digits and `_`, not starting with a digit)"),
        ));
    }
    let (symbol, _) = target(document, at)?;
    let res = &document.resolution;
    let old_name = res.symbol(symbol).name.clone();
    let spans: BTreeSet<(u32, u32)> = res
        .references_to(symbol)
        .map(|r| (r.span.start, r.span.end))
        .collect();
    if spans
        .iter()
        .any(|(s, e)| document.text.get(*s as usize..*e as usize) != Some(old_name.as_str()))
    {
        return Err(failed(format!(
            "`{old_name}` is not written the same way everywhere it is named: not renamed"
        )));
    }
    let renamed = Renamed {
        spans: spans
            .iter()
            .map(|(s, e)| Span { start: *s, end: *e })
            .collect(),
        delta: new_name.len() as i64 - old_name.len() as i64,
    };
    let new_text = renamed.apply(&document.text, new_name);
    check(document, prelude, &renamed, &new_text).map_err(|problem| {
        failed(format!(
            "renaming `{old_name}` to `{new_name}` would collide: {problem}"
        ))
    })?;
    let edits: Vec<Value> = renamed
        .spans
        .iter()
        .map(|span| json!({ "range": range(&document.text, *span), "newText": new_name }))
        .collect();
    Ok(json!({ "changes": { uri: edits } }))
}

/// The spans a rename replaces and how much longer each gets.
struct Renamed {
    /// In source order, not overlapping.
    spans: Vec<Span>,
    delta: i64,
}

impl Renamed {
    fn apply(&self, text: &str, new_name: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for span in &self.spans {
            out.push_str(&text[last..span.start as usize]);
            out.push_str(new_name);
            last = span.end as usize;
        }
        out.push_str(&text[last..]);
        out
    }

    /// Where byte `at` of the old text is in the renamed one.
    fn map(&self, at: u32) -> u32 {
        let before = self.spans.iter().filter(|s| s.end <= at).count() as i64;
        u32::try_from(i64::from(at) + before * self.delta).unwrap_or(u32::MAX)
    }
}

/// What a reference means, comparable across the two texts: a definition of the module by where
/// it is (in the renamed text), one from outside by its kind and name.
fn identity(res: &Resolution, id: SymbolId, map: &dyn Fn(u32) -> u32) -> (u32, String) {
    let symbol = res.symbol(id);
    if symbol.in_module() {
        (map(symbol.span.start), String::new())
    } else {
        (
            u32::MAX,
            format!("{:?}:{}", kind_name(symbol.kind), symbol.name),
        )
    }
}

fn kind_name(kind: SymbolKind) -> &'static str {
    match kind {
        SymbolKind::Builtin => "builtin",
        SymbolKind::Prelude => "prelude",
        SymbolKind::Imported => "imported",
        SymbolKind::Capability => "capability",
        SymbolKind::CapabilityMethod { .. } => "capability method",
        _ => "module",
    }
}

/// Every reference of the text by its span: what it means.
fn bindings(res: &Resolution, map: &dyn Fn(u32) -> u32) -> BTreeMap<u32, (u32, String)> {
    res.references
        .iter()
        .map(|r| (map(r.span.start), identity(res, r.symbol, map)))
        .collect()
}

/// Checks the renamed text: no new diagnostic, and every name means what it meant.
fn check(
    document: &Document,
    prelude: &Module,
    renamed: &Renamed,
    new_text: &str,
) -> Result<(), String> {
    let checked = super::check(&document.uri, new_text);
    let count = |diagnostics: &[aura_compiler::Diagnostic]| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for d in diagnostics {
            *counts.entry(d.code.to_string()).or_default() += 1;
        }
        counts
    };
    let before = count(&document.checked.diagnostics);
    let after = count(&checked.diagnostics);
    if let Some(new) = checked.diagnostics.iter().find(|d| {
        after.get(d.code).copied().unwrap_or(0) > before.get(d.code).copied().unwrap_or(0)
    }) {
        return Err(format!(
            "{} (line {})",
            new.title,
            line(new_text, new.primary_span().start as usize)
        ));
    }
    let old = bindings(&document.resolution, &|at| renamed.map(at));
    let new = bindings(&super::resolution(&checked, prelude), &|at| at);
    if let Some((at, _)) = old
        .iter()
        .find(|(at, meaning)| new.get(at) != Some(meaning))
        .or_else(|| {
            new.iter()
                .find(|(at, meaning)| old.get(at) != Some(meaning))
        })
    {
        return Err(format!(
            "the name at line {} would refer to something else",
            line(new_text, *at as usize)
        ));
    }
    Ok(())
}
