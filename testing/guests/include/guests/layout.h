/* SPDX-License-Identifier: MIT */
/*
 * Constants the VTL0 guest programs (guests.S) and the scenarios that
 * check their exits share, and the guests' symbols.
 */
#ifndef GUESTS_LAYOUT_H
#define GUESTS_LAYOUT_H

/* guest_steps' block at its initial RSP. */
#define GUEST_STEPS_TOTAL 0 /* steps done */
#define GUEST_STEPS_SINCE 8 /* since the last exit */
#define GUEST_STEPS_EVERY 16 /* steps per exit; 0: halt after one */

/* A VA the loader maps to a GPA outside VTL0 RAM. */
#define GUEST_UNMAPPED_VA 0x8000000000
#define GUEST_VECTOR 0x30 /* the interrupt the VMM injects */

/* guest_intercepts' inputs. */
#define GI_RBX 0x0123456789abcdef
#define GI_R12 0xfedcba9876543210
#define GI_MXCSR 0x7f80 /* round toward zero, exceptions masked */
#define GI_CR2 0xc0de0000
#define GI_OUT8_AL 0x5a
#define GI_PORT8 0xe9
#define GI_PORT16 0x80
#define GI_OUT16_AX 0xbeef
#define GI_OUTS_COUNT 3
#define GI_RDMSR 0x1a0
#define GI_WRMSR 0xc0000081
#define GI_WRMSR_EAX 0x11
#define GI_WRMSR_EDX 0x22
#define GI_CPUID_LEAF 0
#define GI_CPUID_SUBLEAF 0
#define GI_UNMAPPED_BYTE 0x77

/* guest_real's. */
#define GR_PORT 0xe9
#define GR_AX 0x1234

#ifndef __ASSEMBLER__
#include <stdint.h>

extern const uint8_t guest_blob_start[], guest_blob_end[];
extern const uint8_t guest_steps[], guest_steps_out[], guest_steps_hlt[];
extern const uint8_t guest_intercepts[], guest_vector_handler[];
extern const uint8_t gi_out8[], gi_out8_end[], gi_out16[], gi_out16_end[];
extern const uint8_t gi_in32[], gi_in32_end[], gi_outs[], gi_outs_end[];
extern const uint8_t gi_rdmsr[], gi_rdmsr_end[], gi_wrmsr[], gi_wrmsr_end[];
extern const uint8_t gi_cpuid[], gi_cpuid_end[], gi_unmapped[];
extern const uint8_t gi_unmapped_end[], gi_hlt[], gi_hlt_end[], gi_ud[];
extern const uint8_t gi_ud_end[], gi_outs_buf[];
extern const uint8_t guest_real[], gr_out[], gr_out_end[];
#endif

#endif
