//! `aura run`'s host: buffered standard output, an in-memory `store`, `log` to standard error.

use crate::{CapabilityCall, Host, Json};
use aura_facts::RuntimeError;
use indexmap::IndexMap;
use std::io::Write;

/// Flush standard output once this much is buffered.
const BUFFER: usize = 64 * 1024;

#[derive(Default)]
pub struct StdHost {
    out: String,
    /// Values are kept as JSON, as every host stores them: `set` of a value JSON cannot hold is
    /// a `json error`, and `get` returns a fresh copy.
    store: IndexMap<String, Json>,
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

    fn capability(&mut self, call: CapabilityCall<'_>) -> Result<Json, RuntimeError> {
        Ok(match call {
            CapabilityCall::StoreGet(k) => self.store.get(k).cloned().unwrap_or_default(),
            CapabilityCall::StoreSet(k, v) => {
                let _ = self.store.insert(k.to_string(), v);
                Json::Null
            }
            CapabilityCall::StoreDelete(k) => self.store.shift_remove(k).unwrap_or_default(),
            CapabilityCall::StoreKeys => {
                Json::Array(self.store.keys().map(|k| Json::from(k.as_str())).collect())
            }
            CapabilityCall::Log { level, message } => {
                self.write_out();
                let _ = writeln!(std::io::stderr(), "{level}: {message}");
                Json::Null
            }
        })
    }

    fn flush(&mut self) {
        self.write_out();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call_capability;
    use serde_json::json;

    #[test]
    fn the_store_keeps_json_copies_in_insertion_order() -> Result<(), RuntimeError> {
        let mut host = StdHost::new();
        let h: &mut dyn Host = &mut host;
        assert_eq!(
            call_capability(h, "store", "get", &[json!("a")])?,
            Json::Null
        );
        call_capability(h, "store", "set", &[json!("b"), json!([1, {"x": 2}])])?;
        call_capability(h, "store", "set", &[json!("a"), json!(true)])?;
        assert_eq!(
            call_capability(h, "store", "keys", &[] as &[Json])?,
            json!(["b", "a"])
        );
        assert_eq!(
            call_capability(h, "store", "get", &[json!("b")])?,
            json!([1, {"x": 2}])
        );
        assert_eq!(
            call_capability(h, "store", "delete", &[json!("b")])?,
            json!([1, {"x": 2}])
        );
        assert_eq!(
            call_capability(h, "store", "delete", &[json!("b")])?,
            Json::Null
        );
        assert_eq!(
            call_capability(h, "store", "keys", &[] as &[Json])?,
            json!(["a"])
        );
        Ok(())
    }
}
