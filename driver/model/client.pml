/*
 * A client thread (the VMM's VP threads, the main kernel's remove): NOPS
 * calls, each on a VP it picks. RUN: claim, write, run (it may give up
 * once, and then cancel, which may give up too and abandon the command).
 * START: claim, write a RUN_VP, start, then collect it: with
 * sd_vp_wait_stopped (no deadline: a RUN_VP ends by itself), or with
 * READERS through sd_node_next_stopped by whoever reads. STOP: a cancel,
 * from another thread. REMOVE: convert the
 * CPU (a remove that timed out may be retried by a later REMOVE).
 */
/* What a client does: ANY, or one of these (-DC1_OP=OP_START ...). */
#define ANY 255
#define OP_RUN 1
#define OP_START 2
#define OP_READ 3
#define OP_STOP 4
#define OP_REMOVE 5
#define MAY(op) (want_op == ANY || want_op == op)

proctype client(byte me; byte want_op; byte want_vp)
{
	byte n, k, tok, r, r2, s, w, g, j, c, ok, found, stopped, stop_tok;
	bit timed_out;

	do
	:: n < NOPS ->
		n++;
		if
		:: want_vp == ANY -> select(k : 0 .. NVP - 1)
		:: else -> k = want_vp
		fi;
		if
		:: MAY(OP_RUN); /* RUN */
#ifdef MUTATION_CLAIM_AFTER_WRITE
			/* The old client: the request first, then the claim. */
			tok = me * 16 + n * 2;
			page[k] = tok;
			vp_claim(k, r);
#else
			vp_claim(k, r);
			tok = me * 16 + n * 2;
			if
			:: r == OK -> write_request(k, tok)
			:: else -> skip
			fi;
#endif
			if
			:: r == OK -> vp_run(k, tok, r)
			:: else -> skip
			fi
		:: MAY(OP_START); /* START */
			vp_claim(k, r);
			if
			:: r == OK ->
				tok = me * 16 + n * 2 + 1;
				write_request(k, tok);
				vp_start(k, tok);
#ifndef READERS
				/* No deadline: the run ends by itself. */
				vp_wait_stopped(k, r)
#endif
			:: else -> skip
			fi
#ifdef READERS
		:: MAY(OP_READ); /* READ */
			next_stopped(r)
#endif
		:: MAY(OP_STOP); /* STOP */
			vp_stop(k, r)
		:: MAY(OP_REMOVE); /* REMOVE */
			vp_remove(k, r)
		fi
	:: else -> break
	od;
	clients_done++
}
