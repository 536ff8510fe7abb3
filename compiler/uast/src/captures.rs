//! Which bindings of a function (and the functions nested in it) are captured by an inner
//! closure: the interpreter and the LIR lowering put exactly these in cells. Bindings are numbered
//! in the order a backend declares them: parameters, then `let`s after their value (a `let` whose
//! value is a fn literal before it), `for` variables after the iterated expression, nested `fn`
//! names before their body. Both backends walk in exactly this order.

use crate as uast;
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
    a.expr(e);
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
        self.block(body);
        self.scopes.truncate(mark);
        self.level -= 1;
    }

    fn block(&mut self, block: &'a uast::Block) {
        let mark = self.scopes.len();
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
        self.scopes.truncate(mark);
    }

    fn stmt(&mut self, stmt: &'a uast::Stmt) {
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
                self.expr(value);
                self.declare(&name.name);
            }
            uast::Stmt::Assign { target, value, .. } => {
                match target {
                    uast::Target::Var { name, .. } => self.reference(name),
                    uast::Target::Field { object, .. } => self.expr(object),
                    uast::Target::Index { object, index, .. } => {
                        self.expr(object);
                        self.expr(index);
                    }
                }
                self.expr(value);
            }
            uast::Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                self.expr(cond);
                self.block(then);
                if let Some(b) = otherwise {
                    self.block(b);
                }
            }
            uast::Stmt::While { cond, body, .. } => {
                self.expr(cond);
                self.block(body);
            }
            uast::Stmt::For {
                var, iter, body, ..
            } => {
                self.expr(iter);
                let mark = self.scopes.len();
                self.declare(&var.name);
                self.block(body);
                self.scopes.truncate(mark);
            }
            uast::Stmt::Return { value, .. } => {
                if let Some(v) = value {
                    self.expr(v);
                }
            }
            uast::Stmt::Break { .. } | uast::Stmt::Continue { .. } => {}
            uast::Stmt::Fn(def) => {
                self.declare(&def.name.name);
                self.function(&def.params, &def.body);
            }
            uast::Stmt::Expr { expr, .. } => self.expr(expr),
        }
    }

    fn expr(&mut self, e: &'a uast::Expr) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &'a uast::Expr) {
        match e {
            uast::Expr::Nil { .. }
            | uast::Expr::Bool { .. }
            | uast::Expr::Int { .. }
            | uast::Expr::Float { .. }
            | uast::Expr::Str { .. }
            | uast::Expr::SelfRef { .. } => {}
            uast::Expr::List { items, .. } => items.iter().for_each(|i| self.expr(i)),
            uast::Expr::Map { entries, .. } => entries.iter().for_each(|en| self.expr(&en.value)),
            uast::Expr::Var { name, .. } => self.reference(name),
            uast::Expr::Unary { operand, .. } => self.expr(operand),
            uast::Expr::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            uast::Expr::Call { callee, args, .. } => {
                self.expr(callee);
                args.iter().for_each(|a| self.expr(a));
            }
            uast::Expr::Send { receiver, args, .. } => {
                self.expr(receiver);
                args.iter().for_each(|a| self.expr(a));
            }
            uast::Expr::Field { object, .. } => self.expr(object),
            uast::Expr::Index { object, index, .. } => {
                self.expr(object);
                self.expr(index);
            }
            uast::Expr::Lambda { params, body, .. } => self.function(params, body),
        }
    }
}
