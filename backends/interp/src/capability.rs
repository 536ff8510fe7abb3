//! The capabilities' surface (`store`, `log`, `clock`), checked once for every host: how
//! arguments are read, what an unknown method answers, how time is told. A host only supplies the
//! storage and the place log lines go, so `aura run` and `aura serve` behave alike.

use crate::value::Value;
use aura_runtime::{ErrorKind, RuntimeError};

/// One checked call of a capability method.
pub enum CapabilityCall<'a> {
    StoreGet(&'a str),
    StoreSet(&'a str, &'a Value),
    StoreDelete(&'a str),
    StoreKeys,
    /// `log.info(message)` and its siblings; `level` is the method name.
    Log {
        level: &'a str,
        message: &'a Value,
    },
    /// Answered without the host (`clock.now()`, `clock.millis()`).
    Answered(Value),
}

impl<'a> CapabilityCall<'a> {
    /// Reads `capability.method(args)`: a `type error` for a wrong argument count or a non-string
    /// key, `does not understand` for a method the capability does not have.
    pub fn parse(
        capability: &str,
        method: &'a str,
        args: &'a [Value],
    ) -> Result<CapabilityCall<'a>, RuntimeError> {
        let expected = match (capability, method) {
            ("store", "get" | "delete") | ("log", "info" | "warn" | "error") => 1,
            ("store", "set") => 2,
            ("store", "keys") | ("clock", "now" | "millis") => 0,
            _ => {
                return Err(RuntimeError::new(
                    ErrorKind::DoesNotUnderstand,
                    format!("{capability} does not understand `{method}`"),
                ))
            }
        };
        if args.len() != expected {
            return Err(RuntimeError::new(
                ErrorKind::Type,
                format!(
                    "{capability}.{method}() expects {expected} argument{}, got {}",
                    if expected == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
        }
        let key = || match args.first() {
            Some(Value::Str(s)) => Ok(s.as_str()),
            other => Err(RuntimeError::new(
                ErrorKind::Type,
                format!(
                    "{capability}.{method}() expects a str key, got {}",
                    other.map_or("nothing", Value::type_name)
                ),
            )),
        };
        Ok(match (capability, method, args) {
            ("store", "get", _) => CapabilityCall::StoreGet(key()?),
            ("store", "delete", _) => CapabilityCall::StoreDelete(key()?),
            ("store", "set", [_, value]) => CapabilityCall::StoreSet(key()?, value),
            ("store", _, _) => CapabilityCall::StoreKeys,
            ("log", level, [message]) => CapabilityCall::Log { level, message },
            (_, "now", _) => CapabilityCall::Answered(Value::Float(since_epoch().as_secs_f64())),
            _ => CapabilityCall::Answered(Value::Int(
                i64::try_from(since_epoch().as_millis()).unwrap_or(i64::MAX),
            )),
        })
    }
}

fn since_epoch() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}
