//! The front-end pipeline every tool shares: source (or a UAST document) → UAST → limits → audit.

use crate::audit::{self, MethodFact};
use crate::modules::{self, ProgramModule, Text};
use crate::parse;
use crate::Diagnostic;
use aura_uast::Module;

/// A module that went through the front end, with everything found on the way.
#[derive(Debug, Clone)]
pub struct Checked {
    pub module: Module,
    /// The stdlib prelude, compiled with every program.
    pub prelude: Module,
    /// Syntax, limit and audit errors. Empty means the program may run.
    pub diagnostics: Vec<Diagnostic>,
    /// Per-method mutation facts from the audit (empty when the module did not parse).
    pub methods: Vec<MethodFact>,
    /// For a program checked with [`check_program`]: its modules in initialisation order (the
    /// entry last), and `module` is all of them as one (see `modules::flatten`). Empty when a
    /// single module was checked.
    pub modules: Vec<ProgramModule>,
    /// For each item of `module`, the index of its module in `modules` (empty with `modules`).
    pub item_modules: Vec<usize>,
}

impl Checked {
    pub fn is_ok(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// Checked with nothing but `diagnostics` (an input that could not be read as a module).
    pub fn failed(diagnostics: Vec<Diagnostic>) -> Checked {
        Checked {
            module: Module::default(),
            prelude: Module::default(),
            diagnostics,
            methods: Vec::new(),
            modules: Vec::new(),
            item_modules: Vec::new(),
        }
    }

    /// The path of the module the `index`-th item of `module` comes from (`None` for a single
    /// module, whose items all come from the file that was checked).
    pub fn item_file(&self, index: usize) -> Option<&str> {
        let module = self.item_modules.get(index)?;
        self.modules.get(*module).map(|m| m.path.as_str())
    }

    /// Tells runtime traces (`aura_uast::trace`) where each item comes from: the entry is the
    /// file at `entry_path` with text `entry_source`; an imported module is its own path and text.
    pub fn attach_sources(&mut self, entry_path: &str, entry_source: &str) {
        use aura_uast::trace::SourceFile;
        let entry = SourceFile::new(entry_path, entry_source);
        if self.modules.len() <= 1 {
            self.module.source = Some(entry);
            return;
        }
        let last = self.modules.len() - 1;
        let files: Vec<_> = self
            .modules
            .iter()
            .enumerate()
            .map(|(k, m)| match (k == last, &m.source) {
                (true, _) => Some(entry.clone()),
                (false, Some(text)) => Some(SourceFile::new(m.path.as_str(), text.as_str())),
                (false, None) => None,
            })
            .collect();
        self.module.item_sources = self
            .item_modules
            .iter()
            .map(|k| files.get(*k).cloned().flatten())
            .collect();
    }

    /// The module of the file that was checked (the entry, without the modules it imports).
    pub fn entry_module(&self) -> &Module {
        self.modules.last().map_or(&self.module, |m| &m.module)
    }

    /// The modules the entry imports directly, in import order (empty for a single module).
    pub fn entry_imports(&self) -> Vec<&Module> {
        let Some(entry) = self.modules.last() else {
            return Vec::new();
        };
        entry
            .imports
            .iter()
            .filter_map(|path| self.modules.iter().find(|m| &m.path == path))
            .map(|m| &m.module)
            .collect()
    }

    /// The source of a module of the program by path (for rendering its diagnostics).
    pub fn module_source(&self, path: &str) -> Option<String> {
        self.modules
            .iter()
            .find(|m| m.path == path)
            .and_then(|m| m.source.clone())
    }
}

/// Loads and checks a program: the entry module `text` at `path` and every module it imports,
/// read through `read` (see `modules::load`). `module` of the result is the whole program as
/// one module for the backends; diagnostics about an imported module carry its path in `file`.
pub fn check_program(
    path: &str,
    text: Text,
    read: &mut dyn FnMut(&str) -> Result<Text, String>,
) -> Checked {
    let graph = modules::load(path, text, read);
    let (module, item_modules) = modules::flatten(&graph.modules);
    let mut checked = Checked {
        module,
        prelude: Module::default(),
        diagnostics: graph.diagnostics,
        methods: Vec::new(),
        modules: graph.modules,
        item_modules,
    };
    // Syntax and import errors stop before the audit, which would only report follow-on noise.
    if !checked.diagnostics.is_empty() {
        return checked;
    }
    match prelude() {
        Ok(prelude) => {
            let graph = modules::Graph {
                modules: std::mem::take(&mut checked.modules),
                diagnostics: Vec::new(),
            };
            let (diagnostics, methods) = modules::audit(&graph, &prelude);
            checked.modules = graph.modules;
            checked.diagnostics = diagnostics;
            checked.methods = methods;
            checked.prelude = prelude;
        }
        Err(diagnostics) => checked.diagnostics = diagnostics,
    }
    checked
}

/// The parsed stdlib prelude. It is part of the toolchain, so a diagnostic here is a bug in Aura
/// itself; it is returned rather than panicking so that a host can report it.
pub fn prelude() -> Result<Module, Vec<Diagnostic>> {
    let parsed = parse::parse(aura_stdlib::PRELUDE);
    if !parsed.diagnostics.is_empty() {
        return Err(parsed.diagnostics);
    }
    let report = audit::audit_prelude(&parsed.module);
    if !report.diagnostics.is_empty() {
        return Err(report.diagnostics);
    }
    Ok(parsed.module)
}

/// Parses and audits source text. Syntax errors stop before the audit, which would only report
/// follow-on noise about a half-parsed module. Source with `import` items is checked as a
/// program whose `std/NAME` imports load and whose file imports cannot be read (no IO here:
/// use [`check_program`] with a reader for those).
pub fn check_source(source: &str) -> Checked {
    let parsed = parse::parse(source);
    let imports = parsed
        .module
        .items
        .iter()
        .any(|item| matches!(item, aura_uast::Item::Import { .. }));
    if imports {
        let mut read = |_: &str| Err("no file is read when checking source text alone".to_string());
        return check_program("main.aura", Text::Source(source.to_string()), &mut read);
    }
    if !parsed.diagnostics.is_empty() {
        return Checked {
            module: parsed.module,
            ..Checked::failed(parsed.diagnostics)
        };
    }
    audited(parsed.module, Some(source))
}

/// Audits a module that came as UAST (e.g. JSON from another tool), after the same nesting limits
/// the parser enforces, so that no later recursive stage meets an unbounded tree.
pub fn check_module(module: Module) -> Checked {
    audited(module, None)
}

/// Limits, then the audit; with the source at hand, mutation reasons also say their line.
fn audited(module: Module, source: Option<&str>) -> Checked {
    let limits = parse::check_limits(&module);
    if !limits.is_empty() {
        return Checked {
            module,
            ..Checked::failed(limits)
        };
    }
    let prelude = match prelude() {
        Ok(prelude) => prelude,
        Err(diagnostics) => {
            return Checked {
                module,
                ..Checked::failed(diagnostics)
            }
        }
    };
    let mut report = audit::audit(&module, &prelude);
    if let Some(source) = source {
        report = report.with_lines(source);
    }
    Checked {
        module,
        prelude,
        diagnostics: report.diagnostics,
        methods: report.methods,
        modules: Vec::new(),
        item_modules: Vec::new(),
    }
}
