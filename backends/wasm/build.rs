//! Copies the wasm32 build of the shared runtime (`runtime/rt/aura_rt.wasm`) into OUT_DIR, so
//! `emit::RUNTIME` can `include_bytes!` it. When the file is missing (a checkout whose runtime was
//! never built), an empty file stands in and `emit` reports that the runtime is missing instead
//! of the whole crate failing to compile.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let source = Path::new(&manifest).join("../../runtime/rt/aura_rt.wasm");
    println!("cargo:rerun-if-changed={}", source.display());
    let bytes = std::fs::read(&source).unwrap_or_default();
    std::fs::write(Path::new(&out).join("aura_rt.wasm"), bytes).expect("OUT_DIR is writable");
}
