// Tokenizes every .aura file under the given directories (default: the repository's examples,
// tests, stdlib and bench) with the TextMate grammar, as VS Code does (vscode-textmate with the
// Oniguruma regex engine), and fails on an `invalid` scope or a keyword not scoped as one.
// Run by package.sh before packaging: node test-grammar.js [DIR...]
const fs = require("fs");
const path = require("path");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const root = path.join(__dirname, "..", "..");
const dirs = process.argv.length > 2
  ? process.argv.slice(2)
  : ["examples", "tests", "stdlib", "bench"].map((d) => path.join(root, d));
const KEYWORDS = ["fn", "let", "if", "else", "try", "catch", "while", "for", "in", "return", "break", "continue",
  "true", "false", "nil", "and", "or", "not", "object", "plugin", "route", "uses", "self"];

function auraFiles(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") {
      auraFiles(p, out);
    } else if (entry.isFile() && entry.name.endsWith(".aura")) {
      out.push(p);
    }
  }
  return out;
}

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => {
      const file = path.join(__dirname, "syntaxes", "aura.tmLanguage.json");
      return textmate.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  const grammar = await registry.loadGrammar("source.aura");
  const problems = [];
  let files = 0;
  let tokens = 0;
  for (const file of dirs.flatMap((d) => auraFiles(d, []))) {
    files++;
    let stack = textmate.INITIAL;
    fs.readFileSync(file, "utf8").split("\n").forEach((line, i) => {
      const result = grammar.tokenizeLine(line, stack);
      for (const token of result.tokens) {
        tokens++;
        const text = line.slice(token.startIndex, token.endIndex);
        const scopes = token.scopes.join(" ");
        const where = `${path.relative(root, file)}:${i + 1}:${token.startIndex + 1}`;
        if (scopes.includes("invalid")) {
          problems.push(`${where}: \`${text}\` is ${scopes}`);
        }
        const code = !/comment|string/.test(scopes);
        if (code && KEYWORDS.includes(text) && !/keyword|storage|constant\.language|variable\.language/.test(scopes)) {
          problems.push(`${where}: keyword \`${text}\` scoped ${scopes}`);
        }
      }
      stack = result.ruleStack;
    });
  }
  if (files === 0) {
    problems.push("no .aura files found");
  }
  if (problems.length > 0) {
    console.error(problems.slice(0, 50).join("\n"));
    console.error(`test-grammar: ${problems.length} problem(s) in ${files} files`);
    process.exit(1);
  }
  console.log(`test-grammar: ${files} files, ${tokens} tokens, no invalid scope`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
