/* SPDX-License-Identifier: MIT */
/*
 * hvsim's portable core: page-table walks, GVA translation, the register
 * file and fault-injection rules. No kernel headers:
 * it builds for the test kernel and for host unit tests alike.
 */
#ifndef HVSIM_CORE_H
#define HVSIM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/hvdef.h"

/*
 * Guest physical memory, provided by the embedder: a pointer to
 * [pa, pa + len), or NULL when that range is not RAM hvsim can reach.
 */
void *hvsim_phys(uint64_t pa, uint64_t len);

/* ---- page tables (x86-64, 4 levels) ---- */

#define HVSIM_PTE_P HV_BIT64(0)
#define HVSIM_PTE_W HV_BIT64(1)
#define HVSIM_PTE_U HV_BIT64(2)
#define HVSIM_PTE_A HV_BIT64(5)
#define HVSIM_PTE_D HV_BIT64(6)
#define HVSIM_PTE_PS HV_BIT64(7)
#define HVSIM_PTE_NX HV_BIT64(63)
#define HVSIM_PTE_ADDR HV_U64(0x000FFFFFFFFFF000)

/* Effective rights of a mapping: W and U are ANDed, NX ORed over levels. */
#define HVSIM_MAP_W 0x1
#define HVSIM_MAP_U 0x2
#define HVSIM_MAP_NX 0x4

struct hvsim_mapping {
	uint64_t va; /* canonical */
	uint64_t pa;
	uint64_t size; /* 4 KiB, 2 MiB or 1 GiB */
	uint32_t rights; /* HVSIM_MAP_* */
	uint32_t levels; /* entries walked, root first */
	uint64_t entry_pa[4]; /* where each entry of the walk lives */
};

struct hvsim_paging {
	uint64_t cr0, cr3, cr4, efer;
	uint32_t cpl; /* used when the access names neither user nor supervisor */
	uint32_t maxphyaddr; /* physical address bits; reserved above */
	/*
	 * Where the tables are read: a guest's physical address space as
	 * its nested paging maps it (NULL: hvsim_phys, all of RAM).
	 */
	void *(*phys)(uint64_t pa, uint64_t len);
};

/* pg's view of guest physical memory. */
static inline void *hvsim_paging_phys(const struct hvsim_paging *pg,
				      uint64_t pa, uint64_t len)
{
	return pg->phys ? pg->phys(pa, len) : hvsim_phys(pa, len);
}

/*
 * Walks cr3 for va like the MMU does. Returns HV_TRANSLATE_GVA_SUCCESS and
 * fills *m, or PAGE_NOT_PRESENT, INVALID_PAGE_TABLE_FLAGS (a reserved bit
 * set) or GPA_UNMAPPED (a table outside RAM). No access checks.
 */
uint32_t hvsim_pt_lookup(const struct hvsim_paging *pg, uint64_t va,
			 struct hvsim_mapping *m);

typedef void (*hvsim_pt_visit_fn)(const struct hvsim_mapping *m, void *arg);

/*
 * Calls visit for every present leaf reachable from cr3 (4 KiB, 2 MiB and
 * 1 GiB pages, in VA order). Returns the number of tables that could not
 * be read (outside RAM); they are skipped.
 */
unsigned int hvsim_pt_walk(uint64_t cr3, bool nxe, hvsim_pt_visit_fn visit,
			   void *arg);
/* The same, reading the tables through phys (a guest's own view of RAM). */
unsigned int hvsim_pt_walk_with(uint64_t cr3, bool nxe,
				void *(*phys)(uint64_t pa, uint64_t len),
				hvsim_pt_visit_fn visit, void *arg);

/*
 * HvCallTranslateVirtualAddressEx for one page, with TLFS semantics: the
 * result code says whether the translation succeeded; *gpa_page is set
 * only on success. Honours validate_read/write/execute, user/supervisor
 * access, privilege_exempt (skips the U/S, SMEP and SMAP checks),
 * enforce/override_smap and set_page_table_bits.
 */
uint32_t hvsim_translate(const struct hvsim_paging *pg, uint64_t gva_page,
			 uint64_t control_flags, uint64_t *gpa_page);

/* True when the paging state is one hvsim_translate() models. */
bool hvsim_paging_supported(const struct hvsim_paging *pg);

/* ---- registers ---- */

enum hvsim_reg_class {
	HVSIM_REG_UNKNOWN, /* UnknownRegisterName */
	HVSIM_REG_PLAIN, /* stored and returned */
	HVSIM_REG_READ_ONLY, /* computed by hvsim (VSM, VP index) */
	HVSIM_REG_OVERLAY, /* VP assist page, register page */
	HVSIM_REG_CRASH, /* guest crash P0-P4, CTL */
};

enum hvsim_reg_class hvsim_reg_classify(uint32_t name);
/* Short name for logs ("Rip", "VpAssistPage"), or NULL. */
const char *hvsim_reg_name(uint32_t name);
/* The register hvsim_reg_name calls s[0..len), or 0. */
uint32_t hvsim_reg_by_name(const char *s, size_t len);

#define HVSIM_REGFILE_MAX 96

struct hvsim_reg_slot {
	uint32_t name;
	uint32_t pad[3];
	struct hv_u128 value;
};

#define HVSIM_REGFILE_BUCKETS 256

/*
 * The registers of one VP at one VTL that were ever set, found by a hash
 * of the name (bucket: slot index + 1, 0 free; linear probing): a VTL
 * return stores some 50 of them and a Get must not search them all.
 */
struct hvsim_regfile {
	uint32_t count;
	uint8_t bucket[HVSIM_REGFILE_BUCKETS];
	struct hvsim_reg_slot slot[HVSIM_REGFILE_MAX];
};

/* Default value of a register that was never set (RFLAGS: 0x2). */
struct hv_u128 hvsim_reg_default(uint32_t name);
struct hv_u128 hvsim_regfile_get(const struct hvsim_regfile *rf, uint32_t name);
/* False when the file is full. */
bool hvsim_regfile_set(struct hvsim_regfile *rf, uint32_t name,
		       struct hv_u128 value);
/*
 * HV_STATUS_INVALID_PARAMETER for a value Hyper-V refuses for a lower
 * VTL's architectural register (non-canonical RIP, reserved bits, PG
 * without PE, ...), else SUCCESS.
 */
uint16_t hvsim_vtl0_value_check(uint32_t name, struct hv_u128 v,
				uint32_t maxphyaddr);
/* Overlay pages: enable bit, reserved bits 1-11 zero. */
bool hvsim_overlay_value_valid(uint64_t value);

/* ---- fault injection ---- */

#define HVSIM_ANY_VP 0xFFFFFFFFu
#define HVSIM_INJECT_MAX 16

struct hvsim_inject_rule {
	uint16_t code; /* hypercall code */
	uint16_t status; /* status to fail with */
	uint32_t vp; /* VP index or HVSIM_ANY_VP */
	/*
	 * Get/SetVpRegisters only: the register name the call must name (0:
	 * any), e.g. to fail VsmCapabilities but not VsmCodePageOffsets.
	 */
	uint32_t reg;
	bool once;
	uint32_t fired; /* times it failed a call */
};

struct hvsim_injector {
	uint32_t count;
	struct hvsim_inject_rule rule[HVSIM_INJECT_MAX];
};

/* False when the table is full. rule->fired is ignored. */
bool hvsim_injector_add(struct hvsim_injector *inj,
			const struct hvsim_inject_rule *rule);
/*
 * True if a rule fails this call (reg: the register a Get/Set names, else
 * 0); *status is its status. A once rule fires for exactly one call even
 * when CPUs race.
 */
bool hvsim_injector_match(struct hvsim_injector *inj, uint16_t code,
			  uint32_t vp, uint32_t reg, uint16_t *status);
/*
 * Drops every rule. Only while no CPU makes hypercalls: a matcher may be
 * reading the table.
 */
void hvsim_injector_clear(struct hvsim_injector *inj);

/*
 * Parses "HYPERCALL:vp=V:status=S[:reg=R][:once]" (len bytes) into *rule.
 * HYPERCALL is a name (StartVirtualProcessor, EnableVpVtl, GetVpRegisters,
 * SetVpRegisters, TranslateVirtualAddressEx) or a number, V a VP index or
 * "any", S an hvdef status name or a number, R a register hvsim names
 * (hvsim_reg_name) or a number, for Get/SetVpRegisters only. Returns NULL
 * or an error text.
 */
const char *hvsim_inject_parse(const char *s, size_t len,
			       struct hvsim_inject_rule *rule);

/* ---- names ---- */

/* "StartVirtualProcessor", or NULL for a code hvsim does not know. */
const char *hvsim_hypercall_name(uint16_t code);

#endif
