# matmul (plb2): the product of two n x n float matrices, the naive way with the second one
# transposed; float multiply-adds over lists. Prints floor(c[n/2][n/2] * 1e9).
import math

N = 500  # bench:size (matrix order)


def generate(n):
    tmp = 1.0 / n / n
    return [[tmp * (i - j) * (i + j) for j in range(n)] for i in range(n)]


def multiply(a, b, n):
    bt = [[b[i][j] for i in range(n)] for j in range(n)]
    c = []
    for i in range(n):
        ai = a[i]
        row = []
        for j in range(n):
            bj = bt[j]
            total = 0.0
            for k in range(n):
                total += ai[k] * bj[k]
            row.append(total)
        c.append(row)
    return c


def main():
    n = N
    c = multiply(generate(n), generate(n), n)
    print(math.floor(c[n // 2][n // 2] * 1e9))


main()
