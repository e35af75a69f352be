/*
 * native.c - the native backend (see native.h for the model).
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
#define _GNU_SOURCE
#include "native.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "native_clock.h"
#include "port.h"
#include "windows.h"

#define DPC_QUEUE_MAX 64u
#define LOCKS_HELD_MAX 16u
#define TIMERS_MAX 64u
#define WORK_ITEMS_MAX 64u
#define OBJECTS_NAMED_MAX 1024u
#define STORM_UNCLAIMED_MAX 64u
#define STEP_TASKS_MAX 32u
#define COMMON_BUFFER_BASE 0x00100000u
#define COMMON_BUFFER_END 0x00400000u
/* The clock thread's longest sleep: how late a device event, a timer or a
 * check deadline can be seen, in host time. */
#define CLOCK_POLL_NS 200000u
/* A thread spinning this long on one lock, in host time, is deadlocked
 * (a real spin lock cycle never resolves). */
#define SPIN_DEADLOCK_NS 2000000000ull
/* Every CPU blocked with nothing pending, or every CPU idle, seen for
 * this long in a row, is believed: a single look can fall between a
 * wake and the woken thread's first step. */
#define QUIET_NS_TO_BELIEVE 20000000ull
/* Every CPU idle needs less: an idle thread wakes only for a task, and
 * none is queued. */
#define IDLE_NS_TO_BELIEVE 1000000ull

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

static const struct kernel_backend native_ops;

static _Thread_local struct nat_ctx *tls_ctx;
static _Thread_local uint32_t tls_world_depth;

/* ---- the world lock ---------------------------------------------------------------- */

static void device_catch_up(struct native *n)
{
	sim_ticks_t now = native_clock_now(&n->clock);
	if (now > n->world_now)
		n->world_now = now;
	ac97_advance_to(n->p.dev, n->world_now);
}

static void world_enter(struct native *n)
{
	if (tls_world_depth++ > 0)
		return;
	pthread_mutex_lock(&n->world);
	device_catch_up(n);
}

static void world_leave(struct native *n)
{
	assert(tls_world_depth > 0);
	if (--tls_world_depth > 0)
		return;
	bool up = ac97_irq_line(n->p.dev);
	atomic_store(&n->line_up, up);
	pthread_mutex_unlock(&n->world);
	if (up)
		pthread_cond_signal(&n->irq_cond);
}

/* At a scheduling point the world is let go entirely, whatever the depth,
 * and taken back after: the port model and the harness are consistent
 * there (port.c), and a blocking call must not hold it. */
static uint32_t world_drop(struct native *n)
{
	uint32_t depth = tls_world_depth;
	if (depth > 0) {
		tls_world_depth = 1;
		world_leave(n);
	}
	return depth;
}

static void world_retake(struct native *n, uint32_t depth)
{
	if (depth > 0) {
		world_enter(n);
		tls_world_depth = depth;
	}
}

/* ---- ending ------------------------------------------------------------------------ */

AC97SIM_NORETURN static void bail(void)
{
	struct nat_ctx *c = tls_ctx;
	assert(c != NULL);
	longjmp(c->bail, 1);
}

static void wake_all(struct native *n)
{
	pthread_mutex_lock(&n->klock);
	pthread_cond_broadcast(&n->kcond);
	pthread_cond_broadcast(&n->task_cond);
	pthread_cond_broadcast(&n->irq_cond);
	for (uint32_t i = 0; i < n->cfg.n_cpus; i++)
		pthread_cond_broadcast(&n->cpu[i].dpc_cond);
	pthread_mutex_unlock(&n->klock);
}

static inline void bail_if_stopped(struct native *n)
{
	if (atomic_load_explicit(&n->stop, memory_order_acquire) && tls_ctx != NULL &&
	    atomic_load(&n->running))
		bail();
}

static const char *describe_object(const struct nat_object *o, char *buf, size_t len)
{
	if (o->name != NULL)
		snprintf(buf, len, "%s (#%u)", o->name, (unsigned)o->id);
	else
		snprintf(buf, len, "#%u", (unsigned)o->id);
	return buf;
}

static const char *ctx_label(const struct nat_ctx *c, char *buf, size_t len)
{
	switch (c->kind) {
	case CTX_PASSIVE: snprintf(buf, len, "cpu%d", c->cpu); break;
	case CTX_DPC: snprintf(buf, len, "cpu%d's DPCs", c->cpu); break;
	case CTX_ISR: snprintf(buf, len, "the ISR (on cpu%d)", c->cpu); break;
	case CTX_MAIN: snprintf(buf, len, "the clock"); break;
	}
	return buf;
}

static size_t describe_ctx(const struct nat_ctx *c, char *buf, size_t len)
{
	static const char *const blocks[] = { "running", "idle", "spinning", "waiting",
					      "flushing DPCs", "waiting with a timeout" };
	char label[48], o[96];
	const char *task = atomic_load(&c->task);
	int b = atomic_load(&c->block);
	int n = snprintf(buf, len, "\n  %s: %s at IRQL %d%s%s", ctx_label(c, label, sizeof(label)),
			 blocks[b], atomic_load(&c->irql), task ? " in " : "", task ? task : "");
	if (n < 0 || (size_t)n >= len)
		return len;
	size_t at = (size_t)n;
	struct nat_object *spin = atomic_load(&c->spin_on);
	if (b == CB_SPIN && spin != NULL && at < len)
		at += (size_t)snprintf(buf + at, len - at, " on lock %s",
				       describe_object(spin, o, sizeof(o)));
	uint32_t held = atomic_load(&c->held_count);
	for (uint32_t h = 0; h < held && h < LOCKS_HELD_MAX && at < len; h++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", h ? ", " : ", holds lock ",
				       describe_object(c->held[h], o, sizeof(o)));
	return at < len ? at : len;
}

/* Every thread's state, for a failure's message: read without a lock,
 * from threads that are still running (a report, not a verdict). */
static void describe_all(struct native *n, char *buf, size_t len)
{
	size_t at = 0;
	for (uint32_t i = 0; i < n->cfg.n_cpus && at < len; i++) {
		at += describe_ctx(&n->cpu[i].passive, buf + at, len - at);
		if (n->cpu[i].dpc.started && atomic_load(&n->cpu[i].dpc.block) != CB_IDLE && at < len)
			at += describe_ctx(&n->cpu[i].dpc, buf + at, len - at);
	}
	if (n->isr_ctx.isr_depth > 0 && at < len)
		describe_ctx(&n->isr_ctx, buf + at, len - at);
}

static void publish_locked(struct native *n, struct sim_event *ev, sim_ticks_t tick, int cpu);

/* Records the run's end (the first one wins) and stops every thread. */
static bool end_run(struct native *n, enum run_verdict verdict, const char *checker,
		    const struct failure_def *rule, const char *message)
{
	pthread_mutex_lock(&n->end_lock);
	bool first = !n->ended;
	if (first) {
		n->ended = true;
		struct run_result *r = &n->result;
		r->verdict = verdict;
		snprintf(r->checker, sizeof(r->checker), "%s", rule ? rule->name : "");
		snprintf(r->group, sizeof(r->group), "%s", checker ? checker : "");
		r->rule = rule ? rule->rule : NULL;
		snprintf(r->message, sizeof(r->message), "%s", message ? message : "");
		r->failed_cpu = tls_ctx != NULL ? tls_ctx->cpu : -1;
		struct nat_ctx *c = tls_ctx;
		if (c != NULL && c->cpu >= 0 && c->kind == CTX_PASSIVE && !c->in_port_call) {
			c->call_site = kernel_call_site;
			c->call_name = kernel_call_name;
		}
	}
	pthread_mutex_unlock(&n->end_lock);
	if (!first)
		return false;
	if (verdict == RUN_FAIL) {
		struct sim_event ev;
		event_init(&ev, EV_FAILURE);
		ev.u.failure.bugcheck_code = n->result.bugcheck_code;
		ev.text = rule->name;
		world_enter(n);
		publish_locked(n, &ev, n->world_now, tls_ctx ? tls_ctx->cpu : -1);
		world_leave(n);
	}
	atomic_store_explicit(&n->stop, true, memory_order_release);
	wake_all(n);
	return true;
}

AC97SIM_NORETURN void native_fail(struct native *n, const char *checker,
				  const struct failure_def *rule, const char *message)
{
	if (!atomic_load(&n->running)) {
		fprintf(stderr, "ac97sim: %s outside a run: %s\n", rule ? rule->name : "failure",
			message ? message : "");
		abort();
	}
	char full[1024];
	sim_ticks_t now = native_clock_now(&n->clock);
	int len = snprintf(full, sizeof(full),
			   "%s (native, %" PRIu64 " kernel calls, %" PRIu64 " ticks = %" PRIu64
			   " us simulated)",
			   message ? message : "", atomic_load(&n->steps), now, sim_ticks_to_us(now));
	if (len > 0 && (size_t)len < sizeof(full))
		describe_all(n, full + len, sizeof(full) - (size_t)len);
	end_run(n, RUN_FAIL, checker, rule, full);
	bail();
}

AC97SIM_NORETURN static void fail_fmt(struct native *n, const char *checker,
				      const struct failure_def *rule, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

static void fail_fmt(struct native *n, const char *checker, const struct failure_def *rule,
		     const char *format, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, format);
	vsnprintf(msg, sizeof(msg), format, ap);
	va_end(ap);
	native_fail(n, checker, rule, msg);
}

#define kernel_rule(n, id, ...) \
	fail_fmt((n), MACHINE_CHECKER_NAME, &machine_failures[MACHINE_FAIL_##id], __VA_ARGS__)

AC97SIM_NORETURN static void bugcheck(struct native *n, uint32_t code, uintptr_t p1,
				      const char *why)
{
	n->result.bugcheck_code = code;
	enum machine_failure f = code == BUGCHECK_IRQL_NOT_LESS_OR_EQUAL ? MACHINE_FAIL_IRQL
				 : code == BUGCHECK_SPIN_LOCK_ALREADY_OWNED ||
						 code == BUGCHECK_SPIN_LOCK_NOT_OWNED
					 ? MACHINE_FAIL_SPIN_LOCK
					 : MACHINE_FAIL_VERIFIER;
	char label[48];
	fail_fmt(n, MACHINE_CHECKER_NAME, &machine_failures[f],
		 "bug check 0x%02X (%s, p1 = 0x%" PRIxPTR ") on %s", code, why, p1,
		 tls_ctx ? ctx_label(tls_ctx, label, sizeof(label)) : "the host thread");
}

/* ---- publishing -------------------------------------------------------------------- */

/* Under the world lock. After the run's end only its failure goes in, so
 * the log ends where the run did (threads still finishing a step publish
 * nothing more). */
static void publish_locked(struct native *n, struct sim_event *ev, sim_ticks_t tick, int cpu)
{
	if (n->ended && ev->kind != EV_FAILURE)
		return;
	ev->step = atomic_load_explicit(&n->steps, memory_order_relaxed);
	ev->tick = tick;
	ev->cpu = (int16_t)cpu;
	if (event_kind_logged((enum sim_event_kind)ev->kind))
		evlog_add(n->p.evlog, ev);
	bus_publish(n->p.bus, ev);
}

void native_publish(struct native *n, struct sim_event *ev)
{
	world_enter(n);
	publish_locked(n, ev, n->world_now, tls_ctx ? tls_ctx->cpu : -1);
	world_leave(n);
}

static void publish_kcall(struct native *n, enum kcall call, const struct nat_object *o,
			  uint64_t arg0, uint64_t arg1)
{
	struct sim_event ev;
	event_init(&ev, EV_KCALL);
	ev.u.kcall = (struct ev_kcall){ call, o != NULL ? o->id : 0, arg0, arg1 };
	native_publish(n, &ev);
}

static void publish_fault(struct native *n, enum fault_kind kind, uint32_t arg, sim_ticks_t until)
{
	struct sim_event ev;
	event_init(&ev, EV_FAULT);
	ev.u.fault = (struct ev_fault){ kind, arg, until };
	native_publish(n, &ev);
}

/* ---- scheduling points --------------------------------------------------------------- */

static struct native *self_of(void *self)
{
	return self;
}

static struct nat_ctx *ctx_now(struct native *n)
{
	return tls_ctx != NULL ? tls_ctx : &n->main_ctx;
}

/* A stalled CPU (fault injection) runs nothing before its stall ends. */
static void wait_out_stall(struct native *n, const struct nat_ctx *c)
{
	if (c->cpu < 0 || c->kind == CTX_MAIN)
		return;
	sim_ticks_t until = atomic_load(&n->cpu[c->cpu].stalled_until);
	if (until > native_clock_now(&n->clock))
		native_sleep_until_ns(native_clock_host_at(&n->clock, until));
}

/* Entry to a kernel call that is a scheduling point on the deterministic
 * machine: the world is let go (returned: its depth, for sched_leave). */
static uint32_t sched_enter(struct native *n)
{
	struct nat_ctx *c = ctx_now(n);
	if (!atomic_load(&n->running) || c->kind == CTX_MAIN)
		return 0;
	if (!c->in_port_call) {
		c->call_site = kernel_call_site;
		c->call_name = kernel_call_name;
	}
	atomic_fetch_add_explicit(&n->steps, 1, memory_order_relaxed);
	uint32_t depth = world_drop(n);
	bail_if_stopped(n);
	wait_out_stall(n, c);
	return depth;
}

static void sched_leave(struct native *n, uint32_t depth)
{
	world_retake(n, depth);
}

/* ---- spin locks ------------------------------------------------------------------------ */

static void hold(struct native *n, struct nat_ctx *c, struct nat_object *lock)
{
	uint32_t k = atomic_load(&c->held_count);
	if (k == LOCKS_HELD_MAX)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, lock->id,
			 "too many spin locks held");
	c->held[k] = lock;
	atomic_store(&c->held_count, k + 1);
}

static void unhold(struct nat_ctx *c, const struct nat_object *lock)
{
	uint32_t k = atomic_load(&c->held_count);
	for (uint32_t i = k; i-- > 0;) {
		if (c->held[i] == lock) {
			memmove(&c->held[i], &c->held[i + 1], (k - i - 1) * sizeof(c->held[0]));
			atomic_store(&c->held_count, k - 1);
			return;
		}
	}
}

/* A real spin lock: acquire order on success, so that what the holder
 * wrote before releasing is seen (and ThreadSanitizer sees the edge). */
static void take_lock(struct native *n, struct nat_ctx *c, struct nat_object *lock)
{
	int32_t free_owner = -1;
	if (!atomic_compare_exchange_strong_explicit(&lock->owner, &free_owner, c->id,
						     memory_order_acquire, memory_order_relaxed)) {
		atomic_store(&c->spin_on, lock);
		atomic_store(&c->block, CB_SPIN);
		c->spin_since_ns = native_host_ns();
		for (uint32_t spins = 0;; spins++) {
			free_owner = -1;
			if (atomic_compare_exchange_weak_explicit(&lock->owner, &free_owner, c->id,
								  memory_order_acquire,
								  memory_order_relaxed))
				break;
			bail_if_stopped(n);
			if (spins % 64u == 63u)
				sched_yield();
		}
		atomic_store(&c->block, CB_RUNNING);
		atomic_store(&c->spin_on, NULL);
	}
	hold(n, c, lock);
}

static void drop_lock(struct nat_ctx *c, struct nat_object *lock)
{
	unhold(c, lock);
	atomic_store_explicit(&lock->owner, -1, memory_order_release);
}

/* ---- DPCs ------------------------------------------------------------------------------- */

/* Under the kernel lock. */
static void queue_dpc_on(struct native *n, uint32_t cpu, KDPC *dpc)
{
	struct nat_cpu *c = &n->cpu[cpu];
	if (c->queue_count == DPC_QUEUE_MAX) {
		pthread_mutex_unlock(&n->klock);
		kernel_rule(n, VERIFIER, "more than %u DPCs queued on cpu%u", DPC_QUEUE_MAX, cpu);
	}
	struct nat_object *o = nat(&dpc->k);
	o->u.dpc.queued = true;
	o->u.dpc.queued_cpu = (int8_t)cpu;
	c->queue[c->queue_count++] = (struct dpc_entry){ dpc, ++n->dpc_seq };
	pthread_cond_signal(&c->dpc_cond);
}

static bool dpcs_flushed(const struct native *n, uint64_t upto)
{
	for (uint32_t i = 0; i < n->cfg.n_cpus; i++) {
		const struct nat_cpu *c = &n->cpu[i];
		if (c->running_seq != 0 && c->running_seq <= upto)
			return false;
		for (uint32_t k = 0; k < c->queue_count; k++)
			if (c->queue[k].seq <= upto)
				return false;
	}
	return true;
}

/* ---- the threads ----------------------------------------------------------------------- */

static void thread_begin(struct native *n, struct nat_ctx *c)
{
	tls_ctx = c;
	tls_world_depth = 0;
	kernel_bind(&native_ops, n);
}

/* Where a bailed thread lands: it lets go of the world if it held it. */
static void thread_landed(struct native *n)
{
	if (tls_world_depth > 0) {
		tls_world_depth = 0;
		pthread_mutex_unlock(&n->world);
	}
}

static void run_task(struct native *n, struct nat_ctx *c, struct task t)
{
	atomic_store(&c->task, t.name);
	struct sim_event ev;
	event_init(&ev, EV_TASK);
	ev.text = t.name;
	ev.ref = t.arg;
	if (t.item != NULL) {
		/* A work item is driver code: it runs outside the world. */
		native_publish(n, &ev);
		pthread_mutex_lock(&n->klock);
		nat(&t.item->k)->u.work.queued = false;
		pthread_mutex_unlock(&n->klock);
		t.item_routine(NULL, t.arg);
	} else {
		/* The harness's own passive calls (the stream's script, its
		 * actions) are the system around the driver: under the world,
		 * which they let go at each scheduling point as the port does. */
		world_enter(n);
		publish_locked(n, &ev, n->world_now, c->cpu);
		t.fn(t.arg);
		world_leave(n);
	}
	if (atomic_load(&c->irql) != PASSIVE_LEVEL || atomic_load(&c->held_count) != 0)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, (uintptr_t)atomic_load(&c->irql),
			 "passive call returned with IRQL or spin locks not restored");
	atomic_store(&c->task, NULL);
}

static void *passive_main(void *arg)
{
	struct nat_ctx *c = arg;
	struct native *n = c->n;
	thread_begin(n, c);
	if (setjmp(c->bail) != 0) {
		thread_landed(n);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&n->klock);
		atomic_store(&c->block, CB_IDLE);
		while (!atomic_load(&n->stop) && n->task_count == 0)
			pthread_cond_wait(&n->task_cond, &n->klock);
		if (atomic_load(&n->stop)) {
			pthread_mutex_unlock(&n->klock);
			return NULL;
		}
		struct task t = n->tasks[n->task_head++];
		n->task_count--;
		n->tasks_running++;
		atomic_store(&c->block, CB_RUNNING);
		pthread_mutex_unlock(&n->klock);
		run_task(n, c, t);
		pthread_mutex_lock(&n->klock);
		n->tasks_running--;
		pthread_mutex_unlock(&n->klock);
	}
}

static void run_dpc(struct native *n, struct nat_ctx *c, KDPC *dpc)
{
	struct nat_object *o = nat(&dpc->k);
	atomic_store(&c->dpc_running, o);
	atomic_store(&c->irql, DISPATCH_LEVEL);
	struct sim_event ev;
	event_init(&ev, EV_DPC);
	ev.u.id.id = o->id;
	native_publish(n, &ev);
	/* The routine and its arguments as queued: read under the kernel
	 * lock, which the queuing CPU held when it set them. */
	pthread_mutex_lock(&n->klock);
	PKDEFERRED_ROUTINE routine = o->u.dpc.routine;
	void *context = o->u.dpc.context, *a1 = o->u.dpc.arg1, *a2 = o->u.dpc.arg2;
	pthread_mutex_unlock(&n->klock);
	if (routine != NULL)
		routine(dpc, context, a1, a2);
	if (atomic_load(&c->irql) != DISPATCH_LEVEL || atomic_load(&c->held_count) != 0)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, (uintptr_t)atomic_load(&c->irql),
			 "DPC returned with IRQL or spin locks not restored");
	atomic_store(&c->irql, PASSIVE_LEVEL);
	atomic_store(&c->dpc_running, NULL);
}

/* A CPU's DPC thread: its queue, in order, while its passive thread's
 * IRQL is below DISPATCH_LEVEL (raising masks DPCs on that CPU). */
static void *dpc_main(void *arg)
{
	struct nat_ctx *c = arg;
	struct native *n = c->n;
	struct nat_cpu *cpu = &n->cpu[c->cpu];
	thread_begin(n, c);
	if (setjmp(c->bail) != 0) {
		thread_landed(n);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&n->klock);
		atomic_store(&c->block, CB_IDLE);
		for (;;) {
			if (atomic_load(&n->stop)) {
				pthread_mutex_unlock(&n->klock);
				return NULL;
			}
			if (cpu->queue_count > 0 && atomic_load(&cpu->passive.irql) < DISPATCH_LEVEL)
				break;
			if (cpu->queue_count > 0) {
				/* Masked: look again shortly (the passive thread lowers
				 * without telling). */
				pthread_mutex_unlock(&n->klock);
				sched_yield();
				pthread_mutex_lock(&n->klock);
				continue;
			}
			pthread_cond_wait(&cpu->dpc_cond, &n->klock);
		}
		struct dpc_entry e = cpu->queue[0];
		memmove(&cpu->queue[0], &cpu->queue[1], --cpu->queue_count * sizeof(cpu->queue[0]));
		struct nat_object *o = nat(&e.dpc->k);
		o->u.dpc.queued = false;
		o->u.dpc.queued_cpu = -1;
		cpu->running_seq = e.seq;
		atomic_store(&c->block, CB_RUNNING);
		pthread_mutex_unlock(&n->klock);
		wait_out_stall(n, c);
		run_dpc(n, c, e.dpc);
		pthread_mutex_lock(&n->klock);
		cpu->running_seq = 0;
		pthread_cond_broadcast(&n->kcond);
		pthread_mutex_unlock(&n->klock);
	}
}

/* The CPU the interrupt goes to: one whose threads are all below DIRQL
 * and that is not stalled, in turn; -1 when none can take it now. */
static int pick_isr_cpu(struct native *n, uint32_t *next)
{
	sim_ticks_t now = native_clock_now(&n->clock);
	for (uint32_t k = 0; k < n->cfg.n_cpus; k++) {
		uint32_t i = (*next + k) % n->cfg.n_cpus;
		const struct nat_cpu *c = &n->cpu[i];
		if (atomic_load(&c->passive.irql) < DIRQL && atomic_load(&c->dpc.irql) < DIRQL &&
		    atomic_load(&c->stalled_until) <= now) {
			*next = i + 1;
			return (int)i;
		}
	}
	return -1;
}

static void publish_isr(struct native *n, bool leaving, bool claimed)
{
	struct sim_event ev;
	event_init(&ev, EV_ISR);
	ev.u.isr = (struct ev_isr){ leaving, claimed };
	native_publish(n, &ev);
}

static void run_isr(struct native *n, struct nat_ctx *c, KINTERRUPT *intr)
{
	struct nat_object *io = nat(&intr->k);
	atomic_store(&c->irql, DIRQL);
	c->isr_depth++;
	publish_isr(n, false, false);
	take_lock(n, c, io);
	bool claimed = io->u.intr.isr(intr, io->u.intr.context) != 0;
	if (atomic_load(&c->irql) != DIRQL || atomic_load(&c->held_count) != 1)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, (uintptr_t)atomic_load(&c->irql),
			 "ISR returned with IRQL or spin locks not restored");
	drop_lock(c, io);
	c->isr_depth--;
	atomic_store(&c->irql, PASSIVE_LEVEL);
	publish_isr(n, true, claimed);
	world_enter(n);
	n->unclaimed_in_a_row = claimed ? 0 : n->unclaimed_in_a_row + 1;
	bool storm = n->unclaimed_in_a_row >= STORM_UNCLAIMED_MAX && ac97_irq_line(n->p.dev);
	world_leave(n);
	if (storm)
		kernel_rule(n, INTERRUPT_STORM,
			    "the interrupt line stayed asserted through %u ISR calls that did not claim "
			    "it", STORM_UNCLAIMED_MAX);
}

/* The interrupt thread: while the line is high and an ISR is connected,
 * the ISR runs, at DIRQL, holding the interrupt's lock, "on" a CPU that
 * can take it. */
static void *isr_main(void *arg)
{
	struct nat_ctx *c = arg;
	struct native *n = c->n;
	thread_begin(n, c);
	if (setjmp(c->bail) != 0) {
		thread_landed(n);
		return NULL;
	}
	uint32_t next_cpu = 0;
	for (;;) {
		pthread_mutex_lock(&n->klock);
		KINTERRUPT *intr = NULL;
		for (;;) {
			if (atomic_load(&n->stop)) {
				pthread_mutex_unlock(&n->klock);
				return NULL;
			}
			intr = n->interrupt;
			if (intr != NULL && atomic_load(&n->line_up) &&
			    native_clock_now(&n->clock) >= atomic_load(&n->irq_held_until))
				break;
			/* A timed wait: a hold ends, and the line is signalled
			 * without the kernel lock (world_leave). */
			struct timespec ts;
			uint64_t at = native_host_ns() + CLOCK_POLL_NS;
			ts.tv_sec = (time_t)(at / 1000000000u);
			ts.tv_nsec = (long)(at % 1000000000u);
			pthread_cond_timedwait(&n->irq_cond, &n->klock, &ts);
		}
		n->isr_running = true;
		pthread_mutex_unlock(&n->klock);
		int cpu = pick_isr_cpu(n, &next_cpu);
		if (cpu >= 0) {
			c->cpu = cpu;
			world_enter(n);
			bool up = ac97_irq_line(n->p.dev);
			world_leave(n);
			if (up)
				run_isr(n, c, intr);
		}
		pthread_mutex_lock(&n->klock);
		n->isr_running = false;
		pthread_cond_broadcast(&n->kcond);
		pthread_mutex_unlock(&n->klock);
		if (cpu < 0)
			sched_yield();
	}
}

/* ---- the clock thread (the caller of native_run) ------------------------------------- */

static void fire_timers(struct native *n, sim_ticks_t now)
{
	for (;;) {
		pthread_mutex_lock(&n->klock);
		int best = -1;
		for (uint32_t i = 0; i < n->timer_count; i++) {
			const struct nat_object *t = nat(&n->timers[i]->k);
			if (t->u.timer.due_ticks > now)
				continue;
			if (best < 0 || t->u.timer.due_ticks < nat(&n->timers[best]->k)->u.timer.due_ticks)
				best = (int)i;
		}
		if (best < 0) {
			pthread_mutex_unlock(&n->klock);
			return;
		}
		struct nat_object *t = nat(&n->timers[best]->k);
		uint32_t id = t->id;
		sim_ticks_t due = t->u.timer.due_ticks;
		if (t->u.timer.period_ticks != 0) {
			t->u.timer.due_ticks += t->u.timer.period_ticks;
		} else {
			t->u.timer.set = false;
			n->timers[best] = n->timers[--n->timer_count];
		}
		KDPC *dpc = t->u.timer.dpc;
		if (dpc != NULL && !nat(&dpc->k)->u.dpc.queued) {
			queue_dpc_on(n, n->timer_cpu_next % n->cfg.n_cpus, dpc);
			n->timer_cpu_next++;
		}
		pthread_mutex_unlock(&n->klock);
		struct sim_event ev;
		event_init(&ev, EV_TIMER);
		ev.u.id = (struct ev_id){ id, 0, due };
		publish_locked(n, &ev, n->world_now, -1);
	}
}

static void release_step_tasks(struct native *n);

/* Under the world lock: nothing runs, nothing is queued, nothing can
 * happen later. *deadlock: some passive thread waits for ever. */
static bool machine_quiet(struct native *n, bool *deadlock)
{
	*deadlock = false;
	if (ac97_next_event_tick(n->p.dev) != SIM_TICKS_NEVER || ac97_irq_line(n->p.dev))
		return false;
	pthread_mutex_lock(&n->klock);
	bool quiet = n->task_count == 0 && n->tasks_running == 0 && n->timer_count == 0 &&
		     !n->isr_running;
	for (uint32_t i = 0; quiet && i < n->cfg.n_cpus; i++)
		quiet = n->cpu[i].queue_count == 0 && n->cpu[i].running_seq == 0;
	bool waiting = false;
	if (!quiet && n->task_count == 0 && n->timer_count == 0 && !n->isr_running) {
		/* Tasks running but every one of them blocked for ever. */
		bool all_blocked = true;
		for (uint32_t i = 0; i < n->cfg.n_cpus; i++) {
			const struct nat_cpu *c = &n->cpu[i];
			int b = atomic_load(&c->passive.block);
			if (c->queue_count != 0 || c->running_seq != 0 || (b != CB_IDLE && b != CB_WAIT &&
									     b != CB_FLUSH))
				all_blocked = false;
			/* A waiter whose wait is over but that has not run yet is
			 * not stuck (a loaded host can keep it off a core). */
			if ((b == CB_WAIT && c->passive.wait_on->u.event.signalled) ||
			    (b == CB_FLUSH && dpcs_flushed(n, c->passive.flush_upto)))
				all_blocked = false;
			waiting |= b == CB_WAIT || b == CB_FLUSH;
		}
		*deadlock = all_blocked && waiting;
	}
	pthread_mutex_unlock(&n->klock);
	return quiet;
}

/* A thread spinning for ever on a lock (a lock cycle, or a holder that
 * waits for something only the spinner can do). */
static const struct nat_ctx *long_spinner(struct native *n)
{
	uint64_t now = native_host_ns();
	for (uint32_t i = 0; i < n->cfg.n_cpus; i++) {
		const struct nat_ctx *cs[2] = { &n->cpu[i].passive, &n->cpu[i].dpc };
		for (int k = 0; k < 2; k++)
			if (atomic_load(&cs[k]->block) == CB_SPIN &&
			    now - cs[k]->spin_since_ns > SPIN_DEADLOCK_NS)
				return cs[k];
	}
	return NULL;
}

static uint64_t clock_next_wake_ns(struct native *n)
{
	sim_ticks_t next = ac97_next_event_tick(n->p.dev);
	if (n->check_at_tick > n->world_now && n->check_at_tick < next)
		next = n->check_at_tick;
	pthread_mutex_lock(&n->klock);
	for (uint32_t i = 0; i < n->timer_count; i++)
		if (nat(&n->timers[i]->k)->u.timer.due_ticks < next)
			next = nat(&n->timers[i]->k)->u.timer.due_ticks;
	pthread_mutex_unlock(&n->klock);
	uint64_t poll = native_host_ns() + CLOCK_POLL_NS;
	if (next == SIM_TICKS_NEVER)
		return poll;
	uint64_t at = native_clock_host_at(&n->clock, next);
	return at < poll ? at : poll;
}

/* One round of the clock: returns false once the run is over. Under the
 * world lock from the caller. */
static bool clock_round(struct native *n, uint64_t *quiet_since_ns, uint64_t *deadlock_since_ns)
{
	sim_ticks_t now = n->world_now;
	if (now > n->cfg.max_ticks) {
		struct sim_event ev;
		event_init(&ev, EV_LIMIT);
		ev.u.limit = (struct ev_limit){ LIMIT_TIME, 0, n->cfg.max_ticks };
		publish_locked(n, &ev, now, -1);
		if (!n->ended)
			end_run(n, RUN_LIMIT, HARNESS_CHECKER_NAME,
				&harness_failures[HARNESS_FAIL_TIME_LIMIT],
				"simulated time limit reached");
		return false;
	}
	if (bus_wants(n->p.bus, EV_STEP)) {
		struct sim_event ev;
		event_init(&ev, EV_STEP);
		publish_locked(n, &ev, now, -1);
	}
	if (n->check_at_tick != 0 && n->check_at_tick <= now) {
		n->check_at_tick = 0;
		struct sim_event ev;
		event_init(&ev, EV_DEADLINE);
		publish_locked(n, &ev, now, -1);
	}
	fire_timers(n, now);
	release_step_tasks(n);
	const struct nat_ctx *spinner = long_spinner(n);
	if (spinner != NULL) {
		char label[48], o[96];
		n->result.bugcheck_code = 0;
		kernel_rule(n, DEADLOCK, "%s spun on lock %s for %llu ms of host time",
			    ctx_label(spinner, label, sizeof(label)),
			    describe_object(atomic_load(&spinner->spin_on), o, sizeof(o)),
			    (unsigned long long)(SPIN_DEADLOCK_NS / 1000000u));
	}
	bool deadlock;
	uint64_t host_ns = native_host_ns();
	if (machine_quiet(n, &deadlock)) {
		*deadlock_since_ns = 0;
		if (*quiet_since_ns == 0)
			*quiet_since_ns = host_ns;
		if (host_ns - *quiet_since_ns < IDLE_NS_TO_BELIEVE)
			return true;
		*quiet_since_ns = 0;
		if (!n->run_end_published) {
			/* The end-of-run checks may fail the run, or run code. */
			n->run_end_published = true;
			struct sim_event ev;
			event_init(&ev, EV_RUN_END);
			publish_locked(n, &ev, now, -1);
			return true;
		}
		end_run(n, RUN_PASS, NULL, NULL, NULL);
		return false;
	}
	*quiet_since_ns = 0;
	if (deadlock && *deadlock_since_ns == 0)
		*deadlock_since_ns = host_ns;
	if (deadlock && host_ns - *deadlock_since_ns >= QUIET_NS_TO_BELIEVE) {
		n->result.bugcheck_code = 0;
		kernel_rule(n, DEADLOCK, "no CPU can run and nothing is pending");
	}
	if (!deadlock)
		*deadlock_since_ns = 0;
	return true;
}

static int start_thread(struct nat_ctx *c, void *(*fn)(void *))
{
	if (pthread_create(&c->thread, NULL, fn, c) != 0)
		return -1;
	c->started = true;
	return 0;
}

void native_run(struct native *n, struct run_result *result)
{
	assert(!atomic_load(&n->running));
	thread_begin(n, &n->main_ctx);
	native_clock_start(&n->clock);
	atomic_store(&n->running, true);
	bool threads_ok = true;
	for (uint32_t i = 0; i < n->cfg.n_cpus && threads_ok; i++)
		threads_ok = start_thread(&n->cpu[i].passive, passive_main) == 0 &&
			     start_thread(&n->cpu[i].dpc, dpc_main) == 0;
	if (threads_ok)
		threads_ok = start_thread(&n->isr_ctx, isr_main) == 0;
	if (!threads_ok) {
		end_run(n, RUN_FAIL, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_HOST_MEMORY],
			"cannot start the native backend's threads");
	} else if (setjmp(n->main_ctx.bail) == 0) {
		uint64_t quiet_since_ns = 0, deadlock_since_ns = 0;
		for (;;) {
			if (atomic_load(&n->stop))
				break;
			world_enter(n);
			bool go_on = clock_round(n, &quiet_since_ns, &deadlock_since_ns);
			uint64_t wake_ns = clock_next_wake_ns(n);
			world_leave(n);
			if (!go_on)
				break;
			native_sleep_until_ns(wake_ns);
		}
	} else {
		thread_landed(n);
	}
	atomic_store(&n->stop, true);
	wake_all(n);
	for (uint32_t i = 0; i < n->cfg.n_cpus; i++) {
		if (n->cpu[i].passive.started)
			pthread_join(n->cpu[i].passive.thread, NULL);
		if (n->cpu[i].dpc.started)
			pthread_join(n->cpu[i].dpc.thread, NULL);
	}
	if (n->isr_ctx.started)
		pthread_join(n->isr_ctx.thread, NULL);
	atomic_store(&n->running, false);
	struct run_result *r = &n->result;
	r->steps = atomic_load(&n->steps);
	r->end_tick = n->world_now;
	r->evlog_hash = n->p.evlog->hash;
	r->events = n->p.evlog->count;
	r->windows_hit = atomic_load(&n->windows_hit);
	r->n_cpus = n->cfg.n_cpus;
	for (uint32_t i = 0; i < n->cfg.n_cpus; i++)
		r->where[i] = (struct run_where){ n->cpu[i].passive.call_site,
						  n->cpu[i].passive.call_name };
	tls_ctx = NULL;
	kernel_bind(NULL, NULL);
	*result = *r;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static void ctx_init(struct nat_ctx *c, struct native *n, int id, int cpu, enum ctx_kind kind)
{
	c->id = id;
	c->cpu = cpu;
	c->kind = kind;
	c->n = n;
	atomic_store(&c->irql, PASSIVE_LEVEL);
	atomic_store(&c->block, CB_IDLE);
}

struct native *native_create(const struct machine_config *cfg, const struct native_parts *parts)
{
	struct native *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->cfg = *cfg;
	n->p = *parts;
	n->clock.scale = cfg->native && cfg->native->time_scale ? cfg->native->time_scale
								 : NATIVE_TIME_SCALE_DEFAULT;
	n->cpu = calloc(cfg->n_cpus, sizeof(*n->cpu));
	n->object_names = calloc(OBJECTS_NAMED_MAX, sizeof(*n->object_names));
	if (n->cpu == NULL || n->object_names == NULL) {
		native_destroy(n);
		return NULL;
	}
	pthread_mutex_init(&n->world, NULL);
	pthread_mutex_init(&n->klock, NULL);
	pthread_mutex_init(&n->end_lock, NULL);
	pthread_cond_init(&n->kcond, NULL);
	pthread_cond_init(&n->task_cond, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->irq_cond, &ca);
	pthread_condattr_destroy(&ca);
	int id = 0;
	for (uint32_t i = 0; i < cfg->n_cpus; i++) {
		ctx_init(&n->cpu[i].passive, n, id++, (int)i, CTX_PASSIVE);
		ctx_init(&n->cpu[i].dpc, n, id++, (int)i, CTX_DPC);
		pthread_cond_init(&n->cpu[i].dpc_cond, NULL);
	}
	ctx_init(&n->isr_ctx, n, id++, 0, CTX_ISR);
	ctx_init(&n->main_ctx, n, id++, -1, CTX_MAIN);
	n->common_next = COMMON_BUFFER_BASE;
	n->result.failed_cpu = -1;
	return n;
}

void native_destroy(struct native *n)
{
	if (n == NULL)
		return;
	if (n->cpu != NULL) {
		pthread_mutex_destroy(&n->world);
		pthread_mutex_destroy(&n->klock);
		pthread_mutex_destroy(&n->end_lock);
		pthread_cond_destroy(&n->kcond);
		pthread_cond_destroy(&n->task_cond);
		pthread_cond_destroy(&n->irq_cond);
		for (uint32_t i = 0; i < n->cfg.n_cpus; i++)
			pthread_cond_destroy(&n->cpu[i].dpc_cond);
	}
	free(n->cpu);
	free(n->tasks);
	free(n->work_items);
	free(n->object_names);
	free(n);
}

void native_bind(struct native *n)
{
	kernel_bind(&native_ops, n);
}

/* ---- machine.h's calls ------------------------------------------------------------------- */

sim_ticks_t native_now(const struct native *n)
{
	/* Under the world lock (checkers): the device's time; else the clock's. */
	return tls_world_depth > 0 ? n->world_now : native_clock_now(&n->clock);
}

uint64_t native_steps(const struct native *n)
{
	return atomic_load(&n->steps);
}

int native_current_cpu(const struct native *n)
{
	(void)n;
	return tls_ctx != NULL ? tls_ctx->cpu : -1;
}

void native_check_at(struct native *n, sim_ticks_t tick)
{
	/* Under the world lock: checkers ask from their events. */
	if (tick <= n->world_now)
		return;
	if (n->check_at_tick <= n->world_now || tick < n->check_at_tick)
		n->check_at_tick = tick;
}

static int push_task(struct native *n, struct task task)
{
	pthread_mutex_lock(&n->klock);
	if (n->task_head + n->task_count == n->task_capacity && n->task_head > 0) {
		memmove(n->tasks, n->tasks + n->task_head, n->task_count * sizeof(*n->tasks));
		n->task_head = 0;
	}
	if (n->task_head + n->task_count == n->task_capacity) {
		size_t cap = n->task_capacity ? 2 * n->task_capacity : 16;
		struct task *t = realloc(n->tasks, cap * sizeof(*t));
		if (t == NULL) {
			pthread_mutex_unlock(&n->klock);
			return -1;
		}
		n->tasks = t;
		n->task_capacity = cap;
	}
	n->tasks[n->task_head + n->task_count++] = task;
	pthread_cond_signal(&n->task_cond);
	pthread_mutex_unlock(&n->klock);
	return 0;
}

int native_queue_passive(struct native *n, void (*fn)(void *arg), void *arg, const char *name)
{
	return push_task(n, (struct task){ fn, arg, name, NULL, NULL });
}

int native_queue_passive_at_step(struct native *n, uint64_t step, void (*fn)(void *arg), void *arg,
				 const char *name)
{
	pthread_mutex_lock(&n->klock);
	int st = -1;
	if (n->n_step_tasks < STEP_TASKS_MAX) {
		n->step_tasks[n->n_step_tasks].step = step;
		n->step_tasks[n->n_step_tasks++].task = (struct task){ fn, arg, name, NULL, NULL };
		st = 0;
	}
	pthread_mutex_unlock(&n->klock);
	return st;
}

/* A step on this backend is a kernel call anywhere: a task for step k
 * joins the queue once that many calls were made (an approximation of the
 * deterministic machine's moment; the clock looks every round). */
static void release_step_tasks(struct native *n)
{
	uint64_t steps = atomic_load(&n->steps);
	pthread_mutex_lock(&n->klock);
	for (uint32_t i = 0; i < n->n_step_tasks;) {
		if (n->step_tasks[i].step > steps) {
			i++;
			continue;
		}
		struct task t = n->step_tasks[i].task;
		n->step_tasks[i] = n->step_tasks[--n->n_step_tasks];
		pthread_mutex_unlock(&n->klock);
		push_task(n, t);
		pthread_mutex_lock(&n->klock);
	}
	pthread_mutex_unlock(&n->klock);
}

void native_hold_interrupts(struct native *n, sim_ticks_t until_tick)
{
	if (until_tick > atomic_load(&n->irq_held_until))
		atomic_store(&n->irq_held_until, until_tick);
	publish_fault(n, FAULT_IRQ_HELD, 0, until_tick);
}

void native_stall_cpu(struct native *n, uint32_t cpu, sim_ticks_t until_tick)
{
	if (cpu >= n->cfg.n_cpus)
		return;
	if (until_tick > atomic_load(&n->cpu[cpu].stalled_until))
		atomic_store(&n->cpu[cpu].stalled_until, until_tick);
	publish_fault(n, FAULT_CPU_STALLED, cpu, until_tick);
}

void native_cpu_view(const struct native *n, uint32_t cpu, struct machine_cpu_view *out)
{
	static const enum machine_cpu_block blocks[] = {
		[CB_RUNNING] = MACHINE_CPU_RUNNING, [CB_IDLE] = MACHINE_CPU_IDLE,
		[CB_SPIN] = MACHINE_CPU_SPINNING, [CB_WAIT] = MACHINE_CPU_WAITING,
		[CB_FLUSH] = MACHINE_CPU_FLUSHING, [CB_SLEEP] = MACHINE_CPU_WAITING,
	};
	assert(cpu < n->cfg.n_cpus);
	const struct nat_ctx *c = &n->cpu[cpu].passive;
	memset(out, 0, sizeof(*out));
	out->irql = (KIRQL)atomic_load(&c->irql);
	out->block = blocks[atomic_load(&c->block)];
	const struct nat_object *dpc = atomic_load(&n->cpu[cpu].dpc.dpc_running);
	const char *task = atomic_load(&c->task);
	if (dpc != NULL) {
		out->context = MACHINE_CTX_DPC;
		out->object = dpc->id;
		out->name = dpc->name;
	} else if (task != NULL) {
		out->context = MACHINE_CTX_TASK;
		out->name = task;
	}
	struct nat_object *spin = atomic_load(&c->spin_on);
	if (spin != NULL)
		out->spin_on = spin->id;
	uint32_t held = atomic_load(&c->held_count);
	out->n_held = held < MACHINE_LOCKS_HELD_MAX ? held : MACHINE_LOCKS_HELD_MAX;
	for (uint32_t i = 0; i < out->n_held; i++)
		out->held[i] = c->held[i]->id;
}

const char *native_object_name(const struct native *n, uint32_t id)
{
	return id < OBJECTS_NAMED_MAX ? n->object_names[id] : NULL;
}

/* ---- the kernel.h backend ------------------------------------------------------------ */

static KIRQL k_get_irql(void *self)
{
	return (KIRQL)atomic_load(&ctx_now(self_of(self))->irql);
}

static void k_raise_irql(void *self, KIRQL new_irql, KIRQL *old_irql)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_ctx *c = ctx_now(n);
	KIRQL was = (KIRQL)atomic_load(&c->irql);
	if (new_irql < was)
		bugcheck(n, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, new_irql, "KeRaiseIrql to a lower IRQL");
	*old_irql = was;
	atomic_store(&c->irql, new_irql);
	publish_kcall(n, KC_RAISE_IRQL, NULL, new_irql, was);
	sched_leave(n, w);
}

static void k_lower_irql(void *self, KIRQL new_irql)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_ctx *c = ctx_now(n);
	KIRQL was = (KIRQL)atomic_load(&c->irql);
	if (new_irql > was)
		bugcheck(n, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, new_irql, "KeLowerIrql to a higher IRQL");
	atomic_store(&c->irql, new_irql);
	publish_kcall(n, KC_LOWER_IRQL, NULL, new_irql, was);
	sched_leave(n, w);
}

static void k_object_init(void *self, struct k_object *k, enum kobject_type type, const char *name,
			  void *routine, void *context)
{
	struct native *n = self;
	struct nat_object *o = nat(k);
	o->id = atomic_fetch_add(&n->next_object_id, 1) + 1;
	o->type = (uint8_t)type;
	atomic_init(&o->owner, -1);
	o->name = name;
	if (o->id < OBJECTS_NAMED_MAX)
		n->object_names[o->id] = name;
	switch (type) {
	case KOBJ_DPC:
		o->u.dpc.routine = (PKDEFERRED_ROUTINE)routine;
		o->u.dpc.context = context;
		o->u.dpc.queued_cpu = -1;
		break;
	case KOBJ_INTERRUPT:
		o->u.intr.isr = (PKSERVICE_ROUTINE)routine;
		o->u.intr.context = context;
		break;
	case KOBJ_EVENT:
		o->u.event.type = (uint8_t)(uintptr_t)context;
		break;
	default:
		break;
	}
	struct ev_object_where where = {
		k, type == KOBJ_DPC || type == KOBJ_INTERRUPT ? context : NULL,
	};
	struct sim_event ev;
	event_init(&ev, EV_OBJECT);
	ev.u.object = (struct ev_object){ o->id, (uint32_t)type };
	ev.text = name;
	ev.ref = &where;
	native_publish(n, &ev);
}

static void k_spin_acquire(void *self, KSPIN_LOCK *lock, KIRQL *old_irql, bool at_dpc_level)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_ctx *c = ctx_now(n);
	struct nat_object *o = nat(&lock->k);
	KIRQL irql = (KIRQL)atomic_load(&c->irql);
	if (o->type != KOBJ_SPIN_LOCK || o->id == 0)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "a spin lock acquired before KeInitializeSpinLock");
	if (c->isr_depth > 0)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, o->id,
			 "an ISR took an ordinary spin lock");
	if (at_dpc_level && irql != DISPATCH_LEVEL)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, irql,
			 "KeAcquireSpinLockAtDpcLevel below or above DISPATCH_LEVEL");
	if (!at_dpc_level && irql > DISPATCH_LEVEL)
		bugcheck(n, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, irql, "KeAcquireSpinLock above DISPATCH_LEVEL");
	if (atomic_load_explicit(&o->owner, memory_order_relaxed) == c->id)
		bugcheck(n, BUGCHECK_SPIN_LOCK_ALREADY_OWNED, o->id,
			 "spin lock acquired again by the CPU that holds it");
	if (!at_dpc_level) {
		*old_irql = irql;
		atomic_store(&c->irql, DISPATCH_LEVEL);
	}
	publish_kcall(n, KC_ACQUIRE_SPIN_LOCK, o, 0, 0);
	take_lock(n, c, o);
	sched_leave(n, w);
}

static void k_spin_release(void *self, KSPIN_LOCK *lock, KIRQL old_irql, bool from_dpc_level)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_ctx *c = ctx_now(n);
	struct nat_object *o = nat(&lock->k);
	KIRQL irql = (KIRQL)atomic_load(&c->irql);
	if (atomic_load_explicit(&o->owner, memory_order_relaxed) != c->id)
		bugcheck(n, BUGCHECK_SPIN_LOCK_NOT_OWNED, o->id,
			 "spin lock released by a CPU that does not hold it");
	if (irql != DISPATCH_LEVEL)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, irql,
			 "spin lock released at an IRQL other than DISPATCH_LEVEL");
	if (!from_dpc_level && old_irql > DISPATCH_LEVEL)
		bugcheck(n, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, old_irql,
			 "KeReleaseSpinLock to an IRQL above DISPATCH_LEVEL");
	drop_lock(c, o);
	publish_kcall(n, KC_RELEASE_SPIN_LOCK, o, 0, 0);
	if (!from_dpc_level)
		atomic_store(&c->irql, old_irql);
	sched_leave(n, w);
}

static NTSTATUS k_connect_interrupt(void *self, KINTERRUPT *interrupt)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	pthread_mutex_lock(&n->klock);
	bool busy = n->interrupt != NULL && nat(&n->interrupt->k)->u.intr.connected;
	if (!busy) {
		nat(&interrupt->k)->u.intr.connected = true;
		n->interrupt = interrupt;
	}
	pthread_mutex_unlock(&n->klock);
	if (!busy)
		publish_kcall(n, KC_CONNECT_INTERRUPT, nat(&interrupt->k), 0, 0);
	sched_leave(n, w);
	return busy ? STATUS_INSUFFICIENT_RESOURCES : STATUS_SUCCESS;
}

static void k_disconnect_interrupt(void *self, KINTERRUPT *interrupt)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	pthread_mutex_lock(&n->klock);
	if (n->interrupt != interrupt) {
		pthread_mutex_unlock(&n->klock);
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, nat(&interrupt->k)->id,
			 "AcDisconnectInterrupt of an interrupt that is not connected");
	}
	/* Like Windows, wait for an ISR running elsewhere to finish. */
	n->interrupt = NULL;
	while (n->isr_running && tls_ctx != &n->isr_ctx && !atomic_load(&n->stop))
		pthread_cond_wait(&n->kcond, &n->klock);
	nat(&interrupt->k)->u.intr.connected = false;
	pthread_mutex_unlock(&n->klock);
	bail_if_stopped(n);
	publish_kcall(n, KC_DISCONNECT_INTERRUPT, nat(&interrupt->k), 0, 0);
	sched_leave(n, w);
}

static bool k_synchronize(void *self, KINTERRUPT *interrupt, PKSYNCHRONIZE_ROUTINE routine,
			  void *context)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_ctx *c = ctx_now(n);
	struct nat_object *o = nat(&interrupt->k);
	KIRQL old = (KIRQL)atomic_load(&c->irql);
	if (old > DIRQL)
		bugcheck(n, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, old, "KeSynchronizeExecution above DIRQL");
	if (atomic_load_explicit(&o->owner, memory_order_relaxed) == c->id)
		bugcheck(n, BUGCHECK_SPIN_LOCK_ALREADY_OWNED, o->id,
			 "KeSynchronizeExecution while holding the interrupt lock");
	/* DIRQL first: the interrupt is not delivered to this CPU now. */
	atomic_store(&c->irql, DIRQL);
	publish_kcall(n, KC_SYNCHRONIZE, o, 0, 0);
	take_lock(n, c, o);
	uint32_t held = atomic_load(&c->held_count);
	bool r = routine(context) != 0;
	if (atomic_load(&c->irql) != DIRQL || atomic_load(&c->held_count) != held)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, (uintptr_t)atomic_load(&c->irql),
			 "synchronize routine returned with IRQL or spin locks not restored");
	drop_lock(c, o);
	atomic_store(&c->irql, old);
	sched_leave(n, w);
	return r;
}

static bool k_dpc_insert(void *self, KDPC *dpc, void *arg1, void *arg2)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_ctx *c = ctx_now(n);
	struct nat_object *o = nat(&dpc->k);
	if (o->type != KOBJ_DPC || o->id == 0)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "a DPC queued before KeInitializeDpc");
	pthread_mutex_lock(&n->klock);
	bool queued = o->u.dpc.queued;
	if (!queued) {
		o->u.dpc.arg1 = arg1;
		o->u.dpc.arg2 = arg2;
		queue_dpc_on(n, c->cpu >= 0 ? (uint32_t)c->cpu : 0, dpc);
	}
	pthread_mutex_unlock(&n->klock);
	if (!queued)
		publish_kcall(n, KC_INSERT_DPC, o, 0, 0);
	sched_leave(n, w);
	return !queued;
}

static bool k_dpc_remove(void *self, KDPC *dpc)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_object *o = nat(&dpc->k);
	pthread_mutex_lock(&n->klock);
	bool was = o->u.dpc.queued;
	if (was) {
		struct nat_cpu *c = &n->cpu[o->u.dpc.queued_cpu];
		for (uint32_t i = 0; i < c->queue_count; i++) {
			if (c->queue[i].dpc == dpc) {
				memmove(&c->queue[i], &c->queue[i + 1],
					(c->queue_count - i - 1) * sizeof(c->queue[0]));
				c->queue_count--;
				break;
			}
		}
		o->u.dpc.queued = false;
		o->u.dpc.queued_cpu = -1;
		pthread_cond_broadcast(&n->kcond);
	}
	pthread_mutex_unlock(&n->klock);
	publish_kcall(n, KC_REMOVE_DPC, o, was, 0);
	sched_leave(n, w);
	return was;
}

static void k_dpc_flush(void *self)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_ctx *c = ctx_now(n);
	if (atomic_load(&c->irql) != PASSIVE_LEVEL)
		bugcheck(n, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, (uintptr_t)atomic_load(&c->irql),
			 "KeFlushQueuedDpcs above PASSIVE_LEVEL");
	pthread_mutex_lock(&n->klock);
	uint64_t upto = n->dpc_seq;
	pthread_mutex_unlock(&n->klock);
	publish_kcall(n, KC_FLUSH_DPCS, NULL, upto, 0);
	pthread_mutex_lock(&n->klock);
	atomic_store(&c->block, CB_FLUSH);
	c->flush_upto = upto;
	while (!dpcs_flushed(n, upto) && !atomic_load(&n->stop))
		pthread_cond_wait(&n->kcond, &n->klock);
	atomic_store(&c->block, CB_RUNNING);
	pthread_mutex_unlock(&n->klock);
	bail_if_stopped(n);
	sched_leave(n, w);
}

static sim_ticks_t due_of(const struct native *n, int64_t time_100ns)
{
	sim_ticks_t now = native_clock_now(&n->clock);
	sim_ticks_t due = time_100ns < 0 ? now + sim_100ns_to_ticks((uint64_t)-(time_100ns + 1) + 1)
					 : sim_100ns_to_ticks((uint64_t)time_100ns);
	return due > now ? due : now;
}

static bool k_timer_set(void *self, KTIMER *timer, int64_t due_time_100ns, int32_t period_ms,
			KDPC *dpc)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_object *o = nat(&timer->k);
	if (o->type != KOBJ_TIMER || o->id == 0)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "a timer set before KeInitializeTimer");
	sim_ticks_t due = due_of(n, due_time_100ns);
	pthread_mutex_lock(&n->klock);
	bool was = o->u.timer.set;
	if (!was && n->timer_count == TIMERS_MAX) {
		pthread_mutex_unlock(&n->klock);
		kernel_rule(n, VERIFIER, "more than %u timers set", TIMERS_MAX);
	}
	o->u.timer.due_ticks = due;
	o->u.timer.period_ticks = (sim_ticks_t)period_ms * (SIM_TICKS_PER_SECOND / 1000u);
	o->u.timer.dpc = dpc;
	if (!was)
		n->timers[n->timer_count++] = timer;
	o->u.timer.set = true;
	sim_ticks_t period = o->u.timer.period_ticks;
	pthread_mutex_unlock(&n->klock);
	publish_kcall(n, KC_SET_TIMER, o, due, period);
	sched_leave(n, w);
	return was;
}

static bool k_timer_cancel(void *self, KTIMER *timer)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_object *o = nat(&timer->k);
	pthread_mutex_lock(&n->klock);
	bool was = o->u.timer.set;
	for (uint32_t i = 0; i < n->timer_count; i++)
		if (n->timers[i] == timer)
			n->timers[i--] = n->timers[--n->timer_count];
	o->u.timer.set = false;
	pthread_mutex_unlock(&n->klock);
	publish_kcall(n, KC_CANCEL_TIMER, o, was, 0);
	sched_leave(n, w);
	return was;
}

static bool k_event_set(void *self, KEVENT *event, bool signalled)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_object *o = nat(&event->k);
	pthread_mutex_lock(&n->klock);
	bool was = o->u.event.signalled;
	o->u.event.signalled = signalled;
	if (signalled)
		pthread_cond_broadcast(&n->kcond);
	pthread_mutex_unlock(&n->klock);
	publish_kcall(n, signalled ? KC_SET_EVENT : KC_RESET_EVENT, o, signalled, 0);
	sched_leave(n, w);
	return was;
}

static bool k_event_state(void *self, KEVENT *event)
{
	struct native *n = self;
	pthread_mutex_lock(&n->klock);
	bool s = nat(&event->k)->u.event.signalled;
	pthread_mutex_unlock(&n->klock);
	return s;
}

static NTSTATUS k_event_wait(void *self, KEVENT *event, const int64_t *timeout_100ns)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_ctx *c = ctx_now(n);
	struct nat_object *o = nat(&event->k);
	if (o->type != KOBJ_EVENT || o->id == 0)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "KeWaitForSingleObject on something that is not an initialised event");
	bool poll = timeout_100ns != NULL && *timeout_100ns == 0;
	KIRQL irql = (KIRQL)atomic_load(&c->irql);
	if (irql > (poll ? DISPATCH_LEVEL : PASSIVE_LEVEL))
		bugcheck(n, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, irql,
			 "KeWaitForSingleObject above PASSIVE_LEVEL with a non-zero timeout");
	sim_ticks_t deadline = timeout_100ns != NULL ? due_of(n, *timeout_100ns) : SIM_TICKS_NEVER;
	publish_kcall(n, KC_WAIT, o, 0, 0);
	pthread_mutex_lock(&n->klock);
	atomic_store(&c->block, deadline == SIM_TICKS_NEVER ? CB_WAIT : CB_SLEEP);
	c->wait_on = o;
	while (!o->u.event.signalled && !atomic_load(&n->stop)) {
		uint64_t wake_ns = native_host_ns() + 5u * CLOCK_POLL_NS;
		if (deadline != SIM_TICKS_NEVER) {
			if (native_clock_now(&n->clock) >= deadline)
				break;
			uint64_t at = native_clock_host_at(&n->clock, deadline);
			if (at < wake_ns)
				wake_ns = at;
		}
		/* kcond runs on the realtime clock (the default): wait a
		 * relative span, and look at the monotonic clock again. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t span_ns = wake_ns > native_host_ns() ? wake_ns - native_host_ns() : 0;
		uint64_t at_ns = (uint64_t)ts.tv_nsec + span_ns;
		ts.tv_sec += (time_t)(at_ns / 1000000000u);
		ts.tv_nsec = (long)(at_ns % 1000000000u);
		pthread_cond_timedwait(&n->kcond, &n->klock, &ts);
	}
	bool got = o->u.event.signalled;
	if (got && o->u.event.type == SynchronizationEvent)
		o->u.event.signalled = false;
	atomic_store(&c->block, CB_RUNNING);
	pthread_mutex_unlock(&n->klock);
	bail_if_stopped(n);
	sched_leave(n, w);
	return got ? STATUS_SUCCESS : STATUS_TIMEOUT;
}

static IO_WORKITEM *k_work_item_alloc(void *self)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	IO_WORKITEM *found = NULL;
	pthread_mutex_lock(&n->klock);
	if (n->work_items == NULL)
		n->work_items = calloc(WORK_ITEMS_MAX, sizeof(*n->work_items));
	for (uint32_t i = 0; n->work_items != NULL && i < WORK_ITEMS_MAX && found == NULL; i++) {
		if (!nat(&n->work_items[i].k)->u.work.allocated) {
			found = &n->work_items[i];
			memset(&found->k, 0, sizeof(found->k));
			nat(&found->k)->u.work.allocated = true;
		}
	}
	pthread_mutex_unlock(&n->klock);
	if (found != NULL) {
		/* object_init keeps the flags it did not set. */
		k_object_init(n, &found->k, KOBJ_WORK_ITEM, "work item", NULL, NULL);
		publish_kcall(n, KC_ALLOC_WORK_ITEM, nat(&found->k), 0, 0);
	}
	sched_leave(n, w);
	return found;
}

static void k_work_item_queue(void *self, IO_WORKITEM *item, PIO_WORKITEM_ROUTINE routine,
			      void *context)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_object *o = nat(&item->k);
	pthread_mutex_lock(&n->klock);
	bool allocated = o->u.work.allocated, queued = o->u.work.queued;
	if (allocated && !queued)
		o->u.work.queued = true;
	pthread_mutex_unlock(&n->klock);
	if (!allocated)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "IoQueueWorkItem of a work item not from IoAllocateWorkItem");
	if (queued)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, o->id,
			 "IoQueueWorkItem of a work item already queued");
	struct sim_event ev;
	event_init(&ev, EV_KCALL);
	ev.u.kcall = (struct ev_kcall){ KC_QUEUE_WORK_ITEM, o->id, 0, 0 };
	ev.ref = context;
	native_publish(n, &ev);
	if (push_task(n, (struct task){ NULL, context, "work item", item, routine }) != 0)
		fail_fmt(n, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_HOST_MEMORY],
			 "out of host memory queueing a work item");
	sched_leave(n, w);
}

static void k_work_item_free(void *self, IO_WORKITEM *item)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	struct nat_object *o = nat(&item->k);
	pthread_mutex_lock(&n->klock);
	bool ok = o->u.work.allocated && !o->u.work.queued;
	if (ok)
		o->u.work.allocated = false;
	pthread_mutex_unlock(&n->klock);
	if (!ok)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, o->id,
			 "IoFreeWorkItem of a work item not allocated, or still queued");
	publish_kcall(n, KC_FREE_WORK_ITEM, o, 0, 0);
	sched_leave(n, w);
}

static bool decode_port(const struct native *n, uintptr_t port, unsigned width_bits,
			enum ac97_bar *bar, uint32_t *offset)
{
	uintptr_t last = port + width_bits / 8 - 1;
	uintptr_t nam = (uintptr_t)n->p.resources->Nambar, nabm = (uintptr_t)n->p.resources->Nabmbar;
	if (port >= nam && last < nam + AC97_NAM_BYTES) {
		*bar = AC97_BAR_NAM;
		*offset = (uint32_t)(port - nam);
		return true;
	}
	if (port >= nabm && last < nabm + AC97_NABM_BYTES) {
		*bar = AC97_BAR_NABM;
		*offset = (uint32_t)(port - nabm);
		return true;
	}
	return false;
}

static void publish_io(struct native *n, bool write, uint32_t bar, uint32_t offset,
		       unsigned width_bits, uint32_t value)
{
	struct sim_event ev;
	event_init(&ev, EV_IO);
	ev.u.io = (struct ev_io){ write, bar, offset, width_bits, value };
	publish_locked(n, &ev, n->world_now, tls_ctx ? tls_ctx->cpu : -1);
}

/* A register access: the device is moved to now and accessed in one
 * world section, so that no device event falls inside the access. */
static uint32_t k_port_read(void *self, uintptr_t port, unsigned width_bits)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	enum ac97_bar bar;
	uint32_t off, v;
	world_enter(n);
	if (!decode_port(n, port, width_bits, &bar, &off)) {
		publish_io(n, false, UINT32_MAX, (uint32_t)port, width_bits, 0);
		v = width_bits == 32 ? 0xFFFFFFFFu : (1u << width_bits) - 1;
	} else {
		v = ac97_io_read(n->p.dev, bar, off, width_bits);
		publish_io(n, false, bar, off, width_bits, v);
	}
	world_leave(n);
	sched_leave(n, w);
	return v;
}

static void k_port_write(void *self, uintptr_t port, unsigned width_bits, uint32_t value)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	enum ac97_bar bar;
	uint32_t off;
	world_enter(n);
	if (!decode_port(n, port, width_bits, &bar, &off)) {
		publish_io(n, true, UINT32_MAX, (uint32_t)port, width_bits, value);
	} else {
		publish_io(n, true, bar, off, width_bits, value);
		ac97_io_write(n->p.dev, bar, off, width_bits, value);
	}
	world_leave(n);
	sched_leave(n, w);
}

static void *k_common_buffer_alloc(void *self, uint32_t len_bytes, uint32_t *physical)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	uint32_t len = (len_bytes + GMEM_PAGE_BYTES - 1) & ~(GMEM_PAGE_BYTES - 1);
	void *p = NULL;
	world_enter(n);
	if (len != 0 && len <= COMMON_BUFFER_END - n->common_next) {
		uint32_t at = n->common_next;
		n->common_next += len;
		gmem_set_mapped(n->p.mem, at, len, true);
		memset(n->p.mem->bytes + at, 0, len);
		*physical = at;
		p = n->p.mem->bytes + at;
		struct sim_event ev;
		event_init(&ev, EV_KCALL);
		ev.u.kcall = (struct ev_kcall){ KC_ALLOC_COMMON_BUFFER, 0, at, len };
		publish_locked(n, &ev, n->world_now, tls_ctx ? tls_ctx->cpu : -1);
	}
	world_leave(n);
	sched_leave(n, w);
	return p;
}

static void k_common_buffer_free(void *self, void *virtual_address, uint32_t len_bytes)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	uint8_t *p = virtual_address;
	if (p < n->p.mem->bytes + COMMON_BUFFER_BASE || p >= n->p.mem->bytes + COMMON_BUFFER_END)
		bugcheck(n, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "AcFreeCommonBuffer of memory that is not a common buffer");
	uint64_t at = (uint64_t)(p - n->p.mem->bytes);
	world_enter(n);
	gmem_set_mapped(n->p.mem, at, len_bytes, false);
	struct sim_event ev;
	event_init(&ev, EV_KCALL);
	ev.u.kcall = (struct ev_kcall){ KC_FREE_COMMON_BUFFER, 0, at, len_bytes };
	publish_locked(n, &ev, n->world_now, tls_ctx ? tls_ctx->cpu : -1);
	world_leave(n);
	sched_leave(n, w);
}

/* Busy-waits on the scaled clock: the CPU is taken for that long. */
static void k_stall(void *self, uint32_t microseconds)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	publish_kcall(n, KC_STALL, NULL, microseconds, 0);
	if (atomic_load(&n->running)) {
		sim_ticks_t until = native_clock_now(&n->clock) + sim_us_to_ticks(microseconds);
		while (native_clock_now(&n->clock) < until)
			bail_if_stopped(n);
	}
	sched_leave(n, w);
}

static uint64_t k_interrupt_time(void *self)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	uint64_t t = sim_ticks_to_100ns(native_clock_now(&n->clock));
	sched_leave(n, w);
	return t;
}

static void k_yield(void *self)
{
	struct native *n = self;
	uint32_t w = sched_enter(n);
	sched_yield();
	sched_leave(n, w);
}

static void k_bug_check(void *self, uint32_t code, const uintptr_t params[4], const char *why,
			const char *reason)
{
	struct native *n = self;
	if (why != NULL)
		bugcheck(n, code, params[0], why);
	n->result.bugcheck_code = code;
	char label[48];
	kernel_rule(n, BUGCHECK,
		    "bug check 0x%X (p1 = 0x%" PRIxPTR ", p2 = 0x%" PRIxPTR ", p3 = 0x%" PRIxPTR
		    ", p4 = 0x%" PRIxPTR ") raised by the driver on %s%s%.160s",
		    code, params[0], params[1], params[2], params[3],
		    tls_ctx ? ctx_label(tls_ctx, label, sizeof(label)) : "the host thread",
		    reason != NULL ? ": " : "", reason != NULL ? reason : "");
}

static void k_print(void *self, const char *text)
{
	struct sim_event ev;
	event_init(&ev, EV_NOTE);
	ev.text = text;
	native_publish(self, &ev);
}

static void k_mark(void *self, const char *window)
{
	struct native *n = self;
	enum race_window w = race_window_by_name(window);
	if (w < WINDOW_COUNT)
		atomic_fetch_or(&n->windows_hit, UINT64_C(1) << w);
	if (!atomic_load(&n->running))
		return;
	struct sim_event ev;
	event_init(&ev, EV_MARK);
	ev.u.mark.id = (uint32_t)w;
	ev.text = window;
	native_publish(n, &ev);
}

/* Into the port model: the world is taken for the call (port.c is
 * consistent only between scheduling points) and let go on return. */
static void k_port_call(void *self, enum port_call call)
{
	struct native *n = self;
	struct nat_ctx *c = ctx_now(n);
	c->call_site = kernel_call_site;
	c->call_name = kernel_call_name;
	uint32_t w = sched_enter(n);
	c->in_port_call = true;
	sched_leave(n, w);
	publish_kcall(n, KC_PORT_CALL, NULL, call, atomic_load(&c->held_count));
	if (call != PORT_CALL_NOTIFY && atomic_load(&c->held_count) > 0) {
		char o[96];
		n->result.bugcheck_code = BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION;
		kernel_rule(n, LOCK_ACROSS_PORT_CALL,
			    "bug check 0xC4: %s called with spin lock %s held (Driver Verifier's "
			    "deadlock detection)",
			    call == PORT_CALL_GET_MAPPING	  ? "GetMapping"
			    : call == PORT_CALL_RELEASE_MAPPING ? "ReleaseMapping"
								: "TerminatePacket",
			    describe_object(c->held[0], o, sizeof(o)));
	}
	world_enter(n);
}

static void k_port_return(void *self)
{
	struct native *n = self;
	ctx_now(n)->in_port_call = false;
	world_leave(n);
}

static struct pool *k_pool(void *self)
{
	struct native *n = self;
	return n->p.pool;
}

static void k_rule_broken(void *self, AC_RULE rule, const char *message)
{
	static const enum machine_failure failure_of_rule[AcRuleCount] = {
		[AcRuleAssert] = MACHINE_FAIL_ASSERT,
		[AcRulePagedCode] = MACHINE_FAIL_PAGED_CODE,
		[AcRuleComRefcount] = MACHINE_FAIL_COM_REFCOUNT,
		[AcRulePool] = MACHINE_FAIL_POOL,
	};
	char label[48];
	fail_fmt(self, MACHINE_CHECKER_NAME, &machine_failures[failure_of_rule[rule]], "%.400s, on %s",
		 message, tls_ctx ? ctx_label(tls_ctx, label, sizeof(label)) : "the host thread");
}

static void k_model_enter(void *self)
{
	world_enter(self);
}

static void k_model_leave(void *self)
{
	world_leave(self);
}

static void k_fail(void *self, const char *checker, const struct failure_def *rule,
		   const char *message)
{
	native_fail(self, checker, rule, message);
}

static void k_out_of_memory(void *self, const char *what)
{
	fail_fmt(self, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_HOST_MEMORY],
		 "out of host memory for %s", what);
}

static const struct guest_memory *k_guest_memory(void *self)
{
	struct native *n = self;
	return n->p.guest;
}

static void k_publish_port(void *self, const struct port_event *pev, const void *ref)
{
	struct sim_event ev;
	event_init(&ev, EV_PORT);
	ev.u.port = *pev;
	ev.ref = ref;
	native_publish(self, &ev);
}

static const struct kernel_backend native_ops = {
	.get_irql = k_get_irql,
	.raise_irql = k_raise_irql,
	.lower_irql = k_lower_irql,
	.object_init = k_object_init,
	.spin_acquire = k_spin_acquire,
	.spin_release = k_spin_release,
	.connect_interrupt = k_connect_interrupt,
	.disconnect_interrupt = k_disconnect_interrupt,
	.synchronize = k_synchronize,
	.dpc_insert = k_dpc_insert,
	.dpc_remove = k_dpc_remove,
	.dpc_flush = k_dpc_flush,
	.timer_set = k_timer_set,
	.timer_cancel = k_timer_cancel,
	.event_set = k_event_set,
	.event_state = k_event_state,
	.event_wait = k_event_wait,
	.work_item_alloc = k_work_item_alloc,
	.work_item_queue = k_work_item_queue,
	.work_item_free = k_work_item_free,
	.port_read = k_port_read,
	.port_write = k_port_write,
	.common_buffer_alloc = k_common_buffer_alloc,
	.common_buffer_free = k_common_buffer_free,
	.stall = k_stall,
	.interrupt_time_100ns = k_interrupt_time,
	.yield = k_yield,
	.mark = k_mark,
	.bug_check = k_bug_check,
	.print = k_print,
	.port_call = k_port_call,
	.port_return = k_port_return,
	.pool = k_pool,
	.rule_broken = k_rule_broken,
	.model_enter = k_model_enter,
	.model_leave = k_model_leave,
	.fail = k_fail,
	.out_of_memory = k_out_of_memory,
	.guest_memory = k_guest_memory,
	.publish_port = k_publish_port,
};
