/* Values: boxed numbers, strings, lists, maps, objects, closures and their constructors. */
#include "rt_internal.h"

val mk_int(i64 n) {
    if (n >= AURA_SMALL_MIN && n <= AURA_SMALL_MAX) return ((u64)n << 1) | 1;
    Box *b = rt_alloc(sizeof(Box));
    b->hdr = AURA_T_INT;
    b->bits = (u64)n;
    return VAL(b);
}

val mk_float(double d) { return rt_float_lit(bits_of(d)); }

val rt_int_lit(long long n) { return mk_int(n); }

val rt_float_lit(unsigned long long bits) {
    val w = imm_float_word(bits);
    if (w) return w;
    Box *b = rt_alloc(sizeof(Box));
    b->hdr = AURA_T_FLOAT;
    b->bits = bits;
    return VAL(b);
}

/* ---- strings --------------------------------------------------------------------------- */
/* A str of n bytes in a new buffer of cap >= n bytes (one allocation); the caller fills the
 * bytes and calls str_finish. */
Str *str_alloc(u64 n, u64 cap) {
    Str *s = rt_alloc(sizeof(Str) + sizeof(StrBuf) + cap);
    StrBuf *b = (StrBuf *)(s + 1);
    b->cap = cap;
    b->used = n;
    s->hdr = AURA_T_STR | H_BUF;
    s->blen = n;
    s->hash = 0;
    s->data = VAL(b + 1);
    s->cur = 0;
    return s;
}

val str_finish(Str *s) {
    u64 chars = 0;
    int ascii = 1;
    for (u64 i = 0; i < s->blen; i++) {
        u8 c = STRB(s)[i];
        if (c >= 0x80) ascii = 0;
        if ((c & 0xc0) != 0x80) chars++;
    }
    s->clen = chars;
    if (ascii) s->hdr |= H_ASCII;
    return VAL(s);
}

val str_new(const u8 *p, u64 n) {
    Str *s = str_alloc(n, n);
    memcpy(STRB(s), p, (uptr)n);
    return str_finish(s);
}

val str_cstr(const char *c) {
    u64 n = 0;
    while (c[n]) n++;
    return str_new((const u8 *)c, n);
}

val str_from_sb(Sb *b) { return str_new(b->p, b->len); }

/* A literal's bytes stay where the program's data has them: no copy. */
val rt_str_lit(unsigned long long addr, unsigned long long len) {
    Str *s = rt_alloc(sizeof(Str));
    s->hdr = AURA_T_STR;
    s->blen = len;
    s->hash = 0;
    s->data = addr;
    s->cur = 0;
    return str_finish(s);
}

int str_eq(val a, val b) {
    if (a == b) return 1;
    Str *x = AS_STR(a), *y = AS_STR(b);
    if (x->blen != y->blen) return 0;
    if (x->hash && y->hash && x->hash != y->hash) return 0;
    return memcmp(STRB(x), STRB(y), (uptr)x->blen) == 0;
}

u64 str_hash(val v) {
    Str *s = AS_STR(v);
    if (s->hash) return s->hash;
    u64 h = 14695981039346656037ULL;
    for (u64 i = 0; i < s->blen; i++) {
        h ^= STRB(s)[i];
        h *= 1099511628211ULL;
    }
    if (h == 0) h = 1;
    s->hash = h;
    return h;
}

/* ---- lists ----------------------------------------------------------------------------- */
val list_new(u64 cap) {
    List *l = rt_alloc(sizeof(List));
    l->hdr = AURA_T_LIST;
    l->len = 0;
    l->cap = cap;
    l->items = cap ? (u64)(uptr)rt_alloc(cap * 8) : 0;
    return VAL(l);
}

void list_push(val lv, val v) {
    List *l = AS_LIST(lv);
    if (l->len == l->cap) {
        u64 cap = l->cap ? l->cap * 2 : 4;
        val *items = rt_alloc(cap * 8);
        if (l->len) memcpy(items, ITEMS(l), (uptr)(l->len * 8));
        l->items = (u64)(uptr)items;
        l->cap = cap;
    }
    ITEMS(l)[l->len++] = v;
}

val rt_list_new(unsigned long long argc, unsigned long long argv) {
    val l = list_new(argc);
    if (argc) memcpy(ITEMS(AS_LIST(l)), PTR(argv), (uptr)(argc * 8));
    AS_LIST(l)->len = argc;
    return l;
}

/* ---- maps ------------------------------------------------------------------------------ */
val map_new(u64 cap) {
    Map *m = rt_alloc(sizeof(Map));
    m->hdr = AURA_T_MAP;
    m->count = m->used = 0;
    m->cap = cap;
    m->ents = cap ? (u64)(uptr)rt_alloc(cap * 16) : 0;
    m->idx = 0;
    m->icap = 0;
    return VAL(m);
}

val rt_map_new(void) { return map_new(0); }

static void map_reindex(Map *m, u64 icap) {
    u32 *idx = rt_alloc(icap * 4);
    memset(idx, 0, (uptr)(icap * 4));
    val *ents = PTR(m->ents);
    for (u64 i = 0; i < m->used; i++) {
        if (!ents[2 * i]) continue;
        u64 h = str_hash(ents[2 * i]) & (icap - 1);
        while (idx[h]) h = (h + 1) & (icap - 1);
        idx[h] = (u32)(i + 1);
    }
    m->idx = (u64)(uptr)idx;
    m->icap = icap;
}

i64 map_find(val mv, val key) {
    Map *m = AS_MAP(mv);
    if (m->count == 0) return -1;
    val *ents = PTR(m->ents);
    if (!m->icap) {
        /* Small maps have no index: a linear scan. */
        for (u64 i = 0; i < m->used; i++)
            if (ents[2 * i] && str_eq(ents[2 * i], key)) return (i64)i;
        return -1;
    }
    u32 *idx = PTR(m->idx);
    u64 mask = m->icap - 1;
    u64 h = str_hash(key) & mask;
    while (idx[h]) {
        u64 e = idx[h] - 1;
        if (ents[2 * e] && str_eq(ents[2 * e], key)) return (i64)e;
        h = (h + 1) & mask;
    }
    return -1;
}

val map_get(val m, val key, int *found) {
    i64 i = map_find(m, key);
    *found = i >= 0;
    return i >= 0 ? MAP_VAL(m, i) : AURA_NIL;
}

#define SMALL_MAP 8

void map_put(val mv, val key, val v) {
    i64 i = map_find(mv, key);
    if (i >= 0) {
        MAP_VAL(mv, i) = v;
        return;
    }
    Map *m = AS_MAP(mv);
    if (m->used == m->cap) {
        if (m->count < m->used / 2) {
            /* Many removed entries: compact in place, keeping the order. */
            val *ents = PTR(m->ents);
            u64 j = 0;
            for (u64 k = 0; k < m->used; k++) {
                if (!ents[2 * k]) continue;
                ents[2 * j] = ents[2 * k];
                ents[2 * j + 1] = ents[2 * k + 1];
                j++;
            }
            m->used = j;
        } else {
            u64 cap = m->cap ? m->cap * 2 : 4;
            val *ents = rt_alloc(cap * 16);
            if (m->used) memcpy(ents, PTR(m->ents), (uptr)(m->used * 16));
            m->ents = (u64)(uptr)ents;
            m->cap = cap;
        }
        if (m->icap) map_reindex(m, m->icap);
    }
    u64 e = m->used++;
    val *ents = PTR(m->ents);
    ents[2 * e] = key;
    ents[2 * e + 1] = v;
    m->count++;
    if (m->used > SMALL_MAP) {
        if (m->used * 2 > m->icap) {
            u64 icap = m->icap ? m->icap : 16;
            while (m->used * 2 > icap) icap *= 2;
            map_reindex(m, icap);
        } else {
            u32 *idx = PTR(m->idx);
            u64 h = str_hash(key) & (m->icap - 1);
            while (idx[h]) h = (h + 1) & (m->icap - 1);
            idx[h] = (u32)(e + 1);
        }
    }
}

val map_remove(val mv, val key, int *found) {
    i64 i = map_find(mv, key);
    *found = i >= 0;
    if (i < 0) return AURA_NIL;
    val v = MAP_VAL(mv, i);
    /* The entry stays as a hole (key 0) so the order of the others is kept; the index slot
     * keeps pointing at it and lookups step over it. */
    MAP_KEY(mv, i) = 0;
    MAP_VAL(mv, i) = 0;
    AS_MAP(mv)->count--;
    return v;
}

val rt_map_put(val map, val key, val v) {
    map_put(map, key, v);
    return AURA_NIL;
}

/* ---- objects --------------------------------------------------------------------------- */
val rt_object_new(val name, val proto) {
    Obj *o = rt_alloc(sizeof(Obj));
    o->hdr = AURA_T_OBJECT;
    o->name = name;
    o->proto = proto;
    o->slots = map_new(0);
    obj_register(name, VAL(o));
    return VAL(o);
}

val rt_set_proto(val object, val proto) {
    if (is_obj(object)) AS_OBJ(object)->proto = proto;
    return AURA_NIL;
}

val obj_lookup(val o, val key, int *found) {
    while (is_obj(o)) {
        i64 i = map_find(AS_OBJ(o)->slots, key);
        if (i >= 0) {
            *found = 1;
            return MAP_VAL(AS_OBJ(o)->slots, i);
        }
        o = AS_OBJ(o)->proto;
    }
    *found = 0;
    return AURA_NIL;
}

const u8 *obj_display_name(val o, u64 *len) {
    while (is_obj(o)) {
        val n = AS_OBJ(o)->name;
        if (is_str(n)) {
            *len = AS_STR(n)->blen;
            return STRB(AS_STR(n));
        }
        o = AS_OBJ(o)->proto;
    }
    *len = 6;
    return (const u8 *)"object";
}

/* ---- functions and cells --------------------------------------------------------------- */
val rt_closure_new(unsigned long long code, long long arity, val name,
                   unsigned long long ncaptures) {
    Fn *f = rt_alloc(sizeof(Fn) + 8 * ncaptures);
    f->hdr = AURA_T_FN;
    f->code = code;
    f->arity = arity;
    f->name = name;
    f->ncap = ncaptures;
    for (u64 i = 0; i < ncaptures; i++) f->caps[i] = AURA_NIL;
    return VAL(f);
}

val rt_cell_new(val v) {
    Cell *c = rt_alloc(sizeof(Cell));
    c->hdr = AURA_T_CELL;
    c->v = v;
    return VAL(c);
}
