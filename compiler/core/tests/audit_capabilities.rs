//! E0210 unknown capabilities in `uses`, E0211 capabilities used without `uses`.

#[path = "support/audit.rs"]
mod support;

#[test]
fn unknown_capability() {
    assert_audit!("uses network\n\nfn main() {}");
}

#[test]
fn misspelt_capability_suggests_the_known_one() {
    assert_audit!("uses store, lgo\n\nfn main() {}");
}

#[test]
fn undeclared_store() {
    assert_audit!("fn main() {\n    store.set(\"k\", 1)\n}");
}

#[test]
fn undeclared_log_and_clock_each_reported() {
    assert_audit!(
        "uses store\n\nfn main() {\n    log.info(\"t\")\n    store.set(\"t\", clock.now())\n}"
    );
}

#[test]
fn undeclared_capability_in_a_plugin_route() {
    assert_audit!(
        "plugin files {\n    route GET \"/read\" (req) {\n        return store.get(req.query.pointer)\n    }\n}"
    );
}

#[test]
fn declared_capabilities_may_be_used_as_variables() {
    assert_audit!(
        "uses store, log, clock\n\nlet backend = store\n\nfn main() {\n    let started = clock.millis()\n    log.info(\"started\")\n    backend.set(\"at\", started)\n    return [store, log, clock]\n}"
    );
}

#[test]
fn declaring_a_capability_twice_is_allowed() {
    assert_audit!("uses log\nuses log, log\n\nfn main() {\n    log.info(\"once is enough\")\n}");
}

#[test]
fn a_local_named_like_a_capability_needs_no_uses() {
    assert_audit!("fn main() {\n    let log = []\n    push(log, 1)\n    return log\n}");
}
