// sudoku (plb2's task): solve hard puzzles (a list of 7, cycled through) by backtracking that
// always fills the empty cell with the fewest candidates (row, column and box tables of used
// digits); small-array integer work and recursion. Prints the number solved and a checksum of
// the solutions.
#include <stdio.h>

#define PUZZLES_SOLVED 21 // bench:size (puzzles to solve)

static const char *PUZZLES[] = {
    "8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..",
    "1....7.9..3..2...8..96..5....53..9...1..8...26....4...3......1..4......7..7...3..",
    "1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1",
    "..............3.85..1.2.......5.7.....4...1...9.......5......73..2.1........4...9",
    "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......",
    "52...6.........7.13...........4..8..6......5...........418.........3..2...87.....",
    "6.....8.3.4.7.................5.4.7.3..2.....1.6.......2.....5.....8.6......1....",
};
#define PUZZLE_COUNT ((int)(sizeof PUZZLES / sizeof PUZZLES[0]))

static int grid[81];
static int row_used[9][10], col_used[9][10], box_used[9][10];

static int box_of(int cell) {
    return (cell / 27) * 3 + (cell % 9) / 3;
}

static void place(int cell, int d, int used) {
    grid[cell] = used ? d : 0;
    row_used[cell / 9][d] = used;
    col_used[cell % 9][d] = used;
    box_used[box_of(cell)][d] = used;
}

static int candidates(int cell) {
    int count = 0;
    for (int d = 1; d <= 9; d++)
        if (!row_used[cell / 9][d] && !col_used[cell % 9][d] && !box_used[box_of(cell)][d]) count++;
    return count;
}

// 1 when the grid is solved (grid holds the solution), 0 when this branch has none
static int solve(void) {
    int best = -1, best_count = 10;
    for (int cell = 0; cell < 81; cell++) {
        if (grid[cell] == 0) {
            int count = candidates(cell);
            if (count < best_count) {
                best = cell;
                best_count = count;
            }
        }
    }
    if (best < 0) return 1;
    int r = best / 9, c = best % 9, b = box_of(best);
    for (int d = 1; d <= 9; d++) {
        if (!row_used[r][d] && !col_used[c][d] && !box_used[b][d]) {
            place(best, d, 1);
            if (solve()) return 1;
            place(best, d, 0);
        }
    }
    return 0;
}

int main(void) {
    int solved = 0;
    long hash = 0;
    for (int k = 0; k < PUZZLES_SOLVED; k++) {
        const char *puzzle = PUZZLES[k % PUZZLE_COUNT];
        for (int i = 0; i < 9; i++)
            for (int d = 0; d <= 9; d++) row_used[i][d] = col_used[i][d] = box_used[i][d] = 0;
        for (int cell = 0; cell < 81; cell++) {
            grid[cell] = 0;
            if (puzzle[cell] != '.') place(cell, puzzle[cell] - '0', 1);
        }
        if (solve()) {
            solved++;
            for (int cell = 0; cell < 81; cell++) hash = (hash * 31 + grid[cell]) % 1000000007;
        }
    }
    printf("%d %ld\n", solved, hash);
    return 0;
}
