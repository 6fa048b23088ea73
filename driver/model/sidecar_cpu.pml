/*
 * A sidecar CPU (DESIGN.md section 4, sidecar/core/dispatch.c): asleep in
 * `sti; hlt` until a request IPI, it looks at its cpu_status; RUN or STOP:
 * it takes the command (the request becomes NONE), runs it, publishes the
 * response, stores IDLE, raises attention and sends the response IPI.
 * REMOVE: it stores REMOVED, raises attention, and parks. A RUN_VP (odd
 * token) runs until an intercept or a STOP; a request IPI that arrives
 * meanwhile ends the guest run with INTERRUPT, is taken in the interrupt
 * window, and the run goes on unless STOP was asked.
 */
proctype sidecar_cpu(byte i)
{
	byte tok;

end_asleep:
	do
	:: atomic { req_ipi[i] -> req_ipi[i] = 0 };
awake:
		if
		:: status[i] == CS_RUN || status[i] == CS_STOP ->
			atomic {
				tok = page[i];
				/* What runs is what the owner armed. */
				assert(tok == armed[i]);
				armed[i] = 0
			}
			if
			:: tok % 2 == 1 ->
				/* At most one INTERRUPT exit, to bound the run. */
				if
				:: skip /* an intercept */
				:: status[i] == CS_STOP -> skip
				:: atomic { req_ipi[i] -> req_ipi[i] = 0 };
					if
					:: skip /* an intercept */
					:: status[i] == CS_STOP -> skip
					fi
				fi
			:: else -> skip
			fi;
			/* The response, then IDLE (release). */
			atomic {
				page[i] = RESP(tok);
				status[i] = CS_IDLE
			}
			atomic {
				attention = 1;
				resp_ipi = 1
			}
			goto awake
		:: status[i] == CS_REMOVE ->
			status[i] = CS_REMOVED;
			atomic {
				attention = 1;
				resp_ipi = 1
			}
			goto end_parked
		:: else -> skip /* IDLE: back to sleep */
		fi
	od;
end_parked:
	skip
}
