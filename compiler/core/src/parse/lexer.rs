//! Source text to tokens, in two steps: logos cuts the text into raw lexemes (decoding string
//! escapes and number literals as it goes), then the layout pass applies the newline rules of
//! `spec/language.md`, folds a prefix `-` into the numeric literal after it and range-checks ints.
//! Errors are collected, never fatal: a bad piece becomes a harmless placeholder token.

use super::error::{EscapeProblem, NumberProblem, ParseError};
use super::token::Token;
use aura_uast::Span;
use logos::Logos;

/// The lexer's result: tokens with byte spans, every error found, and the comments (trivia the
/// parser never sees; the formatter puts them back).
pub struct Lexed {
    pub tokens: Vec<(Token, Span)>,
    pub errors: Vec<ParseError>,
    /// Each `// ...` comment, from `//` to the end of its line (the newline excluded).
    pub comments: Vec<Span>,
}

pub fn lex(source: &str) -> Lexed {
    let mut errors = Vec::new();
    let mut comments = Vec::new();
    let raw = raw_lexemes(source, &mut errors, &mut comments);
    let tokens = layout(raw, source, &mut errors);
    Lexed {
        tokens,
        errors,
        comments,
    }
}

/// A number literal as logos cut it; the layout pass turns it into a token.
#[derive(Clone, Debug, PartialEq)]
enum Num {
    /// The magnitude; may exceed `i64::MAX` (only `-9223372036854775808` may, once folded).
    Int(u64),
    Float(f64),
    /// Already reported.
    Bad,
}

#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(skip r"[ \t\r\f]+")]
#[logos(extras = Vec<ParseError>)]
enum Raw {
    /// `// ...`: trivia, collected for the formatter and left out of the tokens.
    #[regex(r"//[^\n]*", allow_greedy = true)]
    Comment,
    /// `/*`: Aura has no block comments; reported as an unknown character with a hint.
    #[token("/*")]
    BlockComment,
    #[regex("[A-Za-z_][A-Za-z0-9_]*")]
    Word,
    #[regex("[0-9]", number)]
    Number(Num),
    #[token("\"", string)]
    Str(String),
    /// `'text'`: not a string in Aura; reported, then read as the string it was meant to be.
    #[regex(r"'[^'\n]*'")]
    SingleQuoted,
    #[token("\n")]
    Newline,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token("=")]
    Assign,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("~")]
    Tilde,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    /// `&&` and `||` are not Aura (`and`, `or`): reported as unknown characters, with a hint.
    #[token("&&")]
    #[token("||")]
    Doubled,
}

/// What the first pass produces: a token, or an int whose range is checked by the layout pass.
#[derive(Clone, Debug, PartialEq)]
enum Lexeme {
    Tok(Token),
    Int(u64),
}

fn raw_lexemes(
    source: &str,
    errors: &mut Vec<ParseError>,
    comments: &mut Vec<Span>,
) -> Vec<(Lexeme, Span)> {
    let mut lexer = Raw::lexer_with_extras(source, Vec::new());
    let mut out: Vec<(Lexeme, Span)> = Vec::new();
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let span = Span::new(range.start, range.end);
        let lexeme = match result {
            Ok(raw) => match raw {
                Raw::Comment => {
                    comments.push(span);
                    continue;
                }
                Raw::BlockComment => Lexeme::Tok(Token::Error),
                Raw::Word => {
                    let word = lexer.slice();
                    Lexeme::Tok(
                        Token::keyword(word).unwrap_or_else(|| Token::Ident(word.to_string())),
                    )
                }
                Raw::Number(Num::Int(value)) => Lexeme::Int(value),
                Raw::Number(Num::Float(value)) => Lexeme::Tok(Token::Float(value)),
                Raw::Number(Num::Bad) => Lexeme::Tok(Token::Int(0)),
                Raw::Str(value) => Lexeme::Tok(Token::Str(value)),
                Raw::SingleQuoted => {
                    let text = lexer.slice();
                    errors.push(ParseError::SingleQuoted {
                        span,
                        text: text.to_string(),
                    });
                    let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
                    Lexeme::Tok(Token::Str(inner.to_string()))
                }
                Raw::Newline => Lexeme::Tok(Token::Newline),
                Raw::LParen => Lexeme::Tok(Token::LParen),
                Raw::RParen => Lexeme::Tok(Token::RParen),
                Raw::LBracket => Lexeme::Tok(Token::LBracket),
                Raw::RBracket => Lexeme::Tok(Token::RBracket),
                Raw::LBrace => Lexeme::Tok(Token::LBrace),
                Raw::RBrace => Lexeme::Tok(Token::RBrace),
                Raw::Comma => Lexeme::Tok(Token::Comma),
                Raw::Dot => Lexeme::Tok(Token::Dot),
                Raw::Colon => Lexeme::Tok(Token::Colon),
                Raw::Semi => Lexeme::Tok(Token::Semi),
                Raw::Assign => Lexeme::Tok(Token::Assign),
                Raw::EqEq => Lexeme::Tok(Token::EqEq),
                Raw::NotEq => Lexeme::Tok(Token::NotEq),
                Raw::Lt => Lexeme::Tok(Token::Lt),
                Raw::Le => Lexeme::Tok(Token::Le),
                Raw::Gt => Lexeme::Tok(Token::Gt),
                Raw::Ge => Lexeme::Tok(Token::Ge),
                Raw::Plus => Lexeme::Tok(Token::Plus),
                Raw::Minus => Lexeme::Tok(Token::Minus),
                Raw::Star => Lexeme::Tok(Token::Star),
                Raw::Slash => Lexeme::Tok(Token::Slash),
                Raw::Percent => Lexeme::Tok(Token::Percent),
                Raw::Amp => Lexeme::Tok(Token::Amp),
                Raw::Pipe => Lexeme::Tok(Token::Pipe),
                Raw::Caret => Lexeme::Tok(Token::Caret),
                Raw::Tilde => Lexeme::Tok(Token::Tilde),
                Raw::Shl => Lexeme::Tok(Token::Shl),
                Raw::Shr => Lexeme::Tok(Token::Shr),
                Raw::Doubled => Lexeme::Tok(Token::Error),
            },
            // A byte-order mark at the very start is not part of the program.
            Err(()) if span.start == 0 && lexer.slice() == "\u{feff}" => continue,
            Err(()) => {
                // Characters no token starts with; adjacent ones form one error token.
                if let Some((Lexeme::Tok(Token::Error), last)) = out.last_mut() {
                    if last.end == span.start {
                        last.end = span.end;
                        continue;
                    }
                }
                Lexeme::Tok(Token::Error)
            }
        };
        out.push((lexeme, span));
    }
    errors.append(&mut lexer.extras);
    for (lexeme, span) in &out {
        if *lexeme == Lexeme::Tok(Token::Error) {
            let text = source.get(span.range()).unwrap_or("").to_string();
            errors.push(ParseError::UnknownCharacter { span: *span, text });
        }
    }
    out
}

/// Number literals: the regex matched the first digit; the rest is scanned here. Everything
/// scanned is ASCII, so each bump lands on a character boundary.
fn number(lex: &mut logos::Lexer<Raw>) -> Num {
    let start = lex.span().start;
    let bytes = lex.source().as_bytes();
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let digits = |mut i: usize, hex: bool| {
        while at(i) == b'_'
            || if hex {
                at(i).is_ascii_hexdigit()
            } else {
                at(i).is_ascii_digit()
            }
        {
            i += 1;
        }
        i
    };
    let mut end = start + 1;
    let mut kind = NumKind::Decimal;
    if at(start) == b'0' && matches!(at(end), b'x' | b'X') {
        kind = NumKind::Hex;
        end = digits(end + 1, true);
    } else {
        end = digits(end, false);
        if at(end) == b'.' && at(end + 1).is_ascii_digit() {
            kind = NumKind::Float;
            end = digits(end + 1, false);
        }
        let exponent_digit = match at(end + 1) {
            b'+' | b'-' => at(end + 2).is_ascii_digit(),
            c => c.is_ascii_digit(),
        };
        if matches!(at(end), b'e' | b'E') && exponent_digit {
            kind = NumKind::Float;
            end = digits(end + 2, false);
        }
    }
    // Letters or digits glued to the literal make the whole word a bad literal.
    let mut bad_end = end;
    while at(bad_end).is_ascii_alphanumeric() || at(bad_end) == b'_' {
        bad_end += 1;
    }
    lex.bump(bad_end - lex.span().end);
    let text = lex.slice().to_string();
    let span = Span::new(start, bad_end);
    let mut fail = |problem| {
        lex.extras.push(ParseError::BadNumber {
            span,
            problem,
            text: text.clone(),
        });
        Num::Bad
    };
    if bad_end > end {
        return fail(NumberProblem::InvalidSuffix);
    }
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    match kind {
        NumKind::Hex => {
            let hex = clean.get(2..).unwrap_or("");
            if hex.is_empty() {
                return fail(NumberProblem::MissingHexDigits);
            }
            match u64::from_str_radix(hex, 16) {
                Ok(value) => Num::Int(value),
                Err(_) => fail(NumberProblem::IntTooLarge),
            }
        }
        NumKind::Decimal => match clean.parse::<u64>() {
            Ok(value) => Num::Int(value),
            Err(_) => fail(NumberProblem::IntTooLarge),
        },
        NumKind::Float => match clean.parse::<f64>() {
            Ok(value) if value.is_finite() => Num::Float(value),
            _ => fail(NumberProblem::FloatOutOfRange),
        },
    }
}

enum NumKind {
    Decimal,
    Hex,
    Float,
}

/// String literals: the regex matched the opening quote; the body is scanned and decoded here.
fn string(lex: &mut logos::Lexer<Raw>) -> String {
    let quote = lex.span().start;
    let base = lex.span().end;
    let rest = lex.remainder();
    let mut out = String::new();
    let mut chars = rest.char_indices().peekable();
    let mut errors = Vec::new();
    let consumed = loop {
        let Some((i, c)) = chars.next() else {
            errors.push(ParseError::UnterminatedString {
                span: Span::new(quote, quote + 1),
            });
            break rest.len();
        };
        match c {
            '"' => break i + 1,
            '\\' => {
                let Some((j, e)) = chars.next() else {
                    continue; // the loop reports the unterminated string next
                };
                let simple = match e {
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    'r' => Some('\r'),
                    '\\' => Some('\\'),
                    '"' => Some('"'),
                    '0' => Some('\0'),
                    _ => None,
                };
                if let Some(decoded) = simple {
                    out.push(decoded);
                    continue;
                }
                let mut end = j + e.len_utf8();
                let problem = if e == 'u' {
                    match unicode_escape(&mut chars, &mut end) {
                        Ok(decoded) => {
                            out.push(decoded);
                            continue;
                        }
                        Err(problem) => problem,
                    }
                } else {
                    EscapeProblem::Unknown
                };
                let escape = rest.get(i..end).unwrap_or("\\").to_string();
                errors.push(ParseError::InvalidEscape {
                    span: Span::new(base + i, base + end),
                    escape,
                    problem,
                });
            }
            c => out.push(c),
        }
    };
    lex.bump(consumed);
    lex.extras.append(&mut errors);
    out
}

/// The part of `\u{HEX}` after the `u`; `end` follows what was consumed, for the error span.
fn unicode_escape(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    end: &mut usize,
) -> Result<char, EscapeProblem> {
    if chars.next_if(|(_, c)| *c == '{').is_none() {
        return Err(EscapeProblem::MalformedUnicode);
    }
    *end += 1;
    let mut value: u32 = 0;
    let mut count = 0;
    while let Some((_, c)) = chars.next_if(|(_, c)| c.is_ascii_hexdigit()) {
        *end += 1;
        count += 1;
        value = value
            .saturating_mul(16)
            .saturating_add(c.to_digit(16).unwrap_or(0));
    }
    let closed = chars.next_if(|(_, c)| *c == '}').is_some();
    if closed {
        *end += 1;
    }
    if !closed || count == 0 || count > 6 {
        return Err(EscapeProblem::MalformedUnicode);
    }
    char::from_u32(value).ok_or(EscapeProblem::NotAScalar)
}

/// Applies the newline rules (`spec/syntax.md`, Layout), folds `-` into numeric literals and
/// range-checks ints.
fn layout(
    raw: Vec<(Lexeme, Span)>,
    source: &str,
    errors: &mut Vec<ParseError>,
) -> Vec<(Token, Span)> {
    let mut out: Vec<(Token, Span)> = Vec::with_capacity(raw.len());
    // Open brackets, to know whether a newline is inside `( )` / `[ ]`.
    let mut open: Vec<(Token, Span)> = Vec::new();
    // Bracket depths of the headers (`if`, `fn`, `object`, ...) whose `{` has not come yet.
    let mut headers: Vec<usize> = Vec::new();
    // The first `{ ... }` pair whose `}` is less indented than the line of its `{`: when a `{`
    // is left unclosed at the end, that `}` most likely closes an outer block.
    let mut misclosed: Option<(Span, Span)> = None;
    let mut i = 0;
    while let Some((lexeme, span)) = raw.get(i) {
        let (lexeme, span) = (lexeme.clone(), *span);
        i += 1;
        // A line that starts with a binary operator or `.` continues the line before it.
        if let Lexeme::Tok(token) = &lexeme {
            if token.is_binary_operator() || *token == Token::Dot {
                while matches!(out.last(), Some((Token::Newline, _))) {
                    out.pop();
                }
            }
        }
        let token = match lexeme {
            Lexeme::Int(magnitude) => int_token(magnitude, false, span, source, errors),
            Lexeme::Tok(Token::Newline) => {
                let in_parens = matches!(open.last(), Some((Token::LParen | Token::LBracket, _)));
                // Allman style: the `{` of a header may start the next line.
                let header_brace = headers.last() == Some(&open.len())
                    && matches!(next_token(&raw, i), Some(Token::LBrace));
                let keep = match out.last() {
                    None => false,
                    Some((prev, _)) => {
                        !in_parens
                            && !header_brace
                            && !prev.continues_line()
                            && !matches!(prev, Token::Newline | Token::Semi)
                    }
                };
                if keep {
                    out.push((Token::Newline, span));
                }
                continue;
            }
            Lexeme::Tok(keyword @ (Token::Else | Token::Catch)) => {
                // A newline before `else` (or `catch`) is allowed: `}` on one line, `else {` on
                // the next.
                while matches!(out.last(), Some((Token::Newline, _))) {
                    out.pop();
                }
                headers.push(open.len());
                keyword
            }
            Lexeme::Tok(Token::Minus) => {
                let prefix = !out.last().is_some_and(|(prev, _)| prev.ends_operand());
                let postfix_after = matches!(
                    raw.get(i + 1),
                    Some((Lexeme::Tok(Token::LParen | Token::LBracket | Token::Dot), _))
                );
                match raw.get(i) {
                    Some((Lexeme::Int(magnitude), number)) if prefix && !postfix_after => {
                        let span = span.join(*number);
                        i += 1;
                        out.push((int_token(*magnitude, true, span, source, errors), span));
                        continue;
                    }
                    Some((Lexeme::Tok(Token::Float(value)), number))
                        if prefix && !postfix_after =>
                    {
                        let span = span.join(*number);
                        i += 1;
                        out.push((Token::Float(-value), span));
                        continue;
                    }
                    _ => Token::Minus,
                }
            }
            Lexeme::Tok(token) => {
                if token.opens_header()
                    && !matches!(out.last(), Some((Token::Dot, _)))
                    && !matches!(next_token(&raw, i), Some(Token::Colon))
                {
                    headers.push(open.len());
                }
                if token == Token::LBrace {
                    while headers.last() == Some(&open.len()) {
                        headers.pop();
                    }
                }
                if let Some(opener) = track_bracket(&mut open, &token, span) {
                    if misclosed.is_none() && closes_an_outer_line(source, opener, span) {
                        misclosed = Some((opener, span));
                    }
                }
                headers.retain(|depth| *depth <= open.len());
                token
            }
        };
        // `if c { return 1 } return 2`: a statement may follow a block's `}` on the same line.
        // Only tokens that cannot continue an expression count, so `{a: 1} == m` and
        // `fn(x) { x }(3)` are untouched; inside `( )` and `[ ]` nothing changes.
        let after_block = matches!(out.last(), Some((Token::RBrace, _)))
            && !matches!(open.last(), Some((Token::LParen | Token::LBracket, _)));
        if after_block && token.starts_statement_only() {
            out.push((Token::Newline, span));
        }
        out.push((token, span));
    }
    if let Some((delimiter, span)) = open.last() {
        // `plugin p { fn f() { if c { ... } }`: the stack says the plugin's `{` is open, the
        // indentation says the `if`'s is; the one the author forgot is the latter.
        let outermost_brace = open.iter().find(|(t, _)| *t == Token::LBrace);
        let guess = match (delimiter, misclosed, outermost_brace) {
            (Token::LBrace, Some((opener, close)), Some((_, outer)))
                if opener.start > outer.start =>
            {
                Some((opener, close))
            }
            _ => None,
        };
        errors.push(match guess {
            Some((opener, close)) => ParseError::Unclosed {
                span: opener,
                delimiter: Token::LBrace,
                closed_by: Some(close),
            },
            None => ParseError::Unclosed {
                span: *span,
                delimiter: delimiter.clone(),
                closed_by: None,
            },
        });
    }
    out
}

/// Whether the `}` at `close` starts its line and is indented less than the line of its `{` at
/// `open` (both on lines of their own, or the `{` at the end of a header line).
fn closes_an_outer_line(source: &str, open: Span, close: Span) -> bool {
    let line_start = |at: usize| {
        source
            .get(..at)
            .and_then(|before| before.rfind('\n'))
            .map_or(0, |i| i + 1)
    };
    let indent = |at: usize| {
        let start = line_start(at);
        let before = source.get(start..at).unwrap_or("");
        let width = before.len() - before.trim_start_matches([' ', '\t']).len();
        (width, width == before.len())
    };
    let (open_indent, _) = indent(open.start as usize);
    let (close_indent, close_first) = indent(close.start as usize);
    close_first && close_indent < open_indent
}

/// The next token after position `i` that is not a newline.
fn next_token(raw: &[(Lexeme, Span)], i: usize) -> Option<&Token> {
    raw.get(i..)?.iter().find_map(|(lexeme, _)| match lexeme {
        Lexeme::Tok(Token::Newline) => None,
        Lexeme::Tok(token) => Some(Some(token)),
        Lexeme::Int(_) => Some(None),
    })?
}

/// Keeps the stack of open brackets. A `}` also closes any `(` or `[` left open inside its block
/// (the parser reports those), and a closing bracket that matches nothing open is ignored here.
/// Returns the span of the `{` a `}` closed.
fn track_bracket(open: &mut Vec<(Token, Span)>, token: &Token, span: Span) -> Option<Span> {
    let opener = match token {
        Token::LParen | Token::LBracket | Token::LBrace => {
            open.push((token.clone(), span));
            return None;
        }
        Token::RParen => Token::LParen,
        Token::RBracket => Token::LBracket,
        Token::RBrace => Token::LBrace,
        _ => return None,
    };
    let depth = open.iter().rposition(|(t, _)| *t == opener)?;
    let unclosed_parens_only = open
        .get(depth + 1..)
        .is_some_and(|inner| inner.iter().all(|(t, _)| *t != Token::LBrace));
    if depth + 1 == open.len() || (opener == Token::LBrace && unclosed_parens_only) {
        let closed = open.get(depth).map(|(_, span)| *span);
        open.truncate(depth);
        if opener == Token::LBrace {
            return closed;
        }
    }
    None
}

fn int_token(
    magnitude: u64,
    negative: bool,
    span: Span,
    source: &str,
    errors: &mut Vec<ParseError>,
) -> Token {
    let value = if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    };
    match value {
        Some(value) => Token::Int(value),
        None => {
            let text = source.get(span.range()).unwrap_or("").to_string();
            errors.push(ParseError::BadNumber {
                span,
                problem: NumberProblem::IntTooLarge,
                text,
            });
            Token::Int(0)
        }
    }
}
