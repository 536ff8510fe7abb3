//! Shared helpers: run Aura source through the real front end and the interpreter.
#![allow(dead_code)] // each test binary uses a subset

use aura_host_api::{CapabilityCall, Host, Json, StdHost};
use aura_interp::{Options, RuntimeError};

/// Collects printed lines; capabilities behave as under `aura run` (`StdHost`).
#[derive(Default)]
pub struct TestHost {
    pub out: String,
    std: StdHost,
}

impl Host for TestHost {
    fn print(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn capability(&mut self, call: CapabilityCall<'_>) -> Result<Json, RuntimeError> {
        self.std.capability(call)
    }
}

/// Parses and audits `source`; panics (in the test) on diagnostics.
pub fn check(source: &str) -> aura_compiler::Checked {
    let checked = aura_compiler::check_source(source);
    assert!(checked.is_ok(), "diagnostics: {:#?}", checked.diagnostics);
    checked
}

/// Runs `source`: (stdout, error).
pub fn run_with(source: &str, options: &Options) -> (String, Option<RuntimeError>) {
    let checked = check(source);
    let mut host = TestHost::default();
    let result = aura_interp::run(&checked.module, &checked.prelude, options, &mut host);
    (host.out, result.err())
}

pub fn run(source: &str) -> (String, Option<RuntimeError>) {
    run_with(source, &Options::default())
}
