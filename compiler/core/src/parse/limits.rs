//! Nesting limits, so that no later stage (nor the parser itself, nor dropping a tree) recurses
//! without bound:
//!
//! - [`scan_nesting`] runs on the token stream before the grammar: brackets, blocks, prefix
//!   operators and `else if` chains may nest at most [`MAX_NESTING`] deep;
//! - the grammar keeps every expression at most [`MAX_EXPR_DEPTH`] operators deep while it builds
//!   it (long chains like `1+1+1+...` are the case brackets do not cover);
//! - [`walk`] measures an already-built module without recursion (for UAST JSON input).

use super::error::ParseError;
use super::token::Token;
use aura_uast::{Block, Expr, Item, Module, ObjectMember, PluginMember, Stmt, Target};

/// Brackets, blocks, prefix operators and `else if` branches nested in one another.
pub const MAX_NESTING: usize = 256;
/// Operators (each unary or binary operator, call, send, field access, index, list, map and `fn`
/// literal) nested in one another within one statement, counting through `fn` literals.
pub const MAX_EXPR_DEPTH: usize = 1000;

/// One open bracket and what else it carries into the depth count.
struct Frame {
    /// Prefix operators written directly before the bracket, e.g. the `-` of `-(`.
    prefix: usize,
    /// `else if` branches so far in the statement being parsed at this level.
    else_ifs: usize,
}

/// The result of [`scan_nesting`]: the errors and the token ranges to leave out of parsing.
pub struct Nesting {
    pub errors: Vec<ParseError>,
    /// Half-open index ranges into the token list: each whole top-level line that nests too deep.
    pub excluded: Vec<(usize, usize)>,
}

/// Measures nesting on the token stream. The first token that goes past [`MAX_NESTING`] is
/// reported, and the whole top-level line that holds it (from the previous separator at the top
/// level to the next one) is excluded from parsing.
pub fn scan_nesting(tokens: &[(Token, aura_uast::Span)]) -> Nesting {
    let mut errors = Vec::new();
    let mut excluded = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    // Prefix operators at the top level and `else if`s at the top level (not valid, but counted).
    let mut top = Frame {
        prefix: 0,
        else_ifs: 0,
    };
    let mut prefix_run = 0usize;
    let mut total = 0usize;
    // Index just after the last separator at the top level: where the current line starts.
    let mut line_start = 0usize;
    // While inside an excluded line: the bracket depth, counted without frames.
    let mut skipping: Option<usize> = None;
    let mut previous: Option<&Token> = None;

    for (index, (token, span)) in tokens.iter().enumerate() {
        if let Some(depth) = skipping.as_mut() {
            match token {
                t if t.is_open_bracket() => *depth += 1,
                t if t.is_close_bracket() => *depth = depth.saturating_sub(1),
                Token::Newline | Token::Semi if *depth == 0 => {
                    skipping = None;
                    excluded.push((line_start, index));
                    line_start = index + 1;
                    frames.clear();
                    top = Frame {
                        prefix: 0,
                        else_ifs: 0,
                    };
                    prefix_run = 0;
                    total = 0;
                }
                _ => {}
            }
            previous = Some(token);
            continue;
        }
        let before = previous;
        previous = Some(token);
        match token {
            Token::LParen | Token::LBracket | Token::LBrace => {
                frames.push(Frame {
                    prefix: prefix_run,
                    else_ifs: 0,
                });
                prefix_run = 0;
                total += 1;
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                total = total.saturating_sub(prefix_run);
                prefix_run = 0;
                if let Some(frame) = frames.pop() {
                    total = total.saturating_sub(1 + frame.prefix + frame.else_ifs);
                }
            }
            Token::Newline | Token::Semi => {
                total = total.saturating_sub(prefix_run);
                prefix_run = 0;
                let current = frames.last_mut().unwrap_or(&mut top);
                total = total.saturating_sub(current.else_ifs);
                current.else_ifs = 0;
                if frames.is_empty() {
                    line_start = index + 1;
                }
            }
            Token::Not | Token::Tilde => {
                prefix_run += 1;
                total += 1;
            }
            Token::Minus if !before.is_some_and(Token::ends_operand) => {
                prefix_run += 1;
                total += 1;
            }
            Token::If if matches!(before, Some(Token::Else)) => {
                frames.last_mut().unwrap_or(&mut top).else_ifs += 1;
                total += 1;
            }
            t if t.ends_operand() => {
                total = total.saturating_sub(prefix_run);
                prefix_run = 0;
            }
            _ => {}
        }
        if total > MAX_NESTING {
            errors.push(ParseError::NestingTooDeep { span: *span });
            skipping = Some(frames.len());
        }
    }
    if skipping.is_some() {
        excluded.push((line_start, tokens.len()));
    }
    Nesting { errors, excluded }
}

/// What [`walk`] found.
pub struct Depths {
    /// The deepest expression, in operators (see [`MAX_EXPR_DEPTH`]).
    pub expr: usize,
    /// The first place an expression goes past [`MAX_EXPR_DEPTH`] or a block past [`MAX_NESTING`].
    pub error: Option<ParseError>,
}

enum Work<'a> {
    Block(&'a Block),
    Stmt(&'a Stmt),
    Expr(&'a Expr),
    /// An assignment target: counts one level, like the field access or index it writes.
    Target(&'a Target),
}

/// Measures the blocks, statements and expressions below `roots`, without recursion. The
/// expression depth starts at `expr_depth` and the block depth at `block_depth`.
fn walk<'a>(roots: Vec<Work<'a>>, expr_depth: usize, block_depth: usize) -> Depths {
    let mut stack: Vec<(Work<'a>, usize, usize)> = roots
        .into_iter()
        .rev()
        .map(|w| (w, expr_depth, block_depth))
        .collect();
    let mut result = Depths {
        expr: 0,
        error: None,
    };
    while let Some((work, ed, bd)) = stack.pop() {
        match work {
            Work::Block(block) => {
                let bd = bd + 1;
                if bd > MAX_NESTING {
                    result
                        .error
                        .get_or_insert(ParseError::NestingTooDeep { span: block.span });
                    continue;
                }
                stack.extend(block.stmts.iter().rev().map(|s| (Work::Stmt(s), ed, bd)));
            }
            Work::Stmt(stmt) => match stmt {
                Stmt::Let { value, .. } => stack.push((Work::Expr(value), ed, bd)),
                Stmt::Assign { target, value, .. } => {
                    stack.push((Work::Expr(value), ed, bd));
                    stack.push((Work::Target(target), ed, bd));
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    if let Some(block) = otherwise {
                        stack.push((Work::Block(block), ed, bd));
                    }
                    stack.push((Work::Block(then), ed, bd));
                    stack.push((Work::Expr(cond), ed, bd));
                }
                Stmt::While { cond, body, .. } => {
                    stack.push((Work::Block(body), ed, bd));
                    stack.push((Work::Expr(cond), ed, bd));
                }
                Stmt::For { iter, body, .. } => {
                    stack.push((Work::Block(body), ed, bd));
                    stack.push((Work::Expr(iter), ed, bd));
                }
                Stmt::Try { body, handler, .. } => {
                    stack.push((Work::Block(handler), ed, bd));
                    stack.push((Work::Block(body), ed, bd));
                }
                Stmt::Return { value, .. } => {
                    if let Some(value) = value {
                        stack.push((Work::Expr(value), ed, bd));
                    }
                }
                Stmt::Fn(def) => stack.push((Work::Block(&def.body), ed, bd)),
                Stmt::Expr { expr, .. } => stack.push((Work::Expr(expr), ed, bd)),
                Stmt::Break { .. } | Stmt::Continue { .. } => {}
            },
            Work::Target(target) => {
                let (span, children): (_, Vec<&Expr>) = match target {
                    Target::Var { .. } => continue,
                    Target::Field { span, object, .. } => (*span, vec![object]),
                    Target::Index {
                        span,
                        object,
                        index,
                    } => (*span, vec![object, index]),
                };
                let ed = ed + 1;
                result.expr = result.expr.max(ed);
                if ed > MAX_EXPR_DEPTH {
                    result
                        .error
                        .get_or_insert(ParseError::ExpressionTooDeep { span });
                    continue;
                }
                stack.extend(children.into_iter().rev().map(|e| (Work::Expr(e), ed, bd)));
            }
            Work::Expr(expr) => {
                let children = children(expr);
                if children.is_empty()
                    && !matches!(
                        expr,
                        Expr::List { .. } | Expr::Map { .. } | Expr::Lambda { .. }
                    )
                {
                    continue;
                }
                let ed = ed + 1;
                result.expr = result.expr.max(ed);
                if ed > MAX_EXPR_DEPTH {
                    result
                        .error
                        .get_or_insert(ParseError::ExpressionTooDeep { span: expr.span() });
                    continue;
                }
                if let Expr::Lambda { body, .. } = expr {
                    stack.push((Work::Block(body), ed, bd));
                }
                stack.extend(children.into_iter().rev().map(|e| (Work::Expr(e), ed, bd)));
            }
        }
        if result.error.is_some() {
            break;
        }
    }
    result
}

/// The direct sub-expressions of an expression (a `fn` literal's body is not one).
fn children(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::Nil { .. }
        | Expr::Bool { .. }
        | Expr::Int { .. }
        | Expr::Float { .. }
        | Expr::Str { .. }
        | Expr::Var { .. }
        | Expr::SelfRef { .. }
        | Expr::Lambda { .. } => Vec::new(),
        Expr::List { items, .. } => items.iter().collect(),
        Expr::Map { entries, .. } => entries.iter().map(|e| &e.value).collect(),
        Expr::Unary { operand, .. } => vec![operand],
        Expr::Binary { lhs, rhs, .. } => vec![lhs, rhs],
        Expr::Call { callee, args, .. } => std::iter::once(&**callee).chain(args).collect(),
        Expr::Send { receiver, args, .. } => std::iter::once(&**receiver).chain(args).collect(),
        Expr::Field { object, .. } => vec![object],
        Expr::Index { object, index, .. } => vec![object, index],
    }
}

/// The expression depth of a block's contents (a `fn` literal counts one more than this).
pub fn block_expr_depth(block: &Block) -> usize {
    walk(vec![Work::Block(block)], 0, 0).expr
}

/// Checks a whole module: at most one error per top-level item.
pub fn module_errors(module: &Module) -> Vec<ParseError> {
    let mut errors = Vec::new();
    for item in &module.items {
        let roots: Vec<Work<'_>> = match item {
            Item::Uses { .. } | Item::Import { .. } => Vec::new(),
            Item::Let { value, .. } => vec![Work::Expr(value)],
            Item::Fn(def) => vec![Work::Block(&def.body)],
            Item::Object(def) => def
                .members
                .iter()
                .map(|member| match member {
                    ObjectMember::Slot { value, .. } => Work::Expr(value),
                    ObjectMember::Method(def) => Work::Block(&def.body),
                })
                .collect(),
            Item::Plugin(def) => def
                .members
                .iter()
                .map(|member| match member {
                    PluginMember::Route(route) => Work::Block(&route.body),
                    PluginMember::Fn(def) => Work::Block(&def.body),
                })
                .collect(),
        };
        if let Some(error) = walk(roots, 0, 0).error {
            errors.push(error);
        }
    }
    errors
}
