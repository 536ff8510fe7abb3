// Starts `aura lsp` (the setting `aura.path`, default `aura` on the PATH) for Aura files.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("aura").get("path") || "aura";
  client = new LanguageClient(
    "aura",
    "Aura",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "aura" }, { scheme: "untitled", language: "aura" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
