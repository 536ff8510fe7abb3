//! The cycle collector seen from programs: loops that drop cycles run under a small memory cap
//! (which they exceed many times over without it), and what stays reachable is intact.

mod support;

use aura_interp::Options;
use support::run_with;

fn capped(max_memory: u64) -> Options {
    Options {
        max_memory: Some(max_memory),
        ..Options::default()
    }
}

/// Each iteration builds and drops about 1 KB (as counted) of cycles: lists, maps, objects with
/// prototypes, clones, closures that capture themselves. 100 000 iterations: ~100 MB in all.
const CYCLE_LOOP: &str = r#"
object node {
    next = nil
    fn link(other) { self.next = other }
}
fn main() {
    let kept = []
    let total = 0
    for i in range(0, 100000) {
        let l = [i, "item-" + str(i)]
        push(l, l)
        let m = {n: i}
        m.me = m
        m.list = l
        let a = clone(node)
        let b = clone(a)
        a.link(b)
        b.link(a)
        a.m = m
        let f = fn() { return f }
        m.f = f
        let counter = 0
        let bump = fn() {
            counter = counter + 1
            return bump
        }
        bump()
        a.bump = bump
        if i % 25000 == 0 { push(kept, a) }
        total = total + len(l) + counter
    }
    print(total, len(kept))
    for k in kept { print(k.m.n, k.next.next == k, len(k.m.list), k.m.list[2][1], k.bump() == k.bump) }
}
"#;

const CYCLE_LOOP_OUT: &str = "400000 4
0 true 3 item-0 true
25000 true 3 item-25000 true
50000 true 3 item-50000 true
75000 true 3 item-75000 true
";

#[test]
fn a_loop_of_cycles_stays_under_a_two_megabyte_cap() {
    let (out, error) = run_with(CYCLE_LOOP, &capped(2_000_000));
    assert_eq!(error.map(|e| e.to_string()), None);
    assert_eq!(out, CYCLE_LOOP_OUT);
    let (collections, freed, _) = aura_interp::gc_stats();
    assert!(collections > 0 && freed >= 100_000, "{collections} {freed}");
}

#[test]
fn live_data_survives_many_collections() {
    // A deep recursion whose frames hold values while the callees make garbage cycles; a map
    // and a closure that live across all of it.
    let src = r#"
fn churn(n) {
    for i in range(0, n) {
        let c = [i]
        push(c, c)
    }
}
fn deep(d, acc) {
    let mine = {depth: d, tag: "frame-" + str(d)}
    mine.self_ref = mine
    churn(300)
    if d == 0 { return acc }
    push(acc, mine)
    let r = deep(d - 1, acc)
    assert(mine.tag == "frame-" + str(d), "frame value lost")
    return r
}
fn main() {
    let registry = {}
    let seen = 0
    let note = fn(k) {
        registry[k] = seen
        seen = seen + 1
    }
    for i in range(0, 2000) {
        note("k" + str(i % 50))
        churn(20)
    }
    let frames = deep(200, [])
    print(len(frames), frames[0].depth, frames[199].tag, frames[5].self_ref.self_ref.depth)
    print(len(keys(registry)), registry["k49"], seen)
}
"#;
    let (out, error) = run_with(src, &capped(4_000_000));
    assert_eq!(error.map(|e| e.to_string()), None);
    assert_eq!(out, "200 200 frame-1 195\n50 1999 2000\n");
}

#[test]
fn live_cycles_still_run_out_of_memory() {
    // Cycles that stay reachable are live data: the cap still holds.
    let src =
        "fn main() {\n let all = []\n while true { let l = [1]\n push(l, l)\n push(all, l) }\n}";
    let (_, error) = run_with(src, &capped(2_000_000));
    assert_eq!(
        error.map(|e| e.kind),
        Some(aura_interp::ErrorKind::OutOfMemory)
    );
}
