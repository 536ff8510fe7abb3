-- binary-trees (Benchmarks Game): allocate and walk many short-lived perfect binary trees,
-- beside one long-lived tree; measures allocation and the collector. A node is {left, right};
-- a leaf is {}.
local N = 15 -- bench:size (maximum depth)

local function make(depth)
  if depth == 0 then return {} end
  return { make(depth - 1), make(depth - 1) }
end

local function check(node)
  local left = node[1]
  if left == nil then return 1 end
  return 1 + check(left) + check(node[2])
end

local max_depth = math.max(6, N)
local stretch = max_depth + 1
print(string.format("stretch tree of depth %d check: %d", stretch, check(make(stretch))))
local long_lived = make(max_depth)
for depth = 4, max_depth, 2 do
  local iterations = 1 << (max_depth - depth + 4)
  local total = 0
  for _ = 1, iterations do
    total = total + check(make(depth))
  end
  print(string.format("%d trees of depth %d check: %d", iterations, depth, total))
end
print(string.format("long lived tree of depth %d check: %d", max_depth, check(long_lived)))
