# spectral-norm (Benchmarks Game): the largest singular value of an infinite matrix by the power
# method; nested loops of float multiply-adds and an integer-computed matrix entry.
# Prints floor(norm * 1e9).
import math

N = 1400  # bench:size (matrix order)


def a(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def times(u, n):
    v = []
    for i in range(n):
        total = 0.0
        for j in range(n):
            total += a(i, j) * u[j]
        v.append(total)
    return v


def times_transposed(u, n):
    v = []
    for i in range(n):
        total = 0.0
        for j in range(n):
            total += a(j, i) * u[j]
        v.append(total)
    return v


def times_ata(u, n):
    return times_transposed(times(u, n), n)


def main():
    n = N
    u = [1.0] * n
    v = u
    for _ in range(10):
        v = times_ata(u, n)
        u = times_ata(v, n)
    vbv = vv = 0.0
    for i in range(n):
        vbv += u[i] * v[i]
        vv += v[i] * v[i]
    print(math.floor(math.sqrt(vbv / vv) * 1e9))


main()
