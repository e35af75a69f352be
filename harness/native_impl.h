/*
 * native_impl.h - the native backend's shared structures and internal calls:
 * private to the native backend's files (native.c, native_threads.c,
 * native_kernel.c); everything else sees native.h.
 *
 * Locks, in the only order they are taken: the world lock (device, port
 * model, harness passive calls, the event stream), then the kernel lock
 * (this backend's own queues: tasks, DPCs, timers, events, work items).
 * Nothing takes the world lock while holding the kernel lock; nothing
 * blocks (waits, spins) while holding either. Driver spin locks are real
 * spin locks (an atomic owner), outside both.
 *
 * Ending a run: the first failure wins (native_fail records it and sets
 * `stop`); every thread leaves at its next kernel call, wait or spin by a
 * jump back to the top of its thread (bail), which drops the world lock if
 * the thread held it. Driver code is abandoned where it stood, as on the
 * deterministic machine, whose fibers are abandoned too.
 *
 * Misuse checks, as the deterministic machine makes them: IRQL rules
 * (0xA), a spin lock taken again by its holder or released by another
 * (0xF, 0x10), an ISR taking an ordinary spin lock, routines returning
 * with IRQL or locks not restored, a spin lock held across GetMapping or
 * ReleaseMapping (0xC4), an interrupt storm, deadlock. "Holder" is the
 * thread (a CPU's passive thread, its DPC thread, the interrupt thread):
 * what the deterministic machine calls a CPU.
 */
#ifndef AC97SIM_NATIVE_IMPL_H
#define AC97SIM_NATIVE_IMPL_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "native.h"
#include "native_clock.h"

#define DPC_QUEUE_MAX 64u
#define LOCKS_HELD_MAX 16u
#define TIMERS_MAX 64u
#define OBJECTS_NAMED_MAX 1024u
#define STEP_TASKS_MAX 32u
#define COMMON_BUFFER_BASE 0x00100000u
#define COMMON_BUFFER_END 0x00400000u
/* The clock thread's longest sleep: how late a device event, a timer or a
 * check deadline can be seen, in host time. */
#define CLOCK_POLL_NS 200000u

enum ctx_kind { CTX_MAIN, CTX_PASSIVE, CTX_DPC, CTX_ISR };
/* CB_WAIT: for ever; CB_SLEEP: with a deadline (which will end it). */
enum ctx_block { CB_RUNNING, CB_IDLE, CB_SPIN, CB_WAIT, CB_FLUSH, CB_SLEEP };

/* What the backend keeps in a kernel object's storage. */
struct nat_object {
	uint32_t id;
	uint8_t type;		/* enum kobject_type */
	_Atomic int32_t owner;	/* spin locks, the interrupt's lock: the holder's context id, -1 free */
	const char *name;
	union {
		struct {
			PKDEFERRED_ROUTINE routine;
			void *context, *arg1, *arg2;
			bool queued;
			int8_t queued_cpu;
		} dpc;
		struct {
			KDPC *dpc;
			sim_ticks_t due_ticks, period_ticks;
			bool set;
		} timer;
		struct {
			uint8_t type;	/* EVENT_TYPE */
			bool signalled;
		} event;
		struct {
			PKSERVICE_ROUTINE isr;
			void *context;
			bool connected;
		} intr;
		struct {
			PIO_WORKITEM_ROUTINE routine;
			void *context;
			bool queued, allocated;
		} work;
	} u;
};

_Static_assert(sizeof(struct nat_object) <= sizeof(struct k_object),
	       "the backend's object fits the SDK's storage");
_Static_assert(_Alignof(struct nat_object) <= _Alignof(struct k_object), "and is aligned as it is");

struct IO_WORKITEM {
	struct k_object k;
};

static inline struct nat_object *nat(struct k_object *k)
{
	return (struct nat_object *)(void *)k;
}

/* A thread's execution context: what the deterministic machine calls a
 * CPU, split by what runs on it. */
struct nat_ctx {
	int id;			/* unique in the run: a spin lock's owner */
	int cpu;		/* the CPU it is (the ISR: the CPU it interrupted), -1: none */
	enum ctx_kind kind;
	_Atomic int irql;	/* read by the interrupt and DPC threads to mask delivery */
	_Atomic int block;	/* enum ctx_block, for reports */
	struct nat_object *held[LOCKS_HELD_MAX];
	_Atomic uint32_t held_count;
	struct nat_object *_Atomic spin_on;
	_Atomic uint64_t spin_since_ns;
	uint32_t isr_depth;
	const char *_Atomic task;
	/* CB_WAIT: the event; CB_FLUSH: the DPCs it waits for (kernel lock). */
	const struct nat_object *wait_on;
	uint64_t flush_upto;
	const struct nat_object *_Atomic dpc_running;
	const void *call_site;
	const char *call_name;
	bool in_port_call;
	jmp_buf bail;
	pthread_t thread;
	bool started;
	struct native *n;
};

struct task {
	void (*fn)(void *arg);
	void *arg;
	const char *name;
	IO_WORKITEM *item;
	PIO_WORKITEM_ROUTINE item_routine;
};

struct dpc_entry {
	KDPC *dpc;
	uint64_t seq;
};

struct nat_cpu {
	struct nat_ctx passive, dpc;
	struct dpc_entry queue[DPC_QUEUE_MAX];
	uint32_t queue_count;
	uint64_t running_seq;	/* the DPC it runs (dequeued, not returned), or 0 */
	pthread_cond_t dpc_cond;
	_Atomic sim_ticks_t stalled_until;
};

struct native {
	struct machine_config cfg;
	struct native_parts p;
	struct native_clock clock;
	/* The world lock and what it guards beyond the device and the port. */
	pthread_mutex_t world;
	sim_ticks_t world_now;	/* the device's time: never goes back */
	_Atomic bool line_up;	/* the device's line as last left by the world */
	sim_ticks_t check_at_tick;
	bool run_end_published;
	uint32_t unclaimed_in_a_row;
	/* The kernel lock and what it guards. */
	pthread_mutex_t klock;
	pthread_cond_t kcond;	/* events, flushes: broadcast on every change */
	pthread_cond_t task_cond;
	pthread_cond_t irq_cond;
	struct task *tasks;
	size_t task_head, task_count, task_capacity;
	uint32_t tasks_running;
	struct { uint64_t step; struct task task; } step_tasks[STEP_TASKS_MAX];
	uint32_t n_step_tasks;
	uint64_t dpc_seq;
	KTIMER *timers[TIMERS_MAX];
	uint32_t timer_count;
	uint32_t timer_cpu_next;
	KINTERRUPT *interrupt;
	bool isr_running;
	IO_WORKITEM *work_items;
	uint32_t common_next;
	/* Everything else. */
	struct nat_cpu *cpu;
	struct nat_ctx isr_ctx, main_ctx;
	_Atomic uint32_t next_object_id;
	const char **object_names;	/* OBJECTS_NAMED_MAX */
	_Atomic uint64_t steps;
	_Atomic sim_ticks_t irq_held_until;
	_Atomic uint64_t windows_hit;
	_Atomic bool stop;
	_Atomic bool running;
	pthread_mutex_t end_lock;
	bool ended;
	struct run_result result;
};

/* native_kernel.c */
extern const struct kernel_backend native_ops;

/* native.c */
extern _Thread_local struct nat_ctx *tls_ctx;
extern _Thread_local uint32_t tls_world_depth;

/* ---- native.c: the world lock, ending, publishing, queueing passive calls ---- */

void world_enter(struct native *n);
void world_leave(struct native *n);
uint32_t world_drop(struct native *n);
void world_retake(struct native *n, uint32_t depth);

AC97SIM_NORETURN void bail(void);
void wake_all(struct native *n);

static inline void bail_if_stopped(struct native *n)
{
	if (atomic_load_explicit(&n->stop, memory_order_acquire) && tls_ctx != NULL &&
	    atomic_load(&n->running))
		bail();
}

const char *describe_object(const struct nat_object *o, char *buf, size_t len);
const char *ctx_label(const struct nat_ctx *c, char *buf, size_t len);
bool end_run(struct native *n, enum run_verdict verdict, const char *checker,
	     const struct failure_def *rule, const char *message);
AC97SIM_NORETURN void fail_fmt(struct native *n, const char *checker,
			       const struct failure_def *rule, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

#define kernel_rule(n, id, ...) \
	fail_fmt((n), MACHINE_CHECKER_NAME, &machine_failures[MACHINE_FAIL_##id], __VA_ARGS__)

AC97SIM_NORETURN void bugcheck(struct native *n, uint32_t code, uintptr_t p1, const char *why);
void publish_locked(struct native *n, struct sim_event *ev, sim_ticks_t tick, int cpu);
int push_task(struct native *n, struct task task);
void release_step_tasks(struct native *n);

/* ---- native_kernel.c: scheduling points, spin locks, DPCs ---- */

void wait_out_stall(struct native *n, const struct nat_ctx *c);
void take_lock(struct native *n, struct nat_ctx *c, struct nat_object *lock);
void drop_lock(struct nat_ctx *c, struct nat_object *lock);
void queue_dpc_on(struct native *n, uint32_t cpu, KDPC *dpc);
bool dpcs_flushed(const struct native *n, uint64_t upto);

#endif
