//! Runs lowered programs on a small LIR evaluator with a toy runtime (small ints, strings,
//! lists, maps, closures, cells, objects and the builtins the conformance programs use most),
//! so that the lowering is tested end to end before the real emitters and the C runtime exist.
//! A program that needs something the toy runtime lacks is skipped, never failed.

use aura_compiler::pipeline::check_source;
use aura_lir::runtime::{Core, RtFn, CLOSURE_CODE, FALSE, NIL, TRUE};
use aura_lir::{lower, verify, BinOp, Expr, FnId, Program, Stmt, ARG_STACK_GLOBAL};

/// Why a run stopped early.
#[derive(Debug)]
enum Stop {
    /// A runtime error: its kind.
    Error(&'static str),
    /// The toy runtime cannot do this.
    Unsupported(String),
}

type R<T> = Result<T, Stop>;

fn unsupported<T>(what: impl Into<String>) -> R<T> {
    Err(Stop::Unsupported(what.into()))
}

#[derive(Clone, Debug)]
enum Obj {
    /// An int outside the small range.
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<i64>),
    Map(Vec<(String, i64)>),
    Object {
        name: String,
        proto: i64,
        slots: Vec<(String, i64)>,
    },
    Builtin(u16),
}

enum Flow {
    Normal,
    Break(u32),
    Continue(u32),
    Return(i64),
}

struct Vm<'p> {
    program: &'p Program,
    /// Word-addressed memory: address = 8 * index. Low addresses hold the argument stack, then
    /// closures and cells (which compiled code reads directly).
    mem: Vec<i64>,
    /// Other heap objects live on the Rust side; their value word is `8 * (OBJ_BASE + index)`.
    objs: Vec<Obj>,
    globals: Vec<i64>,
    out: String,
    steps: u64,
    /// Base of the shadow stack (0 until the program asks for it).
    shadow: i64,
    /// Nodes visited by the current `==`, which bounds a walk over a heavily shared value.
    equal_steps: std::cell::Cell<u64>,
}

const ARG_STACK_WORDS: usize = 1 << 16;
const SHADOW_WORDS: usize = 1 << 18;
const OBJ_BASE: i64 = 1 << 40;
const CLOSURE_TYPE: i64 = 7;
const CELL_TYPE: i64 = 8;

fn small(n: i64) -> i64 {
    (n << 1) | 1
}

impl<'p> Vm<'p> {
    fn new(program: &'p Program) -> Self {
        Vm {
            program,
            mem: vec![0; ARG_STACK_WORDS + 1],
            objs: Vec::new(),
            globals: vec![0; program.globals as usize],
            out: String::new(),
            steps: 0,
            shadow: 0,
            equal_steps: std::cell::Cell::new(0),
        }
    }

    fn alloc_words(&mut self, words: &[i64]) -> i64 {
        let addr = self.mem.len() as i64 * 8;
        self.mem.extend_from_slice(words);
        addr
    }

    fn new_obj(&mut self, o: Obj) -> i64 {
        self.objs.push(o);
        (OBJ_BASE + self.objs.len() as i64 - 1) * 8
    }

    fn obj(&self, v: i64) -> Option<&Obj> {
        if v & 7 != 0 || v / 8 < OBJ_BASE {
            return None;
        }
        self.objs.get((v / 8 - OBJ_BASE) as usize)
    }

    fn obj_mut(&mut self, v: i64) -> Option<&mut Obj> {
        if v & 7 != 0 || v / 8 < OBJ_BASE {
            return None;
        }
        self.objs.get_mut((v / 8 - OBJ_BASE) as usize)
    }

    fn load(&self, addr: i64) -> R<i64> {
        if addr & 7 != 0 || addr < 8 || (addr / 8) as usize >= self.mem.len() {
            return unsupported(format!("load from {addr}"));
        }
        Ok(self.mem[(addr / 8) as usize])
    }

    fn store(&mut self, addr: i64, v: i64) -> R<()> {
        if addr & 7 != 0 || addr < 8 || (addr / 8) as usize >= self.mem.len() {
            return unsupported(format!("store to {addr}"));
        }
        self.mem[(addr / 8) as usize] = v;
        Ok(())
    }

    fn is_closure(&self, v: i64) -> bool {
        v & 7 == 0 && v > 0 && v / 8 < OBJ_BASE && self.load(v).ok() == Some(CLOSURE_TYPE)
    }

    fn str_of(&self, v: i64) -> Option<&str> {
        match self.obj(v) {
            Some(Obj::Str(s)) => Some(s),
            _ => None,
        }
    }

    fn new_str(&mut self, s: String) -> i64 {
        self.new_obj(Obj::Str(s))
    }

    fn show(&self, v: i64, nested: bool) -> R<String> {
        self.show_at(v, nested, 0)
    }

    fn show_at(&self, v: i64, nested: bool, depth: u32) -> R<String> {
        if depth > 50 {
            return unsupported("deep or cyclic value");
        }
        if v & 1 == 1 {
            return Ok((v >> 1).to_string());
        }
        Ok(match v {
            NIL => "nil".into(),
            TRUE => "true".into(),
            FALSE => "false".into(),
            _ if self.is_closure(v) => {
                let name = self.load(v + 24)?;
                match self.str_of(name) {
                    Some(n) => format!("<fn {n}>"),
                    None => "<fn>".into(),
                }
            }
            _ => match self.obj(v) {
                Some(Obj::Int(n)) => n.to_string(),
                Some(Obj::Float(f)) => format!("{f:?}"),
                Some(Obj::Str(s)) if nested => {
                    if s.chars()
                        .any(|c| (c as u32) < 0x20 && !"\n\t\r".contains(c))
                    {
                        return unsupported("JSON escapes");
                    }
                    format!("{s:?}")
                }
                Some(Obj::Str(s)) => s.clone(),
                Some(Obj::List(items)) => {
                    let parts: R<Vec<String>> = items
                        .iter()
                        .map(|i| self.show_at(*i, true, depth + 1))
                        .collect();
                    format!("[{}]", parts?.join(", "))
                }
                Some(Obj::Map(entries)) => {
                    let mut parts = Vec::new();
                    for (k, v) in entries {
                        parts.push(format!("{k:?}: {}", self.show_at(*v, true, depth + 1)?));
                    }
                    format!("{{{}}}", parts.join(", "))
                }
                Some(Obj::Object { name, .. }) => format!("<object {name}>"),
                Some(Obj::Builtin(b)) => format!("<fn {}>", aura_uast::BUILTINS[*b as usize].name),
                None => return unsupported(format!("show {v}")),
            },
        })
    }

    fn args(&self, argc: i64, argv: i64) -> R<Vec<i64>> {
        (0..argc).map(|i| self.load(argv + 8 * i)).collect()
    }

    /// Calls a function value through its generic entry, with args on the argument stack.
    fn call_value(&mut self, f: i64, this: i64, args: &[i64]) -> R<i64> {
        if let Some(Obj::Builtin(b)) = self.obj(f) {
            let b = *b;
            let base = self.globals[ARG_STACK_GLOBAL as usize];
            for (i, a) in args.iter().enumerate() {
                self.store(base + 8 * i as i64, *a)?;
            }
            return self.builtin(b, args.len() as i64, base);
        }
        if !self.is_closure(f) {
            return Err(Stop::Error("type error"));
        }
        let code = self.load(f + CLOSURE_CODE as i64)?;
        let base = self.globals[ARG_STACK_GLOBAL as usize];
        for (i, a) in args.iter().enumerate() {
            self.store(base + 8 * i as i64, *a)?;
        }
        self.globals[ARG_STACK_GLOBAL as usize] = base + 8 * args.len() as i64;
        let r = self.call(FnId(code as u32), &[f, this, args.len() as i64, base]);
        self.globals[ARG_STACK_GLOBAL as usize] = base;
        r
    }

    fn lookup(&self, mut o: i64, name: &str) -> Option<i64> {
        for _ in 0..1000 {
            match self.obj(o) {
                Some(Obj::Object { proto, slots, .. }) => {
                    if let Some((_, v)) = slots.iter().find(|(k, _)| k == name) {
                        return Some(*v);
                    }
                    o = *proto;
                }
                _ => return None,
            }
        }
        None
    }

    fn bool(b: bool) -> i64 {
        if b {
            TRUE
        } else {
            FALSE
        }
    }

    fn int_of(&self, v: i64) -> Option<i64> {
        if v & 1 == 1 {
            return Some(v >> 1);
        }
        match self.obj(v) {
            Some(Obj::Int(n)) => Some(*n),
            _ => None,
        }
    }

    fn float_of(&self, v: i64) -> Option<f64> {
        match self.obj(v) {
            Some(Obj::Float(f)) => Some(*f),
            _ => self.int_of(v).map(|n| n as f64),
        }
    }

    /// Both numbers and at least one a float: both as floats.
    fn float2(&self, a: i64, b: i64) -> Option<(f64, f64)> {
        let is_float = |v| matches!(self.obj(v), Some(Obj::Float(_)));
        if !is_float(a) && !is_float(b) {
            return None;
        }
        Some((self.float_of(a)?, self.float_of(b)?))
    }

    fn int2(&self, a: i64, b: i64) -> Option<(i64, i64)> {
        Some((self.int_of(a)?, self.int_of(b)?))
    }

    fn int_value(&mut self, n: i64) -> i64 {
        if (aura_lir::runtime::SMALL_MIN..=aura_lir::runtime::SMALL_MAX).contains(&n) {
            small(n)
        } else {
            self.new_obj(Obj::Int(n))
        }
    }

    fn int_result(&mut self, n: Option<i64>) -> R<i64> {
        match n {
            Some(n) => Ok(self.int_value(n)),
            None => Err(Stop::Error("integer overflow")),
        }
    }

    /// `==`; values nested more than 50 deep, cyclic, or so shared that the walk takes more
    /// than a million steps are not supported here.
    fn equal(&self, a: i64, b: i64) -> R<bool> {
        let deep = std::cell::Cell::new(false);
        self.equal_steps.set(0);
        let eq = self.equal_at(a, b, 0, &deep);
        if deep.get() {
            return unsupported("deep or cyclic value");
        }
        Ok(eq)
    }

    fn equal_at(&self, a: i64, b: i64, depth: u32, deep: &std::cell::Cell<bool>) -> bool {
        // No identity short-cut for containers and floats: a list holding NaN is not equal to
        // itself (deep `==`, as in the real runtimes).
        let container = matches!(
            self.obj(a),
            Some(Obj::List(_)) | Some(Obj::Map(_)) | Some(Obj::Float(_))
        );
        if a == b && !container {
            return true;
        }
        self.equal_steps.set(self.equal_steps.get() + 1);
        if deep.get() || depth > 50 || self.equal_steps.get() > 1_000_000 {
            deep.set(true);
            return true;
        }
        if let Some((x, y)) = self.int2(a, b) {
            return x == y;
        }
        match (self.obj(a), self.obj(b), self.int_of(a), self.int_of(b)) {
            (Some(Obj::Float(x)), Some(Obj::Float(y)), _, _) => return x == y,
            (Some(Obj::Float(f)), _, _, Some(i)) | (_, Some(Obj::Float(f)), Some(i), _) => {
                // Exact: the int is not rounded first.
                return f.fract() == 0.0
                    && *f >= -9.3e18
                    && *f <= 9.3e18
                    && (*f as i128) == i as i128;
            }
            _ => {}
        }
        match (self.obj(a), self.obj(b)) {
            (Some(Obj::Str(x)), Some(Obj::Str(y))) => x == y,
            // A builtin used as a value twice is equal to itself (`len == len`).
            (Some(Obj::Builtin(x)), Some(Obj::Builtin(y))) => x == y,
            (Some(Obj::List(x)), Some(Obj::List(y))) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|(p, q)| self.equal_at(*p, *q, depth + 1, deep))
            }
            (Some(Obj::Map(x)), Some(Obj::Map(y))) => {
                x.len() == y.len()
                    && x.iter().all(|(k, v)| {
                        y.iter()
                            .any(|(k2, v2)| k == k2 && self.equal_at(*v, *v2, depth + 1, deep))
                    })
            }
            _ => false,
        }
    }

    fn rt(&mut self, f: RtFn, a: &[i64]) -> R<i64> {
        let core = match f {
            RtFn::Builtin(b) => return self.builtin(b, a[0], a[1]),
            RtFn::Core(c) => c,
        };
        Ok(match core {
            Core::Start | Core::Finish => NIL,
            Core::ArgStack => 8,
            Core::ShadowStack | Core::ShadowLimit => {
                if self.shadow == 0 {
                    self.shadow = self.alloc_words(&vec![0; SHADOW_WORDS]);
                }
                match core {
                    Core::ShadowStack => self.shadow,
                    _ => self.shadow + 8 * SHADOW_WORDS as i64,
                }
            }
            // The toy runtime never collects: it never calls the hook, so the flag stays 0.
            Core::GcHook => NIL,
            Core::GcCollect => NIL,
            Core::MaxDepth => 10_000,
            Core::StackOverflow => return Err(Stop::Error("stack overflow")),
            Core::ArityError => return Err(Stop::Error("type error")),
            Core::StrLit => {
                let (off, len) = (a[0] as usize, a[1] as usize);
                let bytes = &self.program.data[off..off + len];
                let s = String::from_utf8(bytes.to_vec()).map_err(|_| Stop::Error("utf8"))?;
                self.new_str(s)
            }
            Core::IntLit => self.int_value(a[0]),
            Core::FloatLit => self.new_obj(Obj::Float(f64::from_bits(a[0] as u64))),
            Core::ListNew => {
                let items = self.args(a[0], a[1])?;
                self.new_obj(Obj::List(items))
            }
            Core::MapNew => self.new_obj(Obj::Map(Vec::new())),
            Core::MapPut => {
                let key = self.str_of(a[1]).map(str::to_string);
                let Some(key) = key else {
                    return unsupported("map key");
                };
                if let Some(Obj::Map(entries)) = self.obj_mut(a[0]) {
                    match entries.iter_mut().find(|(k, _)| *k == key) {
                        Some(e) => e.1 = a[2],
                        None => entries.push((key, a[2])),
                    }
                }
                NIL
            }
            Core::ClosureNew => {
                let mut words = vec![CLOSURE_TYPE, a[0], a[1], a[2], a[3]];
                words.extend((0..a[3]).map(|_| 0));
                self.alloc_words(&words)
            }
            Core::CellNew => self.alloc_words(&[CELL_TYPE, a[0]]),
            Core::ObjectNew => {
                let name = self.str_of(a[0]).unwrap_or("?").to_string();
                self.new_obj(Obj::Object {
                    name,
                    proto: a[1],
                    slots: Vec::new(),
                })
            }
            Core::SetProto => {
                if let Some(Obj::Object { proto, .. }) = self.obj_mut(a[0]) {
                    *proto = a[1];
                }
                NIL
            }
            Core::BuiltinFn => self.new_obj(Obj::Builtin(a[0] as u16)),
            Core::Add => match (self.obj(a[0]), self.obj(a[1])) {
                (Some(Obj::Str(x)), Some(Obj::Str(y))) => {
                    let s = format!("{x}{y}");
                    self.new_str(s)
                }
                (Some(Obj::List(x)), Some(Obj::List(y))) => {
                    let l = [x.clone(), y.clone()].concat();
                    self.new_obj(Obj::List(l))
                }
                _ => match (self.int2(a[0], a[1]), self.float2(a[0], a[1])) {
                    (Some((x, y)), _) => self.int_result(x.checked_add(y))?,
                    (_, Some((x, y))) => self.new_obj(Obj::Float(x + y)),
                    _ => return unsupported("add"),
                },
            },
            Core::Sub | Core::Mul | Core::Div | Core::Mod if self.float2(a[0], a[1]).is_some() => {
                let Some((x, y)) = self.float2(a[0], a[1]) else {
                    return unsupported("float arith");
                };
                let r = match core {
                    Core::Sub => x - y,
                    Core::Mul => x * y,
                    Core::Div => x / y,
                    _ => x % y,
                };
                self.new_obj(Obj::Float(r))
            }
            Core::Sub | Core::Mul | Core::Div | Core::Mod => {
                let Some((x, y)) = self.int2(a[0], a[1]) else {
                    return unsupported("arith");
                };
                match core {
                    Core::Sub => self.int_result(x.checked_sub(y))?,
                    Core::Mul => self.int_result(x.checked_mul(y))?,
                    _ if y == 0 => return Err(Stop::Error("division by zero")),
                    Core::Div => self.int_result(x.checked_div(y))?,
                    _ => self.int_result(Some(x.wrapping_rem(y)))?,
                }
            }
            Core::Neg => match self.int_of(a[0]) {
                Some(n) => self.int_result(n.checked_neg())?,
                None if matches!(self.obj(a[0]), Some(Obj::Float(_))) => {
                    let f = self.float_of(a[0]).unwrap_or(0.0);
                    self.new_obj(Obj::Float(-f))
                }
                None => return unsupported("neg"),
            },
            Core::BitNot => match self.int_of(a[0]) {
                Some(n) => self.int_value(!n),
                None => return Err(Stop::Error("type error")),
            },
            Core::BitAnd | Core::BitOr | Core::BitXor | Core::Shl | Core::Shr => {
                let Some((x, y)) = self.int2(a[0], a[1]) else {
                    return Err(Stop::Error("type error"));
                };
                let n = u32::try_from(y).unwrap_or(u32::MAX);
                let r = match core {
                    Core::BitAnd => x & y,
                    Core::BitOr => x | y,
                    Core::BitXor => x ^ y,
                    _ if y < 0 => return Err(Stop::Error("type error")),
                    Core::Shl => x.checked_shl(n).unwrap_or(0),
                    _ => x.checked_shr(n).unwrap_or(x >> 63),
                };
                self.int_value(r)
            }
            Core::Eq => Self::bool(self.equal(a[0], a[1])?),
            Core::Ne => Self::bool(!self.equal(a[0], a[1])?),
            Core::Lt | Core::Le | Core::Gt | Core::Ge => {
                if let Some((x, y)) = self.float2(a[0], a[1]) {
                    return Ok(Self::bool(match core {
                        Core::Lt => x < y,
                        Core::Le => x <= y,
                        Core::Gt => x > y,
                        _ => x >= y,
                    }));
                }
                let ord = match (self.int2(a[0], a[1]), self.str_of(a[0]), self.str_of(a[1])) {
                    (Some((x, y)), _, _) => x.cmp(&y),
                    (_, Some(x), Some(y)) => x.cmp(y),
                    _ => return Err(Stop::Error("type error")),
                };
                Self::bool(match core {
                    Core::Lt => ord.is_lt(),
                    Core::Le => ord.is_le(),
                    Core::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                })
            }
            Core::Index => match (self.obj(a[0]), a[1] & 1) {
                (Some(Obj::Map(entries)), _) => {
                    let Some(key) = self.str_of(a[1]) else {
                        return unsupported("map index");
                    };
                    entries.iter().find(|(k, _)| k == key).map_or(NIL, |e| e.1)
                }
                (Some(Obj::Str(text)), 1) => {
                    let i = a[1] >> 1;
                    match usize::try_from(i).ok().and_then(|i| text.chars().nth(i)) {
                        Some(ch) => self.new_str(ch.to_string()),
                        None => return Err(Stop::Error("index out of range")),
                    }
                }
                (Some(Obj::List(items)), 1) => {
                    let i = a[1] >> 1;
                    match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                        Some(v) => *v,
                        None => return Err(Stop::Error("index out of range")),
                    }
                }
                _ => return unsupported("index"),
            },
            Core::IndexSet => {
                let i = a[1] >> 1;
                match self.obj_mut(a[0]) {
                    Some(Obj::List(items)) if a[1] & 1 == 1 => {
                        match usize::try_from(i).ok().and_then(|i| items.get_mut(i)) {
                            Some(slot) => *slot = a[2],
                            None => return Err(Stop::Error("index out of range")),
                        }
                    }
                    _ => return unsupported("index set"),
                }
                NIL
            }
            Core::Field => {
                let name = self.str_of(a[1]).unwrap_or("").to_string();
                match self.obj(a[0]) {
                    Some(Obj::Object { .. }) => self.lookup(a[0], &name).unwrap_or(NIL),
                    Some(Obj::Map(entries)) => entries
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map_or(NIL, |e| e.1),
                    _ => return unsupported("field"),
                }
            }
            Core::FieldSet => {
                let name = self.str_of(a[1]).unwrap_or("").to_string();
                match self.obj_mut(a[0]) {
                    Some(Obj::Object { slots, .. }) | Some(Obj::Map(slots)) => {
                        match slots.iter_mut().find(|(k, _)| *k == name) {
                            Some(e) => e.1 = a[2],
                            None => slots.push((name, a[2])),
                        }
                    }
                    _ => return unsupported("field set"),
                }
                NIL
            }
            Core::Call => {
                let args = self.args(a[2], a[3])?;
                self.call_value(a[0], a[1], &args)?
            }
            Core::Send => {
                let name = self.str_of(a[1]).unwrap_or("").to_string();
                let args = self.args(a[2], a[3])?;
                match self.lookup(a[0], &name) {
                    Some(m) => self.call_value(m, a[0], &args)?,
                    None => match self.lookup(a[0], "does_not_understand") {
                        Some(dnu) => {
                            let n = self.new_str(name);
                            let list = self.new_obj(Obj::List(args));
                            self.call_value(dnu, a[0], &[n, list])?
                        }
                        None if matches!(self.obj(a[0]), Some(Obj::Object { .. })) => {
                            return Err(Stop::Error("does not understand"))
                        }
                        None => return unsupported("send to a non-object"),
                    },
                }
            }
            Core::Capability => return unsupported("capability"),
            Core::Iter => match self.obj(a[0]) {
                Some(Obj::List(_)) => a[0],
                Some(Obj::Str(text)) => {
                    let chars: Vec<String> = text.chars().map(|c| c.to_string()).collect();
                    let items = chars.into_iter().map(|c| self.new_str(c)).collect();
                    self.new_obj(Obj::List(items))
                }
                Some(Obj::Map(entries)) => {
                    let keys: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
                    let items = keys.into_iter().map(|k| self.new_str(k)).collect();
                    self.new_obj(Obj::List(items))
                }
                _ => return unsupported("iter"),
            },
            Core::IterLen => match self.obj(a[0]) {
                Some(Obj::List(items)) => items.len() as i64,
                _ => return unsupported("iter len"),
            },
            Core::IterGet => match self.obj(a[0]) {
                Some(Obj::List(items)) => items[a[1] as usize],
                _ => return unsupported("iter get"),
            },
            Core::RangeArg => {
                if self.int_of(a[0]).is_some() {
                    a[0]
                } else {
                    return Err(Stop::Error("type error"));
                }
            }
        })
    }

    fn builtin(&mut self, b: u16, argc: i64, argv: i64) -> R<i64> {
        let args = self.args(argc, argv)?;
        let name = aura_uast::BUILTINS[b as usize].name;
        Ok(match (name, args.as_slice()) {
            ("print", _) => {
                let parts: R<Vec<String>> = args.iter().map(|a| self.show(*a, false)).collect();
                self.out.push_str(&parts?.join(" "));
                self.out.push('\n');
                NIL
            }
            ("str", [v]) => {
                let s = self.show(*v, false)?;
                self.new_str(s)
            }
            ("len", [v]) => match self.obj(*v) {
                Some(Obj::List(items)) => small(items.len() as i64),
                Some(Obj::Str(s)) => small(s.chars().count() as i64),
                Some(Obj::Map(e)) => small(e.len() as i64),
                _ => return unsupported("len"),
            },
            ("push", [l, v]) => match self.obj_mut(*l) {
                Some(Obj::List(items)) => {
                    items.push(*v);
                    NIL
                }
                _ => return unsupported("push"),
            },
            ("range", [_, ..]) if args.iter().all(|a| a & 1 == 1) && args.len() <= 2 => {
                let (s, e) = match args.as_slice() {
                    [e] => (0, e >> 1),
                    [s, e] => (s >> 1, e >> 1),
                    _ => return unsupported("range"),
                };
                let items = (s..e).map(small).collect();
                self.new_obj(Obj::List(items))
            }
            ("error", _) => return Err(Stop::Error("error")),
            ("assert", [c, ..]) => {
                if (c | 4) == 6 {
                    return Err(Stop::Error("assertion failed"));
                }
                NIL
            }
            ("clone", [v]) => match self.obj(*v) {
                Some(Obj::Object { name, .. }) => {
                    let name = name.clone();
                    self.new_obj(Obj::Object {
                        name,
                        proto: *v,
                        slots: Vec::new(),
                    })
                }
                Some(Obj::List(items)) => {
                    let items = items.clone();
                    self.new_obj(Obj::List(items))
                }
                Some(Obj::Map(_)) => return unsupported("clone map"),
                _ => *v,
            },
            ("proto", [v]) => match self.obj(*v) {
                Some(Obj::Object { proto, .. }) => *proto,
                _ => return unsupported("proto"),
            },
            ("type_of", [v]) => {
                let t = if v & 1 == 1 {
                    "int"
                } else if *v == NIL {
                    "nil"
                } else if *v == TRUE || *v == FALSE {
                    "bool"
                } else if self.is_closure(*v) {
                    "fn"
                } else {
                    match self.obj(*v) {
                        Some(Obj::Int(_)) => "int",
                        Some(Obj::Float(_)) => "float",
                        Some(Obj::Str(_)) => "str",
                        Some(Obj::List(_)) => "list",
                        Some(Obj::Map(_)) => "map",
                        Some(Obj::Object { .. }) => "object",
                        Some(Obj::Builtin(_)) => "fn",
                        None => return unsupported("type_of"),
                    }
                };
                self.new_str(t.to_string())
            }
            ("pop", [l]) => match self.obj_mut(*l) {
                Some(Obj::List(items)) => match items.pop() {
                    Some(v) => v,
                    None => return Err(Stop::Error("index out of range")),
                },
                _ => return unsupported("pop"),
            },
            _ => return unsupported(format!("builtin {name}")),
        })
    }

    fn call(&mut self, id: FnId, args: &[i64]) -> R<i64> {
        let f = &self.program.functions[id.0 as usize];
        assert_eq!(args.len(), f.params as usize, "call of {}", f.name);
        let mut locals = vec![0i64; (f.params + f.locals) as usize];
        locals[..args.len()].copy_from_slice(args);
        match self.block(&f.body, &mut locals)? {
            Flow::Return(v) => Ok(v),
            _ => panic!("{} fell off its end", f.name),
        }
    }

    fn block(&mut self, stmts: &[Stmt], l: &mut Vec<i64>) -> R<Flow> {
        for s in stmts {
            self.steps += 1;
            if self.steps > 20_000_000 {
                return unsupported("too long");
            }
            match s {
                Stmt::Set(i, e) => l[*i as usize] = self.eval(e, l)?,
                Stmt::SetGlobal(g, e) => self.globals[*g as usize] = self.eval(e, l)?,
                Stmt::Store {
                    addr,
                    offset,
                    value,
                } => {
                    let a = self.eval(addr, l)?;
                    let v = self.eval(value, l)?;
                    self.store(a + i64::from(*offset), v)?;
                }
                Stmt::Expr(e) => {
                    let _ = self.eval(e, l)?;
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let body = if self.eval(cond, l)? != 0 {
                        then
                    } else {
                        otherwise
                    };
                    match self.block(body, l)? {
                        Flow::Normal => {}
                        other => return Ok(other),
                    }
                }
                Stmt::Loop(body) => loop {
                    match self.block(body, l)? {
                        Flow::Normal | Flow::Continue(0) => {}
                        Flow::Break(0) => break,
                        Flow::Break(d) => return Ok(Flow::Break(d - 1)),
                        Flow::Continue(d) => return Ok(Flow::Continue(d - 1)),
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                    }
                },
                Stmt::Break(d) => return Ok(Flow::Break(*d)),
                Stmt::Continue(d) => return Ok(Flow::Continue(*d)),
                Stmt::Return(e) => return Ok(Flow::Return(self.eval(e, l)?)),
            }
        }
        Ok(Flow::Normal)
    }

    fn eval(&mut self, e: &Expr, l: &mut Vec<i64>) -> R<i64> {
        Ok(match e {
            Expr::Const(n) => *n,
            Expr::Local(i) => l[*i as usize],
            Expr::Global(g) => self.globals[*g as usize],
            Expr::Load(a, off) => {
                let a = self.eval(a, l)?;
                self.load(a + i64::from(*off))?
            }
            Expr::Bin(op, a, b) => {
                let x = self.eval(a, l)?;
                let y = self.eval(b, l)?;
                match op {
                    BinOp::Add => x.wrapping_add(y),
                    BinOp::Sub => x.wrapping_sub(y),
                    BinOp::Mul => x.wrapping_mul(y),
                    BinOp::DivS => {
                        assert!(y != 0 && !(x == i64::MIN && y == -1), "bad DivS");
                        x / y
                    }
                    BinOp::RemS => {
                        assert!(y != 0 && !(x == i64::MIN && y == -1), "bad RemS");
                        x % y
                    }
                    BinOp::And => x & y,
                    BinOp::Or => x | y,
                    BinOp::Xor => x ^ y,
                    BinOp::Shl => x.wrapping_shl(y as u32),
                    BinOp::ShrS => x.wrapping_shr(y as u32),
                    BinOp::ShrU => ((x as u64).wrapping_shr(y as u32)) as i64,
                    BinOp::Eq => i64::from(x == y),
                    BinOp::Ne => i64::from(x != y),
                    BinOp::LtS => i64::from(x < y),
                    BinOp::LeS => i64::from(x <= y),
                    BinOp::GtS => i64::from(x > y),
                    BinOp::GeS => i64::from(x >= y),
                    BinOp::LtU => i64::from((x as u64) < (y as u64)),
                }
            }
            Expr::CallRt(f, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, l)?);
                }
                self.rt(*f, &vals)?
            }
            Expr::Call(id, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, l)?);
                }
                self.call(*id, &vals)?
            }
            Expr::FnAddr(id) => i64::from(id.0),
            Expr::DataAddr(off) => i64::from(*off),
            Expr::Select(c, a, b) => {
                let c = self.eval(c, l)?;
                let a = self.eval(a, l)?;
                let b = self.eval(b, l)?;
                if c != 0 {
                    a
                } else {
                    b
                }
            }
        })
    }
}

/// Runs a program (on a thread with a large stack: the evaluator recurses per Aura call): its
/// output, and the error kind if it stopped with one.
fn run(src: &str) -> Result<(String, Option<&'static str>), String> {
    let src = src.to_string();
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || run_here(&src))
        .expect("thread")
        .join()
        .expect("no panic")
}

fn run_here(src: &str) -> Result<(String, Option<&'static str>), String> {
    let checked = check_source(src);
    if !checked.is_ok() {
        return Err("audit".into());
    }
    let program = lower(&checked.module, &checked.prelude).map_err(|e| e.to_string())?;
    verify(&program)?;
    let mut vm = Vm::new(&program);
    match vm.call(program.entry, &[]) {
        Ok(_) => {
            assert_eq!(vm.globals[0], 0, "depth back to 0 at the end");
            Ok((vm.out, None))
        }
        Err(Stop::Error(kind)) => Ok((vm.out, Some(kind))),
        Err(Stop::Unsupported(what)) => Err(what),
    }
}

#[test]
fn runs_small_programs() {
    let (out, err) = run(
        "fn fib(n) { if n < 2 { return n } return fib(n - 1) + fib(n - 2) }\nfn main() { print(fib(15), -7 / 2, -7 % 2, 7 % -2, 3 * -4) }\n",
    )
    .expect("runs");
    assert_eq!(err, None);
    assert_eq!(out, "610 -3 -1 1 -12\n");
    let (out, _) = run("fn f(n) { return f(n + 1) }\nfn main() { f(0) }\n").expect("runs");
    assert_eq!(out, "");
    let (_, err) = run("fn f(n) { return f(n + 1) }\nfn main() { f(0) }\n").expect("runs");
    assert_eq!(err, Some("stack overflow"));
    let (out, _) =
        run("fn main() { let x = 4611686018427387903\n print(x - 1, -4611686018427387904 + 1) }\n")
            .expect("runs");
    assert_eq!(out, "4611686018427387902 -4611686018427387903\n");
}

/// Every conformance program the toy runtime can run prints exactly its `.stdout` (and stops
/// with the error kind of its `.error`).
#[test]
fn conformance_programs_run_on_the_toy_runtime() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("conformance dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "aura"))
        .collect();
    paths.sort();
    let mut ran = 0;
    let mut failures = Vec::new();
    for path in &paths {
        let src = std::fs::read_to_string(path).expect("read");
        let Ok(expected) = std::fs::read_to_string(path.with_extension("stdout")) else {
            continue;
        };
        let expected_error = std::fs::read_to_string(path.with_extension("error")).ok();
        let (out, err) = match run(&src) {
            Ok(r) => r,
            Err(why) => {
                if std::env::var_os("SHOW_SKIPPED").is_some() {
                    eprintln!("skipped {}: {why}", path.display());
                }
                continue;
            }
        };
        ran += 1;
        let err_ok = match (&expected_error, err) {
            (None, None) => true,
            (Some(text), Some(kind)) => text.trim() == kind,
            _ => false,
        };
        if out != expected || !err_ok {
            failures.push(format!(
                "{}:\n--- expected\n{expected}{}\n--- got\n{out}{err:?}",
                path.display(),
                expected_error.unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(ran > 30, "only {ran} programs ran");
    eprintln!("{ran} conformance programs ran on the toy runtime");
}

/// The int fast paths against the interpreter, on operands around every boundary they test
/// (tags, 31-bit factors, the small range, i64): each operator on two parameters, and with each
/// edge value as a constant on either side (constant operands change the guards).
#[test]
fn int_fast_paths_match_the_interpreter() {
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(int_fast_paths)
        .expect("thread")
        .join()
        .expect("no panic");
}

fn int_fast_paths() {
    let edges: [i64; 27] = [
        0,
        1,
        -1,
        2,
        63,
        64,
        65,
        -2,
        7,
        -7,
        (1 << 30) - 1,
        1 << 30,
        -(1 << 30),
        -(1 << 30) - 1,
        1 << 31,
        (1 << 62) - 1,
        -(1 << 62),
        1 << 62,
        -(1 << 62) - 1,
        (1 << 61) + 3,
        -(1 << 61),
        i64::MAX,
        i64::MIN + 1,
        i64::MIN,
        3_037_000_499,
        -3_037_000_499,
        -4_611_686_018_427_387_903,
    ];
    let ops = [
        ("add", "+"),
        ("sub", "-"),
        ("mul", "*"),
        ("div", "/"),
        ("rem", "%"),
        ("lt", "<"),
        ("le", "<="),
        ("gt", ">"),
        ("ge", ">="),
        ("eq", "=="),
        ("ne", "!="),
        ("band", "&"),
        ("bor", "|"),
        ("bxor", "^"),
        ("shl", "<<"),
        ("shr", ">>"),
    ];
    let lit = |k: i64| {
        if k == i64::MIN {
            "-9223372036854775808".to_string()
        } else {
            k.to_string()
        }
    };
    let mut src = String::new();
    for (name, op) in ops {
        src.push_str(&format!("fn {name}(a, b) {{ print(a {op} b) }}\n"));
        src.push_str(&format!(
            "fn {name}_not(a, b) {{ print(not (a {op} b)) }}\n"
        ));
        for (i, k) in edges.iter().enumerate() {
            let k = lit(*k);
            src.push_str(&format!("fn {name}_r{i}(a) {{ print(a {op} {k}) }}\n"));
            src.push_str(&format!("fn {name}_l{i}(b) {{ print({k} {op} b) }}\n"));
        }
    }
    let checked = check_source(&src);
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    let program = lower(&checked.module, &checked.prelude).expect("lowers");
    verify(&program).expect("verifies");
    let mut vm = Vm::new(&program);
    if let Err(stop) = vm.call(program.entry, &[]) {
        panic!("initialisation stopped: {stop:?}");
    }

    struct Capture(String);
    impl aura_host_api::Host for Capture {
        fn print(&mut self, line: &str) {
            self.0.push_str(line);
            self.0.push('\n');
        }
        fn capability(
            &mut self,
            _: aura_host_api::CapabilityCall<'_>,
        ) -> Result<aura_host_api::Json, aura_interp::RuntimeError> {
            Err(aura_interp::RuntimeError::new(
                aura_interp::ErrorKind::Type,
                "no capabilities here",
            ))
        }
    }
    let mut host = Capture(String::new());
    let mut interp = aura_interp::Instance::load(
        &checked.module,
        &checked.prelude,
        &aura_interp::Options::default(),
        &mut host,
    )
    .expect("interpreter loads");

    let direct: std::collections::HashMap<&str, FnId> = program
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), FnId(i as u32)))
        .collect();
    let mut mismatches = Vec::new();
    let mut cases = 0;
    let mut check = |vm: &mut Vm, name: String, args: Vec<i64>| {
        cases += 1;
        host.0.clear();
        let values = args.iter().map(|n| aura_interp::Value::Int(*n)).collect();
        let expected = match interp.call(&name, values, &mut host) {
            Ok(_) => Ok(host.0.clone()),
            Err(e) => Err(e.kind.as_str().to_string()),
        };
        let id = direct[format!("f_{name}").as_str()];
        let mut words = vec![NIL, NIL];
        words.extend(args.iter().map(|n| vm.int_value(*n)));
        vm.out.clear();
        let got = match vm.call(id, &words) {
            Ok(_) => Ok(vm.out.clone()),
            Err(Stop::Error(kind)) => Err(kind.to_string()),
            Err(Stop::Unsupported(what)) => panic!("toy cannot run {name}{args:?}: {what}"),
        };
        // An error leaves the depth raised (compiled code does not unwind): reset it.
        vm.globals[0] = 0;
        vm.globals[ARG_STACK_GLOBAL as usize] = 8;
        if got != expected {
            mismatches.push(format!(
                "{name}{args:?}: interpreter {expected:?}, lowered {got:?}"
            ));
        }
    };
    for (name, _) in ops {
        for a in edges {
            for b in edges {
                check(&mut vm, name.to_string(), vec![a, b]);
                check(&mut vm, format!("{name}_not"), vec![a, b]);
            }
        }
        for i in 0..edges.len() {
            for a in edges {
                check(&mut vm, format!("{name}_r{i}"), vec![a]);
                check(&mut vm, format!("{name}_l{i}"), vec![a]);
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(cases > 10_000, "{cases} cases");
}
