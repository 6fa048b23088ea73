/*
 * CPU exceptions are always fatal here: dump what locates the fault and
 * panic (which names the CPU and exits QEMU).
 */
#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/printf.h>

static const char *const exception_names[NR_EXCEPTIONS] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor segment overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved 15",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
	"reserved 22",
	"reserved 23",
	"reserved 24",
	"reserved 25",
	"reserved 26",
	"reserved 27",
	"#HV hypervisor injection",
	"#VC VMM communication",
	"#SX security",
	"reserved 31",
};

__attribute__((noreturn)) void exception_report(struct irq_frame *f)
{
	uint64_t cr2 = read_cr2();

	printf("EXCEPTION: vector %lu (%s) error 0x%lx\n"
	       "  rip 0x%016lx cs 0x%lx rflags 0x%lx rsp 0x%016lx ss 0x%lx\n"
	       "  cr2 0x%016lx cr3 0x%016lx\n"
	       "  rax 0x%016lx rbx 0x%016lx rcx 0x%016lx rdx 0x%016lx\n"
	       "  rsi 0x%016lx rdi 0x%016lx rbp 0x%016lx\n",
	       f->vector, exception_names[f->vector], f->error, f->rip, f->cs,
	       f->rflags, f->rsp, f->ss, cr2, read_cr3(), f->rax, f->rbx,
	       f->rcx, f->rdx, f->rsi, f->rdi, f->rbp);
	panic("exception %lu (%s) error 0x%lx rip 0x%lx cr2 0x%lx", f->vector,
	      exception_names[f->vector], f->error, f->rip, cr2);
}
