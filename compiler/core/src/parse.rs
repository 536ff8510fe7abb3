//! Source text to UAST. The stages, each in its own file:
//!
//! 1. [`lexer`]: logos cuts the text into tokens, then a layout pass applies the newline rules,
//!    folds a prefix `-` into a number literal and range-checks ints;
//! 2. [`limits`]: the token stream is checked for nesting (brackets, blocks, prefix operators)
//!    before any recursive parsing, and a line that nests too deep is left out;
//! 3. [`grammar`]: chumsky parses the tokens into a [`Module`], recovering line by line so that
//!    one run reports many errors.
//!
//! Every error becomes a [`Diagnostic`] (codes `E0101`... in [`error`], documented in
//! `spec/syntax.md`). Nothing here panics or recurses without bound, whatever the input.

mod error;
mod grammar;
mod lexer;
mod limits;
mod token;

pub use error::{
    BAD_NUMBER, CHAINED_COMPARISON, INVALID_ASSIGNMENT_TARGET, INVALID_ESCAPE, NESTING_TOO_DEEP,
    STATEMENT_AT_TOP_LEVEL, UNCLOSED_DELIMITER, UNEXPECTED_TOKEN, UNKNOWN_CHARACTER,
    UNTERMINATED_STRING,
};
pub use limits::{MAX_EXPR_DEPTH, MAX_NESTING};

use crate::Diagnostic;
use aura_uast::Module;
use error::ParseError;
use token::Token;

/// What [`parse`] returns: everything that parsed, and every error found.
pub struct Parsed {
    /// The items that parsed; a statement or item with a syntax error is left out.
    pub module: Module,
    /// Syntax errors in source order; empty when the source is valid.
    pub diagnostics: Vec<Diagnostic>,
    /// The byte spans of the `//` comments, in source order (for [`crate::fmt::format_source`]).
    pub comments: Vec<aura_uast::Span>,
}

/// The reserved words of the language, never names (`spec/language.md`).
pub const KEYWORDS: &[&str] = &[
    "fn", "let", "if", "else", "try", "catch", "while", "for", "in", "return", "break", "continue",
    "true", "false", "nil", "and", "or", "not", "object", "plugin", "route", "uses", "self",
];

/// A reserved word of the language (`fn`, `self`, `true`, ...): never a name.
pub fn is_keyword(word: &str) -> bool {
    token::Token::keyword(word).is_some()
}

/// An identifier that is not a keyword: what a definition may be named.
pub fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(word)
}

/// Parses Aura source. Never panics, never overflows the stack, on any input.
pub fn parse(source: &str) -> Parsed {
    let lexer::Lexed {
        tokens,
        mut errors,
        comments,
    } = lexer::lex(source);
    let nesting = limits::scan_nesting(&tokens);
    let tokens = without(tokens, &nesting.excluded);
    let (module, parse_errors) = grammar::parse_tokens(&tokens, source.len());

    // Errors the lexer already reported would show up again as "found an invalid character" or,
    // after an unclosed bracket or string, as "found end of input".
    let swallowed_end = errors.iter().any(|e| {
        matches!(
            e,
            ParseError::Unclosed { .. } | ParseError::UnterminatedString { .. }
        )
    });
    let parse_errors = parse_errors
        .into_iter()
        .filter(|e| match e {
            ParseError::Unexpected {
                found: Some(Token::Error),
                ..
            } => false,
            ParseError::Unexpected { found: None, .. } => !swallowed_end,
            _ => true,
        })
        .map(|e| e.with_keyword_guess(&tokens));
    errors.extend(nesting.errors);
    errors.extend(parse_errors);
    let too_deep = |e: &ParseError| {
        matches!(
            e,
            ParseError::NestingTooDeep { .. } | ParseError::ExpressionTooDeep { .. }
        )
    };
    if !errors.iter().any(too_deep) {
        // The checks above keep every tree within the limits; this is the safety net.
        errors.extend(limits::module_errors(&module));
    }
    errors.sort_by_key(|e| e.span().start);
    errors.dedup();
    Parsed {
        module,
        diagnostics: errors.iter().map(ParseError::to_diagnostic).collect(),
        comments,
    }
}

/// Nesting/depth limits on an already-built module (also used for UAST JSON input): returns a
/// diagnostic if any expression/statement nesting exceeds the limits, so later recursive stages
/// are safe. Walks the module without recursion; at most one diagnostic per top-level item.
pub fn check_limits(module: &Module) -> Vec<Diagnostic> {
    limits::module_errors(module)
        .iter()
        .map(ParseError::to_diagnostic)
        .collect()
}

/// The tokens outside the excluded index ranges.
fn without<T>(tokens: Vec<T>, excluded: &[(usize, usize)]) -> Vec<T> {
    if excluded.is_empty() {
        return tokens;
    }
    // The ranges come in order and do not overlap.
    let mut ranges = excluded.iter().peekable();
    tokens
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            while ranges.next_if(|(_, end)| i >= end).is_some() {}
            ranges.peek().is_none_or(|(start, _)| i < start)
        })
        .map(|(_, token)| token)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list agrees with the lexer and with the reference's "Keywords:" list.
    #[test]
    fn keywords_agree_with_the_lexer_and_the_spec() {
        for word in KEYWORDS {
            assert!(is_keyword(word), "{word}");
            assert!(!is_name(word), "{word}");
        }
        let spec = include_str!("../../../spec/language.md");
        let listed = spec
            .split_once("Keywords: `")
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(list, _)| list.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_default();
        assert_eq!(listed, KEYWORDS);
        assert!(is_name("_x1") && !is_name("1x") && !is_name("") && !is_name("a-b"));
    }
}
