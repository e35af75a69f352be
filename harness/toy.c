/*
 * toy.c - the toy scenarios (see toy.h). Everything a scenario does at run
 * time goes through kernel.h, as driver code would; only setup (before the
 * run) touches the machine directly.
 */
#include "toy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv1a.h"
#include "kernel_backend.h"	/* kernel_port_call */

#define TOY_BUGCHECK 0xE0u	/* the depth-2 toy's own "bug found" */

/* ---- counter: contention on one lock -------------------------------------------- */

#define COUNTER_WORKERS 3
#define COUNTER_ITERATIONS 22

struct counter_state {
	KSPIN_LOCK lock;
	int counter;
};

static void counter_worker(void *arg)
{
	struct counter_state *s = arg;
	for (int i = 0; i < COUNTER_ITERATIONS; i++) {
		KIRQL old;
		KeAcquireSpinLock(&s->lock, &old);
		int v = s->counter;
		KeYield();	/* the window a lost update would need */
		s->counter = v + 1;
		KeReleaseSpinLock(&s->lock, old);
	}
}

static void counter_setup(struct machine *m, void *state)
{
	struct counter_state *s = state;
	KeInitializeSpinLock(&s->lock);
	for (int i = 0; i < COUNTER_WORKERS; i++)
		machine_queue_passive(m, counter_worker, s, "counter worker");
}

static bool counter_check(const void *state, char *why, size_t len)
{
	const struct counter_state *s = state;
	if (s->counter == COUNTER_WORKERS * COUNTER_ITERATIONS)
		return true;
	snprintf(why, len, "counter is %d, want %d", s->counter,
		 COUNTER_WORKERS * COUNTER_ITERATIONS);
	return false;
}

/* ---- lock order: two locks, taken in one order or in opposite orders ------------ */

struct locks_state {
	KSPIN_LOCK a, b;
	bool opposite;
};

static void take_two(KSPIN_LOCK *first, KSPIN_LOCK *second)
{
	KIRQL old;
	KeAcquireSpinLock(first, &old);
	KeYield();
	KeAcquireSpinLockAtDpcLevel(second);
	KeReleaseSpinLockFromDpcLevel(second);
	KeReleaseSpinLock(first, old);
}

static void locks_worker_ab(void *arg)
{
	struct locks_state *s = arg;
	take_two(&s->a, &s->b);
}

static void locks_worker_second(void *arg)
{
	struct locks_state *s = arg;
	if (s->opposite)
		take_two(&s->b, &s->a);
	else
		take_two(&s->a, &s->b);
}

static void locks_setup_common(struct machine *m, struct locks_state *s, bool opposite)
{
	KeInitializeSpinLock(&s->a);
	KeInitializeSpinLock(&s->b);
	s->opposite = opposite;
	machine_queue_passive(m, locks_worker_ab, s, "takes A then B");
	machine_queue_passive(m, locks_worker_second, s, opposite ? "takes B then A" : "takes A then B");
}

static void abba_setup(struct machine *m, void *state) { locks_setup_common(m, state, true); }
static void ordered_setup(struct machine *m, void *state) { locks_setup_common(m, state, false); }

/* ---- single broken calls ------------------------------------------------------------ */

struct one_lock {
	KSPIN_LOCK lock;
	KDPC dpc;
};

static void port_call_with_lock(void *arg)
{
	struct one_lock *s = arg;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	kernel_port_call(PORT_CALL_GET_MAPPING);
	KeReleaseSpinLock(&s->lock, old);
}

static void acquire_twice(void *arg)
{
	struct one_lock *s = arg;
	KIRQL old, again;
	KeAcquireSpinLock(&s->lock, &old);
	KeAcquireSpinLock(&s->lock, &again);
}

static void acquire_above_dispatch(void *arg)
{
	struct one_lock *s = arg;
	KIRQL old, old2;
	KeRaiseIrql(DIRQL, &old);
	KeAcquireSpinLock(&s->lock, &old2);
}

static void return_at_dispatch(void *arg)
{
	(void)arg;
	KIRQL old;
	KeRaiseIrql(DISPATCH_LEVEL, &old);
}

static void release_unowned(void *arg)
{
	struct one_lock *s = arg;
	KeReleaseSpinLock(&s->lock, PASSIVE_LEVEL);
}

static void dpc_keeps_lock(KDPC *dpc, void *ctx, void *a1, void *a2)
{
	(void)dpc;
	(void)a1;
	(void)a2;
	struct one_lock *s = ctx;
	KeAcquireSpinLockAtDpcLevel(&s->lock);
}

static void queue_bad_dpc(void *arg)
{
	struct one_lock *s = arg;
	KeInsertQueueDpc(&s->dpc, NULL, NULL);
}

/* Writes through a pointer that points nowhere (not NULL: UBSan would
 * stop at a NULL dereference before the signal the guard is for). */
static void write_through_bad_pointer(void *arg)
{
	(void)arg;
	volatile uintptr_t nowhere = 16;	/* volatile: no compiler sees the constant */
	KeYield();	/* a step first: the crash has a step and a time */
	*(volatile int *)nowhere = 1;
}

#define ONE_LOCK_SETUP(name, fn)                                                   \
	static void name(struct machine *m, void *state)                           \
	{                                                                          \
		struct one_lock *s = state;                                        \
		KeInitializeSpinLock(&s->lock);                                    \
		KeInitializeDpc(&s->dpc, dpc_keeps_lock, s);                       \
		machine_queue_passive(m, fn, s, #fn);                              \
	}

ONE_LOCK_SETUP(setup_port_call_with_lock, port_call_with_lock)
ONE_LOCK_SETUP(setup_acquire_twice, acquire_twice)
ONE_LOCK_SETUP(setup_acquire_above_dispatch, acquire_above_dispatch)
ONE_LOCK_SETUP(setup_return_at_dispatch, return_at_dispatch)
ONE_LOCK_SETUP(setup_release_unowned, release_unowned)
ONE_LOCK_SETUP(setup_dpc_keeps_lock, queue_bad_dpc)
ONE_LOCK_SETUP(setup_bad_pointer, write_through_bad_pointer)


/* ---- a depth-2 bug ------------------------------------------------------------------- */

/* T1 writes 1 then 2 with a few scheduling points between; T2 reads once.
 * The bug (T2 sees 1) needs T1's first write before the read and its second
 * after: two ordering constraints, depth 2. The window of DEPTH2_WINDOW
 * points lets PCT hit it with a priority change at any of them, so its
 * rate (about DEPTH2_WINDOW / (2 k)) sits clearly above the 1 / (2 k) that
 * the theory promises, and a measurement can tell the two apart. */
#define DEPTH2_PADDING 4
#define DEPTH2_WINDOW 3

struct depth2_state {
	volatile int x;
};

static void depth2_writer(void *arg)
{
	struct depth2_state *s = arg;
	for (int i = 0; i < DEPTH2_PADDING; i++)
		KeYield();
	s->x = 1;
	for (int i = 0; i < DEPTH2_WINDOW; i++)
		KeYield();
	s->x = 2;
	for (int i = 0; i < DEPTH2_PADDING; i++)
		KeYield();
}

static void depth2_reader(void *arg)
{
	struct depth2_state *s = arg;
	for (int i = 0; i < DEPTH2_PADDING; i++)
		KeYield();
	if (s->x == 1)
		KeBugCheckEx(TOY_BUGCHECK, 1, 0, 0, 0);
	for (int i = 0; i < DEPTH2_PADDING; i++)
		KeYield();
}

static void depth2_setup(struct machine *m, void *state)
{
	machine_queue_passive(m, depth2_writer, state, "writer");
	machine_queue_passive(m, depth2_reader, state, "reader");
}

/* ---- events, timers, work items ---------------------------------------------------- */

#define TIMER_TICKS_WANTED 5

struct waits_state {
	KEVENT never, done, worked;
	KTIMER timer;
	KDPC timer_dpc;
	PIO_WORKITEM item;
	int timer_dpcs;
	NTSTATUS timeout_status;
	uint64_t waited_100ns;
};

static void timer_dpc(KDPC *dpc, void *ctx, void *a1, void *a2)
{
	(void)dpc;
	(void)a1;
	(void)a2;
	struct waits_state *s = ctx;
	if (++s->timer_dpcs == TIMER_TICKS_WANTED)
		KeSetEvent(&s->done, 0, FALSE);
}

static void work_item_routine(PDEVICE_OBJECT device, void *ctx)
{
	(void)device;
	struct waits_state *s = ctx;
	KeSetEvent(&s->worked, 0, FALSE);
}

static void waits_task(void *arg)
{
	struct waits_state *s = arg;
	uint64_t t0 = KeQueryInterruptTime();
	LARGE_INTEGER timeout = {.QuadPart = -20000};	/* 2 ms, relative */
	s->timeout_status = KeWaitForSingleObject(&s->never, Executive, KernelMode, FALSE, &timeout);
	s->waited_100ns = KeQueryInterruptTime() - t0;
	LARGE_INTEGER due = {.QuadPart = -10000};	/* 1 ms, then every 1 ms */
	KeSetTimerEx(&s->timer, due, 1, &s->timer_dpc);
	KeWaitForSingleObject(&s->done, Executive, KernelMode, FALSE, NULL);
	KeCancelTimer(&s->timer);
	s->item = IoAllocateWorkItem(NULL);
	if (s->item == NULL)
		KeBugCheckEx(TOY_BUGCHECK, 5, 0, 0, 0);
	IoQueueWorkItem(s->item, work_item_routine, DelayedWorkQueue, s);
	KeWaitForSingleObject(&s->worked, Executive, KernelMode, FALSE, NULL);
	IoFreeWorkItem(s->item);
}

static void waits_setup(struct machine *m, void *state)
{
	struct waits_state *s = state;
	KeInitializeEvent(&s->never, NotificationEvent, false);
	KeInitializeEvent(&s->done, NotificationEvent, false);
	KeInitializeEvent(&s->worked, SynchronizationEvent, false);
	KeInitializeTimer(&s->timer);
	KeInitializeDpc(&s->timer_dpc, timer_dpc, s);
	machine_queue_passive(m, waits_task, s, "waits");
}

static bool waits_check(const void *state, char *why, size_t len)
{
	const struct waits_state *s = state;
	if (s->timeout_status != STATUS_TIMEOUT) {
		snprintf(why, len, "wait on a never-set event returned 0x%08X", (unsigned)s->timeout_status);
		return false;
	}
	if (s->waited_100ns < 20000) {
		snprintf(why, len, "a 2 ms timeout returned after %llu00 ns",
			 (unsigned long long)s->waited_100ns);
		return false;
	}
	if (s->timer_dpcs < TIMER_TICKS_WANTED) {
		snprintf(why, len, "%d timer DPCs, want %d", s->timer_dpcs, TIMER_TICKS_WANTED);
		return false;
	}
	return true;
}

/* ---- the device: interrupts end to end --------------------------------------------- */

#define PING_BUFFERS 4u
#define PING_SAMPLES 256u
#define PING_COMPLETIONS 8
#define PO(reg) (AC97_PO * AC97_ENGINE_STRIDE + (reg))

struct ping_state {
	AC97SIM_RESOURCES res;
	KINTERRUPT intr;
	KDPC dpc;
	KEVENT done;
	KSPIN_LOCK lock;
	int completions;	/* written by the DPC */
	int isr_calls;
	bool isr_takes_lock;	/* broken: an ordinary lock in the ISR */
	bool isr_ignores;	/* broken: never claims, never clears */
};

static BOOLEAN ping_isr(KINTERRUPT *intr, void *ctx)
{
	(void)intr;
	struct ping_state *s = ctx;
	s->isr_calls++;
	if (s->isr_ignores)
		return false;
	if (s->isr_takes_lock) {
		KIRQL old;
		KeAcquireSpinLock(&s->lock, &old);
	}
	uint16_t sr = READ_PORT_USHORT((PUSHORT)(s->res.Nabmbar + PO(AC97_SR)));
	uint16_t st = sr & (AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE);
	if (st == 0)
		return false;
	WRITE_PORT_USHORT((PUSHORT)(s->res.Nabmbar + PO(AC97_SR)), st);
	KeInsertQueueDpc(&s->dpc, NULL, NULL);
	return true;
}

static void ping_dpc(KDPC *dpc, void *ctx, void *a1, void *a2)
{
	(void)dpc;
	(void)a1;
	(void)a2;
	struct ping_state *s = ctx;
	KeAcquireSpinLockAtDpcLevel(&s->lock);
	s->completions++;
	bool done = s->completions >= PING_COMPLETIONS;
	if (done) {
		WRITE_PORT_UCHAR(s->res.Nabmbar + PO(AC97_CR), 0);
	} else {
		uint8_t civ = READ_PORT_UCHAR(s->res.Nabmbar + PO(AC97_CIV));
		WRITE_PORT_UCHAR(s->res.Nabmbar + PO(AC97_LVI), (uint8_t)((civ + PING_BUFFERS - 1) % 32));
	}
	KeReleaseSpinLockFromDpcLevel(&s->lock);
	if (done)
		KeSetEvent(&s->done, 0, FALSE);
}

static BOOLEAN read_completions(void *ctx)
{
	struct ping_state *s = ctx;
	return s->completions >= PING_COMPLETIONS;
}

static void ping_task(void *arg)
{
	struct ping_state *s = arg;
	WRITE_PORT_ULONG((PULONG)(s->res.Nabmbar + AC97_GLOB_CNT), AC97_GC_COLD);
	while (!(READ_PORT_ULONG((PULONG)(s->res.Nabmbar + AC97_GLOB_STA)) & AC97_GS_S0CR))
		KeStallExecutionProcessor(100);
	if (!NT_SUCCESS(AcConnectInterrupt(&s->intr, ping_isr, s)))
		KeBugCheckEx(TOY_BUGCHECK, 2, 0, 0, 0);
	PHYSICAL_ADDRESS bdl_phys, data_phys;
	uint8_t *bdl = AcAllocateCommonBuffer(AC97_BDL_ENTRIES * AC97_BD_BYTES, &bdl_phys);
	uint8_t *data = AcAllocateCommonBuffer(PING_BUFFERS * PING_SAMPLES * 2, &data_phys);
	if (bdl == NULL || data == NULL)
		KeBugCheckEx(TOY_BUGCHECK, 3, 0, 0, 0);
	for (uint32_t i = 0; i < AC97_BDL_ENTRIES; i++) {
		uint32_t addr = data_phys.LowPart + (i % PING_BUFFERS) * PING_SAMPLES * 2;
		uint32_t dw1 = AC97_BD_IOC | PING_SAMPLES;
		for (int b = 0; b < 4; b++) {
			bdl[8 * i + b] = (uint8_t)(addr >> (8 * b));
			bdl[8 * i + 4 + b] = (uint8_t)(dw1 >> (8 * b));
		}
	}
	WRITE_PORT_ULONG((PULONG)(s->res.Nabmbar + PO(AC97_BDBAR)), bdl_phys.LowPart);
	WRITE_PORT_UCHAR(s->res.Nabmbar + PO(AC97_LVI), PING_BUFFERS - 1);
	WRITE_PORT_UCHAR(s->res.Nabmbar + PO(AC97_CR), AC97_CR_RPBM | AC97_CR_IOCE);
	KeWaitForSingleObject(&s->done, Executive, KernelMode, FALSE, NULL);
	if (!KeSynchronizeExecution(&s->intr, read_completions, s))
		KeBugCheckEx(TOY_BUGCHECK, 4, 0, 0, 0);
	AcDisconnectInterrupt(&s->intr);
	AcFreeCommonBuffer(data, PING_BUFFERS * PING_SAMPLES * 2);
	AcFreeCommonBuffer(bdl, AC97_BDL_ENTRIES * AC97_BD_BYTES);
}

static void ping_setup_common(struct machine *m, struct ping_state *s)
{
	s->res = *machine_resources(m);
	KeInitializeDpc(&s->dpc, ping_dpc, s);
	KeInitializeEvent(&s->done, NotificationEvent, false);
	KeInitializeSpinLock(&s->lock);
	machine_queue_passive(m, ping_task, s, "ping");
}

static void ping_setup(struct machine *m, void *state) { ping_setup_common(m, state); }

static void ping_isr_lock_setup(struct machine *m, void *state)
{
	struct ping_state *s = state;
	s->isr_takes_lock = true;
	ping_setup_common(m, s);
}

static void ping_storm_setup(struct machine *m, void *state)
{
	struct ping_state *s = state;
	s->isr_ignores = true;
	ping_setup_common(m, s);
}

static bool ping_check(const void *state, char *why, size_t len)
{
	const struct ping_state *s = state;
	if (s->completions != PING_COMPLETIONS) {
		snprintf(why, len, "%d completions, want %d", s->completions, PING_COMPLETIONS);
		return false;
	}
	return true;
}

/* ---- the table ----------------------------------------------------------------------- */

const struct toy_scenario toy_scenarios[] = {
	{ "counter", "three CPUs increment one counter under a spin lock", 3, NULL,
	  counter_setup, sizeof(struct counter_state), counter_check },
	{ "ordered-locks", "two CPUs take locks A and B in the same order", 2, NULL,
	  ordered_setup, sizeof(struct locks_state), NULL },
	{ "waits", "timeouts, a periodic timer DPC, a work item and events", 2, NULL,
	  waits_setup, sizeof(struct waits_state), waits_check },
	{ "device-ping", "PCM out with IOC: ISR, DPC re-arming LVI, event, synchronize", 2, NULL,
	  ping_setup, sizeof(struct ping_state), ping_check },
	{ "abba", "two CPUs take locks A and B in opposite orders (maybe deadlock)", 2, "deadlock",
	  abba_setup, sizeof(struct locks_state), NULL },
	{ "depth2", "a purpose-built depth-2 ordering bug (maybe bug check 0xE0)", 2, "bugcheck",
	  depth2_setup, sizeof(struct depth2_state), NULL },
	{ "lock-across-port-call", "GetMapping called with a spin lock held", 1,
	  "lock-across-port-call", setup_port_call_with_lock, sizeof(struct one_lock), NULL },
	{ "acquire-twice", "a spin lock acquired again by its holder", 1, "spin-lock",
	  setup_acquire_twice, sizeof(struct one_lock), NULL },
	{ "acquire-above-dispatch", "KeAcquireSpinLock at DIRQL", 1, "irql",
	  setup_acquire_above_dispatch, sizeof(struct one_lock), NULL },
	{ "irql-not-restored", "a passive call returns at DISPATCH_LEVEL", 1, "verifier",
	  setup_return_at_dispatch, sizeof(struct one_lock), NULL },
	{ "release-unowned", "a spin lock released by a CPU that does not hold it", 1, "spin-lock",
	  setup_release_unowned, sizeof(struct one_lock), NULL },
	{ "dpc-keeps-lock", "a DPC returns holding a spin lock", 1, "verifier",
	  setup_dpc_keeps_lock, sizeof(struct one_lock), NULL },
	{ "isr-ordinary-lock", "the ISR takes an ordinary spin lock", 2, "verifier",
	  ping_isr_lock_setup, sizeof(struct ping_state), NULL },
	{ "interrupt-storm", "the ISR never claims or clears the interrupt", 2, "interrupt-storm",
	  ping_storm_setup, sizeof(struct ping_state), NULL },
	{ "driver-crash", "driver code writes through a bad pointer", 1, "driver-crash",
	  setup_bad_pointer, sizeof(struct one_lock), NULL },
};

const size_t toy_scenario_count = sizeof(toy_scenarios) / sizeof(toy_scenarios[0]);

const struct toy_scenario *toy_find(const char *name)
{
	for (size_t i = 0; i < toy_scenario_count; i++)
		if (strcmp(toy_scenarios[i].name, name) == 0)
			return &toy_scenarios[i];
	return NULL;
}

uint64_t toy_scenario_hash(const struct toy_scenario *s)
{
	uint64_t h = fnv1a64(FNV1A64_INIT, s->name, strlen(s->name));
	uint32_t params[] = { s->n_cpus, COUNTER_WORKERS, COUNTER_ITERATIONS, DEPTH2_PADDING, DEPTH2_WINDOW,
			      PING_BUFFERS, PING_SAMPLES, PING_COMPLETIONS, TIMER_TICKS_WANTED };
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		uint8_t b[4] = { (uint8_t)params[i], (uint8_t)(params[i] >> 8),
				 (uint8_t)(params[i] >> 16), (uint8_t)(params[i] >> 24) };
		h = fnv1a64(h, b, sizeof(b));
	}
	return h;
}

int toy_run(const struct toy_scenario *s, const struct machine_config *cfg,
	    struct run_result *result, struct decision_log *decisions)
{
	struct machine_config c = *cfg;
	c.n_cpus = s->n_cpus;
	struct machine *m = machine_create(&c);
	void *state = calloc(1, s->state_bytes);
	if (m == NULL || state == NULL) {
		machine_destroy(m);
		free(state);
		return -1;
	}
	/* Setup runs before the machine does, but initialises kernel objects. */
	machine_bind(m);
	s->setup(m, state);
	machine_run(m, result);
	if (result->verdict == RUN_PASS && s->check != NULL) {
		char why[256];
		if (!s->check(state, why, sizeof(why))) {
			result->verdict = RUN_FAIL;
			snprintf(result->checker, sizeof(result->checker), "scenario");
			snprintf(result->message, sizeof(result->message), "%s: %s", s->name, why);
		}
	}
	if (decisions != NULL) {
		const struct decision_log *log = machine_decisions(m);
		for (size_t i = 0; i < log->count; i++)
			decision_log_push(decisions, &log->items[i]);
	}
	machine_destroy(m);
	free(state);
	return 0;
}
