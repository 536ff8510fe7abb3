//! Walks every body with a stack of block scopes: resolves names, checks assignments, the arity
//! of direct calls, duplicate parameters, `break`/`continue` placement and capability use.

use super::env::{Env, Global, TopDef};
use super::error::AuditError;
use super::suggest;
use aura_uast::{
    Block, Expr, FnDef, Ident, Item, Module, ObjectDef, ObjectMember, PluginDef, PluginMember,
    Span, Stmt, Target, CAPABILITIES,
};
use std::collections::HashMap;

/// Stack headroom kept free while recursing; below it the stack grows (deep hand-written UASTs).
const RED_ZONE: usize = 64 * 1024;
const STACK_GROWTH: usize = 1024 * 1024;

pub fn check(module: &Module, env: &Env<'_>, errors: &mut Vec<AuditError>) {
    let mut walker = Walker {
        env,
        scopes: Vec::new(),
        functions: Vec::new(),
        plugin: None,
        object: None,
        errors,
    };
    for item in &module.items {
        match item {
            Item::Uses { .. } | Item::Import { .. } => {}
            Item::Let { value, .. } => walker.expr(value),
            Item::Fn(def) => walker.function(&def.params, &def.body),
            Item::Object(def) => walker.object(def),
            Item::Plugin(def) => walker.plugin(def),
        }
    }
}

/// One function being walked (a fn, method, route, nested fn or fn literal).
struct Function {
    /// How many loops of this function enclose the current statement.
    loops: usize,
}

struct Walker<'a, 'e> {
    env: &'e Env<'a>,
    /// Block scopes, innermost last; enclosing functions' scopes stay visible (closures).
    scopes: Vec<Vec<&'a str>>,
    functions: Vec<Function>,
    /// The plugin whose routes and fns are being walked: its fns are visible by bare name.
    plugin: Option<&'a PluginDef>,
    /// The object whose methods are being walked, for hints.
    object: Option<&'a ObjectDef>,
    errors: &'e mut Vec<AuditError>,
}

impl<'a> Walker<'a, '_> {
    fn object(&mut self, def: &'a ObjectDef) {
        for member in &def.members {
            match member {
                ObjectMember::Slot { value, .. } => self.expr(value),
                ObjectMember::Method(method) => {
                    self.object = Some(def);
                    self.function(&method.params, &method.body);
                    self.object = None;
                }
            }
        }
    }

    fn plugin(&mut self, def: &'a PluginDef) {
        self.plugin = Some(def);
        for member in &def.members {
            match member {
                PluginMember::Route(route) => {
                    self.function(std::slice::from_ref(&route.param), &route.body)
                }
                PluginMember::Fn(f) => self.function(&f.params, &f.body),
            }
        }
        self.plugin = None;
    }

    /// A function body: a new function context with a scope holding the parameters.
    fn function(&mut self, params: &'a [Ident], body: &'a Block) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for param in params {
            if let Some(first) = seen.get(param.name.as_str()) {
                self.errors.push(AuditError::DuplicateParam {
                    span: param.span,
                    name: param.name.clone(),
                    first: *first,
                });
            } else {
                let _ = seen.insert(&param.name, param.span);
            }
        }
        self.functions.push(Function { loops: 0 });
        self.scopes
            .push(params.iter().map(|p| p.name.as_str()).collect());
        self.block(body);
        let _ = self.scopes.pop();
        let _ = self.functions.pop();
    }

    fn block(&mut self, block: &'a Block) {
        self.scopes.push(Vec::new());
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
        let _ = self.scopes.pop();
    }

    fn declare(&mut self, name: &'a str) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(name);
        }
    }

    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|scope| scope.contains(&name))
    }

    fn in_loop(&mut self, body: impl FnOnce(&mut Self)) {
        if let Some(f) = self.functions.last_mut() {
            f.loops += 1;
        }
        body(self);
        if let Some(f) = self.functions.last_mut() {
            f.loops = f.loops.saturating_sub(1);
        }
    }

    fn stmt(&mut self, stmt: &'a Stmt) {
        stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || self.stmt_inner(stmt));
    }

    fn stmt_inner(&mut self, stmt: &'a Stmt) {
        match stmt {
            // `let f = fn(..) { .. }` may call itself, like a nested `fn f`.
            Stmt::Let {
                name,
                value: Expr::Lambda { params, body, .. },
                ..
            } => {
                self.declare(&name.name);
                self.function(params, body);
            }
            Stmt::Let { name, value, .. } => {
                self.expr(value);
                self.declare(&name.name);
            }
            Stmt::Assign { target, value, .. } => {
                self.target(target);
                self.expr(value);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                self.expr(cond);
                self.block(then);
                if let Some(otherwise) = otherwise {
                    self.block(otherwise);
                }
            }
            Stmt::While { cond, body, .. } => {
                self.expr(cond);
                self.in_loop(|w| w.block(body));
            }
            Stmt::For {
                var, iter, body, ..
            } => {
                self.expr(iter);
                self.in_loop(|w| {
                    w.scopes.push(vec![var.name.as_str()]);
                    w.block(body);
                    let _ = w.scopes.pop();
                });
            }
            Stmt::Try {
                body,
                name,
                handler,
                ..
            } => {
                self.block(body);
                self.scopes.push(vec![name.name.as_str()]);
                self.block(handler);
                let _ = self.scopes.pop();
            }
            Stmt::Return { value, .. } => {
                // Every statement of a UAST is inside a fn, method, route or fn literal, so a
                // `return` is always inside a function.
                if let Some(value) = value {
                    self.expr(value);
                }
            }
            Stmt::Break { span } => self.loop_control(*span, "break"),
            Stmt::Continue { span } => self.loop_control(*span, "continue"),
            Stmt::Fn(def) => self.nested_fn(def),
            Stmt::Expr { expr, .. } => self.expr(expr),
        }
    }

    fn nested_fn(&mut self, def: &'a FnDef) {
        // Bound before its body is walked: a nested fn may call itself.
        self.declare(&def.name.name);
        self.function(&def.params, &def.body);
    }

    fn loop_control(&mut self, span: Span, keyword: &'static str) {
        let inside = self.functions.last().is_some_and(|f| f.loops > 0);
        if !inside {
            let n = self.functions.len();
            let loop_outside_fn = self
                .functions
                .iter()
                .take(n.saturating_sub(1))
                .any(|f| f.loops > 0);
            self.errors.push(AuditError::LoopControlOutsideLoop {
                span,
                keyword,
                loop_outside_fn,
            });
        }
    }

    fn target(&mut self, target: &'a Target) {
        match target {
            Target::Var { span, name } => self.assign_var(*span, name),
            Target::Field { object, .. } => self.expr(object),
            Target::Index { object, index, .. } => {
                self.expr(object);
                self.expr(index);
            }
        }
    }

    fn assign_var(&mut self, span: Span, name: &str) {
        if self.is_local(name) {
            return;
        }
        let kind = match self.env.resolve(name, self.plugin) {
            // Every top-level definition is a declared global, so it may be assigned (as in
            // JavaScript and Python): the contract rejects only assignments to undeclared names.
            Some(Global::Top(_)) => return,
            Some(Global::PluginFn(def)) => {
                self.errors.push(AuditError::AssignToDefinition {
                    span,
                    name: name.to_string(),
                    kind: "plugin fn",
                    defined: Some(def.name.span),
                });
                return;
            }
            Some(Global::Capability) => "capability",
            Some(Global::Prelude(_)) | Some(Global::Builtin(_)) => "builtin",
            None if CAPABILITIES.contains(&name) => "capability",
            None if name == "self" => "keyword",
            None => {
                let suggestion = suggest::closest(name, self.assignable_names());
                let slot_of = self.object.and_then(|o| self.slot_owner(o, name));
                let nested_fn = self.in_nested_fn();
                self.errors.push(AuditError::AssignUndeclared {
                    span,
                    name: name.to_string(),
                    suggestion,
                    slot_of,
                    method_of: self
                        .object
                        .filter(|_| !nested_fn)
                        .map(|o| o.name.name.clone()),
                    nested_fn,
                });
                return;
            }
        };
        self.errors.push(AuditError::AssignToDefinition {
            span,
            name: name.to_string(),
            kind,
            defined: None,
        });
    }

    /// Locals innermost first, then globals.
    fn local_names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev().copied())
    }

    fn assignable_names(&self) -> Vec<&'a str> {
        let mut names: Vec<&'a str> = self.local_names().collect();
        names.extend(self.env.defs.iter().filter_map(|def| match def {
            TopDef::Let(name) => Some(name.name.as_str()),
            _ => None,
        }));
        names
    }

    /// Resolves a name read as a value; reports it when it means nothing here.
    fn name(&mut self, span: Span, name: &str) {
        if name == "self" || self.is_local(name) || self.env.resolve(name, self.plugin).is_some() {
            return;
        }
        if CAPABILITIES.contains(&name) {
            self.errors.push(AuditError::UndeclaredCapability {
                span,
                name: name.to_string(),
            });
            return;
        }
        let slot_of = self.object.and_then(|o| self.slot_owner(o, name));
        let nested_fn = self.in_nested_fn();
        let mut candidates: Vec<&str> = self.local_names().collect();
        candidates.extend(self.env.visible_names(self.plugin));
        let suggestion = suggest::closest(name, candidates);
        self.errors.push(AuditError::UnknownName {
            span,
            name: name.to_string(),
            suggestion,
            slot_of,
            nested_fn,
        });
    }

    /// Inside a `fn` literal or nested `fn` of a method, where `self` is not the method's
    /// receiver (a plain call has `self = nil`).
    fn in_nested_fn(&self) -> bool {
        self.object.is_some() && self.functions.len() > 1
    }

    /// The object along `object`'s prototype chain that has a slot or method `name`.
    fn slot_owner(&self, object: &ObjectDef, name: &str) -> Option<String> {
        let mut current = Some(object);
        let mut steps = 0;
        while let Some(o) = current {
            let found = o.members.iter().any(|m| match m {
                ObjectMember::Slot { name: n, .. } => n.name == name,
                ObjectMember::Method(f) => f.name.name == name,
            });
            if found {
                return Some(o.name.name.clone());
            }
            steps += 1;
            if steps > self.env.objects.len() {
                return None; // a prototype cycle
            }
            current = o
                .proto
                .as_ref()
                .and_then(|p| self.env.objects.get(p.name.as_str()).copied());
        }
        None
    }

    fn expr(&mut self, expr: &'a Expr) {
        stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || self.expr_inner(expr));
    }

    fn expr_inner(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Nil { .. }
            | Expr::Bool { .. }
            | Expr::Int { .. }
            | Expr::Float { .. }
            | Expr::Str { .. }
            | Expr::SelfRef { .. } => {}
            Expr::List { items, .. } => items.iter().for_each(|e| self.expr(e)),
            Expr::Map { entries, .. } => entries.iter().for_each(|e| self.expr(&e.value)),
            Expr::Var { span, name } => self.name(*span, name),
            Expr::Unary { operand, .. } => self.expr(operand),
            Expr::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            Expr::Call { span, callee, args } => {
                self.expr(callee);
                if let Expr::Var { name, .. } = callee.as_ref() {
                    self.arity(*span, name, args.len());
                }
                args.iter().for_each(|e| self.expr(e));
            }
            Expr::Send { receiver, args, .. } => {
                self.expr(receiver);
                args.iter().for_each(|e| self.expr(e));
            }
            Expr::Field { object, .. } => self.expr(object),
            Expr::Index { object, index, .. } => {
                self.expr(object);
                self.expr(index);
            }
            Expr::Lambda { params, body, .. } => self.function(params, body),
        }
    }

    /// A direct call `name(args)` to a function the module or the language defines.
    fn arity(&mut self, span: Span, name: &str, found: usize) {
        if self.is_local(name) {
            return;
        }
        let (def, kind, in_module) = match self.env.resolve(name, self.plugin) {
            // An imported fn is defined in another file: no label can point there.
            Some(Global::Top(TopDef::Fn(def))) => (def, "function", !self.env.is_imported(name)),
            Some(Global::PluginFn(def)) => (def, "plugin fn", true),
            Some(Global::Prelude(def)) => (def, "builtin", false),
            Some(Global::Builtin(builtin)) => {
                if !builtin.accepts(found) {
                    self.errors.push(AuditError::Arity {
                        span,
                        name: name.to_string(),
                        kind: "builtin",
                        expected: builtin.arity_text(),
                        expected_one: builtin.min_args == 1
                            && builtin.max_args.is_none_or(|max| max == 1),
                        found,
                        signature: None,
                        defined: None,
                    });
                }
                return;
            }
            _ => return,
        };
        let expected = def.params.len();
        if expected != found {
            let params: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
            self.errors.push(AuditError::Arity {
                span,
                name: name.to_string(),
                kind,
                expected: expected.to_string(),
                expected_one: expected == 1,
                found,
                signature: Some(format!("{}({})", def.name.name, params.join(", "))),
                defined: in_module.then_some(def.name.span),
            });
        }
    }
}
