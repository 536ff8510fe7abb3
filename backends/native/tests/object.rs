//! Objects and executables from hand-written LIR (independent of the lowering): the merged
//! object's undefined symbols are exactly spec/abi.md's list, and an executable linked with
//! support.c prints, fails and uses capabilities like `aura run`.

use aura_lir::runtime::{Core, RtFn};
use aura_lir::{Expr, FnId, Function, Program, Stmt};
use std::process::Command;

fn rt(core: Core, args: Vec<Expr>) -> Expr {
    Expr::CallRt(RtFn::Core(core), args)
}

/// `print(s1, ..)` of string literals of `data`, then `extra` statements.
fn printing_program(data: &str, strings: &[(u32, i64)], extra: Vec<Stmt>) -> Program {
    let mut body = vec![
        Stmt::Expr(rt(Core::Start, vec![Expr::Const(0)])),
        Stmt::Set(0, rt(Core::ArgStack, vec![])),
    ];
    for (i, (offset, len)) in strings.iter().enumerate() {
        body.push(Stmt::Store {
            addr: Expr::Local(0),
            offset: 8 * i as u32,
            value: rt(
                Core::StrLit,
                vec![Expr::DataAddr(*offset), Expr::Const(*len)],
            ),
        });
    }
    // print is builtin 0
    body.push(Stmt::Expr(Expr::CallRt(
        RtFn::Builtin(0),
        vec![Expr::Const(strings.len() as i64), Expr::Local(0)],
    )));
    body.extend(extra);
    body.push(Stmt::Expr(rt(Core::Finish, vec![])));
    body.push(Stmt::Return(Expr::Const(0)));
    Program {
        functions: vec![Function {
            name: "main".into(),
            params: 0,
            locals: 1,
            address_taken: false,
            body,
        }],
        globals: 3,
        data: data.as_bytes().to_vec(),
        entry: FnId(0),
        exports: vec![],
    }
}

fn nm(args: &[&str], object: &[u8]) -> String {
    let dir = aura_native::TempDir::new("nm").expect("temp dir");
    let path = dir.path().join("x.o");
    std::fs::write(&path, object).expect("write");
    let out = Command::new("nm")
        .args(args)
        .arg(&path)
        .output()
        .expect("nm runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn undefined_symbols_are_the_documented_ones() {
    let object =
        aura_native::build_object(&printing_program("hello", &[(0, 5)], vec![])).expect("builds");
    let undefined = nm(&["-u"], &object);
    let names: Vec<&str> = undefined
        .lines()
        .filter_map(|line| line.split_whitespace().last())
        .collect();
    assert_eq!(names, aura_native::EXTERNAL_SYMBOLS);
    // The freestanding runtime brings its own memcpy/memset (compilers emit calls to them).
    let defined = nm(&["--defined-only"], &object);
    for name in ["memcpy", "memset", "aura_main", "rt_set_max_depth"] {
        assert!(
            defined.lines().any(|l| l.ends_with(&format!(" T {name}"))),
            "{name} is not defined:\n{defined}"
        );
    }
}

fn run_exe(program: &Program, envs: &[(&str, &str)]) -> std::process::Output {
    let object = aura_native::build_object(program).expect("builds");
    let dir = aura_native::TempDir::new("exe-test").expect("temp dir");
    let exe = dir.path().join("program");
    aura_native::link_executable(&object, &exe).expect("links");
    Command::new(&exe)
        .envs(envs.iter().copied())
        .output()
        .expect("runs")
}

#[test]
fn executable_prints() {
    let out = run_exe(
        &printing_program("hello world", &[(0, 5), (6, 5)], vec![]),
        &[],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello world\n");
    assert!(out.status.success());
}

#[test]
fn runtime_error_is_reported_on_stderr_with_status_1() {
    // "a" + 1 → type error, after the first print reached stdout
    let fail = Stmt::Expr(rt(
        Core::Add,
        vec![
            rt(Core::StrLit, vec![Expr::DataAddr(0), Expr::Const(1)]),
            Expr::Const(3),
        ],
    ));
    let out = run_exe(&printing_program("ab", &[(0, 2)], vec![fail]), &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ab\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("runtime error: type error: "),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn arena_is_bounded_by_aura_max_memory() {
    // a list grown forever runs out of a 1 MiB arena
    let grow = Stmt::Loop(vec![Stmt::Expr(rt(
        Core::ListNew,
        vec![Expr::Const(64), Expr::Local(0)],
    ))]);
    let out = run_exe(
        &printing_program("x", &[(0, 1)], vec![grow]),
        &[("AURA_MAX_MEMORY", "1048576")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("runtime error: out of memory"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1));
}
