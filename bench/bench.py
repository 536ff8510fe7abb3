#!/usr/bin/env python3
"""Time the Aura benchmarks against other implementations and print a Markdown table.

Usually started through `bench/run.sh`, which installs Lua and builds the CLI first.
Run from anywhere; paths are relative to the repository root.

Environment:
  BENCH_RUNS=5          runs per benchmark and backend; the median is reported
  BENCH_ONLY=fib,loops  run only these benchmarks
  BENCH_TIMEOUT=300     seconds before a single run is killed ("timeout")
  AURA=path             the aura binary (default: $CARGO_TARGET_DIR or target, /release/aura)
  PYTHON=python3        the CPython interpreter (default: the one running this script)
  LUA=lua5.4            the Lua 5.4 interpreter
  BENCH_QUICK=1         run each benchmark at its small `--quick` size (to check outputs)

Each run is timed as a whole process (wall clock, start-up included). The first backend is the
baseline: every other backend gets a ratio column `its time / baseline time`, so a ratio above 1
means the baseline (the Aura interpreter) is faster. Outputs are compared against the reference
backend (the C twin); a backend that prints something else gets a warning row and its ratio is left
out of the geometric mean. A backend that fails is shown as "error" (details under the table),
one that runs out of memory as "OOM".
Exit status: 0, or 1 when some backend printed a wrong result, or 2 on a usage error.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = "bench"

# Each benchmark with its `--quick` size: BENCH_QUICK=1 runs a copy of each source whose line
# marked `bench:size` has its last integer replaced by that size (None: run as written).
BENCHMARKS = {
    "fib": None, "loops": None, "strings": None, "maps": None, "sends": None, "sha256": None,
    "binary-trees": 6, "n-body": 1000, "spectral-norm": 100, "fannkuch-redux": 7,
    "mandelbrot": 203, "matmul": 60, "sudoku": 2,
}
SIZE_MARK = "bench:size"


@dataclass
class Backend:
    label: str  # column header, shown as "LABEL (s)"
    short: str  # name in the ratio column header, "SHORT/aura"
    ext: str  # source file extension: bench/NAME.EXT (missing file -> "n/a")
    run: str  # command template, see fill() for the placeholders
    build: str | None = None  # optional command run once before timing (not timed)
    reference: bool = False  # its output is the one the others must match


# One line per column. Placeholders: {aura} {python} {lua} {name} {src} {tmp} {root}.
# The first entry is the baseline the ratios are computed against.
BACKENDS = [
    Backend("aura interp", "aura", "aura", "{aura} run {src}"),
    Backend("CPython", "CPython", "py", "{python} {src}"),
    Backend("Lua 5.4", "Lua", "lua", "{lua} {src}"),
    # compile + instantiate in wasmtime + run, all timed (what `aura run --target wasm` costs)
    Backend("aura wasm", "wasm", "aura", "{aura} run {src} --target wasm"),
    # the executable from `aura build --emit exe` (built once, untimed, like the C column)
    Backend("aura native", "native", "aura", "{tmp}/{name}.native",
            build="{aura} build {src} --target native --emit exe -o {tmp}/{name}.native"),
    Backend("gcc -O2", "C", "c", "{tmp}/{name}.c.exe", build="gcc -O2 -o {tmp}/{name}.c.exe {src} -lm",
            reference=True),
]

# Extra ratio columns "A/B" = time of A / time of B, by Backend.short (above 1: B is faster).
# They are the goals of the issues: wasm >= 10x the interpreter, native >= 30x, wasm/native
# <= 1.3, native within 1.5x of gcc -O2.
EXTRA_RATIOS = [("aura", "wasm"), ("aura", "native"), ("wasm", "native"), ("native", "C")]


def default_aura() -> str:
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    if not target.is_absolute():
        target = ROOT / target
    return str(target / "release" / "aura")


def fill(template: str, name: str, src: str, tmp: str) -> list[str]:
    values = {
        "aura": os.environ.get("AURA") or default_aura(),
        # the interpreter running this script: already resolved, so no pyenv-style shim
        # start-up (tens of milliseconds) is timed
        "python": os.environ.get("PYTHON") or sys.executable or "python3",
        "lua": os.environ.get("LUA") or "lua5.4",
        "name": name,
        "src": src,
        "tmp": tmp,
        "root": str(ROOT),
    }
    return [part.format(**values) for part in shlex.split(template)]


class RunFailed(Exception):
    def __init__(self, cell: str, detail: str):
        super().__init__(detail)
        self.cell = cell
        self.detail = detail


def progress(text: str) -> None:
    """A one-line status on an interactive stderr; nothing when stderr is redirected."""
    if sys.stderr.isatty():
        print(f"\r\033[K{text}", file=sys.stderr, end="", flush=True)


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def run_once(argv: list[str], timeout: float) -> tuple[float, str]:
    """Run one process; return (wall seconds, stdout stripped of trailing whitespace)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            argv, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout
        )
    except FileNotFoundError:
        raise RunFailed("error", f"command not found: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise RunFailed("timeout", f"killed after {timeout:g} s") from None
    elapsed = time.perf_counter() - start
    stdout = proc.stdout.decode("utf-8", "replace").rstrip()
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace")
        why = first_line(stderr) or first_line(stdout) or "(no output)"
        cell = "OOM" if "out of memory" in stderr else "error"
        raise RunFailed(cell, f"exit status {proc.returncode}: {why}")
    return elapsed, stdout


@dataclass
class Cell:
    median: float | None = None  # seconds, when every run succeeded
    output: str | None = None
    text: str = ""  # what the table shows when there is no time: error / timeout / n/a
    wrong: bool = False  # output differs from the reference


def resized(src: str, size: int, tmp: str) -> str:
    """A copy of `src` in `tmp` whose line marked SIZE_MARK has its last integer set to `size`."""
    lines = (ROOT / src).read_text().splitlines(keepends=True)
    marked = [i for i, line in enumerate(lines) if SIZE_MARK in line]
    if len(marked) != 1:
        raise RunFailed("error", f"{src}: expected one line marked {SIZE_MARK}, found {len(marked)}")
    line = lines[marked[0]]
    code, rest = line.split(SIZE_MARK, 1)
    numbers = list(re.finditer(r"\d+", code))
    if not numbers:
        raise RunFailed("error", f"{src}: no size on the line marked {SIZE_MARK}")
    last = numbers[-1]
    lines[marked[0]] = code[: last.start()] + str(size) + code[last.end():] + SIZE_MARK + rest
    out = Path(tmp) / "quick" / Path(src).name
    out.parent.mkdir(exist_ok=True)
    out.write_text("".join(lines))
    return str(out)


def measure(backend: Backend, name: str, runs: int, timeout: float, tmp: str,
            notes: list[str]) -> Cell:
    src = f"{BENCH_DIR}/{name}.{backend.ext}"
    if not (ROOT / src).is_file():
        return Cell(text="n/a")
    try:
        size = BENCHMARKS[name]
        if os.environ.get("BENCH_QUICK", "") not in ("", "0") and size is not None:
            src = resized(src, size, tmp)
        if backend.build:
            argv = fill(backend.build, name, src, tmp)
            try:
                proc = subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=timeout)
            except FileNotFoundError:
                raise RunFailed("error", f"build: command not found: {argv[0]}") from None
            if proc.returncode != 0:
                why = first_line(proc.stderr.decode("utf-8", "replace"))
                raise RunFailed("error", f"build failed: {why}")
        argv = fill(backend.run, name, src, tmp)
        times = []
        output = None
        for i in range(runs):
            progress(f"{name} / {backend.label}: run {i + 1} of {runs}")
            elapsed, out = run_once(argv, timeout)
            times.append(elapsed)
            if output is None:
                output = out
            elif out != output:
                notes.append(f"{backend.label} / {name}: output changed between runs")
        return Cell(median=statistics.median(times), output=output)
    except RunFailed as failure:
        notes.append(f"{backend.label} / {name}: {failure.detail}")
        return Cell(text=failure.cell)
    finally:
        progress("")


def fmt_time(cell: Cell) -> str:
    if cell.median is None:
        return cell.text
    shown = f"{cell.median:.3f}"
    return shown + " (wrong)" if cell.wrong else shown


def ratio(base: Cell, other: Cell) -> float | None:
    if base.median is None or other.median is None or base.wrong or other.wrong:
        return None
    if base.median <= 0:
        return None
    return other.median / base.median


def md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def main() -> int:
    try:
        runs = int(os.environ.get("BENCH_RUNS", "5"))
        timeout = float(os.environ.get("BENCH_TIMEOUT", "300"))
        if runs < 1 or timeout <= 0:
            raise ValueError
    except ValueError:
        print("bench: BENCH_RUNS must be a positive integer and BENCH_TIMEOUT a positive number",
              file=sys.stderr)
        return 2

    names = list(BENCHMARKS)
    only = os.environ.get("BENCH_ONLY", "").strip()
    if only:
        names = [n.strip() for n in only.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown:
            print(f"bench: unknown benchmark(s) {', '.join(unknown)}; "
                  f"known: {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2

    base, others = BACKENDS[0], BACKENDS[1:]
    header = ["benchmark"] + [f"{b.label} (s)" for b in BACKENDS]
    header += [f"{b.short}/{base.short}" for b in others]
    shorts = [b.short for b in BACKENDS]
    extra = [(shorts.index(a), shorts.index(b)) for a, b in EXTRA_RATIOS if a in shorts and b in shorts]
    header += [f"{BACKENDS[a].short}/{BACKENDS[b].short}" for a, b in extra]
    rows = [md_row(header), md_row(["---"] + ["---:"] * (len(header) - 1))]
    ratios: list[list[float]] = [[] for _ in others] + [[] for _ in extra]
    notes: list[str] = []
    mismatch = False

    with tempfile.TemporaryDirectory(prefix="aura-bench-") as tmp:
        for name in names:
            cells = [measure(b, name, runs, timeout, tmp, notes) for b in BACKENDS]

            # which output is right: the reference backend's, else the most common one
            outputs = [c.output for c in cells if c.output is not None]
            expected = None
            for b, c in zip(BACKENDS, cells):
                if b.reference and c.output is not None:
                    expected = c.output
            if expected is None and outputs:
                expected = max(set(outputs), key=outputs.count)
            for c in cells:
                c.wrong = c.output is not None and c.output != expected

            row = [name] + [fmt_time(c) for c in cells]
            for k, c in enumerate(cells[1:]):
                r = ratio(cells[0], c)
                if r is None:
                    row.append("—")
                else:
                    row.append(f"{r:.2f}")
                    ratios[k].append(r)
            for k, (a, b) in enumerate(extra):
                r = ratio(cells[b], cells[a])
                if r is None:
                    row.append("—")
                else:
                    row.append(f"{r:.2f}")
                    ratios[len(others) + k].append(r)
            rows.append(md_row(row))

            if any(c.wrong for c in cells):
                mismatch = True
                wrong = ", ".join(b.label for b, c in zip(BACKENDS, cells) if c.wrong)
                print(f"bench: MISMATCH in {name}: {wrong} printed something else than "
                      f"the reference", file=sys.stderr)
                shown = []
                for c in cells:
                    out = "" if c.output is None else c.output.replace("\n", "⏎")
                    shown.append(f"`{out[:40]}`" if c.output is not None else "")
                rows.append(md_row([f"⚠ {name}: outputs differ"] + shown
                                   + [""] * (len(others) + len(extra))))

    geo = ["geometric mean"] + [""] * len(BACKENDS)
    for rs in ratios:
        geo.append(f"{math.exp(sum(map(math.log, rs)) / len(rs)):.2f}" if rs else "—")
    rows.append(md_row(geo))

    print("\n".join(rows))
    print()
    print(f"Median of {runs} run(s) per cell, wall-clock seconds of the whole process. "
          f"X/{base.short} = X time / {base.label} time (above 1: {base.label} is faster).")
    if notes:
        print()
        print("Notes:")
        for note in notes:
            print(f"- {note}")
    return 1 if mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
