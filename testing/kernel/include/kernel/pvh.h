/*
 * The PVH boot ABI (Xen's struct hvm_start_info) and the copy of it the
 * kernel keeps, taken before anything can overwrite the original.
 */
#ifndef KERNEL_PVH_H
#define KERNEL_PVH_H

#include <stdint.h>

#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	/* version 1 and later */
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

#define MEMMAP_RAM 1

#define BOOT_CMDLINE_MAX 1024
#define BOOT_MEMMAP_MAX 64
#define BOOT_MODULES_MAX 8

struct boot_module {
	uint64_t paddr;
	uint64_t size;
};

struct boot_info {
	uint64_t start_info_pa;
	uint64_t rsdp_pa; /* 0 when the loader gave none */
	char cmdline[BOOT_CMDLINE_MAX];
	struct hvm_memmap_table_entry memmap[BOOT_MEMMAP_MAX];
	unsigned int nr_memmap;
	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned int nr_modules;
};

extern struct boot_info boot_info;

void pvh_parse(uint64_t start_info_pa);
void pvh_print(void);
/* True when [pa, pa + len) lies inside one RAM entry of the memory map. */
int pvh_is_ram(uint64_t pa, uint64_t len);

#endif
