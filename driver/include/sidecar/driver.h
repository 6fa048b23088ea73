/* SPDX-License-Identifier: MIT */
/*
 * The sidecar driver: launch (boot shim), node (main kernel) and client
 * (VMM). Portable C11 for the host and freestanding builds; the
 * environment comes in through struct sd_platform.
 */
#ifndef SIDECAR_DRIVER_H
#define SIDECAR_DRIVER_H

#include "sidecar/driver/client.h"
#include "sidecar/driver/errno.h"
#include "sidecar/driver/launch.h"
#include "sidecar/driver/node.h"
#include "sidecar/driver/platform.h"

#endif /* SIDECAR_DRIVER_H */
