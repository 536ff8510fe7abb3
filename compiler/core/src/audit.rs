//! The audit: a static pass over a UAST module that rejects bad programs before anything runs
//! (unknown names, bad assignments, wrong arity, duplicates, misplaced `break`/`continue`,
//! undeclared capabilities, bad prototypes) and infers which methods can change `self`.
//!
//! Every check runs on every item, so one run reports every problem. The pass never panics, also
//! on hand-written UAST JSON with odd content (empty names, zero spans, deep nesting).
//! `spec/audit.md` lists every check, every code and the mutation rules.

mod effects;
pub(crate) mod env;
mod error;
mod items;
mod mutation;
mod scope;
mod suggest;

pub use error::AuditError;

use crate::Diagnostic;
use aura_uast::{Module, Span};
use serde::Serialize;

/// Whether one method (or plugin fn/route) can write the slots of `self` when it runs.
#[derive(Serialize, Debug, Clone)]
pub struct MethodFact {
    /// The object or plugin that defines the method.
    pub owner: String,
    /// The method name; for a plugin route, `METHOD PATH` (e.g. `POST /api/write`).
    pub method: String,
    pub mutates: bool,
    /// Why it mutates, one entry per cause in source order, e.g. "writes self.count",
    /// "sends self.bump, which mutates", "passes self to keep". Empty when it does not mutate.
    pub reasons: Vec<String>,
    /// Where each reason is in the source, parallel to `reasons`.
    pub reason_spans: Vec<Span>,
    /// The method definition.
    pub span: Span,
    /// In a program of several modules, the module the method is in when that is not the
    /// checked file (its path; spans point into it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// Everything the audit found: the problems (the program must not run when there are any) and
/// one mutation fact per method definition, in source order.
#[derive(Serialize, Debug, Clone, Default)]
pub struct AuditReport {
    pub diagnostics: Vec<Diagnostic>,
    pub methods: Vec<MethodFact>,
}

impl AuditReport {
    /// True when the program may run.
    pub fn is_ok(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// Appends ` (line N)` to every reason whose span is known, counting lines in `source` (the
    /// text the audited module was parsed from).
    pub fn with_lines(mut self, source: &str) -> AuditReport {
        for fact in &mut self.methods {
            for (reason, span) in fact.reasons.iter_mut().zip(&fact.reason_spans) {
                if !span.is_empty() {
                    let (line, _) = crate::render::line_column(source, span.start as usize);
                    reason.push_str(&format!(" (line {line})"));
                }
            }
        }
        self
    }
}

/// Audits the user's module. `prelude` is the parsed stdlib: its top-level fns are visible to the
/// user module like builtins (and a user definition may shadow them).
pub fn audit(module: &Module, prelude: &Module) -> AuditReport {
    run(module, Some(prelude))
}

/// Audits one module of a program that imports `imports` (the imported modules, in import order):
/// their top-level fns, objects and globals are visible to it like its own.
pub fn audit_with_imports(module: &Module, prelude: &Module, imports: &[&Module]) -> AuditReport {
    let env = env::Env::with_imports(module, Some(prelude), imports);
    report(module, &env)
}

/// Audits the prelude itself (where `__type_error` is allowed).
pub fn audit_prelude(prelude: &Module) -> AuditReport {
    run(prelude, None)
}

fn run(module: &Module, prelude: Option<&Module>) -> AuditReport {
    let env = env::Env::new(module, prelude);
    report(module, &env)
}

fn report(module: &Module, env: &env::Env<'_>) -> AuditReport {
    let mut errors = Vec::new();
    items::check(module, env, &mut errors);
    scope::check(module, env, &mut errors);
    let methods = mutation::infer(module, env);
    let mut diagnostics: Vec<Diagnostic> = errors
        .into_iter()
        .map(AuditError::into_diagnostic)
        .collect();
    // Source order; checks that found problems at one place keep the order they ran in.
    diagnostics.sort_by_key(|d| d.primary_span().start);
    AuditReport {
        diagnostics,
        methods,
    }
}
