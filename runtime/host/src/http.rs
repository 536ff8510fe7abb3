//! Thin axum handlers: each turns a request into a job for the interpreter thread (or reads the
//! shared counters) and a reply into a JSON response. No Aura value crosses this boundary.

use crate::actor::{error_reply, HttpRequest, Job};
use crate::auth::Guard;
use crate::db::Db;
use crate::{Limits, Reply, Shared};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

#[derive(Clone)]
pub struct AppState {
    pub jobs: mpsc::Sender<Job>,
    pub shared: Arc<Shared>,
    pub db: Arc<Db>,
    pub guard: Arc<Guard>,
    pub limits: Limits,
}

/// Longest request target (path and query) the host reads.
const MAX_URI: usize = 8 * 1024;
/// Most header bytes (names and values) and header lines in one request.
const MAX_HEADER_BYTES: usize = 16 * 1024;
const MAX_HEADERS: usize = 100;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/status", get(status))
        .route("/message", post(message))
        .route("/api/evolve_plugin", post(evolve))
        .fallback(plugin_route)
        .layer(middleware::from_fn_with_state(state.clone(), screen))
        .with_state(state)
}

/// Every request passes here first: the request target and header limits, the `Host` check;
/// and every answer on the way out: an error without a JSON body (axum's own 405, for one) gets
/// one.
async fn screen(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let uri_len = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI {
        let reply = error_reply(
            414,
            "uri too long",
            format!("the request target is {uri_len} bytes; at most {MAX_URI} are read"),
        );
        return respond(&state.shared, reply);
    }
    let headers = request.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.as_bytes().len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        let reply = error_reply(
            431,
            "headers too large",
            format!(
                "{} headers, {header_bytes} bytes; at most {MAX_HEADERS} headers and \
                 {MAX_HEADER_BYTES} bytes are read",
                headers.len()
            ),
        );
        return respond(&state.shared, reply);
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !state.guard.host_allowed(host) {
        let reply = error_reply(
            421,
            "misdirected request",
            "this host does not answer to that Host name (see --allow-host)",
        );
        return respond(&state.shared, reply);
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let kind = status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase();
        let body = serde_json::json!({ "error": kind, "message": format!("{status}") });
        // Keeps the answer's other headers (`Allow` on a 405).
        let (mut parts, _) = response.into_parts();
        let _ = parts.headers.remove(header::CONTENT_LENGTH);
        let _ = parts.headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        return Response::from_parts(parts, Body::from(body.to_string()));
    }
    response
}

/// Why a request was refused before it reached the interpreter.
fn refused(status: u16, kind: &str, message: &str) -> Reply {
    error_reply(status, kind, message)
}

/// The checks of the host's own POST endpoints: a JSON content type and no foreign `Origin`.
/// (A page in a browser cannot send `application/json` across origins without the browser
/// asking first, and a browser always names the page's origin.)
fn same_origin_json(state: &AppState, headers: &HeaderMap) -> Result<(), Reply> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return Err(refused(
            415,
            "unsupported media type",
            "send the request with Content-Type: application/json",
        ));
    }
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !state.guard.origin_allowed(origin, host) {
        return Err(refused(
            403,
            "forbidden",
            "a request from another origin cannot reach this endpoint",
        ));
    }
    Ok(())
}

fn authorized(state: &AppState, headers: &HeaderMap) -> bool {
    state
        .guard
        .authorized(headers.get(header::AUTHORIZATION).map(|v| v.as_bytes()))
}

/// Reads a request body: at most `max_body` bytes (a larger `Content-Length` is refused before
/// any of it is read) within `body_timeout`.
async fn read_body(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Bytes, Reply> {
    let max = state.limits.max_body;
    let too_large = || {
        error_reply(
            413,
            "payload too large",
            format!("the request body is over {max} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(state.limits.body_timeout, axum::body::to_bytes(body, max)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let length_limit = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if length_limit {
                Err(too_large())
            } else {
                Err(error_reply(
                    400,
                    "bad request",
                    format!("cannot read the body: {e}"),
                ))
            }
        }
        Err(_) => Err(error_reply(
            408,
            "request timeout",
            format!(
                "the body did not arrive within {} s",
                state.limits.body_timeout.as_secs_f64()
            ),
        )),
    }
}

fn respond(shared: &Shared, reply: Reply) -> Response {
    let _ = shared.requests.fetch_add(1, Ordering::Relaxed);
    if reply.status >= 500 {
        let _ = shared.errors.fetch_add(1, Ordering::Relaxed);
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(reply.body)).into_response()
}

/// Sends a job to the interpreter thread and waits for its reply.
async fn dispatch(state: &AppState, job: impl FnOnce(oneshot::Sender<Reply>) -> Job) -> Reply {
    let (reply, answer) = oneshot::channel();
    if state.jobs.send(job(reply)).await.is_err() {
        return error_reply(503, "unavailable", "the interpreter thread has stopped");
    }
    answer.await.unwrap_or_else(|_| {
        error_reply(
            500,
            "internal error",
            "the interpreter thread dropped the request",
        )
    })
}

/// The body as JSON; an empty body is `null`.
fn parse_body(body: &Bytes) -> Result<Value, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body)
        .map_err(|e| error_reply(400, "bad request", format!("the body is not JSON: {e}")))
}

async fn health(State(state): State<AppState>) -> Response {
    let store = state.db.reachable();
    let modules = state.shared.module_count.load(Ordering::SeqCst);
    let busy = state.shared.busy_for();
    let stuck = busy.is_some_and(|b| b > state.shared.stuck_after);
    let ok = store && modules > 0 && !stuck;
    let mut body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "store": store,
        "modules": modules,
        "worker": if stuck { "stuck" } else if busy.is_some() { "busy" } else { "idle" },
    });
    if let Some(busy) = busy {
        body["busy_seconds"] = json!(busy.as_secs_f64());
    }
    let reply = Reply {
        status: if ok { 200 } else { 503 },
        body,
    };
    respond(&state.shared, reply)
}

async fn status(State(state): State<AppState>) -> Response {
    let shared = &state.shared;
    let modules: Vec<Value> = shared
        .modules
        .lock()
        .map(|modules| {
            modules
                .iter()
                .map(|m| {
                    json!({
                        "name": m.name,
                        "routes": m.routes,
                        "objects": m.objects,
                        "definitions": m.definitions,
                        "imports": m.imports,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let rejected: Value = shared
        .rejected
        .lock()
        .map(|r| {
            r.iter()
                .map(|(name, why)| json!({ "name": name, "reason": why }))
                .collect()
        })
        .unwrap_or_default();
    let routes: Value = shared
        .route_counts
        .lock()
        .map(|counts| {
            Value::Object(
                counts
                    .iter()
                    .map(|(route, n)| (route.clone(), json!(n)))
                    .collect(),
            )
        })
        .unwrap_or_default();
    let body = json!({
        "uptime_seconds": shared.started.elapsed().as_secs_f64(),
        "requests": {
            "total": shared.requests.load(Ordering::Relaxed),
            "errors": shared.errors.load(Ordering::Relaxed),
            "messages": shared.messages.load(Ordering::Relaxed),
            "routes": routes,
        },
        "modules": modules,
        "rejected": rejected,
    });
    respond(shared, Reply { status: 200, body })
}

async fn message(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    if let Err(reply) = same_origin_json(&state, &headers) {
        return respond(&state.shared, reply);
    }
    let body = match read_body(&state, &headers, body).await {
        Ok(body) => body,
        Err(reply) => return respond(&state.shared, reply),
    };
    let may_synthesize = authorized(&state, &headers);
    let request = match parse_body(&body) {
        Ok(request) => request,
        Err(reply) => return respond(&state.shared, reply),
    };
    let target = request.get("target").and_then(Value::as_str);
    let method = request.get("method").and_then(Value::as_str);
    let args = match request.get("args") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(args)) => Some(args.clone()),
        Some(_) => None,
    };
    let (Some(target), Some(method), Some(args)) = (target, method, args) else {
        let reply = error_reply(
            400,
            "bad request",
            "expected {\"target\": str, \"method\": str, \"args\": [...]}",
        );
        return respond(&state.shared, reply);
    };
    let (target, method) = (target.to_string(), method.to_string());
    let reply = dispatch(&state, |reply| Job::Message {
        target,
        method,
        args,
        may_synthesize,
        reply,
    })
    .await;
    respond(&state.shared, reply)
}

async fn evolve(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    if let Err(reply) = same_origin_json(&state, &headers) {
        return respond(&state.shared, reply);
    }
    if !authorized(&state, &headers) {
        let reply = refused(
            401,
            "unauthorized",
            "changing code needs Authorization: Bearer TOKEN (the token is in the data \
             directory's `token` file, or was given with --token-file / AURA_TOKEN)",
        );
        return respond(&state.shared, reply);
    }
    let body = match read_body(&state, &headers, body).await {
        Ok(body) => body,
        Err(reply) => return respond(&state.shared, reply),
    };
    let request = match parse_body(&body) {
        Ok(request) => request,
        Err(reply) => return respond(&state.shared, reply),
    };
    let module = request.get("module").and_then(Value::as_str);
    let source = request.get("source").and_then(Value::as_str);
    let (Some(module), Some(source)) = (module, source) else {
        let reply = error_reply(
            400,
            "bad request",
            "expected {\"module\": str, \"source\": str}",
        );
        return respond(&state.shared, reply);
    };
    let (module, source) = (module.to_string(), source.to_string());
    let reply = dispatch(&state, |reply| Job::Evolve {
        module,
        source,
        reply,
    })
    .await;
    respond(&state.shared, reply)
}

async fn plugin_route(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match read_body(&state, &headers, body).await {
        Ok(body) => body,
        Err(reply) => return respond(&state.shared, reply),
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(reply) => return respond(&state.shared, reply),
    };
    let query = uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut header_pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in &headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match header_pairs.iter_mut().find(|(n, _)| n == name.as_str()) {
            Some((_, existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            None => header_pairs.push((name.as_str().to_string(), value)),
        }
    }
    let request = HttpRequest {
        method: method.as_str().to_string(),
        path: uri.path().to_string(),
        query,
        headers: header_pairs,
        body,
    };
    let reply = dispatch(&state, |reply| Job::Route(request, reply)).await;
    respond(&state.shared, reply)
}
