/* Test driver for num.c and sha256.c (hosted; only the test links it with libc).
 * Reads lines from stdin and answers one line each:
 *   f HEXBITS  -> rt_fmt_f64 of the double with those bits
 *   p TEXT     -> the bits rt_parse_f64 gives, as 16 hex digits, or ERR
 *   s HEX      -> sha256 of the bytes HEX (may be empty), as hex */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../num.h"

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int main(void) {
    static char line[1 << 20];
    static unsigned char bytes[1 << 19];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n >= 2 && line[0] == 'f' && line[1] == ' ') {
            unsigned long long bits = strtoull(line + 2, NULL, 16);
            double x;
            char buf[64];
            int len;
            memcpy(&x, &bits, sizeof x);
            len = rt_fmt_f64(x, buf);
            fwrite(buf, 1, (size_t)len, stdout);
            fputc('\n', stdout);
        } else if (n >= 2 && line[0] == 'p' && line[1] == ' ') {
            double x = 0;
            if (rt_parse_f64(line + 2, (unsigned long)(n - 2), &x)) {
                unsigned long long bits;
                memcpy(&bits, &x, sizeof bits);
                printf("%016llx\n", bits);
            } else {
                printf("ERR\n");
            }
        } else if (n >= 2 && line[0] == 's' && line[1] == ' ') {
            size_t hex = n - 2, i;
            unsigned char out[32];
            for (i = 0; i + 1 < hex && i / 2 < sizeof bytes; i += 2) {
                bytes[i / 2] = (unsigned char)(hexval(line[2 + i]) * 16 + hexval(line[3 + i]));
            }
            rt_sha256(bytes, (unsigned long)(hex / 2), out);
            for (i = 0; i < 32; i++) printf("%02x", out[i]);
            printf("\n");
        } else {
            printf("BAD\n");
        }
    }
    return 0;
}
