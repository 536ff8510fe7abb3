-- memory: 1 000 000 iterations, each builds a string "item-" .. i and a 3-element table
local total = 0
for i = 0, 1000000 - 1 do
  local s = "item-" .. tostring(i)
  local l = {i, s, i + 1}
  total = total + #s + #l
end
print(total)
