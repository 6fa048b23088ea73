/*
 * Silence the legacy 8259 pair: remap it away from the exception vectors
 * first (a stray IRQ 7/15 then cannot pose as an exception), then mask
 * every line.
 */
#include <kernel/arch.h>
#include <kernel/pic.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

void pic_disable(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: init, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 0x20); /* ICW2: vectors 0x20.. */
	outb(PIC2_DATA, 0x28); /* and 0x28.. */
	outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff); /* mask all */
	outb(PIC2_DATA, 0xff);
}
