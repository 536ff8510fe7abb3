//! Checks the freestanding C runtime's numbers (runtime/rt/num.c, sha256.c) against Rust itself:
//! `rt_fmt_f64` against `format!("{:?}")`, `rt_parse_f64` against `str::parse::<f64>()` and
//! `rt_sha256` against the `sha2` crate. The C code is compiled at test time with the system
//! `cc` together with a small stdin/stdout driver (runtime/rt/test/num_driver.c).

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn rt_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rt")
}

fn work_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aura-c-num-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// The driver executable, compiled once per test process.
fn driver() -> &'static Path {
    static DRIVER: OnceLock<PathBuf> = OnceLock::new();
    DRIVER.get_or_init(|| {
        let rt = rt_dir();
        let exe = work_dir().join("num_driver");
        let out = Command::new("cc")
            .args(["-O2", "-Wall", "-Werror", "-o"])
            .arg(&exe)
            .arg(rt.join("test/num_driver.c"))
            .arg(rt.join("num.c"))
            .arg(rt.join("sha256.c"))
            .output()
            .expect("run cc");
        assert!(
            out.status.success(),
            "cc failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        exe
    })
}

/// Sends the request lines to the driver and returns its answer lines.
fn run_driver(lines: &[String]) -> Vec<String> {
    let input = work_dir().join(format!("in-{:x}.txt", next_id()));
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&input, text).expect("write driver input");
    let out = Command::new(driver())
        .stdin(std::fs::File::open(&input).expect("open driver input"))
        .output()
        .expect("run driver");
    let _ = std::fs::remove_file(&input);
    assert!(out.status.success(), "driver failed: {:?}", out.status);
    let stdout = String::from_utf8(out.stdout).expect("driver output is utf-8");
    let answers: Vec<String> = stdout.lines().map(str::to_string).collect();
    assert_eq!(answers.len(), lines.len(), "one answer per request");
    answers
}

fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static ID: AtomicU64 = AtomicU64::new(0);
    ID.fetch_add(1, Ordering::Relaxed)
}

/// splitmix64: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Collects mismatches and fails with the first few.
fn report(what: &str, mismatches: &[String]) {
    assert!(
        mismatches.is_empty(),
        "{what}: {} mismatches, first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ------------------------------------------------------------------ printing

fn fmt_edge_cases() -> Vec<f64> {
    let mut v = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1,
        0.2,
        0.3,
        2.5,
        1.5,
        100.0,
        1234.5,
        0.0001,
        0.00001,
        1e15,
        1e16,
        1e17,
        9999999999999998.0,
        9999999999999999.0,
        1e-4,
        9.999999999999999e-5,
        1e-5,
        5e-324,
        1e-323,
        2.2250738585072014e-308,
        2.225073858507201e-308,
        1.7976931348623157e308,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
        9007199254740992.0,
        9007199254740993.0,
        4503599627370496.5,
        123456789012345680.0,
        1.2345678901234567e-7,
        std::f64::consts::PI,
        std::f64::consts::E,
        1.0 / 3.0,
        2.0 / 3.0,
        5e-310,
        -2.5e-5,
        1e300,
        1e-300,
        f64::from_bits(3),
        1e23,
        8.41e21,
        5.0e-324,
        2.0f64.powi(-1022),
    ];
    // every power of ten and of two in range, and their neighbours
    let mut bases = Vec::new();
    for e in -325..=309 {
        bases.push(format!("1e{e}").parse::<f64>().expect("power of ten"));
        bases.push(
            format!("5e{e}")
                .parse::<f64>()
                .expect("five times power of ten"),
        );
    }
    for e in 0..2046u64 {
        bases.push(f64::from_bits(e << 52));
        bases.push(f64::from_bits((e << 52) | 1));
        bases.push(f64::from_bits((e << 52) | 0xF_FFFF_FFFF_FFFF));
    }
    for b in bases {
        let bits = b.to_bits();
        v.push(b);
        v.push(f64::from_bits(bits.wrapping_add(1)));
        v.push(f64::from_bits(bits.wrapping_sub(1)));
    }
    // integers around the 2^53 and 1e16 boundaries
    for i in 0..40u64 {
        v.push((9_007_199_254_740_992u64 - 20 + i) as f64);
        v.push((10_000_000_000_000_000u64 - 20 + i) as f64);
    }
    v
}

fn check_fmt(values: &[f64], what: &str) {
    let lines: Vec<String> = values
        .iter()
        .map(|x| format!("f {:016x}", x.to_bits()))
        .collect();
    let answers = run_driver(&lines);
    let mut bad = Vec::new();
    for (x, got) in values.iter().zip(&answers) {
        let want = format!("{x:?}");
        if *got != want {
            bad.push(format!(
                "bits {:016x}: C {got:?}, Rust {want:?}",
                x.to_bits()
            ));
        }
    }
    report(what, &bad);
}

#[test]
fn fmt_edge_cases_match_rust() {
    check_fmt(&fmt_edge_cases(), "rt_fmt_f64 edge cases");
}

#[test]
fn fmt_random_bits_match_rust() {
    let mut rng = Rng(0x5eed_f00d);
    let mut values = Vec::with_capacity(200_000);
    for i in 0..200_000 {
        let x = match i % 4 {
            // any bit pattern (NaNs, infinities and subnormals included)
            0 | 1 => f64::from_bits(rng.next()),
            // exponents around 1, where decimal notation and the 1e-4/1e16 limits are
            2 => {
                let e = 1023 - 20 + rng.below(80);
                f64::from_bits((rng.next() & 0x800F_FFFF_FFFF_FFFF) | (e << 52))
            }
            // short decimals: the shortest digits must give back the same text's value
            _ => {
                let digits = rng.below(10_000_000_000);
                let exp = rng.below(40) as i32 - 25;
                format!("{digits}e{exp}").parse::<f64>().expect("decimal")
            }
        };
        values.push(x);
    }
    check_fmt(&values, "rt_fmt_f64 random");
}

// ------------------------------------------------------------------ parsing

/// What the C parser must answer: Rust's parse, except that Rust's `inf`/`NaN` spellings are
/// not numbers for rt_parse_f64.
fn expected_parse(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if lower.contains("inf") || lower.contains("nan") {
        return "ERR".to_string();
    }
    match text.parse::<f64>() {
        Ok(x) => format!("{:016x}", x.to_bits()),
        Err(_) => "ERR".to_string(),
    }
}

fn check_parse(texts: &[String], what: &str) {
    let lines: Vec<String> = texts.iter().map(|t| format!("p {t}")).collect();
    let answers = run_driver(&lines);
    let mut bad = Vec::new();
    for (t, got) in texts.iter().zip(&answers) {
        let want = expected_parse(t);
        if *got != want {
            let shown: String = if t.len() > 120 {
                format!("{}...({} chars)", &t[..120], t.len())
            } else {
                t.clone()
            };
            bad.push(format!("{shown:?}: C {got}, Rust {want}"));
        }
    }
    report(what, &bad);
}

#[test]
fn parse_edge_cases_match_rust() {
    let mut texts: Vec<String> = [
        "0",
        "-0",
        "+0",
        "0.0",
        "-0.0",
        "00000",
        "0e0",
        "0e999999999999",
        "1e99999999999999999999999",
        "1e-99999999999999999999999",
        "-1e99999999999999999999999",
        "0.0000000001e99999999999999999999999",
        "1",
        "-1",
        "+1",
        "1.",
        ".5",
        "-.5",
        "1.5",
        "2.5",
        "0.1",
        "0.2",
        "0.3",
        "1e15",
        "1e16",
        "1e22",
        "1e23",
        "1e-4",
        "1e-5",
        "5e-324",
        "2e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "2.47032822920623272e-324",
        "1e-324",
        "3e-324",
        "7e-324",
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "2.2250738585072014e-308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1.797693134862315807e308",
        "1.7976931348623157081452742373170435679807056752584499659891747680315726078e308",
        "1e308",
        "1e309",
        "-1e309",
        "1e400",
        "1e-400",
        "9007199254740992",
        "9007199254740993",
        "9007199254740994",
        "9007199254740995",
        "9007199254740993.0000000000000000000000000000001",
        "9007199254740992.9999999999999999999999999999999",
        "4503599627370496.5",
        "4503599627370497.5",
        "123456789012345678901234567890",
        "0.000000000000000000000000000000000000000000001",
        "1E10",
        "1e+10",
        "1E-10",
        "12345678901234567890e-20",
        "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000.0",
        // not numbers
        "",
        ".",
        "-",
        "+",
        "-.",
        "e5",
        ".e5",
        "1e",
        "1e+",
        "1e-",
        " 1",
        "1 ",
        "1.5x",
        "1..2",
        "--1",
        "+-1",
        "1e5.5",
        "0x10",
        "1_000",
        "inf",
        "-inf",
        "infinity",
        "NaN",
        "nan",
        "1,5",
        "١",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // powers of ten written out, and their shortest forms
    for e in -330..=312 {
        texts.push(format!("1e{e}"));
        texts.push(format!("9.99999999999999999999e{e}"));
    }
    // long digit strings whose tail decides the rounding
    texts.push(format!("1{}", "0".repeat(900)));
    texts.push(format!("0.{}1", "0".repeat(900)));
    texts.push(format!("9007199254740993{}", "0".repeat(1000)));
    texts.push(format!("9007199254740993{}1e-1000", "0".repeat(1000)));
    texts.push(format!("9007199254740993{}e-1000", "0".repeat(1000)));
    check_parse(&texts, "rt_parse_f64 edge cases");
}

/// Exact decimal text of a finite non-negative double, with `frac` fractional digits
/// (1076 is enough for every double and the halfway point between two).
fn exact_decimal(x: f64, frac: usize) -> (String, String) {
    let s = format!("{x:.frac$}");
    let (int, fr) = s.split_once('.').expect("fixed notation has a point");
    (int.to_string(), fr.to_string())
}

/// The exact decimal halfway point between `x` and the next double up, as `int.frac`.
fn halfway(x: f64) -> String {
    let next = f64::from_bits(x.to_bits() + 1);
    let (ai, af) = exact_decimal(x, 1076);
    let (bi, bf) = exact_decimal(next, 1076);
    let width = ai.len().max(bi.len());
    let a: Vec<u32> = format!("{ai:0>width$}{af}")
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let b: Vec<u32> = format!("{bi:0>width$}{bf}")
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    // (a + b) * 5, then the point moves one more place left: (a + b) / 2 exactly
    let mut digits = vec![0u32; a.len() + 2];
    let mut carry = 0;
    for i in (0..a.len()).rev() {
        let t = (a[i] + b[i]) * 5 + carry;
        digits[i + 2] = t % 10;
        carry = t / 10;
    }
    digits[1] = carry % 10;
    digits[0] = carry / 10;
    let int_len = width + 2;
    let text: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
    let int = text[..int_len].trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let fr = text[int_len..].trim_end_matches('0');
    format!("{int}.{fr}")
}

/// Rewrites `int.frac` as `DIGITSeEXP` with the significant digits only.
fn to_scientific(text: &str) -> String {
    let (int, fr) = text.split_once('.').unwrap_or((text, ""));
    let all = format!("{int}{fr}");
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_start_matches('0');
    let exp = int.len() as i64 - lead as i64 - digits.len() as i64;
    format!("{digits}e{exp}")
}

#[test]
fn parse_random_text_matches_rust() {
    let mut rng = Rng(0x0dec_13a1);
    let mut texts = Vec::with_capacity(52_000);
    // halfway points between neighbouring doubles and texts just above and below them
    for i in 0..4_000 {
        let bits = match i % 3 {
            0 => rng.next() & 0x7FEF_FFFF_FFFF_FFFF,
            1 => rng.below(1 << 54), // subnormals, small normals
            _ => ((1023 - 60 + rng.below(120)) << 52) | rng.below(1 << 52), // near 1
        };
        let x = f64::from_bits(bits);
        let h = halfway(x);
        texts.push(h.clone());
        texts.push(format!("{h}1"));
        texts.push(format!("{h}{}1", "0".repeat(300 + rng.below(400) as usize)));
        let sci = to_scientific(&h);
        texts.push(sci.clone());
        // cut the halfway point's digits short: just below the tie
        let (digits, _) = sci.split_once('e').expect("scientific");
        let keep = 1 + rng.below(digits.len() as u64) as usize;
        let exp = to_scientific(&h)
            .split_once('e')
            .and_then(|(_, e)| e.parse::<i64>().ok())
            .expect("exponent")
            + (digits.len() - keep) as i64;
        texts.push(format!("{}e{exp}", &digits[..keep]));
    }
    // random decimal texts of every shape
    while texts.len() < 52_000 {
        let ndig = match rng.below(10) {
            0 => 1 + rng.below(900) as usize,
            1..=3 => 16 + rng.below(10) as usize,
            _ => 1 + rng.below(16) as usize,
        };
        let mut t = String::new();
        match rng.below(4) {
            0 => t.push('-'),
            1 => t.push('+'),
            _ => {}
        }
        let point = rng.below(ndig as u64 + 2) as usize;
        for j in 0..ndig {
            if j == point {
                t.push('.');
            }
            t.push(char::from(b'0' + rng.below(10) as u8));
        }
        if point == ndig && rng.below(2) == 0 {
            t.push('.');
        }
        if rng.below(3) != 0 {
            t.push(if rng.below(2) == 0 { 'e' } else { 'E' });
            let e = rng.below(700) as i64 - 350;
            match rng.below(3) {
                0 => t.push_str(&format!("{e}")),
                1 if e >= 0 => t.push_str(&format!("+{e}")),
                _ => t.push_str(&format!("{e}")),
            }
        }
        texts.push(t);
    }
    check_parse(&texts, "rt_parse_f64 random");
}

#[test]
fn parse_inverts_fmt() {
    // every printed float must read back to the same bits
    let mut rng = Rng(0xabcdef);
    let values: Vec<f64> = (0..20_000)
        .map(|_| f64::from_bits(rng.next()))
        .filter(|x| x.is_finite())
        .collect();
    let texts: Vec<String> = values.iter().map(|x| format!("{x:?}")).collect();
    check_parse(&texts, "rt_parse_f64 of Rust's {:?}");
}

// ------------------------------------------------------------------ sha256

#[test]
fn sha256_matches_sha2() {
    let mut rng = Rng(0x5a5a);
    let mut inputs: Vec<Vec<u8>> = (0..300)
        .map(|n| (0..n).map(|_| rng.next() as u8).collect())
        .collect();
    inputs.push(b"abc".to_vec());
    inputs.push((0..100_000).map(|_| rng.next() as u8).collect());
    let lines: Vec<String> = inputs
        .iter()
        .map(|bytes| {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("s {hex}")
        })
        .collect();
    let answers = run_driver(&lines);
    let mut bad = Vec::new();
    for (bytes, got) in inputs.iter().zip(&answers) {
        let want: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if *got != want {
            bad.push(format!("{} bytes: C {got}, sha2 {want}", bytes.len()));
        }
    }
    report("rt_sha256", &bad);
}

// ------------------------------------------------------------------ freestanding builds

fn compile_freestanding(compiler: &str, target: &[&str]) -> Result<(), String> {
    let rt = rt_dir();
    let dir = work_dir();
    for file in ["num.c", "sha256.c"] {
        let out = Command::new(compiler)
            .args(target)
            .args([
                "-O2",
                "-ffreestanding",
                "-nostdlib",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-c",
            ])
            .arg(rt.join(file))
            .arg("-o")
            .arg(dir.join(format!("{file}.{compiler}.o")))
            .output()
            .map_err(|e| format!("cannot run {compiler}: {e}"))?;
        if !out.status.success() {
            panic!(
                "{compiler} {target:?} failed on {file}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    Ok(())
}

#[test]
fn compiles_freestanding_for_host() {
    compile_freestanding("cc", &[]).expect("the system cc");
}

#[test]
fn compiles_freestanding_for_wasm32() {
    if let Err(e) = compile_freestanding("clang", &["--target=wasm32"]) {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("clang is required under CI: {e}");
        }
        println!("note: skipping the wasm32 build of runtime/rt/num.c: {e}");
    }
}
