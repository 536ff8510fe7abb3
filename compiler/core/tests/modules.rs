//! Programs of several modules (`import`): the diagnostics a user sees (each drawn against the
//! file it is about), the module graph and the program the backends get.

use aura_compiler::modules::Text;
use aura_compiler::Checked;
use std::collections::BTreeMap;

/// Checks the program whose entry is `main.aura` among `files` (path, source); a path that is not
/// among them cannot be read.
fn check(files: &[(&str, &str)]) -> Checked {
    let files: BTreeMap<&str, &str> = files.iter().copied().collect();
    let entry = files.get("main.aura").copied().unwrap_or_default();
    let mut read = |path: &str| match files.get(path) {
        Some(source) => Ok(Text::Source(source.to_string())),
        None => Err("no such file".to_string()),
    };
    aura_compiler::check_program("main.aura", Text::Source(entry.to_string()), &mut read)
}

/// `----- FILE` sections, then the diagnostics exactly as `aura check main.aura` prints them.
fn output(files: &[(&str, &str)]) -> String {
    let checked = check(files);
    let mut out = String::new();
    for (path, source) in files {
        out.push_str(&format!("----- {path}\n{source}\n"));
    }
    out.push_str("----- OUTPUT\n");
    if checked.diagnostics.is_empty() {
        out.push_str("(no diagnostics)\n");
    } else {
        let entry = files
            .iter()
            .find(|(path, _)| *path == "main.aura")
            .map_or("", |(_, source)| *source);
        out.push_str(&aura_compiler::render::text_program(
            &checked.diagnostics,
            "main.aura",
            entry,
            &|path| checked.module_source(path),
            false,
        ));
    }
    out
}

macro_rules! assert_modules {
    ($($path:expr => $source:expr),+ $(,)?) => {{
        insta::assert_snapshot!(output(&[$(($path, $source)),+]));
    }};
}

#[test]
fn missing_file() {
    assert_modules!(
        "main.aura" => "import \"lib/helpers.aura\"\n\nfn main() {\n    help()\n}",
    );
}

#[test]
fn missing_file_imported_by_an_imported_module() {
    assert_modules!(
        "main.aura" => "import \"lib/a.aura\"\n\nfn main() {}",
        "lib/a.aura" => "import \"../b.aura\"\nimport \"c.aura\"\n",
        "b.aura" => "fn b() {}",
    );
}

#[test]
fn bad_paths() {
    assert_modules!(
        "main.aura" => "import \"helpers\"\nimport \"std/nope\"\n\nfn main() {}",
    );
}

#[test]
fn cycle() {
    assert_modules!(
        "main.aura" => "import \"a.aura\"\n\nfn main() {}",
        "a.aura" => "import \"b.aura\"\n\nfn a() {}",
        "b.aura" => "import \"a.aura\"\n\nfn b() {}",
    );
}

#[test]
fn module_importing_itself() {
    assert_modules!(
        "main.aura" => "import \"./main.aura\"\n\nfn main() {}",
    );
}

#[test]
fn clash_between_an_import_and_a_local_definition() {
    assert_modules!(
        "main.aura" => "import \"util.aura\"\n\nfn helper(x) {\n    return x\n}\n\nfn main() {\n    helper(1)\n}",
        "util.aura" => "fn helper(x) {\n    return x * 2\n}",
    );
}

#[test]
fn clash_between_two_imports() {
    assert_modules!(
        "main.aura" => "import \"a.aura\"\nimport \"b.aura\"\n\nfn main() {\n    print(limit)\n}",
        "a.aura" => "let limit = 10",
        "b.aura" => "object limit {}",
    );
}

#[test]
fn clash_with_a_standard_module() {
    assert_modules!(
        "main.aura" => "import \"std/list\"\n\nfn sum(xs) {\n    return 0\n}\n\nfn main() {}",
    );
}

#[test]
fn clash_between_a_capability_and_a_definition() {
    assert_modules!(
        "main.aura" => "uses log\n\nimport \"util.aura\"\n\nfn main() {\n    log.info(\"x\")\n}",
        "util.aura" => "fn log(x) {\n    return x\n}",
    );
}

#[test]
fn prelude_function_redefined_in_a_program_of_several_modules() {
    assert_modules!(
        "main.aura" => "import \"util.aura\"\n\nfn main() {\n    print(abs(-1))\n}",
        "util.aura" => "fn abs(x) {\n    return x\n}",
    );
}

#[test]
fn builtin_redefined_in_a_program_of_several_modules() {
    assert_modules!(
        "main.aura" => "import \"util.aura\"\n\nfn main() {\n    print(len([1]))\n}",
        "util.aura" => "fn len(x) {\n    return 0\n}",
    );
}

#[test]
fn main_in_an_imported_module() {
    assert_modules!(
        "main.aura" => "import \"tool.aura\"\n\nfn run() {\n    work()\n}",
        "tool.aura" => "fn work() {}\n\nfn main() {\n    work()\n}",
    );
}

#[test]
fn wrong_arity_across_modules() {
    assert_modules!(
        "main.aura" => "import \"geometry.aura\"\n\nfn main() {\n    print(area(3))\n}",
        "geometry.aura" => "fn area(w, h) {\n    return w * h\n}",
    );
}

#[test]
fn unknown_imported_name() {
    assert_modules!(
        "main.aura" => "import \"geometry.aura\"\n\nfn main() {\n    print(aera(3, 4))\n}",
        "geometry.aura" => "fn area(w, h) {\n    return w * h\n}",
    );
}

#[test]
fn imports_are_not_re_exported() {
    assert_modules!(
        "main.aura" => "import \"a.aura\"\n\nfn main() {\n    print(from_a(), from_b())\n}",
        "a.aura" => "import \"b.aura\"\n\nfn from_a() {\n    return from_b()\n}",
        "b.aura" => "fn from_b() {\n    return 1\n}",
    );
}

#[test]
fn errors_in_an_imported_module_are_drawn_against_its_file() {
    assert_modules!(
        "main.aura" => "import \"lib/util.aura\"\n\nfn main() {\n    print(twice(2))\n}",
        "lib/util.aura" => "fn twice(x) {\n    return x * tow\n}",
    );
}

#[test]
fn syntax_errors_in_an_imported_module() {
    assert_modules!(
        "main.aura" => "import \"lib/util.aura\"\n\nfn main() {\n    print(twice(2))\n}",
        "lib/util.aura" => "fn twice(x) {\n    return x * 2\n}\n\nfn broken( {\n}",
    );
}

#[test]
fn capabilities_are_per_module() {
    assert_modules!(
        "main.aura" => "uses log\n\nimport \"counter.aura\"\n\nfn main() {\n    log.info(\"x\")\n    bump()\n}",
        "counter.aura" => "fn bump() {\n    store.set(\"n\", 1)\n}",
    );
}

#[test]
fn a_valid_program() {
    assert_modules!(
        "main.aura" => "import \"lib/shapes.aura\"\nimport \"std/strings\"\n\nobject circle : shape {\n    fn area() {\n        return 3\n    }\n}\n\nfn main() {\n    print(pad_left(square(2).area(), 4, \" \"), circle.describe())\n}",
        "lib/shapes.aura" => "object shape {\n    fn describe() {\n        return \"area \" + str(self.area())\n    }\n}\n\nfn square(side) {\n    let s = clone(shape)\n    s.area = fn() {\n        return side * side\n    }\n    return s\n}",
    );
}

/// A module imported twice (a diamond) is loaded once; initialisation order is depth first in
/// import order, the entry last; the program the backends get has no `import` items.
#[test]
fn graph_and_initialisation_order() {
    let checked = check(&[
        (
            "main.aura",
            "import \"b.aura\"\nimport \"c.aura\"\n\nfn main() {}",
        ),
        ("b.aura", "import \"lib/d.aura\"\n\nfn b() {}"),
        ("c.aura", "import \"lib/../lib/d.aura\"\n\nfn c() {}"),
        ("lib/d.aura", "fn d() {}"),
    ]);
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    let order: Vec<&str> = checked.modules.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(order, ["lib/d.aura", "b.aura", "c.aura", "main.aura"]);
    let imports: Vec<&[String]> = checked.modules.iter().map(|m| &m.imports[..]).collect();
    assert_eq!(imports[3], ["b.aura", "c.aura"]);
    assert_eq!(imports[2], ["lib/d.aura"]);
    let names: Vec<String> = checked
        .module
        .items
        .iter()
        .filter_map(|item| item.defined_name().map(|n| n.name.clone()))
        .collect();
    assert_eq!(names, ["d", "b", "c", "main"]);
    assert_eq!(checked.module.items.len(), 4, "no import items are left");
    assert_eq!(checked.item_file(0), Some("lib/d.aura"));
    assert_eq!(checked.item_file(3), Some("main.aura"));
}

/// Checking source text alone reads no file, but loads the standard modules.
#[test]
fn check_source_loads_standard_modules_only() {
    let checked = aura_compiler::check_source(
        "import \"std/strings\"\n\nfn main() {\n    print(repeat(\"a\", 2))\n}",
    );
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    let checked = aura_compiler::check_source("import \"x.aura\"\n\nfn main() {}");
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0243"]);
}

/// Every standard module parses and passes the audit on its own.
#[test]
fn standard_modules_check() {
    for (name, source) in aura_stdlib::MODULES {
        let checked = aura_compiler::check_source(source);
        assert!(checked.is_ok(), "std/{name}: {:?}", checked.diagnostics);
    }
}
