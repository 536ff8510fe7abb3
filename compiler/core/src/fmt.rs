//! `aura fmt`: the canonical source text of a module, printed from the UAST.
//!
//! The style is described in `spec/fmt.md`. The printer is a pure function of the UAST (spans
//! are ignored), so formatting is idempotent whenever `parse(format(m))` gives back `m`.
//! Comments are not part of the UAST and are therefore not printed.

mod expr;
mod lit;

use aura_uast::{Block, FnDef, Item, Module, ObjectMember, PluginMember, RouteDef, Stmt, Target};
use expr::{At, Mode};

pub use lit::{is_bare_name, KEYWORDS};

/// Lists, maps and argument lists longer than this many columns are broken one element per line.
pub const MAX_WIDTH: usize = 100;

/// The canonical source text of `module`, ending with a newline (empty for an empty module).
pub fn format(module: &Module) -> String {
    let mut out = String::new();
    let mut previous: Option<(&Item, String)> = None;
    for item in &module.items {
        let text = item_text(item);
        if let Some((p, p_text)) = &previous {
            if !same_group(p, p_text, item, &text) {
                out.push('\n');
            }
        }
        out.push_str(&text);
        out.push('\n');
        previous = Some((item, text));
    }
    out
}

/// Consecutive `uses` lines, and consecutive one-line `let` globals, are not separated by a blank
/// line; every other pair of items is.
fn same_group(a: &Item, a_text: &str, b: &Item, b_text: &str) -> bool {
    match (a, b) {
        (Item::Uses { .. }, Item::Uses { .. }) => true,
        (Item::Let { .. }, Item::Let { .. }) => !a_text.contains('\n') && !b_text.contains('\n'),
        _ => false,
    }
}

fn item_text(item: &Item) -> String {
    match item {
        Item::Uses { names, .. } => format!("uses {}", expr::names(names)),
        Item::Let { name, value, .. } => let_text(&name.name, value, 0),
        Item::Fn(def) => fn_text(def, 0),
        Item::Object(def) => {
            let mut head = format!("object {}", def.name.name);
            if let Some(proto) = &def.proto {
                head.push_str(" : ");
                head.push_str(&proto.name);
            }
            let members: Vec<(bool, String)> = def
                .members
                .iter()
                .map(|m| match m {
                    ObjectMember::Slot { name, value, .. } => {
                        let mut text = format!("{} = ", name.name);
                        let at = At {
                            indent: 1,
                            col: 4 + text.chars().count(),
                        };
                        text.push_str(&expr::expr(value, at, Mode::Normal));
                        (true, text)
                    }
                    ObjectMember::Method(def) => (false, fn_text(def, 1)),
                })
                .collect();
            format!("{head} {}", members_block(members))
        }
        Item::Plugin(def) => {
            let members = def
                .members
                .iter()
                .map(|m| match m {
                    PluginMember::Route(route) => (false, route_text(route)),
                    PluginMember::Fn(def) => (false, fn_text(def, 1)),
                })
                .collect();
            format!("plugin {} {}", def.name.name, members_block(members))
        }
    }
}

/// The `{ }` body of an object or plugin (members at indentation 1). Each member is
/// `(is_slot, text)`; a blank line separates members except between two slots.
fn members_block(members: Vec<(bool, String)>) -> String {
    if members.is_empty() {
        return "{}".to_string();
    }
    let mut text = "{\n".to_string();
    let mut previous_slot: Option<bool> = None;
    for (is_slot, member) in members {
        if previous_slot.is_some_and(|p| !(p && is_slot)) {
            text.push('\n');
        }
        text.push_str(&indent_str(1));
        text.push_str(&member);
        text.push('\n');
        previous_slot = Some(is_slot);
    }
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
    expr::expr(e, at, Mode::Normal)
}

pub(crate) fn indent_str(indent: usize) -> String {
    "    ".repeat(indent)
}

/// `{}` when empty, else the statements one per line at `indent + 1` and `}` at `indent`. The
/// opening brace is expected at the end of a line at `indent`.
pub(crate) fn block(b: &Block, indent: usize) -> String {
    if b.stmts.is_empty() {
        return "{}".to_string();
    }
    let mut text = "{\n".to_string();
    for s in &b.stmts {
        text.push_str(&indent_str(indent + 1));
        text.push_str(&stmt(s, indent + 1));
        text.push('\n');
    }
    text.push_str(&indent_str(indent));
    text.push('}');
    text
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
            let value = expr::expr(
                value,
                At::line_start(indent).after_text(&text),
                Mode::Normal,
            );
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
                    [chained @ Stmt::If { .. }] => text.push_str(&stmt(chained, indent)),
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
                    Mode::Normal,
                );
                format!("({inner})")
            } else {
                expr::expr(e, At::line_start(indent), Mode::Normal)
            }
        }
    }
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
            text.push_str(&expr::expr(index, at.after_text(&text), Mode::Normal));
            text.push(']');
            text
        }
    }
}

/// The object of an assignment target: it starts the statement, so it must not start with `{`
/// or `fn`.
fn target_object(object: &aura_uast::Expr, at: At) -> String {
    if expr::starts_ambiguously(object) {
        expr::wrapped(object, true, at, Mode::Normal)
    } else {
        expr::postfix_object(object, at, Mode::Normal)
    }
}
