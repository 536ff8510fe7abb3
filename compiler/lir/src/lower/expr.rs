//! Statements and expressions of one function.

use super::{depth_down, err, var_read, var_write, FnIds, Global, Lowerer, Resolved, Var, R};
use crate::ir::*;
use crate::runtime::{
    imm_float_word, Core, RtFn, CELL_VALUE, CLOSURE_CAPTURES, FALSE, IMM_FLOAT_OFFSET,
    IMM_FLOAT_TAG, LIST_ITEMS, LIST_LEN, LIST_TYPE, NIL, SMALL_MAX, SMALL_MIN, TRUE, TRY_BREAK,
    TRY_CONTINUE, TRY_NORMAL, TRY_RETURN,
};
use aura_uast as uast;
use aura_uast::{BinaryOp, UnaryOp};

fn rt(core: Core, args: Vec<Expr>) -> Expr {
    Expr::CallRt(RtFn::Core(core), args)
}

fn c(n: i64) -> Expr {
    Expr::Const(n)
}

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::bin(op, a, b)
}

/// Raw 0/1: whether the value `v` is truthy (`(v | 4) != 6`).
pub(crate) fn truthy(v: Expr) -> Expr {
    bin(BinOp::Ne, bin(BinOp::Or, v, c(4)), c(FALSE))
}

/// The tagged word of a small int constant, if `e` is one.
fn small_const(e: &Expr) -> Option<i64> {
    match e {
        Expr::Const(w) if w & 1 == 1 => Some(*w),
        _ => None,
    }
}

/// `a & b` on raw conditions, folding a constant 1.
fn and(a: Expr, b: Expr) -> Expr {
    match (a, b) {
        (Expr::Const(1), x) | (x, Expr::Const(1)) => x,
        (a, b) => bin(BinOp::And, a, b),
    }
}

/// Raw non-zero when both operands are small ints (constants need no check).
fn both_small(a: &Expr, b: &Expr) -> Expr {
    // Any other constant (a float, nil, a bool) is not a small int.
    if [a, b]
        .iter()
        .any(|e| matches!(e, Expr::Const(_)) && small_const(e).is_none())
    {
        return c(0);
    }
    match (small_const(a), small_const(b)) {
        (Some(_), Some(_)) => c(1),
        (Some(_), None) => bin(BinOp::And, b.clone(), c(1)),
        (None, Some(_)) => bin(BinOp::And, a.clone(), c(1)),
        (None, None) => bin(BinOp::And, bin(BinOp::And, a.clone(), b.clone()), c(1)),
    }
}

/// `e - 1`, folded for constants.
fn minus_one(e: &Expr) -> Expr {
    match e {
        Expr::Const(n) => c(n.wrapping_sub(1)),
        other => bin(BinOp::Sub, other.clone(), c(1)),
    }
}

/// The untagged value of a small int word.
fn untag(e: &Expr) -> Expr {
    match e {
        Expr::Const(n) => c(n >> 1),
        other => bin(BinOp::ShrS, other.clone(), c(1)),
    }
}

fn tag(raw: Expr) -> Expr {
    bin(BinOp::Or, bin(BinOp::Shl, raw, c(1)), c(1))
}

/// Raw non-zero when both operands are immediate floats (`spec/abi.md`, "Values"), or `None`
/// when a constant operand cannot be one (the float path is then left out). `boxed` says which
/// operands are known heap values (the constant globals: strings, boxed ints and floats).
fn both_imm_float(a: &Expr, b: &Expr, boxed: impl Fn(&Expr) -> bool) -> Option<Expr> {
    // `w ^ 4` has zero low bits exactly for an immediate float.
    let untagged = |e: &Expr| match e {
        Expr::Const(w) if w & 7 == IMM_FLOAT_TAG => Ok(None),
        Expr::Const(_) => Err(()),
        e if boxed(e) => Err(()),
        other => Ok(Some(bin(BinOp::Xor, other.clone(), c(IMM_FLOAT_TAG)))),
    };
    let either = match (untagged(a).ok()?, untagged(b).ok()?) {
        (None, None) => return Some(c(1)),
        (Some(x), None) | (None, Some(x)) => x,
        (Some(x), Some(y)) if x == y => x,
        (Some(x), Some(y)) => bin(BinOp::Or, x, y),
    };
    Some(bin(BinOp::Eq, bin(BinOp::And, either, c(7)), c(0)))
}

/// Raw non-zero when the operands are two numbers the inline float code takes — immediate
/// floats and small ints, not two small ints (the int paths' business) — or `None` when a
/// constant operand cannot be one. The runtime computes a mixed pair as floats too (the int
/// converted to the nearest f64), except for `==` and `!=`, which compare exactly and so keep
/// to [`both_imm_float`].
fn inline_numbers(a: &Expr, b: &Expr, boxed: impl Fn(&Expr) -> bool) -> Option<Expr> {
    // Beside a small int constant, the other operand must be a float.
    match (small_const(a), small_const(b)) {
        (Some(_), Some(_)) => return None,
        (Some(_), None) => return both_imm_float(b, b, boxed),
        (None, Some(_)) => return both_imm_float(a, a, boxed),
        (None, None) => {}
    }
    let is_number = |e: &Expr| match e {
        Expr::Const(w) if w & 1 == 1 || w & 7 == IMM_FLOAT_TAG => Ok(None),
        Expr::Const(_) => Err(()),
        e if boxed(e) => Err(()),
        e => Ok(Some(bin(
            BinOp::Or,
            bin(BinOp::And, e.clone(), c(1)),
            bin(
                BinOp::Eq,
                bin(BinOp::And, e.clone(), c(7)),
                c(IMM_FLOAT_TAG),
            ),
        ))),
    };
    // A constant here is a float (`is_number` refuses the others): not both small.
    let not_both_small = match (a, b) {
        (Expr::Const(_), _) | (_, Expr::Const(_)) => None,
        _ => Some(bin(
            BinOp::Eq,
            bin(BinOp::And, bin(BinOp::And, a.clone(), b.clone()), c(1)),
            c(0),
        )),
    };
    let guard = [is_number(a).ok()?, is_number(b).ok()?, not_both_small]
        .into_iter()
        .flatten()
        .reduce(|x, y| bin(BinOp::And, x, y));
    Some(guard.unwrap_or(c(1)))
}

/// The f64 bits of the operands that [`inline_numbers`] accepted (beside a small int constant,
/// the other operand is a float).
fn number_operand_bits(a: &Expr, b: &Expr) -> (Expr, Expr) {
    match (small_const(a), small_const(b)) {
        (Some(_), _) => (number_bits(a), float_bits(b)),
        (_, Some(_)) => (float_bits(a), number_bits(b)),
        _ => (number_bits(a), number_bits(b)),
    }
}

/// The f64 bits of a small int or immediate float word.
fn number_bits(e: &Expr) -> Expr {
    match small_const(e) {
        Some(w) => c(((w >> 1) as f64).to_bits() as i64),
        None if matches!(e, Expr::Const(_)) => float_bits(e),
        None => Expr::Select(
            Box::new(bin(BinOp::And, e.clone(), c(1))),
            Box::new(Expr::IntToFloat(Box::new(untag(e)))),
            Box::new(float_bits(e)),
        ),
    }
}

/// The f64 bits of an immediate float word (words 4 and 12 are the two zeros).
fn float_bits(e: &Expr) -> Expr {
    if let Expr::Const(w) = e {
        let bits = if w & !8 == 4 {
            (w & 8) << 60
        } else {
            ((*w as u64).rotate_right(4) as i64).wrapping_sub(IMM_FLOAT_OFFSET)
        };
        return c(bits);
    }
    Expr::Select(
        Box::new(bin(BinOp::Eq, bin(BinOp::And, e.clone(), c(!8)), c(4))),
        Box::new(bin(BinOp::Shl, bin(BinOp::And, e.clone(), c(8)), c(60))),
        Box::new(bin(
            BinOp::Sub,
            bin(BinOp::Rotr, e.clone(), c(4)),
            c(IMM_FLOAT_OFFSET),
        )),
    )
}

/// The candidate word of the f64 `bits`: the float's word unless [`float_word_misfits`].
fn float_word(bits: Expr) -> Expr {
    bin(
        BinOp::Rotl,
        bin(BinOp::Add, bits, c(IMM_FLOAT_OFFSET)),
        c(4),
    )
}

/// Raw non-zero when the candidate word `w` of [`float_word`] is not the float's word (the
/// float is boxed, or is a zero, whose words are special): the runtime makes it instead.
fn float_word_misfits(w: &Expr) -> Expr {
    bin(
        BinOp::Or,
        bin(
            BinOp::Ne,
            bin(BinOp::And, w.clone(), c(7)),
            c(IMM_FLOAT_TAG),
        ),
        bin(BinOp::Eq, bin(BinOp::And, w.clone(), c(!8)), c(4)),
    )
}

/// The address of item `i` (a small int word) of the list `l`: `items + 8 * (i >> 1)`, which is
/// `items + 4 * (i ^ 1)` for an odd `i`.
fn list_item(l: &Expr, i: &Expr) -> Expr {
    let offset = match small_const(i) {
        Some(w) => c((w ^ 1) << 2),
        None => bin(BinOp::Shl, bin(BinOp::Xor, i.clone(), c(1)), c(2)),
    };
    bin(BinOp::Add, Expr::load(l.clone(), LIST_ITEMS), offset)
}

/// The inline list code (`spec/abi.md`, "Values"): `then` runs when `o` is a list and, for
/// `o[i]` and `o[i] = v`, `i` a small int in bounds; the caller adds the runtime call for the
/// rest. The header and length are loaded only once `o` is known to be a heap address.
fn if_list(o: &Expr, index: Option<&Expr>, then: Vec<Stmt>) -> Stmt {
    let heap_bits = bin(BinOp::And, o.clone(), c(7));
    let guard = match index {
        Some(i) if small_const(i).is_none() => bin(
            BinOp::Or,
            heap_bits,
            bin(BinOp::Xor, bin(BinOp::And, i.clone(), c(1)), c(1)),
        ),
        _ => heap_bits,
    };
    let is_list = bin(
        BinOp::Eq,
        bin(BinOp::And, Expr::load(o.clone(), 0), c(0xff)),
        c(LIST_TYPE),
    );
    // Unsigned: a negative index is out of bounds too.
    let in_bounds = index.map(|i| bin(BinOp::LtU, untag(i), Expr::load(o.clone(), LIST_LEN)));
    Stmt::If {
        cond: bin(BinOp::Eq, guard, c(0)),
        then: vec![Stmt::If {
            cond: match in_bounds {
                Some(in_bounds) => and(is_list, in_bounds),
                None => is_list,
            },
            then,
            otherwise: Vec::new(),
        }],
        otherwise: Vec::new(),
    }
}

/// Raw non-zero when the small int word `e` holds a value in `-2^30 .. 2^30`.
fn fits31(e: &Expr) -> Expr {
    if let Some(w) = small_const(e) {
        return c(i64::from((-(1 << 30)..(1 << 30)).contains(&(w >> 1))));
    }
    bin(
        BinOp::LtU,
        bin(BinOp::Add, untag(e), c(1 << 30)),
        c(1 << 31),
    )
}

/// Raw non-zero when the small int word `e` holds a shift count in `0..64`.
fn count_below_64(e: &Expr) -> Expr {
    if let Some(w) = small_const(e) {
        return c(i64::from((0..64).contains(&(w >> 1))));
    }
    bin(BinOp::LtU, untag(e), c(64))
}

/// The inline float code of the comparison `a op b`: the raw guard under which it applies and
/// its raw 0/1 result. Two immediate floats compare as f64 (never NaN; `0.0 == -0.0`); an
/// ordering also takes a small int beside a float, as the runtime does.
fn float_comparison(
    op: BinaryOp,
    a: &Expr,
    b: &Expr,
    boxed: impl Fn(&Expr) -> bool,
) -> Option<(Expr, Expr)> {
    let (guard, (x, y)) = if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
        (both_imm_float(a, b, boxed)?, (float_bits(a), float_bits(b)))
    } else {
        (inline_numbers(a, b, boxed)?, number_operand_bits(a, b))
    };
    let flag = match op {
        BinaryOp::Eq => bin(BinOp::FEq, x, y),
        BinaryOp::Ne => bin(BinOp::Eq, bin(BinOp::FEq, x, y), c(0)),
        BinaryOp::Lt => bin(BinOp::FLt, x, y),
        BinaryOp::Le => bin(BinOp::FLe, x, y),
        BinaryOp::Gt => bin(BinOp::FLt, y, x),
        _ => bin(BinOp::FLe, y, x),
    };
    Some((guard, flag))
}

fn cmp_ops(op: BinaryOp) -> Option<(BinOp, Core)> {
    Some(match op {
        BinaryOp::Eq => (BinOp::Eq, Core::Eq),
        BinaryOp::Ne => (BinOp::Ne, Core::Ne),
        BinaryOp::Lt => (BinOp::LtS, Core::Lt),
        BinaryOp::Le => (BinOp::LeS, Core::Le),
        BinaryOp::Gt => (BinOp::GtS, Core::Gt),
        BinaryOp::Ge => (BinOp::GeS, Core::Ge),
        _ => return None,
    })
}

impl Lowerer {
    pub(crate) fn block(&mut self, block: &uast::Block, out: &mut Vec<Stmt>) -> R<()> {
        let mark = self.ctx()?.bindings.len();
        for stmt in &block.stmts {
            self.stmt(stmt, out)?;
        }
        self.ctx()?.bindings.truncate(mark);
        Ok(())
    }

    fn stmt(&mut self, stmt: &uast::Stmt, out: &mut Vec<Stmt>) -> R<()> {
        match stmt {
            // `let f = fn(..) { .. }` is bound before its body, like a nested `fn f`, so it may
            // call itself; it still prints as `<fn>`.
            uast::Stmt::Let {
                name,
                value: uast::Expr::Lambda { params, body, .. },
                ..
            } => self.self_visible_fn(&name.name, None, params, body, out)?,
            uast::Stmt::Let { name, value, .. } => {
                let value = self.expr(value, out)?;
                let var = self.declare(&name.name)?;
                out.push(self.bind(var, value));
            }
            uast::Stmt::Assign { target, value, .. } => self.assign(target, value, out)?,
            uast::Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                let cond = self.cond(cond, out)?;
                let mut then_out = Vec::new();
                self.block(then, &mut then_out)?;
                let mut else_out = Vec::new();
                if let Some(b) = otherwise {
                    self.block(b, &mut else_out)?;
                }
                out.push(Stmt::If {
                    cond,
                    then: then_out,
                    otherwise: else_out,
                });
            }
            uast::Stmt::While { cond, body, .. } => {
                let mut body_out = Vec::new();
                let cond = self.cond(cond, &mut body_out)?;
                body_out.push(Stmt::If {
                    cond: bin(BinOp::Eq, cond, c(0)),
                    then: vec![Stmt::Break(0)],
                    otherwise: Vec::new(),
                });
                self.loop_body(body, &mut body_out)?;
                out.push(Stmt::Loop(body_out));
            }
            uast::Stmt::For {
                var, iter, body, ..
            } => self.for_loop(&var.name, iter, body, out)?,
            uast::Stmt::Return { value, .. } => {
                if !self.ctx()?.is_fn {
                    return err("`return` outside a function");
                }
                let value = match value {
                    Some(v) => {
                        let v = self.expr(v, out)?;
                        self.stable(v, out)?
                    }
                    None => c(NIL),
                };
                self.return_value(value, out)?;
            }
            uast::Stmt::Try {
                body,
                name,
                handler,
                ..
            } => self.try_catch(body, &name.name, handler, out)?,
            uast::Stmt::Break { .. } => self.loop_exit(true, out)?,
            uast::Stmt::Continue { .. } => self.loop_exit(false, out)?,
            uast::Stmt::Fn(def) => self.self_visible_fn(
                &def.name.name,
                Some(&def.name.name),
                &def.params,
                &def.body,
                out,
            )?,
            uast::Stmt::Expr { expr, .. } => {
                let e = self.expr(expr, out)?;
                if !matches!(e, Expr::Const(_) | Expr::Local(_) | Expr::Global(_)) {
                    out.push(Stmt::Expr(e));
                }
            }
        }
        Ok(())
    }

    /// `return value` (already stable): from the function, or from the outlined body of a `try`
    /// through its return cell.
    fn return_value(&mut self, value: Expr, out: &mut Vec<Stmt>) -> R<()> {
        let ctx = self.ctx()?;
        match &mut ctx.try_exit {
            Some(exit) => {
                exit.used_return = true;
                out.push(Stmt::Store {
                    addr: Expr::load(Expr::Local(0), CLOSURE_CAPTURES + 8 * exit.ret_capture),
                    offset: CELL_VALUE,
                    value,
                });
                out.push(Stmt::Return(c(TRY_RETURN)));
            }
            None => {
                out.push(depth_down());
                out.push(Stmt::Return(value));
            }
        }
        Ok(())
    }

    /// `break` (or `continue`): of the innermost loop of this function, or, in the outlined body
    /// of a `try` with no loop of its own, of the loop around the `try`.
    fn loop_exit(&mut self, is_break: bool, out: &mut Vec<Stmt>) -> R<()> {
        let ctx = self.ctx()?;
        if ctx.loops > 0 {
            out.push(if is_break {
                Stmt::Break(0)
            } else {
                Stmt::Continue(0)
            });
        } else if ctx.try_exit.is_some_and(|t| t.loops_outside) {
            out.push(Stmt::Return(c(if is_break {
                TRY_BREAK
            } else {
                TRY_CONTINUE
            })));
        } else if is_break {
            return err("`break` outside a loop");
        } else {
            return err("`continue` outside a loop");
        }
        Ok(())
    }

    /// `try { body } catch name { handler }`: the body becomes a closure of no parameters that
    /// `rt_try` calls with this function's `self`; its result says how it finished (`TRY_*`) or
    /// is the map of a caught error, which `name` is bound to for the handler.
    fn try_catch(
        &mut self,
        body: &uast::Block,
        name: &str,
        handler: &uast::Block,
        out: &mut Vec<Stmt>,
    ) -> R<()> {
        let ctx = self.ctx()?;
        if !ctx.is_fn {
            return err("`try` outside a function");
        }
        let loops_outside = ctx.loops > 0 || ctx.try_exit.is_some_and(|t| t.loops_outside);
        let ret_cell = self.temp()?;
        let parent = match self.current_symbol.last() {
            Some(n) => n.clone(),
            None => "init".to_string(),
        };
        let ids = self.reserve_fn(&format!("{parent}_try"), 0);
        let (captures, used_return) = self.try_body(ids, body, ret_cell, loops_outside)?;
        out.push(Stmt::Set(
            ret_cell,
            if used_return {
                rt(Core::CellNew, vec![c(NIL)])
            } else {
                c(NIL)
            },
        ));
        let closure = self.temp()?;
        out.push(Stmt::Set(
            closure,
            rt(
                Core::ClosureNew,
                vec![
                    Expr::FnAddr(ids.generic),
                    c(0),
                    c(NIL),
                    c(captures.len() as i64),
                ],
            ),
        ));
        for (i, source) in captures.iter().enumerate() {
            out.push(Stmt::Store {
                addr: Expr::Local(closure),
                offset: CLOSURE_CAPTURES + 8 * i as u32,
                value: Lowerer::source_expr(*source),
            });
        }
        let result = self.temp()?;
        out.push(Stmt::Set(
            result,
            rt(Core::Try, vec![Expr::Local(closure), Expr::Local(1)]),
        ));
        // The handler, when the result is an error's map.
        let mark = self.ctx()?.bindings.len();
        let var = self.declare(name)?;
        let mut dispatch = vec![self.bind(var, Expr::Local(result))];
        self.block(handler, &mut dispatch)?;
        self.ctx()?.bindings.truncate(mark);
        let arm = |code: i64, then: Vec<Stmt>, otherwise: Vec<Stmt>| {
            vec![Stmt::If {
                cond: bin(BinOp::Eq, Expr::Local(result), c(code)),
                then,
                otherwise,
            }]
        };
        if loops_outside {
            let mut exit = Vec::new();
            self.loop_exit(false, &mut exit)?;
            dispatch = arm(TRY_CONTINUE, exit, dispatch);
            let mut exit = Vec::new();
            self.loop_exit(true, &mut exit)?;
            dispatch = arm(TRY_BREAK, exit, dispatch);
        }
        if used_return {
            let t = self.temp()?;
            let mut exit = vec![Stmt::Set(t, Expr::load(Expr::Local(ret_cell), CELL_VALUE))];
            self.return_value(Expr::Local(t), &mut exit)?;
            dispatch = arm(TRY_RETURN, exit, dispatch);
        }
        out.extend(arm(TRY_NORMAL, Vec::new(), dispatch));
        Ok(())
    }

    /// The body of an Aura loop: exactly one LIR `Loop` per Aura loop, so `break`/`continue`
    /// always target depth 0.
    fn loop_body(&mut self, body: &uast::Block, out: &mut Vec<Stmt>) -> R<()> {
        self.ctx()?.loops += 1;
        let result = self.block(body, out);
        self.ctx()?.loops -= 1;
        result
    }

    /// The first write of a fresh binding: a cell is created for a captured one.
    fn bind(&mut self, var: Var, value: Expr) -> Stmt {
        match var {
            Var::Cell(cell) => Stmt::Set(cell, rt(Core::CellNew, vec![value])),
            other => var_write(other, value),
        }
    }

    /// Declares `binding`, then lowers the function, so that its body sees the binding.
    fn self_visible_fn(
        &mut self,
        binding: &str,
        name: Option<&str>,
        params: &[uast::Ident],
        body: &uast::Block,
        out: &mut Vec<Stmt>,
    ) -> R<()> {
        let var = self.declare(binding)?;
        if let Var::Cell(cell) = var {
            out.push(Stmt::Set(cell, rt(Core::CellNew, vec![c(NIL)])));
        }
        let closure = self.lambda(name, params, body, out)?;
        match var {
            Var::Cell(cell) => out.push(Stmt::Store {
                addr: Expr::Local(cell),
                offset: CELL_VALUE,
                value: closure,
            }),
            other => out.push(var_write(other, closure)),
        }
        Ok(())
    }

    /// A closure literal (or nested fn): lowers the function and creates its closure.
    fn lambda(
        &mut self,
        name: Option<&str>,
        params: &[uast::Ident],
        body: &uast::Block,
        out: &mut Vec<Stmt>,
    ) -> R<Expr> {
        let parent = match self.current_symbol.last() {
            Some(n) => n.clone(),
            // Fn literals of initialisers (lowered into `aura_main`).
            None => "init".to_string(),
        };
        let sym = match name {
            Some(n) => format!("{parent}_{n}"),
            None => format!("{parent}_lambda"),
        };
        let ids: FnIds = self.reserve_fn(&sym, params.len());
        let captures = self.function(ids, params, body)?;
        let name_expr = match name {
            Some(n) => Expr::Global(self.str_const(n)),
            None => c(NIL),
        };
        let t = self.temp()?;
        out.push(Stmt::Set(
            t,
            rt(
                Core::ClosureNew,
                vec![
                    Expr::FnAddr(ids.generic),
                    c(ids.arity as i64),
                    name_expr,
                    c(captures.len() as i64),
                ],
            ),
        ));
        for (i, source) in captures.iter().enumerate() {
            out.push(Stmt::Store {
                addr: Expr::Local(t),
                offset: CLOSURE_CAPTURES + 8 * i as u32,
                value: Lowerer::source_expr(*source),
            });
        }
        Ok(Expr::Local(t))
    }

    fn for_loop(
        &mut self,
        var: &str,
        iter: &uast::Expr,
        body: &uast::Block,
        out: &mut Vec<Stmt>,
    ) -> R<()> {
        if let Some(args) = self.range_args(iter)? {
            // An inline counting loop over tagged small ints; `rt_range_arg` checks the bounds
            // after all of them are evaluated, like a call of the builtin.
            let mut values = Vec::new();
            for a in args {
                let v = self.expr(a, out)?;
                values.push(self.stable(v, out)?);
            }
            let (start, end) = match values.as_slice() {
                [end] => (c(1), end.clone()),
                [start, end] => (start.clone(), end.clone()),
                _ => return err("internal: range arity"),
            };
            let i = self.temp()?;
            let e = self.temp()?;
            if start == c(1) {
                out.push(Stmt::Set(i, start));
            } else {
                out.push(Stmt::Set(i, rt(Core::RangeArg, vec![start])));
            }
            out.push(Stmt::Set(e, rt(Core::RangeArg, vec![end])));
            let mark = self.ctx()?.bindings.len();
            let v = self.declare(var)?;
            // Both bounds small (the usual case): tagged compare and add. Otherwise (a bound
            // beyond the small range, near the ends of i64) through the runtime's generic ops.
            let both_small = || {
                bin(
                    BinOp::And,
                    bin(BinOp::And, Expr::Local(i), Expr::Local(e)),
                    c(1),
                )
            };
            let brk = |cond| Stmt::If {
                cond,
                then: vec![Stmt::Break(0)],
                otherwise: Vec::new(),
            };
            let mut body_out = vec![
                Stmt::If {
                    cond: both_small(),
                    then: vec![brk(bin(BinOp::GeS, Expr::Local(i), Expr::Local(e)))],
                    otherwise: vec![brk(truthy(rt(
                        Core::Ge,
                        vec![Expr::Local(i), Expr::Local(e)],
                    )))],
                },
                self.bind(v, Expr::Local(i)),
                // Cannot overflow: i < end (<= the largest small int on the fast path).
                Stmt::If {
                    cond: both_small(),
                    then: vec![Stmt::Set(i, bin(BinOp::Add, Expr::Local(i), c(2)))],
                    otherwise: vec![Stmt::Set(i, rt(Core::Add, vec![Expr::Local(i), c(3)]))],
                },
            ];
            self.loop_body(body, &mut body_out)?;
            self.ctx()?.bindings.truncate(mark);
            out.push(Stmt::Loop(body_out));
            return Ok(());
        }
        let value = self.expr(iter, out)?;
        let it = self.temp()?;
        let i = self.temp()?;
        out.push(Stmt::Set(it, rt(Core::Iter, vec![value])));
        out.push(Stmt::Set(i, c(0)));
        let mark = self.ctx()?.bindings.len();
        let v = self.declare(var)?;
        let mut body_out = vec![
            Stmt::If {
                // `rt_iter` always gives a list: its length and items are read inline.
                cond: bin(
                    BinOp::GeS,
                    Expr::Local(i),
                    Expr::load(Expr::Local(it), LIST_LEN),
                ),
                then: vec![Stmt::Break(0)],
                otherwise: Vec::new(),
            },
            self.bind(
                v,
                Expr::load(
                    bin(
                        BinOp::Add,
                        Expr::load(Expr::Local(it), LIST_ITEMS),
                        bin(BinOp::Shl, Expr::Local(i), c(3)),
                    ),
                    0,
                ),
            ),
            Stmt::Set(i, bin(BinOp::Add, Expr::Local(i), c(1))),
        ];
        self.loop_body(body, &mut body_out)?;
        self.ctx()?.bindings.truncate(mark);
        out.push(Stmt::Loop(body_out));
        Ok(())
    }

    /// The arguments of a `range(..)` loop (`aura_uast::range_loop`) without a step (this
    /// counting loop has none; a step goes through the builtin) when `range` is the builtin.
    fn range_args<'e>(&mut self, iter: &'e uast::Expr) -> R<Option<&'e [uast::Expr]>> {
        let Some(range) = aura_uast::range_loop(iter).filter(|r| r.step.is_none()) else {
            return Ok(None);
        };
        match self.resolve("range")? {
            Resolved::Global(Global::Builtin(id))
                if aura_uast::BUILTINS[id as usize].name == "range" =>
            {
                Ok(Some(range.args))
            }
            _ => Ok(None),
        }
    }

    fn assign(&mut self, target: &uast::Target, value: &uast::Expr, out: &mut Vec<Stmt>) -> R<()> {
        match target {
            uast::Target::Var { name, .. } => {
                let resolved = self.resolve(name)?;
                let v = self.expr(value, out)?;
                match resolved {
                    Resolved::Var(var) => out.push(var_write(var, v)),
                    Resolved::Global(Global::Slot { g, .. }) => out.push(Stmt::SetGlobal(g, v)),
                    Resolved::Global(_) => {
                        return err(format!("cannot assign to the builtin `{name}`"))
                    }
                }
            }
            uast::Target::Field { object, field, .. } => {
                let o = self.operand(object, out)?;
                let key = self.str_const(&field.name);
                let v = self.expr(value, out)?;
                out.push(Stmt::Expr(rt(
                    Core::FieldSet,
                    vec![o, Expr::Global(key), v],
                )));
            }
            uast::Target::Index { object, index, .. } => {
                let o = self.operand(object, out)?;
                let i = self.operand(index, out)?;
                let v = self.operand(value, out)?;
                let stored = self.temp()?;
                out.push(Stmt::Set(stored, c(0)));
                out.push(if_list(
                    &o,
                    Some(&i),
                    vec![
                        Stmt::Store {
                            addr: list_item(&o, &i),
                            offset: 0,
                            value: v.clone(),
                        },
                        Stmt::Set(stored, c(1)),
                    ],
                ));
                out.push(Stmt::If {
                    cond: bin(BinOp::Eq, Expr::Local(stored), c(0)),
                    then: vec![Stmt::Expr(rt(Core::IndexSet, vec![o, i, v]))],
                    otherwise: Vec::new(),
                });
            }
        }
        Ok(())
    }

    /// Keeps `e` in a temp unless it is a constant or a local (which nothing inside an
    /// expression can change).
    pub(crate) fn stable(&mut self, e: Expr, out: &mut Vec<Stmt>) -> R<Expr> {
        match e {
            Expr::Const(_) | Expr::Local(_) => return Ok(e),
            Expr::Global(g) if self.is_const_global(g) => return Ok(e),
            _ => {}
        }
        let t = self.temp()?;
        out.push(Stmt::Set(t, e));
        Ok(Expr::Local(t))
    }

    /// Lowers `e` to a stable expression (see [`Lowerer::stable`]).
    fn operand(&mut self, e: &uast::Expr, out: &mut Vec<Stmt>) -> R<Expr> {
        let v = self.expr(e, out)?;
        self.stable(v, out)
    }

    /// A raw condition (non-zero: true). Comparisons and `not`/`and`/`or` skip the bool value.
    fn cond(&mut self, e: &uast::Expr, out: &mut Vec<Stmt>) -> R<Expr> {
        match e {
            uast::Expr::Bool { value, .. } => Ok(c(i64::from(*value))),
            uast::Expr::Unary {
                op: UnaryOp::Not,
                operand,
                ..
            } => {
                let inner = self.cond(operand, out)?;
                Ok(bin(BinOp::Eq, inner, c(0)))
            }
            uast::Expr::Binary {
                op: op @ (BinaryOp::And | BinaryOp::Or),
                lhs,
                rhs,
                ..
            } => {
                let t = self.temp()?;
                let l = self.cond(lhs, out)?;
                out.push(Stmt::Set(t, l));
                let mut rest = Vec::new();
                let r = self.cond(rhs, &mut rest)?;
                rest.push(Stmt::Set(t, r));
                let guard = match op {
                    BinaryOp::And => Expr::Local(t),
                    _ => bin(BinOp::Eq, Expr::Local(t), c(0)),
                };
                out.push(Stmt::If {
                    cond: guard,
                    then: rest,
                    otherwise: Vec::new(),
                });
                Ok(Expr::Local(t))
            }
            uast::Expr::Binary { op, lhs, rhs, .. } if cmp_ops(*op).is_some() => {
                let Some((raw, slow)) = cmp_ops(*op) else {
                    return err("internal: comparison");
                };
                let a = self.operand(lhs, out)?;
                let b = self.operand(rhs, out)?;
                let t = self.temp()?;
                let runtime = vec![Stmt::Set(t, truthy(rt(slow, vec![a.clone(), b.clone()])))];
                let const_globals = &self.const_globals;
                let inline_floats = self.inline_floats;
                let boxed = |e: &Expr| matches!(e, Expr::Global(g) if const_globals.contains(g));
                let float_code = float_comparison(*op, &a, &b, boxed).filter(|_| inline_floats);
                let otherwise = match float_code {
                    Some((guard, flag)) => vec![Stmt::If {
                        cond: guard,
                        then: vec![Stmt::Set(t, flag)],
                        otherwise: runtime,
                    }],
                    None => runtime,
                };
                out.push(Stmt::If {
                    cond: both_small(&a, &b),
                    then: vec![Stmt::Set(t, bin(raw, a.clone(), b.clone()))],
                    otherwise,
                });
                Ok(Expr::Local(t))
            }
            other => {
                let v = self.expr(other, out)?;
                Ok(truthy(v))
            }
        }
    }

    pub(crate) fn expr(&mut self, e: &uast::Expr, out: &mut Vec<Stmt>) -> R<Expr> {
        Ok(match e {
            uast::Expr::Nil { .. } => c(NIL),
            uast::Expr::Bool { value, .. } => c(if *value { TRUE } else { FALSE }),
            uast::Expr::Int { value, .. } => {
                if (SMALL_MIN..=SMALL_MAX).contains(value) {
                    c((value << 1) | 1)
                } else {
                    Expr::Global(self.int_const(*value))
                }
            }
            uast::Expr::Float { value, .. } => match imm_float_word(value.to_bits()) {
                Some(word) => c(word),
                None => Expr::Global(self.float_const(*value)),
            },
            uast::Expr::Str { value, .. } => Expr::Global(self.str_const(value)),
            uast::Expr::List { items, .. } => {
                let values = self.args(items, out)?;
                self.argv_call(values, out, |argc, argv| {
                    rt(Core::ListNew, vec![argc, argv])
                })?
            }
            uast::Expr::Map { entries, .. } => {
                let m = self.temp()?;
                out.push(Stmt::Set(m, rt(Core::MapNew, vec![])));
                for entry in entries {
                    let key = self.str_const(&entry.key);
                    let v = self.expr(&entry.value, out)?;
                    out.push(Stmt::Expr(rt(
                        Core::MapPut,
                        vec![Expr::Local(m), Expr::Global(key), v],
                    )));
                }
                Expr::Local(m)
            }
            uast::Expr::Var { name, .. } => match self.resolve(name)? {
                Resolved::Var(var) => var_read(var),
                Resolved::Global(Global::Slot { g, .. }) => Expr::Global(g),
                Resolved::Global(Global::Builtin(b)) => rt(Core::BuiltinFn, vec![c(i64::from(b))]),
                Resolved::Global(Global::Capability(cap)) => self.capability_value(cap, out)?,
            },
            uast::Expr::SelfRef { .. } => {
                if self.ctx()?.is_fn {
                    Expr::Local(1)
                } else {
                    c(NIL)
                }
            }
            uast::Expr::Unary { op, operand, .. } => {
                let v = self.expr(operand, out)?;
                match op {
                    UnaryOp::Neg => self.negate(v, out)?,
                    UnaryOp::BitNot => self.bit_not(v, out)?,
                    // `Select` operands must call nothing: the operand is computed first.
                    UnaryOp::Not => Expr::Select(
                        Box::new(truthy(self.stable(v, out)?)),
                        Box::new(c(FALSE)),
                        Box::new(c(TRUE)),
                    ),
                }
            }
            uast::Expr::Binary { op, lhs, rhs, .. } => self.binary(*op, lhs, rhs, out)?,
            uast::Expr::Call { callee, args, .. } => self.call(callee, args, out)?,
            uast::Expr::Send {
                receiver,
                method,
                args,
                ..
            } => {
                if let uast::Expr::Var { name, .. } = receiver.as_ref() {
                    if let Resolved::Global(Global::Capability(cap)) = self.resolve(name)? {
                        let cap_name = self.str_const(aura_uast::CAPABILITIES[usize::from(cap)]);
                        let method = self.str_const(&method.name);
                        let values = self.args(args, out)?;
                        return self.argv_call(values, out, |argc, argv| {
                            rt(
                                Core::Capability,
                                vec![Expr::Global(cap_name), Expr::Global(method), argc, argv],
                            )
                        });
                    }
                }
                let r = self.operand(receiver, out)?;
                let name = self.str_const(&method.name);
                let values = self.args(args, out)?;
                self.argv_call(values, out, |argc, argv| {
                    rt(Core::Send, vec![r, Expr::Global(name), argc, argv])
                })?
            }
            uast::Expr::Field { object, field, .. } => {
                let o = self.expr(object, out)?;
                let key = self.str_const(&field.name);
                rt(Core::Field, vec![o, Expr::Global(key)])
            }
            uast::Expr::Index { object, index, .. } => {
                let o = self.operand(object, out)?;
                let i = self.operand(index, out)?;
                // An item is never the word 0: 0 means "not read inline".
                let r = self.temp()?;
                out.push(Stmt::Set(r, c(0)));
                out.push(if_list(
                    &o,
                    Some(&i),
                    vec![Stmt::Set(r, Expr::load(list_item(&o, &i), 0))],
                ));
                out.push(Stmt::If {
                    cond: bin(BinOp::Eq, Expr::Local(r), c(0)),
                    then: vec![Stmt::Set(r, rt(Core::Index, vec![o, i]))],
                    otherwise: Vec::new(),
                });
                Expr::Local(r)
            }
            uast::Expr::Lambda { params, body, .. } => self.lambda(None, params, body, out)?,
        })
    }

    /// A capability as a value: by convention `rt_capability(cap, nil, 0, argv)` returns it
    /// (see `runtime.rs`).
    fn capability_value(&mut self, cap: u8, out: &mut Vec<Stmt>) -> R<Expr> {
        let cap_name = self.str_const(aura_uast::CAPABILITIES[usize::from(cap)]);
        self.argv_call(Vec::new(), out, |argc, argv| {
            rt(
                Core::Capability,
                vec![Expr::Global(cap_name), c(NIL), argc, argv],
            )
        })
    }

    /// Arguments, evaluated left to right into stable values.
    fn args(&mut self, args: &[uast::Expr], out: &mut Vec<Stmt>) -> R<Vec<Expr>> {
        args.iter().map(|a| self.operand(a, out)).collect()
    }

    /// Writes `values` to the argument stack, raises its top for the call `make(argc, argv)`,
    /// restores it after; the result is in a temp.
    fn argv_call(
        &mut self,
        values: Vec<Expr>,
        out: &mut Vec<Stmt>,
        make: impl FnOnce(Expr, Expr) -> Expr,
    ) -> R<Expr> {
        let n = values.len();
        if n == 0 {
            // Nothing to write: the current top serves as an empty argv.
            return Ok(make(c(0), Expr::Global(ARG_STACK_GLOBAL)));
        }
        let base = self.temp()?;
        let result = self.temp()?;
        out.push(Stmt::Set(base, Expr::Global(ARG_STACK_GLOBAL)));
        for (i, v) in values.into_iter().enumerate() {
            out.push(Stmt::Store {
                addr: Expr::Local(base),
                offset: 8 * i as u32,
                value: v,
            });
        }
        out.push(Stmt::SetGlobal(
            ARG_STACK_GLOBAL,
            bin(BinOp::Add, Expr::Local(base), c(8 * n as i64)),
        ));
        out.push(Stmt::Set(result, make(c(n as i64), Expr::Local(base))));
        out.push(Stmt::SetGlobal(ARG_STACK_GLOBAL, Expr::Local(base)));
        Ok(Expr::Local(result))
    }

    fn call(&mut self, callee: &uast::Expr, args: &[uast::Expr], out: &mut Vec<Stmt>) -> R<Expr> {
        if let uast::Expr::Var { name, .. } = callee {
            match self.resolve(name)? {
                Resolved::Global(Global::Slot {
                    func: Some(ids),
                    direct: true,
                    ..
                }) if ids.arity == args.len() => {
                    let mut call_args = vec![c(NIL), c(NIL)];
                    call_args.extend(self.args(args, out)?);
                    return Ok(Expr::Call(ids.direct, call_args));
                }
                Resolved::Global(Global::Builtin(b))
                    if args.len() == 1
                        && aura_uast::BUILTINS.get(usize::from(b)).map(|x| x.name)
                            == Some("len") =>
                {
                    // `len(l)` of a list is its length word, tagged (never 0: 0 means "not
                    // read inline"); anything else is the builtin's.
                    let x = self.operand(&args[0], out)?;
                    let r = self.temp()?;
                    out.push(Stmt::Set(r, c(0)));
                    out.push(if_list(
                        &x,
                        None,
                        vec![Stmt::Set(r, tag(Expr::load(x.clone(), LIST_LEN)))],
                    ));
                    let mut slow = Vec::new();
                    let value = self.argv_call(vec![x], &mut slow, |argc, argv| {
                        Expr::CallRt(RtFn::Builtin(b), vec![argc, argv])
                    })?;
                    slow.push(Stmt::Set(r, value));
                    out.push(Stmt::If {
                        cond: bin(BinOp::Eq, Expr::Local(r), c(0)),
                        then: slow,
                        otherwise: Vec::new(),
                    });
                    return Ok(Expr::Local(r));
                }
                Resolved::Global(Global::Builtin(b)) => {
                    let values = self.args(args, out)?;
                    return self.argv_call(values, out, |argc, argv| {
                        Expr::CallRt(RtFn::Builtin(b), vec![argc, argv])
                    });
                }
                _ => {}
            }
        }
        let f = self.operand(callee, out)?;
        let values = self.args(args, out)?;
        self.argv_call(values, out, |argc, argv| {
            rt(Core::Call, vec![f, c(NIL), argc, argv])
        })
    }

    /// `~v`: on a small int word, flipping every bit but the tag gives the tagged complement.
    fn bit_not(&mut self, v: Expr, out: &mut Vec<Stmt>) -> R<Expr> {
        let a = self.stable(v, out)?;
        let r = self.temp()?;
        out.push(Stmt::If {
            cond: bin(BinOp::And, a.clone(), c(1)),
            then: vec![Stmt::Set(r, bin(BinOp::Xor, a.clone(), c(-2)))],
            otherwise: vec![Stmt::Set(r, rt(Core::BitNot, vec![a]))],
        });
        Ok(Expr::Local(r))
    }

    /// `-v`: an immediate float's sign is bit 3 of its word; the rest is the runtime's.
    fn negate(&mut self, v: Expr, out: &mut Vec<Stmt>) -> R<Expr> {
        if let Expr::Const(w) = v {
            if w & 7 == IMM_FLOAT_TAG {
                return Ok(c(w ^ 8));
            }
        }
        if !self.inline_floats {
            return Ok(rt(Core::Neg, vec![v]));
        }
        let v = self.stable(v, out)?;
        let r = self.temp()?;
        out.push(Stmt::If {
            cond: bin(
                BinOp::Eq,
                bin(BinOp::And, v.clone(), c(7)),
                c(IMM_FLOAT_TAG),
            ),
            then: vec![Stmt::Set(r, bin(BinOp::Xor, v.clone(), c(8)))],
            otherwise: vec![Stmt::Set(r, rt(Core::Neg, vec![v]))],
        });
        Ok(Expr::Local(r))
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &uast::Expr,
        rhs: &uast::Expr,
        out: &mut Vec<Stmt>,
    ) -> R<Expr> {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            // Short circuit, returning the deciding operand.
            let t = self.temp()?;
            let l = self.expr(lhs, out)?;
            out.push(Stmt::Set(t, l));
            let mut rest = Vec::new();
            let r = self.expr(rhs, &mut rest)?;
            rest.push(Stmt::Set(t, r));
            let decided = truthy(Expr::Local(t));
            let guard = match op {
                BinaryOp::And => decided,
                _ => bin(BinOp::Eq, decided, c(0)),
            };
            out.push(Stmt::If {
                cond: guard,
                then: rest,
                otherwise: Vec::new(),
            });
            return Ok(Expr::Local(t));
        }
        let a = self.operand(lhs, out)?;
        let b = self.operand(rhs, out)?;
        let r = self.temp()?;
        let slow = |core: Core| vec![Stmt::Set(r, rt(core, vec![a.clone(), b.clone()]))];
        let const_globals = &self.const_globals;
        let inline_floats = self.inline_floats;
        let boxed = |e: &Expr| matches!(e, Expr::Global(g) if const_globals.contains(g));
        // Two immediate floats: the f64 operation inline, kept when its result is immediate too.
        let float_arith = |fop: BinOp, core: Core| match inline_numbers(&a, &b, boxed)
            .filter(|_| inline_floats)
        {
            None => slow(core),
            Some(guard) => vec![Stmt::If {
                cond: guard,
                then: vec![
                    Stmt::Set(r, {
                        let (x, y) = number_operand_bits(&a, &b);
                        float_word(bin(fop, x, y))
                    }),
                    Stmt::If {
                        cond: float_word_misfits(&Expr::Local(r)),
                        then: slow(core),
                        otherwise: Vec::new(),
                    },
                ],
                otherwise: slow(core),
            }],
        };
        let stmt = match op {
            BinaryOp::Add | BinaryOp::Sub => {
                // Tagged: a + (b - 1) (resp. a - (b - 1)) is the tagged sum (difference); the
                // 64-bit operation overflows exactly when the small int result would.
                let (core, fop) = if op == BinaryOp::Add {
                    (Core::Add, BinOp::FAdd)
                } else {
                    (Core::Sub, BinOp::FSub)
                };
                let b1 = minus_one(&b);
                let (raw, overflow) = if op == BinaryOp::Add {
                    let sum = bin(BinOp::Add, a.clone(), b1.clone());
                    // Signed overflow of x + y: both differ in sign from the result.
                    let of = bin(
                        BinOp::And,
                        bin(BinOp::Xor, a.clone(), Expr::Local(r)),
                        bin(BinOp::Xor, b1.clone(), Expr::Local(r)),
                    );
                    (sum, of)
                } else {
                    let diff = bin(BinOp::Sub, a.clone(), b1.clone());
                    // Signed overflow of x - y: x and y differ in sign, and x and the result.
                    let of = bin(
                        BinOp::And,
                        bin(BinOp::Xor, a.clone(), b1.clone()),
                        bin(BinOp::Xor, a.clone(), Expr::Local(r)),
                    );
                    (diff, of)
                };
                Stmt::If {
                    cond: both_small(&a, &b),
                    then: vec![
                        Stmt::Set(r, raw),
                        Stmt::If {
                            cond: bin(BinOp::LtS, overflow, c(0)),
                            then: slow(core),
                            otherwise: Vec::new(),
                        },
                    ],
                    otherwise: float_arith(fop, core),
                }
            }
            BinaryOp::Mul => {
                // Both factors within 31 bits: the product fits a small int.
                let guard = and(both_small(&a, &b), and(fits31(&a), fits31(&b)));
                Stmt::If {
                    cond: guard,
                    then: vec![Stmt::Set(r, tag(bin(BinOp::Mul, untag(&a), untag(&b))))],
                    otherwise: float_arith(BinOp::FMul, Core::Mul),
                }
            }
            BinaryOp::Div | BinaryOp::Rem => {
                // A positive small divisor: no division by zero, no overflow; DivS truncates and
                // RemS takes the dividend's sign, like Aura.
                let (raw, core) = if op == BinaryOp::Div {
                    (BinOp::DivS, Core::Div)
                } else {
                    (BinOp::RemS, Core::Mod)
                };
                let positive = match small_const(&b) {
                    Some(w) => c(i64::from(w > 1)),
                    None => bin(BinOp::GtS, b.clone(), c(1)),
                };
                Stmt::If {
                    cond: and(both_small(&a, &b), positive),
                    then: vec![Stmt::Set(r, tag(bin(raw, untag(&a), untag(&b))))],
                    // Aura's float `%` is not IEEE's remainder: left to the runtime.
                    otherwise: if op == BinaryOp::Div {
                        float_arith(BinOp::FDiv, core)
                    } else {
                        slow(core)
                    },
                }
            }
            BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor => {
                // On tagged words `a & b` and `a | b` are already the tagged result; `a ^ b`
                // clears the tag bit, which is set back.
                let (raw, core) = match op {
                    BinaryOp::BitAnd => (bin(BinOp::And, a.clone(), b.clone()), Core::BitAnd),
                    BinaryOp::BitOr => (bin(BinOp::Or, a.clone(), b.clone()), Core::BitOr),
                    _ => (
                        bin(BinOp::Or, bin(BinOp::Xor, a.clone(), b.clone()), c(1)),
                        Core::BitXor,
                    ),
                };
                Stmt::If {
                    cond: both_small(&a, &b),
                    then: vec![Stmt::Set(r, raw)],
                    otherwise: slow(core),
                }
            }
            BinaryOp::Shr => {
                // A small int shifted right stays small; counts outside 0..63 take the slow path.
                Stmt::If {
                    cond: and(both_small(&a, &b), count_below_64(&b)),
                    then: vec![Stmt::Set(r, tag(bin(BinOp::ShrS, untag(&a), untag(&b))))],
                    otherwise: slow(Core::Shr),
                }
            }
            BinaryOp::Shl => {
                // Shifted in 64 bits, then tagged when the result is still a small int (shifting
                // one bit out and back gives it back); else the runtime boxes it.
                let raw = Expr::Local(r);
                let fits = bin(
                    BinOp::Eq,
                    bin(BinOp::ShrS, bin(BinOp::Shl, raw.clone(), c(1)), c(1)),
                    raw.clone(),
                );
                Stmt::If {
                    cond: and(both_small(&a, &b), count_below_64(&b)),
                    then: vec![
                        Stmt::Set(r, bin(BinOp::Shl, untag(&a), untag(&b))),
                        Stmt::If {
                            cond: fits,
                            then: vec![Stmt::Set(r, tag(raw))],
                            otherwise: slow(Core::Shl),
                        },
                    ],
                    otherwise: slow(Core::Shl),
                }
            }
            other => {
                let Some((raw, core)) = cmp_ops(other) else {
                    return err(format!("internal: operator {}", other.symbol()));
                };
                let boolean = |flag: Expr| {
                    Expr::Select(Box::new(flag), Box::new(c(TRUE)), Box::new(c(FALSE)))
                };
                let float_compare = float_comparison(other, &a, &b, boxed)
                    .filter(|_| inline_floats)
                    .map(|(guard, flag)| Stmt::If {
                        cond: guard,
                        then: vec![Stmt::Set(r, boolean(flag))],
                        otherwise: slow(core),
                    });
                Stmt::If {
                    cond: both_small(&a, &b),
                    then: vec![Stmt::Set(r, boolean(bin(raw, a.clone(), b.clone())))],
                    otherwise: match float_compare {
                        Some(stmt) => vec![stmt],
                        None => slow(core),
                    },
                }
            }
        };
        out.push(stmt);
        Ok(Expr::Local(r))
    }
}
