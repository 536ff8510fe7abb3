//! The methods of the capabilities a host provides (`store`, `log`, `clock`): the one table the
//! hosts check calls against and the language server offers as completions.

/// One method of a capability: `capability.name(params)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapabilityMethod {
    pub capability: &'static str,
    pub name: &'static str,
    pub params: &'static [&'static str],
    /// What it does, in a few words.
    pub doc: &'static str,
}

impl CapabilityMethod {
    /// How the method reads in a signature: `store.set(key, value)`.
    pub fn signature(&self) -> String {
        format!(
            "{}.{}({})",
            self.capability,
            self.name,
            self.params.join(", ")
        )
    }

    pub fn lookup(capability: &str, name: &str) -> Option<&'static CapabilityMethod> {
        CAPABILITY_METHODS
            .iter()
            .find(|m| m.capability == capability && m.name == name)
    }
}

const fn method(
    capability: &'static str,
    name: &'static str,
    params: &'static [&'static str],
    doc: &'static str,
) -> CapabilityMethod {
    CapabilityMethod {
        capability,
        name,
        params,
        doc,
    }
}

/// Every capability method (`spec/host.md`, Capabilities).
pub const CAPABILITY_METHODS: &[CapabilityMethod] = &[
    method(
        "store",
        "get",
        &["key"],
        "the value stored under `key`, or nil",
    ),
    method(
        "store",
        "set",
        &["key", "value"],
        "stores `value` (JSON-representable); returns nil",
    ),
    method(
        "store",
        "delete",
        &["key"],
        "removes `key`; returns the old value or nil",
    ),
    method("store", "keys", &[], "this module's keys, sorted"),
    method(
        "log",
        "info",
        &["msg"],
        "writes `info: msg` to the host's stderr",
    ),
    method(
        "log",
        "warn",
        &["msg"],
        "writes `warn: msg` to the host's stderr",
    ),
    method(
        "log",
        "error",
        &["msg"],
        "writes `error: msg` to the host's stderr",
    ),
    method("clock", "now", &[], "seconds since the Unix epoch, float"),
    method(
        "clock",
        "millis",
        &[],
        "milliseconds since the Unix epoch, int",
    ),
];
