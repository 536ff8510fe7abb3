//! Resource limits end in clean runtime errors, never in a crash.

mod support;

use aura_interp::{ErrorKind, Options};
use support::{run, run_with};

fn kind(result: &(String, Option<aura_interp::RuntimeError>)) -> Option<ErrorKind> {
    result.1.as_ref().map(|e| e.kind)
}

#[test]
fn unbounded_recursion_is_a_stack_overflow() {
    let r = run("fn f(n) { return f(n + 1) }\nfn main() { f(0) }");
    assert_eq!(kind(&r), Some(ErrorKind::StackOverflow));
}

#[test]
fn deep_recursion_works_on_a_small_thread_stack() {
    // The evaluator grows its stack on the heap: 9 000 nested calls on a 128 KiB thread.
    // (The front end runs on the test thread; only the interpreter runs on the small one.)
    let ok = support::check(
        "fn f(n) { if n == 0 { return 0 }\n return 1 + f(n - 1) }\nfn main() { print(f(9000)) }",
    );
    let overflow = support::check("fn f(n) { return f(n + 1) }\nfn main() { f(0) }");
    let handle = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            let run = |c: &aura_compiler::Checked| {
                let mut host = support::TestHost::default();
                let r = aura_interp::run(&c.module, &c.prelude, &Options::default(), &mut host);
                (host.out, r.err().map(|e| e.kind))
            };
            (run(&ok), run(&overflow))
        })
        .expect("thread");
    let (ok, overflow) = handle.join().expect("no crash");
    assert_eq!(ok, ("9000\n".to_string(), None));
    assert_eq!(overflow.1, Some(ErrorKind::StackOverflow));
}

/// A million nested calls with `max_depth` 2 000 000: in an optimised build this succeeds (about
/// 650 MB of stack segments). Past the 1 GiB stack budget a call is a clean `stack overflow`,
/// which is what an unoptimised (test) build, with its much larger frames, reports here.
#[test]
fn a_million_nested_calls_succeed_or_overflow_cleanly() {
    let options = Options {
        max_depth: 2_000_000,
        ..Options::default()
    };
    let r = run_with(
        "fn f(n) { if n == 0 { return 0 }\n return 1 + f(n - 1) }\nfn main() { print(f(1000000)) }",
        &options,
    );
    if cfg!(debug_assertions) {
        assert!(
            r.1.is_none() || kind(&r) == Some(ErrorKind::StackOverflow),
            "{r:?}"
        );
    } else {
        assert_eq!(r, ("1000000\n".to_string(), None));
    }
}

#[test]
fn max_depth_is_respected() {
    let options = Options {
        max_depth: 50,
        ..Options::default()
    };
    let src = "fn f(n) { if n == 0 { return 0 }\n return 1 + f(n - 1) }\nfn main() { print(f(40))\n print(f(60)) }";
    let r = run_with(src, &options);
    assert_eq!(r.0, "40\n");
    assert_eq!(kind(&r), Some(ErrorKind::StackOverflow));
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let options = Options {
        fuel: Some(10_000),
        ..Options::default()
    };
    let r = run_with(
        "fn main() { let i = 0\n while true { i = i + 1 } }",
        &options,
    );
    assert_eq!(kind(&r), Some(ErrorKind::OutOfFuel));
    let r = run_with(
        "fn f() { return f() }\nfn main() { f() }",
        &Options {
            fuel: Some(100),
            ..Options::default()
        },
    );
    assert_eq!(kind(&r), Some(ErrorKind::OutOfFuel));
}

#[test]
fn fuel_counts_statements_iterations_and_calls() {
    // the call of main 1, `let` 1, `for` 1, 3 iterations + 3 body statements, `print(s)` 1
    let src = "fn main() { let s = 0\n for i in range(0, 3) { s = s + i }\n print(s) }";
    let enough = run_with(
        src,
        &Options {
            fuel: Some(10),
            ..Options::default()
        },
    );
    assert_eq!(enough, ("3\n".to_string(), None));
    let short = run_with(
        src,
        &Options {
            fuel: Some(9),
            ..Options::default()
        },
    );
    assert_eq!(kind(&short), Some(ErrorKind::OutOfFuel));
}

fn bomb(src: &str) {
    let options = Options {
        max_memory: Some(50_000_000),
        ..Options::default()
    };
    let r = run_with(src, &options);
    assert_eq!(kind(&r), Some(ErrorKind::OutOfMemory), "{src}");
}

#[test]
fn allocation_bombs_run_out_of_memory() {
    bomb("fn main() { let s = \"x\"\n while true { s = s + s } }");
    bomb("fn main() { let l = [1]\n while true { l = l + l } }");
    bomb("fn main() { let l = []\n while true { push(l, [1, 2, 3]) } }");
    bomb("fn main() { let m = {}\n let i = 0\n while true { m[str(i)] = i\n i = i + 1 } }");
    bomb("fn main() { let o = clone(x)\n let i = 0\n while true { o[str(i)] = i\n i = i + 1 } }\nobject x { }");
    bomb("fn main() { let parts = [\"ab\"]\n while true { parts = split(join(parts, \"ab\") + join(parts, \"ab\"), \"\") } }");
    bomb("fn main() { print(len(range(0, 100000000000))) }");
}

#[test]
fn the_memory_limit_counts_live_bytes_not_garbage() {
    // 2 000 000 temporary strings, far more than the limit in all, but few alive at once.
    let options = Options {
        max_memory: Some(1_000_000),
        ..Options::default()
    };
    let src = "fn main() { let n = 0\n for i in range(0, 2000000) { let s = \"item \" + str(i)\n n = n + len(s) }\n print(n) }";
    let r = run_with(src, &options);
    assert_eq!(r.1, None);
}

#[test]
fn string_code_point_indexes_are_released_with_their_strings() {
    // 300 000 strings of 320 code points, each indexed far from its start (which builds its
    // code-point index) and dropped: what the indexes are charged is given back, or 4 bytes a
    // string would add up past the limit.
    let options = Options {
        max_memory: Some(1_000_000),
        ..Options::default()
    };
    let src = "fn main() {
        let base = \"\"
        for i in range(0, 321) { base = base + \"é\" }
        let n = 0
        for i in range(0, 300000) {
            let s = slice(base, i % 2, 320 + i % 2)
            if s[200] == \"é\" { n = n + 1 }
        }
        print(n)
    }";
    let r = run_with(src, &options);
    assert_eq!((r.0.as_str(), r.1.is_none()), ("300000\n", true), "{r:?}");
}

#[test]
fn deeply_nested_values_print_compare_and_drop() {
    // Up to 10 000 deep (the outermost at depth 0) values print and compare, as in the compiled
    // backends; deeper is `stack overflow` (a clean error), and dropping them does not crash.
    let src = "fn main() {
        let a = []
        let b = []
        for i in range(0, 10000) { a = [a]\n b = [b] }
        print(a == b)
        print(len(str(a)))
        let c = [1]
        push(c, c)
        print(c, c == c)
        let m = {}
        m.me = m
        print(m)
        for i in range(0, 200000) { a = [a]\n b = [b] }
        print(a == b)
    }";
    let r = run(src);
    assert_eq!(r.0, "true\n20002\n[1, [...]] true\n{\"me\": {...}}\n");
    assert_eq!(kind(&r), Some(ErrorKind::StackOverflow));
}
