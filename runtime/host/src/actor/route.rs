//! Plugin routes: finding the route a request matches, calling it, and turning its value into
//! the HTTP reply. A route call commits like any job (`persist.rs`).

use super::persist::{commit, restore, snapshot, to_json_bounded};
use super::{error_reply, runtime_reply, Actor, HttpRequest};
use crate::capabilities::Caps;
use crate::routes;
use crate::Reply;
use aura_interp::from_json;
use serde_json::{json, Value as Json};

/// A matched route: its module, its index in the module's routes, the path parameters.
type Found = (String, usize, Vec<(String, String)>);

impl Actor {
    /// Calls the route `request` matches and commits what it changed.
    pub(super) fn route(&mut self, request: HttpRequest) -> Reply {
        let (name, index, params) = match self.find_route(&request) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        let req = request_json(request, params);
        let Some(module) = self.modules.get_mut(&name) else {
            return error_reply(404, "not found", "module gone");
        };
        if let Ok(mut counts) = self.shared.route_counts.lock() {
            *counts
                .entry(format!("{name} {}", module.routes[index].2))
                .or_insert(0) += 1;
        }
        let snapshot = snapshot(module);
        let mut caps = Caps::new(&name, &self.db);
        let route = module.routes[index].3;
        let result = module
            .instance
            .call_route(route, from_json(&req), &mut caps)
            .and_then(|value| to_json_bounded(&value, &self.options));
        let pending = std::mem::take(&mut caps.pending);
        match result {
            Ok(value) => {
                if let Err(e) = commit(&self.db, &name, module, pending, None) {
                    restore(module, &snapshot);
                    return error_reply(500, "store error", e);
                }
                route_response(value)
            }
            Err(e) => {
                restore(module, &snapshot);
                runtime_reply(&e)
            }
        }
    }

    /// The first route (modules in name order, routes in source order) whose pattern and method
    /// match: its module, its index and the path parameters; 405 when only the method differs.
    fn find_route(&self, request: &HttpRequest) -> Result<Found, Reply> {
        let mut other_method = false;
        for (name, module) in &self.modules {
            for (index, (method, pattern, _, _)) in module.routes.iter().enumerate() {
                if let Some(params) = routes::matches(pattern, &request.path) {
                    if *method == request.method {
                        return Ok((name.clone(), index, params));
                    }
                    other_method = true;
                }
            }
        }
        Err(if other_method {
            error_reply(405, "method not allowed", "the route has another method")
        } else {
            error_reply(404, "not found", format!("no route for {}", request.path))
        })
    }
}

/// A route's value as a response: a map with an int `status_code` (100–599) chooses the status
/// and its `body` is the response body; any other value is the body of a 200.
fn route_response(value: Json) -> Reply {
    if let Json::Object(map) = &value {
        if let Some(code) = map.get("status_code").and_then(Json::as_u64) {
            if (100..=599).contains(&code) {
                return Reply {
                    status: code as u16,
                    body: map.get("body").cloned().unwrap_or(Json::Null),
                };
            }
        }
    }
    Reply {
        status: 200,
        body: value,
    }
}

/// The request as the route's handler sees it.
fn request_json(request: HttpRequest, params: Vec<(String, String)>) -> Json {
    let map = |pairs: Vec<(String, String)>| {
        Json::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Json::String(v)))
                .collect(),
        )
    };
    json!({
        "method": request.method,
        "path": request.path,
        "query": map(request.query),
        "headers": map(request.headers),
        "body": request.body,
        "params": map(params),
    })
}
