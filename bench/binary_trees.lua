-- memory: binary-trees (the Benchmarks Game) at depth 14: trees as 2-element tables
local function make(d)
  if d == 0 then return {false, false} end
  return {make(d - 1), make(d - 1)}
end

local function check(t)
  if not t[1] then return 1 end
  return 1 + check(t[1]) + check(t[2])
end

local n = 14
local stretch = check(make(n + 1))
local long_lived = make(n)
local total = 0
for d = 4, n, 2 do
  local iterations = 1 << (n - d + 4)
  for _ = 1, iterations do
    total = total + check(make(d))
  end
end
print(string.format("%d %d %d", stretch, total, check(long_lived)))
