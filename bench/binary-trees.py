# binary-trees (Benchmarks Game): allocate and walk many short-lived perfect binary trees,
# beside one long-lived tree; measures allocation and the collector. A node is a
# (left, right) tuple; a leaf is (None, None).
N = 15  # bench:size (maximum depth)


def make(depth):
    if depth == 0:
        return (None, None)
    return (make(depth - 1), make(depth - 1))


def check(node):
    left, right = node
    if left is None:
        return 1
    return 1 + check(left) + check(right)


def main():
    max_depth = max(6, N)
    stretch = max_depth + 1
    print(f"stretch tree of depth {stretch} check: {check(make(stretch))}")
    long_lived = make(max_depth)
    for depth in range(4, max_depth + 1, 2):
        iterations = 1 << (max_depth - depth + 4)
        total = 0
        for _ in range(iterations):
            total += check(make(depth))
        print(f"{iterations} trees of depth {depth} check: {total}")
    print(f"long lived tree of depth {max_depth} check: {check(long_lived)}")


main()
