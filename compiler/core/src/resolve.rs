//! Name resolution for tools: every name a module writes, bound to the definition it means. The
//! language server answers hover, definition, references, rename and completion from it.
//!
//! Names read or assigned as variables follow the audit's rules exactly (`spec/audit.md`): block
//! scopes innermost first (parameters, `let` after its value, a `let` of a fn literal and a
//! nested `fn` before their body, a `for` variable in its body), then the module's environment
//! (the audit's own [`Env::resolve`]: plugin fns inside their plugin, top-level definitions,
//! declared capabilities, prelude functions, builtins).
//!
//! Members (`x.f`, `x.m(..)`, `x.f = v`) are resolved by what the receiver is known to be: `self`
//! in a method is its object; a name bound to an object or plugin is that object; a local or global
//! whose `let` value is a known object or `clone(...)` of one is that object; a capability is
//! itself. The member is then looked up along the prototype chain, as a send does at run time.
//! When the receiver is unknown (a parameter, an element of a list), the member resolves to the
//! one slot, method or plugin fn of the module with that name, if there is exactly one.
//! See `spec/lsp.md`.

use crate::audit::env::{Env, Global, TopDef};
use aura_facts::CapabilityMethod;
use aura_uast::visit::{walk_block, walk_expr, walk_stmt, walk_target, Visit};
use aura_uast::{
    Block, Expr, FnDef, Ident, Item, Module, ObjectMember, PluginDef, PluginMember, Span, Stmt,
    Target, CAPABILITIES,
};
use std::collections::HashMap;

/// Stack kept free before an expression's children are resolved, and the size of a new segment.
const RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// An index into [`Resolution::symbols`].
pub type SymbolId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    /// A top-level `fn`.
    Function,
    /// A top-level `let`.
    Global,
    Object {
        proto: Option<SymbolId>,
    },
    Plugin,
    PluginFn {
        plugin: SymbolId,
    },
    Slot {
        object: SymbolId,
    },
    Method {
        object: SymbolId,
    },
    /// A parameter of a fn, method, route or fn literal.
    Param,
    /// A `let`, a `for` variable or a nested `fn`.
    Local,
    /// A function of the stdlib prelude (defined outside the module).
    Prelude,
    /// A fn, object or global another module defines, brought in by `import`.
    Imported,
    Builtin,
    Capability,
    /// `store.get` and the like; its name is the method's.
    CapabilityMethod {
        capability: SymbolId,
    },
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The defining name in the module; empty for what is defined outside it (builtins, prelude
    /// functions, capability methods, a capability no `uses` declares).
    pub span: Span,
    /// The whole definition (the fn, the object, the `let` statement).
    pub definition: Span,
    /// Parameter names of a function, method, nested fn, prelude fn, builtin or capability method.
    pub params: Vec<String>,
    /// Where a local or parameter can be named; empty for the others.
    pub visible: Span,
    /// What a local or global is known to hold (from its `let` value).
    pub value: Option<Receiver>,
}

impl Symbol {
    /// Defined in the module (so it has a place to go to, and may be renamed).
    pub fn in_module(&self) -> bool {
        !self.span.is_empty()
            && !matches!(
                self.kind,
                SymbolKind::Prelude
                    | SymbolKind::Builtin
                    | SymbolKind::Capability
                    | SymbolKind::CapabilityMethod { .. }
            )
    }
}

/// What a receiver of a member access is known to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    /// An object or a plugin (or a clone of an object).
    Object(SymbolId),
    Capability(SymbolId),
}

/// One place a symbol is named.
#[derive(Clone, Debug)]
pub struct Reference {
    pub span: Span,
    pub symbol: SymbolId,
    /// The defining occurrence (a `uses` declaration of a capability counts too).
    pub definition: bool,
    /// For a member: the object the lookup started from (the member may come from its prototype).
    pub via: Option<SymbolId>,
}

/// One `x.name`, `x.name(..)` or `x.name = v`, resolved or not.
#[derive(Clone, Debug)]
pub struct MemberAccess {
    /// The member's name.
    pub span: Span,
    pub receiver: Option<Receiver>,
}

/// The symbols of a module and every place they are named.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    pub symbols: Vec<Symbol>,
    /// In source order.
    pub references: Vec<Reference>,
    /// In source order.
    pub members: Vec<MemberAccess>,
    /// The slots and methods each object defines itself (plugin fns for a plugin), in order.
    own_members: HashMap<SymbolId, Vec<SymbolId>>,
}

/// A span holds `at` when `at` is inside it or just after its end (a cursor after a name).
fn touches(span: Span, at: usize) -> bool {
    span.start as usize <= at && at <= span.end as usize && !span.is_empty()
}

impl Resolution {
    pub fn symbol(&self, id: SymbolId) -> &Symbol {
        &self.symbols[id]
    }

    /// The name at byte `at`: one that covers it, else one that ends there.
    pub fn reference_at(&self, at: usize) -> Option<&Reference> {
        let mut found = None;
        for reference in &self.references {
            if reference.span.start as usize > at {
                break;
            }
            if (reference.span.start as usize) <= at && at < reference.span.end as usize {
                return Some(reference);
            }
            if touches(reference.span, at) {
                found = Some(reference);
            }
        }
        found
    }

    /// Every place `symbol` is named, its definition included, in source order.
    pub fn references_to(&self, symbol: SymbolId) -> impl Iterator<Item = &Reference> + '_ {
        self.references.iter().filter(move |r| r.symbol == symbol)
    }

    /// The member access whose name holds byte `at`.
    pub fn member_at(&self, at: usize) -> Option<&MemberAccess> {
        self.members.iter().find(|m| touches(m.span, at))
    }

    /// The locals and parameters that can be named at byte `at`, the innermost of each name,
    /// sorted by name.
    pub fn locals_at(&self, at: usize) -> Vec<SymbolId> {
        let mut best: HashMap<&str, SymbolId> = HashMap::new();
        for (id, symbol) in self.symbols.iter().enumerate() {
            let visible = symbol.visible;
            if !matches!(symbol.kind, SymbolKind::Param | SymbolKind::Local)
                || visible.is_empty()
                || !(visible.start as usize <= at && at < visible.end as usize)
            {
                continue;
            }
            let entry = best.entry(&symbol.name).or_insert(id);
            if self.symbols[*entry].visible.start <= visible.start {
                *entry = id;
            }
        }
        let mut ids: Vec<SymbolId> = best.into_values().collect();
        ids.sort_by(|a, b| self.symbols[*a].name.cmp(&self.symbols[*b].name));
        ids
    }

    /// An object and its prototypes, nearest first (a cycle is cut where it closes).
    pub fn chain(&self, object: SymbolId) -> Vec<SymbolId> {
        let mut chain = vec![object];
        let mut current = object;
        while let Some(SymbolKind::Object { proto: Some(next) }) =
            self.symbols.get(current).map(|s| s.kind)
        {
            if chain.contains(&next) {
                break;
            }
            chain.push(next);
            current = next;
        }
        chain
    }

    /// The slots and methods an object (or the fns a plugin) understands, the nearest definition
    /// of each name, nearest object first.
    pub fn members_of(&self, object: SymbolId) -> Vec<SymbolId> {
        let mut seen: Vec<SymbolId> = Vec::new();
        for owner in self.chain(object) {
            for &member in self.own_members.get(&owner).into_iter().flatten() {
                let name = &self.symbols[member].name;
                if !seen.iter().any(|s| &self.symbols[*s].name == name) {
                    seen.push(member);
                }
            }
        }
        seen
    }

    /// The slot, method or plugin fn `name` that a message to `object` finds.
    pub fn lookup_member(&self, object: SymbolId, name: &str) -> Option<SymbolId> {
        self.members_of(object)
            .into_iter()
            .find(|m| self.symbols[*m].name == name)
    }
}

/// Resolves every name of `module`; `prelude` is the stdlib (its fns are visible like builtins).
pub fn resolve(module: &Module, prelude: &Module) -> Resolution {
    resolve_with_imports(module, prelude, &[])
}

/// [`resolve`] for a module that imports `imports` (in import order): the names it imports
/// resolve to [`SymbolKind::Imported`] symbols, defined outside the module.
pub fn resolve_with_imports(module: &Module, prelude: &Module, imports: &[&Module]) -> Resolution {
    let mut resolver = Resolver {
        env: Env::with_imports(module, Some(prelude), imports),
        res: Resolution::default(),
        defs: HashMap::new(),
        externals: HashMap::new(),
        by_name: HashMap::new(),
        scopes: Vec::new(),
        blocks: Vec::new(),
        selves: Vec::new(),
        plugin: None,
    };
    resolver.declare(module);
    resolver.visit_module(module);
    let mut res = resolver.res;
    res.references
        .sort_by_key(|r| (r.span.start, r.span.end, !r.definition));
    res.members.sort_by_key(|m| m.span.start);
    res
}

/// The identity of a name written in the UAST.
fn key(ident: &Ident) -> usize {
    ident as *const Ident as usize
}

fn param_names(params: &[Ident]) -> Vec<String> {
    params.iter().map(|p| p.name.clone()).collect()
}

struct Resolver<'a> {
    env: Env<'a>,
    res: Resolution,
    /// Module definitions by the address of their name in the UAST.
    defs: HashMap<usize, SymbolId>,
    /// Symbols defined outside the module, by kind and name (`builtin:print`).
    externals: HashMap<String, SymbolId>,
    /// Every slot, method and plugin fn by name.
    by_name: HashMap<&'a str, Vec<SymbolId>>,
    /// Block scopes, innermost last; a function's parameters are a scope of their own.
    scopes: Vec<Vec<(&'a str, SymbolId)>>,
    /// The spans of the blocks being walked, innermost last.
    blocks: Vec<Span>,
    /// What `self` is in each function being walked (an object's method: the object).
    selves: Vec<Option<SymbolId>>,
    plugin: Option<&'a PluginDef>,
}

impl<'a> Resolver<'a> {
    fn symbol(&mut self, name: &str, kind: SymbolKind, span: Span, definition: Span) -> SymbolId {
        self.res.symbols.push(Symbol {
            name: name.to_string(),
            kind,
            span,
            definition,
            params: Vec::new(),
            visible: Span::default(),
            value: None,
        });
        self.res.symbols.len() - 1
    }

    fn reference(&mut self, span: Span, symbol: SymbolId, definition: bool, via: Option<SymbolId>) {
        if !span.is_empty() {
            self.res.references.push(Reference {
                span,
                symbol,
                definition,
                via,
            });
        }
    }

    /// A definition of the module: a symbol and its defining occurrence.
    fn define(&mut self, name: &'a Ident, kind: SymbolKind, definition: Span) -> SymbolId {
        let id = self.symbol(&name.name, kind, name.span, definition);
        let _ = self.defs.insert(key(name), id);
        self.reference(name.span, id, true, None);
        id
    }

    fn member(&mut self, owner: SymbolId, name: &'a Ident, kind: SymbolKind, definition: Span) {
        let id = self.define(name, kind, definition);
        self.res.own_members.entry(owner).or_default().push(id);
        self.by_name.entry(&name.name).or_default().push(id);
    }

    fn external(
        &mut self,
        key: String,
        name: &str,
        kind: SymbolKind,
        params: Vec<String>,
    ) -> SymbolId {
        if let Some(id) = self.externals.get(&key) {
            return *id;
        }
        let span = match kind {
            SymbolKind::Capability => self.env.capability(name).unwrap_or_default(),
            _ => Span::default(),
        };
        let id = self.symbol(name, kind, span, span);
        self.res.symbols[id].params = params;
        let _ = self.externals.insert(key, id);
        id
    }

    fn capability(&mut self, name: &str) -> SymbolId {
        self.external(
            format!("capability:{name}"),
            name,
            SymbolKind::Capability,
            Vec::new(),
        )
    }

    /// Every top-level definition and member, before any body is walked (they are hoisted).
    fn declare(&mut self, module: &'a Module) {
        for item in &module.items {
            match item {
                Item::Uses { .. } | Item::Import { .. } => {}
                Item::Let { span, name, .. } => {
                    let _ = self.define(name, SymbolKind::Global, *span);
                }
                Item::Fn(def) => {
                    let id = self.define(&def.name, SymbolKind::Function, def.span);
                    self.res.symbols[id].params = param_names(&def.params);
                }
                Item::Object(def) => {
                    let _ = self.define(&def.name, SymbolKind::Object { proto: None }, def.span);
                }
                Item::Plugin(def) => {
                    let plugin = self.define(&def.name, SymbolKind::Plugin, def.span);
                    for member in &def.members {
                        if let PluginMember::Fn(f) = member {
                            self.member(plugin, &f.name, SymbolKind::PluginFn { plugin }, f.span);
                            self.set_params(&f.name, &f.params);
                        }
                    }
                }
            }
        }
        for item in &module.items {
            if let Item::Object(def) = item {
                self.declare_object(def);
            }
        }
        for item in &module.items {
            if let Item::Let { name, value, .. } = item {
                let held = self.value_of(value);
                if let Some(id) = self.defs.get(&key(name)) {
                    self.res.symbols[*id].value = held;
                }
            }
        }
    }

    fn set_params(&mut self, name: &Ident, params: &[Ident]) {
        if let Some(id) = self.defs.get(&key(name)) {
            self.res.symbols[*id].params = param_names(params);
        }
    }

    fn declare_object(&mut self, def: &'a aura_uast::ObjectDef) {
        let Some(&object) = self.defs.get(&key(&def.name)) else {
            return;
        };
        let proto = def
            .proto
            .as_ref()
            .and_then(|p| self.env.objects.get(p.name.as_str()))
            .and_then(|o| self.defs.get(&key(&o.name)))
            .copied();
        self.res.symbols[object].kind = SymbolKind::Object { proto };
        for member in &def.members {
            match member {
                ObjectMember::Slot { span, name, .. } => {
                    self.member(object, name, SymbolKind::Slot { object }, *span);
                }
                ObjectMember::Method(m) => {
                    self.member(object, &m.name, SymbolKind::Method { object }, m.span);
                    self.set_params(&m.name, &m.params);
                }
            }
        }
    }

    /// What a name read as a value means here.
    fn lookup(&mut self, name: &str) -> Option<SymbolId> {
        let local = self
            .scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|(n, _)| *n == name)
            .map(|(_, id)| *id);
        if local.is_some() {
            return local;
        }
        match self.env.resolve(name, self.plugin) {
            Some(Global::PluginFn(def)) => self.defs.get(&key(&def.name)).copied(),
            Some(Global::Top(def)) if self.env.is_imported(name) => {
                let params = match def {
                    TopDef::Fn(f) => param_names(&f.params),
                    _ => Vec::new(),
                };
                Some(self.external(format!("import:{name}"), name, SymbolKind::Imported, params))
            }
            Some(Global::Top(def)) => self.defs.get(&key(def.name())).copied(),
            Some(Global::Capability) => Some(self.capability(name)),
            Some(Global::Prelude(def)) => Some(self.external(
                format!("prelude:{name}"),
                name,
                SymbolKind::Prelude,
                param_names(&def.params),
            )),
            Some(Global::Builtin(builtin)) => Some(self.external(
                format!("builtin:{name}"),
                name,
                SymbolKind::Builtin,
                builtin.params.split(", ").map(str::to_string).collect(),
            )),
            None if CAPABILITIES.contains(&name) => Some(self.capability(name)),
            None => None,
        }
    }

    fn name(&mut self, span: Span, name: &str) {
        if let Some(id) = self.lookup(name) {
            self.reference(span, id, false, None);
        }
    }

    /// What `expr` is known to evaluate to, as a receiver.
    fn value_of(&mut self, expr: &Expr) -> Option<Receiver> {
        match expr {
            Expr::SelfRef { .. } => self.selves.last().copied().flatten().map(Receiver::Object),
            Expr::Var { name, .. } => {
                let id = self.lookup(name)?;
                let symbol = &self.res.symbols[id];
                match symbol.kind {
                    SymbolKind::Object { .. } | SymbolKind::Plugin => Some(Receiver::Object(id)),
                    SymbolKind::Capability => Some(Receiver::Capability(id)),
                    SymbolKind::Local | SymbolKind::Param | SymbolKind::Global => symbol.value,
                    _ => None,
                }
            }
            Expr::Call { callee, args, .. } => match (callee.as_ref(), args.as_slice()) {
                (Expr::Var { name, .. }, [arg]) => {
                    let id = self.lookup(name)?;
                    let symbol = &self.res.symbols[id];
                    if symbol.kind == SymbolKind::Builtin && symbol.name == "clone" {
                        self.value_of(arg)
                            .filter(|r| matches!(r, Receiver::Object(_)))
                    } else {
                        None
                    }
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `receiver.name`: the member it finds, when the receiver is known (or the name unique).
    fn access(&mut self, receiver: &Expr, name: &'a Ident) {
        let known = self.value_of(receiver);
        self.res.members.push(MemberAccess {
            span: name.span,
            receiver: known,
        });
        let target = match known {
            Some(Receiver::Object(object)) => self
                .res
                .lookup_member(object, &name.name)
                .map(|m| (m, Some(object))),
            Some(Receiver::Capability(capability)) => {
                let cap = self.res.symbols[capability].name.clone();
                CapabilityMethod::lookup(&cap, &name.name).map(|method| {
                    let id = self.external(
                        format!("capability:{cap}.{}", name.name),
                        &name.name,
                        SymbolKind::CapabilityMethod { capability },
                        method.params.iter().map(|p| p.to_string()).collect(),
                    );
                    (id, None)
                })
            }
            None => match self.by_name.get(name.name.as_str()).map(Vec::as_slice) {
                Some([only]) => Some((*only, None)),
                _ => None,
            },
        };
        if let Some((symbol, via)) = target {
            self.reference(name.span, symbol, false, via);
        }
    }

    /// A local binding visible over `visible`, declared in the innermost scope.
    fn local(&mut self, name: &'a Ident, kind: SymbolKind, visible: Span) -> SymbolId {
        let id = self.symbol(&name.name, kind, name.span, name.span);
        self.res.symbols[id].visible = visible;
        self.reference(name.span, id, true, None);
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((&name.name, id));
        }
        id
    }

    /// From `start` to the end of the innermost block.
    fn rest_of_block(&self, start: u32) -> Span {
        let end = self.blocks.last().map_or(start, |b| b.end);
        Span { start, end }
    }

    /// A function body: `self` is `this`; the parameters are visible in the body.
    fn function(&mut self, params: &'a [Ident], body: &'a Block, this: Option<SymbolId>) {
        self.selves.push(this);
        self.scopes.push(Vec::new());
        for param in params {
            let _ = self.local(param, SymbolKind::Param, body.span);
        }
        self.visit_block(body);
        let _ = self.scopes.pop();
        let _ = self.selves.pop();
    }
}

impl<'a> Visit<'a> for Resolver<'a> {
    fn visit_item(&mut self, item: &'a Item) {
        match item {
            Item::Uses { names, .. } => {
                for name in names {
                    if CAPABILITIES.contains(&name.name.as_str()) {
                        let id = self.capability(&name.name);
                        let first = self.env.capability(&name.name) == Some(name.span);
                        self.reference(name.span, id, first, None);
                    }
                }
            }
            Item::Import { .. } => {}
            Item::Let { value, .. } => self.visit_expr(value),
            Item::Fn(def) => self.function(&def.params, &def.body, None),
            Item::Object(def) => {
                let object = self.defs.get(&key(&def.name)).copied();
                if let (Some(proto), Some(object)) = (&def.proto, object) {
                    if let Some(SymbolKind::Object {
                        proto: Some(target),
                    }) = self.res.symbols.get(object).map(|s| s.kind)
                    {
                        self.reference(proto.span, target, false, None);
                    }
                }
                for member in &def.members {
                    match member {
                        ObjectMember::Slot { value, .. } => self.visit_expr(value),
                        ObjectMember::Method(m) => self.function(&m.params, &m.body, object),
                    }
                }
            }
            Item::Plugin(def) => {
                self.plugin = Some(def);
                for member in &def.members {
                    match member {
                        PluginMember::Route(route) => {
                            self.function(std::slice::from_ref(&route.param), &route.body, None)
                        }
                        PluginMember::Fn(f) => self.function(&f.params, &f.body, None),
                    }
                }
                self.plugin = None;
            }
        }
    }

    fn visit_fn(&mut self, def: &'a FnDef) {
        self.function(&def.params, &def.body, None);
    }

    fn visit_block(&mut self, block: &'a Block) {
        self.blocks.push(block.span);
        self.scopes.push(Vec::new());
        walk_block(self, block);
        let _ = self.scopes.pop();
        let _ = self.blocks.pop();
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            // `let f = fn(..) { .. }` may call itself, like a nested `fn f`.
            Stmt::Let {
                name,
                value: Expr::Lambda { params, body, .. },
                ..
            } => {
                let visible = self.rest_of_block(name.span.start);
                let id = self.local(name, SymbolKind::Local, visible);
                self.res.symbols[id].params = param_names(params);
                self.function(params, body, None);
            }
            Stmt::Let {
                span, name, value, ..
            } => {
                self.visit_expr(value);
                let held = self.value_of(value);
                let visible = self.rest_of_block(span.end);
                let id = self.local(name, SymbolKind::Local, visible);
                self.res.symbols[id].value = held;
                self.res.symbols[id].definition = *span;
            }
            Stmt::For {
                var, iter, body, ..
            } => {
                self.visit_expr(iter);
                self.scopes.push(Vec::new());
                let _ = self.local(var, SymbolKind::Local, body.span);
                self.visit_block(body);
                let _ = self.scopes.pop();
            }
            Stmt::Try {
                body,
                name,
                handler,
                ..
            } => {
                self.visit_block(body);
                self.scopes.push(Vec::new());
                let _ = self.local(name, SymbolKind::Local, handler.span);
                self.visit_block(handler);
                let _ = self.scopes.pop();
            }
            Stmt::Fn(def) => {
                let visible = self.rest_of_block(def.name.span.start);
                let id = self.local(&def.name, SymbolKind::Local, visible);
                self.res.symbols[id].params = param_names(&def.params);
                self.res.symbols[id].definition = def.span;
                self.function(&def.params, &def.body, None);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_target(&mut self, target: &'a Target) {
        match target {
            Target::Var { span, name } => self.name(*span, name),
            Target::Field { object, field, .. } => {
                self.visit_expr(object);
                self.access(object, field);
            }
            Target::Index { .. } => walk_target(self, target),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || match expr {
            Expr::Var { span, name } => self.name(*span, name),
            Expr::Field { object, field, .. } => {
                self.visit_expr(object);
                self.access(object, field);
            }
            Expr::Send {
                receiver,
                method,
                args,
                ..
            } => {
                self.visit_expr(receiver);
                self.access(receiver, method);
                args.iter().for_each(|arg| self.visit_expr(arg));
            }
            Expr::Lambda { params, body, .. } => self.function(params, body, None),
            _ => walk_expr(self, expr),
        })
    }
}
