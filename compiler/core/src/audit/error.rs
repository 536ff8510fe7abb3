//! The audit's errors as data, and how each one reads as a [`Diagnostic`].

use crate::Diagnostic;
use aura_uast::Span;

/// One problem the audit found. Codes `E0201`..`E0213` and `E0220`, documented in `spec/audit.md`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditError {
    /// E0201: a name that is not a local, parameter, global, function, object, plugin, builtin,
    /// prelude function or declared capability.
    UnknownName {
        span: Span,
        name: String,
        /// A similar name in scope.
        suggestion: Option<String>,
        /// When the name is a slot of the object whose method uses it (or of a prototype of
        /// that object): the object that defines the slot.
        slot_of: Option<String>,
        /// The use is in a `fn` nested in the method, where `self` is not the receiver.
        nested_fn: bool,
    },
    /// E0202: `x = ...` where no `let x` is in scope and there is no global `x`.
    AssignUndeclared {
        span: Span,
        name: String,
        suggestion: Option<String>,
        /// As for E0201: the object along the prototype chain that has a slot of this name,
        /// when the assignment is in one of its methods.
        slot_of: Option<String>,
        /// The object whose method contains the assignment directly (not in a nested `fn`).
        method_of: Option<String>,
        /// The assignment is in a `fn` nested in a method, where `self` is not the receiver.
        nested_fn: bool,
    },
    /// E0203: `f = ...` where `f` names a function, object, plugin, builtin or capability.
    AssignToDefinition {
        span: Span,
        name: String,
        /// "function", "object", "plugin", "builtin", "capability", ...
        kind: &'static str,
        /// Where it is defined, when that is in this module.
        defined: Option<Span>,
    },
    /// E0204: a direct call to a known function with the wrong number of arguments.
    Arity {
        span: Span,
        name: String,
        /// "function", "builtin", ...
        kind: &'static str,
        /// How many it takes: `2`, `1 or 2`, `at least 1`.
        expected: String,
        /// Whether `expected` reads as one (for "argument"/"arguments").
        expected_one: bool,
        found: usize,
        /// `name(a, b)` for functions written in Aura.
        signature: Option<String>,
        /// Where it is defined, when that is in this module.
        defined: Option<Span>,
    },
    /// E0205: two top-level definitions with one name.
    DuplicateDefinition {
        span: Span,
        name: String,
        kind: &'static str,
        first: Span,
        first_kind: &'static str,
    },
    /// E0206: a parameter list naming one parameter twice.
    DuplicateParam {
        span: Span,
        name: String,
        first: Span,
    },
    /// E0207: an object or plugin with two members of one name.
    DuplicateMember {
        span: Span,
        name: String,
        /// "object" or "plugin".
        owner_kind: &'static str,
        owner: String,
        first: Span,
    },
    /// E0208: a plugin with two routes for one METHOD and PATH.
    DuplicateRoute {
        span: Span,
        route: String,
        plugin: String,
        first: Span,
    },
    /// E0209: `break`/`continue` outside a loop of the same function.
    LoopControlOutsideLoop {
        span: Span,
        keyword: &'static str,
        /// A loop encloses the `fn` that contains the statement.
        loop_outside_fn: bool,
    },
    /// E0210: `uses` naming something that is not a capability.
    UnknownCapability {
        span: Span,
        name: String,
        suggestion: Option<String>,
    },
    /// E0211: a known capability used without `uses`.
    UndeclaredCapability { span: Span, name: String },
    /// E0212: `object a : b` where `b` is not an object of the module.
    UnknownPrototype {
        span: Span,
        name: String,
        object: String,
        /// What `b` is instead ("function", "global", ...), when it is defined.
        actually: Option<&'static str>,
        suggestion: Option<String>,
    },
    /// E0213: objects whose prototype links form a cycle.
    PrototypeCycle {
        span: Span,
        /// The objects of the cycle in link order, the first repeated at the end.
        cycle: Vec<String>,
        /// The other links of the cycle.
        links: Vec<Span>,
    },
    /// E0220: a method the runtime calls by itself (`does_not_understand`) declared with another
    /// number of parameters than the runtime passes.
    HookArity {
        /// The method's name.
        span: Span,
        hook: &'static str,
        /// "object" or "plugin".
        owner_kind: &'static str,
        owner: String,
        expected: usize,
        found: usize,
        /// How the runtime calls it, e.g. `does_not_understand(name, args)`.
        call: &'static str,
    },
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "a function", "an object".
fn a(kind: &str) -> String {
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind}")
}

fn did_you_mean(suggestion: &Option<String>) -> Option<String> {
    suggestion.as_ref().map(|s| format!("did you mean `{s}`?"))
}

/// Adds a secondary label only when its span is known (a span-less UAST has none).
fn secondary(diagnostic: Diagnostic, span: Option<Span>, message: impl Into<String>) -> Diagnostic {
    match span {
        Some(span) if !span.is_empty() => diagnostic.with_label(span, message),
        _ => diagnostic,
    }
}

fn maybe_hint(diagnostic: Diagnostic, hint: Option<String>) -> Diagnostic {
    match hint {
        Some(hint) => diagnostic.with_hint(hint),
        None => diagnostic,
    }
}

/// A slot named bare inside a `fn` nested in a method: `self` there is not the method's
/// receiver, so `self.NAME` would not reach the slot either.
fn nested_slot_hint(name: &str, object: &str, assign: &str) -> String {
    format!(
        "`{name}` is a slot of `{object}`, but `self` in a nested `fn` is not the method's \
         receiver: bind it in the method (`let me = self`) and write `me.{name}{assign}` here"
    )
}

impl AuditError {
    pub fn code(&self) -> &'static str {
        match self {
            AuditError::UnknownName { .. } => "E0201",
            AuditError::AssignUndeclared { .. } => "E0202",
            AuditError::AssignToDefinition { .. } => "E0203",
            AuditError::Arity { .. } => "E0204",
            AuditError::DuplicateDefinition { .. } => "E0205",
            AuditError::DuplicateParam { .. } => "E0206",
            AuditError::DuplicateMember { .. } => "E0207",
            AuditError::DuplicateRoute { .. } => "E0208",
            AuditError::LoopControlOutsideLoop { .. } => "E0209",
            AuditError::UnknownCapability { .. } => "E0210",
            AuditError::UndeclaredCapability { .. } => "E0211",
            AuditError::UnknownPrototype { .. } => "E0212",
            AuditError::PrototypeCycle { .. } => "E0213",
            AuditError::HookArity { .. } => "E0220",
        }
    }

    pub fn into_diagnostic(self) -> Diagnostic {
        let code = self.code();
        match self {
            AuditError::UnknownName {
                span,
                name,
                suggestion,
                slot_of,
                nested_fn,
            } => {
                let hint = match (slot_of, did_you_mean(&suggestion)) {
                    (Some(object), _) if nested_fn => Some(nested_slot_hint(&name, &object, "")),
                    (Some(object), _) => Some(format!(
                        "`{name}` is a slot of `{object}`: inside a method, write `self.{name}`"
                    )),
                    (None, hint) => hint,
                };
                let d = Diagnostic::new(code, format!("unknown name `{name}`")).with_label(
                    span,
                    "not a local, parameter, global, function, object or builtin",
                );
                maybe_hint(d, hint)
            }
            AuditError::AssignUndeclared {
                span,
                name,
                suggestion,
                slot_of,
                method_of,
                nested_fn,
            } => {
                // Inside a method the likely intent is a slot of `self`: say so, as E0201 does
                // for a read of the same name, rather than suggest a new local.
                let hint = match (slot_of, did_you_mean(&suggestion), method_of) {
                    (Some(object), _, _) if nested_fn => nested_slot_hint(&name, &object, " = ..."),
                    (Some(object), _, _) => format!(
                        "`{name}` is a slot of `{object}`: inside a method, write \
                         `self.{name} = ...`"
                    ),
                    (None, Some(hint), _) => hint,
                    (None, None, Some(object)) => format!(
                        "to set a slot of `{object}`, write `self.{name} = ...`; to declare a \
                         local, `let {name} = ...`"
                    ),
                    (None, None, None) => format!("declare it first with `let {name} = ...`"),
                };
                Diagnostic::new(code, format!("assignment to undeclared name `{name}`"))
                    .with_label(
                        span,
                        "no `let` of this name is in scope, and there is no such global",
                    )
                    .with_hint(hint)
            }
            AuditError::AssignToDefinition {
                span,
                name,
                kind,
                defined,
            } => {
                let d = Diagnostic::new(code, format!("cannot assign to {kind} `{name}`"))
                    .with_label(span, format!("`{name}` is {}, not a variable", a(kind)));
                secondary(d, defined, format!("{kind} `{name}` is defined here"))
                    .with_hint(format!("use another name, e.g. `let {name}_value = ...`"))
            }
            AuditError::Arity {
                span,
                name,
                kind,
                expected,
                expected_one,
                found,
                signature,
                defined,
            } => {
                let takes = if expected_one {
                    "argument"
                } else {
                    "arguments"
                };
                let title = format!(
                    "{kind} `{name}` takes {expected} {takes}, but {found} {} given",
                    {
                        if found == 1 {
                            "was"
                        } else {
                            "were"
                        }
                    }
                );
                let d = Diagnostic::new(code, title).with_label(
                    span,
                    format!("called with {found} argument{}", plural(found)),
                );
                let d = secondary(d, defined, format!("`{name}` is defined here"));
                match signature {
                    Some(signature) => d.with_hint(format!("the signature is `{signature}`")),
                    None => d,
                }
            }
            AuditError::DuplicateDefinition {
                span,
                name,
                kind,
                first,
                first_kind,
            } => {
                let d = Diagnostic::new(code, format!("`{name}` is defined twice at top level"))
                    .with_label(span, format!("{kind} `{name}` defined again here"));
                secondary(
                    d,
                    Some(first),
                    format!("first defined here as {}", a(first_kind)),
                )
                .with_hint("rename one of them: top-level names share one namespace")
            }
            AuditError::DuplicateParam { span, name, first } => {
                let d = Diagnostic::new(code, format!("parameter `{name}` is declared twice"))
                    .with_label(span, "declared again here");
                secondary(d, Some(first), "first declared here")
                    .with_hint("give each parameter its own name")
            }
            AuditError::DuplicateMember {
                span,
                name,
                owner_kind,
                owner,
                first,
            } => {
                let d = Diagnostic::new(
                    code,
                    format!("{owner_kind} `{owner}` defines `{name}` twice"),
                )
                .with_label(span, "defined again here");
                secondary(d, Some(first), "first defined here")
                    .with_hint("rename one of them: slots, methods and fns share one namespace")
            }
            AuditError::DuplicateRoute {
                span,
                route,
                plugin,
                first,
            } => {
                let d = Diagnostic::new(
                    code,
                    format!("plugin `{plugin}` defines route `{route}` twice"),
                )
                .with_label(span, "defined again here");
                secondary(d, Some(first), "first defined here")
                    .with_hint("a request can reach only one of them: remove or change one")
            }
            AuditError::LoopControlOutsideLoop {
                span,
                keyword,
                loop_outside_fn,
            } => {
                let d = Diagnostic::new(code, format!("`{keyword}` outside a loop"))
                    .with_label(span, "not inside a `while` or `for` of this function");
                if loop_outside_fn {
                    d.with_hint(format!(
                        "a `fn` starts a new function: `{keyword}` cannot reach the loop around it"
                    ))
                } else {
                    d
                }
            }
            AuditError::UnknownCapability {
                span,
                name,
                suggestion,
            } => {
                let known = aura_uast::CAPABILITIES.join(", ");
                let hint = match did_you_mean(&suggestion) {
                    Some(hint) => format!("{hint} known capabilities: {known}"),
                    None => format!("known capabilities: {known}"),
                };
                Diagnostic::new(code, format!("unknown capability `{name}`"))
                    .with_label(span, "not a capability a host provides")
                    .with_hint(hint)
            }
            AuditError::UndeclaredCapability { span, name } => Diagnostic::new(
                code,
                format!("capability `{name}` is used but not declared"),
            )
            .with_label(span, "this module did not declare it with `uses`")
            .with_hint(format!("add `uses {name}` at the top of the module")),
            AuditError::UnknownPrototype {
                span,
                name,
                object,
                actually,
                suggestion,
            } => {
                let label = match actually {
                    Some(kind) => format!("`{name}` is {}, not an object", a(kind)),
                    None => "not an object of this module".to_string(),
                };
                let d = Diagnostic::new(
                    code,
                    format!("prototype `{name}` of object `{object}` is not an object"),
                )
                .with_label(span, label);
                maybe_hint(d, did_you_mean(&suggestion))
            }
            AuditError::PrototypeCycle { span, cycle, links } => {
                let path = cycle
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" -> ");
                let step = |i: usize| match (cycle.get(i), cycle.get(i + 1)) {
                    (Some(from), Some(to)) => format!("`{from}` delegates to `{to}`"),
                    _ => "part of the cycle".to_string(),
                };
                let mut d = Diagnostic::new(code, format!("prototype cycle: {path}"))
                    .with_label(span, step(0));
                for (i, link) in links.into_iter().enumerate() {
                    d = secondary(d, Some(link), step(i + 1));
                }
                d.with_hint("a prototype chain must end: remove one of these links")
            }
            AuditError::HookArity {
                span,
                hook,
                owner_kind,
                owner,
                expected,
                found,
                call,
            } => Diagnostic::new(
                code,
                format!(
                    "`{hook}` of {owner_kind} `{owner}` takes {found} parameter{}, but the \
                     runtime calls it with {expected}",
                    plural(found)
                ),
            )
            .with_label(
                span,
                format!("declared with {found} parameter{}", plural(found)),
            )
            .with_hint(format!(
                "a send that finds no method calls `{call}`: `name` is the message's name, `args` \
                 the list of its arguments"
            )),
        }
    }
}
