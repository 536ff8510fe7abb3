//! Accepting connections: at most `max_connections` at once (one more is answered 503 and
//! closed at once), each served by hyper's HTTP/1 server with a header timeout (which also ends
//! a kept-alive connection that sends nothing), bounded buffers, and graceful shutdown.

use crate::Limits;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Semaphore};

/// hyper's read buffer (the largest request head it parses). Larger than the host's own header
/// and URI limits (`http.rs`), so an oversized head is answered by the host, in JSON, not by
/// hyper with an empty 431.
const HYPER_BUFFER: usize = 256 * 1024;
/// Headers hyper parses in one request (the host's own limit is lower).
const HYPER_HEADERS: usize = 256;
/// How long in-flight connections get to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The answer to a connection over the cap.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
connection: close\r\ncontent-length: 79\r\n\r\n\
{\"error\":\"unavailable\",\"message\":\"too many connections; try again in a moment\"}";

/// Serves `app` on `listener` until `stop` fires.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    let _ = builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(HYPER_BUFFER)
        .max_headers(HYPER_HEADERS)
        .keep_alive(true);
    let service = TowerToHyperService::new(app);
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors (or a connection reset before it was accepted): wait
                    // a moment instead of spinning, then go on.
                    eprintln!("aura serve: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            let _busy = tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection =
            builder.serve_connection(TokioIo::new(JsonErrors::new(stream)), service.clone());
        let connection = graceful.watch(connection);
        let _served = tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    Ok(())
}

/// Answers a connection over the cap with a 503 and closes it (bounded: a peer that does not
/// read gets one second).
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(BUSY).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// The connection as hyper sees it: what it writes goes to the socket unchanged, except the
/// answers hyper makes up itself for a request it cannot parse (a malformed request line or
/// header, a head over its buffer), which have an empty body; those get the host's JSON error
/// body. Every answer of the host's own router carries a content type (`http.rs` makes every
/// error answer JSON), so an error head without one can only come from hyper.
struct JsonErrors<S> {
    inner: S,
    /// Bytes still to write of a rewritten answer, and how far they are written.
    pending: Vec<u8>,
    written: usize,
}

impl<S> JsonErrors<S> {
    fn new(inner: S) -> Self {
        JsonErrors {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<S: AsyncWrite + Unpin> JsonErrors<S> {
    /// Writes what is left of a rewritten answer; ready when nothing is left.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let rest = &self.pending[self.written..];
            match Pin::new(&mut self.inner).poll_write(cx, rest) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

/// hyper's own answer at the start of `buf` (an error status, no content type, an empty body)
/// rewritten with a JSON body, and how many bytes of `buf` it replaces; `None` for anything else.
fn rewrite_bodiless_error(buf: &[u8]) -> Option<(Vec<u8>, usize)> {
    let head_len = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..head_len]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status: u16 = status_line
        .strip_prefix("HTTP/1.1 ")?
        .get(..3)?
        .parse()
        .ok()?;
    if !(400..600).contains(&status) {
        return None;
    }
    let mut kept = Vec::new();
    let mut empty_body = false;
    for line in lines.filter(|l| !l.is_empty()) {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match name.as_str() {
            "content-type" | "transfer-encoding" => return None,
            "content-length" => empty_body = line[line.find(':')? + 1..].trim() == "0",
            _ => kept.push(line),
        }
    }
    if !empty_body {
        return None;
    }
    let (kind, message) = match status {
        400 => (
            "bad request",
            "the request is not valid HTTP/1.1".to_string(),
        ),
        431 => (
            "headers too large",
            format!("the request head is over {HYPER_BUFFER} bytes or {HYPER_HEADERS} headers"),
        ),
        _ => ("error", status_line.to_string()),
    };
    let body = serde_json::json!({ "error": kind, "message": message }).to_string();
    let mut answer = format!("{status_line}\r\n");
    for line in kept {
        answer.push_str(line);
        answer.push_str("\r\n");
    }
    answer.push_str(&format!(
        "content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    ));
    Some((answer.into_bytes(), head_len))
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match this.poll_pending(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        if let Some((answer, replaced)) = rewrite_bodiless_error(buf) {
            this.pending = answer;
            this.written = 0;
            // The replaced bytes count as written; the answer goes out now and on later polls
            // (hyper flushes before it closes).
            if let Poll::Ready(Err(e)) = this.poll_pending(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(replaced));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_pending(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_pending(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn busy_answer_has_the_right_length() {
        let text = std::str::from_utf8(super::BUSY).unwrap_or_default();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_default();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }

    #[test]
    fn hyper_s_own_empty_errors_get_a_json_body_and_nothing_else_changes() {
        let hyper_400 = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\
date: Thu, 03 Dec 2026 13:28:31 GMT\r\n\r\n";
        let (answer, replaced) = super::rewrite_bodiless_error(hyper_400).unwrap_or_default();
        assert_eq!(replaced, hyper_400.len());
        let text = String::from_utf8(answer).unwrap_or_default();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_default();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n"));
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        assert!(head.contains("content-type: application/json"), "{head}");
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        assert_eq!(json["error"], "bad request");
        // The host's own answers (a content type, or a body) and successes pass unchanged.
        for other in [
            &b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"[..],
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 5\r\n\r\nhello",
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-len",
        ] {
            assert!(super::rewrite_bodiless_error(other).is_none());
        }
    }
}
