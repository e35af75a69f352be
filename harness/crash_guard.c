/*
 * crash_guard.c - see crash_guard.h.
 *
 * The jump back uses sigsetjmp/siglongjmp with the signal mask saved, so
 * that the caught signal is unblocked again on return. The handler runs on
 * an alternate stack because the crash may be a stack overflow (a driver
 * recursing on a fiber's stack).
 */
#define _GNU_SOURCE	/* REG_RIP in ucontext, dladdr */
#include "crash_guard.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#define ALT_STACK_BYTES (64u * 1024u)

static const int guarded_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
#define N_GUARDED (sizeof(guarded_signals) / sizeof(guarded_signals[0]))

static _Thread_local sigjmp_buf *active_jump;
static _Thread_local struct crash_info *active_info;
static struct sigaction previous[N_GUARDED];
static bool installed;

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
}

void crash_describe_pc(uintptr_t pc, char *buf, size_t len)
{
	Dl_info info;
	if (pc != 0 && dladdr((void *)pc, &info) != 0 && info.dli_fname != NULL &&
	    info.dli_fname[0] != '\0' && (uintptr_t)info.dli_fbase <= pc) {
		const char *slash = strrchr(info.dli_fname, '/');
		snprintf(buf, len, "%s+0x%" PRIxPTR, slash != NULL ? slash + 1 : info.dli_fname,
			 pc - (uintptr_t)info.dli_fbase);
		return;
	}
	snprintf(buf, len, "0x%" PRIxPTR, pc);
}

bool crash_guard_call(void (*fn)(void *arg), void *arg, struct crash_info *info)
{
	install();
	memset(info, 0, sizeof(*info));
	sigjmp_buf jump;
	if (sigsetjmp(jump, 1) != 0)
		return false;
	active_info = info;
	active_jump = &jump;
	fn(arg);
	active_jump = NULL;
	active_info = NULL;
	return true;
}
