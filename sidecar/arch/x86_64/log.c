// SPDX-License-Identifier: MIT
#include "log.h"

#include <stdarg.h>

#include "cpu.h"
#include "sidecar/core/format.h"

#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THR_EMPTY 0x20

/*
 * The line lock is taken with a bounded spin: a CPU that faults while
 * holding it (or a wedged UART) delays the others but cannot deadlock
 * them. After the bound the line goes out anyway, possibly interleaved.
 */
#define LOCK_SPIN_LIMIT 50000000u
static uint32_t log_lock;

static void uart_putc(char c)
{
	for (unsigned int i = 0; i < 100000; i++) {
		if (inb(COM1_LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(COM1, (uint8_t)c);
}

static bool lock_line(void)
{
	for (uint32_t i = 0; i < LOCK_SPIN_LIMIT; i++) {
		if (!__atomic_exchange_n(&log_lock, 1, __ATOMIC_ACQUIRE))
			return true;
		cpu_relax();
	}
	return false;
}

static void unlock_line(void)
{
	__atomic_store_n(&log_lock, 0, __ATOMIC_RELEASE);
}

static void emit(struct sc_cpu *cpu, const char *fmt, va_list ap)
{
	char line[320];
	int n;

	if (cpu && !cpu->is_bsp)
		n = sc_snprintf(line, sizeof(line),
				"sidecar#%u: ", cpu->vp_index);
	else
		n = sc_snprintf(line, sizeof(line), "sidecar#boot: ");
	if (n < 0 || (unsigned int)n >= sizeof(line))
		n = 0;
	sc_vsnprintf(line + n, sizeof(line) - (unsigned int)n, fmt, ap);
	bool locked = lock_line();
	for (const char *p = line; *p; p++)
		uart_putc(*p);
	uart_putc('\n');
	if (locked)
		unlock_line();
}

void sc_log(struct sc_cpu *cpu, const char *fmt, ...)
{
	va_list ap;

	if (!sc_image.enable_logging)
		return;
	va_start(ap, fmt);
	emit(cpu, fmt, ap);
	va_end(ap);
}

void sc_report(struct sc_cpu *cpu, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(cpu, fmt, ap);
	va_end(ap);
}
