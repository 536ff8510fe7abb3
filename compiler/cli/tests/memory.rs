//! Bounded memory on the compiled backends, through the real binary: programs that allocate far
//! more than `--max-memory` in all but keep little live run to the end under the cap (the
//! collector reclaims the rest), and a program whose live data passes the cap stops with the
//! interpreter's `out of memory` line. A memory cap, not a timing.

#[path = "support/cli.rs"]
mod support;
use support::{aura, text, Scratch};

const TARGETS: &[&str] = &["wasm", "native"];

/// 2 M iterations, each building a string and a 3-element list: about 400 MB allocated in all,
/// a few hundred bytes live.
const ALLOCATION_LOOP: &str = "fn main() {
    let last = nil
    let i = 0
    while i < 2000000 {
        let s = \"item-\" + str(i)
        last = [s, i, 1.5]
        i = i + 1
    }
    print(last)
}
";

/// 200 000 small cycles (a list, a map and two objects each), dropped at once.
const CYCLE_LOOP: &str = "object node {
    fn link(other) { self.next = other }
}
fn main() {
    let n = 0
    for i in range(200000) {
        let l = [i]
        let m = {list: l}
        push(l, m)
        let a = clone(node)
        let b = clone(node)
        a.link(b)
        b.link(a)
        a.data = m
        n = n + len(l)
    }
    print(n)
}
";

fn runs_under_cap(name: &str, source: &str, cap: &str, stdout: &str) {
    let file = Scratch::new(name, source);
    for target in TARGETS {
        let out = aura(&["run", "--target", target, "--max-memory", cap, file.path()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{target}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), stdout, "{target}");
    }
}

#[test]
fn an_allocation_loop_runs_in_a_small_cap() {
    runs_under_cap(
        "alloc_loop.aura",
        ALLOCATION_LOOP,
        "64M",
        "[\"item-1999999\", 1999999, 1.5]\n",
    );
}

#[test]
fn a_cycle_loop_runs_in_a_small_cap() {
    runs_under_cap("cycle_loop.aura", CYCLE_LOOP, "64M", "400000\n");
}

#[test]
fn live_data_past_the_cap_is_out_of_memory_with_the_interpreters_message() {
    // Keeps everything: about 100 MB live, past a 32 MB cap.
    let source = "fn main() {
    print(\"start\")
    let keep = []
    let i = 0
    while i < 1000000 {
        push(keep, \"item-\" + str(i) + \"-padding-padding-padding\")
        i = i + 1
    }
    print(len(keep))
}
";
    let file = Scratch::new("keep_all.aura", source);
    let mut lines = Vec::new();
    for target in ["interp", "wasm", "native"] {
        let out = aura(&[
            "run",
            "--target",
            target,
            "--max-memory",
            "32M",
            file.path(),
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{target}: {stderr}");
        assert_eq!(text(&out.stdout), "start\n", "{target}");
        lines.push(stderr.lines().next().unwrap_or_default().to_string());
    }
    assert_eq!(
        lines[0],
        "runtime error: out of memory: the program used more memory than allowed"
    );
    assert!(lines.iter().all(|l| *l == lines[0]), "{lines:?}");
}

/// `try` does not catch the limits (spec/language.md, "Handling errors"): out of memory inside a
/// `try` still ends the program, on every backend, and so does out of fuel where there is fuel.
#[test]
fn try_does_not_catch_out_of_memory_or_out_of_fuel() {
    let source = b"fn main() {
    print(\"start\")
    let keep = []
    try {
        let i = 0
        while i < 1000000 {
            push(keep, \"item-\" + str(i) + \"-padding-padding-padding\")
            i = i + 1
        }
    } catch e {
        print(\"caught \" + e.kind)
    }
    print(\"not reached\")
}
";
    let file = Scratch::new("try_keep_all.aura", source);
    for target in ["interp", "wasm", "native"] {
        let out = aura(&[
            "run",
            "--target",
            target,
            "--max-memory",
            "32M",
            file.path(),
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{target}: {stderr}");
        assert_eq!(text(&out.stdout), "start\n", "{target}");
        assert!(
            stderr.starts_with("runtime error: out of memory:"),
            "{target}: {stderr}"
        );
    }
    let spin = Scratch::new(
        "try_spin.aura",
        b"fn main() {\n    try { while true { } } catch e { print(\"caught\") }\n}\n",
    );
    for target in ["interp", "wasm"] {
        let out = aura(&["run", "--target", target, "--fuel", "100000", spin.path()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{target}: {stderr}");
        assert_eq!(text(&out.stdout), "", "{target}");
        assert!(
            stderr.starts_with("runtime error: out of fuel:"),
            "{target}: {stderr}"
        );
    }
}
