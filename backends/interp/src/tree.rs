//! The resolved tree the evaluator runs: every name is already a slot, cell, upvalue, global or
//! constant; names of fields and methods are interned keys; constants are built values.

use crate::value::{Key, Value};
use std::cell::Cell;
use std::rc::Rc;

/// Binary operators that evaluate both operands (`and`/`or` are separate nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

#[derive(Debug)]
pub(crate) enum Expr {
    Const(Value),
    /// A plain local in the frame's stack slots.
    Local(u32),
    /// A captured local: a cell in the frame.
    Cell(u32),
    /// A variable of an enclosing function, captured by this closure.
    Upval(u32),
    Global(u32),
    SelfRef,
    Neg(Box<Expr>),
    /// `~x`
    BitNot(Box<Expr>),
    Not(Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
    /// `local OP int-constant`, the common loop and recursion shape.
    BinLocalInt(Op, u32, i64),
    /// `local OP local`.
    BinLocalLocal(Op, u32, u32),
    /// `expr OP int-constant`.
    BinInt(Op, Box<Expr>, i64),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    List(Box<[Expr]>),
    Map(Box<[(Key, Expr)]>),
    /// A call to a global (usually a top-level fn); `self` is nil.
    CallGlobal(u32, Box<[Expr]>),
    CallBuiltin(u16, Box<[Expr]>),
    Call(Box<Expr>, Box<[Expr]>),
    Send(Box<SendNode>),
    Field(Box<Expr>, Key),
    Index(Box<Expr>, Box<Expr>),
    Lambda(Rc<FnProto>),
    /// Grows the Rust stack if needed before evaluating (inserted into very deep expressions).
    Grow(Box<Expr>),
}

/// `receiver.name(args)`, with an inline cache of where `name` was last found.
#[derive(Debug)]
pub(crate) struct SendNode {
    pub receiver: Expr,
    pub name: Key,
    pub args: Box<[Expr]>,
    pub cache: Cell<SendCache>,
}

/// Where a send last found its method: `hops` prototype links up from the receiver at
/// `receiver` (an address), own slot `index`. Valid while the shape epoch is `epoch` (see
/// `value::object::shape_epoch`); the slot's key is checked again on every use.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SendCache {
    pub epoch: u64,
    pub receiver: usize,
    pub hops: u32,
    pub index: u32,
}

/// Where a binding lives.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Var {
    Local(u32),
    Cell(u32),
}

#[derive(Debug)]
pub(crate) enum Stmt {
    Expr(Expr),
    /// `let` or assignment to a plain local.
    SetLocal(u32, Expr),
    /// `x = x + e` on a plain local: appends in place when the string or list is not shared.
    AppendLocal(u32, Expr),
    /// `x = x + k` on a plain local, `k` an int constant.
    AddLocalInt(u32, i64),
    /// `let` of a captured local: a fresh cell.
    NewCell(u32, Expr),
    SetCell(u32, Expr),
    SetUpval(u32, Expr),
    SetGlobal(u32, Expr),
    SetField(Expr, Key, Expr),
    SetIndex(Expr, Expr, Expr),
    If(Expr, Block, Block),
    While(Expr, Block),
    /// `for v in range(..)` with the builtin `range`: no list is built.
    ForRange {
        var: Var,
        args: Box<[Expr]>,
        body: Block,
    },
    For {
        var: Var,
        iter: Expr,
        body: Block,
    },
    Return(Expr),
    Break,
    Continue,
    /// `try { body } catch var { handler }`.
    Try {
        body: Block,
        var: Var,
        handler: Block,
    },
}

pub(crate) type Block = Box<[Stmt]>;

/// How a closure obtains one captured cell when it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Capture {
    /// A cell of the frame creating the closure.
    Cell(u32),
    /// An upvalue of the closure creating this one.
    Upval(u32),
}

/// A compiled function.
#[derive(Debug)]
pub(crate) struct FnProto {
    /// `Some` for named functions, methods and nested fns: they print as `<fn NAME>`.
    pub name: Option<Rc<str>>,
    pub params: u32,
    /// Stack slots (parameters first).
    pub slots: u32,
    pub cells: u32,
    /// Parameters that live in cells: (parameter index, cell index).
    pub param_cells: Box<[(u32, u32)]>,
    pub captures: Box<[Capture]>,
    pub body: Block,
}
