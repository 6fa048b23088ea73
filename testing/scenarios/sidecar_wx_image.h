/* SPDX-License-Identifier: MIT */
/* The image window of a VP's page tables against the loaded ELF. */
#ifndef SCENARIOS_SIDECAR_WX_IMAGE_H
#define SCENARIOS_SIDECAR_WX_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <hvsim/core.h>

#include "sidecar_wx.h"

/* Reads the PT_LOAD segments of the image module (PVH module 0). */
void wx_read_segments(void);
/* Pages the segments cover; *text: how many of them are executable. */
uint32_t wx_image_pages(uint32_t *text);
/* Is m (in the image window) the page the ELF says? Else *why. */
bool wx_image_page_ok(const struct hvsim_mapping *m, uint64_t image_pa,
		      const char **why);

#endif
