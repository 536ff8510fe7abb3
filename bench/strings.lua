-- string building: many small strings joined once, plus repeated `..` concatenation
local parts = {}
for i = 0, 300000 - 1 do
  parts[#parts + 1] = tostring(i) .. ","
end
local joined = table.concat(parts, "")
local s = ""
for i = 0, 20000 - 1 do
  s = s .. tostring(i % 10)
end
print(#joined .. " " .. #s)
