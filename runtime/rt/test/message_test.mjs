// The message ABI of aura_rt.wasm alone (no compiled code): the registry of named objects,
// rt_input / rt_message, state in and out, `changed`, and errors. Methods here are builtin fn
// values (they ignore self); compiled methods are tested in backends/wasm (message tests).
import { readFileSync } from "node:fs";

const bytes = readFileSync(process.argv[2]);
let memory;
let out = "";
const dec = new TextDecoder();
const enc = new TextEncoder();
class Fail extends Error {
  constructor(kind, msg) {
    super(`runtime error ${kind}: ${msg}`);
    this.kind = kind;
  }
}
const text = (p, n) => dec.decode(new Uint8Array(memory.buffer, p, n));
const nocap = () => 0n;
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
    aura_cap_store: nocap,
    aura_cap_log: nocap,
    aura_cap_clock: nocap,
  },
});
const x = instance.exports;
memory = x.memory;
let checks = 0;
let failures = 0;
const ok = (cond, what) => {
  checks++;
  if (!cond) {
    failures++;
    console.error("failed:", what);
  }
};

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
const message = (request) => {
  const b = enc.encode(request);
  const p = Number(x.rt_input(BigInt(b.length)));
  new Uint8Array(memory.buffer, p, b.length).set(b);
  const packed = BigInt.asUintN(64, x.rt_message(BigInt(p), BigInt(b.length)));
  return text(Number(packed >> 32n), Number(packed & 0xffffffffn));
};
const failKind = (fn) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof Fail) return e.kind;
    throw e;
  }
  return null;
};

// object counter { count = 0; size = len }: `size` is the builtin len, which ignores self.
const counter = x.rt_object_new(str("counter"), 2n);
x.rt_field_set(counter, str("count"), 1n);
x.rt_field_set(counter, str("size"), x.rt_builtin_fn(5n));
x.rt_object_new(2n, counter); // a clone: unnamed, not registered

ok(
  message('{"target":"counter","method":"size","args":["héllo"],"state":{"count":41,"tags":["a"]}}') ===
    '{"result":5,"changed":false,"state":{"count":41,"tags":["a"]}}',
  "read-only message with state",
);
ok(
  message('{"target":"counter","method":"size","args":[[1,2]]}') ===
    '{"result":2,"changed":false,"state":{"count":41,"tags":["a"]}}',
  "no state: the object keeps its slots",
);
ok(failKind(() => message('{"target":"nobody","method":"size","args":[]}')) === 4, "unknown target");
ok(failKind(() => message('{"target":"counter","method":"nope","args":[]}')) === 4, "unknown method");
ok(failKind(() => message('{"target":"counter","method":"size","args":[1,2]}')) === 0, "arity");
ok(failKind(() => message('{"target":"counter"')) === 9, "bad JSON");
ok(failKind(() => message('{"target":1,"method":"size"}')) === 0, "bad target");
// A fresh start forgets the objects of the previous run.
x.rt_start(BigInt(base + 4096));
ok(failKind(() => message('{"target":"counter","method":"size","args":["a"]}')) === 4, "reset");
ok(out === "", "no output");
console.log(`message: ${checks} checks, ${failures} failures`);
process.exit(failures ? 1 : 0);
