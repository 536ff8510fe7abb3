//! Snapshots of the WebAssembly the emitter makes for small programs: the compiled functions
//! only (`emit::functions_wat`), without the runtime. The programs are lowered without the stdlib
//! prelude so that the snapshots change only when the lowering or the emitter does.

use aura_wasm::emit::functions_wat;

fn wat(source: &str) -> String {
    let checked = aura_compiler::check_source(source);
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    let program = aura_lir::compile(&checked.module, &aura_uast::Module::default())
        .expect("the program compiles to valid LIR");
    functions_wat(&program).expect("the program emits")
}

#[test]
fn arithmetic_fast_path() {
    insta::assert_snapshot!(wat("fn main() {\n    let x = 20\n    print(x + 22)\n}\n"));
}

#[test]
fn while_with_break_and_continue() {
    insta::assert_snapshot!(wat("fn main() {\n    let i = 0\n    while i < 5 {\n        i = i + 1\n        if i == 2 { continue }\n        if i == 4 { break }\n        print(i)\n    }\n}\n"));
}

#[test]
fn recursion_and_depth_check() {
    insta::assert_snapshot!(wat("fn fact(n) {\n    if n < 2 { return 1 }\n    return n * fact(n - 1)\n}\nfn main() { print(fact(5)) }\n"));
}

#[test]
fn closure_in_the_table() {
    insta::assert_snapshot!(wat("fn make() {\n    let count = 0\n    return fn() {\n        count = count + 1\n        return count\n    }\n}\nfn main() {\n    let c = make()\n    print(c(), \"done\")\n}\n"));
}

#[test]
fn object_method_send() {
    insta::assert_snapshot!(wat("object acc {\n    total = 0\n    fn add(x) {\n        self.total = self.total + x\n        return self\n    }\n}\nfn main() { print(acc.add(2).total) }\n"));
}
