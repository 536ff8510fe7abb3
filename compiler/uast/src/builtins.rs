//! The one table of natively implemented builtin functions. The audit checks names and arity
//! against it; every backend implements exactly these. Builtins written in Aura live in
//! `stdlib/prelude.aura` instead and are ordinary functions.

/// A native builtin: its name and how many arguments it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    pub name: &'static str,
    pub min_args: usize,
    /// `None`: any number of arguments from `min_args` on.
    pub max_args: Option<usize>,
    /// Only the stdlib prelude may call it; user code cannot name it.
    pub stdlib_only: bool,
}

impl Builtin {
    pub fn accepts(&self, count: usize) -> bool {
        count >= self.min_args && self.max_args.is_none_or(|max| count <= max)
    }

    /// How the arity reads in a diagnostic: `1`, `1 or 2`, `at least 1`.
    pub fn arity_text(&self) -> String {
        match self.max_args {
            Some(max) if max == self.min_args => max.to_string(),
            Some(max) if max == self.min_args + 1 => format!("{} or {}", self.min_args, max),
            Some(max) => format!("{} to {}", self.min_args, max),
            None => format!("at least {}", self.min_args),
        }
    }

    pub fn lookup(name: &str) -> Option<&'static Builtin> {
        BUILTINS.iter().find(|b| b.name == name)
    }
}

const fn fixed(name: &'static str, n: usize) -> Builtin {
    Builtin {
        name,
        min_args: n,
        max_args: Some(n),
        stdlib_only: false,
    }
}

const fn between(name: &'static str, min: usize, max: usize) -> Builtin {
    Builtin {
        name,
        min_args: min,
        max_args: Some(max),
        stdlib_only: false,
    }
}

const fn variadic(name: &'static str, min: usize) -> Builtin {
    Builtin {
        name,
        min_args: min,
        max_args: None,
        stdlib_only: false,
    }
}

/// Every native builtin. Order is stable: backends may use the index as an id.
pub const BUILTINS: &[Builtin] = &[
    variadic("print", 0),
    fixed("str", 1),
    fixed("int", 1),
    fixed("float", 1),
    fixed("type_of", 1),
    fixed("len", 1),
    fixed("push", 2),
    fixed("pop", 1),
    fixed("keys", 1),
    fixed("has", 2),
    fixed("remove", 2),
    between("slice", 2, 3),
    between("split", 1, 2),
    between("join", 1, 2),
    fixed("upper", 1),
    fixed("lower", 1),
    fixed("trim", 1),
    fixed("find", 2),
    between("range", 1, 3),
    variadic("min", 1),
    variadic("max", 1),
    fixed("floor", 1),
    fixed("sqrt", 1),
    fixed("clone", 1),
    fixed("proto", 1),
    fixed("slots", 1),
    between("assert", 1, 2),
    fixed("error", 1),
    fixed("json_encode", 1),
    fixed("json_decode", 1),
    fixed("sha256", 1),
    Builtin {
        name: "__type_error",
        min_args: 1,
        max_args: Some(1),
        stdlib_only: true,
    },
];

/// Capabilities a module may declare with `uses`; hosts provide them.
pub const CAPABILITIES: &[&str] = &["store", "log", "clock"];
