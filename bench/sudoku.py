# sudoku (plb2's task): solve hard puzzles (a list of 7, cycled through) by backtracking that
# always fills the empty cell with the fewest candidates (row, column and box tables of used
# digits); small-array integer work and recursion. Prints the number solved and a checksum of
# the solutions.
PUZZLES_SOLVED = 21  # bench:size (puzzles to solve)

PUZZLES = [
    "8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..",
    "1....7.9..3..2...8..96..5....53..9...1..8...26....4...3......1..4......7..7...3..",
    "1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1",
    "..............3.85..1.2.......5.7.....4...1...9.......5......73..2.1........4...9",
    "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......",
    "52...6.........7.13...........4..8..6......5...........418.........3..2...87.....",
    "6.....8.3.4.7.................5.4.7.3..2.....1.6.......2.....5.....8.6......1....",
]

BOX = [(cell // 27) * 3 + (cell % 9) // 3 for cell in range(81)]


class Solver:
    def __init__(self, puzzle):
        self.grid = [0] * 81
        self.rows = [[False] * 10 for _ in range(9)]
        self.cols = [[False] * 10 for _ in range(9)]
        self.boxes = [[False] * 10 for _ in range(9)]
        for cell, ch in enumerate(puzzle):
            if ch != ".":
                self.place(cell, int(ch), True)

    def place(self, cell, d, used):
        self.grid[cell] = d if used else 0
        self.rows[cell // 9][d] = used
        self.cols[cell % 9][d] = used
        self.boxes[BOX[cell]][d] = used

    def candidates(self, cell):
        row, col, box = self.rows[cell // 9], self.cols[cell % 9], self.boxes[BOX[cell]]
        count = 0
        for d in range(1, 10):
            if not row[d] and not col[d] and not box[d]:
                count += 1
        return count

    def solve(self):
        """True when the grid is solved (it holds the solution), False when this branch has none."""
        best, best_count = -1, 10
        for cell in range(81):
            if self.grid[cell] == 0:
                count = self.candidates(cell)
                if count < best_count:
                    best, best_count = cell, count
        if best < 0:
            return True
        row, col, box = self.rows[best // 9], self.cols[best % 9], self.boxes[BOX[best]]
        for d in range(1, 10):
            if not row[d] and not col[d] and not box[d]:
                self.place(best, d, True)
                if self.solve():
                    return True
                self.place(best, d, False)
        return False


def main():
    solved = 0
    h = 0
    for k in range(PUZZLES_SOLVED):
        solver = Solver(PUZZLES[k % len(PUZZLES)])
        if solver.solve():
            solved += 1
            for d in solver.grid:
                h = (h * 31 + d) % 1000000007
    print(solved, h)


main()
