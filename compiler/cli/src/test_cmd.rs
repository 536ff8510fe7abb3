//! `aura test [PATH...]`: runs every top-level `fn test_*()` of the files on one target and
//! reports each (`spec/cli.md`, "aura test").

use crate::input::{Failure, Loaded};
use crate::Target;
use aura_uast::{Block, Expr, FnDef, Ident, Item, Module, Span, Stmt};
use std::io::Write;
use std::path::PathBuf;

/// What became of one test.
enum Outcome {
    Passed,
    /// The first line of the error (`runtime error: KIND: message`, or why it could not run).
    Failed(String),
}

pub fn test(
    paths: &[PathBuf],
    target: Target,
    options: &aura_host_api::Options,
) -> Result<(), Failure> {
    let files = crate::fmt_cmd::aura_files(paths)?;
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        let loaded = match Loaded::checked(file) {
            Ok(loaded) => loaded,
            Err(failure) => {
                let _ = failure.report();
                println!("test {} ... FAILED (does not check)", file.display());
                failed += 1;
                continue;
            }
        };
        // The file's own tests; a module it imports is tested when it is given itself.
        for def in test_functions(loaded.checked.entry_module()) {
            let name = format!("{}::{}", loaded.path, def.name.name);
            let outcome = if def.params.is_empty() {
                run_one(&loaded, &def.name.name, target, options)
            } else {
                Outcome::Failed("a test function takes no parameters".to_string())
            };
            flush_stdout();
            match outcome {
                Outcome::Passed => {
                    passed += 1;
                    println!("test {name} ... ok");
                }
                Outcome::Failed(why) => {
                    failed += 1;
                    let at = failed_assert(loaded.checked.entry_module(), &def, &why)
                        .unwrap_or(def.span);
                    let (line, column) = line_column(&loaded.source, at);
                    println!("test {name} ... FAILED");
                    println!("    {why}");
                    println!(
                        "    in {} at {}:{line}:{column}",
                        def.name.name, loaded.path
                    );
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    flush_stdout();
    if failed > 0 {
        Err(Failure::Silent)
    } else {
        Ok(())
    }
}

fn flush_stdout() {
    let _ = std::io::stdout().flush();
}

/// The top-level `fn test_*` definitions, in source order.
fn test_functions(module: &Module) -> Vec<FnDef> {
    module
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Fn(def) if def.name.name.starts_with("test_") => Some(def.clone()),
            _ => None,
        })
        .collect()
}

/// Where the assert that failed is, when the source tells: the one `assert(..., "MESSAGE")` of
/// the module with the failure's message, or else the test's only `assert(cond)` when the
/// failure has none. (Runtime errors carry no location of their own.)
fn failed_assert(module: &Module, test: &FnDef, why: &str) -> Option<Span> {
    let message = why.strip_prefix("runtime error: assertion failed: ")?;
    let mut everywhere = Vec::new();
    for item in &module.items {
        match item {
            Item::Fn(def) => asserts_in_block(&def.body, &mut everywhere),
            Item::Let { value, .. } => asserts_in_expr(value, &mut everywhere),
            _ => {}
        }
    }
    let with_message: Vec<Span> = everywhere
        .iter()
        .filter(|(_, m)| m.as_deref() == Some(message))
        .map(|(span, _)| *span)
        .collect();
    if let [only] = with_message.as_slice() {
        return Some(*only);
    }
    if message == "assertion failed" {
        let mut own = Vec::new();
        asserts_in_block(&test.body, &mut own);
        let bare: Vec<Span> = own
            .iter()
            .filter(|(_, m)| m.is_none())
            .map(|(span, _)| *span)
            .collect();
        if let [only] = bare.as_slice() {
            return Some(*only);
        }
    }
    None
}

/// Every `assert(...)` call: its span and its message when that is a string literal.
type Asserts = Vec<(Span, Option<String>)>;

fn asserts_in_block(block: &Block, out: &mut Asserts) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let { value, .. } | Stmt::Expr { expr: value, .. } => asserts_in_expr(value, out),
            Stmt::Assign { value, .. } => asserts_in_expr(value, out),
            Stmt::Return { value, .. } => {
                if let Some(value) = value {
                    asserts_in_expr(value, out)
                }
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                asserts_in_expr(cond, out);
                asserts_in_block(then, out);
                if let Some(otherwise) = otherwise {
                    asserts_in_block(otherwise, out);
                }
            }
            Stmt::While { cond, body, .. } => {
                asserts_in_expr(cond, out);
                asserts_in_block(body, out);
            }
            Stmt::For { iter, body, .. } => {
                asserts_in_expr(iter, out);
                asserts_in_block(body, out);
            }
            Stmt::Try { body, handler, .. } => {
                asserts_in_block(body, out);
                asserts_in_block(handler, out);
            }
            Stmt::Fn(def) => asserts_in_block(&def.body, out),
            Stmt::Break { .. } | Stmt::Continue { .. } => {}
        }
    }
}

fn asserts_in_expr(e: &Expr, out: &mut Asserts) {
    match e {
        Expr::Call { span, callee, args } => {
            if matches!(callee.as_ref(), Expr::Var { name, .. } if name == "assert") {
                let message = match args.get(1) {
                    Some(Expr::Str { value, .. }) => Some(value.clone()),
                    _ => None,
                };
                out.push((*span, message));
            }
            asserts_in_expr(callee, out);
            args.iter().for_each(|a| asserts_in_expr(a, out));
        }
        Expr::Send { receiver, args, .. } => {
            asserts_in_expr(receiver, out);
            args.iter().for_each(|a| asserts_in_expr(a, out));
        }
        Expr::List { items, .. } => items.iter().for_each(|i| asserts_in_expr(i, out)),
        Expr::Map { entries, .. } => entries.iter().for_each(|m| asserts_in_expr(&m.value, out)),
        Expr::Unary { operand, .. } => asserts_in_expr(operand, out),
        Expr::Binary { lhs, rhs, .. } => {
            asserts_in_expr(lhs, out);
            asserts_in_expr(rhs, out);
        }
        Expr::Field { object, .. } => asserts_in_expr(object, out),
        Expr::Index { object, index, .. } => {
            asserts_in_expr(object, out);
            asserts_in_expr(index, out);
        }
        Expr::Lambda { body, .. } => asserts_in_block(body, out),
        _ => {}
    }
}

/// 1-based line and column of `span`'s start.
fn line_column(source: &str, span: Span) -> (usize, usize) {
    let before = source.get(..span.start as usize).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// The module with its `main` replaced by `fn main() { NAME() }`: the program runs its global
/// initialisers as usual, then the test.
fn with_main_calling(module: &Module, name: &str) -> Module {
    let ident = |name: &str| Ident {
        span: Span::default(),
        name: name.to_string(),
    };
    let call = Expr::Call {
        span: Span::default(),
        callee: Box::new(Expr::Var {
            span: Span::default(),
            name: name.to_string(),
        }),
        args: Vec::new(),
    };
    let main = FnDef {
        span: Span::default(),
        name: ident("main"),
        params: Vec::new(),
        body: Block {
            span: Span::default(),
            stmts: vec![Stmt::Expr {
                span: Span::default(),
                expr: call,
            }],
        },
    };
    // Each kept item keeps its file (for the locations of runtime traces).
    let (mut items, mut item_sources): (Vec<Item>, Vec<_>) = module
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| !matches!(item, Item::Fn(def) if def.name.name == "main"))
        .map(|(i, item)| (item.clone(), module.source_of(i)))
        .unzip();
    items.push(Item::Fn(main));
    item_sources.push(module.source.clone());
    Module {
        items,
        source: module.source.clone(),
        item_sources: if module.item_sources.is_empty() {
            Vec::new()
        } else {
            item_sources
        },
    }
}

fn run_one(
    loaded: &Loaded,
    name: &str,
    target: Target,
    options: &aura_host_api::Options,
) -> Outcome {
    let checked = aura_compiler::check_module(with_main_calling(&loaded.checked.module, name));
    if !checked.is_ok() {
        let first = checked
            .diagnostics
            .first()
            .map(|d| format!("[{}] {}", d.code, d.title))
            .unwrap_or_default();
        return Outcome::Failed(format!("cannot run the test: {first}"));
    }
    let result = match target {
        Target::Interp => {
            let mut host = aura_host_api::StdHost::new();
            let result = aura_interp::run(&checked.module, &checked.prelude, options, &mut host);
            let _ = host.finish();
            result.map_err(|e| e.first_line())
        }
        Target::Wasm => crate::compile_checked(&checked, &loaded.path, crate::CompiledTarget::Wasm)
            .map_err(|f| f.message())
            .and_then(|wasm| {
                crate::run_wasm_bytes(&wasm, options).map_err(|f| match f {
                    crate::Failure::Runtime(e) => e.first_line(),
                    other => other.message(),
                })
            }),
        Target::Native => run_native(&checked, &loaded.path, options),
    };
    match result {
        Ok(()) => Outcome::Passed,
        Err(message) => Outcome::Failed(message),
    }
}

/// Builds the test program as an executable and runs it: its stdout passes through, the first
/// line of its stderr is the failure.
fn run_native(
    checked: &aura_compiler::Checked,
    path: &str,
    options: &aura_host_api::Options,
) -> Result<(), String> {
    let object = crate::compile_checked(checked, path, crate::CompiledTarget::Native)
        .map_err(|f| f.message())?;
    let dir = aura_native::TempDir::new("test").map_err(|e| e.to_string())?;
    let exe = dir.path().join("test");
    aura_native::link_executable(&object, &exe).map_err(|e| e.to_string())?;
    let mut command = std::process::Command::new(&exe);
    let _ = command
        .env("AURA_MAX_DEPTH", options.max_depth.to_string())
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::piped());
    if let Some(max_memory) = options.max_memory {
        let _ = command.env("AURA_MAX_MEMORY", max_memory.to_string());
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run the native test: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(stderr
        .lines()
        .next()
        .map(str::to_string)
        .unwrap_or_else(|| format!("the native test exited with {}", output.status)))
}
