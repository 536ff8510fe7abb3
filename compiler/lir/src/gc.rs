//! Roots and safepoints for the runtime's collector (`spec/abi.md`, "Memory model"): a pass over
//! the lowered program, run at the end of [`crate::lower`].
//!
//! - **Shadow frames.** Every function except the generic entries (which only move their
//!   arguments into a direct call) gets a frame of words on the shadow stack, one per local that
//!   may hold a value (its parameters, and the locals some `Set` gives a value that is not plainly
//!   raw: a `Bin`, a code or data address) and that is read after a safepoint it was set before
//!   (parameters: read at all; see [`Across`]). The prologue claims the frame (LIR global
//!   `shadow top`, checked against `shadow limit`), stores the parameters and zeroes the other
//!   slots; before every safepoint the locals set since their last store are written to their
//!   slots ([`Spiller`]); every `Return` gives the frame back. Reads stay in locals: the
//!   collector never moves a value.
//! - **No hidden temporaries.** Within a statement, an operand evaluated before a later sibling
//!   that calls anything is hoisted into a fresh shadowed local first, so no value lives only on
//!   the wasm value stack or in a register across a call.
//! - **Safepoints.** The runtime calls `aura_gc_request` (registered by `aura_init` with
//!   `rt_gc_hook`) when a collection is due; it sets the LIR global `gc due` and the depth limit
//!   to -1. Direct Aura functions poll through their depth check, moved after the frame's
//!   stores (its slow path calls `aura_gc` unless the saved limit is really passed); loops poll
//!   `gc due` where an iteration may reach a call ([`Poller`]). `aura_gc`, a generated function,
//!   pushes the module's globals (roots) as its own frame, calls `rt_gc_collect(shadow top,
//!   argument stack top)`, then clears `gc due` and restores the depth limit.

use crate::ir::*;
use crate::runtime::{Core, RtFn, NIL};
use std::collections::BTreeMap;

/// The LIR globals the pass adds (after the lowering's own).
#[derive(Clone, Copy, Debug)]
struct Globals {
    top: u32,
    limit: u32,
    /// Non-zero when a collection is due (set by `aura_gc_request`, cleared by `aura_gc`).
    flag: u32,
    /// The depth limit: [`MAX_DEPTH_GLOBAL`] holds it too, except while a collection is due.
    max_depth: u32,
}

/// Operands that need no temporary: constants and locals (shadowed when they hold values).
fn trivial(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Const(_) | Expr::Local(_) | Expr::FnAddr(_) | Expr::DataAddr(_)
    )
}

/// Whether a `Set` of this expression may store a heap value (else the local needs no slot for
/// it).
fn may_be_value(e: &Expr) -> bool {
    !matches!(e, Expr::Bin(..) | Expr::FnAddr(_) | Expr::DataAddr(_))
}

struct Hoister<'a> {
    next_local: &'a mut u32,
    hoisted: &'a mut Vec<Local>,
}

impl Hoister<'_> {
    fn fresh(&mut self) -> Local {
        let l = *self.next_local;
        *self.next_local += 1;
        self.hoisted.push(l);
        l
    }

    /// Operands in evaluation order: each one followed by a sibling that calls is hoisted.
    fn operands(&mut self, ops: Vec<Expr>, pre: &mut Vec<Stmt>) -> Vec<Expr> {
        let calls: Vec<bool> = ops.iter().map(Expr::has_call).collect();
        let mut out = Vec::with_capacity(ops.len());
        for (i, op) in ops.into_iter().enumerate() {
            let op = self.expr(op, pre);
            let later_call = calls.iter().skip(i + 1).any(|c| *c);
            if later_call && !trivial(&op) {
                let t = self.fresh();
                pre.push(Stmt::Set(t, op));
                out.push(Expr::Local(t));
            } else {
                out.push(op);
            }
        }
        out
    }

    fn expr(&mut self, e: Expr, pre: &mut Vec<Stmt>) -> Expr {
        if !e.has_call() {
            return e;
        }
        match e {
            Expr::CallRt(f, args) => Expr::CallRt(f, self.operands(args, pre)),
            Expr::Call(f, args) => Expr::Call(f, self.operands(args, pre)),
            Expr::Load(a, off) => Expr::Load(Box::new(self.expr(*a, pre)), off),
            Expr::Bin(op, a, b) => {
                let mut v = self.operands(vec![*a, *b], pre);
                let b = v.pop().unwrap_or(Expr::Const(0));
                let a = v.pop().unwrap_or(Expr::Const(0));
                Expr::Bin(op, Box::new(a), Box::new(b))
            }
            // `Select` operands never call (verify checks it).
            other => other,
        }
    }

    fn stmts(&mut self, stmts: Vec<Stmt>) -> Vec<Stmt> {
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            match s {
                Stmt::Set(l, e) => {
                    let e = self.expr(e, &mut out);
                    out.push(Stmt::Set(l, e));
                }
                Stmt::SetGlobal(g, e) => {
                    let e = self.expr(e, &mut out);
                    out.push(Stmt::SetGlobal(g, e));
                }
                Stmt::Store {
                    addr,
                    offset,
                    value,
                } => {
                    let mut v = self.operands(vec![addr, value], &mut out);
                    let value = v.pop().unwrap_or(Expr::Const(0));
                    let addr = v.pop().unwrap_or(Expr::Const(0));
                    out.push(Stmt::Store {
                        addr,
                        offset,
                        value,
                    });
                }
                Stmt::Expr(e) => {
                    let e = self.expr(e, &mut out);
                    out.push(Stmt::Expr(e));
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let cond = self.expr(cond, &mut out);
                    let then = self.stmts(then);
                    let otherwise = self.stmts(otherwise);
                    out.push(Stmt::If {
                        cond,
                        then,
                        otherwise,
                    });
                }
                Stmt::Loop(body) => out.push(Stmt::Loop(self.stmts(body))),
                Stmt::Return(e) => {
                    let e = self.expr(e, &mut out);
                    out.push(Stmt::Return(e));
                }
                other @ (Stmt::Break(_) | Stmt::Continue(_)) => out.push(other),
            }
        }
        out
    }
}

/// Marks every local the statements read.
fn collect_reads(stmts: &[Stmt], read: &mut [bool]) {
    walk_stmts(stmts, &mut |e| {
        if let Expr::Local(l) = e {
            if let Some(r) = read.get_mut(*l as usize) {
                *r = true;
            }
        }
    });
}

/// Marks every local some `Set` in `stmts` (nested blocks included) gives an expression `keep`
/// accepts.
fn collect_sets(stmts: &[Stmt], keep: fn(&Expr) -> bool, set: &mut [bool]) {
    for s in stmts {
        match s {
            Stmt::Set(l, e) if keep(e) => {
                if let Some(x) = set.get_mut(*l as usize) {
                    *x = true;
                }
            }
            Stmt::If {
                then, otherwise, ..
            } => {
                collect_sets(then, keep, set);
                collect_sets(otherwise, keep, set);
            }
            Stmt::Loop(body) => collect_sets(body, keep, set),
            _ => {}
        }
    }
}

/// Which locals hold a value across a safepoint: a forward pass over the structured body that
/// tracks, on every path, the locals that may still hold a value set before the latest
/// safepoint ("stale"); a read of a stale local means its value lived across a safepoint, so it
/// keeps a shadow slot. Every call (compiled or runtime) is a safepoint, and so is the head of
/// every loop (it polls). An operand that is a plain local is read when its consumer runs, after
/// its later siblings (whose calls may collect); the arguments of a call are read by the call
/// itself, which stores them in its own frame (a compiled callee) or pushes them as roots (a
/// runtime function that calls back into compiled code) before any safepoint.
#[derive(Clone, PartialEq)]
struct Flow {
    /// Locals some path may have set so far.
    set: Vec<bool>,
    /// Locals that may hold a value from before the latest safepoint.
    stale: Vec<bool>,
}

impl Flow {
    fn join(a: Option<Flow>, b: Option<Flow>) -> Option<Flow> {
        match (a, b) {
            (Some(mut a), Some(b)) => {
                for (x, y) in a.set.iter_mut().zip(&b.set) {
                    *x |= *y;
                }
                for (x, y) in a.stale.iter_mut().zip(&b.stale) {
                    *x |= *y;
                }
                Some(a)
            }
            (a, None) => a,
            (None, b) => b,
        }
    }
}

struct Across {
    across: Vec<bool>,
    /// For each enclosing loop (innermost last): the joined states of its `Break`s.
    breaks: Vec<Option<Flow>>,
}

impl Across {
    fn safepoint(flow: &mut Flow) {
        flow.stale.clone_from(&flow.set);
    }

    fn read(&mut self, flow: &Flow, l: Local) {
        if flow.stale.get(l as usize).copied().unwrap_or(false) {
            if let Some(a) = self.across.get_mut(l as usize) {
                *a = true;
            }
        }
    }

    fn operands<'e>(&mut self, flow: &mut Flow, ops: impl IntoIterator<Item = &'e Expr>) {
        let mut pending = Vec::new();
        for op in ops {
            match op {
                Expr::Local(l) => pending.push(*l),
                other => self.expr(flow, other),
            }
        }
        for l in pending {
            self.read(flow, l);
        }
    }

    fn expr(&mut self, flow: &mut Flow, e: &Expr) {
        match e {
            Expr::Local(l) => self.read(flow, *l),
            Expr::Load(a, _) | Expr::IntToFloat(a) => self.expr(flow, a),
            Expr::Bin(_, a, b) => self.operands(flow, [&**a, &**b]),
            Expr::Select(c, a, b) => self.operands(flow, [&**c, &**a, &**b]),
            Expr::CallRt(_, args) | Expr::Call(_, args) => {
                self.operands(flow, args);
                Self::safepoint(flow);
            }
            Expr::Const(_) | Expr::Global(_) | Expr::FnAddr(_) | Expr::DataAddr(_) => {}
        }
    }

    /// The state after `stmts` run from `flow` (`None`: no path falls through).
    fn stmts(&mut self, mut flow: Flow, stmts: &[Stmt]) -> Option<Flow> {
        for s in stmts {
            match s {
                Stmt::Set(l, e) => {
                    self.expr(&mut flow, e);
                    if let Some(x) = flow.set.get_mut(*l as usize) {
                        *x = true;
                    }
                    if let Some(x) = flow.stale.get_mut(*l as usize) {
                        *x = false;
                    }
                }
                Stmt::SetGlobal(_, e) | Stmt::Expr(e) => self.expr(&mut flow, e),
                Stmt::Return(e) => {
                    self.expr(&mut flow, e);
                    return None;
                }
                Stmt::Store { addr, value, .. } => self.operands(&mut flow, [addr, value]),
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    self.expr(&mut flow, cond);
                    let a = self.stmts(flow.clone(), then);
                    let b = self.stmts(flow, otherwise);
                    flow = Flow::join(a, b)?;
                }
                Stmt::Loop(body) => {
                    // At the head (a poll) every local set before or anywhere in the body may
                    // hold a value from before it, whichever iteration this is.
                    let mut head = flow;
                    collect_sets(body, |_| true, &mut head.set);
                    Self::safepoint(&mut head);
                    self.breaks.push(None);
                    let _ = self.stmts(head, body);
                    flow = self.breaks.pop().flatten()?;
                }
                Stmt::Break(depth) => {
                    let n = self.breaks.len();
                    if let Some(slot) = n
                        .checked_sub(1 + *depth as usize)
                        .and_then(|i| self.breaks.get_mut(i))
                    {
                        *slot = Flow::join(slot.take(), Some(flow));
                    }
                    return None;
                }
                // The target loop's head already assumes every local set in it is stale.
                Stmt::Continue(_) => return None,
            }
        }
        Some(flow)
    }
}

/// Places the loop polls (`spec/abi.md`, "Memory model", "Safepoints"): every iteration of a
/// loop that may reach a call polls before it. Only calls allocate (the runtime's functions) or
/// reach code that does; a direct Aura function polls on entry itself, so a call of one needs no
/// poll of its own. A loop body that reaches such a call on every iteration (a statement of the
/// body itself calls) polls at its head; any other polls just before each statement that calls
/// (in the branches of its `if`s: the slow paths of arithmetic), once per straight run of
/// statements. A loop that calls nothing (a counted loop of small-int arithmetic) never polls:
/// it allocates nothing, so no collection can become due while it runs.
struct Poller<'a> {
    flag: u32,
    gc_fn: FnId,
    /// Which functions poll on entry (direct Aura functions).
    polls_on_entry: &'a [bool],
}

impl Poller<'_> {
    fn poll(&self) -> Stmt {
        poll(self.flag, self.gc_fn)
    }

    fn expr_calls(&self, e: &Expr) -> bool {
        let mut calls = false;
        e.walk(&mut |x| match x {
            Expr::CallRt(..) => calls = true,
            Expr::Call(f, _)
                if !self
                    .polls_on_entry
                    .get(f.0 as usize)
                    .copied()
                    .unwrap_or(false) =>
            {
                calls = true
            }
            _ => {}
        });
        calls
    }

    /// Whether the statement's own expressions (not those of nested blocks, except an `if`'s
    /// condition) reach a call that needs a poll before it.
    fn calls(&self, s: &Stmt) -> bool {
        match s {
            Stmt::Set(_, e) | Stmt::SetGlobal(_, e) | Stmt::Expr(e) | Stmt::Return(e) => {
                self.expr_calls(e)
            }
            Stmt::Store { addr, value, .. } => self.expr_calls(addr) || self.expr_calls(value),
            Stmt::If { cond, .. } => self.expr_calls(cond),
            Stmt::Loop(_) | Stmt::Break(_) | Stmt::Continue(_) => false,
        }
    }

    /// `covered`: this iteration has already polled since its last call on every path here (or
    /// the statements are outside any loop).
    fn stmts(&self, stmts: Vec<Stmt>, mut covered: bool) -> Vec<Stmt> {
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            if !covered && self.calls(&s) {
                out.push(self.poll());
                covered = true;
            }
            match s {
                Stmt::Loop(body) => {
                    let every_iteration = body.iter().any(|s| self.calls(s));
                    let mut b = Vec::with_capacity(body.len() + 1);
                    if every_iteration {
                        b.push(self.poll());
                    }
                    b.extend(self.stmts(body, every_iteration));
                    out.push(Stmt::Loop(b));
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => out.push(Stmt::If {
                    cond,
                    then: self.stmts(then, covered),
                    otherwise: self.stmts(otherwise, covered),
                }),
                other => out.push(other),
            }
        }
        out
    }
}

/// `if flag { aura_gc() }`: one global read and a branch.
fn poll(flag: u32, gc_fn: FnId) -> Stmt {
    Stmt::If {
        cond: Expr::Global(flag),
        then: vec![Stmt::Expr(Expr::Call(gc_fn, vec![]))],
        otherwise: Vec::new(),
    }
}

/// Writes the shadowed locals to their slots just before each safepoint, not at every `Set`: a
/// forward pass over the structured body tracks the locals that may hold a value not yet in
/// their slot ("dirty": set by a `Set` whose result may be a value since their last store) and
/// stores those before every statement whose own expressions call (a compiled function, the
/// runtime, or `aura_gc` inside a poll). So a loop whose calls are all on slow paths (a counted
/// loop of small-int arithmetic) stores nothing on its fast path. A raw result (a `Bin`, an
/// address) clears the mark: what the slot still holds stays a live value (kept a little
/// longer), never a dangling one, since the slot kept it alive through every collection since
/// it was stored.
struct Spiller<'a> {
    fp: Local,
    slots: &'a BTreeMap<Local, u32>,
    /// For each enclosing loop (innermost last): the joined states of its `Break`s, and of its
    /// `Continue`s.
    breaks: Vec<Option<Vec<bool>>>,
    continues: Vec<Option<Vec<bool>>>,
    /// Inside a trial run of a loop body (`loop_head`), whose output is dropped.
    trial: bool,
    flag: u32,
}

fn join_dirty(a: Option<Vec<bool>>, b: Option<Vec<bool>>) -> Option<Vec<bool>> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            for (x, y) in a.iter_mut().zip(&b) {
                *x |= *y;
            }
            Some(a)
        }
        (a, None) => a,
        (None, b) => b,
    }
}

/// Whether the statement's own expressions (an `if`'s condition, not its branches) call.
fn stmt_calls(s: &Stmt) -> bool {
    match s {
        Stmt::Set(_, e) | Stmt::SetGlobal(_, e) | Stmt::Expr(e) | Stmt::Return(e) => e.has_call(),
        Stmt::Store { addr, value, .. } => addr.has_call() || value.has_call(),
        Stmt::If { cond, .. } => cond.has_call(),
        Stmt::Loop(_) | Stmt::Break(_) | Stmt::Continue(_) => false,
    }
}

impl Spiller<'_> {
    /// The state at the head of a loop entered with `entry`: the least fixpoint over the body's
    /// back edges (its end and its `Continue`s). Within a trial run a nested loop takes a
    /// superset instead (the entry plus every shadowed local its body sets), so the work stays
    /// linear in the nesting depth.
    fn loop_head(&mut self, body: &[Stmt], entry: Option<Vec<bool>>) -> Option<Vec<bool>> {
        if self.trial {
            return entry.map(|mut d| {
                let mut set = vec![false; d.len()];
                collect_sets(body, may_be_value, &mut set);
                for (l, (x, s)) in d.iter_mut().zip(set).enumerate() {
                    *x = *x || (s && self.slots.contains_key(&(l as Local)));
                }
                d
            });
        }
        let mut head = entry;
        self.trial = true;
        loop {
            self.breaks.push(None);
            self.continues.push(None);
            let (_, end) = self.stmts(body.to_vec(), head.clone());
            self.breaks.pop();
            let back = join_dirty(end, self.continues.pop().flatten());
            let next = join_dirty(head.clone(), back);
            if next == head {
                break;
            }
            head = next;
        }
        self.trial = false;
        head
    }

    fn spill(&self, dirty: &mut [bool], out: &mut Vec<Stmt>) {
        for (l, slot) in self.slots {
            if let Some(d) = dirty.get_mut(*l as usize) {
                if *d {
                    out.push(Stmt::Store {
                        addr: Expr::Local(self.fp),
                        offset: 8 * slot,
                        value: Expr::Local(*l),
                    });
                    *d = false;
                }
            }
        }
    }

    /// Rewrites `stmts` entered with `dirty` (`None`: unreachable); returns the state after
    /// them (`None`: no path falls through).
    fn stmts(
        &mut self,
        stmts: Vec<Stmt>,
        mut dirty: Option<Vec<bool>>,
    ) -> (Vec<Stmt>, Option<Vec<bool>>) {
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            // A poll counts as a call: one spill serves it and the call that usually follows.
            let poll = matches!(&s, Stmt::If { cond: Expr::Global(g), .. } if *g == self.flag);
            if let Some(d) = dirty.as_mut() {
                if poll || stmt_calls(&s) {
                    self.spill(d, &mut out);
                }
            }
            match s {
                Stmt::Set(l, e) => {
                    let value = may_be_value(&e);
                    out.push(Stmt::Set(l, e));
                    if let Some(d) = dirty.as_mut().and_then(|d| d.get_mut(l as usize)) {
                        *d = value && self.slots.contains_key(&l);
                    }
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let (then, a) = self.stmts(then, dirty.clone());
                    let (otherwise, b) = self.stmts(otherwise, dirty);
                    out.push(Stmt::If {
                        cond,
                        then,
                        otherwise,
                    });
                    dirty = join_dirty(a, b);
                }
                Stmt::Loop(body) => {
                    // A loop that may reach a safepoint is entered clean, so what was dirty
                    // before it is stored once, not at each iteration's first safepoint.
                    let mut calls = false;
                    walk_stmts(&body, &mut |e| {
                        calls |= matches!(e, Expr::Call(..) | Expr::CallRt(..))
                    });
                    if let (true, Some(d)) = (calls, dirty.as_mut()) {
                        self.spill(d, &mut out);
                    }
                    let head = self.loop_head(&body, dirty);
                    self.breaks.push(None);
                    self.continues.push(None);
                    let (body, _) = self.stmts(body, head);
                    self.continues.pop();
                    out.push(Stmt::Loop(body));
                    dirty = self.breaks.pop().flatten();
                }
                Stmt::Break(depth) => {
                    let n = self.breaks.len();
                    if let Some(slot) = n
                        .checked_sub(1 + depth as usize)
                        .and_then(|i| self.breaks.get_mut(i))
                    {
                        *slot = join_dirty(slot.take(), dirty.take());
                    }
                    out.push(Stmt::Break(depth));
                    dirty = None;
                }
                Stmt::Continue(depth) => {
                    let n = self.continues.len();
                    if let Some(slot) = n
                        .checked_sub(1 + depth as usize)
                        .and_then(|i| self.continues.get_mut(i))
                    {
                        *slot = join_dirty(slot.take(), dirty.take());
                    }
                    out.push(Stmt::Continue(depth));
                    dirty = None;
                }
                other @ Stmt::Return(_) => {
                    out.push(other);
                    dirty = None;
                }
                other => out.push(other),
            }
        }
        (out, dirty)
    }
}

struct Framer {
    g: Globals,
    fp: Local,
    /// Shadow slot of each shadowed local.
    slots: BTreeMap<Local, u32>,
    next_local: u32,
}

impl Framer {
    fn release(&self) -> Stmt {
        Stmt::SetGlobal(self.g.top, Expr::Local(self.fp))
    }

    fn stmts(&mut self, stmts: Vec<Stmt>, framed: bool) -> Vec<Stmt> {
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            match s {
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let then = self.stmts(then, framed);
                    let otherwise = self.stmts(otherwise, framed);
                    out.push(Stmt::If {
                        cond,
                        then,
                        otherwise,
                    });
                }
                Stmt::Loop(body) => out.push(Stmt::Loop(self.stmts(body, framed))),
                Stmt::Return(e) if framed && !self.slots.is_empty() => {
                    if e.has_call() {
                        let t = self.next_local;
                        self.next_local += 1;
                        out.push(Stmt::Set(t, e));
                        out.push(self.release());
                        out.push(Stmt::Return(Expr::Local(t)));
                    } else {
                        out.push(self.release());
                        out.push(Stmt::Return(e));
                    }
                }
                other => out.push(other),
            }
        }
        out
    }
}

/// The state of compiled code that a caught error leaves as it was at the error: around every
/// `rt_try` call, the globals `saved` (call depth, argument stack top, shadow stack top) are
/// read into raw locals before and written back after, so the caller goes on with its own.
/// (The C runtime's part of that state is `TryState` in `runtime/rt/memory.c`.)
fn restore_after_try(stmts: Vec<Stmt>, saved: &[u32], next_local: &mut u32) -> Vec<Stmt> {
    let mut out = Vec::with_capacity(stmts.len());
    for s in stmts {
        match s {
            Stmt::If {
                cond,
                then,
                otherwise,
            } => out.push(Stmt::If {
                cond,
                then: restore_after_try(then, saved, next_local),
                otherwise: restore_after_try(otherwise, saved, next_local),
            }),
            Stmt::Loop(body) => out.push(Stmt::Loop(restore_after_try(body, saved, next_local))),
            Stmt::Set(l, e @ Expr::CallRt(RtFn::Core(Core::Try), _)) => {
                let first = *next_local;
                *next_local += saved.len() as u32;
                for (i, g) in saved.iter().enumerate() {
                    // A `Bin`, so the value is raw: it needs no shadow slot.
                    let raw = Expr::bin(BinOp::Add, Expr::Global(*g), Expr::Const(0));
                    out.push(Stmt::Set(first + i as u32, raw));
                }
                out.push(Stmt::Set(l, e));
                for (i, g) in saved.iter().enumerate() {
                    out.push(Stmt::SetGlobal(*g, Expr::Local(first + i as u32)));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Claims a frame of `words` words at the shadow stack's top into local `fp`.
fn claim(g: Globals, fp: Local, words: u32) -> Vec<Stmt> {
    vec![
        Stmt::Set(fp, Expr::Global(g.top)),
        Stmt::SetGlobal(
            g.top,
            Expr::bin(
                BinOp::Add,
                Expr::Local(fp),
                Expr::Const(8 * i64::from(words)),
            ),
        ),
        Stmt::If {
            cond: Expr::bin(BinOp::GtS, Expr::Global(g.top), Expr::Global(g.limit)),
            then: vec![Stmt::Expr(Expr::CallRt(
                RtFn::Core(Core::StackOverflow),
                vec![],
            ))],
            otherwise: Vec::new(),
        },
    ]
}

/// Where the prologue goes: after the runtime is started in `aura_init`, after the call of
/// `aura_init` in `aura_main`, first elsewhere.
fn prologue_at(f: &Function, init: Option<FnId>) -> usize {
    let is_start = |s: &Stmt| matches!(s, Stmt::SetGlobal(g, Expr::CallRt(RtFn::Core(Core::MaxDepth), _)) if *g == MAX_DEPTH_GLOBAL);
    if let Some(i) = f.body.iter().position(is_start) {
        return i + 1;
    }
    match (f.body.first(), init) {
        (Some(Stmt::Expr(Expr::Call(id, _))), Some(init)) if *id == init && f.params == 0 => 1,
        // After the depth check of a direct Aura function, so that deep recursion meets it first.
        (Some(Stmt::SetGlobal(DEPTH_GLOBAL, _)), _)
            if matches!(f.body.get(1), Some(Stmt::If { then, .. })
                if matches!(then.as_slice(), [Stmt::Expr(Expr::CallRt(RtFn::Core(Core::StackOverflow), _))])) =>
        {
            2
        }
        _ => 0,
    }
}

/// Whether `f` is a direct Aura function: it starts with the depth check (`prologue_at` is 2)
/// and has env and self. Its prologue polls, merged into that check.
fn is_direct(f: &Function, init: Option<FnId>) -> bool {
    !f.address_taken && f.params >= 2 && prologue_at(f, init) == 2
}

/// Adds shadow frames, the collector's globals, `aura_gc`, `aura_gc_request` and the safepoint
/// polls to a lowered program.
pub fn add_gc(program: &mut Program) {
    let value_globals = FIRST_FREE_GLOBAL..program.globals;
    let g = Globals {
        top: program.globals,
        limit: program.globals + 1,
        flag: program.globals + 2,
        max_depth: program.globals + 3,
    };
    program.globals += 4;
    let init = program
        .exports
        .iter()
        .find(|(name, _)| name == "aura_init")
        .map(|(_, id)| *id);
    let gc_fn = FnId(program.functions.len() as u32);
    let request_fn = FnId(gc_fn.0 + 1);
    let polls_on_entry: Vec<bool> = program
        .functions
        .iter()
        .map(|f| is_direct(f, init))
        .collect();
    let poller = Poller {
        flag: g.flag,
        gc_fn,
        polls_on_entry: &polls_on_entry,
    };

    let mut functions = std::mem::take(&mut program.functions);
    for f in &mut functions {
        if f.address_taken {
            continue;
        }
        let at = prologue_at(f, init);
        let is_init = f.params == 0
            && f.body
                .iter()
                .take(at)
                .any(|s| matches!(s, Stmt::Expr(Expr::CallRt(RtFn::Core(Core::Start), _))));
        let is_direct = is_direct(f, init);

        let mut next_local = f.params + f.locals;
        let mut hoisted = Vec::new();
        let body = std::mem::take(&mut f.body);
        let mut head = body;
        let tail = head.split_off(at.min(head.len()));
        let tail = restore_after_try(
            tail,
            &[DEPTH_GLOBAL, ARG_STACK_GLOBAL, g.top],
            &mut next_local,
        );
        // The depth check of a direct function moves after the frame's stores, where it is the
        // entry poll too.
        // The new depth stays in a local for that check (no reload after the stores).
        let depth = next_local;
        if is_direct {
            next_local += 1;
            head = vec![
                Stmt::Set(
                    depth,
                    Expr::bin(BinOp::Add, Expr::Global(DEPTH_GLOBAL), Expr::Const(1)),
                ),
                Stmt::SetGlobal(DEPTH_GLOBAL, Expr::Local(depth)),
            ];
        }
        let tail = Hoister {
            next_local: &mut next_local,
            hoisted: &mut hoisted,
        }
        .stmts(tail);
        let tail = poller.stmts(tail, true);
        let mut values = vec![false; next_local as usize];
        for p in 0..f.params {
            values[p as usize] = true;
        }
        for l in &hoisted {
            values[*l as usize] = true;
        }
        collect_sets(&tail, may_be_value, &mut values);
        // A local nothing reads needs no slot (e.g. `env` and `self` of most functions): its
        // value is dead, whatever the collector does with it.
        let mut read = vec![false; next_local as usize];
        collect_reads(&tail, &mut read);
        for (v, r) in values.iter_mut().zip(&read) {
            *v = *v && *r;
        }
        // A local (other than a parameter) whose value never lives across a safepoint needs no
        // slot either: no collection can happen while it is the only reference.
        let mut across = Across {
            across: vec![false; next_local as usize],
            breaks: Vec::new(),
        };
        // Parameters are set on entry, and a direct function polls before its body.
        let mut entry = Flow {
            set: vec![false; next_local as usize],
            stale: vec![false; next_local as usize],
        };
        for p in 0..f.params as usize {
            entry.set[p] = true;
        }
        if is_direct {
            Across::safepoint(&mut entry);
        }
        let _ = across.stmts(entry, &tail);
        for (l, v) in values.iter_mut().enumerate().skip(f.params as usize) {
            *v = *v && across.across[l];
        }
        let slots: BTreeMap<Local, u32> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v)
            .enumerate()
            .map(|(slot, (l, _))| (l as Local, slot as u32))
            .collect();
        let fp = next_local;
        if !slots.is_empty() {
            next_local += 1;
        }
        let mut framer = Framer {
            g,
            fp,
            slots,
            next_local,
        };
        let mut prologue = Vec::new();
        if is_init {
            prologue.push(Stmt::SetGlobal(g.max_depth, Expr::Global(MAX_DEPTH_GLOBAL)));
            prologue.push(Stmt::SetGlobal(
                g.top,
                Expr::CallRt(RtFn::Core(Core::ShadowStack), vec![]),
            ));
            prologue.push(Stmt::SetGlobal(
                g.limit,
                Expr::CallRt(RtFn::Core(Core::ShadowLimit), vec![]),
            ));
            // Last: the runtime calls the hook at once if a collection is already due.
            prologue.push(Stmt::Expr(Expr::CallRt(
                RtFn::Core(Core::GcHook),
                vec![Expr::FnAddr(request_fn)],
            )));
        }
        let framed = !framer.slots.is_empty();
        if framed {
            prologue.extend(claim(g, fp, framer.slots.len() as u32));
            for (l, slot) in &framer.slots {
                let value = if *l < f.params {
                    Expr::Local(*l)
                } else {
                    Expr::Const(0)
                };
                prologue.push(Stmt::Store {
                    addr: Expr::Local(fp),
                    offset: 8 * slot,
                    value,
                });
            }
        }
        if is_direct {
            // The depth check, and the entry poll: while a collection is due, `aura_gc_request`
            // has set the depth limit to -1, so the check fails on every entry; the slow path
            // tells the two apart.
            prologue.push(Stmt::If {
                cond: Expr::bin(
                    BinOp::GtS,
                    Expr::Local(depth),
                    Expr::Global(MAX_DEPTH_GLOBAL),
                ),
                then: vec![Stmt::If {
                    cond: Expr::bin(BinOp::GtS, Expr::Local(depth), Expr::Global(g.max_depth)),
                    then: vec![Stmt::Expr(Expr::CallRt(
                        RtFn::Core(Core::StackOverflow),
                        vec![],
                    ))],
                    otherwise: vec![Stmt::Expr(Expr::Call(gc_fn, vec![]))],
                }],
                otherwise: Vec::new(),
            });
        }
        let tail = if framed {
            Spiller {
                fp,
                slots: &framer.slots,
                breaks: Vec::new(),
                continues: Vec::new(),
                trial: false,
                flag: g.flag,
            }
            .stmts(tail, Some(vec![false; next_local as usize]))
            .0
        } else {
            tail
        };
        let mut tail = framer.stmts(tail, true);
        let mut new_body = head;
        new_body.append(&mut prologue);
        new_body.append(&mut tail);
        f.body = new_body;
        f.locals = framer.next_local - f.params;
    }

    // aura_gc: the globals as a frame, then the collection.
    let n = value_globals.len() as u32;
    let fp: Local = 0;
    let mut body = claim(g, fp, n);
    for (i, global) in value_globals.enumerate() {
        body.push(Stmt::Store {
            addr: Expr::Local(fp),
            offset: 8 * i as u32,
            value: Expr::Global(global),
        });
    }
    body.push(Stmt::Expr(Expr::CallRt(
        RtFn::Core(Core::GcCollect),
        vec![Expr::Global(g.top), Expr::Global(ARG_STACK_GLOBAL)],
    )));
    body.push(Stmt::SetGlobal(g.top, Expr::Local(fp)));
    body.push(Stmt::SetGlobal(g.flag, Expr::Const(0)));
    body.push(Stmt::SetGlobal(MAX_DEPTH_GLOBAL, Expr::Global(g.max_depth)));
    body.push(Stmt::Return(Expr::Const(0)));
    functions.push(Function {
        name: "aura_gc".to_string(),
        params: 0,
        locals: 1,
        address_taken: false,
        body,
    });
    // aura_gc_request: the hook the runtime calls when a collection becomes due (`rt_gc_hook`).
    functions.push(Function {
        name: "aura_gc_request".to_string(),
        params: 4,
        locals: 0,
        address_taken: true,
        body: vec![
            Stmt::SetGlobal(g.flag, Expr::Const(1)),
            Stmt::SetGlobal(MAX_DEPTH_GLOBAL, Expr::Const(-1)),
            Stmt::Return(Expr::Const(NIL)),
        ],
    });
    program.functions = functions;
}
