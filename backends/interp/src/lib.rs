//! The Aura tree interpreter.
//!
//! A module (plus the stdlib prelude) is first compiled into a resolved tree (`compile.rs`):
//! every variable becomes a stack slot, a cell, an upvalue or a global index, so nothing is looked
//! up by name while the program runs. The evaluator (`eval.rs`) walks that tree.
//!
//! Limits (per top-level call: `run` as a whole, or one `Instance::call`/`send`):
//! - **depth**: more than `Options::max_depth` nested calls is `stack overflow`. The Rust stack
//!   grows onto heap-allocated segments as needed (`stacker`), so deep recursion works on any
//!   thread, however small its stack. The segments are capped at 1 GiB in all: a call past that
//!   is also a clean `stack overflow`. An optimised build uses about 650 bytes of stack per Aura
//!   call, so a million nested calls (with `max_depth` raised to 2 000 000) succeed with ~650 MB;
//!   an unoptimised build's frames are ~12 KB, so there the same program ends in
//!   `stack overflow` near 85 000 calls (see `tests/limits.rs`).
//! - **fuel**: every statement, loop iteration and call costs one unit; a builtin also costs
//!   one unit per 64 bytes and per 16 elements it reads or writes (`builtins.rs`).
//! - **deadline**: an embedder may set a wall-clock deadline for its thread ([`set_deadline`]);
//!   a call past it ends in `out of fuel` (see `limits.rs`).
//! - **memory**: see `limits.rs` (live bytes of strings, lists, maps, objects; approximate).

mod builtins;
mod capability;
mod compile;
mod eval;
mod gc;
mod json;
mod limits;
mod ops;
mod ordmap;
mod print;
mod tree;
mod value;

pub use aura_facts::{ErrorKind, RuntimeError};
pub use aura_host_api::Options;
pub use gc::{collect, stats as gc_stats, Collection};
pub use json::{from_json, to_json, to_json_limited};
pub use limits::{deadline_passed, live_bytes, set_deadline};
pub use value::{Closure, Key, List, Map, Object, Str, Value};

use aura_host_api::Host;
use aura_uast::Module;
use compile::{Init, Member, Program};
use eval::Machine;
use std::rc::Rc;
use value::{err, type_err, R};

/// Loads `prelude` and `module`, initialises globals and objects in source order, then calls
/// `main()` if the module defines it. Fuel and memory limits cover the whole run.
pub fn run(
    module: &Module,
    prelude: &Module,
    options: &Options,
    host: &mut dyn Host,
) -> Result<(), RuntimeError> {
    let result = run_inner(module, prelude, options, host);
    host.flush();
    result
}

fn run_inner(
    module: &Module,
    prelude: &Module,
    options: &Options,
    host: &mut dyn Host,
) -> Result<(), RuntimeError> {
    let _guard = limits::MemoryGuard::new(options.max_memory);
    let mut fuel = options.fuel.unwrap_or(u64::MAX);
    let mut instance = Instance::load_with(module, prelude, options, host, &mut fuel)?;
    let defines_main = module
        .items
        .iter()
        .any(|item| matches!(item, aura_uast::Item::Fn(def) if def.name.name == "main"));
    if defines_main {
        let main = instance.global("main")?;
        let _ = instance
            .with_machine(host, &mut fuel, |m| m.call_with(main, Value::Nil, vec![]))
            .map_err(|e| *e)?;
    }
    Ok(())
}

/// A route of a plugin, for HTTP hosts.
#[derive(Clone, Debug)]
pub struct Route {
    pub plugin: String,
    /// As written, e.g. `GET`.
    pub method: String,
    pub path: String,
}

/// A loaded module, for hosts that call into it many times.
pub struct Instance {
    program: Program,
    globals: Vec<Value>,
    options: Options,
    routes: Vec<Route>,
    stack: Vec<Value>,
    cells: Vec<Option<eval::CellRef>>,
}

impl Instance {
    /// Compiles and loads the module: creates functions and objects, runs the initialisers.
    pub fn load(
        module: &Module,
        prelude: &Module,
        options: &Options,
        host: &mut dyn Host,
    ) -> Result<Instance, RuntimeError> {
        let _guard = limits::MemoryGuard::new(options.max_memory);
        let mut fuel = options.fuel.unwrap_or(u64::MAX);
        Instance::load_with(module, prelude, options, host, &mut fuel)
    }

    fn load_with(
        module: &Module,
        prelude: &Module,
        options: &Options,
        host: &mut dyn Host,
        fuel: &mut u64,
    ) -> Result<Instance, RuntimeError> {
        let program = compile::compile(module, prelude).map_err(|e| *e)?;
        let routes = program
            .routes
            .iter()
            .map(|r| Route {
                plugin: r.plugin.clone(),
                method: r.method.clone(),
                path: r.path.clone(),
            })
            .collect();
        let mut instance = Instance {
            globals: vec![Value::Nil; program.global_count],
            program,
            options: options.clone(),
            routes,
            stack: Vec::new(),
            cells: Vec::new(),
        };
        instance.initialise(host, fuel).map_err(|e| *e)?;
        Ok(instance)
    }

    fn initialise(&mut self, host: &mut dyn Host, fuel: &mut u64) -> R<()> {
        for (global, proto) in &self.program.functions {
            self.globals[*global as usize] = closure(proto);
        }
        // Objects first, all of them, empty, prototypes before the objects that delegate to them.
        let mut state = vec![0u8; self.program.objects.len()]; // 0 new, 1 in progress, 2 done
        let by_global: std::collections::HashMap<u32, usize> = self
            .program
            .objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.global, i))
            .collect();
        for i in 0..self.program.objects.len() {
            let mut chain = vec![i];
            while let Some(&top) = chain.last() {
                if state[top] == 2 {
                    let _ = chain.pop();
                    continue;
                }
                let decl = &self.program.objects[top];
                let proto_index = match decl.proto {
                    Some(g) => match by_global.get(&g) {
                        Some(p) => Some(*p),
                        None => {
                            return Err(type_err(format!(
                                "`{}` has no object prototype",
                                decl.name
                            )))
                        }
                    },
                    None => None,
                };
                if let Some(p) = proto_index {
                    if state[p] != 2 {
                        if state[p] == 1 {
                            return Err(type_err(format!(
                                "the prototype chain of `{}` is a cycle",
                                decl.name
                            )));
                        }
                        state[top] = 1;
                        chain.push(p);
                        continue;
                    }
                }
                let proto = match decl.proto {
                    Some(g) => match &self.globals[g as usize] {
                        Value::Object(o) => Some(o.clone()),
                        _ => None,
                    },
                    None => None,
                };
                let object = Object::new(Some(Rc::from(&*decl.name)), proto)?;
                {
                    let mut slots = object.slots.borrow_mut();
                    for member in &decl.members {
                        match member {
                            Member::Slot(key) => slots.set(key.clone(), Value::Nil)?,
                            Member::Method(key, proto) => slots.set(key.clone(), closure(proto))?,
                            Member::Helper(key, g) => {
                                slots.set(key.clone(), self.globals[*g as usize].clone())?
                            }
                        }
                    }
                }
                self.globals[decl.global as usize] = Value::Object(object);
                state[top] = 2;
                let _ = chain.pop();
            }
        }
        // Then globals and slots, in source order.
        for index in 0..self.program.inits.len() {
            let (thunk, target) = match &self.program.inits[index] {
                Init::Global(g, thunk) => (closure(thunk), Err(*g)),
                Init::Slot {
                    object,
                    name,
                    thunk,
                } => (closure(thunk), Ok((*object, name.clone()))),
            };
            let value =
                self.with_machine(host, fuel, |m| m.call_with(thunk, Value::Nil, vec![]))?;
            match target {
                Err(g) => self.globals[g as usize] = value,
                Ok((object, name)) => {
                    if let Value::Object(o) = &self.globals[object as usize] {
                        o.slots.borrow_mut().set(name, value)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Runs `f` on a machine over this instance's globals.
    fn with_machine<T>(
        &mut self,
        host: &mut dyn Host,
        fuel: &mut u64,
        f: impl FnOnce(&mut Machine) -> R<T>,
    ) -> R<T> {
        // Host code may have changed objects' slots since the last call.
        value::shapes_changed();
        let mut stack = std::mem::take(&mut self.stack);
        let mut cells = std::mem::take(&mut self.cells);
        stack.clear();
        cells.clear();
        let mut machine = Machine {
            globals: &mut self.globals,
            stack,
            cells,
            host,
            depth: 0,
            max_depth: self.options.max_depth,
            fuel: (*fuel).min(limits::FUEL_SLICE),
            reserve: (*fuel).saturating_sub(limits::FUEL_SLICE),
            dnu: &self.program.dnu,
            direct: &self.program.direct,
            stack_floor: eval::stack_floor(),
            segments: 0,
            ret: Value::Nil,
            error_value: Value::Nil,
        };
        let result = f(&mut machine);
        *fuel = machine.fuel_left();
        let Machine {
            mut stack,
            mut cells,
            ..
        } = machine;
        stack.clear();
        cells.clear();
        self.stack = stack;
        self.cells = cells;
        result
    }

    fn global(&self, name: &str) -> Result<Value, RuntimeError> {
        match self.program.names.get(name) {
            Some(g) => Ok(self.globals[*g as usize].clone()),
            None => Err(RuntimeError::new(
                ErrorKind::DoesNotUnderstand,
                format!("the module does not define `{name}`"),
            )),
        }
    }

    /// Calls a top-level function (or any global holding a function) with `self = nil`.
    pub fn call(
        &mut self,
        function: &str,
        args: Vec<Value>,
        host: &mut dyn Host,
    ) -> Result<Value, RuntimeError> {
        let callee = self.global(function)?;
        let _guard = limits::MemoryGuard::new(self.options.max_memory);
        let mut fuel = self.options.fuel.unwrap_or(u64::MAX);
        self.with_machine(host, &mut fuel, |m| m.call_with(callee, Value::Nil, args))
            .map_err(|e| *e)
    }

    /// Sends `method(args)` to the global object `object`.
    pub fn send(
        &mut self,
        object: &str,
        method: &str,
        args: Vec<Value>,
        host: &mut dyn Host,
    ) -> Result<Value, RuntimeError> {
        let receiver = self.global(object)?;
        let key = Key(Str::constant(method.to_string()));
        let _guard = limits::MemoryGuard::new(self.options.max_memory);
        let mut fuel = self.options.fuel.unwrap_or(u64::MAX);
        self.with_machine(host, &mut fuel, |m| m.send_with(receiver, &key, args))
            .map_err(|e| *e)
    }

    /// The routes of the module's plugins, in source order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Calls route `index` (of `routes()`) with the request value; `self` is nil.
    pub fn call_route(
        &mut self,
        index: usize,
        request: Value,
        host: &mut dyn Host,
    ) -> Result<Value, RuntimeError> {
        let Some(route) = self.program.routes.get(index) else {
            return Err(*err(
                ErrorKind::DoesNotUnderstand,
                format!("no route {index}"),
            ));
        };
        let callee = closure(&route.proto);
        let _guard = limits::MemoryGuard::new(self.options.max_memory);
        let mut fuel = self.options.fuel.unwrap_or(u64::MAX);
        self.with_machine(host, &mut fuel, |m| {
            m.call_with(callee, Value::Nil, vec![request])
        })
        .map_err(|e| *e)
    }

    /// The current value of a global (function, object, `let`), if the module defines it.
    pub fn get_global(&self, name: &str) -> Option<Value> {
        self.program
            .names
            .get(name)
            .map(|g| self.globals[*g as usize].clone())
    }
}

/// A closure of a function with no captures (top-level functions, methods, initialisers).
fn closure(proto: &Rc<tree::FnProto>) -> Value {
    Value::Fn(Closure::new(proto.clone(), Box::new([])))
}
