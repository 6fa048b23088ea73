/*
 * In-place heapsort: O(n log n), no recursion, no allocation.
 */
#ifndef KERNEL_SORT_H
#define KERNEL_SORT_H

#include <stddef.h>
#include <stdint.h>

void sort_u64(uint64_t *a, size_t n);

#endif
