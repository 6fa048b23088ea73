// SPDX-License-Identifier: MIT
//
// UTF-8 truncation and the command error text.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "sidecar/core/error.h"

namespace
{

size_t Truncate(const std::string &s, size_t max)
{
	return sc_utf8_truncate(s.data(), s.size(), max);
}

const std::string k2 = "\xC3\xA9"; // é
const std::string k3 = "\xE2\x82\xAC"; // €
const std::string k4 = "\xF0\x9F\x98\x80"; // 😀

TEST(Utf8Truncate, Ascii)
{
	EXPECT_EQ(Truncate("", 10), 0u);
	EXPECT_EQ(Truncate("abc", 0), 0u);
	EXPECT_EQ(Truncate("abc", 2), 2u);
	EXPECT_EQ(Truncate("abc", 3), 3u);
	EXPECT_EQ(Truncate("abc", 100), 3u);
	// len bounds it as well as max.
	EXPECT_EQ(sc_utf8_truncate("abcdef", 4, 10), 4u);
}

TEST(Utf8Truncate, NeverSplitsASequence)
{
	for (const std::string &seq : { k2, k3, k4 }) {
		std::string s = "ab" + seq + "c";

		for (size_t max = 0; max <= s.size() + 1; max++) {
			size_t want;

			if (max < 2)
				want = max;
			else if (max < 2 + seq.size())
				want = 2;
			else
				want = std::min(max, s.size());
			EXPECT_EQ(Truncate(s, max), want)
				<< "seq len " << seq.size() << " max " << max;
		}
	}
}

TEST(Utf8Truncate, SequenceCutByLenIsInvalid)
{
	// The input itself ends inside a sequence: its bytes are ill-formed
	// and count one by one.
	std::string s = "a" + k4.substr(0, 3);

	EXPECT_EQ(Truncate(s, 3), 3u);
	EXPECT_EQ(Truncate(s, 4), 4u);
}

TEST(Utf8Truncate, InvalidBytesCountAlone)
{
	struct {
		std::string s;
		size_t max;
		size_t want;
	} cases[] = {
		{ "a\x80"
		  "bc",
		  2, 2 }, // stray continuation
		{ "a\xFF"
		  "bc",
		  2, 2 }, // never valid
		{ "a\xC0\xAF", 2, 2 }, // overlong lead
		{ "a\xC0\xAF", 3, 3 },
		{ "a\xE0\x80\x80", 3, 3 }, // overlong 3-byte form
		{ "a\xED\xA0\x80", 2, 2 }, // surrogate
		{ "a\xED\xA0\x80", 3, 3 },
		{ "a\xF4\x90\x80\x80", 3, 3 }, // above U+10FFFF
		{ "a\xF5\x80\x80\x80", 2, 2 },
		{ "a\xE2\x82"
		  "b",
		  3, 3 }, // lead without enough continuations
		{ "a\xF0\x9F\x98"
		  "b",
		  4, 4 },
	};

	for (const auto &c : cases)
		EXPECT_EQ(Truncate(c.s, c.max), c.want)
			<< "case " << (&c - cases);
	// Well-formed edges of table 3-7 stay whole.
	EXPECT_EQ(Truncate("a\xE0\xA0\x80", 3), 1u);
	EXPECT_EQ(Truncate("a\xED\x9F\xBF", 3), 1u);
	EXPECT_EQ(Truncate("a\xF0\x90\x80\x80", 4), 1u);
	EXPECT_EQ(Truncate("a\xF4\x8F\xBF\xBF", 4), 1u);
	EXPECT_EQ(Truncate("a\xF4\x8F\xBF\xBF", 5), 5u);
}

std::string Text(const sidecar_command_error &e)
{
	return std::string(reinterpret_cast<const char *>(e.buf), e.len);
}

void ExpectTail(const sidecar_command_error &e)
{
	for (size_t i = e.len; i < sizeof(e.buf); i++)
		ASSERT_EQ(e.buf[i], 0) << "byte " << i;
}

TEST(ErrorSet, ShortMessage)
{
	sidecar_command_error e;

	std::memset(&e, 0xEE, sizeof(e));
	sc_error_set(&e, "unknown command %u", 99u);
	EXPECT_EQ(Text(e), "unknown command 99");
	ExpectTail(e);
}

TEST(ErrorSet, Empty)
{
	sidecar_command_error e;

	std::memset(&e, 0xEE, sizeof(e));
	sc_error_set(&e, "%s", "");
	EXPECT_EQ(e.len, 0);
	ExpectTail(e);
}

TEST(ErrorSet, ExactlyMaxAndLonger)
{
	sidecar_command_error e;
	std::string s(SIDECAR_ERROR_MAX_LEN, 'x');

	sc_error_set(&e, "%s", s.c_str());
	EXPECT_EQ(Text(e), s);
	sc_error_set(&e, "%s", (s + "yz").c_str());
	EXPECT_EQ(Text(e), s);
	sc_error_set(&e, "%s", std::string(5000, 'q').c_str());
	EXPECT_EQ(e.len, SIDECAR_ERROR_MAX_LEN);
}

// A sequence of every length placed at every offset around byte 255.
TEST(ErrorSet, TruncatesAtCharacterBoundaryAcross255)
{
	for (const std::string &seq : { k2, k3, k4 }) {
		for (size_t start = SIDECAR_ERROR_MAX_LEN - 5;
		     start <= SIDECAR_ERROR_MAX_LEN + 1; start++) {
			std::string s = std::string(start, 'a') + seq + "tail";
			sidecar_command_error e;

			std::memset(&e, 0xEE, sizeof(e));
			sc_error_set(&e, "%s", s.c_str());
			size_t want =
				start + seq.size() <= SIDECAR_ERROR_MAX_LEN ?
					SIDECAR_ERROR_MAX_LEN :
					std::min<size_t>(start,
							 SIDECAR_ERROR_MAX_LEN);
			EXPECT_EQ(e.len, want) << "seq len " << seq.size()
					       << " start " << start;
			EXPECT_EQ(Text(e), s.substr(0, want));
			ExpectTail(e);
		}
	}
}

TEST(ErrorSet, OnlyMultibyteCharacters)
{
	// 85 three-byte characters are exactly 255 bytes; 64 four-byte
	// characters are 256, so the last one goes.
	std::string three, four;

	for (int i = 0; i < 90; i++)
		three += k3;
	for (int i = 0; i < 64; i++)
		four += k4;
	sidecar_command_error e;
	sc_error_set(&e, "%s", three.c_str());
	EXPECT_EQ(e.len, 255);
	sc_error_set(&e, "%s", four.c_str());
	EXPECT_EQ(e.len, 252);
	EXPECT_EQ(Text(e), four.substr(0, 252));
}

TEST(ErrorClear, ZeroesEverything)
{
	sidecar_command_error e;

	std::memset(&e, 0xEE, sizeof(e));
	sc_error_clear(&e);
	EXPECT_EQ(e.len, 0);
	ExpectTail(e);
}

} // namespace
