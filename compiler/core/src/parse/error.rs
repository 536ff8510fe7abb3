//! Syntax errors: one variant per kind of problem, each turned into a [`Diagnostic`] with a stable
//! code. The codes are documented in `spec/syntax.md`.

use super::limits::{MAX_EXPR_DEPTH, MAX_NESTING};
use super::token::Token;
use crate::Diagnostic;
use aura_uast::Span;
use chumsky::error::{Rich, RichPattern, RichReason};
use chumsky::span::SimpleSpan;

pub const UNEXPECTED_TOKEN: &str = "E0101";
pub const UNKNOWN_CHARACTER: &str = "E0102";
pub const UNTERMINATED_STRING: &str = "E0103";
pub const INVALID_ESCAPE: &str = "E0104";
pub const BAD_NUMBER: &str = "E0105";
pub const CHAINED_COMPARISON: &str = "E0106";
pub const INVALID_ASSIGNMENT_TARGET: &str = "E0107";
pub const STATEMENT_AT_TOP_LEVEL: &str = "E0108";
pub const NESTING_TOO_DEEP: &str = "E0109";
pub const UNCLOSED_DELIMITER: &str = "E0110";

/// Every syntax error the lexer and parser can find.
#[derive(Clone, Debug, PartialEq)]
pub enum ParseError {
    /// The grammar did not allow the token found here.
    Unexpected {
        span: Span,
        expected: Vec<Expected>,
        found: Option<Token>,
    },
    /// Characters that start no token, e.g. `#` or `!` on its own.
    UnknownCharacter {
        span: Span,
        text: String,
    },
    /// `'text'`: reported with the unknown characters (`'` starts no token).
    SingleQuoted {
        span: Span,
        text: String,
    },
    /// `span` is the opening quote.
    UnterminatedString {
        span: Span,
    },
    /// `span` covers the escape, starting at its backslash.
    InvalidEscape {
        span: Span,
        escape: String,
        problem: EscapeProblem,
    },
    BadNumber {
        span: Span,
        problem: NumberProblem,
        text: String,
    },
    /// `a < b < c`: `span` is the whole chain, `operator` the second comparison operator.
    ChainedComparison {
        span: Span,
        operator: Span,
    },
    /// `f() = 1`: `what` names the kind of expression on the left.
    InvalidAssignmentTarget {
        span: Span,
        what: &'static str,
    },
    StatementAtTopLevel {
        span: Span,
    },
    /// Brackets, blocks and prefix operators nested more than [`MAX_NESTING`] deep.
    NestingTooDeep {
        span: Span,
    },
    /// An expression more than [`MAX_EXPR_DEPTH`] operators deep.
    ExpressionTooDeep {
        span: Span,
    },
    /// `retrun s`: a statement that is one name followed by an expression on the same line,
    /// where the name is a likely typo of a keyword. `span` is the name, `found` the token after.
    MisspelledKeyword {
        span: Span,
        word: String,
        keyword: &'static str,
        found: Span,
    },
    /// `import "PATH"` inside a block: imports are top-level items. `span` is the `import`.
    NestedImport {
        span: Span,
    },
    /// Two entries of a map literal on separate lines with no `,` between them: `span` is the
    /// end of the first entry's line, `next` the key of the second entry.
    MissingMapComma {
        span: Span,
        next: Span,
    },
    /// An opening bracket without its closing one before the end of the file.
    Unclosed {
        span: Span,
        delimiter: Token,
        /// When the indentation shows which `{` lacks its `}`: the less indented `}` that the
        /// bracket count paired with it, which most likely closes an outer block.
        closed_by: Option<Span>,
    },
}

/// Something the parser expected to see, as shown in a diagnostic.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    Token(Token),
    /// A named construct such as "expression" or "statement".
    Label(String),
    EndOfInput,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscapeProblem {
    /// `\q`: not one of the known escapes.
    Unknown,
    /// `\u` not followed by `{`, 1 to 6 hex digits and `}`.
    MalformedUnicode,
    /// `\u{D800}`, `\u{110000}`: not a Unicode scalar value.
    NotAScalar,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberProblem {
    /// Does not fit in a 64-bit signed int.
    IntTooLarge,
    /// A float literal that is infinite as an f64, e.g. `1e400`.
    FloatOutOfRange,
    /// `0x` with no hex digits after it.
    MissingHexDigits,
    /// Letters or digits that do not belong to the literal, e.g. `12ab`, `0b1`, `1e`.
    InvalidSuffix,
}

const ESCAPES: &str = r#"the escapes are \n \t \r \\ \" \0 and \u{...} with 1 to 6 hex digits"#;

impl ParseError {
    /// Where the error is (its primary label).
    pub fn span(&self) -> Span {
        match self {
            ParseError::Unexpected { span, .. }
            | ParseError::UnknownCharacter { span, .. }
            | ParseError::SingleQuoted { span, .. }
            | ParseError::UnterminatedString { span }
            | ParseError::InvalidEscape { span, .. }
            | ParseError::BadNumber { span, .. }
            | ParseError::ChainedComparison { span, .. }
            | ParseError::InvalidAssignmentTarget { span, .. }
            | ParseError::StatementAtTopLevel { span }
            | ParseError::NestingTooDeep { span }
            | ParseError::ExpressionTooDeep { span }
            | ParseError::MissingMapComma { span, .. }
            | ParseError::MisspelledKeyword { span, .. }
            | ParseError::NestedImport { span }
            | ParseError::Unclosed { span, .. } => *span,
        }
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            ParseError::Unexpected {
                span,
                expected,
                found,
            } => unexpected(*span, expected, found),
            ParseError::UnknownCharacter { span, text } => {
                let plural = if text.chars().count() > 1 { "s" } else { "" };
                let diagnostic = Diagnostic::new(
                    UNKNOWN_CHARACTER,
                    format!("unknown character{plural} `{text}`"),
                )
                .with_label(*span, "not part of any token");
                if text.starts_with("/*") {
                    return diagnostic.with_hint(
                        "Aura has no block comments: start each commented line with `//`",
                    );
                }
                match text.chars().next() {
                    Some('!') => {
                        diagnostic.with_hint("use `not` for negation and `!=` for not-equal")
                    }
                    Some('&') => diagnostic.with_hint("use `and` for logical and"),
                    Some('|') => diagnostic.with_hint("use `or` for logical or"),
                    Some('\'') => diagnostic.with_hint("strings use double quotes: \"text\""),
                    Some('#') => diagnostic.with_hint("comments start with `//`"),
                    _ => diagnostic,
                }
            }
            ParseError::SingleQuoted { span, text } => {
                let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
                Diagnostic::new(UNKNOWN_CHARACTER, "unknown character `'`")
                    .with_label(*span, "single quotes do not make a string")
                    .with_hint(format!("strings use double quotes: \"{inner}\""))
            }
            ParseError::UnterminatedString { span } => {
                Diagnostic::new(UNTERMINATED_STRING, "unterminated string")
                    .with_label(*span, "this string is never closed")
                    .with_hint("add a closing `\"`")
            }
            ParseError::InvalidEscape {
                span,
                escape,
                problem,
            } => match problem {
                EscapeProblem::Unknown => Diagnostic::new(
                    INVALID_ESCAPE,
                    format!("unknown escape `{escape}` in string"),
                )
                .with_label(*span, "not a valid escape")
                .with_hint(format!("{ESCAPES}; write `\\\\` for a backslash")),
                EscapeProblem::MalformedUnicode => Diagnostic::new(
                    INVALID_ESCAPE,
                    format!("malformed unicode escape `{escape}` in string"),
                )
                .with_label(*span, "expected `\\u{` then 1 to 6 hex digits then `}`")
                .with_hint("write a code point like `\\u{1F600}`"),
                EscapeProblem::NotAScalar => Diagnostic::new(
                    INVALID_ESCAPE,
                    format!("invalid unicode escape `{escape}` in string"),
                )
                .with_label(*span, "not a Unicode scalar value")
                .with_hint("code points go up to 10FFFF, without the surrogates D800 to DFFF"),
            },
            ParseError::BadNumber {
                span,
                problem,
                text,
            } => match problem {
                NumberProblem::IntTooLarge => {
                    Diagnostic::new(BAD_NUMBER, format!("integer literal `{text}` is too large"))
                        .with_label(*span, "does not fit in a 64-bit int")
                        .with_hint(
                            "ints go from -9223372036854775808 to 9223372036854775807; \
                             for larger numbers use a float such as 1e19",
                        )
                }
                NumberProblem::FloatOutOfRange => Diagnostic::new(
                    BAD_NUMBER,
                    format!("float literal `{text}` is out of range"),
                )
                .with_label(*span, "too large for a 64-bit float")
                .with_hint("floats go up to about 1.8e308"),
                NumberProblem::MissingHexDigits => {
                    Diagnostic::new(BAD_NUMBER, format!("invalid number literal `{text}`"))
                        .with_label(*span, "expected hex digits after `0x`")
                }
                NumberProblem::InvalidSuffix => {
                    Diagnostic::new(BAD_NUMBER, format!("invalid number literal `{text}`"))
                        .with_label(*span, "not a valid number")
                        .with_hint(
                            "numbers look like 42, 1_000, 0xff, 1.5, 2e3 or 2.5e-3; \
                             a name cannot start with a digit",
                        )
                }
            },
            ParseError::ChainedComparison { span, operator } => {
                Diagnostic::new(CHAINED_COMPARISON, "comparison operators cannot be chained")
                    .with_label(*operator, "second comparison here")
                    .with_label(*span, "in this chain of comparisons")
                    .with_hint("compare two at a time and join them: `a < b and b < c`")
            }
            ParseError::InvalidAssignmentTarget { span, what } => Diagnostic::new(
                INVALID_ASSIGNMENT_TARGET,
                format!("cannot assign to {what}"),
            )
            .with_label(*span, "cannot be assigned to")
            .with_hint(
                "the left side of `=` must be a variable, a field `o.f` or an index `a[i]`; \
                         use `==` to compare",
            ),
            ParseError::StatementAtTopLevel { span } => Diagnostic::new(
                STATEMENT_AT_TOP_LEVEL,
                "statements are not allowed at the top level",
            )
            .with_label(*span, "this statement is outside any function")
            .with_hint("put statements inside fn main()"),
            ParseError::NestingTooDeep { span } => {
                Diagnostic::new(NESTING_TOO_DEEP, "nesting too deep")
                    .with_label(
                        *span,
                        format!(
                            "more than {MAX_NESTING} nested brackets, blocks or prefix operators"
                        ),
                    )
                    .with_hint("split the code into smaller functions or use variables")
            }
            ParseError::ExpressionTooDeep { span } => {
                Diagnostic::new(NESTING_TOO_DEEP, "expression nested too deep")
                    .with_label(*span, format!("more than {MAX_EXPR_DEPTH} operators deep"))
                    .with_hint("split the expression into several statements with `let`")
            }
            ParseError::MisspelledKeyword {
                span,
                word,
                keyword,
                found,
            } => Diagnostic::new(UNEXPECTED_TOKEN, format!("`{word}` is not a keyword"))
                .with_label(*span, "read as a name, so what follows it is unexpected")
                .with_label(*found, "expected end of line")
                .with_hint(format!("did you mean `{keyword}`?")),
            ParseError::NestedImport { span } => {
                Diagnostic::new(UNEXPECTED_TOKEN, "`import` inside a block")
                    .with_label(*span, "an import cannot be here")
                    .with_hint(
                        "an import is a top-level item: move it to the top level of the file, \
                         outside every fn, object and plugin",
                    )
            }
            ParseError::MissingMapComma { span, next } => {
                Diagnostic::new(UNEXPECTED_TOKEN, "missing `,` between map entries")
                    .with_label(*span, "expected `,` after this entry")
                    .with_label(*next, "the next entry starts here")
                    .with_hint(
                        "separate the entries of a map with `,`, also when each is on its own \
                         line: `{a: 1, b: 2}`",
                    )
            }
            ParseError::Unclosed {
                span,
                delimiter,
                closed_by,
            } => {
                let open = delimiter.spelling().unwrap_or("(");
                let close = match delimiter {
                    Token::LBracket => "]",
                    Token::LBrace => "}",
                    _ => ")",
                };
                let diagnostic = Diagnostic::new(UNCLOSED_DELIMITER, format!("unclosed `{open}`"))
                    .with_label(*span, format!("this `{open}` is never closed"));
                match closed_by {
                    Some(outer) => diagnostic
                        .with_label(
                            *outer,
                            "this `}` is indented less than the line of that `{`: it closes \
                             an outer block",
                        )
                        .with_hint(format!(
                            "add the missing `{close}` where the block of that `{open}` ends"
                        )),
                    None => diagnostic.with_hint(format!("add the missing `{close}`")),
                }
            }
        }
    }

    /// Converts a chumsky error. Custom errors are not used by the grammar (it records its own
    /// errors in the parser state), so every error here is an unexpected token.
    pub fn from_rich(error: &Rich<'_, Token, SimpleSpan>) -> ParseError {
        let span = Span::new(error.span().start, error.span().end);
        match error.reason() {
            RichReason::ExpectedFound { expected, found } => {
                let expected = expected
                    .iter()
                    .map(|pattern| match pattern {
                        RichPattern::Token(token) => Expected::Token((**token).clone()),
                        RichPattern::Label(label) => Expected::Label(label.to_string()),
                        RichPattern::EndOfInput => Expected::EndOfInput,
                        _ => Expected::Other,
                    })
                    .collect();
                ParseError::Unexpected {
                    span,
                    expected,
                    found: found.as_deref().cloned(),
                }
            }
            RichReason::Custom(message) => ParseError::Unexpected {
                span,
                expected: vec![Expected::Label(message.clone())],
                found: error.found().cloned(),
            },
        }
    }
}

/// Keywords that start a statement or item and are followed by an expression or a name on the
/// same line, with the words other languages use for them: the candidates for a misspelling.
const STATEMENT_KEYWORDS: [(&str, &str); 15] = [
    ("let", "let"),
    ("if", "if"),
    ("while", "while"),
    ("for", "for"),
    ("return", "return"),
    ("fn", "fn"),
    ("object", "object"),
    ("plugin", "plugin"),
    ("uses", "uses"),
    ("function", "fn"),
    ("func", "fn"),
    ("def", "fn"),
    ("fun", "fn"),
    ("var", "let"),
    ("const", "let"),
];

impl ParseError {
    /// `retrun s`, `whlie x < 3 {`, `lte x = 1`, `fucntion f() {`: when the token the grammar did
    /// not expect starts an expression and comes right after a name that is a whole statement so
    /// far and a likely typo of a keyword, the error becomes [`ParseError::MisspelledKeyword`].
    /// `tokens` are the ones the grammar parsed.
    pub fn with_keyword_guess(self, tokens: &[(Token, Span)]) -> ParseError {
        let ParseError::Unexpected {
            span,
            expected,
            found: Some(found),
        } = &self
        else {
            return self;
        };
        // The statement could have ended here: not `{lte x}`, where a map key wants its `:`.
        let statement_could_end = expected
            .iter()
            .any(|e| matches!(e, Expected::Token(Token::Newline | Token::Semi)));
        if !starts_expression(found) || !statement_could_end {
            return self;
        }
        // The tokens are in source order.
        let at = tokens.partition_point(|(_, s)| s.start < span.start);
        if tokens.get(at).is_none_or(|(_, s)| s.start != span.start) {
            return self;
        }
        let before = |back: usize| at.checked_sub(back).and_then(|i| tokens.get(i));
        let Some((Token::Ident(word), word_span)) = before(1) else {
            return self;
        };
        let starts_statement = match before(2) {
            None => true,
            Some((token, _)) => matches!(
                token,
                Token::Newline | Token::Semi | Token::LBrace | Token::RBrace
            ),
        };
        if !starts_statement {
            return self;
        }
        if word == "import" && matches!(found, Token::Str(_)) {
            return ParseError::NestedImport { span: *word_span };
        }
        let guess = match STATEMENT_KEYWORDS.iter().find(|(w, _)| w == word) {
            Some((_, keyword)) => Some(*keyword),
            None => aura_facts::suggest::closest(word, STATEMENT_KEYWORDS.iter().map(|(w, _)| *w))
                .and_then(|w| STATEMENT_KEYWORDS.iter().find(|(c, _)| *c == w))
                .map(|(_, keyword)| *keyword),
        };
        // What must follow, so that `foo 3` is not taken for `for`.
        let after = |i: usize| tokens.get(at + i).map(|(t, _)| t);
        let name_then = |next: Option<Token>| {
            matches!(found, Token::Ident(_)) && next.is_none_or(|next| after(1) == Some(&next))
        };
        let fits = |keyword: &str| match keyword {
            "for" => name_then(Some(Token::In)),
            "let" => name_then(Some(Token::Assign)),
            "fn" => name_then(Some(Token::LParen)),
            "object" | "plugin" | "uses" => name_then(None),
            _ => true,
        };
        match guess.filter(|keyword| fits(keyword)) {
            Some(keyword) => ParseError::MisspelledKeyword {
                span: *word_span,
                word: word.clone(),
                keyword,
                found: *span,
            },
            None => self,
        }
    }
}

/// Operators and postfix brackets: any complete expression may be followed by one, so they are
/// left out of "expected ..." lists whenever something more specific is expected too.
fn is_continuation(token: &Token) -> bool {
    token.is_binary_operator()
        || matches!(
            token,
            Token::LParen | Token::LBracket | Token::Dot | Token::Assign
        )
}

/// Tokens that can start an expression; covered by the label "expression" when it is present.
fn starts_expression(token: &Token) -> bool {
    matches!(
        token,
        Token::Minus
            | Token::Not
            | Token::Tilde
            | Token::LParen
            | Token::LBracket
            | Token::LBrace
            | Token::Fn
            | Token::Int(_)
            | Token::Float(_)
            | Token::Str(_)
            | Token::Ident(_)
            | Token::True
            | Token::False
            | Token::Nil
            | Token::SelfKw
    )
}

/// Labels of the constructs that sit one per line (statements, items, members).
const BETWEEN_LINES: [&str; 5] = [
    "statement",
    "item",
    "object member",
    "plugin member",
    "map key",
];

/// The readable list of what was expected: "expression", "`)` or `,`", "end of line or `;`".
fn describe_expected(expected: &[Expected]) -> String {
    let has_label = |name: &str| {
        expected
            .iter()
            .any(|e| matches!(e, Expected::Label(l) if l == name))
    };
    let has_token = |token: &Token| {
        expected
            .iter()
            .any(|e| matches!(e, Expected::Token(t) if t == token))
    };
    let specific = expected.iter().any(|e| match e {
        Expected::Token(token) => !is_continuation(token),
        Expected::Label(_) | Expected::EndOfInput => true,
        Expected::Other => false,
    });
    let expression = has_label("expression");
    // Separators may come between any two statements or items; when one of those was expected,
    // naming the separators says nothing.
    let between_lines = BETWEEN_LINES.iter().any(|label| has_label(label));
    let newline = has_token(&Token::Newline) && !between_lines;
    let mut words: Vec<String> = Vec::new();
    for e in expected {
        let word = match e {
            Expected::Token(token) if specific && is_continuation(token) => continue,
            Expected::Token(token) if expression && starts_expression(token) => continue,
            // `;` and `}` can end a statement wherever a newline can; one name says it.
            Expected::Token(Token::Semi | Token::RBrace) if newline => continue,
            Expected::Token(Token::Newline | Token::Semi) if between_lines => continue,
            Expected::Token(Token::Newline) => "end of line".to_string(),
            Expected::Token(token) => match token.spelling() {
                Some(text) => format!("`{text}`"),
                None => token.to_string(),
            },
            Expected::Label(label) => label.clone(),
            Expected::EndOfInput if newline => continue,
            Expected::EndOfInput => "end of input".to_string(),
            Expected::Other => continue,
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    // Statement- and item-level labels first, then the rest in the order the grammar gave them.
    words.sort_by_key(|w| match w.as_str() {
        "item" | "statement" | "expression" | "object member" | "plugin member" => 0,
        "end of line" => 2,
        _ => 1,
    });
    match words.len() {
        0 => "something else".to_string(),
        1 => words.swap_remove(0),
        n => {
            let last = words.swap_remove(n - 1);
            format!("{} or {last}", words.join(", "))
        }
    }
}

fn unexpected(span: Span, expected: &[Expected], found: &Option<Token>) -> Diagnostic {
    let what = describe_expected(expected);
    let found_text = match found {
        Some(token) => token.to_string(),
        None => "end of input".to_string(),
    };
    let diagnostic = Diagnostic::new(
        UNEXPECTED_TOKEN,
        format!("expected {what}, found {found_text}"),
    )
    .with_label(span, format!("expected {what}"));
    let expects = |token: &Token| {
        expected
            .iter()
            .any(|e| matches!(e, Expected::Token(t) if t == token))
    };
    let label = |name: &str| {
        expected
            .iter()
            .any(|e| matches!(e, Expected::Label(l) if l == name))
    };
    let between_lines = BETWEEN_LINES.iter().any(|name| label(name));
    let hint = match found {
        _ if label("module path string") => Some(
            "an import names its module with a string: `import \"util.aura\"` (a file, relative \
             to this one) or `import \"std/NAME\"`"
                .to_string(),
        ),
        _ if label("object member") => {
            Some("an object holds slots `name = value` and methods `fn name() { }`".to_string())
        }
        Some(_) if label("map key") => {
            Some("map keys are names or strings: `{a: 1}` or `{\"a b\": 1}`".to_string())
        }
        _ if label("plugin member") => {
            Some("a plugin holds routes `route GET \"/path\" (req) { }` and `fn`s".to_string())
        }
        Some(op)
            if (op.is_binary_operator() || *op == Token::Dot)
                && (label("statement") || label("item")) =>
        {
            let text = op.spelling().unwrap_or("");
            Some(format!(
                "a line that starts with `{text}` continues the expression of the line before, \
                 and there is none here: write the operator between its operands"
            ))
        }
        Some(op) if (op.is_binary_operator() || *op == Token::Dot) && expects(&Token::Newline) => {
            let text = op.spelling().unwrap_or("");
            Some(format!(
                "a line that starts with `{text}` continues the line before it, which cannot go \
                 on after the `}}` of a block"
            ))
        }
        _ if expects(&Token::Catch) => Some(
            "a `try` block is followed by `catch NAME { }`, which runs when it fails".to_string(),
        ),
        Some(Token::Not) if label("expression") => Some(
            "`not` binds looser than comparisons and arithmetic: put it in parentheses, \
             as in `a == (not b)`"
                .to_string(),
        ),
        Some(Token::Assign) if expects(&Token::LBrace) || expects(&Token::RParen) => {
            Some("`=` assigns; use `==` to compare".to_string())
        }
        Some(Token::Ident(_) | Token::Int(_) | Token::Float(_) | Token::Str(_))
            if expects(&Token::Newline) && !between_lines =>
        {
            Some("put each statement on its own line, or separate them with `;`".to_string())
        }
        Some(Token::Ident(_) | Token::Int(_) | Token::Float(_) | Token::Str(_))
            if expects(&Token::Comma) =>
        {
            Some("separate the elements with `,`".to_string())
        }
        Some(keyword)
            if label("identifier")
                && keyword
                    .spelling()
                    .is_some_and(|w| Token::keyword(w).is_some()) =>
        {
            let word = keyword.spelling().unwrap_or("");
            Some(format!(
                "`{word}` is a keyword and cannot be used as a name"
            ))
        }
        Some(close) if close.is_close_bracket() && label("item") => {
            let text = close.spelling().unwrap_or("");
            Some(format!("this `{text}` has no opening bracket to close"))
        }
        _ => None,
    };
    match hint {
        Some(hint) => diagnostic.with_hint(hint),
        None => diagnostic,
    }
}
