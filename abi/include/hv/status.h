/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor status codes (HV_STATUS, hvdef HvStatus / HvError).
 *
 * The values and names are hvdef's `HvError` (vm/hv1/hvdef/src/lib.rs).
 * An HV_STATUS is a uint16_t; there is no C type for it.
 */
#ifndef HV_STATUS_H
#define HV_STATUS_H

#include "hv/compiler.h"

#define HV_STATUS_SUCCESS 0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE 0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003
#define HV_STATUS_INVALID_ALIGNMENT 0x0004
#define HV_STATUS_INVALID_PARAMETER 0x0005
#define HV_STATUS_ACCESS_DENIED 0x0006
#define HV_STATUS_INVALID_PARTITION_STATE 0x0007
#define HV_STATUS_OPERATION_DENIED 0x0008
#define HV_STATUS_UNKNOWN_PROPERTY 0x0009
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE 0x000A
#define HV_STATUS_INSUFFICIENT_MEMORY 0x000B
#define HV_STATUS_PARTITION_TOO_DEEP 0x000C
#define HV_STATUS_INVALID_PARTITION_ID 0x000D
#define HV_STATUS_INVALID_VP_INDEX 0x000E
#define HV_STATUS_NOT_FOUND 0x0010
#define HV_STATUS_INVALID_PORT_ID 0x0011
#define HV_STATUS_INVALID_CONNECTION_ID 0x0012
#define HV_STATUS_INSUFFICIENT_BUFFERS 0x0013
#define HV_STATUS_NOT_ACKNOWLEDGED 0x0014
#define HV_STATUS_INVALID_VP_STATE 0x0015
#define HV_STATUS_ACKNOWLEDGED 0x0016
#define HV_STATUS_INVALID_SAVE_RESTORE_STATE 0x0017
#define HV_STATUS_INVALID_SYNIC_STATE 0x0018
#define HV_STATUS_OBJECT_IN_USE 0x0019
#define HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO 0x001A
#define HV_STATUS_NO_DATA 0x001B
#define HV_STATUS_INACTIVE 0x001C
#define HV_STATUS_NO_RESOURCES 0x001D
#define HV_STATUS_FEATURE_UNAVAILABLE 0x001E
#define HV_STATUS_PARTIAL_PACKET 0x001F
#define HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED 0x0020
#define HV_STATUS_PROCESSOR_CACHE_LINE_FLUSH_SIZE_INCOMPATIBLE 0x0030
#define HV_STATUS_INSUFFICIENT_BUFFER 0x0033
#define HV_STATUS_INCOMPATIBLE_PROCESSOR 0x0037
#define HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS 0x0038
#define HV_STATUS_CPUID_FEATURE_VALIDATION_ERROR 0x003C
#define HV_STATUS_CPUID_XSAVE_FEATURE_VALIDATION_ERROR 0x003D
#define HV_STATUS_PROCESSOR_STARTUP_TIMEOUT 0x003E
#define HV_STATUS_SMX_ENABLED 0x003F
#define HV_STATUS_INVALID_LP_INDEX 0x0041
#define HV_STATUS_INVALID_REGISTER_VALUE 0x0050
#define HV_STATUS_INVALID_VTL_STATE 0x0051
#define HV_STATUS_NX_NOT_DETECTED 0x0055
#define HV_STATUS_INVALID_DEVICE_ID 0x0057
#define HV_STATUS_INVALID_DEVICE_STATE 0x0058
#define HV_STATUS_PENDING_PAGE_REQUESTS 0x0059
#define HV_STATUS_PAGE_REQUEST_INVALID 0x0060
#define HV_STATUS_KEY_ALREADY_EXISTS 0x0065
#define HV_STATUS_DEVICE_ALREADY_IN_DOMAIN 0x0066
#define HV_STATUS_INVALID_CPU_GROUP_ID 0x006F
#define HV_STATUS_INVALID_CPU_GROUP_STATE 0x0070
#define HV_STATUS_OPERATION_FAILED 0x0071
#define HV_STATUS_NOT_ALLOWED_WITH_NESTED_VIRT_ACTIVE 0x0072
#define HV_STATUS_INSUFFICIENT_ROOT_MEMORY 0x0073
#define HV_STATUS_EVENT_BUFFER_ALREADY_FREED 0x0074
#define HV_STATUS_TIMEOUT 0x0078
#define HV_STATUS_VTL_ALREADY_ENABLED 0x0086
#define HV_STATUS_UNKNOWN_REGISTER_NAME 0x0087

#ifndef __ASSEMBLER__

/*
 * The hvdef name of a status ("VtlAlreadyEnabled"), or NULL for a value
 * hvdef does not define, so the caller can print the number instead.
 */
static inline const char *hv_status_name(uint16_t status)
{
	switch (status) {
	case HV_STATUS_SUCCESS:
		return "Success";
	case HV_STATUS_INVALID_HYPERCALL_CODE:
		return "InvalidHypercallCode";
	case HV_STATUS_INVALID_HYPERCALL_INPUT:
		return "InvalidHypercallInput";
	case HV_STATUS_INVALID_ALIGNMENT:
		return "InvalidAlignment";
	case HV_STATUS_INVALID_PARAMETER:
		return "InvalidParameter";
	case HV_STATUS_ACCESS_DENIED:
		return "AccessDenied";
	case HV_STATUS_INVALID_PARTITION_STATE:
		return "InvalidPartitionState";
	case HV_STATUS_OPERATION_DENIED:
		return "OperationDenied";
	case HV_STATUS_UNKNOWN_PROPERTY:
		return "UnknownProperty";
	case HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE:
		return "PropertyValueOutOfRange";
	case HV_STATUS_INSUFFICIENT_MEMORY:
		return "InsufficientMemory";
	case HV_STATUS_PARTITION_TOO_DEEP:
		return "PartitionTooDeep";
	case HV_STATUS_INVALID_PARTITION_ID:
		return "InvalidPartitionId";
	case HV_STATUS_INVALID_VP_INDEX:
		return "InvalidVpIndex";
	case HV_STATUS_NOT_FOUND:
		return "NotFound";
	case HV_STATUS_INVALID_PORT_ID:
		return "InvalidPortId";
	case HV_STATUS_INVALID_CONNECTION_ID:
		return "InvalidConnectionId";
	case HV_STATUS_INSUFFICIENT_BUFFERS:
		return "InsufficientBuffers";
	case HV_STATUS_NOT_ACKNOWLEDGED:
		return "NotAcknowledged";
	case HV_STATUS_INVALID_VP_STATE:
		return "InvalidVpState";
	case HV_STATUS_ACKNOWLEDGED:
		return "Acknowledged";
	case HV_STATUS_INVALID_SAVE_RESTORE_STATE:
		return "InvalidSaveRestoreState";
	case HV_STATUS_INVALID_SYNIC_STATE:
		return "InvalidSynicState";
	case HV_STATUS_OBJECT_IN_USE:
		return "ObjectInUse";
	case HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO:
		return "InvalidProximityDomainInfo";
	case HV_STATUS_NO_DATA:
		return "NoData";
	case HV_STATUS_INACTIVE:
		return "Inactive";
	case HV_STATUS_NO_RESOURCES:
		return "NoResources";
	case HV_STATUS_FEATURE_UNAVAILABLE:
		return "FeatureUnavailable";
	case HV_STATUS_PARTIAL_PACKET:
		return "PartialPacket";
	case HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED:
		return "ProcessorFeatureNotSupported";
	case HV_STATUS_PROCESSOR_CACHE_LINE_FLUSH_SIZE_INCOMPATIBLE:
		return "ProcessorCacheLineFlushSizeIncompatible";
	case HV_STATUS_INSUFFICIENT_BUFFER:
		return "InsufficientBuffer";
	case HV_STATUS_INCOMPATIBLE_PROCESSOR:
		return "IncompatibleProcessor";
	case HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS:
		return "InsufficientDeviceDomains";
	case HV_STATUS_CPUID_FEATURE_VALIDATION_ERROR:
		return "CpuidFeatureValidationError";
	case HV_STATUS_CPUID_XSAVE_FEATURE_VALIDATION_ERROR:
		return "CpuidXsaveFeatureValidationError";
	case HV_STATUS_PROCESSOR_STARTUP_TIMEOUT:
		return "ProcessorStartupTimeout";
	case HV_STATUS_SMX_ENABLED:
		return "SmxEnabled";
	case HV_STATUS_INVALID_LP_INDEX:
		return "InvalidLpIndex";
	case HV_STATUS_INVALID_REGISTER_VALUE:
		return "InvalidRegisterValue";
	case HV_STATUS_INVALID_VTL_STATE:
		return "InvalidVtlState";
	case HV_STATUS_NX_NOT_DETECTED:
		return "NxNotDetected";
	case HV_STATUS_INVALID_DEVICE_ID:
		return "InvalidDeviceId";
	case HV_STATUS_INVALID_DEVICE_STATE:
		return "InvalidDeviceState";
	case HV_STATUS_PENDING_PAGE_REQUESTS:
		return "PendingPageRequests";
	case HV_STATUS_PAGE_REQUEST_INVALID:
		return "PageRequestInvalid";
	case HV_STATUS_KEY_ALREADY_EXISTS:
		return "KeyAlreadyExists";
	case HV_STATUS_DEVICE_ALREADY_IN_DOMAIN:
		return "DeviceAlreadyInDomain";
	case HV_STATUS_INVALID_CPU_GROUP_ID:
		return "InvalidCpuGroupId";
	case HV_STATUS_INVALID_CPU_GROUP_STATE:
		return "InvalidCpuGroupState";
	case HV_STATUS_OPERATION_FAILED:
		return "OperationFailed";
	case HV_STATUS_NOT_ALLOWED_WITH_NESTED_VIRT_ACTIVE:
		return "NotAllowedWithNestedVirtActive";
	case HV_STATUS_INSUFFICIENT_ROOT_MEMORY:
		return "InsufficientRootMemory";
	case HV_STATUS_EVENT_BUFFER_ALREADY_FREED:
		return "EventBufferAlreadyFreed";
	case HV_STATUS_TIMEOUT:
		return "Timeout";
	case HV_STATUS_VTL_ALREADY_ENABLED:
		return "VtlAlreadyEnabled";
	case HV_STATUS_UNKNOWN_REGISTER_NAME:
		return "UnknownRegisterName";
	default:
		return NULL;
	}
}

#endif /* !__ASSEMBLER__ */

#endif /* HV_STATUS_H */
