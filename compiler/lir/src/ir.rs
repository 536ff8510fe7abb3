//! The LIR data types. See `spec/abi.md` for the value representation they assume.

use crate::runtime::RtFn;

/// Index of a [`Function`] in [`Program::functions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnId(pub u32);

/// A whole compiled module (user module plus the stdlib prelude).
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub functions: Vec<Function>,
    /// Number of 64-bit global variables, all zero at start. Globals [`DEPTH_GLOBAL`],
    /// [`MAX_DEPTH_GLOBAL`], [`ARG_STACK_GLOBAL`] and [`TRACE_GLOBAL`] are reserved.
    pub globals: u32,
    /// Constant bytes (UTF-8 of string literals). [`Expr::DataAddr`] points into it; the emitter
    /// places it in memory, 8-byte aligned.
    pub data: Vec<u8>,
    /// The exported entry `aura_main`: no parameters, returns 0. It starts the runtime, runs the
    /// module initialisers, calls `main` if there is one and flushes output.
    pub entry: FnId,
    /// Exported entry points besides `aura_main`, by export name: `aura_init` (no parameters,
    /// returns 0: `aura_main` without the call of `main`, for the message ABI) and the routes'
    /// generic entries (`route:METHOD PATH`).
    pub exports: Vec<(String, FnId)>,
}

/// Call depth of compiled Aura functions; checked against [`MAX_DEPTH_GLOBAL`] on entry.
pub const DEPTH_GLOBAL: u32 = 0;
/// The depth limit (`--max-depth`), read from the runtime at start.
pub const MAX_DEPTH_GLOBAL: u32 = 1;
/// Top of the argument stack used to pass `argv` arrays to generic entries and the runtime.
pub const ARG_STACK_GLOBAL: u32 = 2;
/// Base of the runtime's trace stack: one 64-bit slot per call depth, where each frame stores
/// the site id of the call it is making (`spec/abi.md`, "Stack traces").
pub const TRACE_GLOBAL: u32 = 3;
/// First global free for the lowering's own use.
pub const FIRST_FREE_GLOBAL: u32 = 4;

/// One function. All parameters, locals and the result are 64-bit words.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// Symbol-friendly name (`[A-Za-z0-9_]`), unique in the program.
    pub name: String,
    /// Number of parameters: locals `0..params` hold them on entry.
    pub params: u32,
    /// Number of further locals (`params..params+locals`), zero on entry.
    pub locals: u32,
    /// Whether the address of this function is taken ([`Expr::FnAddr`]). Such functions have the
    /// generic signature `(env, self, argc, argv) -> val` and are callable from the runtime.
    pub address_taken: bool,
    pub body: Vec<Stmt>,
}

/// A local variable index (parameters first).
pub type Local = u32;

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `local = expr`
    Set(Local, Expr),
    /// `global = expr`
    SetGlobal(u32, Expr),
    /// Store the 64-bit `value` at address `addr + offset`.
    Store {
        addr: Expr,
        offset: u32,
        value: Expr,
    },
    /// Evaluate and drop.
    Expr(Expr),
    /// Runs `then` when `cond` is non-zero, else `otherwise`.
    If {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
    },
    /// Runs `body` forever; leave with [`Stmt::Break`] or [`Stmt::Return`].
    Loop(Vec<Stmt>),
    /// Leave the loop `depth` levels out (0 = innermost enclosing `Loop`).
    Break(u32),
    /// Jump to the start of the loop `depth` levels out (0 = innermost).
    Continue(u32),
    Return(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Const(i64),
    Local(Local),
    Global(u32),
    /// Load the 64-bit word at `addr + offset`.
    Load(Box<Expr>, u32),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// A call into the runtime; arguments evaluate left to right.
    CallRt(RtFn, Vec<Expr>),
    /// A direct call of a compiled function; arguments evaluate left to right.
    Call(FnId, Vec<Expr>),
    /// The code value of an `address_taken` function: what the runtime stores in a closure and
    /// calls (a table index on wasm, an address on x86-64).
    FnAddr(FnId),
    /// The address of `Program::data[offset]`.
    DataAddr(u32),
    /// `if cond != 0 { then } else { otherwise }`, both evaluated (no side effects allowed).
    Select(Box<Expr>, Box<Expr>, Box<Expr>),
    /// The bits of the f64 nearest to the signed i64 (round to nearest, ties to even).
    IntToFloat(Box<Expr>),
}

/// Two's complement 64-bit operations. Comparisons give 0 or 1. `DivS`/`RemS` are only emitted
/// when the divisor is known to be non-zero and the pair cannot overflow. The `F*` operations
/// read both words as the bits of an IEEE f64 and give the f64 result's bits (`FEq`, `FLt`,
/// `FLe`: 0 or 1); `Rotl`/`Rotr` rotate by the count modulo 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    DivS,
    RemS,
    And,
    Or,
    Xor,
    Shl,
    ShrS,
    ShrU,
    Eq,
    Ne,
    LtS,
    LeS,
    GtS,
    GeS,
    LtU,
    Rotl,
    Rotr,
    FAdd,
    FSub,
    FMul,
    FDiv,
    FEq,
    FLt,
    FLe,
}

impl BinOp {
    /// Whether the result is a 0/1 comparison.
    pub fn is_comparison(self) -> bool {
        use BinOp::*;
        matches!(
            self,
            Eq | Ne | LtS | LeS | GtS | GeS | LtU | FEq | FLt | FLe
        )
    }

    /// Whether the operands are read as f64 bits.
    pub fn is_float(self) -> bool {
        use BinOp::*;
        matches!(self, FAdd | FSub | FMul | FDiv | FEq | FLt | FLe)
    }
}

impl Expr {
    pub fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::Bin(op, Box::new(a), Box::new(b))
    }
    pub fn load(addr: Expr, offset: u32) -> Expr {
        Expr::Load(Box::new(addr), offset)
    }

    /// Whether evaluating this calls anything, compiled or runtime (which `Select` operands
    /// must not; a call may reach a safepoint of the collector).
    pub fn has_call(&self) -> bool {
        match self {
            Expr::CallRt(..) | Expr::Call(..) => true,
            Expr::Load(a, _) | Expr::IntToFloat(a) => a.has_call(),
            Expr::Bin(_, a, b) => a.has_call() || b.has_call(),
            Expr::Select(c, a, b) => c.has_call() || a.has_call() || b.has_call(),
            Expr::Const(_)
            | Expr::Local(_)
            | Expr::Global(_)
            | Expr::FnAddr(_)
            | Expr::DataAddr(_) => false,
        }
    }

    /// Calls `visit` on this expression and then on each of its sub-expressions, in evaluation
    /// order.
    pub fn walk(&self, visit: &mut impl FnMut(&Expr)) {
        visit(self);
        match self {
            Expr::Load(a, _) | Expr::IntToFloat(a) => a.walk(visit),
            Expr::Bin(_, a, b) => {
                a.walk(visit);
                b.walk(visit);
            }
            Expr::CallRt(_, args) | Expr::Call(_, args) => args.iter().for_each(|a| a.walk(visit)),
            Expr::Select(c, a, b) => {
                c.walk(visit);
                a.walk(visit);
                b.walk(visit);
            }
            Expr::Const(_)
            | Expr::Local(_)
            | Expr::Global(_)
            | Expr::FnAddr(_)
            | Expr::DataAddr(_) => {}
        }
    }
}

/// Calls `visit` on every expression of `stmts` and their sub-expressions ([`Expr::walk`]),
/// nested blocks included.
pub fn walk_stmts(stmts: &[Stmt], visit: &mut impl FnMut(&Expr)) {
    for stmt in stmts {
        match stmt {
            Stmt::Set(_, e) | Stmt::SetGlobal(_, e) | Stmt::Expr(e) | Stmt::Return(e) => {
                e.walk(visit)
            }
            Stmt::Store { addr, value, .. } => {
                addr.walk(visit);
                value.walk(visit);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                cond.walk(visit);
                walk_stmts(then, visit);
                walk_stmts(otherwise, visit);
            }
            Stmt::Loop(body) => walk_stmts(body, visit),
            Stmt::Break(_) | Stmt::Continue(_) => {}
        }
    }
}
