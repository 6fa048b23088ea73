/*
 * COM1 output. serial_write() emits a buffer as one unit, so that lines
 * from different CPUs never interleave.
 */
#ifndef KERNEL_SERIAL_H
#define KERNEL_SERIAL_H

#include <stddef.h>

void serial_init(void);
void serial_write(const char *s, size_t len);
/* Wait until the UART has sent everything (before QEMU exits). */
void serial_flush(void);

#endif
