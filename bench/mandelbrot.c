// mandelbrot (Benchmarks Game): an n x n bitmap of the Mandelbrot set, 50 iterations per pixel;
// float arithmetic in a tight loop. Prints n and a checksum of the bitmap's bytes (8 pixels a
// byte, rows padded, as in the PBM output) instead of the bitmap.
#include <stdio.h>

#define N 1300 // bench:size (width and height)

int main(void) {
    long n = N;
    long hash = 0;
    for (long y = 0; y < n; y++) {
        double ci = 2.0 * y / n - 1.0;
        long byte = 0, bits = 0;
        for (long x = 0; x < n; x++) {
            double cr = 2.0 * x / n - 1.5;
            double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0;
            long i = 0;
            while (i < 50 && tr + ti <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
                i++;
            }
            byte = byte * 2 + (tr + ti <= 4.0 ? 1 : 0);
            bits++;
            if (bits == 8 || x == n - 1) {
                while (bits < 8) {
                    byte = byte * 2;
                    bits++;
                }
                hash = (hash * 31 + byte) % 1000000007;
                byte = 0;
                bits = 0;
            }
        }
    }
    printf("%ld %ld\n", n, hash);
    return 0;
}
