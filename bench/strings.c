// string building: many small strings joined once, plus repeated concatenation (a new string
// each time, as in the Aura, Python and Lua versions)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    char **parts = malloc(300000 * sizeof *parts);
    size_t total = 0;
    for (int i = 0; i < 300000; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%d,", i);
        parts[i] = malloc(n + 1);
        memcpy(parts[i], buf, n + 1);
        total += n;
    }
    char *joined = malloc(total + 1);
    size_t at = 0;
    for (int i = 0; i < 300000; i++) {
        size_t n = strlen(parts[i]);
        memcpy(joined + at, parts[i], n);
        at += n;
    }
    joined[at] = 0;
    char *s = calloc(1, 1);
    size_t len = 0;
    for (int i = 0; i < 20000; i++) {
        char *next = malloc(len + 2);
        memcpy(next, s, len);
        next[len] = (char)('0' + i % 10);
        next[len + 1] = 0;
        free(s);
        s = next;
        len++;
    }
    printf("%zu %zu\n", strlen(joined), strlen(s));
    return 0;
}
