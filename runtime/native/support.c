/* The host of a native Aura executable (`aura build --target native --emit exe`): the external
 * symbols of spec/abi.md implemented with libc, and main(). `aura` embeds this file and compiles
 * it with the system cc when it links an executable. Behaviour matches `aura run` (`StdHost`,
 * runtime/host-api/src/std_host.rs): an in-memory store, log lines on stderr, the system clock,
 * `runtime error: KIND: message` on stderr and status 1 for a runtime error. */

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Provided by the merged object (compiled program + runtime). */
extern int64_t aura_main(void);
extern void rt_set_max_depth(long long n);
extern void rt_set_max_memory(long long n);
extern void rt_set_gc_trigger(long long n);

/* The heap's region (spec/abi.md "External symbols"), set before aura_main runs. */
uint8_t *aura_heap_base;
uint64_t aura_heap_size;

/* Default live heap cap (the CLI's --max-memory default); reserved, not committed. */
#define DEFAULT_HEAP (4ull << 30)
/* Machine stack of the thread that runs the program: far more than --max-depth 10000 nested
 * Aura calls plus the runtime's own recursion need, so the depth limit always fires first. */
#define STACK_BYTES (1ull << 30)

/* The first failed write to standard output (errno), reported when the program ends, as
 * `aura run` on the interpreter does: output lost to a full disk or a closed pipe is an error. */
static int stdout_error;

static void write_all(int fd, const uint8_t *p, uint64_t len) {
    if (fd == 1 && stdout_error) return; /* output stops at the first failure */
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (fd == 1) stdout_error = errno;
            return;
        }
        p += n;
        len -= (uint64_t)n;
    }
}

void aura_write(int32_t stream, const uint8_t *ptr, uint64_t len) {
    write_all(stream == 2 ? 2 : 1, ptr, len);
}

static const char *const KINDS[] = {
    "type error",        "division by zero", "integer overflow", "index out of range",
    "does not understand", "stack overflow", "out of memory",    "out of fuel",
    "assertion failed",  "json error",       "error",
};

void aura_fail(int32_t kind, const uint8_t *msg, uint64_t len) {
    const char *name = kind >= 0 && kind < (int32_t)(sizeof KINDS / sizeof *KINDS) ? KINDS[kind]
                                                                                     : "error";
    /* Standard output is unbuffered here (the runtime flushed its buffer before calling). */
    const char *prefix = "runtime error: ";
    write_all(2, (const uint8_t *)prefix, strlen(prefix));
    write_all(2, (const uint8_t *)name, strlen(name));
    write_all(2, (const uint8_t *)": ", 2);
    write_all(2, msg, len);
    write_all(2, (const uint8_t *)"\n", 1);
    _exit(1);
}

/* ---- a growable byte buffer for responses ---- */

typedef struct {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            static const char oom[] = "the host is out of memory";
            aura_fail(6, (const uint8_t *)oom, sizeof oom - 1);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

/* A JSON string literal of `s` (method names and messages are plain text). */
static void put_json_string(buf *b, const char *s) {
    put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(b, esc, 2);
        } else if (c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            puts_(b, esc);
        } else {
            put(b, (const char *)&c, 1);
        }
    }
    put(b, "\"", 1);
}

/* Hands the response to the runtime: copied when it fits, its length either way (the runtime
 * calls again with a larger buffer when it did not fit). */
static int64_t respond(buf *b, uint8_t *resp, uint64_t cap) {
    int64_t len = (int64_t)b->len;
    if (b->len <= cap && b->len > 0) memcpy(resp, b->p, b->len);
    free(b->p);
    return len;
}

static int64_t fail_response(const char *kind, const char *message, uint8_t *resp, uint64_t cap) {
    buf b = {0};
    puts_(&b, "{\"error\":");
    put_json_string(&b, kind);
    puts_(&b, ",\"message\":");
    put_json_string(&b, message);
    puts_(&b, "}");
    return respond(&b, resp, cap);
}

/* ---- reading the request {"method":"NAME","args":[...]} ---- */

typedef struct {
    const char *p;
    size_t len;
} span;

#define MAX_ARGS 8

typedef struct {
    char method[64];
    span args[MAX_ARGS];
    int argc;
} request;

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

/* The end of the JSON value starting at p (p itself when there is none). */
static const char *skip_value(const char *p, const char *end) {
    if (p >= end) return p;
    if (*p == '"') {
        for (p++; p < end; p++) {
            if (*p == '\\') p++;
            else if (*p == '"') return p + 1;
        }
        return end;
    }
    if (*p == '[' || *p == '{') {
        int depth = 0;
        for (; p < end; p++) {
            if (*p == '"') {
                p = skip_value(p, end) - 1;
            } else if (*p == '[' || *p == '{') {
                depth++;
            } else if (*p == ']' || *p == '}') {
                if (--depth == 0) return p + 1;
            }
        }
        return end;
    }
    while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' && *p != '\n') p++;
    return p;
}

static int parse_request(const uint8_t *req, uint64_t len, request *out) {
    const char *p = (const char *)req, *end = p + len;
    memset(out, 0, sizeof *out);
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return 0;
    p++;
    for (;;) {
        p = skip_ws(p, end);
        if (p < end && *p == '}') return 1;
        if (p >= end || *p != '"') return 0;
        const char *key = p + 1;
        p = skip_value(p, end);
        size_t key_len = (size_t)(p - key) - 1;
        p = skip_ws(p, end);
        if (p >= end || *p != ':') return 0;
        p = skip_ws(p + 1, end);
        const char *value = p;
        p = skip_value(p, end);
        if (key_len == 6 && memcmp(key, "method", 6) == 0 && *value == '"') {
            size_t n = (size_t)(p - value) - 2;
            if (n >= sizeof out->method) n = sizeof out->method - 1;
            memcpy(out->method, value + 1, n);
        } else if (key_len == 4 && memcmp(key, "args", 4) == 0 && *value == '[') {
            const char *q = skip_ws(value + 1, p);
            while (q < p && *q != ']') {
                const char *arg = q;
                q = skip_value(q, p);
                if (out->argc < MAX_ARGS) out->args[out->argc] = (span){arg, (size_t)(q - arg)};
                out->argc++;
                q = skip_ws(q, p);
                if (q < p && *q == ',') q = skip_ws(q + 1, p);
            }
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') p++;
    }
}

/* The Aura type name of a JSON value, for error messages. */
static const char *type_name(span v) {
    if (v.len == 0) return "nothing";
    switch (v.p[0]) {
    case '"': return "str";
    case '[': return "list";
    case '{': return "map";
    case 't':
    case 'f': return "bool";
    case 'n': return "nil";
    default:
        for (size_t i = 0; i < v.len; i++)
            if (v.p[i] == '.' || v.p[i] == 'e' || v.p[i] == 'E') return "float";
        return "int";
    }
}

/* The capability surface check shared with every other host (runtime/host-api/src/capability.rs):
 * 0 when the call is well formed, else the error response's length. */
static int64_t check_call(const char *cap, const request *r, int expected, int needs_key,
                          uint8_t *resp, uint64_t resp_cap) {
    char message[256];
    if (expected < 0) {
        snprintf(message, sizeof message, "%s does not understand `%s`", cap, r->method);
        return fail_response("does not understand", message, resp, resp_cap);
    }
    if (r->argc != expected) {
        snprintf(message, sizeof message, "%s.%s() expects %d argument%s, got %d", cap, r->method,
                 expected, expected == 1 ? "" : "s", r->argc);
        return fail_response("type error", message, resp, resp_cap);
    }
    if (needs_key && r->args[0].p[0] != '"') {
        snprintf(message, sizeof message, "%s.%s() expects a str key, got %s", cap, r->method,
                 type_name(r->args[0]));
        return fail_response("type error", message, resp, resp_cap);
    }
    return 0;
}

static int64_t bad_request(uint8_t *resp, uint64_t cap) {
    return fail_response("error", "malformed capability request", resp, cap);
}

/* ---- store: an in-memory map for the run, insertion-ordered, values as JSON text ---- */

typedef struct {
    char *key; /* the key's JSON string literal */
    char *value;
} entry;

static entry *store;
static size_t store_len, store_cap;

static char *dup_span(span s) {
    char *p = malloc(s.len + 1);
    if (!p) {
        static const char oom[] = "the host is out of memory";
        aura_fail(6, (const uint8_t *)oom, sizeof oom - 1);
    }
    memcpy(p, s.p, s.len);
    p[s.len] = 0;
    return p;
}

static long find_key(span key) {
    for (size_t i = 0; i < store_len; i++)
        if (strlen(store[i].key) == key.len && memcmp(store[i].key, key.p, key.len) == 0)
            return (long)i;
    return -1;
}

int64_t aura_cap_store(const uint8_t *req, uint64_t req_len, uint8_t *resp, uint64_t cap) {
    request r;
    if (!parse_request(req, req_len, &r)) return bad_request(resp, cap);
    int expected = -1;
    if (!strcmp(r.method, "get") || !strcmp(r.method, "delete")) expected = 1;
    else if (!strcmp(r.method, "set")) expected = 2;
    else if (!strcmp(r.method, "keys")) expected = 0;
    int64_t checked = check_call("store", &r, expected, expected > 0, resp, cap);
    if (checked) return checked;
    buf b = {0};
    puts_(&b, "{\"ok\":");
    if (!strcmp(r.method, "keys")) {
        puts_(&b, "[");
        for (size_t i = 0; i < store_len; i++) {
            if (i) puts_(&b, ",");
            puts_(&b, store[i].key);
        }
        puts_(&b, "]");
    } else {
        long i = find_key(r.args[0]);
        if (!strcmp(r.method, "get")) {
            puts_(&b, i >= 0 ? store[i].value : "null");
        } else if (!strcmp(r.method, "delete")) {
            if (i >= 0) {
                puts_(&b, store[i].value);
                free(store[i].key);
                free(store[i].value);
                memmove(&store[i], &store[i + 1], (store_len - (size_t)i - 1) * sizeof *store);
                store_len--;
            } else {
                puts_(&b, "null");
            }
        } else { /* set */
            char *value = dup_span(r.args[1]);
            if (i >= 0) {
                free(store[i].value);
                store[i].value = value;
            } else {
                if (store_len == store_cap) {
                    store_cap = store_cap ? store_cap * 2 : 16;
                    entry *grown = realloc(store, store_cap * sizeof *store);
                    if (!grown) {
                        static const char oom[] = "the host is out of memory";
                        aura_fail(6, (const uint8_t *)oom, sizeof oom - 1);
                    }
                    store = grown;
                }
                store[store_len++] = (entry){dup_span(r.args[0]), value};
            }
            puts_(&b, "null");
        }
    }
    puts_(&b, "}");
    return respond(&b, resp, cap);
}

/* ---- log: `LEVEL: message` lines on stderr ---- */

static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static unsigned read_u4(const char *p, const char *end) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = p + i < end ? hex(p[i]) : -1;
        if (h < 0) return 0xFFFD;
        v = v * 16 + (unsigned)h;
    }
    return v;
}

static void put_utf8(buf *b, unsigned c) {
    char s[4];
    size_t n;
    if (c < 0x80) {
        s[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        s[0] = (char)(0xC0 | (c >> 6));
        s[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        s[0] = (char)(0xE0 | (c >> 12));
        s[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        s[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        s[0] = (char)(0xF0 | (c >> 18));
        s[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        s[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    put(b, s, n);
}

/* The text of a JSON string literal (between its quotes). */
static void put_unescaped(buf *b, const char *p, const char *end) {
    for (; p < end; p++) {
        if (*p != '\\' || p + 1 >= end) {
            put(b, p, 1);
            continue;
        }
        p++;
        switch (*p) {
        case 'n': put(b, "\n", 1); break;
        case 't': put(b, "\t", 1); break;
        case 'r': put(b, "\r", 1); break;
        case 'b': put(b, "\b", 1); break;
        case 'f': put(b, "\f", 1); break;
        case 'u': {
            unsigned c = read_u4(p + 1, end);
            p += 4;
            if (c >= 0xD800 && c < 0xDC00 && p + 6 < end && p[1] == '\\' && p[2] == 'u') {
                unsigned low = read_u4(p + 3, end);
                if (low >= 0xDC00 && low < 0xE000) {
                    c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                    p += 6;
                }
            }
            put_utf8(b, c);
            break;
        }
        default: put(b, p, 1); break; /* \" \\ \/ */
        }
    }
}

int64_t aura_cap_log(const uint8_t *req, uint64_t req_len, uint8_t *resp, uint64_t cap) {
    request r;
    if (!parse_request(req, req_len, &r)) return bad_request(resp, cap);
    int known = !strcmp(r.method, "info") || !strcmp(r.method, "warn") || !strcmp(r.method, "error");
    int64_t checked = check_call("log", &r, known ? 1 : -1, 0, resp, cap);
    if (checked) return checked;
    buf line = {0};
    puts_(&line, r.method);
    puts_(&line, ": ");
    span m = r.args[0];
    if (m.len >= 2 && m.p[0] == '"') put_unescaped(&line, m.p + 1, m.p + m.len - 1);
    else put(&line, m.p, m.len);
    puts_(&line, "\n");
    write_all(2, (const uint8_t *)line.p, line.len);
    free(line.p);
    buf b = {0};
    puts_(&b, "{\"ok\":null}");
    return respond(&b, resp, cap);
}

/* ---- clock: seconds (float) and milliseconds (int) since the Unix epoch ---- */

int64_t aura_cap_clock(const uint8_t *req, uint64_t req_len, uint8_t *resp, uint64_t cap) {
    request r;
    if (!parse_request(req, req_len, &r)) return bad_request(resp, cap);
    int known = !strcmp(r.method, "now") || !strcmp(r.method, "millis");
    int64_t checked = check_call("clock", &r, known ? 0 : -1, 0, resp, cap);
    if (checked) return checked;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char text[64];
    if (!strcmp(r.method, "now"))
        /* always with a decimal point, so that it reads back as a float */
        snprintf(text, sizeof text, "{\"ok\":%.6f}", (double)ts.tv_sec + ts.tv_nsec / 1e9);
    else
        snprintf(text, sizeof text, "{\"ok\":%lld}",
                 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    buf b = {0};
    puts_(&b, text);
    return respond(&b, resp, cap);
}

/* ---- main ---- */

static uint64_t env_u64(const char *name, uint64_t fallback) {
    const char *text = getenv(name);
    if (!text || !*text) return fallback;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    return *end ? fallback : (uint64_t)v;
}

static void *run(void *arg) {
    (void)arg;
    aura_main();
    return NULL;
}

int main(void) {
    /* A closed pipe is a failed write (reported above), not a silent death by SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    /* AURA_MAX_MEMORY caps the live heap after a collection; the region is twice that (the
     * collector's headroom: as much garbage as live data between two collections) plus 64 MiB
     * for the runtime's argument and shadow stacks. */
    uint64_t live = env_u64("AURA_MAX_MEMORY", DEFAULT_HEAP);
    if (live < 4096) live = 4096;
    uint64_t size = live > (1ull << 46) ? live : 2 * live + (64ull << 20);
    /* Reserved, not committed: pages cost memory only once the heap reaches them. */
    void *heap = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (heap == MAP_FAILED) {
        fprintf(stderr, "aura: cannot reserve %llu bytes of memory\n", (unsigned long long)size);
        return 1;
    }
    aura_heap_base = heap;
    aura_heap_size = size;
    rt_set_max_memory((long long)live);
    /* A test knob: collect after this many bytes (spec/abi.md, "Memory model"). */
    const char *trigger = getenv("AURA_GC_TRIGGER");
    if (trigger && *trigger) rt_set_gc_trigger((long long)env_u64("AURA_GC_TRIGGER", 0));
    const char *depth = getenv("AURA_MAX_DEPTH");
    if (depth && *depth) rt_set_max_depth((long long)env_u64("AURA_MAX_DEPTH", 10000));

    pthread_attr_t attr;
    pthread_t thread;
    if (pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, STACK_BYTES) ||
        pthread_create(&thread, &attr, run, NULL)) {
        fprintf(stderr, "aura: cannot start the program's thread\n");
        return 1;
    }
    pthread_join(thread, NULL);
    if (stdout_error) {
        fprintf(stderr, "aura: cannot write to standard output: %s\n", strerror(stdout_error));
        return 1;
    }
    return 0;
}
