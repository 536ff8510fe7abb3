//! Expressions: a precedence climb of left folds, lowest first
//! `or` < `and` < `not` < comparisons < `|` < `^` < `&` < `<< >>` < `+ -` < `* / %` <
//! unary `-` and `~` < postfix < atoms.
//!
//! Every expression is built as an [`Ex`] that knows its depth in operators. A node that would go
//! past [`MAX_EXPR_DEPTH`] is reported once and replaced by a "poisoned" `nil`; everything built
//! on a poisoned node stays poisoned without further errors. So no tree deeper than the limit is
//! ever built, and dropping or walking one never recurses too far.

use super::super::limits::{block_expr_depth, MAX_EXPR_DEPTH};
use super::{member_name, params, record, span, Extra, Extras, SyntaxError};
use crate::parse::error::ParseError;
use crate::parse::token::Token;
use aura_uast::{BinaryOp, Block, Expr, Ident, MapEntry, Span, UnaryOp};
use chumsky::input::ValueInput;
use chumsky::prelude::*;
use chumsky::recursive::Indirect;

/// An expression under construction. Boxed: chumsky inlines its combinators into a few big
/// functions, where every value passed along takes its own stack slot, so a small output type
/// keeps the frames (and so the stack used per nesting level) small.
#[derive(Clone, Debug)]
pub struct Ex(Box<Node>);

#[derive(Clone, Debug)]
pub struct Node {
    pub expr: Expr,
    /// Operators nested in this expression (a literal or a name is 0).
    pub depth: usize,
    /// Part of an expression that was already reported as too deep.
    pub poisoned: bool,
    /// Where the expression is, including any parentheses around it.
    pub span: Span,
}

impl std::ops::Deref for Ex {
    type Target = Node;
    fn deref(&self) -> &Node {
        &self.0
    }
}

impl Ex {
    fn new(expr: Expr, depth: usize, poisoned: bool, span: Span) -> Ex {
        Ex(Box::new(Node {
            expr,
            depth,
            poisoned,
            span,
        }))
    }

    fn leaf(expr: Expr) -> Ex {
        let span = expr.span();
        Ex::new(expr, 0, false, span)
    }

    pub fn into_expr(self) -> Expr {
        self.0.expr
    }
}

/// Builds the node `make` returns, `depth` operators deep, unless that is too deep or a part of
/// it was: then a poisoned `nil`. `focus` is what the error points at when the node is too deep
/// (an operator, not the whole, possibly huge, expression).
fn poisoned_or<'t, 'p, I, R>(
    e: &mut Extras<'t, 'p, I, R>,
    depth: usize,
    poisoned: bool,
    whole: Span,
    focus: Span,
    make: impl FnOnce() -> Expr,
) -> Ex
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    if !poisoned && depth > MAX_EXPR_DEPTH {
        record(e, ParseError::ExpressionTooDeep { span: focus });
    }
    if poisoned || depth > MAX_EXPR_DEPTH {
        return Ex::new(Expr::Nil { span: whole }, 0, true, whole);
    }
    Ex::new(make(), depth, false, whole)
}

fn exprs(items: Vec<Ex>) -> Vec<Expr> {
    items.into_iter().map(Ex::into_expr).collect()
}

enum Postfix {
    Call(Vec<Ex>),
    Index(Ex),
    Field(Ident),
    Send(Ident, Vec<Ex>),
}

fn binary<'t, 'p, I, R>(
    e: &mut Extras<'t, 'p, I, R>,
    lhs: Ex,
    (op, focus): (BinaryOp, Span),
    rhs: Ex,
) -> Ex
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    let whole = lhs.span.join(rhs.span);
    let children = [&lhs, &rhs];
    let (depth, poisoned) = depth_of(&children);
    poisoned_or(e, depth, poisoned, whole, focus, || Expr::Binary {
        span: whole,
        op,
        lhs: Box::new(lhs.into_expr()),
        rhs: Box::new(rhs.into_expr()),
    })
}

fn unary<'t, 'p, I, R>(
    e: &mut Extras<'t, 'p, I, R>,
    (op, focus): (UnaryOp, Span),
    operand: Ex,
) -> Ex
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    let whole = focus.join(operand.span);
    let (depth, poisoned) = depth_of(&[&operand]);
    poisoned_or(e, depth, poisoned, whole, focus, || Expr::Unary {
        span: whole,
        op,
        operand: Box::new(operand.into_expr()),
    })
}

fn depth_of(children: &[&Ex]) -> (usize, bool) {
    let depth = 1 + children.iter().map(|c| c.depth).max().unwrap_or(0);
    (depth, children.iter().any(|c| c.poisoned))
}

/// One operator token, giving the operator and where it is.
fn op<'t, I, R, O: Clone + 't>(
    token: Token,
    op: O,
) -> impl Parser<'t, I, (O, Span), Extra<'t, R>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    just(token).map_with(move |_, e| (op.clone(), span(e.span())))
}

type BlockParser<'t, 'b, I, R> = Recursive<Indirect<'t, 'b, I, Block, Extra<'t, R>>>;

pub fn expr<'t, 'b, I, R>(
    block: BlockParser<'t, 'b, I, R>,
) -> impl Parser<'t, I, Ex, Extra<'t, R>> + Clone + 'b
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 'b,
    R: SyntaxError<'t, I>,
    't: 'b,
{
    recursive(move |expr| {
        let args = expr
            .clone()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<Ex>>()
            .delimited_by(just(Token::LParen), just(Token::RParen));

        let literal = select! {
            Token::Int(value) = e => Expr::Int { span: span(e.span()), value },
            Token::Float(value) = e => Expr::Float { span: span(e.span()), value },
            Token::Str(value) = e => Expr::Str { span: span(e.span()), value },
            Token::True = e => Expr::Bool { span: span(e.span()), value: true },
            Token::False = e => Expr::Bool { span: span(e.span()), value: false },
            Token::Nil = e => Expr::Nil { span: span(e.span()) },
            Token::SelfKw = e => Expr::SelfRef { span: span(e.span()) },
            Token::Ident(name) = e => Expr::Var { span: span(e.span()), name },
        }
        .map(Ex::leaf);

        let paren = expr
            .clone()
            .delimited_by(just(Token::LParen), just(Token::RParen))
            .map_with(|inner: Ex, e| {
                Ex(Box::new(Node {
                    span: span(e.span()),
                    ..*inner.0
                }))
            });

        let list = expr
            .clone()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<Ex>>()
            .delimited_by(just(Token::LBracket), just(Token::RBracket))
            .map_with(|items, e| {
                let whole = span(e.span());
                let children: Vec<&Ex> = items.iter().collect();
                let (depth, poisoned) = depth_of(&children);
                poisoned_or(e, depth, poisoned, whole, whole, || Expr::List {
                    span: whole,
                    items: exprs(items),
                })
            });

        // Map literals may span lines: newlines are skipped between entries.
        let newlines = just(Token::Newline).repeated();
        let key = choice((
            member_name().map(|name| name.name),
            select! { Token::Str(name) => name },
        ))
        .labelled("map key");
        let entry = key
            .clone()
            .then_ignore(just(Token::Colon))
            .then(expr.clone())
            .map_with(|(key, value), e| (span(e.span()), key, value));
        let comma = newlines
            .clone()
            .then(just(Token::Comma))
            .then(newlines.clone())
            .ignored();
        // `{a: 1 <newline> b: 2}`: entries on lines of their own with no `,` between them. Read
        // as if the comma were there, and reported where it is missing.
        let next_entry = key
            .clone()
            .map_with(|_, e| span(e.span()))
            .then_ignore(just(Token::Colon))
            .rewind();
        let missing_comma = just(Token::Newline)
            .map_with(|_, e| span(e.span()))
            .then_ignore(newlines.clone())
            .then(next_entry)
            // `validate`, not `map_with`: a separator is parsed in chumsky's check mode, where
            // `map_with` closures do not run.
            .validate(|(at, next), e, _| record(e, ParseError::MissingMapComma { span: at, next }));
        let map = entry
            .separated_by(choice((comma, missing_comma)))
            .allow_trailing()
            .collect::<Vec<(Span, String, Ex)>>()
            .then_ignore(newlines.clone())
            .delimited_by(just(Token::LBrace).then(newlines), just(Token::RBrace))
            .map_with(|entries, e| {
                let whole = span(e.span());
                let children: Vec<&Ex> = entries.iter().map(|(_, _, value)| value).collect();
                let (depth, poisoned) = depth_of(&children);
                poisoned_or(e, depth, poisoned, whole, whole, || Expr::Map {
                    span: whole,
                    entries: entries
                        .into_iter()
                        .map(|(span, key, value)| MapEntry {
                            span,
                            key,
                            value: value.into_expr(),
                        })
                        .collect(),
                })
            });

        let lambda =
            just(Token::Fn)
                .ignore_then(params())
                .then(block)
                .map_with(|(params, body), e| {
                    let whole = span(e.span());
                    let depth = 1 + block_expr_depth(&body);
                    poisoned_or(e, depth, false, whole, whole, || Expr::Lambda {
                        span: whole,
                        params,
                        body,
                    })
                });

        // Boxed alternatives keep the frames small (see `statement` in grammar.rs).
        let atom = choice((
            literal.boxed(),
            paren.boxed(),
            list.boxed(),
            map.boxed(),
            lambda.boxed(),
        ))
        .labelled("expression")
        .boxed();

        // Postfix: call `f(x)`, index `a[i]`, field `a.f`, send `a.m(x)`.
        let postfix_op = choice((
            args.clone().map(Postfix::Call).boxed(),
            expr.clone()
                .delimited_by(just(Token::LBracket), just(Token::RBracket))
                .map(Postfix::Index),
            just(Token::Dot)
                .ignore_then(member_name().labelled("field or method name"))
                .then(args.or_not())
                .map(|(name, args)| match args {
                    Some(args) => Postfix::Send(name, args),
                    None => Postfix::Field(name),
                })
                .boxed(),
        ))
        .map_with(|op, e| (op, span(e.span())));
        let postfix = atom.foldl_with(postfix_op.repeated(), |lhs: Ex, (op, focus), e| {
            let whole = lhs.span.join(focus);
            match op {
                Postfix::Call(args) => {
                    let children: Vec<&Ex> = std::iter::once(&lhs).chain(&args).collect();
                    let (depth, poisoned) = depth_of(&children);
                    poisoned_or(e, depth, poisoned, whole, focus, || Expr::Call {
                        span: whole,
                        callee: Box::new(lhs.into_expr()),
                        args: exprs(args),
                    })
                }
                Postfix::Index(index) => {
                    let (depth, poisoned) = depth_of(&[&lhs, &index]);
                    poisoned_or(e, depth, poisoned, whole, focus, || Expr::Index {
                        span: whole,
                        object: Box::new(lhs.into_expr()),
                        index: Box::new(index.into_expr()),
                    })
                }
                Postfix::Field(field) => {
                    let (depth, poisoned) = depth_of(&[&lhs]);
                    poisoned_or(e, depth, poisoned, whole, focus, || Expr::Field {
                        span: whole,
                        object: Box::new(lhs.into_expr()),
                        field,
                    })
                }
                Postfix::Send(method, args) => {
                    let children: Vec<&Ex> = std::iter::once(&lhs).chain(&args).collect();
                    let (depth, poisoned) = depth_of(&children);
                    poisoned_or(e, depth, poisoned, whole, focus, || Expr::Send {
                        span: whole,
                        receiver: Box::new(lhs.into_expr()),
                        method,
                        args: exprs(args),
                    })
                }
            }
        });

        // Unary minus and `~` (a `-` directly before a number literal is already part of the
        // literal).
        let negation = choice((
            op(Token::Minus, UnaryOp::Neg),
            op(Token::Tilde, UnaryOp::BitNot),
        ))
        .repeated()
        .foldr_with(postfix.boxed(), |op, operand, e| unary(e, op, operand))
        .boxed();

        let product = negation
            .clone()
            .foldl_with(
                choice((
                    op(Token::Star, BinaryOp::Mul),
                    op(Token::Slash, BinaryOp::Div),
                    op(Token::Percent, BinaryOp::Rem),
                ))
                .then(negation)
                .repeated(),
                |lhs, (op, rhs), e| binary(e, lhs, op, rhs),
            )
            .boxed();

        let sum = product
            .clone()
            .foldl_with(
                choice((
                    op(Token::Plus, BinaryOp::Add),
                    op(Token::Minus, BinaryOp::Sub),
                ))
                .then(product)
                .repeated(),
                |lhs, (op, rhs), e| binary(e, lhs, op, rhs),
            )
            .boxed();

        // Bit operators bind tighter than comparisons (as in Rust and Python, unlike C), so
        // `x & mask == 0` is `(x & mask) == 0`.
        let shift = sum
            .clone()
            .foldl_with(
                choice((op(Token::Shl, BinaryOp::Shl), op(Token::Shr, BinaryOp::Shr)))
                    .then(sum)
                    .repeated(),
                |lhs, (op, rhs), e| binary(e, lhs, op, rhs),
            )
            .boxed();
        let bit_and = shift
            .clone()
            .foldl_with(
                op(Token::Amp, BinaryOp::BitAnd).then(shift).repeated(),
                |lhs, (op, rhs), e| binary(e, lhs, op, rhs),
            )
            .boxed();
        let bit_xor = bit_and
            .clone()
            .foldl_with(
                op(Token::Caret, BinaryOp::BitXor).then(bit_and).repeated(),
                |lhs, (op, rhs), e| binary(e, lhs, op, rhs),
            )
            .boxed();
        let bit_or = bit_xor
            .clone()
            .foldl_with(
                op(Token::Pipe, BinaryOp::BitOr).then(bit_xor).repeated(),
                |lhs, (op, rhs), e| binary(e, lhs, op, rhs),
            )
            .boxed();

        // Comparisons do not chain: `a < b < c` is an error (built left to right all the same).
        let comparison_op = choice((
            op(Token::EqEq, BinaryOp::Eq),
            op(Token::NotEq, BinaryOp::Ne),
            op(Token::Lt, BinaryOp::Lt),
            op(Token::Le, BinaryOp::Le),
            op(Token::Gt, BinaryOp::Gt),
            op(Token::Ge, BinaryOp::Ge),
        ));
        let comparison = bit_or
            .clone()
            .then(comparison_op.then(bit_or).repeated().collect::<Vec<_>>())
            .map_with(|(first, rest), e| {
                if let Some((((_, second), _), last)) = rest.get(1).zip(rest.last()) {
                    let chain = first.span.join(last.1.span);
                    record(
                        e,
                        ParseError::ChainedComparison {
                            span: chain,
                            operator: *second,
                        },
                    );
                }
                rest.into_iter()
                    .fold(first, |lhs, (op, rhs)| binary(e, lhs, op, rhs))
            });

        let negated = op(Token::Not, UnaryOp::Not)
            .repeated()
            .foldr_with(comparison, |op, operand, e| unary(e, op, operand))
            .boxed();

        let conjunction = negated
            .clone()
            .foldl_with(
                op(Token::And, BinaryOp::And).then(negated).repeated(),
                |lhs, (op, rhs), e| binary(e, lhs, op, rhs),
            )
            .boxed();

        conjunction
            .clone()
            .foldl_with(
                op(Token::Or, BinaryOp::Or).then(conjunction).repeated(),
                |lhs, (op, rhs), e| binary(e, lhs, op, rhs),
            )
            .labelled("expression")
            .boxed()
    })
}
