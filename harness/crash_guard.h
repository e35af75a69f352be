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
 * After a crash the process's memory may be damaged (the driver may have
 * written through a wild pointer first): a caller that goes on running
 * other schedules should do so in a fresh process. (explore does not yet:
 * a worker goes on with its next seeds in the same process.) A signal
 * outside a guarded region gets its default action.
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
	int signal;		/* 0: no crash */
	uintptr_t fault_addr;	/* si_addr: the bad address (or the PC for SIGILL) */
	uintptr_t pc;		/* the instruction that faulted, when known (else 0) */
	int code;		/* si_code */
};

/* The signal's name, "SIGSEGV" ... */
const char *crash_signal_name(int sig);

/*
 * Where the instruction at pc lies, for people: "OBJECT+0xOFFSET", the
 * object's file name and pc's offset from where it was loaded (what
 * `addr2line -e OBJECT 0xOFFSET` takes), the same in every run whatever
 * the address-space layout; "0xADDRESS" when no loaded object holds pc.
 */
void crash_describe_pc(uintptr_t pc, char *buf, size_t len);

/*
 * Runs fn(arg) guarded. Returns true when it returned normally, false when
 * it crashed (then *info says how). Installs the handlers on first use.
 */
bool crash_guard_call(void (*fn)(void *arg), void *arg, struct crash_info *info);

#endif
