// SPDX-License-Identifier: MIT
/*
 * Guest crash registers: writing CTL reports the crash, like the host
 * would: P0-P4 and, with CRASH_MESSAGE, the text at P3 (length P4).
 */
#include <stdint.h>

#include <kernel/printf.h>

#include "internal.h"

#define MESSAGE_MAX 512

void hvsim_crash_report(struct hvsim_vp *vp, uint32_t rf)
{
	uint64_t p[5], ctl;
	char text[MESSAGE_MAX + 1];
	const char *msg;

	hvsim_lock(vp);
	for (uint32_t i = 0; i < 5; i++)
		p[i] = hvsim_regfile_get(&vp->rf[rf],
					 HV_REGISTER_GUEST_CRASH_P0 + i)
			       .low;
	ctl = hvsim_regfile_get(&vp->rf[rf], HV_REGISTER_GUEST_CRASH_CTL).low;
	hvsim_unlock(vp);
	__atomic_fetch_add(&hvsim.crashes, 1, __ATOMIC_RELAXED);
	printf("hvsim: guest crash: VP %u VTL%u CTL 0x%lx P0 0x%lx P1 0x%lx "
	       "P2 0x%lx P3 0x%lx P4 0x%lx\n",
	       vp->rec.vp, rf == HVSIM_RF_VTL0 ? 0 : 2, ctl, p[0], p[1], p[2],
	       p[3], p[4]);
	if (!(ctl & HV_GUEST_CRASH_CTL_CRASH_MESSAGE) || !p[3] || !p[4])
		return;
	msg = hvsim_phys(p[3], p[4] < MESSAGE_MAX ? p[4] : MESSAGE_MAX);
	if (!msg) {
		printf("hvsim: guest crash message at 0x%lx is not in RAM\n",
		       p[3]);
		return;
	}
	/* One line: control characters would break the log's structure. */
	for (uint64_t i = 0; i < p[4] && i < MESSAGE_MAX; i++) {
		char ch = msg[i];

		text[i] = (ch < 0x20 || ch == 0x7f) ? '.' : ch;
		text[i + 1] = '\0';
	}
	printf("hvsim: guest crash message: %s%s\n", text,
	       p[4] > MESSAGE_MAX ? "..." : "");
}
