/*
 * test=smp: passes when every CPU the MADT enumerates has reported in.
 * (smp_boot_aps() already panics naming the missing ones on timeout.)
 */
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/tests.h>

int test_smp(const char *cmdline)
{
	unsigned int online = smp_cpus_online();

	(void)cmdline;
	printf("smp: %u/%u cpus online\n", online, nr_cpus);
	return online == nr_cpus ? 0 : -1;
}
