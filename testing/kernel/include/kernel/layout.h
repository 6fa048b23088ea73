/*
 * Constants shared by C and assembly: load address, selectors, stacks.
 */
#ifndef KERNEL_LAYOUT_H
#define KERNEL_LAYOUT_H

/* QEMU's PVH loader places the segments at their link address. */
#define KERNEL_LOAD_ADDR 0x100000

/* Everything the boot page tables map: 4 GiB identity, 2 MiB pages. */
#define IDENTITY_MAP_LIMIT 0x100000000ULL

/* SIPI vector 0x08: the AP starts in real mode at 0x0800:0000. */
#define AP_TRAMPOLINE_BASE 0x8000

/* One GDT layout for the kernel and the AP trampoline. */
#define KERNEL_CS 0x08 /* 64-bit code */
#define KERNEL_DS 0x10 /* flat data */
#define KERNEL_CS32 0x18 /* 32-bit code, only while entering long mode */

/* Scenarios keep per-VP arrays (up to MAX_CPUS entries) on the stack. */
#define BOOT_STACK_SIZE 0x40000
#define AP_STACK_SIZE 0x4000
/*
 * Most CPUs the MADT may list: QEMU q35's limit. Per-CPU arrays of a few
 * bytes are sized to it; AP stacks and hvsim's per-CPU data are
 * allocated for the CPUs there are.
 */
#define MAX_CPUS 4096

/* Control register and MSR bits used by the mode switch. */
#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_EM (1 << 2)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define PTE_P 0x1
#define PTE_RW 0x2
#define PTE_PS 0x80

#endif
