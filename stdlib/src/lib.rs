//! The standard library prelude: Aura source compiled in with every program.

#![forbid(unsafe_code)]

/// File name used in diagnostics about the prelude.
pub const PRELUDE_NAME: &str = "<stdlib>/prelude.aura";

/// Builtins written in Aura itself. They may call the intrinsic `__type_error(msg)`.
pub const PRELUDE: &str = include_str!("../prelude.aura");
