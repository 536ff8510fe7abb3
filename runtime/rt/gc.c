/* The heap and its collector (spec/abi.md, "Memory model"): a non-moving mark-sweep collector
 * over 64 KiB pages. Small blocks (up to 32 KiB) come from pages of one size class each, with a
 * free list per class; larger blocks take whole pages. A page's mark bytes sit at its start
 * (one per slot); a free slot has FREE_TAG as its first word and the next free slot as its second.
 *
 * rt_alloc never collects: it counts the bytes it hands out and, past a threshold, sets
 * rt_gc_wanted and calls the compiled module's hook (rt_gc_hook), which raises the module's own
 * flag; compiled code polls that flag at its safepoints (function entry, loop iterations that
 * may call) and calls rt_gc_collect with the tops of its shadow stack and of the argument stack, so no runtime
 * function ever sees memory freed under it. Roots: the shadow stack (every compiled frame's
 * value locals, and the LIR globals pushed by the collecting function), the argument stack (both
 * scanned conservatively: a word counts only if it is the start of a live block holding an
 * object), and the runtime's own roots (gc_add_root, gc_add_raw_root). */
#include "rt_internal.h"

#define PAGE 65536ULL
#define PAGE_SHIFT 16
#define FREE_TAG 0xffULL

enum { PK_FREE = 0, PK_SMALL = 1, PK_LARGE = 2, PK_TAIL = 3, PK_SYS = 4 };
#define PK(k, n) (((u32)(k) << 24) | (u32)(n))
#define PKIND(w) ((w) >> 24)
#define PARG(w) ((w)&0xffffffu)

/* Size classes (bytes, multiples of 8); a block larger than the last is a large block. */
static const u32 CLASS_SIZE[] = {16,   24,   32,   48,   64,    80,    96,    128,   160,  192, 256,
                                 320,  384,  512,  640,  768,   1024,  1280,  1536,  2048, 2560,
                                 3072, 4096, 5120, 6144, 8192,  10920, 13104, 16376, 21840, 32760};
#define NCLASS ((int)(sizeof CLASS_SIZE / sizeof CLASS_SIZE[0]))
#define MAX_SMALL 32760ULL
/* A large block's page starts with its header: the mark word, then the block's size. */
#define LARGE_HDR 16ULL

static u32 class_slots[NCLASS]; /* slots per page */
static u32 class_first[NCLASS]; /* offset of slot 0 in its page (after the mark bytes) */
static u8 class_of8[129]; /* the class of n <= 1024 bytes, by (n + 7) / 8 */

static u64 *free_list[NCLASS];
static u64 perm_ptr;  /* permanent allocations (arg stack, shadow stack, page map) */
static u64 heap_lo;   /* first page */
static u64 heap_top;  /* end of the pages handed out so far */
static u64 heap_end;  /* end of the memory available now */
static u64 heap_max;  /* end of the memory that may ever be available */
static u32 *page_map; /* one word per page from heap_lo */
static u64 free_runs; /* free page runs: at a run's start, {pages, next run} */

static u64 since;            /* bytes handed out since the last collection */
static u64 trigger;          /* a collection is wanted once `since` passes this */
static u64 live;             /* bytes live after the last collection */
static u64 max_live = ~0ULL; /* --max-memory */
static u64 min_trigger;      /* the smallest trigger (rt_set_gc_trigger; 0: MIN_TRIGGER) */
static u64 collections;
static u64 rt_gc_wanted;
static u64 gc_hook; /* the compiled module's generic entry that raises its flag (0: none yet) */

#define MIN_TRIGGER (4ULL << 20)

/* ---- raw memory ------------------------------------------------------------------------ */
__attribute__((noreturn)) void gc_out_of_memory(void) {
    rt_error(AURA_E_MEMORY, "the program used more memory than allowed");
}

#ifdef __wasm__
extern unsigned char __heap_base;
#define WASM_MAX 0x100000000ULL

/* Makes [.., need) addressable; 0 when memory.grow is refused. */
static int mem_grow(u64 need) {
    u64 have = (u64)__builtin_wasm_memory_size(0) * 65536;
    if (need <= have) {
        heap_end = have;
        return 1;
    }
    if (need > WASM_MAX) return 0;
    u64 pages = (need - have + 65535) / 65536;
    /* Grow by at least a quarter of the memory so a long run does not grow page by page. */
    u64 extra = have / 4 / 65536;
    if (have + extra * 65536 > WASM_MAX) extra = 0;
    if (extra > pages && __builtin_wasm_memory_grow(0, (uptr)extra) != (uptr)-1) {
        heap_end = (u64)__builtin_wasm_memory_size(0) * 65536;
        return 1;
    }
    if (__builtin_wasm_memory_grow(0, (uptr)pages) == (uptr)-1) return 0;
    heap_end = (u64)__builtin_wasm_memory_size(0) * 65536;
    return 1;
}

static void region_init(u64 start) {
    if (start == 0) start = (u64)(uptr)&__heap_base;
    perm_ptr = (start + 7) & ~7ULL;
    heap_end = (u64)__builtin_wasm_memory_size(0) * 65536;
    heap_max = WASM_MAX;
}
#else
static int mem_grow(u64 need) { return need <= heap_end; }

static void region_init(u64 start) {
    (void)start;
    perm_ptr = ((u64)(uptr)aura_heap_base + 7) & ~7ULL;
    heap_end = (u64)(uptr)aura_heap_base + aura_heap_size;
    heap_max = heap_end;
}
#endif

/* Permanent memory before the pages (only while rt_start lays them out). */
static void *perm_alloc(u64 n) {
    n = (n + 7) & ~7ULL;
    if (n > heap_max - perm_ptr || !mem_grow(perm_ptr + n)) gc_out_of_memory();
    void *p = PTR(perm_ptr);
    perm_ptr += n;
    return p;
}

/* ---- pages ----------------------------------------------------------------------------- */
static u64 page_index(u64 a) { return (a - heap_lo) >> PAGE_SHIFT; }
static u64 page_addr(u64 i) { return heap_lo + (i << PAGE_SHIFT); }

/* n contiguous pages (first fit in the free runs, else fresh ones), or 0. */
static u64 pages_alloc(u64 n) {
    u64 *link = &free_runs;
    while (*link) {
        u64 *run = PTR(*link);
        if (run[0] >= n) {
            u64 at = *link;
            if (run[0] == n) {
                *link = run[1];
            } else {
                u64 *rest = PTR(at + n * PAGE);
                rest[0] = run[0] - n;
                rest[1] = run[1];
                *link = at + n * PAGE;
            }
            return at;
        }
        link = &run[1];
    }
    if (n > (heap_max - heap_top) / PAGE || !mem_grow(heap_top + n * PAGE)) return 0;
    u64 at = heap_top;
    heap_top += n * PAGE;
    return at;
}

static void pages_set(u64 at, u64 n, u32 head, u32 tail_kind) {
    u64 i = page_index(at);
    page_map[i] = head;
    for (u64 k = 1; k < n; k++) page_map[i + k] = PK(tail_kind, k);
}

/* Rebuilds the free runs from the page map (after a sweep). */
static void runs_rebuild(void) {
    u64 n = page_index(heap_top);
    u64 *link = &free_runs;
    *link = 0;
    for (u64 i = 0; i < n;) {
        if (PKIND(page_map[i]) != PK_FREE) {
            i++;
            continue;
        }
        u64 j = i;
        while (j < n && PKIND(page_map[j]) == PK_FREE) j++;
        u64 *run = PTR(page_addr(i));
        run[0] = j - i;
        run[1] = 0;
        *link = page_addr(i);
        link = &run[1];
        i = j;
    }
}

/* ---- allocation ------------------------------------------------------------------------ */
static int class_for(u64 n) {
    if (n <= 1024) return class_of8[(n + 7) >> 3];
    int c = class_of8[128];
    while (CLASS_SIZE[c] < n) c++;
    return c;
}

/* A fresh page for class c, its slots on the free list. */
static u64 *refill(int c) {
    u64 page = pages_alloc(1);
    if (!page) gc_out_of_memory();
    pages_set(page, 1, PK(PK_SMALL, (u32)c), PK_TAIL);
    u32 size = CLASS_SIZE[c], n = class_slots[c];
    memset(PTR(page), 0, class_first[c]);
    u64 next = 0;
    for (u32 i = n; i-- > 0;) {
        u64 *s = PTR(page + class_first[c] + (u64)i * size);
        s[0] = FREE_TAG;
        s[1] = next;
        next = (u64)(uptr)s;
    }
    return PTR(next);
}

static void *large_alloc(u64 n) {
    u64 pages = (n + LARGE_HDR + PAGE - 1) / PAGE;
    u64 at = pages_alloc(pages);
    if (!at) gc_out_of_memory();
    pages_set(at, pages, PK(PK_LARGE, (u32)pages), PK_TAIL);
    u64 *h = PTR(at);
    h[0] = 0;
    h[1] = n;
    return PTR(at + LARGE_HDR);
}

/* A collection is wanted: tell compiled code (once per collection) through its hook, a generic
 * entry that only sets two of its globals, so a poll reads a global, not runtime memory. */
static void gc_request(void) {
    rt_gc_wanted = 1;
    if (gc_hook) ((aura_entry)(uptr)gc_hook)(AURA_NIL, AURA_NIL, 0, 0);
}

void *rt_alloc(u64 n) {
    if (n > heap_max) gc_out_of_memory();
    n = n ? (n + 7) & ~7ULL : 8;
    if (n <= MAX_SMALL) {
        int c = class_for(n);
        since += CLASS_SIZE[c];
        if (since >= trigger && !rt_gc_wanted) gc_request();
        u64 *s = free_list[c];
        if (!s) s = refill(c);
        free_list[c] = PTR(s[1]);
        s[0] = 0;
        s[1] = 0;
        return s;
    }
    since += n;
    if (since >= trigger && !rt_gc_wanted) gc_request();
    return large_alloc(n);
}

/* ---- roots ----------------------------------------------------------------------------- */
#define MAX_ROOTS 64
static struct {
    val *p;
    u64 n;
} roots[MAX_ROOTS];
static int nroots;
static void **raw_roots[MAX_ROOTS];
static int nraw;

void gc_add_root(val *p, u64 n) {
    if (nroots < MAX_ROOTS) {
        roots[nroots].p = p;
        roots[nroots].n = n;
        nroots++;
    }
}

void gc_add_raw_root(void **p) {
    if (nraw < MAX_ROOTS) raw_roots[nraw++] = p;
}

int gc_raw_roots(void) { return nraw; }
void gc_drop_raw_roots(int n) { nraw = n; }

/* ---- marking --------------------------------------------------------------------------- */
static u64 *mstack;
static u64 mtop, mcap, mpages;

static void mpush(val v) {
    if (mtop == mcap) {
        u64 pages = mpages ? mpages * 2 : 1;
        u64 at = pages_alloc(pages);
        if (!at) gc_out_of_memory();
        pages_set(at, pages, PK(PK_SYS, (u32)pages), PK_TAIL);
        u64 *grown = PTR(at);
        if (mtop) memcpy(grown, mstack, (uptr)(mtop * 8));
        if (mpages) pages_set((u64)(uptr)mstack, mpages, PK(PK_FREE, 0), PK_FREE);
        mstack = grown;
        mpages = pages;
        mcap = pages * PAGE / 8;
    }
    mstack[mtop++] = v;
}

/* The mark byte of the live block containing address a, or 0 (not in a block: a free slot's
 * interior counts as in a block, which only keeps a free slot unswept). *start gets the block. */
static u8 *mark_of(u64 a, u64 *start) {
    if (a < heap_lo || a >= heap_top) return 0;
    u64 i = page_index(a);
    u32 w = page_map[i];
    switch (PKIND(w)) {
    case PK_SMALL: {
        int c = (int)PARG(w);
        u64 page = page_addr(i);
        if (a < page + class_first[c]) return 0;
        u64 k = (a - page - class_first[c]) / CLASS_SIZE[c];
        if (k >= class_slots[c]) return 0;
        *start = page + class_first[c] + k * CLASS_SIZE[c];
        return (u8 *)PTR(page) + k;
    }
    case PK_TAIL:
        i -= PARG(w);
        if (PKIND(page_map[i]) != PK_LARGE) return 0;
        /* fall through */
    case PK_LARGE: {
        u64 page = page_addr(i);
        if (a < page + LARGE_HDR) return 0;
        *start = page + LARGE_HDR;
        return (u8 *)PTR(page);
    }
    default: return 0;
    }
}

/* A value field of a traced object: an exact block start. */
static void mark_val(val v) {
    if (!is_heap(v)) return;
    u64 start;
    u8 *m = mark_of(v, &start);
    if (!m || *m) return;
    *m = 1;
    mpush(v);
}

/* A raw pointer into a block (an array, a string's bytes): marks the block only. */
static void mark_raw(u64 a) {
    u64 start;
    u8 *m = mark_of(a, &start);
    if (m) *m = 1;
}

/* A word that may be a value (shadow and argument stacks): only the exact start of a live block
 * that holds an object counts. */
static void mark_maybe(u64 w) {
    if (!is_heap(w)) return;
    u64 start;
    u8 *m = mark_of(w, &start);
    if (!m || start != w || *m) return;
    u64 t = *(u64 *)PTR(w) & 0xff;
    if (t < AURA_T_INT || t > AURA_T_CAP) return;
    *m = 1;
    mpush(w);
}

static void trace(val v) {
    switch (htype(v)) {
    case AURA_T_STR: {
        Str *s = AS_STR(v);
        if (s->hdr & H_BUF) mark_raw(s->data);
        if (s->hdr & H_IDX) mark_raw(s->cur);
        break;
    }
    case AURA_T_LIST: {
        List *l = AS_LIST(v);
        if (l->items) mark_raw(l->items);
        for (u64 i = 0; i < l->len; i++) mark_val(ITEMS(l)[i]);
        break;
    }
    case AURA_T_MAP: {
        Map *m = AS_MAP(v);
        if (m->ents) mark_raw(m->ents);
        if (m->idx) mark_raw(m->idx);
        val *e = PTR(m->ents);
        for (u64 i = 0; i < m->used; i++) {
            if (!e[2 * i]) continue;
            mark_val(e[2 * i]);
            mark_val(e[2 * i + 1]);
        }
        break;
    }
    case AURA_T_OBJECT: {
        Obj *o = AS_OBJ(v);
        mark_val(o->name);
        mark_val(o->proto);
        mark_val(o->slots);
        break;
    }
    case AURA_T_FN: {
        Fn *f = AS_FN(v);
        mark_val(f->name);
        if (!is_builtin_fn(v))
            for (u64 i = 0; i < f->ncap; i++) mark_val(f->caps[i]);
        break;
    }
    case AURA_T_CELL: mark_val(((Cell *)PTR(v))->v); break;
    case AURA_T_CAP: mark_val(((val *)PTR(v))[1]); break;
    default: break;
    }
}

static void drain(void) {
    while (mtop) trace(mstack[--mtop]);
}

/* ---- sweeping -------------------------------------------------------------------------- */
static void sweep(void) {
    u64 n = page_index(heap_top);
    u64 *tails[NCLASS];
    for (int c = 0; c < NCLASS; c++) {
        free_list[c] = 0;
        tails[c] = 0;
    }
    live = 0;
    for (u64 i = 0; i < n; i++) {
        u32 w = page_map[i];
        switch (PKIND(w)) {
        case PK_SMALL: {
            int c = (int)PARG(w);
            u8 *marks = PTR(page_addr(i));
            u64 base = page_addr(i) + class_first[c], size = CLASS_SIZE[c];
            u64 *head = 0, *tail = 0;
            u32 kept = 0;
            for (u32 k = 0; k < class_slots[c]; k++) {
                if (marks[k]) {
                    marks[k] = 0;
                    kept++;
                    continue;
                }
                u64 *s = PTR(base + k * size);
                s[0] = FREE_TAG;
                s[1] = 0;
                if (tail)
                    tail[1] = (u64)(uptr)s;
                else
                    head = s;
                tail = s;
            }
            if (!kept) {
                page_map[i] = PK(PK_FREE, 0);
                break;
            }
            live += (u64)kept * size;
            if (head) {
                if (tails[c])
                    tails[c][1] = (u64)(uptr)head;
                else
                    free_list[c] = head;
                tails[c] = tail;
            }
            break;
        }
        case PK_LARGE: {
            u64 *h = PTR(page_addr(i));
            u64 pages = PARG(w);
            if (h[0]) {
                h[0] = 0;
                live += h[1];
            } else {
                for (u64 k = 0; k < pages; k++) page_map[i + k] = PK(PK_FREE, 0);
            }
            i += pages - 1;
            break;
        }
        default: break;
        }
    }
}

/* ---- collection ------------------------------------------------------------------------ */
static u64 shadow_base, shadow_end, arg_base;

val rt_gc_collect(unsigned long long shadow_top, unsigned long long arg_top) {
    for (u64 a = shadow_base; a < shadow_top && a < shadow_end; a += 8) mark_maybe(*(u64 *)PTR(a));
    for (u64 a = arg_base; a < arg_top; a += 8) mark_maybe(*(u64 *)PTR(a));
    for (int r = 0; r < nroots; r++)
        for (u64 i = 0; i < roots[r].n; i++) mark_val(roots[r].p[i]);
    for (int r = 0; r < nraw; r++)
        if (*raw_roots[r]) mark_raw((u64)(uptr)*raw_roots[r]);
    drain();
    if (mpages) pages_set((u64)(uptr)mstack, mpages, PK(PK_FREE, 0), PK_FREE);
    mstack = 0;
    mtop = mcap = mpages = 0;
    sweep();
    runs_rebuild();
    collections++;
    since = 0;
    rt_gc_wanted = 0;
    u64 least = min_trigger ? min_trigger : MIN_TRIGGER;
    trigger = live > least ? live : least;
    if (live > max_live) gc_out_of_memory();
    return AURA_NIL;
}

/* ---- set up ---------------------------------------------------------------------------- */
void gc_init(u64 heap_start) {
    region_init(heap_start);
    for (int c = 0, n = 0; n <= 128; n++) {
        while (CLASS_SIZE[c] < (u64)n * 8) c++;
        class_of8[n] = (u8)c;
    }
    for (int c = 0; c < NCLASS; c++) {
        u64 size = CLASS_SIZE[c];
        u64 n = PAGE / (size + 1);
        while (((n + 15) & ~15ULL) + n * size > PAGE) n--;
        class_slots[c] = (u32)n;
        class_first[c] = (u32)((n + 15) & ~15ULL);
        free_list[c] = 0;
    }
    nroots = nraw = 0;
    free_runs = 0;
    since = live = collections = 0;
    trigger = min_trigger ? min_trigger : MIN_TRIGGER;
    rt_gc_wanted = 0;
    gc_hook = 0;
    mstack = 0;
    mtop = mcap = mpages = 0;
}

/* Lays the pages out after the permanent allocations (called once these are made). */
void gc_start_pages(void) {
    u64 pages = (heap_max - perm_ptr) / PAGE + 1;
    page_map = perm_alloc(pages * 4);
    heap_lo = (perm_ptr + PAGE - 1) & ~(PAGE - 1);
    if (heap_lo > heap_max) heap_lo = heap_max;
    heap_top = heap_lo;
    /* No need to clear the map (256 KiB on wasm32, a startup cost counted in fuel): only the
     * entries below heap_top are ever read, and pages_alloc's callers set each page's entry when
     * heap_top passes it. */
}

void *gc_perm(u64 n) { return perm_alloc(n); }

void gc_set_stacks(u64 shadow, u64 shadow_bytes, u64 args) {
    shadow_base = shadow;
    shadow_end = shadow + shadow_bytes;
    arg_base = args;
}

val rt_gc_hook(unsigned long long code) {
    gc_hook = code;
    if (rt_gc_wanted) gc_request();
    return AURA_NIL;
}
unsigned long long rt_shadow_stack(void) { return shadow_base; }
unsigned long long rt_shadow_limit(void) { return shadow_end; }
void rt_set_max_memory(long long n) { max_live = n > 0 ? (u64)n : ~0ULL; }
void rt_set_gc_trigger(long long n) {
    min_trigger = n > 0 ? (u64)n : 0;
    trigger = min_trigger ? min_trigger : MIN_TRIGGER;
}

/* Statistics for tests and hosts: 0 collections, 1 live bytes after the last one, 2 bytes of
 * pages in use, 3 bytes allocated since the last collection. */
unsigned long long rt_gc_stat(long long which) {
    switch (which) {
    case 0: return collections;
    case 1: return live;
    case 2: return heap_top - heap_lo;
    case 3: return since;
    default: return 0;
    }
}
