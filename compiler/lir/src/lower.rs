//! The lowering UAST → LIR, shared by the wasm and native backends (`spec/abi.md`).
//!
//! Name resolution follows the interpreter (`backends/interp/src/compile.rs`): a name is a local
//! of the current function, a captured variable of an enclosing one, a plugin helper (inside its
//! plugin), a global of the module (the user's module falls back to the prelude's globals, so a
//! user definition shadows a prelude function for the user's module only), a builtin or a
//! capability. A variable that some inner closure captures lives in a cell from its declaration
//! on; closures hold the cells they capture.
//!
//! Expression results that later code reads more than once, or that must survive the lowering of
//! a later operand (which may emit statements, e.g. a fast path), are kept in fresh locals
//! ("temps"); constants and locals of non-captured variables are used as they are, since nothing
//! inside an expression can assign them.
//!
//! What the runtime may rely on:
//! - Whenever compiled code passes `argv` (to `rt_call`, `rt_send`, `rt_capability`,
//!   `rt_list_new`, a builtin), the argument stack's top is exactly `argv + 8 * argc`: the
//!   runtime may put its own argument array there to call a function value (e.g.
//!   `does_not_understand(name, args)`); the generic entry it calls loads its arguments before
//!   anything else uses the stack.
//! - A capability used as a value (`let s = store`) is `rt_capability(cap, nil, 0, argv)`.
//! - A builtin used as a value is `rt_builtin_fn(index)` at each use, so `len == len` must hold
//!   (one value per builtin, or `rt_eq` compares builtin fns by index).
//! - Top-level functions are entered with `env` nil by direct calls; route handlers' generic
//!   entries (`Program::exports`, `route:METHOD PATH`) expect `env` nil and `self` nil from the
//!   host.

mod analysis;
mod expr;
mod trace;

use crate::ir::*;
use crate::runtime::{Core, RtFn, CELL_VALUE, CLOSURE_CAPTURES, NIL, TRY_NORMAL};
use aura_uast as uast;
use aura_uast::trace::FrameName;
use aura_uast::Item;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Something the lowering cannot compile. Audited input should never produce one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LowerError {
    pub message: String,
}

impl fmt::Display for LowerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot compile: {}", self.message)
    }
}

impl std::error::Error for LowerError {}

pub(crate) type R<T> = Result<T, LowerError>;

pub(crate) fn err<T>(message: impl Into<String>) -> R<T> {
    Err(LowerError {
        message: message.into(),
    })
}

/// The direct and generic entries of one Aura function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FnIds {
    pub direct: FnId,
    pub generic: FnId,
    pub arity: usize,
}

/// What a module-level name refers to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Global {
    /// A LIR global; `func` is set for a top-level function (or plugin helper), `direct` when
    /// nothing assigns its name, so that calls by name may enter it directly.
    Slot {
        g: u32,
        func: Option<FnIds>,
        direct: bool,
    },
    Builtin(u16),
    Capability(u8),
}

/// Where a variable of the current function lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Var {
    /// The value is in this local.
    Local(Local),
    /// This local holds the cell (captured by some closure).
    Cell(Local),
    /// The cell is capture `i` of the current closure (`env`).
    Capture(u32),
}

/// Where a closure's capture comes from, in the function that creates the closure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The cell held in this local.
    Cell(Local),
    /// The creating function's own capture `i`.
    Capture(u32),
}

/// One function being lowered.
#[derive(Default)]
pub(crate) struct FnCtx {
    pub params: u32,
    /// Parameters plus locals allocated so far.
    pub next_local: u32,
    /// The scope stack, flattened; blocks truncate it on exit. Only `Local` and `Cell`.
    pub bindings: Vec<(String, Var)>,
    pub captures: Vec<Source>,
    /// Open loops around the current statement.
    pub loops: u32,
    /// Whether this is a compiled Aura function (params env, self, ...) rather than `aura_main`.
    pub is_fn: bool,
    /// The name the function's frame shows in a trace; `None`: no frame (the prelude's).
    pub frame: Option<String>,
    /// Whether a site store was emitted (see `lower/trace.rs`).
    pub traced: bool,
    /// Set when this function is the outlined body of a `try` (see [`Lowerer::try_body`]).
    pub try_exit: Option<TryExit>,
}

/// How the outlined body of a `try` leaves: `return` stores its value in the cell of capture
/// `ret_capture` and returns `TRY_RETURN`; `break`/`continue` of a loop around the `try`
/// (`loops_outside`) return `TRY_BREAK`/`TRY_CONTINUE`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TryExit {
    pub ret_capture: u32,
    pub loops_outside: bool,
    /// Whether some `return` used the cell (else the caller needs none).
    pub used_return: bool,
}

pub(crate) enum Resolved {
    Var(Var),
    Global(Global),
}

pub(crate) struct Lowerer {
    functions: Vec<Option<Function>>,
    symbols: HashSet<String>,
    globals: u32,
    data: Vec<u8>,
    strs: HashMap<String, u32>,
    floats: HashMap<u64, u32>,
    ints: HashMap<i64, u32>,
    /// Globals of constants (never written after `aura_main` creates them).
    const_globals: HashSet<u32>,
    /// Statements of `aura_main` that create the constants, in order of first use.
    const_inits: Vec<Stmt>,
    pub(crate) ctxs: Vec<FnCtx>,
    /// The context of `aura_main`, swapped in while initialisers are lowered.
    main_ctx: FnCtx,
    /// Captured bindings of the current root function (see `aura_uast::captures`).
    captured: HashSet<u32>,
    next_binding: u32,
    prelude_names: HashMap<String, Global>,
    user_names: HashMap<String, Global>,
    plugin_scopes: HashMap<String, HashMap<String, Global>>,
    /// Resolution context: lowering the prelude (may name `__type_error`; no user names).
    stdlib: bool,
    /// The plugin whose members are being lowered.
    plugin: Option<String>,
    exports: Vec<(String, FnId)>,
    /// Symbol names of the functions being lowered, innermost last (names nested functions).
    pub(crate) current_symbol: Vec<String>,
    /// Whether arithmetic gets the inline float code (see [`mentions_floats`]).
    pub(crate) inline_floats: bool,
    /// The user module's file, for the sites' locations.
    source: Option<std::sync::Arc<aura_uast::trace::SourceFile>>,
    /// Trace lines by site id - 1 (site 0 shows no frame), and their ids.
    sites: Vec<String>,
    site_ids: HashMap<String, i64>,
}

/// Lowers the user's module and the prelude (as `pipeline::check_source` returns them after a
/// successful audit) to one LIR program whose entry is `aura_main`.
pub fn lower(module: &uast::Module, prelude: &uast::Module) -> Result<Program, LowerError> {
    let mut l = Lowerer {
        functions: Vec::new(),
        symbols: HashSet::new(),
        globals: FIRST_FREE_GLOBAL,
        data: Vec::new(),
        strs: HashMap::new(),
        floats: HashMap::new(),
        ints: HashMap::new(),
        const_globals: HashSet::new(),
        const_inits: Vec::new(),
        ctxs: Vec::new(),
        main_ctx: FnCtx::default(),
        captured: HashSet::new(),
        next_binding: 0,
        prelude_names: HashMap::new(),
        user_names: HashMap::new(),
        plugin_scopes: HashMap::new(),
        stdlib: true,
        plugin: None,
        exports: Vec::new(),
        current_symbol: Vec::new(),
        inline_floats: mentions_floats(module),
        source: module.source.clone(),
        sites: Vec::new(),
        site_ids: HashMap::new(),
    };
    l.program(module, prelude)
}

/// Whether the user's module may compute with floats: a float literal, or a use of `float`,
/// `sqrt`, `json_decode` or a clock's `now`. Only then does arithmetic get the inline float
/// code (`lower/expr.rs`): it is about as large as the int code, and a program that never makes
/// a float would compile it for nothing. A float that comes in anyway (say in a message's JSON)
/// takes the runtime's path, which computes the same.
fn mentions_floats(module: &uast::Module) -> bool {
    use aura_uast::visit::{walk_expr, Visit};
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr(&mut self, expr: &'ast uast::Expr) {
            match expr {
                uast::Expr::Float { .. } => self.0 = true,
                uast::Expr::Var { name, .. }
                    if matches!(name.as_str(), "float" | "sqrt" | "json_decode") =>
                {
                    self.0 = true
                }
                uast::Expr::Send { method, .. } if method.name == "now" => self.0 = true,
                _ => {}
            }
            if !self.0 {
                walk_expr(self, expr);
            }
        }
    }
    let mut finder = Finder(false);
    finder.visit_module(module);
    finder.0
}

/// The parts of `aura_main`, filled while the modules are lowered and joined at the end.
#[derive(Default)]
struct MainParts {
    /// Globals of names (set to nil first: a global read before its initialiser is nil).
    slot_globals: Vec<u32>,
    closures: Vec<Stmt>,
    objects_new: Vec<Stmt>,
    objects_proto: Vec<Stmt>,
    objects_members: Vec<Stmt>,
    inits: Vec<Stmt>,
}

impl Lowerer {
    fn program(&mut self, module: &uast::Module, prelude: &uast::Module) -> R<Program> {
        let mut assigned = HashSet::new();
        analysis::assigned_names(prelude, &mut assigned);
        analysis::assigned_names(module, &mut assigned);
        let mut parts = MainParts::default();

        self.prelude_names = self.declare_names(prelude, "p_", &assigned, &mut parts)?;
        self.user_names = self.declare_names(module, "f_", &assigned, &mut parts)?;
        for item in &module.items {
            if let Item::Plugin(def) = item {
                let mut scope = HashMap::new();
                for member in &def.members {
                    if let uast::PluginMember::Fn(f) = member {
                        let g = self.new_global();
                        parts.slot_globals.push(g);
                        let sym = format!("f_{}_{}", def.name.name, f.name.name);
                        let ids = self.reserve_fn(&sym, f.params.len());
                        let direct = !assigned.contains(&f.name.name);
                        let _ = scope.insert(
                            f.name.name.clone(),
                            Global::Slot {
                                g,
                                func: Some(ids),
                                direct,
                            },
                        );
                    }
                }
                let _ = self.plugin_scopes.insert(def.name.name.clone(), scope);
            }
        }

        self.stdlib = true;
        self.module(prelude, "p_", &mut parts)?;
        self.stdlib = false;
        self.module(module, "f_", &mut parts)?;

        // `main()`, resolved and called like a call written in the user's module.
        let defines_main = module
            .items
            .iter()
            .any(|item| matches!(item, Item::Fn(def) if def.name.name == "main"));
        let mut call_main = Vec::new();
        if defines_main {
            let call = uast::Expr::Call {
                span: uast::Span::default(),
                callee: Box::new(uast::Expr::Var {
                    span: uast::Span::default(),
                    name: "main".to_string(),
                }),
                args: Vec::new(),
            };
            self.captured = HashSet::new();
            self.next_binding = 0;
            self.with_main_ctx(|l| {
                let e = l.expr(&call, &mut call_main)?;
                call_main.push(Stmt::Expr(e));
                Ok(())
            })?;
        }
        let depth_fn = self.trace_depth_fn();
        let trace_table = self.trace_table();

        // Pad the data so that the heap, which starts right after it, is 8-byte aligned.
        while self.data.len() % 8 != 0 {
            self.data.push(0);
        }
        let data_len = u32::try_from(self.data.len()).or_else(|_| err("program data too large"))?;

        let mut body = vec![
            Stmt::Expr(Expr::CallRt(
                RtFn::Core(Core::Start),
                vec![Expr::DataAddr(data_len)],
            )),
            Stmt::SetGlobal(
                ARG_STACK_GLOBAL,
                Expr::CallRt(RtFn::Core(Core::ArgStack), vec![]),
            ),
            Stmt::SetGlobal(
                MAX_DEPTH_GLOBAL,
                Expr::CallRt(RtFn::Core(Core::MaxDepth), vec![]),
            ),
            // The initialisers run as one frame at depth 1, like the interpreter's (its slot is the
            // trace stack's second); slot 0 stays 0 (no frame) for `main` and a host's calls.
            Stmt::SetGlobal(DEPTH_GLOBAL, Expr::Const(1)),
            Stmt::SetGlobal(
                TRACE_GLOBAL,
                Expr::CallRt(
                    RtFn::Core(Core::TraceStart),
                    vec![Expr::FnAddr(depth_fn), Expr::DataAddr(trace_table)],
                ),
            ),
        ];
        body.extend(
            parts
                .slot_globals
                .iter()
                .map(|g| Stmt::SetGlobal(*g, Expr::Const(NIL))),
        );
        body.append(&mut self.const_inits);
        body.append(&mut parts.closures);
        body.append(&mut parts.objects_new);
        body.append(&mut parts.objects_proto);
        body.append(&mut parts.objects_members);
        body.append(&mut parts.inits);
        body.push(Stmt::SetGlobal(DEPTH_GLOBAL, Expr::Const(0)));
        body.push(Stmt::Expr(Expr::CallRt(RtFn::Core(Core::Finish), vec![])));
        body.push(Stmt::Return(Expr::Const(0)));

        // `aura_init` starts the runtime and runs the initialisers; `aura_main` is `aura_init`,
        // then `main`. A message host (spec/abi.md, "Message ABI") calls `aura_init` only.
        // Both use the initialisers' context: constants live in globals, locals are scratch.
        let main_ctx = std::mem::take(&mut self.main_ctx);
        let init = self.reserve();
        self.define(
            init,
            Function {
                name: "aura_init".to_string(),
                params: 0,
                locals: main_ctx.next_local,
                address_taken: false,
                body,
            },
        );
        self.exports.push(("aura_init".to_string(), init));
        let mut body = vec![Stmt::Expr(Expr::Call(init, vec![]))];
        body.append(&mut call_main);
        body.push(Stmt::Expr(Expr::CallRt(RtFn::Core(Core::Finish), vec![])));
        body.push(Stmt::Return(Expr::Const(0)));
        let entry = self.reserve();
        self.define(
            entry,
            Function {
                name: "aura_main".to_string(),
                params: 0,
                locals: main_ctx.next_local,
                address_taken: false,
                body,
            },
        );

        let mut functions = Vec::with_capacity(self.functions.len());
        for (i, f) in std::mem::take(&mut self.functions).into_iter().enumerate() {
            match f {
                Some(f) => functions.push(f),
                None => {
                    return err(format!(
                        "internal: function {i} was reserved, never defined"
                    ))
                }
            }
        }
        let mut program = Program {
            functions,
            globals: self.globals,
            data: std::mem::take(&mut self.data),
            entry,
            exports: std::mem::take(&mut self.exports),
        };
        // A hidden knob for measuring the collector's cost only (spec/abi.md, "Memory model"):
        // without the pass nothing polls, so nothing is ever collected.
        if std::env::var_os("AURA_MEASURE_NO_GC").is_none() {
            crate::gc::add_gc(&mut program);
        }
        Ok(program)
    }

    /// Globals for the top-level names of one module, with function ids reserved for its `fn`s.
    fn declare_names(
        &mut self,
        module: &uast::Module,
        prefix: &str,
        assigned: &HashSet<String>,
        parts: &mut MainParts,
    ) -> R<HashMap<String, Global>> {
        let mut names = HashMap::new();
        for item in &module.items {
            let Some(name) = item.defined_name() else {
                continue;
            };
            if names.contains_key(&name.name) {
                return err(format!("two top-level definitions of `{}`", name.name));
            }
            let g = self.new_global();
            parts.slot_globals.push(g);
            let func = match item {
                Item::Fn(def) => {
                    Some(self.reserve_fn(&format!("{prefix}{}", def.name.name), def.params.len()))
                }
                _ => None,
            };
            let direct = func.is_some() && !assigned.contains(&name.name);
            let _ = names.insert(name.name.clone(), Global::Slot { g, func, direct });
        }
        Ok(names)
    }
}

impl Lowerer {
    /// Lowers the items of one module: functions, objects, plugins and the initialisers.
    fn module(&mut self, module: &uast::Module, prefix: &str, parts: &mut MainParts) -> R<()> {
        let names = if self.stdlib {
            self.prelude_names.clone()
        } else {
            self.user_names.clone()
        };
        let slot = |name: &str| -> R<(u32, Option<FnIds>)> {
            match names.get(name) {
                Some(Global::Slot { g, func, .. }) => Ok((*g, *func)),
                _ => err(format!("`{name}` is not a global of its module")),
            }
        };
        for (index, item) in module.items.iter().enumerate() {
            // Each item's frames point into its own file (a program of several modules).
            if !self.stdlib {
                self.source = module.source_of(index);
            }
            match item {
                Item::Uses { .. } | Item::Import { .. } => {}
                Item::Let { span, name, value } => {
                    let (g, _) = slot(&name.name)?;
                    let mut out = Vec::new();
                    self.init_expr(*span, value, &mut out, |v| Stmt::SetGlobal(g, v))?;
                    parts.inits.append(&mut out);
                }
                Item::Fn(def) => {
                    let (g, func) = slot(&def.name.name)?;
                    let Some(ids) = func else {
                        return err(format!("function `{}` without ids", def.name.name));
                    };
                    self.plugin = None;
                    let frame = FrameName::Fn(&def.name.name).text();
                    self.root_fn(ids, Some(&def.name.name), frame, &def.params, &def.body)?;
                    let closure = self.closure_nocap(ids, Some(&def.name.name));
                    parts.closures.push(Stmt::SetGlobal(g, closure));
                }
                Item::Object(def) => {
                    let (g, _) = slot(&def.name.name)?;
                    let name = self.str_const(&def.name.name);
                    parts.objects_new.push(Stmt::SetGlobal(
                        g,
                        Expr::CallRt(
                            RtFn::Core(Core::ObjectNew),
                            vec![Expr::Global(name), Expr::Const(NIL)],
                        ),
                    ));
                    if let Some(p) = &def.proto {
                        let is_object = module
                            .items
                            .iter()
                            .any(|i| matches!(i, Item::Object(o) if o.name.name == p.name));
                        if !is_object {
                            return err(format!(
                                "the prototype of `{}` is not an object of this module: `{}`",
                                def.name.name, p.name
                            ));
                        }
                        let (pg, _) = slot(&p.name)?;
                        parts.objects_proto.push(Stmt::Expr(Expr::CallRt(
                            RtFn::Core(Core::SetProto),
                            vec![Expr::Global(g), Expr::Global(pg)],
                        )));
                    }
                    for member in &def.members {
                        match member {
                            uast::ObjectMember::Slot { span, name, value } => {
                                let key = self.str_const(&name.name);
                                parts.objects_members.push(field_set(
                                    Expr::Global(g),
                                    key,
                                    Expr::Const(NIL),
                                ));
                                let mut out = Vec::new();
                                self.init_expr(*span, value, &mut out, |v| {
                                    field_set(Expr::Global(g), key, v)
                                })?;
                                parts.inits.append(&mut out);
                            }
                            uast::ObjectMember::Method(f) => {
                                let sym = format!("{prefix}{}_{}", def.name.name, f.name.name);
                                let ids = self.reserve_fn(&sym, f.params.len());
                                self.plugin = None;
                                let frame = FrameName::Method(&def.name.name, &f.name.name).text();
                                self.root_fn(ids, Some(&f.name.name), frame, &f.params, &f.body)?;
                                let key = self.str_const(&f.name.name);
                                let closure = self.closure_nocap(ids, Some(&f.name.name));
                                parts.objects_members.push(field_set(
                                    Expr::Global(g),
                                    key,
                                    closure,
                                ));
                            }
                        }
                    }
                }
                Item::Plugin(def) => {
                    let (g, _) = slot(&def.name.name)?;
                    let name = self.str_const(&def.name.name);
                    parts.objects_new.push(Stmt::SetGlobal(
                        g,
                        Expr::CallRt(
                            RtFn::Core(Core::ObjectNew),
                            vec![Expr::Global(name), Expr::Const(NIL)],
                        ),
                    ));
                    let scope = self
                        .plugin_scopes
                        .get(&def.name.name)
                        .cloned()
                        .unwrap_or_default();
                    let mut routes = 0;
                    for member in &def.members {
                        self.plugin = Some(def.name.name.clone());
                        match member {
                            uast::PluginMember::Fn(f) => {
                                let Some(Global::Slot {
                                    g: hidden,
                                    func: Some(ids),
                                    ..
                                }) = scope.get(&f.name.name).copied()
                                else {
                                    return err("plugin helper without a global");
                                };
                                let frame =
                                    FrameName::PluginFn(&def.name.name, &f.name.name).text();
                                self.root_fn(ids, Some(&f.name.name), frame, &f.params, &f.body)?;
                                let closure = self.closure_nocap(ids, Some(&f.name.name));
                                parts.closures.push(Stmt::SetGlobal(hidden, closure));
                                let key = self.str_const(&f.name.name);
                                parts.objects_members.push(field_set(
                                    Expr::Global(g),
                                    key,
                                    Expr::Global(hidden),
                                ));
                            }
                            uast::PluginMember::Route(route) => {
                                routes += 1;
                                let sym = format!(
                                    "{prefix}{}_route{routes}_{}",
                                    def.name.name, route.method.name
                                );
                                let ids = self.reserve_fn(&sym, 1);
                                let params = std::slice::from_ref(&route.param);
                                let frame = FrameName::Route(
                                    &def.name.name,
                                    &route.method.name,
                                    &route.path,
                                )
                                .text();
                                self.root_fn(ids, None, frame, params, &route.body)?;
                                self.exports.push((
                                    format!("route:{} {}", route.method.name, route.path),
                                    ids.generic,
                                ));
                            }
                        }
                        self.plugin = None;
                    }
                }
            }
        }
        Ok(())
    }

    /// Lowers an initialiser expression into `aura_main` (where `self` is nil) and stores it.
    fn init_expr(
        &mut self,
        span: uast::Span,
        value: &uast::Expr,
        out: &mut Vec<Stmt>,
        store: impl FnOnce(Expr) -> Stmt,
    ) -> R<()> {
        self.plugin = None;
        self.captured = aura_uast::captures::captured_in_expr(value);
        self.next_binding = 0;
        self.with_main_ctx(|l| {
            l.ctx()?.frame = (!l.stdlib).then(|| FrameName::Init.text());
            let v = l.expr(value, out)?;
            out.push(store(v));
            let site = l.site_id(span.start)?;
            l.stamp(out, 0, site)
        })
    }

    fn with_main_ctx(&mut self, f: impl FnOnce(&mut Self) -> R<()>) -> R<()> {
        let ctx = std::mem::take(&mut self.main_ctx);
        self.ctxs.push(ctx);
        let result = f(self);
        self.main_ctx = self.ctxs.pop().unwrap_or_default();
        self.ctxs.clear();
        result
    }

    /// A top-level function, method, plugin helper or route.
    fn root_fn(
        &mut self,
        ids: FnIds,
        name: Option<&str>,
        frame: String,
        params: &[uast::Ident],
        body: &uast::Block,
    ) -> R<()> {
        self.captured = aura_uast::captures::captured_in_fn(params, body);
        self.next_binding = 0;
        self.ctxs.clear();
        let captures = self.function(ids, frame, params, body)?;
        if !captures.is_empty() {
            return err(format!(
                "internal: top-level function `{}` captures variables",
                name.unwrap_or("?")
            ));
        }
        Ok(())
    }

    /// The closure of a function without captures.
    fn closure_nocap(&mut self, ids: FnIds, name: Option<&str>) -> Expr {
        let name = match name {
            Some(n) => Expr::Global(self.str_const(n)),
            None => Expr::Const(NIL),
        };
        Expr::CallRt(
            RtFn::Core(Core::ClosureNew),
            vec![
                Expr::FnAddr(ids.generic),
                Expr::Const(ids.arity as i64),
                name,
                Expr::Const(0),
            ],
        )
    }

    pub(crate) fn is_const_global(&self, g: u32) -> bool {
        self.const_globals.contains(&g)
    }

    pub(crate) fn new_global(&mut self) -> u32 {
        let g = self.globals;
        self.globals += 1;
        g
    }

    /// A symbol name not used yet, derived from `base`.
    fn symbol(&mut self, base: &str) -> String {
        let clean: String = base
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let mut name = clean.clone();
        let mut n = 2;
        while self.symbols.contains(&name)
            || name == "aura_main"
            || name == "aura_init"
            || name.starts_with("rt_")
        {
            name = format!("{clean}_{n}");
            n += 1;
        }
        let _ = self.symbols.insert(name.clone());
        name
    }

    /// A function id, defined later with `define`.
    fn reserve(&mut self) -> FnId {
        self.functions.push(None);
        FnId(self.functions.len() as u32 - 1)
    }

    fn define(&mut self, id: FnId, f: Function) {
        if let Some(slot) = self.functions.get_mut(id.0 as usize) {
            *slot = Some(f);
        }
    }

    /// Reserves the direct and generic entry of a function named after `sym`; the generic entry
    /// is defined right away (it only depends on the arity).
    pub(crate) fn reserve_fn(&mut self, sym: &str, arity: usize) -> FnIds {
        let direct = self.reserve();
        let generic = self.reserve();
        let direct_name = self.symbol(sym);
        let generic_name = self.symbol(&format!("{direct_name}__generic"));
        // Placeholder name of the direct entry until `function` defines it.
        self.define(
            direct,
            Function {
                name: direct_name,
                params: 0,
                locals: 0,
                address_taken: false,
                body: Vec::new(),
            },
        );
        let n = arity as u32;
        let mut args = vec![Expr::Local(0), Expr::Local(1)];
        args.extend((0..n).map(|i| Expr::load(Expr::Local(3), 8 * i)));
        let body = vec![
            Stmt::If {
                cond: Expr::bin(BinOp::Ne, Expr::Local(2), Expr::Const(arity as i64)),
                then: vec![Stmt::Expr(Expr::CallRt(
                    RtFn::Core(Core::ArityError),
                    vec![Expr::Local(0), Expr::Local(2)],
                ))],
                otherwise: Vec::new(),
            },
            Stmt::Return(Expr::Call(direct, args)),
        ];
        self.define(
            generic,
            Function {
                name: generic_name,
                params: 4,
                locals: 0,
                address_taken: true,
                body,
            },
        );
        FnIds {
            direct,
            generic,
            arity,
        }
    }

    /// The global holding the string constant `text` (created once at start).
    pub(crate) fn str_const(&mut self, text: &str) -> u32 {
        if let Some(g) = self.strs.get(text) {
            return *g;
        }
        let g = self.new_global();
        let offset = self.data.len() as i64;
        self.data.extend_from_slice(text.as_bytes());
        self.const_inits.push(Stmt::SetGlobal(
            g,
            Expr::CallRt(
                RtFn::Core(Core::StrLit),
                vec![
                    Expr::DataAddr(offset as u32),
                    Expr::Const(text.len() as i64),
                ],
            ),
        ));
        let _ = self.strs.insert(text.to_string(), g);
        let _ = self.const_globals.insert(g);
        g
    }

    pub(crate) fn float_const(&mut self, value: f64) -> u32 {
        let bits = value.to_bits();
        if let Some(g) = self.floats.get(&bits) {
            return *g;
        }
        let g = self.new_global();
        self.const_inits.push(Stmt::SetGlobal(
            g,
            Expr::CallRt(RtFn::Core(Core::FloatLit), vec![Expr::Const(bits as i64)]),
        ));
        let _ = self.floats.insert(bits, g);
        let _ = self.const_globals.insert(g);
        g
    }

    /// A boxed int constant (outside the small range).
    pub(crate) fn int_const(&mut self, value: i64) -> u32 {
        if let Some(g) = self.ints.get(&value) {
            return *g;
        }
        let g = self.new_global();
        self.const_inits.push(Stmt::SetGlobal(
            g,
            Expr::CallRt(RtFn::Core(Core::IntLit), vec![Expr::Const(value)]),
        ));
        let _ = self.ints.insert(value, g);
        let _ = self.const_globals.insert(g);
        g
    }

    /// A module-level name, as the current module (and plugin) sees it.
    pub(crate) fn lookup_global(&self, name: &str) -> Option<Global> {
        if let Some(p) = &self.plugin {
            if let Some(g) = self.plugin_scopes.get(p).and_then(|s| s.get(name)) {
                return Some(*g);
            }
        }
        let module = if self.stdlib {
            &self.prelude_names
        } else {
            &self.user_names
        };
        if let Some(g) = module.get(name) {
            return Some(*g);
        }
        if !self.stdlib {
            if let Some(g) = self.prelude_names.get(name) {
                return Some(*g);
            }
        }
        if let Some(i) = aura_uast::BUILTINS.iter().position(|b| b.name == name) {
            if self.stdlib || !aura_uast::BUILTINS[i].stdlib_only {
                return Some(Global::Builtin(i as u16));
            }
        }
        if let Some(i) = aura_uast::CAPABILITIES.iter().position(|c| *c == name) {
            return Some(Global::Capability(i as u8));
        }
        None
    }

    pub(crate) fn ctx(&mut self) -> R<&mut FnCtx> {
        match self.ctxs.last_mut() {
            Some(c) => Ok(c),
            None => err("internal: no function context"),
        }
    }

    pub(crate) fn temp(&mut self) -> R<Local> {
        let ctx = self.ctx()?;
        ctx.next_local += 1;
        Ok(ctx.next_local - 1)
    }

    /// Declares a binding in the current scope (same order as `aura_uast::captures`).
    pub(crate) fn declare(&mut self, name: &str) -> R<Var> {
        let id = self.next_binding;
        self.next_binding += 1;
        let captured = self.captured.contains(&id);
        let local = self.temp()?;
        let var = if captured {
            Var::Cell(local)
        } else {
            Var::Local(local)
        };
        self.ctx()?.bindings.push((name.to_string(), var));
        Ok(var)
    }

    pub(crate) fn resolve(&mut self, name: &str) -> R<Resolved> {
        let top = self.ctxs.len().saturating_sub(1);
        if let Some(var) = self.find_local(top, name) {
            return Ok(Resolved::Var(var));
        }
        if let Some(i) = self.upval(top, name)? {
            return Ok(Resolved::Var(Var::Capture(i)));
        }
        match self.lookup_global(name) {
            Some(g) => Ok(Resolved::Global(g)),
            None => err(format!("`{name}` is not defined")),
        }
    }

    fn find_local(&self, ctx: usize, name: &str) -> Option<Var> {
        self.ctxs
            .get(ctx)?
            .bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// The capture index of `name` in context `i`, threading it through every enclosing closure.
    fn upval(&mut self, i: usize, name: &str) -> R<Option<u32>> {
        if i == 0 {
            return Ok(None);
        }
        let source = match self.find_local(i - 1, name) {
            Some(Var::Cell(c)) => Source::Cell(c),
            Some(_) => {
                return err(format!(
                    "internal: `{name}` is used by an inner function but not in a cell"
                ))
            }
            None => match self.upval(i - 1, name)? {
                Some(u) => Source::Capture(u),
                None => return Ok(None),
            },
        };
        let captures = &mut self.ctxs[i].captures;
        if let Some(pos) = captures.iter().position(|c| *c == source) {
            return Ok(Some(pos as u32));
        }
        captures.push(source);
        Ok(Some(captures.len() as u32 - 1))
    }

    /// Lowers one function (the context stack holds its enclosing functions) and defines its
    /// direct entry; returns what its closure must capture, from the enclosing function.
    pub(crate) fn function(
        &mut self,
        ids: FnIds,
        frame: String,
        params: &[uast::Ident],
        body: &uast::Block,
    ) -> R<Vec<Source>> {
        let n = params.len() as u32;
        let name = match self.functions.get(ids.direct.0 as usize) {
            Some(Some(f)) => f.name.clone(),
            _ => return err("internal: direct entry not reserved"),
        };
        self.current_symbol.push(name.clone());
        self.ctxs.push(FnCtx {
            params: 2 + n,
            next_local: 2 + n,
            is_fn: true,
            frame: (!self.stdlib).then_some(frame),
            ..FnCtx::default()
        });
        let mut out = vec![
            Stmt::SetGlobal(
                DEPTH_GLOBAL,
                Expr::bin(BinOp::Add, Expr::Global(DEPTH_GLOBAL), Expr::Const(1)),
            ),
            Stmt::If {
                cond: Expr::bin(
                    BinOp::GtS,
                    Expr::Global(DEPTH_GLOBAL),
                    Expr::Global(MAX_DEPTH_GLOBAL),
                ),
                then: vec![Stmt::Expr(Expr::CallRt(
                    RtFn::Core(Core::StackOverflow),
                    vec![],
                ))],
                otherwise: Vec::new(),
            },
        ];
        for (i, p) in params.iter().enumerate() {
            let id = self.next_binding;
            self.next_binding += 1;
            let var = if self.captured.contains(&id) {
                let cell = self.temp()?;
                out.push(Stmt::Set(
                    cell,
                    Expr::CallRt(RtFn::Core(Core::CellNew), vec![Expr::Local(2 + i as u32)]),
                ));
                Var::Cell(cell)
            } else {
                Var::Local(2 + i as u32)
            };
            self.ctx()?.bindings.push((p.name.clone(), var));
        }
        self.block(body, &mut out)?;
        if !matches!(out.last(), Some(Stmt::Return(_))) {
            out.push(depth_down());
            out.push(Stmt::Return(Expr::Const(NIL)));
        }
        // After the depth check: the frame's trace slot (see `trace.rs`).
        let entry = self.trace_entry()?;
        if self.ctx()?.traced {
            out = trace::drop_repeated(out, &trace::slot_addr(), &mut None);
        }
        let _ = out.splice(2..2, entry);
        let _ = self.current_symbol.pop();
        let ctx = match self.ctxs.pop() {
            Some(c) => c,
            None => return err("internal: function context lost"),
        };
        self.define(
            ids.direct,
            Function {
                name,
                params: ctx.params,
                locals: ctx.next_local - ctx.params,
                address_taken: false,
                body: out,
            },
        );
        Ok(ctx.captures)
    }

    /// Lowers the body of a `try` as a function of no parameters (`rt_try` calls its closure
    /// with the caller's `self`): no depth check, since a `try` is not a call; its captures start
    /// with `ret_cell`, the caller's local for the cell of a `return` value. Returns its
    /// captures and whether a `return` used that cell.
    pub(crate) fn try_body(
        &mut self,
        ids: FnIds,
        body: &uast::Block,
        ret_cell: Local,
        loops_outside: bool,
    ) -> R<(Vec<Source>, bool)> {
        let name = match self.functions.get(ids.direct.0 as usize) {
            Some(Some(f)) => f.name.clone(),
            _ => return err("internal: direct entry not reserved"),
        };
        self.current_symbol.push(name.clone());
        // The body runs at its function's depth, so in its trace slot: its statements show as
        // that function's (as on the interpreter, where a `try` is no frame).
        let frame = self.ctx()?.frame.clone();
        self.ctxs.push(FnCtx {
            params: 2,
            next_local: 2,
            is_fn: true,
            frame,
            captures: vec![Source::Cell(ret_cell)],
            try_exit: Some(TryExit {
                ret_capture: 0,
                loops_outside,
                used_return: false,
            }),
            ..FnCtx::default()
        });
        let mut out = Vec::new();
        self.block(body, &mut out)?;
        if !matches!(out.last(), Some(Stmt::Return(_))) {
            out.push(Stmt::Return(Expr::Const(TRY_NORMAL)));
        }
        if self.ctx()?.traced {
            out = trace::drop_repeated(out, &trace::slot_addr(), &mut None);
        }
        let _ = self.current_symbol.pop();
        let ctx = match self.ctxs.pop() {
            Some(c) => c,
            None => return err("internal: function context lost"),
        };
        let used_return = ctx.try_exit.is_some_and(|t| t.used_return);
        self.define(
            ids.direct,
            Function {
                name,
                params: ctx.params,
                locals: ctx.next_local - ctx.params,
                address_taken: false,
                body: out,
            },
        );
        Ok((ctx.captures, used_return))
    }

    /// The value of a capture source, read in the function that creates the closure.
    pub(crate) fn source_expr(source: Source) -> Expr {
        match source {
            Source::Cell(c) => Expr::Local(c),
            Source::Capture(i) => Expr::load(Expr::Local(0), CLOSURE_CAPTURES + 8 * i),
        }
    }
}

pub(crate) fn depth_down() -> Stmt {
    Stmt::SetGlobal(
        DEPTH_GLOBAL,
        Expr::bin(BinOp::Sub, Expr::Global(DEPTH_GLOBAL), Expr::Const(1)),
    )
}

pub(crate) fn field_set(object: Expr, key: u32, value: Expr) -> Stmt {
    Stmt::Expr(Expr::CallRt(
        RtFn::Core(Core::FieldSet),
        vec![object, Expr::Global(key), value],
    ))
}

/// Reads the variable.
pub(crate) fn var_read(var: Var) -> Expr {
    match var {
        Var::Local(l) => Expr::Local(l),
        Var::Cell(c) => Expr::load(Expr::Local(c), CELL_VALUE),
        Var::Capture(i) => Expr::load(
            Expr::load(Expr::Local(0), CLOSURE_CAPTURES + 8 * i),
            CELL_VALUE,
        ),
    }
}

/// Writes the variable (which already exists).
pub(crate) fn var_write(var: Var, value: Expr) -> Stmt {
    match var {
        Var::Local(l) => Stmt::Set(l, value),
        Var::Cell(c) => Stmt::Store {
            addr: Expr::Local(c),
            offset: CELL_VALUE,
            value,
        },
        Var::Capture(i) => Stmt::Store {
            addr: Expr::load(Expr::Local(0), CLOSURE_CAPTURES + 8 * i),
            offset: CELL_VALUE,
            value,
        },
    }
}
