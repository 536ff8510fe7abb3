-- mandelbrot (Benchmarks Game): an n x n bitmap of the Mandelbrot set, 50 iterations per pixel;
-- float arithmetic in a tight loop. Prints n and a checksum of the bitmap's bytes (8 pixels a
-- byte, rows padded, as in the PBM output) instead of the bitmap.
local N = 1300 -- bench:size (width and height)

local n = N
local h = 0
for y = 0, n - 1 do
  local ci = 2.0 * y / n - 1.0
  local byte, bits = 0, 0
  for x = 0, n - 1 do
    local cr = 2.0 * x / n - 1.5
    local zr, zi, tr, ti = 0.0, 0.0, 0.0, 0.0
    local i = 0
    while i < 50 and tr + ti <= 4.0 do
      zi = 2.0 * zr * zi + ci
      zr = tr - ti + cr
      tr = zr * zr
      ti = zi * zi
      i = i + 1
    end
    byte = byte * 2 + (tr + ti <= 4.0 and 1 or 0)
    bits = bits + 1
    if bits == 8 or x == n - 1 then
      while bits < 8 do
        byte = byte * 2
        bits = bits + 1
      end
      h = (h * 31 + byte) % 1000000007
      byte, bits = 0, 0
    end
  end
end
print(n .. " " .. h)
