/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor (TLFS) and x86 subset used by the sidecar kernel, driver
 * and simulator. Names follow hvdef (vm/hv1/hvdef in microsoft/openvmm):
 * structs are hv_<snake name>, constants HV_<NAME>, field names unchanged.
 */
#ifndef HV_HVDEF_H
#define HV_HVDEF_H

#include "hv/compiler.h"
#include "hv/hypercall.h"
#include "hv/message.h"
#include "hv/register_page.h"
#include "hv/registers.h"
#include "hv/status.h"
#include "hv/vp_assist.h"
#include "hv/x86.h"

#endif /* HV_HVDEF_H */
