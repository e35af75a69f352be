/*
 * kernel.h - the operating-system services driver code may use, and
 * nothing else. Part of the driver SDK (pkg-config ac97sim-driver).
 *
 * The names, types and signatures are WDM's wherever WDM has the call
 * (KeAcquireSpinLock, KeInsertQueueDpc, KeSetTimerEx, READ_PORT_UCHAR,
 * ...), so that a miniport written here reads like one written for
 * Windows, and so that the WDM compatibility headers for C++ miniports
 * can include this file rather than redefine it. The few services WDM
 * offers differently (connecting the interrupt, common buffers) have names
 * of their own, prefixed Ac.
 *
 * A backend implements the calls. The deterministic backend runs driver
 * code on simulated CPUs, one at a time, and makes every call a
 * scheduling point; the native backend runs it on host threads. Kernel
 * objects hold storage that belongs to the backend: driver code creates
 * them with the Initialize calls and never reads them.
 *
 * What differs from WDM, on purpose:
 * - One device interrupt level (DIRQL) and one interrupt line.
 * - Times are in WDM's units (100 ns) and simulated where the backend is.
 * - Port addresses come from AC97SIM_RESOURCES (the adapter's two I/O
 *   ranges) and are pointers that are never dereferenced, as in WDM.
 * - The Initialize calls are macros that pass the object's name (the
 *   expression given, e.g. "&s->lock") to the backend, so that reports
 *   can name locks, DPCs, timers and events as the source does.
 * - A ULONG is 32 bits and a LONG is 32 bits, as on Windows.
 */
#ifndef AC97SIM_KERNEL_H
#define AC97SIM_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define AC97SIM_NORETURN [[noreturn]]
#else
#define AC97SIM_NORETURN _Noreturn
#endif

/* ---- scalar types (WDM's widths) ------------------------------------------------ */

typedef void VOID;
typedef void *PVOID;
typedef uint8_t UCHAR, *PUCHAR;
typedef uint16_t USHORT, *PUSHORT;
typedef uint32_t ULONG, *PULONG;
typedef int32_t LONG, *PLONG;
typedef uint64_t ULONGLONG, *PULONGLONG;
typedef int64_t LONGLONG, *PLONGLONG;
typedef uintptr_t ULONG_PTR;
typedef size_t SIZE_T;
typedef uint8_t BOOLEAN, *PBOOLEAN;
typedef char CHAR;
typedef const char *PCSTR;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

typedef union _LARGE_INTEGER {
	struct {
		ULONG LowPart;
		LONG HighPart;
	};
	struct {
		ULONG LowPart;
		LONG HighPart;
	} u;
	LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

/* The controller does 32-bit DMA: a physical address is its LowPart. */
typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

/* A guest page, and the size of the pages DMA mappings are cut from. */
#define PAGE_SIZE 4096u

/* ---- status codes ------------------------------------------------------------------ */

typedef LONG NTSTATUS;
#define STATUS_SUCCESS ((NTSTATUS)0x00000000)
#define STATUS_TIMEOUT ((NTSTATUS)0x00000102)
#define STATUS_PENDING ((NTSTATUS)0x00000103)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000D)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009A)
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BB)
#define STATUS_CANCELLED ((NTSTATUS)0xC0000120)
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225)
#define NT_SUCCESS(s) ((NTSTATUS)(s) >= 0)

/* ---- IRQL ------------------------------------------------------------------------------- */

typedef UCHAR KIRQL, *PKIRQL;
#define PASSIVE_LEVEL ((KIRQL)0)
#define APC_LEVEL ((KIRQL)1)
#define DISPATCH_LEVEL ((KIRQL)2)
#define DIRQL ((KIRQL)5)	/* the AC'97 controller's interrupt level */
#define HIGH_LEVEL ((KIRQL)15)

KIRQL KeGetCurrentIrql(void);
void KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql);
void KeLowerIrql(KIRQL NewIrql);

/* ---- kernel objects ------------------------------------------------------------------- */

/* The backend's storage in every object (the deterministic backend keeps
 * an id in creation order, never a host address, so logs do not depend on
 * where an object lives). Its size is part of the driver ABI. */
struct k_object {
	uint64_t opaque[8];
};

typedef struct KSPIN_LOCK { struct k_object k; } KSPIN_LOCK, *PKSPIN_LOCK;
typedef struct KINTERRUPT { struct k_object k; } KINTERRUPT, *PKINTERRUPT;
typedef struct KDPC { struct k_object k; } KDPC, *PKDPC, *PRKDPC;
typedef struct KTIMER { struct k_object k; } KTIMER, *PKTIMER;
typedef struct KEVENT { struct k_object k; } KEVENT, *PKEVENT, *PRKEVENT;

/* ---- spin locks --------------------------------------------------------------------------- */

void KeInitializeSpinLockNamed(PKSPIN_LOCK SpinLock, const char *name);
#define KeInitializeSpinLock(lock) KeInitializeSpinLockNamed((lock), #lock)
/* Raises to DISPATCH_LEVEL and takes the lock; *OldIrql gets the IRQL to
 * give back to KeReleaseSpinLock. */
void KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql);
void KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);
/* For callers already at DISPATCH_LEVEL. */
void KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
void KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock);

/* ---- interrupts --------------------------------------------------------------------------- */

/* An ISR: runs at DIRQL holding the interrupt's own lock; returns TRUE when
 * its device was interrupting (the interrupt is claimed). */
typedef BOOLEAN (*PKSERVICE_ROUTINE)(PKINTERRUPT Interrupt, PVOID ServiceContext);
typedef BOOLEAN (*PKSYNCHRONIZE_ROUTINE)(PVOID SynchronizeContext);

/* Connects isr to the device's interrupt line (WDM: IoConnectInterrupt,
 * whose resource arguments this machine does not need). */
NTSTATUS AcConnectInterruptNamed(PKINTERRUPT Interrupt, PKSERVICE_ROUTINE ServiceRoutine,
				 PVOID ServiceContext, const char *name);
#define AcConnectInterrupt(intr, isr, ctx) AcConnectInterruptNamed((intr), (isr), (ctx), #isr)
void AcDisconnectInterrupt(PKINTERRUPT Interrupt);
/* Runs routine at DIRQL holding the interrupt lock, as the ISR would. */
BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
			       PVOID SynchronizeContext);

/* ---- DPCs and timers ---------------------------------------------------------------------- */

typedef void (*PKDEFERRED_ROUTINE)(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1,
				   PVOID SystemArgument2);

void KeInitializeDpcNamed(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext,
			  const char *name);
#define KeInitializeDpc(dpc, routine, ctx) KeInitializeDpcNamed((dpc), (routine), (ctx), #routine)
/* Queues the DPC on the current CPU; FALSE if it was already queued. */
BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2);
BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc);
/* At PASSIVE_LEVEL: returns once every DPC queued, on any CPU, when it was
 * called has run, and every DPC routine running then has returned. What a
 * driver calls before it frees what its DPCs use (after KeCancelTimer,
 * after unlinking what a DPC finds): KeRemoveQueueDpc cannot stop a DPC
 * that has already started. */
void KeFlushQueuedDpcs(void);

void KeInitializeTimerNamed(PKTIMER Timer, const char *name);
#define KeInitializeTimer(timer) KeInitializeTimerNamed((timer), #timer)
/* DueTime < 0: relative to now, in 100 ns; >= 0: an absolute interrupt
 * time. Period in ms, 0 for one shot. TRUE if the timer was already set. */
BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc);
BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc);
BOOLEAN KeCancelTimer(PKTIMER Timer);

/* ---- events and waits ------------------------------------------------------------------- */

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;
typedef LONG KPRIORITY;
typedef enum _KWAIT_REASON { Executive = 0 } KWAIT_REASON;
typedef enum _MODE { KernelMode = 0, UserMode = 1 } KPROCESSOR_MODE;

void KeInitializeEventNamed(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State, const char *name);
#define KeInitializeEvent(ev, type, state) KeInitializeEventNamed((ev), (type), (state), #ev)
/* Each returns the event's previous state. */
LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait);
LONG KeResetEvent(PRKEVENT Event);
void KeClearEvent(PRKEVENT Event);
LONG KeReadStateEvent(PRKEVENT Event);
/* Object: a KEVENT. PASSIVE_LEVEL (DISPATCH_LEVEL with a zero timeout).
 * Timeout NULL waits for ever; a negative value is relative, in 100 ns.
 * Returns STATUS_SUCCESS or STATUS_TIMEOUT. */
NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
			       BOOLEAN Alertable, PLARGE_INTEGER Timeout);

/* ---- work items ------------------------------------------------------------------------ */

typedef struct DEVICE_OBJECT DEVICE_OBJECT, *PDEVICE_OBJECT;
typedef struct IO_WORKITEM IO_WORKITEM, *PIO_WORKITEM;
typedef void (*PIO_WORKITEM_ROUTINE)(PDEVICE_OBJECT DeviceObject, PVOID Context);
typedef enum _WORK_QUEUE_TYPE { CriticalWorkQueue, DelayedWorkQueue } WORK_QUEUE_TYPE;

/* DeviceObject may be NULL here (the machine has one device). */
PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject);
/* Runs WorkerRoutine(NULL, Context) later at PASSIVE_LEVEL on some CPU. */
void IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine,
		     WORK_QUEUE_TYPE QueueType, PVOID Context);
void IoFreeWorkItem(PIO_WORKITEM IoWorkItem);

/* ---- the device: port I/O and DMA memory ------------------------------------------------- */

UCHAR READ_PORT_UCHAR(PUCHAR Port);
USHORT READ_PORT_USHORT(PUSHORT Port);
ULONG READ_PORT_ULONG(PULONG Port);
void WRITE_PORT_UCHAR(PUCHAR Port, UCHAR Value);
void WRITE_PORT_USHORT(PUSHORT Port, USHORT Value);
void WRITE_PORT_ULONG(PULONG Port, ULONG Value);

/* The adapter's resources: where the two I/O ranges were placed. */
typedef struct AC97SIM_RESOURCES {
	PUCHAR Nambar;	/* 256 bytes: the codec's mixer registers */
	PUCHAR Nabmbar;	/* 64 bytes: the bus master */
} AC97SIM_RESOURCES;

/* Memory the device can reach by DMA and the CPU through the returned
 * pointer, zeroed (WDM: the DMA adapter's AllocateCommonBuffer). NULL when
 * none is left. */
PVOID AcAllocateCommonBuffer(ULONG Length, PPHYSICAL_ADDRESS LogicalAddress);
void AcFreeCommonBuffer(PVOID VirtualAddress, ULONG Length);

/* ---- pool memory ------------------------------------------------------------------------ */

typedef enum _POOL_TYPE {
	NonPagedPool = 0,
	PagedPool = 1,
	NonPagedPoolMustSucceed = 2,
	NonPagedPoolCacheAligned = 4,
	NonPagedPoolNx = 512
} POOL_TYPE;

/* Non-paged pool at IRQL <= DISPATCH_LEVEL, paged pool at <= APC_LEVEL.
 * The contents are not zeroed (they hold a fixed fill, 0xC5, so that code
 * relying on zeroes fails the same way in every run); NULL when the pool is
 * exhausted. Tag: four characters, e.g. '79CA' ("AC97" in a dump). What
 * is still allocated when the adapter has stopped fails the run ("pool"),
 * and so does freeing what was not allocated, twice, or with another tag. */
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
/* The same, zeroed. */
PVOID ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
void ExFreePoolWithTag(PVOID P, ULONG Tag);
void ExFreePool(PVOID P);

/* ---- interlocked operations ------------------------------------------------------------- */

/* Each is a scheduling point, then one atomic step; each returns what WDM
 * says (Increment and Decrement the new value, the others the old one). */
LONG InterlockedIncrement(LONG volatile *Addend);
LONG InterlockedDecrement(LONG volatile *Addend);
LONG InterlockedExchange(LONG volatile *Target, LONG Value);
LONG InterlockedCompareExchange(LONG volatile *Destination, LONG Exchange, LONG Comperand);
LONG InterlockedExchangeAdd(LONG volatile *Addend, LONG Value);

/* ---- time, diagnostics ------------------------------------------------------------------- */

/* Busy-waits (simulated time passes; other CPUs run). */
void KeStallExecutionProcessor(ULONG MicroSeconds);
/* 100 ns units since boot. */
ULONGLONG KeQueryInterruptTime(void);
/* Gives other CPUs a chance to run: a scheduling point, nothing else. */
void KeYield(void);
/* Stops the machine with a bug check (never returns). */
AC97SIM_NORETURN void KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1,
				   ULONG_PTR BugCheckParameter2, ULONG_PTR BugCheckParameter3,
				   ULONG_PTR BugCheckParameter4);
/* KeBugCheckEx with the reason in words, which the failure report shows
 * (say which invariant broke: "invariant 3: LVI = tail - 1 while entries
 * exist"). */
AC97SIM_NORETURN void AcBugCheck(PCSTR Reason, ULONG BugCheckCode, ULONG_PTR BugCheckParameter1,
				 ULONG_PTR BugCheckParameter2, ULONG_PTR BugCheckParameter3,
				 ULONG_PTR BugCheckParameter4);
/* A line for the run's event log. */
ULONG DbgPrint(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));
/* The driver reached a named race window: a moment it gets to only when a
 * race has happened (a MappingAvailable while it fills, a revoke of the
 * entry DMA is playing, ...). Logged; the catalogue's windows (listed by
 * `ac97sim help windows`) are also counted by explore, so a search can
 * show that it got there. No scheduling point, any IRQL. */
void AcMark(PCSTR Window);

/* For a layer that makes kernel and port calls for its caller (the WDM
 * compatibility layer's port objects): the next call is reported as made
 * from ReturnAddress, the caller's source line, not the layer's. No
 * scheduling point. */
void AcCallOnBehalf(const void *ReturnAddress);

/* Rules the WDM compatibility layer enforces for a C++ miniport (the
 * failure each names is in `ac97sim help checkers`). */
typedef enum _AC_RULE {
	AcRuleAssert,		/* "assert": an ASSERT() held false */
	AcRulePagedCode,	/* "paged-code": PAGED_CODE() above APC_LEVEL */
	AcRuleComRefcount,	/* "com-refcount": a leak or an over-release */
	AcRulePool,		/* "pool": the kernel's own, on ExFreePool misuse and leaks */
	AcRuleCount
} AC_RULE;
/* Fails the run with Rule's failure and Message (no scheduling point). */
AC97SIM_NORETURN void AcRuleBroken(AC_RULE Rule, PCSTR Message);

/* Bug check codes used here (Driver Verifier's). */
#define BUGCHECK_IRQL_NOT_LESS_OR_EQUAL 0x0000000Au
#define BUGCHECK_SPIN_LOCK_ALREADY_OWNED 0x0000000Fu
#define BUGCHECK_SPIN_LOCK_NOT_OWNED 0x00000010u
#define BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION 0x000000C4u

#ifdef __cplusplus
}
#endif

#endif
