/* Bit operators on ints (`& | ^ ~ << >>`): 64-bit two's complement, on small and boxed ints
 * alike. The lowering inlines the small-int cases; these are the slow paths and accept any
 * values. Shift counts: 64 or more shifts everything out (`<<` gives 0, `>>` the sign), a
 * negative count is a type error (spec/language.md). */
#include "rt_internal.h"

__attribute__((noreturn)) static void bit_mismatch(const char *verb, val a, val b) {
    Sb *e = err_begin();
    sb_cstr(e, "cannot ");
    sb_cstr(e, verb);
    sb_cstr(e, " ");
    sb_cstr(e, type_name(a));
    sb_cstr(e, " and ");
    sb_cstr(e, type_name(b));
    err_raise(AURA_E_TYPE);
}

static void check_ints(const char *verb, val a, val b) {
    if (!is_int(a) || !is_int(b)) bit_mismatch(verb, a, b);
}

val rt_bitand(val a, val b) {
    check_ints("bitwise-and", a, b);
    return mk_int(int_of(a) & int_of(b));
}

val rt_bitor(val a, val b) {
    check_ints("bitwise-or", a, b);
    return mk_int(int_of(a) | int_of(b));
}

val rt_bitxor(val a, val b) {
    check_ints("bitwise-xor", a, b);
    return mk_int(int_of(a) ^ int_of(b));
}

val rt_bitnot(val a) {
    if (!is_int(a)) type_error2("cannot bitwise-not a ", type_name(a), "");
    return mk_int(~int_of(a));
}

/* The count of a shift, checked not negative. */
static i64 shift_count(val a, val b) {
    check_ints("shift", a, b);
    i64 n = int_of(b);
    if (n < 0) {
        Sb *e = err_begin();
        sb_cstr(e, "negative shift count ");
        sb_int(e, n);
        err_raise(AURA_E_TYPE);
    }
    return n;
}

val rt_shl(val a, val b) {
    i64 n = shift_count(a, b);
    if (n >= 64) return mk_int(0);
    return mk_int((i64)((u64)int_of(a) << n));
}

val rt_shr(val a, val b) {
    i64 n = shift_count(a, b);
    i64 x = int_of(a);
    if (n >= 64) return mk_int(x < 0 ? -1 : 0);
    return mk_int(x >> n);
}
