//! Expressions: minimal parentheses from precedence, and the one layout decision the printer
//! makes (a list, map or argument list stays on one line when its first line fits in
//! [`MAX_WIDTH`] columns, else it puts one element per line with a trailing comma).

use super::{block, block_is_empty, indent_str, lit, MAX_WIDTH};
use aura_uast::{BinaryOp, Expr, Ident, MapEntry, UnaryOp};

/// `not` binds looser than the comparisons and tighter than `and`.
const PREC_NOT: u8 = 3;
/// `== != < <= > >=`: non-associative, so a comparison operand of a comparison needs parentheses.
const PREC_COMPARE: u8 = 4;
/// Unary minus and `~` (and a negative numeric literal, which the parser folds from a minus).
const PREC_NEG: u8 = 11;
/// Call, send, field and index.
const PREC_POSTFIX: u8 = 12;
const PREC_PRIMARY: u8 = 13;

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

/// Where rendered text goes: the real output, or a measurement of how far the first line of the
/// text would reach, which stops as soon as it passes [`MAX_WIDTH`] or the line ends. Measuring
/// is therefore cheap however large the expression, which keeps the printer linear in practice.
struct Out {
    text: String,
    at: At,
    /// Only measuring: no text is kept, and `at.col` is how far the first line reaches.
    measuring: bool,
    /// Measuring is over (the line ended or passed the limit); further pieces are ignored.
    done: bool,
}

impl Out {
    fn new(at: At) -> Out {
        Out {
            text: String::new(),
            at,
            measuring: false,
            done: false,
        }
    }

    fn measure(at: At) -> Out {
        Out {
            text: String::new(),
            at,
            measuring: true,
            done: false,
        }
    }

    fn push(&mut self, piece: &str) {
        if self.done {
            return;
        }
        if self.measuring {
            match piece.find('\n') {
                Some(i) => {
                    self.at.col += piece[..i].chars().count();
                    self.done = true;
                }
                None => self.at.col += piece.chars().count(),
            }
            self.done |= self.at.col > MAX_WIDTH;
        } else {
            self.at = self.at.after_text(piece);
            self.text.push_str(piece);
        }
    }

    /// The first line of a lambda's non-empty body ends after its `{`.
    fn end_line(&mut self) {
        if self.measuring {
            self.done = true;
        }
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
            op: UnaryOp::Neg | UnaryOp::BitNot,
            ..
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

/// A call's callee is a postfix object, and a field access keeps its parentheses too: `(o.f)(x)`,
/// since `o.f(x)` is a message send.
fn callee_needs_parens(callee: &Expr) -> bool {
    postfix_object_needs_parens(callee) || matches!(callee, Expr::Field { .. })
}

fn lhs_needs_parens(op: BinaryOp, lhs: &Expr) -> bool {
    let (p, l) = (op.precedence(), precedence(lhs));
    l < p || (p == PREC_COMPARE && l == PREC_COMPARE)
}

fn rhs_needs_parens(op: BinaryOp, rhs: &Expr) -> bool {
    precedence(rhs) <= op.precedence()
}

/// Whether the printed expression would start with `{` (read as a block at the start of a
/// statement), `fn` (read as a nested fn declaration) or `-` (which continues the line before).
/// Such a statement is wrapped in parentheses.
pub(super) fn starts_ambiguously(e: &Expr) -> bool {
    match e {
        Expr::Map { .. } | Expr::Lambda { .. } => true,
        // A line that starts with `-` continues the line before it.
        Expr::Unary {
            op: UnaryOp::Neg, ..
        } => true,
        Expr::Int { value, .. } if *value < 0 => true,
        Expr::Float { value, .. } if value.is_sign_negative() => true,
        Expr::Binary { op, lhs, .. } => !lhs_needs_parens(*op, lhs) && starts_ambiguously(lhs),
        Expr::Call { callee, .. } => !callee_needs_parens(callee) && starts_ambiguously(callee),
        Expr::Send {
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
pub(super) fn expr(e: &Expr, at: At) -> String {
    let mut out = Out::new(at);
    render(e, &mut out);
    out.text
}

/// `e` in parentheses when `parens`, starting at `at`.
pub(super) fn wrapped(e: &Expr, parens: bool, at: At) -> String {
    let mut out = Out::new(at);
    render_wrapped(e, parens, &mut out);
    out.text
}

/// The object of a postfix operator, parenthesized when needed.
pub(super) fn postfix_object(e: &Expr, at: At) -> String {
    wrapped(e, postfix_object_needs_parens(e), at)
}

fn render(e: &Expr, out: &mut Out) {
    if !out.done {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || render_inner(e, out));
    }
}

fn render_wrapped(e: &Expr, parens: bool, out: &mut Out) {
    if parens {
        out.push("(");
        render(e, out);
        out.push(")");
    } else {
        render(e, out);
    }
}

fn render_inner(e: &Expr, out: &mut Out) {
    match e {
        Expr::Nil { .. } => out.push("nil"),
        Expr::Bool { value, .. } => out.push(if *value { "true" } else { "false" }),
        Expr::Int { value, .. } => out.push(&value.to_string()),
        Expr::Float { value, .. } => out.push(&lit::float(*value)),
        Expr::Str { value, .. } => out.push(&lit::string(value)),
        Expr::Var { name, .. } => out.push(name),
        Expr::SelfRef { .. } => out.push("self"),
        Expr::List { items, .. } => {
            sequence("[", "]", items.len(), &|i, out| render(&items[i], out), out);
        }
        Expr::Map { entries, .. } => {
            sequence(
                "{",
                "}",
                entries.len(),
                &|i, out| entry(&entries[i], out),
                out,
            );
        }
        Expr::Unary {
            op: UnaryOp::Neg,
            operand,
            ..
        } => {
            out.push("-");
            render_wrapped(operand, neg_operand_needs_parens(operand), out);
        }
        Expr::Unary {
            op: UnaryOp::BitNot,
            operand,
            ..
        } => {
            out.push("~");
            render_wrapped(operand, precedence(operand) < PREC_NEG, out);
        }
        Expr::Unary {
            op: UnaryOp::Not,
            operand,
            ..
        } => {
            out.push("not ");
            render_wrapped(operand, precedence(operand) < PREC_NOT, out);
        }
        Expr::Binary { op, lhs, rhs, .. } => {
            render_wrapped(lhs, lhs_needs_parens(*op, lhs), out);
            out.push(" ");
            out.push(op.symbol());
            out.push(" ");
            render_wrapped(rhs, rhs_needs_parens(*op, rhs), out);
        }
        Expr::Call { callee, args, .. } => {
            render_wrapped(callee, callee_needs_parens(callee), out);
            arguments(args, out);
        }
        Expr::Send {
            receiver,
            method,
            args,
            ..
        } => {
            render_wrapped(receiver, postfix_object_needs_parens(receiver), out);
            out.push(".");
            out.push(&method.name);
            arguments(args, out);
        }
        Expr::Field { object, field, .. } => {
            render_wrapped(object, postfix_object_needs_parens(object), out);
            out.push(".");
            out.push(&field.name);
        }
        Expr::Index { object, index, .. } => {
            render_wrapped(object, postfix_object_needs_parens(object), out);
            out.push("[");
            render(index, out);
            out.push("]");
        }
        Expr::Lambda { params, body, .. } => {
            out.push("fn(");
            out.push(&names(params));
            out.push(") ");
            if out.measuring && !block_is_empty(body) {
                out.push("{");
                out.end_line();
            } else {
                out.push(&block(body, out.at.indent));
            }
        }
    }
}

fn entry(e: &MapEntry, out: &mut Out) {
    out.push(&lit::map_key(&e.key));
    out.push(": ");
    render(&e.value, out);
}

fn arguments(args: &[Expr], out: &mut Out) {
    sequence("(", ")", args.len(), &|i, out| render(&args[i], out), out);
}

/// Comma-separated names: parameters, `uses`.
pub(super) fn names(idents: &[Ident]) -> String {
    idents
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

type Element<'a> = dyn Fn(usize, &mut Out) + 'a;

/// `open a, b, c close` on one line when its first line fits, else
/// ```text
/// open
///     a,
///     b,
/// close
/// ```
/// A sequence of one element never breaks itself; the element may break instead.
fn sequence(open: &str, close: &str, len: usize, element: &Element, out: &mut Out) {
    let one_line = |out: &mut Out| {
        out.push(open);
        for i in 0..len {
            if i > 0 {
                out.push(", ");
            }
            element(i, out);
        }
        out.push(close);
    };
    if out.measuring || len <= 1 {
        // A sole element hugs the brackets and breaks itself: `f([` … `])`, `print(g(` … `))`.
        return one_line(out);
    }
    let mut measure = Out::measure(out.at);
    one_line(&mut measure);
    if measure.at.col <= MAX_WIDTH {
        return one_line(out);
    }
    let indent = out.at.indent;
    let inner = At::line_start(indent + 1);
    out.push(open);
    out.push("\n");
    for i in 0..len {
        out.push(&indent_str(inner.indent));
        // Each element starts a line at the inner indentation.
        out.at = inner;
        element(i, out);
        out.push(",\n");
    }
    out.push(&indent_str(indent));
    out.at.indent = indent;
    out.push(close);
}
