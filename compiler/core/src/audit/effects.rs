//! What one body can do to a tracked value: `self` in a method, or one parameter of a function.
//!
//! A value is *tracked* when it is the root itself ([`Kind::Whole`]: `self`, or a local that may
//! hold `self`) or reachable from it ([`Kind::Part`]: `self.items`, `self.a[0]`, a local holding
//! one, a `for` variable over one). Walking the body once yields [`Event`]s in source order; the
//! fixed point in `mutation.rs` decides which of them make the body mutate.
//!
//! Locals are tracked by name, flow-insensitively: a local that may hold a tracked value anywhere
//! in the body is taken to hold it everywhere. Closures and nested fns are walked as part of the
//! body that defines them.

use super::env::{Env, Global, TopDef};
use aura_uast::visit::{walk_expr, walk_fn, walk_stmt, Visit};
use aura_uast::{Block, Expr, FnDef, Ident, Span, Stmt, Target};
use std::collections::{HashMap, HashSet};

const RED_ZONE: usize = 64 * 1024;
const STACK_GROWTH: usize = 1024 * 1024;

/// Builtins that change their first argument in place.
const IN_PLACE: &[&str] = &["push", "pop", "remove"];

/// Builtins that store an argument (by position) inside their first argument.
const STORES: &[(&str, usize)] = &[("push", 1)];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    None,
    /// A value reachable from the root (a slot's list, a nested map).
    Part,
    /// The root itself.
    Whole,
}

/// One thing the body does with a tracked value.
#[derive(Clone, Debug)]
pub enum Event {
    /// Writes into the tracked value: always a mutation.
    Change { span: Span, reason: String },
    /// Lets the root escape (passes, stores or returns it): conservatively a mutation.
    /// `unseen`: it went to code the audit cannot see into, which may also change it.
    Leak {
        span: Span,
        reason: String,
        unseen: bool,
    },
    /// `root.method(...)`: a mutation when the method, found statically, mutates.
    Send {
        span: Span,
        method: String,
        receiver: String,
    },
    /// Passes a tracked value to a function known statically: a mutation when that function can
    /// change (or, for the root, leak) its parameter.
    PassTo {
        span: Span,
        func: usize,
        param: usize,
        kind: Kind,
        what: String,
    },
}

/// The functions whose parameters get summaries: the module's top-level fns (first definition
/// of each name) and every prelude fn.
pub struct Functions<'a> {
    pub defs: Vec<&'a FnDef>,
    /// Index of each prelude fn in `defs`, by name, as prelude code sees them.
    prelude: HashMap<&'a str, usize>,
    /// Index of each module fn in `defs`, by name.
    module: HashMap<&'a str, usize>,
}

impl<'a> Functions<'a> {
    pub fn new(env: &Env<'a>) -> Functions<'a> {
        let mut functions = Functions {
            defs: Vec::new(),
            prelude: HashMap::new(),
            module: HashMap::new(),
        };
        for def in &env.defs {
            if let TopDef::Fn(f) = def {
                let name = f.name.name.as_str();
                if !functions.module.contains_key(name) {
                    let _ = functions.module.insert(name, functions.defs.len());
                    functions.defs.push(f);
                }
            }
        }
        for f in &env.prelude_all {
            let name = f.name.name.as_str();
            if !functions.prelude.contains_key(name) {
                let _ = functions.prelude.insert(name, functions.defs.len());
                functions.defs.push(f);
            }
        }
        functions
    }

    pub fn name(&self, func: usize) -> &str {
        self.defs
            .get(func)
            .map_or("?", |def| def.name.name.as_str())
    }

    pub fn arity(&self, func: usize) -> usize {
        self.defs.get(func).map_or(0, |def| def.params.len())
    }

    pub fn is_prelude(&self, func: usize) -> bool {
        self.prelude.values().any(|i| *i == func)
    }
}

/// Whom a call goes to.
enum Callee {
    /// A builtin (by name), never shadowed here.
    Builtin(&'static str),
    /// A function with a summary.
    Func(usize),
    /// Anything else: a local, a global holding a fn, a field, the result of a call.
    Unknown(String),
}

/// How the value of an expression is used by its parent.
enum Use<'c> {
    /// Dropped, tested, compared, read from, or bound to a local (locals are tracked by name).
    Harmless,
    Return,
    /// Stored somewhere that is not a local: a global, a field or an element of another value.
    Store(String),
    Element(&'static str),
    Arg(&'c Callee, usize),
}

pub struct Walker<'a, 'e> {
    env: &'e Env<'a>,
    functions: &'e Functions<'a>,
    /// The body is prelude code: names resolve among prelude fns and all builtins.
    prelude: bool,
    /// What `self` is in this body.
    self_kind: Kind,
    locals: HashSet<&'a str>,
    taint: HashMap<&'a str, Kind>,
    /// Top-level objects that may be `self` when named (not shadowed by a local).
    named: HashSet<&'a str>,
    events: Vec<Event>,
}

/// What a body's analysis tracks.
pub enum Root<'a> {
    /// `self` of a method, and the top-level objects that may be `self` when a method of this
    /// object runs: the object itself and those that delegate to it (`config.debug = true` in a
    /// method of `config` writes `self` when the receiver is `config`).
    SelfOf(Vec<&'a str>),
    /// One parameter of a function (for its summary); `self` is not tracked.
    Param(&'a str),
}

/// The events of one body (`params` and `body`), tracking `root`.
pub fn analyze<'a>(
    env: &Env<'a>,
    functions: &Functions<'a>,
    prelude: bool,
    params: &'a [Ident],
    body: &'a Block,
    root: Root<'a>,
) -> Vec<Event> {
    let mut walker = Walker {
        env,
        functions,
        prelude,
        self_kind: Kind::None,
        locals: HashSet::new(),
        taint: HashMap::new(),
        named: HashSet::new(),
        events: Vec::new(),
    };
    walker.locals.extend(params.iter().map(|p| p.name.as_str()));
    collect_locals(body, &mut walker.locals);
    match root {
        Root::SelfOf(objects) => {
            walker.self_kind = Kind::Whole;
            walker.named.extend(objects);
        }
        Root::Param(param) => {
            let _ = walker.taint.insert(param, Kind::Whole);
        }
    }
    // Taint to a fixed point: each round can only raise a local's kind (two levels).
    for _ in 0..=2 * walker.locals.len() + 1 {
        let before = walker.taint.clone();
        walker.block(body, false);
        walker.events.clear();
        if walker.taint == before {
            break;
        }
    }
    walker.block(body, true);
    walker.events
}

/// Every name bound anywhere in a body: lets, `for` variables, nested fns and fn-literal params.
fn collect_locals<'a>(block: &'a Block, out: &mut HashSet<&'a str>) {
    Locals { out }.visit_block(block);
}

/// The walk behind `collect_locals`.
struct Locals<'a, 's> {
    out: &'s mut HashSet<&'a str>,
}

impl<'a> Visit<'a> for Locals<'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Let { name, .. } => {
                let _ = self.out.insert(&name.name);
            }
            Stmt::For { var, .. } => {
                let _ = self.out.insert(&var.name);
            }
            Stmt::Try { name, .. } => {
                let _ = self.out.insert(&name.name);
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    /// Only nested `fn` statements: the walk starts at a body.
    fn visit_fn(&mut self, def: &'a FnDef) {
        let _ = self.out.insert(&def.name.name);
        self.out.extend(def.params.iter().map(|p| p.name.as_str()));
        walk_fn(self, def);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Lambda { params, .. } = expr {
            self.out.extend(params.iter().map(|p| p.name.as_str()));
        }
        walk_expr(self, expr);
    }
}

impl<'a> Walker<'a, '_> {
    fn raise(&mut self, name: &'a str, kind: Kind) {
        if kind > Kind::None && self.locals.contains(name) {
            let entry = self.taint.entry(name).or_insert(Kind::None);
            *entry = (*entry).max(kind);
        }
    }

    /// What a name read as a value may hold.
    fn var_kind(&self, name: &str) -> Kind {
        if self.locals.contains(name) {
            self.taint.get(name).copied().unwrap_or(Kind::None)
        } else if self.named.contains(name) {
            Kind::Whole
        } else {
            Kind::None
        }
    }

    fn emit(&mut self, emit: bool, event: Event) {
        if emit {
            self.events.push(event);
        }
    }

    fn block(&mut self, block: &'a Block, emit: bool) {
        stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || {
            for stmt in &block.stmts {
                self.stmt(stmt, emit);
            }
        });
    }

    fn stmt(&mut self, stmt: &'a Stmt, emit: bool) {
        match stmt {
            Stmt::Let { name, value, .. } => {
                let kind = self.expr(value, &Use::Harmless, emit);
                self.raise(&name.name, kind);
            }
            Stmt::Assign { target, value, .. } => self.assign(target, value, emit),
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                let _ = self.expr(cond, &Use::Harmless, emit);
                self.block(then, emit);
                if let Some(otherwise) = otherwise {
                    self.block(otherwise, emit);
                }
            }
            Stmt::While { cond, body, .. } => {
                let _ = self.expr(cond, &Use::Harmless, emit);
                self.block(body, emit);
            }
            Stmt::For {
                var, iter, body, ..
            } => {
                let kind = self.expr(iter, &Use::Harmless, emit);
                self.raise(&var.name, kind.min(Kind::Part));
                self.block(body, emit);
            }
            Stmt::Try {
                body,
                name,
                handler,
                ..
            } => {
                self.block(body, emit);
                // The error's value may be anything the body passed to `error(v)`, the root
                // included.
                self.raise(&name.name, Kind::Whole);
                self.block(handler, emit);
            }
            Stmt::Return { value, .. } => {
                if let Some(value) = value {
                    let _ = self.expr(value, &Use::Return, emit);
                }
            }
            Stmt::Break { .. } | Stmt::Continue { .. } => {}
            Stmt::Fn(def) => self.block(&def.body, emit),
            Stmt::Expr { expr, .. } => {
                let _ = self.expr(expr, &Use::Harmless, emit);
            }
        }
    }

    fn assign(&mut self, target: &'a Target, value: &'a Expr, emit: bool) {
        match target {
            Target::Var { name, .. } => {
                if self.locals.contains(name.as_str()) {
                    let kind = self.expr(value, &Use::Harmless, emit);
                    if let Some(local) = self.locals.get(name.as_str()).copied() {
                        self.raise(local, kind);
                    }
                } else {
                    let _ = self.expr(value, &Use::Store(format!("global `{name}`")), emit);
                }
            }
            Target::Field {
                span,
                object,
                field,
            } => {
                let kind = self.expr(object, &Use::Harmless, emit);
                let written = format!("{}.{}", self.describe(object), field.name);
                self.write(kind, *span, object, written, value, emit);
            }
            Target::Index {
                span,
                object,
                index,
            } => {
                let kind = self.expr(object, &Use::Harmless, emit);
                let _ = self.expr(index, &Use::Harmless, emit);
                let written = format!("{}[{}]", self.describe(object), short(index));
                self.write(kind, *span, object, written, value, emit);
            }
        }
    }

    /// `object.f = value` or `object[i] = value`, where `object` has `kind`.
    fn write(
        &mut self,
        kind: Kind,
        span: Span,
        object: &Expr,
        written: String,
        value: &'a Expr,
        emit: bool,
    ) {
        if kind == Kind::None {
            let _ = self.expr(value, &Use::Store(written), emit);
        } else {
            let reason = format!("writes {written}{}", self.note(object));
            self.emit(emit, Event::Change { span, reason });
            let _ = self.expr(value, &Use::Harmless, emit);
        }
    }

    /// Walks an expression used as `usage`; returns the kind of its value.
    fn expr(&mut self, expr: &'a Expr, usage: &Use<'_>, emit: bool) -> Kind {
        stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || {
            self.expr_inner(expr, usage, emit)
        })
    }

    fn expr_inner(&mut self, expr: &'a Expr, usage: &Use<'_>, emit: bool) -> Kind {
        let kind = match expr {
            Expr::Nil { .. }
            | Expr::Bool { .. }
            | Expr::Int { .. }
            | Expr::Float { .. }
            | Expr::Str { .. } => Kind::None,
            Expr::SelfRef { .. } => self.self_kind,
            Expr::Var { name, .. } => self.var_kind(name),
            Expr::List { items, .. } => {
                let mut kind = Kind::None;
                for item in items {
                    kind = kind.max(self.expr(item, &Use::Element("a list"), emit));
                }
                kind.min(Kind::Part)
            }
            Expr::Map { entries, .. } => {
                let mut kind = Kind::None;
                for entry in entries {
                    kind = kind.max(self.expr(&entry.value, &Use::Element("a map"), emit));
                }
                kind.min(Kind::Part)
            }
            Expr::Unary { operand, .. } => {
                let _ = self.expr(operand, &Use::Harmless, emit);
                Kind::None
            }
            Expr::Binary { op, lhs, rhs, .. } => {
                if matches!(op, aura_uast::BinaryOp::And | aura_uast::BinaryOp::Or) {
                    // The result is one of the operands: each is used as the whole is.
                    let left = self.expr(lhs, usage, emit);
                    let right = self.expr(rhs, usage, emit);
                    return left.max(right);
                }
                let _ = self.expr(lhs, &Use::Harmless, emit);
                let _ = self.expr(rhs, &Use::Harmless, emit);
                Kind::None
            }
            Expr::Call { callee, args, .. } => {
                let target = self.callee(callee, emit);
                for (i, arg) in args.iter().enumerate() {
                    let _ = self.expr(arg, &Use::Arg(&target, i), emit);
                }
                Kind::None
            }
            Expr::Send {
                span,
                receiver,
                method,
                args,
            } => {
                let kind = self.expr(receiver, &Use::Harmless, emit);
                let receiver_text = self.describe(receiver);
                if kind == Kind::Whole {
                    let event = Event::Send {
                        span: *span,
                        method: method.name.clone(),
                        receiver: format!("{receiver_text}{}", self.note(receiver)),
                    };
                    self.emit(emit, event);
                }
                let target = Callee::Unknown(format!("{receiver_text}.{}", method.name));
                for (i, arg) in args.iter().enumerate() {
                    let _ = self.expr(arg, &Use::Arg(&target, i), emit);
                }
                Kind::None
            }
            Expr::Field { object, .. } => {
                let kind = self.expr(object, &Use::Harmless, emit);
                kind.min(Kind::Part)
            }
            Expr::Index { object, index, .. } => {
                let kind = self.expr(object, &Use::Harmless, emit);
                let _ = self.expr(index, &Use::Harmless, emit);
                kind.min(Kind::Part)
            }
            Expr::Lambda { body, .. } => {
                self.block(body, emit);
                Kind::None
            }
        };
        if kind != Kind::None && emit {
            self.used(expr, kind, usage);
        }
        kind
    }

    fn callee(&mut self, callee: &'a Expr, emit: bool) -> Callee {
        if let Expr::Var { name, .. } = callee {
            if self.locals.contains(name.as_str()) {
                return Callee::Unknown(name.clone());
            }
            return self.resolve(name);
        }
        let _ = self.expr(callee, &Use::Harmless, emit);
        Callee::Unknown(self.describe(callee))
    }

    fn resolve(&self, name: &str) -> Callee {
        if self.prelude {
            if let Some(i) = self.functions.prelude.get(name) {
                return Callee::Func(*i);
            }
            return match aura_uast::Builtin::lookup(name) {
                Some(builtin) => Callee::Builtin(builtin.name),
                None => Callee::Unknown(name.to_string()),
            };
        }
        match self.env.resolve(name, None) {
            Some(Global::Top(TopDef::Fn(_))) => match self.functions.module.get(name) {
                Some(i) => Callee::Func(*i),
                None => Callee::Unknown(name.to_string()),
            },
            Some(Global::Prelude(_)) => match self.functions.prelude.get(name) {
                Some(i) => Callee::Func(*i),
                None => Callee::Unknown(name.to_string()),
            },
            Some(Global::Builtin(builtin)) => Callee::Builtin(builtin.name),
            _ => Callee::Unknown(name.to_string()),
        }
    }

    /// A tracked value of `kind` is used as `usage`.
    fn used(&mut self, expr: &Expr, kind: Kind, usage: &Use<'_>) {
        let span = expr.span();
        let what = || format!("{}{}", self.describe(expr), self.note(expr));
        let whole = kind == Kind::Whole;
        let event = match usage {
            Use::Harmless => None,
            Use::Return if whole => Some(Event::Leak {
                span,
                reason: format!("returns {}", what()),
                unseen: false,
            }),
            Use::Store(place) if whole => Some(Event::Leak {
                span,
                reason: format!("stores {} in {place}", what()),
                unseen: false,
            }),
            Use::Element(container) if whole => Some(Event::Leak {
                span,
                reason: format!("puts {} in {container}", what()),
                unseen: false,
            }),
            Use::Return | Use::Store(_) | Use::Element(_) => None,
            Use::Arg(Callee::Builtin(name), 0) if IN_PLACE.contains(name) => Some(Event::Change {
                span,
                reason: format!("{name} changes {} in place", what()),
            }),
            Use::Arg(Callee::Builtin(name), index) if whole && STORES.contains(&(name, *index)) => {
                Some(Event::Leak {
                    span,
                    reason: format!("{name} stores {} in a list", what()),
                    unseen: false,
                })
            }
            Use::Arg(Callee::Builtin(_), _) => None,
            Use::Arg(Callee::Func(func), index) => {
                (*index < self.functions.arity(*func)).then(|| Event::PassTo {
                    span,
                    func: *func,
                    param: *index,
                    kind,
                    what: format!("passes {} to {}", what(), self.functions.name(*func)),
                })
            }
            Use::Arg(Callee::Unknown(callee), _) if whole => Some(Event::Leak {
                span,
                reason: format!("passes {} to {callee}", what()),
                unseen: true,
            }),
            Use::Arg(Callee::Unknown(callee), _) => Some(Event::Change {
                span,
                reason: format!("passes {} to {callee}, which may change it", what()),
            }),
        };
        if let Some(event) = event {
            self.events.push(event);
        }
    }

    /// Source-like text for an expression, shortened past a few levels.
    fn describe(&self, expr: &Expr) -> String {
        describe(expr, 0)
    }

    /// ` (x may be self)` when the expression is rooted at a local that holds a tracked value.
    fn note(&self, expr: &Expr) -> String {
        let mut root = expr;
        let mut steps = 0;
        while let Expr::Field { object, .. } | Expr::Index { object, .. } = root {
            root = object;
            steps += 1;
            if steps > 64 {
                return String::new();
            }
        }
        let Expr::Var { name, .. } = root else {
            return String::new();
        };
        match self.var_kind(name) {
            Kind::Whole if self.self_kind == Kind::Whole => format!(" ({name} may be self)"),
            Kind::Part if self.self_kind == Kind::Whole => {
                format!(" ({name} may hold part of self)")
            }
            _ => String::new(),
        }
    }
}

fn describe(expr: &Expr, depth: usize) -> String {
    if depth > 6 {
        return "...".to_string();
    }
    match expr {
        Expr::SelfRef { .. } => "self".to_string(),
        Expr::Var { name, .. } => name.clone(),
        Expr::Field { object, field, .. } => {
            format!("{}.{}", describe(object, depth + 1), field.name)
        }
        Expr::Index { object, index, .. } => {
            format!("{}[{}]", describe(object, depth + 1), short(index))
        }
        Expr::Call { callee, .. } => format!("{}(...)", describe(callee, depth + 1)),
        Expr::Send {
            receiver, method, ..
        } => {
            format!("{}.{}(...)", describe(receiver, depth + 1), method.name)
        }
        Expr::List { .. } => "a list".to_string(),
        Expr::Map { .. } => "a map".to_string(),
        Expr::Lambda { .. } => "a fn".to_string(),
        _ => "...".to_string(),
    }
}

/// An index as written when it is short: a name, a number or a string literal.
fn short(index: &Expr) -> String {
    match index {
        Expr::Var { name, .. } => name.clone(),
        Expr::Int { value, .. } => value.to_string(),
        Expr::Str { value, .. } if value.chars().count() <= 20 => {
            serde_json::to_string(value).unwrap_or_else(|_| "...".to_string())
        }
        Expr::SelfRef { .. } => "self".to_string(),
        _ => "...".to_string(),
    }
}
