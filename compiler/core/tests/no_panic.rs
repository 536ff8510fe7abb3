//! `parse` never panics and never overflows the stack, whatever the input: pseudo-random byte
//! strings, every prefix and many mutations of a valid program, and 1 MB of deep nesting. Name
//! resolution (`resolve`, what the language server runs on every edit) runs on what each parse
//! recovered, with the same guarantee. Every
//! test runs in a thread with a normal 8 MiB stack, so nothing relies on a huge stack.

use aura_compiler::parse::{check_limits, parse, Parsed, NESTING_TOO_DEEP};
use aura_compiler::resolve::resolve;
use aura_compiler::Diagnostic;
use aura_uast::Module;

const STACK: usize = 8 * 1024 * 1024;
const MB: usize = 1024 * 1024;

fn on_normal_stack(test: impl FnOnce() + Send + 'static) {
    let thread = std::thread::Builder::new().stack_size(STACK).spawn(test);
    match thread.map(|t| t.join()) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => panic!("could not start the test thread: {e}"),
    }
}

/// Xorshift64: small, deterministic, good enough to make varied inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Parses and checks what must hold for every input: spans inside the source, the module within
/// the limits when there are no errors, and diagnostics that render.
fn parse_checked(source: &str, render: bool) -> Parsed {
    let parsed = parse(source);
    for diagnostic in &parsed.diagnostics {
        for label in &diagnostic.labels {
            assert!(
                label.span.start <= label.span.end && label.span.end as usize <= source.len(),
                "label span {:?} outside the source ({} bytes): {source:?}",
                label.span,
                source.len()
            );
        }
    }
    if parsed.diagnostics.is_empty() {
        assert!(
            check_limits(&parsed.module).is_empty(),
            "valid module over the limits: {source:?}"
        );
    }
    if render {
        let _ = aura_compiler::render::text(&parsed.diagnostics, "fuzz.aura", source);
    }
    let resolution = resolve(&parsed.module, &Module::default());
    for reference in &resolution.references {
        assert!(
            reference.span.end as usize <= source.len(),
            "reference outside the source: {source:?}"
        );
    }
    parsed
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}

const PROGRAM: &str = r#"// A program that uses every part of the grammar.
uses store, log

let greeting = "hello\tworld\n\u{1F600} \"q\" \\"
let limits = [0xff, 1_000, -9223372036854775808, 2.5e-3, -1.5, 2E3]

object counter {
    count = 0; step = 1
    fn increment(by) {
        self.count = self.count + by * self.step
        return self.count
    }
}

object loud : counter {
    fn shout(s) { return upper(s) + "!" }
}

plugin meshfs {
    route POST "/api/v2/meshfs/write" (req) {
        if not has(req, "body") or req.body == nil { return {status: "error"} }
        store.set(req.body.pointer, req.body.data)
        return {
            status: "success",
            "pointer": req.body.pointer,
        }
    }
    fn helper(x) { return x }
}

fn main() {
    let items = [1, 2,
        3]
    for x in items {
        if x % 2 == 0 {
            continue
        }
        else if x > 2 and x < 10 {
            break
        } else {
            print(x, -x, (x + 1) * 2)
        }
    }
    let i = 0
    while i < 3 { i = i + 1; items[i] = i }
    fn twice(f) { return fn(v) { return f(f(v)) } }
    print(twice(fn(v) { return v * 2 })(5), loud.shout("hi"), counter.increment(1))
    return
}
"#;

#[test]
fn sample_program_is_valid() {
    on_normal_stack(|| {
        let parsed = parse_checked(PROGRAM, true);
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        assert_eq!(parsed.module.items.len(), 7);
    });
}

/// Brackets opened and not closed, outside strings and comments (an unterminated string counts
/// as invalid too).
fn unbalanced(source: &str) -> bool {
    let (mut depth, mut chars) = (0i64, source.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '"' => loop {
                match chars.next() {
                    None => return true,
                    Some('"') => break,
                    Some('\\') => {
                        let _ = chars.next();
                    }
                    Some(_) => {}
                }
            },
            '/' if chars.peek() == Some(&'/') => while chars.next_if(|c| *c != '\n').is_some() {},
            _ => {}
        }
    }
    depth > 0
}

#[test]
fn every_prefix_of_a_valid_program() {
    on_normal_stack(|| {
        let mut unbalanced_prefixes = 0;
        for end in (0..=PROGRAM.len()).filter(|i| PROGRAM.is_char_boundary(*i)) {
            let prefix = &PROGRAM[..end];
            let parsed = parse_checked(prefix, end % 16 == 0);
            if unbalanced(prefix) {
                unbalanced_prefixes += 1;
                assert!(
                    !parsed.diagnostics.is_empty(),
                    "no diagnostic for the prefix {prefix:?}"
                );
            }
        }
        assert!(unbalanced_prefixes > PROGRAM.len() / 2);
    });
}

const FRAGMENTS: &[&str] = &[
    "fn",
    "let",
    "if",
    "else",
    "while",
    "for",
    "in",
    "return",
    "break",
    "continue",
    "true",
    "false",
    "nil",
    "and",
    "or",
    "not",
    "object",
    "plugin",
    "route",
    "uses",
    "self",
    "x",
    "f",
    "GET",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    ";",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "\n",
    " ",
    "\t",
    "0",
    "42",
    "0x",
    "0xff",
    "1.5",
    "2e3",
    "1e400",
    "9223372036854775808",
    "\"",
    "\"s\"",
    "\\",
    "\\u{",
    "//",
    "'",
    "#",
    "!",
    "&",
    "é",
    "😀",
    "\u{0}",
    "\r",
];

/// Changes a valid program a little: deletes, duplicates or inserts a piece.
fn mutate(rng: &mut Rng, source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = bytes.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(out.len() + 1);
        match rng.below(4) {
            0 => {
                let end = (at + rng.below(12)).min(out.len());
                let _ = out.drain(at..end);
            }
            1 => {
                let end = (at + rng.below(40)).min(out.len());
                let piece = out.get(at..end).unwrap_or(&[]).to_vec();
                let to = rng.below(out.len() + 1);
                let _ = out.splice(to..to, piece);
            }
            2 => {
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())].as_bytes();
                let _ = out.splice(at..at, fragment.iter().copied());
            }
            _ => {
                let byte = (rng.next() & 0xff) as u8;
                out.insert(at.min(out.len()), byte);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn mutations_of_a_valid_program() {
    on_normal_stack(|| {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut invalid = 0;
        for round in 0..1500 {
            let source = mutate(&mut rng, PROGRAM);
            let parsed = parse_checked(&source, round % 8 == 0);
            if unbalanced(&source) {
                assert!(
                    !parsed.diagnostics.is_empty(),
                    "no diagnostic for {source:?}"
                );
            }
            invalid += usize::from(!parsed.diagnostics.is_empty());
        }
        assert!(
            invalid > 500,
            "only {invalid} mutations were reported as invalid"
        );
    });
}

/// Characters that are an error wherever they stand outside a string or comment.
fn has_stray_character(source: &str) -> bool {
    !source.contains(['"', '/', '\''])
        && source.contains(|c: char| {
            matches!(
                c,
                '#' | '@'
                    | '$'
                    | '?'
                    | '~'
                    | '^'
                    | '`'
                    | '!'
                    | '&'
                    | '|'
                    | '\\'
                    | '\u{0}'
                    | 'é'
                    | '\u{fffd}'
            )
        })
}

#[test]
fn random_byte_strings() {
    on_normal_stack(|| {
        let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
        for round in 0..3000 {
            let len = rng.below(200);
            let mut bytes = Vec::with_capacity(len);
            while bytes.len() < len {
                if rng.below(3) == 0 {
                    bytes.push((rng.next() & 0xff) as u8);
                } else {
                    bytes.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len())].as_bytes());
                }
            }
            let source = String::from_utf8_lossy(&bytes).into_owned();
            let parsed = parse_checked(&source, round % 8 == 0);
            if has_stray_character(&source) || unbalanced(&source) {
                assert!(
                    !parsed.diagnostics.is_empty(),
                    "no diagnostic for {source:?}"
                );
            }
        }
    });
}

/// Inputs nested right up to the limit reach the recursive grammar. chumsky grows the stack at
/// each `recursive` (with a 64 KiB red zone), so they parse even on a small stack, provided no
/// stretch between two of those checks is large: this catches frames growing in debug builds.
#[test]
fn deepest_valid_nesting_on_a_small_stack() {
    let deep = |open: &str, inner: &str, close: &str, n: usize| {
        format!("{}{inner}{}", open.repeat(n), close.repeat(n))
    };
    let n = aura_compiler::parse::MAX_NESTING;
    let sources = [
        format!("let x = {}", deep("(", "1", ")", n)),
        format!("let x = {}", deep("[", "1", "]", n)),
        format!("let x = {}", deep("{a: ", "1", "}", n)),
        format!("let x = {}", deep("f(", "1", ")", n)),
        format!("let x = {}", deep("fn() { return ", "1", "}", n)),
        format!("fn main() {{\n{}}}", deep("if x {\n", "", "}\n", n - 1)),
        format!(
            "fn main() {{\n{}}}",
            deep("while x { for y in z {\n", "", "}}\n", (n - 1) / 2)
        ),
        format!(
            "object o {{ fn m() {{ {} }} }}",
            deep("f(fn() { g[", "1", "] })", (n - 2) / 4)
        ),
    ];
    for source in sources {
        let thread = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                let parsed = parse(&source);
                assert!(
                    parsed.diagnostics.is_empty(),
                    "{:?}",
                    codes(&parsed.diagnostics)
                );
                // Dropping the module recurses over it; do that on the big stack below.
                parsed
            });
        match thread.map(|t| t.join()) {
            Ok(Ok(parsed)) => on_normal_stack(move || {
                let _ = resolve(&parsed.module, &Module::default());
                drop(parsed)
            }),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(e) => panic!("could not start the test thread: {e}"),
        }
    }
}

/// The input is reported as nested too deep, and nothing crashes on the way.
fn assert_too_deep(source: String) {
    on_normal_stack(move || {
        let parsed = parse_checked(&source, false);
        let codes = codes(&parsed.diagnostics);
        assert!(codes.contains(&NESTING_TOO_DEEP), "codes: {codes:?}");
    });
}

#[test]
fn a_megabyte_of_open_parentheses() {
    assert_too_deep("(".repeat(MB));
}

#[test]
fn a_megabyte_of_minus_signs() {
    assert_too_deep(format!("let x = {}1", "-".repeat(MB)));
}

#[test]
fn a_megabyte_of_minus_signs_alone() {
    assert_too_deep("-".repeat(MB));
}

#[test]
fn a_megabyte_of_one_plus() {
    assert_too_deep(format!("fn main() {{ let x = {}1 }}", "1+".repeat(MB / 2)));
}

#[test]
fn a_megabyte_of_one_plus_alone() {
    // Ends in `+`: reported as an unexpected end of input; the depth error is on the way.
    on_normal_stack(|| {
        let source = "1+".repeat(MB / 2);
        assert!(!parse_checked(&source, false).diagnostics.is_empty());
    });
}

#[test]
fn a_megabyte_of_open_brackets() {
    assert_too_deep("[".repeat(MB));
}

#[test]
fn deep_braces_not_and_lambdas() {
    assert_too_deep("{".repeat(MB / 8));
    assert_too_deep(format!("let x = {}a", "not ".repeat(MB / 32)));
    assert_too_deep(format!("let f = {}", "fn() { return ".repeat(MB / 64)));
    assert_too_deep(format!("let x = {}1", "-(".repeat(MB / 16)));
}

#[test]
fn long_postfix_chains() {
    assert_too_deep(format!("let x = a{}", ".b".repeat(MB / 16)));
    assert_too_deep(format!("let x = f{}", "()".repeat(MB / 16)));
    assert_too_deep(format!("let x = a{}", "[0]".repeat(MB / 24)));
    assert_too_deep(format!("fn main() {{ a{}.c = 1 }}", ".b".repeat(MB / 16)));
}

#[test]
fn long_else_if_chain() {
    assert_too_deep(format!(
        "fn main() {{ if a {{}} {} }}",
        "else if a {} ".repeat(MB / 128)
    ));
}

#[test]
fn long_flat_inputs_are_fine() {
    on_normal_stack(|| {
        let list = format!("let x = [{}1]", "1, ".repeat(MB / 32));
        assert!(parse_checked(&list, false).diagnostics.is_empty());
        let items = "fn f(a) { return a + 1 }\n".repeat(MB / 256);
        assert!(parse_checked(&items, false).diagnostics.is_empty());
    });
}
