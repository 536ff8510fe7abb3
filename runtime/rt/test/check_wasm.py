#!/usr/bin/env python3
"""Checks aura_rt.wasm: its imports are exactly the aura_* host functions (with the expected
signatures), it exports memory, its table, __heap_base/__data_end and every runtime function of
aura_rt.h with 64-bit parameters and result."""
import re
import sys
from pathlib import Path


def leb(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, pos


def name(data, pos):
    n, pos = leb(data, pos)
    return data[pos : pos + n].decode(), pos + n


def parse(data):
    assert data[:8] == b"\0asm\1\0\0\0", "not a wasm module"
    pos, types, imports, funcs, exports = 8, [], [], [], {}
    while pos < len(data):
        sid = data[pos]
        size, pos = leb(data, pos + 1)
        end, p = pos + size, pos
        if sid == 1:
            count, p = leb(data, p)
            for _ in range(count):
                assert data[p] == 0x60
                np, p = leb(data, p + 1)
                params = list(data[p : p + np])
                p += np
                nr, p = leb(data, p)
                results = list(data[p : p + nr])
                p += nr
                types.append((params, results))
        elif sid == 2:
            count, p = leb(data, p)
            for _ in range(count):
                mod, p = name(data, p)
                field, p = name(data, p)
                kind = data[p]
                p += 1
                if kind == 0:
                    t, p = leb(data, p)
                    imports.append((mod, field, t))
                    funcs.append(t)
                else:
                    imports.append((mod, field, None))
                    p += {1: 3, 2: 2, 3: 2}.get(kind, 0)  # rough: only functions expected
        elif sid == 3:
            count, p = leb(data, p)
            for _ in range(count):
                t, p = leb(data, p)
                funcs.append(t)
        elif sid == 7:
            count, p = leb(data, p)
            for _ in range(count):
                field, p = name(data, p)
                kind = data[p]
                idx, p = leb(data, p + 1)
                exports[field] = (kind, idx)
        pos = end
    return types, imports, funcs, exports


def main():
    path = Path(sys.argv[1])
    data = path.read_bytes()
    types, imports, funcs, exports = parse(data)
    i32, i64 = 0x7F, 0x7E
    want_imports = {
        "aura_write": ([i32, i32, i32], []),
        "aura_fail": ([i32, i32, i32], []),
        "aura_try": ([i64, i64], [i64]),
        "aura_cap_store": ([i32, i32, i32, i32], [i64]),
        "aura_cap_log": ([i32, i32, i32, i32], [i64]),
        "aura_cap_clock": ([i32, i32, i32, i32], [i64]),
    }
    errors = []
    got = {}
    for mod, field, t in imports:
        if mod != "aura" or field not in want_imports or t is None:
            errors.append(f"unexpected import {mod}.{field}")
            continue
        got[field] = types[t]
    for field, sig in want_imports.items():
        if field in got and got[field] != sig:
            errors.append(f"import {field} has signature {got[field]}, want {sig}")
    header = (Path(__file__).parent.parent / "aura_rt.h").read_text()
    names = re.findall(r"AURA_API [^;]*?\b(rt_\w+)\(", header)
    names += ["rt_b_" + b for b in re.findall(r"^\s*X\((\w+),", header, re.M)]
    for n in names:
        if n not in exports:
            errors.append(f"missing export {n}")
            continue
        kind, idx = exports[n]
        params, results = types[funcs[idx]]
        if any(p != i64 for p in params) or results not in ([i64], []):
            errors.append(f"export {n} is not 64-bit: {params} -> {results}")
        # The limit setters return nothing; every other export returns a value word.
        setters = ("rt_set_max_depth", "rt_set_max_memory", "rt_set_gc_trigger")
        if n not in setters and results != [i64]:
            errors.append(f"export {n} returns nothing")
    for n in ["memory", "__indirect_function_table", "__heap_base", "__data_end"]:
        if n not in exports:
            errors.append(f"missing export {n}")
    extra = [e for e in exports if e.startswith("rt_") and e not in names]
    if extra:
        errors.append(f"unexpected exports {extra}")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)
    print(f"{path.name}: {len(data)} bytes, {len(imports)} imports, {len(names)} rt exports: ok")


main()
