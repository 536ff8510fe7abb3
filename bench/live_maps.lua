-- memory: 200 maps of 500 entries stay alive while 20 rounds update every 7th entry
local maps = {}
for i = 0, 199 do
  local m = {}
  for j = 0, 499 do
    m["k" .. tostring(j)] = j + i
  end
  maps[#maps + 1] = m
end
local total = 0
for round = 0, 19 do
  for _, m in ipairs(maps) do
    for j = 0, 499, 7 do
      local k = "k" .. tostring(j)
      m[k] = m[k] + round
      total = total + m[k]
    end
  end
end
print(total)
