//! `str()` of a JSON value, by the printing rules of the contract (`spec/language.md`): what a
//! `log` line shows when its message arrives as JSON.

use crate::Json;
use aura_facts::{format_float, write_json_string};

/// Stack kept free before growing onto a new segment, and the size of each new segment: JSON
/// nests as deeply as its text does.
const RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

/// `str(v)` of the Aura value `v` decodes to: a string as it is, anything else as `print` shows
/// it (`nil`, `1.0`, `[1, "a"]`, `{"k": true}`).
pub fn json_to_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        _ => {
            let mut out = String::new();
            write_nested(&mut out, value);
            out
        }
    }
}

fn write_nested(out: &mut String, value: &Json) {
    match value {
        Json::Null => out.push_str("nil"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => match n.as_i64() {
            Some(i) => out.push_str(&i.to_string()),
            None => out.push_str(&format_float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Json::String(s) => write_json_string(out, s),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || write_nested(out, item));
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json_string(out, key);
                out.push_str(": ");
                stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || write_nested(out, item));
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_follows_the_printing_rules() {
        let cases = [
            (json!("top \"level\""), "top \"level\""),
            (json!(null), "nil"),
            (json!(-3), "-3"),
            (json!(1.0), "1.0"),
            (json!(1e300), "1e300"),
            (json!(u64::MAX), "1.8446744073709552e19"),
            (json!([1, "a\n", [true]]), "[1, \"a\\n\", [true]]"),
            (
                json!({"k": {"z": null}, "a": 2}),
                "{\"k\": {\"z\": nil}, \"a\": 2}",
            ),
        ];
        for (value, text) in cases {
            assert_eq!(json_to_text(&value), text);
        }
    }
}
