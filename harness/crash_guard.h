/*
 * crash_guard.h - driver code that crashes ends its run, not the program.
 *
 * A run executes driver code the harness does not trust: a miniport
 * loaded from a shared object can dereference a bad pointer, divide by
 * zero or abort. While a guarded region runs, the fatal signals (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP) are caught on an alternate
 * stack and control jumps back to where the region was entered, with what
 * was seen: the signal, the faulting address and the instruction pointer.
 * The caller turns that into a failed run (failure "driver-crash") with the
 * step and time at which it happened.
 *
 * A hang is the other way driver code can take the run down: a loop that
 * makes no kernel call never reaches a scheduling point, so simulated time
 * stands still and nothing in the simulation can end it. The guard takes a
 * progress counter (the machine's scheduling steps) and watches it on a
 * timer of the process's CPU time: when it has not moved for
 * stall_cpu_seconds, control jumps back as for a crash, with hang set. A
 * real infinite loop always ends this way; ordinary driver code reaches a
 * scheduling point within microseconds, so the limit (seconds) is far from
 * anything a correct run does, however slow or loaded the host.
 *
 * After a crash the process's memory may be damaged (the driver may have
 * written through a wild pointer first): a caller that goes on running
 * other schedules should do so in a fresh process: explore's worker stops
 * after such a run and a fresh one takes its next seeds. A signal outside
 * a guarded region gets its default action.
 *
 * One guarded region at a time per thread; regions do not nest.
 */
#ifndef AC97SIM_CRASH_GUARD_H
#define AC97SIM_CRASH_GUARD_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct crash_info {
	bool hang;		/* no progress for the watched time (signal is 0) */
	unsigned hang_cpu_seconds;
	int signal;		/* 0: no crash */
	uintptr_t fault_addr;	/* si_addr: the bad address (or the PC for SIGILL) */
	uintptr_t pc;		/* the instruction that faulted, when known (else 0) */
	int code;		/* si_code */
};

/* The signal's name, "SIGSEGV" ... */
const char *crash_signal_name(int sig);

/*
 * Runs fn(arg) guarded. Returns true when it returned normally, false when
 * it crashed or hung (then *info says how). progress (may be NULL: no hang
 * watch) is read by the watchdog; stall_cpu_seconds is its limit.
 * Installs the handlers on first use.
 */
bool crash_guard_call(void (*fn)(void *arg), void *arg, const volatile uint64_t *progress,
		      unsigned stall_cpu_seconds, struct crash_info *info);

/* The default limit: no scheduling point for this much CPU time. */
#define CRASH_GUARD_STALL_CPU_SECONDS 10u

/*
 * Where the instruction at pc lies, for people: "OBJECT+0xOFFSET", the
 * object's file name and pc's offset from where it was loaded (what
 * `addr2line -e OBJECT 0xOFFSET` takes), then "(SYMBOL+0xOFFSET)" when the
 * object exports a symbol there: the same in every run whatever the
 * address-space layout. "an unknown place" when no loaded object holds pc.
 */
const char *crash_guard_describe_pc(uintptr_t pc, char *buf, size_t len);

#endif
