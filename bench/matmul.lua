-- matmul (plb2): the product of two n x n float matrices, the naive way with the second one
-- transposed; float multiply-adds over tables. Prints floor(c[n/2][n/2] * 1e9).
local N = 500 -- bench:size (matrix order)

-- matrices are 0-based so that the entries match the other versions
local function generate(n)
  local tmp = 1.0 / n / n
  local m = {}
  for i = 0, n - 1 do
    local row = {}
    for j = 0, n - 1 do row[j] = tmp * (i - j) * (i + j) end
    m[i] = row
  end
  return m
end

local function multiply(a, b, n)
  local bt = {}
  for j = 0, n - 1 do
    local col = {}
    for i = 0, n - 1 do col[i] = b[i][j] end
    bt[j] = col
  end
  local c = {}
  for i = 0, n - 1 do
    local ai, row = a[i], {}
    for j = 0, n - 1 do
      local bj = bt[j]
      local sum = 0.0
      for k = 0, n - 1 do sum = sum + ai[k] * bj[k] end
      row[j] = sum
    end
    c[i] = row
  end
  return c
end

local n = N
local c = multiply(generate(n), generate(n), n)
print(math.floor(c[n // 2][n // 2] * 1e9))
