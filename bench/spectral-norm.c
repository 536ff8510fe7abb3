// spectral-norm (Benchmarks Game): the largest singular value of an infinite matrix by the power
// method; nested loops of float multiply-adds and an integer-computed matrix entry.
// Prints floor(norm * 1e9).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 1400 // bench:size (matrix order)

static double a(long i, long j) {
    return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

static void times(const double *u, double *v, long n) {
    for (long i = 0; i < n; i++) {
        double sum = 0.0;
        for (long j = 0; j < n; j++) sum += a(i, j) * u[j];
        v[i] = sum;
    }
}

static void times_transposed(const double *u, double *v, long n) {
    for (long i = 0; i < n; i++) {
        double sum = 0.0;
        for (long j = 0; j < n; j++) sum += a(j, i) * u[j];
        v[i] = sum;
    }
}

static void times_ata(const double *u, double *v, double *tmp, long n) {
    times(u, tmp, n);
    times_transposed(tmp, v, n);
}

int main(void) {
    long n = N;
    double *u = malloc(n * sizeof(double));
    double *v = malloc(n * sizeof(double));
    double *tmp = malloc(n * sizeof(double));
    if (!u || !v || !tmp) return 1;
    for (long i = 0; i < n; i++) u[i] = 1.0;
    for (int k = 0; k < 10; k++) {
        times_ata(u, v, tmp, n);
        times_ata(v, u, tmp, n);
    }
    double vbv = 0.0, vv = 0.0;
    for (long i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    printf("%ld\n", (long)floor(sqrt(vbv / vv) * 1e9));
    free(u);
    free(v);
    free(tmp);
    return 0;
}
