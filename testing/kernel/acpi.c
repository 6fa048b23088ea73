/*
 * RSDP -> XSDT (or RSDT) -> MADT, checksummed at every step. Tables are
 * read in place through the boot identity map.
 */
#include <stdint.h>

#include <kernel/acpi.h>
#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/string.h>

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	/* revision 2 and later */
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_sdt {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_madt {
	struct acpi_sdt hdr;
	uint32_t lapic_addr;
	uint32_t flags;
} __attribute__((packed));

#define MADT_LOCAL_APIC 0
#define MADT_LOCAL_X2APIC 9
#define MADT_ENABLED 0x1

#define BIOS_AREA_START 0xe0000
#define BIOS_AREA_END 0x100000
#define EBDA_SEGMENT_PTR 0x40e

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static void check_mapped(uint64_t pa, uint64_t len, const char *what)
{
	if (pa == 0 || pa + len < pa || pa + len > IDENTITY_MAP_LIMIT)
		panic("acpi: %s at 0x%lx+0x%lx outside the boot map", what, pa,
		      len);
}

static int rsdp_valid(const struct acpi_rsdp *r)
{
	if (memcmp(r->signature, "RSD PTR ", 8) || checksum(r, 20))
		return 0;
	return r->revision < 2 || checksum(r, sizeof(*r)) == 0;
}

static const struct acpi_rsdp *rsdp_scan(uint64_t start, uint64_t end)
{
	for (uint64_t pa = start; pa + sizeof(struct acpi_rsdp) <= end;
	     pa += 16) {
		const struct acpi_rsdp *r = (const void *)(uintptr_t)pa;

		if (rsdp_valid(r))
			return r;
	}
	return NULL;
}

static const struct acpi_rsdp *rsdp_find(uint64_t rsdp_pa)
{
	const struct acpi_rsdp *r;
	uint64_t ebda;

	if (rsdp_pa) {
		check_mapped(rsdp_pa, sizeof(*r), "RSDP");
		r = (const void *)(uintptr_t)rsdp_pa;
		if (!rsdp_valid(r))
			panic("acpi: invalid RSDP at 0x%lx", rsdp_pa);
		return r;
	}
	/* No pointer from the loader: first KiB of the EBDA, then the BIOS. */
	ebda = (uint64_t)*(const volatile uint16_t *)EBDA_SEGMENT_PTR << 4;
	if (ebda >= 0x80000 && ebda < 0xa0000) {
		r = rsdp_scan(ebda, ebda + 1024);
		if (r)
			return r;
	}
	r = rsdp_scan(BIOS_AREA_START, BIOS_AREA_END);
	if (!r)
		panic("acpi: no RSDP found");
	return r;
}

static const struct acpi_sdt *table_at(uint64_t pa, const char *sig)
{
	const struct acpi_sdt *t;

	check_mapped(pa, sizeof(*t), sig);
	t = (const void *)(uintptr_t)pa;
	check_mapped(pa, t->length, sig);
	if (t->length < sizeof(*t))
		panic("acpi: table at 0x%lx too short", pa);
	if (checksum(t, t->length))
		panic("acpi: bad checksum in %.4s at 0x%lx", t->signature, pa);
	return t;
}

/* The table with signature sig, or NULL. */
static const struct acpi_sdt *table_find(const struct acpi_rsdp *r,
					 const char *sig)
{
	const struct acpi_sdt *root;
	unsigned int width, n;

	if (r->revision >= 2 && r->xsdt) {
		root = table_at(r->xsdt, "XSDT");
		width = 8;
	} else {
		root = table_at(r->rsdt, "RSDT");
		width = 4;
	}
	n = (root->length - sizeof(*root)) / width;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = (const uint8_t *)(root + 1) + i * width;
		uint64_t pa = 0;
		const struct acpi_sdt *t;

		/* Entries are not naturally aligned: copy byte-wise. */
		memcpy(&pa, e, width);
		check_mapped(pa, sizeof(*t), "table");
		t = (const void *)(uintptr_t)pa;
		if (!memcmp(t->signature, sig, 4))
			return table_at(pa, sig);
	}
	return NULL;
}

/* Prints the signatures the root table lists, for a missing table. */
static void print_tables(const struct acpi_rsdp *r)
{
	const struct acpi_sdt *root;
	unsigned int width, n;

	if (r->revision >= 2 && r->xsdt) {
		root = table_at(r->xsdt, "XSDT");
		width = 8;
	} else {
		root = table_at(r->rsdt, "RSDT");
		width = 4;
	}
	n = (root->length - sizeof(*root)) / width;
	printf("acpi: %.4s at 0x%lx lists %u tables:", root->signature,
	       (uint64_t)(uintptr_t)root, n);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = (const uint8_t *)(root + 1) + i * width;
		uint64_t pa = 0;
		const struct acpi_sdt *t;

		memcpy(&pa, e, width);
		check_mapped(pa, sizeof(*t), "table");
		t = (const void *)(uintptr_t)pa;
		printf(" %.4s@0x%lx+0x%x", t->signature, pa, t->length);
		for (unsigned int m = 0; m < boot_info.nr_modules; m++)
			if (pa - boot_info.modules[m].paddr <
			    boot_info.modules[m].size)
				printf(" (inside PVH module %u: the loader "
				       "put it over the tables)",
				       m);
	}
	printf("\n");
}

static const struct acpi_madt *madt_find(const struct acpi_rsdp *r)
{
	const struct acpi_sdt *t = table_find(r, "APIC");

	if (!t) {
		print_tables(r);
		panic("acpi: no MADT (an entry listed above inside a PVH "
		      "module was overwritten by the module)");
	}
	return (const void *)t;
}

static void add_cpu(uint32_t *ids, unsigned int *n, unsigned int max,
		    uint32_t apic_id)
{
	for (unsigned int i = 0; i < *n; i++)
		if (ids[i] == apic_id)
			return; /* listed twice (type 0 and 9) */
	if (*n == max)
		panic("acpi: more than %u CPUs in the MADT (MAX_CPUS)", max);
	ids[(*n)++] = apic_id;
}

unsigned int acpi_enumerate_cpus(uint64_t rsdp_pa, uint32_t *apic_ids,
				 unsigned int max)
{
	const struct acpi_rsdp *r = rsdp_find(rsdp_pa);
	const struct acpi_madt *madt = madt_find(r);
	const uint8_t *p = (const uint8_t *)(madt + 1);
	const uint8_t *end = (const uint8_t *)madt + madt->hdr.length;
	unsigned int n = 0, disabled = 0;

	printf("acpi: rsdp 0x%lx rev %u %.6s, madt 0x%lx\n",
	       (uint64_t)(uintptr_t)r, r->revision, r->oem_id,
	       (uint64_t)(uintptr_t)madt);
	while (p + 2 <= end) {
		uint8_t type = p[0], len = p[1];
		uint32_t id, flags;

		if (len < 2 || p + len > end)
			panic("acpi: malformed MADT entry at offset %lu",
			      (uint64_t)(p - (const uint8_t *)madt));
		if (type == MADT_LOCAL_APIC && len >= 8) {
			id = p[3];
			memcpy(&flags, p + 4, 4);
		} else if (type == MADT_LOCAL_X2APIC && len >= 16) {
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
		} else {
			p += len;
			continue;
		}
		if (flags & MADT_ENABLED)
			add_cpu(apic_ids, &n, max, id);
		else
			disabled++;
		p += len;
	}
	if (!n)
		panic("acpi: MADT lists no enabled CPU");
	printf("acpi: %u enabled cpu(s), %u disabled\n", n, disabled);
	return n;
}

/* SRAT: a 12-byte reserved area after the header, then the entries. */
#define SRAT_ENTRIES_OFFSET (sizeof(struct acpi_sdt) + 12)
#define SRAT_MEMORY 1
#define SRAT_MEMORY_LEN 40
#define SRAT_ENABLED 0x1

unsigned int acpi_numa_memory(uint64_t rsdp_pa, struct acpi_mem_range *ranges,
			      unsigned int max)
{
	const struct acpi_sdt *srat = table_find(rsdp_find(rsdp_pa), "SRAT");
	const uint8_t *p, *end;
	unsigned int n = 0;

	if (!srat)
		return 0;
	p = (const uint8_t *)srat + SRAT_ENTRIES_OFFSET;
	end = (const uint8_t *)srat + srat->length;
	while (p + 2 <= end) {
		uint8_t type = p[0], len = p[1];
		uint32_t flags;

		if (len < 2 || p + len > end)
			panic("acpi: malformed SRAT entry");
		if (type == SRAT_MEMORY && len >= SRAT_MEMORY_LEN) {
			memcpy(&flags, p + 28, 4);
			if ((flags & SRAT_ENABLED) && n < max) {
				memcpy(&ranges[n].node, p + 2, 4);
				memcpy(&ranges[n].base, p + 8, 8);
				memcpy(&ranges[n].size, p + 16, 8);
				if (ranges[n].size)
					n++;
			}
		}
		p += len;
	}
	return n;
}
