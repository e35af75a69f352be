/*
 * crash_guard.c - see crash_guard.h.
 *
 * The jump back uses sigsetjmp/siglongjmp with the signal mask saved, so
 * that the caught signal is unblocked again on return. The handler runs on
 * an alternate stack because the crash may be a stack overflow (a driver
 * recursing on a fiber's stack).
 *
 * The hang watchdog is ITIMER_PROF (the process's CPU time, user and
 * system): wall time would fire on a loaded host, and CPU time is what a
 * looping driver burns. It ticks once a second while a watched region
 * runs and is stopped when the region ends.
 */
#define _GNU_SOURCE	/* REG_RIP in ucontext, dladdr */
#include "crash_guard.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>

#define ALT_STACK_BYTES (64u * 1024u)

static const int guarded_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
#define N_GUARDED (sizeof(guarded_signals) / sizeof(guarded_signals[0]))

static _Thread_local sigjmp_buf *active_jump;
static _Thread_local struct crash_info *active_info;
static struct sigaction previous[N_GUARDED];
static bool installed;

/* The watchdog's view: what it reads and what it last saw. */
static const volatile uint64_t *watched_progress;
static uint64_t watched_last;
static unsigned watched_still_seconds, watched_limit_seconds;

const char *crash_signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV (bad memory access)";
	case SIGBUS: return "SIGBUS (bad memory access)";
	case SIGILL: return "SIGILL (illegal instruction)";
	case SIGFPE: return "SIGFPE (arithmetic fault)";
	case SIGABRT: return "SIGABRT (abort)";
	case SIGTRAP: return "SIGTRAP (trap)";
	}
	return "signal";
}

static void on_crash(int sig, siginfo_t *si, void *uctx)
{
	if (active_jump == NULL) {
		/* Not inside a guarded region: what would have happened anyway. */
		for (size_t i = 0; i < N_GUARDED; i++)
			if (guarded_signals[i] == sig)
				sigaction(sig, &previous[i], NULL);
		raise(sig);
		return;
	}
	struct crash_info *info = active_info;
	info->signal = sig;
	info->code = si != NULL ? si->si_code : 0;
	info->fault_addr = si != NULL ? (uintptr_t)si->si_addr : 0;
	info->pc = 0;
#if defined(__x86_64__) && defined(REG_RIP)
	if (uctx != NULL)
		info->pc = (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#else
	(void)uctx;
#endif
	sigjmp_buf *jump = active_jump;
	active_jump = NULL;
	siglongjmp(*jump, 1);
}

static void on_watchdog(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)si;
	(void)uctx;
	if (active_jump == NULL || watched_progress == NULL)
		return;
	uint64_t now = *watched_progress;
	if (now != watched_last) {
		watched_last = now;
		watched_still_seconds = 0;
		return;
	}
	if (++watched_still_seconds < watched_limit_seconds)
		return;
	struct crash_info *info = active_info;
	info->hang = true;
	info->hang_cpu_seconds = watched_still_seconds;
	info->pc = 0;
#if defined(__x86_64__) && defined(REG_RIP)
	if (uctx != NULL)
		info->pc = (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#endif
	sigjmp_buf *jump = active_jump;
	active_jump = NULL;
	siglongjmp(*jump, 1);
}

static void set_watchdog(bool on)
{
	struct itimerval it;
	memset(&it, 0, sizeof(it));
	if (on) {
		it.it_interval.tv_sec = 1;
		it.it_value.tv_sec = 1;
	}
	setitimer(ITIMER_PROF, &it, NULL);
}

static void install(void)
{
	if (installed)
		return;
	installed = true;
	static _Alignas(16) unsigned char alt_stack[ALT_STACK_BYTES];
	stack_t ss;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = alt_stack;
	ss.ss_size = sizeof(alt_stack);
	sigaltstack(&ss, NULL);
	for (size_t i = 0; i < N_GUARDED; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_crash;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		sigaction(guarded_signals[i], &sa, &previous[i]);
	}
	struct sigaction wd;
	memset(&wd, 0, sizeof(wd));
	wd.sa_sigaction = on_watchdog;
	wd.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&wd.sa_mask);
	sigaction(SIGPROF, &wd, NULL);
}

bool crash_guard_call(void (*fn)(void *arg), void *arg, const volatile uint64_t *progress,
		      unsigned stall_cpu_seconds, struct crash_info *info)
{
	install();
	memset(info, 0, sizeof(*info));
	sigjmp_buf jump;
	if (sigsetjmp(jump, 1) != 0) {
		if (progress != NULL)
			set_watchdog(false);
		watched_progress = NULL;
		return false;
	}
	active_info = info;
	if (progress != NULL) {
		watched_last = *progress;
		watched_still_seconds = 0;
		watched_limit_seconds = stall_cpu_seconds > 0 ? stall_cpu_seconds : 1;
		watched_progress = progress;
	}
	active_jump = &jump;
	if (progress != NULL)
		set_watchdog(true);
	fn(arg);
	if (progress != NULL)
		set_watchdog(false);
	active_jump = NULL;
	watched_progress = NULL;
	active_info = NULL;
	return true;
}

const char *crash_guard_describe_pc(uintptr_t pc, char *buf, size_t len)
{
	Dl_info di;
	if (pc == 0 || dladdr((void *)pc, &di) == 0 || di.dli_fname == NULL) {
		snprintf(buf, len, "an unknown place");
		return buf;
	}
	const char *object = strrchr(di.dli_fname, '/');
	object = object != NULL ? object + 1 : di.dli_fname;
	if (di.dli_sname != NULL && di.dli_saddr != NULL)
		snprintf(buf, len, "%s+0x%lx (%s+0x%lx)", object[0] ? object : "the program",
			 (unsigned long)(pc - (uintptr_t)di.dli_fbase), di.dli_sname,
			 (unsigned long)(pc - (uintptr_t)di.dli_saddr));
	else
		snprintf(buf, len, "%s+0x%lx", object[0] ? object : "the program",
			 (unsigned long)(pc - (uintptr_t)di.dli_fbase));
	return buf;
}
