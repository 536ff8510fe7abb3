#!/usr/bin/env bash
# Packages the VS Code extension as aura-VERSION.vsix in this folder: installs its dependencies
# from the npm registry (vscode-languageclient at run time; vscode-textmate and vscode-oniguruma
# to check the grammar), tokenizes every .aura file of the repository with the grammar
# (test-grammar.js), then runs @vscode/vsce (which packs the run-time dependency only).
# Install the result with `code --install-extension aura-*.vsix`; `aura` must be on the PATH
# (or set `aura.path`).
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null 2>&1 || { echo "package.sh: npm is required" >&2; exit 1; }
npm install --no-audit --no-fund
node test-grammar.js
npx --yes @vscode/vsce@3 package --allow-missing-repository --skip-license
