//! UAST → resolved tree. Every name is resolved here, once: to a stack slot, a cell (a local some
//! closure captures), an upvalue, a global index, a builtin or a capability. A first pass over each
//! top-level function finds which bindings are captured, so the second pass can place them.

use crate::limits;
use crate::tree::{Block, Capture, Expr, FnProto, FrameInfo, Op, SendNode, Stmt, Var};
use crate::value::{type_err, Key, Str, Value, R};
use aura_uast as uast;
use aura_uast::trace::FrameName;
use aura_uast::{BinaryOp, Item, UnaryOp};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Expressions nested deeper than this get a `Grow` node, so evaluating them cannot exhaust the
/// Rust stack.
const GROW_EVERY: usize = 48;

/// A loaded program: what to create and run, in order.
pub(crate) struct Program {
    pub global_count: usize,
    /// Top-level names of the user's module (and the prelude's, where the user did not shadow
    /// them), for hosts.
    pub names: HashMap<String, u32>,
    /// Top-level functions (user, prelude, plugin helpers): closures made before anything runs.
    pub functions: Vec<(u32, Rc<FnProto>)>,
    pub objects: Vec<ObjectDecl>,
    /// Global and slot initialisers, in source order.
    pub inits: Vec<Init>,
    pub routes: Vec<RouteDecl>,
    pub dnu: Key,
    /// By global index: the function of a global that only a top-level `fn` defines and nothing
    /// assigns, so `CallGlobal` can enter it without loading, checking or cloning the closure.
    pub direct: Vec<Option<Rc<FnProto>>>,
}

pub(crate) struct ObjectDecl {
    pub global: u32,
    pub name: Rc<str>,
    /// Global index of the prototype object.
    pub proto: Option<u32>,
    pub members: Vec<Member>,
}

pub(crate) enum Member {
    /// A data slot; its initialiser runs later, in source order.
    Slot(Key),
    Method(Key, Rc<FnProto>),
    /// A plugin helper: the same closure as the hidden global.
    Helper(Key, u32),
}

pub(crate) enum Init {
    Global(u32, Rc<FnProto>),
    Slot {
        object: u32,
        name: Key,
        thunk: Rc<FnProto>,
    },
}

pub(crate) struct RouteDecl {
    pub plugin: String,
    pub method: String,
    pub path: String,
    pub proto: Rc<FnProto>,
}

#[derive(Clone, Copy, Debug)]
enum Global {
    Slot(u32),
    Builtin(u16),
    Capability(u8),
}

/// Interned strings: names and string constants with the same text share one `Rc`, so slot
/// lookups mostly compare pointers.
#[derive(Default)]
pub(crate) struct Interner {
    strings: HashMap<String, Rc<Str>>,
    /// Globals some statement assigns (shared by all compilers like the strings): they never
    /// get direct calls.
    assigned: HashSet<u32>,
}

impl Interner {
    pub(crate) fn key(&mut self, text: &str) -> Key {
        Key(self.str(text))
    }
    pub(crate) fn str(&mut self, text: &str) -> Rc<Str> {
        if let Some(s) = self.strings.get(text) {
            return s.clone();
        }
        let s = Str::constant(text.to_string());
        let _ = self.strings.insert(text.to_string(), s.clone());
        s
    }
}

fn load_error(message: impl Into<String>) -> crate::value::Error {
    type_err(message)
}

/// Compiles the prelude and the user's module into one program.
pub(crate) fn compile(module: &uast::Module, prelude: &uast::Module) -> R<Program> {
    let mut interner = Interner::default();
    let mut next_global = 0u32;
    let mut alloc = || {
        let g = next_global;
        next_global += 1;
        g
    };

    let mut prelude_names: HashMap<String, Global> = HashMap::new();
    for item in &prelude.items {
        if let Some(name) = item.defined_name() {
            let _ = prelude_names.insert(name.name.clone(), Global::Slot(alloc()));
        }
    }
    let mut user_names: HashMap<String, Global> = HashMap::new();
    // Plugin helpers get hidden globals, visible by bare name inside their plugin.
    let mut plugin_scopes: HashMap<String, HashMap<String, Global>> = HashMap::new();
    for item in &module.items {
        if let Some(name) = item.defined_name() {
            let _ = user_names.insert(name.name.clone(), Global::Slot(alloc()));
        }
        if let Item::Plugin(def) = item {
            let mut scope = HashMap::new();
            for member in &def.members {
                if let uast::PluginMember::Fn(f) = member {
                    let _ = scope.insert(f.name.name.clone(), Global::Slot(alloc()));
                }
            }
            let _ = plugin_scopes.insert(def.name.name.clone(), scope);
        }
    }
    let dnu = interner.key("does_not_understand");

    let mut program = Program {
        global_count: 0,
        names: HashMap::new(),
        functions: Vec::new(),
        objects: Vec::new(),
        inits: Vec::new(),
        routes: Vec::new(),
        dnu,
        direct: Vec::new(),
    };

    let prelude_env = Env {
        module: &prelude_names,
        fallback: None,
        stdlib: true,
        source: None,
    };
    compile_module(
        prelude,
        &prelude_env,
        &HashMap::new(),
        &mut interner,
        &mut program,
    )?;
    let user_env = Env {
        module: &user_names,
        fallback: Some(&prelude_names),
        stdlib: false,
        source: module.source.clone(),
    };
    compile_module(
        module,
        &user_env,
        &plugin_scopes,
        &mut interner,
        &mut program,
    )?;

    for (name, g) in prelude_names.iter().chain(user_names.iter()) {
        if let Global::Slot(index) = g {
            let _ = program.names.insert(name.clone(), *index);
        }
    }
    program.global_count = next_global as usize;
    program.direct = direct_functions(&program, &interner.assigned);
    Ok(program)
}

/// The functions `CallGlobal` may enter directly: those of globals defined once, by a top-level
/// `fn`, and never assigned (the audit forbids that, E0203, but unaudited modules load too).
fn direct_functions(program: &Program, assigned: &HashSet<u32>) -> Vec<Option<Rc<FnProto>>> {
    let mut definitions = vec![0u32; program.global_count];
    let mut count = |g: u32| {
        if let Some(n) = definitions.get_mut(g as usize) {
            *n += 1;
        }
    };
    for (g, _) in &program.functions {
        count(*g);
    }
    for init in &program.inits {
        if let Init::Global(g, _) = init {
            count(*g);
        }
    }
    for o in &program.objects {
        count(o.global);
    }
    let mut direct = vec![None; program.global_count];
    for (g, proto) in &program.functions {
        if definitions.get(*g as usize) == Some(&1) && !assigned.contains(g) {
            direct[*g as usize] = Some(proto.clone());
        }
    }
    direct
}

/// Module-level name resolution.
struct Env<'a> {
    module: &'a HashMap<String, Global>,
    fallback: Option<&'a HashMap<String, Global>>,
    stdlib: bool,
    /// The module's file, for the locations of its frames.
    source: Option<std::sync::Arc<aura_uast::trace::SourceFile>>,
}

impl Env<'_> {
    fn lookup(&self, name: &str) -> Option<Global> {
        if let Some(g) = self.module.get(name) {
            return Some(*g);
        }
        if let Some(g) = self.fallback.and_then(|f| f.get(name)) {
            return Some(*g);
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
}

fn global_slot(env: &Env, name: &str) -> R<u32> {
    match env.module.get(name) {
        Some(Global::Slot(g)) => Ok(*g),
        _ => Err(load_error(format!("`{name}` is not defined"))),
    }
}

fn compile_module(
    module: &uast::Module,
    env: &Env,
    plugin_scopes: &HashMap<String, HashMap<String, Global>>,
    interner: &mut Interner,
    program: &mut Program,
) -> R<()> {
    let no_plugin = HashMap::new();
    for (index, item) in module.items.iter().enumerate() {
        // Each item's frames point into its own file (a program of several modules).
        let item_env = Env {
            module: env.module,
            fallback: env.fallback,
            stdlib: env.stdlib,
            source: if env.stdlib {
                None
            } else {
                module.source_of(index)
            },
        };
        let env = &item_env;
        match item {
            Item::Uses { .. } | Item::Import { .. } => {}
            Item::Let { span, name, value } => {
                let global = global_slot(env, &name.name)?;
                let thunk = compile_thunk(*span, value, env, &no_plugin, interner)?;
                program.inits.push(Init::Global(global, thunk));
            }
            Item::Fn(def) => {
                let global = global_slot(env, &def.name.name)?;
                let frame = FrameName::Fn(&def.name.name);
                let proto = compile_root(def, frame, env, &no_plugin, interner)?;
                program.functions.push((global, proto));
            }
            Item::Object(def) => {
                let global = global_slot(env, &def.name.name)?;
                let proto = match &def.proto {
                    Some(p) => Some(match env.module.get(&p.name) {
                        Some(Global::Slot(g)) => *g,
                        _ => {
                            return Err(load_error(format!(
                                "the prototype of `{}` is not an object of this module: `{}`",
                                def.name.name, p.name
                            )))
                        }
                    }),
                    None => None,
                };
                let mut members = Vec::new();
                for member in &def.members {
                    match member {
                        uast::ObjectMember::Slot { span, name, value } => {
                            let key = interner.key(&name.name);
                            let thunk = compile_thunk(*span, value, env, &no_plugin, interner)?;
                            program.inits.push(Init::Slot {
                                object: global,
                                name: key.clone(),
                                thunk,
                            });
                            members.push(Member::Slot(key));
                        }
                        uast::ObjectMember::Method(f) => {
                            let key = interner.key(&f.name.name);
                            let frame = FrameName::Method(&def.name.name, &f.name.name);
                            let proto = compile_root(f, frame, env, &no_plugin, interner)?;
                            members.push(Member::Method(key, proto));
                        }
                    }
                }
                program.objects.push(ObjectDecl {
                    global,
                    name: Rc::from(def.name.name.as_str()),
                    proto,
                    members,
                });
            }
            Item::Plugin(def) => {
                let global = global_slot(env, &def.name.name)?;
                let scope = plugin_scopes.get(&def.name.name).unwrap_or(&no_plugin);
                let mut members = Vec::new();
                for member in &def.members {
                    match member {
                        uast::PluginMember::Fn(f) => {
                            let Some(Global::Slot(hidden)) = scope.get(&f.name.name).copied()
                            else {
                                return Err(load_error("plugin helper without a slot"));
                            };
                            let frame = FrameName::PluginFn(&def.name.name, &f.name.name);
                            let proto = compile_root(f, frame, env, scope, interner)?;
                            program.functions.push((hidden, proto));
                            members.push(Member::Helper(interner.key(&f.name.name), hidden));
                        }
                        uast::PluginMember::Route(route) => {
                            let route_def = uast::FnDef {
                                span: route.span,
                                name: route.method.clone(),
                                params: vec![route.param.clone()],
                                body: route.body.clone(),
                            };
                            let frame =
                                FrameName::Route(&def.name.name, &route.method.name, &route.path);
                            let mut proto = compile_root(&route_def, frame, env, scope, interner)?;
                            if let Some(p) = Rc::get_mut(&mut proto) {
                                p.name = None;
                            }
                            program.routes.push(RouteDecl {
                                plugin: def.name.name.clone(),
                                method: route.method.name.clone(),
                                path: route.path.clone(),
                                proto,
                            });
                        }
                    }
                }
                program.objects.push(ObjectDecl {
                    global,
                    name: Rc::from(def.name.name.as_str()),
                    proto: None,
                    members,
                });
            }
        }
    }
    Ok(())
}

/// A top-level function, method, plugin helper or route.
fn compile_root(
    def: &uast::FnDef,
    frame: FrameName,
    env: &Env,
    plugin: &HashMap<String, Global>,
    interner: &mut Interner,
) -> R<Rc<FnProto>> {
    let captured = aura_uast::captures::captured_in_fn(&def.params, &def.body);
    let mut c = Compiler::new(env, plugin, interner, captured);
    c.function(Some(&def.name.name), frame, &def.params, &def.body)
}

/// An initialiser expression, compiled as a function of no parameters returning it.
fn compile_thunk(
    span: uast::Span,
    value: &uast::Expr,
    env: &Env,
    plugin: &HashMap<String, Global>,
    interner: &mut Interner,
) -> R<Rc<FnProto>> {
    let body = uast::Block {
        span: uast::Span::default(),
        // Its failures are reported at the `let` or slot it initialises.
        stmts: vec![uast::Stmt::Return {
            span,
            value: Some(value.clone()),
        }],
    };
    let captured = aura_uast::captures::captured_in_fn(&[], &body);
    let mut c = Compiler::new(env, plugin, interner, captured);
    c.function(None, FrameName::Init, &[], &body)
}

/// One function being compiled.
#[derive(Default)]
struct FnCtx {
    /// The scope stack, flattened: (name, where it lives). Blocks truncate it on exit.
    bindings: Vec<(String, Var)>,
    slots: u32,
    cells: u32,
    captures: Vec<Capture>,
}

enum Resolved {
    Var(Var),
    Upval(u32),
    Global(Global),
}

struct Compiler<'a> {
    env: &'a Env<'a>,
    plugin: &'a HashMap<String, Global>,
    interner: &'a mut Interner,
    captured: HashSet<u32>,
    next_binding: u32,
    ctxs: Vec<FnCtx>,
    depth: usize,
}

impl<'a> Compiler<'a> {
    fn new(
        env: &'a Env<'a>,
        plugin: &'a HashMap<String, Global>,
        interner: &'a mut Interner,
        captured: HashSet<u32>,
    ) -> Self {
        Compiler {
            env,
            plugin,
            interner,
            captured,
            next_binding: 0,
            ctxs: Vec::new(),
            depth: 0,
        }
    }

    fn ctx(&mut self) -> &mut FnCtx {
        // `function` pushes a context before compiling any body.
        let last = self.ctxs.len().saturating_sub(1);
        if self.ctxs.is_empty() {
            self.ctxs.push(FnCtx::default());
        }
        &mut self.ctxs[last]
    }

    /// Declares a binding in the current scope (same order as `aura_uast::captures`).
    fn declare(&mut self, name: &str) -> Var {
        let id = self.next_binding;
        self.next_binding += 1;
        let captured = self.captured.contains(&id);
        let ctx = self.ctx();
        let var = if captured {
            ctx.cells += 1;
            Var::Cell(ctx.cells - 1)
        } else {
            ctx.slots += 1;
            Var::Local(ctx.slots - 1)
        };
        ctx.bindings.push((name.to_string(), var));
        var
    }

    fn function(
        &mut self,
        name: Option<&str>,
        frame: FrameName,
        params: &[uast::Ident],
        body: &uast::Block,
    ) -> R<Rc<FnProto>> {
        self.ctxs.push(FnCtx::default());
        let mut param_cells = Vec::new();
        // Parameters occupy stack slots 0..n; captured ones move into cells on entry.
        let n = params.len() as u32;
        self.ctx().slots = n;
        for (i, p) in params.iter().enumerate() {
            let id = self.next_binding;
            self.next_binding += 1;
            let var = if self.captured.contains(&id) {
                let ctx = self.ctx();
                ctx.cells += 1;
                param_cells.push((i as u32, ctx.cells - 1));
                Var::Cell(ctx.cells - 1)
            } else {
                Var::Local(i as u32)
            };
            self.ctx().bindings.push((p.name.clone(), var));
        }
        let body = self.block(body)?;
        let ctx = self.ctxs.pop().unwrap_or_default();
        Ok(Rc::new(FnProto {
            name: name.map(Rc::from),
            params: n,
            slots: ctx.slots,
            cells: ctx.cells,
            param_cells: param_cells.into_boxed_slice(),
            captures: ctx.captures.into_boxed_slice(),
            body,
            frame: (!self.env.stdlib).then(|| {
                Rc::new(FrameInfo {
                    name: frame.text(),
                    source: self.env.source.clone(),
                })
            }),
        }))
    }

    fn block(&mut self, block: &uast::Block) -> R<Block> {
        let mark = self.ctx().bindings.len();
        let mut out = Vec::with_capacity(block.stmts.len());
        let mut sites = Vec::with_capacity(block.stmts.len());
        for stmt in &block.stmts {
            self.stmt(stmt, &mut out)?;
            sites.resize(out.len(), aura_uast::trace::site(stmt));
        }
        self.ctx().bindings.truncate(mark);
        Ok(Block {
            stmts: out.into_boxed_slice(),
            sites: sites.into_boxed_slice(),
        })
    }

    fn resolve(&mut self, name: &str) -> R<Resolved> {
        let top = self.ctxs.len().saturating_sub(1);
        if let Some(var) = self.find_local(top, name) {
            return Ok(Resolved::Var(var));
        }
        if let Some(up) = self.upval(top, name) {
            return Ok(Resolved::Upval(up));
        }
        if let Some(g) = self.plugin.get(name) {
            return Ok(Resolved::Global(*g));
        }
        match self.env.lookup(name) {
            Some(g) => Ok(Resolved::Global(g)),
            None => Err(load_error(format!("`{name}` is not defined"))),
        }
    }

    fn find_local(&self, ctx: usize, name: &str) -> Option<Var> {
        let ctx = self.ctxs.get(ctx)?;
        ctx.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// The upvalue index of `name` in context `i`, threading it through every enclosing closure.
    fn upval(&mut self, i: usize, name: &str) -> Option<u32> {
        if i == 0 {
            return None;
        }
        let source = match self.find_local(i - 1, name) {
            Some(Var::Cell(c)) => Capture::Cell(c),
            // The analysis marks every variable an inner function uses as captured.
            Some(Var::Local(_)) => return None,
            None => Capture::Upval(self.upval(i - 1, name)?),
        };
        let captures = &mut self.ctxs[i].captures;
        if let Some(pos) = captures.iter().position(|c| *c == source) {
            return Some(pos as u32);
        }
        captures.push(source);
        Some(captures.len() as u32 - 1)
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
                let value = self.expr(value)?;
                let s = match self.declare(&name.name) {
                    Var::Local(s) => Stmt::SetLocal(s, value),
                    Var::Cell(c) => Stmt::NewCell(c, value),
                };
                out.push(s);
            }
            uast::Stmt::Assign { target, value, .. } => {
                let s = self.assign(target, value)?;
                out.push(s);
            }
            uast::Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                let cond = self.expr(cond)?;
                let then = self.block(then)?;
                let otherwise = match otherwise {
                    Some(b) => self.block(b)?,
                    None => Block::default(),
                };
                out.push(Stmt::If(cond, then, otherwise));
            }
            uast::Stmt::While { cond, body, .. } => {
                let cond = self.expr(cond)?;
                let body = self.block(body)?;
                out.push(Stmt::While(cond, body));
            }
            uast::Stmt::For {
                var, iter, body, ..
            } => {
                let range_args = self.range_call(iter)?;
                let iter = match range_args {
                    Some(args) => Err(args),
                    None => Ok(self.expr(iter)?),
                };
                let mark = self.ctx().bindings.len();
                let v = self.declare(&var.name);
                let body = self.block(body)?;
                self.ctx().bindings.truncate(mark);
                out.push(match iter {
                    Ok(iter) => Stmt::For { var: v, iter, body },
                    Err(args) => Stmt::ForRange { var: v, args, body },
                });
            }
            uast::Stmt::Return { value, .. } => {
                let value = match value {
                    Some(v) => self.expr(v)?,
                    None => Expr::Const(Value::Nil),
                };
                out.push(Stmt::Return(value));
            }
            uast::Stmt::Try {
                body,
                name,
                handler,
                ..
            } => {
                let body = self.block(body)?;
                let mark = self.ctx().bindings.len();
                let var = self.declare(&name.name);
                let handler = self.block(handler)?;
                self.ctx().bindings.truncate(mark);
                out.push(Stmt::Try { body, var, handler });
            }
            uast::Stmt::Break { .. } => out.push(Stmt::Break),
            uast::Stmt::Continue { .. } => out.push(Stmt::Continue),
            uast::Stmt::Fn(def) => self.self_visible_fn(
                &def.name.name,
                Some(&def.name.name),
                &def.params,
                &def.body,
                out,
            )?,
            uast::Stmt::Expr { expr, .. } => {
                let e = self.expr(expr)?;
                out.push(Stmt::Expr(e));
            }
        }
        Ok(())
    }

    /// Declares `binding`, then compiles the function, so that its body sees the binding.
    fn self_visible_fn(
        &mut self,
        binding: &str,
        name: Option<&str>,
        params: &[uast::Ident],
        body: &uast::Block,
        out: &mut Vec<Stmt>,
    ) -> R<()> {
        let var = self.declare(binding);
        let lambda = Expr::Lambda(self.function(name, FrameName::Local(binding), params, body)?);
        match var {
            Var::Local(s) => out.push(Stmt::SetLocal(s, lambda)),
            Var::Cell(c) => {
                out.push(Stmt::NewCell(c, Expr::Const(Value::Nil)));
                out.push(Stmt::SetCell(c, lambda));
            }
        }
        Ok(())
    }

    /// `Some(args)` when `iter` is a call of the builtin `range` the counting loop can run
    /// (`aura_uast::range_loop`: 1 to 3 arguments) and `range` is not shadowed here.
    fn range_call(&mut self, iter: &uast::Expr) -> R<Option<Box<[Expr]>>> {
        let Some(range) = aura_uast::range_loop(iter) else {
            return Ok(None);
        };
        match self.resolve("range")? {
            Resolved::Global(Global::Builtin(id))
                if aura_uast::BUILTINS[id as usize].name == "range" => {}
            _ => return Ok(None),
        }
        Ok(Some(self.exprs(range.args)?))
    }

    fn assign(&mut self, target: &uast::Target, value: &uast::Expr) -> R<Stmt> {
        Ok(match target {
            uast::Target::Var { name, .. } => match self.resolve(name)? {
                Resolved::Var(Var::Local(s)) => {
                    if let uast::Expr::Binary {
                        op: BinaryOp::Add,
                        lhs,
                        rhs,
                        ..
                    } = value
                    {
                        if matches!(lhs.as_ref(), uast::Expr::Var { name: n, .. } if n == name) {
                            return Ok(match self.expr(rhs)? {
                                Expr::Const(Value::Int(k)) => Stmt::AddLocalInt(s, k),
                                rhs => Stmt::AppendLocal(s, rhs),
                            });
                        }
                    }
                    Stmt::SetLocal(s, self.expr(value)?)
                }
                Resolved::Var(Var::Cell(c)) => Stmt::SetCell(c, self.expr(value)?),
                Resolved::Upval(u) => Stmt::SetUpval(u, self.expr(value)?),
                Resolved::Global(Global::Slot(g)) => {
                    let _ = self.interner.assigned.insert(g);
                    Stmt::SetGlobal(g, self.expr(value)?)
                }
                Resolved::Global(_) => {
                    return Err(load_error(format!("cannot assign to the builtin `{name}`")))
                }
            },
            uast::Target::Field { object, field, .. } => {
                let object = self.expr(object)?;
                let key = self.interner.key(&field.name);
                Stmt::SetField(object, key, self.expr(value)?)
            }
            uast::Target::Index { object, index, .. } => {
                let object = self.expr(object)?;
                let index = self.expr(index)?;
                Stmt::SetIndex(object, index, self.expr(value)?)
            }
        })
    }

    fn exprs(&mut self, exprs: &[uast::Expr]) -> R<Box<[Expr]>> {
        exprs.iter().map(|e| self.expr(e)).collect()
    }

    fn expr(&mut self, e: &uast::Expr) -> R<Expr> {
        self.depth += 1;
        let result = stacker::maybe_grow(limits::RED_ZONE, limits::STACK_SEGMENT, || {
            self.expr_inner(e)
        });
        self.depth -= 1;
        let compiled = result?;
        if self.depth > 0 && self.depth.is_multiple_of(GROW_EVERY) {
            return Ok(Expr::Grow(Box::new(compiled)));
        }
        Ok(compiled)
    }

    fn expr_inner(&mut self, e: &uast::Expr) -> R<Expr> {
        Ok(match e {
            uast::Expr::Nil { .. } => Expr::Const(Value::Nil),
            uast::Expr::Bool { value, .. } => Expr::Const(Value::Bool(*value)),
            uast::Expr::Int { value, .. } => Expr::Const(Value::Int(*value)),
            uast::Expr::Float { value, .. } => Expr::Const(Value::Float(*value)),
            uast::Expr::Str { value, .. } => Expr::Const(Value::Str(self.interner.str(value))),
            uast::Expr::List { items, .. } => Expr::List(self.exprs(items)?),
            uast::Expr::Map { entries, .. } => {
                let mut out = Vec::with_capacity(entries.len());
                for entry in entries {
                    let key = self.interner.key(&entry.key);
                    out.push((key, self.expr(&entry.value)?));
                }
                Expr::Map(out.into_boxed_slice())
            }
            uast::Expr::Var { name, .. } => match self.resolve(name)? {
                Resolved::Var(Var::Local(s)) => Expr::Local(s),
                Resolved::Var(Var::Cell(c)) => Expr::Cell(c),
                Resolved::Upval(u) => Expr::Upval(u),
                Resolved::Global(Global::Slot(g)) => Expr::Global(g),
                Resolved::Global(Global::Builtin(b)) => Expr::Const(Value::Builtin(b)),
                Resolved::Global(Global::Capability(c)) => Expr::Const(Value::Capability(c)),
            },
            uast::Expr::SelfRef { .. } => Expr::SelfRef,
            uast::Expr::Unary { op, operand, .. } => {
                let operand = Box::new(self.expr(operand)?);
                match op {
                    UnaryOp::Neg => Expr::Neg(operand),
                    UnaryOp::Not => Expr::Not(operand),
                    UnaryOp::BitNot => Expr::BitNot(operand),
                }
            }
            uast::Expr::Binary { op, lhs, rhs, .. } => {
                let l = self.expr(lhs)?;
                let r = self.expr(rhs)?;
                let op = match op {
                    BinaryOp::And => return Ok(Expr::And(Box::new(l), Box::new(r))),
                    BinaryOp::Or => return Ok(Expr::Or(Box::new(l), Box::new(r))),
                    BinaryOp::Add => Op::Add,
                    BinaryOp::Sub => Op::Sub,
                    BinaryOp::Mul => Op::Mul,
                    BinaryOp::Div => Op::Div,
                    BinaryOp::Rem => Op::Rem,
                    BinaryOp::Eq => Op::Eq,
                    BinaryOp::Ne => Op::Ne,
                    BinaryOp::Lt => Op::Lt,
                    BinaryOp::Le => Op::Le,
                    BinaryOp::Gt => Op::Gt,
                    BinaryOp::Ge => Op::Ge,
                    BinaryOp::BitAnd => Op::BitAnd,
                    BinaryOp::BitOr => Op::BitOr,
                    BinaryOp::BitXor => Op::BitXor,
                    BinaryOp::Shl => Op::Shl,
                    BinaryOp::Shr => Op::Shr,
                };
                match (l, r) {
                    (Expr::Local(s), Expr::Const(Value::Int(k))) => Expr::BinLocalInt(op, s, k),
                    (Expr::Local(a), Expr::Local(b)) => Expr::BinLocalLocal(op, a, b),
                    (l, Expr::Const(Value::Int(k))) => Expr::BinInt(op, Box::new(l), k),
                    (l, r) => Expr::Bin(op, Box::new(l), Box::new(r)),
                }
            }
            uast::Expr::Call { callee, args, .. } => {
                let callee = self.expr(callee)?;
                let args = self.exprs(args)?;
                match callee {
                    Expr::Global(g) => Expr::CallGlobal(g, args),
                    Expr::Const(Value::Builtin(b)) => Expr::CallBuiltin(b, args),
                    other => Expr::Call(Box::new(other), args),
                }
            }
            uast::Expr::Send {
                receiver,
                method,
                args,
                ..
            } => {
                let receiver = self.expr(receiver)?;
                let key = self.interner.key(&method.name);
                Expr::Send(Box::new(SendNode {
                    receiver,
                    name: key,
                    args: self.exprs(args)?,
                    cache: Default::default(),
                }))
            }
            uast::Expr::Field { object, field, .. } => {
                let object = self.expr(object)?;
                Expr::Field(Box::new(object), self.interner.key(&field.name))
            }
            uast::Expr::Index { object, index, .. } => {
                let object = self.expr(object)?;
                Expr::Index(Box::new(object), Box::new(self.expr(index)?))
            }
            uast::Expr::Lambda { params, body, .. } => {
                Expr::Lambda(self.function(None, FrameName::Closure, params, body)?)
            }
        })
    }
}
