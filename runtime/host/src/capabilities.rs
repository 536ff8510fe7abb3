//! What a served module can reach: `store` (its own namespace in the database), `log` and `clock`,
//! and `print` (to the host's log). Writes to `store` are buffered for the job and committed with
//! the job's slot changes in one transaction; a failed job's writes are dropped.

use crate::db::Db;
use aura_host_api::{CapabilityCall, ErrorKind, Host, Json, RuntimeError};
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

    fn get(&self, key: &str) -> Result<Json, RuntimeError> {
        let text = match self.pending.get(key) {
            Some(pending) => pending.clone(),
            None => self.db.store_get(self.module, key).map_err(store_error)?,
        };
        let Some(text) = text else {
            return Ok(Json::Null);
        };
        serde_json::from_str(&text)
            .map_err(|e| RuntimeError::new(ErrorKind::Error, format!("store: {e}")))
    }

    fn keys(&self) -> Result<Json, RuntimeError> {
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
        Ok(Json::Array(keys.into_iter().map(Json::String).collect()))
    }
}

fn store_error(e: crate::db::DbError) -> RuntimeError {
    RuntimeError::new(ErrorKind::Error, format!("store: {e}"))
}

impl Host for Caps<'_> {
    fn print(&mut self, line: &str) {
        eprintln!("[{}] {line}", self.module);
    }

    fn capability(&mut self, call: CapabilityCall<'_>) -> Result<Json, RuntimeError> {
        match call {
            CapabilityCall::StoreGet(k) => self.get(k),
            CapabilityCall::StoreSet(k, v) => {
                let _ = self.pending.insert(k.to_string(), Some(v.to_string()));
                Ok(Json::Null)
            }
            CapabilityCall::StoreDelete(k) => {
                let old = self.get(k)?;
                let _ = self.pending.insert(k.to_string(), None);
                Ok(old)
            }
            CapabilityCall::StoreKeys => self.keys(),
            CapabilityCall::Log { level, message } => {
                eprintln!("[{}] {level}: {message}", self.module);
                Ok(Json::Null)
            }
        }
    }
}
