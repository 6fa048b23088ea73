// SPDX-License-Identifier: MIT
//
// //sidecar:image read the way OpenHCL's IGVM build reads a sidecar
// (openvmm vm/loader/src/paravisor.rs calling load_static_elf of
// vm/loader/src/elf.rs with start_address 0, the 2 MiB-aligned load offset
// as base and assume_pic false): every PT_LOAD imported at p_paddr + base,
// page by page, with no page imported twice; nothing relocated by the
// loader; the sidecar's size the page-rounded end of the last PT_LOAD
// minus base; its entry e_entry + base. Then the image must work with what
// that gives it: its linked layout is its physical layout, it claims no
// byte past that size, its entry is its entry code, and it finds and
// applies its relocations itself. Any violation fails the test.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace
{

std::string g_image_path;

constexpr uint64_t kPage = 4096;
constexpr uint64_t kLargePage = 2 << 20;

struct Segment {
	uint64_t gpa, memsz, filesz, offset;
	uint32_t flags;
};

// What the IGVM build records about the sidecar, plus the bytes it
// imported (relative to base) so the image's own data can be read back.
struct Load {
	std::string error; // empty: loaded
	uint64_t base = 0, size = 0, entry = 0;
	std::vector<Segment> segments;
	std::vector<uint8_t> memory;
};

template <typename T>
bool Read(const std::vector<uint8_t> &f, uint64_t off, T *v)
{
	if (off > f.size() || f.size() - off < sizeof(T))
		return false;
	std::memcpy(v, f.data() + off, sizeof(T));
	return true;
}

std::string Hex(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	return b;
}

// load_static_elf(start_address 0, load_offset base, assume_pic false), and
// the importer's rule that a page is imported once.
Load LoadAsUpstream(const std::vector<uint8_t> &f, uint64_t base)
{
	Load l;
	Elf64_Ehdr eh;
	std::set<uint64_t> pages;
	uint64_t last = base;

	l.base = base;
	if (!Read(f, 0, &eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_VERSION] != EV_CURRENT ||
	    eh.e_phentsize != sizeof(Elf64_Phdr)) {
		l.error = "not a supported ELF64 file header";
		return l;
	}
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		l.error = "big-endian ELF";
		return l;
	}
	if (eh.e_machine != EM_X86_64) {
		l.error = "target machine is not x86-64";
		return l;
	}
	if (eh.e_entry > UINT64_MAX - base) {
		l.error = "entry + base overflows";
		return l;
	}
	l.entry = eh.e_entry + base;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr p;

		if (!Read(f, eh.e_phoff + uint64_t(i) * eh.e_phentsize, &p)) {
			l.error = "program header " + std::to_string(i) +
				  " outside the file";
			return l;
		}
		if (p.p_type != PT_LOAD)
			continue;
		const std::string seg = "PT_LOAD " + std::to_string(i);
		if (p.p_paddr > UINT64_MAX - base ||
		    p.p_memsz > UINT64_MAX - kPage - (p.p_paddr + base)) {
			l.error = seg + ": p_paddr + base overflows";
			return l;
		}
		if (p.p_filesz > p.p_memsz || p.p_offset > f.size() ||
		    f.size() - p.p_offset < p.p_filesz) {
			l.error = seg + ": file bytes outside the file or "
					"beyond p_memsz";
			return l;
		}
		const uint64_t gpa = p.p_paddr + base;
		const uint64_t first = gpa / kPage;
		const uint64_t count =
			((gpa & (kPage - 1)) + p.p_memsz + kPage - 1) / kPage;
		for (uint64_t pg = first; pg < first + count; pg++) {
			if (!pages.insert(pg).second) {
				l.error = seg + ": page " + Hex(pg * kPage) +
					  " already imported by an earlier "
					  "PT_LOAD";
				return l;
			}
		}
		last = std::max(last, (first + count) * kPage);
		l.segments.push_back(
			{ gpa, p.p_memsz, p.p_filesz, p.p_offset, p.p_flags });
	}
	if (l.segments.empty()) {
		l.error = "no PT_LOAD";
		return l;
	}
	l.size = last - base;
	if (l.size > kLargePage) {
		l.error = "image " + Hex(l.size) + " bytes, more than 2 MiB";
		return l;
	}
	l.memory.assign(l.size, 0);
	for (const Segment &s : l.segments) {
		if (s.gpa < base) {
			l.error = "a PT_LOAD below base";
			return l;
		}
		std::memcpy(l.memory.data() + (s.gpa - base),
			    f.data() + s.offset, s.filesz);
	}
	return l;
}

class UpstreamLoader : public ::testing::Test {
    protected:
	void SetUp() override
	{
		std::ifstream in(g_image_path, std::ios::binary);
		ASSERT_TRUE(in.good()) << "cannot open " << g_image_path;
		file_.assign(std::istreambuf_iterator<char>(in), {});
		ASSERT_TRUE(Read(file_, 0, &eh_));
		for (unsigned i = 0; i < eh_.e_phnum; i++) {
			Elf64_Phdr p;
			ASSERT_TRUE(Read(
				file_, eh_.e_phoff + i * eh_.e_phentsize, &p));
			phdrs_.push_back(p);
		}
		ReadSymbols();
	}

	void ReadSymbols()
	{
		for (unsigned i = 0; i < eh_.e_shnum; i++) {
			Elf64_Shdr s, str;
			ASSERT_TRUE(Read(
				file_, eh_.e_shoff + i * eh_.e_shentsize, &s));
			if (s.sh_type != SHT_SYMTAB)
				continue;
			ASSERT_TRUE(
				Read(file_,
				     eh_.e_shoff + s.sh_link * eh_.e_shentsize,
				     &str));
			for (uint64_t o = 0; o + sizeof(Elf64_Sym) <= s.sh_size;
			     o += sizeof(Elf64_Sym)) {
				Elf64_Sym sym;
				ASSERT_TRUE(Read(file_, s.sh_offset + o, &sym));
				if (sym.st_name >= str.sh_size)
					continue;
				const char *name =
					reinterpret_cast<const char *>(
						file_.data() + str.sh_offset +
						sym.st_name);
				symbols_[name] = sym.st_value;
			}
		}
	}

	uint64_t Symbol(const char *name)
	{
		auto it = symbols_.find(name);
		EXPECT_NE(it, symbols_.end()) << "no symbol " << name;
		return it == symbols_.end() ? 0 : it->second;
	}

	// The loaded segment holding [off, off + len) of the image, or null.
	static const Segment *Holding(const Load &l, uint64_t off, uint64_t len)
	{
		for (const Segment &s : l.segments)
			if (off >= s.gpa - l.base &&
			    off - (s.gpa - l.base) <= s.memsz &&
			    s.memsz - (off - (s.gpa - l.base)) >= len)
				return &s;
		return nullptr;
	}

	std::vector<uint8_t> file_;
	Elf64_Ehdr eh_{};
	std::vector<Elf64_Phdr> phdrs_;
	std::map<std::string, uint64_t> symbols_;
};

// Bases the IGVM build may pick: any 2 MiB boundary of VTL2 memory,
// including above 4 GiB.
const uint64_t kBases[] = { 0x200000, 0x3fe00000, 0x100000000, 0x7ffffe00000 };

TEST_F(UpstreamLoader, LoadsAtEveryLargePageBase)
{
	for (uint64_t base : kBases) {
		Load l = LoadAsUpstream(file_, base);

		EXPECT_EQ(l.error, "") << "base " << Hex(base);
		EXPECT_EQ(l.entry, eh_.e_entry + base);
		EXPECT_EQ(l.size % kPage, 0u);
	}
}

// The loader places by p_paddr; the image computes every address (its
// relocations, __image_end, its page tables) from p_vaddr.
TEST_F(UpstreamLoader, PhysicalLayoutIsTheLinkedLayout)
{
	for (const Elf64_Phdr &p : phdrs_) {
		if (p.p_type != PT_LOAD)
			continue;
		EXPECT_EQ(p.p_paddr, p.p_vaddr)
			<< "PT_LOAD at vaddr " << Hex(p.p_vaddr);
		EXPECT_EQ(p.p_vaddr % kPage, 0u);
	}
}

// openhcl_boot treats [base, base + size) as the sidecar's and puts the
// boot shim right after it: the image may not count on a byte beyond.
TEST_F(UpstreamLoader, ImageClaimsNoMoreThanTheLoaderGaveIt)
{
	Load l = LoadAsUpstream(file_, kBases[0]);

	ASSERT_EQ(l.error, "");
	EXPECT_EQ(Symbol("__image_start"), 0u);
	EXPECT_LE(Symbol("__image_end"), l.size);
	EXPECT_LE(Symbol("__data_end"), l.size);
	EXPECT_LE(l.size, kLargePage);
}

// openhcl_boot calls base + e_entry as `bool entry(params, output)`.
TEST_F(UpstreamLoader, EntryIsTheImagesEntryCode)
{
	Load l = LoadAsUpstream(file_, kBases[2]);

	ASSERT_EQ(l.error, "");
	EXPECT_EQ(eh_.e_entry, Symbol("sidecar_entry"));
	const Segment *s = Holding(l, l.entry - l.base, 1);
	ASSERT_NE(s, nullptr) << "entry outside every PT_LOAD";
	EXPECT_TRUE(s->flags & PF_X) << "entry not in an executable segment";
	EXPECT_LT(l.entry - s->gpa, s->filesz) << "entry in zero-filled bytes";
}

// No loader applies relocations: the image must need no loader help (no
// interpreter, no DT_NEEDED, no TEXTREL), and its relocation table must be
// loaded file bytes at [__rela_start, __rela_end) that it applies itself,
// RELATIVE only, each target inside the image. (Today's image links to no
// dynamic relocation at all; the checks hold the day one appears.)
TEST_F(UpstreamLoader, RelocationsAreTheImagesOwn)
{
	Load l = LoadAsUpstream(file_, kBases[1]);
	uint64_t rela = 0, relasz = 0, dyn = 0, dynsz = 0;

	ASSERT_EQ(l.error, "");
	for (const Elf64_Phdr &p : phdrs_) {
		EXPECT_NE(p.p_type, uint32_t(PT_INTERP));
		if (p.p_type == PT_DYNAMIC) {
			dyn = p.p_vaddr;
			dynsz = p.p_memsz;
		}
	}
	ASSERT_NE(dynsz, 0u) << "no PT_DYNAMIC";
	ASSERT_NE(Holding(l, dyn, dynsz), nullptr);
	for (uint64_t o = 0; o + sizeof(Elf64_Dyn) <= dynsz;
	     o += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;
		std::memcpy(&d, l.memory.data() + dyn + o, sizeof(d));
		if (d.d_tag == DT_NULL)
			break;
		EXPECT_NE(d.d_tag, DT_NEEDED);
		EXPECT_NE(d.d_tag, DT_TEXTREL);
		EXPECT_NE(d.d_tag, DT_REL);
		EXPECT_FALSE(d.d_tag == DT_FLAGS &&
			     (d.d_un.d_val & DF_TEXTREL));
		if (d.d_tag == DT_RELA)
			rela = d.d_un.d_ptr;
		if (d.d_tag == DT_RELASZ)
			relasz = d.d_un.d_val;
	}
	// The table the image walks is the one the linker recorded (none is
	// fine: then the image walks an empty range).
	EXPECT_EQ(Symbol("__rela_end") - Symbol("__rela_start"), relasz);
	if (relasz == 0)
		return;
	EXPECT_EQ(Symbol("__rela_start"), rela);
	const Segment *s = Holding(l, rela, relasz);
	ASSERT_NE(s, nullptr) << "relocations outside every PT_LOAD";
	EXPECT_LE(rela + relasz - (s->gpa - l.base), s->filesz)
		<< "relocations in zero-filled bytes";
	for (uint64_t o = 0; o + sizeof(Elf64_Rela) <= relasz;
	     o += sizeof(Elf64_Rela)) {
		Elf64_Rela r;
		std::memcpy(&r, l.memory.data() + rela + o, sizeof(r));
		const uint32_t type = ELF64_R_TYPE(r.r_info);
		EXPECT_TRUE(type == R_X86_64_RELATIVE || type == R_X86_64_NONE)
			<< "relocation type " << type;
		EXPECT_NE(Holding(l, r.r_offset, 8), nullptr)
			<< "relocation target " << Hex(r.r_offset);
		EXPECT_LT(uint64_t(r.r_addend), l.size)
			<< "relocation to outside the image";
	}
}

// The checks above can fail: a copy of the image with its second PT_LOAD
// moved into the first one's last page, or a PT_LOAD past 2 MiB, is
// refused the way the IGVM build would refuse it.
TEST_F(UpstreamLoader, RefusesBrokenCopies)
{
	std::vector<unsigned> loads;
	for (unsigned i = 0; i < phdrs_.size(); i++)
		if (phdrs_[i].p_type == PT_LOAD)
			loads.push_back(i);
	ASSERT_GE(loads.size(), 2u);

	std::vector<uint8_t> shared = file_;
	Elf64_Phdr p = phdrs_[loads[1]];
	p.p_paddr = phdrs_[loads[0]].p_paddr + phdrs_[loads[0]].p_memsz - 8;
	std::memcpy(shared.data() + eh_.e_phoff + loads[1] * eh_.e_phentsize,
		    &p, sizeof(p));
	EXPECT_NE(
		LoadAsUpstream(shared, kBases[0]).error.find("already imported"),
		std::string::npos);

	std::vector<uint8_t> big = file_;
	p = phdrs_[loads.back()];
	p.p_memsz = kLargePage;
	std::memcpy(big.data() + eh_.e_phoff + loads.back() * eh_.e_phentsize,
		    &p, sizeof(p));
	EXPECT_NE(LoadAsUpstream(big, kBases[0]).error.find("more than 2 MiB"),
		  std::string::npos);
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
