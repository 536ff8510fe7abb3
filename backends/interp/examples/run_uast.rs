//! Runs a UAST document with the interpreter: `run_uast PRELUDE.json MODULE.json`.
//! A small driver for benchmarking and debugging without the CLI.

use std::process::ExitCode;

fn load(path: &str) -> Result<aura_uast::Module, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    aura_uast::Document::from_json(&text)
        .map(|d| d.module)
        .map_err(|e| format!("{path}: {e}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: run_uast PRELUDE.json MODULE.json");
        return ExitCode::from(2);
    }
    let (prelude, module) = match (load(&args[1]), load(&args[2])) {
        (Ok(p), Ok(m)) => (p, m),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut options = aura_interp::Options::default();
    let mut rest = args[3..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().and_then(|v| v.parse::<u64>().ok());
        match flag.as_str() {
            "--fuel" => options.fuel = value,
            "--max-memory" => options.max_memory = value,
            "--max-depth" => options.max_depth = value.unwrap_or(10_000) as usize,
            _ => {}
        }
    }
    let mut host = aura_host_api::StdHost::new();
    let result = aura_interp::run(&module, &prelude, &options, &mut host);
    drop(host);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
