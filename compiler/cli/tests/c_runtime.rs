//! The C runtime's own tests (`runtime/rt/test/run.sh`): the test driver's checks of values,
//! arithmetic, strings, containers, JSON, capabilities, the collector and out of memory, built
//! natively with the native backend's flags; the differential cases against this `aura` binary's
//! interpreter; the wasm32 build's exports and a run of it under node (tests/run.sh installs
//! clang, lld and node is on the machine); and that the committed `aura_rt.wasm` is current.

use std::path::Path;
use std::process::Command;

#[test]
fn the_c_runtime_passes_its_own_tests() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../runtime/rt/test/run.sh");
    let out = Command::new("sh")
        .arg(&script)
        .env("AURA_BIN", env!("CARGO_BIN_EXE_aura"))
        .output()
        .expect("sh runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("runtime tests passed"),
        "runtime/rt/test/run.sh failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains(" checks, 0 failures"), "{stdout}");
    assert!(
        stdout.contains("differential cases, 0 failures"),
        "{stdout}"
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        assert!(!stdout.contains("node not found"), "{stdout}");
    }
}
