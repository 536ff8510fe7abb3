/* str(x): the printing rules of the contract, exactly as the interpreter prints. */
#include "rt_internal.h"


static void write_nested(Sb *b, val v, int depth) {
    if (is_small(v)) {
        sb_int(b, small_of(v));
        return;
    }
    if (v == AURA_NIL) {
        sb_cstr(b, "nil");
        return;
    }
    if (v == AURA_TRUE || v == AURA_FALSE) {
        sb_cstr(b, v == AURA_TRUE ? "true" : "false");
        return;
    }
    u64 *hdr = PTR(v);
    switch (htype(v)) {
    case AURA_T_INT: sb_int(b, int_of(v)); return;
    case AURA_T_FLOAT: sb_float(b, float_of(v)); return;
    case AURA_T_STR: sb_json_str(b, STRB(AS_STR(v)), AS_STR(v)->blen); return;
    case AURA_T_LIST: {
        /* A container already being printed (the visit bit is set) is a cycle. */
        if (*hdr & H_VISIT) {
            sb_cstr(b, "[...]");
            return;
        }
        if (depth > MAX_NEST) rt_error(AURA_E_STACK, "values nested too deeply to print");
        *hdr |= H_VISIT;
        List *l = AS_LIST(v);
        sb_byte(b, '[');
        for (u64 i = 0; i < l->len; i++) {
            if (i) sb_cstr(b, ", ");
            write_nested(b, ITEMS(l)[i], depth + 1);
        }
        sb_byte(b, ']');
        *hdr &= ~H_VISIT;
        return;
    }
    case AURA_T_MAP: {
        if (*hdr & H_VISIT) {
            sb_cstr(b, "{...}");
            return;
        }
        if (depth > MAX_NEST) rt_error(AURA_E_STACK, "values nested too deeply to print");
        *hdr |= H_VISIT;
        Map *m = AS_MAP(v);
        sb_byte(b, '{');
        int first = 1;
        for (u64 i = 0; i < m->used; i++) {
            val k = MAP_KEY(v, i);
            if (!k) continue;
            if (!first) sb_cstr(b, ", ");
            first = 0;
            sb_json_str(b, STRB(AS_STR(k)), AS_STR(k)->blen);
            sb_cstr(b, ": ");
            write_nested(b, MAP_VAL(v, i), depth + 1);
        }
        sb_byte(b, '}');
        *hdr &= ~H_VISIT;
        return;
    }
    case AURA_T_OBJECT: {
        u64 n;
        const u8 *name = obj_display_name(v, &n);
        sb_cstr(b, "<object ");
        sb_bytes(b, name, n);
        sb_byte(b, '>');
        return;
    }
    case AURA_T_FN: {
        Fn *f = AS_FN(v);
        if (is_str(f->name)) {
            sb_cstr(b, "<fn ");
            sb_strv(b, f->name);
            sb_byte(b, '>');
        } else {
            sb_cstr(b, "<fn>");
        }
        return;
    }
    case AURA_T_CAP:
        sb_cstr(b, "<object ");
        sb_strv(b, ((val *)PTR(v))[1]);
        sb_byte(b, '>');
        return;
    default: sb_cstr(b, "<value>"); return;
    }
}

void write_value(Sb *b, val v) {
    if (is_str(v))
        sb_strv(b, v);
    else
        write_nested(b, v, 0);
}
