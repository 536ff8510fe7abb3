//! The pure core of the Aura compiler: source text in; UAST, diagnostics and audit facts out.
//! No IO happens here: the CLI, hosts and test harnesses wrap it.

#![forbid(unsafe_code)]

pub mod audit;
pub mod diagnostic;
pub mod fmt;
pub mod modules;
pub mod parse;
pub mod pipeline;
pub mod render;
pub mod resolve;

pub use diagnostic::{Diagnostic, Label};
pub use pipeline::{check_module, check_program, check_source, prelude, Checked};
