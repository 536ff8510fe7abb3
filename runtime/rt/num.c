/* Float printing and parsing for the Aura runtime, freestanding (no libc, no headers).
 *
 * rt_fmt_f64 prints exactly what Rust's `{:?}` prints for f64. Rust's shortest digits come
 * from Grisu with a Dragon fallback, and both agree with the Dragon (Burger & Dybvig) shortest
 * algorithm in core::num::flt2dec::strategy::dragon, so that algorithm is reproduced here with
 * exact bignums, including Rust's decoding of the rounding interval (see decode below) and its
 * tie rule (round the last digit up on an exact tie).
 *
 * rt_parse_f64 is correctly rounded (round half to even) for any number of digits: a fast path
 * for short inputs that one correctly rounded double operation handles exactly, else an exact
 * big-integer division producing 54+ quotient bits plus a sticky bit. */

#include "num.h"

typedef unsigned int u32;
typedef unsigned long long u64;

/* ---------------------------------------------------------------- bignums */

/* Little-endian 32-bit limbs. BIG_LIMBS covers the parser's worst case: up to MAX_DIGITS
 * decimal digits divided by 10^(MAX_DIGITS + 325), shifted by ~60 bits (about 3900 bits).
 * Printing needs at most ~1140 bits. Bignums live on the stack (about 4 KB for printing,
 * 2.5 KB for parsing) so that both functions are reentrant. MAX_DIGITS: a halfway point
 * between two doubles has at most 767 significant digits, so digits beyond 800 only matter
 * as a sticky "the value is a little larger" bit. */
#define BIG_LIMBS 136
#define MAX_DIGITS 800

typedef struct {
    int len; /* limbs in use; d[len-1] != 0 unless len == 0 */
    u32 d[BIG_LIMBS];
} big;

static void big_set_u64(big *a, u64 v) {
    a->len = 0;
    while (v) {
        a->d[a->len++] = (u32)v;
        v >>= 32;
    }
}

static void big_copy(big *dst, const big *src) {
    int i;
    dst->len = src->len;
    for (i = 0; i < src->len; i++) dst->d[i] = src->d[i];
}

static void big_trim(big *a) {
    while (a->len > 0 && a->d[a->len - 1] == 0) a->len--;
}

static void big_mul_small(big *a, u32 m) {
    u64 carry = 0;
    int i;
    for (i = 0; i < a->len; i++) {
        u64 t = (u64)a->d[i] * m + carry;
        a->d[i] = (u32)t;
        carry = t >> 32;
    }
    if (carry && a->len < BIG_LIMBS) a->d[a->len++] = (u32)carry;
    big_trim(a);
}

static void big_add_small(big *a, u32 v) {
    u64 carry = v;
    int i;
    for (i = 0; i < a->len && carry; i++) {
        u64 t = (u64)a->d[i] + carry;
        a->d[i] = (u32)t;
        carry = t >> 32;
    }
    if (carry && a->len < BIG_LIMBS) a->d[a->len++] = (u32)carry;
}

static void big_mul_pow10(big *a, int n) {
    static const u32 p10[10] = {1u,      10u,      100u,      1000u,      10000u,
                                100000u, 1000000u, 10000000u, 100000000u, 1000000000u};
    while (n >= 9) {
        big_mul_small(a, p10[9]);
        n -= 9;
    }
    if (n > 0) big_mul_small(a, p10[n]);
}

static void big_shl(big *a, int n) {
    int words = n / 32, bits = n % 32, i;
    if (a->len == 0) return;
    if (a->len + words + 1 > BIG_LIMBS) return; /* callers stay within bounds */
    a->d[a->len + words] = 0;
    for (i = a->len - 1; i >= 0; i--) {
        u32 v = a->d[i];
        if (bits) {
            a->d[i + words + 1] |= v >> (32 - bits);
            a->d[i + words] = v << bits;
        } else {
            a->d[i + words] = v;
        }
    }
    for (i = 0; i < words; i++) a->d[i] = 0;
    a->len += words + 1;
    big_trim(a);
}

static void big_shr1(big *a) {
    int i;
    for (i = 0; i < a->len; i++) {
        u32 hi = (i + 1 < a->len) ? a->d[i + 1] : 0;
        a->d[i] = (a->d[i] >> 1) | (hi << 31);
    }
    big_trim(a);
}

static int big_cmp(const big *a, const big *b) {
    int i;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    for (i = a->len - 1; i >= 0; i--) {
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    }
    return 0;
}

/* a += b */
static void big_add(big *a, const big *b) {
    u64 carry = 0;
    int n = a->len > b->len ? a->len : b->len, i;
    for (i = 0; i < n; i++) {
        u64 t = carry;
        if (i < a->len) t += a->d[i];
        if (i < b->len) t += b->d[i];
        a->d[i] = (u32)t;
        carry = t >> 32;
    }
    a->len = n;
    if (carry && a->len < BIG_LIMBS) a->d[a->len++] = (u32)carry;
}

/* a -= b, requires a >= b */
static void big_sub(big *a, const big *b) {
    u64 borrow = 0;
    int i;
    for (i = 0; i < a->len; i++) {
        u64 bi = (i < b->len) ? b->d[i] : 0;
        u64 t = (u64)a->d[i] - bi - borrow;
        a->d[i] = (u32)t;
        borrow = (t >> 32) ? 1 : 0;
    }
    big_trim(a);
}

/* compares a + b with c */
static int big_cmp_sum(const big *a, const big *b, const big *c) {
    big t;
    big_copy(&t, a);
    big_add(&t, b);
    return big_cmp(&t, c);
}

static int big_bitlen(const big *a) {
    u32 top;
    int n;
    if (a->len == 0) return 0;
    top = a->d[a->len - 1];
    n = (a->len - 1) * 32;
    while (top) {
        n++;
        top >>= 1;
    }
    return n;
}

/* ---------------------------------------------------------------- printing */

static u64 f64_bits(double x) {
    union {
        double f;
        u64 u;
    } v;
    v.f = x;
    return v.u;
}

static double f64_from_bits(u64 b) {
    union {
        double f;
        u64 u;
    } v;
    v.u = b;
    return v.f;
}

static int put_str(char *buf, int at, const char *s) {
    while (*s) buf[at++] = *s++;
    return at;
}

static int put_int(char *buf, int at, int v) {
    char tmp[12];
    int n = 0;
    if (v < 0) {
        buf[at++] = '-';
        v = -v;
    }
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) buf[at++] = tmp[--n];
    return at;
}

/* Shortest digits of mant * 2^exp with the rounding interval
 * [(mant - minus) * 2^exp, (mant + plus) * 2^exp] (bounds included when inclusive).
 * Writes ASCII digits, returns their count; *kout is the decimal exponent k with
 * value = 0.d1d2... * 10^k. This is Rust's dragon::format_shortest. */
static int shortest_digits(u64 dmant, u64 dminus, u64 dplus, int dexp, int inclusive, char *digits,
                           int *kout) {
    big mant, minus, plus, scale, scale2, scale4, scale8;
    int k, i = 0, down, up, rounding_limit, nbits;
    u64 hi = dmant + dplus - 1;

    /* Rust's estimate_scaling_factor: k or k - 1 where 10^(k-1) < high <= 10^k */
    nbits = 0;
    while (hi) {
        nbits++;
        hi >>= 1;
    }
    {
        long long t = (long long)(nbits + dexp) * 1292913986LL;
        /* arithmetic shift right by 32, floor semantics for negative t */
        k = (int)(t >= 0 ? (t >> 32) : -(((-t) + 0xFFFFFFFFLL) >> 32));
    }

    big_set_u64(&mant, dmant);
    big_set_u64(&minus, dminus);
    big_set_u64(&plus, dplus);
    big_set_u64(&scale, 1);
    if (dexp < 0) {
        big_shl(&scale, -dexp);
    } else {
        big_shl(&mant, dexp);
        big_shl(&minus, dexp);
        big_shl(&plus, dexp);
    }
    if (k >= 0) {
        big_mul_pow10(&scale, k);
    } else {
        big_mul_pow10(&mant, -k);
        big_mul_pow10(&minus, -k);
        big_mul_pow10(&plus, -k);
    }

    /* `a.cmp(b) < rounding`: a <= b when inclusive, a < b otherwise */
    rounding_limit = inclusive ? 1 : 0;

    /* scale < mant + plus (or <=): the estimate was one too low */
    if (-big_cmp_sum(&mant, &plus, &scale) < rounding_limit) {
        k++;
    } else {
        big_mul_small(&mant, 10);
        big_mul_small(&minus, 10);
        big_mul_small(&plus, 10);
    }

    big_copy(&scale2, &scale);
    big_shl(&scale2, 1);
    big_copy(&scale4, &scale);
    big_shl(&scale4, 2);
    big_copy(&scale8, &scale);
    big_shl(&scale8, 3);

    for (;;) {
        int d = 0;
        if (big_cmp(&mant, &scale8) >= 0) {
            big_sub(&mant, &scale8);
            d += 8;
        }
        if (big_cmp(&mant, &scale4) >= 0) {
            big_sub(&mant, &scale4);
            d += 4;
        }
        if (big_cmp(&mant, &scale2) >= 0) {
            big_sub(&mant, &scale2);
            d += 2;
        }
        if (big_cmp(&mant, &scale) >= 0) {
            big_sub(&mant, &scale);
            d += 1;
        }
        digits[i++] = (char)('0' + d);

        down = big_cmp(&mant, &minus) < rounding_limit;
        up = -big_cmp_sum(&mant, &plus, &scale) < rounding_limit;
        if (down || up || i >= 20) break; /* never reached: shortest needs <= 17 */

        big_mul_small(&mant, 10);
        big_mul_small(&minus, 10);
        big_mul_small(&plus, 10);
    }

    if (up) {
        int round = !down;
        if (!round) {
            big_shl(&mant, 1);
            round = big_cmp(&mant, &scale) >= 0;
        }
        if (round) {
            /* increment the digit string; 99..9 becomes 100..0 with one more exponent */
            int j = i - 1;
            while (j >= 0 && digits[j] == '9') j--;
            if (j < 0) {
                int m;
                digits[0] = '1';
                for (m = 1; m < i; m++) digits[m] = '0';
                digits[i++] = '0';
                k++;
            } else {
                int m;
                digits[j]++;
                for (m = j + 1; m < i; m++) digits[m] = '0';
            }
        }
    }
    *kout = k;
    return i;
}

int rt_fmt_f64(double x, char *buf) {
    u64 bits = f64_bits(x);
    int neg = (int)(bits >> 63);
    int bexp = (int)((bits >> 52) & 0x7FF);
    u64 frac = bits & 0xFFFFFFFFFFFFFULL;
    int at = 0, n, k, i;
    char digits[24];
    u64 mant, minus, plus;
    int exp, inclusive;

    if (bexp == 0x7FF) {
        if (frac) return put_str(buf, 0, "NaN");
        return put_str(buf, 0, neg ? "-inf" : "inf");
    }
    if (neg) buf[at++] = '-';
    if (bexp == 0 && frac == 0) return put_str(buf, at, "0.0");

    /* Rust's flt2dec::decode. Its integer_decode doubles a subnormal's mantissa, so the
     * subnormal interval is always treated as inclusive; the smallest mantissa of every
     * normal binade (including the smallest normal) gets a half-width lower interval. */
    if (bexp == 0) {
        mant = frac << 1;
        exp = -1075;
        minus = 1;
        plus = 1;
        inclusive = 1;
    } else {
        u64 m = frac | (1ULL << 52);
        int e = bexp - 1075;
        inclusive = (int)((m & 1) == 0);
        if (frac == 0) {
            mant = m << 2;
            minus = 1;
            plus = 2;
            exp = e - 2;
        } else {
            mant = m << 1;
            minus = 1;
            plus = 1;
            exp = e - 1;
        }
    }
    n = shortest_digits(mant, minus, plus, exp, inclusive, digits, &k);

    /* Rust's Debug: scientific when |x| < 1e-4 or |x| >= 1e16. The digits decide this as
     * well as the value: 0.d1d2.. * 10^k < 1e-4 iff k <= -4, >= 1e16 iff k >= 17. */
    if (k <= -4 || k >= 17) {
        buf[at++] = digits[0];
        if (n > 1) {
            buf[at++] = '.';
            for (i = 1; i < n; i++) buf[at++] = digits[i];
        }
        buf[at++] = 'e';
        return put_int(buf, at, k - 1);
    }
    if (k <= 0) {
        buf[at++] = '0';
        buf[at++] = '.';
        for (i = 0; i < -k; i++) buf[at++] = '0';
        for (i = 0; i < n; i++) buf[at++] = digits[i];
        return at;
    }
    if (k < n) {
        for (i = 0; i < k; i++) buf[at++] = digits[i];
        buf[at++] = '.';
        for (i = k; i < n; i++) buf[at++] = digits[i];
        return at;
    }
    for (i = 0; i < n; i++) buf[at++] = digits[i];
    for (i = n; i < k; i++) buf[at++] = '0';
    buf[at++] = '.';
    buf[at++] = '0';
    return at;
}

/* ---------------------------------------------------------------- parsing */

static const double exact_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int rt_parse_f64(const char *s, unsigned long len, double *out) {
    big num, den;
    unsigned long i = 0;
    int neg = 0, ndig = 0, sticky = 0, any_digits = 0;
    long long exp10 = 0; /* value = digits * 10^exp10 */
    long long eval = 0;
    int eneg = 0;
    char digs[MAX_DIGITS];
    u64 bits;

    if (i < len && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    /* integer part: leading zeros carry no information */
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        any_digits = 1;
        if (ndig == 0 && s[i] == '0') continue;
        if (ndig < MAX_DIGITS) {
            digs[ndig++] = s[i];
        } else {
            /* dropped digit: still scales the value; nonzero ones make the value inexact */
            exp10++;
            if (s[i] != '0') sticky = 1;
        }
    }
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            any_digits = 1;
            if (ndig == 0 && s[i] == '0') {
                exp10--;
                continue;
            }
            if (ndig < MAX_DIGITS) {
                digs[ndig++] = s[i];
                exp10--;
            } else if (s[i] != '0') {
                sticky = 1;
            }
        }
    }
    if (!any_digits) return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        int edigits = 0;
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+')) {
            eneg = s[i] == '-';
            i++;
        }
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            edigits = 1;
            /* saturate: any exponent this large already decides 0 or inf */
            if (eval < 1000000000000000LL) eval = eval * 10 + (s[i] - '0');
        }
        if (!edigits) return 0;
    }
    if (i != len) return 0;
    exp10 += eneg ? -eval : eval;

    /* trailing zeros of the kept digits only scale the value */
    while (ndig > 0 && digs[ndig - 1] == '0') {
        ndig--;
        exp10++;
    }

    if (ndig == 0) {
        bits = 0;
    } else if (ndig + exp10 <= -324) {
        /* value < 10^-324, less than half the smallest subnormal (~4.9e-324) */
        bits = 0;
    } else if (ndig + exp10 > 310) {
        /* value >= 10^309 */
        bits = 0x7FF0000000000000ULL;
    } else if (ndig <= 15 && !sticky && exp10 >= -22 && exp10 <= 22) {
        /* digits < 10^15 < 2^53 and 10^|exp10| are exact doubles: one rounding only */
        u64 m = 0;
        double v;
        int j;
        for (j = 0; j < ndig; j++) m = m * 10 + (u64)(digs[j] - '0');
        v = (double)(long long)m;
        if (exp10 >= 0)
            v = v * exact_pow10[exp10];
        else
            v = v / exact_pow10[-exp10];
        bits = f64_bits(v);
    } else {
        /* exact: value = num / den; q = floor(num * 2^sh / den) with 55..56 bits */
        int j, sh, bn, bd, qbits, e2, drop;
        u64 q = 0, rem, half, m;
        big_set_u64(&num, 0);
        for (j = 0; j < ndig; j++) {
            big_mul_small(&num, 10);
            big_add_small(&num, (u32)(digs[j] - '0'));
        }
        big_set_u64(&den, 1);
        if (exp10 >= 0)
            big_mul_pow10(&num, (int)exp10);
        else
            big_mul_pow10(&den, (int)-exp10);
        bn = big_bitlen(&num);
        bd = big_bitlen(&den);
        sh = 55 - bn + bd; /* num * 2^sh has 55 more bits than den: q in [2^54, 2^56) */
        if (sh >= 0)
            big_shl(&num, sh);
        else
            big_shl(&den, -sh);
        big_shl(&den, 56);
        for (j = 56; j >= 0; j--) {
            if (big_cmp(&num, &den) >= 0) {
                big_sub(&num, &den);
                q |= 1ULL << j;
            }
            big_shr1(&den);
        }
        if (num.len != 0) sticky = 1;
        /* value ~ q * 2^-sh, q has qbits bits: value in [2^e2, 2^(e2+1)) */
        qbits = 0;
        for (m = q; m; m >>= 1) qbits++;
        e2 = qbits - 1 - sh;
        if (e2 > 1023) {
            bits = 0x7FF0000000000000ULL;
        } else {
            /* weight of the result's last bit: 2^(e2-52), or 2^-1074 for subnormals */
            int ulp = e2 - 52 < -1074 ? -1074 : e2 - 52;
            drop = ulp + sh; /* bits of q below that weight; >= 2 since qbits >= 55 */
            if (drop >= 64) {
                bits = 0; /* q < 2^56 is below half of 2^drop */
            } else {
                m = q >> drop;
                rem = q & ((1ULL << drop) - 1);
                half = 1ULL << (drop - 1);
                if (rem > half || (rem == half && (sticky || (m & 1)))) m++;
                if (e2 >= -1022) {
                    /* m in [2^52, 2^53]; adding the hidden bit carries into the exponent,
                     * and 2^53 (or e2 = 1023 rounding up) lands on the next binade or inf */
                    bits = ((u64)(e2 + 1022) << 52) + m;
                } else {
                    bits = m; /* subnormal; m = 2^52 is the smallest normal's bits */
                }
            }
        }
    }
    if (neg) bits |= 1ULL << 63;
    *out = f64_from_bits(bits);
    return 1;
}
