/*
 * The platform's wait() and wake(), with futex semantics: wait returns at
 * once if the word moved since `seen`, else the thread sleeps until a
 * wake() on that word reaches it. A sleeping wait may also end at its
 * deadline, but only while what it waits for (COND) has not happened: a
 * thread asleep whose condition holds must be woken, so a lost wake-up is a
 * thread that never returns (an invalid end state).
 */
/* seen = *word */
inline read_word(tag)
{
	atomic {
		seen[me] = tag;
		moved[me] = 0
	}
}

/* (*word)++ */
inline bump_word(tag)
{
	d_step {
		c = 1;
		do
		:: c <= NCLIENT ->
			if
			:: seen[c] == tag -> moved[c] = 1
			:: else -> skip
			fi;
			c++
		:: else -> break
		od;
		c = 0
	}
}

inline plat_wait(tag, COND, timed_out)
{
	timed_out = 0;
	atomic {
		if
		:: moved[me] -> skip
		:: else -> sleep_on[me] = tag; woken[me] = 0
		fi
	}
	if
	:: sleep_on[me] != 0 ->
		if
		:: woken[me] -> skip
		:: atomic { !(COND) -> timed_out = 1 }
		fi;
		sleep_on[me] = 0;
		woken[me] = 0
	:: else -> skip
	fi;
	moved[me] = 0
}

/* wake(word): every thread asleep on it. */
inline plat_wake(tag)
{
	d_step {
		c = 1;
		do
		:: c <= NCLIENT ->
			if
			:: sleep_on[c] == tag -> woken[c] = 1
			:: else -> skip
			fi;
			c++
		:: else -> break
		od;
		c = 0
	}
}
