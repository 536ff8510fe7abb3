#!/usr/bin/env python3
"""Differential fuzzer: random valid, terminating Aura programs run on every backend.

Each seed gives one program (`Gen(seed)`), written from spec/language.md and the conformance
programs. It is run with `aura run` on the interpreter, `--target wasm` and `--target native`;
the three results (stdout, the whole stderr, exit status) must be identical. A divergence is
shrunk (delta debugging over statements, blocks and expressions, keeping a divergence between
the same backends) and written to tests/fuzz/findings/; `save` turns it into a conformance case.

    tests/fuzz/fuzz.py run [--seeds N] [--start S] [--minutes M]   # fuzz
    tests/fuzz/fuzz.py show SEED                                    # print one program
    tests/fuzz/fuzz.py shrink FILE                                  # shrink a divergent program
    tests/fuzz/fuzz.py save FILE NAME                               # -> tests/conformance/NAME.*

The `aura` binary is $AURA, else target/{release,debug}/aura under $CARGO_TARGET_DIR or the
repository. Generated programs stay small in allocation (compiled code does not free memory).
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FINDINGS = ROOT / "tests" / "fuzz" / "findings"
BACKENDS = ("interp", "wasm", "native")
TIMEOUT = 30  # seconds per run; a program that hangs on one backend is a divergence


# ---------------------------------------------------------------------------------------------
# Program representation: expressions are `Node(fmt, kids)` (fmt has one `{}` per kid), statements
# are `Stmt(node)` or `Block(header, body, orelse)`; the shrinker edits these trees.


class Node:
    def __init__(self, fmt, kids=()):
        self.fmt, self.kids = fmt, list(kids)

    def text(self):
        return self.fmt.format(*(k.text() for k in self.kids))


def leaf(text):
    return Node(text.replace("{", "{{").replace("}", "}}"))


class Stmt:
    def __init__(self, node):
        self.node = node


class Block:
    """`header { body }` or `header { body } else { orelse }` (`mid` is `else`, or `catch NAME`
    after `try`); `splice` blocks (if/for/while/try) may be replaced by their body when
    shrinking."""

    def __init__(self, header, body, orelse=None, splice=True, mid="else"):
        self.header, self.body, self.orelse, self.splice = header, body, orelse, splice
        self.mid = mid


def render(items):
    out = []

    def emit(stmts, depth):
        pad = "    " * depth
        for s in stmts:
            if isinstance(s, Stmt):
                out.append(pad + s.node.text())
            else:
                out.append(pad + s.header.text() + " {")
                emit(s.body, depth + 1)
                if s.orelse is not None:
                    out.append(pad + "} " + s.mid + " {")
                    emit(s.orelse, depth + 1)
                out.append(pad + "}")

    emit(items, 0)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# The generator

INTS = [0, 1, -1, 2, 3, 7, 10, 100, -5, 255, 1 << 31, (1 << 62) - 1, 1 << 62, -(1 << 62),
        -(1 << 62) - 1, (1 << 63) - 1, -(1 << 63), 4611686018427387900, 3037000499, 1000000007]
FLOATS = ["0.0", "-0.0", "0.1", "1.5", "-2.25", "1e300", "1e-300", "2.5e-7", "123456789.125",
          "1e16", "1e15", "0.30000000000000004", "3.0", "-7.5", "1e21", "5e-324"]
STRS = ["", "a", "abc", "héllo", "€uro", "😀", "ñ𝄞z", "a b  c", " trim me ", "q\\\"uote",
        "tab\\tnew\\nline", "日本語", "e\\u{301}", "Ünïcödé", "x,y,,z", "null", "[1, 2]", "0"]
KEYS = ["a", "b", "k1", "key", "é", "zz", "名"]
TYPES = ("int", "float", "str", "bool", "list", "map")
ERRORS = [
    "print(1 / 0)", "print(5 % 0)", "print(9223372036854775807 + 1)",
    "print(-9223372036854775807 - 2)", "print(4611686018427387904 * 2 * 2)",
    "print([1, 2][5])", "print(\"ab\"[2])", "print(\"a\" + 1)", "print(nil + 1)",
    "print(len(3))", "print(plain.nothing())", "print(pop([]))", "error(\"boom é\")",
    "assert(1 > 2, \"not so\")", "assert(nil)", "print(json_decode(\"{bad\"))",
    "print(json_encode(0.0 / 0.0))", "print(down(100000))", "print(int(1e300))",
    "print([] < 1)", "print(-(-9223372036854775807 - 1))", "print(floor(0.0 / 0.0))",
    "print(range(1, 5, 0))", "print(remove([1], 3))", "print(json_decode(\"[1,]\"))",
    "print(abs(-9223372036854775807 - 1))", "print(int(\"12x\"))", "print(min([]))",
]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0
        self.scopes = [[]]  # per block: (name, type)
        self.depth = 0  # loop/if nesting
        self.budget = 0

    def fresh(self, prefix="v"):
        self.n += 1
        return f"{prefix}{self.n}"

    def vars(self, ty):
        return [n for scope in self.scopes for (n, t) in scope if t == ty]

    def chance(self, p):
        return self.r.random() < p

    # ---- expressions, by type ----
    def expr(self, ty, d=0):
        r = self.r
        if d > 3 or self.chance(0.3):
            return self.atom(ty)
        return getattr(self, "e_" + ty)(d + 1)

    def atom(self, ty):
        vs = self.vars(ty)
        if vs and self.chance(0.6):
            return leaf(self.r.choice(vs))
        r = self.r
        if ty == "int":
            return leaf(str(r.choice(INTS)) if self.chance(0.3) else str(r.randint(-20, 20)))
        if ty == "float":
            return leaf(r.choice(FLOATS))
        if ty == "str":
            return leaf('"' + r.choice(STRS) + '"')
        if ty == "bool":
            return leaf(r.choice(["true", "false"]))
        if ty == "list":
            return Node("[{}, {}]", [self.atom("int"), self.atom("str")]) if self.chance(0.5) \
                else leaf("[]")
        return Node('{{"' + r.choice(KEYS) + '": {}}}', [self.atom("int")]) if self.chance(0.5) \
            else leaf("{}")

    def e_int(self, d):
        r = self.r
        c = r.randrange(9)
        if c <= 2:
            op = r.choice(["+", "-", "*", "/", "%", "+", "-"])
            return Node("({} " + op + " {})", [self.expr("int", d), self.expr("int", d)])
        if c == 3:
            return Node("len({})", [self.expr(r.choice(["str", "list", "map"]), d)])
        if c == 4:
            return Node(r.choice(["abs({})", "-{}"]), [self.expr("int", d)])
        if c == 5:
            return Node(r.choice(["min({}, {})", "max({}, {})"]),
                        [self.expr("int", d), self.expr("int", d)])
        if c == 6:
            small = leaf(r.choice(["0.1", "1.5", "-2.25", "3.0", "-7.5", "1e15", "-0.0"]))
            return Node(r.choice(["int({})", "floor({})"]),
                        [self.expr("float", d) if self.chance(0.2) else small])
        if c == 7:
            return Node("fib({})", [leaf(str(r.randint(0, 12)))])
        return Node("int({})", [leaf('"' + str(r.choice(INTS)) + '"')])

    def e_float(self, d):
        r = self.r
        c = r.randrange(5)
        if c <= 1:
            op = r.choice(["+", "-", "*", "/", "%"])
            a = self.expr("float", d)
            b = self.expr(r.choice(["float", "int"]), d)
            return Node("({} " + op + " {})", [a, b] if self.chance(0.5) else [b, a])
        if c == 2:
            return Node("sqrt({})", [self.expr("float", d)])
        if c == 3:
            return Node("float({})", [self.expr("int", d)])
        return Node("json_decode({})", [Node("json_encode({})", [self.expr("float", d)])])

    def e_str(self, d):
        r = self.r
        c = r.randrange(10)
        if c <= 2:
            return Node("({} + {})", [self.expr("str", d), self.expr("str", d)])
        if c == 3:
            return Node("str({})", [self.expr(r.choice(TYPES), d)])
        if c == 4:
            s = self.expr("str", d)
            return Node("{}[{}]", [Node("({} + \"x\")", [s]), leaf(str(r.randint(0, 3)))])
        if c == 5:
            return Node("slice({}, {}, {})", [self.expr("str", d), leaf(str(r.randint(-3, 3))),
                                              leaf(str(r.randint(-2, 6)))])
        if c == 6:
            return Node(r.choice(["upper({})", "lower({})", "trim({})"]), [self.expr("str", d)])
        if c == 7:
            return Node("join({}, {})", [self.expr("list", d), self.expr("str", d)])
        if c == 8:
            return Node("json_encode({})", [self.expr(r.choice(["int", "str", "bool", "list"]), d)])
        return Node("type_of({})", [self.expr(r.choice(TYPES), d)])

    def e_bool(self, d):
        r = self.r
        c = r.randrange(6)
        if c <= 1:
            t = r.choice(["int", "float", "str", "int"])
            op = r.choice(["<", "<=", ">", ">=", "==", "!="])
            return Node("({} " + op + " {})", [self.expr(t, d), self.expr(t, d)])
        if c == 2:
            t = r.choice(TYPES)
            return Node("({} " + r.choice(["==", "!="]) + " {})",
                        [self.expr(t, d), self.expr(r.choice([t, r.choice(TYPES)]), d)])
        if c == 3:
            return Node("(" + r.choice(["{} and {}", "{} or {}"]) + ")",
                        [self.expr("bool", d), self.expr("bool", d)])
        if c == 4:
            return Node("(not {})", [self.expr("bool", d)])
        if self.chance(0.5):
            return Node("contains({}, {})", [self.expr("str", d), self.expr("str", d)])
        return Node("has({}, {})", [self.expr("map", d), leaf('"' + r.choice(KEYS) + '"')])

    def e_list(self, d):
        r = self.r
        c = r.randrange(8)
        if c <= 1:
            items = [self.expr(r.choice(TYPES), d) for _ in range(r.randint(0, 3))]
            return Node("[" + ", ".join("{}" for _ in items) + "]", items)
        if c == 2:
            return Node("range({})", [leaf(str(r.randint(0, 5)))])
        if c == 3:
            return Node("slice({}, {})", [self.expr("list", d), leaf(str(r.randint(-2, 3)))])
        if c == 4:
            return Node(r.choice(["keys({})", "values({})"]), [self.expr("map", d)])
        if c == 5:
            return Node("({} + {})", [self.expr("list", d), self.expr("list", d)])
        if c == 6:
            return Node("split({}, {})", [self.expr("str", d), leaf(r.choice(['" "', '","']))])
        return Node("clone({})", [self.expr("list", d)])

    def e_map(self, d):
        r = self.r
        c = r.randrange(4)
        if c <= 1:
            ks = r.sample(KEYS, r.randint(0, 3))
            vals = [self.expr(r.choice(TYPES), d) for _ in ks]
            return Node("{{" + ", ".join(f'"{k}": {{}}' for k in ks) + "}}", vals)
        if c == 2:
            return Node("clone({})", [self.expr("map", d)])
        return Node("json_decode({})", [Node("json_encode({})", [self.expr("map", d)])])

    # ---- statements ----
    def stmts(self, n):
        out = []
        for _ in range(n):
            if self.budget <= 0:
                break
            self.budget -= 1
            out.extend(self.stmt())
        return out

    def block(self, n):
        self.scopes.append([])
        self.depth += 1
        body = self.stmts(n)
        self.depth -= 1
        self.scopes.pop()
        return body

    def let(self, ty, node):
        name = self.fresh()
        self.scopes[-1].append((name, ty))
        return Stmt(Node("let " + name + " = {}", [node]))

    def stmt(self):
        r = self.r
        c = r.randrange(20)
        if c <= 3:
            ty = r.choice(TYPES)
            return [self.let(ty, self.expr(ty))]
        if c <= 6:
            args = [self.expr(r.choice(TYPES)) for _ in range(r.randint(1, 3))]
            return [Stmt(Node("print(" + ", ".join("{}" for _ in args) + ")", args))]
        if c == 7:
            ty = r.choice(TYPES)
            vs = self.vars(ty)
            if vs:
                return [Stmt(Node(r.choice(vs) + " = {}", [self.expr(ty)]))]
            return [self.let(ty, self.expr(ty))]
        if c == 8 and self.depth < 3:
            cond = self.expr("bool")
            body = self.block(r.randint(1, 3))
            orelse = self.block(r.randint(1, 2)) if self.chance(0.5) else None
            return [Block(Node("if {}", [cond]), body, orelse)]
        if c == 9 and self.depth < 2:
            name = self.fresh("i")
            src = r.choice([Node("range({})", [leaf(str(r.randint(0, 4)))]),
                            Node("clone({})", [self.expr("list")]),
                            Node("clone({})", [self.expr("str")]),
                            Node("keys({})", [self.expr("map")])])
            self.scopes.append([(name, "any")])
            body = [Stmt(leaf(f"print({name})"))] + self.block(r.randint(1, 3))
            self.scopes.pop()
            stop = [Stmt(leaf(r.choice(["break", "continue"])))] if self.chance(0.2) else []
            if stop:
                exit = Block(Node("if {}", [self.expr("bool")]), stop)
                if self.chance(0.5):  # break/continue out of a try body
                    exit = self.try_block([exit])
                body.insert(r.randrange(len(body) + 1), exit)
            return [Block(Node("for " + name + " in {}", [src]), body)]
        if c == 10 and self.depth < 2:
            w = self.fresh("w")
            body = self.block(r.randint(1, 3))
            body.insert(0, Stmt(leaf(f"{w} = {w} + 1")))
            return [Stmt(leaf(f"let {w} = 0")),
                    Block(leaf(f"while {w} < {r.randint(0, 4)}"), body)]
        if c == 11:
            ls = self.vars("list")
            if ls:
                l = r.choice(ls)
                return [Stmt(r.choice([Node("push(" + l + ", {})", [self.expr(r.choice(TYPES))]),
                                       Node("print(pop({}))", [leaf(l)]),
                                       Node(l + "[{}] = {}", [leaf(str(r.randint(0, 2))),
                                                              self.expr("int")]),
                                       Node("print(remove(" + l + ", {}))",
                                            [leaf(str(r.randint(0, 2)))])]))]
        if c == 12:
            ms = self.vars("map")
            if ms:
                m = r.choice(ms)
                k = '"' + r.choice(KEYS) + '"'
                return [Stmt(r.choice([Node(m + "[" + k + "] = {}", [self.expr(r.choice(TYPES))]),
                                       Node("print(remove(" + m + ", " + k + "))"),
                                       Node("print(" + m + ")"),
                                       Node("print(keys(" + m + "), values(" + m + "))")]))]
        if c == 13:
            return [Stmt(r.choice([
                Node("print(acct.deposit({}), acct.balance)", [self.expr("int")]),
                Node("print(sub.describe(), sub.speak())"),
                Node("print(ghost.{}({}))".format(r.choice(["fly", "swim", "walk"]), "{}"),
                     [self.expr(r.choice(TYPES))]),
                Node("print(make_obj({}).total())", [self.expr("int")]),
                Node("print(slots(clone(sub)), has(sub, \"legs\"), proto(sub) == base)"),
                Node("sub.legs = {}", [self.expr("int")]),
            ]))]
        if c == 14:
            k = self.fresh("c")
            self.scopes[-1].append((k, "fn"))
            return [Stmt(Node(f"let {k} = counter({{}})", [self.expr("int")])),
                    Stmt(leaf(f"print({k}(), {k}(), {k})"))]
        if c == 15:
            return [Stmt(r.choice([
                Node("print(fib({}), sum_to({}))", [leaf(str(r.randint(0, 15))),
                                                    leaf(str(r.randint(0, 60)))]),
                Node("print(apply(fn(x) {{ return x + 1 }}, {}))", [self.expr("int")]),
                Node("print(apply(fn(x) {{ return [x, x] }}, {}))", [self.expr(r.choice(TYPES))]),
            ]))]
        if c == 16:
            t = r.choice(TYPES)
            return [Stmt(Node("print(json_decode(json_encode({})) == {})",
                              [self.expr(t), self.expr(t)])),
                    Stmt(Node("print(json_encode({}))", [self.expr(r.choice(TYPES))]))]
        if c == 17:
            n = self.fresh("n")
            return [Stmt(leaf(f"let {n} = 0.0 / 0.0")),
                    Stmt(leaf(f"let {n}l = [{n}, 1]")),
                    Stmt(leaf(f"print({n}l == {n}l, {n}l != {n}l, {n} == {n}, [{n}] == [{n}])"))]
        if c == 18 and self.chance(0.3):
            return [Stmt(leaf(r.choice(ERRORS)))]
        if c == 19 and self.depth < 3 and self.chance(0.6):
            body = self.block(r.randint(1, 3))
            if self.chance(0.7):  # most bodies fail, some deep in a call
                fail = r.choice(ERRORS + ["print(apply(fn(x) { return x + nil }, 1))",
                                          "print(ghost.describe(1))", "error([1, \"two\"])",
                                          "error({\"code\": 400})"])
                body.insert(r.randrange(len(body) + 1), Stmt(leaf(fail)))
            return [self.try_block(body)]
        ty = r.choice(TYPES)
        return [Stmt(Node("print({})", [self.expr(ty)]))]

    def try_block(self, body):
        """`try { body } catch eN { handler }`: the handler prints the error's map or parts of it
        and may go on with more statements (or raise again)."""
        r = self.r
        e = self.fresh("e")
        self.scopes.append([(e, "map")])
        self.depth += 1
        handler = [Stmt(leaf(r.choice([f"print({e})", f"print({e}.kind, {e}.message)",
                                       f"print({e}.kind, {e}.value)",
                                       f"print(keys({e}), type_of({e}.value))"])))]
        handler += self.stmts(r.randint(0, 2))
        if self.chance(0.1):
            handler.append(Stmt(leaf(f"error({e}.message)")))
        self.depth -= 1
        self.scopes.pop()
        return Block(leaf("try"), body, handler, mid="catch " + e)

    def program(self):
        r = self.r
        self.budget = r.randint(5, 40)
        prelude = [
            Block(leaf("object base"), [
                Stmt(leaf("legs = 4")), Stmt(leaf('name = "base é"')),
                Block(leaf("fn describe()"), [Stmt(leaf('return self.name + " " + str(self.legs)'))],
                      splice=False),
                Block(leaf("fn speak()"), [Stmt(leaf('return "..."'))], splice=False)], splice=False),
            Block(leaf("object sub : base"), [
                Stmt(leaf("legs = 2")),
                Block(leaf("fn speak()"), [Stmt(leaf('return "tweet"'))], splice=False)],
                splice=False),
            Block(leaf("object plain"), [Stmt(leaf("x = 1"))], splice=False),
            Block(leaf("object ghost"), [
                Block(leaf("fn does_not_understand(name, args)"),
                      [Stmt(leaf('return "ghost " + name + str(args)'))], splice=False),
                Block(leaf("fn describe()"), [Stmt(leaf('return "real"'))], splice=False)],
                splice=False),
            Block(leaf("object acct"), [
                Stmt(leaf("balance = 0")),
                Block(leaf("fn deposit(n)"), [Stmt(leaf("self.balance = self.balance + n")),
                                              Stmt(leaf("return self"))], splice=False)],
                splice=False),
            Block(leaf("fn make_obj(n)"), [
                Stmt(leaf("let o = clone(acct)")), Stmt(leaf("o.balance = n")),
                Stmt(leaf("o.total = fn() { return self.balance * 2 }")),
                Stmt(leaf("return o"))], splice=False),
            Block(leaf("fn fib(n)"), [
                Block(leaf("if n < 2"), [Stmt(leaf("return n"))], splice=False),
                Stmt(leaf("return fib(n - 1) + fib(n - 2)"))], splice=False),
            Block(leaf("fn sum_to(n)"), [
                Block(leaf("if n == 0"), [Stmt(leaf("return 0"))], splice=False),
                Stmt(leaf("return n + sum_to(n - 1)"))], splice=False),
            Block(leaf("fn down(n)"), [Stmt(leaf("return 1 + down(n - 1)"))], splice=False),
            Block(leaf("fn counter(start)"), [
                Stmt(leaf("let n = start")),
                Block(leaf("return fn()"), [Stmt(leaf("n = n + 1")), Stmt(leaf("return n"))],
                      splice=False)], splice=False),
            Block(leaf("fn apply(f, x)"), [Stmt(leaf("return f(x)"))], splice=False),
        ]
        body = self.stmts(self.budget)
        return prelude + [Block(leaf("fn main()"), body, splice=False)]


def generate(seed):
    return Gen(seed).program()


# ---------------------------------------------------------------------------------------------
# Running and comparing

def find_aura():
    if os.environ.get("AURA"):
        return os.environ["AURA"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("release", "debug"):
        if (target / profile / "aura").exists():
            return str(target / profile / "aura")
    sys.exit("fuzz.py: no aura binary; build one (cargo build --release) or set AURA")


def run_one(aura, path, backend):
    cmd = [aura, "run", str(path)] + ([] if backend == "interp" else ["--target", backend])
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT)
        return (p.stdout, p.stderr, p.returncode)
    except subprocess.TimeoutExpired:
        return (b"", b"<timeout>", None)


def run_all(aura, source, workdir):
    path = Path(workdir) / "prog.aura"
    path.write_text(source)
    return {b: run_one(aura, path, b) for b in BACKENDS}


def signature(results):
    """Which backends disagree with the interpreter, and on what: () when all agree."""
    ref = results["interp"]
    sig = []
    for b in BACKENDS[1:]:
        for i, what in enumerate(("stdout", "stderr", "status")):
            if results[b][i] != ref[i]:
                sig.append((b, what))
    if ref[2] not in (0, 1) or any(r[2] is None or r[2] < 0 for r in results.values()):
        sig.append(("any", "crash"))  # a signal, a timeout or an unexpected exit status
    return tuple(sig)


def describe(results):
    lines = []
    for b in BACKENDS:
        out, err, rc = results[b]
        lines.append(f"--- {b}: exit {rc}")
        lines.append("stdout: " + out.decode(errors="replace")[-600:].rstrip())
        lines.append("stderr: " + err.decode(errors="replace")[-600:].rstrip())
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Shrinking: greedy delta debugging; a candidate is kept when it shows the same divergence.

def stmt_lists(items):
    """Every statement list of the tree (the top level first)."""
    out = [items]
    for s in items:
        if isinstance(s, Block):
            out.extend(stmt_lists(s.body))
            if s.orelse is not None:
                out.extend(stmt_lists(s.orelse))
    return out


def nodes(items):
    out = []

    def walk(n):
        out.append(n)
        for k in n.kids:
            walk(k)

    for lst in stmt_lists(items):
        for s in lst:
            walk(s.node if isinstance(s, Stmt) else s.header)
    return out


def shrink(items, keeps, max_tries=400):
    tries = 0

    def test():
        nonlocal tries
        tries += 1
        return keeps(render(items))

    progress = True
    while progress and tries < max_tries:
        progress = False
        # 1. remove chunks of statements, halving the chunk size
        for lst in stmt_lists(items):
            size = max(1, len(lst) // 2)
            while size >= 1 and tries < max_tries:
                i = 0
                while i < len(lst) and tries < max_tries:
                    cut = lst[i:i + size]
                    del lst[i:i + size]
                    if test():
                        progress = True
                    else:
                        lst[i:i] = cut
                        i += size
                size //= 2
        # 2. replace a block by its body
        for lst in stmt_lists(items):
            for i, s in enumerate(list(lst)):
                if tries >= max_tries:
                    break
                if isinstance(s, Block) and s.splice and s in lst:
                    j = lst.index(s)
                    lst[j:j + 1] = s.body
                    if test():
                        progress = True
                    else:
                        lst[j:j + len(s.body)] = [s]
        # 3. replace an expression by one of its parts or a literal
        for n in nodes(items):
            if not n.kids or tries >= max_tries:
                continue
            fmt, kids = n.fmt, n.kids
            for cand in kids + [leaf("0"), leaf("nil")]:
                n.fmt, n.kids = cand.fmt, cand.kids
                if test():
                    progress = True
                    break
                n.fmt, n.kids = fmt, kids
    return items


class Program:
    """A program read back from a file for `shrink`: one statement per line, blocks by braces."""

    @staticmethod
    def parse(text):
        stack = [[]]
        heads = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("//"):
                continue
            if line == "} else {" or (line.startswith("} catch ") and line.endswith("{")):
                head = heads[-1]
                head.orelse = []
                head.mid = line[2:-1].strip()
                stack[-1] = head.orelse
            elif line.endswith("{") and not line.startswith("}"):
                b = Block(leaf(line[:-1].rstrip()), [], splice=not line.startswith(("fn ", "object ")))
                stack[-1].append(b)
                heads.append(b)
                stack.append(b.body)
            elif line == "}":
                stack.pop()
                heads.pop()
            else:
                stack[-1].append(Stmt(leaf(line)))
        return stack[0]


# ---------------------------------------------------------------------------------------------
# Commands

def cmd_run(args):
    aura = find_aura()
    FINDINGS.mkdir(parents=True, exist_ok=True)
    deadline = time.time() + args.minutes * 60 if args.minutes else None
    found, ran, invalid, outcomes = 0, 0, 0, {}
    with tempfile.TemporaryDirectory() as work:
        seed = args.start
        while (args.seeds is None or ran < args.seeds) and (deadline is None or time.time() < deadline):
            items = generate(seed)
            results = run_all(aura, render(items), work)
            sig = signature(results)
            ran += 1
            if results["interp"][1].startswith(b"["):  # a diagnostic: the generator's fault
                invalid += 1
                print(f"seed {seed}: invalid program (a generator bug)\n"
                      + results["interp"][1].decode(errors="replace")[:800], flush=True)
            outcomes[results["interp"][2]] = outcomes.get(results["interp"][2], 0) + 1
            if sig:
                found += 1
                print(f"seed {seed}: divergence {sig}", flush=True)
                print(describe(results), flush=True)
                small = shrink(items, lambda src: signature(run_all(aura, src, work)) == sig)
                out = FINDINGS / f"seed{seed}.aura"
                out.write_text(f"// fuzz seed {seed}: {sig}\n" + render(small))
                print(f"shrunk to {out}; save with: tests/fuzz/fuzz.py save {out} NAME", flush=True)
            elif args.verbose:
                print(f"seed {seed}: ok", flush=True)
            seed += 1
    print(f"fuzz: {ran} programs (seeds {args.start}..{args.start + ran - 1}), "
          f"{found} divergences, {invalid} invalid; interp exit statuses {outcomes}")
    return 1 if found or invalid else 0


def cmd_show(args):
    sys.stdout.write(render(generate(args.seed)))
    return 0


def cmd_shrink(args):
    aura = find_aura()
    text = Path(args.file).read_text()
    with tempfile.TemporaryDirectory() as work:
        sig = signature(run_all(aura, text, work))
        if not sig:
            print("fuzz: no divergence in", args.file)
            return 1
        items = shrink(Program.parse(text),
                       lambda src: signature(run_all(aura, src, work)) == sig)
        sys.stdout.write(render(items))
    return 0


def cmd_save(args):
    """Writes NAME.aura/.stdout (and .error) to tests/conformance from the interpreter's run.
    Check the expected output against spec/language.md before committing it."""
    aura = find_aura()
    src = Path(args.file).read_text()
    conf = ROOT / "tests" / "conformance"
    with tempfile.TemporaryDirectory() as work:
        out, err, rc = run_all(aura, src, work)["interp"]
    (conf / f"{args.name}.aura").write_text(src)
    (conf / f"{args.name}.stdout").write_bytes(out)
    if rc == 1:
        first = err.decode().splitlines()[0]
        kind = first.removeprefix("runtime error: ").split(":")[0]
        (conf / f"{args.name}.error").write_text(kind)
    print(f"saved tests/conformance/{args.name}.* (exit {rc}); review the expected output")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("--seeds", type=int)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--minutes", type=float)
    p.add_argument("-v", "--verbose", action="store_true")
    p = sub.add_parser("show")
    p.add_argument("seed", type=int)
    p = sub.add_parser("shrink")
    p.add_argument("file")
    p = sub.add_parser("save")
    p.add_argument("file")
    p.add_argument("name")
    args = ap.parse_args()
    return {"run": cmd_run, "show": cmd_show, "shrink": cmd_shrink, "save": cmd_save}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
