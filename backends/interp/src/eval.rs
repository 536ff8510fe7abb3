//! The evaluator: walks the resolved tree. Locals live in one value stack shared by all frames
//! (a call pushes its arguments, grows the stack to the callee's slot count and truncates it on
//! return); captured locals live in cells on a parallel cell stack.

use crate::builtins;
use crate::limits;
use crate::ops;
use crate::tree::{Block, Capture, Expr, FnProto, Op, SendCache, SendNode, Stmt, Var};
use crate::value::{err, type_err, Closure, Entries, Key, List, Map, Object, Value, R};
use crate::Host;
use aura_facts::{ErrorKind, RuntimeError};
use std::cell::Cell;
use std::rc::Rc;

use crate::gc::CellBox;
pub(crate) use crate::gc::CellRef;

/// How a statement finished. A returned value waits in `Machine::ret`, so `R<Flow>` is two
/// words and travels in registers (`repr(u64)`: a word like the error's `Box`, which makes the
/// `Result` a scalar pair).
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Flow {
    Normal,
    Break,
    Continue,
    Return,
}

/// The frame of the running call.
pub(crate) struct Frame<'f> {
    base: usize,
    cbase: usize,
    upvals: &'f [CellRef],
    this: &'f Value,
}

/// The state of one top-level call.
pub(crate) struct Machine<'a> {
    pub globals: &'a mut Vec<Value>,
    pub stack: Vec<Value>,
    pub cells: Vec<Option<CellRef>>,
    pub host: &'a mut dyn Host,
    pub depth: usize,
    pub max_depth: usize,
    /// Units left in the current slice (see `refuel`).
    pub fuel: u64,
    /// Units left beyond the slice; `fuel + reserve` is `u64::MAX` when unlimited.
    pub reserve: u64,
    pub dnu: &'a Key,
    /// `Program::direct`: by global index, the top-level functions calls may enter directly.
    pub direct: &'a [Option<Rc<FnProto>>],
    /// See `stack_floor`.
    pub stack_floor: usize,
    /// Stack segments grown so far (bounded by `limits::MAX_SEGMENTS`).
    pub segments: usize,
    /// The value of the `return` being carried out (see `Flow::Return`).
    pub ret: Value,
    /// The argument of the last `error(v)` call: the `value` of the error a `try` catches.
    pub error_value: Value,
}

impl Machine<'_> {
    #[inline(always)]
    fn tick(&mut self) -> R<()> {
        if self.fuel == 0 {
            return self.refuel();
        }
        self.fuel -= 1;
        Ok(())
    }

    /// The slice is spent: look at the deadline, then move the next slice out of the reserve
    /// (and spend one unit of it).
    #[cold]
    #[inline(never)]
    fn refuel(&mut self) -> R<()> {
        if limits::deadline_passed() {
            return Err(limits::past_deadline());
        }
        if self.reserve == 0 {
            return Err(limits::out_of_fuel());
        }
        let slice = self.reserve.min(limits::FUEL_SLICE);
        self.reserve -= slice;
        self.fuel = slice - 1;
        Ok(())
    }

    /// All the fuel left.
    pub(crate) fn fuel_left(&self) -> u64 {
        self.fuel.saturating_add(self.reserve)
    }

    fn set_fuel_left(&mut self, left: u64) {
        self.fuel = left.min(limits::FUEL_SLICE);
        self.reserve = left - self.fuel;
    }

    // -----------------------------------------------------------------------------------------
    // Calls

    /// Calls `callee` with the arguments on the stack from `base`; they are consumed.
    pub(crate) fn call(&mut self, callee: Value, this: Value, base: usize) -> R<Value> {
        match callee {
            Value::Fn(c) => self.invoke(&c, this, base),
            Value::Builtin(b) => self.builtin(b, base),
            other => {
                self.stack.truncate(base);
                Err(type_err(format!(
                    "cannot call a value of type {}",
                    other.type_name()
                )))
            }
        }
    }

    /// Calls a closure with its arguments on the stack from `base`.
    pub(crate) fn invoke(&mut self, c: &Rc<Closure>, this: Value, base: usize) -> R<Value> {
        let p: &FnProto = &c.proto;
        let nargs = self.stack.len() - base;
        if nargs != p.params as usize {
            self.stack.truncate(base);
            return Err(arity_error(p, nargs));
        }
        self.enter(p, &c.upvals, &this, base)
    }

    /// Calls the top-level function `p` (no upvalues, `self` nil) with `args` (as many as its
    /// parameters), evaluated straight onto the stack.
    #[inline(never)]
    fn call_direct(&mut self, p: &FnProto, args: &[Expr], f: &Frame) -> R<Value> {
        let base = self.stack.len();
        for a in args {
            let v = self.eval_quick(a, f)?;
            self.stack.push(v);
        }
        self.enter(p, &[], &Value::Nil, base)
    }

    /// Runs `p`'s body with its arguments (already checked) on the stack from `base`.
    #[inline(always)]
    fn enter(&mut self, p: &FnProto, upvals: &[CellRef], this: &Value, base: usize) -> R<Value> {
        self.tick()?;
        if self.depth >= self.max_depth {
            return Err(self.too_deep());
        }
        self.depth += 1;
        // Parameters are already on the stack; only the other locals start as nil.
        for _ in p.params..p.slots {
            self.stack.push(Value::Nil);
        }
        let cbase = self.cells.len();
        if p.cells > 0 {
            self.cells.resize(cbase + p.cells as usize, None);
            for &(param, cell) in p.param_cells.iter() {
                let v = std::mem::take(&mut self.stack[base + param as usize]);
                self.cells[cbase + cell as usize] = Some(CellBox::new(v));
            }
        }
        let frame = Frame {
            base,
            cbase,
            upvals,
            this,
        };
        let flow = if near_stack_end(self.stack_floor) {
            self.grow_and_run(&p.body, &frame)
        } else {
            self.block(&p.body, &frame)
        };
        self.depth -= 1;
        truncate(&mut self.stack, base);
        if p.cells > 0 {
            self.cells.truncate(cbase);
        }
        match flow? {
            Flow::Return => Ok(std::mem::take(&mut self.ret)),
            _ => Ok(Value::Nil),
        }
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self) -> crate::value::Error {
        err(
            ErrorKind::StackOverflow,
            format!("more than {} nested calls", self.max_depth),
        )
    }

    /// Runs a function body on a new stack segment (the current one is nearly used up).
    #[cold]
    #[inline(never)]
    fn grow_and_run(&mut self, body: &Block, frame: &Frame) -> R<Flow> {
        if self.segments >= limits::MAX_SEGMENTS {
            return Err(err(
                ErrorKind::StackOverflow,
                format!(
                    "the interpreter's stack ({} MiB) is used up at {} nested calls",
                    limits::MAX_SEGMENTS * limits::STACK_SEGMENT / (1024 * 1024),
                    self.depth
                ),
            ));
        }
        self.segments += 1;
        let saved = self.stack_floor;
        let result = stacker::grow(limits::STACK_SEGMENT, || {
            self.stack_floor = stack_floor();
            self.block(body, frame)
        });
        self.stack_floor = saved;
        self.segments -= 1;
        result
    }

    fn builtin(&mut self, id: u16, base: usize) -> R<Value> {
        // The commonest calls, without the generic arity check and argument clones (the
        // arguments are ours to move).
        match (id, &self.stack[base..]) {
            (builtins::STR, [Value::Int(n)]) => {
                let n = *n;
                let _ = self.stack.pop();
                return Ok(Value::Str(crate::value::Str::int(n)?));
            }
            (builtins::PUSH, [Value::List(_), _]) => {
                let item = self.stack.pop().unwrap_or_default();
                let Some(Value::List(list)) = self.stack.pop() else {
                    return Ok(Value::Nil);
                };
                limits::charge(crate::value::ELEM)?;
                let mut items = list.items.borrow_mut();
                limits::reserve_vec(&mut items, 1)?;
                items.push(item);
                return Ok(Value::Nil);
            }
            (builtins::ERROR, [v]) => self.error_value = v.clone(),
            _ => {}
        }
        limits::set_work_left(self.fuel_left());
        let Machine { stack, host, .. } = self;
        let result = builtins::call(id, &stack[base..], &mut **host);
        self.set_fuel_left(limits::work_left());
        truncate(&mut self.stack, base);
        result
    }

    /// A message send with the arguments on the stack from `base`.
    #[inline(never)]
    pub(crate) fn send(
        &mut self,
        receiver: Value,
        name: &Key,
        base: usize,
        cache: Option<&Cell<SendCache>>,
    ) -> R<Value> {
        match &receiver {
            Value::Object(o) => match match cache {
                Some(cache) => o.lookup_cached(name, cache),
                None => o.lookup(name),
            } {
                Some(Value::Fn(c)) => self.invoke(&c, receiver, base),
                Some(Value::Builtin(b)) => self.builtin(b, base),
                Some(other) => {
                    self.stack.truncate(base);
                    Err(type_err(format!(
                        "slot `{}` of {} holds a {}, not a function",
                        name.as_str(),
                        crate::print::to_string(&receiver),
                        other.type_name()
                    )))
                }
                None => match o.lookup(self.dnu) {
                    Some(handler @ (Value::Fn(_) | Value::Builtin(_))) => {
                        let args: Vec<Value> = self.stack.split_off(base);
                        let args = Value::List(List::new(args)?);
                        self.stack.push(Value::Str(name.0.clone()));
                        self.stack.push(args);
                        self.call(handler, receiver, base)
                    }
                    _ => {
                        self.stack.truncate(base);
                        let suggestion = nearest_method(o, name);
                        Err(does_not_understand(o.display_name(), name, suggestion))
                    }
                },
            },
            Value::Map(m) => match m.get(name.as_str()) {
                Some(Value::Fn(c)) => self.invoke(&c, receiver, base),
                Some(Value::Builtin(b)) => self.builtin(b, base),
                _ => {
                    self.stack.truncate(base);
                    let entries = m.entries.borrow();
                    let methods = entries
                        .iter()
                        .filter(|(_, v)| is_callable(v))
                        .map(|(k, _)| k.as_str());
                    let suggestion = aura_facts::suggest::closest(name.as_str(), methods);
                    Err(does_not_understand("map", name, suggestion))
                }
            },
            Value::Capability(c) => {
                let args: Vec<Value> = self.stack.split_off(base);
                let capability = aura_uast::CAPABILITIES
                    .get(*c as usize)
                    .copied()
                    .unwrap_or("");
                let result = crate::capability::call(self.host, capability, name.as_str(), &args);
                // The host may have changed objects' slots.
                crate::value::shapes_changed();
                result.map_err(Box::new)
            }
            other => {
                self.stack.truncate(base);
                Err(does_not_understand(other.type_name(), name, None))
            }
        }
    }

    fn push_args(&mut self, args: &[Expr], f: &Frame) -> R<usize> {
        let base = self.stack.len();
        for a in args {
            let v = self.eval_quick(a, f)?;
            self.stack.push(v);
        }
        Ok(base)
    }

    #[inline(never)]
    fn make_closure(&mut self, p: &Rc<FnProto>, f: &Frame) -> R<Value> {
        limits::check(Closure::bytes(p.captures.len()))?;
        let mut upvals = Vec::with_capacity(p.captures.len());
        for cap in p.captures.iter() {
            upvals.push(match *cap {
                Capture::Cell(c) => match &self.cells[f.cbase + c as usize] {
                    Some(cell) => cell.clone(),
                    None => CellBox::new(Value::Nil),
                },
                Capture::Upval(u) => f.upvals[u as usize].clone(),
            });
        }
        Ok(Value::Fn(Closure::new(
            p.clone(),
            upvals.into_boxed_slice(),
        )))
    }

    // -----------------------------------------------------------------------------------------
    // Statements

    #[inline(always)]
    pub(crate) fn block(&mut self, block: &Block, f: &Frame) -> R<Flow> {
        for s in block.iter() {
            match self.stmt(s, f)? {
                Flow::Normal => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    #[inline]
    fn cell(&self, f: &Frame, c: u32) -> R<&CellRef> {
        self.cells[f.cbase + c as usize]
            .as_ref()
            .ok_or_else(|| type_err("variable used before it was defined"))
    }

    /// Binds a loop variable to an int (overwriting an int in place).
    #[inline(always)]
    fn bind_int(&mut self, var: Var, f: &Frame, n: i64) {
        if let Var::Local(s) = var {
            let slot = &mut self.stack[f.base + s as usize];
            if let Value::Int(x) = slot {
                *x = n;
                return;
            }
        }
        self.bind(var, f, Value::Int(n));
    }

    #[inline]
    fn bind(&mut self, var: Var, f: &Frame, v: Value) {
        match var {
            Var::Local(s) => self.stack[f.base + s as usize] = v,
            Var::Cell(c) => self.cells[f.cbase + c as usize] = Some(CellBox::new(v)),
        }
    }

    fn stmt(&mut self, s: &Stmt, f: &Frame) -> R<Flow> {
        self.tick()?;
        match s {
            Stmt::Expr(e) => {
                let _ = self.eval(e, f)?;
            }
            Stmt::SetLocal(slot, e) => {
                let v = self.eval_quick(e, f)?;
                self.stack[f.base + *slot as usize] = v;
            }
            Stmt::AppendLocal(slot, e) => {
                let rhs = self.eval_quick(e, f)?;
                let i = f.base + *slot as usize;
                if let (Value::Int(x), Value::Int(y)) = (&mut self.stack[i], &rhs) {
                    *x = x.checked_add(*y).ok_or_else(ops::overflow)?;
                } else {
                    let lhs = std::mem::take(&mut self.stack[i]);
                    self.stack[i] = ops::add_owned(lhs, rhs)?;
                }
            }
            Stmt::AddLocalInt(slot, k) => {
                let i = f.base + *slot as usize;
                if let Value::Int(x) = &mut self.stack[i] {
                    *x = x.checked_add(*k).ok_or_else(ops::overflow)?;
                } else {
                    let lhs = std::mem::take(&mut self.stack[i]);
                    self.stack[i] = ops::add_owned(lhs, Value::Int(*k))?;
                }
            }
            Stmt::NewCell(..)
            | Stmt::SetCell(..)
            | Stmt::SetUpval(..)
            | Stmt::SetGlobal(..)
            | Stmt::SetField(..)
            | Stmt::SetIndex(..) => self.stmt_other(s, f)?,
            Stmt::If(cond, then, otherwise) => {
                return if self.truthy_quick(cond, f)? {
                    self.block(then, f)
                } else {
                    self.block(otherwise, f)
                };
            }
            Stmt::While(cond, body) => loop {
                if !self.truthy_quick(cond, f)? {
                    break;
                }
                self.tick()?;
                match self.block(body, f)? {
                    Flow::Break => break,
                    Flow::Normal | Flow::Continue => {}
                    Flow::Return => return Ok(Flow::Return),
                }
            },
            Stmt::ForRange { var, args, body } => return self.for_range(*var, args, body, f),
            Stmt::For { var, iter, body } => {
                let iter = self.eval(iter, f)?;
                return self.for_in(*var, iter, body, f);
            }
            Stmt::Return(e) => {
                let v = self.eval_quick(e, f)?;
                // `ret` is nil here (`invoke` takes it as soon as it is set): skip its drop.
                if let Value::Nil = self.ret {
                    std::mem::forget(std::mem::replace(&mut self.ret, v));
                } else {
                    self.ret = v;
                }
                return Ok(Flow::Return);
            }
            Stmt::Break => return Ok(Flow::Break),
            Stmt::Continue => return Ok(Flow::Continue),
            Stmt::Try { body, var, handler } => return self.try_catch(body, *var, handler, f),
        }
        Ok(Flow::Normal)
    }

    /// `try { body } catch var { handler }`: a catchable error of `body` (or of anything it
    /// calls) leaves the stacks as they were at the `try` and runs `handler` with `var` bound to
    /// the error's map (`spec/language.md`, "Errors").
    #[inline(never)]
    fn try_catch(&mut self, body: &Block, var: Var, handler: &Block, f: &Frame) -> R<Flow> {
        let (stack, cells, depth) = (self.stack.len(), self.cells.len(), self.depth);
        let error = match self.block(body, f) {
            Ok(flow) => return Ok(flow),
            Err(e) if e.kind.catchable() => e,
            Err(e) => return Err(e),
        };
        truncate(&mut self.stack, stack);
        self.cells.truncate(cells);
        self.depth = depth;
        let value = match error.kind {
            ErrorKind::Error => std::mem::take(&mut self.error_value),
            _ => Value::Nil,
        };
        let RuntimeError { kind, message } = *error;
        let map = Value::map([
            ("kind".to_string(), Value::string(kind.as_str())),
            ("message".to_string(), Value::string(message)),
            ("value".to_string(), value),
        ]);
        self.bind(var, f, map);
        self.block(handler, f)
    }

    /// The less common statements, out of line to keep `stmt`'s frame small (it is on the path
    /// of every nested call).
    #[inline(never)]
    fn stmt_other(&mut self, s: &Stmt, f: &Frame) -> R<()> {
        match s {
            Stmt::NewCell(c, e) => {
                let v = self.eval(e, f)?;
                self.cells[f.cbase + *c as usize] = Some(CellBox::new(v));
            }
            Stmt::SetCell(c, e) => {
                let v = self.eval(e, f)?;
                *self.cell(f, *c)?.borrow_mut() = v;
            }
            Stmt::SetUpval(u, e) => {
                let v = self.eval(e, f)?;
                *f.upvals[*u as usize].borrow_mut() = v;
            }
            Stmt::SetGlobal(g, e) => {
                let v = self.eval(e, f)?;
                self.globals[*g as usize] = v;
            }
            Stmt::SetField(o, key, e) => {
                let object = self.eval(o, f)?;
                let v = self.eval(e, f)?;
                ops::set_field(&object, key, v)?;
            }
            Stmt::SetIndex(o, i, e) => {
                let object = self.eval(o, f)?;
                let index = self.eval(i, f)?;
                let v = self.eval(e, f)?;
                ops::set_index(&object, &index, v)?;
            }
            _ => {}
        }
        Ok(())
    }

    #[inline(never)]
    fn for_range(&mut self, var: Var, args: &[Expr], body: &Block, f: &Frame) -> R<Flow> {
        // Evaluated first, then checked, exactly like a call of the builtin `range`.
        let mut values = [Value::Nil, Value::Nil, Value::Nil];
        for (value, a) in values.iter_mut().zip(args) {
            *value = self.eval(a, f)?;
        }
        let (start, end, step) = builtins::range_bounds(&values[..args.len().min(3)])?;
        let mut i = start;
        while (step > 0 && i < end) || (step < 0 && i > end) {
            self.tick()?;
            self.bind_int(var, f, i);
            match self.block(body, f)? {
                Flow::Break => break,
                Flow::Normal | Flow::Continue => {}
                Flow::Return => return Ok(Flow::Return),
            }
            i = match i.checked_add(step) {
                Some(n) => n,
                None => break,
            };
        }
        Ok(Flow::Normal)
    }

    #[inline(never)]
    fn for_in(&mut self, var: Var, iter: Value, body: &Block, f: &Frame) -> R<Flow> {
        macro_rules! run_body {
            () => {
                match self.block(body, f)? {
                    Flow::Break => break,
                    Flow::Normal | Flow::Continue => {}
                    Flow::Return => return Ok(Flow::Return),
                }
            };
        }
        match &iter {
            Value::List(list) => {
                let mut i = 0;
                loop {
                    let item = match list.items.borrow().get(i) {
                        Some(v) => v.clone(),
                        None => break,
                    };
                    i += 1;
                    self.tick()?;
                    self.bind(var, f, item);
                    run_body!();
                }
            }
            Value::Map(map) => {
                let keys: Vec<Key> = map.entries.borrow().keys().cloned().collect();
                for k in keys {
                    self.tick()?;
                    self.bind(var, f, Value::Str(k.0));
                    run_body!();
                }
            }
            Value::Str(s) => {
                let text = s.as_str();
                for ch in text.chars() {
                    self.tick()?;
                    self.bind(var, f, ops::char_value(ch)?);
                    run_body!();
                }
            }
            other => {
                return Err(type_err(format!(
                    "cannot iterate over a {}",
                    other.type_name()
                )));
            }
        }
        Ok(Flow::Normal)
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    /// `eval` with the trivial nodes inlined at the call site, so their values stay in registers
    /// instead of making a round trip through memory.
    #[inline(always)]
    fn eval_quick(&mut self, e: &Expr, f: &Frame) -> R<Value> {
        match e {
            Expr::Local(s) => Ok(self.stack[f.base + *s as usize].clone()),
            Expr::Const(Value::Int(n)) => Ok(Value::Int(*n)),
            Expr::BinLocalInt(op, s, k) => {
                if let Value::Int(x) = &self.stack[f.base + *s as usize] {
                    return ops::int_op(*op, *x, *k);
                }
                self.eval(e, f)
            }
            Expr::CallGlobal(g, args) => {
                let direct = self.direct;
                if let Some(Some(p)) = direct.get(*g as usize) {
                    if p.params as usize == args.len() {
                        return self.call_direct(p, args, f);
                    }
                }
                self.eval(e, f)
            }
            _ => self.eval(e, f),
        }
    }

    pub(crate) fn eval(&mut self, e: &Expr, f: &Frame) -> R<Value> {
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Local(s) => Ok(self.stack[f.base + *s as usize].clone()),
            Expr::Cell(c) => Ok(self.cell(f, *c)?.borrow().clone()),
            Expr::Upval(u) => Ok(f.upvals[*u as usize].borrow().clone()),
            Expr::Global(g) => Ok(self.globals[*g as usize].clone()),
            Expr::SelfRef => Ok(f.this.clone()),
            Expr::Neg(x) => {
                let v = self.eval(x, f)?;
                ops::neg(&v)
            }
            Expr::BitNot(x) => {
                let v = self.eval(x, f)?;
                ops::bit_not(&v)
            }
            Expr::Not(x) => Ok(Value::Bool(!self.eval(x, f)?.is_truthy())),
            Expr::Bin(op, a, b) => {
                let x = self.eval_quick(a, f)?;
                let y = self.eval_quick(b, f)?;
                if let (Value::Int(x), Value::Int(y)) = (&x, &y) {
                    return ops::int_op(*op, *x, *y);
                }
                if *op == Op::Add {
                    // Temporaries are owned here: `str(i) + ","` appends in place.
                    return ops::add_owned(x, y);
                }
                ops::binary(*op, &x, &y)
            }
            Expr::BinLocalInt(op, s, k) => {
                let x = &self.stack[f.base + *s as usize];
                if let Value::Int(x) = x {
                    return ops::int_op(*op, *x, *k);
                }
                let x = x.clone();
                ops::binary(*op, &x, &Value::Int(*k))
            }
            Expr::BinLocalLocal(op, a, b) => {
                let x = &self.stack[f.base + *a as usize];
                let y = &self.stack[f.base + *b as usize];
                if let (Value::Int(x), Value::Int(y)) = (x, y) {
                    return ops::int_op(*op, *x, *y);
                }
                let (x, y) = (x.clone(), y.clone());
                ops::binary(*op, &x, &y)
            }
            Expr::BinInt(op, a, k) => {
                let x = self.eval(a, f)?;
                if let Value::Int(x) = x {
                    return ops::int_op(*op, x, *k);
                }
                ops::binary(*op, &x, &Value::Int(*k))
            }
            Expr::And(a, b) => {
                let x = self.eval(a, f)?;
                if x.is_truthy() {
                    self.eval(b, f)
                } else {
                    Ok(x)
                }
            }
            Expr::Or(a, b) => {
                let x = self.eval(a, f)?;
                if x.is_truthy() {
                    Ok(x)
                } else {
                    self.eval(b, f)
                }
            }
            Expr::List(items) => self.eval_list(items, f),
            Expr::Map(entries) => self.eval_map(entries, f),
            Expr::CallGlobal(g, args) => {
                let direct = self.direct;
                if let Some(Some(p)) = direct.get(*g as usize) {
                    if p.params as usize == args.len() {
                        return self.call_direct(p, args, f);
                    }
                }
                let callee = self.globals[*g as usize].clone();
                let base = self.push_args(args, f)?;
                if let Value::Fn(c) = &callee {
                    return self.invoke(c, Value::Nil, base);
                }
                self.call(callee, Value::Nil, base)
            }
            Expr::CallBuiltin(b, args) => {
                let base = self.push_args(args, f)?;
                self.builtin(*b, base)
            }
            Expr::Call(callee, args) => self.eval_call(callee, args, f),
            Expr::Send(node) => self.eval_send(node, f),
            Expr::Field(o, key) => {
                let object = self.eval(o, f)?;
                ops::field(&object, key)
            }
            Expr::Index(o, i) => {
                let object = self.eval(o, f)?;
                let index = self.eval(i, f)?;
                ops::index(&object, &index)
            }
            Expr::Lambda(p) => self.make_closure(p, f),
            Expr::Grow(e) => self.eval_grow(e, f),
        }
    }

    /// `truthy` with the comparison of a local and an int constant inlined at the call site.
    #[inline(always)]
    fn truthy_quick(&mut self, e: &Expr, f: &Frame) -> R<bool> {
        if let Expr::BinLocalInt(op, s, k) = e {
            if let Value::Int(x) = &self.stack[f.base + *s as usize] {
                if let Some(answer) = compare_ints(*op, *x, *k) {
                    return Ok(answer);
                }
            }
        }
        self.truthy(e, f)
    }

    /// A condition: comparisons of ints answer without building a `Value::Bool`.
    #[inline]
    fn truthy(&mut self, e: &Expr, f: &Frame) -> R<bool> {
        match e {
            Expr::BinLocalInt(op, s, k) => {
                if let Value::Int(x) = &self.stack[f.base + *s as usize] {
                    if let Some(answer) = compare_ints(*op, *x, *k) {
                        return Ok(answer);
                    }
                }
                Ok(self.eval(e, f)?.is_truthy())
            }
            Expr::Bin(op @ (Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne), a, b) => {
                let x = self.eval(a, f)?;
                let y = self.eval(b, f)?;
                if let (Value::Int(x), Value::Int(y)) = (&x, &y) {
                    if let Some(answer) = compare_ints(*op, *x, *y) {
                        return Ok(answer);
                    }
                }
                Ok(ops::binary(*op, &x, &y)?.is_truthy())
            }
            Expr::BinLocalLocal(op, a, b) => {
                let x = &self.stack[f.base + *a as usize];
                let y = &self.stack[f.base + *b as usize];
                if let (Value::Int(x), Value::Int(y)) = (x, y) {
                    if let Some(answer) = compare_ints(*op, *x, *y) {
                        return Ok(answer);
                    }
                }
                Ok(self.eval(e, f)?.is_truthy())
            }
            Expr::Not(x) => Ok(!self.truthy(x, f)?),
            Expr::And(a, b) => Ok(self.truthy(a, f)? && self.truthy(b, f)?),
            Expr::Or(a, b) => Ok(self.truthy(a, f)? || self.truthy(b, f)?),
            _ => Ok(self.eval(e, f)?.is_truthy()),
        }
    }

    #[inline(never)]
    fn eval_list(&mut self, items: &[Expr], f: &Frame) -> R<Value> {
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            out.push(self.eval(item, f)?);
        }
        Ok(Value::List(List::new(out)?))
    }

    #[inline(never)]
    fn eval_map(&mut self, entries: &[(Key, Expr)], f: &Frame) -> R<Value> {
        let mut out = Entries::with_capacity_and_hasher(entries.len(), Default::default());
        for (k, e) in entries.iter() {
            let v = self.eval(e, f)?;
            let _ = out.insert(k.clone(), v);
        }
        Ok(Value::Map(Map::new(out)?))
    }

    #[inline(never)]
    fn eval_call(&mut self, callee: &Expr, args: &[Expr], f: &Frame) -> R<Value> {
        let callee = self.eval(callee, f)?;
        let base = self.push_args(args, f)?;
        self.call(callee, Value::Nil, base)
    }

    #[inline(never)]
    fn eval_send(&mut self, node: &SendNode, f: &Frame) -> R<Value> {
        let receiver = self.eval_quick(&node.receiver, f)?;
        let base = self.push_args(&node.args, f)?;
        self.send(receiver, &node.name, base, Some(&node.cache))
    }

    #[inline(never)]
    fn eval_grow(&mut self, e: &Expr, f: &Frame) -> R<Value> {
        stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || self.eval(e, f))
    }

    /// Runs a function value from the host side (no frame): `this` is the receiver or nil.
    pub(crate) fn call_with(&mut self, callee: Value, this: Value, args: Vec<Value>) -> R<Value> {
        let base = self.stack.len();
        self.stack.extend(args);
        self.call(callee, this, base)
    }

    /// A message send from the host side.
    pub(crate) fn send_with(&mut self, receiver: Value, name: &Key, args: Vec<Value>) -> R<Value> {
        let base = self.stack.len();
        self.stack.extend(args);
        self.send(receiver, name, base, None)
    }
}

/// `stack.truncate(base)`, with the drop of values that own nothing inlined away.
#[inline(always)]
fn truncate(stack: &mut Vec<Value>, base: usize) {
    while stack.len() > base {
        match stack.pop() {
            Some(
                Value::Nil
                | Value::Bool(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::Builtin(_)
                | Value::Capability(_),
            )
            | None => {}
            Some(v) => drop_value(v),
        }
    }
}

#[inline(never)]
fn drop_value(v: Value) {
    drop(v);
}

#[cold]
#[inline(never)]
fn arity_error(p: &FnProto, nargs: usize) -> crate::value::Error {
    type_err(format!(
        "{} expects {} argument{}, got {}",
        fn_label(p),
        p.params,
        if p.params == 1 { "" } else { "s" },
        nargs
    ))
}

/// The lowest address the evaluator may use on the current stack segment before it must grow
/// onto a new one (0 when unknown: then it never grows).
pub(crate) fn stack_floor() -> usize {
    let probe = 0u8;
    let sp = std::ptr::addr_of!(probe) as usize;
    match stacker::remaining_stack() {
        Some(remaining) => sp
            .saturating_sub(remaining)
            .saturating_add(limits::RED_ZONE),
        None => 0,
    }
}

#[inline(always)]
fn near_stack_end(floor: usize) -> bool {
    let probe = 0u8;
    (std::ptr::addr_of!(probe) as usize) < floor
}

fn fn_label(p: &FnProto) -> String {
    match &p.name {
        Some(n) => format!("fn {n}"),
        None => "fn".to_string(),
    }
}

/// `RECEIVER does not understand `NAME``, with `, did you mean `M`?` when a method of the
/// receiver is a likely typo of it (the rule of `aura_facts::suggest`, as in the C runtime).
pub(crate) fn does_not_understand(
    receiver: &str,
    name: &Key,
    suggestion: Option<String>,
) -> crate::value::Error {
    let mut message = format!("{receiver} does not understand `{}`", name.as_str());
    if let Some(method) = suggestion {
        message.push_str(&format!(", did you mean `{method}`?"));
    }
    err(ErrorKind::DoesNotUnderstand, message)
}

fn is_callable(v: &Value) -> bool {
    matches!(v, Value::Fn(_) | Value::Builtin(_))
}

/// The method of `o` (own slots first, then along the prototype chain, each in slot order)
/// closest to `name`.
fn nearest_method(o: &Rc<Object>, name: &Key) -> Option<String> {
    let mut methods = Vec::new();
    let mut current = Some(o);
    while let Some(object) = current {
        methods.extend(
            object
                .own_slots()
                .into_iter()
                .filter(|(_, v)| is_callable(v))
                .map(|(k, _)| k),
        );
        current = object.proto.as_ref();
    }
    aura_facts::suggest::closest(name.as_str(), methods.iter().map(String::as_str))
}

/// A comparison of two ints, or `None` for an operator that is not a comparison.
#[inline(always)]
fn compare_ints(op: Op, x: i64, y: i64) -> Option<bool> {
    Some(match op {
        Op::Lt => x < y,
        Op::Le => x <= y,
        Op::Gt => x > y,
        Op::Ge => x >= y,
        Op::Eq => x == y,
        Op::Ne => x != y,
        _ => return None,
    })
}
