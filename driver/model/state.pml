/*
 * The shared memory of one sidecar node as the driver and the sidecar CPUs
 * see it (DESIGN.md sections 4-5, driver/node.c), the IPIs, the platform's
 * sleepers, and the ghost variables the properties are stated on.
 *
 * Sizes: NVP sidecar CPUs (the base CPU is the BSP and not modelled),
 * NCLIENT client threads, each making NOPS calls.
 */
#ifndef NVP
#define NVP 2
#endif
#ifndef NCLIENT
#define NCLIENT 2
#endif
#ifndef NOPS
#define NOPS 2
#endif

/* enum sd_vp_state (node.h); the names the transition table uses. */
#define AVAIL 0
#define SYNC 1
#define ASYNC 2
#define ASYNC_STOPPING 3
#define ASYNC_STOPPED 4
#define STOP_PENDING 5
#define REMOVING 6
#define REMOVED 255

/* cpu_status (sidecar_defs.rs). */
#define CS_REMOVED 0
#define CS_IDLE 1
#define CS_RUN 2
#define CS_STOP 3
#define CS_REMOVE 4

/* What calls return (SD_E*, positive here). */
#define OK 0
#define EIO 5
#define ENOENT 2
#define EBUSY 16
#define EINVAL 22
#define ETIMEDOUT 110

/* The control page. */
byte status[NVP];
bit attention;

/*
 * The command page: the owner writes its request there, a token (client *
 * 16 + call * 2, + 1 for a RUN_VP that runs until stopped; 0 is none), and
 * the CPU writes the response of the command it ran over it, RESP(token),
 * as a GET writes the values over the request's registers.
 */
byte page[NVP];
#define RESP(t) ((t) | 128)

/*
 * The driver: per-VP word (state and a generation), and the waiter counts
 * of the wake words (each VP's wake_seq and the node's). A wake word's
 * value only matters to a waiter as "it moved since I read it": seen[c]
 * says which word client c read (0: none) and moved[c] whether it has
 * moved since, which keeps the state space finite.
 */
byte state[NVP];
byte gen[NVP];
byte vp_waiters[NVP];
byte node_waiters;
/* node.c's waitmap (a bit per VP) and n_started. */
bit waitbit[NVP];
byte n_started;
bit scan_needed;
short num_stopped;

/* IPIs: a request IPI pending at each CPU, the response IPI at the BSP. */
bit req_ipi[NVP];
bit resp_ipi;

/*
 * The platform's wait(): what each client sleeps on (0: nothing, 1 + vp, or
 * NODE_WORD for the readers' word) and whether a wake() reached it.
 */
#define NODE_WORD (NVP + 1)
byte seen[NCLIENT + 1];
bit moved[NCLIENT + 1];
byte sleep_on[NCLIENT + 1];
bit woken[NCLIENT + 1];

/* Ghosts, for the properties only. */
byte owner[NVP]; /* the client holding the claim */
byte armed[NVP]; /* the request the CPU was set to RUN with */
byte running[NVP]; /* the command the CPU's RUN belongs to */
byte started[NVP]; /* a started command, until it is handed out */
bit remove_sent[NVP]; /* node.c's VP_REMOVE_SENT */
byte n_stopped; /* VPs in ASYNC_STOPPED */
byte clients_done;

/* num_stopped never counts a VP that is not (yet, or any more) stopped. */
#define COUNT_OK assert(num_stopped <= n_stopped)

/*
 * The driver moves VP i to `to`, inside the caller's atomic step; only the
 * moves of the transition table, the same file node.c checks against.
 */
inline move(i, to)
{
	if
#define SD_VP_TRANSITION(f, t, by) :: (state[i] == f && to == t) -> skip
#include "sidecar/driver/vp_transitions.def"
#undef SD_VP_TRANSITION
	:: else -> printf("MSC: move %d -> %d of vp %d is not in the table\n",
			  state[i], to, i);
		   assert(false)
	fi;
	n_stopped = n_stopped + (to == ASYNC_STOPPED) -
		    (state[i] == ASYNC_STOPPED);
	state[i] = to;
	COUNT_OK
}


/* The driver reports an unexpected cpu_status: never, with no fault. */
#define REPORT assert(false)
