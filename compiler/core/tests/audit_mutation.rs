//! Mutation inference: which methods can write the slots of `self`, and why.

#[path = "support/audit.rs"]
mod support;

#[test]
fn reading_slots_does_not_mutate() {
    assert_mutation!(
        "object counter {\n    count = 0\n    fn get() {\n        return self.count\n    }\n    fn show() {\n        print(\"count:\", self.count, self[\"count\"])\n    }\n}"
    );
}

#[test]
fn writing_a_slot_mutates() {
    assert_mutation!(
        "object counter {\n    count = 0\n    fn increment(by) {\n        self.count = self.count + by\n        return self.count\n    }\n    fn reset() {\n        self[\"count\"] = 0\n    }\n}"
    );
}

#[test]
fn sending_a_mutating_method_to_self_mutates() {
    assert_mutation!(
        "object counter {\n    count = 0\n    fn bump() { self.count = self.count + 1 }\n    fn twice() {\n        self.bump()\n        self.bump()\n    }\n    fn thrice() {\n        self.twice()\n        self.bump()\n    }\n    fn peek() { return self.count }\n    fn report() { return self.peek() }\n}"
    );
}

#[test]
fn mutual_recursion_reaches_a_fixed_point() {
    assert_mutation!(
        "object ping {\n    n = 0\n    fn a(k) {\n        if k > 0 { self.b(k - 1) }\n    }\n    fn b(k) {\n        if k > 0 { self.a(k - 1) }\n        self.n = k\n    }\n    fn c(k) { if k > 0 { self.d(k - 1) } }\n    fn d(k) { if k > 0 { self.c(k - 1) } }\n}"
    );
}

#[test]
fn sends_are_looked_up_along_the_prototype_chain() {
    assert_mutation!(
        "object base {\n    fn touch() { self.touched = true }\n    fn look() { return 1 }\n}\n\nobject child : base {\n    fn poke() { self.touch() }\n    fn peek() { return self.look() }\n}"
    );
}

#[test]
fn an_override_in_a_delegating_object_counts() {
    assert_mutation!(
        "object base {\n    fn run() { return self.step() }\n    fn step() { return 0 }\n}\n\nobject loud : base {\n    fn step() {\n        self.steps = 1\n        return 1\n    }\n}"
    );
}

#[test]
fn unknown_sends_go_to_does_not_understand() {
    assert_mutation!(
        "object recorder {\n    calls = nil\n    fn does_not_understand(name, args) {\n        self.last = name\n    }\n    fn go() { self.anything(1) }\n}\n\nobject quiet {\n    fn does_not_understand(name, args) { return nil }\n    fn go() { self.anything(1) }\n}\n\nobject plain {\n    fn go() { self.anything(1) }\n}"
    );
}

#[test]
fn sending_a_slot_that_is_not_a_fn_does_not_mutate() {
    assert_mutation!("object o {\n    size = 3\n    fn go() { return self.size() }\n}");
}

#[test]
fn a_fn_valued_slot_is_followed() {
    assert_mutation!(
        "object o {\n    hook = fn() { self.hooked = true }\n    fn go() { self.hook() }\n}"
    );
}

#[test]
fn changing_a_list_held_in_a_slot_mutates() {
    assert_mutation!(
        "object log_book {\n    lines = []\n    fn add(line) {\n        push(self.lines, line)\n    }\n    fn clear() {\n        while len(self.lines) > 0 { pop(self.lines) }\n    }\n    fn first() {\n        return self.lines[0]\n    }\n    fn set_first(v) {\n        self.lines[0] = v\n    }\n}"
    );
}

#[test]
fn aliases_of_self_and_of_its_parts_are_tracked() {
    assert_mutation!(
        "object o {\n    items = []\n    fn via_self_alias() {\n        let me = self\n        me.x = 1\n    }\n    fn via_part_alias(v) {\n        let items = self.items\n        push(items, v)\n    }\n    fn via_loop_variable() {\n        for item in self.items {\n            item.seen = true\n        }\n    }\n    fn harmless_alias() {\n        let n = self.items\n        return len(n)\n    }\n}"
    );
}

#[test]
fn letting_self_escape_mutates() {
    assert_mutation!(
        "let registry = []\n\nobject o {\n    fn me() { return self }\n    fn register() { push(registry, self) }\n    fn remember() { registry = self }\n    fn listed() { return [self] }\n    fn mapped() { return {me: self} }\n    fn passed(f) { f(self) }\n    fn sent(other) { other.take(self) }\n    fn stored(other) { other.owner = self }\n    fn either(x) { return x or self }\n}"
    );
}

#[test]
fn harmless_uses_of_self_do_not_mutate() {
    assert_mutation!(
        "object o {\n    fn new() {\n        let copy = clone(self)\n        copy.calls = []\n        return copy\n    }\n    fn describe() {\n        print(self, type_of(self), slots(self), has(self, \"x\"), proto(self))\n        return str(self) + json_encode(1)\n    }\n    fn same(other) { return self == other or not self }\n}"
    );
}

#[test]
fn passing_self_to_a_fn_follows_what_the_fn_does() {
    assert_mutation!(
        "fn show(x) { print(x.name) }\n\nfn rename(x) { x.name = \"new\" }\n\nfn forward(x) { rename(x) }\n\nfn keep(x) { return x }\n\nobject o {\n    name = \"o\"\n    fn a() { show(self) }\n    fn b() { rename(self) }\n    fn c() { forward(self) }\n    fn d() { keep(self) }\n    fn e() { keep(self.name) }\n    fn f() { rename(self.child) }\n}"
    );
}

#[test]
fn prelude_fns_do_not_change_their_arguments() {
    assert_mutation!(
        "object o {\n    items = []\n    fn has_item(x) { return contains(self.items, x) }\n    fn all() { return values({a: self.items}) }\n}"
    );
}

#[test]
fn passing_part_of_self_to_an_unknown_fn_mutates() {
    assert_mutation!(
        "object o {\n    items = []\n    fn each(f) {\n        f(self.items)\n    }\n    fn tell(other) {\n        other.take(self.items)\n    }\n}"
    );
}

#[test]
fn closures_that_write_self_count() {
    assert_mutation!(
        "object o {\n    fn later() {\n        return fn() { self.done = true }\n    }\n    fn nested() {\n        fn mark() { self.marked = true }\n        mark()\n    }\n    fn reader() {\n        return fn() { return self.done }\n    }\n}"
    );
}

#[test]
fn sends_to_other_objects_do_not_mutate_self() {
    assert_mutation!(
        "object counter {\n    count = 0\n    fn bump() { self.count = self.count + 1 }\n}\n\nobject user {\n    target = counter\n    fn go() {\n        counter.bump()\n        self.target.bump()\n    }\n}"
    );
}

#[test]
fn plugin_fns_and_routes_are_reported_as_non_mutating() {
    assert_mutation!(
        "uses store\n\nplugin files {\n    fn fail(message) { return {status: \"error\", message: message} }\n    route POST \"/files/write\" (req) {\n        store.set(req.body.pointer, req.body.data)\n        return {status: \"ok\"}\n    }\n}"
    );
}

#[test]
fn facts_are_in_source_order_with_one_per_definition() {
    assert_mutation!(
        "object a {\n    fn z() {}\n    fn y() { self.v = 1 }\n}\n\nplugin p {\n    route GET \"/\" (req) { return 1 }\n}\n\nobject b : a {\n    fn y() {}\n    fn x() { self.y() }\n}"
    );
}

#[test]
fn counter_example() {
    assert_mutation!(include_str!("audit_valid/counter.aura"));
}

#[test]
fn does_not_understand_example() {
    assert_mutation!(include_str!("audit_valid/dnu.aura"));
}

#[test]
fn a_fn_that_hands_its_parameter_to_unknown_code_may_change_it() {
    assert_mutation!(
        "fn apply(f, x) { return f(x) }\n\nfn measure(x) { return len(x) }\n\nobject o {\n    items = []\n    fn each(g) { apply(g, self.items) }\n    fn size() { return measure(self.items) }\n}"
    );
}

#[test]
fn writing_the_object_by_its_name_may_write_self() {
    assert_mutation!(
        "object config {\n    debug = false\n    fn enable() {\n        config.debug = true\n    }\n    fn read() {\n        return config.debug\n    }\n}\n\nobject other {\n    fn poke() {\n        config.debug = true\n    }\n    fn shadowed() {\n        let config = {}\n        config.debug = true\n    }\n}"
    );
}
