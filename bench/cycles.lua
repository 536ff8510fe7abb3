-- memory: 200 000 iterations, each builds and drops a small cycle of tables (list, map, two objects)
local node = {}
node.__index = node
local total = 0
for i = 0, 200000 - 1 do
  local l = {i}
  l[2] = l
  local m = {n = i}
  m.me = m
  m.list = l
  local a = setmetatable({}, node)
  local b = setmetatable({}, node)
  a.next = b
  b.next = a
  a.m = m
  total = total + #l + a.m.n % 7
end
print(total)
