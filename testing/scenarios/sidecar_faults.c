// SPDX-License-Identifier: MIT
/*
 * scenario=faults: every hypercall failure hvsim can inject, each giving
 * its precise error and never a hang, the VP usable afterwards.
 *
 * At boot (three boots in one run, a fresh copy of the image each):
 *  - Get VsmCodePageOffsets, then Get VsmCapabilities, failing for the
 *    BSP: the entry returns false with "reading ... failed: status 0x..
 *    (Name)" and starts nothing;
 *  - EnableVpVtl for VP A (node 0 CPU 2) and StartVirtualProcessor for
 *    the last VP: the boot succeeds, both are REMOVED with the failure
 *    hvsim saw (the image's own report line is matched by the test), the
 *    driver refuses them (-ENOENT), and both CPUs, which never ran, start
 *    as test-kernel CPUs and answer an IPI.
 * At run time, on the usable VPs:
 *  - Set VpAssistPage: RUN_VP fails with the sidecar's "mapping the VP
 *    assist page failed: ..." and no VTL return; the next run works;
 *  - Set RegisterPage: logged only, the run works without a register page;
 *  - Get/SetVpRegisters of one register: the status comes back, the
 *    client names the register, the registers before it were transferred
 *    and none after; once the fault is gone the same call works;
 *  - TranslateVirtualAddressEx: the status in the response and an
 *    all-zero output (over a response pre-filled with garbage), and the
 *    client's hypervisor error; then a translation works.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "guest_load.h"
#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_restart.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define VTL0 (HV_INPUT_VTL_USE_TARGET | 0)
#define VTL2 2

static struct sidecar_boot boot;

static void inject(uint16_t code, uint32_t vp, uint32_t reg, uint16_t status,
		   bool once)
{
	const struct hvsim_inject_rule r = {
		.code = code,
		.status = status,
		.vp = vp,
		.reg = reg,
		.once = once,
	};

	hvsim_inject_rule(&r);
}

/* The BSP cannot read a VSM register: the entry fails, says why. */
static void vsm_read_fails(const struct scenario_env *env, uint32_t reg,
			   const char *name, uint16_t status)
{
	uint32_t starts = hvsim_start_requests();
	char want[128];
	const struct sidecar_command_error *err;

	inject(HV_CALL_GET_VP_REGISTERS, hvsim_bsp(), reg, status, true);
	snprintf(want, sizeof(want), "reading %s failed: status 0x%x (%s)",
		 name, status, hv_status_name(status));
	CHECK(!sidecar_boot_entry(env, &boot), "%s failing: the boot succeeded",
	      name);
	err = &boot.output->error;
	printf("sidecar: boot error: %.*s\n", (int)err->len,
	       (const char *)err->buf);
	CHECK(err->len == strlen(want) && !memcmp(err->buf, want, err->len),
	      "%s failing: boot error '%.*s', expected '%s'", name,
	      (int)err->len, (const char *)err->buf, want);
	CHECK(hvsim_start_requests() == starts,
	      "%s failing: %u VPs started anyway", name,
	      hvsim_start_requests() - starts);
}

static void start_failed(const struct scenario_env *env, uint32_t vp,
			 uint16_t code, uint16_t status)
{
	const struct hvsim_vp_record *r = hvsim_vp_record(vp);
	struct sd_node *n = sidecar_node_of(&boot, vp);
	struct sd_client_vp c;
	struct sd_client_error e;
	int rc;

	CHECK(r->start_failure_code == code &&
		      r->start_failure_status == status &&
		      r->state == HVSIM_VP_OFF,
	      "VP %u: start failure %s/0x%x (state %u), expected %s/0x%x", vp,
	      hvsim_hypercall_name(r->start_failure_code),
	      r->start_failure_status, r->state, hvsim_hypercall_name(code),
	      status);
	if (!CHECK(n && sd_vp_state(n, vp) == SD_VP_REMOVED,
		   "VP %u: the driver does not have it REMOVED", vp))
		return;
	if (!sidecar_client(env, &boot, vp, &c))
		return;
	rc = sd_client_test(&c, &e);
	CHECK(rc == -SD_ENOENT, "VP %u: NONE to a VP that never started: %s",
	      vp, e.msg);
	restart_as_kernel_cpu(env, vp);
}

static void assist_and_register_page(const struct scenario_env *env,
				     struct sd_client_vp *c)
{
	const struct hvsim_vp_record *r = hvsim_vp_record(c->vp);
	uint32_t returns = r->vtl_returns;
	struct sd_client_error e;
	char want[128];
	bool intercept;
	int rc;

	inject(HV_CALL_SET_VP_REGISTERS, c->vp, HV_REGISTER_VP_ASSIST_PAGE,
	       HV_STATUS_INSUFFICIENT_MEMORY, true);
	snprintf(want, sizeof(want),
		 "mapping the VP assist page failed: status 0x%x (%s)",
		 HV_STATUS_INSUFFICIENT_MEMORY,
		 hv_status_name(HV_STATUS_INSUFFICIENT_MEMORY));
	run_guest(c->vp, 1);
	if (!run_start(env, c))
		return;
	rc = sd_client_wait(c, sidecar_timeout_ns(env), &intercept, &e);
	CHECK(rc == -SD_EIO && e.kind == SD_CLIENT_ERR_SIDECAR &&
		      !strcmp(e.msg, want),
	      "VP %u: VpAssistPage failing: %d kind %d '%s', expected '%s'",
	      c->vp, rc, e.kind, e.msg, want);
	CHECK(r->vtl_returns == returns &&
		      !hvsim_get_register(c->vp, VTL2,
					  HV_REGISTER_VP_ASSIST_PAGE)
			       .low,
	      "VP %u: ran without a VP assist page", c->vp);
	printf("faults: VP %u: %s\n", c->vp, e.msg);

	/* The next run maps again; now the register page fails. */
	inject(HV_CALL_SET_VP_REGISTERS, c->vp, HV_REGISTER_REGISTER_PAGE,
	       HV_STATUS_ACCESS_DENIED, true);
	run_to_intercept(env, c, 2, 1, false);
	CHECK(hvsim_get_register(c->vp, VTL2, HV_REGISTER_VP_ASSIST_PAGE).low &&
		      !hvsim_get_register(c->vp, VTL2,
					  HV_REGISTER_REGISTER_PAGE)
			       .low &&
		      !sd_client_register_page(c)->is_valid,
	      "VP %u: after a failed RegisterPage: assist 0x%lx register "
	      "page 0x%lx valid %u",
	      c->vp,
	      hvsim_get_register(c->vp, VTL2, HV_REGISTER_VP_ASSIST_PAGE).low,
	      hvsim_get_register(c->vp, VTL2, HV_REGISTER_REGISTER_PAGE).low,
	      sd_client_register_page(c)->is_valid);
	run_to_intercept(env, c, 1, 2, false);
}

static void get_fails(const struct scenario_env *env, struct sd_client_vp *c)
{
	static const uint32_t names[4] = { HV_REGISTER_RAX, HV_REGISTER_RBX,
					   HV_REGISTER_RIP, HV_REGISTER_R8 };
	struct hv_register_assoc regs[4];
	struct sd_client_error e;
	int rc;

	memset(regs, 0, sizeof(regs));
	for (uint32_t i = 0; i < 4; i++)
		regs[i].name = names[i];
	inject(HV_CALL_GET_VP_REGISTERS, c->vp, HV_REGISTER_RIP,
	       HV_STATUS_ACCESS_DENIED, false);
	rc = sd_client_get_registers(c, VTL0, regs, 4, &e);
	CHECK(rc == -SD_EIO && e.kind == SD_CLIENT_ERR_HYPERVISOR &&
		      e.hv_status == HV_STATUS_ACCESS_DENIED &&
		      e.reg_index == 2 && e.reg_name == HV_REGISTER_RIP &&
		      e.done == 2,
	      "VP %u: GET with Rip failing: %d kind %d status 0x%x index %u "
	      "name 0x%x done %u",
	      c->vp, rc, e.kind, e.hv_status, e.reg_index, e.reg_name, e.done);
	for (uint32_t i = 0; i < 2; i++)
		CHECK(regs[i].value.reg128.low ==
			      hvsim_get_register(c->vp, 0, names[i]).low,
		      "VP %u: register %u before the failure not read", c->vp,
		      i);
	printf("faults: VP %u: %s\n", c->vp, e.msg);
	hvsim_inject_clear();
	sidecar_client_ok(env, sd_client_get_registers(c, VTL0, regs, 4, &e),
			  &e, c->vp, "GET once the fault is gone");
	CHECK(regs[2].value.reg128.low ==
		      hvsim_get_register(c->vp, 0, HV_REGISTER_RIP).low,
	      "VP %u: RIP read wrong once the fault is gone", c->vp);
}

static void set_fails(const struct scenario_env *env, struct sd_client_vp *c)
{
	struct hv_register_assoc regs[3];
	uint64_t old[3];
	struct sd_client_error e;
	int rc;

	memset(regs, 0, sizeof(regs));
	for (uint32_t i = 0; i < 3; i++) {
		regs[i].name = HV_REGISTER_R8 + i;
		regs[i].value.reg128.low = 0xfa0170000000ull + c->vp * 16 + i;
		old[i] = hvsim_get_register(c->vp, 0, regs[i].name).low;
	}
	inject(HV_CALL_SET_VP_REGISTERS, c->vp, HV_REGISTER_R9,
	       HV_STATUS_INVALID_PARAMETER, false);
	rc = sd_client_set_registers(c, VTL0, regs, 3, &e);
	CHECK(rc == -SD_EIO && e.kind == SD_CLIENT_ERR_HYPERVISOR &&
		      e.hv_status == HV_STATUS_INVALID_PARAMETER &&
		      e.reg_index == 1 && e.reg_name == HV_REGISTER_R9 &&
		      e.done == 1,
	      "VP %u: SET with R9 failing: %d kind %d status 0x%x index %u "
	      "name 0x%x done %u",
	      c->vp, rc, e.kind, e.hv_status, e.reg_index, e.reg_name, e.done);
	CHECK(hvsim_get_register(c->vp, 0, HV_REGISTER_R8).low ==
			      regs[0].value.reg128.low &&
		      hvsim_get_register(c->vp, 0, HV_REGISTER_R9).low ==
			      old[1] &&
		      hvsim_get_register(c->vp, 0, HV_REGISTER_R10).low ==
			      old[2],
	      "VP %u: a failed SET changed registers past the failure", c->vp);
	printf("faults: VP %u: %s\n", c->vp, e.msg);
	hvsim_inject_clear();
	sidecar_client_ok(env, sd_client_set_registers(c, VTL0, regs, 3, &e),
			  &e, c->vp, "SET once the fault is gone");
	for (uint32_t i = 0; i < 3; i++)
		CHECK(hvsim_get_register(c->vp, 0, regs[i].name).low ==
			      regs[i].value.reg128.low,
		      "VP %u: register %u not set once the fault is gone",
		      c->vp, i);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void translate_fails(const struct scenario_env *env,
			    struct sd_client_vp *c)
{
	const uint64_t flags =
		HV_TRANSLATE_GVA_VALIDATE_READ |
		((uint64_t)VTL0 << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT);
	struct sidecar_translate_gva_request *req =
		sidecar_translate_gva_request_of(c->page);
	const struct sidecar_translate_gva_response *resp =
		sidecar_translate_gva_response_of(c->page);
	struct hv_translate_virtual_address_ex_output_x64 out;
	uint64_t gvn;
	struct sd_client_error e;
	struct sd_claim claim;
	int rc;

	/* By hand, over garbage: the image must zero the output. */
	rc = sd_vp_claim(c->node, c->vp, &claim);
	if (!CHECK(rc == 0, "VP %u: claim: %s", c->vp, sd_strerror(rc)))
		return;
	inject(HV_CALL_TRANSLATE_VIRTUAL_ADDRESS_EX, c->vp, 0,
	       HV_STATUS_INSUFFICIENT_MEMORY, true);
	memset(c->page->request_data, 0xa5, sizeof(c->page->request_data));
	req->gvn = 0x400;
	req->control_flags = flags;
	c->page->command = SIDECAR_COMMAND_TRANSLATE_GVA;
	rc = sd_vp_run(c->node, &claim, sidecar_timeout_ns(env));
	CHECK(rc == 0 && !c->page->has_error &&
		      resp->status == HV_STATUS_INSUFFICIENT_MEMORY &&
		      all_zero(resp->rsvd, sizeof(resp->rsvd)) &&
		      all_zero(&resp->output, sizeof(resp->output)),
	      "VP %u: TRANSLATE_GVA failing: rc %d status 0x%x, output %s",
	      c->vp, rc, resp->status,
	      all_zero(&resp->output, sizeof(resp->output)) ? "zero" :
							      "not zero");
	/* Through the client. */
	inject(HV_CALL_TRANSLATE_VIRTUAL_ADDRESS_EX, c->vp, 0,
	       HV_STATUS_ACCESS_DENIED, true);
	rc = sd_client_translate_gva(c, 0x400, flags, &out, &e);
	CHECK(rc == -SD_EIO && e.kind == SD_CLIENT_ERR_HYPERVISOR &&
		      e.hv_status == HV_STATUS_ACCESS_DENIED,
	      "VP %u: client translate failing: %d kind %d status 0x%x", c->vp,
	      rc, e.kind, e.hv_status);
	printf("faults: VP %u: %s\n", c->vp, e.msg);
	/* VTL0 ran guest_steps: its own tables map its code 1:1. */
	gvn = guest_gpa(guest_steps) >> 12;
	rc = sd_client_translate_gva(c, gvn, flags, &out, &e);
	if (sidecar_client_ok(env, rc, &e, c->vp, "translate after faults"))
		CHECK(hv_translate_gva_result_code(
			      out.translation_result.result) ==
				      HV_TRANSLATE_GVA_SUCCESS &&
			      out.gpa_page == gvn,
		      "VP %u: translate after faults: result 0x%lx gpa 0x%lx",
		      c->vp, out.translation_result.result, out.gpa_page);
}

int scenario_faults(const struct scenario_env *env)
{
	uint32_t vps[HVSIM_MAX_VPS], count, a, b;
	struct sd_client_vp c;
	struct sd_client_error e;

	vsm_read_fails(env, HV_REGISTER_VSM_CODE_PAGE_OFFSETS,
		       "VsmCodePageOffsets", HV_STATUS_ACCESS_DENIED);
	vsm_read_fails(env, HV_REGISTER_VSM_CAPABILITIES, "VsmCapabilities",
		       HV_STATUS_INVALID_PARAMETER);
	if (env->result->failures)
		return -1;

	/* Node 0's CPU 2 and the very last VP fail to start. */
	a = 2;
	b = hvsim_vp_count() - 1;
	inject(HV_CALL_ENABLE_VP_VTL, a, 0, HV_STATUS_ACCESS_DENIED, true);
	inject(HV_CALL_START_VIRTUAL_PROCESSOR, b, 0,
	       HV_STATUS_INSUFFICIENT_MEMORY, true);
	if (!sidecar_boot(env, &boot))
		return -1;
	start_failed(env, a, HV_CALL_ENABLE_VP_VTL, HV_STATUS_ACCESS_DENIED);
	start_failed(env, b, HV_CALL_START_VIRTUAL_PROCESSOR,
		     HV_STATUS_INSUFFICIENT_MEMORY);

	count = sidecar_usable_vps(&boot, vps, HVSIM_MAX_VPS);
	if (!CHECK(count > 0, "no usable VP left"))
		return -1;
	if (sidecar_client(env, &boot, vps[0], &c))
		assist_and_register_page(env, &c);
	if (sidecar_client(env, &boot, vps[count > 1 ? 1 : 0], &c)) {
		get_fails(env, &c);
		set_fails(env, &c);
	}
	if (sidecar_client(env, &boot, vps[count - 1], &c))
		translate_fails(env, &c);
	/* Every VP that went through a fault still works. */
	for (uint32_t i = 0; i < count; i++) {
		if (!sidecar_client(env, &boot, vps[i], &c))
			continue;
		sidecar_client_ok(env, sd_client_test(&c, &e), &e, vps[i],
				  "NONE after the faults");
		run_to_intercept(env, &c, 1, 3, false);
	}
	shim_platform_stop();
	CHECK(shim_reports() == 0, "%u driver reports", shim_reports());
	CHECK(hvsim_crashes() == 0, "%u guest crash reports", hvsim_crashes());
	printf("faults: %u usable VPs, %u checks, %u failures\n", count,
	       env->result->checks, env->result->failures);
	return env->result->failures ? -1 : 0;
}
