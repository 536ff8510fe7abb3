//! The module-wide environment: what every top-level name means, which capabilities are declared,
//! which prelude functions are visible, and the objects by name.

use aura_uast::{Builtin, FnDef, Ident, Item, Module, ObjectDef, PluginDef, Span, BUILTINS};
use std::collections::HashMap;

/// What a top-level name is bound to (the first definition when a name is defined twice).
#[derive(Clone, Copy, Debug)]
pub enum TopDef<'a> {
    Let(&'a Ident),
    Fn(&'a FnDef),
    Object(&'a ObjectDef),
    Plugin(&'a PluginDef),
}

impl<'a> TopDef<'a> {
    pub fn name(&self) -> &'a Ident {
        match self {
            TopDef::Let(name) => name,
            TopDef::Fn(def) => &def.name,
            TopDef::Object(def) => &def.name,
            TopDef::Plugin(def) => &def.name,
        }
    }

    /// How the definition reads in a message: "global", "function", "object", "plugin".
    pub fn kind(&self) -> &'static str {
        match self {
            TopDef::Let(_) => "global",
            TopDef::Fn(_) => "function",
            TopDef::Object(_) => "object",
            TopDef::Plugin(_) => "plugin",
        }
    }
}

/// What a name that is not a local resolves to.
#[derive(Clone, Copy, Debug)]
pub enum Global<'a> {
    /// A fn of the plugin whose routes/fns are being audited, called by bare name.
    PluginFn(&'a FnDef),
    Top(TopDef<'a>),
    Capability,
    /// A prelude function (user code only).
    Prelude(&'a FnDef),
    Builtin(&'static Builtin),
}

pub struct Env<'a> {
    /// Top-level definitions of the audited module in source order (all of them, duplicates too).
    pub defs: Vec<TopDef<'a>>,
    /// First definition of each top-level name.
    pub top: HashMap<&'a str, TopDef<'a>>,
    /// Declared capabilities (names from `uses` that are known capabilities), first declaration.
    pub capabilities: Vec<(&'a str, Span)>,
    /// Prelude fns visible to the module, in prelude order (empty when auditing the prelude).
    pub prelude: Vec<&'a FnDef>,
    /// Every fn of the prelude, shadowed or not: what prelude code itself calls.
    pub prelude_all: Vec<&'a FnDef>,
    /// Objects of the module by name (first definition).
    pub objects: HashMap<&'a str, &'a ObjectDef>,
    /// Auditing the prelude: stdlib-only builtins may be named.
    pub stdlib: bool,
    /// Names brought in by `import` (fns, objects, globals of the imported modules), in import
    /// order; a name the module defines itself is not among them.
    pub imported: Vec<TopDef<'a>>,
}

impl<'a> Env<'a> {
    pub fn new(module: &'a Module, prelude: Option<&'a Module>) -> Env<'a> {
        Env::with_imports(module, prelude, &[])
    }

    /// The environment of a module that imports `imports` (the imported modules, in import
    /// order): their top-level fns, objects and `let` globals are visible by their own names.
    /// Clashes are the module graph's check (`modules.rs`); here the first definition wins.
    pub fn with_imports(
        module: &'a Module,
        prelude: Option<&'a Module>,
        imports: &[&'a Module],
    ) -> Env<'a> {
        let mut env = Env {
            defs: Vec::new(),
            top: HashMap::new(),
            capabilities: Vec::new(),
            prelude: Vec::new(),
            prelude_all: Vec::new(),
            objects: HashMap::new(),
            stdlib: prelude.is_none(),
            imported: Vec::new(),
        };
        for item in &module.items {
            let def = match item {
                Item::Uses { names, .. } => {
                    for name in names {
                        let known = aura_uast::CAPABILITIES.contains(&name.name.as_str());
                        if known && env.capability(&name.name).is_none() {
                            env.capabilities.push((&name.name, name.span));
                        }
                    }
                    continue;
                }
                Item::Import { .. } => continue,
                Item::Let { name, .. } => TopDef::Let(name),
                Item::Fn(def) => TopDef::Fn(def),
                Item::Object(def) => TopDef::Object(def),
                Item::Plugin(def) => TopDef::Plugin(def),
            };
            env.defs.push(def);
            let name = def.name().name.as_str();
            if !env.top.contains_key(name) {
                let _ = env.top.insert(name, def);
                if let TopDef::Object(object) = def {
                    let _ = env.objects.insert(name, object);
                }
            }
        }
        for import in imports {
            for item in &import.items {
                let def = match item {
                    Item::Let { name, .. } => TopDef::Let(name),
                    Item::Fn(def) => TopDef::Fn(def),
                    Item::Object(def) => TopDef::Object(def),
                    _ => continue,
                };
                let name = def.name().name.as_str();
                if !env.top.contains_key(name) {
                    let _ = env.top.insert(name, def);
                    if let TopDef::Object(object) = def {
                        let _ = env.objects.insert(name, object);
                    }
                    env.imported.push(def);
                }
            }
        }
        if let Some(prelude) = prelude {
            for item in &prelude.items {
                if let Item::Fn(def) = item {
                    env.prelude_all.push(def);
                    let name = def.name.name.as_str();
                    if !env.top.contains_key(name) && env.prelude_fn(name).is_none() {
                        env.prelude.push(def);
                    }
                }
            }
        }
        env
    }

    /// Whether `name` is one the module imports (rather than defines).
    pub fn is_imported(&self, name: &str) -> bool {
        self.imported.iter().any(|def| def.name().name == name)
    }

    pub fn capability(&self, name: &str) -> Option<Span> {
        self.capabilities
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, span)| *span)
    }

    pub fn prelude_fn(&self, name: &str) -> Option<&'a FnDef> {
        self.prelude
            .iter()
            .find(|def| def.name.name == name)
            .copied()
    }

    pub fn builtin(&self, name: &str) -> Option<&'static Builtin> {
        Builtin::lookup(name).filter(|b| self.stdlib || !b.stdlib_only)
    }

    /// Resolves a name that is not a local: plugin fns (inside that plugin), top-level
    /// definitions, declared capabilities, prelude fns, builtins — in that order.
    pub fn resolve(&self, name: &str, plugin: Option<&'a PluginDef>) -> Option<Global<'a>> {
        if let Some(def) = plugin.and_then(|p| plugin_fn(p, name)) {
            return Some(Global::PluginFn(def));
        }
        if let Some(def) = self.top.get(name) {
            return Some(Global::Top(*def));
        }
        if self.capability(name).is_some() {
            return Some(Global::Capability);
        }
        if let Some(def) = self.prelude_fn(name) {
            return Some(Global::Prelude(def));
        }
        self.builtin(name).map(Global::Builtin)
    }

    /// Every non-local name visible from a plugin (or anywhere, with `None`), for suggestions.
    pub fn visible_names(&self, plugin: Option<&'a PluginDef>) -> Vec<&'a str> {
        let mut names = Vec::new();
        if let Some(plugin) = plugin {
            names.extend(plugin_fns(plugin).map(|def| def.name.name.as_str()));
        }
        names.extend(self.defs.iter().map(|def| def.name().name.as_str()));
        names.extend(self.imported.iter().map(|def| def.name().name.as_str()));
        names.extend(self.capabilities.iter().map(|(name, _)| *name));
        names.extend(self.prelude.iter().map(|def| def.name.name.as_str()));
        names.extend(
            BUILTINS
                .iter()
                .filter(|b| self.stdlib || !b.stdlib_only)
                .map(|b| b.name),
        );
        names
    }
}

pub fn plugin_fns(plugin: &PluginDef) -> impl Iterator<Item = &FnDef> {
    plugin.members.iter().filter_map(|member| match member {
        aura_uast::PluginMember::Fn(def) => Some(def),
        aura_uast::PluginMember::Route(_) => None,
    })
}

fn plugin_fn<'a>(plugin: &'a PluginDef, name: &str) -> Option<&'a FnDef> {
    plugin_fns(plugin).find(|def| def.name.name == name)
}
