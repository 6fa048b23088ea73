/*
 * Legacy 8259 PIC: SeaBIOS leaves it routing the PIT to vector 8, which
 * would look like a double fault as soon as interrupts are enabled.
 */
#ifndef KERNEL_PIC_H
#define KERNEL_PIC_H

void pic_disable(void);

#endif
