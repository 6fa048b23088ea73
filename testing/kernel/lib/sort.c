/*
 * Heapsort for benchmark samples: tens of thousands of values, so no
 * quadratic sort, and no recursion on a 16 KiB stack.
 */
#include <kernel/sort.h>

static void sift_down(uint64_t *a, size_t root, size_t end)
{
	for (;;) {
		size_t child = 2 * root + 1;
		uint64_t t;

		if (child >= end)
			return;
		if (child + 1 < end && a[child] < a[child + 1])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

void sort_u64(uint64_t *a, size_t n)
{
	size_t i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (i = n - 1; i > 0; i--) {
		uint64_t t = a[0];

		a[0] = a[i];
		a[i] = t;
		sift_down(a, 0, i);
	}
}
