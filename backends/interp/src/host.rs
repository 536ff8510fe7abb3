//! `aura run`'s host: buffered standard output, an in-memory `store`, `log` to standard error,
//! `clock` from the system clock.

use crate::capability::CapabilityCall;
use crate::json::{from_json, to_json};
use crate::value::Value;
use crate::Host;
use aura_runtime::RuntimeError;
use indexmap::IndexMap;
use std::io::Write;

/// Flush standard output once this much is buffered.
const BUFFER: usize = 64 * 1024;

#[derive(Default)]
pub struct StdHost {
    out: String,
    /// Values are kept as JSON, as every host stores them: `set` of a value JSON cannot hold is
    /// a `json error`, and `get` returns a fresh copy.
    store: IndexMap<String, serde_json::Value>,
    /// The first failed write to standard output (e.g. a full disk); output stops there.
    write_error: Option<std::io::Error>,
}

impl StdHost {
    pub fn new() -> Self {
        StdHost::default()
    }

    fn write_out(&mut self) {
        if !self.out.is_empty() && self.write_error.is_none() {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout
                .write_all(self.out.as_bytes())
                .and_then(|()| stdout.flush())
            {
                self.write_error = Some(e);
            }
        }
        self.out.clear();
    }

    /// Flushes standard output and reports the first write that failed, so that output lost to
    /// a full disk or a closed pipe is an error rather than a silent success.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.write_out();
        match self.write_error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for StdHost {
    fn drop(&mut self) {
        self.write_out();
    }
}

impl Host for StdHost {
    fn print(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
        if self.out.len() >= BUFFER {
            self.write_out();
        }
    }

    fn capability(
        &mut self,
        capability: &str,
        method: &str,
        args: &[Value],
    ) -> Result<Value, RuntimeError> {
        Ok(match CapabilityCall::parse(capability, method, args)? {
            CapabilityCall::StoreGet(k) => self.store.get(k).map(from_json).unwrap_or_default(),
            CapabilityCall::StoreSet(k, v) => {
                let _ = self.store.insert(k.to_string(), to_json(v)?);
                Value::Nil
            }
            CapabilityCall::StoreDelete(k) => self
                .store
                .shift_remove(k)
                .map(|v| from_json(&v))
                .unwrap_or_default(),
            CapabilityCall::StoreKeys => Value::list(
                self.store
                    .keys()
                    .map(|k| Value::string(k.as_str()))
                    .collect(),
            ),
            CapabilityCall::Log { level, message } => {
                self.write_out();
                let _ = writeln!(std::io::stderr(), "{level}: {message}");
                Value::Nil
            }
            CapabilityCall::Answered(value) => value,
        })
    }

    fn flush(&mut self) {
        self.write_out();
    }
}
