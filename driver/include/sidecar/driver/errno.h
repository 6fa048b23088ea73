/* SPDX-License-Identifier: MIT */
/*
 * Error codes of the driver. There is no libc in the freestanding build, so
 * the driver defines the Linux values it returns, negated, itself.
 */
#ifndef SIDECAR_DRIVER_ERRNO_H
#define SIDECAR_DRIVER_ERRNO_H

#ifdef __cplusplus
extern "C" {
#endif

#define SD_ENOENT 2 /* the VP was removed (converted to a main-kernel CPU) */
#define SD_EINTR 4 /* the caller was interrupted */
#define SD_EIO 5 /* the sidecar or hypervisor failed; see the report */
#define SD_EAGAIN 11 /* nothing ready and the caller asked not to block */
#define SD_ENOMEM 12 /* no memory for the sidecar */
#define SD_EBUSY 16 /* the VP is owned by another request */
#define SD_EINVAL 22 /* bad argument, or not valid in the VP's state */
#define SD_ETIMEDOUT 110 /* the deadline passed first */

/* "EBUSY" for -SD_EBUSY or SD_EBUSY; "E?" for anything else. */
const char *sd_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_DRIVER_ERRNO_H */
