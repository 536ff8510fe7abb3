/* json_encode, json_decode (as backends/interp/src/json.rs) and capability calls. */
#include "rt_internal.h"

int parse_f64(const u8 *p, u64 n, double *out);

__attribute__((noreturn)) static void json_fail(const char *msg) { rt_error(AURA_E_JSON, msg); }

/* Containers being encoded carry the visit bit; clear them all before raising, so that a
 * caller who survives the error (none today) would not see stale bits. */
static void encode_into(Sb *b, val v, int depth) {
    if (is_small(v)) {
        sb_int(b, small_of(v));
        return;
    }
    if (v == AURA_NIL) {
        sb_cstr(b, "null");
        return;
    }
    if (v == AURA_TRUE || v == AURA_FALSE) {
        sb_cstr(b, v == AURA_TRUE ? "true" : "false");
        return;
    }
    u64 *hdr = PTR(v);
    switch (htype(v)) {
    case AURA_T_INT: sb_int(b, int_of(v)); return;
    case AURA_T_FLOAT: {
        double x = float_of(v);
        if (x != x || x - x != 0) {
            Sb *e = err_begin();
            sb_cstr(e, "cannot encode ");
            sb_float(e, x);
            sb_cstr(e, " as JSON");
            err_raise(AURA_E_JSON);
        }
        sb_float(b, x);
        return;
    }
    case AURA_T_STR: sb_json_str(b, STRB(AS_STR(v)), AS_STR(v)->blen); return;
    case AURA_T_LIST: {
        if (*hdr & H_VISIT) json_fail("cannot encode a list that contains itself");
        if (depth > MAX_NEST) rt_error(AURA_E_STACK, "values nested too deeply to encode");
        *hdr |= H_VISIT;
        List *l = AS_LIST(v);
        sb_byte(b, '[');
        for (u64 i = 0; i < l->len; i++) {
            if (i) sb_byte(b, ',');
            encode_into(b, ITEMS(l)[i], depth + 1);
        }
        sb_byte(b, ']');
        *hdr &= ~H_VISIT;
        return;
    }
    case AURA_T_MAP: {
        if (*hdr & H_VISIT) json_fail("cannot encode a map that contains itself");
        if (depth > MAX_NEST) rt_error(AURA_E_STACK, "values nested too deeply to encode");
        *hdr |= H_VISIT;
        Map *m = AS_MAP(v);
        sb_byte(b, '{');
        int first = 1;
        for (u64 i = 0; i < m->used; i++) {
            val k = MAP_KEY(v, i);
            if (!k) continue;
            if (!first) sb_byte(b, ',');
            first = 0;
            sb_json_str(b, STRB(AS_STR(k)), AS_STR(k)->blen);
            sb_byte(b, ':');
            encode_into(b, MAP_VAL(v, i), depth + 1);
        }
        sb_byte(b, '}');
        *hdr &= ~H_VISIT;
        return;
    }
    case AURA_T_OBJECT:
    case AURA_T_CAP: json_fail("cannot encode a object as JSON");
    case AURA_T_FN: json_fail("cannot encode a function as JSON");
    default: json_fail("cannot encode this value as JSON");
    }
}

val json_encode(val v) {
    Sb *b = scratch();
    encode_into(b, v, 0);
    return str_from_sb(b);
}

/* ---- decoding -------------------------------------------------------------------------- */
typedef struct {
    const u8 *p;
    u64 n, pos;
} Reader;

__attribute__((noreturn)) static void bad(Reader *r, const char *what) {
    Sb *e = err_begin();
    sb_cstr(e, "invalid JSON: ");
    sb_cstr(e, what);
    sb_cstr(e, " at byte ");
    sb_int(e, (i64)r->pos);
    err_raise(AURA_E_JSON);
}

static int peek(Reader *r) { return r->pos < r->n ? r->p[r->pos] : -1; }

static void skip_space(Reader *r) {
    while (r->pos < r->n) {
        u8 c = r->p[r->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        r->pos++;
    }
}

static int eat(Reader *r, u8 c) {
    if (peek(r) == c) {
        r->pos++;
        return 1;
    }
    return 0;
}

static u64 digits(Reader *r) {
    u64 start = r->pos;
    while (r->pos < r->n && r->p[r->pos] >= '0' && r->p[r->pos] <= '9') r->pos++;
    return r->pos - start;
}

static int hexval(u8 c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static u32 hex4(Reader *r) {
    u32 v = 0;
    if (r->pos + 4 > r->n) bad(r, "expected four hex digits after \\u");
    for (int i = 0; i < 4; i++) {
        int h = hexval(r->p[r->pos + (u64)i]);
        if (h < 0) bad(r, "expected four hex digits after \\u");
        v = v * 16 + (u32)h;
    }
    r->pos += 4;
    return v;
}

static u64 put_utf8(u8 *o, u32 c) {
    if (c < 0x80) {
        o[0] = (u8)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (u8)(0xc0 | (c >> 6));
        o[1] = (u8)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (u8)(0xe0 | (c >> 12));
        o[1] = (u8)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (u8)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (u8)(0xf0 | (c >> 18));
    o[1] = (u8)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (u8)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (u8)(0x80 | (c & 0x3f));
    return 4;
}

static val string(Reader *r) {
    r->pos++;
    Sb *out = scratch(); /* nothing else uses it until the str is made */
    for (;;) {
        u64 run = r->pos;
        while (r->pos < r->n) {
            u8 c = r->p[r->pos];
            if (c == '"' || c == '\\' || c < 0x20) break;
            r->pos++;
        }
        sb_bytes(out, r->p + run, r->pos - run);
        int c = peek(r);
        if (c < 0) bad(r, "unterminated string");
        if (c == '"') {
            r->pos++;
            return str_new(out->p, out->len);
        }
        if (c != '\\') bad(r, "control character in string");
        r->pos++;
        int esc = peek(r);
        if (esc < 0) bad(r, "unterminated string");
        r->pos++;
        switch (esc) {
        case '"': sb_byte(out, '"'); break;
        case '\\': sb_byte(out, '\\'); break;
        case '/': sb_byte(out, '/'); break;
        case 'b': sb_byte(out, 8); break;
        case 'f': sb_byte(out, 12); break;
        case 'n': sb_byte(out, '\n'); break;
        case 'r': sb_byte(out, '\r'); break;
        case 't': sb_byte(out, '\t'); break;
        case 'u': {
            u32 code = hex4(r);
            if (code >= 0xd800 && code < 0xdc00) {
                if (!(eat(r, '\\') && eat(r, 'u'))) bad(r, "lone surrogate in \\u escape");
                u32 second = hex4(r);
                if (!(second >= 0xdc00 && second < 0xe000))
                    bad(r, "lone surrogate in \\u escape");
                code = 0x10000 + ((code - 0xd800) << 10) + (second - 0xdc00);
            } else if (code >= 0xdc00 && code < 0xe000) {
                bad(r, "lone surrogate in \\u escape");
            }
            u8 tmp[4];
            sb_bytes(out, tmp, put_utf8(tmp, code));
            break;
        }
        default: bad(r, "unknown escape");
        }
    }
}

static val number(Reader *r) {
    u64 start = r->pos;
    eat(r, '-');
    u64 int_start = r->pos;
    if (digits(r) == 0) bad(r, "expected digits");
    if (r->p[int_start] == '0' && r->pos - int_start > 1) bad(r, "leading zeros are not allowed");
    int is_integer = 1;
    if (eat(r, '.')) {
        is_integer = 0;
        if (digits(r) == 0) bad(r, "expected digits after `.`");
    }
    if (peek(r) == 'e' || peek(r) == 'E') {
        is_integer = 0;
        r->pos++;
        if (peek(r) == '+' || peek(r) == '-') r->pos++;
        if (digits(r) == 0) bad(r, "expected exponent digits");
    }
    const u8 *t = r->p + start;
    u64 n = r->pos - start;
    if (is_integer) {
        /* i64 when it fits; beyond 64 bits the nearest float, as in JavaScript. */
        int neg = t[0] == '-';
        u64 m = 0, limit = neg ? (1ULL << 63) : (1ULL << 63) - 1;
        int fits = 1;
        for (u64 i = (u64)neg; i < n; i++) {
            u64 d = t[i] - '0';
            if (m > (limit - d) / 10) {
                fits = 0;
                break;
            }
            m = m * 10 + d;
        }
        if (fits) return mk_int(neg ? (i64)(0 - m) : (i64)m);
    }
    double x;
    if (!rt_parse_f64((const char *)t, (unsigned long)n, &x)) bad(r, "bad number");
    return mk_float(x);
}

static val value(Reader *r, int depth);

static val literal(Reader *r, const char *word, val v) {
    u64 n = 0;
    while (word[n]) n++;
    if (r->pos + n <= r->n && memcmp(r->p + r->pos, word, (uptr)n) == 0) {
        r->pos += n;
        return v;
    }
    bad(r, "unknown literal");
}

static val list(Reader *r, int depth) {
    r->pos++;
    val l = list_new(0);
    skip_space(r);
    if (eat(r, ']')) return l;
    for (;;) {
        skip_space(r);
        list_push(l, value(r, depth + 1));
        skip_space(r);
        if (eat(r, ']')) return l;
        if (!eat(r, ',')) bad(r, "expected `,` or `]`");
    }
}

static val map(Reader *r, int depth) {
    r->pos++;
    val m = map_new(0);
    skip_space(r);
    if (eat(r, '}')) return m;
    for (;;) {
        skip_space(r);
        if (peek(r) != '"') bad(r, "expected a string key");
        val k = string(r);
        skip_space(r);
        if (!eat(r, ':')) bad(r, "expected `:`");
        skip_space(r);
        map_put(m, k, value(r, depth + 1));
        skip_space(r);
        if (eat(r, '}')) return m;
        if (!eat(r, ',')) bad(r, "expected `,` or `}`");
    }
}

static val value(Reader *r, int depth) {
    if (depth > MAX_NEST) rt_error(AURA_E_STACK, "JSON nested too deeply");
    int c = peek(r);
    switch (c) {
    case -1: bad(r, "unexpected end of input");
    case 'n': return literal(r, "null", AURA_NIL);
    case 't': return literal(r, "true", AURA_TRUE);
    case 'f': return literal(r, "false", AURA_FALSE);
    case '"': return string(r);
    case '[': return list(r, depth);
    case '{': return map(r, depth);
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return number(r);
        bad(r, "expected a JSON value");
    }
}

val json_decode(const u8 *p, u64 n) {
    Reader r = {p, n, 0};
    skip_space(&r);
    val v = value(&r, 0);
    skip_space(&r);
    if (r.pos < r.n) bad(&r, "unexpected text after the JSON value");
    return v;
}

/* ---- capabilities ---------------------------------------------------------------------- */
static const char *const KINDS[] = {"type error",         "division by zero", "integer overflow",
                                    "index out of range", "does not understand",
                                    "stack overflow",     "out of memory",    "out of fuel",
                                    "assertion failed",   "json error",       "error"};

/* The spelling of an error kind (`e.kind` of a caught error). */
const char *err_kind_name(int kind) { return KINDS[kind]; }

typedef long long (*cap_fn)(const unsigned char *, unsigned long, unsigned char *, unsigned long);

static int str_is(val s, const char *c) {
    u64 n = 0;
    while (c[n]) n++;
    return is_str(s) && AS_STR(s)->blen == n && memcmp(STRB(AS_STR(s)), c, (uptr)n) == 0;
}

static val cap_values[3];

void caps_reset(void) {
    cap_values[0] = cap_values[1] = cap_values[2] = 0;
    gc_add_root(cap_values, 3);
}

val rt_capability(val cap, val method, unsigned long long argc, unsigned long long argv) {
    cap_fn call;
    int is_log = 0;
    if (method == AURA_NIL) {
        /* The capability as a value: one per capability, so == is identity as in the
         * interpreter. */
        int i = str_is(cap, "store") ? 0 : str_is(cap, "log") ? 1 : 2;
        if (!cap_values[i]) {
            val *c = rt_alloc(16);
            c[0] = AURA_T_CAP;
            c[1] = cap;
            cap_values[i] = VAL(c);
        }
        return cap_values[i];
    }
    if (str_is(cap, "store")) {
        call = aura_cap_store;
    } else if (str_is(cap, "log")) {
        call = aura_cap_log;
        is_log = 1;
    } else if (str_is(cap, "clock")) {
        call = aura_cap_clock;
    } else {
        rt_error(AURA_E_DNU, "unknown capability");
    }
    /* {"method":"...","args":[...]}; a log message is sent as its str() so that any value can
     * be logged, as the interpreter's host prints it. */
    Sb req = {0, 0, 0};
    sb_cstr(&req, "{\"method\":");
    sb_json_str(&req, STRB(AS_STR(method)), AS_STR(method)->blen);
    sb_cstr(&req, ",\"args\":[");
    val *args = PTR(argv);
    for (u64 i = 0; i < argc; i++) {
        if (i) sb_byte(&req, ',');
        if (is_log) {
            Sb *t = scratch();
            write_value(t, args[i]);
            sb_json_str(&req, t->p, t->len);
        } else {
            Sb *t = scratch();
            encode_into(t, args[i], 0);
            sb_bytes(&req, t->p, t->len);
        }
    }
    sb_cstr(&req, "]}");
    /* Output written so far must come before whatever the host writes. */
    out_flush();
    u64 cap_len = 4096;
    u8 *resp = rt_alloc(cap_len);
    long long n = call(req.p, (unsigned long)req.len, resp, (unsigned long)cap_len);
    if (n > (long long)cap_len) {
        cap_len = (u64)n;
        resp = rt_alloc(cap_len);
        n = call(req.p, (unsigned long)req.len, resp, (unsigned long)cap_len);
    }
    if (n < 0 || (u64)n > cap_len) rt_error(AURA_E_ERROR, "the host's capability call failed");
    val answer = json_decode(resp, (u64)n);
    if (!is_map(answer)) rt_error(AURA_E_ERROR, "the host's capability answer is not a map");
    val ok = str_cstr("ok");
    int found;
    val v = map_get(answer, ok, &found);
    if (found) return v;
    val kind = map_get(answer, str_cstr("error"), &found);
    val msg = map_get(answer, str_cstr("message"), &found);
    int k = AURA_E_ERROR;
    for (int i = 0; i < 11; i++)
        if (str_is(kind, KINDS[i])) k = i;
    Sb *e = err_begin();
    if (is_str(msg)) sb_strv(e, msg);
    err_raise(k);
}
