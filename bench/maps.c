// map insert and lookup with string keys (open addressing, FNV-1a)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *key; long value; } Entry;
static Entry *table;
static size_t cap = 1 << 19;

static size_t hash(const char *s) {
    size_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static Entry *slot(const char *key) {
    size_t i = hash(key) & (cap - 1);
    while (table[i].key && strcmp(table[i].key, key) != 0) i = (i + 1) & (cap - 1);
    return &table[i];
}

int main(void) {
    table = calloc(cap, sizeof *table);
    char buf[32];
    for (long i = 0; i < 200000; i++) {
        snprintf(buf, sizeof buf, "k%ld", i);
        Entry *e = slot(buf);
        if (!e->key) e->key = strdup(buf);
        e->value = i;
    }
    long sum = 0;
    for (long i = 0; i < 200000; i++) {
        snprintf(buf, sizeof buf, "k%ld", i);
        sum += slot(buf)->value;
    }
    printf("%ld\n", sum);
    return 0;
}
