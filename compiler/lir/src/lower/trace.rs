//! Stack traces of compiled code (`spec/abi.md`, "Stack traces").
//!
//! The runtime keeps a trace stack: one 64-bit slot per call depth, at `TRACE_GLOBAL + 8 *
//! depth`. Before each statement's calls that may fail (runtime slow paths, Aura calls, sends) a
//! function stores the statement's *site id* in its slot. Inline fast paths call nothing and
//! store nothing. Site ids index the site table, which the lowering puts into the program's data:
//! the runtime formats the trace from the slots when an error is raised. Site 0 is no frame: the
//! prelude's functions store it once on entry (they show no frame, like builtins); slot 0 (no
//! frame, `main`'s caller) is never written.
//!
//! Which statement a call belongs to is the innermost statement whose lowering emitted it: each
//! statement, once lowered, puts its site before every call of its code that no statement nested
//! in it has claimed yet (a claimed call is one right after a site store).

use super::{Lowerer, R};
use crate::ir::*;
use crate::runtime::{Core, RtFn};

/// Layout of the site table: a word with the number of sites, then a word per site (offset of
/// its text from the table's start << 32 | its length), then the texts (`  at NAME (FILE:L:C)`).
pub(crate) const SITE_WORD: u32 = 8;

impl Lowerer {
    /// The id of the site at byte `offset` of the current function (0 when it shows no frame).
    pub(crate) fn site_id(&mut self, offset: u32) -> R<i64> {
        let Some(frame) = self.ctx()?.frame.clone() else {
            return Ok(0);
        };
        let location = aura_uast::trace::location(self.source.as_deref(), offset);
        let line = aura_uast::trace::frame_line(&frame, &location);
        if let Some(id) = self.site_ids.get(&line) {
            return Ok(*id);
        }
        self.sites.push(line.clone());
        let id = self.sites.len() as i64;
        let _ = self.site_ids.insert(line, id);
        Ok(id)
    }

    /// Where the current function's site stores go: its slot, `global 3 + 8 * depth` (computed
    /// at each store, which costs less than a local held across calls), or in the initialisers
    /// (always at depth 1) the trace stack's second slot.
    fn trace_addr(&mut self) -> R<Expr> {
        let ctx = self.ctx()?;
        if !ctx.is_fn {
            return Ok(Expr::bin(
                BinOp::Add,
                Expr::Global(TRACE_GLOBAL),
                Expr::Const(8),
            ));
        }
        ctx.traced = true;
        Ok(slot_addr())
    }

    /// Puts a store of `site` before each call in `out[start..]` that no nested statement has
    /// claimed. In a function that shows no frame this does nothing (see [`Self::trace_entry`]).
    pub(crate) fn stamp(&mut self, out: &mut Vec<Stmt>, start: usize, site: i64) -> R<()> {
        let ctx = self.ctx()?;
        if ctx.is_fn && ctx.frame.is_none() {
            return Ok(());
        }
        if !out[start..].iter().any(calls_inside) {
            return Ok(());
        }
        let addr = self.trace_addr()?;
        let tail = out.split_off(start);
        out.extend(stamp_list(tail, &addr, site));
        Ok(())
    }

    /// The statements after a function's depth check: for a function that shows no frame, site 0
    /// in its slot (it stores nothing else).
    pub(crate) fn trace_entry(&mut self) -> R<Vec<Stmt>> {
        let ctx = self.ctx()?;
        Ok(match ctx.frame {
            Some(_) => Vec::new(),
            None => vec![Stmt::Store {
                addr: slot_addr(),
                offset: 0,
                value: Expr::Const(0),
            }],
        })
    }

    /// `aura_trace_depth`: the generic entry the runtime calls to learn the current depth.
    pub(crate) fn trace_depth_fn(&mut self) -> FnId {
        let id = self.reserve();
        let name = self.symbol("aura_trace_depth");
        self.define(
            id,
            Function {
                name,
                params: 4,
                locals: 0,
                address_taken: true,
                body: vec![Stmt::Return(Expr::Global(DEPTH_GLOBAL))],
            },
        );
        id
    }

    /// Appends the site table to the program's data (8-byte aligned); returns its offset.
    pub(crate) fn trace_table(&mut self) -> u32 {
        while self.data.len() % 8 != 0 {
            self.data.push(0);
        }
        let at = self.data.len();
        let n = self.sites.len();
        let mut text_at = 8 + SITE_WORD as usize * n;
        let mut words = vec![n as u64];
        for line in &self.sites {
            words.push(((text_at as u64) << 32) | line.len() as u64);
            text_at += line.len();
        }
        for w in words {
            self.data.extend_from_slice(&w.to_le_bytes());
        }
        for line in std::mem::take(&mut self.sites) {
            self.data.extend_from_slice(line.as_bytes());
        }
        at as u32
    }
}

/// The address of the current frame's slot: `global 3 + 8 * depth`.
pub(crate) fn slot_addr() -> Expr {
    Expr::bin(
        BinOp::Add,
        Expr::Global(TRACE_GLOBAL),
        Expr::bin(BinOp::Shl, Expr::Global(DEPTH_GLOBAL), Expr::Const(3)),
    )
}

/// Whether `s` or a statement nested in it calls anything.
fn calls_inside(s: &Stmt) -> bool {
    match s {
        Stmt::If {
            cond,
            then,
            otherwise,
        } => cond.has_call() || then.iter().any(calls_inside) || otherwise.iter().any(calls_inside),
        Stmt::Loop(body) => body.iter().any(calls_inside),
        other => calls_here(other),
    }
}

/// Whether `s`'s own expressions (not its nested statements) call anything.
fn calls_here(s: &Stmt) -> bool {
    match s {
        Stmt::Set(_, e) | Stmt::SetGlobal(_, e) | Stmt::Expr(e) | Stmt::Return(e) => e.has_call(),
        Stmt::Store { addr, value, .. } => addr.has_call() || value.has_call(),
        Stmt::If { cond, .. } => cond.has_call(),
        Stmt::Loop(_) | Stmt::Break(_) | Stmt::Continue(_) => false,
    }
}

/// Whether `s` is a site store to `addr`.
fn is_site_store(s: &Stmt, addr: &Expr) -> bool {
    matches!(s, Stmt::Store { addr: a, offset: 0, value: Expr::Const(_) } if a == addr)
}

fn stamp_list(list: Vec<Stmt>, addr: &Expr, site: i64) -> Vec<Stmt> {
    let mut out = Vec::with_capacity(list.len() + 1);
    let mut claimed = false;
    for s in list {
        if is_site_store(&s, addr) {
            claimed = true;
            out.push(s);
            continue;
        }
        let s = match s {
            Stmt::If {
                cond,
                then,
                otherwise,
            } => Stmt::If {
                cond,
                then: stamp_list(then, addr, site),
                otherwise: stamp_list(otherwise, addr, site),
            },
            Stmt::Loop(body) => Stmt::Loop(stamp_list(body, addr, site)),
            other => other,
        };
        if calls_here(&s) && !claimed && !only_safe_calls(&s) {
            out.push(Stmt::Store {
                addr: addr.clone(),
                offset: 0,
                value: Expr::Const(site),
            });
        }
        claimed = false;
        out.push(s);
    }
    out
}

/// Whether every call `s` makes itself cannot fail with a traced error: nothing but the runtime
/// entries that only read or allocate (an allocation fails only with `out of memory`, which
/// carries no trace).
fn only_safe_calls(s: &Stmt) -> bool {
    let mut safe = true;
    let mut check = |e: &Expr| {
        e.walk(&mut |x| match x {
            Expr::CallRt(RtFn::Core(core), _) if allocates_only(*core) => {}
            Expr::CallRt(..) | Expr::Call(..) => safe = false,
            _ => {}
        })
    };
    match s {
        Stmt::Set(_, e) | Stmt::SetGlobal(_, e) | Stmt::Expr(e) | Stmt::Return(e) => check(e),
        Stmt::Store { addr, value, .. } => {
            check(addr);
            check(value);
        }
        Stmt::If { cond, .. } => check(cond),
        Stmt::Loop(_) | Stmt::Break(_) | Stmt::Continue(_) => {}
    }
    safe
}

/// Runtime entries that fail only when memory runs out.
fn allocates_only(core: Core) -> bool {
    matches!(
        core,
        Core::CellNew
            | Core::ClosureNew
            | Core::MapNew
            | Core::MapPut
            | Core::ListNew
            | Core::BuiltinFn
            | Core::StrLit
            | Core::FloatLit
            | Core::IntLit
    )
}

/// Drops the site stores that store what the slot already holds on every path to them: a frame's
/// slot changes only by its own stores (callees use deeper slots), so within a statement only
/// its first store before the calls remains, wherever the fast paths keep it off the slow ones.
/// `known` is the slot's value on entry, when every path agrees.
pub(crate) fn drop_repeated(list: Vec<Stmt>, addr: &Expr, known: &mut Option<i64>) -> Vec<Stmt> {
    let mut out = Vec::with_capacity(list.len());
    for s in list {
        match s {
            Stmt::Store {
                addr: a,
                offset: 0,
                value: Expr::Const(v),
            } if a == *addr => {
                if *known != Some(v) {
                    *known = Some(v);
                    out.push(Stmt::Store {
                        addr: a,
                        offset: 0,
                        value: Expr::Const(v),
                    });
                }
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                // A branch that leaves (break, continue, return) only makes the join stricter.
                let (mut k1, mut k2) = (*known, *known);
                let then = drop_repeated(then, addr, &mut k1);
                let otherwise = drop_repeated(otherwise, addr, &mut k2);
                *known = if k1 == k2 { k1 } else { None };
                out.push(Stmt::If {
                    cond,
                    then,
                    otherwise,
                });
            }
            Stmt::Loop(body) => {
                let body = drop_repeated(body, addr, &mut None);
                *known = None;
                out.push(Stmt::Loop(body));
            }
            other => {
                // A `try` body runs in this frame's slot and leaves its own sites there.
                let mut runs_try = false;
                let mut check = |e: &Expr| {
                    e.walk(&mut |x| runs_try |= matches!(x, Expr::CallRt(RtFn::Core(Core::Try), _)))
                };
                match &other {
                    Stmt::Set(_, e) | Stmt::SetGlobal(_, e) | Stmt::Expr(e) | Stmt::Return(e) => {
                        check(e)
                    }
                    Stmt::Store { addr, value, .. } => {
                        check(addr);
                        check(value);
                    }
                    _ => {}
                }
                if runs_try {
                    *known = None;
                }
                out.push(other)
            }
        }
    }
    out
}
