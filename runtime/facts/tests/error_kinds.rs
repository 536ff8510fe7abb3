//! The error kinds are written once, in `aura_facts::ErrorKind`; the C runtime and the browser
//! host must spell them alike and number them alike (`aura_fail` passes the index, `spec/abi.md`):
//! the `AURA_E_*` constants of `runtime/rt/aura_rt.h`, the `KINDS` table of `runtime/rt/json.c`
//! (capability errors coming back from a host) and `ERROR_KINDS` of `runtime/browser/aura.js`.

use aura_facts::ErrorKind;
use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text between the first `open` after `after` and the next `close`.
fn between<'a>(text: &'a str, after: &str, open: &str, close: &str) -> &'a str {
    let start = text.find(after).unwrap_or_else(|| panic!("no `{after}`")) + after.len();
    let rest = &text[start..];
    let from = rest
        .find(open)
        .unwrap_or_else(|| panic!("no `{open}` after `{after}`"))
        + open.len();
    let to = rest[from..]
        .find(close)
        .unwrap_or_else(|| panic!("no `{close}` after `{after}`"));
    &rest[from..from + to]
}

/// The double-quoted strings of `text`, in order.
fn quoted(text: &str) -> Vec<&str> {
    text.split('"').skip(1).step_by(2).collect()
}

fn spellings() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|k| k.as_str()).collect()
}

#[test]
fn the_c_header_numbers_the_kinds_as_the_rust_table() {
    let header = read("rt/aura_rt.h");
    let constants: Vec<(String, String)> =
        between(&header, "/* Error kinds passed to aura_fail", "{", "}")
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                let (name, value) = item.split_once('=').unwrap_or((item, ""));
                (name.trim().to_string(), value.trim().to_string())
            })
            .collect();
    let expected: Vec<(String, String)> = ErrorKind::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| (k.c_name().to_string(), i.to_string()))
        .collect();
    assert_eq!(constants, expected);
}

#[test]
fn the_c_runtime_spells_the_kinds_as_the_rust_table() {
    let json_c = read("rt/json.c");
    let kinds = quoted(between(
        &json_c,
        "static const char *const KINDS[]",
        "{",
        "}",
    ));
    assert_eq!(kinds, spellings());
    // The loop that reads a host's error kind back covers the whole table.
    let count = format!(
        "i < {}; i++) if (str_is(kind, KINDS[i]))",
        ErrorKind::ALL.len()
    );
    assert!(
        json_c
            .replace(['\n', ' '], "")
            .contains(&count.replace(' ', "")),
        "json.c does not loop over {} kinds",
        ErrorKind::ALL.len()
    );
}

#[test]
fn the_browser_host_spells_the_kinds_as_the_rust_table() {
    let aura_js = read("browser/aura.js");
    let kinds = quoted(between(&aura_js, "export const ERROR_KINDS", "[", "]"));
    assert_eq!(kinds, spellings());
}
