//! Every program of `tests/conformance/` through the real front end and this interpreter,
//! compared with its expected standard output and (when `NAME.error` exists) error kind.

mod support;

use aura_interp::ErrorKind;
use std::path::Path;

#[test]
fn conformance_suite() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("conformance directory")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_suffix(".aura").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 80,
        "only {} conformance programs found",
        names.len()
    );
    let mut failures = Vec::new();
    for name in &names {
        let source = std::fs::read_to_string(dir.join(format!("{name}.aura"))).expect("source");
        let expected =
            std::fs::read_to_string(dir.join(format!("{name}.stdout"))).unwrap_or_default();
        let error = std::fs::read_to_string(dir.join(format!("{name}.error")))
            .ok()
            .map(|s| s.trim().to_string());
        let checked = aura_compiler::check_source(&source);
        if !checked.is_ok() {
            failures.push(format!(
                "{name}: does not pass the front end: {:?}",
                checked.diagnostics
            ));
            continue;
        }
        let mut host = support::TestHost::default();
        let result = aura_interp::run(
            &checked.module,
            &checked.prelude,
            &Default::default(),
            &mut host,
        );
        if host.out != expected {
            failures.push(format!(
                "{name}: stdout differs\n--- expected\n{expected}--- got\n{}",
                host.out
            ));
        }
        match (&error, &result) {
            (None, Ok(())) => {}
            (Some(kind), Err(e)) if ErrorKind::parse(kind) == Some(e.kind) => {}
            (Some(kind), Err(e)) => failures.push(format!("{name}: expected {kind}, got {e}")),
            (Some(kind), Ok(())) => failures.push(format!("{name}: expected {kind}, ran fine")),
            (None, Err(e)) => failures.push(format!("{name}: unexpected {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} conformance programs failed:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}
