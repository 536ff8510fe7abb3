//! A read-only visitor over the UAST, in the spirit of Gleam's `ast/visit.rs`: a walk overrides the
//! `visit_*` methods for the nodes it cares about and calls the matching `walk_*` function to go
//! on into the children; everything else is walked for it, in source order. A new kind of node is
//! then added here once instead of in every walk.
//!
//! Expressions nest as deeply as a UAST document does (deeper than source can): [`walk_expr`]
//! grows the stack in segments instead of overflowing it.

use crate::{Block, Expr, FnDef, Item, Module, ObjectMember, PluginMember, RouteDef, Stmt, Target};

/// Stack kept free before an expression's children are visited, and the size of each new segment.
const RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// Called for every node of a UAST; each method's default walks into the node's children.
pub trait Visit<'ast> {
    fn visit_module(&mut self, module: &'ast Module) {
        walk_module(self, module);
    }
    fn visit_item(&mut self, item: &'ast Item) {
        walk_item(self, item);
    }
    /// A top-level function, a method, a plugin helper or a nested `fn` statement.
    fn visit_fn(&mut self, def: &'ast FnDef) {
        walk_fn(self, def);
    }
    fn visit_route(&mut self, route: &'ast RouteDef) {
        walk_route(self, route);
    }
    fn visit_block(&mut self, block: &'ast Block) {
        walk_block(self, block);
    }
    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        walk_stmt(self, stmt);
    }
    fn visit_target(&mut self, target: &'ast Target) {
        walk_target(self, target);
    }
    fn visit_expr(&mut self, expr: &'ast Expr) {
        walk_expr(self, expr);
    }
}

pub fn walk_module<'ast, V: Visit<'ast> + ?Sized>(v: &mut V, module: &'ast Module) {
    for item in &module.items {
        v.visit_item(item);
    }
}

pub fn walk_item<'ast, V: Visit<'ast> + ?Sized>(v: &mut V, item: &'ast Item) {
    match item {
        Item::Uses { .. } | Item::Import { .. } => {}
        Item::Let { value, .. } => v.visit_expr(value),
        Item::Fn(def) => v.visit_fn(def),
        Item::Object(object) => {
            for member in &object.members {
                match member {
                    ObjectMember::Slot { value, .. } => v.visit_expr(value),
                    ObjectMember::Method(def) => v.visit_fn(def),
                }
            }
        }
        Item::Plugin(plugin) => {
            for member in &plugin.members {
                match member {
                    PluginMember::Route(route) => v.visit_route(route),
                    PluginMember::Fn(def) => v.visit_fn(def),
                }
            }
        }
    }
}

pub fn walk_fn<'ast, V: Visit<'ast> + ?Sized>(v: &mut V, def: &'ast FnDef) {
    v.visit_block(&def.body);
}

pub fn walk_route<'ast, V: Visit<'ast> + ?Sized>(v: &mut V, route: &'ast RouteDef) {
    v.visit_block(&route.body);
}

pub fn walk_block<'ast, V: Visit<'ast> + ?Sized>(v: &mut V, block: &'ast Block) {
    for stmt in &block.stmts {
        v.visit_stmt(stmt);
    }
}

/// The children of a statement in evaluation order (an assignment's target before its value).
pub fn walk_stmt<'ast, V: Visit<'ast> + ?Sized>(v: &mut V, stmt: &'ast Stmt) {
    match stmt {
        Stmt::Let { value, .. } => v.visit_expr(value),
        Stmt::Assign { target, value, .. } => {
            v.visit_target(target);
            v.visit_expr(value);
        }
        Stmt::If {
            cond,
            then,
            otherwise,
            ..
        } => {
            v.visit_expr(cond);
            v.visit_block(then);
            if let Some(block) = otherwise {
                v.visit_block(block);
            }
        }
        Stmt::While { cond, body, .. } => {
            v.visit_expr(cond);
            v.visit_block(body);
        }
        Stmt::For { iter, body, .. } => {
            v.visit_expr(iter);
            v.visit_block(body);
        }
        Stmt::Try { body, handler, .. } => {
            v.visit_block(body);
            v.visit_block(handler);
        }
        Stmt::Return { value, .. } => {
            if let Some(value) = value {
                v.visit_expr(value);
            }
        }
        Stmt::Break { .. } | Stmt::Continue { .. } => {}
        Stmt::Fn(def) => v.visit_fn(def),
        Stmt::Expr { expr, .. } => v.visit_expr(expr),
    }
}

/// The expressions inside an assignment's target (a plain variable has none).
pub fn walk_target<'ast, V: Visit<'ast> + ?Sized>(v: &mut V, target: &'ast Target) {
    match target {
        Target::Var { .. } => {}
        Target::Field { object, .. } => v.visit_expr(object),
        Target::Index { object, index, .. } => {
            v.visit_expr(object);
            v.visit_expr(index);
        }
    }
}

/// The children of an expression in evaluation order.
pub fn walk_expr<'ast, V: Visit<'ast> + ?Sized>(v: &mut V, expr: &'ast Expr) {
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || match expr {
        Expr::Nil { .. }
        | Expr::Bool { .. }
        | Expr::Int { .. }
        | Expr::Float { .. }
        | Expr::Str { .. }
        | Expr::Var { .. }
        | Expr::SelfRef { .. } => {}
        Expr::List { items, .. } => items.iter().for_each(|item| v.visit_expr(item)),
        Expr::Map { entries, .. } => entries.iter().for_each(|entry| v.visit_expr(&entry.value)),
        Expr::Unary { operand, .. } => v.visit_expr(operand),
        Expr::Binary { lhs, rhs, .. } => {
            v.visit_expr(lhs);
            v.visit_expr(rhs);
        }
        Expr::Call { callee, args, .. } => {
            v.visit_expr(callee);
            args.iter().for_each(|arg| v.visit_expr(arg));
        }
        Expr::Send { receiver, args, .. } => {
            v.visit_expr(receiver);
            args.iter().for_each(|arg| v.visit_expr(arg));
        }
        Expr::Field { object, .. } => v.visit_expr(object),
        Expr::Index { object, index, .. } => {
            v.visit_expr(object);
            v.visit_expr(index);
        }
        Expr::Lambda { body, .. } => v.visit_block(body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ident, MapEntry, Span};

    fn ident(name: &str) -> Ident {
        Ident {
            span: Span::default(),
            name: name.to_string(),
        }
    }

    fn var(name: &str) -> Expr {
        Expr::Var {
            span: Span::default(),
            name: name.to_string(),
        }
    }

    fn block(stmts: Vec<Stmt>) -> Block {
        Block {
            span: Span::default(),
            stmts,
        }
    }

    /// Every variable read, in the order the default walks meet them; `Let` values only.
    #[derive(Default)]
    struct Reads(Vec<String>);

    impl<'ast> Visit<'ast> for Reads {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if let Expr::Var { name, .. } = expr {
                self.0.push(name.clone());
            }
            walk_expr(self, expr);
        }
    }

    #[test]
    fn default_walks_reach_every_expression_in_order() {
        let span = Span::default();
        // fn f(a) { let l = [a, {k: b}]; l[i] = fn(x) { c }; for x in d { e.m(g) } }
        // let h = -(j + k)
        let module = Module {
            items: vec![
                Item::Fn(FnDef {
                    span,
                    name: ident("f"),
                    params: vec![ident("a")],
                    body: block(vec![
                        Stmt::Let {
                            span,
                            name: ident("l"),
                            value: Expr::List {
                                span,
                                items: vec![
                                    var("a"),
                                    Expr::Map {
                                        span,
                                        entries: vec![MapEntry {
                                            span,
                                            key: "k".into(),
                                            value: var("b"),
                                        }],
                                    },
                                ],
                            },
                        },
                        Stmt::Assign {
                            span,
                            target: Target::Index {
                                span,
                                object: var("l"),
                                index: var("i"),
                            },
                            value: Expr::Lambda {
                                span,
                                params: vec![ident("x")],
                                body: block(vec![Stmt::Expr {
                                    span,
                                    expr: var("c"),
                                }]),
                            },
                        },
                        Stmt::For {
                            span,
                            var: ident("x"),
                            iter: var("d"),
                            body: block(vec![Stmt::Expr {
                                span,
                                expr: Expr::Send {
                                    span,
                                    receiver: Box::new(var("e")),
                                    method: ident("m"),
                                    args: vec![var("g")],
                                },
                            }]),
                        },
                    ]),
                }),
                Item::Let {
                    span,
                    name: ident("h"),
                    value: Expr::Unary {
                        span,
                        op: crate::UnaryOp::Neg,
                        operand: Box::new(Expr::Binary {
                            span,
                            op: crate::BinaryOp::Add,
                            lhs: Box::new(var("j")),
                            rhs: Box::new(var("k")),
                        }),
                    },
                },
            ],
            source: None,
            item_sources: Vec::new(),
        };
        let mut reads = Reads::default();
        reads.visit_module(&module);
        assert_eq!(reads.0, ["a", "b", "l", "i", "c", "d", "e", "g", "j", "k"]);
    }
}
