//! Name facts the lowering needs beyond captures (those come from `aura_uast::captures`, shared
//! with the interpreter).

use aura_uast as uast;
use std::collections::HashSet;

/// Every name that some statement of `module` assigns with `name = ...`, wherever it is. A
/// top-level function whose name is in here never gets direct calls (conservative: a local of
/// the same name also counts).
pub(crate) fn assigned_names(module: &uast::Module, out: &mut HashSet<String>) {
    let mut walk = AssignWalk { out };
    for item in &module.items {
        match item {
            uast::Item::Uses { .. } | uast::Item::Import { .. } => {}
            uast::Item::Let { value, .. } => walk.expr(value),
            uast::Item::Fn(def) => walk.block(&def.body),
            uast::Item::Object(def) => {
                for m in &def.members {
                    match m {
                        uast::ObjectMember::Slot { value, .. } => walk.expr(value),
                        uast::ObjectMember::Method(f) => walk.block(&f.body),
                    }
                }
            }
            uast::Item::Plugin(def) => {
                for m in &def.members {
                    match m {
                        uast::PluginMember::Fn(f) => walk.block(&f.body),
                        uast::PluginMember::Route(r) => walk.block(&r.body),
                    }
                }
            }
        }
    }
}

struct AssignWalk<'o> {
    out: &'o mut HashSet<String>,
}

impl AssignWalk<'_> {
    fn block(&mut self, b: &uast::Block) {
        for s in &b.stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &uast::Stmt) {
        match s {
            uast::Stmt::Let { value, .. } => self.expr(value),
            uast::Stmt::Assign { target, value, .. } => {
                match target {
                    uast::Target::Var { name, .. } => {
                        let _ = self.out.insert(name.clone());
                    }
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
            uast::Stmt::For { iter, body, .. } => {
                self.expr(iter);
                self.block(body);
            }
            uast::Stmt::Return { value, .. } => {
                if let Some(v) = value {
                    self.expr(v);
                }
            }
            uast::Stmt::Try { body, handler, .. } => {
                self.block(body);
                self.block(handler);
            }
            uast::Stmt::Break { .. } | uast::Stmt::Continue { .. } => {}
            uast::Stmt::Fn(def) => self.block(&def.body),
            uast::Stmt::Expr { expr, .. } => self.expr(expr),
        }
    }

    fn expr(&mut self, e: &uast::Expr) {
        match e {
            uast::Expr::List { items, .. } => items.iter().for_each(|i| self.expr(i)),
            uast::Expr::Map { entries, .. } => entries.iter().for_each(|en| self.expr(&en.value)),
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
            uast::Expr::Lambda { body, .. } => self.block(body),
            _ => {}
        }
    }
}
