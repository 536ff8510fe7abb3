// memory: 200 maps of 500 entries (open addressing, FNV-1a, string keys) stay alive while 20
// rounds update every 7th entry
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *key; long value; } Entry;
enum { CAP = 1024 };

static size_t hash(const char *s) {
    size_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static Entry *slot(Entry *table, const char *key) {
    size_t i = hash(key) & (CAP - 1);
    while (table[i].key && strcmp(table[i].key, key) != 0) i = (i + 1) & (CAP - 1);
    return &table[i];
}

int main(void) {
    Entry *maps[200];
    char buf[32];
    for (long i = 0; i < 200; i++) {
        maps[i] = calloc(CAP, sizeof(Entry));
        for (long j = 0; j < 500; j++) {
            snprintf(buf, sizeof buf, "k%ld", j);
            Entry *e = slot(maps[i], buf);
            if (!e->key) e->key = strdup(buf);
            e->value = j + i;
        }
    }
    long total = 0;
    for (long round = 0; round < 20; round++) {
        for (int i = 0; i < 200; i++) {
            for (long j = 0; j < 500; j += 7) {
                snprintf(buf, sizeof buf, "k%ld", j);
                Entry *e = slot(maps[i], buf);
                e->value += round;
                total += e->value;
            }
        }
    }
    printf("%ld\n", total);
    return 0;
}
