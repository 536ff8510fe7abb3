# fannkuch-redux (Benchmarks Game): every permutation of 1..n, each flipped (prefix reversed)
# until 1 comes first; small-array integer work. Prints a checksum and the most flips.
N = 10  # bench:size (permutation length)


def main():
    n = N
    perm1 = list(range(n))
    count = [0] * n
    max_flips = checksum = 0
    sign = 1
    r = n
    while True:
        # reset the counters of the positions that rotated
        while r != 1:
            count[r - 1] = r
            r -= 1
        perm = perm1[:]
        flips = 0
        k = perm[0]
        while k != 0:
            perm[: k + 1] = perm[k::-1]
            flips += 1
            k = perm[0]
        max_flips = max(max_flips, flips)
        checksum += sign * flips
        sign = -sign
        # next permutation: rotate the first r + 1 elements until a counter is left
        while True:
            if r == n:
                print(checksum)
                print(f"Pfannkuchen({n}) = {max_flips}")
                return
            perm1.insert(r, perm1.pop(0))
            count[r] -= 1
            if count[r] > 0:
                break
            r += 1


main()
