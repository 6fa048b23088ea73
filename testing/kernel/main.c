/*
 * Test kernel entry (from arch/pvh_entry.S): bring the machine up, start
 * every CPU, run the test named by test= and exit QEMU with its verdict.
 */
#include <stdint.h>

#include <kernel/acpi.h>
#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/direct_map.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/pic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/reloc.h>
#include <kernel/serial.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/tests.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#include <scenarios/scenario.h>

#define DEFAULT_SMP_TIMEOUT_MS 30000

struct test {
	const char *name;
	int (*run)(const char *cmdline);
};

static const struct test tests[] = {
	{ "smp", test_smp },
	{ "ipi-pingpong", test_ipi_pingpong },
	{ "fault", test_fault },
	{ "irq-window", test_irq_window },
};

static const char *const test_options[] = {
	"test",	       "rounds", "smp_timeout_ms", "cpu", "module_at",
	"module_size", NULL,
};

/* test_options, then scenario_options. */
static const char *known_options[48];

static void merge_options(void)
{
	unsigned int n = 0;

	for (const char *const *o = test_options; *o; o++)
		known_options[n++] = *o;
	for (const char *const *o = scenario_options; *o; o++) {
		if (n + 1 >= sizeof(known_options) / sizeof(known_options[0]))
			panic("too many command-line options");
		known_options[n++] = *o;
	}
	known_options[n] = NULL;
}

/*
 * module_at=PA module_size=N: one more module, which QEMU's generic loader
 * put there (-device loader). QEMU's PVH loader puts an initrd where the
 * ACPI tables of more than 2048 vCPUs lie (README.md).
 */
static void add_loaded_module(const char *cmdline)
{
	uint64_t pa = cmdline_get_u64(cmdline, "module_at", 0);
	uint64_t size = cmdline_get_u64(cmdline, "module_size", 0);
	struct boot_module *m;

	if (!pa && !size)
		return;
	if (!pa || !size || !pvh_is_ram(pa, size))
		panic("module_at=0x%lx module_size=0x%lx: not RAM", pa, size);
	if (boot_info.nr_modules == BOOT_MODULES_MAX)
		panic("module_at: more than %u modules", BOOT_MODULES_MAX);
	m = &boot_info.modules[boot_info.nr_modules++];
	m->paddr = pa;
	m->size = size;
	printf("pvh: module %u at 0x%lx size 0x%lx (module_at)\n",
	       boot_info.nr_modules - 1, pa, size);
}

void kmain(uint64_t start_info_pa);

void kmain(uint64_t start_info_pa)
{
	static uint32_t apic_ids[MAX_CPUS];
	unsigned int bad_relocs = reloc_apply();
	const struct test *test = NULL;
	const char *cmdline;
	char name[32];
	unsigned int n;
	bool scenario;

	smp_early_bsp();
	cpu_setup();
	serial_init();
	idt_init();
	idt_load();
	printf("\ntestkernel: PVH boot\n");
	if (bad_relocs)
		panic("reloc: %u unsupported dynamic relocations", bad_relocs);

	pvh_parse(start_info_pa);
	pvh_print();
	cmdline = boot_info.cmdline;
	merge_options();
	cmdline_check(cmdline, known_options);
	cmdline_get_str(cmdline, "scenario", name, sizeof(name), "");
	scenario = name[0] != '\0';
	cmdline_get_str(cmdline, "test", name, sizeof(name), "smp");
	for (unsigned int i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!strcmp(tests[i].name, name))
			test = &tests[i];
	if (!test && !scenario)
		panic("unknown test '%s'", name);

	add_loaded_module(cmdline);
	/* Memory for per-CPU data sized from the MADT, AP stacks among it. */
	pmem_init();
	direct_map_init();
	pic_disable();
	x2apic_enable();
	tsc_calibrate();
	n = acpi_enumerate_cpus(boot_info.rsdp_pa, apic_ids, MAX_CPUS);
	smp_init(apic_ids, n);
	if (scenario) {
		/* hvsim starts the APs, when the scenario asks it to. */
		if (scenario_main(cmdline))
			panic("scenario failed");
		exit_pass();
	}
	smp_boot_aps(cmdline_get_u64(cmdline, "smp_timeout_ms",
				     DEFAULT_SMP_TIMEOUT_MS));

	printf("test: %s\n", test->name);
	if (test->run(cmdline))
		panic("test %s failed", test->name);
	exit_pass();
}
