/* The little libm the runtime needs, without libc: trunc, floor, sqrt, fmod. */
#include "rt_internal.h"

static double from_bits(u64 i) {
    union {
        u64 i;
        double d;
    } u;
    u.i = i;
    return u.d;
}

/* Clears the fraction bits below the binary point. */
double rt_trunc(double x) {
    u64 i = bits_of(x);
    int e = (int)((i >> 52) & 0x7ff) - 1023;
    if (e >= 52) return x; /* integral, inf or NaN */
    if (e < 0) return from_bits(i & (1ULL << 63)); /* |x| < 1: a signed zero */
    u64 m = 0x000fffffffffffffULL >> e;
    return from_bits(i & ~m);
}

double rt_floor(double x) {
    double t = rt_trunc(x);
    if (t > x) t -= 1.0; /* only for negative non-integral x */
    return t;
}

double rt_sqrt(double x) {
#if defined(__wasm__)
    return __builtin_sqrt(x); /* f64.sqrt */
#elif defined(__x86_64__)
    double r;
    __asm__("sqrtsd %1, %0" : "=x"(r) : "x"(x));
    return r;
#else
    /* Newton's method: only for other targets, not built in practice. */
    if (!(x > 0) || x != x || x - x != 0) return x == 0 || x - x != 0 ? x : (x - x) / (x - x);
    double r = x > 1 ? x / 2 : 1;
    for (int i = 0; i < 200; i++) r = (r + x / r) / 2;
    return r;
#endif
}

/* fmod by integer long division of the mantissas (the algorithm of musl's fmod). */
double rt_fmod(double x, double y) {
    u64 uxi = bits_of(x), uyi = bits_of(y), i;
    int ex = (int)(uxi >> 52 & 0x7ff), ey = (int)(uyi >> 52 & 0x7ff);
    u64 sx = uxi >> 63;
    if (uyi << 1 == 0 || y != y || ex == 0x7ff) return (x * y) / (x * y);
    if (uxi << 1 <= uyi << 1) {
        if (uxi << 1 == uyi << 1) return 0 * x;
        return x;
    }
    if (!ex) {
        for (i = uxi << 12; i >> 63 == 0; ex--, i <<= 1) {
        }
        uxi <<= -ex + 1;
    } else {
        uxi &= -1ULL >> 12;
        uxi |= 1ULL << 52;
    }
    if (!ey) {
        for (i = uyi << 12; i >> 63 == 0; ey--, i <<= 1) {
        }
        uyi <<= -ey + 1;
    } else {
        uyi &= -1ULL >> 12;
        uyi |= 1ULL << 52;
    }
    for (; ex > ey; ex--) {
        i = uxi - uyi;
        if (i >> 63 == 0) {
            if (i == 0) return 0 * x;
            uxi = i;
        }
        uxi <<= 1;
    }
    i = uxi - uyi;
    if (i >> 63 == 0) {
        if (i == 0) return 0 * x;
        uxi = i;
    }
    for (; uxi >> 52 == 0; uxi <<= 1, ex--) {
    }
    if (ex > 0) {
        uxi -= 1ULL << 52;
        uxi |= (u64)ex << 52;
    } else {
        uxi >>= -ex + 1;
    }
    uxi |= sx << 63;
    return from_bits(uxi);
}
