//! The front-end pipeline every tool shares: source (or a UAST document) → UAST → limits → audit.

use crate::audit::{self, MethodFact};
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
}

impl Checked {
    pub fn is_ok(&self) -> bool {
        self.diagnostics.is_empty()
    }
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
/// follow-on noise about a half-parsed module.
pub fn check_source(source: &str) -> Checked {
    let parsed = parse::parse(source);
    if !parsed.diagnostics.is_empty() {
        return Checked {
            module: parsed.module,
            prelude: Module::default(),
            diagnostics: parsed.diagnostics,
            methods: Vec::new(),
        };
    }
    check_module(parsed.module)
}

/// Audits a module that came as UAST (e.g. JSON from another tool), after the same nesting limits
/// the parser enforces, so that no later recursive stage meets an unbounded tree.
pub fn check_module(module: Module) -> Checked {
    let limits = parse::check_limits(&module);
    if !limits.is_empty() {
        return Checked {
            module,
            prelude: Module::default(),
            diagnostics: limits,
            methods: Vec::new(),
        };
    }
    let prelude = match prelude() {
        Ok(prelude) => prelude,
        Err(diagnostics) => {
            return Checked {
                module,
                prelude: Module::default(),
                diagnostics,
                methods: Vec::new(),
            }
        }
    };
    let report = audit::audit(&module, &prelude);
    Checked {
        module,
        prelude,
        diagnostics: report.diagnostics,
        methods: report.methods,
    }
}
