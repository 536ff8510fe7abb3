//! The one way from a checked UAST module to LIR that every compiled target takes: lower, then
//! verify, so no emitter ever sees a malformed program.

use crate::ir::Program;
use crate::lower::{lower, LowerError};
use aura_uast as uast;
use std::fmt;

/// Why a module did not compile to LIR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The lowering cannot compile the module (audited input should never produce one).
    Lower(LowerError),
    /// The lowering produced LIR the verifier rejects: a compiler bug.
    Invalid(String),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Lower(e) => write!(f, "{e}"),
            CompileError::Invalid(message) => write!(f, "invalid LIR (a compiler bug): {message}"),
        }
    }
}

impl std::error::Error for CompileError {}

/// Lowers `module` (with the stdlib `prelude`) to LIR and verifies the result.
pub fn compile(module: &uast::Module, prelude: &uast::Module) -> Result<Program, CompileError> {
    let program = lower(module, prelude).map_err(CompileError::Lower)?;
    crate::verify::verify(&program).map_err(CompileError::Invalid)?;
    Ok(program)
}
