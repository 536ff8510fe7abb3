//! The VS Code extension in `editors/vscode`: its manifest declares the `aura` language, the
//! grammar and the client that starts `aura lsp`; the grammar's keywords, builtins and
//! capabilities are the language's; and, when its npm dependencies are installed
//! (`editors/vscode/package.sh` installs them), the grammar tokenizes every `.aura` file of the
//! repository with VS Code's own engine without an invalid scope.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../editors/vscode")
}

fn json(file: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn manifest_declares_the_language_grammar_and_client() {
    let manifest = json("package.json");
    let language = &manifest["contributes"]["languages"][0];
    assert_eq!(language["id"], "aura");
    assert_eq!(language["extensions"], serde_json::json!([".aura"]));
    let grammar = &manifest["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.aura");
    for file in [
        language["configuration"].as_str(),
        grammar["path"].as_str(),
        manifest["main"].as_str(),
    ] {
        let file = file.expect("a path");
        assert!(dir().join(file).is_file(), "{file} is missing");
    }
    assert!(manifest["activationEvents"]
        .as_array()
        .is_some_and(|events| events.iter().any(|e| e == "onLanguage:aura")));
    assert!(manifest["dependencies"]["vscode-languageclient"].is_string());
    let client = std::fs::read_to_string(dir().join("extension.js")).expect("extension.js");
    assert!(
        client.contains("args: [\"lsp\"]"),
        "the client must start `aura lsp`"
    );
    let config = json("language-configuration.json");
    assert_eq!(config["comments"]["lineComment"], "//");
}

/// The words of every `\b(?:a|b|c)\b` alternation in a grammar rule's `match` patterns.
fn words(rule: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for pattern in rule["patterns"].as_array().into_iter().flatten() {
        let text = pattern["match"].as_str().unwrap_or_default();
        if let Some(list) = text
            .strip_prefix("\\b(?:")
            .and_then(|rest| rest.split_once(")\\b"))
            .map(|(list, _)| list)
        {
            out.extend(list.split('|').map(str::to_string));
        }
    }
    out
}

#[test]
fn grammar_knows_the_keywords_builtins_and_capabilities() {
    let grammar = json("syntaxes/aura.tmLanguage.json");
    let repository = &grammar["repository"];
    let keywords: BTreeSet<String> = aura_compiler::parse::KEYWORDS
        .iter()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(words(&repository["keyword"]), keywords);
    let mut names: BTreeSet<String> = aura_uast::BUILTINS
        .iter()
        .filter(|b| !b.stdlib_only)
        .map(|b| b.name.to_string())
        .collect();
    names.extend(aura_uast::CAPABILITIES.iter().map(|c| c.to_string()));
    assert_eq!(words(&repository["builtin"]), names);
    // The grammar check's own keyword list.
    let script = std::fs::read_to_string(dir().join("test-grammar.js")).expect("test-grammar.js");
    for keyword in &keywords {
        assert!(
            script.contains(&format!("\"{keyword}\"")),
            "test-grammar.js lacks {keyword}"
        );
    }
}

#[test]
fn grammar_tokenizes_every_program_of_the_repository() {
    let installed = dir().join("node_modules/vscode-textmate").is_dir()
        && dir().join("node_modules/vscode-oniguruma").is_dir();
    let node = Command::new("node").arg("--version").output().is_ok();
    if !installed || !node {
        // tests/run.sh installs them; under CI a missing component is a failure.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "node or the npm packages of editors/vscode are missing (tests/run.sh installs them)"
        );
        eprintln!("skipped: run editors/vscode/package.sh (node and the npm packages) first");
        return;
    }
    let out = Command::new("node")
        .arg(dir().join("test-grammar.js"))
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("no invalid scope"), "{stdout}");
}
