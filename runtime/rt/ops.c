/* Operators, equality, indexing, fields, calls, message sends and for-loop helpers. */
#include "rt_internal.h"

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_LT, OP_LE, OP_GT, OP_GE };

static const char *const VERBS[] = {"add", "subtract", "multiply", "divide",
                                    "take the remainder of", "compare", "compare", "compare",
                                    "compare"};

__attribute__((noreturn)) static void mismatch(int op, val a, val b) {
    Sb *e = err_begin();
    sb_cstr(e, "cannot ");
    sb_cstr(e, VERBS[op]);
    sb_cstr(e, " ");
    sb_cstr(e, type_name(a));
    sb_cstr(e, " and ");
    sb_cstr(e, type_name(b));
    err_raise(AURA_E_TYPE);
}

__attribute__((noreturn)) static void overflow(void) {
    rt_error(AURA_E_OVERFLOW, "integer overflow");
}

/* Checked multiplication without __builtin_mul_overflow, which needs a 128-bit libcall
 * (__multi3) on wasm32. */
static int mul_overflows(i64 x, i64 y, i64 *r) {
    if (x >= -0x7fffffff && x <= 0x7fffffff && y >= -0x7fffffff && y <= 0x7fffffff) {
        *r = x * y;
        return 0;
    }
    u64 ux = x < 0 ? 0 - (u64)x : (u64)x, uy = y < 0 ? 0 - (u64)y : (u64)y;
    /* 32-bit halves: LLVM turns `uy > MAX / ux` back into a 128-bit multiply. */
    u64 a1 = ux >> 32, a0 = ux & 0xffffffffULL, b1 = uy >> 32, b0 = uy & 0xffffffffULL;
    if (a1 && b1) return 1;
    u64 cross = a1 * b0 + a0 * b1;
    if (cross >> 32) return 1;
    u64 low = a0 * b0, p = (cross << 32) + low;
    if (p < low) return 1;
    if ((x < 0) != (y < 0)) {
        if (p > (1ULL << 63)) return 1;
        *r = (i64)(0 - p);
    } else {
        if (p > (1ULL << 63) - 1) return 1;
        *r = (i64)p;
    }
    return 0;
}

static val int_op(int op, i64 x, i64 y) {
    i64 r;
    switch (op) {
    case OP_ADD:
        if (__builtin_add_overflow(x, y, &r)) overflow();
        return mk_int(r);
    case OP_SUB:
        if (__builtin_sub_overflow(x, y, &r)) overflow();
        return mk_int(r);
    case OP_MUL:
        if (mul_overflows(x, y, &r)) overflow();
        return mk_int(r);
    case OP_DIV:
        if (y == 0) rt_error(AURA_E_DIV_ZERO, "division by zero");
        if (y == -1) {
            if (x == (i64)(1ULL << 63)) overflow();
            return mk_int(-x);
        }
        return mk_int(x / y);
    case OP_MOD:
        if (y == 0) rt_error(AURA_E_DIV_ZERO, "division by zero");
        if (y == -1) return 1; /* small int 0; also avoids MIN % -1 */
        return mk_int(x % y);
    case OP_LT: return mkbool(x < y);
    case OP_LE: return mkbool(x <= y);
    case OP_GT: return mkbool(x > y);
    default: return mkbool(x >= y);
    }
}

static val float_op(int op, double x, double y) {
    switch (op) {
    case OP_ADD: return mk_float(x + y);
    case OP_SUB: return mk_float(x - y);
    case OP_MUL: return mk_float(x * y);
    case OP_DIV: return mk_float(x / y);
    case OP_MOD: return mk_float(rt_fmod(x, y));
    case OP_LT: return mkbool(x < y);
    case OP_LE: return mkbool(x <= y);
    case OP_GT: return mkbool(x > y);
    default: return mkbool(x >= y);
    }
}

static int str_cmp(val a, val b) {
    Str *x = AS_STR(a), *y = AS_STR(b);
    u64 n = x->blen < y->blen ? x->blen : y->blen;
    int c = memcmp(STRB(x), STRB(y), (uptr)n);
    if (c) return c;
    return x->blen < y->blen ? -1 : x->blen > y->blen ? 1 : 0;
}

/* a + b for strings: appends in place when a is the longest str over its buffer and the buffer
 * has room; otherwise a new buffer, with room to grow once the text is not tiny. */
static val str_concat(Str *x, Str *y) {
    u64 n = x->blen + y->blen;
    u64 ascii = x->hdr & y->hdr & H_ASCII;
    if (y->blen == 0) return VAL(x);
    if (x->blen == 0) return VAL(y);
    if (x->hdr & H_BUF) {
        StrBuf *b = STRBUF(x);
        if (b->used == x->blen && b->cap - b->used >= y->blen) {
            memcpy(STRB(x) + x->blen, STRB(y), (uptr)y->blen);
            b->used = n;
            Str *s = rt_alloc(sizeof(Str));
            s->hdr = AURA_T_STR | H_BUF | ascii;
            s->blen = n;
            s->clen = x->clen + y->clen;
            s->hash = 0;
            s->data = x->data;
            s->cur = 0;
            return VAL(s);
        }
    }
    Str *s = str_alloc(n, n < 64 ? n : 2 * n);
    s->hdr |= ascii;
    s->clen = x->clen + y->clen;
    memcpy(STRB(s), STRB(x), (uptr)x->blen);
    memcpy(STRB(s) + x->blen, STRB(y), (uptr)y->blen);
    return VAL(s);
}

static val binary(int op, val a, val b) {
    int ai = is_int(a), bi = is_int(b), af = is_float(a), bf = is_float(b);
    if (ai && bi) return int_op(op, int_of(a), int_of(b));
    if ((ai || af) && (bi || bf))
        return float_op(op, ai ? (double)int_of(a) : float_of(a),
                        bi ? (double)int_of(b) : float_of(b));
    if (op == OP_ADD) {
        if (is_str(a) && is_str(b)) return str_concat(AS_STR(a), AS_STR(b));
        if (is_list(a) && is_list(b)) {
            List *x = AS_LIST(a), *y = AS_LIST(b);
            u64 nx = x->len, ny = y->len;
            val l = list_new(nx + ny);
            if (nx) memcpy(ITEMS(AS_LIST(l)), ITEMS(x), (uptr)(nx * 8));
            if (ny) memcpy(ITEMS(AS_LIST(l)) + nx, ITEMS(y), (uptr)(ny * 8));
            AS_LIST(l)->len = nx + ny;
            return l;
        }
    }
    if (op >= OP_LT && is_str(a) && is_str(b)) {
        int c = str_cmp(a, b);
        switch (op) {
        case OP_LT: return mkbool(c < 0);
        case OP_LE: return mkbool(c <= 0);
        case OP_GT: return mkbool(c > 0);
        default: return mkbool(c >= 0);
        }
    }
    mismatch(op, a, b);
}

/* The int fast paths stay here too: the lowering may call these for any operands. */
val rt_add(val a, val b) {
    if (a & b & 1) return int_op(OP_ADD, small_of(a), small_of(b));
    return binary(OP_ADD, a, b);
}
val rt_sub(val a, val b) { return binary(OP_SUB, a, b); }
val rt_mul(val a, val b) { return binary(OP_MUL, a, b); }
val rt_div(val a, val b) { return binary(OP_DIV, a, b); }
val rt_mod(val a, val b) { return binary(OP_MOD, a, b); }
val rt_lt(val a, val b) { return binary(OP_LT, a, b); }
val rt_le(val a, val b) { return binary(OP_LE, a, b); }
val rt_gt(val a, val b) { return binary(OP_GT, a, b); }
val rt_ge(val a, val b) { return binary(OP_GE, a, b); }

val rt_neg(val a) {
    if (is_int(a)) {
        i64 n = int_of(a);
        if (n == (i64)(1ULL << 63)) overflow();
        return mk_int(-n);
    }
    if (is_float(a)) return mk_float(-float_of(a));
    type_error2("cannot negate a ", type_name(a), "");
}

/* ---- equality -------------------------------------------------------------------------- */
/* `1 == 1.0` holds, but exactly: the float must be integral and in i64 range. */
static int int_equals_float(i64 n, double x) {
    const double limit = 9223372036854775808.0;
    if (!(x >= -limit && x < limit)) return 0;
    if (rt_trunc(x) != x) return 0;
    return (i64)x == n;
}

/* Pairs of containers met below depth 8 (as the interpreter): a pair seen again counts as
 * equal, so cyclic structures terminate and shared ones are compared once. */
static struct {
    u64 *keys; /* 2 words per slot */
    u64 cap, count;
} seen;

static int seen_insert(val a, val b) {
    if (seen.count * 2 >= seen.cap) {
        u64 old = seen.cap, *ok = seen.keys;
        seen.cap = old ? old * 2 : 64;
        seen.keys = rt_alloc(seen.cap * 16);
        memset(seen.keys, 0, (uptr)(seen.cap * 16));
        seen.count = 0;
        for (u64 i = 0; i < old; i++)
            if (ok[2 * i]) seen_insert(ok[2 * i], ok[2 * i + 1]);
    }
    u64 h = (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL);
    h = (h >> 29) & (seen.cap - 1);
    while (seen.keys[2 * h]) {
        if (seen.keys[2 * h] == a && seen.keys[2 * h + 1] == b) return 0;
        h = (h + 1) & (seen.cap - 1);
    }
    seen.keys[2 * h] = a;
    seen.keys[2 * h + 1] = b;
    seen.count++;
    return 1;
}

static int equal_in(val a, val b, int depth) {
    /* Identity decides only for values without parts: a list or map holding NaN is not equal to
     * itself (`==` is deep and NaN is never equal), so containers are always compared. */
    if (a == b && !is_float(a) && !is_list(a) && !is_map(a)) return 1;
    int ta = is_small(a) ? AURA_T_INT : htype(a), tb = is_small(b) ? AURA_T_INT : htype(b);
    if (ta == AURA_T_INT && tb == AURA_T_INT) return int_of(a) == int_of(b);
    if (ta == AURA_T_FLOAT && tb == AURA_T_FLOAT) return float_of(a) == float_of(b);
    if (ta == AURA_T_INT && tb == AURA_T_FLOAT) return int_equals_float(int_of(a), float_of(b));
    if (ta == AURA_T_FLOAT && tb == AURA_T_INT) return int_equals_float(int_of(b), float_of(a));
    if (ta != tb || ta == 0) return 0;
    switch (ta) {
    case AURA_T_STR: return str_eq(a, b);
    case AURA_T_LIST: {
        if (depth > 8 && !seen_insert(a, b)) return 1;
        if (depth > MAX_NEST) rt_error(AURA_E_STACK, "values nested too deeply to compare");
        List *x = AS_LIST(a), *y = AS_LIST(b);
        if (x->len != y->len) return 0;
        for (u64 i = 0; i < x->len && i < y->len; i++)
            if (!equal_in(ITEMS(x)[i], ITEMS(y)[i], depth + 1)) return 0;
        return x->len == y->len;
    }
    case AURA_T_MAP: {
        if (depth > 8 && !seen_insert(a, b)) return 1;
        if (depth > MAX_NEST) rt_error(AURA_E_STACK, "values nested too deeply to compare");
        Map *x = AS_MAP(a), *y = AS_MAP(b);
        if (x->count != y->count) return 0;
        for (u64 i = 0; i < x->used; i++) {
            val k = MAP_KEY(a, i);
            if (!k) continue;
            i64 j = map_find(b, k);
            if (j < 0 || !equal_in(MAP_VAL(a, i), MAP_VAL(b, j), depth + 1)) return 0;
        }
        return 1;
    }
    case AURA_T_FN:
        /* Builtins are equal by index (their fn objects are cached, but be safe). */
        return is_builtin_fn(a) && is_builtin_fn(b) && AS_FN(a)->ncap == AS_FN(b)->ncap;
    default: return 0;
    }
}

static int equal(val a, val b) {
    seen.keys = 0;
    seen.cap = seen.count = 0;
    return equal_in(a, b, 0);
}

val rt_eq(val a, val b) { return mkbool(equal(a, b)); }
val rt_ne(val a, val b) { return mkbool(!equal(a, b)); }

/* ---- indexing and fields --------------------------------------------------------------- */
__attribute__((noreturn)) static void out_of_range(i64 i, u64 len) {
    Sb *e = err_begin();
    sb_cstr(e, "index ");
    sb_int(e, i);
    sb_cstr(e, ", length ");
    sb_int(e, (i64)len);
    err_raise(AURA_E_INDEX);
}

/* A checked position in 0..len. */
u64 position(val index, u64 len) {
    i64 i = int_of(index);
    if (i < 0 || (u64)i >= len) out_of_range(i, len);
    return (u64)i;
}

/* Byte offset of code point `ci` in s. A non-ASCII str remembers the last position asked for
 * (`cur`) and walks from the nearest of the start, that position and the end, so indexing
 * in order (`s[i]` for i = 0, 1, 2 ... or backwards) is O(1) per index. A str of over
 * STR_IDX_MIN code points asked for a position further than STR_IDX_STEP from all three gets a
 * code-point index (one pass; 4 bytes per 64 code points, reclaimed with the str), after which
 * every position is at most 63 code points from a known one: random access is O(1) too. */
#define STR_IDX_STEP 64
#define STR_IDX_MIN 256
static u64 dist(u64 a, u64 b) { return a > b ? a - b : b - a; }

static void str_index_build(Str *s) {
    const u8 *p = STRB(s);
    StrIdx *x = rt_alloc(sizeof(StrIdx) + 4 * (s->clen / STR_IDX_STEP + 1));
    x->cur = s->cur;
    for (u64 b = 0, c = 0; b < s->blen; c++) {
        if (c % STR_IDX_STEP == 0) x->off[c / STR_IDX_STEP] = (u32)b;
        b++;
        while (b < s->blen && (p[b] & 0xc0) == 0x80) b++;
    }
    s->cur = VAL(x);
    s->hdr |= H_IDX;
}

u64 str_offset(Str *s, u64 ci) {
    if (s->hdr & H_ASCII) return ci;
    if (ci >= s->clen) return s->blen;
    const u8 *p = STRB(s);
    u64 c = 0, b = 0; /* the start */
    int cached = s->blen < (1ULL << 32);
    u64 *cur = &s->cur;
    if (cached) {
        if (s->hdr & H_IDX) cur = &((StrIdx *)PTR(s->cur))->cur;
        u64 cc = *cur >> 32, cb = *cur & 0xffffffffULL;
        if (dist(cc, ci) < ci) c = cc, b = cb;
    }
    if (s->clen - ci < dist(c, ci)) c = s->clen, b = s->blen;
    if (cached && dist(c, ci) > STR_IDX_STEP && s->clen > STR_IDX_MIN) {
        if (!(s->hdr & H_IDX)) {
            str_index_build(s);
            cur = &((StrIdx *)PTR(s->cur))->cur;
        }
        c = ci - ci % STR_IDX_STEP;
        b = ((StrIdx *)PTR(s->cur))->off[ci / STR_IDX_STEP];
    }
    while (c < ci) { /* forwards to the start of the next code point */
        b++;
        while (b < s->blen && (p[b] & 0xc0) == 0x80) b++;
        c++;
    }
    while (c > ci) { /* backwards to the start of the previous one */
        b--;
        while (b > 0 && (p[b] & 0xc0) == 0x80) b--;
        c--;
    }
    if (cached) *cur = (c << 32) | b;
    return b;
}

u64 utf8_len(u8 c) { return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4; }

__attribute__((noreturn)) static void key_type(val o, val k) {
    Sb *e = err_begin();
    sb_cstr(e, "a ");
    sb_cstr(e, type_name(o));
    sb_cstr(e, is_list(o) || is_str(o) ? " index must be an int, not a " : " key must be a str, not a ");
    sb_cstr(e, type_name(k));
    err_raise(AURA_E_TYPE);
}

val rt_index(val o, val k) {
    int t = htype(o);
    if (t == AURA_T_LIST) {
        if (!is_int(k)) key_type(o, k);
        List *l = AS_LIST(o);
        return ITEMS(l)[position(k, l->len)];
    }
    if (t == AURA_T_STR) {
        if (!is_int(k)) key_type(o, k);
        Str *s = AS_STR(o);
        u64 p = position(k, s->clen);
        u64 b = str_offset(s, p);
        return str_new(STRB(s) + b, utf8_len(STRB(s)[b]));
    }
    if (t == AURA_T_MAP || t == AURA_T_OBJECT) {
        if (!is_str(k)) key_type(o, k);
        int found;
        return t == AURA_T_MAP ? map_get(o, k, &found) : obj_lookup(o, k, &found);
    }
    type_error2("cannot index a ", type_name(o), "");
}

val rt_index_set(val o, val k, val v) {
    int t = htype(o);
    if (t == AURA_T_LIST) {
        if (!is_int(k)) key_type(o, k);
        List *l = AS_LIST(o);
        ITEMS(l)[position(k, l->len)] = v;
        return AURA_NIL;
    }
    if (t == AURA_T_MAP || t == AURA_T_OBJECT) {
        if (!is_str(k)) key_type(o, k);
        map_put(t == AURA_T_MAP ? o : AS_OBJ(o)->slots, k, v);
        return AURA_NIL;
    }
    if (t == AURA_T_STR) rt_error(AURA_E_TYPE, "strings are immutable: cannot assign to s[i]");
    type_error2("cannot index a ", type_name(o), "");
}

__attribute__((noreturn)) static void field_error(const char *what, val o, val name) {
    Sb *e = err_begin();
    sb_cstr(e, what);
    sb_strv(e, name);
    sb_cstr(e, "` of a ");
    sb_cstr(e, type_name(o));
    err_raise(AURA_E_TYPE);
}

val rt_field(val o, val name) {
    int found;
    if (is_obj(o)) return obj_lookup(o, name, &found);
    if (is_map(o)) return map_get(o, name, &found);
    field_error("cannot read field `", o, name);
}

val rt_field_set(val o, val name, val v) {
    if (is_obj(o))
        map_put(AS_OBJ(o)->slots, name, v);
    else if (is_map(o))
        map_put(o, name, v);
    else
        field_error("cannot set field `", o, name);
    return AURA_NIL;
}

/* ---- calls ----------------------------------------------------------------------------- */
static inline val invoke(val f, val self, u64 argc, u64 argv) {
    return ((aura_entry)(uptr)AS_FN(f)->code)(f, self, argc, argv);
}

val rt_call(val f, val self, unsigned long long argc, unsigned long long argv) {
    if (!is_fn(f)) type_error2("cannot call a value of type ", type_name(f), "");
    return invoke(f, self, argc, argv);
}

__attribute__((noreturn)) static void dnu(const u8 *who, u64 n, val name, val receiver) {
    Sb *e = err_begin();
    sb_bytes(e, who, n);
    sb_cstr(e, " does not understand `");
    sb_strv(e, name);
    sb_cstr(e, "`");
    sb_did_you_mean(e, receiver, name);
    err_raise(AURA_E_DNU);
}

static val dnu_name;

val rt_send(val r, val name, unsigned long long argc, unsigned long long argv) {
    int found;
    if (is_obj(r)) {
        val m = obj_lookup(r, name, &found);
        if (found) {
            if (is_fn(m)) return invoke(m, r, argc, argv);
            Sb *e = err_begin();
            sb_cstr(e, "slot `");
            sb_strv(e, name);
            sb_cstr(e, "` of ");
            write_value(e, r);
            sb_cstr(e, " holds a ");
            sb_cstr(e, type_name(m));
            sb_cstr(e, ", not a function");
            err_raise(AURA_E_TYPE);
        }
        if (!dnu_name) dnu_name = str_cstr("does_not_understand");
        val h = obj_lookup(r, dnu_name, &found);
        if (is_fn(h)) {
            val args[2];
            args[0] = name;
            args[1] = rt_list_new(argc, argv);
            return invoke(h, r, 2, (u64)(uptr)args);
        }
        u64 n;
        const u8 *who = obj_display_name(r, &n);
        dnu(who, n, name, r);
    }
    if (htype(r) == AURA_T_CAP) return rt_capability(((val *)PTR(r))[1], name, argc, argv);
    if (is_map(r)) {
        val m = map_get(r, name, &found);
        if (is_fn(m)) return invoke(m, r, argc, argv);
        dnu((const u8 *)"map", 3, name, r);
    }
    const char *t = type_name(r);
    u64 n = 0;
    while (t[n]) n++;
    dnu((const u8 *)t, n, name, r);
}

void ops_reset(void) {
    dnu_name = 0;
    seen.keys = 0;
    seen.cap = seen.count = 0;
    gc_add_root(&dnu_name, 1);
    gc_add_raw_root((void **)&seen.keys);
}

val rt_arity_error(val f, unsigned long long argc) {
    Sb *e = err_begin();
    i64 p = is_fn(f) ? AS_FN(f)->arity : 0;
    sb_cstr(e, "fn");
    if (is_fn(f) && is_str(AS_FN(f)->name)) {
        sb_byte(e, ' ');
        sb_strv(e, AS_FN(f)->name);
    }
    sb_cstr(e, " expects ");
    sb_int(e, p);
    sb_cstr(e, p == 1 ? " argument, got " : " arguments, got ");
    sb_int(e, (i64)argc);
    err_raise(AURA_E_TYPE);
}

/* ---- for loops ------------------------------------------------------------------------- */
val rt_iter(val v) {
    if (is_list(v)) return v;
    if (is_map(v)) {
        Map *m = AS_MAP(v);
        val l = list_new(m->count);
        for (u64 i = 0; i < m->used; i++)
            if (MAP_KEY(v, i)) ITEMS(AS_LIST(l))[AS_LIST(l)->len++] = MAP_KEY(v, i);
        return l;
    }
    if (is_str(v)) {
        Str *s = AS_STR(v);
        val l = list_new(s->clen);
        for (u64 b = 0; b < s->blen;) {
            u64 n = utf8_len(STRB(s)[b]);
            if (b + n > s->blen) n = s->blen - b;
            ITEMS(AS_LIST(l))[AS_LIST(l)->len++] = str_new(STRB(s) + b, n);
            b += n;
        }
        return l;
    }
    type_error2("cannot iterate over a ", type_name(v), "");
}

unsigned long long rt_iter_len(val l) { return AS_LIST(l)->len; }

val rt_iter_get(val l, unsigned long long i) { return ITEMS(AS_LIST(l))[i]; }

val rt_range_arg(val v) {
    if (!is_int(v)) type_error2("range() expects ints, got ", type_name(v), "");
    return v;
}
