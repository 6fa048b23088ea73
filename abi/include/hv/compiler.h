/* SPDX-License-Identifier: MIT */
/*
 * Portability macros for the ABI headers.
 *
 * Every header under hv/ and sidecar/ must compile as C11, as C++17 and in
 * freestanding code (only <stdint.h>, <stddef.h> and <stdbool.h>). Constants
 * are also usable from assembly: everything else is hidden from
 * __ASSEMBLER__.
 */
#ifndef HV_COMPILER_H
#define HV_COMPILER_H

#ifdef __ASSEMBLER__

/* The assembler has no integer suffixes; its arithmetic is 64-bit anyway. */
#define HV_U32(x) x
#define HV_U64(x) x

#else /* !__ASSEMBLER__ */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Only for literals: the suffix is pasted onto the token. */
#define HV_U32(x) UINT32_C(x)
#define HV_U64(x) UINT64_C(x)

#ifdef __cplusplus
#define HV_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#define HV_ALIGNOF(type) alignof(type)
/* C++ has no flexible array members; GCC and clang accept them anyway. */
#define HV_FLEX_ARRAY(decl)                                              \
	_Pragma("GCC diagnostic push")                                   \
		_Pragma("GCC diagnostic ignored \"-Wpedantic\"") decl[]; \
	_Pragma("GCC diagnostic pop")
#else
#define HV_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#define HV_ALIGNOF(type) _Alignof(type)
#define HV_FLEX_ARRAY(decl) decl[];
#endif

/*
 * Alignment goes on the struct type, never through _Alignas on a member:
 * _Alignas on a declaration with several declarators aligns each of them,
 * and C++ has no _Alignas.
 */
#define HV_ALIGNED(n) __attribute__((aligned(n)))

/* Use at file scope, followed by ';'. */
#define HV_ASSERT_LAYOUT(type, size, align)                       \
	HV_STATIC_ASSERT(sizeof(type) == (size), #type ": size"); \
	HV_STATIC_ASSERT(HV_ALIGNOF(type) == (align), #type ": align")

#define HV_ASSERT_OFFSET(type, member, offset)               \
	HV_STATIC_ASSERT(offsetof(type, member) == (offset), \
			 #type "." #member ": offset")

#endif /* !__ASSEMBLER__ */

#define HV_BIT32(n) (HV_U32(1) << (n))
#define HV_BIT64(n) (HV_U64(1) << (n))

#endif /* HV_COMPILER_H */
