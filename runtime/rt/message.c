/* The message ABI (spec/abi.md, "Message ABI"): a host sends one message to a named top-level
 * object whose persisted state it keeps, and gets back the result, whether the state changed
 * and the new state. Called by the host after aura_init, never by compiled code. */
#include "rt_internal.h"

/* Named objects made by rt_object_new (the module's `object` definitions), by name. */
static val registry;

void objects_reset(void) {
    registry = 0;
    gc_add_root(&registry, 1);
}

void obj_register(val name, val object) {
    if (!is_str(name)) return;
    if (!registry) registry = map_new(8);
    map_put(registry, name, object);
}

unsigned long long rt_input(unsigned long long len) {
    return (u64)(uptr)rt_alloc(len ? len : 1);
}

/* The request field `key` of map `m` (nil when missing). */
static val field(val m, const char *key) {
    int found;
    return map_get(m, str_cstr(key), &found);
}

__attribute__((noreturn)) static void bad_request(const char *what) {
    Sb *e = err_begin();
    sb_cstr(e, "message request: ");
    sb_cstr(e, what);
    err_raise(AURA_E_TYPE);
}

/* The state of an object: its own slots except functions and objects (methods and links to
 * other objects are program structure, recreated by the initialisers), as a JSON object. Other
 * values JSON cannot hold are a `json error`. */
static void encode_state(Sb *b, val object) {
    val slots = AS_OBJ(object)->slots;
    sb_byte(b, '{');
    int first = 1;
    for (u64 i = 0; i < AS_MAP(slots)->used; i++) {
        val k = MAP_KEY(slots, i);
        if (!k) continue;
        val v = MAP_VAL(slots, i);
        if (is_fn(v) || is_obj(v)) continue;
        if (!first) sb_byte(b, ',');
        first = 0;
        sb_json_str(b, (const u8 *)PTR(AS_STR(k)->data), AS_STR(k)->blen);
        sb_byte(b, ':');
        /* json_encode builds in the shared scratch buffer, so copy its text out at once. */
        val text = json_encode(v);
        sb_bytes(b, (const u8 *)PTR(AS_STR(text)->data), AS_STR(text)->blen);
    }
    sb_byte(b, '}');
}

unsigned long long rt_message(unsigned long long ptr, unsigned long long len) {
    val request = json_decode(PTR(ptr), len);
    if (!is_map(request)) bad_request("expected a JSON object");
    val target = field(request, "target");
    val method = field(request, "method");
    val args = field(request, "args");
    val state = field(request, "state");
    if (!is_str(target)) bad_request("`target` must be a string");
    if (!is_str(method)) bad_request("`method` must be a string");
    if (args == AURA_NIL) args = list_new(0);
    if (!is_list(args)) bad_request("`args` must be a list");
    if (state == AURA_NIL) state = map_new(0);
    if (!is_map(state)) bad_request("`state` must be an object");

    int found = 0;
    val object = registry ? map_get(registry, target, &found) : AURA_NIL;
    if (!found || !is_obj(object)) {
        Sb *e = err_begin();
        sb_cstr(e, "no object `");
        sb_strv(e, target);
        sb_cstr(e, "`");
        err_raise(AURA_E_DNU);
    }

    /* The persisted state replaces the initialisers' values of those slots. */
    val slots = AS_OBJ(object)->slots;
    for (u64 i = 0; i < AS_MAP(state)->used; i++) {
        val k = MAP_KEY(state, i);
        if (k) map_put(slots, k, MAP_VAL(state, i));
    }
    Sb before = {0};
    encode_state(&before, object);

    /* The send runs compiled code, which may collect: `before` must survive it. */
    int pinned = gc_raw_roots();
    gc_add_raw_root((void **)&before.p);
    List *l = AS_LIST(args);
    val result = rt_send(object, method, l->len, l->items);
    gc_drop_raw_roots(pinned);

    Sb reply = {0};
    sb_cstr(&reply, "{\"result\":");
    val text = json_encode(result);
    sb_bytes(&reply, (const u8 *)PTR(AS_STR(text)->data), AS_STR(text)->blen);
    Sb after = {0};
    encode_state(&after, object);
    int changed = before.len != after.len || memcmp(before.p, after.p, after.len) != 0;
    sb_cstr(&reply, changed ? ",\"changed\":true,\"state\":" : ",\"changed\":false,\"state\":");
    sb_bytes(&reply, after.p, after.len);
    sb_byte(&reply, '}');
    out_flush();
    /* wasm32 addresses fit in 32 bits; a 64-bit host reads the reply with other means. */
    return ((u64)(uptr)reply.p << 32) | (reply.len & 0xffffffffULL);
}
