/*
 * Test scenarios selected with test=NAME on the command line. Each runs
 * after all APs are online and returns 0 on success.
 */
#ifndef KERNEL_TESTS_H
#define KERNEL_TESTS_H

int test_smp(const char *cmdline);
int test_ipi_pingpong(const char *cmdline);
int test_irq_window(const char *cmdline);
/* Must fail: a page fault on cpu=N. Checks the failure path itself. */
int test_fault(const char *cmdline);

#endif
