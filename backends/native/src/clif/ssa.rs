//! What the SSA construction in `clif.rs` needs to know about a function's locals, in one walk.
//!
//! LIR locals become plain Cranelift SSA values: the emitter keeps the current value of every
//! local and joins them with block parameters where control flow merges (after an `If`, at a
//! loop header, after a loop). A join needs a parameter only for a local that may be read later
//! without being set first; this walk finds, conservatively:
//!
//! - for each loop, the locals with a read inside it that is not preceded, on every path since
//!   the start of the loop's current iteration, by a set of the local — such a read may see a
//!   value from an earlier iteration (or from before the loop); outside loops, a read before any
//!   set sees the initial zero and needs no join;
//! - the first and last read position of each local, in preorder of statements, and the span of
//!   every `If` and `Loop` statement, so that "read outside this statement" is two comparisons.
//!
//! A local with no read outside a statement, and not unclean for any loop around the statement,
//! is dead when that statement ends: control can only come back into the statement through the
//! start of an iteration of such a loop, and every read is preceded by a set since then. Everything here
//! is linear in the size of the function (sets inside nested `If`s count once per level).

use aura_lir::{Expr, Function, Stmt};
use std::collections::{HashMap, HashSet};

/// The facts about one function (see the module documentation).
pub(super) struct Facts {
    first_read: Vec<u32>,
    last_read: Vec<u32>,
    /// Preorder span `[start, end)` of each `If` and `Loop` statement, keyed by address.
    spans: HashMap<*const Stmt, (u32, u32)>,
    /// The unclean locals of each loop, keyed by address.
    unclean: HashMap<*const Stmt, HashSet<u32>>,
}

/// No unclean locals.
static NONE: std::sync::LazyLock<HashSet<u32>> = std::sync::LazyLock::new(HashSet::new);

impl Facts {
    pub(super) fn of(function: &Function) -> Facts {
        let count = function.params as usize + function.locals as usize;
        let mut walk = Walk {
            facts: Facts {
                first_read: vec![u32::MAX; count],
                last_read: vec![0; count],
                spans: HashMap::new(),
                unclean: HashMap::new(),
            },
            assigned: vec![None; count],
            loops: Vec::new(),
            log: Vec::new(),
            stamp: vec![0; count],
            generation: 0,
            pos: 0,
            at: 0,
        };
        for local in 0..(function.params as usize).min(count) {
            walk.assigned[local] = Some(0);
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

    /// The unclean locals of a `Loop` statement (by address).
    pub(super) fn unclean(&self, stmt: *const Stmt) -> &HashSet<u32> {
        self.unclean.get(&stmt).unwrap_or(&NONE)
    }

    /// Whether `local` is read outside the statement spanning `span`.
    pub(super) fn read_outside(&self, local: u32, span: (u32, u32)) -> bool {
        let l = local as usize;
        let first = self.first_read.get(l).copied().unwrap_or(0);
        let last = self.last_read.get(l).copied().unwrap_or(u32::MAX);
        first < span.0 || last >= span.1
    }
}

struct Walk {
    facts: Facts,
    /// For each local definitely assigned on every path to here: the deepest loop level (0:
    /// outside loops) of such a set in the current iterations. It is assigned since the start of
    /// the current iteration of the loops at that level and above, not of the deeper ones.
    assigned: Vec<Option<u32>>,
    /// The loops around the current statement, outermost first.
    loops: Vec<*const Stmt>,
    /// (local, previous `assigned`) for every change, to undo at the end of a branch or loop.
    log: Vec<(usize, Option<u32>)>,
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
        let level = Some(self.loops.len() as u32);
        if let Some(a) = self.assigned.get_mut(local) {
            if *a != level {
                self.log.push((local, *a));
                *a = level;
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
                self.facts
                    .unclean
                    .insert(stmt as *const Stmt, HashSet::new());
                self.loops.push(stmt as *const Stmt);
                self.list(body);
                self.loops.pop();
                self.rollback(mark);
                self.facts
                    .spans
                    .insert(stmt as *const Stmt, (start, self.pos));
                false
            }
        }
    }

    fn expr(&mut self, expr: &Expr) {
        expr.walk(&mut |e| {
            if let Expr::Local(local) = e {
                self.read(*local);
            }
        });
    }

    fn read(&mut self, local: u32) {
        let l = local as usize;
        if l < self.assigned.len() {
            // Unclean for the loops deeper than the level of the last definite set.
            let from = self.assigned[l].map_or(0, |a| a as usize);
            for key in self.loops.iter().skip(from) {
                if let Some(set) = self.facts.unclean.get_mut(key) {
                    set.insert(local);
                }
            }
            let first = &mut self.facts.first_read[l];
            *first = (*first).min(self.at);
            let last = &mut self.facts.last_read[l];
            *last = (*last).max(self.at);
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
