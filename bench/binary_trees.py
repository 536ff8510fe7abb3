# memory: binary-trees (the Benchmarks Game) at depth 14: trees as 2-element lists
def make(d):
    if d == 0:
        return [None, None]
    return [make(d - 1), make(d - 1)]


def check(t):
    if t[0] is None:
        return 1
    return 1 + check(t[0]) + check(t[1])


def main():
    n = 14
    stretch = check(make(n + 1))
    long_lived = make(n)
    total = 0
    for d in range(4, n + 1, 2):
        iterations = 2 ** (n - d + 4)
        for _ in range(iterations):
            total += check(make(d))
    print(stretch, total, check(long_lived))


main()
