//! The plugin author's tools: `aura fmt` on paths, colour, shell completions, `aura test`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn aura_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aura"));
    let _ = command
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        let _ = command.env(k, v);
    }
    let mut child = command.spawn().expect("start aura");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin.unwrap_or("").as_bytes())
        .expect("write stdin");
    drop(pipe);
    child.wait_with_output().expect("wait for aura")
}

fn aura(args: &[&str]) -> Output {
    aura_with(args, &[], None)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory that lives as long as the test.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("aura-tools-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Dir(dir)
    }

    fn file(&self, name: &str, contents: &str) -> String {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("sub dir");
        }
        std::fs::write(&path, contents).expect("write scratch file");
        path.to_str().expect("utf-8 path").to_string()
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(path)).expect("read back")
}

#[test]
fn fmt_check_diffs_and_write_rewrites_a_directory_keeping_comments() {
    let dir = Dir::new("fmt");
    let a = dir.file("a.aura", "fn  main() { // entry\n  print(1) } // done\n");
    let b = dir.file("sub/b.aura", "// header\nlet x=1\n");
    let canonical = dir.file("sub/c.aura", "let y = 2\n");
    let _ignored = dir.file("notes.txt", "not aura");

    let check = aura(&["fmt", "--check", dir.path()]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    let diff = text(&check.stdout);
    assert!(diff.contains(&format!("--- {a}")), "{diff}");
    assert!(
        diff.contains("+let x = 1") && diff.contains("-let x=1"),
        "{diff}"
    );
    assert!(!diff.contains("c.aura"), "{diff}");

    let write = aura(&["fmt", "--write", dir.path()]);
    assert_eq!(write.status.code(), Some(0), "{}", text(&write.stderr));
    assert_eq!(
        read(&a),
        "fn main() {\n    // entry\n    print(1)\n} // done\n"
    );
    assert_eq!(read(&b), "// header\nlet x = 1\n");
    assert_eq!(read(&canonical), "let y = 2\n");
    let again = aura(&["fmt", "--check", dir.path()]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    assert_eq!(text(&again.stdout), "");
}

#[test]
fn fmt_reads_standard_input() {
    let out = aura_with(&["fmt", "-"], &[], Some("let  a = [1,2] // two\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "let a = [1, 2] // two\n");
}

#[test]
fn fmt_reports_syntax_errors_and_missing_paths() {
    let out = aura_with(&["fmt", "-"], &[], Some("/* block */\nfn main() {}\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no block comments"),
        "{}",
        text(&out.stderr)
    );
    let out = aura(&["fmt", "/nonexistent/x.aura"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read"));
    let out = aura(&["fmt"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn diagnostics_are_coloured_only_when_asked_or_on_a_terminal() {
    let dir = Dir::new("color");
    let bad = dir.file("bad.aura", "fn main() {\n    print(y)\n}\n");
    let escape = "\u{1b}[";
    // Piped: plain, as the snapshots are.
    let plain = aura(&["check", &bad]);
    assert_eq!(plain.status.code(), Some(1));
    assert!(
        !text(&plain.stderr).contains(escape),
        "{}",
        text(&plain.stderr)
    );
    assert!(text(&plain.stderr).contains("unknown name `y`"));
    let always = aura(&["check", &bad, "--color", "always"]);
    assert!(
        text(&always.stderr).contains(escape),
        "{}",
        text(&always.stderr)
    );
    assert!(text(&always.stderr).contains("unknown name `y`"));
    let never = aura_with(&["--color", "never", "check", &bad], &[], None);
    assert!(!text(&never.stderr).contains(escape));
    let bad_choice = aura(&["check", &bad, "--color", "sometimes"]);
    assert_eq!(bad_choice.status.code(), Some(2));
}

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let out = aura(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for word in ["fmt", "run", "completions", "color"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    // The bash script is valid bash.
    let out = aura(&["completions", "bash"]);
    if let Ok(mut bash) = Command::new("bash")
        .args(["-n"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        let mut pipe = bash.stdin.take().expect("stdin");
        pipe.write_all(&out.stdout).expect("write");
        drop(pipe);
        let status = bash.wait_with_output().expect("bash");
        assert!(status.status.success(), "{}", text(&status.stderr));
    }
    assert_eq!(aura(&["completions", "tcsh"]).status.code(), Some(2));
}

const PASSING: &str = r#"let base = 10

fn add(a, b) {
    return a + b
}

fn test_add() {
    assert(add(1, 2) == 3, "1 + 2 is 3")
}

fn test_global() {
    print("checking base")
    assert(base == 10)
}

fn main() {
    print("main is not run by aura test")
}
"#;

const FAILING: &str = r#"fn test_ok() {
    assert(true)
}

fn test_wrong() {
    assert(1 + 1 == 3, "one plus one is not three")
}
"#;

#[test]
fn test_runs_test_functions_on_every_target() {
    let dir = Dir::new("test");
    let pass = dir.file("pass.aura", PASSING);
    let fail = dir.file("fail.aura", FAILING);
    for target in ["interp", "wasm", "native"] {
        let out = aura(&["test", &pass, "--target", target]);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{target}: {stdout}{}",
            text(&out.stderr)
        );
        assert_eq!(
            stdout,
            format!(
                "test {pass}::test_add ... ok\nchecking base\ntest {pass}::test_global ... ok\n\
                 2 passed, 0 failed\n"
            ),
            "{target}"
        );

        let out = aura(&["test", &fail, "--target", target]);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{target}: {stdout}{}",
            text(&out.stderr)
        );
        assert_eq!(
            stdout,
            format!(
                "test {fail}::test_ok ... ok\ntest {fail}::test_wrong ... FAILED\n    \
                 runtime error: assertion failed: one plus one is not three\n    \
                 in test_wrong at {fail}:6:5\n1 passed, 1 failed\n"
            ),
            "{target}"
        );
    }
    // A directory: both files; a file that does not check fails the run.
    let _broken = dir.file("sub/broken.aura", "fn test_x() {\n    print(nope)\n}\n");
    let out = aura(&["test", dir.path()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.ends_with("3 passed, 2 failed\n"), "{stdout}");
    assert!(text(&out.stderr).contains("unknown name `nope`"));
}

/// `aura repl` in a pseudo-terminal (driven by `tests/repl/pty_session.py` with python's `pty`):
/// definitions, multi-line input, values, diagnostics with carets, redefinition, history.
#[test]
fn repl_in_a_pseudo_terminal() {
    let python = Command::new("python3").arg("--version").output();
    if !python.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 is needed to drive the repl through a pty"
        );
        eprintln!("skipped: python3 is not installed");
        return;
    }
    let dir = Dir::new("repl");
    let history = dir.0.join("history");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/repl/pty_session.py");
    let lines = "fn sq(x) {\n    return x * x\n}\nsq(7)\nobject box {\n    n = 2\n\n    \
                 fn twice() {\n        return self.n * 2\n    }\n}\nbox.twice() + sq(2)\n\
                 \"text\"\nprint(nope)\nfn sq(x) { return x + 1 }\nsq(7)\nassert(1 == 2, \"no\")\n";
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_aura"))
        .arg(&history)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(lines.as_bytes()).expect("write lines");
    drop(pipe);
    let out = child.wait_with_output().expect("python3");
    let screen = text(&out.stdout).replace('\r', "");
    assert_eq!(out.status.code(), Some(0), "{screen}{}", text(&out.stderr));
    for expected in [
        "defined sq\n",
        "...   ",
        "49\n",
        "defined box\n",
        "8\n",
        "\"text\"\n",
        "[E0201] Error: unknown name `nope`",
        " 1 | print(nope)\n",
        "^",
        "runtime error: assertion failed: no\n",
    ] {
        assert!(screen.contains(expected), "no {expected:?} in:\n{screen}");
    }
    // The redefined sq is used: 7 + 1.
    let after = screen.split("defined sq\n").nth(2).unwrap_or_default();
    assert!(after.contains("8\n"), "{screen}");
    let saved = std::fs::read_to_string(&history).unwrap_or_default();
    assert!(saved.contains("sq(7)"), "history: {saved}");
}
