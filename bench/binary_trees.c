// memory: binary-trees (the Benchmarks Game) at depth 14: malloc'd nodes, freed after each check
#include <stdio.h>
#include <stdlib.h>

typedef struct Node { struct Node *left, *right; } Node;

static Node *make(int d) {
    Node *t = malloc(sizeof *t);
    if (d == 0) {
        t->left = t->right = NULL;
    } else {
        t->left = make(d - 1);
        t->right = make(d - 1);
    }
    return t;
}

static long check(const Node *t) {
    if (!t->left) return 1;
    return 1 + check(t->left) + check(t->right);
}

static void release(Node *t) {
    if (t->left) {
        release(t->left);
        release(t->right);
    }
    free(t);
}

int main(void) {
    int n = 14;
    Node *s = make(n + 1);
    long stretch = check(s);
    release(s);
    Node *long_lived = make(n);
    long total = 0;
    for (int d = 4; d <= n; d += 2) {
        long iterations = 1L << (n - d + 4);
        for (long i = 0; i < iterations; i++) {
            Node *t = make(d);
            total += check(t);
            release(t);
        }
    }
    printf("%ld %ld %ld\n", stretch, total, check(long_lived));
    release(long_lived);
    return 0;
}
