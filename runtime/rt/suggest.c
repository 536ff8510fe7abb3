/* "did you mean `bump`?" for a `does not understand`: the method of the receiver closest to the
 * name sent, by the rule of the audit and the interpreter (`aura_runtime::suggest`): optimal
 * string alignment distance over code points, at most one edit per three characters (at least
 * one), fewer edits than the name has characters; ties go to the first candidate, own slots
 * first, then along the prototype chain, each in slot order. Only on the error path. */
#include "rt_internal.h"

u64 utf8_len(u8 c); /* builtins.c */

#define MAX_NAME 64
/* A candidate differs in length by at most MAX_NAME / 3 characters. */
#define MAX_CAND (MAX_NAME + MAX_NAME / 3)

/* Decodes UTF-8 into code points; returns the count, or max + 1 when there are more. */
static u64 decode(const u8 *p, u64 n, u32 *out, u64 max) {
    u64 count = 0;
    for (u64 i = 0; i < n;) {
        u64 len = utf8_len(p[i]);
        if (i + len > n) len = n - i;
        u32 c = len == 1 ? p[i] : (u32)(p[i] & (0x7f >> len));
        for (u64 k = 1; k < len; k++) c = (c << 6) | (p[i + k] & 0x3f);
        if (count == max) return max + 1;
        out[count++] = c;
        i += len;
    }
    return count;
}

static u64 min3(u64 a, u64 b, u64 c) {
    u64 m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment distance between a[0..n] and b[0..m] (m <= MAX_CAND). */
static u64 distance(const u32 *a, u64 n, const u32 *b, u64 m) {
    u64 rows[3][MAX_CAND + 1];
    u64 *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (u64 j = 0; j <= m; j++) prev[j] = j;
    for (u64 i = 1; i <= n; i++) {
        cur[0] = i;
        for (u64 j = 1; j <= m; j++) {
            u64 cost = a[i - 1] != b[j - 1];
            u64 best = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        u64 *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

typedef struct {
    u32 name[MAX_NAME];
    u64 len, limit, best;
    val found; /* the best candidate so far, or 0 */
} Search;

static void consider(Search *s, val key) {
    if (!is_str(key)) return;
    Str *k = AS_STR(key);
    u32 cand[MAX_CAND];
    u64 m = decode(STRB(k), k->blen, cand, MAX_CAND);
    if (m == 0 || m > MAX_CAND) return;
    if (m == s->len) {
        u64 same = 1;
        for (u64 i = 0; i < m && same; i++) same = cand[i] == s->name[i];
        if (same) return;
    }
    u64 diff = m > s->len ? m - s->len : s->len - m;
    if (diff > s->limit) return;
    u64 d = distance(s->name, s->len, cand, m);
    if (d <= s->limit && d < s->len && (!s->found || d < s->best)) {
        s->best = d;
        s->found = key;
    }
}

/* Every key of map `m` holding a function. */
static void consider_methods(Search *s, val m) {
    for (u64 i = 0; i < AS_MAP(m)->used; i++) {
        val k = MAP_KEY(m, i);
        if (k && is_fn(MAP_VAL(m, i))) consider(s, k);
    }
}

void sb_did_you_mean(Sb *e, val receiver, val name) {
    Search s;
    Str *n = AS_STR(name);
    s.len = decode(STRB(n), n->blen, s.name, MAX_NAME);
    if (s.len == 0 || s.len > MAX_NAME) return;
    s.limit = s.len / 3 > 1 ? s.len / 3 : 1;
    s.best = 0;
    s.found = 0;
    if (is_map(receiver)) {
        consider_methods(&s, receiver);
    } else {
        for (val o = receiver; is_obj(o); o = AS_OBJ(o)->proto) consider_methods(&s, AS_OBJ(o)->slots);
    }
    if (!s.found) return;
    sb_cstr(e, ", did you mean `");
    sb_strv(e, s.found);
    sb_cstr(e, "`?");
}
