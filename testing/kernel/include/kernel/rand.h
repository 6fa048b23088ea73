/*
 * A small deterministic PRNG (xorshift64*) for scenarios run with seed=S.
 */
#ifndef KERNEL_RAND_H
#define KERNEL_RAND_H

#include <stdint.h>

struct rand {
	uint64_t state;
};

static inline void rand_seed(struct rand *r, uint64_t seed)
{
	r->state = seed ? seed : 0x9e3779b97f4a7c15ull;
}

static inline uint64_t rand_next(struct rand *r)
{
	r->state ^= r->state >> 12;
	r->state ^= r->state << 25;
	r->state ^= r->state >> 27;
	return r->state * 0x2545f4914f6cdd1dull;
}

/* Uniform enough in [0, n) for test choices; n > 0. */
static inline uint32_t rand_below(struct rand *r, uint32_t n)
{
	return (uint32_t)(rand_next(r) % n);
}

#endif
