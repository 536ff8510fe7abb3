//! The message ABI (`spec/abi.md`, "Message ABI") in the wasmtime sandbox: one message to a named
//! top-level object of a compiled module, with the state the host persisted for it.
//!
//! Every message gets a fresh instance (and so a fresh arena): `aura_init` runs the module's
//! initialisers, `rt_input` makes room for the request, `rt_message` sends it and answers
//! `{"result": V, "changed": B, "state": {...}}`.

use crate::sandbox::{internal, invoke, trap_error, Io, Limits, RunError};

/// Sends `request` (`{"target": NAME, "method": NAME, "args": [...], "state": {...}}`) to a module
/// from [`crate::emit::emit`] and returns the reply's JSON text. The program's runtime errors
/// (including an unknown target or method) are [`RunError::Runtime`]; what the method prints
/// goes to `io`.
pub fn send_message(
    wasm: &[u8],
    request: &str,
    limits: &Limits,
    io: Io,
) -> Result<String, RunError> {
    invoke(wasm, limits, io, |store, instance| {
        let trap = |e| trap_error(e, limits);
        let init = instance
            .get_typed_func::<(), i64>(&mut *store, "aura_init")
            .map_err(|e| internal(format!("no message entry aura_init: {e}")))?;
        let input = instance
            .get_typed_func::<i64, i64>(&mut *store, "rt_input")
            .map_err(|e| internal(format!("no message entry rt_input: {e}")))?;
        let message = instance
            .get_typed_func::<(i64, i64), i64>(&mut *store, "rt_message")
            .map_err(|e| internal(format!("no message entry rt_message: {e}")))?;
        let Some(memory) = instance.get_memory(&mut *store, "memory") else {
            return Err(internal("the module exports no memory"));
        };

        let _ = init.call(&mut *store, ()).map_err(trap)?;
        let len = i64::try_from(request.len()).map_err(|_| internal("request too long"))?;
        let ptr = input.call(&mut *store, len).map_err(trap)?;
        let ptr = usize::try_from(ptr).map_err(|_| internal("rt_input gave a bad address"))?;
        memory
            .write(&mut *store, ptr, request.as_bytes())
            .map_err(|e| internal(format!("rt_input gave room outside memory: {e}")))?;
        let packed = message.call(&mut *store, (ptr as i64, len)).map_err(trap)? as u64;
        let (at, len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
        let reply = at
            .checked_add(len)
            .and_then(|end| memory.data(&*store).get(at..end))
            .ok_or_else(|| internal("rt_message replied outside memory"))?;
        String::from_utf8(reply.to_vec()).map_err(|_| internal("rt_message replied non-UTF-8"))
    })
}
