/*
 * Self-relocation of the static PIE. The image runs at its link address,
 * so this only re-applies R_X86_64_RELATIVE entries (a no-op when linked
 * with --apply-dynamic-relocs) and counts relocation types it cannot do.
 */
#ifndef KERNEL_RELOC_H
#define KERNEL_RELOC_H

/* Must run before any pointer stored in data is used. Returns the
 * number of unsupported relocations (reported once serial works). */
unsigned int reloc_apply(void);

#endif
