// SPDX-License-Identifier: MIT

#include "fake_node.h"

#include <cstring>
#include <thread>

namespace sdtest
{

FakeNode::FakeNode(HostMemory &mem, uint32_t index, uint32_t base_cpu,
		   uint32_t cpu_count, uint32_t request_vector)
    : index(index)
    , base_cpu(base_cpu)
    , cpu_count(cpu_count)
{
	control_pa = mem.Alloc(sizeof(sidecar_control_page));
	shmem_pa = mem.Alloc(cpu_count * sizeof(sidecar_vp_shared_pages));
	cp = static_cast<sidecar_control_page *>(
		mem.Map(control_pa, sizeof(*cp)));
	shmem = static_cast<sidecar_vp_shared_pages *>(
		mem.Map(shmem_pa, cpu_count * sizeof(sidecar_vp_shared_pages)));
	cp->index = index;
	cp->base_cpu = base_cpu;
	cp->cpu_count = cpu_count;
	cp->request_vector = request_vector;
	for (uint32_t i = 0; i < cpu_count && i < SIDECAR_MAX_VPS_PER_NODE; i++)
		sidecar_cpu_status_store(cp, i,
					 i ? SIDECAR_CPU_STATUS_IDLE :
					     SIDECAR_CPU_STATUS_REMOVED);
}

sidecar_node_output FakeNode::Output() const
{
	return sidecar_node_output{ control_pa, shmem_pa,
				    (uint64_t)cpu_count *
					    sizeof(sidecar_vp_shared_pages) };
}

sidecar_node_params FakeNode::Params() const
{
	return sidecar_node_params{ 0, 0, base_cpu, cpu_count };
}

uint32_t FakeNode::TakeCommand(uint32_t idx)
{
	sidecar_command_page &p = Page(idx);
	uint32_t c = p.command;
	p.command = SIDECAR_COMMAND_NONE;
	p.has_error = 0;
	return c;
}

void FakeNode::Finish(uint32_t idx, uint8_t status, const sd_platform *plat)
{
	sidecar_cpu_status_store(cp, idx, status);
	sidecar_needs_attention_store(cp, 1);
	uint32_t vector = sidecar_control_load32(&cp->response_vector);
	if (vector)
		plat->send_ipi(plat->ctx,
			       sidecar_control_load32(&cp->response_cpu),
			       vector);
}

void FakeNode::SetError(uint32_t idx, const char *text)
{
	sidecar_command_page &p = Page(idx);
	size_t n = std::strlen(text);
	p.error.len = (uint8_t)n;
	std::memcpy(p.error.buf, text, n);
	p.has_error = 1;
}

bool FakeNode::AwaitStatus(uint32_t idx, uint8_t want,
			   uint64_t timeout_ns) const
{
	uint64_t end = NowNs() + timeout_ns;
	while (Status(idx) != want) {
		if (NowNs() > end)
			return false;
		std::this_thread::sleep_for(std::chrono::microseconds(50));
	}
	return true;
}

} // namespace sdtest
