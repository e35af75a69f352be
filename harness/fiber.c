/*
 * fiber.c - see fiber.h.
 */
#include "fiber.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#endif

#ifdef FIBER_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
				     size_t *size_old);
#endif

#ifdef FIBER_ASAN
/* The fiber being left, for asan_after on the other side of the switch. */
static _Thread_local struct fiber *asan_leaving;
#endif

static void asan_before(struct fiber *from, const struct fiber *to)
{
#ifdef FIBER_ASAN
	asan_leaving = from;
	if (to->stack != NULL)
		__sanitizer_start_switch_fiber(&from->asan_fake_stack, to->stack, to->stack_bytes);
	else
		__sanitizer_start_switch_fiber(&from->asan_fake_stack, to->thread_stack_bottom,
					       to->thread_stack_bytes);
#else
	(void)from;
	(void)to;
#endif
}

static void asan_after(struct fiber *self)
{
#ifdef FIBER_ASAN
	const void *bottom_old;
	size_t size_old;
	__sanitizer_finish_switch_fiber(self->asan_fake_stack, &bottom_old, &size_old);
	struct fiber *left = asan_leaving;
	if (left != NULL && left->stack == NULL && left->thread_stack_bytes == 0) {
		left->thread_stack_bottom = bottom_old;
		left->thread_stack_bytes = size_old;
	}
#else
	(void)self;
#endif
}

void fiber_resume_after_jump(struct fiber *f)
{
#ifdef FIBER_ASAN
	/* Leaving the abandoned fiber (NULL: its fake stack goes) for f. */
	asan_leaving = NULL;
	__sanitizer_start_switch_fiber(NULL, f->thread_stack_bottom, f->thread_stack_bytes);
	__sanitizer_finish_switch_fiber(f->asan_fake_stack, NULL, NULL);
#else
	(void)f;
#endif
}

#if defined(__x86_64__)

/* fiber_swap(save_sp, new_sp): push the callee-saved registers, store the
 * stack pointer, load the other one, pop its registers, return into it. */
void fiber_swap(void **save_sp, void *new_sp);
__asm__(".text\n"
	".globl fiber_swap\n"
	".type fiber_swap,@function\n"
	"fiber_swap:\n"
	"\tpushq %rbp\n"
	"\tpushq %rbx\n"
	"\tpushq %r12\n"
	"\tpushq %r13\n"
	"\tpushq %r14\n"
	"\tpushq %r15\n"
	"\tmovq %rsp, (%rdi)\n"
	"\tmovq %rsi, %rsp\n"
	"\tpopq %r15\n"
	"\tpopq %r14\n"
	"\tpopq %r13\n"
	"\tpopq %r12\n"
	"\tpopq %rbx\n"
	"\tpopq %rbp\n"
	"\tret\n"
	".size fiber_swap, .-fiber_swap\n"
	/* A new fiber's first return lands here with its struct in r12. */
	".globl fiber_trampoline\n"
	".type fiber_trampoline,@function\n"
	"fiber_trampoline:\n"
	"\tmovq %r12, %rdi\n"
	"\tcall fiber_entry\n"
	"\tud2\n"
	".size fiber_trampoline, .-fiber_trampoline\n"
	".section .note.GNU-stack,\"\",@progbits\n"
	".text\n");

void fiber_trampoline(void);
void fiber_entry(struct fiber *f);

void fiber_entry(struct fiber *f)
{
	asan_after(f);
	f->fn(f->arg);
	abort();	/* fn must switch away for good, never return */
}

int fiber_create(struct fiber *f, size_t stack_bytes, fiber_fn fn, void *arg)
{
	memset(f, 0, sizeof(*f));
	stack_bytes = (stack_bytes + 15) & ~(size_t)15;
	f->stack = malloc(stack_bytes);
	if (f->stack == NULL)
		return -1;
	f->stack_bytes = stack_bytes;
	f->fn = fn;
	f->arg = arg;
	/* After fiber_swap's ret pops the trampoline's address the stack
	 * pointer is top, 16-byte aligned, so the trampoline's call enters
	 * fiber_entry with the alignment the ABI promises (rsp + 8 aligned). */
	uintptr_t top = ((uintptr_t)f->stack + stack_bytes) & ~(uintptr_t)15;
	void **sp = (void **)top;
	*--sp = (void *)fiber_trampoline;
	*--sp = NULL;	/* rbp */
	*--sp = NULL;	/* rbx */
	*--sp = f;	/* r12 */
	*--sp = NULL;	/* r13 */
	*--sp = NULL;	/* r14 */
	*--sp = NULL;	/* r15 */
	f->sp = sp;
	return 0;
}

void fiber_switch(struct fiber *from, struct fiber *to)
{
	asan_before(from, to);
	fiber_swap(&from->sp, to->sp);
	asan_after(from);
}

#else /* ucontext */

static void uc_entry(unsigned hi, unsigned lo)
{
	struct fiber *f = (struct fiber *)(((uintptr_t)hi << 32) | (uintptr_t)lo);
	asan_after(f);
	f->fn(f->arg);
	abort();
}

int fiber_create(struct fiber *f, size_t stack_bytes, fiber_fn fn, void *arg)
{
	memset(f, 0, sizeof(*f));
	f->stack = malloc(stack_bytes);
	if (f->stack == NULL)
		return -1;
	f->stack_bytes = stack_bytes;
	f->fn = fn;
	f->arg = arg;
	if (getcontext(&f->uc) != 0)
		return -1;
	f->uc.uc_stack.ss_sp = f->stack;
	f->uc.uc_stack.ss_size = stack_bytes;
	f->uc.uc_link = NULL;
	uintptr_t p = (uintptr_t)f;
	makecontext(&f->uc, (void (*)(void))uc_entry, 2, (unsigned)(p >> 32), (unsigned)p);
	return 0;
}

void fiber_switch(struct fiber *from, struct fiber *to)
{
	asan_before(from, to);
	swapcontext(&from->uc, &to->uc);
	asan_after(from);
}

#endif

void fiber_adopt_thread(struct fiber *f)
{
	memset(f, 0, sizeof(*f));
}

void fiber_destroy(struct fiber *f)
{
	free(f->stack);
	f->stack = NULL;
}
