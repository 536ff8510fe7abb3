//! What a served module can reach: `store` (its own namespace in the database), `log` and `clock`,
//! and `print` (to the host's log). Writes to `store` are buffered for the job and committed with
//! the job's slot changes in one transaction; a failed job's writes are dropped.

use crate::db::Db;
use aura_interp::{from_json, to_json, CapabilityCall, ErrorKind, Host, RuntimeError, Value};
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
        match CapabilityCall::parse(capability, method, args)? {
            CapabilityCall::StoreGet(k) => self.get(k),
            CapabilityCall::StoreSet(k, v) => {
                let text = to_json(v)?.to_string();
                let _ = self.pending.insert(k.to_string(), Some(text));
                Ok(Value::Nil)
            }
            CapabilityCall::StoreDelete(k) => {
                let old = self.get(k)?;
                let _ = self.pending.insert(k.to_string(), None);
                Ok(old)
            }
            CapabilityCall::StoreKeys => self.keys(),
            CapabilityCall::Log { level, message } => {
                eprintln!("[{}] {level}: {message}", self.module);
                Ok(Value::Nil)
            }
            CapabilityCall::Answered(value) => Ok(value),
        }
    }
}
