-- sha256 of a 1 000 000-character string. Lua has no hashing builtin, so this
-- is a pure-Lua SHA-256 (FIPS 180-4) on Lua 5.4 64-bit integers, masked to 32 bits.

local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

local M = 0xffffffff

local function sha256(msg)
  local h0, h1, h2, h3 = 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a
  local h4, h5, h6, h7 = 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19

  -- padding: 0x80, zeros to 56 mod 64, then the bit length as a big-endian u64
  local bitlen = #msg * 8
  local pad = 64 - ((#msg + 9) % 64)
  if pad == 64 then pad = 0 end
  msg = msg .. "\128" .. string.rep("\0", pad) .. string.pack(">I8", bitlen)

  local w = {}
  local unpack = string.unpack
  for chunk = 1, #msg, 64 do
    for t = 1, 16 do
      w[t] = unpack(">I4", msg, chunk + (t - 1) * 4)
    end
    for t = 17, 64 do
      local x, y = w[t - 15], w[t - 2]
      local s0 = ((x >> 7) | (x << 25)) ~ ((x >> 18) | (x << 14)) ~ (x >> 3)
      local s1 = ((y >> 17) | (y << 15)) ~ ((y >> 19) | (y << 13)) ~ (y >> 10)
      w[t] = (w[t - 16] + (s0 & M) + w[t - 7] + (s1 & M)) & M
    end

    local a, b, c, d, e, f, g, h = h0, h1, h2, h3, h4, h5, h6, h7
    for t = 1, 64 do
      local S1 = (((e >> 6) | (e << 26)) ~ ((e >> 11) | (e << 21)) ~ ((e >> 25) | (e << 7))) & M
      local ch = (e & f) ~ ((~e) & g)
      local t1 = h + S1 + (ch & M) + K[t] + w[t]
      local S0 = (((a >> 2) | (a << 30)) ~ ((a >> 13) | (a << 19)) ~ ((a >> 22) | (a << 10))) & M
      local maj = (a & b) ~ (a & c) ~ (b & c)
      local t2 = S0 + maj
      h = g
      g = f
      f = e
      e = (d + t1) & M
      d = c
      c = b
      b = a
      a = (t1 + t2) & M
    end

    h0 = (h0 + a) & M
    h1 = (h1 + b) & M
    h2 = (h2 + c) & M
    h3 = (h3 + d) & M
    h4 = (h4 + e) & M
    h5 = (h5 + f) & M
    h6 = (h6 + g) & M
    h7 = (h7 + h) & M
  end

  return string.format("%08x%08x%08x%08x%08x%08x%08x%08x", h0, h1, h2, h3, h4, h5, h6, h7)
end

assert(sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
assert(sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")

local s = string.rep("abcdefghij", 100000)
print(sha256(s))
