//! `aura run --target wasm` and `aura build --target wasm` through the real binary: the sandbox's
//! limits end runaway programs with the interpreter's error kinds, and a built module imports
//! only what the program declared.

#[path = "support/cli.rs"]
mod support;
use support::{aura, text, Scratch};

/// Runs FILE on wasm with `extra` options and checks it fails with `kind` after printing `stdout`.
fn fails_with(source: &str, extra: &[&str], stdout: &str, kind: &str) {
    let file = Scratch::new(
        &format!("{}.aura", kind.replace(' ', "_")),
        source.as_bytes(),
    );
    let mut args = vec!["run", "--target", "wasm"];
    args.extend_from_slice(extra);
    args.push(file.path());
    let out = aura(&args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("runtime error: {kind}: ")),
        "{stderr}"
    );
    assert_eq!(text(&out.stdout), stdout);
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    fails_with(
        "fn main() {\n    print(\"start\")\n    let i = 0\n    while true { i = i + 1 }\n}\n",
        &["--fuel", "1000000"],
        "start\n",
        "out of fuel",
    );
}

#[test]
fn an_allocation_bomb_runs_out_of_memory() {
    fails_with(
        "fn main() {\n    let xs = []\n    while true { push(xs, \"some text \" + str(len(xs))) }\n}\n",
        &["--max-memory", "16M"],
        "",
        "out of memory",
    );
}

#[test]
fn deep_recursion_is_a_stack_overflow() {
    let source =
        "fn down(n) { return down(n + 1) + 1 }\nfn main() {\n    print(\"deep\")\n    down(0)\n}\n";
    // At the depth limit, as on the interpreter...
    fails_with(source, &[], "deep\n", "stack overflow");
    // ...and when the limit is out of reach, at the end of the wasm stack.
    fails_with(
        source,
        &["--max-depth", "1000000000"],
        "deep\n",
        "stack overflow",
    );
}

#[test]
fn runs_within_the_limits() {
    let file = Scratch::new(
        "fine.aura",
        b"fn fib(n) {\n    if n < 2 { return n }\n    return fib(n - 1) + fib(n - 2)\n}\nfn main() { print(fib(20), [1.5, \"x\"]) }\n",
    );
    let out = aura(&[
        "run",
        "--target",
        "wasm",
        "--fuel",
        "100000000",
        "--max-memory",
        "64M",
        file.path(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "6765 [1.5, \"x\"]\n");
}

/// The names of a module's imports, in order.
fn imports(wasm: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::ImportSection(reader)) = payload {
            for import in reader {
                names.push(import.expect("a valid import").name.to_string());
            }
        }
    }
    names
}

#[test]
fn build_writes_a_module_that_imports_only_declared_capabilities() {
    let plain = Scratch::new("plain.aura", b"fn main() { print(1) }\n");
    let logs = Scratch::new("logs.aura", b"uses log\nfn main() { log.info(\"hi\") }\n");
    let catches = Scratch::new(
        "catches.aura",
        b"fn main() { try { print(1 / 0) } catch e { print(e.kind) } }\n",
    );
    for (file, expected) in [
        (&plain, vec!["aura_write", "aura_fail"]),
        (&logs, vec!["aura_write", "aura_fail", "aura_cap_log"]),
        (&catches, vec!["aura_write", "aura_fail", "aura_try"]),
    ] {
        let target = format!("{}.wasm", file.path());
        let out = aura(&["build", file.path(), "--target", "wasm", "-o", &target]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let wasm = std::fs::read(&target).expect("the module was written");
        let _ = std::fs::remove_file(&target);
        wasmparser::Validator::new()
            .validate_all(&wasm)
            .expect("a valid module");
        let mut got = imports(&wasm);
        got.sort();
        let mut expected: Vec<String> = expected.into_iter().map(String::from).collect();
        expected.sort();
        assert_eq!(got, expected);
    }
}
