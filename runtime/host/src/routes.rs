//! Route paths: `/api/items/:id` patterns matched segment by segment.

/// One segment of a route path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    /// `:name`
    Param(String),
}

/// Splits a path into its non-empty segments (so `/a/b/` and `/a/b` are the same path).
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

pub fn pattern(path: &str) -> Vec<Segment> {
    segments(path)
        .map(|s| match s.strip_prefix(':') {
            Some(name) if !name.is_empty() => Segment::Param(name.to_string()),
            _ => Segment::Literal(s.to_string()),
        })
        .collect()
}

/// The `:name` parameters (percent-decoded) when `path` matches `pattern`.
pub fn matches(pattern: &[Segment], path: &str) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    let mut parts = segments(path);
    for segment in pattern {
        let part = parts.next()?;
        match segment {
            Segment::Literal(text) => {
                if percent_decode(part) != *text {
                    return None;
                }
            }
            Segment::Param(name) => params.push((name.clone(), percent_decode(part))),
        }
    }
    if parts.next().is_some() {
        return None;
    }
    Some(params)
}

/// `%XX` escapes decoded as UTF-8 (invalid sequences are replaced); `+` stays `+` in a path.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_param_segments() {
        let p = pattern("/api/items/:id");
        assert_eq!(
            matches(&p, "/api/items/42"),
            Some(vec![("id".to_string(), "42".to_string())])
        );
        assert_eq!(matches(&p, "/api/items/42/"), matches(&p, "/api/items/42"));
        assert_eq!(matches(&p, "/api/items"), None);
        assert_eq!(matches(&p, "/api/items/1/2"), None);
        assert_eq!(matches(&p, "/api/other/1"), None);
    }

    #[test]
    fn params_are_percent_decoded() {
        let p = pattern("/f/:name");
        assert_eq!(
            matches(&p, "/f/a%20b%2F..%ZZ%"),
            Some(vec![("name".to_string(), "a b/..%ZZ%".to_string())])
        );
    }
}
