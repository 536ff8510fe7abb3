// Loads hello.wasm with the browser host, runs it, sends the `counter` object two messages with a
// persisted state, shows everything, and POSTs a report to /result (the test server in
// compiler/cli/tests/browser.rs reads it; elsewhere the POST just fails quietly).
import { load } from "../../runtime/browser/aura.js";

const out = document.getElementById("out");
const messages = document.getElementById("messages");
const status = document.getElementById("status");

/** The parts of a reply that the test compares (an AuraError as {kind, message}). */
function summary(reply) {
  const error = reply.error && { kind: reply.error.kind, message: reply.error.message };
  return { result: reply.result, changed: reply.changed, state: reply.state, stdout: reply.stdout, error };
}

/**
 * The bytes at `url`, read with a synchronous request. With bytes in hand `load` and `run` finish
 * without waiting for the network, so the page is complete by its load event: that is what
 * `chromium --headless --dump-dom URL` prints, with no `--virtual-time-budget`. (A page that need
 * not be done at load simply calls `await load("hello.wasm")`.)
 */
function bytesOf(url) {
  const request = new XMLHttpRequest();
  request.open("GET", url, false);
  // Synchronous requests cannot ask for an ArrayBuffer; this charset keeps each byte a char.
  request.overrideMimeType("text/plain; charset=x-user-defined");
  request.send();
  if (request.status !== 200) throw new Error(`cannot load ${url}: HTTP ${request.status}`);
  const text = request.responseText;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

const report = {};
try {
  const aura = await load(bytesOf("hello.wasm"), { stdout: (text) => { out.textContent += text; } });
  const run = await aura.run();
  report.stdout = run.stdout;
  report.error = run.error && { kind: run.error.kind, message: run.error.message };
  if (run.error) out.textContent += `${run.error}\n`;

  // The state a host persisted after earlier messages; `increment` changes it, `peek` does not.
  const increment = await aura.send("counter", "increment", [5], { count: 41 });
  const peek = await aura.send("counter", "peek", [], { count: 41 });
  const missing = await aura.send("counter", "nope", [], {});
  report.messages = [summary(increment), summary(peek), summary(missing)];
  messages.textContent = report.messages.map((m) => JSON.stringify(m)).join("\n");
  status.textContent = "done";
} catch (e) {
  report.exception = String(e && e.stack ? e.stack : e);
  status.textContent = `failed: ${report.exception}`;
}

try {
  await fetch("/result", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(report),
  });
} catch {
  // Opened from a plain static server: there is no /result to report to.
}
