/* Test-only stand-in for runtime/rt/num.c (used by run.sh while that file is missing): libc's
 * printf/strtod, formatted the way Rust's {:?} prints an f64. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../num.h"

int rt_fmt_f64(double x, char *buf) {
    if (x != x) return sprintf(buf, "NaN");
    if (x == 1.0 / 0.0) return sprintf(buf, "inf");
    if (x == -1.0 / 0.0) return sprintf(buf, "-inf");
    char tmp[64];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (strtod(tmp, 0) == x) break;
    }
    /* tmp: [-]d.ddde[+-]XX */
    char digits[32];
    int nd = 0, neg = tmp[0] == '-';
    char *s = tmp + neg;
    char *e = strchr(s, 'e');
    for (char *c = s; c < e; c++)
        if (*c != '.') digits[nd++] = *c;
    int exp = atoi(e + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    int n = 0;
    if (neg) buf[n++] = '-';
    if (x != 0 && (exp < -4 || exp >= 16)) {
        buf[n++] = digits[0];
        if (nd > 1) {
            buf[n++] = '.';
            for (int i = 1; i < nd; i++) buf[n++] = digits[i];
        }
        n += sprintf(buf + n, "e%d", exp);
        return n;
    }
    if (exp < 0) {
        buf[n++] = '0';
        buf[n++] = '.';
        for (int i = 0; i < -exp - 1; i++) buf[n++] = '0';
        for (int i = 0; i < nd; i++) buf[n++] = digits[i];
        return n;
    }
    for (int i = 0; i <= exp; i++) buf[n++] = i < nd ? digits[i] : '0';
    buf[n++] = '.';
    if (nd > exp + 1)
        for (int i = exp + 1; i < nd; i++) buf[n++] = digits[i];
    else
        buf[n++] = '0';
    return n;
}

int rt_parse_f64(const char *s, unsigned long len, double *out) {
    char tmp[512];
    if (len >= sizeof tmp) return 0;
    memcpy(tmp, s, len);
    tmp[len] = 0;
    char *end;
    *out = strtod(tmp, &end);
    return end == tmp + len && len > 0;
}

/* Not sha256: a placeholder so the test links; run.sh skips sha256 checks with this stub. */
void rt_sha256(const unsigned char *data, unsigned long len, unsigned char out[32]) {
    memset(out, 0, 32);
    for (unsigned long i = 0; i < len; i++) out[i % 32] ^= data[i];
}
