/* Private to the runtime: object layouts, helpers shared by the .c files. */
#ifndef AURA_RT_INTERNAL_H
#define AURA_RT_INTERNAL_H

#include "aura_rt.h"
#include "num.h"

/* Internal functions are global on native (one object per .c file): give them a prefix so
 * they cannot clash with the symbols of whatever the runtime is linked with. */
#define caps_reset aura_rt__caps_reset
#define out_write aura_rt__out_write
#define out_flush aura_rt__out_flush
#define sb_reserve aura_rt__sb_reserve
#define sb_bytes aura_rt__sb_bytes
#define sb_cstr aura_rt__sb_cstr
#define sb_byte aura_rt__sb_byte
#define sb_int aura_rt__sb_int
#define sb_float aura_rt__sb_float
#define sb_strv aura_rt__sb_strv
#define sb_json_str aura_rt__sb_json_str
#define scratch aura_rt__scratch
#define err_begin aura_rt__err_begin
#define err_raise aura_rt__err_raise
#define type_name aura_rt__type_name
#define type_error2 aura_rt__type_error2
#define mk_int aura_rt__mk_int
#define mk_float aura_rt__mk_float
#define str_new aura_rt__str_new
#define str_alloc aura_rt__str_alloc
#define str_finish aura_rt__str_finish
#define str_cstr aura_rt__str_cstr
#define str_from_sb aura_rt__str_from_sb
#define str_eq aura_rt__str_eq
#define str_hash aura_rt__str_hash
#define list_new aura_rt__list_new
#define list_push aura_rt__list_push
#define map_new aura_rt__map_new
#define map_find aura_rt__map_find
#define map_get aura_rt__map_get
#define map_put aura_rt__map_put
#define map_remove aura_rt__map_remove
#define obj_lookup aura_rt__obj_lookup
#define obj_display_name aura_rt__obj_display_name
#define sb_did_you_mean aura_rt__sb_did_you_mean
#define is_builtin_fn aura_rt__is_builtin_fn
#define write_value aura_rt__write_value
#define json_encode aura_rt__json_encode
#define json_decode aura_rt__json_decode
#define position aura_rt__position
#define str_offset aura_rt__str_offset
#define utf8_len aura_rt__utf8_len
#define ops_reset aura_rt__ops_reset
#define builtins_reset aura_rt__builtins_reset
#define parse_f64 aura_rt__parse_f64
#define obj_register aura_rt__obj_register
#define objects_reset aura_rt__objects_reset
#define gc_init aura_rt__gc_init
#define gc_perm aura_rt__gc_perm
#define gc_set_stacks aura_rt__gc_set_stacks
#define gc_start_pages aura_rt__gc_start_pages
#define gc_add_root aura_rt__gc_add_root
#define gc_add_raw_root aura_rt__gc_add_raw_root
#define gc_raw_roots aura_rt__gc_raw_roots
#define gc_drop_raw_roots aura_rt__gc_drop_raw_roots
#define gc_out_of_memory aura_rt__gc_out_of_memory
#define err_kind_name aura_rt__err_kind_name
#define err_set_value aura_rt__err_set_value

typedef unsigned long long u64;
typedef long long i64;
typedef unsigned int u32;
typedef unsigned char u8;
/* A pointer-sized unsigned integer: 32-bit on wasm32, 64-bit on x86-64. */
typedef unsigned long uptr;

#define PTR(v) ((void *)(uptr)(v))
#define VAL(p) ((val)(uptr)(p))

/* Header: low byte the type; bit 8 of a str: all ASCII; bit 9: being visited (cycle checks);
 * bit 10 of a str: its bytes are in a StrBuf (else they are literal data, never written). */
#define H_ASCII 0x100ULL
#define H_VISIT 0x200ULL
#define H_BUF 0x400ULL
#define H_IDX 0x800ULL /* a str whose `cur` is the address of its code-point index (StrIdx) */

typedef struct {
    u64 hdr;
    u64 bits;
} Box;
typedef struct {
    u64 hdr;
    u64 blen; /* bytes */
    u64 clen; /* code points */
    u64 hash; /* 0 until computed */
    u64 data; /* address of the UTF-8 bytes */
    u64 cur;  /* last position indexed: code point << 32 | byte offset (0: the start);
               * with H_IDX, the address of the str's StrIdx, which holds it */
} Str;
/* The code-point index of a long non-ASCII str (ops.c, str_offset): the cursor, then the byte
 * offset of every 64th code point. */
typedef struct {
    u64 cur;
    u32 off[];
} StrIdx;
/* The growable buffer behind a str built at run time; the bytes follow it. Every str over one
 * buffer is a prefix of its bytes; the one whose length is `used` may be extended in place by
 * `+` (a new str of the longer length over the same buffer), so `s = s + x` is linear. */
typedef struct {
    u64 cap;
    u64 used;
} StrBuf;
#define STRB(s) ((u8 *)PTR((s)->data))
#define STRBUF(s) ((StrBuf *)PTR((s)->data) - 1)
typedef struct {
    u64 hdr;
    u64 len;
    u64 cap;
    u64 items; /* address of cap words */
} List;
/* Insertion ordered: entries (key, value) in order, a removed entry has key 0; an open
 * addressing index of u32 (entry index + 1, 0 empty) over the entries, power-of-two size. */
typedef struct {
    u64 hdr;
    u64 count; /* live entries */
    u64 used;  /* entries used, removed ones included */
    u64 cap;
    u64 ents;
    u64 idx;
    u64 icap;
} Map;
typedef struct {
    u64 hdr;
    val name;  /* str or nil */
    val proto; /* object or nil */
    val slots; /* map */
} Obj;
typedef struct {
    u64 hdr;
    u64 code;
    i64 arity;
    val name;
    u64 ncap;
    val caps[];
} Fn;
typedef struct {
    u64 hdr;
    val v;
} Cell;

#define AS_STR(v) ((Str *)PTR(v))
#define AS_LIST(v) ((List *)PTR(v))
#define AS_MAP(v) ((Map *)PTR(v))
#define AS_OBJ(v) ((Obj *)PTR(v))
#define AS_FN(v) ((Fn *)PTR(v))
#define AS_BOX(v) ((Box *)PTR(v))
#define ITEMS(l) ((val *)PTR((l)->items))

static inline int is_heap(val v) { return v != 0 && (v & 7) == 0; }
/* Immediate floats (spec/abi.md, "Values"): a float whose magnitude lies in [2^-127, 2^129),
 * and +-0.0, is held in the word itself, w = rotl(bits + IMM_FLOAT_OFFSET, 4): the offset moves
 * that exponent range to the biased exponents 0x400..0x4ff, so the word's low three bits are
 * 100 -- a pattern no int, pointer or constant has. Words 4 and 12 (which would be +-2^-127)
 * stand for +0.0 and -0.0; every other float is boxed. The encoding is canonical: a float that
 * fits is never boxed. */
#define IMM_FLOAT_OFFSET (0x080ull << 52)
static inline int is_imm_float(val v) { return (v & 7) == 4; }
static inline val imm_float_word(u64 bits) { /* 0 when the float does not fit */
    if ((bits << 1) == 0) return bits ? 12 : 4;
    u64 t = bits + IMM_FLOAT_OFFSET;
    val w = (t << 4) | (t >> 60);
    return (w & 7) == 4 && (w & ~8ull) != 4 ? w : 0;
}
static inline u64 imm_float_bits(val w) {
    if ((w & ~8ull) == 4) return (w & 8) << 60;
    return ((w >> 4) | (w << 60)) - IMM_FLOAT_OFFSET;
}
static inline int htype(val v) {
    return is_heap(v) ? (int)(*(u64 *)PTR(v) & 0xff) : is_imm_float(v) ? AURA_T_FLOAT : 0;
}
static inline int is_small(val v) { return (int)(v & 1); }
static inline i64 small_of(val v) { return (i64)v >> 1; }
static inline int is_str(val v) { return htype(v) == AURA_T_STR; }
static inline int is_list(val v) { return htype(v) == AURA_T_LIST; }
static inline int is_map(val v) { return htype(v) == AURA_T_MAP; }
static inline int is_obj(val v) { return htype(v) == AURA_T_OBJECT; }
static inline int is_fn(val v) { return htype(v) == AURA_T_FN; }
static inline int is_float(val v) { return htype(v) == AURA_T_FLOAT; }
static inline int is_int(val v) { return is_small(v) || htype(v) == AURA_T_INT; }
static inline int truthy(val v) { return (v | 4) != 6; }
static inline val mkbool(int b) { return b ? AURA_TRUE : AURA_FALSE; }
static inline i64 int_of(val v) { return is_small(v) ? small_of(v) : (i64)AS_BOX(v)->bits; }
static inline double float_of(val v) {
    union {
        u64 i;
        double d;
    } u;
    u.i = is_imm_float(v) ? imm_float_bits(v) : AS_BOX(v)->bits;
    return u.d;
}
static inline u64 bits_of(double d) {
    union {
        u64 i;
        double d;
    } u;
    u.d = d;
    return u.i;
}

/* gc.c: the heap. rt_alloc never collects (compiled code calls rt_gc_collect at safepoints);
 * memory it returns is not zeroed. */
void *rt_alloc(u64 n);
void gc_init(u64 heap_start);
void *gc_perm(u64 n); /* permanent memory, only inside rt_start before gc_start_pages */
void gc_set_stacks(u64 shadow, u64 shadow_bytes, u64 args);
void gc_start_pages(void);
/* Roots of the runtime: n values at p (statics), or a static pointer into the heap. */
/* Errors: the spelling of a kind, and the value of the `error(v)` about to be raised. */
const char *err_kind_name(int kind);
void err_set_value(val v);
void gc_add_root(val *p, u64 n);
void gc_add_raw_root(void **p);
/* Raw roots pushed for a while (a runtime function that calls compiled code): the count to
 * return to with gc_drop_raw_roots. */
int gc_raw_roots(void);
void gc_drop_raw_roots(int n);
__attribute__((noreturn)) void gc_out_of_memory(void);

/* memory.c */
void *memcpy(void *d, const void *s, uptr n);
void *memset(void *d, int c, uptr n);
void *memmove(void *d, const void *s, uptr n);
int memcmp(const void *a, const void *b, uptr n);
void out_write(const u8 *p, u64 n);
void out_flush(void);

/* A growable byte buffer in the heap (reclaimed by the collector once unreachable). */
typedef struct {
    u8 *p;
    u64 len, cap;
} Sb;
void sb_reserve(Sb *b, u64 more);
void sb_bytes(Sb *b, const void *p, u64 n);
void sb_cstr(Sb *b, const char *s);
void sb_byte(Sb *b, u8 c);
void sb_int(Sb *b, i64 n);
void sb_float(Sb *b, double x);
void sb_strv(Sb *b, val s); /* the bytes of a str value */
void sb_json_str(Sb *b, const u8 *p, u64 n);
/* The scratch buffer for temporary text (reset by each user). */
Sb *scratch(void);

/* Errors: build the message with err_* then raise. */
Sb *err_begin(void);
__attribute__((noreturn)) void err_raise(int kind);
__attribute__((noreturn)) void rt_error(int kind, const char *msg);
const char *type_name(val v);
__attribute__((noreturn)) void type_error2(const char *a, const char *b, const char *c);

/* values.c */
val mk_int(i64 n);
val mk_float(double d);
val str_new(const u8 *p, u64 n);
Str *str_alloc(u64 n, u64 cap); /* bytes to fill, then str_finish */
val str_finish(Str *s);
val str_cstr(const char *s);
val str_from_sb(Sb *b);
int str_eq(val a, val b);
u64 str_hash(val s);
val list_new(u64 cap);
void list_push(val l, val v);
val map_new(u64 cap);
i64 map_find(val m, val key); /* entry index or -1 */
val map_get(val m, val key, int *found);
void map_put(val m, val key, val v);
val map_remove(val m, val key, int *found);
val obj_lookup(val o, val key, int *found);
const u8 *obj_display_name(val o, u64 *len);

/* suggest.c: appends ", did you mean `M`?" when a method of the receiver is close to `name` */
void sb_did_you_mean(Sb *e, val receiver, val name);
#define MAP_KEY(m, i) (((val *)PTR(AS_MAP(m)->ents))[2 * (i)])
#define MAP_VAL(m, i) (((val *)PTR(AS_MAP(m)->ents))[2 * (i) + 1])
int is_builtin_fn(val f);

/* print.c */
void write_value(Sb *b, val v); /* str(v) */
#define MAX_NEST 10000

/* json.c */
val json_encode(val v);
val json_decode(const u8 *p, u64 n);
void caps_reset(void);

/* message.c: the registry of named objects (rt_object_new registers, rt_start resets) */
void obj_register(val name, val object);
void objects_reset(void);

/* numbers */
double rt_floor(double x);
double rt_trunc(double x);
double rt_sqrt(double x);
double rt_fmod(double x, double y);

#endif
