//! The one neutral shape every stage's errors turn into; `render` draws it once.

use aura_uast::Span;
use serde::Serialize;

/// A problem found in a program, with where it is and how to fix it.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable identifier, e.g. `E0100`; documented in `spec/diagnostics.md`.
    pub code: &'static str,
    /// One line saying what is wrong, e.g. "unknown name `foo`".
    pub title: String,
    /// Where; the first label is the primary one.
    pub labels: Vec<Label>,
    /// How to fix it, where a hint helps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The module the spans point into, for a program of several modules (its path as the
    /// module graph names it); `None` is the file that was checked (the entry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Diagnostic {
    pub fn new(code: &'static str, title: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            title: title.into(),
            labels: Vec::new(),
            hint: None,
            file: None,
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    /// Where the primary label starts (0 when there is none).
    pub fn primary_span(&self) -> Span {
        self.labels.first().map(|l| l.span).unwrap_or_default()
    }
}
