/*
 * Ending the test: through QEMU's isa-debug-exit (port 0xf4), which exits
 * with status 2 * value + 1.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdint.h>

#include <kernel/printf.h>

#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_PASS 0 /* QEMU exit status 1 */
#define QEMU_EXIT_FAIL 1 /* QEMU exit status 3 */

/* Set by the first panic; lets the serial lock stop waiting for a holder. */
extern uint32_t panic_in_progress;

__attribute__((noreturn)) __printf(1, 2) void panic(const char *fmt, ...);
__attribute__((noreturn)) void exit_pass(void);
__attribute__((noreturn)) void qemu_exit(uint32_t code);
/* Stops the machine with a triple fault (QEMU runs with -no-reboot). */
__attribute__((noreturn)) void triple_fault(void);

#endif
