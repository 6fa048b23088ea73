/*
 * driver/node.c, one inline per function, each shared access its own step
 * (a CAS is one atomic step). Callers declare the locals: me, i, j, r, r2,
 * s, w, g, ok, found, stopped, c, timed_out, stop_tok.
 */

#ifdef MUTATION_NO_WAKE
#define WAKE(tag) skip
#else
#define WAKE(tag) plat_wake(tag)
#endif

/* wake_word(): bump, then wake only if someone waits. */
inline wake_vp(k)
{
	bump_word(1 + k);
	if
	:: vp_waiters[k] > 0 -> WAKE(1 + k)
	:: else -> skip
	fi
}

inline wake_readers()
{
	bump_word(NODE_WORD);
	if
	:: node_waiters > 0 -> WAKE(NODE_WORD)
	:: else -> skip
	fi
	/* notify(): the pollers are not modelled as threads. */
}

#define BUSY(k) (status[k] == CS_RUN || status[k] == CS_STOP || \
		 status[k] == CS_REMOVE)
#define STARTED(st) ((st) == ASYNC || (st) == ASYNC_STOPPING)
/*
 * node.c's watched(): states in which a thread may wait on the CPU. With
 * REMOVED left out, spin finds a first remove asleep for good after a
 * racing retry took the CPU's answer (node_model_readers_test).
 */
#define WATCHED(st) ((st) != AVAIL && (st) != ASYNC_STOPPED)

/*
 * With a VP started, the handler looks at every watched VP (the readers of
 * a started VP wait on the node's word); otherwise at the VPs with a
 * waiter, flagged in the waitmap.
 */
#ifdef MUTATION_WAITMAP_ONLY
#define LOOKED_ALL 0
#else
#define LOOKED_ALL (n_started > 0)
#endif

/*
 * One step: it runs on the BSP with interrupts off; a CPU that finishes
 * while it runs raises attention and another IPI.
 */
inline node_interrupt()
{
	atomic {
		if
		:: attention == 1 ->
			attention = 0;
			scan_needed = 1;
			j = 0;
			stopped = 0;
			do
			:: j < NVP ->
				if
				:: BUSY(j) -> skip
				:: LOOKED_ALL && !WATCHED(state[j]) -> skip
				:: !LOOKED_ALL && !waitbit[j] -> skip
				:: else ->
					wake_vp(j);
					if
					:: STARTED(state[j]) -> stopped = 1
					:: else -> skip
					fi
				fi;
				j++
			:: else -> break
			od;
			if
			:: stopped -> wake_readers()
			:: else -> skip
			fi;
			j = 0;
			stopped = 0
		:: else -> skip
		fi
	}
}

inline scan()
{
	if
	:: atomic { scan_needed == 1 -> scan_needed = 0 };
		found = 0;
		j = 0;
		do
		:: j < NVP ->
			/*
			 * Load the word, load the status, CAS the word: one
			 * step (a CAS that fails goes round again in node.c;
			 * here the step sees the stop before or after it).
			 */
			atomic {
				ok = 0;
				if
				:: STARTED(state[j]) && status[j] == CS_IDLE ->
					/* The CPU published first. */
					assert(page[j] == RESP(started[j]));
					move(j, ASYNC_STOPPED);
					ok = 1
				:: STARTED(state[j]) && !BUSY(j) &&
				   status[j] != CS_IDLE -> REPORT
				:: else -> skip
				fi
			}
			if
			:: ok ->
				/* Counted after marking. */
				atomic { num_stopped++; COUNT_OK };
				/* Uncounted after marking. */
				n_started--;
				atomic { wake_vp(j); found = 1; ok = 0 }
			:: else -> skip
			fi;
			j++
		:: else -> break
		od;
		j = 0;
		if
		:: found -> atomic { wake_readers(); found = 0 }
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* A VP went through SYNC or STOP_PENDING, which scans skip. */
inline rescan(k)
{
	scan_needed = 1;
	if
	:: status[k] != CS_RUN && status[k] != CS_STOP ->
		wake_vp(k);
		wake_readers()
	:: else -> skip
	fi
}

inline release(k)
{
	atomic {
		assert(owner[k] == me);
		move(k, AVAIL);
		owner[k] = 0
	}
}

/* sd_vp_claim: AVAIL -> SYNC, and the CPU must be IDLE. */
inline vp_claim(k, r)
{
	atomic {
		if
		:: state[k] == AVAIL ->
			move(k, SYNC);
			gen[k] = (gen[k] + 1) % 4;
			owner[k] = me;
			r = OK
		:: state[k] == REMOVED -> r = ENOENT
		:: else -> r = EBUSY
		fi
	}
	if
	:: r == OK ->
		if
		:: status[k] == CS_IDLE -> skip
		:: status[k] == CS_RUN || status[k] == CS_STOP ->
			release(k);
			r = EBUSY
		:: else -> REPORT
		fi
	:: else -> skip
	fi
}

/* The owner writes its request: only under an IDLE claim. */
inline write_request(k, tok)
{
	atomic {
		assert(owner[k] == me && state[k] == SYNC &&
		       status[k] == CS_IDLE);
		page[k] = tok
	}
}

/* IDLE -> RUN, then the request IPI. */
inline arm(k, tok)
{
	atomic {
		if
		:: status[k] == CS_IDLE ->
			status[k] = CS_RUN;
			armed[k] = tok;
			running[k] = tok
		:: else -> REPORT
		fi;
		req_ipi[k] = 1
	}
}

/* node.c's waiter_enter(): count, then flag (two steps). */
inline waiter_enter(k)
{
	vp_waiters[k]++;
	waitbit[k] = 1
}

/*
 * waiter_leave(): the last one out clears the flag, then looks at the
 * count again: one that came in meanwhile may have flagged before the
 * clear, so flag it again and wake it if its CPU is done.
 */
inline waiter_leave(k)
{
	atomic {
		vp_waiters[k]--;
		ok = (vp_waiters[k] == 0)
	}
	if
	:: ok ->
		waitbit[k] = 0;
		if
		:: vp_waiters[k] > 0 ->
#ifndef MUTATION_NO_REFLAG
			waitbit[k] = 1;
			if
			:: !BUSY(k) -> atomic { wake_vp(k) }
			:: else -> skip
			fi
#else
			skip
#endif
		:: else -> skip
		fi
	:: else -> skip
	fi;
	ok = 0
}

/*
 * node_wait() on VP k's word until COND; the deadline may pass only if
 * may_end. r: OK, or ETIMEDOUT.
 */
inline wait_vp(k, COND, may_end, r)
{
	waiter_enter(k);
	do
	:: atomic {
			/* Reading the word and the condition: one step. */
			read_word(1 + k);
			if
			:: COND -> r = OK; ok = 1
			:: else -> ok = 0
			fi
		}
		if
		:: ok -> ok = 0; break
		:: else ->
			plat_wait(1 + k, (COND) || !may_end, timed_out);
			if
			:: timed_out -> r = ETIMEDOUT; break
			:: else -> skip
			fi
		fi
	od;
	atomic {
		seen[me] = 0;
		timed_out = 0
	}
	waiter_leave(k)
}

/* RUN -> STOP and wait for IDLE; r2 is ETIMEDOUT if abandoned. */
inline cancel(k, r2)
{
	do
	:: s = status[k];
		if
		:: s == CS_IDLE -> r2 = OK; break
		:: s == CS_RUN ->
			atomic {
				if
				:: status[k] == CS_RUN ->
					status[k] = CS_STOP;
					ok = 1
				:: else -> ok = 0
				fi
			}
			if
			:: ok -> req_ipi[k] = 1
			:: else -> skip
			fi
		:: s == CS_STOP ->
			wait_vp(k, status[k] != CS_STOP, 1, r2);
			if
			:: r2 != OK -> break
			:: else -> skip
			fi
		:: else -> REPORT
		fi
	od
}

/* sd_vp_run on a claim; may give up once (a deadline or a signal). */
inline vp_run(k, tok, r)
{
	arm(k, tok);
	wait_vp(k, status[k] != CS_RUN && status[k] != CS_STOP, 1, r);
	if
	:: r == OK ->
		if
		:: status[k] == CS_IDLE -> assert(page[k] == RESP(tok))
		:: else -> REPORT
		fi
	:: else ->
		cancel(k, r2);
		if
		:: r2 == OK -> assert(page[k] == RESP(tok))
		:: else -> skip /* abandoned: claims are refused until IDLE */
		fi
	fi;
	release(k)
}

/* sd_vp_start on a claim. */
inline vp_start(k, tok)
{
	n_started++;
	arm(k, tok);
	atomic {
		assert(owner[k] == me);
		started[k] = tok;
		move(k, ASYNC);
		owner[k] = 0
	}
	req_ipi[k] = 1;
#ifndef MUTATION_NO_RESCAN
	rescan(k)
#endif
}

inline vp_stop(k, r)
{
	r = OK;
	do
	:: w = state[k];
		g = gen[k];
		if
		:: w == ASYNC ->
			atomic {
				if
				:: state[k] == w && gen[k] == g ->
					move(k, STOP_PENDING);
					stop_tok = started[k];
					ok = 1
				:: else -> ok = 0
				fi
			}
			if
			:: ok -> break
			:: else -> skip
			fi
		:: w == STOP_PENDING || w == ASYNC_STOPPING ||
		   w == ASYNC_STOPPED -> goto stop_done
		:: w == REMOVING || w == REMOVED -> r = ENOENT; goto stop_done
		:: else -> r = EINVAL; goto stop_done
		fi
	od;
	atomic {
		if
		:: status[k] == CS_RUN ->
			/* The STOP is for the command that was started. */
			assert(running[k] == stop_tok);
			status[k] = CS_STOP;
			ok = 1
		:: status[k] == CS_IDLE || status[k] == CS_STOP -> ok = 0
		:: else -> REPORT
		fi
	}
	if
	:: ok -> req_ipi[k] = 1
	:: else -> skip
	fi;
	atomic {
		assert(state[k] == STOP_PENDING);
		move(k, ASYNC_STOPPING)
	}
	rescan(k);
stop_done:
	skip
}

/* A started command handed to its reader: exactly once, its own result. */
inline handed_out(k)
{
	assert(started[k] != 0 && page[k] == RESP(started[k]));
	started[k] = 0
}

/* take_vp(): 1 in found if VP k was taken. */
inline take_vp(k)
{
	found = 0;
	scan();
	do
	:: w = state[k];
		if
		:: w == ASYNC_STOPPED ->
			atomic {
				if
				:: num_stopped > 0 -> num_stopped--; ok = 1
				:: else -> ok = 0
				fi;
				COUNT_OK
			}
			if
			:: !ok -> break /* not counted yet: the scan wakes us */
			:: else -> skip
			fi;
			atomic {
				if
				:: state[k] == ASYNC_STOPPED ->
					move(k, AVAIL);
					handed_out(k);
					ok = 1
				:: else -> ok = 0
				fi
			}
			if
			:: ok -> found = 1; break
			:: else -> atomic { num_stopped++; COUNT_OK }
			fi
		:: else -> break
		fi
	od
}

/* A started VP is done, or already marked: its reader must be awake. */
#define TAKEABLE(k) (state[k] == ASYNC_STOPPED || \
		     (STARTED(state[k]) && status[k] == CS_IDLE))

/* sd_vp_wait_stopped(k); r OK or ETIMEDOUT. */
inline vp_wait_stopped(k, r)
{
	waiter_enter(k);
	do
	:: read_word(1 + k);
		take_vp(k);
		if
		:: found -> r = OK; break
		:: else ->
			plat_wait(1 + k, 1, timed_out);
			if
			:: timed_out -> r = ETIMEDOUT; break
			:: else -> skip
			fi
		fi
	od;
	seen[me] = 0;
	waiter_leave(k)
}

/* take_any(): found is 1 + the VP taken, or 0. */
inline take_any()
{
	found = 0;
	scan();
	atomic {
		if
		:: num_stopped > 0 -> num_stopped--; ok = 1
		:: else -> ok = 0
		fi
	}
	if
	:: ok ->
		/* Reserved: a stopped VP is there for us. */
		do
		:: found == 0 ->
			j = 0;
			do
			:: j < NVP ->
				atomic {
					if
					:: state[j] == ASYNC_STOPPED ->
						move(j, AVAIL);
						handed_out(j);
						found = j + 1
					:: else -> skip
					fi
				}
				if
				:: found -> break
				:: else -> j++
				fi
			:: else -> break
			od
		:: else -> break
		od
	:: else -> skip
	fi
}

#define ANY_TAKEABLE (TAKEABLE(0) || (NVP > 1 && TAKEABLE(1)) || \
		      (NVP > 2 && TAKEABLE(2)))

/* sd_node_next_stopped with a deadline; found as take_any. */
inline next_stopped(r)
{
	node_waiters++;
	do
	:: read_word(NODE_WORD);
		take_any();
		if
		:: found -> r = OK; break
		:: else ->
			plat_wait(NODE_WORD, ANY_TAKEABLE, timed_out);
			if
			:: timed_out -> r = ETIMEDOUT; break
			:: else -> skip
			fi
		fi
	od;
	seen[me] = 0;
	node_waiters--
}

/* sd_vp_remove; a timed-out remove stays REMOVING and a retry ends it. */
inline vp_remove(k, r)
{
	atomic {
		if
		:: state[k] == REMOVING && remove_sent[k] ->
			r = OK;
			ok = 0 /* a retry, once the CPU was told */
		:: state[k] == REMOVING && !remove_sent[k] ->
			r = EBUSY /* one in progress */
		:: state[k] == AVAIL ->
			move(k, REMOVING);
			gen[k] = (gen[k] + 1) % 4;
			owner[k] = me;
			r = OK;
			ok = 1
		:: state[k] == REMOVED -> r = ENOENT
		:: else -> r = EBUSY
		fi
	}
	if
	:: r == OK && ok ->
		s = status[k];
		if
		:: s == CS_IDLE ->
			atomic {
				assert(status[k] == CS_IDLE);
				status[k] = CS_REMOVE
			}
			remove_sent[k] = 1
		:: s == CS_RUN || s == CS_STOP -> release(k); r = EBUSY
		:: else -> REPORT
		fi
	:: else -> skip
	fi;
	if
	:: r == OK ->
		req_ipi[k] = 1;
		wait_vp(k, status[k] != CS_REMOVE, 1, r);
		if
		:: r == OK ->
			assert(status[k] == CS_REMOVED);
			atomic {
				if
				:: state[k] == REMOVING -> move(k, REMOVED)
				:: else -> skip /* a racing retry ended it */
				fi
			}
		:: else -> skip
		fi
	:: else -> skip
	fi
}
