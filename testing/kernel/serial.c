/*
 * COM1 (16550) polled output.
 *
 * One lock serialises whole buffers, so a printf() line is never split.
 * The lock remembers its owner: a CPU that faults or panics while holding
 * it prints anyway instead of deadlocking on itself, and once a panic is
 * in progress nobody waits forever for a holder that may be dead.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/serial.h>

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter completely idle */

/* Spins before a panicking CPU stops waiting for the lock holder. */
#define PANIC_LOCK_SPINS (1UL << 24)

static uint32_t serial_owner; /* cpu index + 1; 0 = free */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00); /* no interrupts: we poll */
	outb(COM1 + UART_LCR, 0x80); /* DLAB: divisor follows */
	outb(COM1 + UART_DATA, 0x01); /* 115200 baud */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	outb(COM1 + UART_FCR, 0xc7); /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
	/* A missing UART reads 0xff, so this cannot hang. */
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		cpu_relax();
	outb(COM1 + UART_DATA, (uint8_t)c);
}

/* Returns 1 if the lock was taken and must be released. */
static int serial_lock(void)
{
	uint32_t me = this_cpu_index() + 1;
	unsigned long spins = 0;

	if (__atomic_load_n(&serial_owner, __ATOMIC_RELAXED) == me)
		return 0; /* re-entered from a fault or panic */
	for (;;) {
		uint32_t free = 0;

		if (__atomic_compare_exchange_n(&serial_owner, &free, me, 0,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 1;
		if (__atomic_load_n(&panic_in_progress, __ATOMIC_RELAXED) &&
		    ++spins > PANIC_LOCK_SPINS)
			return 0;
		cpu_relax();
	}
}

void serial_write(const char *s, size_t len)
{
	uint64_t flags = read_rflags();
	int locked;

	/* No interrupt handler may run on this CPU while we hold the lock. */
	cli();
	locked = serial_lock();
	while (len--)
		serial_putc(*s++);
	if (locked)
		__atomic_store_n(&serial_owner, 0, __ATOMIC_RELEASE);
	if (flags & RFLAGS_IF)
		sti();
}

void serial_flush(void)
{
	unsigned long n;

	for (n = 0; n < (1UL << 20); n++)
		if (inb(COM1 + UART_LSR) & LSR_TEMT)
			return;
}
