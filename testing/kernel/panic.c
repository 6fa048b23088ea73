/*
 * Ending the run: exit_pass() on success, panic() on any failure. Both
 * leave through isa-debug-exit; if that device is missing, a triple fault
 * ends QEMU (with -no-reboot) instead of hanging the test.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/serial.h>

uint32_t panic_in_progress;

__attribute__((noreturn)) void triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	halt_forever();
}

__attribute__((noreturn)) void qemu_exit(uint32_t code)
{
	cli();
	serial_flush();
	outl(QEMU_EXIT_PORT, code);
	triple_fault();
}

__attribute__((noreturn)) void panic(const char *fmt, ...)
{
	struct cpu *c;
	char msg[256];
	va_list ap;

	cli();
	c = this_cpu();
	if (c->in_panic++)
		qemu_exit(QEMU_EXIT_FAIL); /* panicked while panicking */
	__atomic_store_n(&panic_in_progress, 1, __ATOMIC_RELAXED);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->index == CPU_INDEX_UNKNOWN)
		printf("PANIC: cpu ?: %s\n", msg);
	else
		printf("PANIC: cpu %u: %s\n", c->index, msg);
	printf("TEST FAIL\n");
	qemu_exit(QEMU_EXIT_FAIL);
}

__attribute__((noreturn)) void exit_pass(void)
{
	printf("TEST PASS\n");
	qemu_exit(QEMU_EXIT_PASS);
}
