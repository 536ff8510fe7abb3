// fannkuch-redux (Benchmarks Game): every permutation of 1..n, each flipped (prefix reversed)
// until 1 comes first; small-array integer work. Prints a checksum and the most flips.
#include <stdio.h>

#define N 10 // bench:size (permutation length)

int main(void) {
    int n = N;
    int perm[32], perm1[32], count[32];
    int max_flips = 0, checksum = 0, sign = 1;
    for (int i = 0; i < n; i++) perm1[i] = i;
    int r = n;
    for (;;) {
        // reset the counters of the positions that rotated
        while (r != 1) {
            count[r - 1] = r;
            r--;
        }
        for (int i = 0; i < n; i++) perm[i] = perm1[i];
        int flips = 0;
        int k = perm[0];
        while (k != 0) {
            for (int i = 0, j = k; i < j; i++, j--) {
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            flips++;
            k = perm[0];
        }
        if (flips > max_flips) max_flips = flips;
        checksum += sign * flips;
        sign = -sign;
        // next permutation: rotate the first r + 1 elements until a counter is left
        for (;;) {
            if (r == n) {
                printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
                return 0;
            }
            int first = perm1[0];
            for (int i = 0; i < r; i++) perm1[i] = perm1[i + 1];
            perm1[r] = first;
            count[r]--;
            if (count[r] > 0) break;
            r++;
        }
    }
}
