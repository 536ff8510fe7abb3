//! The tokens the grammar reads: what the lexer produces after the layout pass (newline rules,
//! `-` folded into numeric literals, integer range checked).

use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    Ident(String),
    /// Already range-checked; a `-` directly before the literal is folded in.
    Int(i64),
    /// Always finite.
    Float(f64),
    /// The decoded value (escapes resolved).
    Str(String),

    // Keywords.
    Fn,
    Let,
    If,
    Else,
    Try,
    Catch,
    While,
    For,
    In,
    Return,
    Break,
    Continue,
    True,
    False,
    Nil,
    And,
    Or,
    Not,
    Object,
    Plugin,
    Route,
    Uses,
    SelfKw,

    // Brackets.
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,

    // Punctuation and operators.
    Comma,
    Dot,
    Colon,
    Semi,
    /// `=`
    Assign,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    /// `&`
    Amp,
    /// `|`
    Pipe,
    /// `^`
    Caret,
    /// `~`
    Tilde,
    /// `<<`
    Shl,
    /// `>>`
    Shr,

    /// A newline that separates statements (the layout pass drops the others).
    Newline,
    /// Characters no token starts with; the lexer has reported them already.
    Error,
}

impl Token {
    /// Whether this token can begin a statement but can never continue an expression (so a
    /// statement separator may be implied before it after a block's closing `}`).
    pub fn starts_statement_only(&self) -> bool {
        matches!(
            self,
            Token::Ident(_)
                | Token::Int(_)
                | Token::Float(_)
                | Token::Str(_)
                | Token::Fn
                | Token::Let
                | Token::If
                | Token::Try
                | Token::While
                | Token::For
                | Token::Return
                | Token::Break
                | Token::Continue
                | Token::True
                | Token::False
                | Token::Nil
                | Token::Not
                | Token::Object
                | Token::Plugin
                | Token::Route
                | Token::Uses
                | Token::SelfKw
        )
    }

    /// Keywords that start a header ending in a `{` (which may be on the next line).
    pub fn opens_header(&self) -> bool {
        matches!(
            self,
            Token::If
                | Token::Else
                | Token::Try
                | Token::Catch
                | Token::While
                | Token::For
                | Token::Fn
                | Token::Object
                | Token::Plugin
                | Token::Route
        )
    }

    /// The keyword an identifier-shaped word stands for, if it is one.
    pub fn keyword(word: &str) -> Option<Token> {
        Some(match word {
            "fn" => Token::Fn,
            "let" => Token::Let,
            "if" => Token::If,
            "else" => Token::Else,
            "try" => Token::Try,
            "catch" => Token::Catch,
            "while" => Token::While,
            "for" => Token::For,
            "in" => Token::In,
            "return" => Token::Return,
            "break" => Token::Break,
            "continue" => Token::Continue,
            "true" => Token::True,
            "false" => Token::False,
            "nil" => Token::Nil,
            "and" => Token::And,
            "or" => Token::Or,
            "not" => Token::Not,
            "object" => Token::Object,
            "plugin" => Token::Plugin,
            "route" => Token::Route,
            "uses" => Token::Uses,
            "self" => Token::SelfKw,
            _ => return None,
        })
    }

    /// Tokens that can end an operand: after one of these a `-` is a binary minus.
    pub fn ends_operand(&self) -> bool {
        matches!(
            self,
            Token::Ident(_)
                | Token::Int(_)
                | Token::Float(_)
                | Token::Str(_)
                | Token::True
                | Token::False
                | Token::Nil
                | Token::SelfKw
                | Token::RParen
                | Token::RBracket
                | Token::RBrace
        )
    }

    /// Binary operators (`-` included): an expression continues on the next line after one.
    pub fn is_binary_operator(&self) -> bool {
        matches!(
            self,
            Token::Plus
                | Token::Minus
                | Token::Star
                | Token::Slash
                | Token::Percent
                | Token::EqEq
                | Token::NotEq
                | Token::Lt
                | Token::Le
                | Token::Gt
                | Token::Ge
                | Token::And
                | Token::Or
                | Token::Amp
                | Token::Pipe
                | Token::Caret
                | Token::Shl
                | Token::Shr
        )
    }

    /// After one of these tokens a newline is not a statement separator.
    pub fn continues_line(&self) -> bool {
        self.is_binary_operator()
            || matches!(
                self,
                Token::Not
                    | Token::Tilde
                    | Token::Comma
                    | Token::Dot
                    | Token::Colon
                    | Token::Assign
                    | Token::LParen
                    | Token::LBracket
                    | Token::LBrace
            )
    }

    pub fn is_open_bracket(&self) -> bool {
        matches!(self, Token::LParen | Token::LBracket | Token::LBrace)
    }

    pub fn is_close_bracket(&self) -> bool {
        matches!(self, Token::RParen | Token::RBracket | Token::RBrace)
    }

    /// The token as it is written in source, for the fixed-spelling tokens.
    pub fn spelling(&self) -> Option<&'static str> {
        Some(match self {
            Token::Fn => "fn",
            Token::Let => "let",
            Token::If => "if",
            Token::Else => "else",
            Token::Try => "try",
            Token::Catch => "catch",
            Token::While => "while",
            Token::For => "for",
            Token::In => "in",
            Token::Return => "return",
            Token::Break => "break",
            Token::Continue => "continue",
            Token::True => "true",
            Token::False => "false",
            Token::Nil => "nil",
            Token::And => "and",
            Token::Or => "or",
            Token::Not => "not",
            Token::Object => "object",
            Token::Plugin => "plugin",
            Token::Route => "route",
            Token::Uses => "uses",
            Token::SelfKw => "self",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::Comma => ",",
            Token::Dot => ".",
            Token::Colon => ":",
            Token::Semi => ";",
            Token::Assign => "=",
            Token::EqEq => "==",
            Token::NotEq => "!=",
            Token::Lt => "<",
            Token::Le => "<=",
            Token::Gt => ">",
            Token::Ge => ">=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Percent => "%",
            Token::Amp => "&",
            Token::Pipe => "|",
            Token::Caret => "^",
            Token::Tilde => "~",
            Token::Shl => "<<",
            Token::Shr => ">>",
            Token::Ident(_)
            | Token::Int(_)
            | Token::Float(_)
            | Token::Str(_)
            | Token::Newline
            | Token::Error => return None,
        })
    }
}

/// How a token is named in a diagnostic: "`)`", "identifier `foo`", "end of line".
impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(name) => write!(f, "identifier `{name}`"),
            Token::Int(value) => write!(f, "number `{value}`"),
            Token::Float(value) => write!(f, "number `{value:?}`"),
            Token::Str(_) => write!(f, "a string"),
            Token::Newline => write!(f, "end of line"),
            Token::Error => write!(f, "an invalid character"),
            other => match other.spelling() {
                Some(text) if Token::keyword(text).is_some() => write!(f, "keyword `{text}`"),
                Some(text) => write!(f, "`{text}`"),
                None => write!(f, "a token"),
            },
        }
    }
}
