/*
 * Kernel command line: space-separated key=value options.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/* Panics on an option whose key is not in the NULL-terminated list. */
void cmdline_check(const char *cmdline, const char *const *known);
/* Copies the value of key into buf; returns def (copied) when absent. */
void cmdline_get_str(const char *cmdline, const char *key, char *buf,
		     size_t size, const char *def);
/* Decimal or 0x-hex; panics on garbage. */
uint64_t cmdline_get_u64(const char *cmdline, const char *key, uint64_t def);

#endif
