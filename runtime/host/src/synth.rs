//! The host-level `does_not_understand`: when a message finds neither its method nor a
//! `does_not_understand` slot, the host may ask a synthesiser — a command or an Ollama-compatible
//! chat endpoint — for the Aura source of the missing method. This file talks to the synthesiser
//! and splices its answer into the module's source; the actor then sends the new source through
//! the same check, staging and swap as `POST /api/evolve_plugin`.

use crate::client;
use serde_json::{json, Value as Json};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where missing methods come from.
#[derive(Clone, Debug)]
pub enum Source {
    /// `sh -c CMD`: the request as JSON on stdin, the method's source on stdout.
    Command(String),
    /// An Ollama-compatible `POST /api/chat` endpoint (the full URL) and the model to ask.
    Url { url: String, model: String },
}

/// A synthesiser and how long one answer may take.
#[derive(Clone, Debug)]
pub struct Synthesizer {
    pub source: Source,
    pub timeout: Duration,
}

/// What the chat endpoint is told before the request.
const SYSTEM_PROMPT: &str = "You write methods in Aura, a small dynamic language: `let x = e`, \
`x = e`, `if c { } else { }`, `while c { }`, `for x in list_or_map { }`, `return e`; values nil, \
true/false, ints, floats, strings, lists [..], maps {k: v} (m.k or m[\"k\"]); objects with slots \
read and written as self.slot; builtins such as len, push, keys, str, int, json_encode. Answer \
with exactly one method `fn NAME(params) { ... }` for the object in the request, in one fenced \
code block, and nothing else.";

impl Synthesizer {
    /// Asks for the source of one method; returns it with any Markdown fence removed.
    pub fn ask(&self, request: &Json) -> Result<String, String> {
        let text = match &self.source {
            Source::Command(command) => self.run_command(command, request)?,
            Source::Url { url, model } => self.chat(url, model, request)?,
        };
        let code = extract_code(&text);
        if code.is_empty() {
            return Err("the synthesiser answered nothing".into());
        }
        Ok(code)
    }

    fn run_command(&self, command: &str, request: &Json) -> Result<String, String> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run the synthesiser `{command}`: {e}"))?;
        // Writer and reader on their own threads, so neither side can block the other.
        let input = request.to_string();
        let writer = child.stdin.take().map(|mut stdin| {
            std::thread::spawn(move || {
                let _ = stdin.write_all(input.as_bytes());
            })
        });
        let reader = child.stdout.take().map(|mut stdout| {
            std::thread::spawn(move || {
                let mut out = String::new();
                let _ = stdout.read_to_string(&mut out);
                out
            })
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "the synthesiser did not answer within {} s",
                        self.timeout.as_secs_f64()
                    ));
                }
                Err(e) => return Err(format!("waiting for the synthesiser: {e}")),
            }
        };
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        let out = reader.and_then(|r| r.join().ok()).unwrap_or_default();
        if !status.success() {
            return Err(format!("the synthesiser failed ({status})"));
        }
        Ok(out)
    }

    fn chat(&self, url: &str, model: &str, request: &Json) -> Result<String, String> {
        let pretty = serde_json::to_string_pretty(request).unwrap_or_default();
        let body = json!({
            "model": model,
            "stream": false,
            "messages": [
                { "role": "system", "content": SYSTEM_PROMPT },
                { "role": "user", "content": pretty },
            ],
        });
        let response = client::request(url, "POST", "", Some(&body.to_string()), self.timeout)
            .map_err(|e| format!("the synthesiser at {url}: {e}"))?;
        if !(200..300).contains(&response.status) {
            return Err(format!(
                "the synthesiser at {url} answered {}: {}",
                response.status, response.body
            ));
        }
        let answer: Json = serde_json::from_str(&response.body)
            .map_err(|e| format!("the synthesiser at {url} did not answer JSON: {e}"))?;
        answer["message"]["content"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("the synthesiser at {url} answered no message.content"))
    }
}

/// The request a synthesiser gets.
pub fn request(
    module: &str,
    object: &str,
    method: &str,
    args: &[Json],
    slots: &[String],
    source: &str,
) -> Json {
    json!({
        "target": object,
        "module": module,
        "method": method,
        "args": args,
        "slots": slots,
        "source": source,
        "instructions": format!(
            "Write the Aura method `fn {method}(...) {{ ... }}` of object `{object}` \
             (it receives {} argument(s); self is the object). Answer with its source only.",
            args.len()
        ),
    })
}

/// The first fenced code block of `text` (its info string dropped), or all of it, trimmed.
pub fn extract_code(text: &str) -> String {
    if let Some(open) = text.find("```") {
        let after = &text[open + 3..];
        let body = after.find('\n').map_or("", |i| &after[i + 1..]);
        let body = body.find("```").map_or(body, |close| &body[..close]);
        return body.trim().to_string();
    }
    text.trim().to_string()
}

/// `source` with `method` added as the last member of `object`, after checking that `method`
/// is exactly one method named `name` and nothing else. The result still has to pass the whole
/// module's check: this only decides where the text goes.
pub fn splice(source: &str, object: &str, name: &str, method: &str) -> Result<String, String> {
    let alone = aura_compiler::parse::parse(&format!("object synthesized {{\n{method}\n}}\n"));
    let one_method = match alone.module.items.as_slice() {
        [aura_uast::Item::Object(def)] if alone.diagnostics.is_empty() => {
            match def.members.as_slice() {
                [aura_uast::ObjectMember::Method(f)] => Some(f.name.name.clone()),
                _ => None,
            }
        }
        _ => None,
    };
    match one_method {
        Some(found) if found == name => {}
        Some(found) => {
            return Err(format!(
                "the synthesiser wrote `fn {found}`, not `fn {name}`"
            ))
        }
        None => {
            return Err(format!(
                "the synthesiser's answer is not exactly one method `fn {name}(...) {{ ... }}`"
            ))
        }
    }
    let parsed = aura_compiler::parse::parse(source);
    let end = parsed
        .module
        .items
        .iter()
        .find_map(|item| match item {
            aura_uast::Item::Object(def) if def.name.name == object => Some(def.span.end as usize),
            _ => None,
        })
        .ok_or_else(|| format!("no `object {object}` in the module's source"))?;
    let close = end
        .checked_sub(1)
        .filter(|&i| source.get(i..end) == Some("}"))
        .ok_or_else(|| format!("cannot find the end of `object {object}`"))?;
    Ok(format!(
        "{}\n    {}\n{}",
        &source[..close],
        method.replace('\n', "\n    "),
        &source[close..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_are_extracted() {
        assert_eq!(extract_code("  fn f() { }\n"), "fn f() { }");
        assert_eq!(
            extract_code("Here:\n```aura\nfn f(x) {\n  return x\n}\n```\nDone."),
            "fn f(x) {\n  return x\n}"
        );
        assert_eq!(extract_code("```\nfn g() { }\n```"), "fn g() { }");
    }

    #[test]
    fn a_method_goes_at_the_end_of_its_object() -> Result<(), String> {
        let source = "object a { n = 1 }\nobject system {\n}\nfn after() { }\n";
        let out = splice(source, "system", "hi", "fn hi() {\n return 1\n}")?;
        assert_eq!(
            out,
            "object a { n = 1 }\nobject system {\n\n    fn hi() {\n     return 1\n    }\n}\nfn after() { }\n"
        );
        assert!(aura_compiler::check_source(&out).is_ok());
        Ok(())
    }

    #[test]
    fn only_one_method_of_the_right_name_is_spliced() {
        let source = "object system { }\n";
        for bad in [
            "fn hi() { } } fn evil() {",
            "fn hi() { }\nfn other() { }",
            "x = 1",
            "fn other() { }",
            "fn hi( {",
            "",
        ] {
            assert!(splice(source, "system", "hi", bad).is_err(), "{bad:?}");
        }
        assert!(splice(source, "nobody", "hi", "fn hi() { }").is_err());
    }
}
