//! Capability calls (`store.get(k)`, `log.info(msg)`, `clock.now()`) from the interpreter: its
//! values cross to the host as JSON, checked by [`aura_host_api::call_capability`] as for every
//! engine, and the answer comes back as a value.

use crate::json::{from_json, to_json};
use crate::value::Value;
use aura_host_api::{CapabilityArg, Host, Json, RuntimeError};

impl CapabilityArg for Value {
    fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    fn type_name(&self) -> &str {
        Value::type_name(self)
    }

    fn to_json(&self) -> Result<Json, RuntimeError> {
        to_json(self)
    }

    fn to_text(&self) -> String {
        self.to_string()
    }
}

/// `capability.method(args)` answered by `host`.
pub(crate) fn call(
    host: &mut dyn Host,
    capability: &str,
    method: &str,
    args: &[Value],
) -> Result<Value, RuntimeError> {
    aura_host_api::call_capability(host, capability, method, args).map(|answer| from_json(&answer))
}
