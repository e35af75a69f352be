/*
 * kernel.c - the kernel.h calls, each handed to the backend bound to this
 * host thread. Argument checks that do not depend on the backend (NULL
 * objects, bad widths) live here so every backend gets them.
 */
#include "kernel.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_backend.h"

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

_Noreturn static void misuse(const char *why, uintptr_t p1)
{
	const uintptr_t params[4] = { p1, 0, 0, 0 };
	ops()->bug_check(bound_self, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, params, why);
	abort();
}

#define REQUIRE(obj)                                                                   \
	do {                                                                           \
		if ((obj) == NULL)                                                     \
			misuse(__func__, 0);                                           \
	} while (0)

KIRQL KeGetCurrentIrql(void) { return ops()->get_irql(bound_self); }

void KeRaiseIrql(KIRQL new_irql, KIRQL *old_irql)
{
	REQUIRE(old_irql);
	ops()->raise_irql(bound_self, new_irql, old_irql);
}

void KeLowerIrql(KIRQL new_irql) { ops()->lower_irql(bound_self, new_irql); }

void KeInitializeSpinLock(KSPIN_LOCK *lock)
{
	REQUIRE(lock);
	memset(lock, 0, sizeof(*lock));
	ops()->object_init(bound_self, &lock->k, "spin-lock");
}

void KeAcquireSpinLock(KSPIN_LOCK *lock, KIRQL *old_irql)
{
	REQUIRE(lock);
	REQUIRE(old_irql);
	ops()->spin_acquire(bound_self, lock, old_irql, false);
}

void KeReleaseSpinLock(KSPIN_LOCK *lock, KIRQL old_irql)
{
	REQUIRE(lock);
	ops()->spin_release(bound_self, lock, old_irql, false);
}

void KeAcquireSpinLockAtDpcLevel(KSPIN_LOCK *lock)
{
	REQUIRE(lock);
	ops()->spin_acquire(bound_self, lock, NULL, true);
}

void KeReleaseSpinLockFromDpcLevel(KSPIN_LOCK *lock)
{
	REQUIRE(lock);
	ops()->spin_release(bound_self, lock, DISPATCH_LEVEL, true);
}

NTSTATUS IoConnectInterrupt(KINTERRUPT *interrupt, PKSERVICE_ROUTINE isr, void *context)
{
	if (interrupt == NULL || isr == NULL)
		return STATUS_INVALID_PARAMETER;
	memset(interrupt, 0, sizeof(*interrupt));
	interrupt->isr = isr;
	interrupt->context = context;
	ops()->object_init(bound_self, &interrupt->k, "interrupt");
	return ops()->connect_interrupt(bound_self, interrupt);
}

void IoDisconnectInterrupt(KINTERRUPT *interrupt)
{
	REQUIRE(interrupt);
	ops()->disconnect_interrupt(bound_self, interrupt);
}

bool KeSynchronizeExecution(KINTERRUPT *interrupt, PKSYNCHRONIZE_ROUTINE routine, void *context)
{
	REQUIRE(interrupt);
	REQUIRE(routine);
	return ops()->synchronize(bound_self, interrupt, routine, context);
}

void KeInitializeDpc(KDPC *dpc, PKDEFERRED_ROUTINE routine, void *context)
{
	REQUIRE(dpc);
	memset(dpc, 0, sizeof(*dpc));
	dpc->routine = routine;
	dpc->context = context;
	dpc->queued_cpu = -1;
	ops()->object_init(bound_self, &dpc->k, "dpc");
}

bool KeInsertQueueDpc(KDPC *dpc, void *arg1, void *arg2)
{
	REQUIRE(dpc);
	if (dpc->queued)
		return false;
	dpc->arg1 = arg1;
	dpc->arg2 = arg2;
	return ops()->dpc_insert(bound_self, dpc);
}

bool KeRemoveQueueDpc(KDPC *dpc)
{
	REQUIRE(dpc);
	return ops()->dpc_remove(bound_self, dpc);
}

void KeInitializeTimer(KTIMER *timer)
{
	REQUIRE(timer);
	memset(timer, 0, sizeof(*timer));
	ops()->object_init(bound_self, &timer->k, "timer");
}

bool KeSetTimerEx(KTIMER *timer, int64_t due_time_100ns, int32_t period_ms, KDPC *dpc)
{
	REQUIRE(timer);
	if (period_ms < 0)
		misuse("KeSetTimerEx: negative period", (uintptr_t)period_ms);
	return ops()->timer_set(bound_self, timer, due_time_100ns, period_ms, dpc);
}

bool KeCancelTimer(KTIMER *timer)
{
	REQUIRE(timer);
	return ops()->timer_cancel(bound_self, timer);
}

void KeInitializeEvent(KEVENT *event, EVENT_TYPE type, bool signalled)
{
	REQUIRE(event);
	memset(event, 0, sizeof(*event));
	event->type = type;
	event->signalled = signalled;
	ops()->object_init(bound_self, &event->k, "event");
}

bool KeSetEvent(KEVENT *event)
{
	REQUIRE(event);
	return ops()->event_set(bound_self, event, true);
}

bool KeResetEvent(KEVENT *event)
{
	REQUIRE(event);
	return ops()->event_set(bound_self, event, false);
}

bool KeReadStateEvent(const KEVENT *event)
{
	return event != NULL && event->signalled;
}

NTSTATUS KeWaitForSingleObject(KEVENT *event, const int64_t *timeout_100ns)
{
	REQUIRE(event);
	return ops()->event_wait(bound_self, event, timeout_100ns);
}

void IoInitializeWorkItem(IO_WORKITEM *item)
{
	REQUIRE(item);
	memset(item, 0, sizeof(*item));
	ops()->object_init(bound_self, &item->k, "work-item");
}

void IoQueueWorkItem(IO_WORKITEM *item, PIO_WORKITEM_ROUTINE routine, void *context)
{
	REQUIRE(item);
	REQUIRE(routine);
	item->routine = routine;
	item->context = context;
	ops()->work_item_queue(bound_self, item);
}

uint8_t READ_PORT_UCHAR(PORT_ADDRESS port) { return (uint8_t)ops()->port_read(bound_self, port, 8); }
uint16_t READ_PORT_USHORT(PORT_ADDRESS port) { return (uint16_t)ops()->port_read(bound_self, port, 16); }
uint32_t READ_PORT_ULONG(PORT_ADDRESS port) { return ops()->port_read(bound_self, port, 32); }
void WRITE_PORT_UCHAR(PORT_ADDRESS port, uint8_t v) { ops()->port_write(bound_self, port, 8, v); }
void WRITE_PORT_USHORT(PORT_ADDRESS port, uint16_t v) { ops()->port_write(bound_self, port, 16, v); }
void WRITE_PORT_ULONG(PORT_ADDRESS port, uint32_t v) { ops()->port_write(bound_self, port, 32, v); }

void *AllocateCommonBuffer(uint32_t len_bytes, PHYSICAL_ADDRESS *physical)
{
	REQUIRE(physical);
	return ops()->common_buffer_alloc(bound_self, len_bytes, physical);
}

void FreeCommonBuffer(void *virtual_address, uint32_t len_bytes)
{
	ops()->common_buffer_free(bound_self, virtual_address, len_bytes);
}

void KeStallExecutionProcessor(uint32_t microseconds) { ops()->stall(bound_self, microseconds); }
uint64_t KeQueryInterruptTime(void) { return ops()->interrupt_time_100ns(bound_self); }
void KeYield(void) { ops()->yield(bound_self); }

_Noreturn void KeBugCheckEx(uint32_t code, uintptr_t p1, uintptr_t p2, uintptr_t p3, uintptr_t p4)
{
	const uintptr_t params[4] = { p1, p2, p3, p4 };
	ops()->bug_check(bound_self, code, params, "KeBugCheckEx called by the driver");
	abort();
}

void DbgPrint(const char *format, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	ops()->print(bound_self, text);
}

void kernel_port_call(const char *name)
{
	ops()->port_call(bound_self, name);
}

_Noreturn void kernel_fail(const char *checker, const char *format, ...)
{
	char text[768];
	va_list ap;
	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	ops()->fail(bound_self, checker, text);
	abort();
}

struct gmem *kernel_guest_memory(void)
{
	return ops()->guest_memory(bound_self);
}

void kernel_note(int kind, uint64_t a, uint64_t b, const char *text)
{
	ops()->note(bound_self, kind, a, b, text);
}
