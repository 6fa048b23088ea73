// SPDX-License-Identifier: MIT
//
// The image contract of docs/DESIGN.md §3, checked on the very file that
// //sidecar:image builds: an x86-64 ET_DYN linked at 0 with no interpreter,
// no undefined symbols, only relocations the image applies itself, every
// loadable byte within 2 MiB, and the entry point inside the text.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace
{

std::string g_image_path;

class ImageFormat : public ::testing::Test {
    protected:
	void SetUp() override
	{
		std::ifstream f(g_image_path, std::ios::binary);
		ASSERT_TRUE(f.good()) << "cannot open " << g_image_path;
		bytes_.assign(std::istreambuf_iterator<char>(f), {});
		ASSERT_GE(bytes_.size(), sizeof(Elf64_Ehdr));
		std::memcpy(&eh_, bytes_.data(), sizeof(eh_));
	}

	template <typename T> T at(uint64_t off) const
	{
		T v;
		EXPECT_LE(off + sizeof(T), bytes_.size());
		std::memcpy(&v, bytes_.data() + off, sizeof(T));
		return v;
	}

	std::vector<Elf64_Phdr> phdrs() const
	{
		std::vector<Elf64_Phdr> v;
		for (unsigned i = 0; i < eh_.e_phnum; i++)
			v.push_back(at<Elf64_Phdr>(eh_.e_phoff +
						   i * eh_.e_phentsize));
		return v;
	}

	std::vector<Elf64_Shdr> shdrs() const
	{
		std::vector<Elf64_Shdr> v;
		for (unsigned i = 0; i < eh_.e_shnum; i++)
			v.push_back(at<Elf64_Shdr>(eh_.e_shoff +
						   i * eh_.e_shentsize));
		return v;
	}

	std::vector<char> bytes_;
	Elf64_Ehdr eh_{};
};

TEST_F(ImageFormat, IsAnX86_64SharedObjectWithoutInterpreter)
{
	EXPECT_EQ(0, std::memcmp(eh_.e_ident, ELFMAG, SELFMAG));
	EXPECT_EQ(ELFCLASS64, eh_.e_ident[EI_CLASS]);
	EXPECT_EQ(ELFDATA2LSB, eh_.e_ident[EI_DATA]);
	EXPECT_EQ(ET_DYN, eh_.e_type);
	EXPECT_EQ(EM_X86_64, eh_.e_machine);
	for (const auto &p : phdrs())
		EXPECT_NE(PT_INTERP, p.p_type)
			<< "the image has an interpreter";
}

TEST_F(ImageFormat, LoadsWithin2MiBAndEntryIsInText)
{
	uint64_t end = 0;
	bool entry_in_text = false;
	int loads = 0;
	for (const auto &p : phdrs()) {
		if (p.p_type != PT_LOAD)
			continue;
		loads++;
		EXPECT_EQ(0u, p.p_vaddr % 4096) << "segment not page aligned";
		EXPECT_FALSE((p.p_flags & PF_W) && (p.p_flags & PF_X))
			<< "writable and executable segment at " << p.p_vaddr;
		end = std::max(end, p.p_vaddr + p.p_memsz);
		if ((p.p_flags & PF_X) && eh_.e_entry >= p.p_vaddr &&
		    eh_.e_entry < p.p_vaddr + p.p_memsz)
			entry_in_text = true;
	}
	EXPECT_GE(loads, 2);
	EXPECT_LE(end, 2u * 1024 * 1024);
	EXPECT_TRUE(entry_in_text);
}

TEST_F(ImageFormat, HasNoUndefinedSymbolsAndOnlyRelativeRelocations)
{
	for (const auto &s : shdrs()) {
		if (s.sh_type == SHT_SYMTAB || s.sh_type == SHT_DYNSYM) {
			for (uint64_t off = sizeof(Elf64_Sym); off < s.sh_size;
			     off += sizeof(Elf64_Sym)) {
				auto sym = at<Elf64_Sym>(s.sh_offset + off);
				if (ELF64_ST_TYPE(sym.st_info) == STT_FILE ||
				    ELF64_ST_TYPE(sym.st_info) == STT_SECTION)
					continue;
				EXPECT_NE(SHN_UNDEF, sym.st_shndx)
					<< "undefined symbol at index "
					<< off / sizeof(Elf64_Sym);
			}
		}
		if (s.sh_type == SHT_RELA) {
			for (uint64_t off = 0; off < s.sh_size;
			     off += sizeof(Elf64_Rela)) {
				auto r = at<Elf64_Rela>(s.sh_offset + off);
				EXPECT_EQ(uint32_t(R_X86_64_RELATIVE),
					  ELF64_R_TYPE(r.r_info));
			}
		}
		EXPECT_NE(uint32_t(SHT_REL), s.sh_type);
	}
}

// The entry zeroes BSS before it relocates: a relocation there would be
// lost, so every one must target bytes the file itself holds.
TEST_F(ImageFormat, RelocationsTargetFileBackedBytesOnly)
{
	std::vector<Elf64_Phdr> loads;
	for (const auto &p : phdrs())
		if (p.p_type == PT_LOAD)
			loads.push_back(p);
	for (const auto &s : shdrs()) {
		if (s.sh_type != SHT_RELA)
			continue;
		for (uint64_t off = 0; off < s.sh_size;
		     off += sizeof(Elf64_Rela)) {
			auto r = at<Elf64_Rela>(s.sh_offset + off);
			bool in_file = false;
			for (const auto &p : loads)
				in_file |= r.r_offset >= p.p_vaddr &&
					   r.r_offset + 8 <=
						   p.p_vaddr + p.p_filesz;
			EXPECT_TRUE(in_file)
				<< "relocation at 0x" << std::hex << r.r_offset
				<< " outside the file (BSS?)";
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	::testing::InitGoogleTest(&argc, argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
		return 2;
	}
	g_image_path = argv[1];
	return RUN_ALL_TESTS();
}
