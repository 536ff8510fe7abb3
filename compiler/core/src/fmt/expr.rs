//! Expressions: minimal parentheses from precedence, and the one layout decision the printer
//! makes (a list, map or argument list stays on one line when its first line fits in
//! [`MAX_WIDTH`] columns, else it puts one element per line with a trailing comma).

use super::{block, indent_str, lit, MAX_WIDTH};
use aura_uast::{BinaryOp, Expr, Ident, MapEntry, UnaryOp};

/// `not` binds looser than the comparisons and tighter than `and`.
const PREC_NOT: u8 = 3;
/// `== != < <= > >=`: non-associative, so a comparison operand of a comparison needs parentheses.
const PREC_COMPARE: u8 = 4;
/// Unary minus (and a negative numeric literal, which the parser folds from one).
const PREC_NEG: u8 = 7;
/// Call, send, field and index.
const PREC_POSTFIX: u8 = 8;
const PREC_PRIMARY: u8 = 9;

/// How an expression is being rendered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    /// The real output: lists, maps and argument lists break when they do not fit.
    Normal,
    /// Everything on one line, to measure it; a lambda with a non-empty body ends the line after
    /// its `{` (the body starts on the next line), and what follows does not matter.
    Measure,
}

/// Where the text being rendered starts: the indentation level of its line and its column.
#[derive(Clone, Copy, Debug)]
pub(super) struct At {
    pub indent: usize,
    pub col: usize,
}

impl At {
    pub fn line_start(indent: usize) -> At {
        At {
            indent,
            col: indent * 4,
        }
    }

    /// The position after `text` has been written here.
    pub fn after_text(self, text: &str) -> At {
        let col = match text.rfind('\n') {
            Some(i) => text[i + 1..].chars().count(),
            None => self.col + text.chars().count(),
        };
        At {
            indent: self.indent,
            col,
        }
    }
}

/// Text being built piece by piece, tracking the column where the next piece starts.
struct Out {
    text: String,
    at: At,
}

impl Out {
    fn new(at: At) -> Out {
        Out {
            text: String::new(),
            at,
        }
    }

    fn push(&mut self, piece: &str) {
        self.at = self.at.after_text(piece);
        self.text.push_str(piece);
    }
}

/// Binding strength of an expression as the printer writes it.
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Binary { op, .. } => op.precedence(),
        Expr::Unary {
            op: UnaryOp::Not, ..
        } => PREC_NOT,
        Expr::Unary {
            op: UnaryOp::Neg, ..
        } => PREC_NEG,
        Expr::Int { value, .. } if *value < 0 => PREC_NEG,
        Expr::Float { value, .. } if value.is_sign_negative() => PREC_NEG,
        Expr::Call { .. } | Expr::Send { .. } | Expr::Field { .. } | Expr::Index { .. } => {
            PREC_POSTFIX
        }
        _ => PREC_PRIMARY,
    }
}

/// Whether the object of a postfix operator (`x(..)`, `x.m(..)`, `x.f`, `x[..]`) needs
/// parentheses. Numeric literals always get them: `(-5)[0]` must not read as `-(5[0])`, and
/// `(1).f` must not lex as a malformed float. A lambda gets them so `fn` never starts a postfix
/// chain (`(fn(x) { .. })(1)`).
fn postfix_object_needs_parens(e: &Expr) -> bool {
    precedence(e) < PREC_POSTFIX
        || matches!(
            e,
            Expr::Lambda { .. } | Expr::Int { .. } | Expr::Float { .. }
        )
}

/// The operand of unary minus needs parentheses when it binds looser, or when it would start
/// with `-` or a digit: `-(-x)`, `-(-5)`, and `-(5)` (which is not the literal `-5`).
fn neg_operand_needs_parens(e: &Expr) -> bool {
    precedence(e) < PREC_NEG
        || matches!(
            e,
            Expr::Int { .. }
                | Expr::Float { .. }
                | Expr::Unary {
                    op: UnaryOp::Neg,
                    ..
                }
        )
}

fn lhs_needs_parens(op: BinaryOp, lhs: &Expr) -> bool {
    let (p, l) = (op.precedence(), precedence(lhs));
    l < p || (p == PREC_COMPARE && l == PREC_COMPARE)
}

fn rhs_needs_parens(op: BinaryOp, rhs: &Expr) -> bool {
    precedence(rhs) <= op.precedence()
}

/// Whether the printed expression would start with `{` (read as a block at the start of a
/// statement) or `fn` (read as a nested fn declaration). Such a statement is wrapped in
/// parentheses.
pub(super) fn starts_ambiguously(e: &Expr) -> bool {
    match e {
        Expr::Map { .. } | Expr::Lambda { .. } => true,
        Expr::Binary { op, lhs, .. } => !lhs_needs_parens(*op, lhs) && starts_ambiguously(lhs),
        Expr::Call { callee: object, .. }
        | Expr::Send {
            receiver: object, ..
        }
        | Expr::Field { object, .. }
        | Expr::Index { object, .. } => {
            !postfix_object_needs_parens(object) && starts_ambiguously(object)
        }
        _ => false,
    }
}

/// Renders `e` starting at `at`. Lines after the first carry their own indentation.
pub(super) fn expr(e: &Expr, at: At, mode: Mode) -> String {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || expr_inner(e, at, mode))
}

fn expr_inner(e: &Expr, at: At, mode: Mode) -> String {
    match e {
        Expr::Nil { .. } => "nil".to_string(),
        Expr::Bool { value, .. } => value.to_string(),
        Expr::Int { value, .. } => value.to_string(),
        Expr::Float { value, .. } => lit::float(*value),
        Expr::Str { value, .. } => lit::string(value),
        Expr::Var { name, .. } => name.clone(),
        Expr::SelfRef { .. } => "self".to_string(),
        Expr::List { items, .. } => sequence(
            "[",
            "]",
            items.len(),
            &|i, at, mode| expr(&items[i], at, mode),
            at,
            mode,
        ),
        Expr::Map { entries, .. } => sequence(
            "{",
            "}",
            entries.len(),
            &|i, at, mode| entry(&entries[i], at, mode),
            at,
            mode,
        ),
        Expr::Unary {
            op: UnaryOp::Neg,
            operand,
            ..
        } => {
            let mut out = Out::new(at);
            out.push("-");
            let operand = wrapped(operand, neg_operand_needs_parens(operand), out.at, mode);
            out.push(&operand);
            out.text
        }
        Expr::Unary {
            op: UnaryOp::Not,
            operand,
            ..
        } => {
            let mut out = Out::new(at);
            out.push("not ");
            let operand = wrapped(operand, precedence(operand) < PREC_NOT, out.at, mode);
            out.push(&operand);
            out.text
        }
        Expr::Binary { op, lhs, rhs, .. } => {
            let mut out = Out::new(at);
            let left = wrapped(lhs, lhs_needs_parens(*op, lhs), out.at, mode);
            out.push(&left);
            out.push(" ");
            out.push(op.symbol());
            out.push(" ");
            let right = wrapped(rhs, rhs_needs_parens(*op, rhs), out.at, mode);
            out.push(&right);
            out.text
        }
        Expr::Call { callee, args, .. } => {
            let mut out = Out::new(at);
            // `o.f(x)` would read as a send, so a field callee keeps its parentheses.
            let parens =
                postfix_object_needs_parens(callee) || matches!(**callee, Expr::Field { .. });
            let callee = wrapped(callee, parens, out.at, mode);
            out.push(&callee);
            let args = arguments(args, out.at, mode);
            out.push(&args);
            out.text
        }
        Expr::Send {
            receiver,
            method,
            args,
            ..
        } => {
            let mut out = Out::new(at);
            let receiver = postfix_object(receiver, out.at, mode);
            out.push(&receiver);
            out.push(".");
            out.push(&method.name);
            let args = arguments(args, out.at, mode);
            out.push(&args);
            out.text
        }
        Expr::Field { object, field, .. } => {
            let mut out = Out::new(at);
            let object = postfix_object(object, out.at, mode);
            out.push(&object);
            out.push(".");
            out.push(&field.name);
            out.text
        }
        Expr::Index { object, index, .. } => {
            let mut out = Out::new(at);
            let object = postfix_object(object, out.at, mode);
            out.push(&object);
            out.push("[");
            let index = expr(index, out.at, mode);
            out.push(&index);
            out.push("]");
            out.text
        }
        Expr::Lambda { params, body, .. } => {
            let head = format!("fn({}) ", names(params));
            if mode == Mode::Measure && !body.stmts.is_empty() {
                format!("{head}{{\n")
            } else {
                head + &block(body, at.indent)
            }
        }
    }
}

/// The object of a postfix operator, parenthesized when needed.
pub(super) fn postfix_object(e: &Expr, at: At, mode: Mode) -> String {
    wrapped(e, postfix_object_needs_parens(e), at, mode)
}

/// `e`, in parentheses when `parens`.
pub(super) fn wrapped(e: &Expr, parens: bool, at: At, mode: Mode) -> String {
    if parens {
        let inner = expr(
            e,
            At {
                indent: at.indent,
                col: at.col + 1,
            },
            mode,
        );
        format!("({inner})")
    } else {
        expr(e, at, mode)
    }
}

fn entry(e: &MapEntry, at: At, mode: Mode) -> String {
    let mut out = Out::new(at);
    out.push(&lit::map_key(&e.key));
    out.push(": ");
    let value = expr(&e.value, out.at, mode);
    out.push(&value);
    out.text
}

fn arguments(args: &[Expr], at: At, mode: Mode) -> String {
    sequence(
        "(",
        ")",
        args.len(),
        &|i, at, mode| expr(&args[i], at, mode),
        at,
        mode,
    )
}

/// Comma-separated names: parameters, `uses`.
pub(super) fn names(idents: &[Ident]) -> String {
    idents
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

type Element<'a> = dyn Fn(usize, At, Mode) -> String + 'a;

/// `open a, b, c close` on one line when its first line fits, else
/// ```text
/// open
///     a,
///     b,
/// close
/// ```
fn sequence(open: &str, close: &str, len: usize, element: &Element, at: At, mode: Mode) -> String {
    if len == 0 {
        return format!("{open}{close}");
    }
    let one_line = |mode| {
        let mut out = Out::new(at);
        out.push(open);
        for i in 0..len {
            if i > 0 {
                out.push(", ");
            }
            let text = element(i, out.at, mode);
            out.push(&text);
        }
        out.push(close);
        out.text
    };
    if mode == Mode::Measure {
        return one_line(Mode::Measure);
    }
    let measured = one_line(Mode::Measure);
    let first_line = measured.split('\n').next().unwrap_or("");
    if at.col + first_line.chars().count() <= MAX_WIDTH {
        return one_line(Mode::Normal);
    }
    let inner = At::line_start(at.indent + 1);
    let mut text = format!("{open}\n");
    for i in 0..len {
        text.push_str(&indent_str(inner.indent));
        text.push_str(&element(i, inner, Mode::Normal));
        text.push_str(",\n");
    }
    text.push_str(&indent_str(at.indent));
    text.push_str(close);
    text
}
