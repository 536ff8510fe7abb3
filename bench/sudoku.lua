-- sudoku (plb2's task): solve hard puzzles (a list of 7, cycled through) by backtracking that
-- always fills the empty cell with the fewest candidates (row, column and box tables of used
-- digits); small-array integer work and recursion. Prints the number solved and a checksum of
-- the solutions.
local PUZZLES_SOLVED = 21 -- bench:size (puzzles to solve)

local PUZZLES = {
  "8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..",
  "1....7.9..3..2...8..96..5....53..9...1..8...26....4...3......1..4......7..7...3..",
  "1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1",
  "..............3.85..1.2.......5.7.....4...1...9.......5......73..2.1........4...9",
  "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......",
  "52...6.........7.13...........4..8..6......5...........418.........3..2...87.....",
  "6.....8.3.4.7.................5.4.7.3..2.....1.6.......2.....5.....8.6......1....",
}

-- cells, rows, columns and boxes are 0-based, as in the other versions
local ROW, COL, BOX = {}, {}, {}
for cell = 0, 80 do
  ROW[cell] = cell // 9
  COL[cell] = cell % 9
  BOX[cell] = (cell // 27) * 3 + (cell % 9) // 3
end

local grid, rows, cols, boxes = {}, {}, {}, {}

local function place(cell, d, used)
  grid[cell] = used and d or 0
  rows[ROW[cell]][d] = used
  cols[COL[cell]][d] = used
  boxes[BOX[cell]][d] = used
end

local function candidates(cell)
  local row, col, box = rows[ROW[cell]], cols[COL[cell]], boxes[BOX[cell]]
  local count = 0
  for d = 1, 9 do
    if not row[d] and not col[d] and not box[d] then count = count + 1 end
  end
  return count
end

-- true when the grid is solved (it holds the solution), false when this branch has none
local function solve()
  local best, best_count = -1, 10
  for cell = 0, 80 do
    if grid[cell] == 0 then
      local count = candidates(cell)
      if count < best_count then best, best_count = cell, count end
    end
  end
  if best < 0 then return true end
  local row, col, box = rows[ROW[best]], cols[COL[best]], boxes[BOX[best]]
  for d = 1, 9 do
    if not row[d] and not col[d] and not box[d] then
      place(best, d, true)
      if solve() then return true end
      place(best, d, false)
    end
  end
  return false
end

local solved, h = 0, 0
for k = 0, PUZZLES_SOLVED - 1 do
  local puzzle = PUZZLES[k % #PUZZLES + 1]
  for i = 0, 8 do
    rows[i], cols[i], boxes[i] = {}, {}, {}
    for d = 1, 9 do rows[i][d], cols[i][d], boxes[i][d] = false, false, false end
  end
  for cell = 0, 80 do
    grid[cell] = 0
    local ch = puzzle:sub(cell + 1, cell + 1)
    if ch ~= "." then place(cell, tonumber(ch), true) end
  end
  if solve() then
    solved = solved + 1
    for cell = 0, 80 do h = (h * 31 + grid[cell]) % 1000000007 end
  end
end
print(solved .. " " .. h)
