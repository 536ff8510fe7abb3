#!/usr/bin/env python3
"""Time the Aura benchmarks against other implementations and print a Markdown table.

Usually started through `bench/run.sh`, which installs Lua and builds the CLI first.
Run from anywhere; paths are relative to the repository root.

Environment:
  BENCH_RUNS=5          runs per benchmark and backend; the median is reported
  BENCH_SET=all         speed (fib ... sha256), classics (binary-trees ... sudoku), memory
                        (alloc ... live_maps) or all
  BENCH_ONLY=fib,loops  run only these benchmarks (of either set)
  BENCH_TIMEOUT=300     seconds before a single run is killed ("timeout")
  AURA=path             the aura binary (default: $CARGO_TARGET_DIR or target, /release/aura)
  PYTHON=python3        the CPython interpreter (default: the one running this script)
  LUA=lua5.4            the Lua 5.4 interpreter
  BENCH_QUICK=1         run each classic at its small `--quick` size (to check outputs)

Each run is timed as a whole process (wall clock, start-up included), and its peak resident set
size (`ru_maxrss` from `os.wait4`) is recorded: a cell shows the median time and the largest peak
RSS of its runs, e.g. `0.074 s 14 MB`. The first backend is the
baseline: every other backend gets a ratio column `its time / baseline time`, so a ratio above 1
means the baseline (the Aura interpreter) is faster. Outputs are compared against the reference
backend (the C twin); a backend that prints something else gets a warning row and its ratio is left
out of the geometric mean. A backend that fails is shown as "error" (details under the table),
one that runs out of memory (its stderr says `out of memory`, or it is killed by a signal) as
"OOM".
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
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = "bench"

SPEED = ["fib", "loops", "strings", "maps", "sends", "sha256"]
# Allocation-heavy programs: their peak RSS is the point (issue 9).
MEMORY = ["alloc", "binary_trees", "cycles", "live_maps"]
# The Benchmarks Game and plb2 classics, sized so the C twin runs at least 0.1 s (issue 10).
CLASSICS = ["binary-trees", "n-body", "spectral-norm", "fannkuch-redux", "mandelbrot", "matmul",
            "sudoku"]
BENCHMARKS = SPEED + CLASSICS + MEMORY
# The `--quick` sizes: BENCH_QUICK=1 runs a copy of each source whose line marked `bench:size` has
# its last integer replaced by this size. Benchmarks not listed run as written.
QUICK_SIZES = {"binary-trees": 6, "n-body": 1000, "spectral-norm": 100, "fannkuch-redux": 7,
               "mandelbrot": 203, "matmul": 60, "sudoku": 2}
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


# GNU time measures the peak RSS of the program alone: `ru_maxrss` of a process started directly
# from here would include this Python process's own size, which its fork inherits before exec.
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_once(argv: list[str], timeout: float) -> tuple[float, str, int]:
    """Run one process; return (wall seconds, stdout stripped of trailing whitespace, peak RSS in
    bytes)."""
    with tempfile.TemporaryDirectory(prefix="aura-run-") as scratch:
        rss_file = os.path.join(scratch, "rss")
        wrapped = [TIME, "-f", "%M", "-o", rss_file, "--"] + argv if TIME else argv
        with open(os.path.join(scratch, "out"), "w+b") as out, \
                open(os.path.join(scratch, "err"), "w+b") as err:
            start = time.perf_counter()
            try:
                proc = subprocess.Popen(wrapped, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=err, start_new_session=True)
            except FileNotFoundError:
                raise RunFailed("error", f"command not found: {wrapped[0]}") from None
            # wait4 blocks, so it runs in a thread while this one enforces the timeout.
            done: dict = {}

            def wait() -> None:
                _, status, usage = os.wait4(proc.pid, 0)
                done["elapsed"] = time.perf_counter() - start
                done["status"] = status
                done["usage"] = usage

            waiter = threading.Thread(target=wait, daemon=True)
            waiter.start()
            waiter.join(timeout)
            if waiter.is_alive():
                try:
                    os.killpg(proc.pid, 9)
                except ProcessLookupError:
                    pass
                waiter.join()
                proc.returncode = -9
                raise RunFailed("timeout", f"killed after {timeout:g} s")
            code = os.waitstatus_to_exitcode(done["status"])
            proc.returncode = code  # reaped here: Popen must not wait for it again
            elapsed = done["elapsed"]
            peak = done["usage"].ru_maxrss * 1024  # KiB on Linux
            signal = None
            if TIME:
                try:
                    report = Path(rss_file).read_text().split()
                except OSError:
                    report = []
                if "command" in " ".join(report).lower() and "signal" in report:
                    signal = report[report.index("signal") + 1]
                if report and report[-1].isdigit():
                    peak = int(report[-1]) * 1024
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", "replace").rstrip()
            stderr = err.read().decode("utf-8", "replace")
    if code != 0 or signal:
        why = first_line(stderr) or first_line(stdout) or "(no output)"
        if "out of memory" in stderr.lower() or "out of memory" in stdout.lower():
            raise RunFailed("OOM", f"exit status {code}: {why} (peak RSS {mib(peak)})")
        if code < 0 or signal:
            raise RunFailed("OOM", f"killed by signal {signal or -code} (peak RSS {mib(peak)}): "
                            f"{why}")
        raise RunFailed("error", f"exit status {code}: {why}")
    return elapsed, stdout, peak


def mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


@dataclass
class Cell:
    median: float | None = None  # seconds, when every run succeeded
    peak: int | None = None  # the largest peak RSS of the runs, bytes
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
        size = QUICK_SIZES.get(name)
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
        peak = 0
        output = None
        for i in range(runs):
            progress(f"{name} / {backend.label}: run {i + 1} of {runs}")
            elapsed, out, rss = run_once(argv, timeout)
            times.append(elapsed)
            peak = max(peak, rss)
            if output is None:
                output = out
            elif out != output:
                notes.append(f"{backend.label} / {name}: output changed between runs")
        return Cell(median=statistics.median(times), peak=peak, output=output)
    except RunFailed as failure:
        notes.append(f"{backend.label} / {name}: {failure.detail}")
        return Cell(text=failure.cell)
    finally:
        progress("")


def fmt_time(cell: Cell) -> str:
    if cell.median is None:
        return cell.text
    shown = f"{cell.median:.3f} s"
    if cell.peak is not None:
        shown += f" {mib(cell.peak)}"
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

    sets = {"speed": SPEED, "classics": CLASSICS, "memory": MEMORY, "all": BENCHMARKS}
    chosen = os.environ.get("BENCH_SET", "all").strip() or "all"
    if chosen not in sets:
        print(f"bench: BENCH_SET must be one of {', '.join(sets)}", file=sys.stderr)
        return 2
    names = sets[chosen]
    only = os.environ.get("BENCH_ONLY", "").strip()
    if only:
        names = [n.strip() for n in only.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown:
            print(f"bench: unknown benchmark(s) {', '.join(unknown)}; "
                  f"known: {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2

    base, others = BACKENDS[0], BACKENDS[1:]
    header = ["benchmark"] + [f"{b.label} (s, peak RSS)" for b in BACKENDS]
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
    print(f"Median of {runs} run(s) per cell, wall-clock seconds of the whole process, and the "
          f"largest peak RSS of those runs (MB = MiB). "
          f"X/{base.short} = X time / {base.label} time (above 1: {base.label} is faster).")
    if notes:
        print()
        print("Notes:")
        for note in notes:
            print(f"- {note}")
    return 1 if mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
