/* The mem* functions, buffered output, errors and the
 * lifecycle entry points. */
#include "rt_internal.h"

/* GCC may turn the loops below into calls to the very functions they implement. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LOOP_CALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LOOP_CALLS
#endif

NO_LOOP_CALLS void *memcpy(void *d, const void *s, uptr n) {
    u8 *dp = d;
    const u8 *sp = s;
    while (n >= 8) {
        u64 w;
        __builtin_memcpy(&w, sp, 8);
        __builtin_memcpy(dp, &w, 8);
        dp += 8;
        sp += 8;
        n -= 8;
    }
    while (n--) *dp++ = *sp++;
    return d;
}

NO_LOOP_CALLS void *memset(void *d, int c, uptr n) {
    u8 *dp = d;
    while (n--) *dp++ = (u8)c;
    return d;
}

NO_LOOP_CALLS void *memmove(void *d, const void *s, uptr n) {
    u8 *dp = d;
    const u8 *sp = s;
    if (dp == sp || n == 0) return d;
    if (dp < sp || dp >= sp + n) return memcpy(d, s, n);
    while (n--) dp[n] = sp[n];
    return d;
}

NO_LOOP_CALLS int memcmp(const void *a, const void *b, uptr n) {
    const u8 *x = a, *y = b;
    for (uptr i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* ---- output ---------------------------------------------------------------------------- */
#define OUT_CAP 65536
static u8 out_buf[OUT_CAP];
static u64 out_len;

void out_flush(void) {
    if (out_len) aura_write(1, out_buf, (unsigned long)out_len);
    out_len = 0;
}

void out_write(const u8 *p, u64 n) {
    if (out_len + n > OUT_CAP) out_flush();
    if (n >= OUT_CAP) {
        aura_write(1, p, (unsigned long)n);
        return;
    }
    memcpy(out_buf + out_len, p, (uptr)n);
    out_len += n;
}

/* ---- text buffers ---------------------------------------------------------------------- */
void sb_reserve(Sb *b, u64 more) {
    if (b->len + more <= b->cap) return;
    u64 cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + more) cap *= 2;
    u8 *p = rt_alloc(cap);
    if (b->len) memcpy(p, b->p, (uptr)b->len);
    b->p = p;
    b->cap = cap;
}

void sb_bytes(Sb *b, const void *p, u64 n) {
    sb_reserve(b, n);
    memcpy(b->p + b->len, p, (uptr)n);
    b->len += n;
}

void sb_byte(Sb *b, u8 c) {
    if (b->len == b->cap) sb_reserve(b, 1);
    b->p[b->len++] = c;
}

void sb_cstr(Sb *b, const char *s) {
    u64 n = 0;
    while (s[n]) n++;
    sb_bytes(b, s, n);
}

void sb_int(Sb *b, i64 n) {
    u8 tmp[24];
    int i = 24;
    u64 m = n < 0 ? 0 - (u64)n : (u64)n;
    do {
        tmp[--i] = (u8)('0' + m % 10);
        m /= 10;
    } while (m);
    if (n < 0) tmp[--i] = '-';
    sb_bytes(b, tmp + i, (u64)(24 - i));
}

void sb_float(Sb *b, double x) {
    char tmp[48];
    int n = rt_fmt_f64(x, tmp);
    sb_bytes(b, tmp, (u64)n);
}

void sb_strv(Sb *b, val s) { sb_bytes(b, STRB(AS_STR(s)), AS_STR(s)->blen); }

void sb_json_str(Sb *b, const u8 *p, u64 n) {
    static const char hex[] = "0123456789abcdef";
    sb_reserve(b, n + 2);
    sb_byte(b, '"');
    u64 run = 0;
    for (u64 i = 0; i < n; i++) {
        u8 c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        sb_bytes(b, p + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': sb_cstr(b, "\\\""); break;
        case '\\': sb_cstr(b, "\\\\"); break;
        case '\n': sb_cstr(b, "\\n"); break;
        case '\r': sb_cstr(b, "\\r"); break;
        case '\t': sb_cstr(b, "\\t"); break;
        case 8: sb_cstr(b, "\\b"); break;
        case 12: sb_cstr(b, "\\f"); break;
        default:
            sb_cstr(b, "\\u00");
            sb_byte(b, (u8)hex[c >> 4]);
            sb_byte(b, (u8)hex[c & 15]);
        }
    }
    sb_bytes(b, p + run, n - run);
    sb_byte(b, '"');
}

static Sb scratch_sb, err_sb;

Sb *scratch(void) {
    scratch_sb.len = 0;
    return &scratch_sb;
}

/* ---- errors ---------------------------------------------------------------------------- */
Sb *err_begin(void) {
    err_sb.len = 0;
    return &err_sb;
}

/* ---- errors a program handles (spec/abi.md, "Errors a program handles") --------------------
 * rt_try(body, self) calls the closure `body` (the outlined body of a `try`) under a handler.
 * A catchable error raised while it runs ends it: on x86-64 err_raise longjmps to the innermost
 * handler; on wasm, which has no setjmp, the error still goes to the host's aura_fail, whose
 * trap the host's aura_try (which called the body through the export rt_call) catches and
 * answers with 0. Either way rt_try then returns the error's map. Compiled code restores its own
 * state around the call (the LIR pass `gc::restore_after_try`); the runtime's is TryState. */
typedef struct Handler {
#ifndef __wasm__
    void *jb[5];
#endif
    struct Handler *prev;
} Handler;

/* The runtime's state a caught error must not leave behind: the handler stack. */
typedef struct TryState {
    Handler *handlers;
} TryState;

static TryState try_state;
static int caught_kind;
/* The value of the `error(v)` being raised (err_set_value), then of the one caught. */
static val err_value = AURA_NIL, caught_value = AURA_NIL;

static int catchable(int kind) {
    return kind != AURA_E_STACK && kind != AURA_E_MEMORY && kind != AURA_E_FUEL;
}

void err_set_value(val v) { err_value = v; }

/* The map a handler gets: {"kind": ..., "message": ..., "value": ...}. No collection runs
 * inside the runtime, so the values built here need no roots. */
static val caught_map(void) {
    val message = str_new(err_sb.p, err_sb.len);
    val m = rt_map_new();
    map_put(m, str_cstr("kind"), str_cstr(err_kind_name(caught_kind)));
    map_put(m, str_cstr("message"), message);
    map_put(m, str_cstr("value"), caught_value);
    caught_value = AURA_NIL;
    return m;
}

#ifdef __wasm__
val rt_try(val body, val self) {
    Handler h;
    TryState saved = try_state;
    /* A trap leaves the C stack pointer where the failing code had moved it: put it back. */
    void *sp;
    __asm__ volatile("global.get __stack_pointer\n\tlocal.set %0" : "=r"(sp));
    h.prev = try_state.handlers;
    try_state.handlers = &h;
    val r = aura_try(body, self);
    __asm__ volatile("local.get %0\n\tglobal.set __stack_pointer" : : "r"(sp));
    try_state = saved;
    return r ? r : caught_map();
}
#else
val rt_try(val body, val self) {
    Handler h;
    TryState saved = try_state;
    h.prev = try_state.handlers;
    if (__builtin_setjmp(h.jb)) {
        try_state = saved;
        return caught_map();
    }
    try_state.handlers = &h;
    val r = rt_call(body, self, 0, 0);
    try_state = saved;
    return r;
}
#endif

/* A catchable error inside a `try` goes to its handler: on x86-64 this does not return. */
static void to_handler(int kind) {
    val value = err_value;
    err_value = AURA_NIL;
    if (!try_state.handlers || !catchable(kind)) return;
    caught_kind = kind;
    caught_value = value;
#ifndef __wasm__
    __builtin_longjmp(try_state.handlers->jb, 1);
#endif
}

void err_raise(int kind) {
    to_handler(kind);
    out_flush();
    aura_fail(kind, err_sb.p, (unsigned long)err_sb.len);
}

void rt_error(int kind, const char *msg) {
    u64 n = 0;
    while (msg[n]) n++;
    if (try_state.handlers && catchable(kind)) {
        Sb *e = err_begin();
        sb_bytes(e, msg, n);
        err_raise(kind);
    }
    out_flush();
    aura_fail(kind, (const u8 *)msg, (unsigned long)n);
}

const char *type_name(val v) {
    if (is_small(v)) return "int";
    if (v == AURA_NIL) return "nil";
    if (v == AURA_TRUE || v == AURA_FALSE) return "bool";
    switch (htype(v)) {
    case AURA_T_INT: return "int";
    case AURA_T_FLOAT: return "float";
    case AURA_T_STR: return "str";
    case AURA_T_LIST: return "list";
    case AURA_T_MAP: return "map";
    case AURA_T_OBJECT: return "object";
    case AURA_T_FN: return "fn";
    case AURA_T_CAP: return "object";
    default: return "value";
    }
}

/* A type error whose message is a + b + c. */
void type_error2(const char *a, const char *b, const char *c) {
    Sb *e = err_begin();
    sb_cstr(e, a);
    sb_cstr(e, b);
    sb_cstr(e, c);
    err_raise(AURA_E_TYPE);
}

/* ---- lifecycle ------------------------------------------------------------------------- */
#define ARG_STACK_BYTES (4u << 20)
static u64 arg_stack;
static i64 max_depth = 10000;
void builtins_reset(void);

/* The shadow stack holds the frames of compiled functions (their value locals): room for
 * max_depth frames of 128 words, at least 4 MiB, at most 256 MiB. */
static u64 shadow_bytes(void) {
    u64 n = max_depth > 0 ? (u64)max_depth * 1024 : 0;
    if (n < (4u << 20)) n = 4u << 20;
    if (n > (256u << 20)) n = 256u << 20;
    return n;
}

val rt_start(unsigned long long heap_start) {
    gc_init(heap_start);
    try_state.handlers = 0;
    out_len = 0;
    scratch_sb.p = 0;
    scratch_sb.len = scratch_sb.cap = 0;
    err_sb.p = 0;
    err_sb.len = err_sb.cap = 0;
    arg_stack = (u64)(uptr)gc_perm(ARG_STACK_BYTES);
    u64 shadow = shadow_bytes();
    gc_set_stacks((u64)(uptr)gc_perm(shadow), shadow, arg_stack);
    gc_start_pages();
    gc_add_raw_root((void **)&scratch_sb.p);
    gc_add_raw_root((void **)&err_sb.p);
    builtins_reset();
    objects_reset();
    return AURA_NIL;
}

unsigned long long rt_arg_stack(void) { return arg_stack; }
unsigned long long rt_max_depth(void) { return (u64)max_depth; }
void rt_set_max_depth(long long n) { max_depth = n; }

val rt_finish(void) {
    out_flush();
    return AURA_NIL;
}

val rt_stack_overflow(void) {
    Sb *e = err_begin();
    sb_cstr(e, "more than ");
    sb_int(e, max_depth);
    sb_cstr(e, " nested calls");
    err_raise(AURA_E_STACK);
}
