//! Semantics the conformance suite does not pin down: error messages, closures, objects.

mod support;

use support::run;

fn out(src: &str) -> String {
    let (stdout, error) = run(src);
    assert!(error.is_none(), "{src}\n{error:?}");
    stdout
}

fn error(src: &str) -> String {
    run(src).1.map(|e| e.first_line()).unwrap_or_default()
}

#[test]
fn error_messages_say_what_went_wrong() {
    assert_eq!(
        error("fn main() { print(\"a\" + 1) }"),
        "runtime error: type error: cannot add str and int"
    );
    assert_eq!(
        error("fn main() { let l = [1, 2, 3]\n print(l[5]) }"),
        "runtime error: index out of range: index 5, length 3"
    );
    assert_eq!(
        error("object counter { }\nfn main() { counter.foo() }"),
        "runtime error: does not understand: counter does not understand `foo`"
    );
    assert_eq!(
        error("object counter { }\nfn main() { clone(counter).foo(1) }"),
        "runtime error: does not understand: counter does not understand `foo`"
    );
    assert_eq!(
        error("fn main() { print(1 / 0) }"),
        "runtime error: division by zero: division by zero"
    );
    assert_eq!(
        error("fn main() { let f = fn(a) { return a }\n f(1, 2) }"),
        "runtime error: type error: fn expects 1 argument, got 2"
    );
    assert_eq!(
        error("fn main() { error(\"boom\") }"),
        "runtime error: error: boom"
    );
    assert_eq!(
        error("fn main() { assert(false, \"no\") }"),
        "runtime error: assertion failed: no"
    );
}

#[test]
fn closures_capture_by_reference_and_loops_bind_fresh() {
    let src = "fn counter() {
        let n = 0
        return fn() { n = n + 1\n return n }
    }
    fn main() {
        let c = counter()
        c()
        print(c(), c())
        let fs = []
        for i in range(0, 3) { push(fs, fn() { return i }) }
        print(fs[0](), fs[2]())
        let x = 1
        let g = fn() { return fn() { return x } }
        x = 5
        print(g()())
        fn fact(n) { if n < 2 { return 1 }\n return n * fact(n - 1) }
        print(fact(10), fact)
    }";
    assert_eq!(out(src), "2 3\n0 2\n5\n3628800 <fn fact>\n");
}

#[test]
fn objects_delegate_and_write_their_own_slots() {
    let src = "object base { x = 1\n fn get() { return self.x } }
    object leaf : base { }
    object ghost { fn does_not_understand(name, args) { return name + str(len(args)) } }
    fn main() {
        let o = clone(leaf)
        print(o.get(), o, proto(o), slots(o))
        o.x = 7
        print(o.get(), base.x, slots(o), has(o, \"get\"), has(o, \"nope\"))
        print(ghost.anything(1, 2))
        let m = {f: fn(a) { return a * 2 }}
        print(m.f(21), o[\"x\"])
    }";
    assert_eq!(
        out(src),
        "1 <object leaf> <object leaf> []\n7 1 [\"x\"] true false\nanything2\n42 7\n"
    );
}

#[test]
fn strings_count_code_points() {
    let src = "fn main() {
        let s = \"héllo😀\"
        print(len(s), s[1], s[5], slice(s, 1, 3), find(s, \"l\"), upper(s))
        let parts = []
        for c in s { push(parts, c) }
        print(join(parts, \"|\"), split(\" a  b \"), split(\"a,b\", \",\"))
        print(slice([1, 2, 3, 4], -2), slice(\"abc\", 5), int(\" -42 \"), float(\"2.5\"))
    }";
    assert_eq!(
        out(src),
        "6 é 😀 él 2 HéLLO😀\nh|é|l|l|o|😀 [\"a\", \"b\"] [\"a\", \"b\"]\n[3, 4]  -42 2.5\n"
    );
}

#[test]
fn globals_and_objects_initialise_in_source_order() {
    let src = "let a = b
    let b = 2
    object o : p { v = b + 1 }
    object p { w = 10 }
    fn main() { print(a, b, o.v, o.w) }";
    assert_eq!(out(src), "nil 2 3 10\n");
}

#[test]
fn json_round_trips() {
    let src = "fn main() {
        let v = json_decode(\"{\\\"a\\\": [1, 2.5, null, true], \\\"b\\\": {\\\"c\\\": \\\"x\\\\n\\\"}}\")
        print(v)
        print(json_encode(v))
        print(json_encode(1.0), json_encode(1e300), json_encode(\"\\u{1}\"))
    }";
    assert_eq!(
        out(src),
        "{\"a\": [1, 2.5, nil, true], \"b\": {\"c\": \"x\\n\"}}\n{\"a\":[1,2.5,null,true],\"b\":{\"c\":\"x\\n\"}}\n1.0 1e300 \"\\u0001\"\n"
    );
    assert!(error("fn main() { json_decode(\"{\") }").starts_with("runtime error: json error"));
    assert!(error("object o { }\nfn main() { json_encode([o]) }")
        .starts_with("runtime error: json error"));
    assert!(error("fn main() { json_encode(0.0 / 0.0) }").starts_with("runtime error: json error"));
}

/// A send site caches where it found its method; new slots anywhere (shadowing it nearer the
/// receiver) and new receivers must not reuse a stale location.
#[test]
fn sends_see_slots_added_after_a_cached_lookup() {
    let src = r#"object base {
    fn m() { return 1 }
}

object mid : base { }

fn main() {
    let o = clone(mid)
    for i in range(0, 4) {
        print(o.m())
        if i == 0 { mid.m = fn() { return 2 } }
        if i == 1 { o.m = fn() { return 3 } }
        if i == 2 { o = clone(base) }
    }
    let objs = [clone(mid), clone(base), clone(mid)]
    objs[1].m = fn() { return 9 }
    for x in objs { print(x.m()) }
}
"#;
    assert_eq!(out(src), "1\n2\n3\n1\n2\n9\n2\n");
}
