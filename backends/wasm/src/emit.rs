//! LIR → one self-contained WebAssembly module.
//!
//! The shared runtime (`runtime/rt/aura_rt.wasm`, compiled from C by clang) is re-encoded and the
//! compiled functions are appended to it:
//!
//! - function indices: the runtime's imports come first; only `aura_write`, `aura_fail`, the
//!   capabilities the module declared with `uses` and `aura_try` (when the program has a `try`)
//!   stay imports, every other import becomes an
//!   internal function that traps (placed right after the kept imports, so the runtime's own
//!   functions keep their indices); compiled functions follow the runtime's functions;
//! - types, table, memory, globals, element and data segments of the runtime are kept; LIR globals
//!   are appended as mutable i64 globals; `Program::data` becomes one more data segment at the
//!   runtime's `__heap_base` (8-aligned), so `DataAddr(off)` is `base + off`;
//! - every `address_taken` function is appended to the runtime's table (which grows by as much),
//!   so `FnAddr(f)` is a table index the runtime's C function pointers can call;
//! - exports: `aura_main`, the program's other entry points (`aura_init`, routes),
//!   `rt_set_max_depth`, `rt_finish` (the host flushes output with it after a trap), the message
//!   ABI's `rt_input` and `rt_message` (when the runtime has them), `rt_call` when the program
//!   has a `try` (the host's `aura_try` calls back through it) and `memory`.
//!
//! All LIR values are i64; addresses are wrapped to i32 for loads and stores.

use aura_lir::runtime::{Core, RtFn, NIL};
use aura_lir::{walk_stmts, BinOp, Expr, FnId, Program, Stmt};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    CodeSection, ConstExpr, DataCountSection, DataSection, ElementSection, Elements, EntityType,
    ExportKind, ExportSection, Function, FunctionSection, GlobalSection, GlobalType, ImportSection,
    InstructionSink, MemArg, MemorySection, MemoryType, Module, NameMap, NameSection, TableSection,
    TableType, TypeSection, ValType,
};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef};

/// The wasm32 build of the shared runtime (empty when it was never built; see `build.rs`).
pub const RUNTIME: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/aura_rt.wasm"));

/// Why a program could not be emitted: a malformed program, a runtime that lacks something the
/// program needs, or (a bug) a module that does not validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmitError(pub String);

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmitError {}

fn error<T>(message: impl Into<String>) -> Result<T, EmitError> {
    Err(EmitError(message.into()))
}

impl<E: fmt::Display> From<wasm_encoder::reencode::Error<E>> for EmitError {
    fn from(e: wasm_encoder::reencode::Error<E>) -> Self {
        EmitError(format!("cannot re-encode the runtime: {e}"))
    }
}

impl From<wasmparser::BinaryReaderError> for EmitError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        EmitError(format!("cannot read the runtime module: {e}"))
    }
}

/// The module's declared capabilities (`uses store, log`), in source order.
pub fn declared_capabilities(module: &aura_uast::Module) -> Vec<String> {
    module
        .items
        .iter()
        .filter_map(|item| match item {
            aura_uast::Item::Uses { names, .. } => Some(names.iter().map(|n| n.name.clone())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Compiles `program` into a module merged with the runtime. `uses` lists the capabilities the
/// module declared: only those are imported.
pub fn emit(program: &Program, uses: &[String]) -> Result<Vec<u8>, EmitError> {
    emit_with_runtime(program, uses, RUNTIME)
}

/// [`emit`] with another runtime module (tests use a small one).
pub fn emit_with_runtime(
    program: &Program,
    uses: &[String],
    runtime: &[u8],
) -> Result<Vec<u8>, EmitError> {
    if runtime.is_empty() {
        return error(
            "the wasm runtime is missing: build runtime/rt/aura_rt.wasm with runtime/rt/build-wasm.sh",
        );
    }
    // The embedded runtime is validated by the tests (and by every debug build); a release
    // build trusts it and checks only what it adds.
    let trusted = !cfg!(debug_assertions) && std::ptr::eq(runtime, RUNTIME);
    let rt = RtModule::read(runtime, !trusted)?;
    let bytes = merge(program, uses, &rt)?;
    if trusted {
        validate_compiled(&bytes, program.functions.len())?;
    } else {
        validate(&bytes)?;
    }
    Ok(bytes)
}

/// Validates a merged module except the bodies of the runtime's own functions: every section,
/// type, import, export, table, element and data segment, and the last `compiled` function
/// bodies (the compiled program), the latter split over two threads.
pub fn validate_compiled(bytes: &[u8], compiled: usize) -> Result<(), EmitError> {
    let invalid = |e: wasmparser::BinaryReaderError| {
        EmitError(format!(
            "emitted an invalid wasm module (a compiler bug): {e}"
        ))
    };
    let mut validator = wasmparser::Validator::new();
    let mut functions = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(invalid)?;
        if let wasmparser::ValidPayload::Func(to_validate, body) =
            validator.payload(&payload).map_err(invalid)?
        {
            functions.push((to_validate, body));
        }
    }
    let mut first = functions.split_off(functions.len().saturating_sub(compiled));
    let second = first.split_off(first.len() / 2);
    let check = |part: Vec<(
        wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
        wasmparser::FunctionBody<'_>,
    )>| {
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        for (to_validate, body) in part {
            let mut func = to_validate.into_validator(allocs);
            func.validate(&body)?;
            allocs = func.into_allocations();
        }
        Ok::<(), wasmparser::BinaryReaderError>(())
    };
    std::thread::scope(|scope| {
        let other = scope.spawn(|| check(second));
        let mine = check(first);
        let theirs = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        mine.and(theirs)
    })
    .map_err(invalid)
}

/// Validates a module with the features wasmtime enables by default.
pub fn validate(bytes: &[u8]) -> Result<(), EmitError> {
    wasmparser::Validator::new()
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| {
            EmitError(format!(
                "emitted an invalid wasm module (a compiler bug): {e}"
            ))
        })
}

/// The compiled functions alone, as WAT: a module with the program's functions, its globals and
/// data, and one import per runtime function it calls (module `rt`). This is what snapshot tests
/// and debugging look at; the runtime itself is left out.
pub fn functions_wat(program: &Program) -> Result<String, EmitError> {
    let bytes = standalone(program)?;
    validate(&bytes)?;
    wasmprinter::print_bytes(&bytes).map_err(|e| EmitError(format!("cannot print wasm: {e}")))
}

/// A runtime function the compiled code can call: its index and wasm signature.
#[derive(Clone, Debug)]
struct RtFunc {
    index: u32,
    params: Vec<ValType>,
    result: Option<ValType>,
}

/// Where things are in the merged module, as compiled code sees them.
struct Layout {
    runtime: HashMap<String, RtFunc>,
    /// Index of compiled function 0.
    compiled_base: u32,
    /// Index of LIR global 0.
    global_base: u32,
    /// Table index of each compiled function whose address is taken.
    table_slot: Vec<Option<u32>>,
    /// Address of `Program::data[0]`.
    data_base: u32,
    /// Type index of `(i64 × n) -> i64`, by arity.
    type_of_arity: BTreeMap<u32, u32>,
}

/// The parts of the runtime module the merge needs, read once.
struct RtModule<'a> {
    /// Every function type, as (params, results).
    types: Vec<(Vec<ValType>, Vec<ValType>)>,
    types_section: Option<wasmparser::TypeSectionReader<'a>>,
    /// Function imports: (name, type index).
    imports: Vec<(&'a str, u32)>,
    /// Type index of each defined function.
    functions: Vec<u32>,
    table: Option<wasmparser::TableType>,
    memory: Option<wasmparser::MemoryType>,
    globals: Vec<wasmparser::Global<'a>>,
    /// Exported functions by name (runtime function indices).
    exported_functions: HashMap<&'a str, u32>,
    heap_base: u32,
    start: Option<u32>,
    elements: Option<wasmparser::ElementSectionReader<'a>>,
    data: Option<wasmparser::DataSectionReader<'a>>,
    data_count: Option<u32>,
    bodies: Vec<wasmparser::FunctionBody<'a>>,
    function_names: Vec<(u32, &'a str)>,
}

impl<'a> RtModule<'a> {
    /// Reads the runtime; `check` validates it first (the embedded runtime is validated by the
    /// tests).
    fn read(bytes: &'a [u8], check: bool) -> Result<RtModule<'a>, EmitError> {
        // Everything below may then index by the module's own numbers without checking them.
        if check {
            wasmparser::Validator::new()
                .validate_all(bytes)
                .map_err(|e| EmitError(format!("the wasm runtime is not a valid module: {e}")))?;
        }
        let mut rt = RtModule {
            types: Vec::new(),
            types_section: None,
            imports: Vec::new(),
            functions: Vec::new(),
            table: None,
            memory: None,
            globals: Vec::new(),
            exported_functions: HashMap::new(),
            heap_base: 0,
            start: None,
            elements: None,
            data: None,
            data_count: None,
            bodies: Vec::new(),
            function_names: Vec::new(),
        };
        let mut heap_base_global = None;
        for payload in Parser::new(0).parse_all(bytes) {
            match payload? {
                Payload::TypeSection(reader) => {
                    for group in reader.clone() {
                        for sub in group?.into_types() {
                            let func = match &sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(func) => func,
                                _ => return error("the runtime declares a non-function type"),
                            };
                            let convert = |types: &[wasmparser::ValType]| {
                                types
                                    .iter()
                                    .map(|t| RoundtripReencoder.val_type(*t))
                                    .collect::<Result<Vec<_>, _>>()
                            };
                            let params = convert(func.params())?;
                            let results = convert(func.results())?;
                            rt.types.push((params, results));
                        }
                    }
                    rt.types_section = Some(reader);
                }
                Payload::ImportSection(reader) => {
                    for import in reader {
                        let import = import?;
                        match import.ty {
                            TypeRef::Func(ty) if import.module == "aura" => {
                                rt.imports.push((import.name, ty))
                            }
                            _ => {
                                return error(format!(
                                    "the runtime imports {}.{}: it may import only functions of module `aura`",
                                    import.module, import.name
                                ))
                            }
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        rt.functions.push(ty?);
                    }
                }
                Payload::TableSection(reader) => {
                    for table in reader {
                        let table = table?;
                        if rt.table.is_some() {
                            return error("the runtime has more than one table");
                        }
                        if !matches!(table.init, wasmparser::TableInit::RefNull) {
                            return error("the runtime's table has an initialiser expression");
                        }
                        rt.table = Some(table.ty);
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        if rt.memory.replace(memory?).is_some() {
                            return error("the runtime has more than one memory");
                        }
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        rt.globals.push(global?);
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        match export.kind {
                            ExternalKind::Func => {
                                rt.exported_functions.insert(export.name, export.index);
                            }
                            ExternalKind::Global if export.name == "__heap_base" => {
                                heap_base_global = Some(export.index)
                            }
                            _ => {}
                        }
                    }
                }
                Payload::StartSection { func, .. } => rt.start = Some(func),
                Payload::ElementSection(reader) => rt.elements = Some(reader),
                Payload::DataCountSection { count, .. } => rt.data_count = Some(count),
                Payload::DataSection(reader) => rt.data = Some(reader),
                Payload::CodeSectionEntry(body) => rt.bodies.push(body),
                Payload::CustomSection(section) => {
                    if let wasmparser::KnownCustom::Name(names) = section.as_known() {
                        for name in names {
                            // Names are for backtraces only: a malformed entry is skipped.
                            if let Ok(wasmparser::Name::Function(map)) = name {
                                for naming in map.into_iter().flatten() {
                                    rt.function_names.push((naming.index, naming.name));
                                }
                            }
                        }
                    }
                }
                Payload::TagSection(_) => return error("the runtime uses exception tags"),
                _ => {}
            }
        }
        let Some(global) = heap_base_global else {
            return error("the runtime does not export __heap_base");
        };
        // Globals are never imported (checked above), so the export indexes `rt.globals`.
        let heap_base = rt.globals.get(global as usize).and_then(|g| {
            let mut ops = g.init_expr.get_operators_reader();
            match ops.read() {
                Ok(wasmparser::Operator::I32Const { value }) => u32::try_from(value).ok(),
                _ => None,
            }
        });
        rt.heap_base = match heap_base {
            Some(base) => base,
            None => return error("the runtime's __heap_base is not an i32 constant"),
        };
        if rt.memory.is_none() {
            return error("the runtime defines no memory");
        }
        if rt.bodies.len() != rt.functions.len() {
            return error("the runtime's code and function sections disagree");
        }
        Ok(rt)
    }
}

/// Maps the runtime's function indices into the merged module: kept imports first, then trap
/// stubs for the dropped imports, then the runtime's functions at their old indices.
struct FunctionMap {
    new_index: Vec<u32>,
}

impl Reencode for FunctionMap {
    type Error = std::convert::Infallible;

    fn function_index(
        &mut self,
        func: u32,
    ) -> Result<u32, wasm_encoder::reencode::Error<Self::Error>> {
        Ok(self.new_index.get(func as usize).copied().unwrap_or(func))
    }
}

const PAGE: u64 = 65536;

/// Whether the program has a `try` (calls `rt_try`): then the module imports `aura_try` and
/// exports `rt_call`.
fn uses_try(program: &Program) -> bool {
    let mut found = false;
    for f in &program.functions {
        walk_stmts(&f.body, &mut |e| {
            if matches!(e, Expr::CallRt(RtFn::Core(Core::Try), _)) {
                found = true;
            }
        });
    }
    found
}

fn align8(n: u64) -> u64 {
    (n + 7) & !7
}

fn merge(program: &Program, uses: &[String], rt: &RtModule) -> Result<Vec<u8>, EmitError> {
    // Imports: which stay, which become trapping stubs.
    let catches = uses_try(program);
    let allowed = |name: &str| {
        name == "aura_write"
            || name == "aura_fail"
            || (name == "aura_try" && catches)
            || name
                .strip_prefix("aura_cap_")
                .is_some_and(|cap| uses.iter().any(|u| u == cap))
    };
    let known = |name: &str| {
        matches!(
            name,
            "aura_write"
                | "aura_fail"
                | "aura_try"
                | "aura_cap_store"
                | "aura_cap_log"
                | "aura_cap_clock"
        )
    };
    let n_imports = rt.imports.len() as u32;
    let mut new_index: Vec<u32> = Vec::new();
    let kept: Vec<usize> = (0..rt.imports.len())
        .filter(|i| allowed(rt.imports[*i].0))
        .collect();
    let dropped: Vec<usize> = (0..rt.imports.len())
        .filter(|i| !allowed(rt.imports[*i].0))
        .collect();
    for (name, _) in &rt.imports {
        if !known(name) {
            return error(format!(
                "the runtime imports an unknown host function `{name}`"
            ));
        }
    }
    new_index.resize(rt.imports.len(), 0);
    for (rank, &i) in kept.iter().chain(dropped.iter()).enumerate() {
        new_index[i] = rank as u32;
    }
    for j in 0..rt.functions.len() as u32 {
        new_index.push(n_imports + j);
    }
    let mut map = FunctionMap { new_index };

    // The layout compiled code sees.
    let mut runtime = HashMap::new();
    for (name, &old) in &rt.exported_functions {
        let ty = if old < n_imports {
            rt.imports[old as usize].1
        } else {
            rt.functions[(old - n_imports) as usize]
        };
        let Some((params, results)) = rt.types.get(ty as usize) else {
            return error(format!("runtime function {name} has a bad type"));
        };
        if results.len() > 1 {
            return error(format!("runtime function {name} returns several values"));
        }
        runtime.insert(
            name.to_string(),
            RtFunc {
                index: map.function_index(old)?,
                params: params.clone(),
                result: results.first().copied(),
            },
        );
    }
    let table = rt.table.unwrap_or(wasmparser::TableType {
        element_type: wasmparser::RefType::FUNCREF,
        table64: false,
        initial: 1,
        maximum: None,
        shared: false,
    });
    let table_base = table.initial as u32;
    let mut type_of_arity = BTreeMap::new();
    let n_types = rt.types.len() as u32;
    let mut layout = Layout {
        runtime,
        compiled_base: n_imports + rt.functions.len() as u32,
        global_base: rt.globals.len() as u32,
        table_slot: Vec::new(),
        data_base: u32::try_from(align8(u64::from(rt.heap_base)))
            .map_err(|_| EmitError("the runtime's heap base is too high".into()))?,
        type_of_arity: BTreeMap::new(),
    };
    let mut taken = Vec::new();
    for (i, f) in program.functions.iter().enumerate() {
        layout.table_slot.push(if f.address_taken {
            taken.push(layout.compiled_base + i as u32);
            Some(table_base + taken.len() as u32 - 1)
        } else {
            None
        });
        let next = n_types + type_of_arity.len() as u32;
        type_of_arity.entry(f.params).or_insert(next);
    }
    let next = n_types + type_of_arity.len() as u32;
    type_of_arity.entry(0).or_insert(next); // aura_main's type
    layout.type_of_arity = type_of_arity;
    let data_end = u64::from(layout.data_base) + program.data.len() as u64;
    if data_end > u64::from(u32::MAX) {
        return error("the program's data does not fit in wasm32 memory");
    }

    let mut module = Module::new();

    let mut types = TypeSection::new();
    if let Some(reader) = rt.types_section.clone() {
        map.parse_type_section(&mut types, reader)?;
    }
    for arity in arities_by_index(&layout.type_of_arity) {
        types
            .ty()
            .function(vec![ValType::I64; arity as usize], [ValType::I64]);
    }
    module.section(&types);

    let mut imports = ImportSection::new();
    for &i in &kept {
        let (name, ty) = rt.imports[i];
        imports.import("aura", name, EntityType::Function(ty));
    }
    module.section(&imports);

    let mut functions = FunctionSection::new();
    for &i in &dropped {
        functions.function(rt.imports[i].1);
    }
    for &ty in &rt.functions {
        functions.function(ty);
    }
    for f in &program.functions {
        functions.function(layout.type_of_arity[&f.params]);
    }
    module.section(&functions);

    let mut tables = TableSection::new();
    let n_taken = taken.len() as u64;
    tables.table(TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: table.initial + n_taken,
        maximum: table.maximum.map(|m| m.max(table.initial) + n_taken),
        shared: false,
    });
    module.section(&tables);

    let mut memories = MemorySection::new();
    if let Some(memory) = rt.memory {
        let needed = data_end.div_ceil(PAGE);
        memories.memory(MemoryType {
            minimum: memory.initial.max(needed),
            maximum: memory.maximum.map(|m| m.max(needed)),
            memory64: memory.memory64,
            shared: memory.shared,
            page_size_log2: memory.page_size_log2,
        });
    }
    module.section(&memories);

    let mut globals = GlobalSection::new();
    for global in &rt.globals {
        map.parse_global(&mut globals, global.clone())?;
    }
    add_lir_globals(&mut globals, program);
    module.section(&globals);

    let mut exports = ExportSection::new();
    export_entries(&mut exports, &layout, program)?;
    let Some(set_max_depth) = layout.runtime.get("rt_set_max_depth") else {
        return error("the runtime does not export rt_set_max_depth");
    };
    exports.export("rt_set_max_depth", ExportKind::Func, set_max_depth.index);
    // The host flushes the runtime's buffered output with it after a trap (fuel, wasm stack).
    let Some(finish) = layout.runtime.get("rt_finish") else {
        return error("the runtime does not export rt_finish");
    };
    exports.export("rt_finish", ExportKind::Func, finish.index);
    // The message ABI (spec/abi.md): the host writes a request with rt_input, sends it with
    // rt_message. A stand-in runtime without them just gives a module without messages.
    // rt_set_max_memory: the host's cap on the live heap (--max-memory);
    // rt_set_gc_trigger: a test knob, the bytes between two collections (AURA_GC_TRIGGER).
    for name in [
        "rt_input",
        "rt_message",
        "rt_set_max_memory",
        "rt_set_gc_trigger",
    ] {
        if let Some(f) = layout.runtime.get(name) {
            exports.export(name, ExportKind::Func, f.index);
        }
    }
    // `try` (spec/abi.md, "Errors a program handles"): the host's aura_try calls the body back
    // through rt_call.
    if catches {
        let Some(call) = layout.runtime.get("rt_call") else {
            return error("the runtime does not export rt_call");
        };
        exports.export("rt_call", ExportKind::Func, call.index);
    }
    exports.export("memory", ExportKind::Memory, 0);
    module.section(&exports);

    if let Some(start) = rt.start {
        module.section(&wasm_encoder::StartSection {
            function_index: map.function_index(start)?,
        });
    }

    let mut elements = ElementSection::new();
    if let Some(reader) = rt.elements.clone() {
        map.parse_element_section(&mut elements, reader)?;
    }
    if !taken.is_empty() {
        elements.active(
            None,
            &ConstExpr::i32_const(table_base as i32),
            Elements::Functions(taken.into()),
        );
    }
    module.section(&elements);

    let mut data = DataSection::new();
    if let Some(reader) = rt.data.clone() {
        map.parse_data_section(&mut data, reader)?;
    }
    if !program.data.is_empty() {
        data.active(
            0,
            &ConstExpr::i32_const(layout.data_base as i32),
            program.data.iter().copied(),
        );
    }
    if let Some(count) = rt.data_count {
        let extra = u32::from(!program.data.is_empty());
        module.section(&DataCountSection {
            count: count + extra,
        });
    }

    let mut code = CodeSection::new();
    for _ in &dropped {
        // An import the module did not declare: the audit rejects any use of an undeclared
        // capability, so reaching this is a compiler bug.
        let mut f = Function::new([]);
        f.instructions().unreachable().end();
        code.function(&f);
    }
    for body in &rt.bodies {
        map.parse_function_body(&mut code, body.clone())?;
    }
    for f in &program.functions {
        code.function(&compile_function(&layout, program, f)?);
    }
    module.section(&code);
    module.section(&data);

    // Names, so traps inside the runtime or compiled code show readable backtraces.
    let mut names: Vec<(u32, String)> = Vec::new();
    for &(old, name) in &rt.function_names {
        names.push((map.function_index(old)?, name.to_string()));
    }
    for (i, f) in program.functions.iter().enumerate() {
        names.push((layout.compiled_base + i as u32, f.name.clone()));
    }
    names.sort_by_key(|(index, _)| *index);
    names.dedup_by_key(|(index, _)| *index);
    let mut name_map = NameMap::new();
    for (index, name) in &names {
        name_map.append(*index, name);
    }
    let mut name_section = NameSection::new();
    name_section.functions(&name_map);
    module.section(&name_section);

    Ok(module.finish())
}

/// The arities of `type_of_arity` in type index order (the order their types are declared).
fn arities_by_index(type_of_arity: &BTreeMap<u32, u32>) -> Vec<u32> {
    let mut arities: Vec<(u32, u32)> = type_of_arity.iter().map(|(a, t)| (*t, *a)).collect();
    arities.sort_unstable();
    arities.into_iter().map(|(_, arity)| arity).collect()
}

fn compiled_index(layout: &Layout, program: &Program, f: FnId) -> Result<u32, EmitError> {
    if (f.0 as usize) < program.functions.len() {
        Ok(layout.compiled_base + f.0)
    } else {
        error(format!("function {} does not exist", f.0))
    }
}

/// The standalone module of [`functions_wat`]: runtime functions become imports of module `rt`
/// with the all-i64 signature of the runtime table.
fn standalone(program: &Program) -> Result<Vec<u8>, EmitError> {
    let mut used: Vec<RtFn> = Vec::new();
    for f in &program.functions {
        walk_stmts(&f.body, &mut |e| {
            if let Expr::CallRt(rt_fn, _) = e {
                if !used.contains(rt_fn) {
                    used.push(*rt_fn);
                }
            }
        });
    }
    let mut type_of_arity = BTreeMap::new();
    for params in used
        .iter()
        .map(|f| f.params() as u32)
        .chain(program.functions.iter().map(|f| f.params))
        .chain([0])
    {
        let next = type_of_arity.len() as u32;
        type_of_arity.entry(params).or_insert(next);
    }
    let mut runtime = HashMap::new();
    for (i, f) in used.iter().enumerate() {
        runtime.insert(
            f.name(),
            RtFunc {
                index: i as u32,
                params: vec![ValType::I64; f.params()],
                result: Some(ValType::I64),
            },
        );
    }
    let table_base = 1;
    let mut layout = Layout {
        runtime,
        compiled_base: used.len() as u32,
        global_base: 0,
        table_slot: Vec::new(),
        data_base: 0,
        type_of_arity,
    };
    let mut taken = Vec::new();
    for (i, f) in program.functions.iter().enumerate() {
        layout.table_slot.push(if f.address_taken {
            taken.push(layout.compiled_base + i as u32);
            Some(table_base + taken.len() as u32 - 1)
        } else {
            None
        });
    }

    let mut module = Module::new();
    let mut types = TypeSection::new();
    for arity in arities_by_index(&layout.type_of_arity) {
        types
            .ty()
            .function(vec![ValType::I64; arity as usize], [ValType::I64]);
    }
    module.section(&types);
    let mut imports = ImportSection::new();
    for f in &used {
        imports.import(
            "rt",
            &f.name(),
            EntityType::Function(layout.type_of_arity[&(f.params() as u32)]),
        );
    }
    module.section(&imports);
    let mut functions = FunctionSection::new();
    for f in &program.functions {
        functions.function(layout.type_of_arity[&f.params]);
    }
    module.section(&functions);
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: u64::from(table_base) + taken.len() as u64,
        maximum: None,
        shared: false,
    });
    module.section(&tables);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: (program.data.len() as u64).div_ceil(PAGE).max(1),
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    module.section(&memories);
    let mut globals = GlobalSection::new();
    add_lir_globals(&mut globals, program);
    module.section(&globals);
    let mut exports = ExportSection::new();
    export_entries(&mut exports, &layout, program)?;
    module.section(&exports);
    let mut elements = ElementSection::new();
    if !taken.is_empty() {
        elements.active(
            None,
            &ConstExpr::i32_const(table_base as i32),
            Elements::Functions(taken.into()),
        );
    }
    module.section(&elements);
    let mut code = CodeSection::new();
    for f in &program.functions {
        code.function(&compile_function(&layout, program, f)?);
    }
    module.section(&code);
    let mut data = DataSection::new();
    if !program.data.is_empty() {
        data.active(0, &ConstExpr::i32_const(0), program.data.iter().copied());
    }
    module.section(&data);
    let mut name_map = NameMap::new();
    for (i, f) in used.iter().enumerate() {
        name_map.append(i as u32, &f.name());
    }
    for (i, f) in program.functions.iter().enumerate() {
        name_map.append(layout.compiled_base + i as u32, &f.name);
    }
    let mut name_section = NameSection::new();
    name_section.functions(&name_map);
    module.section(&name_section);
    Ok(module.finish())
}

/// Structured control labels, innermost last: what a `br` depth counts.
#[derive(Clone, Copy, PartialEq)]
enum Label {
    If,
    /// The `block` around a loop: `br` to it leaves the loop.
    LoopExit,
    /// The `loop` itself: `br` to it starts the next iteration.
    LoopStart,
}

struct FnGen<'l> {
    layout: &'l Layout,
    program: &'l Program,
    function: &'l aura_lir::Function,
    labels: Vec<Label>,
}

fn compile_function(
    layout: &Layout,
    program: &Program,
    function: &aura_lir::Function,
) -> Result<Function, EmitError> {
    let mut f = Function::new([(function.locals, ValType::I64)]);
    let mut gen = FnGen {
        layout,
        program,
        function,
        labels: Vec::new(),
    };
    let mut sink = f.instructions();
    gen.stmts(&mut sink, &function.body)?;
    // Falling off the end returns nil, as an Aura function body does.
    if !matches!(function.body.last(), Some(Stmt::Return(_))) {
        sink.i64_const(NIL);
    }
    sink.end();
    Ok(f)
}

fn mem(offset: u32) -> MemArg {
    MemArg {
        offset: u64::from(offset),
        align: 3,
        memory_index: 0,
    }
}

impl FnGen<'_> {
    fn fail<T>(&self, message: impl fmt::Display) -> Result<T, EmitError> {
        error(format!("in {}: {message}", self.function.name))
    }

    fn local(&self, local: u32) -> Result<u32, EmitError> {
        if local < self.function.params + self.function.locals {
            Ok(local)
        } else {
            self.fail(format!("local {local} does not exist"))
        }
    }

    fn global(&self, global: u32) -> Result<u32, EmitError> {
        if global < self.program.globals {
            Ok(self.layout.global_base + global)
        } else {
            self.fail(format!("global {global} does not exist"))
        }
    }

    /// The relative depth of the `which` label of the loop `depth` levels out.
    fn loop_label(&self, depth: u32, which: Label) -> Result<u32, EmitError> {
        let mut loops_seen = 0;
        for (i, label) in self.labels.iter().enumerate().rev() {
            if *label == Label::LoopStart {
                if loops_seen == depth {
                    let target = if which == Label::LoopStart { i } else { i - 1 };
                    return Ok((self.labels.len() - 1 - target) as u32);
                }
                loops_seen += 1;
            }
        }
        self.fail(format!(
            "break or continue {depth} loops out of {loops_seen}"
        ))
    }

    fn stmts(&mut self, sink: &mut InstructionSink, stmts: &[Stmt]) -> Result<(), EmitError> {
        for stmt in stmts {
            self.stmt(sink, stmt)?;
        }
        Ok(())
    }

    fn stmt(&mut self, sink: &mut InstructionSink, stmt: &Stmt) -> Result<(), EmitError> {
        match stmt {
            Stmt::Set(local, e) => {
                let local = self.local(*local)?;
                self.expr(sink, e)?;
                sink.local_set(local);
            }
            Stmt::SetGlobal(global, e) => {
                let global = self.global(*global)?;
                self.expr(sink, e)?;
                sink.global_set(global);
            }
            Stmt::Store {
                addr,
                offset,
                value,
            } => {
                self.expr(sink, addr)?;
                sink.i32_wrap_i64();
                self.expr(sink, value)?;
                sink.i64_store(mem(*offset));
            }
            Stmt::Expr(e) => {
                self.expr(sink, e)?;
                sink.drop();
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                self.cond(sink, cond)?;
                sink.if_(wasm_encoder::BlockType::Empty);
                self.labels.push(Label::If);
                self.stmts(sink, then)?;
                if !otherwise.is_empty() {
                    sink.else_();
                    self.stmts(sink, otherwise)?;
                }
                self.labels.pop();
                sink.end();
            }
            Stmt::Loop(body) => {
                sink.block(wasm_encoder::BlockType::Empty);
                sink.loop_(wasm_encoder::BlockType::Empty);
                self.labels.push(Label::LoopExit);
                self.labels.push(Label::LoopStart);
                self.stmts(sink, body)?;
                sink.br(0);
                self.labels.truncate(self.labels.len() - 2);
                sink.end().end();
            }
            Stmt::Break(depth) => {
                sink.br(self.loop_label(*depth, Label::LoopExit)?);
            }
            Stmt::Continue(depth) => {
                sink.br(self.loop_label(*depth, Label::LoopStart)?);
            }
            Stmt::Return(e) => {
                self.expr(sink, e)?;
                sink.return_();
            }
        }
        Ok(())
    }

    /// Pushes `cond != 0` as an i32; comparisons go straight to their i32 result.
    fn cond(&mut self, sink: &mut InstructionSink, cond: &Expr) -> Result<(), EmitError> {
        if let Expr::Bin(op, a, b) = cond {
            if op.is_comparison() {
                self.operands(sink, *op, a, b)?;
                compare(sink, *op);
                return Ok(());
            }
        }
        self.expr(sink, cond)?;
        sink.i64_const(0).i64_ne();
        Ok(())
    }

    /// Pushes the operands of `op`: i64 words, or f64s for the float operations.
    fn operands(
        &mut self,
        sink: &mut InstructionSink,
        op: BinOp,
        a: &Expr,
        b: &Expr,
    ) -> Result<(), EmitError> {
        self.expr(sink, a)?;
        if op.is_float() {
            sink.f64_reinterpret_i64();
        }
        self.expr(sink, b)?;
        if op.is_float() {
            sink.f64_reinterpret_i64();
        }
        Ok(())
    }

    fn expr(&mut self, sink: &mut InstructionSink, expr: &Expr) -> Result<(), EmitError> {
        match expr {
            Expr::Const(n) => {
                sink.i64_const(*n);
            }
            Expr::Local(local) => {
                sink.local_get(self.local(*local)?);
            }
            Expr::Global(global) => {
                sink.global_get(self.global(*global)?);
            }
            Expr::Load(addr, offset) => {
                self.expr(sink, addr)?;
                sink.i32_wrap_i64().i64_load(mem(*offset));
            }
            Expr::IntToFloat(a) => {
                self.expr(sink, a)?;
                sink.f64_convert_i64_s().i64_reinterpret_f64();
            }
            Expr::Bin(op, a, b) => {
                self.operands(sink, *op, a, b)?;
                if compare(sink, *op) {
                    sink.i64_extend_i32_u();
                } else {
                    arithmetic(sink, *op);
                }
            }
            Expr::CallRt(rt_fn, args) => {
                let name = rt_fn.name();
                let Some(callee) = self.layout.runtime.get(&name) else {
                    return self.fail(format!("the runtime has no function {name}"));
                };
                if callee.params.len() != args.len() {
                    return self.fail(format!(
                        "{name} takes {} arguments, called with {}",
                        callee.params.len(),
                        args.len()
                    ));
                }
                // The runtime's C functions take 64-bit words; a 32-bit parameter or result
                // (a C pointer or int) is converted at the boundary.
                for (arg, ty) in args.iter().zip(&callee.params) {
                    self.expr(sink, arg)?;
                    match ty {
                        ValType::I64 => {}
                        ValType::I32 => {
                            sink.i32_wrap_i64();
                        }
                        other => {
                            return self.fail(format!("{name} takes a {other:?} parameter"));
                        }
                    }
                }
                sink.call(callee.index);
                match callee.result {
                    Some(ValType::I64) => {}
                    Some(ValType::I32) => {
                        sink.i64_extend_i32_u();
                    }
                    None => {
                        sink.i64_const(NIL);
                    }
                    Some(other) => return self.fail(format!("{name} returns a {other:?}")),
                }
            }
            Expr::Call(f, args) => {
                let Some(callee) = self.program.functions.get(f.0 as usize) else {
                    return self.fail(format!("call of function {} that does not exist", f.0));
                };
                if callee.params as usize != args.len() {
                    return self.fail(format!(
                        "{} takes {} arguments, called with {}",
                        callee.name,
                        callee.params,
                        args.len()
                    ));
                }
                for arg in args {
                    self.expr(sink, arg)?;
                }
                sink.call(self.layout.compiled_base + f.0);
            }
            Expr::FnAddr(f) => match self.layout.table_slot.get(f.0 as usize) {
                Some(Some(slot)) => {
                    sink.i64_const(i64::from(*slot));
                }
                _ => {
                    return self.fail(format!(
                        "address of function {} that is not address_taken",
                        f.0
                    ))
                }
            },
            Expr::DataAddr(offset) => {
                if *offset as usize > self.program.data.len() {
                    return self.fail(format!("data offset {offset} is past the data"));
                }
                sink.i64_const(i64::from(self.layout.data_base) + i64::from(*offset));
            }
            Expr::Select(cond, then, otherwise) => {
                self.expr(sink, then)?;
                self.expr(sink, otherwise)?;
                self.cond(sink, cond)?;
                sink.select();
            }
        }
        Ok(())
    }
}

/// Emits the comparison `op` (an i32 result) and says whether `op` is one.
fn compare(sink: &mut InstructionSink, op: BinOp) -> bool {
    match op {
        BinOp::Eq => sink.i64_eq(),
        BinOp::Ne => sink.i64_ne(),
        BinOp::LtS => sink.i64_lt_s(),
        BinOp::LeS => sink.i64_le_s(),
        BinOp::GtS => sink.i64_gt_s(),
        BinOp::GeS => sink.i64_ge_s(),
        BinOp::LtU => sink.i64_lt_u(),
        BinOp::FEq => sink.f64_eq(),
        BinOp::FLt => sink.f64_lt(),
        BinOp::FLe => sink.f64_le(),
        BinOp::Add
        | BinOp::Sub
        | BinOp::Mul
        | BinOp::DivS
        | BinOp::RemS
        | BinOp::And
        | BinOp::Or
        | BinOp::Xor
        | BinOp::Shl
        | BinOp::ShrS
        | BinOp::ShrU
        | BinOp::Rotl
        | BinOp::Rotr
        | BinOp::FAdd
        | BinOp::FSub
        | BinOp::FMul
        | BinOp::FDiv => return false,
    };
    true
}

/// Emits the arithmetic `op` (comparisons are left to [`compare`]).
fn arithmetic(sink: &mut InstructionSink, op: BinOp) {
    match op {
        BinOp::Add => sink.i64_add(),
        BinOp::Sub => sink.i64_sub(),
        BinOp::Mul => sink.i64_mul(),
        BinOp::DivS => sink.i64_div_s(),
        BinOp::RemS => sink.i64_rem_s(),
        BinOp::And => sink.i64_and(),
        BinOp::Or => sink.i64_or(),
        BinOp::Xor => sink.i64_xor(),
        BinOp::Shl => sink.i64_shl(),
        BinOp::ShrS => sink.i64_shr_s(),
        BinOp::ShrU => sink.i64_shr_u(),
        BinOp::Rotl => sink.i64_rotl(),
        BinOp::Rotr => sink.i64_rotr(),
        BinOp::FAdd => sink.f64_add().i64_reinterpret_f64(),
        BinOp::FSub => sink.f64_sub().i64_reinterpret_f64(),
        BinOp::FMul => sink.f64_mul().i64_reinterpret_f64(),
        BinOp::FDiv => sink.f64_div().i64_reinterpret_f64(),
        BinOp::Eq
        | BinOp::Ne
        | BinOp::LtS
        | BinOp::LeS
        | BinOp::GtS
        | BinOp::GeS
        | BinOp::LtU
        | BinOp::FEq
        | BinOp::FLt
        | BinOp::FLe => sink,
    };
}

/// The LIR globals: mutable i64 wasm globals, zero at start (after any the module already has).
fn add_lir_globals(globals: &mut GlobalSection, program: &Program) {
    for _ in 0..program.globals {
        globals.global(
            GlobalType {
                val_type: ValType::I64,
                mutable: true,
                shared: false,
            },
            &ConstExpr::i64_const(0),
        );
    }
}

/// Exports `aura_main` and the program's other exports under their names.
fn export_entries(
    exports: &mut ExportSection,
    layout: &Layout,
    program: &Program,
) -> Result<(), EmitError> {
    exports.export(
        "aura_main",
        ExportKind::Func,
        compiled_index(layout, program, program.entry)?,
    );
    for (name, f) in &program.exports {
        exports.export(name, ExportKind::Func, compiled_index(layout, program, *f)?);
    }
    Ok(())
}
