/*
 * kernel.c - the kernel.h calls, each handed to the backend bound to this
 * host thread. Argument checks that do not depend on the backend (NULL
 * objects, bad widths) live here so every backend gets them, and so do the
 * conversions between WDM's argument types and the backend's plain ones.
 */
#include "kernel.h"

#include <stdbool.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_backend.h"

_Thread_local const void *kernel_call_site;
_Thread_local const char *kernel_call_name;
_Thread_local const void *kernel_call_on_behalf;

void AcCallOnBehalf(const void *return_address)
{
	kernel_call_on_behalf = return_address;
}

static _Thread_local const struct kernel_backend *bound_ops;
static _Thread_local void *bound_self;

void kernel_bind(const struct kernel_backend *ops, void *self)
{
	bound_ops = ops;
	bound_self = self;
}

static const struct kernel_backend *ops(void)
{
	if (bound_ops == NULL) {
		fprintf(stderr, "ac97sim: driver code called the kernel with no backend bound\n");
		abort();
	}
	return bound_ops;
}

AC97SIM_NORETURN static void misuse(const char *why, uintptr_t p1)
{
	const uintptr_t params[4] = { p1, 0, 0, 0 };
	ops()->bug_check(bound_self, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, params, why, NULL);
	abort();
}

#define REQUIRE(obj)                                                                   \
	do {                                                                           \
		if ((obj) == NULL)                                                     \
			misuse(__func__, 0);                                           \
	} while (0)

/* A fresh object: zeroed backend storage, then the backend's own start. */
static void init_object(struct k_object *k, enum kobject_type type, const char *name,
			void *routine, void *context)
{
	memset(k, 0, sizeof(*k));
	ops()->object_init(bound_self, k, type, name, routine, context);
}

KIRQL KeGetCurrentIrql(void)
{
	KERNEL_NOTE_CALL();
	return ops()->get_irql(bound_self);
}

void KeRaiseIrql(KIRQL new_irql, PKIRQL old_irql)
{
	KERNEL_NOTE_CALL();
	REQUIRE(old_irql);
	ops()->raise_irql(bound_self, new_irql, old_irql);
}

void KeLowerIrql(KIRQL new_irql)
{
	KERNEL_NOTE_CALL();
	ops()->lower_irql(bound_self, new_irql);
}

void KeInitializeSpinLockNamed(PKSPIN_LOCK lock, const char *name)
{
	KERNEL_NOTE_CALL();
	REQUIRE(lock);
	init_object(&lock->k, KOBJ_SPIN_LOCK, name, NULL, NULL);
}

void KeAcquireSpinLock(PKSPIN_LOCK lock, PKIRQL old_irql)
{
	KERNEL_NOTE_CALL();
	REQUIRE(lock);
	REQUIRE(old_irql);
	ops()->spin_acquire(bound_self, lock, old_irql, false);
}

void KeReleaseSpinLock(PKSPIN_LOCK lock, KIRQL old_irql)
{
	KERNEL_NOTE_CALL();
	REQUIRE(lock);
	ops()->spin_release(bound_self, lock, old_irql, false);
}

void KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK lock)
{
	KERNEL_NOTE_CALL();
	REQUIRE(lock);
	ops()->spin_acquire(bound_self, lock, NULL, true);
}

void KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK lock)
{
	KERNEL_NOTE_CALL();
	REQUIRE(lock);
	ops()->spin_release(bound_self, lock, DISPATCH_LEVEL, true);
}

NTSTATUS AcConnectInterruptNamed(PKINTERRUPT interrupt, PKSERVICE_ROUTINE isr, PVOID context,
				 const char *name)
{
	KERNEL_NOTE_CALL();
	if (interrupt == NULL || isr == NULL)
		return STATUS_INVALID_PARAMETER;
	init_object(&interrupt->k, KOBJ_INTERRUPT, name, (void *)isr, context);
	return ops()->connect_interrupt(bound_self, interrupt);
}

void AcDisconnectInterrupt(PKINTERRUPT interrupt)
{
	KERNEL_NOTE_CALL();
	REQUIRE(interrupt);
	ops()->disconnect_interrupt(bound_self, interrupt);
}

BOOLEAN KeSynchronizeExecution(PKINTERRUPT interrupt, PKSYNCHRONIZE_ROUTINE routine, PVOID context)
{
	KERNEL_NOTE_CALL();
	REQUIRE(interrupt);
	REQUIRE(routine);
	return ops()->synchronize(bound_self, interrupt, routine, context);
}

void KeInitializeDpcNamed(PRKDPC dpc, PKDEFERRED_ROUTINE routine, PVOID context, const char *name)
{
	KERNEL_NOTE_CALL();
	REQUIRE(dpc);
	init_object(&dpc->k, KOBJ_DPC, name, (void *)routine, context);
}

BOOLEAN KeInsertQueueDpc(PRKDPC dpc, PVOID arg1, PVOID arg2)
{
	KERNEL_NOTE_CALL();
	REQUIRE(dpc);
	return ops()->dpc_insert(bound_self, dpc, arg1, arg2);
}

BOOLEAN KeRemoveQueueDpc(PRKDPC dpc)
{
	KERNEL_NOTE_CALL();
	REQUIRE(dpc);
	return ops()->dpc_remove(bound_self, dpc);
}

void KeFlushQueuedDpcs(void)
{
	KERNEL_NOTE_CALL();
	ops()->dpc_flush(bound_self);
}

void KeInitializeTimerNamed(PKTIMER timer, const char *name)
{
	KERNEL_NOTE_CALL();
	REQUIRE(timer);
	init_object(&timer->k, KOBJ_TIMER, name, NULL, NULL);
}

BOOLEAN KeSetTimerEx(PKTIMER timer, LARGE_INTEGER due, LONG period_ms, PKDPC dpc)
{
	KERNEL_NOTE_CALL();
	REQUIRE(timer);
	if (period_ms < 0)
		misuse("KeSetTimerEx: a negative period", (uintptr_t)(intptr_t)period_ms);
	return ops()->timer_set(bound_self, timer, due.QuadPart, period_ms, dpc);
}

BOOLEAN KeSetTimer(PKTIMER timer, LARGE_INTEGER due, PKDPC dpc)
{
	KERNEL_NOTE_CALL();
	return KeSetTimerEx(timer, due, 0, dpc);
}

BOOLEAN KeCancelTimer(PKTIMER timer)
{
	KERNEL_NOTE_CALL();
	REQUIRE(timer);
	return ops()->timer_cancel(bound_self, timer);
}

void KeInitializeEventNamed(PRKEVENT event, EVENT_TYPE type, BOOLEAN state, const char *name)
{
	KERNEL_NOTE_CALL();
	REQUIRE(event);
	if (type != NotificationEvent && type != SynchronizationEvent)
		misuse("KeInitializeEvent: not an EVENT_TYPE", (uintptr_t)type);
	init_object(&event->k, KOBJ_EVENT, name, NULL, (void *)(uintptr_t)type);
	if (state)
		ops()->event_set(bound_self, event, true);
}

LONG KeSetEvent(PRKEVENT event, KPRIORITY increment, BOOLEAN wait)
{
	KERNEL_NOTE_CALL();
	(void)increment;
	(void)wait;
	REQUIRE(event);
	return ops()->event_set(bound_self, event, true);
}

LONG KeResetEvent(PRKEVENT event)
{
	KERNEL_NOTE_CALL();
	REQUIRE(event);
	return ops()->event_set(bound_self, event, false);
}

void KeClearEvent(PRKEVENT event)
{
	KERNEL_NOTE_CALL();
	KeResetEvent(event);
}

LONG KeReadStateEvent(PRKEVENT event)
{
	KERNEL_NOTE_CALL();
	REQUIRE(event);
	return ops()->event_state(bound_self, event);
}

NTSTATUS KeWaitForSingleObject(PVOID object, KWAIT_REASON reason, KPROCESSOR_MODE mode,
			       BOOLEAN alertable, PLARGE_INTEGER timeout)
{
	KERNEL_NOTE_CALL();
	(void)reason;
	(void)mode;
	(void)alertable;
	REQUIRE(object);
	int64_t t;
	if (timeout != NULL)
		t = timeout->QuadPart;
	return ops()->event_wait(bound_self, (KEVENT *)object, timeout != NULL ? &t : NULL);
}

PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT device)
{
	KERNEL_NOTE_CALL();
	(void)device;
	return ops()->work_item_alloc(bound_self);
}

void IoQueueWorkItem(PIO_WORKITEM item, PIO_WORKITEM_ROUTINE routine, WORK_QUEUE_TYPE queue,
		     PVOID context)
{
	KERNEL_NOTE_CALL();
	(void)queue;
	REQUIRE(item);
	REQUIRE(routine);
	ops()->work_item_queue(bound_self, item, routine, context);
}

void IoFreeWorkItem(PIO_WORKITEM item)
{
	KERNEL_NOTE_CALL();
	REQUIRE(item);
	ops()->work_item_free(bound_self, item);
}

UCHAR READ_PORT_UCHAR(PUCHAR port)
{
	KERNEL_NOTE_CALL();
	return (UCHAR)ops()->port_read(bound_self, (uintptr_t)port, 8);
}

USHORT READ_PORT_USHORT(PUSHORT port)
{
	KERNEL_NOTE_CALL();
	return (USHORT)ops()->port_read(bound_self, (uintptr_t)port, 16);
}

ULONG READ_PORT_ULONG(PULONG port)
{
	KERNEL_NOTE_CALL();
	return ops()->port_read(bound_self, (uintptr_t)port, 32);
}

void WRITE_PORT_UCHAR(PUCHAR port, UCHAR v)
{
	KERNEL_NOTE_CALL();
	ops()->port_write(bound_self, (uintptr_t)port, 8, v);
}
void WRITE_PORT_USHORT(PUSHORT port, USHORT v)
{
	KERNEL_NOTE_CALL();
	ops()->port_write(bound_self, (uintptr_t)port, 16, v);
}
void WRITE_PORT_ULONG(PULONG port, ULONG v)
{
	KERNEL_NOTE_CALL();
	ops()->port_write(bound_self, (uintptr_t)port, 32, v);
}

PVOID AcAllocateCommonBuffer(ULONG len_bytes, PPHYSICAL_ADDRESS physical)
{
	KERNEL_NOTE_CALL();
	REQUIRE(physical);
	uint32_t at = 0;
	void *p = ops()->common_buffer_alloc(bound_self, len_bytes, &at);
	physical->QuadPart = p != NULL ? at : 0;
	return p;
}

void AcFreeCommonBuffer(PVOID virtual_address, ULONG len_bytes)
{
	KERNEL_NOTE_CALL();
	ops()->common_buffer_free(bound_self, virtual_address, len_bytes);
}

/* ---- pool ---- */

/* Paged pool types have bit 0 set (PagedPool, PagedPoolCacheAligned). */
static bool pool_type_paged(POOL_TYPE type)
{
	return ((unsigned)type & 1u) != 0;
}

static PVOID pool_allocate(POOL_TYPE type, SIZE_T bytes, ULONG tag, bool zeroed)
{
	KIRQL irql = ops()->get_irql(bound_self);
	if (irql > (pool_type_paged(type) ? APC_LEVEL : DISPATCH_LEVEL)) {
		const uintptr_t params[4] = { irql, (uintptr_t)type, 0, 0 };
		ops()->bug_check(bound_self, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, params,
				 pool_type_paged(type) ? "paged pool allocated above APC_LEVEL"
						       : "pool allocated above DISPATCH_LEVEL",
				 NULL);
		abort();
	}
	return pool_alloc(ops()->pool(bound_self), bytes, tag, zeroed);
}

PVOID ExAllocatePoolWithTag(POOL_TYPE type, SIZE_T bytes, ULONG tag)
{
	KERNEL_NOTE_CALL();
	return pool_allocate(type, bytes, tag, false);
}

PVOID ExAllocatePoolZero(POOL_TYPE type, SIZE_T bytes, ULONG tag)
{
	KERNEL_NOTE_CALL();
	return pool_allocate(type, bytes, tag, true);
}

AC97SIM_NORETURN static void rule_broken(AC_RULE rule, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
static void rule_broken(AC_RULE rule, const char *format, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	ops()->rule_broken(bound_self, rule, text);
	abort();
}

static void pool_release(PVOID block, ULONG tag, bool tag_checked, const char *call)
{
	if (block == NULL)
		rule_broken(AcRulePool, "%s(NULL)", call);
	if (ops()->get_irql(bound_self) > DISPATCH_LEVEL) {
		const uintptr_t params[4] = { ops()->get_irql(bound_self), 0, 0, 0 };
		ops()->bug_check(bound_self, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, params,
				 "pool freed above DISPATCH_LEVEL", NULL);
		abort();
	}
	uint32_t found_tag = 0;
	char want[5], had[5];
	switch (pool_free(ops()->pool(bound_self), block, tag, tag_checked, &found_tag)) {
	case POOL_FREED:
		return;
	case POOL_NOT_ALLOCATED:
		rule_broken(AcRulePool, "%s of memory the pool did not allocate", call);
	case POOL_ALREADY_FREED:
		pool_tag_text(found_tag, had);
		rule_broken(AcRulePool, "%s of a block already freed (tag '%s')", call, had);
	case POOL_WRONG_TAG:
		pool_tag_text(tag, want);
		pool_tag_text(found_tag, had);
		rule_broken(AcRulePool, "%s with tag '%s' of a block allocated with tag '%s'", call,
			    want, had);
	}
}

void ExFreePoolWithTag(PVOID block, ULONG tag)
{
	KERNEL_NOTE_CALL();
	pool_release(block, tag, true, "ExFreePoolWithTag");
}

void ExFreePool(PVOID block)
{
	KERNEL_NOTE_CALL();
	pool_release(block, 0, false, "ExFreePool");
}

void kernel_check_pool_empty(void)
{
	const struct pool *p = ops()->pool(bound_self);
	size_t bytes;
	uint32_t tag, seq;
	if (!pool_oldest_live(p, &bytes, &tag, &seq))
		return;
	char text[5];
	pool_tag_text(tag, text);
	rule_broken(AcRulePool,
		    "%u pool block%s (%llu bytes) still allocated after adapter stop; the oldest: %zu "
		    "bytes with tag '%s' (allocation %u of the run)",
		    p->live_count, p->live_count == 1 ? "" : "s", (unsigned long long)p->live_bytes,
		    bytes, text, seq + 1);
}

/* ---- interlocked operations: a scheduling point, then the atomic step ---- */

LONG InterlockedIncrement(LONG volatile *addend)
{
	KERNEL_NOTE_CALL();
	REQUIRE(addend);
	ops()->yield(bound_self);
	return __atomic_add_fetch(addend, 1, __ATOMIC_SEQ_CST);
}

LONG InterlockedDecrement(LONG volatile *addend)
{
	KERNEL_NOTE_CALL();
	REQUIRE(addend);
	ops()->yield(bound_self);
	return __atomic_sub_fetch(addend, 1, __ATOMIC_SEQ_CST);
}

LONG InterlockedExchange(LONG volatile *target, LONG value)
{
	KERNEL_NOTE_CALL();
	REQUIRE(target);
	ops()->yield(bound_self);
	return __atomic_exchange_n(target, value, __ATOMIC_SEQ_CST);
}

LONG InterlockedCompareExchange(LONG volatile *destination, LONG exchange, LONG comperand)
{
	KERNEL_NOTE_CALL();
	REQUIRE(destination);
	ops()->yield(bound_self);
	__atomic_compare_exchange_n(destination, &comperand, exchange, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return comperand;
}

LONG InterlockedExchangeAdd(LONG volatile *addend, LONG value)
{
	KERNEL_NOTE_CALL();
	REQUIRE(addend);
	ops()->yield(bound_self);
	return __atomic_fetch_add(addend, value, __ATOMIC_SEQ_CST);
}

AC97SIM_NORETURN void AcRuleBroken(AC_RULE rule, PCSTR message)
{
	KERNEL_NOTE_CALL();
	if ((unsigned)rule >= AcRuleCount)
		misuse("AcRuleBroken with no such rule", (uintptr_t)rule);
	ops()->rule_broken(bound_self, rule, message != NULL ? message : "");
	abort();
}

void KeStallExecutionProcessor(ULONG microseconds)
{
	KERNEL_NOTE_CALL();
	ops()->stall(bound_self, microseconds);
}
ULONGLONG KeQueryInterruptTime(void)
{
	KERNEL_NOTE_CALL();
	return ops()->interrupt_time_100ns(bound_self);
}
void KeYield(void)
{
	KERNEL_NOTE_CALL();
	ops()->yield(bound_self);
}

AC97SIM_NORETURN void KeBugCheckEx(ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3,
				   ULONG_PTR p4)
{
	KERNEL_NOTE_CALL();
	const uintptr_t params[4] = { p1, p2, p3, p4 };
	ops()->bug_check(bound_self, code, params, NULL, NULL);
	abort();
}

AC97SIM_NORETURN void AcBugCheck(PCSTR reason, ULONG code, ULONG_PTR p1, ULONG_PTR p2,
				 ULONG_PTR p3, ULONG_PTR p4)
{
	KERNEL_NOTE_CALL();
	const uintptr_t params[4] = { p1, p2, p3, p4 };
	ops()->bug_check(bound_self, code, params, NULL, reason);
	abort();
}

ULONG DbgPrint(PCSTR format, ...)
{
	KERNEL_NOTE_CALL();
	char text[256];
	va_list ap;
	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	ops()->print(bound_self, text);
	return 0;
}

void AcMark(PCSTR window)
{
	KERNEL_NOTE_CALL();
	if (window != NULL)
		ops()->mark(bound_self, window);
}

void kernel_port_return(void)
{
	ops()->port_return(bound_self);
}

void kernel_model_enter(void)
{
	if (ops()->model_enter != NULL)
		ops()->model_enter(bound_self);
}

void kernel_model_leave(void)
{
	if (ops()->model_leave != NULL)
		ops()->model_leave(bound_self);
}

void kernel_port_call(enum port_call call)
{
	ops()->port_call(bound_self, call);
}

AC97SIM_NORETURN void kernel_fail(const char *checker, const struct failure_def *rule,
				  const char *format, ...)
{
	char text[768];
	va_list ap;
	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	ops()->fail(bound_self, checker, rule, text);
	abort();
}

AC97SIM_NORETURN void kernel_out_of_memory(const char *what)
{
	ops()->out_of_memory(bound_self, what);
	abort();
}

const struct guest_memory *kernel_guest_memory(void)
{
	return ops()->guest_memory(bound_self);
}

void kernel_publish_port(const struct port_event *ev, const void *ref)
{
	ops()->publish_port(bound_self, ev, ref);
}
