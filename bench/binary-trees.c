// binary-trees (Benchmarks Game): allocate and walk many short-lived perfect binary trees,
// beside one long-lived tree; measures allocation and (where there is one) the collector
#include <stdio.h>
#include <stdlib.h>

#define N 15 // bench:size (maximum depth)

typedef struct Node {
    struct Node *left, *right;
} Node;

static Node *make(int depth) {
    Node *node = malloc(sizeof(Node));
    if (!node) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    if (depth > 0) {
        node->left = make(depth - 1);
        node->right = make(depth - 1);
    } else {
        node->left = node->right = NULL;
    }
    return node;
}

static long check(const Node *node) {
    if (!node->left) return 1;
    return 1 + check(node->left) + check(node->right);
}

static void release(Node *node) {
    if (node->left) {
        release(node->left);
        release(node->right);
    }
    free(node);
}

int main(void) {
    int max_depth = N < 6 ? 6 : N;

    Node *stretch = make(max_depth + 1);
    printf("stretch tree of depth %d check: %ld\n", max_depth + 1, check(stretch));
    release(stretch);

    Node *long_lived = make(max_depth);
    for (int depth = 4; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + 4);
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            Node *tree = make(depth);
            sum += check(tree);
            release(tree);
        }
        printf("%ld trees of depth %d check: %ld\n", iterations, depth, sum);
    }
    printf("long lived tree of depth %d check: %ld\n", max_depth, check(long_lived));
    release(long_lived);
    return 0;
}
