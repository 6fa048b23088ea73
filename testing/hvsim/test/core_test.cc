// SPDX-License-Identifier: MIT
// Host tests of hvsim's portable core: page walks, translation checks,
// the register file, VMCB state and exit messages, and the injection rules.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

extern "C" {
#include "hvsim/core.h"
#include "hvsim/vmcb.h"
}

namespace
{

constexpr uint64_t kRamBase = 0x100000;
constexpr uint64_t kRamSize = 64 * 4096;
alignas(4096) uint8_t ram[kRamSize];

} // namespace

extern "C" void *hvsim_phys(uint64_t pa, uint64_t len)
{
	if (pa < kRamBase || len > kRamSize || pa - kRamBase > kRamSize - len)
		return nullptr;
	return ram + (pa - kRamBase);
}

namespace
{

// A bump allocator of zeroed guest pages and a 4-level mapper on them.
class GuestTables {
    public:
	GuestTables()
	{
		std::memset(ram, 0, sizeof(ram));
		root_ = Alloc();
	}
	uint64_t Alloc()
	{
		uint64_t pa = kRamBase + next_++ * 4096;
		EXPECT_LE(next_ * 4096, kRamSize);
		return pa;
	}
	uint64_t *Entry(uint64_t table, unsigned int i)
	{
		return static_cast<uint64_t *>(hvsim_phys(table + 8 * i, 8));
	}
	// Maps a page of 4 KiB (level 3), 2 MiB (2) or 1 GiB (1).
	uint64_t *Map(uint64_t va, uint64_t pa, uint64_t flags,
		      unsigned int leaf_level = 3,
		      uint64_t table_flags = HVSIM_PTE_P | HVSIM_PTE_W |
					     HVSIM_PTE_U)
	{
		uint64_t table = root_;
		for (unsigned int level = 0;; level++) {
			unsigned int i = (va >> (39 - 9 * level)) & 511;
			uint64_t *e = Entry(table, i);
			if (level == leaf_level) {
				*e = pa | flags |
				     (level < 3 ? HVSIM_PTE_PS : 0);
				return e;
			}
			if (!(*e & HVSIM_PTE_P))
				*e = Alloc() | table_flags;
			table = *e & HVSIM_PTE_ADDR;
		}
	}
	hvsim_paging Paging() const
	{
		hvsim_paging pg{};
		pg.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
		pg.cr3 = root_;
		pg.cr4 = X86_CR4_PAE;
		pg.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
		pg.maxphyaddr = 46;
		return pg;
	}
	uint64_t root() const
	{
		return root_;
	}

    private:
	uint64_t root_;
	uint64_t next_ = 0;
};

constexpr uint64_t kP = HVSIM_PTE_P, kW = HVSIM_PTE_W, kU = HVSIM_PTE_U,
		   kNX = HVSIM_PTE_NX;
constexpr uint64_t kRead = HV_TRANSLATE_GVA_VALIDATE_READ;
constexpr uint64_t kWrite = HV_TRANSLATE_GVA_VALIDATE_WRITE;
constexpr uint64_t kExec = HV_TRANSLATE_GVA_VALIDATE_EXECUTE;
constexpr uint64_t kUser = HV_TRANSLATE_GVA_USER_ACCESS;
constexpr uint64_t kSup = HV_TRANSLATE_GVA_SUPERVISOR_ACCESS;

uint32_t Translate(const hvsim_paging &pg, uint64_t va, uint64_t flags,
		   uint64_t *gpa_page)
{
	*gpa_page = ~0ull;
	return hvsim_translate(&pg, va >> 12, flags, gpa_page);
}

TEST(Translate, PresentAbsentAndOffsetsInLargePages)
{
	GuestTables t;
	t.Map(0x400000, 0x12345000, kP | kW);
	t.Map(0x40000000, 0x80000000, kP | kW, 2); // 2 MiB
	t.Map(0x8000000000, 0xC0000000, kP, 1); // 1 GiB
	hvsim_paging pg = t.Paging();
	uint64_t gpa;

	EXPECT_EQ(Translate(pg, 0x400000, kRead | kSup, &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
	EXPECT_EQ(gpa, 0x12345u);
	EXPECT_EQ(Translate(pg, 0x401000, kRead, &gpa),
		  HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	EXPECT_EQ(gpa, ~0ull) << "gpa_page is only written on success";
	EXPECT_EQ(Translate(pg, 0x40000000 + 0x1F3000, kRead, &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
	EXPECT_EQ(gpa, (0x80000000u + 0x1F3000u) >> 12);
	EXPECT_EQ(Translate(pg, 0x8000000000 + 0x12345000, kRead, &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
	EXPECT_EQ(gpa, (0xC0000000u + 0x12345000u) >> 12);
	// Non-canonical and unmapped upper half.
	EXPECT_EQ(hvsim_translate(&pg, 0x0000800000000ull, kRead, &gpa),
		  HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
	EXPECT_EQ(Translate(pg, 0xffff800000000000ull, kRead, &gpa),
		  HV_TRANSLATE_GVA_PAGE_NOT_PRESENT);
}

TEST(Translate, WriteProtectionDependsOnWpForSupervisor)
{
	GuestTables t;
	t.Map(0x5000, 0x9000, kP | kU); // read-only user page
	hvsim_paging pg = t.Paging();
	uint64_t gpa;

	EXPECT_EQ(Translate(pg, 0x5000, kRead | kUser, &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
	EXPECT_EQ(Translate(pg, 0x5000, kWrite | kUser, &gpa),
		  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	EXPECT_EQ(Translate(pg, 0x5000, kWrite | kSup, &gpa),
		  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	pg.cr0 &= ~X86_CR0_WP;
	EXPECT_EQ(Translate(pg, 0x5000, kWrite | kSup, &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
}

TEST(Translate, NxNeedsNxe)
{
	GuestTables t;
	t.Map(0x6000, 0xA000, kP | kW | kNX);
	hvsim_paging pg = t.Paging();
	uint64_t gpa;

	EXPECT_EQ(Translate(pg, 0x6000, kExec | kSup, &gpa),
		  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	EXPECT_EQ(Translate(pg, 0x6000, kRead | kWrite | kSup, &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
	// Without EFER.NXE bit 63 is reserved.
	pg.efer &= ~X86_EFER_NXE;
	EXPECT_EQ(Translate(pg, 0x6000, kRead, &gpa),
		  HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
}

TEST(Translate, UserSupervisorAndPrivilegeExempt)
{
	GuestTables t;
	t.Map(0x7000, 0xB000, kP | kW); // supervisor page
	t.Map(0x8000, 0xC000, kP | kW | kU); // user page
	// A user leaf under a supervisor-only table is not user accessible.
	t.Map(0x7fff00000000, 0xD000, kP | kW | kU, 3,
	      HVSIM_PTE_P | HVSIM_PTE_W);
	hvsim_paging pg = t.Paging();
	uint64_t gpa;

	EXPECT_EQ(Translate(pg, 0x7000, kRead | kUser, &gpa),
		  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	EXPECT_EQ(Translate(pg, 0x7000,
			    kRead | kUser | HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT,
			    &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
	EXPECT_EQ(Translate(pg, 0x7fff00000000, kRead | kUser, &gpa),
		  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	EXPECT_EQ(Translate(pg, 0x8000, kRead | kUser, &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
	// Neither flag: the CPL decides.
	pg.cpl = 3;
	EXPECT_EQ(Translate(pg, 0x7000, kRead, &gpa),
		  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	pg.cpl = 0;
	EXPECT_EQ(Translate(pg, 0x7000, kRead, &gpa), HV_TRANSLATE_GVA_SUCCESS);
	// SMEP and SMAP on a user page from supervisor mode.
	pg.cr4 |= HV_BIT64(20) | HV_BIT64(21);
	EXPECT_EQ(Translate(pg, 0x8000, kExec | kSup, &gpa),
		  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	EXPECT_EQ(Translate(pg, 0x8000,
			    kRead | kSup | HV_TRANSLATE_GVA_ENFORCE_SMAP, &gpa),
		  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION);
	EXPECT_EQ(Translate(pg, 0x8000,
			    kRead | kSup | HV_TRANSLATE_GVA_ENFORCE_SMAP |
				    HV_TRANSLATE_GVA_OVERRIDE_SMAP,
			    &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
}

TEST(Translate, ReservedBits)
{
	GuestTables t;
	uint64_t *pte = t.Map(0x9000, 0xE000, kP | kW);
	hvsim_paging pg = t.Paging();
	uint64_t gpa;

	*pte |= HV_BIT64(50); // above MAXPHYADDR 46
	EXPECT_EQ(Translate(pg, 0x9000, kRead, &gpa),
		  HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
	// PS in a PML4 entry is reserved.
	uint64_t *pml4e = t.Entry(t.root(), 0);
	*pte &= ~HV_BIT64(50);
	*pml4e |= HVSIM_PTE_PS;
	EXPECT_EQ(Translate(pg, 0x9000, kRead, &gpa),
		  HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
	*pml4e &= ~HVSIM_PTE_PS;
	// A 2 MiB page with bits 20:13 set.
	uint64_t *pde = t.Map(0x40000000, 0x80000000, kP, 2);
	*pde |= HV_BIT64(14);
	EXPECT_EQ(Translate(pg, 0x40000000, kRead, &gpa),
		  HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS);
}

TEST(Translate, TableOutsideRamAndPagingOff)
{
	GuestTables t;
	hvsim_paging pg = t.Paging();
	uint64_t gpa;

	*t.Entry(t.root(), 1) = 0x7000000000 | kP | kW; // no such RAM
	EXPECT_EQ(Translate(pg, 0x8000000000, kRead, &gpa),
		  HV_TRANSLATE_GVA_GPA_UNMAPPED);
	pg.cr0 = 0;
	EXPECT_EQ(Translate(pg, 0x1234000, kRead, &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
	EXPECT_EQ(gpa, 0x1234u);
	pg = t.Paging();
	pg.efer &= ~X86_EFER_LMA;
	EXPECT_FALSE(hvsim_paging_supported(&pg));
}

TEST(Translate, SetPageTableBits)
{
	GuestTables t;
	uint64_t *pte = t.Map(0xA000, 0xF000, kP | kW);
	hvsim_paging pg = t.Paging();
	uint64_t gpa;

	ASSERT_EQ(Translate(pg, 0xA000, kRead, &gpa), HV_TRANSLATE_GVA_SUCCESS);
	EXPECT_FALSE(*pte & HVSIM_PTE_A);
	ASSERT_EQ(Translate(pg, 0xA000,
			    kWrite | HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS,
			    &gpa),
		  HV_TRANSLATE_GVA_SUCCESS);
	EXPECT_TRUE(*pte & HVSIM_PTE_A);
	EXPECT_TRUE(*pte & HVSIM_PTE_D);
	EXPECT_TRUE(*t.Entry(t.root(), 0) & HVSIM_PTE_A);
}

struct Seen {
	std::vector<hvsim_mapping> maps;
};

void Collect(const hvsim_mapping *m, void *arg)
{
	static_cast<Seen *>(arg)->maps.push_back(*m);
}

TEST(PtWalk, ListsEveryLeafWithEffectiveRights)
{
	GuestTables t;
	t.Map(0xffffff8000000000ull, 0x200000, kP); // RX
	t.Map(0xffffff8000001000ull, 0x201000, kP | kW | kNX); // RW NX
	t.Map(0xffffff8000200000ull, 0x400000, kP | kW, 2); // W+X, 2 MiB
	Seen seen;

	EXPECT_EQ(hvsim_pt_walk(t.root(), true, Collect, &seen), 0u);
	ASSERT_EQ(seen.maps.size(), 3u);
	EXPECT_EQ(seen.maps[0].va, 0xffffff8000000000ull);
	EXPECT_EQ(seen.maps[0].rights, 0u);
	EXPECT_EQ(seen.maps[1].pa, 0x201000u);
	EXPECT_EQ(seen.maps[1].rights, unsigned(HVSIM_MAP_W | HVSIM_MAP_NX));
	EXPECT_EQ(seen.maps[2].size, 0x200000u);
	EXPECT_EQ(seen.maps[2].rights, unsigned(HVSIM_MAP_W));
}

TEST(RegFile, DefaultsSetGetAndCapacity)
{
	static hvsim_regfile rf;
	hv_u128 v = { 0x1234, 0 };

	EXPECT_EQ(hvsim_regfile_get(&rf, HV_REGISTER_RFLAGS).low, 2u);
	EXPECT_EQ(hvsim_regfile_get(&rf, HV_REGISTER_RIP).low, 0u);
	EXPECT_EQ(hvsim_regfile_get(&rf, HV_REGISTER_DR7).low, 0x400u);
	EXPECT_EQ(hvsim_regfile_get(&rf, HV_REGISTER_CR0).low, 0x60000010u);
	EXPECT_TRUE(hvsim_regfile_set(&rf, HV_REGISTER_RIP, v));
	EXPECT_EQ(hvsim_regfile_get(&rf, HV_REGISTER_RIP).low, 0x1234u);
	for (uint32_t i = 0; i < HVSIM_REGFILE_MAX - 1; i++)
		EXPECT_TRUE(hvsim_regfile_set(&rf, HV_REGISTER_XMM(0) + i, v));
	EXPECT_FALSE(hvsim_regfile_set(&rf, HV_REGISTER_CR0, v));
	EXPECT_TRUE(hvsim_regfile_set(&rf, HV_REGISTER_RIP, v)) << "update";
}

TEST(RegFile, Classes)
{
	EXPECT_EQ(hvsim_reg_classify(HV_REGISTER_RIP), HVSIM_REG_PLAIN);
	EXPECT_EQ(hvsim_reg_classify(HV_REGISTER_MSR_MTRR_PHYS_BASE(8)),
		  HVSIM_REG_PLAIN);
	EXPECT_EQ(hvsim_reg_classify(HV_REGISTER_VSM_CODE_PAGE_OFFSETS),
		  HVSIM_REG_READ_ONLY);
	EXPECT_EQ(hvsim_reg_classify(HV_REGISTER_VP_ASSIST_PAGE),
		  HVSIM_REG_OVERLAY);
	EXPECT_EQ(hvsim_reg_classify(HV_REGISTER_GUEST_CRASH_CTL),
		  HVSIM_REG_CRASH);
	EXPECT_EQ(hvsim_reg_classify(0x00012345), HVSIM_REG_UNKNOWN);
	EXPECT_EQ(hvsim_reg_classify(HV_REGISTER_RFLAGS + 1),
		  HVSIM_REG_UNKNOWN);
	EXPECT_STREQ(hvsim_reg_name(HV_REGISTER_VP_ASSIST_PAGE),
		     "VpAssistPage");
	EXPECT_TRUE(hvsim_overlay_value_valid(0x5000 | 1));
	EXPECT_FALSE(hvsim_overlay_value_valid(0x5000 | 3));
}

TEST(Vtl0Checks, RefusesWhatTheCpuCannotHold)
{
	auto check = [](uint32_t name, uint64_t v) {
		return hvsim_vtl0_value_check(name, hv_u128{ v, 0 }, 48);
	};
	EXPECT_EQ(check(HV_REGISTER_RIP, 0x00007ffffffff000), 0);
	EXPECT_EQ(check(HV_REGISTER_RIP, 0xffff800000000000), 0);
	EXPECT_EQ(check(HV_REGISTER_RIP, 0x0000800000000000),
		  HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_RFLAGS, 0x246), 0);
	EXPECT_EQ(check(HV_REGISTER_RFLAGS, 0x40), HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_RFLAGS, 0x2 | 0x8),
		  HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_CR0, 0x80010033), 0);
	EXPECT_EQ(check(HV_REGISTER_CR0, 0x80000000),
		  HV_STATUS_INVALID_PARAMETER); // PG without PE
	EXPECT_EQ(check(HV_REGISTER_CR0, 0x20000011),
		  HV_STATUS_INVALID_PARAMETER); // NW without CD
	EXPECT_EQ(check(HV_REGISTER_CR0, 1ull << 32),
		  HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_CR3, 0xfffff000), 0);
	EXPECT_EQ(check(HV_REGISTER_CR3, 1ull << 48),
		  HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_CR4, 0x620), 0);
	EXPECT_EQ(check(HV_REGISTER_CR4, 1ull << 15),
		  HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_CR8, 15), 0);
	EXPECT_EQ(check(HV_REGISTER_CR8, 16), HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_EFER, 0xd01), 0);
	EXPECT_EQ(check(HV_REGISTER_EFER, 1ull << 9),
		  HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_EFER, 1ull << 12),
		  HV_STATUS_INVALID_PARAMETER); // SVME is the hypervisor's
	EXPECT_EQ(check(HV_REGISTER_DR7, 1ull << 32),
		  HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_PAT, 0x0007040600070406), 0);
	EXPECT_EQ(check(HV_REGISTER_PAT, 0x0007040600070402),
		  HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(check(HV_REGISTER_CR2, ~0ull), 0); // anything goes
}

// Segment attributes: Hyper-V keeps bits 0-7 and 12-15, the VMCB packs
// them into 12 bits (APM 15.5.1).
TEST(Vmcb, AttributesPackAndUnpack)
{
	EXPECT_EQ(hvsim_svm_attrib(0xA09B), 0xA9Bu); // 64-bit code, G
	EXPECT_EQ(hvsim_hv_attrib(0xA9B), 0xA09Bu);
	EXPECT_EQ(hvsim_svm_attrib(0x0F00), 0u); // bits 8-11 do not exist
}

hv_u128 Seg(uint64_t base, uint32_t limit, uint16_t sel, uint16_t attr)
{
	return hv_u128{ base,
			limit | uint64_t(sel) << 32 | uint64_t(attr) << 48 };
}

TEST(Vmcb, RegisterFileRoundTrip)
{
	hvsim_regfile rf{}, back{};
	alignas(4096) static svm_vmcb v;
	memset(&v, 0, sizeof(v));
	hvsim_regfile_set(&rf, HV_REGISTER_CS, Seg(0, 0xffffffff, 8, 0xA09B));
	hvsim_regfile_set(&rf, HV_REGISTER_SS,
			  Seg(0, 0xffffffff, 0x10, 0xC093));
	hvsim_regfile_set(&rf, HV_REGISTER_TR, Seg(0x5000, 0x67, 0x18, 0x8B));
	hvsim_regfile_set(&rf, HV_REGISTER_GDTR,
			  hv_u128{ 0x2fULL << 48, 0x3000 });
	hvsim_regfile_set(&rf, HV_REGISTER_CR0, hv_u128{ 0x80010033, 0 });
	hvsim_regfile_set(&rf, HV_REGISTER_CR3, hv_u128{ 0x7000, 0 });
	hvsim_regfile_set(&rf, HV_REGISTER_EFER, hv_u128{ 0x500, 0 });
	hvsim_regfile_set(&rf, HV_REGISTER_RIP, hv_u128{ 0x401000, 0 });
	hvsim_regfile_set(&rf, HV_REGISTER_RSP, hv_u128{ 0x8ff0, 0 });
	hvsim_regfile_set(&rf, HV_REGISTER_CR8, hv_u128{ 5, 0 });

	hvsim_vmcb_load(&v, &rf, 0x1234, 0xcafe000);
	EXPECT_EQ(v.save.cs.selector, 8);
	EXPECT_EQ(v.save.cs.attrib, 0xA9B);
	EXPECT_EQ(v.save.cs.limit, 0xffffffffu);
	EXPECT_EQ(v.save.tr.base, 0x5000u);
	EXPECT_EQ(v.save.gdtr.limit, 0x2fu);
	EXPECT_EQ(v.save.gdtr.base, 0x3000u);
	EXPECT_EQ(v.save.efer, 0x500u | SVM_EFER_SVME); // VMRUN needs SVME
	EXPECT_EQ(v.save.rip, 0x401000u);
	EXPECT_EQ(v.save.rsp, 0x8ff0u);
	EXPECT_EQ(v.save.rax, 0x1234u);
	EXPECT_EQ(v.save.cr2, 0xcafe000u);
	EXPECT_EQ(v.save.cpl, 0); // SS.DPL
	EXPECT_EQ(v.save.rflags, 2u); // reset value
	EXPECT_EQ(v.control.int_ctl & 0xff, 5u);

	hvsim_vmcb_store(&v, &back);
	for (uint32_t name :
	     { HV_REGISTER_CS, HV_REGISTER_SS, HV_REGISTER_TR, HV_REGISTER_GDTR,
	       HV_REGISTER_CR0, HV_REGISTER_CR3, HV_REGISTER_EFER,
	       HV_REGISTER_RIP, HV_REGISTER_RSP, HV_REGISTER_CR8 }) {
		hv_u128 a = hvsim_regfile_get(&rf, name);
		hv_u128 b = hvsim_regfile_get(&back, name);
		EXPECT_EQ(a.low, b.low) << std::hex << name;
		EXPECT_EQ(a.high, b.high) << std::hex << name;
	}
	EXPECT_EQ(hvsim_vmcb_execution_state(&v),
		  HV_X64_VP_EXECUTION_STATE_CR0_PE |
			  HV_X64_VP_EXECUTION_STATE_EFER_LMA);
}

uint64_t Get64(const hv_message &m, unsigned int off)
{
	uint64_t v;
	memcpy(&v, m.payload_buffer + off, 8);
	return v;
}

svm_vmcb *LongModeGuest()
{
	alignas(4096) static svm_vmcb v;
	memset(&v, 0, sizeof(v));
	v.save.cs = svm_segment{ 8, 0xA9B, 0xffffffff, 0 };
	v.save.ds = svm_segment{ 0x10, 0xC93, 0xffffffff, 0 };
	v.save.cr0 = 0x80000011;
	v.save.efer = 0x500 | SVM_EFER_SVME;
	v.save.rip = 0x401000;
	v.save.rflags = 0x202;
	v.save.rax = 0x55;
	v.control.int_ctl = 3; // CR8
	return &v;
}

// hv_facts §14: IoPort intercept, `out 0xe9, al` (e6 e9), 2 bytes long.
TEST(ExitMessage, IoPortOut)
{
	svm_vmcb *v = LongModeGuest();
	hvsim_exit e{};
	hv_message m;
	v->control.exit_code = SVM_EXIT_IOIO;
	v->control.exit_info_1 = 0xE9ull << 16 | 1u << 4; // OUT, 8-bit
	v->control.exit_info_2 = 0x401002;
	e.vp_index = 7;
	e.insn[0] = 0xe6;
	e.insn[1] = 0xe9;
	e.insn_count = 16;
	e.gprs[1] = 0x11; // rcx
	e.gprs[6] = 0x66; // rsi
	e.gprs[7] = 0x77; // rdi

	ASSERT_TRUE(hvsim_exit_message(v, &e, &m));
	EXPECT_EQ(m.header.typ, 0x80010000u);
	EXPECT_EQ(m.header.len, 128);
	const auto *h =
		reinterpret_cast<const hv_x64_intercept_message_header *>(
			m.payload_buffer);
	EXPECT_EQ(h->vp_index, 7u);
	EXPECT_EQ(h->instruction_length_and_cr8, 0x32); // CR8 3, length 2
	EXPECT_EQ(h->intercept_access_type, 1); // write
	EXPECT_EQ(h->execution_state, 0x14); // PE, LMA, CPL 0, VTL 0
	EXPECT_EQ(h->cs_segment.selector, 8);
	EXPECT_EQ(h->cs_segment.attributes, 0xA09B);
	EXPECT_EQ(h->rip, 0x401000u);
	EXPECT_EQ(h->rflags, 0x202u);
	EXPECT_EQ(m.payload_buffer[40], 0xE9); // port
	EXPECT_EQ(m.payload_buffer[41], 0);
	EXPECT_EQ(m.payload_buffer[42], 1); // access size 1
	EXPECT_EQ(m.payload_buffer[43], 16); // instruction bytes
	EXPECT_EQ(Get64(m, 48), 0x55u); // rax
	EXPECT_EQ(m.payload_buffer[56], 0xe6);
	EXPECT_EQ(m.payload_buffer[57], 0xe9);
	EXPECT_EQ(m.payload_buffer[72 + 12], 0x10); // ds selector
	EXPECT_EQ(Get64(m, 104), 0x11u);
	EXPECT_EQ(Get64(m, 112), 0x66u);
	EXPECT_EQ(Get64(m, 120), 0x77u);
}

TEST(ExitMessage, IoPortRepInsWord)
{
	svm_vmcb *v = LongModeGuest();
	hvsim_exit e{};
	hv_message m;
	v->control.exit_code = SVM_EXIT_IOIO;
	v->control.exit_info_1 = 0x60ull << 16 | 1u << 5 | SVM_IOIO_REP |
				 SVM_IOIO_STR | SVM_IOIO_IN;
	v->control.exit_info_2 = 0x401003; // 66 f3 6d
	ASSERT_TRUE(hvsim_exit_message(v, &e, &m));
	const auto *h =
		reinterpret_cast<const hv_x64_intercept_message_header *>(
			m.payload_buffer);
	EXPECT_EQ(h->instruction_length_and_cr8 & 0xf, 3);
	EXPECT_EQ(h->intercept_access_type, 0); // read
	EXPECT_EQ(m.payload_buffer[40], 0x60);
	EXPECT_EQ(m.payload_buffer[42], 2 | 0x8 | 0x10);
}

TEST(ExitMessage, MsrCpuidException)
{
	svm_vmcb *v = LongModeGuest();
	hvsim_exit e{};
	hv_message m;
	e.gprs[1] = 0x4000abcd;
	e.gprs[2] = 0xdd;
	e.insn_len = 2;
	v->control.exit_code = SVM_EXIT_MSR;
	v->control.exit_info_1 = 1; // wrmsr
	ASSERT_TRUE(hvsim_exit_message(v, &e, &m));
	EXPECT_EQ(m.header.typ, 0x80010001u);
	EXPECT_EQ(m.header.len, 64);
	EXPECT_EQ(m.payload_buffer[5], 1);
	EXPECT_EQ(Get64(m, 40) & 0xffffffff, 0x4000abcdu);
	EXPECT_EQ(Get64(m, 48), 0xddu);
	EXPECT_EQ(Get64(m, 56), 0x55u);

	e.cpuid_default[0] = 0xa;
	e.cpuid_default[1] = 0xb;
	e.cpuid_default[2] = 0xc;
	e.cpuid_default[3] = 0xd;
	e.gprs[3] = 0xbb;
	v->control.exit_code = SVM_EXIT_CPUID;
	ASSERT_TRUE(hvsim_exit_message(v, &e, &m));
	EXPECT_EQ(m.header.typ, 0x80010002u);
	EXPECT_EQ(m.header.len, 104);
	EXPECT_EQ(m.payload_buffer[5], 2); // execute
	EXPECT_EQ(Get64(m, 40), 0x55u);
	EXPECT_EQ(Get64(m, 48), 0x4000abcdu);
	EXPECT_EQ(Get64(m, 56), 0xddu);
	EXPECT_EQ(Get64(m, 64), 0xbbu);
	EXPECT_EQ(Get64(m, 72), 0xau); // default rax, rcx, rdx, rbx
	EXPECT_EQ(Get64(m, 80), 0xcu);
	EXPECT_EQ(Get64(m, 88), 0xdu);
	EXPECT_EQ(Get64(m, 96), 0xbu);

	v->control.exit_code = SVM_EXIT_EXCP_BASE + 6; // #UD
	e.gprs[15] = 0xf15;
	e.insn[0] = 0x0f;
	e.insn[1] = 0x0b;
	e.insn_count = 2;
	ASSERT_TRUE(hvsim_exit_message(v, &e, &m));
	EXPECT_EQ(m.header.typ, 0x80010003u);
	EXPECT_EQ(m.header.len, 240);
	EXPECT_EQ(m.payload_buffer[40], 6);
	EXPECT_EQ(m.payload_buffer[42], 0); // no error code
	EXPECT_EQ(m.payload_buffer[43], 2);
	EXPECT_EQ(m.payload_buffer[64], 0x0f);
	EXPECT_EQ(Get64(m, 232), 0xf15u); // r15
}

TEST(ExitMessage, UnmappedGpa)
{
	svm_vmcb *v = LongModeGuest();
	hvsim_exit e{};
	hv_message m;
	v->control.exit_code = SVM_EXIT_NPF;
	v->control.exit_info_1 = SVM_NPF_W | 1ull << 32;
	v->control.exit_info_2 = 0xfee00000;
	ASSERT_TRUE(hvsim_exit_message(v, &e, &m));
	EXPECT_EQ(m.header.typ, 0x80000000u);
	EXPECT_EQ(m.header.len, 80);
	EXPECT_EQ(m.payload_buffer[5], 1); // write
	EXPECT_EQ(Get64(m, 56), 0xfee00000u);
	v->control.exit_code = SVM_EXIT_INTR;
	EXPECT_FALSE(hvsim_exit_message(v, &e, &m));
}

TEST(ExitMessage, InstructionLengths)
{
	const uint8_t hlt[] = { 0xf4 }, rdmsr[] = { 0x0f, 0x32 },
		      cpuid[] = { 0x48, 0x0f, 0xa2 }, out[] = { 0xe6, 0xe9 };
	EXPECT_EQ(hvsim_insn_length(hlt, 1), 1);
	EXPECT_EQ(hvsim_insn_length(rdmsr, 2), 2);
	EXPECT_EQ(hvsim_insn_length(cpuid, 3), 3);
	EXPECT_EQ(hvsim_insn_length(out, 2), 0);
	EXPECT_EQ(hvsim_insn_length(rdmsr, 1), 0);
}

hvsim_inject_rule Rule(uint16_t code, uint32_t vp, uint16_t status, bool once,
		       uint32_t reg = 0)
{
	hvsim_inject_rule r{};
	r.code = code;
	r.vp = vp;
	r.status = status;
	r.once = once;
	r.reg = reg;
	return r;
}

TEST(Inject, OnceFiresOnceAndVpFilters)
{
	static hvsim_injector inj;
	uint16_t st = 0;

	auto a = Rule(0x99, 3, 0x0B, true);
	auto b = Rule(0x50, HVSIM_ANY_VP, 0x05, false);
	ASSERT_TRUE(hvsim_injector_add(&inj, &a));
	ASSERT_TRUE(hvsim_injector_add(&inj, &b));
	EXPECT_FALSE(hvsim_injector_match(&inj, 0x99, 2, 0, &st));
	EXPECT_TRUE(hvsim_injector_match(&inj, 0x99, 3, 0, &st));
	EXPECT_EQ(st, 0x0B);
	EXPECT_FALSE(hvsim_injector_match(&inj, 0x99, 3, 0, &st));
	EXPECT_TRUE(hvsim_injector_match(&inj, 0x50, 7, 0, &st));
	EXPECT_TRUE(hvsim_injector_match(&inj, 0x50, 8, 0x40000, &st));
	EXPECT_EQ(st, 0x05);
	hvsim_injector_clear(&inj);
	EXPECT_FALSE(hvsim_injector_match(&inj, 0x50, 7, 0, &st));
}

// A reg= rule fails only the calls naming that register.
TEST(Inject, RegisterFilter)
{
	static hvsim_injector inj;
	uint16_t st = 0;

	auto caps = Rule(HV_CALL_GET_VP_REGISTERS, 0, 0x06, true,
			 HV_REGISTER_VSM_CAPABILITIES);
	ASSERT_TRUE(hvsim_injector_add(&inj, &caps));
	EXPECT_FALSE(hvsim_injector_match(&inj, HV_CALL_GET_VP_REGISTERS, 0,
					  HV_REGISTER_VSM_CODE_PAGE_OFFSETS,
					  &st));
	EXPECT_FALSE(hvsim_injector_match(&inj, HV_CALL_SET_VP_REGISTERS, 0,
					  HV_REGISTER_VSM_CAPABILITIES, &st));
	EXPECT_TRUE(hvsim_injector_match(&inj, HV_CALL_GET_VP_REGISTERS, 0,
					 HV_REGISTER_VSM_CAPABILITIES, &st));
	EXPECT_EQ(st, 0x06);
	EXPECT_FALSE(hvsim_injector_match(&inj, HV_CALL_GET_VP_REGISTERS, 0,
					  HV_REGISTER_VSM_CAPABILITIES, &st));
}

TEST(Inject, Parse)
{
	hvsim_inject_rule r;
	auto parse = [&](const char *s) {
		return hvsim_inject_parse(s, std::strlen(s), &r);
	};

	EXPECT_EQ(
		parse("StartVirtualProcessor:vp=3:status=InvalidVpState:once"),
		nullptr);
	EXPECT_EQ(r.code, 0x99);
	EXPECT_EQ(r.vp, 3u);
	EXPECT_EQ(r.status, 0x15);
	EXPECT_EQ(r.reg, 0u);
	EXPECT_TRUE(r.once);
	EXPECT_EQ(parse("0x50:vp=any:status=0x87"), nullptr);
	EXPECT_EQ(r.code, 0x50);
	EXPECT_EQ(r.vp, HVSIM_ANY_VP);
	EXPECT_EQ(r.status, 0x87);
	EXPECT_FALSE(r.once);
	EXPECT_EQ(parse("SetVpRegisters:vp=2:reg=VpAssistPage:status=5"),
		  nullptr);
	EXPECT_EQ(r.reg, (uint32_t)HV_REGISTER_VP_ASSIST_PAGE);
	EXPECT_EQ(parse("GetVpRegisters:vp=0:status=5:reg=0x20000:once"),
		  nullptr);
	EXPECT_EQ(r.reg, 0x20000u);
	EXPECT_TRUE(r.once);
	EXPECT_NE(parse("Bogus:vp=1:status=5"), nullptr);
	EXPECT_NE(parse("EnableVpVtl:vp=1"), nullptr);
	EXPECT_NE(parse("EnableVpVtl:status=5"), nullptr);
	EXPECT_NE(parse("EnableVpVtl:vp=1:status=0"), nullptr);
	EXPECT_NE(parse("EnableVpVtl:vp=x:status=5"), nullptr);
	EXPECT_NE(parse("EnableVpVtl:vp=1:status=5:twice"), nullptr);
	EXPECT_NE(parse("EnableVpVtl:vp=1:status=5:reg=Rip"), nullptr);
	EXPECT_NE(parse("GetVpRegisters:vp=1:status=5:reg=Bogus"), nullptr);
	EXPECT_STREQ(hvsim_hypercall_name(0xAC), "TranslateVirtualAddressEx");
	EXPECT_EQ(hvsim_reg_by_name("RegisterPage", 12),
		  (uint32_t)HV_REGISTER_REGISTER_PAGE);
	EXPECT_EQ(hvsim_reg_by_name("Register", 8), 0u);
}

} // namespace
