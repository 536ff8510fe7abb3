// matmul (plb2): the product of two n x n float matrices, the naive way with the second one
// transposed; float multiply-adds over arrays. Prints floor(c[n/2][n/2] * 1e9).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 500 // bench:size (matrix order)

static double **matrix(long n) {
    double **m = malloc(n * sizeof(double *));
    if (!m) exit(1);
    for (long i = 0; i < n; i++) {
        m[i] = malloc(n * sizeof(double));
        if (!m[i]) exit(1);
    }
    return m;
}

static double **generate(long n) {
    double **m = matrix(n);
    double tmp = 1.0 / n / n;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) m[i][j] = tmp * (i - j) * (i + j);
    return m;
}

static double **multiply(double **a, double **b, long n) {
    double **bt = matrix(n);
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) bt[j][i] = b[i][j];
    double **c = matrix(n);
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < n; j++) {
            double sum = 0.0;
            for (long k = 0; k < n; k++) sum += a[i][k] * bt[j][k];
            c[i][j] = sum;
        }
    }
    return c;
}

int main(void) {
    long n = N;
    double **a = generate(n);
    double **b = generate(n);
    double **c = multiply(a, b, n);
    printf("%ld\n", (long)floor(c[n / 2][n / 2] * 1e9));
    return 0;
}
