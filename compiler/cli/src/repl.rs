//! `aura repl`: define functions, objects and globals one input at a time, and evaluate
//! statements and expressions against them (`spec/cli.md`, "aura repl").
//!
//! The session keeps the source text of each accepted definition. An input that parses as
//! items (`fn`, `object`, `let`, `uses`, `plugin`) is checked together with the definitions so
//! far and, when it checks, replaces any definition of the same name. Any other input is the
//! body of a fresh `main()` run on the interpreter over the definitions; when its last statement
//! is an expression, the value is printed (strings quoted). State lives in definitions: each
//! evaluation starts from freshly initialised globals.

use crate::input::Failure;
use aura_compiler::{parse, render, Diagnostic};
use aura_uast::{Expr, Item, Stmt};
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;

const HELP: &str = "\
Enter definitions (fn, object, let, uses, plugin) or statements and expressions.
An input continues on the next line while a bracket is open.
:help this text   :defs the definitions so far   :reset forget them   :quit (or Ctrl-D) leave";

/// The name the value of an expression input is bound to.
const VALUE: &str = "__repl_value";

pub fn repl() -> Result<(), Failure> {
    let mut editor =
        DefaultEditor::new().map_err(|e| Failure::Io(format!("cannot start the editor: {e}")))?;
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    println!("aura repl: :help for help, :quit or Ctrl-D to leave");
    let mut session = Session::default();
    while let Some(input) = read_input(&mut editor)? {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(trimmed);
        match trimmed {
            ":quit" | ":q" | ":exit" => break,
            ":help" | ":h" => println!("{HELP}"),
            ":defs" => print!("{}", session.source()),
            ":reset" => session = Session::default(),
            _ => session.eval(&input),
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    Ok(())
}

/// `$AURA_HISTORY`, else `~/.aura_history`; none without a home.
fn history_path() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("AURA_HISTORY") {
        return Some(path.into());
    }
    std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".aura_history"))
}

/// One input: lines read until every bracket is closed. `None` at end of input.
fn read_input(editor: &mut DefaultEditor) -> Result<Option<String>, Failure> {
    let mut input = String::new();
    loop {
        let prompt = if input.is_empty() { "aura> " } else { "...   " };
        match editor.readline(prompt) {
            Ok(line) => {
                input.push_str(&line);
                input.push('\n');
                if open_brackets(&input) <= 0 {
                    return Ok(Some(input));
                }
            }
            // Ctrl-C drops the input being typed.
            Err(ReadlineError::Interrupted) => {
                input.clear();
            }
            Err(ReadlineError::Eof) => {
                return Ok(if input.trim().is_empty() {
                    None
                } else {
                    Some(input)
                })
            }
            Err(e) => return Err(Failure::Io(format!("cannot read input: {e}"))),
        }
    }
}

/// How many `(`, `[`, `{` are open at the end of `text`, strings and comments skipped.
fn open_brackets(text: &str) -> i64 {
    let mut depth = 0i64;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            let _ = chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    depth
}

#[derive(Default)]
struct Session {
    /// Each accepted definition: the name it defines (if any) and its source text.
    defs: Vec<(Option<String>, String)>,
}

impl Session {
    fn source(&self) -> String {
        self.source_without(None)
    }

    /// The definitions as one program, leaving out those named `skip`.
    fn source_without(&self, skip: Option<&str>) -> String {
        let mut text = String::new();
        for (name, def) in &self.defs {
            if name.is_some() && name.as_deref() == skip {
                continue;
            }
            text.push_str(def);
            text.push('\n');
        }
        text
    }

    fn eval(&mut self, input: &str) {
        let parsed = parse::parse(input);
        if parsed.diagnostics.is_empty() && !parsed.module.items.is_empty() {
            self.define(input, &parsed.module.items);
        } else {
            self.run(input);
        }
    }

    /// Checks `input` (items) with the definitions that it does not replace, then keeps it.
    fn define(&mut self, input: &str, items: &[Item]) {
        let names: Vec<Option<String>> = items
            .iter()
            .map(|item| item.defined_name().map(|n| n.name.clone()))
            .collect();
        let kept: Vec<(Option<String>, String)> = self
            .defs
            .iter()
            .filter(|(name, _)| name.is_none() || !names.contains(name))
            .cloned()
            .collect();
        let mut program = String::new();
        for (_, def) in &kept {
            program.push_str(def);
            program.push('\n');
        }
        let offset = program.len();
        program.push_str(input);
        let checked = check(&program);
        if !checked.is_ok() {
            show(&checked, offset, input);
            return;
        }
        self.defs = kept;
        for (item, name) in items.iter().zip(names) {
            let span = item.span();
            let text = input.get(span.range()).unwrap_or_default().to_string();
            if let Some(name) = &name {
                println!("defined {name}");
            }
            self.defs.push((name, text));
        }
    }

    /// Runs `input` as the body of `main()` over the definitions (a `main` among them is left
    /// out); prints the value of a last expression statement.
    fn run(&self, input: &str) {
        let mut program = self.source_without(Some("main"));
        program.push_str("fn main() {\n");
        let offset = program.len();
        let body = with_value_printed(input);
        program.push_str(&body);
        program.push_str("\n}\n");
        let checked = check(&program);
        if !checked.is_ok() {
            show(&checked, offset, &body);
            return;
        }
        let mut host = aura_host_api::StdHost::new();
        let options = aura_host_api::Options {
            max_depth: 10_000,
            fuel: None,
            max_memory: Some(4 << 30),
        };
        let result = aura_interp::run(&checked.module, &checked.prelude, &options, &mut host);
        let _ = host.finish();
        // The first line only: the session's program is built from the inputs, so a trace's
        // locations would point into text the user never saw.
        if let Err(error) = result {
            eprintln!("{}", error.first_line());
        }
    }
}

/// `input` with its last statement, when it is an expression other than a `print(...)` call,
/// bound to a local and printed unless nil. The text before it is kept as typed, so diagnostics
/// point into what the user wrote.
fn with_value_printed(input: &str) -> String {
    let wrapped = format!("fn main() {{\n{input}\n}}\n");
    let offset = "fn main() {\n".len();
    let parsed = parse::parse(&wrapped);
    let Some(Item::Fn(main)) = parsed.module.items.first() else {
        return input.to_string();
    };
    let Some(Stmt::Expr { span, expr }) = main.body.stmts.last() else {
        return input.to_string();
    };
    if !parsed.diagnostics.is_empty() || is_print_call(expr) {
        return input.to_string();
    }
    let start = (span.start as usize).saturating_sub(offset);
    let end = (span.end as usize).saturating_sub(offset);
    let (Some(before), Some(expression), Some(after)) =
        (input.get(..start), input.get(start..end), input.get(end..))
    else {
        return input.to_string();
    };
    format!(
        "{before}let {VALUE} = ({expression}){after}\nif type_of({VALUE}) == \"str\" {{\n\
         print(json_encode({VALUE}))\n}} else if {VALUE} != nil {{\nprint({VALUE})\n}}"
    )
}

fn is_print_call(e: &Expr) -> bool {
    matches!(e, Expr::Call { callee, .. } if matches!(callee.as_ref(), Expr::Var { name, .. } if name == "print"))
}

/// Diagnostics of a program in which `input` starts at byte `offset`, drawn against `input`.
/// Checks the session's program; its `import`s are read relative to the working directory.
fn check(program: &str) -> aura_compiler::Checked {
    aura_compiler::check_program(
        "repl.aura",
        aura_compiler::modules::Text::Source(program.to_string()),
        &mut crate::input::read_module,
    )
}

fn show(checked: &aura_compiler::Checked, offset: usize, input: &str) {
    // A problem inside an imported module is drawn against that module's file.
    let (imported, own): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
        checked.diagnostics.iter().partition(|d| d.file.is_some());
    let imported: Vec<Diagnostic> = imported.into_iter().cloned().collect();
    if !imported.is_empty() {
        eprint!(
            "{}",
            render::text_program(
                &imported,
                "<repl>",
                input,
                &|path| checked.module_source(path),
                crate::color()
            )
        );
    }
    let shifted: Vec<Diagnostic> = own
        .into_iter()
        .map(|d| {
            let mut d = d.clone();
            for label in &mut d.labels {
                let start = (label.span.start as usize)
                    .saturating_sub(offset)
                    .min(input.len());
                let end = (label.span.end as usize)
                    .saturating_sub(offset)
                    .clamp(start, input.len());
                label.span = aura_uast::Span::new(start, end);
            }
            d
        })
        .collect();
    eprint!(
        "{}",
        render::text_colored(&shifted, "<repl>", input, crate::color())
    );
}
