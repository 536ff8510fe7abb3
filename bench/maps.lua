-- map insert and lookup with string keys
local m = {}
for i = 0, 200000 - 1 do
  m["k" .. tostring(i)] = i
end
local sum = 0
for i = 0, 200000 - 1 do
  sum = sum + m["k" .. tostring(i)]
end
print(sum)
