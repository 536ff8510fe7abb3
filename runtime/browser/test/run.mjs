// `aura run` for a compiled module, through aura.js under Node (no browser): prints what the
// program writes, then `runtime error: KIND: message` on stderr and exit status 1 on an error.
// compiler/cli/tests/browser.rs compares it with the interpreter on programs that use the
// capabilities. Usage: node run.mjs MODULE.wasm
import { readFileSync } from "node:fs";
import { load } from "../aura.js";

const aura = await load(readFileSync(process.argv[2]), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
const { error } = await aura.run();
if (error) {
  process.stderr.write(`${error}\n`);
  process.exitCode = 1;
}
