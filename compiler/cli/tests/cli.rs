//! End-to-end tests of the `aura` command line: exit codes, streams, and the UAST round trip.

#[path = "support/cli.rs"]
mod support;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{aura, text, Scratch};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn run_prints_and_exits_zero() {
    let file = Scratch::new(
        "hello.aura",
        b"fn main() {\n    print(\"hi\", 1, 2.5, nil)\n}\n",
    );
    let out = aura(&["run", file.path()]);
    assert_eq!(text(&out.stdout), "hi 1 2.5 nil\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn runtime_error_keeps_stdout_and_reports_kind_first() {
    let file = Scratch::new(
        "div.aura",
        b"fn main() {\n    print(\"before\")\n    print(1 / 0)\n}\n",
    );
    let out = aura(&["run", file.path()]);
    assert_eq!(text(&out.stdout), "before\n");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("runtime error: division by zero: "),
        "{stderr}"
    );
}

#[test]
fn audit_error_runs_nothing() {
    let file = Scratch::new(
        "bad.aura",
        b"fn main() {\n    print(\"side effect\")\n    print(nope)\n}\n",
    );
    let out = aura(&["run", file.path()]);
    assert_eq!(text(&out.stdout), "", "nothing may run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad.aura:3:11"),
        "file:line:col expected in\n{stderr}"
    );
    assert!(
        stderr.contains("print(nope)"),
        "source line expected in\n{stderr}"
    );
    assert!(stderr.contains('^'), "a caret expected in\n{stderr}");
}

#[test]
fn syntax_error_runs_nothing() {
    let file = Scratch::new("syntax.aura", b"fn main() {\n    let = 1\n}\n");
    let out = aura(&["run", file.path()]);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("syntax.aura:2:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(aura(&[]).status.code(), Some(2));
    assert_eq!(aura(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(aura(&["run"]).status.code(), Some(2));
    assert_eq!(aura(&["run", "/nonexistent/x.aura"]).status.code(), Some(2));
    assert_eq!(
        aura(&["run", "x.aura", "--target", "mars"]).status.code(),
        Some(2)
    );
    assert_eq!(
        aura(&["run", "x.aura", "--max-memory", "12Q"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["run", "check", "ast", "fmt", "build"] {
        let out = aura(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub} --help");
        let help = text(&out.stdout);
        assert!(
            help.contains("Usage: aura"),
            "{sub} --help printed:\n{help}"
        );
    }
}

#[test]
fn check_json_reports_diagnostics_and_mutation_facts() {
    let src = b"object counter {\n    count = 0\n    fn bump() { self.count = self.count + 1 }\n    fn peek() { return self.count }\n}\n";
    let file = Scratch::new("facts.aura", src);
    let out = aura(&["check", file.path(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(report["ok"], true);
    let methods = report["methods"].as_array().expect("methods array");
    let mutates = |name: &str| {
        methods
            .iter()
            .find(|m| m["method"] == name)
            .map(|m| m["mutates"].clone())
    };
    assert_eq!(mutates("bump"), Some(serde_json::Value::Bool(true)));
    assert_eq!(mutates("peek"), Some(serde_json::Value::Bool(false)));

    let bad = Scratch::new("bad.aura", b"fn main() {\n    print(x)\n}\n");
    let out = aura(&["check", bad.path(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(report["ok"], false);
    let first = &report["diagnostics"][0];
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 11);
    assert!(
        first["code"].as_str().is_some_and(|c| c.starts_with("E02")),
        "{first}"
    );
}

#[test]
fn ast_json_runs_the_same_as_source() {
    let src =
        b"let base = 40\nfn add(a, b) { return a + b }\nfn main() {\n    print(add(base, 2))\n}\n";
    let file = Scratch::new("prog.aura", src);
    let out = aura(&["ast", file.path()]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("uast json");
    assert_eq!(doc["schema"], "aura-uast");
    assert_eq!(doc["version"], 1);
    let defs = doc["definitions"].as_array().expect("definitions");
    assert!(defs
        .iter()
        .any(|d| d["name"] == "add" && d["hash"].as_str().is_some_and(|h| h.len() == 64)));

    let json = Scratch::new("prog.json", &out.stdout);
    let run = aura(&["run", json.path()]);
    assert_eq!(text(&run.stdout), "42\n", "{}", text(&run.stderr));

    let built = Scratch::new("built.json", b"");
    let out = aura(&["build", file.path(), "--target", "uast", "-o", built.path()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run = aura(&["run", built.path()]);
    assert_eq!(text(&run.stdout), "42\n");
}

#[test]
fn hashes_change_only_for_changed_definitions() {
    let hashes = |src: &[u8]| {
        let file = Scratch::new("h.aura", src);
        let out = aura(&["ast", file.path()]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("uast json");
        doc["definitions"].as_array().expect("definitions").clone()
    };
    let a = hashes(b"fn f() { return 1 }\nfn g() { return 2 }\n");
    let b = hashes(b"fn f() {   return 1 }  // moved\n\n\nfn g() { return 3 }\n");
    assert_eq!(a[0]["hash"], b[0]["hash"], "f only moved");
    assert_ne!(a[1]["hash"], b[1]["hash"], "g changed");
}

#[test]
fn bad_uast_json_is_a_diagnostic() {
    for (name, body) in [
        ("garbage.json", &b"{ not json"[..]),
        (
            "wrongver.json",
            b"{\"schema\":\"aura-uast\",\"version\":999,\"module\":{\"items\":[]}}",
        ),
        ("deep.json", &[b'['; 100_000][..]),
    ] {
        let file = Scratch::new(name, body);
        let out = aura(&["run", file.path()]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("UAST"),
            "{name}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn invalid_utf8_is_a_diagnostic() {
    let file = Scratch::new("latin1.aura", b"fn main() { print(\"caf\xe9\") }\n");
    let out = aura(&["run", file.path()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("UTF-8"), "{}", text(&out.stderr));
}

#[test]
fn fmt_check_accepts_canonical_and_rejects_other_layouts() {
    let messy = Scratch::new("messy.aura", b"fn   main( ) {print( 1+2 )}\n");
    let out = aura(&["fmt", messy.path()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let canonical = Scratch::new("canon.aura", &out.stdout);
    assert_eq!(
        aura(&["fmt", canonical.path(), "--check"]).status.code(),
        Some(0)
    );
    assert_eq!(
        aura(&["fmt", messy.path(), "--check"]).status.code(),
        Some(1)
    );
}

#[test]
fn fuel_and_memory_limits_end_cleanly() {
    let spin = Scratch::new("spin.aura", b"fn main() {\n    while true { }\n}\n");
    let out = aura(&["run", spin.path(), "--fuel", "10000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("runtime error: out of fuel"),
        "{}",
        text(&out.stderr)
    );

    let bomb = Scratch::new(
        "bomb.aura",
        b"fn main() {\n    let s = \"x\"\n    while true { s = s + s }\n}\n",
    );
    let out = aura(&["run", bomb.path(), "--max-memory", "16M"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("runtime error: out of memory"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn million_deep_recursion_is_a_stack_overflow() {
    let deep = Scratch::new(
        "deep.aura",
        b"fn down(n) {\n    if n == 0 { return 0 }\n    return down(n - 1) + 1\n}\nfn main() {\n    print(down(1000000))\n}\n",
    );
    let out = aura(&["run", deep.path()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("runtime error: stack overflow"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn examples_pass_check() {
    let dir = repo().join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("examples dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "aura") {
            seen += 1;
            let out = aura(&["check", path.to_str().expect("utf-8 path")]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}:\n{}",
                path.display(),
                text(&out.stderr)
            );
        }
    }
    assert!(
        seen >= 4,
        "expected hello, counter, dnu and meshfs examples"
    );
}

/// Garbage of every sort must give a diagnostic and exit 1, never a panic (exit 101).
#[test]
fn random_bytes_never_crash_the_cli() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet =
        b"fn main(){}[]()\"\\ \n;,.:=+-*/%<>!letifelsewhilereturnobjectpluginrouteuses0x9e_1.5";
    for i in 0..60 {
        let len = (next() % 300) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if i % 2 == 0 {
                    alphabet[(next() as usize) % alphabet.len()]
                } else {
                    next() as u8
                }
            })
            .collect();
        let file = Scratch::new(&format!("rand{i}.aura"), &bytes);
        let out = aura(&["check", file.path()]);
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(1),
            "input {i} gave {code:?}:\n{}",
            text(&out.stderr)
        );
    }
}

/// Output that cannot be written (here: a full device) is an error, not a silent success.
#[test]
fn unwritable_stdout_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux: nothing to test
    };
    let hello = repo().join("examples/hello.aura");
    let out = Command::new(env!("CARGO_BIN_EXE_aura"))
        .args(["run", hello.to_str().expect("utf-8 path")])
        .stdout(full)
        .output()
        .expect("run aura");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot write to standard output"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn build_native_object_needs_only_the_documented_symbols() {
    let file = Scratch::new(
        "native_obj.aura",
        b"uses store, log, clock\nfn main() {\n    print(\"hi\")\n}\n",
    );
    let object = Scratch::new("native_obj.o", b"");
    let out = aura(&[
        "build",
        file.path(),
        "--target",
        "native",
        "-o",
        object.path(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let nm = Command::new("nm")
        .args(["-u", object.path()])
        .output()
        .expect("nm runs");
    let undefined: Vec<String> = text(&nm.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .collect();
    // spec/abi.md, "External symbols"
    assert_eq!(
        undefined,
        [
            "aura_cap_clock",
            "aura_cap_log",
            "aura_cap_store",
            "aura_fail",
            "aura_heap_base",
            "aura_heap_size",
            "aura_write"
        ]
    );
}

#[test]
fn build_native_exe_runs_like_aura_run() {
    let file = Scratch::new(
        "native_exe.aura",
        b"fn f(n) { if n == 0 { return 0 } return f(n - 1) + 1 }\nfn main() {\n    print(\"deep\", f(50))\n    print(f(100))\n}\n",
    );
    let exe = Scratch::new("native_exe", b"");
    let out = aura(&[
        "build",
        file.path(),
        "--target",
        "native",
        "--emit",
        "exe",
        "-o",
        exe.path(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run = Command::new(exe.path()).output().expect("runs");
    assert_eq!(text(&run.stdout), "deep 50\n100\n");
    assert_eq!(run.status.code(), Some(0));
    // the depth limit comes from the environment
    let run = Command::new(exe.path())
        .env("AURA_MAX_DEPTH", "60")
        .output()
        .expect("runs");
    assert_eq!(text(&run.stdout), "deep 50\n");
    assert!(text(&run.stderr).starts_with("runtime error: stack overflow:"));
    assert_eq!(run.status.code(), Some(1));
    // and through `aura run --max-depth`
    let run = aura(&[
        "run",
        file.path(),
        "--target",
        "native",
        "--max-depth",
        "60",
    ]);
    assert_eq!(text(&run.stdout), "deep 50\n");
    assert!(text(&run.stderr).starts_with("runtime error: stack overflow:"));
    assert_eq!(run.status.code(), Some(1));
}

#[test]
fn native_usage_errors_exit_two() {
    let file = Scratch::new("native_usage.aura", b"fn main() {}\n");
    let fuel = aura(&["run", file.path(), "--target", "native", "--fuel", "10"]);
    assert_eq!(fuel.status.code(), Some(2));
    let emit = aura(&[
        "build",
        file.path(),
        "--target",
        "uast",
        "--emit",
        "exe",
        "-o",
        "/dev/null",
    ]);
    assert_eq!(emit.status.code(), Some(2));
}

#[test]
fn native_unwritable_stdout_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux: nothing to test
    };
    let hello = repo().join("examples/hello.aura");
    let out = Command::new(env!("CARGO_BIN_EXE_aura"))
        .args([
            "run",
            "--target",
            "native",
            hello.to_str().expect("utf-8 path"),
        ])
        .stdout(full)
        .output()
        .expect("run aura");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot write to standard output"),
        "{}",
        text(&out.stderr)
    );
}

/// Issue 11: `str()` and `json_encode()` of a structure that shares its parts (`a = [a, a]` sixty
/// times: 2^60 elements written out) are `out of memory` on every backend, never an abort or a
/// hang; and builtins cost fuel in proportion to their work, so a `sha256()` loop over a large
/// string runs out of fuel (it used to run 40 s and more on the statements' fuel alone).
#[test]
fn builtins_on_shared_or_large_values_are_bounded_on_every_backend() {
    for (name, call) in [("str", "str(a)"), ("json", "json_encode(a)")] {
        let source = format!(
            "fn main() {{\n    let a = [1]\n    for i in range(60) {{ a = [a, a] }}\n    print(len({call}))\n}}\n"
        );
        let file = Scratch::new(&format!("shared_{name}.aura"), source.as_bytes());
        for target in ["interp", "wasm", "native"] {
            let out = aura(&["run", file.path(), "--target", target, "--max-memory", "8M"]);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{name} on {target}: {stderr}");
            assert!(
                stderr.starts_with("runtime error: out of memory"),
                "{name} on {target}: {stderr}"
            );
        }
    }
    let hashing = Scratch::new(
        "sha_loop.aura",
        b"fn main() {\n    let s = \"x\"\n    for i in range(20) { s = s + s }\n    while true {\n        sha256(s)\n        print(\"hashed\")\n    }\n}\n",
    );
    // 40 000 units of fuel: thousands of statements, but each sha256() of 1 MiB costs 16 384.
    let out = aura(&["run", hashing.path(), "--fuel", "40000"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("runtime error: out of fuel"), "{stderr}");
    assert_eq!(text(&out.stdout), "hashed\nhashed\n");
}

/// A program of several modules: `aura ast` records the module graph (version 2), and the
/// document runs with no file read, on every target; a diagnostic in an imported module names
/// its file.
#[test]
fn programs_of_several_modules() {
    let dir = std::env::temp_dir().join(format!("aura-cli-modules-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).expect("temp dir");
    let write = |name: &str, source: &str| std::fs::write(dir.join(name), source).expect("write");
    write(
        "main.aura",
        "import \"lib/twice.aura\"\nimport \"std/strings\"\n\nfn main() {\n    print(pad_left(twice(21), 4, \".\"))\n}\n",
    );
    write("lib/twice.aura", "fn twice(x) {\n    return x * 2\n}\n");
    let main = dir.join("main.aura");
    let main = main.to_str().expect("utf-8 temp path");
    for target in ["interp", "wasm", "native"] {
        let run = aura(&["run", main, "--target", target]);
        assert_eq!(
            text(&run.stdout),
            "..42\n",
            "{target}: {}",
            text(&run.stderr)
        );
    }
    let out = aura(&["ast", main, "--no-spans"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("uast json");
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["path"], main);
    let lib = dir.join("lib/twice.aura").to_str().map(str::to_string);
    assert_eq!(doc["imports"], serde_json::json!([lib, "std/strings"]));
    let modules = doc["modules"].as_array().expect("modules");
    let paths: Vec<&str> = modules.iter().filter_map(|m| m["path"].as_str()).collect();
    assert_eq!(paths, [lib.as_deref().unwrap_or(""), "std/strings"]);
    assert!(modules
        .iter()
        .all(|m| m["content_hash"].as_str().is_some_and(|h| h.len() == 64)));
    // The document runs with its modules: the library file is gone by then.
    let built = dir.join("built.json");
    let built = built.to_str().expect("utf-8 temp path");
    let out = aura(&["build", main, "--target", "uast", "-o", built]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::remove_file(dir.join("lib/twice.aura")).expect("remove");
    let run = aura(&["run", built, "--target", "wasm"]);
    assert_eq!(text(&run.stdout), "..42\n", "{}", text(&run.stderr));
    // Now the source program misses its library: the error names the path that was tried.
    let check = aura(&["check", main]);
    assert_eq!(check.status.code(), Some(1));
    let err = text(&check.stderr);
    assert!(
        err.contains("E0243") && err.contains("lib/twice.aura"),
        "{err}"
    );
    // A diagnostic inside an imported module is drawn against that module's file.
    write("lib/twice.aura", "fn twice(x) {\n    return x * nope\n}\n");
    let check = aura(&["check", main]);
    let err = text(&check.stderr);
    assert!(err.contains("lib/twice.aura:2:16"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Version 1 documents are still read; a future version is refused with a clear error.
#[test]
fn uast_versions() {
    let v1 = Scratch::new(
        "v1.json",
        br#"{"schema": "aura-uast", "version": 1, "module": {"items": [{"kind": "fn", "name": {"name": "main"}, "params": [], "body": {"stmts": [{"kind": "expr", "expr": {"kind": "call", "callee": {"kind": "var", "name": "print"}, "args": [{"kind": "int", "value": 1}]}}]}}]}}"#,
    );
    let run = aura(&["run", v1.path()]);
    assert_eq!(text(&run.stdout), "1\n", "{}", text(&run.stderr));
    let v3 = Scratch::new(
        "v3.json",
        br#"{"schema": "aura-uast", "version": 3, "module": {"items": []}}"#,
    );
    let run = aura(&["run", v3.path()]);
    assert_eq!(run.status.code(), Some(1));
    let err = text(&run.stderr);
    assert!(
        err.contains("E0001") && err.contains("versions 1 and 2"),
        "{err}"
    );
}

/// `examples/modules`: the output its README gives, on every target.
#[test]
fn modules_example_runs_as_documented() {
    let main = repo().join("examples/modules/main.aura");
    let main = main.to_str().expect("utf-8 path");
    let expected =
        "apple...  3 x  0.40\npear....  2 x  0.65\nfig..... 12 x  0.25\n              total 5.50\n";
    for target in ["interp", "wasm", "native"] {
        let run = aura(&["run", main, "--target", target]);
        assert_eq!(
            text(&run.stdout),
            expected,
            "{target}: {}",
            text(&run.stderr)
        );
    }
}
