//! Nesting limits: 256 nested brackets/blocks/prefix operators, expressions 1000 operators deep.
//! Exactly at a limit parses; one past it is E0109. `check_limits` applies the same limits to a
//! module built some other way (UAST JSON).

#[path = "support/parse.rs"]
mod support;

use aura_compiler::parse::{check_limits, parse, MAX_EXPR_DEPTH, MAX_NESTING, NESTING_TOO_DEEP};
use aura_uast::{BinaryOp, Block, Expr, FnDef, Ident, Item, Module, Span, Stmt};

fn codes(source: &str) -> Vec<&'static str> {
    parse(source).diagnostics.iter().map(|d| d.code).collect()
}

fn parens(n: usize) -> String {
    format!("let x = {}1{}", "(".repeat(n), ")".repeat(n))
}

#[test]
fn limits_are_as_documented() {
    assert_eq!(MAX_NESTING, 256);
    assert_eq!(MAX_EXPR_DEPTH, 1000);
}

#[test]
fn parentheses_up_to_the_limit() {
    assert_eq!(codes(&parens(MAX_NESTING)), Vec::<&str>::new());
    assert_eq!(codes(&parens(MAX_NESTING + 1)), vec![NESTING_TOO_DEEP]);
}

#[test]
fn prefix_operators_up_to_the_limit() {
    let minus = |n| format!("let x = {}a", "-".repeat(n));
    assert_eq!(codes(&minus(MAX_NESTING)), Vec::<&str>::new());
    assert_eq!(codes(&minus(MAX_NESTING + 1)), vec![NESTING_TOO_DEEP]);
    let not = |n| format!("let x = {}a", "not ".repeat(n));
    assert_eq!(codes(&not(MAX_NESTING)), Vec::<&str>::new());
    assert_eq!(codes(&not(MAX_NESTING + 1)), vec![NESTING_TOO_DEEP]);
}

#[test]
fn prefix_operators_and_brackets_add_up() {
    // `-(` is two levels.
    let source = |n| format!("let x = {}1{}", "-(".repeat(n), ")".repeat(n));
    assert_eq!(codes(&source(MAX_NESTING / 2)), Vec::<&str>::new());
    assert_eq!(codes(&source(MAX_NESTING / 2 + 1)), vec![NESTING_TOO_DEEP]);
}

#[test]
fn blocks_up_to_the_limit() {
    // The function body is one level, each `if` block one more.
    let ifs = |n| {
        format!(
            "fn main() {{\n{}{}}}",
            "if x {\n".repeat(n),
            "}\n".repeat(n)
        )
    };
    assert_eq!(codes(&ifs(MAX_NESTING - 1)), Vec::<&str>::new());
    assert_eq!(codes(&ifs(MAX_NESTING)), vec![NESTING_TOO_DEEP]);
}

#[test]
fn else_if_branches_count_as_nesting() {
    // Each `else if` nests the rest of the chain one block deeper in the UAST.
    let chain = |n| {
        format!(
            "fn main() {{\n    if a {{}} {}\n}}",
            "else if a {} ".repeat(n)
        )
    };
    assert_eq!(codes(&chain(MAX_NESTING - 2)), Vec::<&str>::new());
    assert_eq!(codes(&chain(MAX_NESTING - 1)), vec![NESTING_TOO_DEEP]);
    // A newline ends the chain: separate `if`s do not add up.
    let separate = format!(
        "fn main() {{\n{}}}",
        "if a {} else if a {}\n".repeat(2 * MAX_NESTING)
    );
    assert_eq!(codes(&separate), Vec::<&str>::new());
}

#[test]
fn binary_chain_up_to_the_limit() {
    let chain = |n| format!("let x = {}1", "1 + ".repeat(n));
    assert_eq!(codes(&chain(MAX_EXPR_DEPTH)), Vec::<&str>::new());
    assert_eq!(codes(&chain(MAX_EXPR_DEPTH + 1)), vec![NESTING_TOO_DEEP]);
    // Ten times too deep is still one diagnostic.
    assert_eq!(codes(&chain(10 * MAX_EXPR_DEPTH)), vec![NESTING_TOO_DEEP]);
}

#[test]
fn depth_counts_through_parentheses_and_calls() {
    // `print(...)` is one operator more than its argument.
    let call = |n| format!("fn main() {{ print({}1) }}", "1 + ".repeat(n));
    assert_eq!(codes(&call(MAX_EXPR_DEPTH - 1)), Vec::<&str>::new());
    assert_eq!(codes(&call(MAX_EXPR_DEPTH)), vec![NESTING_TOO_DEEP]);
    // A parenthesised chain counts inside the chain it starts (depth is one more than the
    // deepest operand, so the deep part must be on the left of the outer chain to add up).
    let half = "1 + ".repeat(MAX_EXPR_DEPTH / 2);
    let rest = " + 1".repeat(MAX_EXPR_DEPTH / 2);
    assert_eq!(
        codes(&format!("let x = ({half}1){rest}")),
        Vec::<&str>::new()
    );
    assert_eq!(
        codes(&format!("let x = ({half}1){rest} + 1")),
        vec![NESTING_TOO_DEEP]
    );
}

#[test]
fn depth_counts_through_fn_literals() {
    // The `fn` literal is one operator over the deepest expression in its body.
    let body = "1 + ".repeat(MAX_EXPR_DEPTH / 2);
    let rest = " + 1".repeat(MAX_EXPR_DEPTH / 2 - 1);
    let source = format!("let f = fn() {{ return {body}1 }}{rest}");
    assert_eq!(codes(&source), Vec::<&str>::new());
    assert_eq!(codes(&format!("{source} + 1")), vec![NESTING_TOO_DEEP]);
}

#[test]
fn every_too_deep_item_is_reported_and_the_others_kept() {
    let source = format!(
        "fn a() {{ return 1 }}\nlet b = {}1\nfn c() {{ return 2 }}\nlet d = {}1{}\nfn e() {{ return 3 }}",
        "1 + ".repeat(MAX_EXPR_DEPTH + 1),
        "(".repeat(MAX_NESTING + 1),
        ")".repeat(MAX_NESTING + 1),
    );
    let parsed = parse(&source);
    let codes: Vec<_> = parsed.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec![NESTING_TOO_DEEP, NESTING_TOO_DEEP]);
    let names: Vec<_> = parsed
        .module
        .items
        .iter()
        .filter_map(|i| i.defined_name())
        .map(|n| n.name.as_str())
        .collect();
    // `b` is kept with its too-deep expression replaced; the line of `d` is left out.
    assert_eq!(names, vec!["a", "b", "c", "e"]);
}

#[test]
fn nesting_too_deep_diagnostic() {
    assert_parse!(&format!(
        "fn main() {{\n    let x = {}1\n}}",
        "-".repeat(MAX_NESTING + 1)
    ));
}

#[test]
fn expression_too_deep_diagnostic() {
    assert_parse!(&format!(
        "fn main() {{\n    let x = a{}\n}}",
        ".b".repeat(MAX_EXPR_DEPTH + 1)
    ));
}

// check_limits on modules that did not come from the parser.

fn int(value: i64) -> Expr {
    Expr::Int {
        span: Span::default(),
        value,
    }
}

fn module_with(stmts: Vec<Stmt>) -> Module {
    let name = Ident {
        span: Span::default(),
        name: "main".to_string(),
    };
    let body = Block {
        span: Span::default(),
        stmts,
    };
    Module {
        items: vec![Item::Fn(FnDef {
            span: Span::default(),
            name,
            params: vec![],
            body,
        })],
        source: None,
        item_sources: Vec::new(),
    }
}

/// `1 + 1 + ...` with `n` operators, built without recursion.
fn chain(n: usize) -> Expr {
    (0..n).fold(int(1), |lhs, _| Expr::Binary {
        span: Span::default(),
        op: BinaryOp::Add,
        lhs: Box::new(lhs),
        rhs: Box::new(int(1)),
    })
}

/// Takes a module apart without recursion: dropping a very deep tree would recurse.
fn dismantle(module: Module) {
    let mut exprs = Vec::new();
    let mut stmts = Vec::new();
    for item in module.items {
        if let Item::Fn(def) = item {
            stmts.extend(def.body.stmts);
        }
    }
    while let Some(stmt) = stmts.pop() {
        match stmt {
            Stmt::Expr { expr, .. } => exprs.push(expr),
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                exprs.push(cond);
                stmts.extend(then.stmts);
                stmts.extend(otherwise.into_iter().flat_map(|b| b.stmts));
            }
            _ => {}
        }
    }
    while let Some(expr) = exprs.pop() {
        if let Expr::Binary { lhs, rhs, .. } = expr {
            exprs.push(*lhs);
            exprs.push(*rhs);
        }
    }
}

fn expr_stmt(expr: Expr) -> Stmt {
    Stmt::Expr {
        span: Span::default(),
        expr,
    }
}

#[test]
fn check_limits_on_expression_depth() {
    let ok = module_with(vec![expr_stmt(chain(MAX_EXPR_DEPTH))]);
    assert!(check_limits(&ok).is_empty());
    let deep = module_with(vec![expr_stmt(chain(MAX_EXPR_DEPTH + 1))]);
    let diagnostics = check_limits(&deep);
    assert_eq!(
        diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
        vec![NESTING_TOO_DEEP]
    );
    dismantle(ok);
    dismantle(deep);
}

#[test]
fn check_limits_on_a_tree_far_too_deep_to_recurse_over() {
    let deep = module_with(vec![expr_stmt(chain(1_000_000))]);
    assert_eq!(check_limits(&deep).len(), 1);
    dismantle(deep);
}

#[test]
fn check_limits_on_block_nesting() {
    let nested = |n: usize| {
        let mut stmt = expr_stmt(int(0));
        for _ in 0..n {
            let then = Block {
                span: Span::default(),
                stmts: vec![stmt],
            };
            stmt = Stmt::If {
                span: Span::default(),
                cond: int(1),
                then,
                otherwise: None,
            };
        }
        module_with(vec![stmt])
    };
    // The function body is a block too.
    let ok = nested(MAX_NESTING - 1);
    assert!(check_limits(&ok).is_empty());
    let deep = nested(MAX_NESTING);
    assert_eq!(check_limits(&deep).len(), 1);
    dismantle(ok);
    dismantle(deep);
}
