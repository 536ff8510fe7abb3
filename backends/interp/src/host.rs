//! `aura run`'s host: buffered standard output, an in-memory `store`, `log` to standard error,
//! `clock` from the system clock.

use crate::value::Value;
use crate::Host;
use aura_runtime::{ErrorKind, RuntimeError};
use indexmap::IndexMap;
use std::io::Write;

/// Flush standard output once this much is buffered.
const BUFFER: usize = 64 * 1024;

#[derive(Default)]
pub struct StdHost {
    out: String,
    store: IndexMap<String, Value>,
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

fn dnu(capability: &str, method: &str) -> RuntimeError {
    RuntimeError::new(
        ErrorKind::DoesNotUnderstand,
        format!("{capability} does not understand `{method}`"),
    )
}

/// Checks the argument count of a capability method (`store.get(k)` takes 1); shared by every
/// host so that all of them word the error alike.
pub fn capability_arity(
    capability: &str,
    method: &str,
    expected: usize,
    args: &[Value],
) -> Result<(), RuntimeError> {
    if args.len() == expected {
        return Ok(());
    }
    Err(RuntimeError::new(
        ErrorKind::Type,
        format!(
            "{capability}.{method}() expects {expected} argument{}, got {}",
            if expected == 1 { "" } else { "s" },
            args.len()
        ),
    ))
}

/// A capability method's string argument (a `store` key), or a `type error`.
pub fn capability_key<'a>(
    capability: &str,
    method: &str,
    v: &'a Value,
) -> Result<&'a str, RuntimeError> {
    v.as_str().ok_or_else(|| {
        RuntimeError::new(
            ErrorKind::Type,
            format!(
                "{capability}.{method}() expects a str key, got {}",
                v.type_name()
            ),
        )
    })
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
        match (capability, method) {
            ("store", "get") => {
                capability_arity(capability, method, 1, args)?;
                let k = capability_key(capability, method, &args[0])?;
                Ok(self.store.get(k).cloned().unwrap_or_default())
            }
            ("store", "set") => {
                capability_arity(capability, method, 2, args)?;
                let k = capability_key(capability, method, &args[0])?.to_string();
                let _ = self.store.insert(k, args[1].clone());
                Ok(Value::Nil)
            }
            ("store", "delete") => {
                capability_arity(capability, method, 1, args)?;
                let k = capability_key(capability, method, &args[0])?;
                Ok(self.store.shift_remove(k).unwrap_or_default())
            }
            ("store", "keys") => {
                capability_arity(capability, method, 0, args)?;
                Ok(Value::list(
                    self.store
                        .keys()
                        .map(|k| Value::string(k.as_str()))
                        .collect(),
                ))
            }
            ("log", "info" | "warn" | "error") => {
                capability_arity(capability, method, 1, args)?;
                self.write_out();
                let _ = writeln!(std::io::stderr(), "{method}: {}", args[0]);
                Ok(Value::Nil)
            }
            ("clock", "now") => {
                capability_arity(capability, method, 0, args)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                Ok(Value::Float(now))
            }
            ("clock", "millis") => {
                capability_arity(capability, method, 0, args)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                Ok(Value::Int(i64::try_from(now).unwrap_or(i64::MAX)))
            }
            _ => Err(dnu(capability, method)),
        }
    }

    fn flush(&mut self) {
        self.write_out();
    }
}
