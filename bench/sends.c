// message sends through a 3-deep prototype chain: each send looks the method up by name,
// walking clone -> leaf -> mid -> base, then calls it through a function pointer
#include <stdio.h>
#include <string.h>

typedef long (*Method)(long);
typedef struct Object { struct Object *proto; const char *slot; Method method; } Object;

static long value(long x) { return x + 1; }

static Method lookup(Object *o, const char *name) {
    for (; o; o = o->proto)
        if (o->slot && strcmp(o->slot, name) == 0) return o->method;
    return 0;
}

int main(void) {
    Object base = {0, "value", value};
    Object mid = {&base, 0, 0};
    Object leaf = {&mid, 0, 0};
    Object clone = {&leaf, 0, 0};
    volatile const char *name = "value";
    long sum = 0;
    for (long i = 0; i < 1000000; i++) sum += lookup(&clone, (const char *)name)(i);
    printf("%ld\n", sum);
    return 0;
}
