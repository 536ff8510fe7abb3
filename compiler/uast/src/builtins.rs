//! The one table of natively implemented builtin functions. The audit checks names and arity
//! against it; every backend implements exactly these. Builtins written in Aura live in
//! `stdlib/prelude.aura` instead and are ordinary functions.

/// A native builtin: its name and how many arguments it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    pub name: &'static str,
    /// The parameters as the reference writes them (`?` optional, `...` any number): `x, a, b?`.
    pub params: &'static str,
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

    /// How a call reads: `slice(x, a, b?)`.
    pub fn signature(&self) -> String {
        format!("{}({})", self.name, self.params)
    }

    pub fn lookup(name: &str) -> Option<&'static Builtin> {
        BUILTINS.iter().find(|b| b.name == name)
    }
}

const fn fixed(name: &'static str, params: &'static str, n: usize) -> Builtin {
    Builtin {
        name,
        params,
        min_args: n,
        max_args: Some(n),
        stdlib_only: false,
    }
}

const fn between(name: &'static str, params: &'static str, min: usize, max: usize) -> Builtin {
    Builtin {
        name,
        params,
        min_args: min,
        max_args: Some(max),
        stdlib_only: false,
    }
}

const fn variadic(name: &'static str, params: &'static str, min: usize) -> Builtin {
    Builtin {
        name,
        params,
        min_args: min,
        max_args: None,
        stdlib_only: false,
    }
}

/// Every native builtin. Order is stable: backends may use the index as an id.
pub const BUILTINS: &[Builtin] = &[
    variadic("print", "...", 0),
    fixed("str", "x", 1),
    fixed("int", "x", 1),
    fixed("float", "x", 1),
    fixed("type_of", "x", 1),
    fixed("len", "x", 1),
    fixed("push", "list, v", 2),
    fixed("pop", "list", 1),
    fixed("keys", "m", 1),
    fixed("has", "m_or_o, k", 2),
    fixed("remove", "m_or_list, k", 2),
    between("slice", "x, a, b?", 2, 3),
    between("split", "s, sep?", 1, 2),
    between("join", "list, sep?", 1, 2),
    fixed("upper", "s", 1),
    fixed("lower", "s", 1),
    fixed("trim", "s", 1),
    fixed("find", "s, sub", 2),
    between("range", "a?, b, step?", 1, 3),
    variadic("min", "...", 1),
    variadic("max", "...", 1),
    fixed("floor", "x", 1),
    fixed("sqrt", "x", 1),
    fixed("clone", "x", 1),
    fixed("proto", "o", 1),
    fixed("slots", "o", 1),
    between("assert", "c, msg?", 1, 2),
    fixed("error", "msg", 1),
    fixed("json_encode", "v", 1),
    fixed("json_decode", "s", 1),
    fixed("sha256", "s", 1),
    Builtin {
        name: "__type_error",
        params: "msg",
        min_args: 1,
        max_args: Some(1),
        stdlib_only: true,
    },
];

/// Capabilities a module may declare with `uses`; hosts provide them.
pub const CAPABILITIES: &[&str] = &["store", "log", "clock"];

#[cfg(test)]
mod tests {
    use super::*;

    /// The written parameters agree with the arity the audit checks.
    #[test]
    fn params_match_arity() {
        for b in BUILTINS {
            if b.params == "..." {
                assert_eq!(b.max_args, None, "{}", b.name);
                continue;
            }
            let params: Vec<&str> = b.params.split(", ").collect();
            let optional = params.iter().filter(|p| p.ends_with('?')).count();
            // `range(a?, b, step?)`: one of the optional ones may be left out alone.
            let min = if b.name == "range" {
                1
            } else {
                params.len() - optional
            };
            assert_eq!(b.min_args, min, "{}", b.name);
            assert_eq!(b.max_args, Some(params.len()), "{}", b.name);
        }
    }
}
