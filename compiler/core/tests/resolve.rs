//! Name resolution for tools (`aura_compiler::resolve`): what each name means, where locals are
//! visible, members along the prototype chain; and on every `.aura` file of the repository that
//! passes the audit, every variable read or assigned resolves.

#[path = "support/programs.rs"]
mod programs;
use aura_compiler::resolve::{resolve, resolve_with_imports, Resolution, SymbolKind};
use aura_uast::visit::{walk_expr, walk_target, Visit};
use aura_uast::{Expr, Span, Target};
use programs::{aura_files, repo_root};

fn resolved(source: &str) -> Resolution {
    let checked = aura_compiler::check_source(source);
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    resolve(&checked.module, &checked.prelude)
}

/// The byte offset of the `n`th (0-based) occurrence of `needle`, plus `skip`.
fn at(source: &str, needle: &str, n: usize, skip: usize) -> usize {
    source
        .match_indices(needle)
        .nth(n)
        .map(|(i, _)| i + skip)
        .unwrap_or_else(|| panic!("no {n}th `{needle}`"))
}

/// "line:column" of every reference to the symbol named at `offset`.
fn places(source: &str, res: &Resolution, offset: usize) -> Vec<String> {
    let reference = res.reference_at(offset).expect("a name here");
    res.references_to(reference.symbol)
        .map(|r| {
            let (line, col) = aura_compiler::render::line_column(source, r.span.start as usize);
            format!("{line}:{col}")
        })
        .collect()
}

const COUNTER: &str = "object counter {
    count = 0
    fn bump(by) {
        self.count = self.count + by
    }
}

object loud : counter {
    fn bump(by) {
        self.count = self.count + by * 10
    }
}

fn main() {
    let a = clone(counter)
    a.bump(1)
    let l = clone(loud)
    l.bump(2)
    print(a.count, l.count, counter.count)
}
";

#[test]
fn members_resolve_along_the_prototype_chain() {
    let res = resolved(COUNTER);
    // `count` is defined once, in counter; loud's methods and every clone reach it.
    assert_eq!(
        places(COUNTER, &res, at(COUNTER, "count =", 0, 0)),
        ["2:5", "4:14", "4:27", "10:14", "10:27", "19:13", "19:22", "19:37"]
    );
    // `a.bump` is counter's, `l.bump` loud's (it overrides).
    let a_bump = res
        .reference_at(at(COUNTER, "a.bump", 0, 2))
        .expect("a.bump");
    let l_bump = res
        .reference_at(at(COUNTER, "l.bump", 0, 2))
        .expect("l.bump");
    assert_eq!(
        res.symbol(a_bump.symbol).definition.start as usize,
        at(COUNTER, "fn bump", 0, 0)
    );
    assert_eq!(
        res.symbol(l_bump.symbol).definition.start as usize,
        at(COUNTER, "fn bump", 1, 0)
    );
    // `l.count` comes from counter, looked up from loud.
    let l_count = res
        .reference_at(at(COUNTER, "l.count", 0, 2))
        .expect("l.count");
    let via = l_count.via.expect("a receiver");
    assert_eq!(res.symbol(via).name, "loud");
    assert!(
        matches!(res.symbol(l_count.symbol).kind, SymbolKind::Slot { object } if res.symbol(object).name == "counter")
    );
    assert_eq!(
        res.members_of(via)
            .iter()
            .map(|m| res.symbol(*m).name.as_str())
            .collect::<Vec<_>>(),
        ["bump", "count"]
    );
}

const SCOPES: &str = "fn main() {
    let x = 1
    if x > 0 {
        let x = x + 1
        print(x)
    }
    for i in range(3) {
        print(i, x)
    }
    fn twice(f) { return f(f(x)) }
    print(twice(fn(y) { return y }))
}
";

#[test]
fn locals_follow_block_scopes_and_shadowing() {
    let res = resolved(SCOPES);
    // The outer `x`: its definition, the `if`, the value of the inner `let`, the loop, `twice`.
    assert_eq!(
        places(SCOPES, &res, at(SCOPES, "x", 0, 0)),
        ["2:9", "3:8", "4:17", "8:18", "10:30"]
    );
    // The inner `x`: its definition and the `print` in its block.
    assert_eq!(
        places(SCOPES, &res, at(SCOPES, "let x", 1, 4)),
        ["4:13", "5:15"]
    );
    let names = |at: usize| -> Vec<String> {
        res.locals_at(at)
            .iter()
            .map(|id| res.symbol(*id).name.clone())
            .collect()
    };
    assert_eq!(names(at(SCOPES, "print(i", 0, 0)), ["i", "x"]);
    assert_eq!(names(at(SCOPES, "return y", 0, 0)), ["twice", "x", "y"]);
    // The inner `x` is the one visible in the `if`.
    let inner = res.locals_at(at(SCOPES, "print(x)", 0, 0));
    assert_eq!(
        res.symbol(inner[0]).span.start as usize,
        at(SCOPES, "let x", 1, 4)
    );
    // Before the `let`, only the function's names (none here).
    assert_eq!(names(at(SCOPES, "let x", 0, 0)), Vec::<String>::new());
}

const TRY: &str = "fn main() {
    let e = 1
    try {
        print(e)
    } catch e {
        print(e.kind)
        let f = fn() { return e }
    }
    print(e)
}
";

#[test]
fn the_catch_name_is_a_local_of_its_handler() {
    let res = resolved(TRY);
    // The catch name: its definition, the `print` and the closure in the handler.
    assert_eq!(
        places(TRY, &res, at(TRY, "catch e", 0, 6)),
        ["5:13", "6:15", "7:31"]
    );
    // The outer `e`: its `let`, the body and after the `try`.
    assert_eq!(
        places(TRY, &res, at(TRY, "let e", 0, 4)),
        ["2:9", "4:15", "9:11"]
    );
    // In the handler, the visible `e` is the catch name.
    let visible = res.locals_at(at(TRY, "print(e.kind", 0, 0));
    assert_eq!(visible.len(), 1);
    assert_eq!(
        res.symbol(visible[0]).span.start as usize,
        at(TRY, "catch e", 0, 6)
    );
}

#[test]
fn capabilities_builtins_and_plugin_fns() {
    let source = "uses store\n\nplugin shop {\n    route GET \"/a\" (req) {\n        return total(store.get(\"k\"))\n    }\n    fn total(v) { return len(v) }\n}\n\nfn main() {\n    print(shop.total([1]))\n}\n";
    let res = resolved(source);
    let store = res
        .reference_at(at(source, "store.get", 0, 1))
        .expect("store");
    assert_eq!(res.symbol(store.symbol).kind, SymbolKind::Capability);
    // Its definition is the `uses` declaration.
    assert_eq!(
        places(source, &res, at(source, "store", 0, 0)),
        ["1:6", "5:22"]
    );
    let get = res.reference_at(at(source, "get(", 0, 1)).expect("get");
    assert!(matches!(
        res.symbol(get.symbol).kind,
        SymbolKind::CapabilityMethod { .. }
    ));
    assert_eq!(res.symbol(get.symbol).params, ["key"]);
    // `total` by bare name inside the plugin and through the plugin outside it.
    assert_eq!(
        places(source, &res, at(source, "total", 1, 0)),
        ["5:16", "7:8", "11:16"]
    );
    let len = res.reference_at(at(source, "len", 0, 0)).expect("len");
    assert_eq!(res.symbol(len.symbol).kind, SymbolKind::Builtin);
    assert!(!res.symbol(len.symbol).in_module());
}

/// Every variable read or assigned in the program.
#[derive(Default)]
struct Vars(Vec<(Span, String)>);

impl<'a> Visit<'a> for Vars {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Var { span, name } = expr {
            self.0.push((*span, name.clone()));
        }
        walk_expr(self, expr);
    }
    fn visit_target(&mut self, target: &'a Target) {
        if let Target::Var { span, name } = target {
            self.0.push((*span, name.clone()));
        }
        walk_target(self, target);
    }
}

#[test]
fn every_variable_of_the_repository_resolves() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["examples", "tests", "stdlib", "bench"] {
        aura_files(&root.join(dir), &mut files);
    }
    let mut checked_files = 0;
    let mut failures = Vec::new();
    for path in &files {
        let source = std::fs::read_to_string(path).unwrap_or_default();
        // As `aura check` reads it: its imports from disk, relative to it.
        let mut read = |p: &str| {
            std::fs::read_to_string(p)
                .map(aura_compiler::modules::Text::Source)
                .map_err(|e| e.to_string())
        };
        let checked = aura_compiler::check_program(
            &path.display().to_string(),
            aura_compiler::modules::Text::Source(source),
            &mut read,
        );
        if !checked.is_ok() {
            continue; // error cases: the audit reports their unknown names
        }
        checked_files += 1;
        let entry = checked.entry_module();
        let res = resolve_with_imports(entry, &checked.prelude, &checked.entry_imports());
        let mut vars = Vars::default();
        vars.visit_module(entry);
        for (span, name) in vars.0 {
            let found = res
                .reference_at(span.start as usize)
                .filter(|r| r.span == span)
                .map(|r| res.symbol(r.symbol).name.as_str());
            if found != Some(name.as_str()) {
                failures.push(format!("{}: `{name}` at {span:?}", path.display()));
            }
        }
    }
    assert!(checked_files > 20, "only {checked_files} files checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
