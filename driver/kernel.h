/*
 * kernel.h - the operating-system services that driver code may use, and
 * nothing else. Shaped after the WDM calls the WavePci documents name, with
 * the same names, so that a miniport written here reads like one written
 * for Windows: KeAcquireSpinLock, KeInsertQueueDpc, KeSynchronizeExecution,
 * READ_PORT_UCHAR, and so on.
 *
 * A backend implements them. The deterministic backend (harness/) runs
 * driver code on simulated CPUs, one at a time, and makes every call here a
 * scheduling point; a native backend (real threads, wall clock) is planned
 * and this header stays free of either. The backend is per host thread, so
 * one process can run several simulations one after another.
 *
 * What differs from WDM, on purpose:
 * - One device interrupt level (DIRQL) and one interrupt line.
 * - Times are in WDM's units (100 ns) where WDM uses them; simulated.
 * - Port addresses are plain integers (the adapter's I/O resources), as
 *   real drivers get them; the backend decodes them into the device's BARs.
 * - Objects carry a backend-owned part; driver code never reads it.
 */
#ifndef AC97SIM_KERNEL_H
#define AC97SIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- status codes --------------------------------------------------------- */

typedef int32_t NTSTATUS;
#define STATUS_SUCCESS ((NTSTATUS)0x00000000)
#define STATUS_TIMEOUT ((NTSTATUS)0x00000102)
#define STATUS_PENDING ((NTSTATUS)0x00000103)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000D)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009A)
#define STATUS_CANCELLED ((NTSTATUS)0xC0000120)
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225)
#define NT_SUCCESS(s) ((NTSTATUS)(s) >= 0)

/* ---- IRQL ------------------------------------------------------------------- */

typedef uint8_t KIRQL;
#define PASSIVE_LEVEL ((KIRQL)0)
#define DISPATCH_LEVEL ((KIRQL)2)
#define DIRQL ((KIRQL)5)	/* the AC'97 controller's interrupt level */
#define HIGH_LEVEL ((KIRQL)15)

KIRQL KeGetCurrentIrql(void);
void KeRaiseIrql(KIRQL new_irql, KIRQL *old_irql);
void KeLowerIrql(KIRQL new_irql);

/* ---- spin locks ------------------------------------------------------------- */

/* Backend-owned state of a kernel object: an id in creation order (never a
 * host address, so logs do not depend on where the object lives). */
struct k_object {
	uint32_t id;
	int32_t owner_cpu;	/* spin locks: -1 when free */
	KIRQL owner_old_irql;
};

typedef struct KSPIN_LOCK {
	struct k_object k;
} KSPIN_LOCK;

void KeInitializeSpinLock(KSPIN_LOCK *lock);
/* Raises to DISPATCH_LEVEL and takes the lock; *old_irql gets the IRQL
 * to give back to KeReleaseSpinLock. */
void KeAcquireSpinLock(KSPIN_LOCK *lock, KIRQL *old_irql);
void KeReleaseSpinLock(KSPIN_LOCK *lock, KIRQL old_irql);
/* For callers already at DISPATCH_LEVEL. */
void KeAcquireSpinLockAtDpcLevel(KSPIN_LOCK *lock);
void KeReleaseSpinLockFromDpcLevel(KSPIN_LOCK *lock);

/* ---- interrupts ---------------------------------------------------------------- */

typedef struct KINTERRUPT KINTERRUPT;
/* An ISR: runs at DIRQL holding the interrupt's own lock; returns true when
 * its device was interrupting (the interrupt is claimed). */
typedef bool (*PKSERVICE_ROUTINE)(KINTERRUPT *interrupt, void *context);
typedef bool (*PKSYNCHRONIZE_ROUTINE)(void *context);

struct KINTERRUPT {
	struct k_object k;	/* the interrupt spin lock */
	PKSERVICE_ROUTINE isr;
	void *context;
	bool connected;
};

NTSTATUS IoConnectInterrupt(KINTERRUPT *interrupt, PKSERVICE_ROUTINE isr, void *context);
void IoDisconnectInterrupt(KINTERRUPT *interrupt);
/* Runs routine at DIRQL holding the interrupt lock, as the ISR would. */
bool KeSynchronizeExecution(KINTERRUPT *interrupt, PKSYNCHRONIZE_ROUTINE routine, void *context);

/* ---- DPCs and timers ---------------------------------------------------------- */

typedef struct KDPC KDPC;
typedef void (*PKDEFERRED_ROUTINE)(KDPC *dpc, void *context, void *arg1, void *arg2);

struct KDPC {
	struct k_object k;
	PKDEFERRED_ROUTINE routine;
	void *context;
	void *arg1, *arg2;
	bool queued;
	int32_t queued_cpu;
};

void KeInitializeDpc(KDPC *dpc, PKDEFERRED_ROUTINE routine, void *context);
/* Queues the DPC on the current CPU; false if it was already queued. */
bool KeInsertQueueDpc(KDPC *dpc, void *arg1, void *arg2);
bool KeRemoveQueueDpc(KDPC *dpc);

typedef struct KTIMER {
	struct k_object k;
	KDPC *dpc;
	uint64_t due_ticks;	/* simulated; backend-owned */
	uint64_t period_ticks;
	bool set;
} KTIMER;

void KeInitializeTimer(KTIMER *timer);
/* due_time_100ns < 0: relative to now; >= 0: absolute interrupt time.
 * period_ms 0 for one shot. Returns true if the timer was already set. */
bool KeSetTimerEx(KTIMER *timer, int64_t due_time_100ns, int32_t period_ms, KDPC *dpc);
bool KeCancelTimer(KTIMER *timer);

/* ---- events and waits -------------------------------------------------------- */

typedef enum { NotificationEvent, SynchronizationEvent } EVENT_TYPE;

typedef struct KEVENT {
	struct k_object k;
	EVENT_TYPE type;
	bool signalled;
} KEVENT;

void KeInitializeEvent(KEVENT *event, EVENT_TYPE type, bool signalled);
bool KeSetEvent(KEVENT *event);	/* returns the previous state */
bool KeResetEvent(KEVENT *event);
bool KeReadStateEvent(const KEVENT *event);
/* PASSIVE_LEVEL only. timeout_100ns NULL waits for ever; a negative value is
 * relative. Returns STATUS_SUCCESS or STATUS_TIMEOUT. */
NTSTATUS KeWaitForSingleObject(KEVENT *event, const int64_t *timeout_100ns);

/* ---- work items ---------------------------------------------------------------- */

typedef struct IO_WORKITEM IO_WORKITEM;
typedef void (*PIO_WORKITEM_ROUTINE)(void *context);

struct IO_WORKITEM {
	struct k_object k;
	PIO_WORKITEM_ROUTINE routine;
	void *context;
	bool queued;
};

void IoInitializeWorkItem(IO_WORKITEM *item);
/* Runs routine(context) later at PASSIVE_LEVEL on some CPU. */
void IoQueueWorkItem(IO_WORKITEM *item, PIO_WORKITEM_ROUTINE routine, void *context);

/* ---- the device: port I/O and DMA memory --------------------------------------- */

typedef uintptr_t PORT_ADDRESS;

uint8_t READ_PORT_UCHAR(PORT_ADDRESS port);
uint16_t READ_PORT_USHORT(PORT_ADDRESS port);
uint32_t READ_PORT_ULONG(PORT_ADDRESS port);
void WRITE_PORT_UCHAR(PORT_ADDRESS port, uint8_t value);
void WRITE_PORT_USHORT(PORT_ADDRESS port, uint16_t value);
void WRITE_PORT_ULONG(PORT_ADDRESS port, uint32_t value);

/* The adapter's I/O resources: where the two BARs were placed. */
typedef struct CM_RESOURCES {
	PORT_ADDRESS nambar;	/* 256 bytes: codec mixer */
	PORT_ADDRESS nabmbar;	/* 64 bytes: bus master */
} CM_RESOURCES;

typedef uint32_t PHYSICAL_ADDRESS;	/* the controller does 32-bit DMA */

/* Memory the device can reach by DMA and the CPU through the returned
 * pointer (HalAllocateCommonBuffer). NULL when none is left. */
void *AllocateCommonBuffer(uint32_t len_bytes, PHYSICAL_ADDRESS *physical);
void FreeCommonBuffer(void *virtual_address, uint32_t len_bytes);

/* ---- time, diagnostics ---------------------------------------------------------- */

/* Busy-waits (simulated time passes; other CPUs run). */
void KeStallExecutionProcessor(uint32_t microseconds);
/* 100 ns units since boot. */
uint64_t KeQueryInterruptTime(void);
/* Gives other CPUs a chance to run (a scheduling point, nothing else). */
void KeYield(void);
/* Stops the machine with a bug check (never returns). */
_Noreturn void KeBugCheckEx(uint32_t code, uintptr_t p1, uintptr_t p2, uintptr_t p3, uintptr_t p4);
/* A line for the run's event log. */
void DbgPrint(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Bug check codes used here (Driver Verifier's). */
#define BUGCHECK_IRQL_NOT_LESS_OR_EQUAL 0x0000000Au
#define BUGCHECK_SPIN_LOCK_ALREADY_OWNED 0x0000000Fu
#define BUGCHECK_SPIN_LOCK_NOT_OWNED 0x00000010u
#define BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION 0x000000C4u
#define BUGCHECK_DEADLOCK 0x000000DEu	/* ours: no CPU can run */

#endif
