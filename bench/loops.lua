-- nested counting loops: loop overhead and integer arithmetic
local sum = 0
for i = 0, 4000 - 1 do
  for j = 0, 3000 - 1 do
    sum = sum + (i * j) % 7
  end
end
print(sum)
