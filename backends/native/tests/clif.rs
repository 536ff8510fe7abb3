//! LIR → Cranelift: CLIF snapshots (before optimisation) of small hand-written programs, and
//! the same programs compiled to an object, linked with a C harness and run.

use aura_lir::runtime::{Core, RtFn};
use aura_lir::{BinOp, Expr, FnId, Function, Program, Stmt};
use std::process::Command;

fn function(name: &str, params: u32, locals: u32, body: Vec<Stmt>) -> Function {
    Function {
        name: name.into(),
        params,
        locals,
        address_taken: false,
        body,
    }
}

fn local(i: u32) -> Expr {
    Expr::Local(i)
}

fn konst(n: i64) -> Expr {
    Expr::Const(n)
}

fn program(functions: Vec<Function>) -> Program {
    Program {
        functions,
        globals: 4,
        data: b"hello, world".to_vec(),
        entry: FnId(0),
        exports: vec![],
    }
}

/// sum of 0..n with `Loop`, `Break`, `Continue` (skips multiples of 3) and `If`.
fn sum_program() -> Program {
    let body = vec![
        Stmt::Set(1, konst(0)),
        Stmt::Set(2, konst(0)),
        Stmt::Loop(vec![
            Stmt::If {
                cond: Expr::bin(BinOp::GeS, local(2), local(0)),
                then: vec![Stmt::Break(0)],
                otherwise: vec![],
            },
            Stmt::Set(2, Expr::bin(BinOp::Add, local(2), konst(1))),
            Stmt::If {
                cond: Expr::bin(
                    BinOp::Eq,
                    Expr::bin(BinOp::RemS, local(2), konst(3)),
                    konst(0),
                ),
                then: vec![Stmt::Continue(0)],
                otherwise: vec![],
            },
            Stmt::Set(1, Expr::bin(BinOp::Add, local(1), local(2))),
        ]),
        Stmt::Return(local(1)),
    ];
    let mut p = program(vec![
        function(
            "main",
            0,
            0,
            vec![Stmt::Return(Expr::Call(FnId(1), vec![konst(10)]))],
        ),
        function("sum", 1, 2, body),
    ]);
    p.exports.push(("sum".into(), FnId(1)));
    p
}

/// Joins of locals (the SSA construction): a nested loop with `Continue`, a `Break` out of both
/// loops, a sum set in one branch or the other and carried around both loops, a local set only
/// inside the loops and read after them, and one never set (reads 0). `joins(n)`:
/// `acc * 1000 + last * 10 + never`.
fn joins_program() -> Program {
    let (n, acc, i, j, last, never, tmp) = (0, 1, 2, 3, 4, 5, 6);
    let body = vec![
        Stmt::Set(acc, konst(0)),
        Stmt::Set(i, konst(0)),
        Stmt::Loop(vec![
            Stmt::If {
                cond: Expr::bin(BinOp::GeS, local(i), local(n)),
                then: vec![Stmt::Break(0)],
                otherwise: vec![],
            },
            Stmt::Set(i, Expr::bin(BinOp::Add, local(i), konst(1))),
            Stmt::Set(j, konst(0)),
            Stmt::Loop(vec![
                Stmt::Set(j, Expr::bin(BinOp::Add, local(j), konst(1))),
                Stmt::If {
                    cond: Expr::bin(BinOp::GtS, local(j), local(i)),
                    then: vec![Stmt::Break(0)],
                    otherwise: vec![],
                },
                Stmt::If {
                    cond: Expr::bin(BinOp::Eq, local(j), konst(5)),
                    then: vec![Stmt::Break(1)],
                    otherwise: vec![],
                },
                Stmt::If {
                    cond: Expr::bin(
                        BinOp::Eq,
                        Expr::bin(BinOp::And, local(j), konst(1)),
                        konst(0),
                    ),
                    then: vec![Stmt::Continue(0)],
                    otherwise: vec![],
                },
                Stmt::Set(tmp, Expr::bin(BinOp::Mul, local(j), konst(10))),
                Stmt::If {
                    cond: Expr::bin(BinOp::GtS, local(tmp), konst(20)),
                    then: vec![Stmt::Set(
                        acc,
                        Expr::bin(BinOp::Add, local(acc), local(tmp)),
                    )],
                    otherwise: vec![Stmt::Set(acc, Expr::bin(BinOp::Add, local(acc), konst(1)))],
                },
                Stmt::Set(last, local(j)),
            ]),
        ]),
        Stmt::Return(Expr::bin(
            BinOp::Add,
            Expr::bin(
                BinOp::Add,
                Expr::bin(BinOp::Mul, local(acc), konst(1000)),
                Expr::bin(BinOp::Mul, local(last), konst(10)),
            ),
            local(never),
        )),
    ];
    let mut p = program(vec![
        function(
            "main",
            0,
            0,
            vec![Stmt::Return(Expr::Call(FnId(1), vec![konst(3)]))],
        ),
        function("joins", 1, 6, body),
    ]);
    p.exports.push(("joins".into(), FnId(1)));
    p
}

/// recursive fib with direct calls and `Select`.
fn fib_program() -> Program {
    let fib = function(
        "fib",
        1,
        0,
        vec![
            Stmt::If {
                cond: Expr::bin(BinOp::LtS, local(0), konst(2)),
                then: vec![Stmt::Return(local(0))],
                otherwise: vec![],
            },
            Stmt::Return(Expr::bin(
                BinOp::Add,
                Expr::Call(FnId(1), vec![Expr::bin(BinOp::Sub, local(0), konst(1))]),
                Expr::Call(FnId(1), vec![Expr::bin(BinOp::Sub, local(0), konst(2))]),
            )),
        ],
    );
    let main = function(
        "main",
        0,
        1,
        vec![
            Stmt::Set(0, Expr::Call(FnId(1), vec![konst(20)])),
            Stmt::Return(Expr::Select(
                Box::new(Expr::bin(BinOp::Eq, local(0), konst(6765))),
                Box::new(konst(1)),
                Box::new(konst(0)),
            )),
        ],
    );
    program(vec![main, fib])
}

/// globals, data addresses, loads and stores, shifts and unsigned compare.
fn memory_program() -> Program {
    let main = function(
        "main",
        0,
        1,
        vec![
            Stmt::SetGlobal(3, Expr::DataAddr(7)),
            // first byte of "world" (0x77) via a load of the 8 bytes at offset 7, masked
            Stmt::Set(
                0,
                Expr::bin(BinOp::And, Expr::load(Expr::Global(3), 0), konst(0xff)),
            ),
            Stmt::SetGlobal(2, Expr::bin(BinOp::Shl, local(0), konst(4))),
            Stmt::Store {
                addr: Expr::DataAddr(0),
                offset: 8,
                value: Expr::bin(BinOp::ShrU, Expr::Global(2), konst(4)),
            },
            Stmt::Return(Expr::bin(
                BinOp::Add,
                Expr::load(Expr::DataAddr(0), 8),
                Expr::bin(BinOp::LtU, konst(-1), konst(0)),
            )),
        ],
    );
    program(vec![main])
}

/// f64 operations on word bit patterns, rotations: ((1.5 + 2.25) * 4 - 1) / 2 = 7.0 when
/// `1 <f 2` and `2 <=f 2` and `3 ==f 3`, returned as the bits rotated left and back.
fn float_program() -> Program {
    let f = |x: f64| konst(x.to_bits() as i64);
    let main = function(
        "main",
        0,
        1,
        vec![
            Stmt::Set(
                0,
                Expr::bin(
                    BinOp::FDiv,
                    Expr::bin(
                        BinOp::FSub,
                        Expr::bin(BinOp::FMul, Expr::bin(BinOp::FAdd, f(1.5), f(2.25)), f(4.0)),
                        f(1.0),
                    ),
                    f(2.0),
                ),
            ),
            Stmt::If {
                cond: Expr::bin(
                    BinOp::And,
                    Expr::bin(
                        BinOp::And,
                        Expr::bin(BinOp::FLt, f(1.0), f(2.0)),
                        Expr::bin(BinOp::FLe, f(2.0), f(2.0)),
                    ),
                    Expr::bin(BinOp::FEq, f(3.0), f(3.0)),
                ),
                then: vec![],
                otherwise: vec![Stmt::Return(konst(-1))],
            },
            Stmt::Return(Expr::bin(
                BinOp::Rotr,
                Expr::bin(BinOp::Rotl, local(0), konst(4)),
                konst(4),
            )),
        ],
    );
    program(vec![main])
}

/// runtime calls and a function address (snapshot only: needs the runtime to run).
fn runtime_program() -> Program {
    let mut generic = function("lambda", 4, 0, vec![Stmt::Return(konst(2))]);
    generic.address_taken = true;
    let main = function(
        "main",
        0,
        1,
        vec![
            Stmt::Expr(Expr::CallRt(RtFn::Core(Core::Start), vec![konst(0)])),
            Stmt::Set(
                0,
                Expr::CallRt(
                    RtFn::Core(Core::ClosureNew),
                    vec![Expr::FnAddr(FnId(1)), konst(0), konst(2), konst(0)],
                ),
            ),
            Stmt::Expr(Expr::CallRt(
                RtFn::Core(Core::Add),
                vec![local(0), konst(3)],
            )),
            Stmt::Expr(Expr::CallRt(RtFn::Core(Core::Finish), vec![])),
            Stmt::Return(konst(0)),
        ],
    );
    program(vec![main, generic])
}

fn clif_text(program: &Program) -> String {
    let mut text = String::new();
    aura_native::clif::compile_with(program, |name, func| {
        text.push_str(&format!(";; {name}\n{}\n", func.display()));
    })
    .expect("compiles");
    text
}

#[test]
fn clif_sum() {
    insta::assert_snapshot!(clif_text(&sum_program()));
}

#[test]
fn clif_joins() {
    insta::assert_snapshot!(clif_text(&joins_program()));
}

#[test]
fn clif_fib() {
    insta::assert_snapshot!(clif_text(&fib_program()));
}

#[test]
fn clif_memory() {
    insta::assert_snapshot!(clif_text(&memory_program()));
}

#[test]
fn clif_float() {
    insta::assert_snapshot!(clif_text(&float_program()));
}

#[test]
fn clif_runtime_calls() {
    insta::assert_snapshot!(clif_text(&runtime_program()));
}

#[test]
fn runtime_calls_are_imports() {
    let object = aura_native::compile(&runtime_program()).expect("compiles");
    let undefined = aura_native::link::undefined_symbols(&object).expect("reads");
    assert_eq!(
        undefined,
        ["rt_add", "rt_closure_new", "rt_finish", "rt_start"]
    );
}

#[test]
fn bad_lir_is_an_error_not_a_panic() {
    let p = program(vec![function("main", 0, 0, vec![Stmt::Break(0)])]);
    assert!(aura_native::compile(&p).is_err());
    let p = program(vec![function("main", 0, 0, vec![Stmt::Return(local(5))])]);
    assert!(aura_native::compile(&p).is_err());
    let p = program(vec![function(
        "main",
        0,
        0,
        vec![Stmt::Return(Expr::CallRt(RtFn::Core(Core::Add), vec![]))],
    )]);
    assert!(aura_native::compile(&p).is_err());
}

/// Links the object of `program` with a C `main` that prints `aura_main()` (and `sum(100)` when
/// the program exports it) and returns the output.
fn run_native(program: &Program, harness: &str) -> String {
    let object = aura_native::compile(program).expect("compiles");
    let dir = aura_native::TempDir::new("test").expect("temp dir");
    let obj = dir.path().join("p.o");
    let c = dir.path().join("main.c");
    let exe = dir.path().join("p");
    std::fs::write(&obj, object).expect("write");
    std::fs::write(&c, harness).expect("write");
    let status = Command::new("cc")
        .arg("-no-pie")
        .arg("-o")
        .arg(&exe)
        .arg(&c)
        .arg(&obj)
        .status()
        .expect("cc runs");
    assert!(status.success());
    let out = Command::new(&exe).output().expect("runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const HARNESS: &str = r#"
#include <stdio.h>
long aura_main(void);
int main(void) { printf("%ld\n", aura_main()); return 0; }
"#;

#[test]
fn runs_sum() {
    let harness = r#"
#include <stdio.h>
long aura_main(void);
long sum(long);
int main(void) { printf("%ld %ld\n", aura_main(), sum(100)); return 0; }
"#;
    // 1+2+4+5+7+8+10 = 37; 1..100 without multiples of 3 = 5050 - 1683 = 3367
    assert_eq!(run_native(&sum_program(), harness), "37 3367\n");
}

#[test]
fn runs_joins() {
    let harness = r#"
#include <stdio.h>
long aura_main(void);
long joins(long);
int main(void) { printf("%ld %ld %ld\n", aura_main(), joins(2), joins(100)); return 0; }
"#;
    // worked by hand (and by a Python transcription): joins(3) = 33 * 1000 + 3 * 10 + 0
    assert_eq!(run_native(&joins_program(), harness), "33030 2010 95030\n");
}

#[test]
fn runs_fib() {
    assert_eq!(run_native(&fib_program(), HARNESS), "1\n");
}

#[test]
fn runs_float() {
    // 7.0 = 0x401c000000000000
    assert_eq!(
        run_native(&float_program(), HARNESS),
        format!("{}\n", 7.0f64.to_bits() as i64)
    );
}

#[test]
fn runs_memory() {
    // 'w' = 0x77 = 119, stored over "orld" and read back; -1 <u 0 is false
    assert_eq!(run_native(&memory_program(), HARNESS), "119\n");
}
