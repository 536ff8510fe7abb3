//! Aura without an operating system: examples/baremetal builds a program with
//! `aura build --target native` into a Multiboot kernel, qemu boots it, and the serial output
//! must be exactly what the interpreter prints.
//!
//! Needs qemu-system-x86_64, gcc, ld and objcopy. Without them the tests print a skip note, except
//! under CI=true, where a missing tool is a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn baremetal() -> PathBuf {
    repo().join("examples/baremetal")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn output(command: &mut Command) -> Output {
    match command.output() {
        Ok(output) => output,
        Err(e) => panic!("cannot start {command:?}: {e}"),
    }
}

/// Whether the tools are here; a missing one skips the test (fails it under CI=true).
fn tools_present(test: &str) -> bool {
    let missing: Vec<&str> = ["qemu-system-x86_64", "gcc", "ld", "objcopy"]
        .into_iter()
        .filter(|tool| Command::new(tool).arg("--version").output().is_err())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let note = format!("{test}: skipped, missing {}", missing.join(", "));
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{note} (CI=true requires them)");
    }
    eprintln!("{note}");
    false
}

/// A directory of its own for one test, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("aura-baremetal-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Scratch(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// build.sh PROG KERNEL with this test's aura binary.
fn build_kernel(prog: &Path, kernel: &Path) {
    let mut command = Command::new("sh");
    let _ = command.arg(baremetal().join("build.sh"));
    // An Aura program is built from its folder by its bare name, so that its stack traces name
    // the file as the conformance harness does (`NAME.aura:LINE:COL`).
    match (prog.parent(), prog.file_name()) {
        (Some(dir), Some(name)) if prog.extension().is_some_and(|x| x == "aura") => {
            let _ = command.current_dir(dir).arg(name);
        }
        _ => {
            let _ = command.arg(prog);
        }
    }
    let _ = command.arg(kernel).env("AURA", env!("CARGO_BIN_EXE_aura"));
    let out = output(&mut command);
    assert!(
        out.status.success(),
        "build.sh {} failed ({}):\n{}{}",
        prog.display(),
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// run.sh KERNEL: the serial output and run.sh's status (0 success, 1 runtime error, ...).
fn boot(kernel: &Path) -> (String, Option<i32>, String) {
    let out = output(
        Command::new("sh")
            .arg(baremetal().join("run.sh"))
            .arg(kernel)
            // Software emulation on a loaded machine: generous, but bounded.
            .env("AURA_QEMU_TIMEOUT", "60"),
    );
    (text(&out.stdout), out.status.code(), text(&out.stderr))
}

/// `aura run` from the program's folder, like `build_kernel` builds it (the same trace FILE).
fn interpret(prog: &Path) -> Output {
    output(
        Command::new(env!("CARGO_BIN_EXE_aura"))
            .arg("run")
            .arg(prog.file_name().unwrap_or_default())
            .current_dir(prog.parent().unwrap_or(Path::new("."))),
    )
}

#[test]
fn hello_boots_and_prints_what_the_interpreter_prints() {
    if !tools_present("hello_boots_and_prints_what_the_interpreter_prints") {
        return;
    }
    let prog = baremetal().join("hello.aura");
    let expected = interpret(&prog);
    assert_eq!(
        expected.status.code(),
        Some(0),
        "{}",
        text(&expected.stderr)
    );
    assert!(!expected.stdout.is_empty());

    let scratch = Scratch::new("hello");
    let kernel = scratch.path("hello.bin");
    build_kernel(&prog, &kernel);
    let (serial, status, stderr) = boot(&kernel);
    assert_eq!(serial, text(&expected.stdout), "qemu stderr:\n{stderr}");
    assert_eq!(status, Some(0), "run.sh status; qemu stderr:\n{stderr}");
}

#[test]
fn runtime_error_prints_its_kind_on_serial_and_exits_with_the_failure_code() {
    if !tools_present("runtime_error_prints_its_kind_on_serial") {
        return;
    }
    let scratch = Scratch::new("div");
    let prog = scratch.path("div.aura");
    std::fs::write(
        &prog,
        "fn main() {\n    print(\"before\", 1.5)\n    let zero = len([])\n    print(7 / zero)\n    print(\"after\")\n}\n",
    )
    .expect("write program");
    let expected = interpret(&prog);
    assert_eq!(expected.status.code(), Some(1));
    // The error line and its stack trace, as the interpreter prints them.
    let error_line = text(&expected.stderr).trim_end().to_string();
    assert!(
        error_line.starts_with("runtime error: division by zero: "),
        "{error_line}"
    );
    assert!(
        error_line.ends_with("\n  at main (div.aura:4:5)"),
        "{error_line}"
    );

    let kernel = scratch.path("div.bin");
    build_kernel(&prog, &kernel);
    let (serial, status, stderr) = boot(&kernel);
    // Both streams share the serial line: the output before the error, then the error.
    assert_eq!(
        serial,
        format!("{}{error_line}\n", text(&expected.stdout)),
        "qemu stderr:\n{stderr}"
    );
    assert_eq!(status, Some(1), "run.sh status; qemu stderr:\n{stderr}");
}

/// The boot path alone, with a C stand-in for a compiled program: long mode, SSE, the heap, a
/// 10 000-deep recursion on the kernel stack, aura_fail and a CPU exception.
#[test]
fn boot_path_runs_a_stand_in_object() {
    if !tools_present("boot_path_runs_a_stand_in_object") {
        return;
    }
    let scratch = Scratch::new("stand-in");
    let kernel = scratch.path("fake.bin");
    build_kernel(&baremetal().join("test/fake_aura.c"), &kernel);
    let (serial, status, stderr) = boot(&kernel);
    let lines: Vec<&str> = serial.lines().collect();
    assert_eq!(lines.first(), Some(&"hello from the stand-in"), "{serial}");
    assert!(lines.contains(&"float ok: 30"), "{serial}");
    assert!(lines.contains(&"depth: 10000"), "{serial}");
    assert!(
        lines.iter().any(|l| l.starts_with("heap MiB: ")),
        "{serial}"
    );
    assert_eq!(status, Some(0), "qemu stderr:\n{stderr}");

    // aura_fail: the kind's name, the message, the runtime-error status.
    let source = scratch.path("fail.c");
    std::fs::write(
        &source,
        "void aura_fail(int kind, const unsigned char *p, unsigned long long n);\n\
         long long aura_main(void) { aura_fail(2, (const unsigned char *)\"too big\", 7); }\n",
    )
    .expect("write stand-in");
    let kernel = scratch.path("fail.bin");
    build_kernel(&source, &kernel);
    let (serial, status, stderr) = boot(&kernel);
    assert_eq!(serial, "runtime error: integer overflow: too big\n");
    assert_eq!(status, Some(1), "qemu stderr:\n{stderr}");

    // A CPU exception is reported, with the "could not run" status, instead of a silent reset.
    let source = scratch.path("ud.c");
    std::fs::write(
        &source,
        "long long aura_main(void) { __asm__ volatile(\"ud2\"); return 0; }\n",
    )
    .expect("write stand-in");
    let kernel = scratch.path("ud.bin");
    build_kernel(&source, &kernel);
    let (serial, status, stderr) = boot(&kernel);
    assert!(
        serial.contains("cpu exception 6 (invalid opcode)"),
        "{serial}"
    );
    assert_eq!(status, Some(2), "qemu stderr:\n{stderr}");
}

/// Every conformance case that needs no capability, booted: the serial output is the expected
/// standard output, followed for error cases by the `runtime error: KIND:` line.
#[test]
fn conformance_cases_run_on_bare_metal() {
    if !tools_present("conformance_cases_run_on_bare_metal") {
        return;
    }
    let dir = repo().join("tests/conformance");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/conformance")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|x| x == "aura"))
        .collect();
    cases.sort();
    let scratch = Scratch::new("conformance");
    let kernel = scratch.path("case.bin");
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        let source = std::fs::read_to_string(case).expect("read case");
        // Capabilities answer "not available" on bare metal: those cases expect a host.
        if source
            .lines()
            .any(|line| line.trim_start().starts_with("uses "))
        {
            continue;
        }
        ran += 1;
        let name = case.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        let expected = std::fs::read_to_string(case.with_extension("stdout")).unwrap_or_default();
        let kind = std::fs::read_to_string(case.with_extension("error"))
            .ok()
            .map(|k| k.trim().to_string());
        build_kernel(case, &kernel);
        let (serial, status, stderr) = boot(&kernel);
        let ok = match &kind {
            None => serial == expected && status == Some(0),
            Some(kind) => {
                // The error's first line, then its stack trace: all of it when the case fixes
                // it (a `.stderr` of several lines), else only its shape.
                let rest = serial.strip_prefix(&expected).unwrap_or_default();
                let whole = std::fs::read_to_string(case.with_extension("stderr"))
                    .ok()
                    .map(|text| text.trim_end().to_string())
                    .filter(|text| text.contains('\n'));
                let trace_ok = match whole {
                    Some(whole) => rest.trim_end() == whole,
                    None => rest
                        .lines()
                        .skip(1)
                        .all(|l| l.starts_with("  at ") || l.starts_with("  ... ")),
                };
                rest.starts_with(&format!("runtime error: {kind}: "))
                    && rest.ends_with('\n')
                    && trace_ok
                    && status == Some(1)
            }
        };
        if !ok {
            failures.push(format!(
                "{name}: status {status:?}, serial:\n{serial}\nexpected:\n{expected}{}\n{stderr}",
                kind.as_deref()
                    .map(|k| format!("runtime error: {k}: ..."))
                    .unwrap_or_default()
            ));
        }
    }
    assert!(ran > 100, "only {ran} conformance cases found");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases differ on bare metal:\n{}",
        failures.len(),
        failures.join("\n---\n")
    );
}
