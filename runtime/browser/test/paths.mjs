// `load` under Node from a path, a file: URL, bytes and a compiled module: each runs the program
// and prints its stdout once; a missing file is a clear error. Usage: node paths.mjs MODULE.wasm
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { load } from "../aura.js";

const path = process.argv[2];
const bytes = readFileSync(path);
const sources = {
  path,
  "file URL": pathToFileURL(path),
  "file URL text": pathToFileURL(path).href,
  bytes,
  ArrayBuffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  module: await WebAssembly.compile(bytes),
};
for (const [name, source] of Object.entries(sources)) {
  const aura = await load(source);
  const { stdout, error } = await aura.run();
  process.stdout.write(`${name}: ${JSON.stringify(stdout)}${error ? ` ${error}` : ""}\n`);
}
try {
  await load(`${path}.missing`);
  process.stdout.write("missing: loaded?\n");
} catch (e) {
  process.stdout.write(`missing: ${e.message.startsWith("cannot load ") ? "error" : e.message}\n`);
}
