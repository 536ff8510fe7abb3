//! Messages: resolving `module.object`, deciding whether the synthesiser is asked first,
//! sending, and committing what the message changed. The audit's facts let a commit skip the
//! target object when its method cannot write the object's slots (`may_mutate`).

use super::persist::{commit, restore, snapshot, to_json_bounded};
use super::{error_reply, runtime_reply, Actor, Loaded};
use crate::capabilities::Caps;
use crate::Reply;
use aura_interp::{from_json, Value};
use serde_json::{json, Value as Json};
use std::sync::atomic::Ordering;

impl Actor {
    pub(super) fn message(
        &mut self,
        target: &str,
        method: &str,
        args: Vec<Json>,
        may_synthesize: bool,
    ) -> Reply {
        self.shared.messages.fetch_add(1, Ordering::Relaxed);
        let (name, object) = match self.resolve_target(target) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        if self.synthesizer.is_some() && !self.understands(&name, &object, method) {
            if !may_synthesize {
                return error_reply(
                    500,
                    "does not understand",
                    format!(
                        "`{object}` does not understand `{method}`; the synthesiser installs \
                         methods only for messages sent with the admin token"
                    ),
                );
            }
            if let Err(reply) = self.synthesize(&name, &object, method, &args) {
                return reply;
            }
            // The synthesiser's time (bounded by its own timeout) is not the message's.
            aura_interp::set_deadline(Some(std::time::Instant::now() + self.deadline));
        }
        self.send(&name, &object, method, args)
    }

    /// Does `object` (or its prototype chain) have a slot `method` or `does_not_understand`?
    fn understands(&self, module: &str, object: &str, method: &str) -> bool {
        let Some(Value::Object(o)) = self
            .modules
            .get(module)
            .and_then(|m| m.instance.get_global(object))
        else {
            return true;
        };
        let mut current = Some(o);
        while let Some(o) = current {
            if o.own_slots()
                .iter()
                .any(|(k, _)| k == method || k == "does_not_understand")
            {
                return true;
            }
            current = o.proto.clone();
        }
        false
    }

    /// Sends a message to a resolved object and commits what it changed.
    fn send(&mut self, name: &str, object: &str, method: &str, args: Vec<Json>) -> Reply {
        let (name, object) = (name.to_string(), object.to_string());
        let Some(module) = self.modules.get_mut(&name) else {
            return error_reply(404, "not found", format!("no module `{name}`"));
        };
        let skip_target = !may_mutate(module, &object, method);
        let snapshot = snapshot(module);
        let mut caps = Caps::new(&name, &self.db);
        let args = args.iter().map(from_json).collect();
        let result = module.instance.send(&object, method, args, &mut caps);
        let pending = std::mem::take(&mut caps.pending);
        match result {
            Ok(value) => {
                let skip = if skip_target {
                    Some(object.as_str())
                } else {
                    None
                };
                if let Err(e) = commit(&self.db, &name, module, pending, skip) {
                    restore(module, &snapshot);
                    return error_reply(500, "store error", e);
                }
                // A result JSON cannot hold (an object, a function) is sent as its printed form.
                let result = match to_json_bounded(&value, &self.options) {
                    Ok(json) => json,
                    Err(e) if e.kind == aura_interp::ErrorKind::OutOfMemory => {
                        return runtime_reply(&e)
                    }
                    Err(_) => Json::String(value.to_string()),
                };
                Reply {
                    status: 200,
                    body: json!({ "result": result }),
                }
            }
            Err(e) => {
                restore(module, &snapshot);
                runtime_reply(&e)
            }
        }
    }

    /// `module.object`, or `object` when exactly one module defines it.
    fn resolve_target(&self, target: &str) -> Result<(String, String), Reply> {
        if let Some((module, object)) = target.split_once('.') {
            return match self.modules.get(module) {
                Some(m) if m.objects.iter().any(|o| o == object) => {
                    Ok((module.to_string(), object.to_string()))
                }
                _ => Err(error_reply(
                    404,
                    "not found",
                    format!("no object `{target}`"),
                )),
            };
        }
        let owners: Vec<&String> = self
            .modules
            .iter()
            .filter(|(_, m)| m.objects.iter().any(|o| o == target))
            .map(|(name, _)| name)
            .collect();
        match owners.as_slice() {
            [one] => Ok(((*one).clone(), target.to_string())),
            [] => Err(error_reply(
                404,
                "not found",
                format!("no object `{target}`"),
            )),
            many => Err(error_reply(
                400,
                "bad request",
                format!(
                    "`{target}` is defined in several modules ({}); write MODULE.{target}",
                    many.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

/// Can sending `method` to `object` write the object's own slots? Looked up along the prototype
/// chain in the audit's facts; unknown (e.g. `does_not_understand`) counts as yes.
fn may_mutate(module: &Loaded, object: &str, method: &str) -> bool {
    let mut current = match module.instance.get_global(object) {
        Some(Value::Object(o)) => Some(o),
        _ => return true,
    };
    while let Some(o) = current {
        let own_method = o.own_slots().iter().any(|(k, _)| k == method);
        if own_method {
            let Some(owner) = o.name.as_deref() else {
                return true;
            };
            return module
                .methods
                .iter()
                .find(|f| f.owner == owner && f.method == method)
                .is_none_or(|f| f.mutates);
        }
        current = o.proto.clone();
    }
    true
}
