//! Mutation inference: for every method, can a call write the slots of `self`?
//!
//! 1. Every top-level fn (and prelude fn) gets a summary per parameter: can it *change* the value
//!    passed in (write into it, push onto it, send it a message, pass it on to something that
//!    changes it), and can it *leak* it (return it, store it, pass it to an unknown function)?
//!    Summaries are a fixed point over the call graph.
//! 2. Every method's body is walked once for [`Event`]s about `self` (see `effects.rs`).
//! 3. A method mutates when one of its events does: a write, an in-place builtin, an escape of
//!    `self`, a tracked value passed to a function whose summary says so, or a send `self.m(..)`
//!    whose target mutates. Send targets are found statically along the prototype chain (falling
//!    back to `does_not_understand`), and also in every object of the module that delegates to the
//!    method's object and overrides `m` (a send to `self` may reach them). This last part is a
//!    fixed point over all methods.

use super::effects::{analyze, Event, Functions, Kind, Root};
use super::env::Env;
use super::MethodFact;
use aura_uast::{Block, Expr, Ident, Item, Module, ObjectDef, ObjectMember, PluginMember, Span};
use std::collections::HashMap;

const DNU: &str = "does_not_understand";

#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct Summary {
    changes: bool,
    leaks: bool,
}

/// A body that `self.m(...)` may run: a method, or a slot initialised with a fn literal.
struct Unit<'a> {
    object: usize,
    name: &'a str,
    span: Span,
    events: Vec<Event>,
    /// A method definition (reported), not a fn-valued slot.
    reported: bool,
}

/// What a member name of an object is.
#[derive(Clone, Copy)]
enum Member {
    Unit(usize),
    /// A slot that does not hold a fn literal: sending it is not a call the audit can follow.
    Value,
}

/// Where a send may go.
#[derive(Clone, Copy)]
struct Target {
    unit: usize,
    /// Found in an object that delegates to the sender's object (its name), not along the chain.
    via: Option<usize>,
    dnu: bool,
}

pub fn infer(module: &Module, env: &Env<'_>) -> Vec<MethodFact> {
    let functions = Functions::new(env);
    let summaries = summarize(env, &functions);

    let objects: Vec<&ObjectDef> = module
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Object(def) => Some(def),
            _ => None,
        })
        .collect();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, def) in objects.iter().enumerate() {
        let _ = index.entry(def.name.name.as_str()).or_insert(i);
    }
    let proto: Vec<Option<usize>> = objects
        .iter()
        .map(|def| {
            def.proto
                .as_ref()
                .and_then(|p| index.get(p.name.as_str()).copied())
        })
        .collect();

    let chain = |start: usize| -> Vec<usize> {
        let mut chain = vec![start];
        let mut current = start;
        while let Some(Some(next)) = proto.get(current) {
            if chain.contains(next) {
                break; // a prototype cycle (E0213)
            }
            chain.push(*next);
            current = *next;
        }
        chain
    };
    // Objects that delegate to each object (directly or further down), in source order.
    let descendants: Vec<Vec<usize>> = (0..objects.len())
        .map(|o| {
            (0..objects.len())
                .filter(|d| *d != o && chain(*d).contains(&o))
                .collect()
        })
        .collect();

    // The names that may denote `self` in a method of each object: its own and its descendants'.
    let may_be_self = |o: usize| -> Vec<&str> {
        std::iter::once(o)
            .chain(descendants.get(o).into_iter().flatten().copied())
            .filter_map(|d| objects.get(d))
            .map(|def| def.name.name.as_str())
            .collect()
    };

    let mut units: Vec<Unit<'_>> = Vec::new();
    let mut members: HashMap<(usize, &str), Member> = HashMap::new();
    for (o, def) in objects.iter().enumerate() {
        for member in &def.members {
            let (name, span, body) = member_body(member);
            let member = match body {
                Some(Body {
                    params,
                    block,
                    reported,
                }) => {
                    let root = Root::SelfOf(may_be_self(o));
                    let events = analyze(env, &functions, env.stdlib, params, block, root);
                    units.push(Unit {
                        object: o,
                        name,
                        span,
                        events,
                        reported,
                    });
                    Member::Unit(units.len() - 1)
                }
                None => Member::Value,
            };
            // The first definition of a name wins; a duplicate is E0207 anyway.
            let _ = members.entry((o, name)).or_insert(member);
        }
    }

    let lookup = |start: usize, name: &str| -> Option<Member> {
        chain(start)
            .into_iter()
            .find_map(|o| members.get(&(o, name)).copied())
    };
    let resolve = |start: usize, name: &str| -> Option<(usize, bool)> {
        match lookup(start, name) {
            Some(Member::Unit(u)) => Some((u, false)),
            Some(Member::Value) => None,
            None => match lookup(start, DNU) {
                Some(Member::Unit(u)) => Some((u, true)),
                _ => None,
            },
        }
    };
    // Send targets of every send event of every unit.
    let targets: Vec<Vec<Vec<Target>>> = units
        .iter()
        .map(|unit| {
            unit.events
                .iter()
                .map(|event| match event {
                    Event::Send { method, .. } => {
                        let mut found = Vec::new();
                        if let Some((u, dnu)) = resolve(unit.object, method) {
                            found.push(Target {
                                unit: u,
                                via: None,
                                dnu,
                            });
                        }
                        for d in descendants.get(unit.object).into_iter().flatten() {
                            if let Some((u, dnu)) = resolve(*d, method) {
                                if !found.iter().any(|t| t.unit == u) {
                                    found.push(Target {
                                        unit: u,
                                        via: Some(*d),
                                        dnu,
                                    });
                                }
                            }
                        }
                        found
                    }
                    _ => Vec::new(),
                })
                .collect()
        })
        .collect();

    let passes = |event: &Event| -> bool {
        match event {
            Event::Change { .. } | Event::Leak { .. } => true,
            Event::PassTo {
                func, param, kind, ..
            } => {
                let summary = summary_of(&summaries, *func, *param);
                summary.changes || (*kind == Kind::Whole && summary.leaks)
            }
            Event::Send { .. } => false,
        }
    };
    let mut mutates: Vec<bool> = units.iter().map(|u| u.events.iter().any(passes)).collect();
    loop {
        let mut changed = false;
        for (u, unit_targets) in targets.iter().enumerate() {
            if mutates.get(u).copied().unwrap_or(true) {
                continue;
            }
            let reaches = unit_targets
                .iter()
                .flatten()
                .any(|t| mutates.get(t.unit).copied().unwrap_or(false));
            if reaches {
                if let Some(m) = mutates.get_mut(u) {
                    *m = true;
                }
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    // Facts, in source order: object methods and plugin members as they appear.
    let mut facts = Vec::new();
    let mut next_unit = 0;
    for item in &module.items {
        match item {
            Item::Object(def) => {
                for member in &def.members {
                    // Units were made in member order, one per member with a body.
                    if member_body(member).2.is_none() {
                        continue;
                    }
                    let u = next_unit;
                    next_unit += 1;
                    let Some(unit) = units.get(u) else { continue };
                    if !unit.reported {
                        continue;
                    }
                    let mut reasons = Vec::new();
                    let mut reason_spans = Vec::new();
                    let unit_targets = targets.get(u).map(Vec::as_slice).unwrap_or_default();
                    for (i, event) in unit.events.iter().enumerate() {
                        let reason = match event {
                            Event::Change { reason, .. } | Event::Leak { reason, .. } => {
                                Some(reason.clone())
                            }
                            Event::PassTo {
                                func,
                                param,
                                kind,
                                what,
                                ..
                            } => {
                                let summary = summary_of(&summaries, *func, *param);
                                if summary.changes {
                                    Some(format!("{what}, which changes it"))
                                } else if *kind == Kind::Whole && summary.leaks {
                                    Some(format!("{what}, which lets it escape"))
                                } else {
                                    None
                                }
                            }
                            Event::Send {
                                method, receiver, ..
                            } => unit_targets
                                .get(i)
                                .into_iter()
                                .flatten()
                                .find(|t| mutates.get(t.unit).copied().unwrap_or(false))
                                .map(|t| send_reason(receiver, method, t, &objects, &units)),
                        };
                        if let Some(reason) = reason {
                            reasons.push(reason);
                            reason_spans.push(event_span(event));
                        }
                    }
                    facts.push(MethodFact {
                        file: None,
                        owner: def.name.name.clone(),
                        method: unit.name.to_string(),
                        mutates: mutates.get(u).copied().unwrap_or(true),
                        reasons,
                        reason_spans,
                        span: unit.span,
                    });
                }
            }
            Item::Plugin(def) => {
                for member in &def.members {
                    let (method, span) = match member {
                        PluginMember::Fn(f) => (f.name.name.clone(), f.span),
                        PluginMember::Route(r) => (format!("{} {}", r.method.name, r.path), r.span),
                    };
                    facts.push(MethodFact {
                        file: None,
                        owner: def.name.name.clone(),
                        method,
                        mutates: false,
                        reasons: Vec::new(),
                        reason_spans: Vec::new(),
                        span,
                    });
                }
            }
            Item::Uses { .. } | Item::Import { .. } | Item::Let { .. } | Item::Fn(_) => {}
        }
    }
    facts
}

/// The code of an object member that `self.m(...)` can run.
struct Body<'a> {
    params: &'a [Ident],
    block: &'a Block,
    /// A method (which gets a fact), not a fn-literal slot.
    reported: bool,
}

fn member_body(member: &ObjectMember) -> (&str, Span, Option<Body<'_>>) {
    match member {
        ObjectMember::Method(f) => {
            let body = Body {
                params: &f.params,
                block: &f.body,
                reported: true,
            };
            (&f.name.name, f.span, Some(body))
        }
        ObjectMember::Slot { name, span, value } => match value {
            Expr::Lambda { params, body, .. } => {
                let body = Body {
                    params,
                    block: body,
                    reported: false,
                };
                (&name.name, *span, Some(body))
            }
            _ => (&name.name, *span, None),
        },
    }
}

fn send_reason(
    receiver: &str,
    method: &str,
    target: &Target,
    objects: &[&ObjectDef],
    units: &[Unit<'_>],
) -> String {
    let name = |o: usize| objects.get(o).map_or("?", |def| def.name.name.as_str());
    let found_in = units.get(target.unit).map_or("?", |u| name(u.object));
    let sent = format!("sends {receiver}.{method}");
    match (target.dnu, target.via) {
        (false, None) => format!("{sent}, which mutates"),
        (false, Some(_)) => format!("{sent}, which mutates as overridden in `{found_in}`"),
        (true, None) => format!("{sent}, answered by does_not_understand, which mutates"),
        (true, Some(_)) => {
            format!("{sent}, answered by does_not_understand in `{found_in}`, which mutates")
        }
    }
}

fn event_span(event: &Event) -> Span {
    match event {
        Event::Change { span, .. }
        | Event::Leak { span, .. }
        | Event::Send { span, .. }
        | Event::PassTo { span, .. } => *span,
    }
}

fn summary_of(summaries: &[Vec<Summary>], func: usize, param: usize) -> Summary {
    summaries
        .get(func)
        .and_then(|s| s.get(param))
        .copied()
        .unwrap_or(Summary {
            changes: true,
            leaks: true,
        })
}

/// Per-parameter summaries of every function, to a fixed point.
fn summarize(env: &Env<'_>, functions: &Functions<'_>) -> Vec<Vec<Summary>> {
    let events: Vec<Vec<Vec<Event>>> = functions
        .defs
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let prelude = env.stdlib || functions.is_prelude(i);
            def.params
                .iter()
                .map(|p| {
                    let root = Root::Param(&p.name);
                    analyze(env, functions, prelude, &def.params, &def.body, root)
                })
                .collect()
        })
        .collect();
    let mut summaries: Vec<Vec<Summary>> = events
        .iter()
        .map(|params| vec![Summary::default(); params.len()])
        .collect();
    loop {
        let mut changed = false;
        for (f, params) in events.iter().enumerate() {
            for (p, param_events) in params.iter().enumerate() {
                let mut summary = Summary::default();
                for event in param_events {
                    match event {
                        Event::Change { .. } | Event::Send { .. } => summary.changes = true,
                        Event::Leak { unseen, .. } => {
                            summary.leaks = true;
                            summary.changes |= *unseen;
                        }
                        Event::PassTo {
                            func, param, kind, ..
                        } => {
                            let callee = summaries
                                .get(*func)
                                .and_then(|s| s.get(*param))
                                .copied()
                                .unwrap_or_default();
                            summary.changes |= callee.changes;
                            summary.leaks |= *kind == Kind::Whole && callee.leaks;
                        }
                    }
                }
                if let Some(slot) = summaries.get_mut(f).and_then(|s| s.get_mut(p)) {
                    if *slot != summary {
                        *slot = summary;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    summaries
}
