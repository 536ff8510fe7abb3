-- method calls through a 3-deep metatable __index chain: the method lives on
-- base, the receiver is a fresh table whose lookups go o -> leaf -> mid -> base
local base = {}
base.__index = base
function base:value(x) return x + 1 end

local mid = setmetatable({}, base)
mid.__index = mid

local leaf = setmetatable({}, mid)
leaf.__index = leaf

local o = setmetatable({}, leaf)
local sum = 0
for i = 0, 1000000 - 1 do
  sum = sum + o:value(i)
end
print(sum)
