//! Thin axum handlers: each turns a request into a job for the interpreter thread (or reads the
//! shared counters) and a reply into a JSON response. No Aura value crosses this boundary.

use crate::actor::{error_reply, HttpRequest, Job};
use crate::db::Db;
use crate::{Reply, Shared};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
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
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/status", get(status))
        .route("/message", post(message))
        .route("/api/evolve_plugin", post(evolve))
        .fallback(plugin_route)
        .with_state(state)
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
    let ok = store && modules > 0;
    let reply = Reply {
        status: if ok { 200 } else { 503 },
        body: json!({
            "status": if ok { "ok" } else { "unavailable" },
            "store": store,
            "modules": modules,
        }),
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

async fn message(State(state): State<AppState>, body: Bytes) -> Response {
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
        reply,
    })
    .await;
    respond(&state.shared, reply)
}

async fn evolve(State(state): State<AppState>, body: Bytes) -> Response {
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
    body: Bytes,
) -> Response {
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
