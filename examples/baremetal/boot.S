/*
 * boot.S: Multiboot (v1) entry for a 64-bit Aura kernel.
 *
 * A Multiboot loader (qemu -kernel, GRUB's `multiboot`) starts us in 32-bit protected mode with
 * paging off, EAX = 0x2BADB002 and EBX = the physical address of the Multiboot information.
 * qemu refuses to load an x86-64 ELF through Multiboot, so the header uses the "a.out kludge"
 * (flag bit 16): the loader copies the flat image (objcopy -O binary of the linked kernel) to
 * load_addr and jumps to entry_addr, and never looks at ELF headers.
 *
 * The 32-bit code zeroes .bss, builds page tables identity-mapping the first 4 GiB with 2 MiB
 * pages, enables PAE + long mode + paging, loads a 64-bit GDT and jumps to 64-bit code, which
 * enables SSE (compiled Aura and the runtime use SSE2 for floats), switches to the big stack,
 * calls aura_boot (support.c: serial port, heap, exception handlers), aura_main, and exits qemu.
 */

#define MB_MAGIC 0x1BADB002
/* bit 1: ask for the memory map fields (mem_lower/mem_upper); bit 16: the a.out kludge */
#define MB_FLAGS 0x00010002

    .section .multiboot, "a"
    .align 4
multiboot_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long multiboot_header      /* header_addr */
    .long _load_start           /* load_addr: the first byte of the flat image */
    .long _load_end             /* load_end_addr: the image's end (data included) */
    .long _bss_end              /* bss_end_addr: the loader zeroes up to here; we do it too */
    .long _start                /* entry_addr */

    .section .text
    .code32
    .globl _start
_start:
    cli
    cld
    /* The Multiboot magic and info pointer survive in ESI/EDI until 64-bit code passes them
       to aura_boot (first two SysV arguments). */
    mov %eax, %esi
    mov %ebx, %edi

    /* Zero .bss (page tables and the boot variables live there). */
    mov %edi, %edx
    mov $_bss_start, %edi
    mov $_bss_end, %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl
    mov %edx, %edi

    /* A small stack for the 32-bit part (in .bss, so zeroed above). */
    mov $boot_stack_top, %esp

    /* Long mode needs CPUID leaf 0x80000001 EDX bit 29. Without it there is nothing to do but
       report through isa-debug-exit (0x12: the "could not run" code of support.c) and halt. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz no_long_mode

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories; each PD entry maps 2 MiB:
       present | writable | page size (0x83). Together they identity-map 0..4 GiB. */
    mov $boot_pdpt, %eax
    or $0x3, %eax
    mov %eax, boot_pml4
    mov $boot_pd, %eax
    or $0x3, %eax
    mov %eax, boot_pdpt
    add $0x1000, %eax
    mov %eax, boot_pdpt + 8
    add $0x1000, %eax
    mov %eax, boot_pdpt + 16
    add $0x1000, %eax
    mov %eax, boot_pdpt + 24
    mov $boot_pd, %ebx
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, (%ebx, %ecx, 8)
    movl $0, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jb 1b

    /* CR4.PAE, CR3, EFER.LME, then CR0.PG switches to (compatibility-mode) long mode. */
    mov %cr4, %eax
    or $(1 << 5), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx
    rdmsr
    or $(1 << 8), %eax
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | 1), %eax
    mov %eax, %cr0

    lgdt gdt64_pointer
    ljmp $0x08, $long_mode

no_long_mode:
    mov $0x12, %eax
    out %eax, $0xf4
2:  hlt
    jmp 2b

    .code64
long_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs

    /* SSE: CR0.EM off (no x87 emulation), CR0.MP on, CR0.TS off; CR4.OSFXSR (FXSAVE/SSE) and
       CR4.OSXMMEXCPT (SIMD float exceptions as #XM; they stay masked in MXCSR). */
    mov %cr0, %rax
    and $~((1 << 2) | (1 << 3)), %rax
    or $(1 << 1), %rax
    mov %rax, %cr0
    mov %cr4, %rax
    or $((1 << 9) | (1 << 10)), %rax
    mov %rax, %cr4
    fninit

    /* If the CPU has XSAVE, also turn on AVX state (XCR0 = x87|SSE|AVX) when AVX exists, so code
       compiled for the host CPU still runs (with qemu -cpu max). Baseline x86-64 code does not
       need this. */
    mov %esi, %r12d
    mov %edi, %r13d
    mov $1, %eax
    cpuid
    test $(1 << 26), %ecx       /* XSAVE */
    jz 3f
    mov %cr4, %rax
    or $(1 << 18), %rax         /* CR4.OSXSAVE */
    mov %rax, %cr4
    mov $0x3, %eax              /* x87 | SSE */
    test $(1 << 28), %ecx       /* AVX */
    jz 4f
    or $0x4, %eax
4:  xor %edx, %edx
    xor %ecx, %ecx
    xsetbv
3:
    /* The big stack (see linker.ld): 16 MiB, 16-byte aligned, so that `call` leaves callees the
       SysV alignment. */
    mov $_stack_top, %rsp
    xor %rbp, %rbp

    mov %r12d, %edi             /* magic */
    mov %r13d, %esi             /* Multiboot info (physical = virtual) */
    call aura_boot
    call aura_main
    mov %rax, %rdi
    call aura_halt              /* does not return */
5:  hlt
    jmp 5b

/*
 * Exception stubs: one per CPU exception vector 0..31. Each pushes a dummy error code when the
 * CPU does not push one, then its vector, and jumps to the common handler, which passes
 * (vector, error code, faulting RIP, CR2) to aura_trap in support.c (it prints and exits qemu).
 */
    .macro isr n
isr_\n:
    .if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    pushq $0
    .endif
    pushq $\n
    jmp isr_common
    .endm

    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    isr \n
    .endr

isr_common:
    mov 0(%rsp), %rdi           /* vector */
    mov 8(%rsp), %rsi           /* error code */
    mov 16(%rsp), %rdx          /* RIP */
    mov %cr2, %rcx              /* faulting address for #PF */
    and $-16, %rsp
    call aura_trap
6:  hlt
    jmp 6b

    .section .rodata
    .align 8
    .globl aura_isr_table
aura_isr_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad isr_\n
    .endr

    .section .data
    .align 16
    /* 0: null; 0x08: 64-bit code (L=1); 0x10: data; 0x18: 16-byte TSS descriptor, filled by
       support.c (the TSS gives the double-fault handler its own stack). */
    .globl aura_gdt
aura_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF
    .quad 0x00CF92000000FFFF
    .quad 0
    .quad 0
aura_gdt_end:
gdt64_pointer:
    .word aura_gdt_end - aura_gdt - 1
    .quad aura_gdt

    .section .bss
    .align 4096
    .globl boot_pd
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4096 * 4
    .align 16
    .skip 4096
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
