//! The emitter and the sandbox on hand-written LIR, merged with a small stand-in runtime
//! (`fixtures/mini_rt.c`, built by `fixtures/build-mini.sh`): table calls through the runtime's C
//! function pointers, data, globals, loops, the depth limit, fuel, the memory cap, capability
//! calls and the removal of undeclared capability imports.

use aura_host_api::ErrorKind;
use aura_lir::runtime::{Core, RtFn, NIL};
use aura_lir::{BinOp, Expr, FnId, Function, Program, Stmt};
use aura_wasm::emit::emit_with_runtime;
use aura_wasm_sandbox::{run, Io, Limits, RunError};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

const MINI: &[u8] = include_bytes!("fixtures/mini_rt.wasm");

#[derive(Clone, Default)]
struct Captured(Rc<RefCell<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn print_fn() -> RtFn {
    let index = aura_uast::BUILTINS
        .iter()
        .position(|b| b.name == "print")
        .expect("print is a builtin");
    RtFn::Builtin(index as u16)
}

fn c(n: i64) -> Expr {
    Expr::Const(n)
}
fn int(n: i64) -> Expr {
    Expr::Const((n << 1) | 1)
}
fn l(n: u32) -> Expr {
    Expr::Local(n)
}
fn g(n: u32) -> Expr {
    Expr::Global(n)
}
fn rt(f: Core, args: Vec<Expr>) -> Expr {
    Expr::CallRt(RtFn::Core(f), args)
}
fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::bin(op, a, b)
}

/// `print(value)` through a one-word argv at local `buf`.
fn print(buf: u32, value: Expr) -> Vec<Stmt> {
    vec![
        Stmt::Store {
            addr: l(buf),
            offset: 0,
            value,
        },
        Stmt::Expr(Expr::CallRt(print_fn(), vec![c(1), l(buf)])),
    ]
}

fn entry(data_len: u32, locals: u32, mut body: Vec<Stmt>) -> Function {
    let mut stmts = vec![
        Stmt::Expr(rt(Core::Start, vec![Expr::DataAddr(data_len)])),
        Stmt::SetGlobal(1, rt(Core::MaxDepth, vec![])),
    ];
    stmts.append(&mut body);
    stmts.push(Stmt::Expr(rt(Core::Finish, vec![])));
    stmts.push(Stmt::Return(c(0)));
    Function {
        name: "aura_main".into(),
        params: 0,
        locals,
        address_taken: false,
        body: stmts,
    }
}

fn program(functions: Vec<Function>, data: &[u8]) -> Program {
    Program {
        functions,
        globals: 3,
        data: data.to_vec(),
        entry: FnId(0),
        exports: Vec::new(),
    }
}

/// Prints 0 and 2 from a loop: 1 is skipped by a `continue` from an inner loop, 3 breaks.
pub fn counting() -> Program {
    let body = vec![
        Stmt::Set(1, rt(Core::ListNew, vec![c(1), c(0)])),
        Stmt::Set(0, c(-1)),
        Stmt::Loop(
            [
                vec![
                    Stmt::Set(0, bin(BinOp::Add, l(0), c(1))),
                    Stmt::If {
                        cond: bin(BinOp::GeS, l(0), c(3)),
                        then: vec![Stmt::Break(0)],
                        otherwise: vec![],
                    },
                    Stmt::If {
                        cond: bin(BinOp::Eq, l(0), c(1)),
                        then: vec![Stmt::Loop(vec![Stmt::Continue(1)])],
                        otherwise: vec![],
                    },
                ],
                print(1, bin(BinOp::Or, bin(BinOp::Shl, l(0), c(1)), c(1))),
            ]
            .concat(),
        ),
    ];
    program(vec![entry(0, 2, body)], b"")
}

/// A closure whose code is a table index, called by the runtime's `rt_call`.
pub fn closure() -> Program {
    let add_one = Function {
        name: "add_one".into(),
        params: 4,
        locals: 0,
        address_taken: true,
        body: vec![Stmt::Return(bin(BinOp::Add, Expr::load(l(3), 0), c(2)))],
    };
    let body = [
        vec![
            Stmt::Set(
                0,
                rt(
                    Core::ClosureNew,
                    vec![Expr::FnAddr(FnId(1)), c(1), c(NIL), c(0)],
                ),
            ),
            Stmt::Set(1, rt(Core::ListNew, vec![c(1), c(0)])),
            Stmt::Store {
                addr: l(1),
                offset: 0,
                value: int(41),
            },
        ],
        print(1, rt(Core::Call, vec![l(0), c(NIL), c(1), l(1)])),
    ]
    .concat();
    program(vec![entry(0, 2, body), add_one], b"")
}

/// String data at the heap base, written by the runtime.
pub fn data() -> Program {
    let body = vec![Stmt::Expr(rt(Core::StrLit, vec![Expr::DataAddr(0), c(6)]))];
    program(vec![entry(6, 0, body)], b"hello\n")
}

/// `down(n)` recurses n deep, checking the depth limit as compiled code does.
pub fn recursion(n: i64) -> Program {
    let down = Function {
        name: "down".into(),
        params: 1,
        locals: 1,
        address_taken: false,
        body: vec![
            Stmt::SetGlobal(0, bin(BinOp::Add, g(0), c(1))),
            Stmt::If {
                cond: bin(BinOp::GtS, g(0), g(1)),
                then: vec![Stmt::Expr(rt(Core::StackOverflow, vec![]))],
                otherwise: vec![],
            },
            Stmt::Set(
                1,
                Expr::Select(
                    Box::new(bin(BinOp::Eq, l(0), c(0))),
                    Box::new(c(0)),
                    Box::new(c(1)),
                ),
            ),
            Stmt::If {
                cond: l(1),
                then: vec![Stmt::Set(
                    1,
                    bin(
                        BinOp::Add,
                        Expr::Call(FnId(1), vec![bin(BinOp::Sub, l(0), c(1))]),
                        c(1),
                    ),
                )],
                otherwise: vec![],
            },
            Stmt::SetGlobal(0, bin(BinOp::Sub, g(0), c(1))),
            Stmt::Return(l(1)),
        ],
    };
    let body = [
        vec![Stmt::Set(0, rt(Core::ListNew, vec![c(1), c(0)]))],
        print(
            0,
            bin(
                BinOp::Or,
                bin(BinOp::Shl, Expr::Call(FnId(1), vec![c(n)]), c(1)),
                c(1),
            ),
        ),
    ]
    .concat();
    program(vec![entry(0, 1, body), down], b"")
}

fn spin() -> Program {
    program(vec![entry(0, 0, vec![Stmt::Loop(vec![])])], b"")
}

fn bomb() -> Program {
    let body = vec![Stmt::Loop(vec![Stmt::Expr(rt(
        Core::ListNew,
        vec![c(100_000), c(0)],
    ))])];
    program(vec![entry(0, 0, body)], b"")
}

fn log_call() -> Program {
    let body = vec![Stmt::Expr(rt(
        Core::Capability,
        vec![c(NIL), c(NIL), c(0), c(0)],
    ))];
    program(vec![entry(0, 0, body)], b"")
}

fn go(program: &Program, uses: &[&str], limits: &Limits) -> (Result<(), RunError>, String, String) {
    let uses: Vec<String> = uses.iter().map(|s| s.to_string()).collect();
    let wasm = emit_with_runtime(program, &uses, MINI).expect("the program emits");
    // The release build's partial validation (compiled functions only) accepts it too.
    aura_wasm::emit::validate_compiled(&wasm, program.functions.len())
        .expect("the compiled functions validate");
    let out = Captured::default();
    let err = Captured::default();
    let io = Io {
        stdout: Box::new(out.clone()),
        stderr: Box::new(err.clone()),
        host: Box::new(aura_host_api::StdHost::new()),
    };
    let result = run(&wasm, limits, io);
    let text = |c: &Captured| String::from_utf8_lossy(&c.0.borrow()).into_owned();
    (result, text(&out), text(&err))
}

fn kind(result: &Result<(), RunError>) -> Option<ErrorKind> {
    match result {
        Err(RunError::Runtime(e)) => Some(e.kind),
        _ => None,
    }
}

#[test]
fn loops_break_and_continue() {
    let (result, out, _) = go(&counting(), &[], &Limits::default());
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(out, "0\n2\n");
}

#[test]
fn closures_are_called_through_the_runtime_table() {
    let (result, out, _) = go(&closure(), &[], &Limits::default());
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(out, "42\n");
}

#[test]
fn data_lives_at_the_heap_base() {
    let (result, out, _) = go(&data(), &[], &Limits::default());
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(out, "hello\n");
}

#[test]
fn recursion_within_the_depth_limit() {
    let (result, out, _) = go(&recursion(500), &[], &Limits::default());
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(out, "500\n");
}

#[test]
fn the_depth_limit_is_a_stack_overflow() {
    let limits = Limits {
        max_depth: 100,
        ..Limits::default()
    };
    let (result, _, _) = go(&recursion(101), &[], &limits);
    assert_eq!(kind(&result), Some(ErrorKind::StackOverflow), "{result:?}");
}

#[test]
fn the_wasm_stack_is_a_stack_overflow() {
    let limits = Limits {
        max_depth: 1 << 40,
        ..Limits::default()
    };
    let (result, _, _) = go(&recursion(10_000_000), &[], &limits);
    assert_eq!(kind(&result), Some(ErrorKind::StackOverflow), "{result:?}");
}

#[test]
fn fuel_runs_out() {
    let limits = Limits {
        fuel: Some(100_000),
        ..Limits::default()
    };
    let (result, _, _) = go(&spin(), &[], &limits);
    assert_eq!(kind(&result), Some(ErrorKind::OutOfFuel), "{result:?}");
}

#[test]
fn memory_growth_is_capped() {
    let limits = Limits {
        max_memory: 8 << 20,
        ..Limits::default()
    };
    let (result, _, _) = go(&bomb(), &[], &limits);
    assert_eq!(kind(&result), Some(ErrorKind::OutOfMemory), "{result:?}");
}

#[test]
fn capability_calls_reach_the_host_once() {
    // The response `{"ok":null}` does not fit the runtime's first 8-byte buffer: the host keeps
    // it for the second call instead of logging twice.
    let (result, out, _) = go(&log_call(), &["log"], &Limits::default());
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(out, "{\"ok\":null}\n");
}

#[test]
fn undeclared_capabilities_are_not_imported() {
    let wasm = emit_with_runtime(&log_call(), &[], MINI).expect("the program emits");
    let imports: Vec<String> = wasmparser::Parser::new(0)
        .parse_all(&wasm)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::ImportSection(reader)) => Some(
                reader
                    .into_iter()
                    .map(|i| i.expect("valid import").name.to_string())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    // The runtime imports aura_cap_log and aura_cap_store too; neither was declared.
    assert_eq!(imports, ["aura_fail", "aura_write"]);
    // Reaching the dropped import is a trap, reported as an internal error (never a panic).
    let (result, _, _) = go(&log_call(), &[], &Limits::default());
    assert!(matches!(result, Err(RunError::Internal(_))), "{result:?}");
}

#[test]
fn malformed_programs_are_errors() {
    let mut p = data();
    p.functions[0].body.push(Stmt::Break(0));
    let e = emit_with_runtime(&p, &[], MINI).expect_err("break outside a loop");
    assert!(e.0.contains("break"), "{e}");
}
