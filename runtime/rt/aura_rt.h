/* The Aura runtime: the functions compiled Aura code calls (compiler/lir/src/runtime.rs is the
 * one table; this header declares the same list) and the symbols the runtime itself needs from
 * its host (spec/abi.md). Freestanding C: no libc, compiled with clang for wasm32 and with the
 * system cc for x86-64.
 *
 * Every parameter and result of an rt_* function is one 64-bit word: a tagged value (`val`) or a
 * raw integer / address (`unsigned long long`, `long long`). */
#ifndef AURA_RT_H
#define AURA_RT_H

typedef unsigned long long val;

/* Immediate values. Small ints are (n << 1) | 1 for -2^62 <= n < 2^62. */
#define AURA_NIL 2ULL
#define AURA_FALSE 6ULL
#define AURA_TRUE 10ULL
#define AURA_SMALL_MIN (-(1LL << 62))
#define AURA_SMALL_MAX ((1LL << 62) - 1)

/* Heap object types: the low byte of every object's 8-byte header. */
enum {
    AURA_T_INT = 1, /* boxed int: +8 the i64 */
    AURA_T_FLOAT = 2, /* +8 the f64 */
    AURA_T_STR = 3,
    AURA_T_LIST = 4,
    AURA_T_MAP = 5,
    AURA_T_OBJECT = 6,
    AURA_T_FN = 7, /* +8 code, +16 arity, +24 name, +32 ncaptures / builtin index, +40 cells */
    AURA_T_CELL = 8, /* +8 the value */
    AURA_T_CAP = 9   /* a capability as a value (`let s = store`): +8 its name (str) */
};

/* Error kinds passed to aura_fail (spec/abi.md). */
enum {
    AURA_E_TYPE = 0,
    AURA_E_DIV_ZERO = 1,
    AURA_E_OVERFLOW = 2,
    AURA_E_INDEX = 3,
    AURA_E_DNU = 4,
    AURA_E_STACK = 5,
    AURA_E_MEMORY = 6,
    AURA_E_FUEL = 7,
    AURA_E_ASSERT = 8,
    AURA_E_JSON = 9,
    AURA_E_ERROR = 10
};

#ifdef __wasm__
#define AURA_IMPORT(name) __attribute__((import_module("aura"), import_name(#name)))
#else
#define AURA_IMPORT(name)
#endif

/* ---- provided by the host --------------------------------------------------------------
 * Pointers and lengths are native words: i32 on wasm32, 64-bit on x86-64. */
AURA_IMPORT(aura_write) void aura_write(int stream, const unsigned char *ptr, unsigned long len);
AURA_IMPORT(aura_fail)
__attribute__((noreturn)) void aura_fail(int kind, const unsigned char *ptr, unsigned long len);
/* A capability call: JSON request in, JSON response written to resp[0..resp_cap). Returns the
 * response's full length; when it exceeds resp_cap the runtime calls again with a larger buffer. */
AURA_IMPORT(aura_cap_store)
long long aura_cap_store(const unsigned char *req, unsigned long req_len, unsigned char *resp,
                         unsigned long resp_cap);
AURA_IMPORT(aura_cap_log)
long long aura_cap_log(const unsigned char *req, unsigned long req_len, unsigned char *resp,
                       unsigned long resp_cap);
AURA_IMPORT(aura_cap_clock)
long long aura_cap_clock(const unsigned char *req, unsigned long req_len, unsigned char *resp,
                         unsigned long resp_cap);
#ifndef __wasm__
/* The memory region of the heap (native only; wasm grows its linear memory). */
extern unsigned char *aura_heap_base;
extern unsigned long long aura_heap_size;
#endif

#define AURA_API __attribute__((visibility("default")))

/* ---- lifecycle ------------------------------------------------------------------------- */
AURA_API val rt_start(unsigned long long heap_start);
AURA_API unsigned long long rt_arg_stack(void);
AURA_API unsigned long long rt_max_depth(void);
AURA_API void rt_set_max_depth(long long n);
AURA_API val rt_finish(void);
AURA_API __attribute__((noreturn)) val rt_stack_overflow(void);
AURA_API __attribute__((noreturn)) val rt_arity_error(val fn, unsigned long long argc);

/* ---- the collector (spec/abi.md, "Memory model") --------------------------------------- */
/* Registers the module's hook: a generic entry (code word) the runtime calls, with no arguments,
 * when a collection becomes due (at once if one already is); it raises the flag compiled code
 * polls at its safepoints. */
AURA_API val rt_gc_hook(unsigned long long code);
/* Collects; roots: the shadow stack below shadow_top, the argument stack below arg_top, the
 * runtime's own. */
AURA_API val rt_gc_collect(unsigned long long shadow_top, unsigned long long arg_top);
/* The shadow stack: its base and its end. */
AURA_API unsigned long long rt_shadow_stack(void);
AURA_API unsigned long long rt_shadow_limit(void);
/* Called by hosts: the cap on the live heap after a collection (--max-memory; 0: none). */
AURA_API void rt_set_max_memory(long long n);
/* Called by hosts (tests): collect once n bytes were allocated since the last collection, or as
 * much as was live after it if that is more (0: the default, 4 MiB). AURA_GC_TRIGGER. */
AURA_API void rt_set_gc_trigger(long long n);
/* 0 collections so far, 1 live bytes after the last, 2 bytes of pages, 3 bytes since the last. */
AURA_API unsigned long long rt_gc_stat(long long which);

/* ---- constructors ---------------------------------------------------------------------- */
AURA_API val rt_str_lit(unsigned long long addr, unsigned long long len);
AURA_API val rt_float_lit(unsigned long long bits);
AURA_API val rt_int_lit(long long n);
AURA_API val rt_list_new(unsigned long long argc, unsigned long long argv);
AURA_API val rt_map_new(void);
AURA_API val rt_map_put(val map, val key, val v);
AURA_API val rt_closure_new(unsigned long long code, long long arity, val name,
                            unsigned long long ncaptures);
AURA_API val rt_cell_new(val v);
AURA_API val rt_object_new(val name, val proto);
AURA_API val rt_set_proto(val object, val proto);
AURA_API val rt_builtin_fn(unsigned long long index);

/* ---- operators ------------------------------------------------------------------------- */
AURA_API val rt_add(val a, val b);
AURA_API val rt_sub(val a, val b);
AURA_API val rt_mul(val a, val b);
AURA_API val rt_div(val a, val b);
AURA_API val rt_mod(val a, val b);
AURA_API val rt_neg(val a);
AURA_API val rt_eq(val a, val b);
AURA_API val rt_ne(val a, val b);
AURA_API val rt_lt(val a, val b);
AURA_API val rt_le(val a, val b);
AURA_API val rt_gt(val a, val b);
AURA_API val rt_ge(val a, val b);

/* ---- bit operators (bits.c) ------------------------------------------------------------ */
AURA_API val rt_bitand(val a, val b);
AURA_API val rt_bitor(val a, val b);
AURA_API val rt_bitxor(val a, val b);
AURA_API val rt_bitnot(val a);
AURA_API val rt_shl(val a, val b);
AURA_API val rt_shr(val a, val b);

/* ---- access ---------------------------------------------------------------------------- */
AURA_API val rt_index(val container, val key);
AURA_API val rt_index_set(val container, val key, val v);
AURA_API val rt_field(val v, val name);
AURA_API val rt_field_set(val v, val name, val x);

/* ---- calls ----------------------------------------------------------------------------- */
/* A code word is called as ((val (*)(val env, val self, val argc, val argv))code)(...). */
typedef val (*aura_entry)(val env, val self, val argc, val argv);
AURA_API val rt_call(val fn, val self, unsigned long long argc, unsigned long long argv);
AURA_API val rt_send(val receiver, val name, unsigned long long argc, unsigned long long argv);
/* rt_capability(cap, method, argc, argv) calls the host; with method nil it returns the
 * capability itself as a value (prints `<object store>`, type `object`, sends call the host). */
AURA_API val rt_capability(val cap, val method, unsigned long long argc, unsigned long long argv);

/* ---- errors a program handles ---------------------------------------------------------- */
/* rt_try(body, self) calls the closure `body` with `self` and no arguments; it returns what the
 * body returned, or, when a catchable error ended it, the map {"kind", "message", "value"}. */
AURA_API val rt_try(val body, val self);
#ifdef __wasm__
/* The host calls the export rt_call(body, self, 0, 0) and returns its result, or 0 when the call
 * trapped in aura_fail with a catchable kind (every kind but stack overflow, out of memory and
 * out of fuel); other traps go on. */
AURA_IMPORT(aura_try) val aura_try(val body, val self);
#endif

/* ---- for loops ------------------------------------------------------------------------- */
AURA_API val rt_iter(val v);
AURA_API unsigned long long rt_iter_len(val list);
AURA_API val rt_iter_get(val list, unsigned long long index);
AURA_API val rt_range_arg(val v);

/* ---- message ABI (spec/abi.md): called by the host after aura_init, not by compiled code --- */
/* Room for a request of len bytes in the heap; returns its address. */
AURA_API unsigned long long rt_input(unsigned long long len);
/* Sends the JSON request at ptr[0..len) ({"target","method","args","state"}) and returns
 * (reply address << 32) | reply length; the reply is {"result","changed","state"}. */
AURA_API unsigned long long rt_message(unsigned long long ptr, unsigned long long len);

/* ---- builtins (aura_uast::BUILTINS, same order): rt_b_NAME(argc, argv) ------------------ */
#define AURA_BUILTINS(X)                                                                       \
    X(print, 0, -1)                                                                            \
    X(str, 1, 1)                                                                               \
    X(int, 1, 1)                                                                               \
    X(float, 1, 1)                                                                             \
    X(type_of, 1, 1)                                                                           \
    X(len, 1, 1)                                                                               \
    X(push, 2, 2)                                                                              \
    X(pop, 1, 1)                                                                               \
    X(keys, 1, 1)                                                                              \
    X(has, 2, 2)                                                                               \
    X(remove, 2, 2)                                                                            \
    X(slice, 2, 3)                                                                             \
    X(split, 1, 2)                                                                             \
    X(join, 1, 2)                                                                              \
    X(upper, 1, 1)                                                                             \
    X(lower, 1, 1)                                                                             \
    X(trim, 1, 1)                                                                              \
    X(find, 2, 2)                                                                              \
    X(range, 1, 3)                                                                             \
    X(min, 1, -1)                                                                              \
    X(max, 1, -1)                                                                              \
    X(floor, 1, 1)                                                                             \
    X(sqrt, 1, 1)                                                                              \
    X(clone, 1, 1)                                                                             \
    X(proto, 1, 1)                                                                             \
    X(slots, 1, 1)                                                                             \
    X(assert, 1, 2)                                                                            \
    X(error, 1, 1)                                                                             \
    X(json_encode, 1, 1)                                                                       \
    X(json_decode, 1, 1)                                                                       \
    X(sha256, 1, 1)                                                                            \
    X(__type_error, 1, 1)

#define AURA_DECLARE_BUILTIN(name, min, max) AURA_API val rt_b_##name(val argc, val argv);
AURA_BUILTINS(AURA_DECLARE_BUILTIN)
#undef AURA_DECLARE_BUILTIN

#endif
