#!/usr/bin/env python3
"""Growth checks: doubling n should roughly double the time, on every backend.

    python3 bench/complexity.py [--scale S] [--factor F] [--only NAME]

For each case and backend it times the program at n and 2n (best of 3, minus the time of an
empty program on that backend) and prints the ratio t(2n)/t(n): about 2 is linear, about 4
quadratic. A ratio above --factor (default 3) is flagged `SLOW` and the exit status is 1.
Run cases: `aura run [--target T]`; compile cases: `aura check` (interp) or `aura build`.
Not part of the test suite (no timings in tests). Needs a release build or $AURA.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("interp", "wasm", "native")


def str_index(n):
    return f"""fn main() {{
    let parts = []
    for i in range({n} / 4) {{ push(parts, "aé€😀") }}
    let s = join(parts, "")
    let k = 0
    let i = 0
    while i < len(s) {{
        if s[i] == "€" {{ k = k + 1 }}
        i = i + 1
    }}
    print(k)
}}
"""


def str_index_random(n):
    return f"""fn main() {{
    let parts = []
    for i in range({n} / 4) {{ push(parts, "aé€😀") }}
    let s = join(parts, "")
    let k = 0
    let p = 1
    for i in range({n}) {{
        p = (p * 7919 + 13) % len(s)
        if s[p] == "€" {{ k = k + 1 }}
    }}
    print(k)
}}
"""


def map_remove(n):
    return f"""fn main() {{
    let m = {{}}
    for i in range({n}) {{ m["k" + str(i)] = i }}
    for i in range({n} / 2) {{ remove(m, "k" + str(2 * i)) }}
    print(len(m))
}}
"""


def str_build(n):
    return f"""fn main() {{
    let s = ""
    for i in range({n}) {{ s = s + "é" + "x" }}
    print(len(s))
}}
"""


def list_push_pop(n):
    return f"""fn main() {{
    let l = []
    for i in range({n}) {{ push(l, i) }}
    let t = 0
    while len(l) > 0 {{ t = t + pop(l) }}
    print(t)
}}
"""


def compile_lines(n):
    body = "\n".join(f"    let v{i} = x * {i} + {i}" for i in range(n))
    return f"fn main() {{\n    let x = 1\n{body}\n    print(x)\n}}\n"


def compile_branches(n):
    body = "\n".join(f"    if x == {i} {{ y = y + 1 }}" for i in range(n))
    return f"fn main() {{\n    let x = 0\n    let y = 0\n{body}\n    print(y)\n}}\n"


# name, program, kind, n per backend (interp, wasm, native)
CASES = [
    ("str index (non-ASCII)", str_index, "run", (100_000, 100_000, 100_000)),
    ("str random index", str_index_random, "run", (400_000, 400_000, 400_000)),
    ("map insert/remove", map_remove, "run", (40_000, 40_000, 40_000)),
    ("str build", str_build, "run", (100_000, 100_000, 100_000)),
    ("list push/pop", list_push_pop, "run", (200_000, 200_000, 200_000)),
    ("compile per line", compile_lines, "compile", (4_000, 2_000, 2_000)),
    ("compile per branch", compile_branches, "compile", (4_000, 2_000, 2_000)),
]


def find_aura():
    if os.environ.get("AURA"):
        return os.environ["AURA"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("release", "debug"):
        if (target / profile / "aura").exists():
            return str(target / profile / "aura")
    sys.exit("complexity.py: build aura first (cargo build --release) or set AURA")


def command(aura, path, backend, kind):
    if kind == "run":
        return [aura, "run", path] + ([] if backend == "interp" else ["--target", backend])
    if backend == "interp":
        return [aura, "check", path]
    return [aura, "build", path, "--target", backend, "-o", os.devnull]


def best_time(cmd, repeat=3):
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, timeout=600)
        dt = time.perf_counter() - t
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr[:300]!r}")
        best = dt if best is None else min(best, dt)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every n")
    ap.add_argument("--factor", type=float, default=3.0, help="largest accepted ratio")
    ap.add_argument("--only", help="run the cases whose name contains this")
    args = ap.parse_args()
    aura = find_aura()
    slow = 0
    with tempfile.TemporaryDirectory() as work:
        def write(name, text):
            path = os.path.join(work, name)
            Path(path).write_text(text)
            return path

        empty = write("empty.aura", "fn main() {\n}\n")
        base = {(b, k): best_time(command(aura, empty, b, k)) for b in BACKENDS
                for k in ("run", "compile")}
        print(f"{'case':<24}{'backend':<8}{'n':>8}{'t(n) s':>9}{'t(2n) s':>9}{'ratio':>7}")
        for name, program, kind, ns in CASES:
            if args.only and args.only not in name:
                continue
            for backend, n in zip(BACKENDS, ns):
                n = max(1, int(n * args.scale))
                t = []
                for m in (n, 2 * n):
                    path = write(f"case{m}.aura", program(m))
                    t.append(max(best_time(command(aura, path, backend, kind)) - base[backend, kind],
                                 1e-3))
                ratio = t[1] / t[0]
                flag = ""
                if ratio > args.factor and t[1] > 0.05:
                    flag, slow = "  SLOW", slow + 1
                print(f"{name:<24}{backend:<8}{n:>8}{t[0]:>9.3f}{t[1]:>9.3f}{ratio:>7.2f}{flag}",
                      flush=True)
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
