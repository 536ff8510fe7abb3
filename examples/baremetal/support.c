/*
 * support.c: the host side of the Aura ABI (spec/abi.md) on bare metal, freestanding.
 *
 * Compiled Aura and its runtime need only aura_write, aura_fail, the three capability calls and
 * the heap region. Here both output streams go to the first serial port (COM1), runtime errors
 * print `runtime error: KIND: message` there, capabilities answer that they are unavailable, and
 * the run ends through qemu's isa-debug-exit device:
 *
 *   value written to port 0xf4   qemu exit status   meaning
 *   0x10                         33                 aura_main returned 0 (success)
 *   0x11                         35                 a runtime error (aura_fail)
 *   0x12                         37                 the kernel could not run the program
 *                                                   (no long mode, too little memory, a CPU
 *                                                   exception, aura_main returned non-zero)
 *
 * (qemu itself exits with 1 when it cannot start, hence no small values.) Without the device
 * (real hardware) the CPU halts instead.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

/* ---- the data symbols of the ABI ---- */

unsigned char *aura_heap_base;
unsigned long long aura_heap_size;

/* From linker.ld and boot.S. */
extern u8 _heap_start[];
extern u8 _guard[];
extern u8 _stack_bottom[];
extern u64 boot_pd[];
extern u64 aura_gdt[];
extern const u64 aura_isr_table[32];

/* ---- port I/O ---- */

static inline void outb(u16 port, u8 value) {
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline u8 inb(u16 port) {
    u8 value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void outl(u16 port, u32 value) {
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

/* ---- serial port COM1 ---- */

#define COM1 0x3f8

static void serial_init(void) {
    outb(COM1 + 1, 0x00); /* no interrupts: we poll */
    outb(COM1 + 3, 0x80); /* DLAB on to set the divisor */
    outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8 bits, no parity, one stop bit */
    outb(COM1 + 2, 0xc7); /* FIFO on, cleared, 14-byte threshold */
    outb(COM1 + 4, 0x03); /* DTR | RTS */
}

static void serial_put(u8 byte) {
    /* LSR bit 5: the transmit holding register is empty. */
    while ((inb(COM1 + 5) & 0x20) == 0) {
    }
    outb(COM1, byte);
}

static void serial_drain(void) {
    /* LSR bit 6: the transmitter is idle, every byte is out. */
    while ((inb(COM1 + 5) & 0x40) == 0) {
    }
}

/* Raw bytes, no "\n" -> "\r\n": the serial output is then exactly the program's output (qemu
   -serial stdio keeps the terminal's output processing, so a terminal still shows lines). */
static void put_bytes(const u8 *ptr, u64 len) {
    for (u64 i = 0; i < len; i++) {
        serial_put(ptr[i]);
    }
}

static void put_str(const char *s) {
    while (*s) {
        serial_put((u8)*s++);
    }
}

static void put_hex(u64 value) {
    put_str("0x");
    for (int shift = 60; shift >= 0; shift -= 4) {
        serial_put((u8) "0123456789abcdef"[(value >> shift) & 0xf]);
    }
}

static void put_dec(i64 value) {
    char digits[24];
    int n = 0;
    u64 magnitude = value < 0 ? (u64)0 - (u64)value : (u64)value;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0) {
        serial_put('-');
    }
    while (n > 0) {
        serial_put((u8)digits[--n]);
    }
}

/* ---- leaving the machine ---- */

#define EXIT_SUCCESS_CODE 0x10
#define EXIT_RUNTIME_ERROR 0x11
#define EXIT_BOOT_FAILURE 0x12

__attribute__((noreturn)) static void machine_exit(u32 code) {
    serial_drain();
    outl(0xf4, code);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

/* Called by boot.S with aura_main's result. */
__attribute__((noreturn)) void aura_halt(i64 result) {
    if (result != 0) {
        put_str("aura_main returned ");
        put_dec(result);
        put_str("\n");
        machine_exit(EXIT_BOOT_FAILURE);
    }
    machine_exit(EXIT_SUCCESS_CODE);
}

/* ---- the ABI functions ---- */

void aura_write(int stream, const u8 *ptr, u64 len) {
    (void)stream; /* stdout and stderr share the one serial line */
    put_bytes(ptr, len);
}

static const char *const kind_names[] = {
    "type error",      "division by zero", "integer overflow", "index out of range",
    "does not understand", "stack overflow", "out of memory", "out of fuel",
    "assertion failed", "json error",     "error",
};

__attribute__((noreturn)) void aura_fail(int kind, const u8 *ptr, u64 len) {
    put_str("runtime error: ");
    if (kind >= 0 && kind < (int)(sizeof kind_names / sizeof kind_names[0])) {
        put_str(kind_names[kind]);
    } else {
        put_str("error");
    }
    put_str(": ");
    put_bytes(ptr, len);
    put_str("\n");
    machine_exit(EXIT_RUNTIME_ERROR);
}

/* Every capability answers the same error; the length is returned even when it does not fit, so
   the runtime can call again with a bigger buffer (spec/abi.md). */
static i64 no_capability(u8 *resp, u64 resp_cap) {
    static const char answer[] =
        "{\"error\":\"error\",\"message\":\"capability not available on bare metal\"}";
    u64 len = sizeof answer - 1;
    if (len <= resp_cap) {
        for (u64 i = 0; i < len; i++) {
            resp[i] = (u8)answer[i];
        }
    }
    return (i64)len;
}

i64 aura_cap_store(u8 *req, u64 req_len, u8 *resp, u64 resp_cap) {
    (void)req;
    (void)req_len;
    return no_capability(resp, resp_cap);
}

i64 aura_cap_log(u8 *req, u64 req_len, u8 *resp, u64 resp_cap) {
    (void)req;
    (void)req_len;
    return no_capability(resp, resp_cap);
}

i64 aura_cap_clock(u8 *req, u64 req_len, u8 *resp, u64 resp_cap) {
    (void)req;
    (void)req_len;
    return no_capability(resp, resp_cap);
}

/* ---- CPU exceptions ---- */

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor segment", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 floating point", "alignment check", "machine check", "SIMD floating point",
    "virtualization", "control protection",
};

/* Called by the stubs in boot.S; runs on the exception stack (IST 1). */
__attribute__((noreturn)) void aura_trap(u64 vector, u64 error, u64 rip, u64 cr2) {
    u64 guard = (u64)_guard;
    if ((vector == 14 || vector == 8) && cr2 >= guard && cr2 < guard + 0x200000) {
        /* The native stack ran into the unmapped page below it. Aura's own depth limit
           (rt_set_max_depth) normally stops recursion long before this. */
        put_str("runtime error: stack overflow: the native stack is exhausted\n");
        machine_exit(EXIT_RUNTIME_ERROR);
    }
    put_str("\ncpu exception ");
    put_dec((i64)vector);
    if (vector < 32 && exception_names[vector]) {
        put_str(" (");
        put_str(exception_names[vector]);
        put_str(")");
    }
    put_str(" at rip=");
    put_hex(rip);
    put_str(" error=");
    put_hex(error);
    if (vector == 14) {
        put_str(" address=");
        put_hex(cr2);
    }
    put_str("\n");
    machine_exit(EXIT_BOOT_FAILURE);
}

/* 64-bit TSS: only IST 1 is used, so a fault on a broken stack (e.g. the guard page) still has a
   stack to run its handler on. */
static struct __attribute__((packed)) {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
} tss;

static u8 trap_stack[16384] __attribute__((aligned(16)));

static struct __attribute__((packed)) {
    u16 offset_low;
    u16 selector;
    u8 ist;
    u8 type;
    u16 offset_mid;
    u32 offset_high;
    u32 reserved;
} idt[32];

static void install_exception_handlers(void) {
    u64 base = (u64)&tss;
    u64 limit = sizeof tss - 1;
    tss.ist[0] = (u64)(trap_stack + sizeof trap_stack);
    tss.iomap_base = sizeof tss;
    /* GDT slot 3 (selector 0x18), a 16-byte "available 64-bit TSS" descriptor (type 0x89). */
    aura_gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | ((u64)0x89 << 40) |
                  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    aura_gdt[4] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"(0x18));

    for (int v = 0; v < 32; v++) {
        u64 handler = aura_isr_table[v];
        idt[v].offset_low = (u16)handler;
        idt[v].selector = 0x08;
        idt[v].ist = 1;
        idt[v].type = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
        idt[v].offset_mid = (u16)(handler >> 16);
        idt[v].offset_high = (u32)(handler >> 32);
        idt[v].reserved = 0;
    }
    struct __attribute__((packed)) {
        u16 limit;
        u64 base;
    } pointer = {sizeof idt - 1, (u64)idt};
    __asm__ volatile("lidt %0" : : "m"(pointer));
}

/* ---- boot ---- */

/* The fields of the Multiboot information this file reads. */
struct multiboot_info {
    u32 flags;
    u32 mem_lower; /* KiB below 1 MiB */
    u32 mem_upper; /* KiB of contiguous RAM from 1 MiB */
};

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

/* Called by boot.S in long mode, on the big stack, before aura_main. */
void aura_boot(u32 magic, u32 info_address) {
    serial_init();

    /* The heap: from _heap_start to the end of the RAM the loader reports (the identity map
       covers 4 GiB; qemu's PCI hole starts below that, and mem_upper stops before it). Read the
       Multiboot information before unmapping the guard page: qemu puts it right after the
       image, where the guard page may start. */
    u64 ram_end = 0;
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC) {
        const struct multiboot_info *info = (const struct multiboot_info *)(u64)info_address;
        if (info->flags & 1) {
            ram_end = 0x100000 + (u64)info->mem_upper * 1024;
        }
    } else {
        put_str("warning: not started by a Multiboot loader; assuming 128 MiB of RAM\n");
        ram_end = 128ull << 20;
    }
    if (ram_end > (4ull << 30)) {
        ram_end = 4ull << 30;
    }
    u64 heap_start = (u64)_heap_start;
    if (ram_end < heap_start + (4ull << 20)) {
        put_str("not enough memory: the kernel needs ");
        put_dec((i64)((heap_start + (4ull << 20)) >> 20));
        put_str(" MiB, the machine has ");
        put_dec((i64)(ram_end >> 20));
        put_str(" MiB\n");
        machine_exit(EXIT_BOOT_FAILURE);
    }
    aura_heap_base = (u8 *)heap_start;
    aura_heap_size = ram_end - heap_start;

    install_exception_handlers();
    /* Unmap the guard page below the stack. */
    boot_pd[(u64)_guard >> 21] = 0;
    __asm__ volatile("invlpg (%0)" : : "r"(_guard) : "memory");
}

/* ---- what the C compiler may call even in freestanding code ----
   Weak, so the Aura runtime's own definitions (if any) win. */

__attribute__((weak)) void *memcpy(void *dst, const void *src, u64 n) {
    u8 *d = dst;
    const u8 *s = src;
    for (u64 i = 0; i < n; i++) {
        d[i] = s[i];
    }
    return dst;
}

__attribute__((weak)) void *memmove(void *dst, const void *src, u64 n) {
    u8 *d = dst;
    const u8 *s = src;
    if (d < s) {
        for (u64 i = 0; i < n; i++) {
            d[i] = s[i];
        }
    } else {
        for (u64 i = n; i > 0; i--) {
            d[i - 1] = s[i - 1];
        }
    }
    return dst;
}

__attribute__((weak)) void *memset(void *dst, int value, u64 n) {
    u8 *d = dst;
    for (u64 i = 0; i < n; i++) {
        d[i] = (u8)value;
    }
    return dst;
}

__attribute__((weak)) int memcmp(const void *a, const void *b, u64 n) {
    const u8 *x = a;
    const u8 *y = b;
    for (u64 i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

/* A runtime built by a compiler that defaults to -fstack-protector calls this on a smashed
   stack. */
__attribute__((weak, noreturn)) void __stack_chk_fail(void) {
    put_str("runtime error: error: stack smashing detected\n");
    machine_exit(EXIT_RUNTIME_ERROR);
}
