# mandelbrot (Benchmarks Game): an n x n bitmap of the Mandelbrot set, 50 iterations per pixel;
# float arithmetic in a tight loop. Prints n and a checksum of the bitmap's bytes (8 pixels a
# byte, rows padded, as in the PBM output) instead of the bitmap.
N = 1300  # bench:size (width and height)


def main():
    n = N
    h = 0
    for y in range(n):
        ci = 2.0 * y / n - 1.0
        byte = bits = 0
        for x in range(n):
            cr = 2.0 * x / n - 1.5
            zr = zi = tr = ti = 0.0
            i = 0
            while i < 50 and tr + ti <= 4.0:
                zi = 2.0 * zr * zi + ci
                zr = tr - ti + cr
                tr = zr * zr
                ti = zi * zi
                i += 1
            byte = byte * 2 + (1 if tr + ti <= 4.0 else 0)
            bits += 1
            if bits == 8 or x == n - 1:
                while bits < 8:
                    byte *= 2
                    bits += 1
                h = (h * 31 + byte) % 1000000007
                byte = bits = 0
    print(n, h)


main()
