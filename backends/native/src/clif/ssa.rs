//! What the SSA construction in `clif.rs` needs to know about a function's locals, in one walk.
//!
//! LIR locals become plain Cranelift SSA values: the emitter keeps the current value of every
//! local and joins them with block parameters where control flow merges (after an `If`, at a
//! loop header, after a loop). A join needs a parameter only for a local that may be read later
//! without being set first; this walk finds, conservatively:
//!
//! - `unclean`: locals with a read that is not preceded, on every path since the start of the
//!   current iteration of its innermost loop (or the function entry), by a set of the local —
//!   such a read may see a value from before (the initial zero, or an earlier iteration);
//! - the first and last read position of each local, in preorder of statements, and the span of
//!   every `If` and `Loop` statement, so that "read outside this statement" is two comparisons.
//!
//! A local that is not unclean and has no read outside a statement is dead when that statement
//! ends (every later read is preceded by a set), so it needs no parameter there; outside every
//! loop, no read inside a statement can follow its end, so only reads outside it count. Everything here
//! is linear in the size of the function (sets inside nested `If`s count once per level).

use aura_lir::{Expr, Function, Stmt};
use std::collections::{HashMap, HashSet};

/// The facts about one function (see the module documentation).
pub(super) struct Facts {
    unclean: Vec<bool>,
    first_read: Vec<u32>,
    last_read: Vec<u32>,
    /// Preorder span `[start, end)` of each `If` and `Loop` statement, keyed by address.
    spans: HashMap<*const Stmt, (u32, u32)>,
}

impl Facts {
    pub(super) fn of(function: &Function) -> Facts {
        let count = function.params as usize + function.locals as usize;
        let mut walk = Walk {
            facts: Facts {
                unclean: vec![false; count],
                first_read: vec![u32::MAX; count],
                last_read: vec![0; count],
                spans: HashMap::new(),
            },
            assigned: vec![0; count],
            epoch: 1,
            epochs: 1,
            log: Vec::new(),
            stamp: vec![0; count],
            generation: 0,
            pos: 0,
            at: 0,
        };
        for local in 0..(function.params as usize).min(count) {
            walk.assigned[local] = 1;
        }
        walk.list(&function.body);
        walk.facts
    }

    /// The span of an `If` or `Loop` statement (the whole function if unknown: conservative).
    pub(super) fn span(&self, stmt: &Stmt) -> (u32, u32) {
        self.spans
            .get(&(stmt as *const Stmt))
            .copied()
            .unwrap_or((0, u32::MAX))
    }

    /// Whether `local` may be read after the statement spanning `span` without being set
    /// first: it is read outside the statement, or (inside a loop, `in_loop`) it is unclean.
    /// (Without an enclosing loop, control never comes back into the statement.)
    pub(super) fn live_after(&self, local: u32, span: (u32, u32), in_loop: bool) -> bool {
        let l = local as usize;
        let unclean = self.unclean.get(l).copied().unwrap_or(true);
        let first = self.first_read.get(l).copied().unwrap_or(0);
        let last = self.last_read.get(l).copied().unwrap_or(u32::MAX);
        (unclean && in_loop) || first < span.0 || last >= span.1
    }
}

struct Walk {
    facts: Facts,
    /// The epoch in which each local is definitely assigned (0: never); a loop body starts a
    /// fresh epoch, so nothing is assigned at its start.
    assigned: Vec<u32>,
    epoch: u32,
    epochs: u32,
    /// (local, previous `assigned`) for every change, to undo at the end of a branch or loop.
    log: Vec<(usize, u32)>,
    stamp: Vec<u32>,
    generation: u32,
    /// Preorder number of the next statement, and of the one whose expressions are being read.
    pos: u32,
    at: u32,
}

impl Walk {
    /// Returns whether the list ends control flow (a jump or return on every path).
    fn list(&mut self, stmts: &[Stmt]) -> bool {
        let mut terminated = false;
        for stmt in stmts {
            terminated |= self.stmt(stmt);
        }
        terminated
    }

    fn assign(&mut self, local: usize) {
        if let Some(a) = self.assigned.get_mut(local) {
            if *a != self.epoch {
                self.log.push((local, *a));
                *a = self.epoch;
            }
        }
    }

    fn rollback(&mut self, mark: usize) {
        while self.log.len() > mark {
            if let Some((local, old)) = self.log.pop() {
                self.assigned[local] = old;
            }
        }
    }

    /// The distinct locals assigned since `mark`.
    fn assigned_since(&mut self, mark: usize) -> Vec<usize> {
        self.generation = self.generation.wrapping_add(1);
        let mut out = Vec::new();
        for &(local, _) in &self.log[mark..] {
            if self.stamp[local] != self.generation {
                self.stamp[local] = self.generation;
                out.push(local);
            }
        }
        out
    }

    fn stmt(&mut self, stmt: &Stmt) -> bool {
        let start = self.pos;
        self.at = start;
        self.pos = self.pos.saturating_add(1);
        match stmt {
            Stmt::Set(local, expr) => {
                self.expr(expr);
                self.assign(*local as usize);
                false
            }
            Stmt::SetGlobal(_, expr) | Stmt::Expr(expr) => {
                self.expr(expr);
                false
            }
            Stmt::Store { addr, value, .. } => {
                self.expr(addr);
                self.expr(value);
                false
            }
            Stmt::Return(expr) => {
                self.expr(expr);
                true
            }
            Stmt::Break(_) | Stmt::Continue(_) => true,
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond);
                let mark = self.log.len();
                let then_ends = self.list(then);
                let then_set = self.assigned_since(mark);
                self.rollback(mark);
                let else_ends = self.list(otherwise);
                let else_set = self.assigned_since(mark);
                self.rollback(mark);
                let joined: Vec<usize> = match (then_ends, else_ends) {
                    (true, true) => Vec::new(),
                    (true, false) => else_set,
                    (false, true) => then_set,
                    (false, false) => {
                        // `stamp` still marks else_set (the last assigned_since).
                        let generation = self.generation;
                        then_set
                            .into_iter()
                            .filter(|&l| self.stamp[l] == generation)
                            .collect()
                    }
                };
                for local in joined {
                    self.assign(local);
                }
                self.facts
                    .spans
                    .insert(stmt as *const Stmt, (start, self.pos));
                then_ends && else_ends
            }
            Stmt::Loop(body) => {
                let mark = self.log.len();
                let outer = self.epoch;
                self.epochs = self.epochs.saturating_add(1);
                self.epoch = self.epochs;
                self.list(body);
                self.epoch = outer;
                self.rollback(mark);
                self.facts
                    .spans
                    .insert(stmt as *const Stmt, (start, self.pos));
                false
            }
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Local(local) => {
                let l = *local as usize;
                if l < self.assigned.len() {
                    if self.assigned[l] != self.epoch {
                        self.facts.unclean[l] = true;
                    }
                    let first = &mut self.facts.first_read[l];
                    *first = (*first).min(self.at);
                    let last = &mut self.facts.last_read[l];
                    *last = (*last).max(self.at);
                }
            }
            Expr::Load(e, _) => self.expr(e),
            Expr::Bin(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            Expr::CallRt(_, args) | Expr::Call(_, args) => {
                for a in args {
                    self.expr(a);
                }
            }
            Expr::Select(c, a, b) => {
                self.expr(c);
                self.expr(a);
                self.expr(b);
            }
            Expr::Const(_) | Expr::Global(_) | Expr::FnAddr(_) | Expr::DataAddr(_) => {}
        }
    }
}

/// The distinct locals set anywhere in `stmts`, in order of first set.
pub(super) fn assigned_in(stmts: &[Stmt], seen: &mut HashSet<u32>, out: &mut Vec<u32>) {
    for stmt in stmts {
        match stmt {
            Stmt::Set(local, _) if seen.insert(*local) => out.push(*local),
            Stmt::If {
                then, otherwise, ..
            } => {
                assigned_in(then, seen, out);
                assigned_in(otherwise, seen, out);
            }
            Stmt::Loop(body) => assigned_in(body, seen, out),
            _ => {}
        }
    }
}
