/* SPDX-License-Identifier: MIT */
/*
 * Force-included in every image source: every symbol, declarations too,
 * is local to the image, so references compile to RIP-relative
 * addressing instead of GOT loads. Code that runs before the image has
 * relocated itself (entry.S, reloc.c, paging.c) depends on that.
 */
#pragma GCC visibility push(hidden)
