-- spectral-norm (Benchmarks Game): the largest singular value of an infinite matrix by the power
-- method; nested loops of float multiply-adds and an integer-computed matrix entry.
-- Prints floor(norm * 1e9).
local N = 1400 -- bench:size (matrix order)

local function a(i, j)
  return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)
end

-- vectors are 0-based here so that a(i, j) sees the same indices as in the other versions
local function times(u, v, n)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do sum = sum + a(i, j) * u[j] end
    v[i] = sum
  end
end

local function times_transposed(u, v, n)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do sum = sum + a(j, i) * u[j] end
    v[i] = sum
  end
end

local function times_ata(u, v, tmp, n)
  times(u, tmp, n)
  times_transposed(tmp, v, n)
end

local n = N
local u, v, tmp = {}, {}, {}
for i = 0, n - 1 do u[i] = 1.0 end
for _ = 1, 10 do
  times_ata(u, v, tmp, n)
  times_ata(v, u, tmp, n)
end
local vbv, vv = 0.0, 0.0
for i = 0, n - 1 do
  vbv = vbv + u[i] * v[i]
  vv = vv + v[i] * v[i]
end
print(math.floor(math.sqrt(vbv / vv) * 1e9))
