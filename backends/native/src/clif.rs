//! LIR → Cranelift IR → an x86-64 ELF relocatable object (code and data only; the runtime is
//! merged in by [`crate::object`]).
//!
//! Every LIR local is a plain Cranelift SSA value of type `I64`: the emitter keeps the current
//! value of each local and joins them with block parameters where control flow merges, only for
//! the locals that may be read afterwards (`clif/ssa.rs`). This keeps compile time linear in the
//! size of a function (`cranelift_frontend`'s `Variable`s keep a map over all blocks per variable:
//! quadratic with one variable per LIR temporary). Structured control flow becomes blocks
//! (`Loop` → a header block that `Continue` jumps to and an exit block that `Break` jumps to).
//! Code is non-PIC (`-no-pie` executables, bare metal) with the System V calling convention.

use aura_lir::{BinOp, Expr, FnId, Function, Program, Stmt};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, Inst, InstBuilder, MemFlags, Signature, UserFuncName,
};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use std::collections::{HashMap, HashSet};

mod ssa;

/// Symbol of the exported entry point.
pub const ENTRY_SYMBOL: &str = "aura_main";
/// Symbol of the program's constant bytes (`Program::data`), local to the object.
pub const DATA_SYMBOL: &str = "aura_data";
/// Symbol of the LIR globals (8 bytes each), local to the object.
pub const GLOBALS_SYMBOL: &str = "aura_globals";
/// Prefix of the symbols of compiled Aura functions, so that they never clash with a runtime
/// symbol (`rt_*`) or an external one (`aura_*`).
const FN_PREFIX: &str = "aura_fn_";

/// The NIL word, returned when control falls off the end of a function (the lowering normally
/// ends every function with a `Return`).
const NIL: i64 = aura_lir::runtime::NIL;

/// Why a program could not be compiled: always a bug in the lowering or in this backend, never
/// in the user's program.
#[derive(Debug)]
pub struct CompileError(pub String);

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "native code generation failed: {}", self.0)
    }
}

impl std::error::Error for CompileError {}

fn err(context: &str, e: impl std::fmt::Display) -> CompileError {
    CompileError(format!("{context}: {e}"))
}

/// The x86-64 System V target, optimising for speed, non-PIC.
pub fn isa() -> Result<OwnedTargetIsa, CompileError> {
    let mut flags = settings::builder();
    for (name, value) in [
        ("opt_level", "speed"),
        ("is_pic", "false"),
        // A frame larger than a page must touch each page on the way down so that it can never
        // jump over the thread stack's guard page; inline probes need no runtime symbol.
        ("enable_probestack", "true"),
        ("probestack_strategy", "inline"),
        // The generated code is trusted LIR; the verifier costs compile time only.
        (
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        ),
    ] {
        flags.set(name, value).map_err(|e| err(name, e))?;
    }
    cranelift_codegen::isa::lookup_by_name("x86_64-unknown-linux-gnu")
        .map_err(|e| err("x86-64 target", e))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| err("x86-64 target", e))
}

/// Compiles `program` to the bytes of an ELF relocatable object that defines `aura_main` (and the
/// program's other exports) and imports the runtime functions it calls.
pub fn compile(program: &Program) -> Result<Vec<u8>, CompileError> {
    compile_with(program, |_, _| {})
}

/// [`compile`], handing each function's CLIF (before optimisation) to `inspect` as it is built.
pub fn compile_with(
    program: &Program,
    mut inspect: impl FnMut(&str, &cranelift_codegen::ir::Function),
) -> Result<Vec<u8>, CompileError> {
    let builder = ObjectBuilder::new(isa()?, "aura", cranelift_module::default_libcall_names())
        .map_err(|e| err("object", e))?;
    let mut module = ObjectModule::new(builder);
    let mut emitter = Emitter::declare(&mut module, program)?;
    let mut ctx = module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    for (index, function) in program.functions.iter().enumerate() {
        ctx.func.signature = emitter.signature(function.params as usize);
        ctx.func.name = UserFuncName::user(0, index as u32);
        emitter.build(&mut module, &mut ctx, &mut fctx, function)?;
        inspect(&function.name, &ctx.func);
        module
            .define_function(emitter.functions[index], &mut ctx)
            .map_err(|e| err(&format!("function {}", function.name), e))?;
        module.clear_context(&mut ctx);
    }
    module
        .finish()
        .emit()
        .map_err(|e| err("object emission", e))
}

/// Module-level declarations shared by every function.
struct Emitter {
    call_conv: CallConv,
    functions: Vec<FuncId>,
    runtime: HashMap<String, FuncId>,
    data: DataId,
    globals: DataId,
}

impl Emitter {
    fn declare(module: &mut ObjectModule, program: &Program) -> Result<Emitter, CompileError> {
        let call_conv = module.isa().default_call_conv();
        let mut emitter = Emitter {
            call_conv,
            functions: Vec::with_capacity(program.functions.len()),
            runtime: HashMap::new(),
            data: DataId::from_u32(0),
            globals: DataId::from_u32(0),
        };
        let exports: HashMap<u32, &str> = program
            .exports
            .iter()
            .map(|(name, id)| (id.0, name.as_str()))
            .chain(std::iter::once((program.entry.0, ENTRY_SYMBOL)))
            .collect();
        for (index, function) in program.functions.iter().enumerate() {
            let signature = emitter.signature(function.params as usize);
            let (name, linkage) = match exports.get(&(index as u32)) {
                Some(name) => (name.to_string(), Linkage::Export),
                None => (format!("{FN_PREFIX}{}", function.name), Linkage::Local),
            };
            let id = module
                .declare_function(&name, linkage, &signature)
                .map_err(|e| err(&format!("function {name}"), e))?;
            emitter.functions.push(id);
        }
        if usize::try_from(program.entry.0).map_or(true, |i| i >= program.functions.len()) {
            return Err(CompileError(format!(
                "entry function {} does not exist",
                program.entry.0
            )));
        }

        // String literals are never written, but a writable section keeps the runtime free to
        // treat them like any other memory; 8-byte alignment as the LIR promises.
        emitter.data = module
            .declare_data(DATA_SYMBOL, Linkage::Local, true, false)
            .map_err(|e| err("data", e))?;
        let mut data = DataDescription::new();
        // An empty object still needs a distinct address.
        let mut bytes = program.data.clone();
        bytes.resize(bytes.len().next_multiple_of(8).max(8), 0);
        data.define(bytes.into_boxed_slice());
        data.set_align(8);
        module
            .define_data(emitter.data, &data)
            .map_err(|e| err("data", e))?;

        emitter.globals = module
            .declare_data(GLOBALS_SYMBOL, Linkage::Local, true, false)
            .map_err(|e| err("globals", e))?;
        let mut globals = DataDescription::new();
        globals.define_zeroinit((program.globals.max(1) as usize) * 8);
        globals.set_align(8);
        module
            .define_data(emitter.globals, &globals)
            .map_err(|e| err("globals", e))?;
        Ok(emitter)
    }

    fn signature(&self, params: usize) -> Signature {
        let mut signature = Signature::new(self.call_conv);
        signature
            .params
            .extend(std::iter::repeat_n(AbiParam::new(types::I64), params));
        signature.returns.push(AbiParam::new(types::I64));
        signature
    }

    fn runtime_fn(
        &mut self,
        module: &mut ObjectModule,
        name: String,
        params: usize,
    ) -> Result<FuncId, CompileError> {
        if let Some(id) = self.runtime.get(&name) {
            return Ok(*id);
        }
        let signature = self.signature(params);
        let id = module
            .declare_function(&name, Linkage::Import, &signature)
            .map_err(|e| err(&format!("runtime function {name}"), e))?;
        self.runtime.insert(name, id);
        Ok(id)
    }

    fn build(
        &mut self,
        module: &mut ObjectModule,
        ctx: &mut Context,
        fctx: &mut FunctionBuilderContext,
        function: &Function,
    ) -> Result<(), CompileError> {
        let mut builder = FunctionBuilder::new(&mut ctx.func, fctx);
        let entry = builder.create_block();
        builder.append_block_params_for_function_params(entry);
        builder.switch_to_block(entry);
        builder.seal_block(entry);
        let count = function.params as usize + function.locals as usize;
        let mut env: Vec<Value> = builder.block_params(entry).to_vec();
        let zero = builder.ins().iconst(types::I64, 0);
        env.resize(count, zero);
        let data = module.declare_data_in_func(self.data, builder.func);
        let globals = module.declare_data_in_func(self.globals, builder.func);
        let mut body = Body {
            emitter: self,
            module,
            builder,
            locals: count as u32,
            env,
            log: Vec::new(),
            facts: ssa::Facts::of(function),
            data,
            globals,
            loops: Vec::new(),
            name: &function.name,
        };
        body.stmts(&function.body)?;
        if !body.terminated() {
            let nil = body.builder.ins().iconst(types::I64, NIL);
            body.builder.ins().return_(&[nil]);
        }
        body.builder.seal_all_blocks();
        body.builder.finalize();
        Ok(())
    }
}

/// The state of one function being built.
struct Body<'a, 'b> {
    emitter: &'a mut Emitter,
    module: &'a mut ObjectModule,
    builder: FunctionBuilder<'b>,
    locals: u32,
    /// The current value of every local.
    env: Vec<Value>,
    /// (local, previous value) for every set, to undo at the end of a branch or loop body.
    log: Vec<(u32, Value)>,
    facts: ssa::Facts,
    data: cranelift_codegen::ir::GlobalValue,
    globals: cranelift_codegen::ir::GlobalValue,
    /// Enclosing loops, innermost last.
    loops: Vec<LoopCtx>,
    name: &'a str,
}

type Value = cranelift_codegen::ir::Value;

/// A loop being emitted: its header and exit blocks, and the locals passed to each as block
/// parameters (in parameter order).
struct LoopCtx {
    /// The `Loop` statement, to look up its facts.
    stmt: *const Stmt,
    header: Block,
    exit: Block,
    carried: Vec<u32>,
    exit_carried: Vec<u32>,
    exited: bool,
}

/// Block parameters are numbered with 16 bits.
const MAX_BLOCK_PARAMS: usize = u16::MAX as usize;

impl Body<'_, '_> {
    fn bad(&self, what: String) -> CompileError {
        CompileError(format!("function {}: {what}", self.name))
    }

    /// Whether the current block already ends in a jump or return (the rest of a statement list
    /// is then unreachable and not emitted).
    fn terminated(&self) -> bool {
        self.builder
            .current_block()
            .and_then(|b| self.builder.func.layout.last_inst(b))
            .is_some_and(|inst| self.builder.func.dfg.insts[inst].opcode().is_terminator())
    }

    fn local(&self, local: u32) -> Result<usize, CompileError> {
        if local < self.locals {
            Ok(local as usize)
        } else {
            Err(self.bad(format!("local {local} out of range")))
        }
    }

    /// Sets `local` (in range) to `value`, remembering the old value.
    fn set(&mut self, local: u32, value: Value) {
        let slot = &mut self.env[local as usize];
        self.log.push((local, *slot));
        *slot = value;
    }

    /// Restores the values of the locals to what they were when the log was `mark` long.
    fn rollback(&mut self, mark: usize) {
        while self.log.len() > mark {
            if let Some((local, old)) = self.log.pop() {
                self.env[local as usize] = old;
            }
        }
    }

    /// The distinct locals set since `mark` with their current values.
    fn changes_since(&self, mark: usize) -> HashMap<u32, Value> {
        self.log[mark..]
            .iter()
            .map(|&(local, _)| (local, self.env[local as usize]))
            .collect()
    }

    fn args(&self, locals: &[u32]) -> Vec<BlockArg> {
        locals
            .iter()
            .map(|&l| BlockArg::Value(self.env[l as usize]))
            .collect()
    }

    /// Appends `value` to the arguments of the jump `inst`.
    fn append_jump_arg(&mut self, inst: Inst, value: Value) {
        let dfg = &mut self.builder.func.dfg;
        if let Some(call) = dfg.insts[inst]
            .branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables)
            .first_mut()
        {
            call.append_argument(value, &mut dfg.value_lists);
        }
    }

    fn append_params(&mut self, block: Block, count: usize) -> Result<Vec<Value>, CompileError> {
        if count > MAX_BLOCK_PARAMS {
            return Err(self.bad(format!(
                "{count} locals live across one join, at most {MAX_BLOCK_PARAMS}"
            )));
        }
        Ok((0..count)
            .map(|_| self.builder.append_block_param(block, types::I64))
            .collect())
    }

    /// Whether `local` may be read after the statement spanning `span` (directly inside the
    /// current loops) without being set first: it is read outside the statement, or it is
    /// unclean for one of the loops around it (see `clif/ssa.rs`).
    fn live_after(&self, local: u32, span: (u32, u32)) -> bool {
        self.facts.read_outside(local, span)
            || self
                .loops
                .iter()
                .any(|l| self.facts.unclean(l.stmt).contains(&local))
    }

    fn loop_index(&self, depth: u32) -> Result<usize, CompileError> {
        let n = self.loops.len();
        (depth as usize)
            .checked_add(1)
            .and_then(|d| n.checked_sub(d))
            .ok_or_else(|| self.bad(format!("break/continue {depth} outside a loop")))
    }

    fn global_addr(&mut self, global: u32) -> Value {
        let base = self.builder.ins().global_value(types::I64, self.globals);
        self.builder.ins().iadd_imm(base, i64::from(global) * 8)
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> Result<(), CompileError> {
        for stmt in stmts {
            if self.terminated() {
                break;
            }
            self.stmt(stmt)?;
        }
        Ok(())
    }

    fn stmt(&mut self, stmt: &Stmt) -> Result<(), CompileError> {
        match stmt {
            Stmt::Set(local, expr) => {
                self.local(*local)?;
                let value = self.expr(expr)?;
                self.set(*local, value);
            }
            Stmt::SetGlobal(global, expr) => {
                let value = self.expr(expr)?;
                let addr = self.global_addr(*global);
                self.builder
                    .ins()
                    .store(MemFlags::trusted(), value, addr, 0);
            }
            Stmt::Store {
                addr,
                offset,
                value,
            } => {
                let addr = self.expr(addr)?;
                let value = self.expr(value)?;
                let offset = i32::try_from(*offset).map_err(|e| self.bad(e.to_string()))?;
                self.builder
                    .ins()
                    .store(MemFlags::trusted(), value, addr, offset);
            }
            Stmt::Expr(expr) => {
                self.expr(expr)?;
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                let cond = self.expr(cond)?;
                let then_block = self.builder.create_block();
                let else_block = self.builder.create_block();
                let merge = self.builder.create_block();
                self.builder
                    .ins()
                    .brif(cond, then_block, &[], else_block, &[]);
                self.builder.seal_block(then_block);
                self.builder.seal_block(else_block);
                // Each branch that reaches the merge: its jump (arguments appended below) and
                // the locals it set.
                let mark = self.log.len();
                let mut arms = Vec::new();
                for (block, body) in [(then_block, then), (else_block, otherwise)] {
                    self.builder.switch_to_block(block);
                    self.stmts(body)?;
                    if !self.terminated() {
                        let jump = self.builder.ins().jump(merge, &[]);
                        arms.push((jump, self.changes_since(mark)));
                    }
                    self.rollback(mark);
                }
                self.builder.seal_block(merge);
                match arms.as_slice() {
                    // Neither branch reaches the merge: the rest of the list is unreachable and
                    // the current block is terminated, so it is not emitted.
                    [] => {}
                    [(_, changes)] => {
                        self.builder.switch_to_block(merge);
                        let mut changes: Vec<_> = changes.iter().map(|(&l, &v)| (l, v)).collect();
                        changes.sort_unstable_by_key(|&(l, _)| l);
                        for (local, value) in changes {
                            self.set(local, value);
                        }
                    }
                    [(then_jump, then_changes), (else_jump, else_changes)] => {
                        let span = self.facts.span(stmt);
                        let mut locals: Vec<u32> = then_changes
                            .keys()
                            .chain(
                                else_changes
                                    .keys()
                                    .filter(|l| !then_changes.contains_key(l)),
                            )
                            .copied()
                            .collect();
                        locals.sort_unstable();
                        let mut joined = Vec::new();
                        let mut params = Vec::new();
                        for local in locals {
                            let before = self.env[local as usize];
                            let t = then_changes.get(&local).copied().unwrap_or(before);
                            let e = else_changes.get(&local).copied().unwrap_or(before);
                            if t == e {
                                joined.push((local, t));
                            } else if self.live_after(local, span) {
                                params.push((local, t, e));
                            }
                        }
                        let (then_jump, else_jump) = (*then_jump, *else_jump);
                        let values = self.append_params(merge, params.len())?;
                        for ((local, t, e), param) in params.into_iter().zip(values) {
                            self.append_jump_arg(then_jump, t);
                            self.append_jump_arg(else_jump, e);
                            joined.push((local, param));
                        }
                        self.builder.switch_to_block(merge);
                        for (local, value) in joined {
                            self.set(local, value);
                        }
                    }
                    _ => return Err(self.bad("an if with more than two branches".into())),
                }
            }
            Stmt::Loop(body) => {
                // The locals set in the body that may be read later without a set first are
                // parameters of the header (read again in the loop, or after it) and of the exit
                // (read after it).
                let span = self.facts.span(stmt);
                let mut assigned = Vec::new();
                ssa::assigned_in(body, &mut HashSet::new(), &mut assigned);
                assigned.retain(|&l| l < self.locals);
                let unclean = self.facts.unclean(stmt);
                let carried: Vec<u32> = assigned
                    .iter()
                    .copied()
                    .filter(|&l| unclean.contains(&l) || self.facts.read_outside(l, span))
                    .collect();
                let exit_carried: Vec<u32> = assigned
                    .into_iter()
                    .filter(|&l| self.live_after(l, span))
                    .collect();
                let header = self.builder.create_block();
                let exit = self.builder.create_block();
                let header_params = self.append_params(header, carried.len())?;
                let exit_params = self.append_params(exit, exit_carried.len())?;
                let args = self.args(&carried);
                self.builder.ins().jump(header, &args);
                self.builder.switch_to_block(header);
                let mark = self.log.len();
                for (&local, &param) in carried.iter().zip(&header_params) {
                    self.set(local, param);
                }
                self.loops.push(LoopCtx {
                    stmt: stmt as *const Stmt,
                    header,
                    exit,
                    carried,
                    exit_carried,
                    exited: false,
                });
                self.stmts(body)?;
                if !self.terminated() {
                    let args = self.loops.last().map(|l| self.args(&l.carried));
                    self.builder.ins().jump(header, &args.unwrap_or_default());
                }
                let ctx = self.loops.pop();
                self.rollback(mark);
                // Every jump to the header and the exit is now known.
                self.builder.seal_block(header);
                self.builder.seal_block(exit);
                // A loop that is never left: the rest of the list is unreachable.
                if let Some(ctx) = ctx.filter(|c| c.exited) {
                    self.builder.switch_to_block(exit);
                    for (&local, &param) in ctx.exit_carried.iter().zip(&exit_params) {
                        self.set(local, param);
                    }
                }
            }
            Stmt::Break(depth) => {
                let i = self.loop_index(*depth)?;
                let args = self.args(&self.loops[i].exit_carried);
                self.loops[i].exited = true;
                self.builder.ins().jump(self.loops[i].exit, &args);
            }
            Stmt::Continue(depth) => {
                let i = self.loop_index(*depth)?;
                let args = self.args(&self.loops[i].carried);
                self.builder.ins().jump(self.loops[i].header, &args);
            }
            Stmt::Return(expr) => {
                let value = self.expr(expr)?;
                self.builder.ins().return_(&[value]);
            }
        }
        Ok(())
    }

    fn exprs(&mut self, exprs: &[Expr]) -> Result<Vec<Value>, CompileError> {
        exprs.iter().map(|e| self.expr(e)).collect()
    }

    fn call(&mut self, id: FuncId, args: &[Value]) -> Value {
        let func = self.module.declare_func_in_func(id, self.builder.func);
        let call = self.builder.ins().call(func, args);
        self.builder.inst_results(call)[0]
    }

    fn expr(&mut self, expr: &Expr) -> Result<Value, CompileError> {
        Ok(match expr {
            Expr::Const(n) => self.builder.ins().iconst(types::I64, *n),
            Expr::Local(local) => self.env[self.local(*local)?],
            Expr::Global(global) => {
                let addr = self.global_addr(*global);
                self.builder
                    .ins()
                    .load(types::I64, MemFlags::trusted(), addr, 0)
            }
            Expr::IntToFloat(a) => {
                let a = self.expr(a)?;
                let f = self.builder.ins().fcvt_from_sint(types::F64, a);
                self.builder.ins().bitcast(types::I64, MemFlags::new(), f)
            }
            Expr::Load(addr, offset) => {
                let addr = self.expr(addr)?;
                let offset = i32::try_from(*offset).map_err(|e| self.bad(e.to_string()))?;
                self.builder
                    .ins()
                    .load(types::I64, MemFlags::trusted(), addr, offset)
            }
            Expr::Bin(op, a, b) => {
                let a = self.expr(a)?;
                let b = self.expr(b)?;
                self.bin(*op, a, b)
            }
            Expr::CallRt(f, args) => {
                if args.len() != f.params() {
                    return Err(self.bad(format!(
                        "{} takes {} arguments, given {}",
                        f.name(),
                        f.params(),
                        args.len()
                    )));
                }
                let args = self.exprs(args)?;
                let id = self.emitter.runtime_fn(self.module, f.name(), f.params())?;
                self.call(id, &args)
            }
            Expr::Call(FnId(index), args) => {
                let id = *self
                    .emitter
                    .functions
                    .get(*index as usize)
                    .ok_or_else(|| self.bad(format!("call of unknown function {index}")))?;
                let args = self.exprs(args)?;
                let expected = self
                    .module
                    .declarations()
                    .get_function_decl(id)
                    .signature
                    .params
                    .len();
                if args.len() != expected {
                    return Err(self.bad(format!(
                        "call of function {index} with {} arguments, it takes {expected}",
                        args.len()
                    )));
                }
                self.call(id, &args)
            }
            Expr::FnAddr(FnId(index)) => {
                let id = *self
                    .emitter
                    .functions
                    .get(*index as usize)
                    .ok_or_else(|| self.bad(format!("address of unknown function {index}")))?;
                let func = self.module.declare_func_in_func(id, self.builder.func);
                self.builder.ins().func_addr(types::I64, func)
            }
            Expr::DataAddr(offset) => {
                let base = self.builder.ins().global_value(types::I64, self.data);
                self.builder.ins().iadd_imm(base, i64::from(*offset))
            }
            Expr::Select(cond, then, otherwise) => {
                let cond = self.expr(cond)?;
                let then = self.expr(then)?;
                let otherwise = self.expr(otherwise)?;
                self.builder.ins().select(cond, then, otherwise)
            }
        })
    }

    fn bin(&mut self, op: BinOp, a: Value, b: Value) -> Value {
        let cc = match op {
            BinOp::Eq => Some(IntCC::Equal),
            BinOp::Ne => Some(IntCC::NotEqual),
            BinOp::LtS => Some(IntCC::SignedLessThan),
            BinOp::LeS => Some(IntCC::SignedLessThanOrEqual),
            BinOp::GtS => Some(IntCC::SignedGreaterThan),
            BinOp::GeS => Some(IntCC::SignedGreaterThanOrEqual),
            BinOp::LtU => Some(IntCC::UnsignedLessThan),
            _ => None,
        };
        if let Some(cc) = cc {
            let flag = self.builder.ins().icmp(cc, a, b);
            return self.builder.ins().uextend(types::I64, flag);
        }
        if op.is_float() {
            return self.float_bin(op, a, b);
        }
        let ins = self.builder.ins();
        match op {
            BinOp::Add => ins.iadd(a, b),
            BinOp::Sub => ins.isub(a, b),
            BinOp::Mul => ins.imul(a, b),
            BinOp::DivS => ins.sdiv(a, b),
            BinOp::RemS => ins.srem(a, b),
            BinOp::And => ins.band(a, b),
            BinOp::Or => ins.bor(a, b),
            BinOp::Xor => ins.bxor(a, b),
            // Cranelift masks shift amounts to 0..63 like WebAssembly does.
            BinOp::Shl => ins.ishl(a, b),
            BinOp::ShrS => ins.sshr(a, b),
            BinOp::ShrU => ins.ushr(a, b),
            BinOp::Rotl => ins.rotl(a, b),
            BinOp::Rotr => ins.rotr(a, b),
            // Comparisons and float operations were handled above.
            BinOp::Eq
            | BinOp::Ne
            | BinOp::LtS
            | BinOp::LeS
            | BinOp::GtS
            | BinOp::GeS
            | BinOp::LtU
            | BinOp::FAdd
            | BinOp::FSub
            | BinOp::FMul
            | BinOp::FDiv
            | BinOp::FEq
            | BinOp::FLt
            | BinOp::FLe => ins.iconst(types::I64, 0),
        }
    }

    /// A float operation on the f64s whose bits are the words `a` and `b`.
    fn float_bin(&mut self, op: BinOp, a: Value, b: Value) -> Value {
        let ins = self.builder.ins();
        let x = ins.bitcast(types::F64, MemFlags::new(), a);
        let ins = self.builder.ins();
        let y = ins.bitcast(types::F64, MemFlags::new(), b);
        let cc = match op {
            BinOp::FEq => Some(FloatCC::Equal),
            BinOp::FLt => Some(FloatCC::LessThan),
            BinOp::FLe => Some(FloatCC::LessThanOrEqual),
            _ => None,
        };
        if let Some(cc) = cc {
            let flag = self.builder.ins().fcmp(cc, x, y);
            return self.builder.ins().uextend(types::I64, flag);
        }
        let ins = self.builder.ins();
        let r = match op {
            BinOp::FSub => ins.fsub(x, y),
            BinOp::FMul => ins.fmul(x, y),
            BinOp::FDiv => ins.fdiv(x, y),
            _ => ins.fadd(x, y),
        };
        self.builder.ins().bitcast(types::I64, MemFlags::new(), r)
    }
}
