//! `aura`: the command line of the Aura toolchain.

#![forbid(unsafe_code)]

mod fmt_cmd;
mod input;
mod lsp;
mod repl;
mod test_cmd;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use input::{Failure, Loaded};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Aura programs allocate many small strings, lists and maps; mimalloc serves those faster than
/// the system allocator (measured in `bench/`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Colour diagnostics: `auto` on a terminal unless NO_COLOR is set
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// When standard error is a terminal and NO_COLOR is unset or empty
    Auto,
    Always,
    Never,
}

/// Whether diagnostics are drawn in colour; decided once from `--color` (see [`ColorChoice`]).
static COLOR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn color() -> bool {
    COLOR.load(std::sync::atomic::Ordering::Relaxed)
}

fn decide_color(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            !no_color && !dumb && std::io::stderr().is_terminal()
        }
    }
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
        /// Step budget (→ `out of fuel`). interp: every statement, loop iteration and call costs
        /// one; wasm: wasmtime fuel, about one per wasm instruction; not available on native
        #[arg(long, value_name = "N")]
        fuel: Option<u64>,
        /// Heap cap in bytes; suffixes K, M, G (→ `out of memory`). The default keeps a runaway
        /// program from exhausting the machine
        #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "4G")]
        max_memory: u64,
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
    /// Format Aura source in the canonical style, comments kept
    #[command(
        long_about = "Format each PATH in the canonical style (spec/fmt.md), keeping \
its comments. PATH is a file, a directory (its `.aura` files, recursively; hidden folders and \
`target` skipped) or `-` for standard input. A `.json` PATH is a UAST document (no comments).\n\n\
Without --check or --write the formatted text goes to standard output.\n\n\
Exit status: 0 ok, 1 a syntax error or (with --check) a file not in canonical form, 2 usage."
    )]
    Fmt {
        /// Files, directories, or `-` (standard input)
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Print a unified diff for each file not in canonical form, and exit 1 if any is not
        #[arg(long, conflicts_with = "write")]
        check: bool,
        /// Rewrite files in place (standard input is printed)
        #[arg(long, short = 'w')]
        write: bool,
    },
    /// Run the test functions (top-level `fn test_*()`) of Aura files
    #[command(
        long_about = "Run every top-level `fn test_NAME()` of each PATH (a file, or a \
directory: its `.aura` files, recursively; default: the current directory). Each test runs in a \
fresh program: globals and objects initialised, then the test called in place of main(). A test \
fails when it ends in a runtime error, e.g. `assert(cond, \"message\")`. Prints \
`test FILE::NAME ... ok` or `... FAILED` with the error, then `N passed, N failed`.\n\n\
Exit status: 0 all passed, 1 a test failed or a file does not check, 2 usage."
    )]
    Test {
        /// Files or directories [default: .]
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Backend that runs the tests
        #[arg(long, value_enum, default_value_t = Target::Interp)]
        target: Target,
        /// Step budget of each test (interp and wasm; see `aura run --help`)
        #[arg(long, value_name = "N")]
        fuel: Option<u64>,
        /// Maximum call depth (→ `stack overflow`)
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        max_depth: usize,
    },
    /// Read-eval-print loop: define functions and objects, evaluate expressions
    #[command(
        long_about = "An interactive session on the interpreter. Definitions (fn, object, \
let, uses, plugin) accumulate, a new one replacing an old one of the same name; any other input \
runs as the body of main() over them and the value of a last expression is printed. An input \
continues on the next line while a bracket is open. History is kept in $AURA_HISTORY or \
~/.aura_history. :help, :defs, :reset, :quit (or Ctrl-D)."
    )]
    Repl,
    /// Language server over stdio (diagnostics, hover, definition, symbols, formatting)
    #[command(
        long_about = "A language server (LSP) on standard input and output, for \
editors: diagnostics as you type (the codes and hints of `aura check`), hover, go to definition, \
document symbols and formatting (as `aura fmt`). See spec/cli.md."
    )]
    Lsp,
    /// Print a shell completion script (e.g. `aura completions bash > ~/.local/share/bash-completion/completions/aura`)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: Shell,
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
        /// For `--target native`: an ELF relocatable object (`obj`, the default) or an
        /// executable linked with the system `cc` (`exe`)
        #[arg(long, value_enum)]
        emit: Option<Emit>,
    },
    /// Serve every module of DIR: plugin routes over HTTP, messages to objects, a living image
    #[command(
        long_about = "Serve every `*.aura` module of DIR (each named after its file stem). \
Each module is checked like `aura check`; one with diagnostics is logged and not loaded.\n\n\
Endpoints: every plugin `route METHOD \"PATH\"`; GET /health; GET /api/status; \
POST /message {\"target\", \"method\", \"args\"}; POST /api/evolve_plugin {\"module\", \"source\"}.\n\n\
Objects' slots and each module's `store` persist in a redb database. The limits apply to each \
request. Prints `listening on http://ADDR` on stdout once ready. See spec/host.md."
    )]
    Serve {
        /// Directory of `*.aura` modules (evolved sources are written back here)
        dir: PathBuf,
        /// TCP port; 0 picks a free one
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// The redb database [default: DIR/.aura/image.redb]
        #[arg(long, value_name = "PATH")]
        data: Option<PathBuf>,
        /// Step budget per request (→ `out of fuel`)
        #[arg(long, value_name = "N", default_value_t = 50_000_000)]
        fuel: u64,
        /// Heap growth allowed per request in bytes; suffixes K, M, G (→ `out of memory`)
        #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "256M")]
        max_memory: u64,
        /// Maximum call depth per request (→ `stack overflow`)
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        max_depth: usize,
        /// Look for new or changed `*.aura` files in DIR every MS milliseconds; 0: never
        #[arg(long, value_name = "MS", default_value_t = 500)]
        watch: u64,
        /// Ask `sh -c CMD` for methods a message does not find (request JSON on stdin, the
        /// method's Aura source on stdout)
        #[arg(long, value_name = "CMD", conflicts_with = "synthesizer_url")]
        synthesizer_cmd: Option<String>,
        /// Ask an Ollama-compatible chat endpoint (e.g. http://127.0.0.1:11434/api/chat)
        #[arg(long, value_name = "URL")]
        synthesizer_url: Option<String>,
        /// The model named in requests to --synthesizer-url
        #[arg(long, value_name = "NAME", default_value = "qwen2.5-coder")]
        synthesizer_model: String,
        /// Seconds the synthesiser may take for one method
        #[arg(long, value_name = "SECS", default_value_t = 60)]
        synthesizer_timeout: u64,
        /// File holding the admin token (needed to change code) [default: the AURA_TOKEN
        /// environment variable, else the `token` file beside the database, generated at first
        /// start]; a non-loopback --bind needs this or AURA_TOKEN
        #[arg(long, value_name = "PATH")]
        token_file: Option<PathBuf>,
        /// A Host name to answer besides localhost/127.0.0.1/[::1] (repeatable); without it a
        /// loopback host refuses other names (DNS rebinding) and a non-loopback one takes any
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_host: Vec<String>,
        /// Connections served at once; one more is answered 503 and closed
        #[arg(long, value_name = "N", default_value_t = 256)]
        max_connections: usize,
        /// Seconds a connection has to send a whole request head (also the idle timeout of a
        /// kept-alive connection)
        #[arg(long, value_name = "SECS", default_value_t = 10)]
        header_timeout: u64,
        /// Seconds a request has to send its body (→ 408)
        #[arg(long, value_name = "SECS", default_value_t = 10)]
        body_timeout: u64,
        /// Largest request body; suffixes K, M, G (→ 413)
        #[arg(long, value_name = "BYTES", value_parser = parse_size, default_value = "1M")]
        max_body: u64,
        /// Wall-clock seconds one request's Aura code may run (→ 503 `timeout`); /health
        /// reports the worker stuck when a job runs 2 s past it
        #[arg(long, value_name = "SECS", default_value_t = 10)]
        deadline: u64,
    },
    /// Send a message to an object of a running host (or check its health)
    #[command(
        long_about = "Send METHOD to the object TARGET (`object` or `module.object`) of \
a running `aura serve`, and print the result as JSON.\n\n\
Each ARG is JSON, or else a bare word taken as a string. `name=value` words are gathered into \
one map (each value JSON, else a string) passed as the last argument:\n\n  \
aura send counter increment 5\n  aura send system set_attribute key=test value=123\n\n\
Exit status: 0 the host answered 2xx, 1 it answered an error or could not be reached, 2 usage."
    )]
    Send {
        /// The object: `object`, or `module.object` when several modules define it
        #[arg(required_unless_present = "health")]
        target: Option<String>,
        /// The message (method) name
        #[arg(required_unless_present = "health")]
        method: Option<String>,
        /// Arguments: JSON, bare words (strings) and name=value pairs (`--` before one that
        /// starts with `-` and is not a number)
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
        /// The host
        #[arg(long, default_value = aura_host::client::DEFAULT_URL)]
        url: String,
        /// Ask GET /health instead of sending a message
        #[arg(long, conflicts_with_all = ["target", "method", "args"])]
        health: bool,
        /// Seconds to wait for the host
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        timeout: u64,
        /// File holding the host's admin token [default: the AURA_TOKEN environment variable,
        /// else .aura/token in the current directory]; sent so that a synthesiser may install
        /// a missing method
        #[arg(long, value_name = "PATH")]
        token_file: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Target {
    /// The tree interpreter
    Interp,
    /// WebAssembly (with the compiled runtime) in an embedded wasmtime sandbox
    Wasm,
    /// Native x86-64 code (compiled with Cranelift, linked with the system `cc`)
    Native,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Emit {
    /// An x86-64 ELF relocatable object (program and runtime; see spec/abi.md)
    Obj,
    /// An x86-64 Linux executable
    Exe,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BuildTarget {
    /// The checked UAST as JSON
    Uast,
    /// A self-contained WebAssembly module: exports `aura_main`, `rt_set_max_depth`, `memory`;
    /// imports `aura_write`, `aura_fail` and the declared capabilities (see spec/abi.md)
    Wasm,
    /// An x86-64 ELF object file (or an executable with `--emit exe`)
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
    COLOR.store(
        decide_color(cli.color),
        std::sync::atomic::Ordering::Relaxed,
    );
    let result = match cli.command {
        Command::Run {
            file,
            target,
            fuel,
            max_memory,
            max_depth,
        } => {
            let options = aura_host_api::Options {
                max_depth,
                fuel,
                max_memory: Some(max_memory),
            };
            run(&file, target, &options)
        }
        Command::Check { file, format } => check(&file, format),
        Command::Ast { file, no_spans } => ast(&file, no_spans),
        Command::Fmt {
            paths,
            check,
            write,
        } => {
            let mode = match (check, write) {
                (true, _) => fmt_cmd::Mode::Check,
                (false, true) => fmt_cmd::Mode::Write,
                (false, false) => fmt_cmd::Mode::Print,
            };
            fmt_cmd::fmt(&paths, mode, color())
        }
        Command::Completions { shell } => completions(shell),
        Command::Repl => repl::repl(),
        Command::Lsp => lsp::lsp(),
        Command::Test {
            paths,
            target,
            fuel,
            max_depth,
        } => {
            let paths = if paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                paths
            };
            if fuel.is_some() && target == Target::Native {
                Err(Failure::Usage(
                    "--fuel is not supported by the native target (use interp or wasm)".into(),
                ))
            } else {
                let options = aura_host_api::Options {
                    max_depth,
                    fuel,
                    max_memory: Some(4 << 30),
                };
                test_cmd::test(&paths, target, &options)
            }
        }
        Command::Build {
            file,
            target,
            output,
            emit,
        } => build(&file, target, &output, emit),
        Command::Serve {
            dir,
            port,
            bind,
            data,
            fuel,
            max_memory,
            max_depth,
            watch,
            synthesizer_cmd,
            synthesizer_url,
            synthesizer_model,
            synthesizer_timeout,
            token_file,
            allow_host,
            max_connections,
            header_timeout,
            body_timeout,
            max_body,
            deadline,
        } => serve_token(token_file).and_then(|token| {
            serve(aura_host::Config {
                token,
                allowed_hosts: allow_host,
                limits: aura_host::Limits {
                    max_connections: max_connections.max(1),
                    header_timeout: std::time::Duration::from_secs(header_timeout.max(1)),
                    body_timeout: std::time::Duration::from_secs(body_timeout.max(1)),
                    max_body: usize::try_from(max_body).unwrap_or(usize::MAX),
                    deadline: std::time::Duration::from_secs(deadline.max(1)),
                },
                synthesizer: synthesizer_cmd
                    .map(aura_host::synth::Source::Command)
                    .or(synthesizer_url.map(|url| aura_host::synth::Source::Url {
                        url,
                        model: synthesizer_model,
                    }))
                    .map(|source| aura_host::synth::Synthesizer {
                        source,
                        timeout: std::time::Duration::from_secs(synthesizer_timeout.max(1)),
                    }),
                dir,
                bind,
                port,
                data,
                watch: (watch > 0).then(|| std::time::Duration::from_millis(watch)),
                options: aura_host_api::Options {
                    max_depth,
                    fuel: Some(fuel),
                    max_memory: Some(max_memory),
                },
            })
        }),
        Command::Send {
            target,
            method,
            args,
            url,
            health,
            timeout,
            token_file,
        } => send(target, method, &args, &url, health, timeout, token_file),
    };
    match result {
        Ok(()) => 0,
        Err(failure) => failure.report(),
    }
}

/// Native stack wasm code may use: the run happens on the `STACK_BYTES` thread, which keeps the
/// rest for the host. Deep recursion normally stops at `--max-depth` long before this.
const WASM_STACK_BYTES: usize = STACK_BYTES / 2;

fn run(file: &Path, target: Target, options: &aura_host_api::Options) -> Result<(), Failure> {
    match target {
        Target::Interp => {}
        Target::Wasm => return run_wasm(file, options),
        Target::Native => return run_native(file, options),
    }
    let loaded = Loaded::checked(file)?;
    let mut host = aura_host_api::StdHost::new();
    let result = aura_interp::run(
        &loaded.checked.module,
        &loaded.checked.prelude,
        options,
        &mut host,
    );
    // Flushes standard output before any error goes to standard error.
    let written = host.finish();
    result.map_err(Failure::Runtime)?;
    written.map_err(|e| Failure::Io(format!("cannot write to standard output: {e}")))
}

/// check → lower → emit → run in wasmtime, with the interpreter's limits and host.
fn run_wasm(file: &Path, options: &aura_host_api::Options) -> Result<(), Failure> {
    let wasm = compile_wasm(file)?;
    run_wasm_bytes(&wasm, options)
}

/// Runs a compiled module in wasmtime with the interpreter's limits and host.
pub(crate) fn run_wasm_bytes(wasm: &[u8], options: &aura_host_api::Options) -> Result<(), Failure> {
    let limits = aura_wasm_sandbox::Limits {
        fuel: options.fuel,
        max_memory: options.max_memory.unwrap_or(u64::MAX),
        max_depth: options.max_depth as u64,
        max_wasm_stack: WASM_STACK_BYTES,
    };
    aura_wasm_sandbox::run(wasm, &limits, aura_wasm_sandbox::Io::std()).map_err(|e| match e {
        aura_wasm_sandbox::RunError::Runtime(error) => Failure::Runtime(error),
        other => Failure::Io(other.to_string()),
    })
}

/// The compiled targets' pipeline, in one place: FILE checked, then lowered to LIR and verified
/// (`aura_lir::compile`), then emitted by the target's backend: one self-contained wasm module
/// or one x86-64 object (the runtime included in both).
fn compile(file: &Path, target: CompiledTarget) -> Result<Vec<u8>, Failure> {
    let loaded = Loaded::checked(file)?;
    compile_checked(&loaded.checked, &loaded.path, target)
}

/// A checked program (from the file at `path`) through the compiled pipeline of `target`.
pub(crate) fn compile_checked(
    checked: &aura_compiler::Checked,
    path: &str,
    target: CompiledTarget,
) -> Result<Vec<u8>, Failure> {
    let module = &checked.module;
    let program = aura_lir::compile(module, &checked.prelude).map_err(|e| {
        let suffix = match (&e, target) {
            (aura_lir::CompileError::Lower(_), CompiledTarget::Native) => " (native target)",
            _ => "",
        };
        Failure::Io(format!("{path}: {e}{suffix}"))
    })?;
    match target {
        CompiledTarget::Wasm => {
            let uses = aura_wasm::declared_capabilities(module);
            aura_wasm::emit(&program, &uses).map_err(|e| Failure::Io(format!("{path}: {e}")))
        }
        CompiledTarget::Native => {
            aura_native::build_object(&program).map_err(|e| Failure::Io(e.to_string()))
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) enum CompiledTarget {
    Wasm,
    Native,
}

/// FILE as one self-contained wasm module (the runtime included).
fn compile_wasm(file: &Path) -> Result<Vec<u8>, Failure> {
    compile(file, CompiledTarget::Wasm)
}

fn check(file: &Path, format: Format) -> Result<(), Failure> {
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
            let diagnostics = aura_compiler::render::json_program(
                &loaded.checked.diagnostics,
                &loaded.path,
                &loaded.source,
                &|path| loaded.checked.module_source(path),
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

fn ast(file: &Path, no_spans: bool) -> Result<(), Failure> {
    let document = Loaded::checked(file)?.document();
    print_stdout(&format!("{}\n", document.to_json(!no_spans)))
}

fn completions(shell: Shell) -> Result<(), Failure> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    match shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut command, "aura", &mut out)
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut command, "aura", &mut out)
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut command, "aura", &mut out)
        }
    }
    print_stdout(&String::from_utf8_lossy(&out))
}

/// The checked program compiled to one x86-64 object (program + runtime).
fn native_object(file: &Path) -> Result<Vec<u8>, Failure> {
    compile(file, CompiledTarget::Native)
}

/// `aura run --target native`: builds an executable in a scratch directory and runs it with
/// this process's standard streams; the limits travel in its environment (see support.c).
fn run_native(file: &Path, options: &aura_host_api::Options) -> Result<(), Failure> {
    if options.fuel.is_some() {
        return Err(Failure::Usage(
            "--fuel is not supported by the native target (use interp or wasm)".into(),
        ));
    }
    let object = native_object(file)?;
    let dir = aura_native::TempDir::new("run").map_err(|e| Failure::Io(e.to_string()))?;
    let exe = dir.path().join("program");
    aura_native::link_executable(&object, &exe).map_err(|e| Failure::Io(e.to_string()))?;
    let mut command = std::process::Command::new(&exe);
    command.env("AURA_MAX_DEPTH", options.max_depth.to_string());
    if let Some(max_memory) = options.max_memory {
        command.env("AURA_MAX_MEMORY", max_memory.to_string());
    }
    let status = command
        .status()
        .map_err(|e| Failure::Io(format!("cannot run the native program: {e}")))?;
    match status.code() {
        Some(0) => Ok(()),
        // A runtime error, already reported on stderr by the program.
        Some(1) => Err(Failure::Silent),
        Some(code) => Err(Failure::Io(format!(
            "the native program exited with status {code}"
        ))),
        None => Err(Failure::Io(format!(
            "the native program was killed ({status})"
        ))),
    }
}

fn build(
    file: &Path,
    target: BuildTarget,
    output: &Path,
    emit: Option<Emit>,
) -> Result<(), Failure> {
    if emit.is_some() && target != BuildTarget::Native {
        return Err(Failure::Usage(
            "--emit applies to --target native only".into(),
        ));
    }
    match target {
        BuildTarget::Uast => {}
        BuildTarget::Wasm => {
            let wasm = compile_wasm(file)?;
            return std::fs::write(output, wasm)
                .map_err(|e| Failure::Io(format!("cannot write {}: {e}", output.display())));
        }
        BuildTarget::Native => {
            let object = native_object(file)?;
            return match emit.unwrap_or(Emit::Obj) {
                Emit::Obj => std::fs::write(output, object)
                    .map_err(|e| Failure::Io(format!("cannot write {}: {e}", output.display()))),
                Emit::Exe => aura_native::link_executable(&object, output)
                    .map_err(|e| Failure::Io(e.to_string())),
            };
        }
    }
    let document = Loaded::checked(file)?.document();
    std::fs::write(output, document.to_json(true) + "\n")
        .map_err(|e| Failure::Io(format!("cannot write {}: {e}", output.display())))
}

pub(crate) fn print_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Io(format!("cannot write to standard output: {e}")))
}

fn serve(config: aura_host::Config) -> Result<(), Failure> {
    aura_host::serve(config, |addr| {
        // The one line on stdout: tests and scripts read the address from it.
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
    })
    .map_err(|e| Failure::Io(e.to_string()))
}

/// `aura serve`'s explicit admin token: `--token-file`, else `AURA_TOKEN`, else none (the host
/// uses the one in its data directory).
fn serve_token(file: Option<PathBuf>) -> Result<Option<String>, Failure> {
    if let Some(file) = file {
        return aura_host::auth::read_token_file(&file)
            .map(Some)
            .map_err(Failure::Io);
    }
    Ok(std::env::var("AURA_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty()))
}

fn send(
    target: Option<String>,
    method: Option<String>,
    args: &[String],
    url: &str,
    health: bool,
    timeout: u64,
    token_file: Option<PathBuf>,
) -> Result<(), Failure> {
    let timeout = std::time::Duration::from_secs(timeout.max(1));
    let response = if health {
        aura_host::client::request(url, "GET", "/health", None, timeout)
    } else {
        let (Some(target), Some(method)) = (target, method) else {
            return Err(Failure::Usage("send needs TARGET and METHOD".into()));
        };
        let message = serde_json::json!({
            "target": target,
            "method": method,
            "args": aura_host::client::message_args(args),
        });
        let token = match token_file {
            Some(file) => Some(aura_host::auth::read_token_file(&file).map_err(Failure::Io)?),
            None => aura_host::client::find_token(&[PathBuf::from(".aura").join("token")])
                .map_err(Failure::Io)?,
        };
        aura_host::client::request_as(
            url,
            "POST",
            "/message",
            Some(&message.to_string()),
            timeout,
            token.as_deref(),
        )
    }
    .map_err(Failure::Io)?;
    let body: serde_json::Value = serde_json::from_str(&response.body)
        .unwrap_or_else(|_| serde_json::Value::String(response.body.clone()));
    let ok = (200..300).contains(&response.status);
    if ok {
        // A message prints its result; `--health` prints the whole answer.
        let shown = if health {
            &body
        } else {
            body.get("result").unwrap_or(&body)
        };
        print_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(shown).unwrap_or_default()
        ))?;
        return Ok(());
    }
    match (
        body.get("error").and_then(|e| e.as_str()),
        body.get("message").and_then(|m| m.as_str()),
    ) {
        (Some(kind), Some(message)) => {
            eprintln!("aura: host answered {}: {kind}: {message}", response.status)
        }
        _ => eprintln!("aura: host answered {}: {}", response.status, response.body),
    }
    Err(Failure::Silent)
}
