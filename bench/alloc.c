// memory: 1 000 000 iterations, each mallocs a string "item-<i>" and a 3-element array, then frees them
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { long tag; void *ptr; } Value;

int main(void) {
    long total = 0;
    for (long i = 0; i < 1000000; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "item-%ld", i);
        char *s = malloc((size_t)n + 1);
        memcpy(s, buf, (size_t)n + 1);
        Value *l = malloc(3 * sizeof *l);
        l[0] = (Value){0, (void *)i};
        l[1] = (Value){1, s};
        l[2] = (Value){0, (void *)(i + 1)};
        total += (long)strlen(s) + 3;
        free(l);
        free(s);
    }
    printf("%ld\n", total);
    return 0;
}
