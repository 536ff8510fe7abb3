-- fannkuch-redux (Benchmarks Game): every permutation of 1..n, each flipped (prefix reversed)
-- until 1 comes first; small-array integer work. Prints a checksum and the most flips.
local N = 10 -- bench:size (permutation length)

local n = N
local perm, perm1, count = {}, {}, {}
for i = 0, n - 1 do perm1[i] = i end -- 0-based, like the other versions
local max_flips, checksum, sign = 0, 0, 1
local r = n
while true do
  -- reset the counters of the positions that rotated
  while r ~= 1 do
    count[r - 1] = r
    r = r - 1
  end
  for i = 0, n - 1 do perm[i] = perm1[i] end
  local flips = 0
  local k = perm[0]
  while k ~= 0 do
    local i, j = 0, k
    while i < j do
      perm[i], perm[j] = perm[j], perm[i]
      i, j = i + 1, j - 1
    end
    flips = flips + 1
    k = perm[0]
  end
  if flips > max_flips then max_flips = flips end
  checksum = checksum + sign * flips
  sign = -sign
  -- next permutation: rotate the first r + 1 elements until a counter is left
  while true do
    if r == n then
      print(checksum)
      print(string.format("Pfannkuchen(%d) = %d", n, max_flips))
      return
    end
    local first = perm1[0]
    for i = 0, r - 1 do perm1[i] = perm1[i + 1] end
    perm1[r] = first
    count[r] = count[r] - 1
    if count[r] > 0 then break end
    r = r + 1
  end
end
