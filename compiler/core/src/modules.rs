//! Programs of several modules (`import "PATH"`, `spec/language.md`): where an import's path
//! leads, loading the module graph (depth first, each module once; a cycle or a file that cannot
//! be read is reported at the import that reaches it), the check that spans modules (one
//! namespace for the top-level names of a program), the audit of each module with what it
//! imports, and the flattening into the one module every backend compiles.
//!
//! No IO happens here: the caller reads files through the `read` callback. The `std/NAME`
//! modules are embedded (`aura_stdlib::MODULES`) and never read from disk.

use crate::audit::{self, MethodFact};
use crate::{parse, Diagnostic};
use aura_uast::{Item, Module, Span};
use std::collections::HashMap;

/// Imports naming a standard module start with this (`import "std/strings"`).
pub const STD_PREFIX: &str = "std/";

/// Imports nested deeper than this (a chain of distinct files) are refused, so that no
/// recursive stage meets an unbounded chain.
pub const MAX_IMPORT_DEPTH: usize = 200;

/// A module's text as the caller has it.
pub enum Text {
    Source(String),
    /// Already a UAST module (from a UAST document).
    Uast(Module),
}

/// One module of a program.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramModule {
    /// The entry's path as given; an import's path resolved against its importer's directory
    /// (`lib/util.aura`), or `std/NAME`. Diagnostics and runtime traces name the module by it.
    pub path: String,
    /// The source text; `None` when the module came as UAST.
    pub source: Option<String>,
    pub module: Module,
    /// The paths of the modules its `import` items name, in order (unresolvable ones left out).
    pub imports: Vec<String>,
}

/// A loaded module graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// In initialisation order: imported modules first (depth first, in import order, each
    /// once), the entry last.
    pub modules: Vec<ProgramModule>,
    /// Syntax errors of every module and import errors (missing file, cycle, bad path).
    pub diagnostics: Vec<Diagnostic>,
}

/// Where `import "PATH"` written in the module `importer` leads: `std/NAME` as it is, a path
/// ending in `.aura` joined to the importer's directory (`.` and `..` resolved in the text).
pub fn resolve_import(importer: &str, path: &str) -> Result<String, String> {
    if let Some(name) = path.strip_prefix(STD_PREFIX) {
        if aura_stdlib::module(name).is_some() {
            return Ok(path.to_string());
        }
        let known: Vec<String> = aura_stdlib::MODULES
            .iter()
            .map(|(name, _)| format!("`{STD_PREFIX}{name}`"))
            .collect();
        return Err(format!(
            "there is no standard module `{path}`; there are {}",
            known.join(", ")
        ));
    }
    if !path.ends_with(".aura") {
        return Err(format!(
            "`{path}` is neither a file ending in `.aura` nor a standard module `{STD_PREFIX}NAME`"
        ));
    }
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        match importer.rfind('/') {
            Some(slash) => format!("{}{path}", &importer[..=slash]),
            None => path.to_string(),
        }
    };
    Ok(normalize(&joined))
}

/// `a/./b/../c.aura` → `a/c.aura`; a leading `..` that cannot be resolved in the text is kept.
pub fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                let _ = parts.pop();
            }
            ".." if absolute => {}
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Loads the program whose entry module is `text` (found at `entry`), reading every module it
/// imports through `read` (called with a resolved path; its error says why it failed).
pub fn load(entry: &str, text: Text, read: &mut dyn FnMut(&str) -> Result<Text, String>) -> Graph {
    let mut loader = Loader {
        read,
        entry: normalize(entry),
        done: HashMap::new(),
        stack: Vec::new(),
        graph: Graph::default(),
    };
    let path = loader.entry.clone();
    loader.visit(path, text);
    loader.graph
}

struct Loader<'r> {
    read: &'r mut dyn FnMut(&str) -> Result<Text, String>,
    entry: String,
    /// Modules loaded so far, by path.
    done: HashMap<String, usize>,
    /// The chain of imports being loaded, from the entry.
    stack: Vec<String>,
    graph: Graph,
}

impl Loader<'_> {
    fn visit(&mut self, path: String, text: Text) {
        let (module, source) = match text {
            Text::Source(source) => {
                let parsed = parse::parse(&source);
                for diagnostic in parsed.diagnostics {
                    self.report(&path, diagnostic);
                }
                (parsed.module, Some(source))
            }
            Text::Uast(module) => {
                for diagnostic in parse::check_limits(&module) {
                    self.report(&path, diagnostic);
                }
                (module, None)
            }
        };
        self.stack.push(path.clone());
        let mut imports = Vec::new();
        for item in &module.items {
            if let Item::Import {
                span,
                path: written,
            } = item
            {
                if let Some(target) = self.import(&path, *span, written) {
                    imports.push(target);
                }
            }
        }
        let _ = self.stack.pop();
        let _ = self.done.insert(path.clone(), self.graph.modules.len());
        self.graph.modules.push(ProgramModule {
            path,
            source,
            module,
            imports,
        });
    }

    /// Follows one `import` of the module `importer`; the path it leads to, if it loaded.
    fn import(&mut self, importer: &str, span: Span, written: &str) -> Option<String> {
        let target = match resolve_import(importer, written) {
            Ok(target) => target,
            Err(why) => {
                let diagnostic = Diagnostic::new("E0240", format!("cannot import `{written}`"))
                    .with_label(span, why)
                    .with_hint(format!(
                        "write a path relative to this file, ending in `.aura`, or `{STD_PREFIX}NAME`"
                    ));
                self.report(importer, diagnostic);
                return None;
            }
        };
        if let Some(at) = self.stack.iter().position(|p| *p == target) {
            let mut cycle: Vec<&str> = self.stack[at..].iter().map(String::as_str).collect();
            cycle.push(&target);
            let diagnostic = Diagnostic::new(
                "E0241",
                format!("import cycle: {}", cycle.join(" \u{2192} ")),
            )
            .with_label(span, format!("`{importer}` imports `{target}`, which imports it back"))
            .with_hint("modules may not import each other: move what both need into a third module that both import");
            self.report(importer, diagnostic);
            return None;
        }
        if self.done.contains_key(&target) {
            return Some(target);
        }
        if self.stack.len() >= MAX_IMPORT_DEPTH {
            let diagnostic = Diagnostic::new(
                "E0242",
                format!("imports nested more than {MAX_IMPORT_DEPTH} modules deep"),
            )
            .with_label(span, "this import is too deep");
            self.report(importer, diagnostic);
            return None;
        }
        let text = match target.strip_prefix(STD_PREFIX) {
            Some(name) if !target.ends_with(".aura") => aura_stdlib::module(name)
                .map(|source| Text::Source(source.to_string()))
                .ok_or_else(|| "not a standard module".to_string()),
            _ => (self.read)(&target),
        };
        match text {
            Ok(text) => {
                self.visit(target.clone(), text);
                Some(target)
            }
            Err(why) => {
                let diagnostic = Diagnostic::new(
                    "E0243",
                    format!("cannot read module `{written}`"),
                )
                .with_label(span, format!("tried `{target}`: {why}"))
                .with_hint(
                    "an import's path is relative to the directory of the file that imports it",
                );
                self.report(importer, diagnostic);
                None
            }
        }
    }

    fn report(&mut self, path: &str, diagnostic: Diagnostic) {
        self.graph.diagnostics.push(if path == self.entry {
            diagnostic
        } else {
            diagnostic.in_file(path)
        });
    }
}

/// The checks and the audit of a loaded graph: top-level names are unique across the program
/// (and, in a program of several modules, none shadows a prelude function, which would change
/// what another module's call means); each module is audited with the modules it imports.
pub fn audit(graph: &Graph, prelude: &Module) -> (Vec<Diagnostic>, Vec<MethodFact>) {
    let entry = graph.modules.last().map(|m| m.path.as_str()).unwrap_or("");
    let locate = |path: &str, diagnostic: Diagnostic| {
        if path == entry {
            diagnostic
        } else {
            diagnostic.in_file(path)
        }
    };
    let mut diagnostics = Vec::new();
    if graph.modules.len() > 1 {
        for (path, diagnostic) in shared_names(&graph.modules, prelude) {
            diagnostics.push(locate(path, diagnostic));
        }
    }
    let by_path: HashMap<&str, &Module> = graph
        .modules
        .iter()
        .map(|m| (m.path.as_str(), &m.module))
        .collect();
    let mut methods = Vec::new();
    for m in &graph.modules {
        let imports: Vec<&Module> = m
            .imports
            .iter()
            .filter_map(|path| by_path.get(path.as_str()).copied())
            .collect();
        let mut report = audit::audit_with_imports(&m.module, prelude, &imports);
        if let Some(source) = &m.source {
            report = report.with_lines(source);
        }
        diagnostics.extend(
            report
                .diagnostics
                .into_iter()
                .map(|d| locate(&m.path, with_module_hint(d, m, &graph.modules))),
        );
        let file = (m.path != entry).then(|| m.path.clone());
        methods.extend(report.methods.into_iter().map(|fact| MethodFact {
            file: file.clone(),
            ..fact
        }));
    }
    (diagnostics, methods)
}

/// Says where a name is defined when that is another module: for an unknown name (E0201) that
/// a module of the program defines but this one does not import, and for a wrong number of
/// arguments (E0204) to an imported fn.
fn with_module_hint(
    mut diagnostic: Diagnostic,
    module: &ProgramModule,
    modules: &[ProgramModule],
) -> Diagnostic {
    let Some(name) = diagnostic.title.split('`').nth(1) else {
        return diagnostic;
    };
    let defines = |m: &ProgramModule| {
        m.module
            .items
            .iter()
            .any(|item| item.defined_name().is_some_and(|n| n.name == name))
    };
    let Some(home) = modules.iter().find(|m| m.path != module.path && defines(m)) else {
        return diagnostic;
    };
    let imported = module.imports.contains(&home.path);
    let note = match diagnostic.code {
        "E0201" if !imported && !defines(module) => format!(
            "`{name}` is defined in `{}`, which this module does not import (a module sees only what it imports itself)",
            home.path
        ),
        "E0204" if imported => format!("`{name}` is defined in `{}`", home.path),
        _ => return diagnostic,
    };
    diagnostic.hint = Some(match diagnostic.hint.take() {
        Some(hint) if diagnostic.code == "E0204" => format!("{hint}; {note}"),
        _ => note,
    });
    diagnostic
}

/// E0244: a top-level name defined by two modules (or defined by one and a capability of
/// another); E0245: a builtin or prelude function redefined in a program of several modules;
/// E0246: `main` in an imported module. Each with the path of the module it points into.
fn shared_names<'g>(modules: &'g [ProgramModule], prelude: &Module) -> Vec<(&'g str, Diagnostic)> {
    let prelude_fns: Vec<&str> = prelude
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Fn(def) => Some(def.name.name.as_str()),
            _ => None,
        })
        .collect();
    let mut first: HashMap<&str, &str> = HashMap::new();
    let mut found = Vec::new();
    let entry = modules.last().map_or("", |m| m.path.as_str());
    for m in modules {
        for item in &m.module.items {
            let Some(name) = item.defined_name() else {
                continue;
            };
            let path = m.path.as_str();
            if name.name == "main" && path != entry {
                found.push((
                    path,
                    Diagnostic::new("E0246", "an imported module defines `main`")
                        .with_label(name.span, format!("`{path}` is imported, not run"))
                        .with_hint(format!(
                            "a program's `main` is the one of the file that is run (`{entry}`): rename this one"
                        )),
                ));
                continue;
            }
            match first.get(name.name.as_str()) {
                // Twice in one module: the audit's E0205.
                Some(other) if *other == path => {}
                Some(other) => found.push((
                    path,
                    Diagnostic::new(
                        "E0244",
                        format!("`{}` is defined in both `{other}` and `{path}`", name.name),
                    )
                    .with_label(name.span, format!("`{other}` defines `{}` too", name.name))
                    .with_hint(
                        "the modules of a program share one namespace for top-level fns, objects, globals and plugins: rename one of them",
                    ),
                )),
                None => {
                    let builtin = aura_uast::Builtin::lookup(&name.name).is_some();
                    if builtin || prelude_fns.contains(&name.name.as_str()) {
                        let what = if builtin { "builtin" } else { "prelude function" };
                        found.push((
                            path,
                            Diagnostic::new(
                                "E0245",
                                format!("`{}` redefines a {what} in a program of several modules", name.name),
                            )
                            .with_label(name.span, "the other modules would call this one")
                            .with_hint(format!("rename it; only a program of one file may redefine a {what}")),
                        ));
                    }
                    let _ = first.insert(&name.name, path);
                }
            }
        }
    }
    // `uses log` binds `log` in its module; a definition of `log` elsewhere would take its place
    // in the program.
    for m in modules {
        for item in &m.module.items {
            let Item::Uses { names, .. } = item else {
                continue;
            };
            for name in names {
                let Some(other) = first.get(name.name.as_str()) else {
                    continue;
                };
                if *other != m.path && aura_uast::CAPABILITIES.contains(&name.name.as_str()) {
                    found.push((
                        m.path.as_str(),
                        Diagnostic::new(
                            "E0244",
                            format!(
                                "`{}` is defined in `{other}` and a capability of `{}`",
                                name.name, m.path
                            ),
                        )
                        .with_label(name.span, format!("`{other}` defines `{}`", name.name))
                        .with_hint(
                            "the modules of a program share one namespace for top-level names, capabilities included: rename the definition",
                        ),
                    ));
                }
            }
        }
    }
    found
}

/// The program as one module, for the backends: every module's items in initialisation order,
/// without the `import` items, and for each item the index of its module in `modules`.
pub fn flatten(modules: &[ProgramModule]) -> (Module, Vec<usize>) {
    let mut items = Vec::new();
    let mut origins = Vec::new();
    for (index, m) in modules.iter().enumerate() {
        for item in &m.module.items {
            if !matches!(item, Item::Import { .. }) {
                items.push(item.clone());
                origins.push(index);
            }
        }
    }
    (
        Module {
            items,
            source: None,
            item_sources: Vec::new(),
        },
        origins,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_resolve_against_the_importer() {
        assert_eq!(
            resolve_import("main.aura", "lib.aura"),
            Ok("lib.aura".into())
        );
        assert_eq!(
            resolve_import("a/b/main.aura", "../c/./d.aura"),
            Ok("a/c/d.aura".into())
        );
        assert_eq!(
            resolve_import("main.aura", "../x.aura"),
            Ok("../x.aura".into())
        );
        assert_eq!(
            resolve_import("/m/main.aura", "/x/../y.aura"),
            Ok("/y.aura".into())
        );
        assert_eq!(
            resolve_import("a/main.aura", "std/list"),
            Ok("std/list".into())
        );
        assert!(resolve_import("main.aura", "std/nope").is_err());
        assert!(resolve_import("main.aura", "lib.txt").is_err());
    }
}
