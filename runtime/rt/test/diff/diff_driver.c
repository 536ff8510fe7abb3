/* Differential driver: reads cases `OP<TAB>JSON-ARRAY-OF-ARGS` on stdin, evaluates each with the
 * runtime and prints what the interpreter's `print(EXPR)` would print (run_diff.py writes the
 * same case as an Aura program). An error prints `ERROR KIND-INDEX`. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../aura_rt.h"

unsigned char *aura_heap_base;
unsigned long long aura_heap_size;
static jmp_buf on_fail;

void aura_write(int stream, const unsigned char *p, unsigned long n) {
    fwrite(p, 1, n, stream == 1 ? stdout : stderr);
}
void aura_fail(int kind, const unsigned char *p, unsigned long n) {
    fflush(stdout);
    printf("ERROR %d\n", kind);
    fprintf(stderr, "message: %.*s\n", (int)n, (const char *)p);
    longjmp(on_fail, 1);
}
static long long no_cap(const unsigned char *a, unsigned long b, unsigned char *c, unsigned long d) {
    (void)a, (void)b, (void)c, (void)d;
    return -1;
}
long long aura_cap_store(const unsigned char *a, unsigned long b, unsigned char *c,
                         unsigned long d) {
    return no_cap(a, b, c, d);
}
long long aura_cap_log(const unsigned char *a, unsigned long b, unsigned char *c,
                       unsigned long d) {
    return no_cap(a, b, c, d);
}
long long aura_cap_clock(const unsigned char *a, unsigned long b, unsigned char *c,
                         unsigned long d) {
    return no_cap(a, b, c, d);
}

static const char *const NAMES[] = {
#define X(name, min, max) #name,
    AURA_BUILTINS(X)
#undef X
};

#define W(p) ((unsigned long long)(unsigned long)(p))

static void show(val v) {
    rt_b_print(1, W(&v));
    rt_finish();
}

int main(void) {
    aura_heap_size = 1u << 30;
    aura_heap_base = malloc(aura_heap_size);
    rt_start(0);
    static char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        char *json = tab + 1;
        size_t n = strlen(json);
        while (n && (json[n - 1] == '\n' || json[n - 1] == '\r')) json[--n] = 0;
        const char *op = line;
        printf("\001CASE %s %s\n", op, json);
        fflush(stdout);
        if (setjmp(on_fail)) continue;
        val s = rt_str_lit(W(json), n);
        val args = rt_b_json_decode(1, W(&s));
        unsigned long long *l = (unsigned long long *)(unsigned long)args;
        unsigned long long argc = l[1];
        val *argv = (val *)(unsigned long)l[3];
        val a = argc > 0 ? argv[0] : AURA_NIL, b = argc > 1 ? argv[1] : AURA_NIL;
        val r = AURA_NIL;
        if (!strcmp(op, "+")) r = rt_add(a, b);
        else if (!strcmp(op, "-")) r = rt_sub(a, b);
        else if (!strcmp(op, "*")) r = rt_mul(a, b);
        else if (!strcmp(op, "/")) r = rt_div(a, b);
        else if (!strcmp(op, "%")) r = rt_mod(a, b);
        else if (!strcmp(op, "==")) r = rt_eq(a, b);
        else if (!strcmp(op, "!=")) r = rt_ne(a, b);
        else if (!strcmp(op, "<")) r = rt_lt(a, b);
        else if (!strcmp(op, "<=")) r = rt_le(a, b);
        else if (!strcmp(op, ">")) r = rt_gt(a, b);
        else if (!strcmp(op, ">=")) r = rt_ge(a, b);
        else if (!strcmp(op, "neg")) r = rt_neg(a);
        else if (!strcmp(op, "index")) r = rt_index(a, b);
        else if (!strcmp(op, "field")) r = rt_field(a, b);
        else if (!strcmp(op, "setindex")) {
            rt_index_set(a, b, argc > 2 ? argv[2] : AURA_NIL);
            r = a;
        } else if (!strcmp(op, "iter")) {
            val it = rt_iter(a);
            for (unsigned long long i = 0; i < rt_iter_len(it); i++) show(rt_iter_get(it, i));
            r = AURA_NIL;
        } else {
            unsigned long long k = 0;
            while (k < sizeof NAMES / sizeof *NAMES && strcmp(NAMES[k], op)) k++;
            if (k == sizeof NAMES / sizeof *NAMES) {
                printf("unknown op %s\n", op);
                continue;
            }
            r = rt_call(rt_builtin_fn(k), AURA_NIL, argc, W(argv));
        }
        show(r);
    }
    return 0;
}
