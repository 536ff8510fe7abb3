//! `aura fmt` round trips: for every Aura program in the repository, and for randomly generated
//! expression trees, `parse(format(m))` equals `m` (spans aside) and formatting is idempotent.

#[path = "support/programs.rs"]
mod programs;
use aura_compiler::fmt::format;
use aura_compiler::parse::parse;
use aura_uast::{
    canonical, BinaryOp, Block, Expr, FnDef, Ident, Item, MapEntry, Module, ObjectDef,
    ObjectMember, PluginDef, PluginMember, RouteDef, Span, Stmt, Target, UnaryOp,
};
use programs::{aura_files, repo_root};

/// Folders (relative to the repository root) whose `*.aura` files must round-trip.
const PROGRAM_DIRS: &[&str] = &["examples", "tests/conformance", "stdlib", "bench"];

/// The first differing line of two texts, with a little context, for failure messages.
fn diff(expected: &str, got: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), got.lines().collect());
    let first = (0..a.len().max(b.len()))
        .find(|&i| a.get(i) != b.get(i))
        .unwrap_or(0);
    let from = first.saturating_sub(3);
    let mut out = format!("first difference at line {}:\n", first + 1);
    for (label, lines) in [("expected", &a), ("got", &b)] {
        out.push_str(&format!("  --- {label}\n"));
        for (i, line) in lines.iter().enumerate().skip(from).take(first - from + 4) {
            let mark = if i == first { ">" } else { " " };
            out.push_str(&format!("  {mark}{:5} | {line}\n", i + 1));
        }
    }
    out
}

fn pretty(module: &Module) -> String {
    serde_json::to_string_pretty(&canonical(module)).unwrap_or_default()
}

/// Checks that `module` survives format → parse → format. `name` labels failure messages.
fn check_module(name: &str, module: &Module) -> Result<(), String> {
    let formatted = format(module);
    let reparsed = parse(&formatted);
    if !reparsed.diagnostics.is_empty() {
        let rendered = aura_compiler::render::text(&reparsed.diagnostics, name, &formatted);
        return Err(format!(
            "{name}: the formatted text does not parse:\n{rendered}\n--- formatted text\n{formatted}"
        ));
    }
    if canonical(module) != canonical(&reparsed.module) {
        return Err(format!(
            "{name}: parse(format(m)) differs from m (canonical UAST JSON)\n{}\n--- formatted text\n{formatted}",
            diff(&pretty(module), &pretty(&reparsed.module))
        ));
    }
    let again = format(&reparsed.module);
    if again != formatted {
        return Err(format!(
            "{name}: format is not idempotent\n{}",
            diff(&formatted, &again)
        ));
    }
    Ok(())
}

#[test]
fn every_program_round_trips() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in PROGRAM_DIRS {
        aura_files(&root.join(dir), &mut files);
    }
    assert!(
        !files.is_empty(),
        "no .aura files found under {PROGRAM_DIRS:?} in {}",
        root.display()
    );
    let (mut checked, mut failures, mut not_parsing) = (0, Vec::new(), Vec::new());
    for path in &files {
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let source = match std::fs::read_to_string(path) {
            Ok(source) => source,
            Err(e) => {
                failures.push(format!("{name}: cannot read: {e}"));
                continue;
            }
        };
        let parsed = parse(&source);
        if !parsed.diagnostics.is_empty() {
            // A program that is meant not to parse (a syntax-error conformance case) has no
            // UAST to format.
            not_parsing.push(name);
            continue;
        }
        checked += 1;
        if let Err(message) = check_module(&name, &parsed.module) {
            failures.push(message);
        }
    }
    eprintln!(
        "round-tripped {checked} of {} programs; not parsing: {not_parsing:?}",
        files.len()
    );
    assert!(
        checked > 0,
        "none of the {} .aura files parsed",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} programs fail to round-trip (skipped, not parsing: {not_parsing:?}):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Random expression trees.

/// A small deterministic generator (xorshift64*), so failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const NAMES: &[&str] = &["a", "b", "x", "total", "_tmp", "f"];
const KEYS: &[&str] = &["a", "name", "if", "self", "a b", "", "1x", "é", "q\"uote"];
const STRINGS: &[&str] = &[
    "",
    "hi",
    "a\nb",
    "tab\there",
    "q\"\\",
    "\0\r\u{1}\u{7f}",
    "😀 é",
    "{x}",
];
const INTS: &[i64] = &[0, 1, 5, 42, -1, -5, 1_000_000, i64::MAX, i64::MIN, -9_000];
const FLOATS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    0.1,
    -2.5,
    1e300,
    1e-7,
    2.5e-7,
    1e16,
    -1.5e-300,
    3.25,
    5e-324,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    0.30000000000000004,
    123456789012345680.0,
    9007199254740993.0,
];
const BINARY: &[BinaryOp] = &[
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Rem,
    BinaryOp::Eq,
    BinaryOp::Ne,
    BinaryOp::Lt,
    BinaryOp::Le,
    BinaryOp::Gt,
    BinaryOp::Ge,
    BinaryOp::And,
    BinaryOp::Or,
    BinaryOp::BitAnd,
    BinaryOp::BitOr,
    BinaryOp::BitXor,
    BinaryOp::Shl,
    BinaryOp::Shr,
];

fn ident(name: &str) -> Ident {
    Ident {
        span: Span::default(),
        name: name.to_string(),
    }
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

fn leaf(rng: &mut Rng) -> Expr {
    let span = Span::default();
    match rng.below(8) {
        0 => Expr::Var {
            span,
            name: rng.pick(NAMES).to_string(),
        },
        1 => Expr::Int {
            span,
            value: rng.pick(INTS),
        },
        2 => Expr::Float {
            span,
            value: rng.pick(FLOATS),
        },
        3 => Expr::Str {
            span,
            value: rng.pick(STRINGS).to_string(),
        },
        4 => Expr::Bool {
            span,
            value: rng.below(2) == 0,
        },
        5 => Expr::Nil { span },
        6 => Expr::SelfRef { span },
        _ => Expr::Var {
            span,
            name: rng.pick(NAMES).to_string(),
        },
    }
}

fn args(rng: &mut Rng, depth: usize) -> Vec<Expr> {
    (0..rng.below(4)).map(|_| expr(rng, depth - 1)).collect()
}

/// A random expression at most `depth` levels deep.
fn expr(rng: &mut Rng, depth: usize) -> Expr {
    let span = Span::default();
    if depth <= 1 || rng.below(6) == 0 {
        return leaf(rng);
    }
    let d = depth - 1;
    match rng.below(13) {
        0..=2 => Expr::Binary {
            span,
            op: rng.pick(BINARY),
            lhs: boxed(expr(rng, d)),
            rhs: boxed(expr(rng, d)),
        },
        3 => Expr::Unary {
            span,
            op: UnaryOp::Neg,
            operand: boxed(expr(rng, d)),
        },
        4 => Expr::Unary {
            span,
            op: rng.pick(&[UnaryOp::Not, UnaryOp::BitNot]),
            operand: boxed(expr(rng, d)),
        },
        5 => Expr::Call {
            span,
            callee: boxed(expr(rng, d)),
            args: args(rng, depth),
        },
        6 => Expr::Send {
            span,
            receiver: boxed(expr(rng, d)),
            method: ident(rng.pick(NAMES)),
            args: args(rng, depth),
        },
        7 => Expr::Field {
            span,
            object: boxed(expr(rng, d)),
            field: ident(rng.pick(NAMES)),
        },
        8 => Expr::Index {
            span,
            object: boxed(expr(rng, d)),
            index: boxed(expr(rng, d)),
        },
        9 => Expr::List {
            span,
            items: args(rng, depth),
        },
        10 => Expr::Map {
            span,
            entries: (0..rng.below(3))
                .map(|_| MapEntry {
                    span,
                    key: rng.pick(KEYS).to_string(),
                    value: expr(rng, d),
                })
                .collect(),
        },
        11 => {
            let stmts = (0..rng.below(3)).map(|_| stmt(rng, d)).collect();
            Expr::Lambda {
                span,
                params: vec![ident("p")],
                body: Block { span, stmts },
            }
        }
        _ => leaf(rng),
    }
}

/// A random statement using random expressions; `depth` bounds the nesting of blocks too.
fn stmt(rng: &mut Rng, depth: usize) -> Stmt {
    let span = Span::default();
    let d = depth.max(1);
    let inner = depth.saturating_sub(2);
    match rng.below(12) {
        0 => Stmt::Let {
            span,
            name: ident(rng.pick(NAMES)),
            value: expr(rng, d),
        },
        1 => Stmt::Assign {
            span,
            target: match rng.below(3) {
                0 => Target::Var {
                    span,
                    name: rng.pick(NAMES).to_string(),
                },
                1 => Target::Field {
                    span,
                    object: expr(rng, d),
                    field: ident("f"),
                },
                _ => Target::Index {
                    span,
                    object: expr(rng, d),
                    index: expr(rng, d),
                },
            },
            value: expr(rng, d),
        },
        2 => Stmt::Return {
            span,
            value: Some(expr(rng, d)),
        },
        3 => Stmt::Return { span, value: None },
        4 => {
            let otherwise = match rng.below(3) {
                0 => None,
                // An `else` block holding exactly one `if` prints as `else if`.
                1 => Some(Block {
                    span,
                    stmts: vec![stmt_if(rng, inner)],
                }),
                _ => Some(block(rng, inner)),
            };
            Stmt::If {
                span,
                cond: expr(rng, d),
                then: block(rng, inner),
                otherwise,
            }
        }
        5 => Stmt::While {
            span,
            cond: expr(rng, d),
            body: block(rng, inner),
        },
        6 => Stmt::For {
            span,
            var: ident("i"),
            iter: expr(rng, d),
            body: block(rng, inner),
        },
        7 => Stmt::Break { span },
        8 => Stmt::Continue { span },
        9 => Stmt::Fn(fn_def(rng, None, inner)),
        _ => Stmt::Expr {
            span,
            expr: expr(rng, d),
        },
    }
}

fn stmt_if(rng: &mut Rng, depth: usize) -> Stmt {
    let span = Span::default();
    let otherwise = (rng.below(2) == 0).then(|| block(rng, depth));
    Stmt::If {
        span,
        cond: expr(rng, depth.max(1)),
        then: block(rng, depth),
        otherwise,
    }
}

/// Up to three random statements (none when `depth` is used up).
fn block(rng: &mut Rng, depth: usize) -> Block {
    let count = if depth == 0 { 0 } else { rng.below(4) };
    Block {
        span: Span::default(),
        stmts: (0..count).map(|_| stmt(rng, depth)).collect(),
    }
}

/// A fn named `name`, or a random name.
fn fn_def(rng: &mut Rng, name: Option<&str>, depth: usize) -> FnDef {
    let name = name.unwrap_or_else(|| rng.pick(NAMES));
    let params = (0..rng.below(3))
        .map(|i| ident(["p", "q", "r"][i]))
        .collect();
    FnDef {
        span: Span::default(),
        name: ident(name),
        params,
        body: block(rng, depth),
    }
}

/// A random top-level item.
fn item(rng: &mut Rng, n: usize) -> Item {
    let span = Span::default();
    let name = format!("item{n}");
    match rng.below(6) {
        0 => Item::Uses {
            span,
            names: vec![ident("store"), ident("log")],
        },
        1 => Item::Let {
            span,
            name: ident(&name),
            value: expr(rng, 4),
        },
        2 => Item::Object(ObjectDef {
            span,
            name: ident(&name),
            proto: (rng.below(2) == 0).then(|| ident("base")),
            members: (0..rng.below(4))
                .map(|_| match rng.below(2) {
                    0 => ObjectMember::Slot {
                        span,
                        name: ident(rng.pick(NAMES)),
                        value: expr(rng, 4),
                    },
                    _ => ObjectMember::Method(fn_def(rng, None, 3)),
                })
                .collect(),
        }),
        3 => Item::Plugin(PluginDef {
            span,
            name: ident(&name),
            members: (0..rng.below(4))
                .map(|_| match rng.below(2) {
                    0 => PluginMember::Route(RouteDef {
                        span,
                        method: ident(rng.pick(&["GET", "POST", "DELETE"])),
                        path: rng.pick(STRINGS).to_string(),
                        param: ident("req"),
                        body: block(rng, 3),
                    }),
                    _ => PluginMember::Fn(fn_def(rng, None, 3)),
                })
                .collect(),
        }),
        _ => Item::Fn(fn_def(rng, Some(&name), 6)),
    }
}

#[test]
fn random_expressions_round_trip() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut failures = Vec::new();
    for case in 0..3000 {
        let span = Span::default();
        let stmts = (0..3).map(|_| stmt(&mut rng, 6)).collect();
        let main = FnDef {
            span,
            name: ident("main"),
            params: vec![],
            body: Block { span, stmts },
        };
        let module = Module {
            items: vec![Item::Fn(main)],
            source: None,
            item_sources: Vec::new(),
        };
        if let Err(message) = check_module(&format!("random expression case {case}"), &module) {
            failures.push(message);
            if failures.len() >= 5 {
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn random_modules_round_trip() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut failures = Vec::new();
    for case in 0..500 {
        let module = Module {
            items: (0..rng.below(6)).map(|n| item(&mut rng, n)).collect(),
            source: None,
            item_sources: Vec::new(),
        };
        if let Err(message) = check_module(&format!("random module case {case}"), &module) {
            failures.push(message);
            if failures.len() >= 5 {
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Nested brackets near the parser's limit (256 levels) format and round-trip. (An early parser
/// overflowed a test thread's stack at six levels of parentheses.)
///
/// Runs on a thread with a 64 MiB stack because of the comparison, not the printer or the parser:
/// `aura_uast::canonical` (serde_json's `to_value`) recurses without growing the stack and
/// overflows a 2 MiB debug-build thread on this tree.
#[test]
fn nesting_near_the_limit_round_trips() {
    let depth = 250;
    let nested =
        |open: &str, close: &str| format!("{}1{}", open.repeat(depth), close.repeat(depth));
    let source = format!(
        "fn main() {{\n    x = {}\n    y = {}\n    z = {}\n}}\n",
        nested("(", ")"),
        nested("[", "]"),
        nested("f(", ")")
    );
    let check = move || {
        let parsed = parse(&source);
        let rendered = aura_compiler::render::text(&parsed.diagnostics, "nested.aura", &source);
        assert!(parsed.diagnostics.is_empty(), "{rendered}");
        check_module("nested brackets", &parsed.module)
    };
    let thread = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(check);
    match thread.map(|t| t.join()) {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(message))) => panic!("{message}"),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => panic!("cannot spawn a test thread: {e}"),
    }
}
