//! The universal AST (UAST): the one representation of an Aura module that every stage and every
//! host consumes. Plain serde data with byte-offset spans; no parser types leak in here.

#![forbid(unsafe_code)]

mod builtins;
pub mod captures;
mod document;
mod range;
pub mod trace;
pub mod visit;

pub use builtins::{Builtin, BUILTINS, CAPABILITIES};
pub use document::{
    canonical, content_hash, module_hash, strip_spans, Definition, Document, DocumentError,
    ModuleEntry, SCHEMA_NAME, SCHEMA_VERSION,
};
pub use range::{range_loop, RangeArgs};

use serde::{Deserialize, Serialize};

/// A byte range in the source text. Stripped spans are `0..0` and are left out of the JSON form.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            start: clamp(start),
            end: clamp(end),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.start == 0 && self.end == 0
    }
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A name together with where it was written.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Ident {
    #[serde(default, skip_serializing_if = "Span::is_empty")]
    pub span: Span,
    pub name: String,
}

/// One source file.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Module {
    pub items: Vec<Item>,
    /// The file the module was read from, for the locations of runtime errors
    /// ([`trace`]); not part of the UAST document (a document run as is has none).
    #[serde(skip)]
    pub source: Option<std::sync::Arc<trace::SourceFile>>,
    /// For a program of several modules flattened into one: the file of each item (parallel to
    /// `items`), which wins over `source`. Empty for a single module.
    #[serde(skip)]
    pub item_sources: Vec<Option<std::sync::Arc<trace::SourceFile>>>,
}

impl Module {
    /// The file the `index`-th item comes from, for the locations of its frames.
    pub fn source_of(&self, index: usize) -> Option<std::sync::Arc<trace::SourceFile>> {
        match self.item_sources.get(index) {
            Some(file) => file.clone(),
            None => self.source.clone(),
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// `uses store, log`
    Uses {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        names: Vec<Ident>,
    },
    /// `import "PATH"`: brings another module's top-level fns, objects and globals into scope.
    /// `path` is as written (relative to the importing file, or `std/NAME`).
    Import {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        path: String,
    },
    /// `let name = value` at top level: a global.
    Let {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        name: Ident,
        value: Expr,
    },
    Fn(FnDef),
    Object(ObjectDef),
    Plugin(PluginDef),
}

/// `fn name(params) { body }`: a top-level function, a method, a plugin helper or a nested fn.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FnDef {
    #[serde(default, skip_serializing_if = "Span::is_empty")]
    pub span: Span,
    pub name: Ident,
    pub params: Vec<Ident>,
    pub body: Block,
}

/// `object name : proto { members }`
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ObjectDef {
    #[serde(default, skip_serializing_if = "Span::is_empty")]
    pub span: Span,
    pub name: Ident,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proto: Option<Ident>,
    pub members: Vec<ObjectMember>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObjectMember {
    /// `name = value`
    Slot {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        name: Ident,
        value: Expr,
    },
    Method(FnDef),
}

/// `plugin name { routes and fns }`
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PluginDef {
    #[serde(default, skip_serializing_if = "Span::is_empty")]
    pub span: Span,
    pub name: Ident,
    pub members: Vec<PluginMember>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PluginMember {
    Route(RouteDef),
    Fn(FnDef),
}

/// `route METHOD "PATH" (param) { body }`
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RouteDef {
    #[serde(default, skip_serializing_if = "Span::is_empty")]
    pub span: Span,
    /// The HTTP method as written, e.g. `GET`.
    pub method: Ident,
    pub path: String,
    pub param: Ident,
    pub body: Block,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Block {
    #[serde(default, skip_serializing_if = "Span::is_empty")]
    pub span: Span,
    pub stmts: Vec<Stmt>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stmt {
    Let {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        name: Ident,
        value: Expr,
    },
    Assign {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        target: Target,
        value: Expr,
    },
    /// `else if` is an `else` block holding exactly one `if` statement.
    If {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        cond: Expr,
        then: Block,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        otherwise: Option<Block>,
    },
    While {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        cond: Expr,
        body: Block,
    },
    For {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        var: Ident,
        iter: Expr,
        body: Block,
    },
    Return {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Expr>,
    },
    Break {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
    },
    Continue {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
    },
    /// `try { body } catch name { handler }`: a catchable runtime error raised while `body` runs
    /// stops it and runs `handler` with `name` (a local of `handler`) bound to the error's map.
    Try {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        body: Block,
        name: Ident,
        handler: Block,
    },
    /// A nested `fn name(..) { }`: declares a local bound to a closure, visible in its own body.
    Fn(FnDef),
    Expr {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        expr: Expr,
    },
}

/// The left side of an assignment.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    Var {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        name: String,
    },
    Field {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        object: Expr,
        field: Ident,
    },
    Index {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        object: Expr,
        index: Expr,
    },
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum UnaryOp {
    Neg,
    Not,
    /// `~x`: the bitwise complement of an int (`-x - 1`).
    BitNot,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum BinaryOp {
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
    /// Short-circuit; returns the deciding operand.
    And,
    /// Short-circuit; returns the deciding operand.
    Or,
    /// `&`, `|`, `^`: bitwise on two ints (64-bit two's complement).
    BitAnd,
    BitOr,
    BitXor,
    /// `<<`: bits shifted out are lost; a count of 64 or more gives 0, a negative one is an error.
    Shl,
    /// `>>`: arithmetic (the sign bit is copied in); a count of 64 or more gives 0 or -1.
    Shr,
}

impl BinaryOp {
    /// The operator as written in source.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
        }
    }

    /// Binding strength, higher binds tighter: or 1, and 2, comparison 4, `|` 5, `^` 6, `&` 7,
    /// `<< >>` 8, + - 9, * / % 10 (as in Rust and Python: bit operators bind tighter than
    /// comparisons). `not` sits at 3, unary minus and `~` at 11.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 4,
            BinaryOp::BitOr => 5,
            BinaryOp::BitXor => 6,
            BinaryOp::BitAnd => 7,
            BinaryOp::Shl | BinaryOp::Shr => 8,
            BinaryOp::Add | BinaryOp::Sub => 9,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 10,
        }
    }
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "not",
            UnaryOp::BitNot => "~",
        }
    }
}

/// One `key: value` entry of a map literal. Keys are strings (`{a: 1}` and `{"a": 1}` are equal).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MapEntry {
    #[serde(default, skip_serializing_if = "Span::is_empty")]
    pub span: Span,
    pub key: String,
    pub value: Expr,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expr {
    Nil {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
    },
    Bool {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        value: bool,
    },
    Int {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        value: i64,
    },
    /// Always finite.
    Float {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        value: f64,
    },
    Str {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        value: String,
    },
    List {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        items: Vec<Expr>,
    },
    Map {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        entries: Vec<MapEntry>,
    },
    Var {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        name: String,
    },
    /// `self`
    SelfRef {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
    },
    Unary {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `callee(args)`; a plain call, `self` is nil inside.
    Call {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    /// `receiver.method(args)`: a message send.
    Send {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        receiver: Box<Expr>,
        method: Ident,
        args: Vec<Expr>,
    },
    /// `object.field`
    Field {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        object: Box<Expr>,
        field: Ident,
    },
    /// `object[index]`
    Index {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        object: Box<Expr>,
        index: Box<Expr>,
    },
    /// `fn(params) { body }`: a closure capturing enclosing variables by reference.
    Lambda {
        #[serde(default, skip_serializing_if = "Span::is_empty")]
        span: Span,
        params: Vec<Ident>,
        body: Block,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Nil { span }
            | Expr::Bool { span, .. }
            | Expr::Int { span, .. }
            | Expr::Float { span, .. }
            | Expr::Str { span, .. }
            | Expr::List { span, .. }
            | Expr::Map { span, .. }
            | Expr::Var { span, .. }
            | Expr::SelfRef { span }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Call { span, .. }
            | Expr::Send { span, .. }
            | Expr::Field { span, .. }
            | Expr::Index { span, .. }
            | Expr::Lambda { span, .. } => *span,
        }
    }
}

impl Stmt {
    pub fn span(&self) -> Span {
        match self {
            Stmt::Let { span, .. }
            | Stmt::Assign { span, .. }
            | Stmt::If { span, .. }
            | Stmt::While { span, .. }
            | Stmt::For { span, .. }
            | Stmt::Try { span, .. }
            | Stmt::Return { span, .. }
            | Stmt::Break { span }
            | Stmt::Continue { span }
            | Stmt::Expr { span, .. } => *span,
            Stmt::Fn(def) => def.span,
        }
    }
}

impl Target {
    pub fn span(&self) -> Span {
        match self {
            Target::Var { span, .. } | Target::Field { span, .. } | Target::Index { span, .. } => {
                *span
            }
        }
    }
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Uses { span, .. } | Item::Import { span, .. } | Item::Let { span, .. } => *span,
            Item::Fn(def) => def.span,
            Item::Object(def) => def.span,
            Item::Plugin(def) => def.span,
        }
    }

    /// The name this item defines at top level (`uses` and `import` define none).
    pub fn defined_name(&self) -> Option<&Ident> {
        match self {
            Item::Uses { .. } | Item::Import { .. } => None,
            Item::Let { name, .. } => Some(name),
            Item::Fn(def) => Some(&def.name),
            Item::Object(def) => Some(&def.name),
            Item::Plugin(def) => Some(&def.name),
        }
    }
}
