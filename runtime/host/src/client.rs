//! `aura send`'s side: a minimal blocking HTTP/1.1 client over a `TcpStream` (one request per
//! connection, `Connection: close`) and the rules that turn command-line words into a message.

use serde_json::{Map, Value};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long a refused connection is retried (a host that is still starting).
const CONNECT_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// The host's default address.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// Sends one request to `url` (`http://HOST:PORT`, optionally with a path prefix) + `path`.
pub fn request(
    url: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    timeout: Duration,
) -> Result<Response, String> {
    request_as(url, method, path, body, timeout, None)
}

/// The admin token for a client: `AURA_TOKEN`, else the first of `files` that exists (e.g.
/// `--token-file`, then `.aura/token` of the current directory). `None`: no token; requests
/// that change code will be refused.
pub fn find_token(files: &[std::path::PathBuf]) -> Result<Option<String>, String> {
    if let Ok(token) = std::env::var("AURA_TOKEN") {
        if !token.trim().is_empty() {
            return Ok(Some(token.trim().to_string()));
        }
    }
    for file in files {
        match std::fs::read_to_string(file) {
            Ok(text) => return Ok(Some(text.trim().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
        }
    }
    Ok(None)
}

/// [`request`], with `Authorization: Bearer TOKEN` when a token is given.
pub fn request_as(
    url: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    timeout: Duration,
    token: Option<&str>,
) -> Result<Response, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("`{url}` is not an http:// URL"))?;
    let (authority, prefix) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    let address = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addrs: Vec<_> = address
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .collect();
    let mut stream = None;
    let mut last = String::from("no address");
    // A host started a moment ago (`aura serve DIR &` then `aura send ...`) may not listen yet:
    // a refused connection is tried again for a few seconds before it counts.
    let patience = std::time::Instant::now() + timeout.min(CONNECT_PATIENCE);
    'attempts: loop {
        let mut refused = false;
        for addr in &addrs {
            match TcpStream::connect_timeout(addr, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break 'attempts;
                }
                Err(e) => {
                    refused |= e.kind() == std::io::ErrorKind::ConnectionRefused;
                    last = e.to_string();
                }
            }
        }
        if !refused || std::time::Instant::now() >= patience {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut stream = stream.ok_or_else(|| format!("cannot connect to {url}: {last}"))?;
    let io = |e: std::io::Error| format!("{url}: {e}");
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let body = body.unwrap_or("");
    let authorization = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {prefix}{path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: aura-send\r\n\
Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
{authorization}Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).map_err(io)?;
    stream.write_all(body.as_bytes()).map_err(io)?;
    stream.flush().map_err(io)?;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).map_err(io)?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the host's answer is not HTTP")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or("the host's answer has no status")?;
    let chunked = lines.any(|line| {
        let lower = line.to_ascii_lowercase();
        lower.starts_with("transfer-encoding:") && lower.contains("chunked")
    });
    let mut body = raw[split + 4..].to_vec();
    if chunked {
        body = dechunk(&body)?;
    }
    Ok(Response {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunked body")?;
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size_text = size_text.split(';').next().unwrap_or("").trim().to_string();
        let size = usize::from_str_radix(&size_text, 16).map_err(|_| "bad chunk size")?;
        data = &data[end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size {
            return Err("truncated chunked body".into());
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
}

/// Is `word` a `name=value` pair (an identifier, then `=`)?
fn pair(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let mut chars = name.chars();
    let ident = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    ident.then_some((name, value))
}

/// JSON if it parses, else the word itself as a string.
fn value(word: &str) -> Value {
    serde_json::from_str(word).unwrap_or_else(|_| Value::String(word.to_string()))
}

/// The message's arguments: each word is JSON or, failing that, a string; `name=value` words are
/// gathered into one map (values as JSON, else strings) passed as the last argument.
pub fn message_args(words: &[String]) -> Vec<Value> {
    let mut args = Vec::new();
    let mut named = Map::new();
    for word in words {
        match pair(word) {
            Some((name, v)) => {
                let _ = named.insert(name.to_string(), value(v));
            }
            None => args.push(value(word)),
        }
    }
    if !named.is_empty() {
        args.push(Value::Object(named));
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn words_become_arguments() {
        let words: Vec<String> = ["1", "hello", "[1,2]", "key=test", "value=123", "\"a=b\""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            message_args(&words),
            vec![
                json!(1),
                json!("hello"),
                json!([1, 2]),
                json!("a=b"),
                json!({"key": "test", "value": 123}),
            ]
        );
    }

    #[test]
    fn responses_parse_plain_and_chunked() -> Result<(), String> {
        let plain = parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")?;
        assert_eq!((plain.status, plain.body.as_str()), (200, "{}"));
        let chunked = parse_response(
            b"HTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n",
        )?;
        assert_eq!((chunked.status, chunked.body.as_str()), (500, "{\"a\":1}"));
        Ok(())
    }
}
