/*
 * TSC frequency (calibrated once on the BSP) and delays based on it.
 */
#ifndef KERNEL_TSC_H
#define KERNEL_TSC_H

#include <stdint.h>

extern uint64_t tsc_khz;

void tsc_calibrate(void);
void tsc_delay_us(uint64_t us);
uint64_t tsc_ms_to_cycles(uint64_t ms);
uint64_t tsc_cycles_to_ns(uint64_t cycles);

#endif
