// Aura browser host: runs a compiled Aura module (`aura build FILE --target wasm -o OUT.wasm`) in
// a web page. One ES module, no build step, no dependencies. The ABI it implements is
// spec/abi.md ("External symbols", "Entry points", "Message ABI", "Browser host").
//
//   import { load } from "./aura.js";
//   const aura = await load("hello.wasm", { stdout: (text) => out.append(text) });
//   const { stdout, error } = await aura.run();
//   const reply = await aura.send("counter", "increment", [5], { count: 41 });
//
// `load` takes a URL, a Response, bytes or a compiled WebAssembly.Module; under Node a path (or a
// file: URL) is read from disk: `await load("hello.wasm")` works in both.
//
// Every invocation (a run, a message) gets a fresh instance and so a fresh arena: the compiled
// runtime has no garbage collector and frees everything by dropping the instance.

/** Runtime error kinds by the index `aura_fail` passes (spec/abi.md, "Errors"). */
export const ERROR_KINDS = [
  "type error",
  "division by zero",
  "integer overflow",
  "index out of range",
  "does not understand",
  "stack overflow",
  "out of memory",
  "out of fuel",
  "assertion failed",
  "json error",
  "error",
];

/** The kinds a `try` does not catch: the limits. */
const UNCATCHABLE = ["stack overflow", "out of memory", "out of fuel"];

/** A runtime error of the Aura program (`aura_fail`): `kind` is one of ERROR_KINDS. */
export class AuraError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = "AuraError";
    this.kind = kind;
  }

  /** The line the CLI prints: `runtime error: KIND: message`. */
  toString() {
    return `runtime error: ${this.kind}: ${this.message}`;
  }
}

/** The interpreter's default call depth limit (`--max-depth`). */
export const DEFAULT_MAX_DEPTH = 10000;

/**
 * Compiles a module once; `run()` and `send()` instantiate it afresh for every invocation.
 *
 * source: a URL (string or URL), a Response, an ArrayBuffer, a typed array (a Node Buffer) or a
 *   WebAssembly.Module. Under Node a string that is not an http(s) URL is a file path, read with
 *   node:fs, and a file: URL is read the same way; in a browser strings are fetched.
 * options.stdout / options.stderr: called with decoded text as the program writes it.
 * options.store: a Map of key -> JSON text for the `store` capability (default: a new Map, kept
 *   for the life of the loaded module, so messages see each other's writes).
 * options.maxDepth: the call depth limit (default 10 000, as the interpreter).
 * options.now: () => milliseconds since the epoch, for `clock` (default Date.now).
 */
export async function load(source, options = {}) {
  const module = await compile(source);
  const store = options.store ?? new Map();
  const maxDepth = BigInt(options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const now = options.now ?? (() => Date.now());

  /** A fresh instance with its own output buffers. */
  async function instantiate() {
    const io = new Io(options);
    let memory = null;
    let exports = null;
    const view = () => new Uint8Array(memory.buffer);
    const imports = {
      aura_write(stream, ptr, len) {
        io.write(Number(stream), view().slice(Number(ptr), Number(ptr) + Number(len)));
      },
      aura_fail(kind, ptr, len) {
        const bytes = view().slice(Number(ptr), Number(ptr) + Number(len));
        const index = Number(kind);
        throw new AuraError(ERROR_KINDS[index] ?? "error", new TextDecoder().decode(bytes));
      },
      // `try` (spec/abi.md, "Errors a program handles"): runs the body through rt_call; a
      // catchable AuraError gives 0 (the runtime builds the error's map), anything else goes on.
      aura_try(body, self) {
        try {
          return exports.rt_call(body, self, 0n, 0n);
        } catch (e) {
          if (e instanceof AuraError && !UNCATCHABLE.includes(e.kind)) return 0n;
          throw e;
        }
      },
    };
    // Capabilities: the runtime writes a JSON request and gives a response buffer; the answer is
    // the response length, and when it exceeds the buffer the runtime calls again with more room.
    const capability = (answer) => (reqPtr, reqLen, respPtr, respCap) => {
      const request = new TextDecoder().decode(
        view().slice(Number(reqPtr), Number(reqPtr) + Number(reqLen)),
      );
      const response = new TextEncoder().encode(answer(request));
      if (response.length <= Number(respCap)) {
        view().set(response, Number(respPtr));
      }
      return BigInt(response.length);
    };
    imports.aura_cap_store = capability((req) => storeCall(store, req));
    imports.aura_cap_log = capability((req) => logCall(io, req));
    imports.aura_cap_clock = capability((req) => clockCall(now, req));

    const instance = await syncOr(
      () => new WebAssembly.Instance(module, { aura: imports }),
      () => WebAssembly.instantiate(module, { aura: imports }),
    );
    memory = instance.exports.memory;
    exports = instance.exports;
    if (instance.exports.rt_set_max_depth) {
      instance.exports.rt_set_max_depth(maxDepth);
    }
    return { exports: instance.exports, io, view };
  }

  return {
    module,

    /** Runs the program (initialisers, then `main`): `{stdout, stderr, error}`, error null or AuraError. */
    async run() {
      const { exports, io } = await instantiate();
      const error = invoke(exports, () => exports.aura_main());
      return { stdout: io.stdout, stderr: io.stderr, error };
    },

    /**
     * Sends `method(...args)` to the top-level object `target` whose own data slots are first set
     * from `state`: `{result, changed, state, stdout, stderr, error}`. On a runtime error, result
     * and state are undefined and error is the AuraError.
     */
    async send(target, method, args = [], state = {}) {
      const { exports, io, view } = await instantiate();
      if (!exports.aura_init || !exports.rt_input || !exports.rt_message) {
        throw new Error("this module has no message entry (aura_init, rt_input, rt_message)");
      }
      const request = `{"target":${JSON.stringify(target)},"method":${JSON.stringify(method)},"args":${encodeJson(args)},"state":${encodeJson(state)}}`;
      let reply = null;
      const error = invoke(exports, () => {
        exports.aura_init();
        const bytes = new TextEncoder().encode(request);
        const ptr = Number(exports.rt_input(BigInt(bytes.length)));
        view().set(bytes, ptr);
        const packed = BigInt.asUintN(64, exports.rt_message(BigInt(ptr), BigInt(bytes.length)));
        const at = Number(packed >> 32n);
        const len = Number(packed & 0xffffffffn);
        reply = new TextDecoder().decode(view().slice(at, at + len));
      });
      const out = { stdout: io.stdout, stderr: io.stderr, error };
      if (reply !== null) {
        // `reply` keeps the exact text (ints beyond 2^53 lose precision in JSON.parse).
        const { result, changed, state: newState } = JSON.parse(reply);
        Object.assign(out, { result, changed, state: newState, reply });
      }
      return out;
    },
  };
}

/** Whether this is Node (or a runtime that says it is), where paths are read from disk. */
const IN_NODE = typeof process !== "undefined" && !!process.versions?.node;

/** Under Node: a string that is not an http(s) or data URL is a path; a file: URL is a file. */
function nodeFile(source) {
  if (!IN_NODE) return null;
  if (source instanceof URL) return source.protocol === "file:" ? source : null;
  if (typeof source !== "string") return null;
  if (/^(https?|data|blob):/i.test(source)) return null;
  return source.startsWith("file:") ? new URL(source) : source;
}

async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  const file = nodeFile(source);
  if (file !== null) {
    const { readFile } = await import("node:fs/promises");
    let bytes;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new Error(`cannot load ${source}: ${e.message}`);
    }
    return WebAssembly.compile(bytes);
  }
  if (typeof source === "string" || source instanceof URL) source = await fetch(source);
  if (typeof Response !== "undefined" && source instanceof Response) {
    if (!source.ok) throw new Error(`cannot load ${source.url}: HTTP ${source.status}`);
    // compileStreaming insists on Content-Type application/wasm; fall back to bytes otherwise.
    const type = source.headers.get("Content-Type") ?? "";
    if (type.startsWith("application/wasm") && WebAssembly.compileStreaming) {
      return WebAssembly.compileStreaming(source);
    }
    source = await source.arrayBuffer();
  }
  const bytes = source;
  return syncOr(
    () => new WebAssembly.Module(bytes),
    () => WebAssembly.compile(bytes),
  );
}

/**
 * `sync()` (compiling or instantiating on this thread), or `async()` where the engine refuses
 * that with a RangeError (some limit the size of synchronous compiles on a page's main thread).
 * Given bytes, `load` and `run` then finish in microtasks: a page that runs a module during its
 * own loading is done by its load event (what `chromium --headless --dump-dom` shows).
 */
function syncOr(sync, async) {
  try {
    return sync();
  } catch (e) {
    if (e instanceof RangeError) return async();
    throw e;
  }
}

/** Calls an entry point; an AuraError becomes the result, anything else (a trap) propagates. */
function invoke(exports, entry) {
  try {
    entry();
    return null;
  } catch (e) {
    // The runtime flushed its output before raising an AuraError; after a trap, what the program
    // printed is still in the runtime's buffer.
    if (!(e instanceof AuraError) && exports.rt_finish) {
      try {
        exports.rt_finish();
      } catch {
        // Best effort: the trap is what gets reported.
      }
    }
    if (e instanceof AuraError) return e;
    // The engine's own stack ran out inside the module: the program's error, not the host's.
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return new AuraError("stack overflow", "the JavaScript engine's stack is used up");
    }
    throw e;
  }
}

/** Output of one invocation, decoded as UTF-8 per stream (a character may span two writes). */
class Io {
  constructor(options) {
    this.options = options;
    this.stdout = "";
    this.stderr = "";
    this.decoders = { 1: new TextDecoder(), 2: new TextDecoder() };
  }

  write(stream, bytes) {
    const name = stream === 2 ? "stderr" : "stdout";
    const text = this.decoders[stream === 2 ? 2 : 1].decode(bytes, { stream: true });
    this.emit(name, text);
  }

  emit(name, text) {
    if (text === "") return;
    this[name] += text;
    if (this.options[name]) this.options[name](text);
    else if (name === "stderr") console.warn(text);
  }
}

// --- capabilities: JSON requests {"method":M,"args":[...]}, answers {"ok":V} or {"error":K,"message":S}

function ok(json) {
  return `{"ok":${json}}`;
}

function fail(kind, message) {
  return JSON.stringify({ error: kind, message });
}

/** Checks the argument count and the key, as the interpreter's CapabilityCall::parse does. */
function parseCall(capability, request, arities) {
  const { method, args } = splitRequest(request);
  if (!(method in arities)) {
    return { error: fail("does not understand", `${capability} does not understand \`${method}\``) };
  }
  const expected = arities[method];
  if (args.length !== expected) {
    const s = expected === 1 ? "" : "s";
    return {
      error: fail("type error", `${capability}.${method}() expects ${expected} argument${s}, got ${args.length}`),
    };
  }
  return { method, args };
}

function storeCall(store, request) {
  const call = parseCall("store", request, { get: 1, set: 2, delete: 1, keys: 0 });
  if (call.error) return call.error;
  const { method, args } = call;
  if (method === "keys") return ok(JSON.stringify([...store.keys()]));
  const key = JSON.parse(args[0]);
  if (typeof key !== "string") {
    return fail("type error", `store.${method}() expects a str key, got ${typeName(args[0])}`);
  }
  switch (method) {
    case "get":
      return ok(store.get(key) ?? "null");
    case "set":
      // A re-set key keeps its place in `keys()`, in a JS Map as in the interpreter's IndexMap.
      store.set(key, args[1]);
      return ok("null");
    default: {
      const old = store.get(key) ?? "null";
      store.delete(key);
      return ok(old);
    }
  }
}

function logCall(io, request) {
  const call = parseCall("log", request, { info: 1, warn: 1, error: 1 });
  if (call.error) return call.error;
  io.emit("stderr", `${call.method}: ${show(call.args[0])}\n`);
  return ok("null");
}

function clockCall(now, request) {
  const call = parseCall("clock", request, { now: 0, millis: 0 });
  if (call.error) return call.error;
  const millis = Math.floor(now());
  if (call.method === "millis") return ok(String(millis));
  // `now` is a float (seconds): keep a fraction so the runtime does not read an int.
  const seconds = millis / 1000;
  return ok(Number.isInteger(seconds) ? `${seconds}.0` : String(seconds));
}

// --- JSON helpers that keep the exact text of values (ints beyond 2^53, 1.0 vs 1)

/**
 * Splits a capability request into its method and the raw JSON text of each argument, so that
 * stored values round-trip byte for byte.
 */
function splitRequest(text) {
  const head = /^\s*\{\s*"method"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"args"\s*:\s*\[/.exec(text);
  if (!head) {
    // Not the runtime's fixed shape: parse generically (exactness is only lost for odd numbers).
    const parsed = JSON.parse(text);
    return { method: parsed.method, args: (parsed.args ?? []).map((a) => JSON.stringify(a)) };
  }
  const method = JSON.parse(head[1]);
  const args = [];
  let i = head[0].length;
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] === "]") break;
    const end = valueEnd(text, i);
    args.push(text.slice(i, end));
    i = skipSpace(text, end);
    if (text[i] === ",") i += 1;
    else if (text[i] !== "]") throw new Error(`bad capability request: ${text}`);
  }
  return { method, args };
}

/** The Aura type name of a JSON value's text. */
function typeName(raw) {
  const c = raw.trimStart()[0];
  if (c === "n") return "nil";
  if (c === "t" || c === "f") return "bool";
  if (c === "[") return "list";
  if (c === "{") return "map";
  if (c === '"') return "str";
  return /[.eE]/.test(raw) ? "float" : "int";
}

/**
 * `str(value)` of a JSON value's text, as the interpreter prints it: strings bare at the top and
 * quoted inside lists and maps, `nil`, `[1, "a"]`, `{"k": 1.5}`. Numbers keep their text: the
 * runtime writes floats in the same form as `str`.
 */
function show(raw) {
  const text = raw.trim();
  if (text[0] === '"') return JSON.parse(text);
  return showNested(text, 0)[0];
}

function showNested(text, start) {
  let i = skipSpace(text, start);
  const c = text[i];
  if (c === "[" || c === "{") {
    const close = c === "[" ? "]" : "}";
    const parts = [];
    i = skipSpace(text, i + 1);
    while (text[i] !== close) {
      let key = "";
      if (c === "{") {
        const end = valueEnd(text, i);
        key = `${text.slice(i, end)}: `;
        i = skipSpace(text, end) + 1; // past ':'
      }
      const [item, end] = showNested(text, i);
      parts.push(key + item);
      i = skipSpace(text, end);
      if (text[i] === ",") i = skipSpace(text, i + 1);
    }
    return [`${c}${parts.join(", ")}${close}`, i + 1];
  }
  const end = valueEnd(text, i);
  const item = text.slice(i, end);
  return [item === "null" ? "nil" : item, end];
}

function skipSpace(text, i) {
  while (i < text.length && " \t\r\n".includes(text[i])) i += 1;
  return i;
}

/** The index just past the JSON value that starts at `i` (the text is known to be valid JSON). */
function valueEnd(text, i) {
  let depth = 0;
  let inString = false;
  for (let j = i; j < text.length; j += 1) {
    const c = text[j];
    if (inString) {
      if (c === "\\") j += 1;
      else if (c === '"') {
        inString = false;
        if (depth === 0) return j + 1;
      }
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") depth += 1;
    else if (c === "]" || c === "}") {
      if (depth === 0) return j;
      depth -= 1;
      if (depth === 0) return j + 1;
    } else if (depth === 0 && (c === "," || " \t\r\n".includes(c))) return j;
  }
  return text.length;
}

/** JSON.stringify, except that BigInt arguments are written as exact integers. */
function encodeJson(value) {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `\u0000${v}\u0000` : v)).replace(
    /"\\u0000(-?\d+)\\u0000"/g,
    "$1",
  );
}
