//! A real editor: Neovim (headless, its built-in LSP client) starts `aura lsp`, opens a file with
//! an error and an example, and `tests/nvim/lsp.lua` writes back what the client received: the
//! diagnostic as Neovim stores it, a hover, a definition, references and completion. Without `nvim` the test
//! skips with a reason, except under `CI=true`, where it fails (tests/run.sh installs neovim).

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long Neovim may take in all (each of its waits is bounded at 20 s too).
const TIMEOUT: Duration = Duration::from_secs(90);

fn nvim_available() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn neovim_reads_diagnostics_hover_definition_and_references() {
    if !nvim_available() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "nvim is not installed (CI=true: tests/run.sh installs neovim with apt-get)"
        );
        eprintln!("skipped: nvim is not installed (apt-get install neovim)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::temp_dir().join(format!("aura-nvim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.aura");
    std::fs::write(&bad, "fn main() {\n    print(greting)\n}\n").expect("write bad.aura");
    let out = dir.join("out.json");
    let script = root.join("compiler/cli/tests/nvim/lsp.lua");
    let example = root.join("examples/counter.aura");

    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("AURA", env!("CARGO_BIN_EXE_aura"))
        .env("AURA_BAD", &bad)
        .env("AURA_EXAMPLE", &example)
        .env("AURA_OUT", &out)
        // Neovim's state and the LSP log go to the temp dir, not the user's home.
        .env("XDG_STATE_HOME", &dir)
        .env("XDG_CACHE_HOME", &dir)
        .env("XDG_DATA_HOME", &dir)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nvim") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nvim did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let result: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("no results from nvim ({status}): {e}: {text:?}"));
    assert!(status.success(), "nvim: {status}: {result}");
    assert!(result.get("error").is_none(), "{result}");

    // The diagnostic of bad.aura, as Neovim stored it: line 2, column 11 (0-based 1, 10).
    let diagnostic = &result["diagnostic"];
    assert_eq!(diagnostic["count"], 1, "{result}");
    assert_eq!(diagnostic["code"], "E0201", "{result}");
    assert_eq!(diagnostic["line"], 1, "{result}");
    assert_eq!(diagnostic["column"], 10, "{result}");
    assert!(
        diagnostic["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown name `greting`")),
        "{result}"
    );
    // counter.aura has none.
    assert_eq!(result["example_diagnostics"], 0, "{result}");
    // `a.increment(1)`: a clone of counter, so counter's method, which writes self.count.
    let hover = result["hover"].as_str().unwrap_or_default();
    assert!(
        hover.contains("fn increment(by)") && hover.contains("mutates `self`: writes self.count"),
        "{result}"
    );
    // Its definition: `fn increment(by)` of counter, line 5 (0-based 4), column 8 (7).
    assert_eq!(result["definition"]["line"], 4, "{result}");
    assert_eq!(result["definition"]["character"], 7, "{result}");
    // The slot `count`: its definition and every `.count` of counter, loud and the clones.
    let expected = std::fs::read_to_string(&example)
        .expect("read counter.aura")
        .matches(".count")
        .count()
        + 1;
    assert_eq!(result["references"], expected, "{result}");
    // Completion after `a.`, a clone of counter: its slot and methods, in order.
    assert_eq!(
        result["completion"],
        serde_json::json!(["count", "increment", "reset"]),
        "{result}"
    );
}
