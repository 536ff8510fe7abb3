//! The inline fast paths of compiled code (`compiler/lir/src/lower/expr.rs`: tagged small-int
//! arithmetic, immediate-float arithmetic and comparisons, negation) against the interpreter, on
//! operands around every boundary they test: tags, 31-bit factors, the small-int range, i64, the
//! immediate-float range (`±2^-127`, `2^129`), the two zeros, subnormals, infinities, NaN, and
//! ints mixed with floats. Each operator is a function of two parameters, and of one with each
//! edge as a literal on either side (a literal operand changes the guards the lowering emits).
//!
//! The interpreter runs every case in process and says which ones raise; one generated program
//! runs every case that does not, on wasm and on native, and must print what the interpreter
//! printed, line for line. A sample of the raising cases runs one program each and must fail with
//! the interpreter's error line.

use aura_interp::Value;
use std::process::Command;

const INT_OPS: [(&str, &str); 15] = [
    ("add", "+"),
    ("sub", "-"),
    ("mul", "*"),
    ("div", "/"),
    ("rem", "%"),
    ("lt", "<"),
    ("le", "<="),
    ("gt", ">"),
    ("ge", ">="),
    ("eq", "=="),
    ("ne", "!="),
    ("band", "&"),
    ("bor", "|"),
    ("bxor", "^"),
    ("shl", "<<"),
];

/// The float operators: the arithmetic and comparisons (`INT_OPS` up to the bit operations).
const FLOAT_OPS: usize = 11;

const INT_EDGES: [i64; 27] = [
    0,
    1,
    -1,
    2,
    63,
    64,
    65,
    -2,
    7,
    -7,
    (1 << 30) - 1,
    1 << 30,
    -(1 << 30),
    -(1 << 30) - 1,
    1 << 31,
    (1 << 62) - 1,
    -(1 << 62),
    1 << 62,
    -(1 << 62) - 1,
    (1 << 61) + 3,
    -(1 << 61),
    i64::MAX,
    i64::MIN + 1,
    i64::MIN,
    3_037_000_499,
    -3_037_000_499,
    -4_611_686_018_427_387_903,
];

/// An operand: its Aura source text (a literal where one exists) and its interpreter value.
#[derive(Clone)]
struct Edge {
    text: String,
    /// Whether `text` is a literal (else an expression, computed at run time).
    literal: bool,
    value: Value,
}

fn int_edge(n: i64) -> Edge {
    Edge {
        text: if n == i64::MIN {
            "-9223372036854775808".to_string()
        } else {
            n.to_string()
        },
        literal: true,
        value: Value::Int(n),
    }
}

fn float_edges() -> Vec<Edge> {
    let lit = |x: f64| Edge {
        // Shortest round-trip digits, always a float literal in Aura (`1.0`, `1e300`, `5e-324`).
        text: format!("{x:?}"),
        literal: true,
        value: Value::Float(x),
    };
    let expr = |text: &str, x: f64| Edge {
        text: text.to_string(),
        literal: false,
        value: Value::Float(x),
    };
    let p = |e: i32| 2f64.powi(e);
    let mut edges: Vec<Edge> = [
        0.0,
        -0.0,
        1.0,
        -1.5,
        0.1,
        2.5,
        p(-127),
        -p(-127),
        1.5 * p(-127),
        p(-128),
        5.0e-324,
        -p(128),
        1.75 * p(128),
        p(129),
        f64::MAX,
    ]
    .into_iter()
    .map(lit)
    .collect();
    edges.push(expr("(1.0 / 0.0)", f64::INFINITY));
    edges.push(expr("(-1.0 / 0.0)", f64::NEG_INFINITY));
    edges.push(expr("(0.0 / 0.0)", f64::NAN));
    // Ints beside floats: the mixed cases are the runtime's, and must stay so.
    edges.extend([0, 3, -2, 1 << 62].into_iter().map(int_edge));
    edges
}

/// One case: a function and its arguments.
struct Case {
    function: String,
    args: Vec<Edge>,
}

impl Case {
    fn label(&self) -> String {
        let args: Vec<&str> = self.args.iter().map(|a| a.text.as_str()).collect();
        format!("{}({})", self.function, args.join(", "))
    }
}

/// The functions for `ops` over `edges` (prefixed `prefix`), and every case, in order.
fn functions(prefix: &str, ops: &[(&str, &str)], edges: &[Edge]) -> (String, Vec<Case>) {
    let mut src = String::new();
    let mut cases = Vec::new();
    for (name, op) in ops {
        let name = format!("{prefix}_{name}");
        src.push_str(&format!("fn {name}(a, b) {{ print(a {op} b) }}\n"));
        // `not (a < b)`: a comparison the code generators may fuse into the branch; `if a < b`:
        // a comparison lowered as a condition, without its bool value.
        let comparison = ["<", "<=", ">", ">=", "==", "!="].contains(op);
        let mut variants = vec![name.clone()];
        if comparison {
            src.push_str(&format!(
                "fn {name}_not(a, b) {{ print(not (a {op} b)) }}\n"
            ));
            src.push_str(&format!(
                "fn {name}_if(a, b) {{ if a {op} b {{ print(1) }} else {{ print(0) }} }}\n"
            ));
            variants.push(format!("{name}_not"));
            variants.push(format!("{name}_if"));
        }
        for a in edges {
            for b in edges {
                for f in variants.clone() {
                    cases.push(Case {
                        function: f,
                        args: vec![a.clone(), b.clone()],
                    });
                }
            }
        }
        for (i, k) in edges.iter().enumerate() {
            if !k.literal {
                continue;
            }
            let t = &k.text;
            src.push_str(&format!("fn {name}_r{i}(a) {{ print(a {op} {t}) }}\n"));
            src.push_str(&format!("fn {name}_l{i}(b) {{ print({t} {op} b) }}\n"));
            for a in edges {
                for f in [format!("{name}_r{i}"), format!("{name}_l{i}")] {
                    cases.push(Case {
                        function: f,
                        args: vec![a.clone()],
                    });
                }
            }
        }
    }
    let name = format!("{prefix}_neg");
    src.push_str(&format!("fn {name}(a) {{ print(-a) }}\n"));
    for a in edges {
        cases.push(Case {
            function: name.clone(),
            args: vec![a.clone()],
        });
    }
    (src, cases)
}

struct Capture(String);

impl aura_host_api::Host for Capture {
    fn print(&mut self, line: &str) {
        self.0.push_str(line);
        self.0.push('\n');
    }
    fn capability(
        &mut self,
        _: aura_host_api::CapabilityCall<'_>,
    ) -> Result<aura_host_api::Json, aura_interp::RuntimeError> {
        Err(aura_interp::RuntimeError::new(
            aura_interp::ErrorKind::Type,
            "no capabilities here",
        ))
    }
}

fn run(target: &str, path: &std::path::Path) -> (String, String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_aura"))
        .args(["run", "--target", target])
        .arg(path)
        .output()
        .expect("aura runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn fast_paths_match_the_interpreter_on_every_backend() {
    let ints: Vec<Edge> = INT_EDGES.into_iter().map(int_edge).collect();
    let (int_src, mut cases) = functions("i", &INT_OPS, &ints);
    let (float_src, float_cases) = functions("f", &INT_OPS[..FLOAT_OPS], &float_edges());
    cases.extend(float_cases);
    let functions_src = format!("{int_src}{float_src}");

    // The interpreter: which cases raise, and what the others print.
    let checked = aura_compiler::pipeline::check_source(&functions_src);
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    let mut host = Capture(String::new());
    let mut interp = aura_interp::Instance::load(
        &checked.module,
        &checked.prelude,
        &aura_interp::Options::default(),
        &mut host,
    )
    .expect("interpreter loads");
    let mut expected = String::new();
    let mut labels = Vec::new();
    // The calls, 500 to a function (one huge function would measure the code generators).
    let mut main = String::new();
    let mut chunks = 0;
    let mut raising = Vec::new();
    for case in &cases {
        host.0.clear();
        let values = case.args.iter().map(|a| a.value.clone()).collect();
        match interp.call(&case.function, values, &mut host) {
            Ok(_) => {
                assert_eq!(host.0.lines().count(), 1, "{}", case.label());
                expected.push_str(&host.0);
                if labels.len() % 500 == 0 {
                    if chunks > 0 {
                        main.push_str("}\n");
                    }
                    main.push_str(&format!("fn chunk{chunks}() {{\n"));
                    chunks += 1;
                }
                labels.push(case.label());
                main.push_str(&format!("  {}\n", case.label()));
            }
            Err(_) => raising.push(case),
        }
    }
    main.push_str("}\nfn main() {\n");
    for i in 0..chunks {
        main.push_str(&format!("  chunk{i}()\n"));
    }
    main.push_str("}\n");
    assert!(labels.len() > 20_000, "{} cases run", labels.len());
    assert!(raising.len() > 100, "{} cases raise", raising.len());

    let dir = std::env::temp_dir().join(format!("aura-fast-paths-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("cases.aura");
    std::fs::write(&path, format!("{functions_src}{main}")).expect("write");
    let mut failures = Vec::new();
    for target in ["wasm", "native"] {
        let (stdout, stderr, ok) = run(target, &path);
        if !ok {
            failures.push(format!("{target}: the cases program failed: {stderr}"));
            continue;
        }
        let got: Vec<&str> = stdout.lines().collect();
        let want: Vec<&str> = expected.lines().collect();
        let mismatches: Vec<String> = (0..want.len().max(got.len()))
            .filter(|&i| got.get(i) != want.get(i))
            .take(20)
            .map(|i| {
                format!(
                    "{target}: {}: interpreter {:?}, compiled {:?}",
                    labels.get(i).map_or("(extra line)", String::as_str),
                    want.get(i),
                    got.get(i)
                )
            })
            .collect();
        failures.extend(mismatches);
    }

    // A sample of the raising cases, spread over the list: each fails alone with the
    // interpreter's error line.
    let step = raising.len().div_ceil(16);
    for case in raising.iter().step_by(step) {
        let path = dir.join("raise.aura");
        // Each function is one line: the program holds the case's alone.
        let head = format!("fn {}(", case.function);
        let function = functions_src
            .lines()
            .find(|line| line.starts_with(&head))
            .expect("the case's function");
        std::fs::write(
            &path,
            format!("{function}\nfn main() {{ {} }}\n", case.label()),
        )
        .expect("write");
        let (_, stderr, ok) = run("interp", &path);
        assert!(
            !ok,
            "{} raises in process but not from the CLI",
            case.label()
        );
        let error = stderr.lines().next().unwrap_or("").to_string();
        for target in ["wasm", "native"] {
            let (_, stderr, ok) = run(target, &path);
            let first = stderr.lines().next().unwrap_or("");
            if ok || first != error {
                failures.push(format!(
                    "{target}: {}: interpreter `{error}`, compiled `{first}`",
                    case.label()
                ));
            }
        }
    }
    if std::env::var_os("AURA_KEEP_FAST_PATHS").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
