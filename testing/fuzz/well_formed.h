// SPDX-License-Identifier: MIT
//
// What every error the sidecar writes must look like: 1..255 bytes of
// NUL-free, well-formed UTF-8 (DESIGN.md §4). Shared by the fuzzers.
#ifndef TESTING_FUZZ_WELL_FORMED_H
#define TESTING_FUZZ_WELL_FORMED_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "sidecar/defs.h"

namespace sc_fuzz
{

[[noreturn]] inline void Fail(const char *what)
{
	fprintf(stderr, "fuzz invariant violated: %s\n", what);
	abort();
}

inline void Check(bool ok, const char *what)
{
	if (!ok)
		Fail(what);
}

// Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
inline bool IsUtf8(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t len;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
		if (cp < min[len] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

inline void CheckError(const sidecar_command_error &e)
{
	Check(e.len >= 1, "an error without text");
	for (size_t i = 0; i < e.len; i++)
		Check(e.buf[i] != 0, "a NUL inside the error text");
	Check(IsUtf8(e.buf, e.len), "error text is not well-formed UTF-8");
}

} // namespace sc_fuzz

#endif
