//! What a served module can reach: `store` (its own namespace in the database), `log` and `clock`,
//! and `print` (to the host's log). Writes to `store` are buffered for the job and committed with
//! the job's slot changes in one transaction; a failed job's writes are dropped.

use crate::db::Db;
use aura_interp::{from_json, to_json, ErrorKind, Host, RuntimeError, Value};
use indexmap::IndexMap;
use std::collections::BTreeSet;

/// The capabilities of one module during one job.
pub struct Caps<'a> {
    pub module: &'a str,
    pub db: &'a Db,
    /// key → pending JSON text (`None`: deleted), in write order.
    pub pending: IndexMap<String, Option<String>>,
}

impl<'a> Caps<'a> {
    pub fn new(module: &'a str, db: &'a Db) -> Caps<'a> {
        Caps {
            module,
            db,
            pending: IndexMap::new(),
        }
    }

    fn get(&self, key: &str) -> Result<Value, RuntimeError> {
        let text = match self.pending.get(key) {
            Some(pending) => pending.clone(),
            None => self.db.store_get(self.module, key).map_err(store_error)?,
        };
        let Some(text) = text else {
            return Ok(Value::Nil);
        };
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| RuntimeError::new(ErrorKind::Error, format!("store: {e}")))?;
        Ok(from_json(&json))
    }

    fn keys(&self) -> Result<Value, RuntimeError> {
        let mut keys: BTreeSet<String> = self
            .db
            .store_keys(self.module)
            .map_err(store_error)?
            .into_iter()
            .collect();
        for (key, value) in &self.pending {
            if value.is_some() {
                let _ = keys.insert(key.clone());
            } else {
                let _ = keys.remove(key);
            }
        }
        Ok(Value::list(keys.into_iter().map(Value::string).collect()))
    }
}

fn store_error(e: crate::db::DbError) -> RuntimeError {
    RuntimeError::new(ErrorKind::Error, format!("store: {e}"))
}

impl Host for Caps<'_> {
    fn print(&mut self, line: &str) {
        eprintln!("[{}] {line}", self.module);
    }

    fn capability(
        &mut self,
        capability: &str,
        method: &str,
        args: &[Value],
    ) -> Result<Value, RuntimeError> {
        match (capability, method) {
            ("store", "get") => {
                aura_interp::capability_arity(capability, method, 1, args)?;
                self.get(aura_interp::capability_key("store", method, &args[0])?)
            }
            ("store", "set") => {
                aura_interp::capability_arity(capability, method, 2, args)?;
                let k = aura_interp::capability_key("store", method, &args[0])?.to_string();
                let text = to_json(&args[1])?.to_string();
                let _ = self.pending.insert(k, Some(text));
                Ok(Value::Nil)
            }
            ("store", "delete") => {
                aura_interp::capability_arity(capability, method, 1, args)?;
                let k = aura_interp::capability_key("store", method, &args[0])?.to_string();
                let old = self.get(&k)?;
                let _ = self.pending.insert(k, None);
                Ok(old)
            }
            ("store", "keys") => {
                aura_interp::capability_arity(capability, method, 0, args)?;
                self.keys()
            }
            ("log", "info" | "warn" | "error") => {
                aura_interp::capability_arity(capability, method, 1, args)?;
                eprintln!("[{}] {method}: {}", self.module, args[0]);
                Ok(Value::Nil)
            }
            ("clock", "now") => {
                aura_interp::capability_arity(capability, method, 0, args)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                Ok(Value::Float(now))
            }
            ("clock", "millis") => {
                aura_interp::capability_arity(capability, method, 0, args)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                Ok(Value::Int(i64::try_from(now).unwrap_or(i64::MAX)))
            }
            _ => Err(RuntimeError::new(
                ErrorKind::DoesNotUnderstand,
                format!("{capability} does not understand `{method}`"),
            )),
        }
    }
}
