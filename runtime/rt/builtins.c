/* The native builtins (aura_uast::BUILTINS, same order and behaviour as the interpreter's
 * backends/interp/src/builtins.rs) and their fn values. */
#include "rt_internal.h"

u64 position(val index, u64 len);
u64 str_offset(Str *s, u64 ci);
u64 utf8_len(u8 c);
void ops_reset(void);

#define ARGS ((val *)PTR(argv))
#define ARG(i) ((u64)(i) < argc ? ARGS[i] : AURA_NIL)

enum {
#define X(name, min, max) B_##name,
    AURA_BUILTINS(X)
#undef X
        B_COUNT
};

static const char *const NAMES[] = {
#define X(name, min, max) #name,
    AURA_BUILTINS(X)
#undef X
};
static const signed char MIN_ARGS[] = {
#define X(name, min, max) min,
    AURA_BUILTINS(X)
#undef X
};
static const signed char MAX_ARGS[] = {
#define X(name, min, max) max,
    AURA_BUILTINS(X)
#undef X
};
typedef val (*builtin_impl)(val, val);
static const builtin_impl IMPLS[] = {
#define X(name, min, max) rt_b_##name,
    AURA_BUILTINS(X)
#undef X
};

/* `NAME() expects WHAT, got TYPE` */
__attribute__((noreturn)) static void wrong(int id, const char *what, val v) {
    Sb *e = err_begin();
    sb_cstr(e, NAMES[id]);
    sb_cstr(e, "() expects ");
    sb_cstr(e, what);
    sb_cstr(e, ", got ");
    sb_cstr(e, type_name(v));
    err_raise(AURA_E_TYPE);
}

static val want_str(int id, val v) {
    if (!is_str(v)) wrong(id, "a str", v);
    return v;
}

/* ---- builtin fn values ----------------------------------------------------------------- */
static val builtin_fns[B_COUNT];

/* The generic entry of every builtin fn value: the builtin index is at +32. */
static val builtin_entry(val env, val self, val argc, val argv) {
    (void)self;
    u64 id = AS_FN(env)->ncap;
    if (argc < (u64)MIN_ARGS[id] || (MAX_ARGS[id] >= 0 && argc > (u64)MAX_ARGS[id])) {
        Sb *e = err_begin();
        int min = MIN_ARGS[id], max = MAX_ARGS[id];
        sb_cstr(e, NAMES[id]);
        sb_cstr(e, "() expects ");
        if (max < 0) {
            sb_cstr(e, "at least ");
            sb_int(e, min);
        } else {
            sb_int(e, min);
            if (max == min + 1) {
                sb_cstr(e, " or ");
                sb_int(e, max);
            } else if (max != min) {
                sb_cstr(e, " to ");
                sb_int(e, max);
            }
        }
        sb_cstr(e, min == 1 && max == 1 ? " argument, got " : " arguments, got ");
        sb_int(e, (i64)argc);
        err_raise(AURA_E_TYPE);
    }
    return IMPLS[id](argc, argv);
}

int is_builtin_fn(val f) { return AS_FN(f)->code == (u64)(uptr)&builtin_entry; }

val rt_builtin_fn(unsigned long long index) {
    if (index >= B_COUNT) rt_error(AURA_E_TYPE, "unknown builtin");
    if (!builtin_fns[index]) {
        int min = MIN_ARGS[index], max = MAX_ARGS[index];
        builtin_fns[index] =
            rt_closure_new((u64)(uptr)&builtin_entry, min == max ? min : -1,
                           str_cstr(NAMES[index]), 0);
        AS_FN(builtin_fns[index])->ncap = index;
    }
    return builtin_fns[index];
}

void builtins_reset(void) {
    for (int i = 0; i < B_COUNT; i++) builtin_fns[i] = 0;
    gc_add_root(builtin_fns, B_COUNT);
    ops_reset();
    caps_reset();
}

/* ---- text helpers ---------------------------------------------------------------------- */
/* Decodes the code point at p[0..n) (valid UTF-8); *len gets its byte length. */
static u32 decode(const u8 *p, u64 n, u64 *len) {
    u8 c = p[0];
    u64 l = utf8_len(c);
    if (l > n) l = n;
    *len = l;
    if (l == 1) return c;
    u32 cp = c & (0x7f >> l);
    for (u64 i = 1; i < l; i++) cp = (cp << 6) | (p[i] & 0x3f);
    return cp;
}

/* Rust's char::is_whitespace (Unicode White_Space). */
static int is_space(u32 c) {
    return (c >= 9 && c <= 13) || c == 32 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000;
}

/* The code point ending at p[n-1]. */
static u32 decode_back(const u8 *p, u64 n, u64 *len) {
    u64 i = n - 1;
    while (i > 0 && (p[i] & 0xc0) == 0x80) i--;
    u32 c = decode(p + i, n - i, len);
    *len = n - i;
    return c;
}

/* s trimmed of whitespace at both ends: [*start, *end). */
static void trim_range(Str *s, u64 *start, u64 *end) {
    u64 a = 0, b = s->blen, l;
    while (a < b && is_space(decode(STRB(s) + a, b - a, &l))) a += l;
    while (b > a && is_space(decode_back(STRB(s) + a, b - a, &l))) b -= l;
    *start = a;
    *end = b;
}

static val substr(Str *s, u64 a, u64 b) {
    if (a == 0 && b == s->blen) return VAL(s);
    return str_new(STRB(s) + a, b - a);
}

/* ---- number parsing -------------------------------------------------------------------- */
/* Rust's `str::parse::<i64>`: optional sign, then at least one ASCII digit. */
static int parse_i64(const u8 *p, u64 n, i64 *out) {
    u64 i = 0;
    int neg = 0;
    if (n && (p[0] == '+' || p[0] == '-')) {
        neg = p[0] == '-';
        i = 1;
    }
    if (i == n) return 0;
    u64 m = 0, limit = neg ? (1ULL << 63) : (1ULL << 63) - 1;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        u64 d = p[i] - '0';
        if (m > (limit - d) / 10) return 0;
        m = m * 10 + d;
    }
    *out = neg ? (i64)(0 - m) : (i64)m;
    return 1;
}

static int lower_eq(const u8 *p, u64 n, const char *word) {
    u64 i = 0;
    for (; i < n && word[i]; i++) {
        u8 c = p[i];
        if (c >= 'A' && c <= 'Z') c = (u8)(c + 32);
        if (c != (u8)word[i]) return 0;
    }
    return i == n && !word[i];
}

/* Rust's `str::parse::<f64>`: sign? (digits (. digits?)? | . digits) ([eE] sign? digits)?, or
 * inf / infinity / nan in any case. Normalised before rt_parse_f64 reads it. */
int parse_f64(const u8 *p, u64 n, double *out) {
    u64 i = 0;
    int neg = 0;
    if (n && (p[0] == '+' || p[0] == '-')) {
        neg = p[0] == '-';
        i = 1;
    }
    if (lower_eq(p + i, n - i, "inf") || lower_eq(p + i, n - i, "infinity")) {
        *out = neg ? -1.0 / 0.0 : 1.0 / 0.0;
        return 1;
    }
    if (lower_eq(p + i, n - i, "nan")) {
        double nan = 0.0 / 0.0;
        *out = nan;
        return 1;
    }
    u8 buf[64];
    u8 *t = buf;
    Sb big = {0, 0, 0};
    if (n + 4 > sizeof buf) {
        sb_reserve(&big, n + 4);
        t = big.p;
    }
    u64 k = 0;
    if (neg) t[k++] = '-';
    u64 d0 = i;
    while (i < n && p[i] >= '0' && p[i] <= '9') t[k++] = p[i++];
    u64 int_digits = i - d0, frac_digits = 0;
    if (int_digits == 0) t[k++] = '0';
    if (i < n && p[i] == '.') {
        i++;
        u64 f0 = i;
        u64 dot = k;
        t[k++] = '.';
        while (i < n && p[i] >= '0' && p[i] <= '9') t[k++] = p[i++];
        frac_digits = i - f0;
        if (frac_digits == 0) k = dot;
    }
    if (int_digits == 0 && frac_digits == 0) return 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        t[k++] = p[i++];
        if (i < n && (p[i] == '+' || p[i] == '-')) t[k++] = p[i++];
        u64 e0 = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') t[k++] = p[i++];
        if (i == e0) return 0;
    }
    if (i != n) return 0;
    return rt_parse_f64((const char *)t, (unsigned long)k, out);
}

/* An integral float as an int; non-finite or out of range is a type error. */
static val float_to_int(double x, int id) {
    if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) return mk_int((i64)x);
    Sb *e = err_begin();
    sb_cstr(e, NAMES[id]);
    sb_cstr(e, "() cannot convert ");
    sb_float(e, x);
    sb_cstr(e, " to an int");
    err_raise(AURA_E_TYPE);
}

/* ---- the builtins ---------------------------------------------------------------------- */
val rt_b_print(val argc, val argv) {
    Sb *b = scratch();
    for (u64 i = 0; i < argc; i++) {
        if (i) sb_byte(b, ' ');
        write_value(b, ARGS[i]);
    }
    sb_byte(b, '\n');
    out_write(b->p, b->len);
    return AURA_NIL;
}

val rt_b_str(val argc, val argv) {
    val v = ARG(0);
    if (is_str(v)) return v;
    Sb *b = scratch();
    write_value(b, v);
    return str_from_sb(b);
}

static __attribute__((noreturn)) void cannot_parse(int id, val s, const char *as) {
    Sb *e = err_begin();
    sb_cstr(e, NAMES[id]);
    sb_cstr(e, "() cannot parse ");
    sb_json_str(e, STRB(AS_STR(s)), AS_STR(s)->blen);
    sb_cstr(e, as);
    err_raise(AURA_E_TYPE);
}

val rt_b_int(val argc, val argv) {
    val v = ARG(0);
    if (is_int(v)) return v;
    if (is_float(v)) return float_to_int(rt_trunc(float_of(v)), B_int);
    if (v == AURA_TRUE || v == AURA_FALSE) return v == AURA_TRUE ? 3 : 1;
    if (is_str(v)) {
        u64 a, b;
        i64 n;
        trim_range(AS_STR(v), &a, &b);
        if (!parse_i64(STRB(AS_STR(v)) + a, b - a, &n)) cannot_parse(B_int, v, " as an integer");
        return mk_int(n);
    }
    type_error2("int() cannot convert a ", type_name(v), "");
}

val rt_b_float(val argc, val argv) {
    val v = ARG(0);
    if (is_int(v)) return mk_float((double)int_of(v));
    if (is_float(v)) return v;
    if (v == AURA_TRUE || v == AURA_FALSE) return mk_float(v == AURA_TRUE ? 1.0 : 0.0);
    if (is_str(v)) {
        u64 a, b;
        double x;
        trim_range(AS_STR(v), &a, &b);
        if (!parse_f64(STRB(AS_STR(v)) + a, b - a, &x)) cannot_parse(B_float, v, " as a number");
        return mk_float(x);
    }
    type_error2("float() cannot convert a ", type_name(v), "");
}

val rt_b_type_of(val argc, val argv) { return str_cstr(type_name(ARG(0))); }

val rt_b_len(val argc, val argv) {
    val v = ARG(0);
    if (is_str(v)) return mk_int((i64)AS_STR(v)->clen);
    if (is_list(v)) return mk_int((i64)AS_LIST(v)->len);
    if (is_map(v)) return mk_int((i64)AS_MAP(v)->count);
    wrong(B_len, "a str, list or map", v);
}

val rt_b_push(val argc, val argv) {
    if (!is_list(ARG(0))) wrong(B_push, "a list", ARG(0));
    list_push(ARG(0), ARG(1));
    return AURA_NIL;
}

val rt_b_pop(val argc, val argv) {
    val l = ARG(0);
    if (!is_list(l)) wrong(B_pop, "a list", l);
    if (AS_LIST(l)->len == 0) rt_error(AURA_E_INDEX, "pop() from an empty list");
    return ITEMS(AS_LIST(l))[--AS_LIST(l)->len];
}

val rt_b_keys(val argc, val argv) {
    if (!is_map(ARG(0))) wrong(B_keys, "a map", ARG(0));
    return rt_iter(ARG(0)); /* a new list of the keys */
}

val rt_b_has(val argc, val argv) {
    val o = ARG(0), k = ARG(1);
    int found;
    if (!is_str(k)) wrong(B_has, "a str name", k);
    if (is_map(o)) return mkbool(map_find(o, k) >= 0);
    if (is_obj(o)) {
        obj_lookup(o, k, &found);
        return mkbool(found);
    }
    wrong(B_has, "a map or object", o);
}

val rt_b_remove(val argc, val argv) {
    val o = ARG(0), k = ARG(1);
    if (is_map(o)) {
        if (!is_str(k)) wrong(B_remove, "a str key", k);
        int found;
        return map_remove(o, k, &found);
    }
    if (is_list(o)) {
        if (!is_int(k)) wrong(B_remove, "an int index", k);
        List *l = AS_LIST(o);
        u64 p = position(k, l->len);
        val v = ITEMS(l)[p];
        memmove(ITEMS(l) + p, ITEMS(l) + p + 1, (uptr)((l->len - p - 1) * 8));
        l->len--;
        return v;
    }
    wrong(B_remove, "a map or list", o);
}

/* Python slice bounds: negatives count from the end, clamped to 0..len. */
static u64 clamp(val v, u64 len, u64 dflt) {
    if (v == AURA_NIL) return dflt;
    if (!is_int(v)) type_error2("slice() expects int bounds, got ", type_name(v), "");
    i64 i = int_of(v), n = (i64)len;
    if (i < 0) {
        i = i < -n ? 0 : i + n;
    } else if (i > n) {
        i = n;
    }
    return (u64)i;
}

val rt_b_slice(val argc, val argv) {
    val o = ARG(0);
    if (is_str(o)) {
        Str *s = AS_STR(o);
        u64 a = clamp(ARG(1), s->clen, 0), b = clamp(ARG(2), s->clen, s->clen);
        if (b < a) b = a;
        u64 x = str_offset(s, a);
        u64 y = b;
        if (!(s->hdr & H_ASCII)) {
            /* b - a code points on from x */
            y = x;
            for (u64 i = a; i < b && y < s->blen; i++) y += utf8_len(STRB(s)[y]);
        }
        return substr(s, x, y);
    }
    if (is_list(o)) {
        List *l = AS_LIST(o);
        u64 a = clamp(ARG(1), l->len, 0), b = clamp(ARG(2), l->len, l->len);
        if (b < a) b = a;
        return rt_list_new(b - a, (u64)(uptr)(ITEMS(l) + a));
    }
    type_error2("slice() expects a str or list, got ", type_name(o), "");
}

val rt_b_split(val argc, val argv) {
    val sv = ARG(0), sep = ARG(1);
    if (!is_str(sv)) type_error2("split() expects a str, got ", type_name(sv), "");
    Str *s = AS_STR(sv);
    val out = list_new(0);
    if (sep == AURA_NIL) {
        u64 i = 0, l;
        while (i < s->blen) {
            while (i < s->blen && is_space(decode(STRB(s) + i, s->blen - i, &l))) i += l;
            if (i >= s->blen) break;
            u64 start = i;
            while (i < s->blen && !is_space(decode(STRB(s) + i, s->blen - i, &l))) i += l;
            list_push(out, str_new(STRB(s) + start, i - start));
        }
        return out;
    }
    if (!is_str(sep)) type_error2("split() expects a str separator, got ", type_name(sep), "");
    Str *p = AS_STR(sep);
    if (p->blen == 0) {
        for (u64 i = 0; i < s->blen;) {
            u64 n = utf8_len(STRB(s)[i]);
            if (i + n > s->blen) n = s->blen - i;
            list_push(out, str_new(STRB(s) + i, n));
            i += n;
        }
        return out;
    }
    u64 start = 0;
    for (u64 i = 0; i + p->blen <= s->blen;) {
        if (memcmp(STRB(s) + i, STRB(p), (uptr)p->blen) == 0) {
            list_push(out, str_new(STRB(s) + start, i - start));
            i += p->blen;
            start = i;
        } else {
            i++;
        }
    }
    list_push(out, str_new(STRB(s) + start, s->blen - start));
    return out;
}

val rt_b_join(val argc, val argv) {
    val lv = ARG(0), sep = ARG(1);
    if (!is_list(lv)) type_error2("join() expects a list, got ", type_name(lv), "");
    if (sep != AURA_NIL && !is_str(sep))
        type_error2("join() expects a str separator, got ", type_name(sep), "");
    List *l = AS_LIST(lv);
    Sb *b = scratch();
    for (u64 i = 0; i < l->len; i++) {
        if (i && sep != AURA_NIL) sb_strv(b, sep);
        write_value(b, ITEMS(l)[i]);
    }
    return str_from_sb(b);
}

static val change_case(int id, val v, u8 lo, u8 hi, int delta) {
    Str *s = AS_STR(want_str(id, v));
    val r = str_new(STRB(s), s->blen);
    Str *t = AS_STR(r);
    for (u64 i = 0; i < t->blen; i++)
        if (STRB(t)[i] >= lo && STRB(t)[i] <= hi) STRB(t)[i] = (u8)(STRB(t)[i] + delta);
    return r;
}

val rt_b_upper(val argc, val argv) { return change_case(B_upper, ARG(0), 'a', 'z', -32); }
val rt_b_lower(val argc, val argv) { return change_case(B_lower, ARG(0), 'A', 'Z', 32); }

val rt_b_trim(val argc, val argv) {
    Str *s = AS_STR(want_str(B_trim, ARG(0)));
    u64 a, b;
    trim_range(s, &a, &b);
    return substr(s, a, b);
}

val rt_b_find(val argc, val argv) {
    Str *s = AS_STR(want_str(B_find, ARG(0)));
    Str *p = AS_STR(want_str(B_find, ARG(1)));
    for (u64 i = 0; i + p->blen <= s->blen; i++) {
        if (memcmp(STRB(s) + i, STRB(p), (uptr)p->blen) == 0) {
            i64 chars = 0;
            for (u64 j = 0; j < i; j++) chars += (STRB(s)[j] & 0xc0) != 0x80;
            return mk_int(chars);
        }
    }
    return mk_int(-1);
}

val rt_b_range(val argc, val argv) {
    i64 v[3] = {0, 0, 1};
    for (u64 i = 0; i < argc && i < 3; i++) v[i] = int_of(rt_range_arg(ARGS[i]));
    i64 start = 0, end, step = 1;
    if (argc == 1) {
        end = v[0];
    } else {
        start = v[0];
        end = v[1];
        if (argc > 2) step = v[2];
    }
    if (step == 0) rt_error(AURA_E_TYPE, "range() step must not be zero");
    u64 count = 0;
    if (step > 0 && start < end) {
        u64 d = (u64)end - (u64)start, s = (u64)step;
        count = d / s + (d % s != 0);
    } else if (step < 0 && start > end) {
        u64 d = (u64)start - (u64)end, s = 0 - (u64)step;
        count = d / s + (d % s != 0);
    }
    if (count > (1ULL << 40)) rt_error(AURA_E_MEMORY, "range() is too long");
    val l = list_new(count);
    val *items = ITEMS(AS_LIST(l));
    i64 x = start;
    for (u64 i = 0; i < count; i++) {
        items[i] = mk_int(x);
        x = (i64)((u64)x + (u64)step);
    }
    AS_LIST(l)->len = count;
    return l;
}

static val extreme(int id, val argc, val argv, int want_min) {
    val *items = ARGS;
    u64 n = argc;
    if (argc == 1 && is_list(ARGS[0])) {
        items = ITEMS(AS_LIST(ARGS[0]));
        n = AS_LIST(ARGS[0])->len;
    }
    if (n == 0) type_error2(NAMES[id], "() of an empty list", "");
    val best = items[0];
    for (u64 i = 0; i < n; i++) {
        val item = items[i];
        int num_b = is_int(best) || is_float(best), num_i = is_int(item) || is_float(item);
        if (!((num_b && num_i) || (is_str(best) && is_str(item)))) {
            Sb *e = err_begin();
            sb_cstr(e, NAMES[id]);
            sb_cstr(e, "() cannot compare ");
            sb_cstr(e, type_name(best));
            sb_cstr(e, " and ");
            sb_cstr(e, type_name(item));
            err_raise(AURA_E_TYPE);
        }
        if ((want_min ? rt_lt(item, best) : rt_gt(item, best)) == AURA_TRUE) best = item;
    }
    return best;
}

val rt_b_min(val argc, val argv) { return extreme(B_min, argc, argv, 1); }
val rt_b_max(val argc, val argv) { return extreme(B_max, argc, argv, 0); }

val rt_b_floor(val argc, val argv) {
    val v = ARG(0);
    if (is_int(v)) return v;
    if (is_float(v)) return float_to_int(rt_floor(float_of(v)), B_floor);
    wrong(B_floor, "a number", v);
}

val rt_b_sqrt(val argc, val argv) {
    val v = ARG(0);
    if (is_int(v)) return mk_float(rt_sqrt((double)int_of(v)));
    if (is_float(v)) return mk_float(rt_sqrt(float_of(v)));
    wrong(B_sqrt, "a number", v);
}

val rt_b_clone(val argc, val argv) {
    val v = ARG(0);
    if (is_obj(v)) return rt_object_new(AURA_NIL, v);
    if (is_map(v)) {
        Map *m = AS_MAP(v);
        val c = map_new(m->count);
        for (u64 i = 0; i < m->used; i++)
            if (MAP_KEY(v, i)) map_put(c, MAP_KEY(v, i), MAP_VAL(v, i));
        return c;
    }
    if (is_list(v)) return rt_list_new(AS_LIST(v)->len, AS_LIST(v)->items);
    return v;
}

val rt_b_proto(val argc, val argv) {
    if (!is_obj(ARG(0))) wrong(B_proto, "an object", ARG(0));
    return AS_OBJ(ARG(0))->proto;
}

val rt_b_slots(val argc, val argv) {
    if (!is_obj(ARG(0))) wrong(B_slots, "an object", ARG(0));
    return rt_iter(AS_OBJ(ARG(0))->slots);
}

static __attribute__((noreturn)) void raise_value(int kind, val v) {
    if (kind == AURA_E_ERROR) err_set_value(v);
    Sb *e = err_begin();
    write_value(e, v);
    err_raise(kind);
}

val rt_b_assert(val argc, val argv) {
    if (truthy(ARG(0))) return AURA_NIL;
    if (argc > 1) raise_value(AURA_E_ASSERT, ARGS[1]);
    rt_error(AURA_E_ASSERT, "assertion failed");
}

val rt_b_error(val argc, val argv) { raise_value(AURA_E_ERROR, ARG(0)); }
val rt_b___type_error(val argc, val argv) { raise_value(AURA_E_TYPE, ARG(0)); }

val rt_b_json_encode(val argc, val argv) { return json_encode(ARG(0)); }

val rt_b_json_decode(val argc, val argv) {
    Str *s = AS_STR(want_str(B_json_decode, ARG(0)));
    return json_decode(STRB(s), s->blen);
}

val rt_b_sha256(val argc, val argv) {
    static const char hex[] = "0123456789abcdef";
    Str *s = AS_STR(want_str(B_sha256, ARG(0)));
    u8 digest[32], text[64];
    rt_sha256(STRB(s), (unsigned long)s->blen, digest);
    for (int i = 0; i < 32; i++) {
        text[2 * i] = (u8)hex[digest[i] >> 4];
        text[2 * i + 1] = (u8)hex[digest[i] & 15];
    }
    return str_new(text, 64);
}
