//! Reading FILE (source or UAST JSON) through the front end, and how each failure is reported.

use aura_compiler::modules::Text;
use aura_compiler::{render, Checked, Diagnostic};
use aura_facts::RuntimeError;
use aura_uast::{Document, Span};
use std::path::Path;

/// Why a command failed; `report` prints it once and gives the exit status.
pub enum Failure {
    /// Bad command line or unreadable input: status 2.
    Usage(String),
    /// Could not write output: status 1.
    Io(String),
    /// Syntax or audit errors, already rendered: status 1.
    Diagnostics(String),
    Runtime(RuntimeError),
    /// Already reported on stdout (JSON) or stderr: status 1.
    Silent,
}

impl Failure {
    /// The one-line message `report` would print (for `aura test`'s report).
    pub fn message(&self) -> String {
        match self {
            Failure::Usage(message) | Failure::Io(message) => message.clone(),
            Failure::Diagnostics(text) => text.lines().next().unwrap_or_default().to_string(),
            Failure::Runtime(error) => error.to_string(),
            Failure::Silent => "failed".to_string(),
        }
    }

    pub fn report(self) -> u8 {
        match self {
            Failure::Usage(message) => {
                eprintln!("aura: {message}");
                2
            }
            Failure::Io(message) => {
                eprintln!("aura: {message}");
                1
            }
            Failure::Diagnostics(text) => {
                eprint!("{text}");
                1
            }
            Failure::Runtime(error) => {
                eprintln!("{error}");
                1
            }
            Failure::Silent => 1,
        }
    }
}

/// A file run through the front end.
pub struct Loaded {
    pub path: String,
    /// The text diagnostics point into (for UAST input: the JSON text).
    pub source: String,
    pub checked: Checked,
}

impl Loaded {
    /// Reads and checks FILE; diagnostics are kept, not yet an error.
    pub fn read(file: &Path) -> Result<Loaded, Failure> {
        let path = file.display().to_string();
        let bytes =
            std::fs::read(file).map_err(|e| Failure::Usage(format!("cannot read {path}: {e}")))?;
        let is_uast = file.extension().is_some_and(|ext| ext == "json");
        let source = match String::from_utf8(bytes) {
            Ok(source) => source,
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let source = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let diagnostic = Diagnostic::new("E0100", "source is not valid UTF-8")
                    .with_label(Span::new(offset, offset + 1), "this byte is not UTF-8")
                    .with_hint("Aura source files are UTF-8 text");
                let checked = failed(vec![diagnostic]);
                return Ok(Loaded {
                    path,
                    source,
                    checked,
                });
            }
        };
        let checked = if is_uast {
            match Document::from_json(&source) {
                Ok(document) => check_document(&path, document),
                Err(e) => failed(vec![Diagnostic::new("E0001", e.to_string())
                    .with_label(Span::new(0, 0), "in this document")
                    .with_hint("produce UAST documents with `aura ast FILE`")]),
            }
        } else {
            let mut checked =
                aura_compiler::check_program(&path, Text::Source(source.clone()), &mut read_module);
            // Runtime errors point into the file of each item (`aura_uast::trace`).
            checked.attach_sources(&path, &source);
            checked
        };
        Ok(Loaded {
            path,
            source,
            checked,
        })
    }

    /// Reads FILE and fails unless it parses and passes the audit.
    pub fn checked(file: &Path) -> Result<Loaded, Failure> {
        let loaded = Loaded::read(file)?;
        if loaded.checked.is_ok() {
            Ok(loaded)
        } else {
            Err(loaded.diagnostics_failure())
        }
    }

    pub fn diagnostics_failure(&self) -> Failure {
        Failure::Diagnostics(render::text_program(
            &self.checked.diagnostics,
            &self.path,
            &self.source,
            &|path| self.checked.module_source(path),
            crate::color(),
        ))
    }

    /// The checked program as a UAST document: one module (version 1), or the entry with every
    /// module it imports (version 2).
    pub fn document(self) -> Document {
        let mut modules = self.checked.modules;
        let Some(entry) = modules.pop() else {
            return Document::new(self.checked.module);
        };
        if modules.is_empty() && entry.imports.is_empty() {
            return Document::new(entry.module);
        }
        let modules = modules
            .into_iter()
            .map(|m| aura_uast::ModuleEntry {
                path: m.path,
                content_hash: String::new(),
                imports: m.imports,
                module: m.module,
            })
            .collect();
        Document::program(entry.module, Some(entry.path), entry.imports, modules)
    }
}

/// Reads an imported module from disk (its path is relative to the working directory, as the
/// entry's is).
pub(crate) fn read_module(path: &str) -> Result<Text, String> {
    let bytes = std::fs::read(path).map_err(|e| io_reason(&e))?;
    let source = String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())?;
    Ok(Text::Source(source))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// A UAST document: a version 2 document carries the modules its entry imports, so nothing
/// is read from disk.
fn check_document(file: &str, document: Document) -> Checked {
    if document.modules.is_empty() && document.imports.is_empty() && document.path.is_none() {
        return aura_compiler::check_module(document.module);
    }
    let entry = document.path.clone().unwrap_or_else(|| file.to_string());
    let mut modules = document.modules;
    let mut read = |path: &str| -> Result<Text, String> {
        match modules.iter().position(|m| m.path == path) {
            Some(at) => Ok(Text::Uast(modules.swap_remove(at).module)),
            None => Err("the document does not contain this module".to_string()),
        }
    };
    aura_compiler::check_program(&entry, Text::Uast(document.module), &mut read)
}

fn failed(diagnostics: Vec<Diagnostic>) -> Checked {
    Checked::failed(diagnostics)
}
