//! The one table of runtime functions that compiled code calls. The runtime itself is written once,
//! in C, under `runtime/rt/` (`aura_rt.h` declares exactly these), and compiled for both wasm32 and
//! x86-64. Every parameter and result is a 64-bit word: a tagged value (`val`) or a raw integer /
//! address (`raw`), as `spec/abi.md` says per function.

use aura_uast::BUILTINS;

/// A runtime function: one of the core entries below, or the native implementation of a builtin
/// (`rt_b_NAME(argc, argv) -> val`, one per entry of `aura_uast::builtins::BUILTINS`, same index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RtFn {
    Core(Core),
    Builtin(u16),
}

macro_rules! core_table {
    ($($variant:ident = $name:literal / $params:literal),* $(,)?) => {
        /// Core runtime entry points (not builtins).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Core { $($variant),* }

        impl Core {
            pub const ALL: &'static [Core] = &[$(Core::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $(Core::$variant => $name),* }
            }
            pub fn params(self) -> usize {
                match self { $(Core::$variant => $params),* }
            }
        }
    };
}

core_table! {
    // lifecycle
    Start = "rt_start" / 1,            // (raw heap_start) -> nil; heap_start = end of program data
    ArgStack = "rt_arg_stack" / 0,     // () -> raw address of the argument stack
    MaxDepth = "rt_max_depth" / 0,     // () -> raw depth limit
    Finish = "rt_finish" / 0,          // () -> nil; flushes output
    StackOverflow = "rt_stack_overflow" / 0, // () -> never returns
    ArityError = "rt_arity_error" / 2, // (val fn, raw argc) -> never returns
    // the collector (spec/abi.md, "Memory model"; added by `gc::add_gc`)
    GcHook = "rt_gc_hook" / 1,         // (raw code) -> nil; the entry that raises the poll flag
    GcCollect = "rt_gc_collect" / 2,   // (raw shadow stack top, raw argument stack top) -> nil
    ShadowStack = "rt_shadow_stack" / 0, // () -> raw base of the shadow stack
    ShadowLimit = "rt_shadow_limit" / 0, // () -> raw end of the shadow stack
    // constructors
    StrLit = "rt_str_lit" / 2,         // (raw addr, raw len) -> str
    FloatLit = "rt_float_lit" / 1,     // (raw f64 bits) -> float
    IntLit = "rt_int_lit" / 1,         // (raw i64) -> int (boxed when outside the small range)
    ListNew = "rt_list_new" / 2,       // (raw argc, raw argv) -> list of those values
    MapNew = "rt_map_new" / 0,         // () -> empty map
    MapPut = "rt_map_put" / 3,         // (map, str key, val) -> nil
    ClosureNew = "rt_closure_new" / 4, // (raw code, raw arity, val name, raw ncaptures) -> fn
    CellNew = "rt_cell_new" / 1,       // (val) -> cell
    ObjectNew = "rt_object_new" / 2,   // (str name, val proto) -> object
    SetProto = "rt_set_proto" / 2,     // (object, val proto) -> nil
    BuiltinFn = "rt_builtin_fn" / 1,   // (raw builtin index) -> fn value
    // operators (slow paths; the lowering inlines small-int cases)
    Add = "rt_add" / 2,
    Sub = "rt_sub" / 2,
    Mul = "rt_mul" / 2,
    Div = "rt_div" / 2,
    Mod = "rt_mod" / 2,
    Neg = "rt_neg" / 1,
    Eq = "rt_eq" / 2,                  // -> bool val
    Ne = "rt_ne" / 2,
    Lt = "rt_lt" / 2,
    Le = "rt_le" / 2,
    Gt = "rt_gt" / 2,
    Ge = "rt_ge" / 2,
    // bit operators on ints (slow paths; small-int cases are inlined)
    BitAnd = "rt_bitand" / 2,
    BitOr = "rt_bitor" / 2,
    BitXor = "rt_bitxor" / 2,
    BitNot = "rt_bitnot" / 1,
    Shl = "rt_shl" / 2,
    Shr = "rt_shr" / 2,
    // access
    Index = "rt_index" / 2,            // (container, key) -> val
    IndexSet = "rt_index_set" / 3,     // (container, key, val) -> nil
    Field = "rt_field" / 2,            // (val, str name) -> val
    FieldSet = "rt_field_set" / 3,     // (val, str name, val) -> nil
    // calls
    Call = "rt_call" / 4,              // (val fn, val self, raw argc, raw argv) -> val
    Send = "rt_send" / 4,              // (val receiver, str name, raw argc, raw argv) -> val
    // (str cap, str method, raw argc, raw argv) -> val. With method nil (and argc 0) it returns
    // the capability itself as a value (type "object", prints `<object NAME>`; `rt_send` to it
    // is a capability call): how the lowering compiles a capability used other than as the
    // receiver of a send (`let s = store`).
    Capability = "rt_capability" / 4,
    // errors (spec/abi.md, "Errors a program handles")
    Try = "rt_try" / 2,                // (fn body, val self) -> a TRY_* code, or the error's map
    // for loops
    Iter = "rt_iter" / 1,              // (val) -> list to walk (a list itself, map keys, chars)
    IterLen = "rt_iter_len" / 1,       // (list) -> raw current length
    IterGet = "rt_iter_get" / 2,       // (list, raw index) -> element
    RangeArg = "rt_range_arg" / 1,     // (val) -> the same int, or type error
}

impl RtFn {
    /// The symbol name in the runtime (C function name, wasm export name).
    pub fn name(self) -> String {
        match self {
            RtFn::Core(core) => core.name().to_string(),
            RtFn::Builtin(index) => format!("rt_b_{}", BUILTINS[usize::from(index)].name),
        }
    }

    pub fn params(self) -> usize {
        match self {
            RtFn::Core(core) => core.params(),
            RtFn::Builtin(_) => 2,
        }
    }

    /// Every runtime function, core entries first, then builtins in table order.
    pub fn all() -> Vec<RtFn> {
        let mut all: Vec<RtFn> = Core::ALL.iter().map(|c| RtFn::Core(*c)).collect();
        all.extend((0..BUILTINS.len()).map(|i| RtFn::Builtin(i as u16)));
        all
    }
}

/// Value words (`spec/abi.md`): small ints are `(n << 1) | 1`; these are the immediates.
pub const NIL: i64 = 2;
pub const FALSE: i64 = 6;
pub const TRUE: i64 = 10;
/// Small ints hold `SMALL_MIN..=SMALL_MAX`; other ints are boxed by the runtime.
pub const SMALL_MIN: i64 = -(1 << 62);
pub const SMALL_MAX: i64 = (1 << 62) - 1;

/// Immediate floats (`spec/abi.md`, "Values"; `runtime/rt/rt_internal.h` is the other copy):
/// the word of an f64 is `rotl(bits + IMM_FLOAT_OFFSET, 4)` when its low three bits are `100`,
/// except that words 4 and 12 stand for `+0.0` and `-0.0`.
pub const IMM_FLOAT_OFFSET: i64 = 0x080 << 52;
/// The low three bits of an immediate float.
pub const IMM_FLOAT_TAG: i64 = 4;

/// The word of the float with these bits, when it is immediate (else the runtime boxes it).
pub fn imm_float_word(bits: u64) -> Option<i64> {
    if bits << 1 == 0 {
        return Some(if bits == 0 { 4 } else { 12 });
    }
    let w = bits.wrapping_add(IMM_FLOAT_OFFSET as u64).rotate_left(4);
    (w & 7 == IMM_FLOAT_TAG as u64 && w & !8 != 4).then_some(w as i64)
}

/// How the outlined body of a `try` finished, as `rt_try` returns it (small-int words, so that
/// no heap value is confused with them): normally (nil), by `return` (its value waits in the
/// body's return cell), by `break` or by `continue` of a loop around the `try`. Anything else
/// `rt_try` returns is the map of a caught error.
pub const TRY_NORMAL: i64 = NIL;
pub const TRY_RETURN: i64 = 3;
pub const TRY_BREAK: i64 = 5;
pub const TRY_CONTINUE: i64 = 7;

/// Closure object layout (byte offsets), read by compiled code.
pub const CLOSURE_CODE: u32 = 8;
pub const CLOSURE_CAPTURES: u32 = 40;
/// Cell layout: the boxed value.
pub const CELL_VALUE: u32 = 8;
/// A list (`spec/abi.md`): the low byte of its header, and the offsets of its raw length and
/// of the address of its items (one word each).
pub const LIST_TYPE: i64 = 4;
pub const LIST_LEN: u32 = 8;
pub const LIST_ITEMS: u32 = 24;
