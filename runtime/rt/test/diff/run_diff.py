#!/usr/bin/env python3
"""Differential test of the C runtime against the tree interpreter: every case of cases.txt
(`OP<TAB>JSON array of arguments`) runs through diff_driver (the runtime) and through
`aura run` of a generated program, and the outputs must match (error kinds included).
Usage: run_diff.py AURA_BINARY DRIVER_BINARY"""
import subprocess
import sys
import tempfile
from pathlib import Path

KINDS = ["type error", "division by zero", "integer overflow", "index out of range",
         "does not understand", "stack overflow", "out of memory", "out of fuel",
         "assertion failed", "json error", "error"]
BINOPS = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">="}


def aura_literal(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def program(op, args_json, argc):
    args = ", ".join(f"a[{i}]" for i in range(argc))
    if op in BINOPS:
        expr = f"print(a[0] {op} a[1])"
    elif op == "neg":
        expr = "print(-a[0])"
    elif op == "index":
        expr = "print(a[0][a[1]])"
    elif op == "setindex":
        expr = "let o = a[0]\n    o[a[1]] = a[2]\n    print(o)"
    elif op == "field":
        expr = "print(a[0]." + __import__("json").loads(args_json)[1] + ")"
    elif op == "iter":
        expr = "for x in a[0] { print(x) }\n    print(nil)"
    else:
        expr = f"print({op}({args}))"
    return f"fn main() {{\n    let a = json_decode({aura_literal(args_json)})\n    {expr}\n}}\n"


def main():
    aura, driver = sys.argv[1], sys.argv[2]
    cases = [l.split("\t", 1) for l in
             (Path(__file__).parent / "cases.txt").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    feed = "".join(f"{op}\t{args}\n" for op, args in cases)
    ours = subprocess.run([driver], input=feed, capture_output=True, text=True).stdout
    blocks = ours.split("\x01CASE ")[1:]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for (op, args), block in zip(cases, blocks):
            got = block.split("\n", 1)[1]
            argc = len(__import__("json").loads(args))
            path = Path(tmp) / "case.aura"
            path.write_text(program(op, args, argc))
            run = subprocess.run([aura, "run", str(path)], capture_output=True, text=True)
            want = run.stdout
            if run.returncode != 0:
                first = run.stderr.splitlines()[0] if run.stderr else ""
                kind = next((i for i, k in enumerate(KINDS)
                             if first.startswith(f"runtime error: {k}:")), None)
                want += f"ERROR {kind}\n" if kind is not None else f"FAILED {first}\n"
            if got != want:
                failures += 1
                print(f"case {op} {args}:\n  runtime:     {got!r}\n  interpreter: {want!r}")
    if len(blocks) != len(cases):
        print(f"driver printed {len(blocks)} cases of {len(cases)}")
        failures += 1
    print(f"{len(cases)} differential cases, {failures} failures")
    sys.exit(1 if failures else 0)


main()
