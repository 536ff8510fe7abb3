/*
 * A stand-in for a compiled Aura object, to test the boot path without the native backend:
 * it prints through aura_write, uses SSE floats, the heap and deep recursion on the big stack,
 * and returns 0 like the real thing. compiler/cli/tests/baremetal.rs boots it.
 */
typedef unsigned char u8;
typedef unsigned long long u64;
typedef long long i64;

void aura_write(int stream, const u8 *ptr, u64 len);
extern unsigned char *aura_heap_base;
extern unsigned long long aura_heap_size;

static i64 max_depth = 10000;

void rt_set_max_depth(i64 n) { max_depth = n; }

static void say(const char *s) {
    u64 n = 0;
    while (s[n]) {
        n++;
    }
    aura_write(1, (const u8 *)s, n);
}

static void say_int(i64 v) {
    char buf[24];
    int n = 0;
    u64 m = v < 0 ? (u64)0 - (u64)v : (u64)v;
    do {
        buf[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0) {
        say("-");
    }
    char out[24];
    int k = 0;
    while (n) {
        out[k++] = buf[--n];
    }
    out[k] = 0;
    say(out);
}

/* Deep recursion: a frame of a few hundred bytes per level, as compiled code would use. */
static i64 depth(volatile i64 n) {
    volatile char pad[256];
    pad[0] = (char)n;
    if (n == 0) {
        return pad[0];
    }
    return depth(n - 1) + 1 + pad[0] * 0;
}

i64 aura_main(void) {
    say("hello from the stand-in\n");
    volatile double x = 2.0;
    double r = x * 1.25 + 0.5; /* 3.0, through SSE */
    say("float ok: ");
    say_int((i64)(r * 10));
    say("\n");
    for (u64 i = 0; i < 1000; i++) {
        aura_heap_base[i] = (u8)i;
    }
    say("heap MiB: ");
    say_int((i64)(aura_heap_size >> 20));
    say("\n");
    say("depth: ");
    say_int(depth(max_depth));
    say("\n");
    return 0;
}
