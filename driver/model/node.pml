/*
 * The node protocol of DESIGN.md sections 4-5: the driver (driver.pml,
 * from driver/node.c), the sidecar CPUs (sidecar_cpu.pml), the response
 * IPI handler (interrupt.pml) and client threads (client.pml) over the
 * shared pages (state.pml), with the platform's wait/wake (platform.pml).
 *
 * Properties (spin -a; ./pan):
 *  - assertions: a command page is written only by the holder of a claim
 *    whose CPU is IDLE (write_request); what a CPU runs is what its owner
 *    armed (sidecar_cpu); a run returns its own response, a started
 *    command is handed out exactly once with its own response
 *    (handed_out), a scan marks a VP only after its CPU published; a STOP
 *    lands only on the command that was started (vp_stop); no cpu_status
 *    is ever unexpected (REPORT); every move is in the transition table
 *    (move); REMOVE ends in REMOVED (vp_remove);
 *  - num_stopped never counts a VP that is not stopped (COUNT_OK, checked
 *    wherever either side changes);
 *  - no invalid end state: every call returns. Waits may end at their
 *    deadline only while what they wait for has not happened, so a thread
 *    whose condition holds and is never woken (a lost wake-up) hangs;
 *  - at quiescence: no thread asleep, every started command that is done
 *    is marked stopped or due for a scan (a completion is never lost).
 */
#include "state.pml"
#include "platform.pml"
#include "driver.pml"
#include "sidecar_cpu.pml"
#include "interrupt.pml"
#include "client.pml"

#ifndef C1_OP
#define C1_OP ANY
#endif
#ifndef C1_VP
#define C1_VP ANY
#endif
#ifndef C2_OP
#define C2_OP ANY
#endif
#ifndef C2_VP
#define C2_VP ANY
#endif
#ifndef C3_OP
#define C3_OP ANY
#endif
#ifndef C3_VP
#define C3_VP ANY
#endif

init
{
	byte k;

	atomic {
		k = 0;
		do
		:: k < NVP ->
			status[k] = CS_IDLE;
			state[k] = AVAIL;
			run sidecar_cpu(k);
			k++
		:: else -> break
		od;
		run interrupt_handler();
		run client(1, C1_OP, C1_VP);
		if
		:: NCLIENT > 1 -> run client(2, C2_OP, C2_VP)
		:: else -> skip
		fi;
		if
		:: NCLIENT > 2 -> run client(3, C3_OP, C3_VP)
		:: else -> skip
		fi
	}
	clients_done == NCLIENT;
	/* Quiescent: nothing else can move. */
	timeout;
	k = 0;
	do
	:: k < NVP ->
		assert(!STARTED(state[k]) || BUSY(k) || scan_needed);
		k++
	:: else -> break
	od;
	assert(num_stopped == n_stopped);
	k = 1;
	do
	:: k <= NCLIENT -> assert(sleep_on[k] == 0); k++
	:: else -> break
	od
}
