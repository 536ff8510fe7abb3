// Runs aura_rt.wasm under Node's WebAssembly: a host in JS (output, failures, a store), then
// checks through the exports that the module works: strings, printing, floats, calls through
// the module's own function table (builtin fn values), errors, memory growth, JSON, capabilities.
import { readFileSync } from "node:fs";

const path = process.argv[2];
const bytes = readFileSync(path);
let out = "";
let memory;
const dec = new TextDecoder();
const enc = new TextEncoder();
class Fail extends Error {
  constructor(kind, msg) {
    super(`runtime error ${kind}: ${msg}`);
    this.kind = kind;
  }
}
const text = (p, n) => dec.decode(new Uint8Array(memory.buffer, p, n));
let lastRequest = "";
const cap = (req, len, resp, capLen) => {
  lastRequest = text(req, len);
  const answer = enc.encode('{"ok":{"echo":' + lastRequest + "}}");
  if (answer.length <= capLen) new Uint8Array(memory.buffer, resp, answer.length).set(answer);
  return BigInt(answer.length);
};
const { instance } = await WebAssembly.instantiate(bytes, {
  aura: {
    aura_write: (stream, p, n) => {
      if (stream === 1) out += text(p, n);
    },
    aura_fail: (kind, p, n) => {
      throw new Fail(kind, text(p, n));
    },
    // `try` needs compiled code; the runtime alone never calls it.
    aura_try: () => {
      throw new Error("aura_try without compiled code");
    },
    aura_cap_store: cap,
    aura_cap_log: cap,
    aura_cap_clock: cap,
  },
});
const x = instance.exports;
memory = x.memory;
let failures = 0;
let checks = 0;
const ok = (cond, what) => {
  checks++;
  if (!cond) {
    failures++;
    console.error("failed:", what);
  }
};

// Literal bytes live below the heap start, as compiled code's data would.
const base = x.__heap_base.value;
let lit = base;
const str = (s) => {
  const b = enc.encode(s);
  new Uint8Array(memory.buffer, lit, b.length).set(b);
  const v = x.rt_str_lit(BigInt(lit), BigInt(b.length));
  lit += b.length;
  return v;
};
x.rt_start(BigInt(base + 4096));
const argStack = Number(x.rt_arg_stack());
ok(argStack % 8 === 0 && argStack >= base + 4096, "arg stack in the heap");
const args = (...vals) => {
  const w = new BigUint64Array(memory.buffer, argStack, vals.length);
  vals.forEach((v, i) => (w[i] = BigInt.asUintN(64, v)));
  return [BigInt(vals.length), BigInt(argStack)];
};
const int = (n) => (BigInt(n) << 1n) | 1n;
const f64 = (d) => {
  const b = new BigUint64Array(new Float64Array([d]).buffer)[0];
  return x.rt_float_lit(b);
};
const show = (v) => {
  out = "";
  x.rt_b_print(...args(v));
  x.rt_finish();
  return out.slice(0, -1);
};
const expectFail = (kind, fn, what) => {
  checks++;
  try {
    fn();
    failures++;
    console.error("no error:", what);
  } catch (e) {
    if (!(e instanceof Fail) || e.kind !== kind) {
      failures++;
      console.error("wrong error:", what, e.message);
    }
  }
};

ok(show(str("héllo")) === "héllo", "print a str");
ok(show(x.rt_list_new(...args(int(1), str("a"), 2n, f64(0.1)))) === '[1, "a", nil, 0.1]', "print a list");
ok(show(f64(1e300)) === "1e300", "float printing");
ok(show(x.rt_int_lit(-(2n ** 63n))) === "-9223372036854775808", "boxed int");
ok(show(x.rt_builtin_fn(5n)) === "<fn len>", "builtin fn value");
// A call through the module's own table: the builtin's generic entry.
const lenFn = x.rt_builtin_fn(5n);
ok(x.rt_call(lenFn, 2n, ...args(str("añb"))) === int(3), "rt_call of a builtin fn");
expectFail(0, () => x.rt_call(lenFn, 2n, ...args()), "builtin arity");
expectFail(0, () => x.rt_call(int(1), 2n, ...args()), "call a non-fn");
expectFail(1, () => x.rt_div(int(1), int(0)), "division by zero");
expectFail(2, () => x.rt_mul(int(2n ** 61n), int(4)), "integer overflow");
ok(show(x.rt_mul(int(2n ** 40n), int(2n ** 20n))) === String(2n ** 60n), "mul");
ok(show(x.rt_mod(f64(7.5), int(2))) === "1.5", "float mod");
ok(show(x.rt_b_sqrt(...args(int(2)))) === "1.4142135623730951", "sqrt");
ok(show(x.rt_b_floor(...args(f64(-2.5)))) === "-3", "floor");
ok(show(x.rt_b_sha256(...args(str("abc")))) ===
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256");
const decoded = x.rt_b_json_decode(...args(str('{"a":[1,2.5,null,"\\u00e9"],"b":{}}')));
ok(show(decoded) === '{"a": [1, 2.5, nil, "é"], "b": {}}', "json_decode");
ok(show(x.rt_b_json_encode(...args(decoded))) === '{"a":[1,2.5,null,"é"],"b":{}}', "json_encode");
expectFail(9, () => x.rt_b_json_decode(...args(str("[1,"))), "bad json");
const obj = x.rt_object_new(str("thing"), 2n);
ok(show(x.rt_b_clone(...args(obj))) === "<object thing>", "clone prints its proto's name");
expectFail(4, () => x.rt_send(obj, str("nope"), ...args()), "does not understand");
// Capabilities: the request JSON, the answer decoded.
const got = x.rt_capability(str("store"), str("get"), ...args(str("k")));
ok(lastRequest === '{"method":"get","args":["k"]}', "capability request " + lastRequest);
ok(show(got) === '{"echo": {"method": "get", "args": ["k"]}}', "capability answer");
// Memory grows: a list of two million ints.
const pages = memory.buffer.byteLength;
const list = x.rt_list_new(...args());
const lenFn2 = x.rt_builtin_fn(5n);
for (let i = 0; i < 2000000; i++) {
  const w = new BigUint64Array(memory.buffer, argStack, 2);
  w[0] = list;
  w[1] = int(i);
  x.rt_b_push(2n, BigInt(argStack));
}
ok(memory.buffer.byteLength > pages, "memory grew");
ok(x.rt_call(lenFn2, 2n, ...args(list)) === int(2000000), "long list");
// Output bigger than the buffer arrives whole and in order.
out = "";
for (let i = 0; i < 30000; i++) x.rt_b_print(...args(int(i)));
x.rt_finish();
ok(out.length === 168890 && out.endsWith("29999\n"), "buffered output " + out.length);
// Deep nesting (the runtime's limit is 10000 levels, as the call depth limit) prints, compares
// and encodes; the engine needs a stack big enough for that (as for 10000 nested Aura calls).
let deep = x.rt_list_new(...args());
let deep2 = x.rt_list_new(...args());
for (let i = 0; i < 9990; i++) {
  deep = x.rt_list_new(...args(deep));
  deep2 = x.rt_list_new(...args(deep2));
}
ok(show(deep).length === 19982, "deep print");
ok(x.rt_eq(deep, deep2) === 10n, "deep equality");
const enc2 = x.rt_b_json_encode(...args(deep));
ok(x.rt_eq(x.rt_b_json_decode(...args(enc2)), deep) === 10n, "deep json");
for (let i = 0; i < 20; i++) deep = x.rt_list_new(...args(deep));
expectFail(5, () => show(deep), "too deep to print");
ok(x.rt_max_depth() === 10000n, "default depth");
x.rt_set_max_depth(5n);
expectFail(5, () => x.rt_stack_overflow(), "stack overflow");
console.log(`wasm: ${checks} checks, ${failures} failures`);
process.exit(failures ? 1 : 0);
