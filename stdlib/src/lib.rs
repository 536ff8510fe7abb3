//! The standard library: the prelude (Aura source compiled in with every program) and the
//! modules a program imports with `import "std/NAME"`, embedded so that `aura` works from any
//! directory.

#![forbid(unsafe_code)]

/// File name used in diagnostics about the prelude.
pub const PRELUDE_NAME: &str = "<stdlib>/prelude.aura";

/// Builtins written in Aura itself. They may call the intrinsic `__type_error(msg)`.
pub const PRELUDE: &str = include_str!("../prelude.aura");

/// The importable modules: `import "std/NAME"` names `stdlib/NAME.aura`.
pub const MODULES: &[(&str, &str)] = &[
    ("list", include_str!("../list.aura")),
    ("strings", include_str!("../strings.aura")),
];

/// The source of `std/NAME`, if there is such a module.
pub fn module(name: &str) -> Option<&'static str> {
    MODULES
        .iter()
        .find(|(module, _)| *module == name)
        .map(|(_, source)| *source)
}
