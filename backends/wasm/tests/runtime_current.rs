//! The committed wasm runtime (`runtime/rt/aura_rt.wasm`, which `emit` embeds) must be what
//! `runtime/rt/build-wasm.sh` makes from the C sources: rebuilt into a temporary file and compared
//! byte for byte. Without clang the test is skipped, except under CI (`CI=true`), where that is a
//! failure: the check must not silently vanish there.

use std::path::Path;
use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn committed_runtime_is_current() {
    let rt = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../runtime/rt");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let clang = ["clang-14", "clang"].iter().any(|t| have(t));
    let wasm_ld = ["wasm-ld-14", "wasm-ld"].iter().any(|t| have(t));
    if !(clang && wasm_ld) {
        assert!(
            !ci,
            "clang and wasm-ld are needed to check runtime/rt/aura_rt.wasm (apt-get install clang lld)"
        );
        eprintln!("note: clang or wasm-ld missing: aura_rt.wasm not checked");
        return;
    }
    let dir = std::env::temp_dir().join(format!("aura-rt-current-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let rebuilt = dir.join("aura_rt.wasm");
    let status = Command::new("sh")
        .arg(rt.join("build-wasm.sh"))
        .arg(&rebuilt)
        .status()
        .expect("sh runs build-wasm.sh");
    assert!(status.success(), "runtime/rt/build-wasm.sh failed");
    let fresh = std::fs::read(&rebuilt).expect("build-wasm.sh wrote its output");
    let _ = std::fs::remove_dir_all(&dir);
    let committed = std::fs::read(rt.join("aura_rt.wasm")).expect("runtime/rt/aura_rt.wasm exists");
    assert!(
        fresh == committed,
        "runtime/rt/aura_rt.wasm is not current: run runtime/rt/build-wasm.sh and commit it"
    );
    // What the emitter embeds is that same file (build.rs copies it).
    assert!(aura_wasm::emit::RUNTIME == committed.as_slice());
}
