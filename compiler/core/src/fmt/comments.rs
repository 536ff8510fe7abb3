//! Comments: trivia the lexer collects beside the tokens ([`crate::parse::Parsed::comments`]),
//! attached to the UAST by span before printing (`spec/fmt.md`, "Comments").
//!
//! Every comment gets exactly one anchor:
//!
//! - **before** a statement, item, slot, method, route or plugin fn: printed on its own lines
//!   above it (a comment inside a statement but outside its nested blocks moves here too);
//! - **after** one: on the same line as its end in the source, printed there after one space;
//! - **at the end** of a block, object, plugin or module: after the last member, before `}`.
//!
//! The assignment is a pure function of the UAST and the comment spans, so the printer may
//! render a node more than once (to measure it) and still prints each comment once.

use aura_uast::{
    Block, Expr, FnDef, Item, MapEntry, Module, ObjectMember, PluginMember, Span, Stmt, Target,
};
use std::collections::HashMap;

/// One comment: its text (`// ...`, trailing whitespace removed) and whether a blank line
/// precedes it in the source.
#[derive(Clone, Debug)]
pub(crate) struct Comment {
    pub text: String,
    pub blank_before: bool,
}

/// The comments of a module by anchor; each key is the span of the node they attach to.
#[derive(Default)]
pub(crate) struct Attached {
    pub before: HashMap<Span, Vec<Comment>>,
    pub after: HashMap<Span, Comment>,
    pub end: HashMap<Span, Vec<Comment>>,
    /// Whether a blank line separates an item's leading comments from the item (top level only).
    pub blank_after_leading: HashMap<Span, bool>,
    /// The length of the source: the module's end comments are keyed by `0..source_len`.
    pub source_len: usize,
}

impl Attached {
    pub fn before(&self, span: Span) -> &[Comment] {
        self.before.get(&span).map_or(&[], Vec::as_slice)
    }

    pub fn after(&self, span: Span) -> Option<&Comment> {
        self.after.get(&span)
    }

    pub fn end(&self, span: Span) -> &[Comment] {
        self.end.get(&span).map_or(&[], Vec::as_slice)
    }
}

/// A node of a sequence (module items, block statements, object or plugin members).
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Stmt(&'a Stmt),
    Slot(Span, &'a Expr),
    Fn(&'a FnDef),
    Route(Span, &'a Block),
}

impl Node<'_> {
    fn span(&self) -> Span {
        match self {
            Node::Item(item) => item.span(),
            Node::Stmt(stmt) => stmt.span(),
            Node::Slot(span, _) | Node::Route(span, _) => *span,
            Node::Fn(def) => def.span,
        }
    }
}

/// A sequence inside a node: its children and the span its end comments are keyed by.
struct Seq<'a> {
    span: Span,
    children: Vec<Node<'a>>,
}

impl<'a> Seq<'a> {
    fn block(block: &'a Block) -> Seq<'a> {
        Seq {
            span: block.span,
            children: block.stmts.iter().map(Node::Stmt).collect(),
        }
    }
}

/// Attaches the comments at `spans` (in source order) to the nodes of `module`.
pub(crate) fn attach(module: &Module, source: &str, spans: &[Span]) -> Attached {
    let mut walk = Walk {
        source,
        out: Attached {
            source_len: source.len(),
            ..Attached::default()
        },
    };
    let all: Vec<Span> = spans.to_vec();
    let top = Seq {
        span: Span::new(0, source.len()),
        children: module.items.iter().map(Node::Item).collect(),
    };
    walk.seq(&top, &all, true);
    walk.out
}

struct Walk<'s> {
    source: &'s str,
    out: Attached,
}

impl Walk<'_> {
    fn comment(&self, span: Span) -> Comment {
        let text = self.source.get(span.range()).unwrap_or("//").trim_end();
        Comment {
            text: text.to_string(),
            blank_before: self.blank_line_before(span.start),
        }
    }

    /// Whether the text before `at` ends with an empty line (two newlines, with only
    /// whitespace on and between them) and something precedes that line.
    fn blank_line_before(&self, at: u32) -> bool {
        let before = self.source.get(..at as usize).unwrap_or("");
        let trimmed = before.trim_end_matches([' ', '\t', '\r', '\u{c}']);
        let mut rest = trimmed;
        let mut newlines = 0;
        while let Some(stripped) = rest.strip_suffix('\n') {
            newlines += 1;
            rest = stripped.trim_end_matches([' ', '\t', '\r', '\u{c}']);
        }
        newlines >= 2 && !rest.trim().is_empty()
    }

    /// Whether the source between `from` and `to` has no newline.
    fn same_line(&self, from: u32, to: u32) -> bool {
        self.source
            .get(from as usize..to as usize)
            .is_some_and(|between| !between.contains('\n'))
    }

    /// Distributes `comments` (all inside `seq.span`) over the children of `seq`.
    fn seq(&mut self, seq: &Seq, comments: &[Span], top: bool) {
        let mut inside: Vec<Vec<Span>> = vec![Vec::new(); seq.children.len()];
        for &c in comments {
            let next = seq.children.iter().position(|n| n.span().end > c.start);
            let previous = match next {
                Some(i) => i.checked_sub(1),
                None => seq.children.len().checked_sub(1),
            };
            if let Some(i) = next {
                if seq.children[i].span().start <= c.start {
                    inside[i].push(c);
                    continue;
                }
            }
            if let Some(p) = previous {
                let p_span = seq.children[p].span();
                if self.same_line(p_span.end, c.start) && !self.out.after.contains_key(&p_span) {
                    let comment = self.comment(c);
                    let _ = self.out.after.insert(p_span, comment);
                    continue;
                }
            }
            let comment = self.comment(c);
            match next {
                Some(i) => {
                    let span = seq.children[i].span();
                    self.out.before.entry(span).or_default().push(comment);
                    if top {
                        let blank = self.blank_line_before(span.start);
                        let _ = self.out.blank_after_leading.insert(span, blank);
                    }
                }
                None => self.out.end.entry(seq.span).or_default().push(comment),
            }
        }
        for (child, comments) in seq.children.iter().zip(inside) {
            if !comments.is_empty() {
                self.node(*child, &comments);
            }
        }
    }

    /// Comments inside `node`: those in one of its nested sequences go there, the others move
    /// before the node.
    fn node(&mut self, node: Node, comments: &[Span]) {
        let nested = nested(node);
        let mut parts: Vec<Vec<Span>> = vec![Vec::new(); nested.len()];
        let mut hoisted = Vec::new();
        for &c in comments {
            match nested
                .iter()
                .position(|s| s.span.start < c.start && c.start < s.span.end)
            {
                Some(i) => parts[i].push(c),
                None => hoisted.push(self.comment(c)),
            }
        }
        if !hoisted.is_empty() {
            let list = self.out.before.entry(node.span()).or_default();
            // Comments already before the node come first in the source.
            list.extend(hoisted);
        }
        for (seq, comments) in nested.iter().zip(parts) {
            if !comments.is_empty() {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.seq(seq, &comments, false));
            }
        }
    }
}

/// The sequences directly inside a node: blocks of statements, object and plugin bodies, and
/// the bodies of lambdas in its expressions (not those nested in another block).
fn nested(node: Node) -> Vec<Seq> {
    let mut out = Vec::new();
    match node {
        Node::Item(item) => match item {
            Item::Uses { .. } | Item::Import { .. } => {}
            Item::Let { value, .. } => lambdas(value, &mut out),
            Item::Fn(def) => out.push(Seq::block(&def.body)),
            Item::Object(def) => out.push(Seq {
                span: def.span,
                children: def
                    .members
                    .iter()
                    .map(|m| match m {
                        ObjectMember::Slot { span, value, .. } => Node::Slot(*span, value),
                        ObjectMember::Method(def) => Node::Fn(def),
                    })
                    .collect(),
            }),
            Item::Plugin(def) => out.push(Seq {
                span: def.span,
                children: def
                    .members
                    .iter()
                    .map(|m| match m {
                        PluginMember::Route(route) => Node::Route(route.span, &route.body),
                        PluginMember::Fn(def) => Node::Fn(def),
                    })
                    .collect(),
            }),
        },
        Node::Slot(_, value) => lambdas(value, &mut out),
        Node::Fn(def) => out.push(Seq::block(&def.body)),
        Node::Route(_, body) => out.push(Seq::block(body)),
        Node::Stmt(stmt) => match stmt {
            Stmt::Let { value, .. } => lambdas(value, &mut out),
            Stmt::Assign { target, value, .. } => {
                match target {
                    Target::Var { .. } => {}
                    Target::Field { object, .. } => lambdas(object, &mut out),
                    Target::Index { object, index, .. } => {
                        lambdas(object, &mut out);
                        lambdas(index, &mut out);
                    }
                }
                lambdas(value, &mut out);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                lambdas(cond, &mut out);
                out.push(Seq::block(then));
                if let Some(otherwise) = otherwise {
                    out.push(Seq::block(otherwise));
                }
            }
            Stmt::While { cond, body, .. } => {
                lambdas(cond, &mut out);
                out.push(Seq::block(body));
            }
            Stmt::For { iter, body, .. } => {
                lambdas(iter, &mut out);
                out.push(Seq::block(body));
            }
            Stmt::Try { body, handler, .. } => {
                out.push(Seq::block(body));
                out.push(Seq::block(handler));
            }
            Stmt::Return { value, .. } => {
                if let Some(value) = value {
                    lambdas(value, &mut out);
                }
            }
            Stmt::Break { .. } | Stmt::Continue { .. } => {}
            Stmt::Fn(def) => out.push(Seq::block(&def.body)),
            Stmt::Expr { expr, .. } => lambdas(expr, &mut out),
        },
    }
    out
}

/// The bodies of the outermost lambdas in `e`.
fn lambdas<'a>(e: &'a Expr, out: &mut Vec<Seq<'a>>) {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match e {
        Expr::Nil { .. }
        | Expr::Bool { .. }
        | Expr::Int { .. }
        | Expr::Float { .. }
        | Expr::Str { .. }
        | Expr::Var { .. }
        | Expr::SelfRef { .. } => {}
        Expr::List { items, .. } => items.iter().for_each(|i| lambdas(i, out)),
        Expr::Map { entries, .. } => entries
            .iter()
            .for_each(|MapEntry { value, .. }| lambdas(value, out)),
        Expr::Unary { operand, .. } => lambdas(operand, out),
        Expr::Binary { lhs, rhs, .. } => {
            lambdas(lhs, out);
            lambdas(rhs, out);
        }
        Expr::Call { callee, args, .. } => {
            lambdas(callee, out);
            args.iter().for_each(|a| lambdas(a, out));
        }
        Expr::Send { receiver, args, .. } => {
            lambdas(receiver, out);
            args.iter().for_each(|a| lambdas(a, out));
        }
        Expr::Field { object, .. } => lambdas(object, out),
        Expr::Index { object, index, .. } => {
            lambdas(object, out);
            lambdas(index, out);
        }
        Expr::Lambda { body, .. } => out.push(Seq::block(body)),
    })
}
