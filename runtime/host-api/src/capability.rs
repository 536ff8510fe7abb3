//! The capabilities' surface (`store`, `log`, `clock`), checked once for every engine and host:
//! how arguments are read, what an unknown method answers, how time is told. A host only supplies
//! the storage and the place log lines go, so `aura run` and `aura serve` behave alike.

use crate::{Host, Json};
use aura_facts::{CapabilityMethod, ErrorKind, RuntimeError};

/// One checked call of a capability method, as a host receives it.
#[derive(Clone, Debug, PartialEq)]
pub enum CapabilityCall<'a> {
    StoreGet(&'a str),
    StoreSet(&'a str, Json),
    StoreDelete(&'a str),
    StoreKeys,
    /// `log.info(message)` and its siblings; `level` is the method name, `message` is `str()` of
    /// the argument.
    Log {
        level: &'a str,
        message: String,
    },
}

/// An engine's value as a capability argument.
pub trait CapabilityArg {
    /// The text of a string value; `None` for any other value.
    fn as_str(&self) -> Option<&str>;
    /// The name of the value's type, as in error messages (`int`, `str`, `fn`, ...).
    fn type_name(&self) -> &str;
    /// The value as JSON; a `json error` for what JSON cannot hold.
    fn to_json(&self) -> Result<Json, RuntimeError>;
    /// `str()` of the value.
    fn to_text(&self) -> String;
}

/// Reads `capability.method(args)` and answers it: `clock` here, `store` and `log` by `host`.
/// A `type error` for a wrong argument count or a non-string key, `does not understand` for a
/// method the capability does not have, a `json error` for a stored value JSON cannot hold.
pub fn call_capability<A: CapabilityArg>(
    host: &mut dyn Host,
    capability: &str,
    method: &str,
    args: &[A],
) -> Result<Json, RuntimeError> {
    let Some(known) = CapabilityMethod::lookup(capability, method) else {
        return Err(RuntimeError::new(
            ErrorKind::DoesNotUnderstand,
            format!("{capability} does not understand `{method}`"),
        ));
    };
    let expected = known.params.len();
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
    let key = || {
        let first = args.first();
        first.and_then(A::as_str).ok_or_else(|| {
            RuntimeError::new(
                ErrorKind::Type,
                format!(
                    "{capability}.{method}() expects a str key, got {}",
                    first.map_or("nothing", A::type_name)
                ),
            )
        })
    };
    let call = match (capability, method, args) {
        ("store", "get", _) => CapabilityCall::StoreGet(key()?),
        ("store", "delete", _) => CapabilityCall::StoreDelete(key()?),
        ("store", "set", [_, value]) => {
            let key = key()?;
            CapabilityCall::StoreSet(key, value.to_json()?)
        }
        ("store", _, _) => CapabilityCall::StoreKeys,
        ("log", level, [message]) => CapabilityCall::Log {
            level,
            message: message.to_text(),
        },
        (_, "now", _) => return Ok(Json::from(since_epoch().as_secs_f64())),
        _ => {
            return Ok(Json::from(
                i64::try_from(since_epoch().as_millis()).unwrap_or(i64::MAX),
            ))
        }
    };
    host.capability(call)
}

fn since_epoch() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// JSON values as capability arguments: how the wasmtime sandbox and other hosts of compiled
/// code receive them.
impl CapabilityArg for Json {
    fn as_str(&self) -> Option<&str> {
        Json::as_str(self)
    }

    fn type_name(&self) -> &str {
        match self {
            Json::Null => "nil",
            Json::Bool(_) => "bool",
            Json::Number(n) if n.is_i64() => "int",
            Json::Number(_) => "float",
            Json::String(_) => "str",
            Json::Array(_) => "list",
            Json::Object(_) => "map",
        }
    }

    fn to_json(&self) -> Result<Json, RuntimeError> {
        Ok(self.clone())
    }

    fn to_text(&self) -> String {
        crate::json_to_text(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Records the calls it receives; answers `store.get` with 7.
    #[derive(Default)]
    struct Recorder(Vec<String>);

    impl Host for Recorder {
        fn print(&mut self, _: &str) {}
        fn capability(&mut self, call: CapabilityCall<'_>) -> Result<Json, RuntimeError> {
            self.0.push(format!("{call:?}"));
            Ok(match call {
                CapabilityCall::StoreGet(_) => json!(7),
                _ => Json::Null,
            })
        }
    }

    fn call(
        capability: &str,
        method: &str,
        args: &[Json],
    ) -> (Result<Json, RuntimeError>, Vec<String>) {
        let mut host = Recorder::default();
        let result = call_capability(&mut host, capability, method, args);
        (result, host.0)
    }

    #[test]
    fn checked_calls_reach_the_host() {
        let (result, calls) = call("store", "get", &[json!("k")]);
        assert_eq!(result, Ok(json!(7)));
        assert_eq!(calls, ["StoreGet(\"k\")"]);
        let (_, calls) = call("store", "set", &[json!("k"), json!([1, "a"])]);
        assert_eq!(calls, ["StoreSet(\"k\", Array [Number(1), String(\"a\")])"]);
        let (_, calls) = call("log", "warn", &[json!({"a": [1.5, null]})]);
        assert_eq!(
            calls,
            ["Log { level: \"warn\", message: \"{\\\"a\\\": [1.5, nil]}\" }"]
        );
    }

    #[test]
    fn bad_calls_are_errors_and_never_reach_the_host() {
        let cases: [(&str, &str, Vec<Json>, ErrorKind, &str); 4] = [
            (
                "store",
                "put",
                vec![],
                ErrorKind::DoesNotUnderstand,
                "store does not understand `put`",
            ),
            (
                "store",
                "set",
                vec![json!("k")],
                ErrorKind::Type,
                "store.set() expects 2 arguments, got 1",
            ),
            (
                "store",
                "get",
                vec![json!(1)],
                ErrorKind::Type,
                "store.get() expects a str key, got int",
            ),
            (
                "clock",
                "now",
                vec![json!(1.5)],
                ErrorKind::Type,
                "clock.now() expects 0 arguments, got 1",
            ),
        ];
        for (capability, method, args, kind, message) in cases {
            let (result, calls) = call(capability, method, &args);
            assert_eq!(result, Err(RuntimeError::new(kind, message)));
            assert!(calls.is_empty(), "{calls:?}");
        }
    }

    #[test]
    fn the_clock_is_answered_without_the_host() {
        let (now, calls) = call("clock", "now", &[]);
        assert!(
            now.as_ref()
                .is_ok_and(|n| n.as_f64().is_some_and(|s| s > 1e9)),
            "{now:?}"
        );
        let (millis, _) = call("clock", "millis", &[]);
        assert!(
            millis
                .as_ref()
                .is_ok_and(|n| n.as_i64().is_some_and(|ms| ms > 1_000_000_000_000)),
            "{millis:?}"
        );
        assert!(calls.is_empty());
    }
}
