//! Which bindings of a function (and the functions nested in it) are captured by an inner
//! closure: the interpreter and the LIR lowering put exactly these in cells. Bindings are numbered
//! in the order a backend declares them: parameters, then `let`s after their value (a `let` whose
//! value is a fn literal before it), `for` variables after the iterated expression, nested `fn`
//! names before their body, a `try`'s catch name before its handler (its body counts as a function
//! of its own: the compiled backends outline it). Both backends walk in exactly this order.

use crate as uast;
use crate::visit::{walk_block, walk_expr, walk_stmt, walk_target, Visit};
use std::collections::HashSet;

/// Deep expressions (a UAST document may nest further than source can) grow the stack in
/// segments instead of overflowing it.
const RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// The captured bindings of a function with these parameters and body.
pub fn captured_in_fn(params: &[uast::Ident], body: &uast::Block) -> HashSet<u32> {
    let mut a = Analysis::default();
    a.function(params, body);
    a.captured
}

/// The captured bindings of an initialiser expression (its fn literals number from 0).
pub fn captured_in_expr(e: &uast::Expr) -> HashSet<u32> {
    let mut a = Analysis {
        level: 1,
        ..Analysis::default()
    };
    a.visit_expr(e);
    a.captured
}

#[derive(Default)]
struct Analysis<'a> {
    /// (name, binding id, function level)
    scopes: Vec<(&'a str, u32, u32)>,
    level: u32,
    next: u32,
    captured: HashSet<u32>,
}

impl<'a> Analysis<'a> {
    fn declare(&mut self, name: &'a str) {
        self.scopes.push((name, self.next, self.level));
        self.next += 1;
    }

    fn reference(&mut self, name: &str) {
        if let Some(&(_, id, level)) = self.scopes.iter().rev().find(|(n, _, _)| *n == name) {
            if level < self.level {
                let _ = self.captured.insert(id);
            }
        }
    }

    fn function(&mut self, params: &'a [uast::Ident], body: &'a uast::Block) {
        self.level += 1;
        let mark = self.scopes.len();
        for p in params {
            self.declare(&p.name);
        }
        self.visit_block(body);
        self.scopes.truncate(mark);
        self.level -= 1;
    }
}

impl<'a> Visit<'a> for Analysis<'a> {
    /// A nested `fn` statement: its name is visible in its own body.
    fn visit_fn(&mut self, def: &'a uast::FnDef) {
        self.declare(&def.name.name);
        self.function(&def.params, &def.body);
    }

    fn visit_block(&mut self, block: &'a uast::Block) {
        let mark = self.scopes.len();
        walk_block(self, block);
        self.scopes.truncate(mark);
    }

    fn visit_stmt(&mut self, stmt: &'a uast::Stmt) {
        match stmt {
            // `let f = fn(..) { .. }` may call itself, like a nested `fn f`.
            uast::Stmt::Let {
                name,
                value: uast::Expr::Lambda { params, body, .. },
                ..
            } => {
                self.declare(&name.name);
                self.function(params, body);
            }
            uast::Stmt::Let { name, value, .. } => {
                self.visit_expr(value);
                self.declare(&name.name);
            }
            uast::Stmt::For {
                var, iter, body, ..
            } => {
                self.visit_expr(iter);
                let mark = self.scopes.len();
                self.declare(&var.name);
                self.visit_block(body);
                self.scopes.truncate(mark);
            }
            // The compiled backends run a `try` body as a closure (`rt_try` calls it), so what
            // it uses of the function around it is captured; the catch name is declared before
            // the handler, which runs in the function itself.
            uast::Stmt::Try {
                body,
                name,
                handler,
                ..
            } => {
                self.function(&[], body);
                let mark = self.scopes.len();
                self.declare(&name.name);
                self.visit_block(handler);
                self.scopes.truncate(mark);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_target(&mut self, target: &'a uast::Target) {
        if let uast::Target::Var { name, .. } = target {
            self.reference(name);
        }
        walk_target(self, target);
    }

    fn visit_expr(&mut self, e: &'a uast::Expr) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || match e {
            uast::Expr::Var { name, .. } => self.reference(name),
            uast::Expr::Lambda { params, body, .. } => self.function(params, body),
            _ => walk_expr(self, e),
        })
    }
}
