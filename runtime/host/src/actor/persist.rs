//! The persisted image: every job's changes to named objects' persistable slots (and its store
//! writes) are committed in one transaction, or undone.
//!
//! Invariant: `Loaded::image` always equals what the store holds for the module's slots; a
//! failed job puts every object back to that image (`restore`), so in-place changes to lists
//! and maps are undone too.

use super::Loaded;
use crate::db::{Batch, Db};
use aura_interp::{from_json, Options, RuntimeError, Value};
use indexmap::IndexMap;
use serde_json::Value as Json;

/// Every named object's own slots before a job.
type Snapshot = Vec<(String, Vec<(String, Value)>)>;

pub(super) fn snapshot(module: &Loaded) -> Snapshot {
    module
        .objects
        .iter()
        .filter_map(|name| match module.instance.get_global(name) {
            Some(Value::Object(o)) => Some((name.clone(), o.own_slots())),
            _ => None,
        })
        .collect()
}

/// Puts every object back as it was last committed: persistable slots from the image (fresh
/// values, so in-place changes to lists and maps are undone too), others from the snapshot;
/// slots the failed job added are removed.
pub(super) fn restore(module: &Loaded, snapshot: &Snapshot) {
    for (name, before) in snapshot {
        let Some(Value::Object(o)) = module.instance.get_global(name) else {
            continue;
        };
        for (slot, _) in o.own_slots() {
            if !before.iter().any(|(k, _)| *k == slot) {
                let _ = o.remove_slot(&slot);
            }
        }
        for (slot, value) in before {
            let committed = module
                .image
                .get(&(name.clone(), slot.clone()))
                .and_then(|text| serde_json::from_str::<Json>(text).ok());
            match committed {
                Some(json) => o.set_slot(slot, from_json(&json)),
                None => o.set_slot(slot, value.clone()),
            }
        }
    }
}

/// JSON of a value the host sends or stores, at most `--max-memory` of it (a value sharing
/// its parts can stand for far more JSON than it takes in memory).
pub(super) fn to_json_bounded(value: &Value, options: &Options) -> Result<Json, RuntimeError> {
    aura_interp::to_json_limited(value, options.max_memory.unwrap_or(u64::MAX))
}

/// Most JSON one persisted slot may take.
const MAX_SLOT_JSON: u64 = 64 << 20;

/// JSON text of a slot value worth persisting (not methods, objects or other non-JSON values).
pub(super) fn persistable(value: &Value) -> Option<String> {
    match value {
        Value::Fn(_) | Value::Object(_) => None,
        _ => aura_interp::to_json_limited(value, MAX_SLOT_JSON)
            .ok()
            .map(|j| j.to_string()),
    }
}

/// Writes the job's changes: changed persistable slots of every object (except `skip`, which the
/// audit says the message cannot change) and the store writes, in one transaction; then the
/// image follows what was written.
pub(super) fn commit(
    db: &Db,
    name: &str,
    module: &mut Loaded,
    pending: IndexMap<String, Option<String>>,
    skip: Option<&str>,
) -> Result<(), String> {
    let batch = Batch {
        slots: changed_slots(module, skip),
        store: pending.into_iter().collect(),
    };
    db.commit(name, &batch).map_err(|e| e.to_string())?;
    for (object, slot, value) in batch.slots {
        match value {
            Some(text) => {
                let _ = module.image.insert((object, slot), text);
            }
            None => {
                let _ = module.image.remove(&(object, slot));
            }
        }
    }
    Ok(())
}

/// The slots whose JSON differs from the image: (object, slot, new text), `None` for a slot
/// that is gone or no longer persistable.
fn changed_slots(module: &Loaded, skip: Option<&str>) -> Vec<(String, String, Option<String>)> {
    let mut changed = Vec::new();
    for object in &module.objects {
        if Some(object.as_str()) == skip {
            continue;
        }
        let Some(Value::Object(o)) = module.instance.get_global(object) else {
            continue;
        };
        let own = o.own_slots();
        for (slot, value) in &own {
            let key = (object.clone(), slot.clone());
            match persistable(value) {
                Some(text) => {
                    if module.image.get(&key) != Some(&text) {
                        changed.push((object.clone(), slot.clone(), Some(text)));
                    }
                }
                None => {
                    if module.image.contains_key(&key) {
                        changed.push((object.clone(), slot.clone(), None));
                    }
                }
            }
        }
        for (o_name, slot) in module.image.keys() {
            if o_name == object && !own.iter().any(|(k, _)| k == slot) {
                changed.push((object.clone(), slot.clone(), None));
            }
        }
    }
    changed
}
