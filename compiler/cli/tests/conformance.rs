//! The conformance suite: every program in `tests/conformance/` on every backend, compared with
//! its expected standard output and (for failing programs) its expected runtime error kind.
//! Adding a backend is one line in `BACKENDS`. A case may import helper modules: those live in
//! `tests/conformance/modules/` (a folder, so they are not cases themselves) and every `mod_*`
//! case imports at least one module.

use aura_facts::ErrorKind;
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// Each backend: its name and the `aura` arguments that run a file on it.
const BACKENDS: &[(&str, &[&str])] = &[
    ("interp", &["run", "--target", "interp"]),
    ("wasm", &["run", "--target", "wasm"]),
    ("native", &["run", "--target", "native"]),
];

/// The compiled backends collect after every 64 KiB allocated (`AURA_GC_TRIGGER`, spec/abi.md
/// "Memory model") instead of 4 MiB, so that every case, not only the large ones, runs through
/// many collections: a value the collector failed to find as a root shows up as a wrong output.
const GC_TRIGGER: &str = "65536";

/// The suite must not shrink by accident.
const MIN_CASES: usize = 80;

struct Case {
    name: String,
    program: PathBuf,
    stdout: String,
    error: Option<ErrorKind>,
    /// The expected standard error, when the case fixes it (`NAME.stderr`): its first line
    /// alone, or, when the file has more lines (a stack trace), all of it.
    stderr: Option<String>,
}

fn main() {
    let args = Arguments::from_args();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance");
    let cases = match load_cases(&dir) {
        Ok(cases) => cases,
        Err(message) => {
            eprintln!("conformance: {message}");
            std::process::exit(1);
        }
    };
    let tally: Arc<Mutex<BTreeMap<&'static str, (usize, usize)>>> = Arc::default();
    let mut trials = Vec::new();
    for &(backend, backend_args) in BACKENDS {
        for case in &cases {
            let case = Case {
                name: case.name.clone(),
                program: case.program.clone(),
                stdout: case.stdout.clone(),
                error: case.error,
                stderr: case.stderr.clone(),
            };
            let tally = Arc::clone(&tally);
            trials.push(Trial::test(
                format!("{backend}::{}", case.name),
                move || {
                    let result = run_case(backend_args, &case);
                    if let Ok(mut tally) = tally.lock() {
                        let entry = tally.entry(backend).or_default();
                        if result.is_ok() {
                            entry.0 += 1
                        } else {
                            entry.1 += 1
                        }
                    }
                    result
                },
            ));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if let Ok(tally) = tally.lock() {
        for (backend, (passed, failed)) in tally.iter() {
            eprintln!("conformance[{backend}]: {passed} passed, {failed} failed");
        }
    }
    conclusion.exit();
}

fn load_cases(dir: &Path) -> Result<Vec<Case>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut programs: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "aura"))
        .collect();
    programs.sort();
    if programs.len() < MIN_CASES {
        return Err(format!(
            "only {} programs in {}; expected at least {MIN_CASES}",
            programs.len(),
            dir.display()
        ));
    }
    programs
        .into_iter()
        .map(|program| {
            let name = program
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with("mod_") {
                let text = std::fs::read_to_string(&program).unwrap_or_default();
                if !text.lines().any(|line| line.starts_with("import \"")) {
                    return Err(format!("{name}: a mod_ case imports a module"));
                }
            }
            let stdout = std::fs::read_to_string(program.with_extension("stdout"))
                .map_err(|e| format!("{name}: missing {name}.stdout: {e}"))?;
            let error = match std::fs::read_to_string(program.with_extension("error")) {
                Ok(text) => Some(ErrorKind::parse(text.trim()).ok_or_else(|| {
                    format!("{name}.error: `{}` is not an error kind", text.trim())
                })?),
                Err(_) => None,
            };
            let stderr = std::fs::read_to_string(program.with_extension("stderr"))
                .ok()
                .map(|text| text.trim_end().to_string());
            Ok(Case {
                name,
                program,
                stdout,
                error,
                stderr,
            })
        })
        .collect()
}

fn run_case(backend_args: &[&str], case: &Case) -> Result<(), Failed> {
    // Run from the cases' folder with the file's bare name, so that the locations in stack
    // traces (`NAME.aura:LINE:COL`) do not depend on where the repository is.
    let dir = case.program.parent().unwrap_or(Path::new("."));
    let file = case.program.file_name().unwrap_or_default();
    let output = Command::new(env!("CARGO_BIN_EXE_aura"))
        .args(backend_args)
        .arg(file)
        .current_dir(dir)
        .env("AURA_GC_TRIGGER", GC_TRIGGER)
        .output()
        .map_err(|e| format!("cannot start aura: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut problems = Vec::new();
    if stdout != case.stdout {
        problems.push(format!(
            "stdout differs\n--- expected\n{}--- got\n{stdout}",
            case.stdout
        ));
    }
    match case.error {
        None => {
            if !output.status.success() {
                problems.push(format!("expected success, got {}\n{stderr}", output.status));
            }
        }
        Some(kind) => {
            let expected = format!("runtime error: {kind}:");
            let first = stderr.lines().next().unwrap_or("");
            if output.status.code() != Some(1) || !first.starts_with(&expected) {
                problems.push(format!(
                    "expected exit 1 with `{expected} ...` first on stderr, got {}\n{stderr}",
                    output.status
                ));
            }
        }
    }
    match &case.stderr {
        Some(expected) if expected.contains('\n') && stderr.trim_end() != expected => {
            problems.push(format!(
                "stderr differs\n--- expected\n{expected}\n--- got\n{stderr}"
            ));
        }
        Some(expected) if !expected.contains('\n') => {
            let first = stderr.lines().next().unwrap_or("");
            if first != expected {
                problems.push(format!(
                    "first line of stderr differs\n--- expected\n{expected}\n--- got\n{first}"
                ));
            }
        }
        _ => {}
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}
