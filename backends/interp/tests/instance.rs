//! The host API: `Instance`, routes, JSON conversions, per-call limits.

mod support;

use aura_interp::{from_json, to_json, ErrorKind, Instance, Options, Value};

const SRC: &str = "uses store
let hits = 0
object counter {
    count = 0
    fn bump(by) { self.count = self.count + by\n return self.count }
}
fn add(a, b) { return a + b }
fn spin() { while true { } }
fn remember(k, v) { store.set(k, v)\n return store.get(k) }
plugin meshfs {
    route GET \"/api/resolve\" (req) { return {pointer: req.query.pointer, n: helper(1)} }
    fn helper(x) { return x + 1 }
}";

fn load(options: &Options) -> (Instance, support::TestHost) {
    let checked = support::check(SRC);
    let mut host = support::TestHost::default();
    let instance =
        Instance::load(&checked.module, &checked.prelude, options, &mut host).expect("loads");
    (instance, host)
}

#[test]
fn calls_and_sends_share_state() {
    let (mut instance, mut host) = load(&Options::default());
    let sum = instance
        .call("add", vec![Value::Int(2), Value::Int(3)], &mut host)
        .expect("call");
    assert_eq!(sum.to_string(), "5");
    instance
        .send("counter", "bump", vec![Value::Int(2)], &mut host)
        .expect("send");
    let n = instance
        .send("counter", "bump", vec![Value::Int(3)], &mut host)
        .expect("send");
    assert_eq!(n.to_string(), "5");
    let e = instance
        .send("counter", "nope", vec![], &mut host)
        .expect_err("dnu");
    assert_eq!(e.kind, ErrorKind::DoesNotUnderstand);
    let v = instance
        .call(
            "remember",
            vec![Value::string("k"), Value::Int(7)],
            &mut host,
        )
        .expect("store");
    assert_eq!(v.to_string(), "7");
    assert_eq!(
        instance.get_global("hits").map(|v| v.to_string()),
        Some("0".to_string())
    );
}

#[test]
fn fuel_resets_per_call() {
    let options = Options {
        fuel: Some(1_000),
        ..Options::default()
    };
    let (mut instance, mut host) = load(&options);
    let e = instance.call("spin", vec![], &mut host).expect_err("spins");
    assert_eq!(e.kind, ErrorKind::OutOfFuel);
    for _ in 0..10 {
        instance
            .call("add", vec![Value::Int(1), Value::Int(1)], &mut host)
            .expect("fresh fuel");
    }
}

#[test]
fn routes_are_listed_and_callable() {
    let (mut instance, mut host) = load(&Options::default());
    let routes = instance.routes().to_vec();
    assert_eq!(routes.len(), 1);
    assert_eq!(
        (
            routes[0].plugin.as_str(),
            routes[0].method.as_str(),
            routes[0].path.as_str()
        ),
        ("meshfs", "GET", "/api/resolve")
    );
    let req = from_json(&serde_json::json!({"query": {"pointer": "abc"}}));
    let resp = instance.call_route(0, req, &mut host).expect("route");
    assert_eq!(
        to_json(&resp).expect("json"),
        serde_json::json!({"pointer": "abc", "n": 2})
    );
    let helper = instance
        .send("meshfs", "helper", vec![Value::Int(5)], &mut host)
        .expect("helper");
    assert_eq!(helper.to_string(), "6");
}

#[test]
fn json_conversions_follow_the_contract() {
    let v = from_json(&serde_json::json!({"a": [1, 2.5, null, "s"], "big": 1e300}));
    assert_eq!(
        v.to_string(),
        "{\"a\": [1, 2.5, nil, \"s\"], \"big\": 1e300}"
    );
    assert_eq!(
        to_json(&v).expect("json"),
        serde_json::json!({"a": [1, 2.5, null, "s"], "big": 1e300})
    );
    assert_eq!(
        to_json(&Value::Float(f64::NAN)).expect_err("nan").kind,
        ErrorKind::Json
    );
}

#[test]
fn hosts_read_set_and_remove_own_slots() {
    let (instance, _host) = load(&Options::default());
    let Some(Value::Object(counter)) = instance.get_global("counter") else {
        panic!("counter is an object");
    };
    let names: Vec<String> = counter.own_slots().into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["count", "bump"]);
    counter.set_slot("count", Value::Int(41));
    counter.set_slot("extra", Value::Int(1));
    let own = counter.own_slots();
    assert_eq!(own[0].1.to_string(), "41");
    assert_eq!(own.len(), 3);
    assert!(counter.remove_slot("extra"));
    assert!(!counter.remove_slot("extra"));
    assert_eq!(counter.own_slots().len(), 2);
}
