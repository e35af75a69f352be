/*
 * faulty.c - driver plug-ins that go wrong on purpose, for the tests of
 * the loader, the crash guard and explore's workers. One source, one
 * behaviour per build (FAULT_*), each its own .so:
 *
 *   FAULT_NONE      a driver that does nothing: the stream never moves
 *                   (the run fails "stall", the same way every time)
 *   FAULT_STATIC    as NONE, but stream_open fails unless a global counter
 *                   is 0, and counts up: without the loader restoring
 *                   static data the second run in a process could not start
 *   FAULT_CRASH     writes through a NULL pointer when the stream starts
 *   FAULT_EXIT      _exit()s the process when the stream starts: nothing in
 *                   the process survives that, only explore's parent
 *   FAULT_HANG      loops for ever, with no kernel call, when it starts
 *   FAULT_OTHER_ABI exports its description under another ABI's name
 *   FAULT_BAD_NAME  names itself with a space
 *   FAULT_NO_SYMBOL exports no description at all
 *
 * And drivers whose stream does move, for the lifetime and hang checkers:
 * each takes every mapping GetMapping hands out and releases it at once,
 * without playing it (run them with audio-conservation off), from SetState
 * (RUN), Service and MappingAvailable, and from a periodic 1 ms timer DPC
 * that it sets at RUN and cancels at STOP:
 *
 *   FAULT_TIMER_LEFT_SET     stream_close leaves the timer set (and does not
 *                            cancel it at STOP either): it expires in freed
 *                            memory ("after-close")
 *   FAULT_IRQ_LEFT_CONNECTED adapter_stop leaves its interrupt connected
 *                            ("after-stop")
 *   FAULT_NOTIFY_AT_DIRQL    no fault: notifies the port from a routine that
 *                            holds the interrupt's lock at DIRQL, as an ISR
 *                            does, which portcls allows (the run passes)
 *   FAULT_POOL_LEAK          adapter_start allocates pool it never frees
 *   FAULT_BAD_NORMALIZE      NormalizePhysicalPosition forgets the block size
 *   FAULT_TERMINATE_PACKET   no fault: ends each packet after its first mapping
 *                            (TerminatePacket, as a capture driver does with a
 *                            part-filled packet)
 *   FAULT_ASSERT             a checked build's assertion fails when the stream
 *                            starts (what the WDM layer's ASSERT() calls)
 *   FAULT_KEEP_LAST          keeps the newest mapping until the next one
 *                            comes, so the stream's last is never released:
 *                            its IRP never completes, the stream never ends
 *                            ("hang"; "stall" too, as it is never played)
 *
 * Written only against the installed SDK, as any plug-in is.
 */
#include <unistd.h>

#include "driver.h"

#if defined(FAULT_TIMER_LEFT_SET) || defined(FAULT_IRQ_LEFT_CONNECTED) || \
	defined(FAULT_KEEP_LAST) || defined(FAULT_NOTIFY_AT_DIRQL) || defined(FAULT_POOL_LEAK) || \
	defined(FAULT_BAD_NORMALIZE) || defined(FAULT_TERMINATE_PACKET)
#define MOVES 1	/* a stream that takes and gives back mappings */
#endif

struct adapter {
	AC97SIM_RESOURCES res;
#ifdef MOVES
	KINTERRUPT interrupt;
#endif
};

struct stream {
	PORT_STREAM *port;
#ifdef MOVES
	KINTERRUPT *interrupt;
	KSPIN_LOCK lock;	/* one taker at a time */
	KTIMER timer;
	KDPC timer_dpc;
	PVOID held;		/* FAULT_KEEP_LAST: the mapping kept back */
	uintptr_t next_tag;
	KSSTATE state;
#endif
};

#ifdef FAULT_STATIC
static int streams_opened;	/* static data a run changes */
#endif

/* Every call of the SDK, by address: loading with RTLD_NOW binds each of
 * them, so a call the program forgot to export (include/sdk/exports.list)
 * makes every load of this plug-in fail. */
__attribute__((used)) static const void *const sdk_calls[] = {
	(const void *)KeGetCurrentIrql, (const void *)KeRaiseIrql, (const void *)KeLowerIrql,
	(const void *)KeInitializeSpinLockNamed, (const void *)KeAcquireSpinLock,
	(const void *)KeReleaseSpinLock, (const void *)KeAcquireSpinLockAtDpcLevel,
	(const void *)KeReleaseSpinLockFromDpcLevel, (const void *)AcConnectInterruptNamed,
	(const void *)AcDisconnectInterrupt, (const void *)KeSynchronizeExecution,
	(const void *)KeInitializeDpcNamed, (const void *)KeInsertQueueDpc,
	(const void *)KeRemoveQueueDpc, (const void *)KeFlushQueuedDpcs,
	(const void *)KeInitializeTimerNamed,
	(const void *)KeSetTimerEx, (const void *)KeSetTimer, (const void *)KeCancelTimer,
	(const void *)KeInitializeEventNamed, (const void *)KeSetEvent, (const void *)KeResetEvent,
	(const void *)KeClearEvent, (const void *)KeReadStateEvent,
	(const void *)KeWaitForSingleObject, (const void *)IoAllocateWorkItem,
	(const void *)IoQueueWorkItem, (const void *)IoFreeWorkItem,
	(const void *)READ_PORT_UCHAR, (const void *)READ_PORT_USHORT, (const void *)READ_PORT_ULONG,
	(const void *)WRITE_PORT_UCHAR, (const void *)WRITE_PORT_USHORT,
	(const void *)WRITE_PORT_ULONG, (const void *)AcAllocateCommonBuffer,
	(const void *)AcFreeCommonBuffer, (const void *)KeStallExecutionProcessor,
	(const void *)KeQueryInterruptTime, (const void *)KeYield, (const void *)KeBugCheckEx, (const void *)AcBugCheck,
	(const void *)DbgPrint, (const void *)AcMark, (const void *)PortGetMapping, (const void *)PortReleaseMapping,
	(const void *)PortNotify, (const void *)ksstate_name, (const void *)PortTerminatePacket,
	(const void *)ExAllocatePoolWithTag, (const void *)ExAllocatePoolZero,
	(const void *)ExFreePoolWithTag, (const void *)ExFreePool,
	(const void *)InterlockedIncrement, (const void *)InterlockedDecrement,
	(const void *)InterlockedExchange, (const void *)InterlockedCompareExchange,
	(const void *)InterlockedExchangeAdd, (const void *)AcRuleBroken,
	(const void *)AcCallOnBehalf,
};

#ifdef MOVES
/* Nothing of the device is used: the line never rises. */
static BOOLEAN isr(PKINTERRUPT interrupt, PVOID context)
{
	(void)interrupt;
	(void)context;
	return FALSE;
}

/* Takes what the port has and gives it back at once (the newest kept back
 * with FAULT_KEEP_LAST). The lock is dropped around the port's calls. */
static void take_and_release(struct stream *s)
{
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	while (s->state == KSSTATE_RUN) {
		PVOID tag = (PVOID)++s->next_tag;
		PHYSICAL_ADDRESS physical;
		PVOID virtual_address;
		ULONG bytes, flags;
		KeReleaseSpinLock(&s->lock, old);
		NTSTATUS st = PortGetMapping(s->port, tag, &physical, &virtual_address, &bytes, &flags);
#ifdef FAULT_TERMINATE_PACKET
		if (NT_SUCCESS(st))
			PortTerminatePacket(s->port);
#endif
		KeAcquireSpinLock(&s->lock, &old);
		if (!NT_SUCCESS(st))
			break;
		PVOID give = tag;
#ifdef FAULT_KEEP_LAST
		give = s->held;
		s->held = tag;
#endif
		if (give == NULL)
			continue;
		KeReleaseSpinLock(&s->lock, old);
		PortReleaseMapping(s->port, give);
		KeAcquireSpinLock(&s->lock, &old);
	}
	KeReleaseSpinLock(&s->lock, old);
}

#ifdef FAULT_NOTIFY_AT_DIRQL
static BOOLEAN notify_synchronized(PVOID context)
{
	struct stream *s = context;
	PortNotify(s->port);
	return TRUE;
}
#endif

static void timer_dpc(KDPC *dpc, void *context, void *arg1, void *arg2)
{
	(void)dpc;
	(void)arg1;
	(void)arg2;
	struct stream *s = context;
#ifdef FAULT_NOTIFY_AT_DIRQL
	KeSynchronizeExecution(s->interrupt, notify_synchronized, s);
#else
	PortNotify(s->port);
#endif
}
#endif

static NTSTATUS adapter_start(void *adapter, const AC97SIM_RESOURCES *resources)
{
	struct adapter *a = adapter;
	a->res = *resources;
#ifdef MOVES
	NTSTATUS st = AcConnectInterrupt(&a->interrupt, isr, a);
	if (!NT_SUCCESS(st))
		return st;
#endif
#ifdef FAULT_POOL_LEAK
	if (ExAllocatePoolWithTag(NonPagedPool, 100, 0x6B61654Cu /* "Leak" */) == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
#endif
	return STATUS_SUCCESS;
}

static void adapter_stop(void *adapter)
{
	(void)adapter;
#if defined(MOVES) && !defined(FAULT_IRQ_LEFT_CONNECTED)
	struct adapter *a = adapter;
	AcDisconnectInterrupt(&a->interrupt);
#endif
}

static NTSTATUS stream_open(void *adapter, void *stream, const struct ac97sim_stream_params *p)
{
	(void)adapter;
	struct stream *s = stream;
	s->port = p->port;
#ifdef FAULT_STATIC
	if (streams_opened++ != 0)
		return STATUS_UNSUCCESSFUL;
#endif
#ifdef MOVES
	s->interrupt = &((struct adapter *)adapter)->interrupt;
	KeInitializeSpinLock(&s->lock);
	KeInitializeTimer(&s->timer);
	KeInitializeDpc(&s->timer_dpc, timer_dpc, s);
	s->state = KSSTATE_STOP;
#endif
	return STATUS_SUCCESS;
}

static void stream_close(void *stream)
{
	(void)stream;
#if defined(MOVES) && !defined(FAULT_TIMER_LEFT_SET)
	struct stream *s = stream;
	KeCancelTimer(&s->timer);
	KeRemoveQueueDpc(&s->timer_dpc);
	KeFlushQueuedDpcs();	/* one that had started already */
#endif
}

static NTSTATUS set_state(void *stream, KSSTATE state)
{
	(void)stream;
#ifdef MOVES
	struct stream *s = stream;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	s->state = state;
	KeReleaseSpinLock(&s->lock, old);
	if (state == KSSTATE_RUN) {
		LARGE_INTEGER due;
		due.QuadPart = -10000;	/* 1 ms */
		KeSetTimerEx(&s->timer, due, 1, &s->timer_dpc);
		take_and_release(s);
	}
#ifndef FAULT_TIMER_LEFT_SET
	if (state == KSSTATE_STOP)
		KeCancelTimer(&s->timer);
#endif
#endif
	if (state != KSSTATE_RUN)
		return STATUS_SUCCESS;
#if defined(FAULT_ASSERT)
	AcRuleBroken(AcRuleAssert, "faulty.c: ASSERT(s->state == KSSTATE_STOP) failed");
#elif defined(FAULT_CRASH)
	volatile int *volatile nowhere = NULL;	/* volatile: the compiler cannot see it is NULL */
	nowhere[4] = 1;
#elif defined(FAULT_EXIT)
	_exit(7);
#elif defined(FAULT_HANG)
	for (volatile unsigned long spins = 0;; spins++)
		;
#endif
	return STATUS_SUCCESS;
}

static void service(void *stream)
{
	(void)stream;
#ifdef MOVES
	take_and_release(stream);
#endif
}

static void mapping_available(void *stream)
{
	(void)stream;
#ifdef MOVES
	take_and_release(stream);
#endif
}

static NTSTATUS revoke_mappings(void *stream, PVOID first, PVOID last, PULONG revoked)
{
	(void)stream;
	(void)first;
	(void)last;
	*revoked = 0;
#ifdef FAULT_KEEP_LAST
	/* The one kept back is the only one this driver holds. */
	struct stream *s = stream;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	if (s->held != NULL && (uintptr_t)s->held >= (uintptr_t)first &&
	    (uintptr_t)s->held <= (uintptr_t)last) {
		s->held = NULL;
		*revoked = 1;
	}
	KeReleaseSpinLock(&s->lock, old);
#endif
	return STATUS_SUCCESS;
}

static NTSTATUS get_position(void *stream, PULONGLONG position)
{
	(void)stream;
	*position = 0;
	return STATUS_SUCCESS;
}

#ifdef FAULT_BAD_NORMALIZE
/* 100 ns units per byte as if a frame were one byte (it is four). */
static NTSTATUS normalize_physical_position(void *stream, PLONGLONG position)
{
	(void)stream;
	*position = *position * 10000000 / 48000 + 1000;
	return STATUS_SUCCESS;
}
#endif

#if defined(FAULT_OTHER_ABI)
#define DESCRIPTION __attribute__((visibility("default"))) const struct ac97sim_driver ac97sim_driver_abi_999
#elif defined(FAULT_NO_SYMBOL)
#define DESCRIPTION static const struct ac97sim_driver unused_description __attribute__((used))
#else
#define DESCRIPTION AC97SIM_DRIVER_DEFINE
#endif

#ifdef FAULT_BAD_NAME
#define NAME "has a space"
#else
#define NAME "faulty"
#endif

DESCRIPTION = {
	.abi = AC97SIM_DRIVER_ABI,
	.name = NAME,
	.description = "a plug-in that goes wrong on purpose (tests)",
	.adapter_bytes = sizeof(struct adapter),
	.stream_bytes = sizeof(struct stream),
	.adapter_start = adapter_start,
	.adapter_stop = adapter_stop,
	.stream_open = stream_open,
	.stream_close = stream_close,
	.stream_ops = {
		.set_state = set_state,
		.service = service,
		.mapping_available = mapping_available,
		.revoke_mappings = revoke_mappings,
		.get_position = get_position,
#ifdef FAULT_BAD_NORMALIZE
		.normalize_physical_position = normalize_physical_position,
#endif
	},
};
