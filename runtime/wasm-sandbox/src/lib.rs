//! The wasmtime host of compiled Aura modules (those `aura-wasm` emits): a whole run with fuel,
//! memory and depth limits ([`sandbox`]), or one message at a time ([`message`], the host side
//! of the message ABI in `spec/abi.md`). Capability calls go to an [`aura_host_api::Host`].

pub mod message;
pub mod sandbox;

pub use message::send_message;
pub use sandbox::{run, Io, Limits, RunError};
