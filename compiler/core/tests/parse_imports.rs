//! `import "PATH"`: how it parses (a top-level item; `import` is not reserved) and the syntax
//! errors around it. The module graph and its diagnostics are in `modules.rs`.

#[path = "support/parse.rs"]
mod support;

#[test]
fn imports_are_items() {
    assert_parse!("import \"lib/util.aura\"\nimport \"std/list\"\n\nfn main() {}");
}

#[test]
fn import_is_still_a_name_elsewhere() {
    assert_parse!("fn main() {\n    let import = 1\n    print(import)\n}");
}

#[test]
fn import_inside_a_block() {
    assert_parse!("fn main() {\n    import \"std/list\"\n}");
}

#[test]
fn import_without_a_string() {
    assert_parse!("import util\n\nfn main() {}");
}

/// `aura fmt` keeps consecutive imports together and puts a blank line after them.
#[test]
fn imports_format_as_a_group() {
    let formatted = aura_compiler::fmt::format_source(
        "import   \"a.aura\"\n\n\nimport \"std/list\"\nfn main() {}\n",
    );
    assert_eq!(
        formatted.as_deref().ok(),
        Some("import \"a.aura\"\nimport \"std/list\"\n\nfn main() {}\n")
    );
}
