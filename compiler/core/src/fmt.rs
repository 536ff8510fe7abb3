//! `aura fmt`: the canonical source text of a module, printed from the UAST.
//!
//! The style is described in `spec/fmt.md`. The printer is a pure function of the UAST (spans
//! are ignored), so formatting is idempotent whenever `parse(format(m))` gives back `m`.
//! Comments are not part of the UAST: the lexer collects them beside the tokens and
//! [`format_source`] attaches them to nodes by span ([`comments`]) and prints them back.

mod comments;
mod expr;
mod lit;

use crate::Diagnostic;
use aura_uast::{
    Block, FnDef, Item, Module, ObjectMember, PluginMember, RouteDef, Span, Stmt, Target,
};
use comments::{Attached, Comment};
use expr::At;
use std::cell::RefCell;
use std::rc::Rc;

pub use lit::{is_bare_name, KEYWORDS};

/// Lists, maps and argument lists longer than this many columns are broken one element per line.
pub const MAX_WIDTH: usize = 100;

thread_local! {
    /// The comments of the module being printed (empty when printing a bare UAST).
    static ATTACHED: RefCell<Rc<Attached>> = RefCell::new(Rc::new(Attached::default()));
}

fn attached() -> Rc<Attached> {
    ATTACHED.with(|a| a.borrow().clone())
}

/// The canonical source text of `module`, ending with a newline (empty for an empty module).
/// A UAST has no comments; [`format_source`] keeps them.
pub fn format(module: &Module) -> String {
    with_comments(Attached::default(), || print_module(module))
}

/// The canonical text of Aura source, its comments kept (`spec/fmt.md`), or the syntax errors
/// that stop it from being formatted.
pub fn format_source(source: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = crate::parse::parse(source);
    if !parsed.diagnostics.is_empty() {
        return Err(parsed.diagnostics);
    }
    Ok(format_commented(&parsed.module, source, &parsed.comments))
}

/// The canonical text of `module` parsed from `source`, with the comments at `comments` (the
/// spans [`crate::parse::Parsed::comments`] gives) printed where they belong.
pub fn format_commented(module: &Module, source: &str, comments: &[Span]) -> String {
    let attached = comments::attach(module, source, comments);
    with_comments(attached, || print_module(module))
}

fn with_comments(attached: Attached, print: impl FnOnce() -> String) -> String {
    let previous = ATTACHED.with(|a| a.replace(Rc::new(attached)));
    let text = print();
    ATTACHED.with(|a| a.replace(previous));
    text
}

fn print_module(module: &Module) -> String {
    let comments = attached();
    let mut out = String::new();
    let mut previous: Option<(&Item, String)> = None;
    for item in &module.items {
        let text = item_text(item);
        let span = item.span();
        let leading = comments.before(span);
        if let Some((p, p_text)) = &previous {
            let blank = leading.first().is_some_and(|c| c.blank_before);
            if blank || !same_group(p, p_text, item, &text) {
                out.push('\n');
            }
        }
        for (i, comment) in leading.iter().enumerate() {
            if i > 0 && comment.blank_before {
                out.push('\n');
            }
            out.push_str(&comment.text);
            out.push('\n');
        }
        if !leading.is_empty() && comments.blank_after_leading.get(&span) == Some(&true) {
            out.push('\n');
        }
        out.push_str(&text);
        push_trailing(&mut out, comments.after(span));
        out.push('\n');
        previous = Some((item, text));
    }
    for (i, comment) in comments
        .end(Span::new(0, module_end(&comments)))
        .iter()
        .enumerate()
    {
        if (i > 0 || previous.is_some()) && comment.blank_before {
            out.push('\n');
        }
        out.push_str(&comment.text);
        out.push('\n');
    }
    out
}

/// The span end-of-module comments are keyed by: the whole source (see [`comments::attach`]).
fn module_end(comments: &Attached) -> usize {
    comments.source_len
}

/// ` // text` after a line, when a comment follows the node on its last line.
fn push_trailing(out: &mut String, comment: Option<&Comment>) {
    if let Some(comment) = comment {
        out.push(' ');
        out.push_str(&comment.text);
    }
}

/// Each comment on its own line at `indent`.
fn push_leading(out: &mut String, comments: &[Comment], indent: usize) {
    for comment in comments {
        out.push_str(&indent_str(indent));
        out.push_str(&comment.text);
        out.push('\n');
    }
}

/// Consecutive `uses` lines, consecutive `import` lines, and consecutive one-line `let` globals, are not separated by a blank
/// line; every other pair of items is.
fn same_group(a: &Item, a_text: &str, b: &Item, b_text: &str) -> bool {
    match (a, b) {
        (Item::Uses { .. }, Item::Uses { .. }) | (Item::Import { .. }, Item::Import { .. }) => true,
        (Item::Let { .. }, Item::Let { .. }) => !a_text.contains('\n') && !b_text.contains('\n'),
        _ => false,
    }
}

fn item_text(item: &Item) -> String {
    match item {
        Item::Uses { names, .. } => format!("uses {}", expr::names(names)),
        Item::Import { path, .. } => format!("import {}", lit::string(path)),
        Item::Let { name, value, .. } => let_text(&name.name, value, 0),
        Item::Fn(def) => fn_text(def, 0),
        Item::Object(def) => {
            let mut head = format!("object {}", def.name.name);
            if let Some(proto) = &def.proto {
                head.push_str(" : ");
                head.push_str(&proto.name);
            }
            let members: Vec<(bool, Span, String)> = def
                .members
                .iter()
                .map(|m| match m {
                    ObjectMember::Slot {
                        span, name, value, ..
                    } => {
                        let mut text = format!("{} = ", name.name);
                        let at = At {
                            indent: 1,
                            col: 4 + text.chars().count(),
                        };
                        text.push_str(&expr::expr(value, at));
                        (true, *span, text)
                    }
                    ObjectMember::Method(def) => (false, def.span, fn_text(def, 1)),
                })
                .collect();
            format!("{head} {}", members_block(members, def.span))
        }
        Item::Plugin(def) => {
            let members = def
                .members
                .iter()
                .map(|m| match m {
                    PluginMember::Route(route) => (false, route.span, route_text(route)),
                    PluginMember::Fn(def) => (false, def.span, fn_text(def, 1)),
                })
                .collect();
            format!(
                "plugin {} {}",
                def.name.name,
                members_block(members, def.span)
            )
        }
    }
}

/// The `{ }` body of an object or plugin (members at indentation 1). Each member is
/// `(is_slot, span, text)`; a blank line separates members except between two slots. `span` is
/// the object's or plugin's, which the comments at the end of the body are keyed by.
fn members_block(members: Vec<(bool, Span, String)>, span: Span) -> String {
    let comments = attached();
    let end = comments.end(span);
    if members.is_empty() && end.is_empty() {
        return "{}".to_string();
    }
    let mut text = "{\n".to_string();
    let mut previous_slot: Option<bool> = None;
    for (is_slot, span, member) in members {
        if previous_slot.is_some_and(|p| !(p && is_slot)) {
            text.push('\n');
        }
        push_leading(&mut text, comments.before(span), 1);
        text.push_str(&indent_str(1));
        text.push_str(&member);
        push_trailing(&mut text, comments.after(span));
        text.push('\n');
        previous_slot = Some(is_slot);
    }
    push_leading(&mut text, end, 1);
    text.push('}');
    text
}

fn route_text(route: &RouteDef) -> String {
    format!(
        "route {} {} ({}) {}",
        route.method.name,
        lit::string(&route.path),
        route.param.name,
        block(&route.body, 1)
    )
}

fn fn_text(def: &FnDef, indent: usize) -> String {
    format!(
        "fn {}({}) {}",
        def.name.name,
        expr::names(&def.params),
        block(&def.body, indent)
    )
}

fn let_text(name: &str, value: &aura_uast::Expr, indent: usize) -> String {
    let mut text = format!("let {name} = ");
    text.push_str(&expr_after(&text, value, indent));
    text
}

/// `e` rendered to follow `prefix` at the start of a line at `indent`.
fn expr_after(prefix: &str, e: &aura_uast::Expr, indent: usize) -> String {
    let at = At {
        indent,
        col: indent * 4 + prefix.chars().count(),
    };
    expr::expr(e, at)
}

pub(crate) fn indent_str(indent: usize) -> String {
    "    ".repeat(indent)
}

/// `{}` when empty, else the statements one per line at `indent + 1` and `}` at `indent`. The
/// opening brace is expected at the end of a line at `indent`.
pub(crate) fn block(b: &Block, indent: usize) -> String {
    let comments = attached();
    let end = comments.end(b.span);
    if b.stmts.is_empty() && end.is_empty() {
        return "{}".to_string();
    }
    let mut text = "{\n".to_string();
    for s in &b.stmts {
        push_leading(&mut text, comments.before(s.span()), indent + 1);
        text.push_str(&indent_str(indent + 1));
        text.push_str(&stmt(s, indent + 1));
        push_trailing(&mut text, comments.after(s.span()));
        text.push('\n');
    }
    push_leading(&mut text, end, indent + 1);
    text.push_str(&indent_str(indent));
    text.push('}');
    text
}

/// Whether `b` prints as `{}`: no statements and no comments.
pub(crate) fn block_is_empty(b: &Block) -> bool {
    b.stmts.is_empty() && attached().end(b.span).is_empty()
}

/// One statement, without its leading indentation.
fn stmt(s: &Stmt, indent: usize) -> String {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || stmt_inner(s, indent))
}

fn stmt_inner(s: &Stmt, indent: usize) -> String {
    match s {
        Stmt::Let { name, value, .. } => let_text(&name.name, value, indent),
        Stmt::Assign { target, value, .. } => {
            let mut text = target_text(target, indent);
            text.push_str(" = ");
            let value = expr::expr(value, At::line_start(indent).after_text(&text));
            text.push_str(&value);
            text
        }
        Stmt::If {
            cond,
            then,
            otherwise,
            ..
        } => {
            let mut text = "if ".to_string();
            text.push_str(&expr_after(&text, cond, indent));
            text.push(' ');
            text.push_str(&block(then, indent));
            if let Some(otherwise) = otherwise {
                text.push_str(" else ");
                match otherwise.stmts.as_slice() {
                    [chained @ Stmt::If { .. }] if !has_comments(chained, otherwise) => {
                        text.push_str(&stmt(chained, indent))
                    }
                    _ => text.push_str(&block(otherwise, indent)),
                }
            }
            text
        }
        Stmt::While { cond, body, .. } => {
            let mut text = "while ".to_string();
            text.push_str(&expr_after(&text, cond, indent));
            text.push(' ');
            text.push_str(&block(body, indent));
            text
        }
        Stmt::For {
            var, iter, body, ..
        } => {
            let mut text = format!("for {} in ", var.name);
            text.push_str(&expr_after(&text, iter, indent));
            text.push(' ');
            text.push_str(&block(body, indent));
            text
        }
        Stmt::Try {
            body,
            name,
            handler,
            ..
        } => {
            let mut text = "try ".to_string();
            text.push_str(&block(body, indent));
            text.push_str(" catch ");
            text.push_str(&name.name);
            text.push(' ');
            text.push_str(&block(handler, indent));
            text
        }
        Stmt::Return { value: None, .. } => "return".to_string(),
        Stmt::Return {
            value: Some(value), ..
        } => {
            let mut text = "return ".to_string();
            text.push_str(&expr_after(&text, value, indent));
            text
        }
        Stmt::Break { .. } => "break".to_string(),
        Stmt::Continue { .. } => "continue".to_string(),
        Stmt::Fn(def) => fn_text(def, indent),
        Stmt::Expr { expr: e, .. } => {
            if expr::starts_ambiguously(e) {
                let inner = expr::expr(
                    e,
                    At {
                        indent,
                        col: indent * 4 + 1,
                    },
                );
                format!("({inner})")
            } else {
                expr::expr(e, At::line_start(indent))
            }
        }
    }
}

/// Whether an `else` block holding only `chained` has comments of its own (then it prints as a
/// block, not as `else if`, so that they have lines to go on).
fn has_comments(chained: &Stmt, otherwise: &Block) -> bool {
    let comments = attached();
    !comments.before(chained.span()).is_empty()
        || comments.after(chained.span()).is_some()
        || !comments.end(otherwise.span).is_empty()
}

fn target_text(target: &Target, indent: usize) -> String {
    let at = At::line_start(indent);
    match target {
        Target::Var { name, .. } => name.clone(),
        Target::Field { object, field, .. } => {
            let mut text = target_object(object, at);
            text.push('.');
            text.push_str(&field.name);
            text
        }
        Target::Index { object, index, .. } => {
            let mut text = target_object(object, at);
            text.push('[');
            text.push_str(&expr::expr(index, at.after_text(&text)));
            text.push(']');
            text
        }
    }
}

/// The object of an assignment target: it starts the statement, so it must not start with `{`
/// or `fn`.
fn target_object(object: &aura_uast::Expr, at: At) -> String {
    if expr::starts_ambiguously(object) {
        expr::wrapped(object, true, at)
    } else {
        expr::postfix_object(object, at)
    }
}
