/*
 * events.h - what happens in a run, as typed events: the one vocabulary
 * that the machine, the device, the port model and driver code publish on
 * a run's bus (bus.h), and that the event log, the checkers, the
 * scenario's taps and the writers (timeline, waveforms) read.
 *
 * The table below lists every kind with its name and flags; each kind's
 * payload is a struct of fixed-width integers with no padding, so that an
 * event's bytes, and with them the event-log hash, are the same on every
 * host and compiler (a publisher zeroes the event before filling it:
 * event_init). Pointers (a span's samples, a mapping's record, a name)
 * travel beside the payload in `ref`/`text` and are never hashed as
 * pointers; a name is hashed by its bytes.
 *
 * Flags: LOGGED kinds go into the event log and its hash; the others (the
 * step tick, DMA ranges, audio spans, the end of a run, a limit reached, a
 * check deadline, the driver's lifecycle) are for subscribers only,
 * because they follow from logged ones or from the scenario, or carry bulk
 * data that is fingerprinted elsewhere (the link audio's own hash). So
 * adding a subscriber-only kind changes no recorded event log or trace.
 */
#ifndef AC97SIM_EVENTS_H
#define AC97SIM_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ac97.h"
#include "kernel_backend.h"
#include "port.h"
#include "simtime.h"

#define EVF_LOGGED 1u

/* X(ID, "name", flags) */
#define SIM_EVENT_KINDS(X)                                                               \
	X(SCHEDULE, "schedule", EVF_LOGGED)	/* a scheduling choice was made */       \
	X(STEP, "step", 0)			/* every scheduling point */             \
	X(KCALL, "kernel", EVF_LOGGED)		/* a kernel service called */             \
	X(OBJECT, "object", EVF_LOGGED)		/* a kernel object initialised */         \
	X(IO, "io", EVF_LOGGED)			/* a port read or write */                \
	X(ISR, "isr", EVF_LOGGED)		/* the ISR entered or left */             \
	X(DPC, "dpc", EVF_LOGGED)		/* a DPC about to run */                  \
	X(TIMER, "timer", EVF_LOGGED)		/* a timer expired */                     \
	X(TASK, "task", EVF_LOGGED)		/* a passive call started */              \
	X(NOTE, "note", EVF_LOGGED)		/* DbgPrint, machine notes */             \
	X(FAULT, "fault", EVF_LOGGED)		/* a fault injected */                    \
	X(MARK, "mark", EVF_LOGGED)		/* code passed a named race window */    \
	X(DEVICE, "device", EVF_LOGGED)		/* an ac97_event but DMA ranges */       \
	X(DMA, "dma", 0)			/* a data DMA range (ac97_event DMA) */   \
	X(SPAN, "span", 0)			/* audio crossing the AC-link */          \
	X(PORT, "port", EVF_LOGGED)		/* the port model (port_event) */        \
	X(FAILURE, "failure", EVF_LOGGED)	/* a check failed: the run ends */        \
	X(RUN_END, "run-end", 0)		/* every CPU idle: end-of-run checks */   \
	X(LIMIT, "limit", 0)			/* a limit is about to cut the run */     \
	X(DEADLINE, "deadline", 0)		/* a check deadline reached while idle */ \
	X(LIFECYCLE, "lifecycle", 0)		/* the driver's adapter and stream */

enum sim_event_kind {
#define SIM_EVENT_ENUM(id, name, flags) EV_##id,
	SIM_EVENT_KINDS(SIM_EVENT_ENUM)
#undef SIM_EVENT_ENUM
	EV_KIND_COUNT
};

#define EV_BIT(kind) (UINT64_C(1) << (kind))
_Static_assert(EV_KIND_COUNT <= 64, "subscription masks are 64 bits");

/* ---- payloads ------------------------------------------------------------------ */

enum sched_action { SCHED_RUN = 1, SCHED_ISR = 2 };

struct ev_schedule {
	uint32_t action;	/* enum sched_action */
	uint32_t cpu;		/* the CPU chosen */
	uint32_t n_options;
	uint32_t site;		/* the decision's site */
};

/* Kernel services, by number (the text log prints their WDM names). */
#define KCALLS(X)                                                                        \
	X(RAISE_IRQL, "KeRaiseIrql") X(LOWER_IRQL, "KeLowerIrql")                        \
	X(ACQUIRE_SPIN_LOCK, "KeAcquireSpinLock")                                        \
	X(RELEASE_SPIN_LOCK, "KeReleaseSpinLock")                                        \
	X(CONNECT_INTERRUPT, "AcConnectInterrupt")                                       \
	X(DISCONNECT_INTERRUPT, "AcDisconnectInterrupt")                                 \
	X(SYNCHRONIZE, "KeSynchronizeExecution") X(INSERT_DPC, "KeInsertQueueDpc")     \
	X(REMOVE_DPC, "KeRemoveQueueDpc") X(SET_TIMER, "KeSetTimerEx")                   \
	X(CANCEL_TIMER, "KeCancelTimer") X(SET_EVENT, "KeSetEvent")                      \
	X(RESET_EVENT, "KeResetEvent") X(WAIT, "KeWaitForSingleObject")                  \
	X(QUEUE_WORK_ITEM, "IoQueueWorkItem")                                            \
	X(ALLOC_COMMON_BUFFER, "AcAllocateCommonBuffer")                                   \
	X(FREE_COMMON_BUFFER, "AcFreeCommonBuffer") X(STALL, "KeStallExecutionProcessor") \
	X(ALLOC_WORK_ITEM, "IoAllocateWorkItem") X(FREE_WORK_ITEM, "IoFreeWorkItem")        \
	X(PORT_CALL, "port call") X(FLUSH_DPCS, "KeFlushQueuedDpcs")

enum kcall {
#define KCALL_ENUM(id, name) KC_##id,
	KCALLS(KCALL_ENUM)
#undef KCALL_ENUM
	KC_COUNT
};

extern const char *const kcall_names[KC_COUNT];

struct ev_kcall {
	uint32_t call;		/* enum kcall */
	uint32_t object;	/* the kernel object's id, or 0 */
	uint64_t arg0, arg1;	/* per call: IRQLs, due tick, address and length, ... */
};

struct ev_object {
	uint32_t id;
	uint32_t type;		/* enum kobject_type (kernel_backend.h); text: its name */
};

/* EV_OBJECT's ref: where the object lies and the context its routine gets
 * (a DPC's or an interrupt's; NULL for the others), so that a checker can
 * tell whose object it is by the memory it lies in. Host addresses: never
 * logged, never reported, only compared with other host addresses of the
 * same run. Valid during the publish. */
struct ev_object_where {
	const void *storage;
	const void *context;
};

struct ev_io {
	uint32_t write;		/* 0 read, 1 write */
	uint32_t bar;		/* enum ac97_bar; UINT32_MAX: outside the device */
	uint32_t offset;	/* in the BAR (outside: the port address, low 32 bits) */
	uint32_t width_bits;
	uint64_t value;
};

struct ev_isr {
	uint32_t leaving;	/* 0 entering, 1 leaving */
	uint32_t claimed;	/* leaving: the ISR claimed the interrupt */
};

struct ev_id {
	uint32_t id;		/* the DPC's or timer's object id */
	uint32_t pad;
	uint64_t due_tick;	/* timer: when it was due */
};

enum fault_kind {
	FAULT_IRQ_HELD,
	FAULT_CPU_STALLED,
	FAULT_BUS_STALLED,
	FAULT_REFUSALS,
	FAULT_DELAYED,		/* a delay (timing.h): the CPU's own code waits */
};

struct ev_fault {
	uint32_t kind;		/* enum fault_kind */
	uint32_t arg;		/* the CPU, the count */
	uint64_t until_tick;
};

struct ev_mark {
	uint32_t id;		/* the mark's number; text: its name */
	uint32_t pad;
};

struct ev_device {
	uint32_t kind;		/* enum ac97_event_kind; ref: the ac97_event */
	int32_t engine;
	uint32_t code;
	uint32_t pad;
	uint64_t a, b;
};

struct ev_failure {
	uint32_t bugcheck_code;	/* text: the failure's name */
	uint32_t pad;
};

/* EV_LIMIT: published once, at the CHECK phase's subscribers too, just
 * before the machine ends the run with verdict "limit"; a checker that
 * fails the run from it turns the cut into its finding. */
enum limit_kind { LIMIT_STEPS, LIMIT_TIME };

struct ev_limit {
	uint32_t which;		/* enum limit_kind */
	uint32_t pad;
	uint64_t max;		/* the limit: max_steps, or max_ticks */
};

/* EV_LIFECYCLE: the scenario's calls of the driver's entry points
 * (driver.h), published by the stream script. STARTING and OPENING come
 * just before the call, so that the kernel objects the call initialises
 * can be told apart by the memory they lie in; CLOSED and STOPPED just
 * after it returned. ref: the struct lifecycle_memory of the adapter
 * (ADAPTER_*) or of the stream (STREAM_*). */
enum lifecycle_kind {
	LIFE_ADAPTER_STARTING,
	LIFE_STREAM_OPENING,
	LIFE_STREAM_CLOSED,
	LIFE_ADAPTER_STOPPED,
};

struct ev_lifecycle {
	uint32_t what;		/* enum lifecycle_kind */
	int32_t engine;		/* STREAM_*: the stream's enum ac97_engine_id; else -1 */
};

/* The memory the harness gave the driver for its adapter or a stream (host
 * addresses: never logged or reported). */
struct lifecycle_memory {
	const void *base;
	size_t bytes;
};

static inline bool lifecycle_memory_holds(const struct lifecycle_memory *m, const void *p)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)m->base;
	return m->bytes > 0 && p != NULL && a >= b && a - b < m->bytes;
}

struct sim_event {
	uint16_t kind;		/* enum sim_event_kind */
	int16_t cpu;		/* the CPU it happened on, or -1 */
	uint32_t pad;
	uint64_t step;
	sim_ticks_t tick;
	union sim_event_payload {
		uint64_t words[6];
		struct ev_schedule schedule;
		struct ev_kcall kcall;
		struct ev_object object;
		struct ev_io io;
		struct ev_isr isr;
		struct ev_id id;
		struct ev_fault fault;
		struct ev_mark mark;
		struct ev_device device;
		struct port_event port;
		struct ev_failure failure;
		struct ev_limit limit;
		struct ev_lifecycle lifecycle;
	} u;
	const char *text;	/* hashed by its bytes: names, notes (or NULL) */
	/* Not hashed: EV_DEVICE and EV_DMA the ac97_event, EV_SPAN the span,
	 * EV_PORT's PORT_EV_MAPPING the mapping, EV_OBJECT its
	 * ev_object_where, EV_LIFECYCLE its lifecycle_memory, EV_TASK the
	 * passive call's argument (a work item's context), EV_KCALL of
	 * IoQueueWorkItem the work item's context; else NULL. */
	const void *ref;
};

_Static_assert(sizeof(((struct sim_event *)0)->u) == 6 * sizeof(uint64_t),
	       "payloads fit six words (hashed word by word)");

/* A zeroed event of kind (step, tick and cpu are the bus's to set). Field
 * by field, the union as its six words (its padding too): a few vector
 * stores, where a whole-struct zeroing became a string instruction, slow
 * to start for 88 bytes, and a few events are made every step. */
static inline void event_init(struct sim_event *ev, enum sim_event_kind kind);

/* A kernel object's creation, as every backend publishes it: where is
 * filled here and must live until the event is published (ev->ref). */
static inline void event_object_created(struct sim_event *ev, struct ev_object_where *where,
					const void *storage, uint32_t id, uint32_t type,
					const char *name, const void *context)
{
	*where = (struct ev_object_where){ storage, context };
	event_init(ev, EV_OBJECT);
	ev->u.object = (struct ev_object){ id, type };
	ev->text = name;
	ev->ref = where;
}

static inline void event_init(struct sim_event *ev, enum sim_event_kind kind)
{
	ev->kind = (uint16_t)kind;
	ev->cpu = 0;
	ev->pad = 0;
	ev->step = 0;
	ev->tick = 0;
	for (int i = 0; i < 6; i++)
		ev->u.words[i] = 0;
	ev->text = NULL;
	ev->ref = NULL;
}

const char *event_kind_name(enum sim_event_kind kind);

/* The LOGGED kinds as a mask: every event published asks, so the answer
 * is a constant, not a call. */
#define SIM_EVENT_LOGGED_BIT(id, name, flags) | (((flags) & EVF_LOGGED) ? EV_BIT(EV_##id) : 0)
#define EV_LOGGED_KINDS (UINT64_C(0) SIM_EVENT_KINDS(SIM_EVENT_LOGGED_BIT))

static inline bool event_kind_logged(enum sim_event_kind kind)
{
	return (unsigned)kind < EV_KIND_COUNT && (EV_LOGGED_KINDS & EV_BIT(kind)) != 0;
}

#endif
