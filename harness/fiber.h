/*
 * fiber.h - cooperative execution contexts: each simulated CPU runs driver
 * code on a fiber of its own, and the scheduler moves between them only at
 * scheduling points.
 *
 * On x86-64 the switch is a few instructions (callee-saved registers and
 * the stack pointer): the scheduler switches at most of its ~200 points per
 * schedule, and swapcontext, measured at about 0.27 us a switch because it
 * also saves the signal mask with a system call, would cost most of the
 * budget. Elsewhere it falls back to ucontext. Either way the switches are
 * announced to AddressSanitizer so that it follows the stacks.
 *
 * Not saved: the signal mask, and the x87/SSE control words (nothing here
 * changes them).
 */
#ifndef AC97SIM_FIBER_H
#define AC97SIM_FIBER_H

#include <stddef.h>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

typedef void (*fiber_fn)(void *arg);

struct fiber {
	void *stack;
	size_t stack_bytes;
#if defined(__x86_64__)
	void *sp;
#else
	ucontext_t uc;
#endif
	void *asan_fake_stack;
	/* The adopted thread's own stack, learnt from AddressSanitizer the first
	 * time we leave it, so that switching back announces the right stack
	 * (LeakSanitizer scans it for roots). */
	const void *thread_stack_bottom;
	size_t thread_stack_bytes;
	fiber_fn fn;
	void *arg;
};

/* A fiber that will run fn(arg) on a new stack when first switched to.
 * fn must never return: it ends by switching away for good. Returns 0, or
 * -1 when the stack cannot be allocated. */
int fiber_create(struct fiber *f, size_t stack_bytes, fiber_fn fn, void *arg);
/* Makes f stand for the calling thread's own context (no stack of its own). */
void fiber_adopt_thread(struct fiber *f);
void fiber_destroy(struct fiber *f);
/* Saves the current context in from and continues to. */
void fiber_switch(struct fiber *from, struct fiber *to);
/* After a jump back into f, an adopted thread, from one of its fibers
 * without fiber_switch (the crash guard's siglongjmp): tells
 * AddressSanitizer that this is f's stack again, or it would go on taking
 * the fiber's stack for the thread's (LeakSanitizer would then miss every
 * root on the real one). The fiber left behind must not run again. */
void fiber_resume_after_jump(struct fiber *f);

#endif
