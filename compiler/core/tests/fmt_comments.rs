//! `aura fmt` keeps comments: where each kind of comment goes (snapshots), and on every Aura
//! program of the repository, with comments inserted at every line, that each comment survives
//! exactly once, the UAST is unchanged and formatting is idempotent.

#[path = "support/fmt.rs"]
mod support;

#[path = "support/programs.rs"]
mod programs;
use aura_compiler::fmt::format_source;
use aura_compiler::parse::parse;
use programs::{aura_files, repo_root};

#[test]
fn comments_between_items() {
    assert_fmt_source!(
        r#"// The file header.

// greets
uses log // capability
let a = 1 // one
// two follows
let b = 2



// the entry point
fn main() {
    print(a)
}
// at the end

// last
"#
    );
}

#[test]
fn comments_in_blocks() {
    assert_fmt_source!(
        r#"fn main() { // opens
    // first
    let x = 1 // trailing
      // indented oddly
    if x > 0 {
        // only a comment
    } else {
        print(x) // in else
        // end of else
    }
    while false { // loop
    }
    // end of main
}
fn empty() {
    // nothing here
}
"#
    );
}

#[test]
fn comments_in_objects_and_plugins() {
    assert_fmt_source!(
        r#"object counter {
    // the count
    count = 0 // starts at zero
    step = 1
    // adds
    fn increment(n) {
        self.count = self.count + n // mutates
    }
    // after the methods
}

object empty {
    // no members
}

plugin api {
    // the route
    route GET "/x" (req) {
        return 1 // the answer
    }
}
"#
    );
}

#[test]
fn comments_inside_expressions_move_before_the_statement() {
    assert_fmt_source!(
        r#"fn main() {
    let xs = [
        1, // one
        // two
        2,
    ]
    print(f(1, // first
        2))
    each(xs, fn(x) {
        // in a lambda
        print(x) // prints
    })
    let g = fn() {
        // empty lambda
    }
}
"#
    );
}

#[test]
fn comments_keep_an_else_block_from_chaining() {
    assert_fmt_source!(
        r#"fn main() {
    if a {
        f()
    } else {
        // why
        if b {
            g()
        }
    }
    if a {
        f()
    } else if b { // chained
        g()
    } // done
}
"#
    );
}

#[test]
fn comment_only_files() {
    assert_fmt_source!("// just a note\n\n\n// and another\n");
    assert_fmt_source!("");
}

#[test]
fn block_comments_get_a_hint() {
    let parsed = parse("/* not a comment */\nfn main() {}\n");
    let hint = parsed
        .diagnostics
        .first()
        .and_then(|d| d.hint.clone())
        .unwrap_or_default();
    assert!(hint.contains("no block comments"), "{hint}");
}

// ---------------------------------------------------------------- every program of the repo

/// The byte offsets of the line starts of `source` that are not inside a string literal.
fn line_starts_outside_strings(source: &str) -> Vec<bool> {
    let mut outside = vec![true];
    let (mut in_string, mut in_comment, mut escaped) = (false, false, false);
    let mut previous = '\n';
    for c in source.chars() {
        let slash_before = std::mem::replace(&mut previous, c) == '/';
        if c == '\n' {
            in_comment = false;
            outside.push(!in_string);
            escaped = false;
            continue;
        }
        if in_comment {
            continue;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '/' && slash_before {
            in_comment = true;
        }
    }
    outside
}

/// `source` with a comment line before every line and a comment at the end of every line, each
/// carrying a unique marker; also returns the markers. Lines that start or end inside a string
/// literal are left alone.
fn with_comments(source: &str) -> (String, Vec<String>) {
    let starts = line_starts_outside_strings(source);
    let lines: Vec<&str> = source.split('\n').collect();
    let mut out = String::new();
    let mut markers = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let last = i + 1 == lines.len();
        if last && line.is_empty() {
            break;
        }
        let starts_outside = starts.get(i).copied().unwrap_or(false);
        let ends_outside = starts.get(i + 1).copied().unwrap_or(true);
        if starts_outside {
            let marker = format!("c{}above", i);
            out.push_str(&format!("// {marker}\n"));
            markers.push(marker);
        }
        out.push_str(line);
        if ends_outside && !line.contains("//") && !line.contains('"') {
            let marker = format!("c{}end", i);
            out.push_str(&format!(" // {marker}"));
            markers.push(marker);
        }
        if !last {
            out.push('\n');
        }
    }
    (out, markers)
}

fn check_file(name: &str, source: &str, markers: &[String]) -> Result<(), String> {
    let formatted = format_source(source).map_err(|d| {
        format!(
            "{name}: does not parse:\n{}",
            aura_compiler::render::text(&d, name, source)
        )
    })?;
    let original = parse(source);
    let reparsed = parse(&formatted);
    if !reparsed.diagnostics.is_empty() {
        return Err(format!(
            "{name}: the formatted text does not parse:\n{}\n{formatted}",
            aura_compiler::render::text(&reparsed.diagnostics, name, &formatted)
        ));
    }
    if aura_uast::canonical(&original.module) != aura_uast::canonical(&reparsed.module) {
        return Err(format!("{name}: the UAST changed:\n{formatted}"));
    }
    for marker in markers {
        let count = formatted.matches(&format!("// {marker}\n")).count()
            + formatted.matches(&format!("// {marker} ")).count();
        if count != 1 {
            return Err(format!(
                "{name}: comment `{marker}` appears {count} times:\n{formatted}"
            ));
        }
    }
    let comments_in = original.comments.len();
    let comments_out = reparsed.comments.len();
    if comments_in != comments_out {
        return Err(format!(
            "{name}: {comments_in} comments in, {comments_out} out:\n{formatted}"
        ));
    }
    let again = format_source(&formatted).unwrap_or_default();
    if again != formatted {
        return Err(format!(
            "{name}: not idempotent:\n--- once\n{formatted}\n--- twice\n{again}"
        ));
    }
    Ok(())
}

#[test]
fn every_repo_program_keeps_its_comments() {
    let mut files = Vec::new();
    aura_files(&repo_root(), &mut files);
    assert!(files.len() > 50, "found only {} .aura files", files.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &files {
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        // Some conformance programs are meant not to parse.
        if !parse(&source).diagnostics.is_empty() {
            continue;
        }
        let name = path.display().to_string();
        checked += 1;
        if let Err(e) = check_file(&name, &source, &[]) {
            failures.push(e);
        }
        let (commented, markers) = with_comments(&source);
        if let Err(e) = check_file(&format!("{name} (commented)"), &commented, &markers) {
            failures.push(e);
        }
    }
    assert!(checked > 50, "only {checked} files parse");
    assert!(
        failures.is_empty(),
        "{} of {checked} files failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn comments_in_try_and_catch_blocks() {
    assert_fmt_source!(
        "fn main() {\n    // before\n    try { // opens\n        f() // call\n        // end of body\n    } catch e { // handler\n        g(e) // use\n    } // after\n}\n"
    );
}
