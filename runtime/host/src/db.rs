//! The host's one redb database: objects' persisted slots (the living image) and each module's
//! `store` namespace. Values are JSON text. Keys are tuples, so one module's namespace is a
//! separate key space: no string a module can write reaches another module's keys.

use redb::{Database, TableDefinition};
use std::path::Path;

/// (module, object, slot) → JSON text of the slot's value.
const SLOTS: TableDefinition<(&str, &str, &str), &str> = TableDefinition::new("slots");
/// (module, key) → JSON text of the value.
const STORE: TableDefinition<(&str, &str), &str> = TableDefinition::new("store");

/// A database failure, as text (redb's error types are large; the host only reports them).
#[derive(Debug)]
pub struct DbError(String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! from_redb {
    ($($error:ty),*) => {$(
        impl From<$error> for DbError {
            fn from(e: $error) -> DbError {
                DbError(e.to_string())
            }
        }
    )*};
}

from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Changes gathered during one job, written in one transaction (or not at all).
#[derive(Default, Debug)]
pub struct Batch {
    /// (object, slot) → new JSON text, or `None` to delete.
    pub slots: Vec<(String, String, Option<String>)>,
    /// key → new JSON text, or `None` to delete.
    pub store: Vec<(String, Option<String>)>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty() && self.store.is_empty()
    }
}

pub struct Db {
    db: Database,
}

impl Db {
    /// Opens (or creates) the database and its tables.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let db = Database::create(path)?;
        let tx = db.begin_write()?;
        {
            let _slots = tx.open_table(SLOTS)?;
            let _store = tx.open_table(STORE)?;
        }
        tx.commit()?;
        Ok(Db { db })
    }

    /// True when a read transaction can open the tables.
    pub fn reachable(&self) -> bool {
        let Ok(tx) = self.db.begin_read() else {
            return false;
        };
        tx.open_table(SLOTS).is_ok() && tx.open_table(STORE).is_ok()
    }

    /// The persisted slots of one object: (slot, JSON text), in slot-name order.
    pub fn slots(&self, module: &str, object: &str) -> Result<Vec<(String, String)>, DbError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(SLOTS)?;
        let mut out = Vec::new();
        for entry in table.range((module, object, "")..)? {
            let (key, value) = entry?;
            let (m, o, slot) = key.value();
            if m != module || o != object {
                break;
            }
            out.push((slot.to_string(), value.value().to_string()));
        }
        Ok(out)
    }

    pub fn store_get(&self, module: &str, key: &str) -> Result<Option<String>, DbError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(STORE)?;
        Ok(table.get((module, key))?.map(|v| v.value().to_string()))
    }

    /// The keys of one module's namespace, in sorted order.
    pub fn store_keys(&self, module: &str) -> Result<Vec<String>, DbError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(STORE)?;
        let mut out = Vec::new();
        for entry in table.range((module, "")..)? {
            let (key, _) = entry?;
            let (m, k) = key.value();
            if m != module {
                break;
            }
            out.push(k.to_string());
        }
        Ok(out)
    }

    /// Writes a module's batch in one write transaction.
    pub fn commit(&self, module: &str, batch: &Batch) -> Result<(), DbError> {
        if batch.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin_write()?;
        {
            let mut slots = tx.open_table(SLOTS)?;
            for (object, slot, value) in &batch.slots {
                let key = (module, object.as_str(), slot.as_str());
                match value {
                    Some(text) => {
                        let _ = slots.insert(key, text.as_str())?;
                    }
                    None => {
                        let _ = slots.remove(key)?;
                    }
                }
            }
            let mut store = tx.open_table(STORE)?;
            for (key, value) in &batch.store {
                let key = (module, key.as_str());
                match value {
                    Some(text) => {
                        let _ = store.insert(key, text.as_str())?;
                    }
                    None => {
                        let _ = store.remove(key)?;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("aura-host-db-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        dir.join("image.redb")
    }

    #[test]
    fn namespaces_do_not_overlap() -> Result<(), DbError> {
        let db = Db::open(&temp("ns"))?;
        let mut a = Batch::default();
        a.store.push(("x".into(), Some("1".into())));
        db.commit("a", &a)?;
        let mut b = Batch::default();
        b.store.push(("x".into(), Some("2".into())));
        b.store.push(("../a/x".into(), Some("3".into())));
        db.commit("b", &b)?;
        assert_eq!(db.store_get("a", "x")?.as_deref(), Some("1"));
        assert_eq!(db.store_get("b", "x")?.as_deref(), Some("2"));
        assert_eq!(db.store_get("a", "../a/x")?, None);
        assert_eq!(db.store_keys("a")?, ["x"]);
        assert_eq!(db.store_keys("b")?, ["../a/x", "x"]);
        Ok(())
    }

    #[test]
    fn slots_are_per_object() -> Result<(), DbError> {
        let db = Db::open(&temp("slots"))?;
        let mut batch = Batch::default();
        batch.slots.push(("c".into(), "n".into(), Some("5".into())));
        batch
            .slots
            .push(("cc".into(), "n".into(), Some("6".into())));
        db.commit("m", &batch)?;
        assert_eq!(db.slots("m", "c")?, [("n".to_string(), "5".to_string())]);
        let mut delete = Batch::default();
        delete.slots.push(("c".into(), "n".into(), None));
        db.commit("m", &delete)?;
        assert!(db.slots("m", "c")?.is_empty());
        assert!(db.reachable());
        Ok(())
    }
}
