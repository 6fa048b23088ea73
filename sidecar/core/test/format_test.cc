// SPDX-License-Identifier: MIT
//
// sc_snprintf against the host's snprintf: fixed cases for every feature,
// then a randomized sweep over the supported grammar.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "sidecar/core/format.h"

namespace
{

constexpr size_t kBuf = 600;
// Output buffer sizes: none, only the NUL, cuts, and enough.
constexpr size_t kSizes[] = { 0, 1, 2, 3, 7, 16, 64, kBuf };

// Runs both formatters into sentinel-filled buffers of every size and
// compares the return value and all of the buffer, untouched bytes too.
template <typename Want, typename Got>
void CheckSame(int line, Want want_fn, Got got_fn)
{
	for (size_t size : kSizes) {
		char want[kBuf], got[kBuf];

		std::memset(want, 0x7F, sizeof(want));
		std::memset(got, 0x7F, sizeof(got));
		int w = want_fn(want, size);
		int g = got_fn(got, size);
		ASSERT_EQ(w, g) << "line " << line << " size " << size;
		ASSERT_EQ(std::memcmp(want, got, sizeof(want)), 0)
			<< "line " << line << " size " << size << ": want \""
			<< std::string(want, size ? std::strlen(want) : 0)
			<< "\" got \""
			<< std::string(got, size ? strnlen(got, size) : 0)
			<< "\"";
	}
}

// The format is a literal here, so -Wformat checks it for both calls.
#define CHECK_FMT(...)                                         \
	CheckSame(                                             \
		__LINE__,                                      \
		[&](char *b, size_t n) {                       \
			return snprintf(b, n, __VA_ARGS__);    \
		},                                             \
		[&](char *b, size_t n) {                       \
			return sc_snprintf(b, n, __VA_ARGS__); \
		})

TEST(Format, Literals)
{
	CHECK_FMT("");
	CHECK_FMT("hello");
	CHECK_FMT("%%");
	CHECK_FMT("100%% sure %%%%");
	CHECK_FMT("a longer text that is cut by most of the buffer sizes");
}

TEST(Format, Signed)
{
	for (int v : { 0, 1, -1, 7, -7, 42, 1000000, INT32_MAX, INT32_MIN }) {
		CHECK_FMT("%d", v);
		CHECK_FMT("%i", v);
		CHECK_FMT("[%5d]", v);
		CHECK_FMT("[%-5d]", v);
		CHECK_FMT("[%05d]", v);
		CHECK_FMT("[%+d]", v);
		CHECK_FMT("[% d]", v);
		CHECK_FMT("[%.3d]", v);
		CHECK_FMT("[%8.3d]", v);
		CHECK_FMT("[%-8.3d]", v);
		CHECK_FMT("[%08.3d]", v);
		CHECK_FMT("[%.0d]", v);
		CHECK_FMT("[%5.0d]", v);
		CHECK_FMT("[%+.0d]", v);
		CHECK_FMT("[%.d]", v);
		CHECK_FMT("[%12.10d]", v);
	}
	for (long v : { 0L, -1L, INT64_MAX, INT64_MIN, 123456789012L }) {
		CHECK_FMT("%ld", v);
		CHECK_FMT("%li|%25ld|%-25ld|%025ld", v, v, v, v);
		CHECK_FMT("%+ld % ld %.22ld", v, v, v);
	}
	for (long long v :
	     { 0LL, -1LL, (long long)INT64_MAX, (long long)INT64_MIN }) {
		CHECK_FMT("%lld|%lli|%30lld|%-30lld|%030lld", v, v, v, v, v);
	}
	for (ptrdiff_t v :
	     { (ptrdiff_t)0, (ptrdiff_t)-5, PTRDIFF_MAX, PTRDIFF_MIN }) {
		CHECK_FMT("%zd|%td|%jd", v, v, (intmax_t)v);
	}
	CHECK_FMT("%hhd %hhd %hd %hd", 300, -129, 70000, -32769);
}

// Flags that C defines as ignored next to another; -Wformat says so.
TEST(Format, OverriddenFlags)
{
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat"
	for (int v : { 0, 5, -5, 123456 }) {
		CHECK_FMT("[%-05d]", v);
		CHECK_FMT("[%0-5d]", v);
		CHECK_FMT("[%+ 08d]", v);
		CHECK_FMT("[% +8d]", v);
		CHECK_FMT("[%-#08x]", unsigned(v));
	}
#pragma clang diagnostic pop
}

TEST(Format, Unsigned)
{
	for (unsigned v : { 0u, 1u, 9u, 10u, 255u, 4096u, UINT32_MAX }) {
		CHECK_FMT("%u", v);
		CHECK_FMT("%x", v);
		CHECK_FMT("%X", v);
		CHECK_FMT("%#x", v);
		CHECK_FMT("%#X", v);
		CHECK_FMT("[%8x]", v);
		CHECK_FMT("[%-8x]", v);
		CHECK_FMT("[%08x]", v);
		CHECK_FMT("[%#08x]", v);
		CHECK_FMT("[%#-10X]", v);
		CHECK_FMT("[%#.5x]", v);
		CHECK_FMT("[%#10.5x]", v);
		CHECK_FMT("[%010.5x]", v);
		CHECK_FMT("[%.0x]", v);
		CHECK_FMT("[%#.0x]", v);
		CHECK_FMT("[%.0u]", v);
		CHECK_FMT("[%3.0u]", v);
	}
	for (unsigned long v :
	     { 0UL, 1UL, 0x1b000UL, UINT64_MAX, 0x8000000000000000UL }) {
		CHECK_FMT("%lu|%lx|%lX|%#lx|%#018lx|%-20lu|", v, v, v, v, v, v);
	}
	for (unsigned long long v :
	     { 0ULL, 0xdeadbeefcafef00dULL, (unsigned long long)UINT64_MAX }) {
		CHECK_FMT("%llu|%llx|%llX|%#llx|%.20llx", v, v, v, v, v);
	}
	for (size_t v : { (size_t)0, (size_t)4096, SIZE_MAX }) {
		CHECK_FMT("%zu|%zx|%zX|%#zx", v, v, v, v);
	}
	CHECK_FMT("%hhu %hhx %hu %hx", 300, 0x1ff, 70000, 0x12345);
	CHECK_FMT("%ju %jx %tu", (uintmax_t)UINTMAX_MAX, (uintmax_t)UINTMAX_MAX,
		  (ptrdiff_t)12);
}

TEST(Format, Char)
{
	for (int c : { int('a'), int('Z'), int(' '), int('%'), 0x7f, 0xe9 }) {
		CHECK_FMT("%c", c);
		CHECK_FMT("[%3c]", c);
		CHECK_FMT("[%-3c]", c);
		CHECK_FMT("[%1c]", c);
	}
	// A NUL is output and counted like any character.
	CHECK_FMT("a%cb", 0);
}

TEST(Format, String)
{
	for (const char *s : { "", "x", "hello", "héllo wörld",
			       "a fairly long string of some forty bytes" }) {
		CHECK_FMT("%s", s);
		CHECK_FMT("[%10s]", s);
		CHECK_FMT("[%-10s]", s);
		CHECK_FMT("[%.3s]", s);
		CHECK_FMT("[%.0s]", s);
		CHECK_FMT("[%10.3s]", s);
		CHECK_FMT("[%-10.3s]", s);
		CHECK_FMT("[%.100s]", s);
		CHECK_FMT("[%s|%s]", s, s);
	}
	const char *null = nullptr;
	CHECK_FMT("%s", null);
	CHECK_FMT("[%10s]", null);
	CHECK_FMT("[%-10s]", null);
}

TEST(Format, StringPrecisionReadsNoFurther)
{
	// Not NUL terminated: precision must keep the read inside.
	const char raw[4] = { 'a', 'b', 'c', 'd' };
	char out[16];

	EXPECT_EQ(sc_snprintf(out, sizeof(out), "%.4s|%.2s", raw, raw), 7);
	EXPECT_STREQ(out, "abcd|ab");
}

TEST(Format, Pointer)
{
	int x;
	void *ptrs[] = { &x, (void *)0x1, (void *)0xffffffff80000000UL,
			 (void *)UINTPTR_MAX, nullptr };

	for (void *p : ptrs) {
		CHECK_FMT("%p", p);
		CHECK_FMT("[%20p]", p);
		CHECK_FMT("[%-20p]", p);
	}
}

TEST(Format, StarWidthAndPrecision)
{
	for (int w : { -12, -1, 0, 1, 5, 30 }) {
		CHECK_FMT("[%*d]", w, 42);
		CHECK_FMT("[%*s]", w, "abc");
		CHECK_FMT("[%-*x]", w, 0xabcu);
		for (int p : { -3, -1, 0, 2, 7 }) {
			CHECK_FMT("[%*.*d]", w, p, -42);
			CHECK_FMT("[%*.*s]", w, p, "abcdef");
			CHECK_FMT("[%0*.*u]", w, p, 42u);
		}
	}
}

TEST(Format, Mixed)
{
	CHECK_FMT("node %u: memory [0x%llx, 0x%llx) overlaps %s", 3u,
		  0x200000ULL, 0x21b000ULL, "the image");
	CHECK_FMT("%s=%d (%#x) %c%c %5.2s|%-4u|%%|%p", "name", -17, 255u, 'o',
		  'k', "xyz", 9u, (void *)0x1000);
}

TEST(Format, LongOutputIsCountedPastTheBuffer)
{
	char out[8];
	std::string want(1000, 'x');

	EXPECT_EQ(sc_snprintf(out, sizeof(out), "%1000s", "x"), 1000);
	EXPECT_STREQ(out, "       ");
	EXPECT_EQ(sc_snprintf(nullptr, 0, "%s", want.c_str()), 1000);
}

TEST(Format, SizeZeroWritesNothing)
{
	char out[4] = { 'q', 'q', 'q', 'q' };

	EXPECT_EQ(sc_snprintf(out, 0, "abc%d", 12), 5);
	EXPECT_EQ(out[0], 'q');
}

TEST(Format, UnsupportedConversionIsCopied)
{
	char out[32];

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat"
#pragma clang diagnostic ignored "-Wformat-invalid-specifier"
#pragma clang diagnostic ignored "-Wformat-extra-args"
	EXPECT_EQ(sc_snprintf(out, sizeof(out), "a%-5yb"), 6);
	EXPECT_STREQ(out, "a%-5yb");
	EXPECT_EQ(sc_snprintf(out, sizeof(out), "end%"), 4);
	EXPECT_STREQ(out, "end%");
#pragma clang diagnostic pop
}

// The randomized sweep builds formats at run time.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat-nonliteral"
#pragma clang diagnostic ignored "-Wformat-security"

template <typename T> void CheckOne(const std::string &fmt, T v)
{
	CheckSame(
		__LINE__,
		[&](char *b, size_t n) {
			return snprintf(b, n, fmt.c_str(), v);
		},
		[&](char *b, size_t n) {
			return sc_snprintf(b, n, fmt.c_str(), v);
		});
	if (::testing::Test::HasFatalFailure())
		ADD_FAILURE() << "format \"" << fmt << "\"";
}

TEST(Format, RandomizedAgainstHost)
{
	std::mt19937_64 rng(12345);
	const char *lengths[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	const char *strings[] = {
		"",	   "a",	      "abc",
		"sidecar", "ünïcödé", "0123456789abcdef0123456789abcdef"
	};

	for (int iter = 0; iter < 20000 && !HasFatalFailure(); iter++) {
		const char conv = "diuxXcsp"[rng() % 8];
		const bool integer = std::strchr("diuxX", conv) != nullptr;
		std::string fmt = "<%";

		if (rng() % 3 == 0)
			fmt += '-';
		if (integer && rng() % 3 == 0)
			fmt += '0';
		if ((conv == 'x' || conv == 'X') && rng() % 2)
			fmt += '#';
		if ((conv == 'd' || conv == 'i') && rng() % 4 == 0)
			fmt += '+';
		if ((conv == 'd' || conv == 'i') && rng() % 4 == 0)
			fmt += ' ';
		if (rng() % 2)
			fmt += std::to_string(rng() % 25);
		if ((integer || conv == 's') && rng() % 2)
			fmt += "." + std::to_string(rng() % 22);
		const char *len = integer ? lengths[rng() % 8] : "";
		fmt += len;
		fmt += conv;
		fmt += '>';

		uint64_t r = rng();
		// Small values as often as large ones.
		if (rng() % 2)
			r = static_cast<uint64_t>(static_cast<int64_t>(r) %
						  1000);
		std::string l = len;
		if (conv == 'c') {
			CheckOne(fmt, static_cast<int>(1 + rng() % 255));
		} else if (conv == 's') {
			CheckOne(fmt, strings[rng() % 6]);
		} else if (conv == 'p') {
			CheckOne(fmt, rng() % 8 ? reinterpret_cast<void *>(r) :
						  nullptr);
		} else if (l == "" || l == "hh" || l == "h") {
			CheckOne(fmt, static_cast<int>(r));
		} else if (l == "l") {
			CheckOne(fmt, static_cast<long>(r));
		} else if (l == "ll") {
			CheckOne(fmt, static_cast<long long>(r));
		} else if (l == "z") {
			CheckOne(fmt, static_cast<size_t>(r));
		} else if (l == "j") {
			CheckOne(fmt, static_cast<intmax_t>(r));
		} else {
			CheckOne(fmt, static_cast<ptrdiff_t>(r));
		}
	}
}

#pragma clang diagnostic pop

} // namespace
