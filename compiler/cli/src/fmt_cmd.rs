//! `aura fmt [--check | --write] PATH...`: files, directories (their `.aura` files, recursively)
//! and `-` for standard input, formatted with their comments kept (`spec/fmt.md`).

use crate::input::Failure;
use crate::print_stdout;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What to do with each formatted text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print it on stdout.
    Print,
    /// Print a unified diff for each file that is not canonical; fail if any is not.
    Check,
    /// Rewrite each file that is not canonical (stdin: print it).
    Write,
}

/// One input: a file, or standard input.
enum Input {
    File(PathBuf),
    Stdin,
}

pub fn fmt(paths: &[PathBuf], mode: Mode, color: bool) -> Result<(), Failure> {
    let inputs = collect(paths)?;
    let mut failed = false;
    for input in &inputs {
        let (name, source) = match input {
            Input::Stdin => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| Failure::Usage(format!("cannot read standard input: {e}")))?;
                ("<stdin>".to_string(), text)
            }
            Input::File(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
                (path.display().to_string(), text)
            }
        };
        let formatted = match format(input, &source) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                eprint!(
                    "{}",
                    aura_compiler::render::text_colored(&diagnostics, &name, &source, color)
                );
                failed = true;
                continue;
            }
        };
        match mode {
            Mode::Print => print_stdout(&formatted)?,
            Mode::Check => {
                if formatted != source {
                    print_stdout(&unified_diff(&name, &source, &formatted))?;
                    failed = true;
                }
            }
            Mode::Write => match input {
                Input::Stdin => print_stdout(&formatted)?,
                Input::File(path) => {
                    if formatted != source {
                        std::fs::write(path, &formatted).map_err(|e| {
                            Failure::Io(format!("cannot write {}: {e}", path.display()))
                        })?;
                    }
                }
            },
        }
    }
    if failed {
        Err(Failure::Silent)
    } else {
        Ok(())
    }
}

/// Source keeps its comments; a UAST document (`.json`) has none.
fn format(input: &Input, source: &str) -> Result<String, Vec<aura_compiler::Diagnostic>> {
    let is_uast = matches!(input, Input::File(p) if p.extension().is_some_and(|e| e == "json"));
    if !is_uast {
        return aura_compiler::fmt::format_source(source);
    }
    match aura_uast::Document::from_json(source) {
        Ok(document) => {
            let limits = aura_compiler::parse::check_limits(&document.module);
            if limits.is_empty() {
                Ok(aura_compiler::fmt::format(&document.module))
            } else {
                Err(limits)
            }
        }
        Err(e) => Err(vec![aura_compiler::Diagnostic::new("E0001", e.to_string())
            .with_label(aura_uast::Span::new(0, 0), "in this document")
            .with_hint("produce UAST documents with `aura ast FILE`")]),
    }
}

/// The inputs named by `paths`, directories expanded to their `.aura` files (sorted, hidden
/// folders and `target` skipped).
fn collect(paths: &[PathBuf]) -> Result<Vec<Input>, Failure> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            out.extend(files.into_iter().map(Input::File));
        } else if path.exists() {
            out.push(Input::File(path.clone()));
        } else {
            return Err(Failure::Usage(format!(
                "cannot read {}: no such file or directory",
                path.display()
            )));
        }
    }
    Ok(out)
}

/// The files named by `paths`, directories expanded to their `.aura` files (for `aura test`).
pub fn aura_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for input in collect(paths)? {
        match input {
            Input::File(path) => files.push(path),
            Input::Stdin => {
                return Err(Failure::Usage(
                    "`-` (standard input) is not a file here".into(),
                ))
            }
        }
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                walk(&path, out)?;
            }
        } else if name.ends_with(".aura") {
            out.push(path);
        }
    }
    Ok(())
}

/// `--- NAME` / `+++ NAME (formatted)` and the changed hunks with three lines of context.
fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(name, &format!("{name} (formatted)"))
        .to_string()
}
