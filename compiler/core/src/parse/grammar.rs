//! The grammar (chumsky 0.12) from tokens to the UAST; `spec/syntax.md` has it as EBNF.
//!
//! Syntax errors come from chumsky (`Rich`); errors the grammar finds itself (chained comparison,
//! invalid assignment target, statement at top level, expression too deep) go into the parser
//! state, which is truncated when chumsky backtracks, so only errors on the taken path remain.
//! Recovery works per line: a statement, object member or top-level item that does not parse is
//! skipped up to the next separator (respecting brackets) and parsing goes on.

mod expr;

use super::error::ParseError;
use super::token::Token;
use aura_uast::{
    Block, Expr, FnDef, Ident, Item, Module, ObjectDef, ObjectMember, PluginDef, PluginMember,
    RouteDef, Span, Stmt, Target,
};
use chumsky::error::{EmptyErr, LabelError};
use chumsky::input::{Input as _, MapExtra, ValueInput};
use chumsky::inspector::TruncateState;
use chumsky::prelude::*;
pub(super) use expr::Ex;

type Error<'t> = Rich<'t, Token, SimpleSpan>;
pub(super) type State = TruncateState<ParseError>;
/// The parser's extra state, generic over the error type: [`Rich`] for the diagnostics, or
/// [`EmptyErr`] for a first pass that only needs to know whether the source parses (most of
/// chumsky's time with `Rich` goes to tracking what each failed alternative expected).
pub(super) type Extra<'t, R> = extra::Full<R, State, ()>;
pub(super) type Extras<'t, 'p, I, R> = MapExtra<'t, 'p, I, Extra<'t, R>>;

/// The error types the grammar is built with ([`Rich`] and [`EmptyErr`]).
pub(super) trait SyntaxError<'t, I: chumsky::input::Input<'t>>:
    chumsky::error::Error<'t, I> + LabelError<'t, I, &'static str> + 't
{
}

impl<'t, I: chumsky::input::Input<'t>, R> SyntaxError<'t, I> for R where
    R: chumsky::error::Error<'t, I> + LabelError<'t, I, &'static str> + 't
{
}

/// Parses a token list (already laid out and checked for nesting) into a module and its errors.
///
/// A first pass with [`EmptyErr`] is about twice as fast; only when it finds an error does the
/// full pass with [`Rich`] errors run to describe them. Both passes take the same path through
/// the grammar (the error type never steers the parse), so a clean first pass is the result.
pub fn parse_tokens(tokens: &[(Token, Span)], source_len: usize) -> (Module, Vec<ParseError>) {
    let spanned: Vec<(Token, SimpleSpan)> = tokens
        .iter()
        .map(|(token, span)| (token.clone(), SimpleSpan::from(span.range())))
        .collect();
    let input = || {
        spanned
            .as_slice()
            .split_token_span(SimpleSpan::from(source_len..source_len))
    };
    let mut state = TruncateState(Vec::new());
    let (module, errors) = module_parser::<_, EmptyErr>()
        .parse_with_state(input(), &mut state)
        .into_output_errors();
    if errors.is_empty() && state.0.is_empty() {
        if let Some(module) = module {
            return (module, Vec::new());
        }
    }
    let mut state = TruncateState(Vec::new());
    let (module, errors) = module_parser::<_, Error>()
        .parse_with_state(input(), &mut state)
        .into_output_errors();
    let mut all: Vec<ParseError> = errors.iter().map(ParseError::from_rich).collect();
    all.append(&mut state.0);
    (module.unwrap_or_default(), all)
}

pub(super) fn span(s: SimpleSpan) -> Span {
    Span::new(s.start, s.end)
}

pub(super) fn record<'t, 'p, I, R>(e: &mut Extras<'t, 'p, I, R>, error: ParseError)
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    e.state().push(error);
}

fn ident<'t, I, R>() -> impl Parser<'t, I, Ident, Extra<'t, R>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    select! { Token::Ident(name) = e => Ident { span: span(e.span()), name } }
        .labelled("identifier")
}

/// A field, method or map-key name: an identifier, or a keyword (unambiguous after `.` and
/// before `:`, so `req.query.for` and `{if: 1}` work as in JavaScript).
pub(super) fn member_name<'t, I, R>() -> impl Parser<'t, I, Ident, Extra<'t, R>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    select! {
        Token::Ident(name) = e => Ident { span: span(e.span()), name },
        keyword = e if keyword.spelling().is_some_and(|w| Token::keyword(w).is_some()) => Ident {
            span: span(e.span()),
            name: keyword.spelling().unwrap_or_default().to_string(),
        },
    }
}

/// A statement separator: a newline or `;`.
fn sep<'t, I, R>() -> impl Parser<'t, I, (), Extra<'t, R>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    one_of([Token::Newline, Token::Semi]).ignored()
}

/// `(a, b,)`
fn params<'t, I, R>() -> impl Parser<'t, I, Vec<Ident>, Extra<'t, R>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    ident()
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LParen), just(Token::RParen))
}

/// A bracketed group with everything inside it, for skipping over in recovery.
fn group<'t, I, R>() -> impl Parser<'t, I, (), Extra<'t, R>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    recursive(|group| {
        let inner = choice((
            group,
            none_of([
                Token::LParen,
                Token::RParen,
                Token::LBracket,
                Token::RBracket,
                Token::LBrace,
                Token::RBrace,
            ])
            .ignored(),
        ))
        .repeated();
        choice((
            inner
                .clone()
                .delimited_by(just(Token::LParen), just(Token::RParen)),
            inner
                .clone()
                .delimited_by(just(Token::LBracket), just(Token::RBracket)),
            inner.delimited_by(just(Token::LBrace), just(Token::RBrace)),
        ))
    })
}

/// Recovery inside `{ }`: skips the rest of a broken line, up to a separator or the closing `}`.
fn skip_line<'t, I, R>() -> impl Parser<'t, I, (), Extra<'t, R>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    choice((
        group(),
        none_of([Token::Newline, Token::Semi, Token::RBrace]).ignored(),
    ))
    .repeated()
    .at_least(1)
}

/// Recovery at the top level: skips the rest of a broken line, up to a separator.
fn skip_top_line<'t, I, R>() -> impl Parser<'t, I, (), Extra<'t, R>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    choice((group(), none_of([Token::Newline, Token::Semi]).ignored()))
        .repeated()
        .at_least(1)
}

/// The members of a `{ }` body, one per line, each recovered on its own. `line` yields `None`
/// for a member that parsed but was rejected (its error is already recorded).
fn lines<'t, I, R, T: Clone>(
    line: impl Parser<'t, I, Option<T>, Extra<'t, R>> + Clone,
) -> impl Parser<'t, I, Vec<T>, Extra<'t, R>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    let end_of_line = choice((sep(), just(Token::RBrace).rewind().ignored()));
    let line = line
        .then_ignore(end_of_line)
        .recover_with(via_parser(skip_line().to(None)));
    choice((sep().to(None), line))
        .repeated()
        .collect::<Vec<Option<T>>>()
        .delimited_by(just(Token::LBrace), just(Token::RBrace))
        .map(|members| members.into_iter().flatten().collect())
}

fn module_parser<'t, I, R>() -> impl Parser<'t, I, Module, Extra<'t, R>>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
    R: SyntaxError<'t, I>,
{
    let mut block = Recursive::declare();
    let expr = expr::expr(block.clone()).boxed();
    let stmt = statement(expr.clone(), block.clone()).boxed();
    block.define(lines(stmt.clone()).map_with(|stmts, e| Block {
        span: span(e.span()),
        stmts,
    }));

    let fn_def = just(Token::Fn)
        .ignore_then(ident())
        .then(params())
        .then(block.clone())
        .map_with(|((name, params), body), e| FnDef {
            span: span(e.span()),
            name,
            params,
            body,
        })
        .boxed();

    let uses = just(Token::Uses)
        .ignore_then(
            ident()
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .map_with(|names, e| Item::Uses {
            span: span(e.span()),
            names,
        });

    // `import "PATH"`: `import` is not reserved (it is read as a keyword only at the start of a
    // top-level line before a string), so programs that name a variable `import` keep working.
    let import = select! { Token::Ident(word) if word == "import" => () }
        .ignore_then(select! { Token::Str(path) => path }.labelled("module path string"))
        .map_with(|path, e| Item::Import {
            span: span(e.span()),
            path,
        });

    let global = just(Token::Let)
        .ignore_then(ident())
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map_with(|(name, value), e| Item::Let {
            span: span(e.span()),
            name,
            value: value.into_expr(),
        });

    let slot = ident()
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map_with(|(name, value), e| ObjectMember::Slot {
            span: span(e.span()),
            name,
            value: value.into_expr(),
        });
    let object_member = choice((fn_def.clone().map(ObjectMember::Method), slot))
        .map(Some)
        .labelled("object member");
    let object = just(Token::Object)
        .ignore_then(ident())
        .then(just(Token::Colon).ignore_then(ident()).or_not())
        .then(lines(object_member))
        .map_with(|((name, proto), members), e| {
            Item::Object(ObjectDef {
                span: span(e.span()),
                name,
                proto,
                members,
            })
        });

    let path = select! { Token::Str(path) => path }.labelled("route path string");
    let route = just(Token::Route)
        .ignore_then(ident().labelled("HTTP method"))
        .then(path)
        .then(ident().delimited_by(just(Token::LParen), just(Token::RParen)))
        .then(block.clone())
        .map_with(|(((method, path), param), body), e| RouteDef {
            span: span(e.span()),
            method,
            path,
            param,
            body,
        });
    let plugin_member = choice((
        route.map(PluginMember::Route),
        fn_def.clone().map(PluginMember::Fn),
    ))
    .map(Some)
    .labelled("plugin member");
    let plugin = just(Token::Plugin)
        .ignore_then(ident())
        .then(lines(plugin_member))
        .map_with(|(name, members), e| {
            Item::Plugin(PluginDef {
                span: span(e.span()),
                name,
                members,
            })
        });

    let item = choice((uses, import, global, fn_def.map(Item::Fn), object, plugin)).map(Some);
    // Statements are parsed at the top level only to say where they belong (`fn (` is taken for
    // a function without its name rather than for a `fn` literal).
    let misplaced = just(Token::Fn).not().ignore_then(stmt).map_with(|_, e| {
        let span = span(e.span());
        record(e, ParseError::StatementAtTopLevel { span });
        None
    });
    let entry = choice((item, misplaced)).labelled("item");
    let line = entry
        .then_ignore(choice((sep(), end())))
        .recover_with(via_parser(skip_top_line().to(None)));
    choice((sep().to(None), line))
        .repeated()
        .collect::<Vec<Option<Item>>>()
        .then_ignore(end())
        .map(|items| Module {
            items: items.into_iter().flatten().collect(),
            source: None,
            item_sources: Vec::new(),
        })
}

/// One statement; `None` when it parsed but was rejected (an invalid assignment target).
fn statement<'t, 'b, I, R>(
    expr: Boxed<'t, 'b, I, Ex, Extra<'t, R>>,
    block: Recursive<chumsky::recursive::Indirect<'t, 'b, I, Block, Extra<'t, R>>>,
) -> impl Parser<'t, I, Option<Stmt>, Extra<'t, R>> + Clone + 'b
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan> + 'b,
    R: SyntaxError<'t, I>,
    't: 'b,
{
    let let_stmt = just(Token::Let)
        .ignore_then(ident())
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map_with(|(name, value), e| Stmt::Let {
            span: span(e.span()),
            name,
            value: value.into_expr(),
        });

    // `if c {} else if c {} else {}`: the `else if` branches are read in a loop, not by
    // recursion, then nested from the last one back.
    let branch = expr.clone().then(block.clone());
    let else_if = just(Token::Else)
        .ignore_then(just(Token::If).map_with(|_, e| span(e.span())))
        .then(branch.clone());
    let if_stmt = just(Token::If)
        .map_with(|_, e| span(e.span()))
        .then(branch.clone())
        .then(else_if.repeated().collect::<Vec<_>>())
        .then(just(Token::Else).ignore_then(block.clone()).or_not())
        .map_with(|(((start, (cond, then)), rest), last), e| {
            // Each `if` spans from its keyword to the end of the whole chain.
            let end = e.span().end;
            let whole = |start: Span| Span::new(start.start as usize, end);
            let otherwise =
                rest.into_iter()
                    .rev()
                    .fold(last, |otherwise, (start, (cond, then))| {
                        let span = whole(start);
                        let stmt = Stmt::If {
                            span,
                            cond: cond.into_expr(),
                            then,
                            otherwise,
                        };
                        Some(Block {
                            span,
                            stmts: vec![stmt],
                        })
                    });
            Stmt::If {
                span: whole(start),
                cond: cond.into_expr(),
                then,
                otherwise,
            }
        });

    let while_stmt = just(Token::While)
        .ignore_then(expr.clone())
        .then(block.clone())
        .map_with(|(cond, body), e| Stmt::While {
            span: span(e.span()),
            cond: cond.into_expr(),
            body,
        });

    let try_stmt = just(Token::Try)
        .ignore_then(block.clone())
        .then_ignore(just(Token::Catch))
        .then(ident())
        .then(block.clone())
        .map_with(|((body, name), handler), e| Stmt::Try {
            span: span(e.span()),
            body,
            name,
            handler,
        });

    let for_stmt = just(Token::For)
        .ignore_then(ident())
        .then_ignore(just(Token::In))
        .then(expr.clone())
        .then(block.clone())
        .map_with(|((var, iter), body), e| Stmt::For {
            span: span(e.span()),
            var,
            iter: iter.into_expr(),
            body,
        });

    let return_stmt = just(Token::Return)
        .ignore_then(expr.clone().or_not())
        .map_with(|value, e| Stmt::Return {
            span: span(e.span()),
            value: value.map(Ex::into_expr),
        });
    let break_stmt = just(Token::Break).map_with(|_, e| Stmt::Break {
        span: span(e.span()),
    });
    let continue_stmt = just(Token::Continue).map_with(|_, e| Stmt::Continue {
        span: span(e.span()),
    });

    let fn_stmt = just(Token::Fn)
        .ignore_then(ident())
        .then(params())
        .then(block)
        .map_with(|((name, params), body), e| {
            Stmt::Fn(FnDef {
                span: span(e.span()),
                name,
                params,
                body,
            })
        });

    let expr_stmt = expr
        .clone()
        .then(just(Token::Assign).ignore_then(expr).or_not())
        .map_with(|(lhs, rhs), e| {
            let span = span(e.span());
            let Some(value) = rhs else {
                return Some(Stmt::Expr {
                    span,
                    expr: lhs.into_expr(),
                });
            };
            match assignment_target(lhs.into_expr()) {
                Ok(target) => Some(Stmt::Assign {
                    span,
                    target,
                    value: value.into_expr(),
                }),
                Err((span, what)) => {
                    record(e, ParseError::InvalidAssignmentTarget { span, what });
                    None
                }
            }
        });

    // Each alternative is boxed and the whole is a `recursive`: chumsky inlines its combinators,
    // and this keeps every frame, and the stack between two of chumsky's stack-growth checks
    // (one per `recursive`), well under the 64 KiB it keeps free (see `spec/syntax.md`).
    let alternatives = choice((
        let_stmt.map(Some).boxed(),
        if_stmt.map(Some).boxed(),
        while_stmt.map(Some).boxed(),
        for_stmt.map(Some).boxed(),
        try_stmt.map(Some).boxed(),
        return_stmt.map(Some).boxed(),
        break_stmt.map(Some).boxed(),
        continue_stmt.map(Some).boxed(),
        fn_stmt.map(Some).boxed(),
        expr_stmt.boxed(),
    ))
    .labelled("statement");
    recursive(move |_| alternatives.clone())
}

/// The left side of `=`: a variable, a field or an index; anything else is named for the error.
fn assignment_target(expr: Expr) -> Result<Target, (Span, &'static str)> {
    match expr {
        Expr::Var { span, name } => Ok(Target::Var { span, name }),
        Expr::Field {
            span,
            object,
            field,
        } => Ok(Target::Field {
            span,
            object: *object,
            field,
        }),
        Expr::Index {
            span,
            object,
            index,
        } => Ok(Target::Index {
            span,
            object: *object,
            index: *index,
        }),
        other => {
            let what = match &other {
                Expr::Call { .. } => "a function call",
                Expr::Send { .. } => "a method call",
                Expr::Nil { .. }
                | Expr::Bool { .. }
                | Expr::Int { .. }
                | Expr::Float { .. }
                | Expr::Str { .. } => "a literal",
                Expr::List { .. } => "a list literal",
                Expr::Map { .. } => "a map literal",
                Expr::SelfRef { .. } => "`self`",
                Expr::Unary { .. } | Expr::Binary { .. } => "an operator expression",
                Expr::Lambda { .. } => "a `fn` literal",
                _ => "this expression",
            };
            Err((other.span(), what))
        }
    }
}
