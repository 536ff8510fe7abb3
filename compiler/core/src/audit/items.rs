//! Checks on the shape of the module: `uses` lists, duplicate definitions, duplicate members and
//! routes, and prototype links.

use super::env::{Env, TopDef};
use super::error::AuditError;
use super::suggest;
use aura_uast::{Expr, Ident, Item, Module, ObjectMember, PluginMember, Span, CAPABILITIES};
use std::collections::HashMap;

pub fn check(module: &Module, env: &Env<'_>, errors: &mut Vec<AuditError>) {
    check_uses(module, errors);
    check_duplicates(env, errors);
    for item in &module.items {
        match item {
            Item::Object(def) => {
                let names = def.members.iter().map(|member| match member {
                    ObjectMember::Slot { name, .. } => name,
                    ObjectMember::Method(method) => &method.name,
                });
                check_members(names, "object", &def.name.name, errors);
            }
            Item::Plugin(def) => {
                let names = def.members.iter().filter_map(|member| match member {
                    PluginMember::Fn(f) => Some(&f.name),
                    PluginMember::Route(_) => None,
                });
                check_members(names, "plugin", &def.name.name, errors);
                check_routes(def, errors);
            }
            Item::Uses { .. } | Item::Import { .. } | Item::Let { .. } | Item::Fn(_) => {}
        }
    }
    check_prototypes(module, env, errors);
    check_hooks(module, errors);
}

/// The methods the runtime calls by itself, and how many arguments it passes: a send that finds
/// no method `m` calls `does_not_understand(name, args)` (`spec/language.md`).
pub const HOOKS: [(&str, usize, &str); 1] =
    [("does_not_understand", 2, "does_not_understand(name, args)")];

/// A hook method (or fn-literal slot, or plugin fn, since a plugin is an object at run time) must
/// take exactly the parameters the runtime passes, or every call to it fails at run time.
fn check_hooks(module: &Module, errors: &mut Vec<AuditError>) {
    for item in &module.items {
        let (owner_kind, owner, members): (&'static str, &Ident, Vec<(&Ident, usize)>) = match item
        {
            Item::Object(def) => (
                "object",
                &def.name,
                def.members
                    .iter()
                    .filter_map(|member| match member {
                        ObjectMember::Method(f) => Some((&f.name, f.params.len())),
                        ObjectMember::Slot {
                            name,
                            value: Expr::Lambda { params, .. },
                            ..
                        } => Some((name, params.len())),
                        ObjectMember::Slot { .. } => None,
                    })
                    .collect(),
            ),
            Item::Plugin(def) => (
                "plugin",
                &def.name,
                def.members
                    .iter()
                    .filter_map(|member| match member {
                        PluginMember::Fn(f) => Some((&f.name, f.params.len())),
                        PluginMember::Route(_) => None,
                    })
                    .collect(),
            ),
            Item::Uses { .. } | Item::Import { .. } | Item::Let { .. } | Item::Fn(_) => continue,
        };
        for (name, found) in members {
            let Some((hook, expected, call)) = HOOKS.iter().find(|(h, _, _)| *h == name.name)
            else {
                continue;
            };
            if found != *expected {
                errors.push(AuditError::HookArity {
                    span: name.span,
                    hook,
                    owner_kind,
                    owner: owner.name.clone(),
                    expected: *expected,
                    found,
                    call,
                });
            }
        }
    }
}

/// Every name in `uses` must be a known capability. Declaring one twice is allowed and changes
/// nothing (as importing twice would).
fn check_uses(module: &Module, errors: &mut Vec<AuditError>) {
    for item in &module.items {
        if let Item::Uses { names, .. } = item {
            for name in names {
                if !CAPABILITIES.contains(&name.name.as_str()) {
                    errors.push(AuditError::UnknownCapability {
                        span: name.span,
                        name: name.name.clone(),
                        suggestion: suggest::closest(&name.name, CAPABILITIES.iter().copied()),
                    });
                }
            }
        }
    }
}

fn check_duplicates(env: &Env<'_>, errors: &mut Vec<AuditError>) {
    let mut seen: HashMap<&str, TopDef<'_>> = HashMap::new();
    for def in &env.defs {
        let name = def.name();
        if let Some(first) = seen.get(name.name.as_str()) {
            errors.push(AuditError::DuplicateDefinition {
                span: name.span,
                name: name.name.clone(),
                kind: def.kind(),
                first: first.name().span,
                first_kind: first.kind(),
            });
        } else if let Some(declared) = env.capability(&name.name) {
            // `uses log` binds `log` at top level too.
            errors.push(AuditError::DuplicateDefinition {
                span: name.span,
                name: name.name.clone(),
                kind: def.kind(),
                first: declared,
                first_kind: "capability",
            });
            let _ = seen.insert(&name.name, *def);
        } else {
            let _ = seen.insert(&name.name, *def);
        }
    }
}

fn check_members<'a>(
    names: impl Iterator<Item = &'a Ident>,
    owner_kind: &'static str,
    owner: &str,
    errors: &mut Vec<AuditError>,
) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for name in names {
        if let Some(first) = seen.get(name.name.as_str()) {
            errors.push(AuditError::DuplicateMember {
                span: name.span,
                name: name.name.clone(),
                owner_kind,
                owner: owner.to_string(),
                first: *first,
            });
        } else {
            let _ = seen.insert(&name.name, name.span);
        }
    }
}

/// Two routes clash when their paths are equal and their methods are equal ignoring ASCII case
/// (`get` and `GET` are one HTTP method to a host).
fn check_routes(plugin: &aura_uast::PluginDef, errors: &mut Vec<AuditError>) {
    let mut seen: HashMap<(String, &str), Span> = HashMap::new();
    for member in &plugin.members {
        if let PluginMember::Route(route) = member {
            let key = (route.method.name.to_ascii_uppercase(), route.path.as_str());
            let span = route_head(route);
            if let Some(first) = seen.get(&key) {
                errors.push(AuditError::DuplicateRoute {
                    span,
                    route: format!("{} {}", key.0, route.path),
                    plugin: plugin.name.name.clone(),
                    first: *first,
                });
            } else {
                let _ = seen.insert(key, span);
            }
        }
    }
}

/// `route METHOD`: where a route starts, up to its method name.
fn route_head(route: &aura_uast::RouteDef) -> Span {
    if route.span.is_empty() || route.method.span.end < route.span.start {
        route.method.span
    } else {
        Span {
            start: route.span.start,
            end: route.method.span.end,
        }
    }
}

fn check_prototypes(module: &Module, env: &Env<'_>, errors: &mut Vec<AuditError>) {
    let objects: Vec<&aura_uast::ObjectDef> = module
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Object(def) => Some(def),
            _ => None,
        })
        .collect();
    for def in &objects {
        let Some(proto) = &def.proto else { continue };
        if env.objects.contains_key(proto.name.as_str()) {
            continue;
        }
        let actually = match env.resolve(&proto.name, None) {
            Some(super::env::Global::Top(def)) => Some(def.kind()),
            Some(super::env::Global::Capability) => Some("capability"),
            Some(super::env::Global::Prelude(_) | super::env::Global::Builtin(_)) => {
                Some("builtin")
            }
            Some(super::env::Global::PluginFn(_)) | None => None,
        };
        let suggestion = match actually {
            Some(_) => None,
            None => suggest::closest(&proto.name, objects.iter().map(|o| o.name.name.as_str())),
        };
        errors.push(AuditError::UnknownPrototype {
            span: proto.span,
            name: proto.name.clone(),
            object: def.name.name.clone(),
            actually,
            suggestion,
        });
    }
    // Cycles: follow each object's chain; a cycle is reported once, at the link (in source order)
    // of its first object.
    let mut reported: Vec<&str> = Vec::new();
    for def in &objects {
        let start = def.name.name.as_str();
        if env
            .objects
            .get(start)
            .is_none_or(|first| !std::ptr::eq(*first, *def))
        {
            continue; // a duplicate object: E0205 already
        }
        let mut chain: Vec<&str> = vec![start];
        let mut current = *def;
        while let Some(proto) = &current.proto {
            let Some(next) = env.objects.get(proto.name.as_str()) else {
                break;
            };
            if let Some(pos) = chain.iter().position(|n| *n == next.name.name) {
                let cycle = &chain[pos..];
                if pos == 0 && !cycle.iter().any(|n| reported.contains(n)) {
                    reported.extend(cycle.iter().copied());
                    report_cycle(cycle, env, errors);
                }
                break;
            }
            chain.push(&next.name.name);
            current = next;
        }
    }
}

fn report_cycle(cycle: &[&str], env: &Env<'_>, errors: &mut Vec<AuditError>) {
    let link = |name: &str| {
        env.objects
            .get(name)
            .and_then(|o| o.proto.as_ref())
            .map(|p| p.span)
            .unwrap_or_default()
    };
    let mut names: Vec<String> = cycle.iter().map(|n| n.to_string()).collect();
    names.extend(cycle.first().map(|n| n.to_string()));
    let span = cycle.first().map(|n| link(n)).unwrap_or_default();
    let links = cycle.iter().skip(1).map(|n| link(n)).collect();
    errors.push(AuditError::PrototypeCycle {
        span,
        cycle: names,
        links,
    });
}
