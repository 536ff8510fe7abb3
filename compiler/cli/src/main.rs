//! `aura`: the command line of the Aura toolchain.

mod input;

use clap::{Parser, Subcommand, ValueEnum};
use input::{Failure, Loaded};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Stack for the whole command: parsing, auditing and interpreting recurse on the program's
/// nesting, which the front end bounds; this leaves ample room above those bounds.
const STACK_BYTES: usize = 1 << 30;

#[derive(Parser)]
#[command(
    name = "aura",
    version,
    about = "Aura: one small dynamic language, one universal AST, several backends",
    long_about = "Aura compiles plugins, prototype objects and their methods from one small \
dynamically typed language into a universal AST (UAST), audits it, and runs it.\n\n\
FILE may be Aura source (.aura) or a UAST document (.json, as printed by `aura ast`).\n\n\
Exit status: 0 success, 1 a diagnostic or runtime error, 2 a usage error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check FILE, then run it: initialise globals and objects, then call main()
    Run {
        /// Aura source or UAST JSON
        file: PathBuf,
        /// Backend that runs the program
        #[arg(long, value_enum, default_value_t = Target::Interp)]
        target: Target,
        /// Step budget: every statement, loop iteration and call costs one (→ `out of fuel`)
        #[arg(long, value_name = "N")]
        fuel: Option<u64>,
        /// Heap cap in bytes; suffixes K, M, G (→ `out of memory`)
        #[arg(long, value_name = "BYTES", value_parser = parse_size)]
        max_memory: Option<u64>,
        /// Maximum call depth (→ `stack overflow`)
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        max_depth: usize,
    },
    /// Parse and audit FILE without running it
    Check {
        file: PathBuf,
        /// `json` prints diagnostics and per-method mutation facts as JSON on stdout
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the UAST of FILE as JSON
    Ast {
        file: PathBuf,
        /// Leave spans out (the canonical form)
        #[arg(long)]
        no_spans: bool,
    },
    /// Print FILE as canonical Aura source (comments are not kept: they are not in the UAST)
    Fmt {
        file: PathBuf,
        /// Print nothing; exit 1 if FILE is not already in canonical form
        #[arg(long)]
        check: bool,
    },
    /// Compile FILE for a target and write the result to OUT
    Build {
        file: PathBuf,
        /// What to produce
        #[arg(long, value_enum)]
        target: BuildTarget,
        /// Output file
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    /// The tree interpreter
    Interp,
    /// WebAssembly in an embedded sandbox (not built yet)
    Wasm,
    /// Native x86-64 code (not built yet)
    Native,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BuildTarget {
    /// The checked UAST as JSON
    Uast,
    /// A WebAssembly module (not built yet)
    Wasm,
    /// An x86-64 object file (not built yet)
    Native,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(format!("unknown size unit `{unit}` (use K, M or G)")),
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size"))?;
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("`{text}` is too large"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let worker = std::thread::Builder::new()
        .name("aura".into())
        .stack_size(STACK_BYTES)
        .spawn(move || execute(cli));
    let code = match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => 101, // a panic; its message is already on stderr
        Err(e) => {
            eprintln!("aura: cannot start: {e}");
            101
        }
    };
    ExitCode::from(code)
}

fn execute(cli: Cli) -> u8 {
    let result = match cli.command {
        Command::Run {
            file,
            target,
            fuel,
            max_memory,
            max_depth,
        } => {
            let options = aura_interp::Options {
                max_depth,
                fuel,
                max_memory,
            };
            run(&file, target, &options)
        }
        Command::Check { file, format } => check(&file, format),
        Command::Ast { file, no_spans } => ast(&file, no_spans),
        Command::Fmt { file, check } => fmt(&file, check),
        Command::Build {
            file,
            target,
            output,
        } => build(&file, target, &output),
    };
    match result {
        Ok(()) => 0,
        Err(failure) => failure.report(),
    }
}

fn not_built(what: &str) -> Failure {
    Failure::Usage(format!(
        "the {what} backend is not built yet; the available target is `interp` (and `uast` for build)"
    ))
}

fn run(file: &PathBuf, target: Target, options: &aura_interp::Options) -> Result<(), Failure> {
    match target {
        Target::Interp => {}
        Target::Wasm => return Err(not_built("wasm")),
        Target::Native => return Err(not_built("native")),
    }
    let loaded = Loaded::checked(file)?;
    let mut host = aura_interp::StdHost::new();
    let result = aura_interp::run(
        &loaded.checked.module,
        &loaded.checked.prelude,
        options,
        &mut host,
    );
    drop(host); // flushes standard output before any error goes to standard error
    result.map_err(Failure::Runtime)
}

fn check(file: &PathBuf, format: Format) -> Result<(), Failure> {
    let loaded = Loaded::read(file)?;
    match format {
        Format::Text => {
            if !loaded.checked.is_ok() {
                return Err(loaded.diagnostics_failure());
            }
            eprintln!("{}: ok", loaded.path);
            Ok(())
        }
        Format::Json => {
            let diagnostics = aura_compiler::render::json_diagnostics(
                &loaded.checked.diagnostics,
                &loaded.path,
                &loaded.source,
            );
            let report = serde_json::json!({
                "file": loaded.path,
                "ok": loaded.checked.is_ok(),
                "diagnostics": diagnostics,
                "methods": loaded.checked.methods,
            });
            print_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            ))?;
            if loaded.checked.is_ok() {
                Ok(())
            } else {
                Err(Failure::Silent)
            }
        }
    }
}

fn ast(file: &PathBuf, no_spans: bool) -> Result<(), Failure> {
    let loaded = Loaded::checked(file)?;
    let document = aura_uast::Document::new(loaded.checked.module);
    print_stdout(&format!("{}\n", document.to_json(!no_spans)))
}

fn fmt(file: &PathBuf, check: bool) -> Result<(), Failure> {
    let loaded = Loaded::parsed(file)?;
    let formatted = aura_compiler::fmt::format(&loaded.checked.module);
    if check {
        if formatted == loaded.source {
            return Ok(());
        }
        eprintln!(
            "{}: not in canonical form (run `aura fmt {}` to see it)",
            loaded.path, loaded.path
        );
        return Err(Failure::Silent);
    }
    print_stdout(&formatted)
}

fn build(file: &PathBuf, target: BuildTarget, output: &PathBuf) -> Result<(), Failure> {
    match target {
        BuildTarget::Uast => {}
        BuildTarget::Wasm => return Err(not_built("wasm")),
        BuildTarget::Native => return Err(not_built("native")),
    }
    let loaded = Loaded::checked(file)?;
    let document = aura_uast::Document::new(loaded.checked.module);
    std::fs::write(output, document.to_json(true) + "\n")
        .map_err(|e| Failure::Io(format!("cannot write {}: {e}", output.display())))
}

fn print_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Io(format!("cannot write to standard output: {e}")))
}
