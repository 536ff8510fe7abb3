/* Tests of the runtime through its C API, on Linux: a tiny host (aura_write into a buffer,
 * aura_fail back to the test with longjmp, capabilities answered in C) and checks of printing,
 * operators, strings, lists, maps, objects, sends, builtins, JSON and errors. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../aura_rt.h"

/* ---- the host -------------------------------------------------------------------------- */
unsigned char *aura_heap_base;
unsigned long long aura_heap_size;

static char out[1 << 20];
static size_t out_len;
static jmp_buf on_fail;
static int fail_kind = -1;
static char fail_msg[4096];
static int expecting_fail;

void aura_write(int stream, const unsigned char *p, unsigned long n) {
    if (stream == 1 && out_len + n < sizeof out) {
        memcpy(out + out_len, p, n);
        out_len += n;
    }
}

void aura_fail(int kind, const unsigned char *p, unsigned long n) {
    fail_kind = kind;
    if (n >= sizeof fail_msg) n = sizeof fail_msg - 1;
    memcpy(fail_msg, p, n);
    fail_msg[n] = 0;
    if (!expecting_fail) {
        fprintf(stderr, "unexpected runtime error %d: %s\n", kind, fail_msg);
        exit(1);
    }
    longjmp(on_fail, 1);
}

static char last_request[4096];
static const char *next_response = "{\"ok\":null}";

static long long answer(const unsigned char *req, unsigned long req_len, unsigned char *resp,
                        unsigned long cap) {
    size_t n = req_len < sizeof last_request - 1 ? req_len : sizeof last_request - 1;
    memcpy(last_request, req, n);
    last_request[n] = 0;
    size_t len = strlen(next_response);
    if (len <= cap) memcpy(resp, next_response, len);
    return (long long)len;
}

long long aura_cap_store(const unsigned char *a, unsigned long b, unsigned char *c,
                         unsigned long d) {
    return answer(a, b, c, d);
}
long long aura_cap_log(const unsigned char *a, unsigned long b, unsigned char *c,
                       unsigned long d) {
    return answer(a, b, c, d);
}
long long aura_cap_clock(const unsigned char *a, unsigned long b, unsigned char *c,
                         unsigned long d) {
    return answer(a, b, c, d);
}

/* ---- helpers --------------------------------------------------------------------------- */
static int failures, checks;

/* rt_str_lit keeps the address (literal data lives as long as the program): give it a copy. */
#define S(text) rt_str_lit((unsigned long long)(unsigned long)strdup(text), strlen(text))
#define I(n) rt_int_lit(n)

static double fl(double x) { return x; }
static val F(double x) {
    unsigned long long bits;
    memcpy(&bits, &x, 8);
    return rt_float_lit(bits);
}

static val args_buf[16];
static unsigned long long argv_of(int n, ...);
#define ARGV(...) ((unsigned long long)(unsigned long)(val[]){__VA_ARGS__})
#define NARGS(...) (sizeof((val[]){__VA_ARGS__}) / sizeof(val))
#define CALL(name, ...) rt_b_##name(NARGS(__VA_ARGS__), ARGV(__VA_ARGS__))
#define LIST(...) rt_list_new(NARGS(__VA_ARGS__), ARGV(__VA_ARGS__))

/* str(v) as a C string. */
static const char *text(val v) {
    static char buf[8192];
    val s = rt_b_str(1, (unsigned long long)(unsigned long)&v);
    unsigned long long *o = (unsigned long long *)(unsigned long)s;
    size_t n = o[1];
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, (char *)(unsigned long)o[4], n);
    buf[n] = 0;
    return buf;
}

static void check_text(int line, val v, const char *want) {
    checks++;
    const char *got = text(v);
    if (strcmp(got, want) != 0) {
        failures++;
        fprintf(stderr, "line %d: got `%s`, want `%s`\n", line, got, want);
    }
}
#define T(v, want) check_text(__LINE__, (v), (want))

static void check_true(int line, int ok, const char *what) {
    checks++;
    if (!ok) {
        failures++;
        fprintf(stderr, "line %d: failed: %s\n", line, what);
    }
}
#define OK(cond) check_true(__LINE__, (cond), #cond)

/* Runs `expr` expecting runtime error `kind`. */
#define ERR(kind, expr)                                                                        \
    do {                                                                                       \
        checks++;                                                                              \
        expecting_fail = 1;                                                                    \
        fail_kind = -1;                                                                        \
        if (setjmp(on_fail) == 0) {                                                            \
            (void)(expr);                                                                      \
            failures++;                                                                        \
            fprintf(stderr, "line %d: no error from %s\n", __LINE__, #expr);                   \
        } else if (fail_kind != (kind)) {                                                      \
            failures++;                                                                        \
            fprintf(stderr, "line %d: error kind %d (%s), want %d\n", __LINE__, fail_kind,     \
                    fail_msg, kind);                                                           \
        }                                                                                      \
        expecting_fail = 0;                                                                    \
    } while (0)

static unsigned long long argv_of(int n, ...) {
    (void)n;
    return (unsigned long long)(unsigned long)args_buf;
}

/* A compiled function stand-in: generic entry returning self, argc and the first argument. */
static val echo_entry(val env, val self, val argc, val argv) {
    (void)env;
    val *a = (val *)(unsigned long)argv;
    val parts[3] = {self, rt_int_lit((long long)argc), argc ? a[0] : AURA_NIL};
    return rt_list_new(3, (unsigned long long)(unsigned long)parts);
}

/* A closure adding its captured cell's value to its argument. */
static val adder_entry(val env, val self, val argc, val argv) {
    (void)self;
    if (argc != 1) rt_arity_error(env, argc);
    val cell = ((val *)(unsigned long)env)[5];
    val captured = ((val *)(unsigned long)cell)[1];
    return rt_add(captured, ((val *)(unsigned long)argv)[0]);
}

static val fnv(aura_entry e, long long arity, const char *name) {
    return rt_closure_new((unsigned long long)(unsigned long)e, arity, name ? S(name) : AURA_NIL,
                          0);
}

/* ---- tests ----------------------------------------------------------------------------- */
/* Immediate floats (spec/abi.md, "Values"): +-0.0 and magnitudes in [2^-127, 2^129) are held in
 * the word (low bits 100), every other float is boxed; printing either gives back the same
 * double (the shortest text that round-trips). */
static void check_float_word(int line, double x, int immediate) {
    val v = F(x);
    unsigned long long want, got;
    double back = strtod(text(v), 0);
    memcpy(&want, &x, 8);
    memcpy(&got, &back, 8);
    checks++;
    if ((immediate ? (v & 7) != 4 : (v & 7) != 0 || v == 0) || (x == x && got != want)) {
        failures++;
        printf("line %d: %a as %#llx (immediate expected: %d), reads back %a\n", line, x, v,
               immediate, back);
    }
}
#define FW(x, imm) check_float_word(__LINE__, x, imm)

static void test_immediate_floats(void) {
    FW(0.0, 1);
    FW(-0.0, 1);
    FW(1.0, 1);
    FW(-1.5, 1);
    FW(0.1, 1);
    FW(0x1.8p-127, 1);
    FW(0x1.fffffffffffffp128, 1);
    FW(-0x1.fffffffffffffp128, 1);
    FW(0x1p-127, 0); /* its word would be 4, which is +0.0 */
    FW(-0x1p-127, 0);
    FW(0x1.fffffffffffffp-128, 0);
    FW(0x1p129, 0);
    FW(1e300, 0);
    FW(5e-324, 0);
    FW(1.0 / 0.0, 0);
    FW(-1.0 / 0.0, 0);
    FW(0.0 / 0.0, 0);
    T(CALL(type_of, F(0.0)), "float");
    T(CALL(type_of, F(1e300)), "float");
    OK((F(0.0) | 4) != 6 && (F(-0.0) | 4) != 6); /* truthy */
    T(rt_eq(F(0.0), F(-0.0)), "true");
    T(rt_add(F(1.5), F(2.25)), "3.75");
    OK((rt_add(F(1.5), F(2.25)) & 7) == 4);    /* canonical: a result that fits is immediate */
    OK((rt_mul(F(0x1p100), F(0x1p100)) & 7) == 0); /* leaves the range: boxed */
    T(rt_mul(F(0x1p100), F(0x1p100)), "1.6069380442589903e60");
    T(rt_div(F(0x1p200), F(0x1p100)), "1.2676506002282294e30");
    OK((rt_div(F(0x1p200), F(0x1p100)) & 7) == 4);
}

static void test_values_and_printing(void) {
    T(AURA_NIL, "nil");
    T(AURA_TRUE, "true");
    T(AURA_FALSE, "false");
    T(I(42), "42");
    T(I(-7), "-7");
    T(I(9223372036854775807LL), "9223372036854775807");
    T(I(-9223372036854775807LL - 1), "-9223372036854775808");
    OK((I(5) & 1) == 1 && I(5) == 11);
    OK((I(1LL << 62) & 7) == 0); /* boxed */
    OK(I((1LL << 62) - 1) & 1);  /* small */
    T(F(1.0), "1.0");
    T(F(0.1), "0.1");
    T(F(1e300), "1e300");
    T(F(-0.0), "-0.0");
    T(S("héllo"), "héllo");
    T(LIST(I(1), S("a"), AURA_NIL, F(2.5)), "[1, \"a\", nil, 2.5]");
    test_immediate_floats();
    T(LIST(S("q\"\n\\\t\x01")), "[\"q\\\"\\n\\\\\\t\\u0001\"]");
    val m = rt_map_new();
    rt_map_put(m, S("k"), F(1.5));
    rt_map_put(m, S("b"), LIST());
    T(m, "{\"k\": 1.5, \"b\": []}");
    T(rt_map_new(), "{}");
    /* cycles */
    val l = LIST(I(1));
    CALL(push, l, l);
    T(l, "[1, [...]]");
    val mm = rt_map_new();
    rt_map_put(mm, S("self"), mm);
    rt_map_put(mm, S("l"), LIST(mm));
    T(mm, "{\"self\": {...}, \"l\": [{...}]}");
    T(l, "[1, [...]]"); /* visit bits cleared */
    /* objects and fns */
    val o = rt_object_new(S("o"), AURA_NIL);
    T(o, "<object o>");
    val c = CALL(clone, o);
    T(c, "<object o>");
    T(CALL(clone, c), "<object o>");
    T(rt_object_new(AURA_NIL, AURA_NIL), "<object object>");
    T(fnv(echo_entry, 1, "named"), "<fn named>");
    T(fnv(echo_entry, 1, 0), "<fn>");
    T(rt_builtin_fn(0), "<fn print>");
    T(LIST(rt_builtin_fn(5), o), "[<fn len>, <object o>]");
    T(CALL(type_of, rt_builtin_fn(0)), "fn");
    T(CALL(type_of, o), "object");
    T(CALL(type_of, AURA_NIL), "nil");
    T(CALL(type_of, F(1)), "float");
    T(CALL(type_of, I(1LL << 62)), "int");
    T(CALL(type_of, AURA_TRUE), "bool");
    T(CALL(type_of, m), "map");
}

static void test_print_output(void) {
    out_len = 0;
    CALL(print, I(1), S("two"), LIST(S("three")));
    CALL(print);
    rt_finish();
    OK(out_len == strlen("1 two [\"three\"]\n\n") &&
       memcmp(out, "1 two [\"three\"]\n\n", out_len) == 0);
    /* large output goes through the buffer in order */
    out_len = 0;
    for (int i = 0; i < 20000; i++) CALL(print, I(i));
    rt_finish();
    char want[32];
    snprintf(want, sizeof want, "19999\n");
    OK(out_len > 100000 && memcmp(out + out_len - 6, want, 6) == 0);
    OK(memcmp(out, "0\n1\n2\n", 6) == 0);
    /* errors flush first */
    out_len = 0;
    CALL(print, S("before"));
    ERR(AURA_E_ERROR, CALL(error, S("boom")));
    OK(out_len == 7 && memcmp(out, "before\n", 7) == 0);
    OK(strcmp(fail_msg, "boom") == 0);
}

static void test_arith(void) {
    T(rt_add(I(2), I(3)), "5");
    T(rt_sub(I(2), I(3)), "-1");
    T(rt_mul(I(4), I(-3)), "-12");
    T(rt_div(I(7), I(2)), "3");
    T(rt_div(I(-7), I(2)), "-3");
    T(rt_mod(I(-7), I(2)), "-1");
    T(rt_mod(I(7), I(-2)), "1");
    T(rt_mod(I(-9223372036854775807LL - 1), I(-1)), "0");
    T(rt_add(I((1LL << 62) - 1), I(1)), "4611686018427387904");
    OK(rt_sub(rt_add(I((1LL << 62) - 1), I(1)), I(1)) == I((1LL << 62) - 1)); /* canonical */
    ERR(AURA_E_OVERFLOW, rt_add(I(9223372036854775807LL), I(1)));
    ERR(AURA_E_OVERFLOW, rt_mul(I(1LL << 40), I(1LL << 40)));
    ERR(AURA_E_OVERFLOW, rt_mul(I(3037000500LL), I(3037000500LL)));
    ERR(AURA_E_OVERFLOW, rt_mul(I(-3037000500LL), I(3037000500LL)));
    ERR(AURA_E_OVERFLOW, rt_mul(I(-9223372036854775807LL - 1), I(-1)));
    T(rt_mul(I(-(1LL << 32)), I(1LL << 31)), "-9223372036854775808");
    T(rt_mul(I(3037000499LL), I(-3037000499LL)), "-9223372030926249001");
    T(rt_mul(I(1LL << 31), I(1LL << 31)), "4611686018427387904");
    T(rt_mul(I(-5), I(7)), "-35");
    ERR(AURA_E_OVERFLOW, rt_div(I(-9223372036854775807LL - 1), I(-1)));
    ERR(AURA_E_OVERFLOW, rt_neg(I(-9223372036854775807LL - 1)));
    ERR(AURA_E_DIV_ZERO, rt_div(I(1), I(0)));
    ERR(AURA_E_DIV_ZERO, rt_mod(I(1), I(0)));
    T(rt_bitand(I(-12), I(10)), "0");
    T(rt_bitor(I(-12), I(10)), "-2");
    T(rt_bitxor(I(9223372036854775807LL), I(-1)), "-9223372036854775808");
    T(rt_bitnot(I(1LL << 62)), "-4611686018427387905");
    T(rt_shl(I(1), I(62)), "4611686018427387904");
    T(rt_shl(I(3), I(63)), "-9223372036854775808");
    T(rt_shl(I(1), I(64)), "0");
    T(rt_shr(I(-5), I(64)), "-1");
    T(rt_shr(I(-9223372036854775807LL - 1), I(62)), "-2");
    OK(rt_shr(I(1LL << 62), I(1)) == I(1LL << 61)); /* canonical: small again */
    ERR(AURA_E_TYPE, rt_shl(I(1), I(-1)));
    ERR(AURA_E_TYPE, rt_bitand(F(1), I(1)));
    ERR(AURA_E_TYPE, rt_bitnot(F(1)));
    T(rt_div(I(1), F(0.0)), "inf");
    T(rt_div(F(-1), I(0)), "-inf");
    T(rt_add(I(1), F(0.5)), "1.5");
    T(rt_mod(F(7.5), I(2)), "1.5");
    T(rt_mod(F(-7.5), F(2)), "-1.5");
    T(rt_mod(F(1), F(0)), "NaN");
    T(rt_mod(F(1e300), F(7)), "1.0");
    T(rt_mod(F(1e-310), F(3e-311)), "1.0000000000004e-311");
    T(rt_neg(F(0.0)), "-0.0");
    T(rt_neg(I(5)), "-5");
    T(rt_add(S("ab"), S("cd")), "abcd");
    /* `s = s + x` appends in place, without changing strings that share the buffer */
    val s0 = rt_add(S("start-"), S("0123456789012345678901234567890123456789012345678901234567890"));
    val s1 = rt_add(s0, S("x"));
    val s2 = rt_add(s0, S("y")); /* s0 is no longer the longest: a copy */
    val s3 = rt_add(s1, S("z"));
    OK(((unsigned long long *)(unsigned long)s1)[4] == ((unsigned long long *)(unsigned long)s0)[4]);
    OK(((unsigned long long *)(unsigned long)s2)[4] != ((unsigned long long *)(unsigned long)s0)[4]);
    T(CALL(len, s0), "67");
    T(CALL(slice, s1, I(-3)), "90x");
    T(CALL(slice, s2, I(-3)), "90y");
    T(CALL(slice, s3, I(-3)), "0xz");
    OK(rt_eq(s3, rt_add(s1, S("z"))) == AURA_TRUE);
    val doubled = rt_add(S(text(s3)), S(text(s3)));
    T(rt_add(s3, s3), strdup(text(doubled)));
    T(rt_add(S(""), S("é")), "é");
    T(CALL(len, rt_add(S("é"), S(""))), "1");
    val acc = S("");
    for (int i = 0; i < 20000; i++) acc = rt_add(acc, CALL(str, I(i % 10)));
    T(CALL(len, acc), "20000");
    T(CALL(slice, acc, I(-12)), "890123456789");
    T(rt_add(LIST(I(1)), LIST(I(2))), "[1, 2]");
    ERR(AURA_E_TYPE, rt_add(S("a"), I(1)));
    ERR(AURA_E_TYPE, rt_sub(S("a"), S("b")));
    ERR(AURA_E_TYPE, rt_neg(S("a")));
    ERR(AURA_E_TYPE, rt_add(AURA_NIL, I(1)));
    OK(strcmp(fail_msg, "cannot add nil and int") == 0);
    /* comparisons */
    OK(rt_lt(I(1), I(2)) == AURA_TRUE);
    OK(rt_lt(I(1), F(0.5)) == AURA_FALSE);
    OK(rt_ge(F(2), I(2)) == AURA_TRUE);
    OK(rt_lt(S("abc"), S("abd")) == AURA_TRUE);
    OK(rt_lt(S("ab"), S("abc")) == AURA_TRUE);
    OK(rt_gt(S("é"), S("z")) == AURA_TRUE);
    OK(rt_le(S("a"), S("a")) == AURA_TRUE);
    ERR(AURA_E_TYPE, rt_lt(I(1), S("a")));
    ERR(AURA_E_TYPE, rt_lt(AURA_NIL, AURA_NIL));
    /* equality */
    OK(rt_eq(I(1), F(1.0)) == AURA_TRUE);
    OK(rt_eq(I(9007199254740993LL), F(9007199254740992.0)) == AURA_FALSE);
    OK(rt_eq(I(1LL << 62), I(1LL << 62)) == AURA_TRUE);
    OK(rt_eq(S("a"), S("a")) == AURA_TRUE);
    OK(rt_ne(S("a"), S("b")) == AURA_TRUE);
    OK(rt_eq(LIST(I(1), LIST(S("x"))), LIST(I(1), LIST(S("x")))) == AURA_TRUE);
    OK(rt_eq(LIST(I(1)), LIST(I(2))) == AURA_FALSE);
    val nan = F(fl(0.0) / fl(0.0));
    OK(rt_eq(nan, nan) == AURA_FALSE);
    OK(rt_eq(AURA_NIL, AURA_FALSE) == AURA_FALSE);
    OK(rt_eq(AURA_NIL, AURA_NIL) == AURA_TRUE);
    val a = rt_map_new(), b = rt_map_new();
    rt_map_put(a, S("x"), I(1));
    rt_map_put(a, S("y"), I(2));
    rt_map_put(b, S("y"), F(2));
    rt_map_put(b, S("x"), I(1));
    OK(rt_eq(a, b) == AURA_TRUE);
    OK(rt_eq(rt_object_new(AURA_NIL, AURA_NIL), rt_object_new(AURA_NIL, AURA_NIL)) == AURA_FALSE);
    OK(rt_eq(rt_builtin_fn(3), rt_builtin_fn(3)) == AURA_TRUE);
    /* cyclic lists compare without looping */
    val c1 = LIST(I(1)), c2 = LIST(I(1));
    CALL(push, c1, c1);
    CALL(push, c2, c2);
    OK(rt_eq(c1, c2) == AURA_TRUE);
    /* deep sharing stays fast */
    val d1 = LIST(), d2 = LIST();
    for (int i = 0; i < 60; i++) {
        d1 = LIST(d1, d1);
        d2 = LIST(d2, d2);
    }
    OK(rt_eq(d1, d2) == AURA_TRUE);
}

static void test_strings(void) {
    val s = S("añb€c");
    T(CALL(len, s), "5");
    T(rt_index(s, I(1)), "ñ");
    T(rt_index(s, I(3)), "€");
    ERR(AURA_E_INDEX, rt_index(s, I(5)));
    ERR(AURA_E_INDEX, rt_index(s, I(-1)));
    ERR(AURA_E_TYPE, rt_index(s, S("x")));
    ERR(AURA_E_TYPE, rt_index_set(s, I(0), S("x")));
    T(CALL(slice, s, I(1), I(4)), "ñb€");
    T(CALL(slice, s, I(-2)), "€c");
    T(CALL(slice, s, I(3), I(1)), "");
    T(CALL(slice, S("hello"), I(1), AURA_NIL), "ello");
    T(CALL(slice, LIST(I(1), I(2), I(3)), I(-2)), "[2, 3]");
    ERR(AURA_E_TYPE, CALL(slice, I(1), I(1)));
    T(CALL(split, S("a,b,,c"), S(",")), "[\"a\", \"b\", \"\", \"c\"]");
    T(CALL(split, S("  a b\t c\n")), "[\"a\", \"b\", \"c\"]");
    T(CALL(split, S("añ"), S("")), "[\"a\", \"ñ\"]");
    T(CALL(split, S(""), S(",")), "[\"\"]");
    T(CALL(join, LIST(S("a"), I(1), LIST(S("x"))), S("-")), "a-1-[\"x\"]");
    T(CALL(join, LIST(S("a"), S("b"))), "ab");
    T(CALL(upper, S("abcé")), "ABCé");
    T(CALL(lower, S("ABC")), "abc");
    T(CALL(trim, S(" \t x y \n")), "x y");
    T(CALL(trim, S("\xe3\x80\x80z\xc2\xa0")), "z");
    T(CALL(find, S("añb€c"), S("€")), "3");
    T(CALL(find, S("abc"), S("x")), "-1");
    T(CALL(find, S("abc"), S("")), "0");
    T(CALL(str, I(12)), "12");
    T(CALL(str, S("s")), "s");
    T(CALL(str, F(2)), "2.0");
    T(CALL(int, S(" -42 ")), "-42");
    T(CALL(int, S("+7")), "7");
    T(CALL(int, F(-3.9)), "-3");
    T(CALL(int, AURA_TRUE), "1");
    ERR(AURA_E_TYPE, CALL(int, S("1.5")));
    ERR(AURA_E_TYPE, CALL(int, S("")));
    ERR(AURA_E_TYPE, CALL(int, S("99999999999999999999")));
    ERR(AURA_E_TYPE, CALL(int, F(1e300)));
    ERR(AURA_E_TYPE, CALL(int, AURA_NIL));
    T(CALL(float, S(" 2.5 ")), "2.5");
    T(CALL(float, S(".5")), "0.5");
    T(CALL(float, S("5.")), "5.0");
    T(CALL(float, S("-1e3")), "-1000.0");
    T(CALL(float, S("inf")), "inf");
    T(CALL(float, S("-Infinity")), "-inf");
    T(CALL(float, S("NaN")), "NaN");
    T(CALL(float, I(3)), "3.0");
    ERR(AURA_E_TYPE, CALL(float, S("1e")));
    ERR(AURA_E_TYPE, CALL(float, S(".")));
    ERR(AURA_E_TYPE, CALL(float, S("1_0")));
    /* for-loop iteration over a string */
    val it = rt_iter(S("xé"));
    OK(rt_iter_len(it) == 2);
    T(rt_iter_get(it, 1), "é");
}

static void test_lists_and_maps(void) {
    val l = LIST(I(1), I(2), I(3));
    T(rt_index(l, I(2)), "3");
    rt_index_set(l, I(0), S("x"));
    T(l, "[\"x\", 2, 3]");
    ERR(AURA_E_INDEX, rt_index(l, I(3)));
    ERR(AURA_E_INDEX, rt_index_set(l, I(-1), I(0)));
    ERR(AURA_E_TYPE, rt_index(l, F(1)));
    for (int i = 0; i < 100; i++) CALL(push, l, I(i));
    T(CALL(len, l), "103");
    T(CALL(pop, l), "99");
    T(CALL(remove, l, I(0)), "x");
    T(CALL(slice, l, I(0), I(3)), "[2, 3, 0]");
    ERR(AURA_E_INDEX, CALL(pop, LIST()));
    ERR(AURA_E_TYPE, CALL(push, S("a"), I(1)));
    T(CALL(range, I(4)), "[0, 1, 2, 3]");
    T(CALL(range, I(2), I(5)), "[2, 3, 4]");
    T(CALL(range, I(5), I(0), I(-2)), "[5, 3, 1]");
    T(CALL(range, I(0), I(5), I(3)), "[0, 3]");
    T(CALL(range, I(5), I(0)), "[]");
    ERR(AURA_E_TYPE, CALL(range, I(0), I(5), I(0)));
    ERR(AURA_E_TYPE, CALL(range, F(1)));
    T(CALL(min, I(3), F(1.5), I(2)), "1.5");
    T(CALL(max, LIST(I(3), I(7), I(2))), "7");
    T(CALL(max, S("a"), S("c"), S("b")), "c");
    T(CALL(min, I(4)), "4");
    ERR(AURA_E_TYPE, CALL(min, LIST()));
    ERR(AURA_E_TYPE, CALL(min, I(1), S("a")));
    ERR(AURA_E_TYPE, CALL(max, AURA_TRUE));
    /* maps: insertion order, overwrite, remove keeps order, index grows */
    val m = rt_map_new();
    for (int i = 0; i < 50; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        rt_map_put(m, S(k), I(i));
    }
    T(CALL(len, m), "50");
    T(rt_index(m, S("k37")), "37");
    T(rt_field(m, S("k3")), "3");
    T(rt_index(m, S("nope")), "nil");
    for (int i = 0; i < 50; i += 2) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        T(CALL(remove, m, S(k)), k + 1);
    }
    T(CALL(len, m), "25");
    T(CALL(remove, m, S("k0")), "nil");
    T(CALL(has, m, S("k1")), "true");
    T(CALL(has, m, S("k2")), "false");
    rt_map_put(m, S("k2"), S("again"));
    for (int i = 50; i < 80; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        rt_map_put(m, S(k), I(i));
    }
    val ks = CALL(keys, m);
    T(CALL(len, ks), "56");
    T(rt_index(ks, I(0)), "k1");
    T(rt_index(ks, I(24)), "k49");
    T(rt_index(ks, I(25)), "k2");
    T(rt_index(ks, I(26)), "k50");
    T(rt_index(m, S("k2")), "again");
    T(rt_index(m, S("k79")), "79");
    val small = rt_map_new();
    rt_map_put(small, S("a"), I(1));
    rt_map_put(small, S("b"), I(2));
    rt_map_put(small, S("a"), I(3));
    CALL(remove, small, S("a"));
    rt_map_put(small, S("a"), I(4));
    T(small, "{\"b\": 2, \"a\": 4}");
    rt_field_set(small, S("c"), AURA_NIL);
    T(small, "{\"b\": 2, \"a\": 4, \"c\": nil}");
    T(CALL(clone, small), "{\"b\": 2, \"a\": 4, \"c\": nil}");
    OK(rt_eq(CALL(clone, small), small) == AURA_TRUE);
    ERR(AURA_E_TYPE, rt_index(small, I(0)));
    ERR(AURA_E_TYPE, CALL(has, small, I(0)));
    ERR(AURA_E_TYPE, CALL(keys, LIST()));
    ERR(AURA_E_TYPE, rt_field(I(1), S("x")));
    ERR(AURA_E_TYPE, rt_index(I(1), I(0)));
    /* iteration: keys snapshot */
    val it = rt_iter(small);
    rt_map_put(small, S("d"), I(0));
    OK(rt_iter_len(it) == 3);
    OK(rt_iter(l) == l);
    ERR(AURA_E_TYPE, rt_iter(I(3)));
    OK(rt_range_arg(I(3)) == I(3));
    ERR(AURA_E_TYPE, rt_range_arg(F(3)));
}

static val dnu_entry(val env, val self, val argc, val argv) {
    (void)env;
    (void)self;
    val *a = (val *)(unsigned long)argv;
    val parts[3] = {S("dnu"), a[0], argc == 2 ? a[1] : AURA_NIL};
    return rt_list_new(3, (unsigned long long)(unsigned long)parts);
}

static void test_objects_and_calls(void) {
    val base = rt_object_new(S("base"), AURA_NIL);
    rt_field_set(base, S("count"), I(0));
    rt_field_set(base, S("m"), fnv(echo_entry, 1, "m"));
    val child = rt_object_new(S("child"), AURA_NIL);
    rt_set_proto(child, base);
    T(rt_field(child, S("count")), "0");
    T(rt_field(child, S("missing")), "nil");
    rt_field_set(child, S("count"), I(5));
    T(rt_field(child, S("count")), "5");
    T(rt_field(base, S("count")), "0");
    T(CALL(slots, child), "[\"count\"]");
    T(CALL(slots, base), "[\"count\", \"m\"]");
    T(CALL(proto, child), "<object base>");
    T(CALL(proto, base), "nil");
    T(CALL(has, child, S("m")), "true");
    T(rt_index(child, S("count")), "5");
    rt_index_set(child, S("z"), I(1));
    T(rt_field(child, S("z")), "1");
    /* sends */
    T(rt_send(child, S("m"), 1, ARGV(I(9))), "[<object child>, 1, 9]");
    ERR(AURA_E_TYPE, rt_send(child, S("count"), 0, 0));
    ERR(AURA_E_DNU, rt_send(child, S("nope"), 0, 0));
    OK(strcmp(fail_msg, "child does not understand `nope`") == 0);
    rt_field_set(base, S("does_not_understand"), fnv(dnu_entry, 2, 0));
    T(rt_send(child, S("nope"), 2, ARGV(I(1), S("a"))), "[\"dnu\", \"nope\", [1, \"a\"]]");
    val m = rt_map_new();
    rt_map_put(m, S("f"), fnv(echo_entry, 1, 0));
    T(rt_send(m, S("f"), 1, ARGV(I(2))), "[{\"f\": <fn>}, 1, 2]");
    ERR(AURA_E_DNU, rt_send(m, S("g"), 0, 0));
    ERR(AURA_E_DNU, rt_send(S("s"), S("upper"), 0, 0));
    ERR(AURA_E_DNU, rt_send(AURA_NIL, S("x"), 0, 0));
    /* calls */
    T(rt_call(fnv(echo_entry, 1, 0), AURA_NIL, 1, ARGV(I(3))), "[nil, 1, 3]");
    ERR(AURA_E_TYPE, rt_call(I(1), AURA_NIL, 0, 0));
    val cell = rt_cell_new(I(10));
    val add = rt_closure_new((unsigned long long)(unsigned long)adder_entry, 1, S("add"), 1);
    ((val *)(unsigned long)add)[5] = cell;
    T(rt_call(add, AURA_NIL, 1, ARGV(I(5))), "15");
    ((val *)(unsigned long)cell)[1] = I(20);
    T(rt_call(add, AURA_NIL, 1, ARGV(I(5))), "25");
    ERR(AURA_E_TYPE, rt_call(add, AURA_NIL, 0, 0));
    OK(strcmp(fail_msg, "fn add expects 1 argument, got 0") == 0);
    /* builtin values */
    val len = rt_builtin_fn(5);
    OK(len == rt_builtin_fn(5));
    T(rt_call(len, AURA_NIL, 1, ARGV(S("abc"))), "3");
    ERR(AURA_E_TYPE, rt_call(len, AURA_NIL, 2, ARGV(S("abc"), I(1))));
    OK(strcmp(fail_msg, "len() expects 1 argument, got 2") == 0);
    ERR(AURA_E_TYPE, rt_call(rt_builtin_fn(11), AURA_NIL, 1, ARGV(S("abc"))));
    OK(strcmp(fail_msg, "slice() expects 2 or 3 arguments, got 1") == 0);
    ERR(AURA_E_TYPE, rt_call(rt_builtin_fn(19), AURA_NIL, 0, 0));
    OK(strcmp(fail_msg, "min() expects at least 1 arguments, got 0") == 0);
    T(rt_call(rt_builtin_fn(19), AURA_NIL, 2, ARGV(I(4), I(2))), "2");
    /* a builtin stored in an object slot is callable by send */
    rt_field_set(base, S("size"), len);
    T(rt_send(child, S("size"), 1, ARGV(S("xy"))), "2");
    /* misc builtins */
    ERR(AURA_E_ASSERT, CALL(assert, AURA_FALSE));
    ERR(AURA_E_ASSERT, CALL(assert, AURA_NIL, S("msg")));
    OK(strcmp(fail_msg, "msg") == 0);
    T(CALL(assert, I(0)), "nil");
    ERR(AURA_E_TYPE, CALL(__type_error, S("bad")));
    T(CALL(floor, F(-2.5)), "-3");
    T(CALL(floor, F(2.5)), "2");
    T(CALL(floor, I(7)), "7");
    ERR(AURA_E_TYPE, CALL(floor, F(1.0 / 0.0)));
    T(CALL(sqrt, I(16)), "4.0");
    T(CALL(sqrt, F(2)), "1.4142135623730951");
    ERR(AURA_E_STACK, rt_stack_overflow());
    OK(strcmp(fail_msg, "more than 10000 nested calls") == 0);
    rt_set_max_depth(77);
    OK(rt_max_depth() == 77);
    rt_set_max_depth(10000);
}

static void test_json(int real_sha) {
    val m = rt_map_new();
    rt_map_put(m, S("a"), LIST(I(1), F(2.5), AURA_NIL, AURA_TRUE));
    rt_map_put(m, S("s"), S("q\"é\n"));
    T(CALL(json_encode, m), "{\"a\":[1,2.5,null,true],\"s\":\"q\\\"é\\n\"}");
    T(CALL(json_encode, F(1e300)), "1e300");
    ERR(AURA_E_JSON, CALL(json_encode, F(1.0 / 0.0)));
    ERR(AURA_E_JSON, CALL(json_encode, rt_object_new(AURA_NIL, AURA_NIL)));
    ERR(AURA_E_JSON, CALL(json_encode, rt_builtin_fn(0)));
    val cyc = LIST();
    CALL(push, cyc, cyc);
    ERR(AURA_E_JSON, CALL(json_encode, cyc));
    T(CALL(json_decode, S(" {\"b\": [1, -0, 2.5, 1e2, -0.0, null, true, false], \"a\": {}} ")),
      "{\"b\": [1, 0, 2.5, 100.0, -0.0, nil, true, false], \"a\": {}}");
    T(CALL(json_decode, S("\"\\u00e9\\ud83d\\ude00\\n\\/\"")), "é😀\n/");
    T(CALL(json_decode, S("99999999999999999999")), "1e20");
    T(CALL(json_decode, S("-9223372036854775808")), "-9223372036854775808");
    T(CALL(json_decode, S("{\"k\":1,\"k\":2}")), "{\"k\": 2}");
    T(CALL(type_of, CALL(json_decode, S("1.0"))), "float");
    ERR(AURA_E_JSON, CALL(json_decode, S("")));
    ERR(AURA_E_JSON, CALL(json_decode, S("[1,]")));
    ERR(AURA_E_JSON, CALL(json_decode, S("01")));
    ERR(AURA_E_JSON, CALL(json_decode, S("{a:1}")));
    ERR(AURA_E_JSON, CALL(json_decode, S("\"\\ud800\"")));
    ERR(AURA_E_JSON, CALL(json_decode, S("tru")));
    ERR(AURA_E_JSON, CALL(json_decode, S("1 2")));
    ERR(AURA_E_JSON, CALL(json_decode, S("\"a\nb\"")));
    ERR(AURA_E_TYPE, CALL(json_decode, I(1)));
    if (real_sha) {
        T(CALL(sha256, S("abc")),
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        T(CALL(sha256, S("")),
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}

static void test_deep_nesting(void) {
    val a = LIST(), b = LIST();
    for (int i = 0; i < 9990; i++) {
        a = LIST(a);
        b = LIST(b);
    }
    OK(rt_eq(a, b) == AURA_TRUE);
    OK(((unsigned long long *)(unsigned long)CALL(str, a))[1] == 19982);
    val enc = CALL(json_encode, a);
    OK(rt_eq(CALL(json_decode, enc), a) == AURA_TRUE);
    /* (an error ends the run, so visit bits left on `a` by the first would not matter) */
    for (int i = 0; i < 20; i++) {
        a = LIST(a);
        b = LIST(b);
    }
    ERR(AURA_E_STACK, CALL(str, a));
    ERR(AURA_E_STACK, CALL(json_encode, b));
}

static void test_capabilities(void) {
    next_response = "{\"ok\":{\"v\":[1,2]}}";
    T(rt_capability(S("store"), S("get"), 1, ARGV(S("key"))), "{\"v\": [1, 2]}");
    OK(strcmp(last_request, "{\"method\":\"get\",\"args\":[\"key\"]}") == 0);
    next_response = "{\"ok\":null}";
    rt_capability(S("store"), S("set"), 2, ARGV(S("k"), LIST(I(1), S("x"))));
    OK(strcmp(last_request, "{\"method\":\"set\",\"args\":[\"k\",[1,\"x\"]]}") == 0);
    rt_capability(S("log"), S("info"), 1, ARGV(LIST(S("x"))));
    OK(strcmp(last_request, "{\"method\":\"info\",\"args\":[\"[\\\"x\\\"]\"]}") == 0);
    next_response = "{\"error\":\"does not understand\",\"message\":\"store does not understand `x`\"}";
    ERR(AURA_E_DNU, rt_capability(S("store"), S("x"), 0, 0));
    OK(strcmp(fail_msg, "store does not understand `x`") == 0);
    next_response = "{\"error\":\"type error\",\"message\":\"m\"}";
    ERR(AURA_E_TYPE, rt_capability(S("clock"), S("now"), 1, ARGV(I(1))));
    /* a capability as a value */
    val store = rt_capability(S("store"), AURA_NIL, 0, 0);
    OK(store == rt_capability(S("store"), AURA_NIL, 0, 0));
    OK(rt_eq(store, rt_capability(S("log"), AURA_NIL, 0, 0)) == AURA_FALSE);
    T(store, "<object store>");
    T(LIST(store), "[<object store>]");
    T(CALL(type_of, store), "object");
    next_response = "{\"ok\":7}";
    T(rt_send(store, S("get"), 1, ARGV(S("k"))), "7");
    OK(strcmp(last_request, "{\"method\":\"get\",\"args\":[\"k\"]}") == 0);
    ERR(AURA_E_JSON, CALL(json_encode, store));
    ERR(AURA_E_TYPE, rt_field(store, S("get")));
    ERR(AURA_E_TYPE, CALL(proto, store));
    OK(CALL(clone, store) == store);
    /* a long answer: the runtime retries with a bigger buffer */
    static char big[20000];
    strcpy(big, "{\"ok\":\"");
    memset(big + 7, 'z', 10000);
    strcpy(big + 10007, "\"}");
    next_response = big;
    T(CALL(len, rt_capability(S("store"), S("get"), 1, ARGV(S("k")))), "10000");
    next_response = "{\"ok\":null}";
}

static void test_out_of_memory(void) {
    /* A fresh region of 16 MiB (4 of them the argument stack, 4 the shadow stack) fills up. */
    unsigned char *saved = aura_heap_base;
    unsigned long long saved_size = aura_heap_size;
    aura_heap_size = 16u << 20;
    rt_start(0);
    val l = LIST();
    ERR(AURA_E_MEMORY, ({
            for (;;) CALL(push, l, I(1));
            0;
        }));
    aura_heap_base = saved;
    aura_heap_size = saved_size;
    rt_start(0);
}

/* The collector, driven as compiled code drives it: values on the shadow stack, a hook that
 * raises a flag when a collection is due, a collection whenever the flag says so. */
static val *shadow;
static int nshadow;
static int gc_due;

static val gc_request(val env, val self, val argc, val argv) {
    (void)env, (void)self, (void)argc, (void)argv;
    gc_due = 1;
    return AURA_NIL;
}

static void safepoint(void) {
    if (gc_due) {
        gc_due = 0;
        rt_gc_collect((unsigned long long)(unsigned long)(shadow + nshadow), rt_arg_stack() + 8);
    }
}

static void collect_now(void) {
    rt_gc_collect((unsigned long long)(unsigned long)(shadow + nshadow), rt_arg_stack() + 8);
}

static val item(long long i) {
    val n = CALL(str, I(i));
    return rt_add(S("item-"), n);
}

static void test_collector(void) {
    rt_start(0);
    shadow = (val *)(unsigned long)rt_shadow_stack();
    nshadow = 0;
    OK(rt_shadow_limit() > rt_shadow_stack() + (1u << 20));
    gc_due = 0;
    rt_gc_hook((unsigned long long)(unsigned long)gc_request);
    OK(gc_due == 0);
    /* Live data: a list of strings, a map, a cycle of objects with a prototype, a closure
     * capturing a cell, a string grown in place. */
    val keep = LIST();
    shadow[nshadow++] = keep;
    val map = rt_map_new();
    shadow[nshadow++] = map;
    val proto = rt_object_new(AURA_NIL, AURA_NIL);
    rt_field_set(proto, S("kind"), S("proto"));
    val a = rt_object_new(AURA_NIL, proto), b = rt_object_new(AURA_NIL, proto);
    rt_field_set(a, S("next"), b);
    rt_field_set(b, S("next"), a);
    shadow[nshadow++] = a;
    val cell = rt_cell_new(I(40));
    val adder = rt_closure_new((unsigned long long)(unsigned long)adder_entry, 1, S("adder"), 1);
    ((val *)(unsigned long)adder)[5] = cell;
    shadow[nshadow++] = adder;
    val grown = S("");
    shadow[nshadow++] = grown;
    /* The argument stack is a root too. */
    val *args = (val *)(unsigned long)rt_arg_stack();
    args[0] = LIST(F(1.5), I(1LL << 62));
    for (long long i = 0; i < 300000; i++) {
        val s = item(i);
        val garbage = LIST(s, I(i), F(0.5));
        val m = rt_map_new();
        rt_map_put(m, S("self"), m);
        rt_map_put(m, S("list"), garbage);
        CALL(push, garbage, m); /* a cycle: list -> map -> list */
        if (i % 100 == 0) {
            CALL(push, keep, s);
            rt_index_set(map, s, I(i));
            grown = rt_add(grown, S("ab"));
            shadow[nshadow - 1] = grown;
        }
        safepoint();
    }
    collect_now();
    unsigned long long cycles = rt_gc_stat(0);
    OK(cycles >= 5);
    /* Memory follows the live data: a few MiB of pages, not the ~100 MiB allocated. */
    OK(rt_gc_stat(2) < (24u << 20));
    OK(rt_gc_stat(1) < (2u << 20));
    T(CALL(len, keep), "3000");
    T(rt_index(keep, I(2999)), "item-299900");
    T(rt_index(map, S("item-1200")), "1200");
    T(CALL(len, map), "3000");
    T(rt_field(rt_field(rt_field(a, S("next")), S("next")), S("kind")), "proto");
    OK(rt_field(rt_field(a, S("next")), S("next")) == a);
    T(rt_call(adder, AURA_NIL, 1, ARGV(I(2))), "42");
    T(CALL(len, grown), "6000");
    T(args[0], "[1.5, 4611686018427387904]");
    /* Dropped roots are collected: the list of 3000 strings and the map go. */
    unsigned long long before = rt_gc_stat(1);
    nshadow = 2; /* keep, map stay; the cycle, the closure and the string go */
    collect_now();
    OK(rt_gc_stat(1) < before);
    nshadow = 0;
    args[0] = AURA_NIL;
    collect_now();
    OK(rt_gc_stat(1) < 4096);
    /* Blocks of every size, large ones included, come back after a collection. */
    for (int round = 0; round < 3; round++) {
        for (unsigned long long n = 1; n < (1u << 20); n = n * 3 + 5) {
            val l = rt_list_new(0, 0);
            for (unsigned long long k = 0; k < n / 64 + 1; k++) CALL(push, l, I((long long)k));
        }
        collect_now();
    }
    unsigned long long pages = rt_gc_stat(2);
    for (int round = 0; round < 3; round++) {
        for (unsigned long long n = 1; n < (1u << 20); n = n * 3 + 5) {
            val l = rt_list_new(0, 0);
            for (unsigned long long k = 0; k < n / 64 + 1; k++) CALL(push, l, I((long long)k));
        }
        collect_now();
    }
    OK(rt_gc_stat(2) == pages);
    /* --max-memory caps the live heap after a collection. */
    rt_set_max_memory(1u << 20);
    shadow[nshadow++] = rt_list_new(0, 0);
    ERR(AURA_E_MEMORY, ({
            for (;;) {
                CALL(push, shadow[0], CALL(str, I(123456789)));
                safepoint();
            }
            0;
        }));
    OK(strcmp(fail_msg, "the program used more memory than allowed") == 0);
    rt_set_max_memory(0);
    rt_start(0);
}

int main(int argc, char **argv) {
    int real_sha = argc > 1 && strcmp(argv[1], "--real-num") == 0;
    aura_heap_size = 512u << 20;
    aura_heap_base = malloc(aura_heap_size);
    rt_start(0);
    OK(rt_arg_stack() != 0 && rt_arg_stack() % 8 == 0);
    OK(rt_max_depth() == 10000);
    test_values_and_printing();
    test_print_output();
    test_arith();
    test_strings();
    test_lists_and_maps();
    test_objects_and_calls();
    test_json(real_sha);
    test_deep_nesting();
    test_capabilities();
    test_out_of_memory();
    test_collector();
    (void)argv_of;
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
