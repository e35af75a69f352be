/*
 * machine.c - the deterministic machine (see machine.h for the model).
 *
 * Control flow: every CPU runs cpu_main() on its own fiber. A scheduling
 * point runs inside the fiber that reached it: it builds the options,
 * takes one from the decision stream, and either carries on, runs the ISR
 * on top of itself, or switches to the chosen CPU's fiber with that CPU's
 * action noted. A fiber resumes inside its own scheduling point and acts
 * on what was chosen for it. The run ends by switching to the host
 * thread's fiber, from whichever CPU ends it, or by a crash in driver code
 * that the crash guard turns into a jump back to machine_run.
 *
 * Kernel objects: the backend's part of every object (struct k_object,
 * 64 bytes the driver never reads) holds a struct det_object. Objects are
 * numbered in creation order, so logs never see a host address.
 */
#include "machine.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "crash_guard.h"
#include "timing.h"
#include "windows.h"
#include "fiber.h"
#include "kernel_backend.h"
#include "native.h"
#include "port.h"
#include "simtime.h"

#define FIBER_STACK_BYTES (256u * 1024u)
#define DPC_QUEUE_MAX 64u
#define LOCKS_HELD_MAX 16u
#define TIMERS_MAX 64u
#define WORK_ITEMS_MAX 64u
#define OBJECTS_NAMED_MAX 1024u
#define STORM_UNCLAIMED_MAX 64u
#define COMMON_BUFFER_BASE 0x00100000u
#define COMMON_BUFFER_END 0x00400000u

const struct failure_def machine_failures[MACHINE_FAIL_COUNT] = {
#define MACHINE_FAILURE_ROW(id, name, rule) [MACHINE_FAIL_##id] = { name, rule },
	MACHINE_FAILURES(MACHINE_FAILURE_ROW)
#undef MACHINE_FAILURE_ROW
};

const struct failure_def harness_failures[HARNESS_FAIL_COUNT] = {
#define HARNESS_FAILURE_ROW(id, name, rule) [HARNESS_FAIL_##id] = { name, rule },
	HARNESS_FAILURES(HARNESS_FAILURE_ROW)
#undef HARNESS_FAILURE_ROW
};

/* What the deterministic backend keeps in a kernel object's storage. */
struct det_object {
	uint32_t id;		/* creation order, from 1 */
	uint8_t type;		/* enum kobject_type */
	KIRQL owner_old_irql;	/* spin locks */
	int16_t owner_cpu;	/* spin locks and the interrupt's lock: -1 when free */
	const char *name;	/* as the driver's source gave it */
	union {
		struct {
			PKDEFERRED_ROUTINE routine;
			void *context, *arg1, *arg2;
			uint64_t seq;	/* when last queued: the machine's count of queuings */
			int16_t queued_cpu;
			bool queued;
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

_Static_assert(sizeof(struct det_object) <= sizeof(struct k_object),
	       "the backend's object fits the SDK's storage");
_Static_assert(_Alignof(struct det_object) <= _Alignof(struct k_object),
	       "and is aligned as it is");

/* The SDK leaves IO_WORKITEM to the backend: work items come from a pool
 * of the machine's. */
struct IO_WORKITEM {
	struct k_object k;
};

static inline struct det_object *det(struct k_object *k)
{
	return (struct det_object *)(void *)k;
}

enum cpu_block { BLOCK_NONE, BLOCK_IDLE, BLOCK_SPIN, BLOCK_EVENT, BLOCK_FLUSH };
enum cpu_action { ACT_NONE, ACT_RUN, ACT_ISR };

struct cpu {
	int id;
	struct fiber fiber;
	KIRQL irql;
	enum cpu_block block;
	struct det_object *spin_on;	/* BLOCK_SPIN */
	KEVENT *wait_on;		/* BLOCK_EVENT */
	sim_ticks_t wait_deadline;
	uint64_t flush_upto;		/* BLOCK_FLUSH: DPCs queued up to this seq */
	uint64_t dpc_running_seq;	/* the DPC it runs (dequeued, not returned), or 0 */
	const struct det_object *dpc_running;	/* and its object (machine_cpu_view) */
	enum cpu_action pending;
	KDPC *dpcs[DPC_QUEUE_MAX];
	uint32_t dpc_count;
	struct det_object *held[LOCKS_HELD_MAX];	/* the locks this CPU holds */
	uint32_t held_count;
	uint32_t isr_depth;
	uint32_t dpc_depth;
	const char *task;		/* the passive call it runs, or NULL */
	sim_ticks_t stalled_until;	/* fault injection: runs nothing before */
	sim_ticks_t delayed_until;	/* a delay (timing.h): its own code waits till then */
	sim_ticks_t runs_from;		/* the later of the two: one compare a step */
	/* Where its driver code last called in (kernel_backend.h), kept
	 * while a port call runs. */
	const void *call_site;
	const char *call_name;
	bool in_port_call;
};

struct task {
	void (*fn)(void *arg);
	void *arg;
	const char *name;
	IO_WORKITEM *item;
	PIO_WORKITEM_ROUTINE item_routine;
};

#define STEP_TASKS_MAX 32u

struct step_task {
	uint64_t step;
	struct task task;
};

struct machine {
	struct machine_config cfg;
	struct gmem mem;
	struct guest_memory guest;
	struct ac97 dev;
	AC97SIM_RESOURCES resources;
	struct decider decider;
	struct evlog evlog;
	struct bus bus;
	struct pool pool;	/* ExAllocatePoolWithTag's, for the run */
	struct fiber main_fiber;
	/* The machine's parts that a run may not use, or uses n_cpus of, are
	 * allocated as needed: a machine is made for every run and calloc
	 * clears all it is given (a 32 KiB struct was a cost of its own). */
	struct cpu *cpu;		/* n_cpus of them */
	int current;
	bool running;
	bool finished;
	bool run_end_published;
	sim_ticks_t now;
	uint64_t dpc_seq;	/* DPCs queued so far (KeFlushQueuedDpcs) */
	uint64_t steps;
	struct task *tasks;
	size_t task_head, task_count, task_capacity;
	KINTERRUPT *interrupt;
	int isr_cpu;
	/* The interrupt line as last seen, and when its raise is delivered
	 * (its latency drawn as it rose: timing.h). */
	bool irq_raised;
	sim_ticks_t irq_deliver_at;
	struct timing_plan timing;
	uint32_t unclaimed_in_a_row;
	KTIMER *timers[TIMERS_MAX];
	uint32_t timer_count;
	/* When the first of them fires (SIM_TICKS_NEVER: none), kept by
	 * timers_changed: time is caught up at every step, mostly with no
	 * timer due. */
	sim_ticks_t timers_next_fire_tick;
	uint32_t next_object_id;
	const char **object_names;	/* by id, for logs and reports (object_names_cap) */
	uint32_t object_names_cap;
	IO_WORKITEM *work_items;	/* WORK_ITEMS_MAX, from the first allocation */
	uint32_t common_next;
	sim_ticks_t irq_held_until;	/* fault injection: no delivery before */
	sim_ticks_t check_at_tick;	/* machine_check_at; 0: none */
	struct step_task step_tasks[STEP_TASKS_MAX];
	uint32_t n_step_tasks;
	struct run_result result;
	/* Non-NULL: the native backend runs this machine (native.h); it
	 * borrows the device, memory, bus and log above, and the calls
	 * below that harness code makes go to it. */
	struct native *native;
};

static _Thread_local struct machine *running_machine;

static const struct kernel_backend machine_ops;

const char *run_verdict_name(enum run_verdict v)
{
	switch (v) {
	case RUN_PASS: return "pass";
	case RUN_FAIL: return "fail";
	case RUN_LIMIT: return "limit";
	case RUN_DIVERGED: return "diverged";
	}
	return "?";
}

void machine_config_default(struct machine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->n_cpus = 2;
	cfg->strategy.kind = STRATEGY_RANDOM;
	cfg->seed = 1;
	cfg->costs = (struct machine_costs){
		.port_io = 12, .kernel_call = 2, .port_driver_call = 6, .isr_entry = 12,
		.dpc_dispatch = 6,
	};
	cfg->max_steps = 1000000;
	cfg->max_ticks = 600ull * SIM_TICKS_PER_SECOND;
	cfg->irq_latency_max_ticks = TIMING_IRQ_LATENCY_MAX_TICKS_DEFAULT;
	cfg->hang_cpu_seconds = CRASH_GUARD_STALL_CPU_SECONDS;
	cfg->record_decisions = true;
	ac97_config_default(&cfg->device);
	cfg->nambar = 0xE000;
	cfg->nabmbar = 0xE400;
}

/* ---- small helpers ----------------------------------------------------------- */

static struct cpu *cur(struct machine *m)
{
	assert((uint32_t)m->current < m->cfg.n_cpus);	/* -1 (none) wraps to too large */
	return &m->cpu[m->current];
}

/* Publishes ev as happening at tick on cpu (-1: the device, or outside
 * the run). The device's events may lie behind the machine's clock: it
 * catches up event by event. */
static void publish_at(struct machine *m, struct sim_event *ev, sim_ticks_t tick, int cpu)
{
	ev->step = m->steps;
	ev->tick = tick;
	ev->cpu = (int16_t)cpu;
	if (event_kind_logged((enum sim_event_kind)ev->kind))
		evlog_add(&m->evlog, ev);
	bus_publish(&m->bus, ev);
}

void machine_publish(struct machine *m, struct sim_event *ev)
{
	if (m->native != NULL) {
		native_publish(m->native, ev);
		return;
	}
	publish_at(m, ev, m->now, m->running ? m->current : -1);
}

/* Publishes an event of kind with payload u and no text, now, on the
 * current CPU. The kernel's calls, register accesses and the scheduling
 * decisions (one or two a step) are events that only the log reads in a
 * search: then, without a text log, they are hashed from their fields and
 * not built (evlog_hash_fields: the hash publishing would give). */
static void publish_payload(struct machine *m, enum sim_event_kind kind,
			    const union sim_event_payload *u)
{
	int cpu = m->running ? m->current : -1;
	if (!bus_wants(&m->bus, kind) && m->evlog.text == NULL) {
		if (event_kind_logged(kind))
			evlog_hash_fields(&m->evlog, (uint16_t)kind, (int16_t)cpu, m->now, u->words,
					  NULL);
		return;
	}
	struct sim_event ev;
	event_init(&ev, kind);
	ev.u = *u;
	publish_at(m, &ev, m->now, cpu);
}

/* The common case: a kernel call with an object and two arguments. */
static void publish_kcall(struct machine *m, enum kcall call, const struct det_object *o,
			  uint64_t arg0, uint64_t arg1)
{
	union sim_event_payload u = { .words = { 0 } };
	u.kcall = (struct ev_kcall){ call, o != NULL ? o->id : 0, arg0, arg1 };
	publish_payload(m, EV_KCALL, &u);
}

void machine_note(struct machine *m, const char *text)
{
	struct sim_event ev;
	event_init(&ev, EV_NOTE);
	ev.text = text;
	machine_publish(m, &ev);
}

static void publish_fault(struct machine *m, enum fault_kind kind, uint32_t arg, sim_ticks_t until)
{
	struct sim_event ev;
	event_init(&ev, EV_FAULT);
	ev.u.fault = (struct ev_fault){ kind, arg, until };
	machine_publish(m, &ev);
}

static const char *object_name(void *ctx, uint32_t id)
{
	const struct machine *m = ctx;
	return id < m->object_names_cap ? m->object_names[id] : NULL;
}

/* "&s->lock (#16)" */
static const char *describe_object(const struct det_object *o, char *buf, size_t len)
{
	if (o->name != NULL)
		snprintf(buf, len, "%s (#%u)", o->name, (unsigned)o->id);
	else
		snprintf(buf, len, "#%u", (unsigned)o->id);
	return buf;
}

static int describe_cpus(struct machine *m, char *buf, size_t len)
{
	static const char *const block_names[] = { "running", "idle", "spinning", "waiting",
						   "flushing DPCs" };
	size_t at = 0;
	char o[96];
	for (uint32_t i = 0; i < m->cfg.n_cpus && at < len; i++) {
		const struct cpu *c = &m->cpu[i];
		int n = snprintf(buf + at, len - at, "\n  cpu%u: %s at IRQL %u%s%s", i,
				 block_names[c->block], c->irql, c->task ? " in " : "",
				 c->task ? c->task : "");
		if (n < 0)
			break;
		at += (size_t)n;
		if (c->block == BLOCK_SPIN && at < len)
			at += (size_t)snprintf(buf + at, len - at, " on lock %s",
					       describe_object(c->spin_on, o, sizeof(o)));
		if (c->block == BLOCK_EVENT && at < len)
			at += (size_t)snprintf(buf + at, len - at, " for event %s",
					       describe_object(det(&c->wait_on->k), o, sizeof(o)));
		for (uint32_t h = 0; h < c->held_count && at < len; h++)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", h ? ", " : ", holds lock ",
					       describe_object(c->held[h], o, sizeof(o)));
	}
	return (int)at;
}

/* Ends the run from inside a fiber. */
AC97SIM_NORETURN static void end_run(struct machine *m, enum run_verdict verdict,
				     const char *checker, const struct failure_def *rule,
				     const char *message)
{
	struct run_result *r = &m->result;
	r->verdict = verdict;
	snprintf(r->checker, sizeof(r->checker), "%s", rule ? rule->name : "");
	snprintf(r->group, sizeof(r->group), "%s", checker ? checker : "");
	r->rule = rule ? rule->rule : NULL;
	snprintf(r->message, sizeof(r->message), "%s", message ? message : "");
	r->steps = m->steps;
	r->end_tick = m->now;
	if (m->current >= 0 && !cur(m)->in_port_call) {
		cur(m)->call_site = kernel_call_site;
		cur(m)->call_name = kernel_call_name;
	}
	r->n_cpus = m->cfg.n_cpus;
	r->failed_cpu = m->current;
	for (uint32_t i = 0; i < m->cfg.n_cpus; i++)
		r->where[i] = (struct run_where){ m->cpu[i].call_site, m->cpu[i].call_name };
	if (verdict == RUN_FAIL) {
		struct sim_event ev;
		event_init(&ev, EV_FAILURE);
		ev.u.failure.bugcheck_code = r->bugcheck_code;
		ev.text = rule->name;
		machine_publish(m, &ev);
	}
	r->evlog_hash = m->evlog.hash;
	r->events = m->evlog.count;
	m->finished = true;
	if (!m->running) {
		fprintf(stderr, "ac97sim: %s outside a run: %s\n", rule ? rule->name : "failure",
			message ? message : "");
		abort();
	}
	fiber_switch(&cur(m)->fiber, &m->main_fiber);
	abort();	/* an ended run is never resumed */
}

AC97SIM_NORETURN static void end_diverged(struct machine *m)
{
	end_run(m, RUN_DIVERGED, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_REPLAY],
		m->decider.divergence.why);
}

AC97SIM_NORETURN void machine_fail(struct machine *m, const char *checker,
				   const struct failure_def *rule, const char *format, ...)
{
	char msg[768], full[1024];
	va_list ap;
	va_start(ap, format);
	vsnprintf(msg, sizeof(msg), format, ap);
	va_end(ap);
	if (m->native != NULL)
		native_fail(m->native, checker, rule, msg);
	int n = snprintf(full, sizeof(full), "%s (step %" PRIu64 ", %" PRIu64 " ticks = %" PRIu64
			 " us)", msg, m->steps, m->now, sim_ticks_to_us(m->now));
	if (n > 0 && (size_t)n < sizeof(full))
		describe_cpus(m, full + n, sizeof(full) - (size_t)n);
	end_run(m, RUN_FAIL, checker, rule, full);
}

#define kernel_rule(m, id, ...) \
	machine_fail((m), MACHINE_CHECKER_NAME, &machine_failures[MACHINE_FAIL_##id], __VA_ARGS__)
#define harness_fault(m, id, ...) \
	machine_fail((m), HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_##id], __VA_ARGS__)

/* A bug check: the code picks the rule it broke. */
AC97SIM_NORETURN static void bugcheck(struct machine *m, uint32_t code, uintptr_t p1,
				      const char *why)
{
	m->result.bugcheck_code = code;
	enum machine_failure f = code == BUGCHECK_IRQL_NOT_LESS_OR_EQUAL ? MACHINE_FAIL_IRQL
				 : code == BUGCHECK_SPIN_LOCK_ALREADY_OWNED ||
						 code == BUGCHECK_SPIN_LOCK_NOT_OWNED
					 ? MACHINE_FAIL_SPIN_LOCK
					 : MACHINE_FAIL_VERIFIER;
	machine_fail(m, MACHINE_CHECKER_NAME, &machine_failures[f],
		     "bug check 0x%02X (%s, p1 = 0x%" PRIxPTR ") on cpu%d", code, why, p1, m->current);
}

/* ---- time ------------------------------------------------------------------------ */

static void queue_dpc_on(struct machine *m, struct cpu *c, KDPC *dpc)
{
	if (c->dpc_count == DPC_QUEUE_MAX)
		kernel_rule(m, VERIFIER, "more than %u DPCs queued on cpu%d", DPC_QUEUE_MAX, c->id);
	struct det_object *o = det(&dpc->k);
	o->u.dpc.queued = true;
	o->u.dpc.queued_cpu = (int16_t)c->id;
	o->u.dpc.seq = ++m->dpc_seq;
	c->dpcs[c->dpc_count++] = dpc;
}

static void remove_timer(struct machine *m, uint32_t i)
{
	m->timers[i] = m->timers[--m->timer_count];
}

/* When a timer fires: on the timer clock's first tick at or after its due
 * time (timing.h). due_ticks stays what the driver asked for, so a
 * periodic timer's next due time does not drift. */
static sim_ticks_t timer_fire_tick(const struct machine *m, const struct det_object *t)
{
	return timing_timer_fires(&m->timing, t->u.timer.due_ticks);
}

/* After a timer was set, cancelled, fired or re-armed. */
static void timers_changed(struct machine *m)
{
	sim_ticks_t next = SIM_TICKS_NEVER;
	for (uint32_t i = 0; i < m->timer_count; i++) {
		sim_ticks_t fires = timer_fire_tick(m, det(&m->timers[i]->k));
		if (fires < next)
			next = fires;
	}
	m->timers_next_fire_tick = next;
}

/* Timers due at or before now fire in (firing tick, id) order; a periodic
 * one is re-armed a period later, a one-shot one is cleared. */
static void fire_timers(struct machine *m)
{
	if (m->now < m->timers_next_fire_tick)
		return;
	for (;;) {
		int best = -1;
		for (uint32_t i = 0; i < m->timer_count; i++) {
			const struct det_object *t = det(&m->timers[i]->k);
			sim_ticks_t fires = timer_fire_tick(m, t);
			if (fires > m->now)
				continue;
			const struct det_object *b = best < 0 ? NULL : det(&m->timers[best]->k);
			if (b == NULL || fires < timer_fire_tick(m, b) ||
			    (fires == timer_fire_tick(m, b) && t->id < b->id))
				best = (int)i;
		}
		if (best < 0)
			break;
		struct det_object *t = det(&m->timers[best]->k);
		struct sim_event ev;
		event_init(&ev, EV_TIMER);
		ev.u.id = (struct ev_id){ t->id, 0, t->u.timer.due_ticks };
		machine_publish(m, &ev);
		if (t->u.timer.period_ticks != 0) {
			t->u.timer.due_ticks += t->u.timer.period_ticks;
		} else {
			t->u.timer.set = false;
			remove_timer(m, (uint32_t)best);
		}
		KDPC *dpc = t->u.timer.dpc;
		if (dpc != NULL && !det(&dpc->k)->u.dpc.queued) {
			uint32_t c = 0;
			if (m->cfg.n_cpus > 1)
				c = decide_uniform(&m->decider, SITE_TIMER_CPU, m->cfg.n_cpus, m->evlog.hash);
			queue_dpc_on(m, &m->cpu[c], dpc);
		}
	}
	timers_changed(m);
}

/* Simulated time reaches m->now: the device and the timers catch up. */
static inline void catch_up(struct machine *m)
{
	ac97_advance_to(&m->dev, m->now);
	fire_timers(m);
}

/* A limit cuts the run: EV_LIMIT first, so that a checker can say the run
 * had stopped moving (it fails the run then, and this does not return). */
AC97SIM_NORETURN static void end_at_limit(struct machine *m, enum limit_kind which)
{
	struct sim_event ev;
	event_init(&ev, EV_LIMIT);
	ev.u.limit = (struct ev_limit){ which, 0,
					which == LIMIT_STEPS ? m->cfg.max_steps : m->cfg.max_ticks };
	machine_publish(m, &ev);
	if (which == LIMIT_STEPS)
		end_run(m, RUN_LIMIT, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_STEP_LIMIT],
			"scheduling step limit reached");
	end_run(m, RUN_LIMIT, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_TIME_LIMIT],
		"simulated time limit reached");
}

static inline void charge(struct machine *m, sim_ticks_t cost)
{
	m->now += cost;
	if (m->now > m->cfg.max_ticks)
		end_at_limit(m, LIMIT_TIME);
	catch_up(m);
}

/* ---- scheduling ---------------------------------------------------------------------- */

struct option {
	uint8_t action;	/* enum cpu_action */
	uint8_t cpu;
};

static bool tasks_waiting(const struct machine *m)
{
	return m->task_count > 0;
}

static bool event_signalled(KEVENT *e)
{
	return det(&e->k)->u.event.signalled;
}

/* After stalled_until or delayed_until changed (a delay may be drawn for a
 * CPU that is still delayed, when it is chosen for an ISR: then it moves
 * back as well as forward). */
static void cpu_hold_changed(struct cpu *c)
{
	c->runs_from = c->stalled_until > c->delayed_until ? c->stalled_until : c->delayed_until;
}

/* KeFlushQueuedDpcs: every DPC queued up to seq `upto` has run to its
 * end, on every CPU: none is queued or running. */
static bool dpcs_flushed(const struct machine *m, uint64_t upto)
{
	for (uint32_t i = 0; i < m->cfg.n_cpus; i++) {
		const struct cpu *c = &m->cpu[i];
		if (c->dpc_running_seq != 0 && c->dpc_running_seq <= upto)
			return false;
		for (uint32_t k = 0; k < c->dpc_count; k++)
			if (det(&c->dpcs[k]->k)->u.dpc.seq <= upto)
				return false;
	}
	return true;
}

static bool cpu_can_run(const struct machine *m, const struct cpu *c)
{
	if (m->now < c->runs_from)
		return false;
	/* The running CPU and an idle one are the common cases. */
	if (c->block == BLOCK_NONE)
		return true;
	if (c->block == BLOCK_IDLE)
		return tasks_waiting(m) || c->dpc_count > 0;
	if (c->block == BLOCK_EVENT)
		return event_signalled(c->wait_on) || m->now >= c->wait_deadline ||
		       (c->dpc_count > 0 && c->irql < DISPATCH_LEVEL);
	if (c->block == BLOCK_FLUSH)
		return dpcs_flushed(m, c->flush_upto) ||
		       (c->dpc_count > 0 && c->irql < DISPATCH_LEVEL);
	assert(c->block == BLOCK_SPIN);
	return c->spin_on->owner_cpu < 0;
}

static bool irq_line_up(const struct machine *m)
{
	/* The device's line first: it is mostly low. */
	return ac97_irq_line(&m->dev) && m->interrupt != NULL &&
	       det(&m->interrupt->k)->u.intr.connected;
}

static bool irq_deliverable(const struct machine *m)
{
	return irq_line_up(m) && m->isr_cpu < 0 && m->now >= m->irq_held_until &&
	       m->irq_raised && m->now >= m->irq_deliver_at;
}

AC97SIM_NORETURN static void end_diverged(struct machine *m);

/* Notices the line rising (an interrupt raised) and draws how late it is
 * delivered; a line that fell is forgotten. */
static inline void irq_update(struct machine *m)
{
	if (!irq_line_up(m)) {
		m->irq_raised = false;
		return;
	}
	if (m->irq_raised)
		return;
	m->irq_raised = true;
	m->irq_deliver_at =
		m->now + timing_irq_latency(&m->decider, m->cfg.irq_latency_max_ticks, m->evlog.hash);
	if (decider_diverged(&m->decider))
		end_diverged(m);
}

static uint32_t build_options(struct machine *m, struct option *opt, uint32_t *agent,
			      uint32_t *option_id)
{
	uint32_t n = 0;
	irq_update(m);
	bool irq = irq_deliverable(m);
	/* A deliverable interrupt is taken at once (its latency was decided
	 * in time as it rose): only which CPU takes it is a choice. */
	if (irq) {
		for (uint32_t i = 0; i < m->cfg.n_cpus; i++) {
			if (m->cpu[i].irql < DIRQL && m->now >= m->cpu[i].stalled_until) {
				opt[n] = (struct option){ ACT_ISR, (uint8_t)i };
				option_id[n] = DECIDE_OPTION_INTERRUPT + i;
				agent[n++] = m->cfg.n_cpus;	/* the interrupt is one agent */
			}
		}
		if (n > 0)
			return n;
	}
	for (uint32_t i = 0; i < m->cfg.n_cpus; i++) {
		if (cpu_can_run(m, &m->cpu[i])) {
			opt[n] = (struct option){ ACT_RUN, (uint8_t)i };
			option_id[n] = i;
			agent[n++] = i;
		}
	}
	return n;
}

/* A task waiting for a step does not keep the run going: an idle machine
 * takes no steps, so a run that ends first never reaches it. */
static bool all_idle(const struct machine *m)
{
	if (tasks_waiting(m))
		return false;
	for (uint32_t i = 0; i < m->cfg.n_cpus; i++)
		if (m->cpu[i].block != BLOCK_IDLE || m->cpu[i].dpc_count > 0)
			return false;
	return true;
}

/* Nothing can run: time jumps to the next thing that can change that.
 * Returns false when nothing is pending at all. */
static bool idle_advance(struct machine *m)
{
	sim_ticks_t next = ac97_next_event_tick(&m->dev);
	if (m->timers_next_fire_tick < next)
		next = m->timers_next_fire_tick;
	for (uint32_t i = 0; i < m->cfg.n_cpus; i++) {
		/* A deadline already passed cannot move time on (its CPU may be
		 * stalled, and then it is the stall's end that counts). */
		if (m->cpu[i].block == BLOCK_EVENT && m->cpu[i].wait_deadline > m->now &&
		    m->cpu[i].wait_deadline < next)
			next = m->cpu[i].wait_deadline;
		if (m->cpu[i].stalled_until > m->now && m->cpu[i].stalled_until < next)
			next = m->cpu[i].stalled_until;
		if (m->cpu[i].delayed_until > m->now && m->cpu[i].delayed_until < next)
			next = m->cpu[i].delayed_until;
	}
	irq_update(m);
	if (m->irq_raised && irq_line_up(m)) {
		sim_ticks_t deliver = m->irq_deliver_at > m->irq_held_until ? m->irq_deliver_at
									      : m->irq_held_until;
		if (deliver > m->now && deliver < next)
			next = deliver;
	}
	if (next == SIM_TICKS_NEVER)
		return false;
	bool deadline = m->check_at_tick > m->now && m->check_at_tick < next;
	if (deadline)
		next = m->check_at_tick;
	if (next > m->now)
		charge(m, next - m->now);
	else
		catch_up(m);
	if (deadline) {
		m->check_at_tick = 0;
		struct sim_event ev;
		event_init(&ev, EV_DEADLINE);
		machine_publish(m, &ev);
	}
	return true;
}

static void run_isr(struct machine *m, struct cpu *self);
static void run_dpcs(struct machine *m, struct cpu *self);
static int push_task(struct machine *m, struct task t);

/* Tasks queued for a step join the passive queue once it is reached. */
static void release_step_tasks(struct machine *m)
{
	for (uint32_t i = 0; i < m->n_step_tasks;) {
		if (m->step_tasks[i].step > m->steps) {
			i++;
			continue;
		}
		if (push_task(m, m->step_tasks[i].task) != 0)
			harness_fault(m, HOST_MEMORY, "out of host memory queueing a task");
		machine_note(m, m->step_tasks[i].task.name);
		m->step_tasks[i] = m->step_tasks[--m->n_step_tasks];
	}
}

static void switch_to(struct machine *m, struct cpu *self, struct cpu *target)
{
	m->current = target->id;
	fiber_switch(&self->fiber, &target->fiber);
	/* Resumed: whoever chose us set m->current to us. The latest call
	 * site is ours again (the others' calls moved it meanwhile). */
	assert(m->current == self->id);
	kernel_call_site = self->call_site;
	kernel_call_name = self->call_name;
}

/* The ISR or the DPCs the last decision runs on this CPU (act). */
__attribute__((noinline)) static bool act_nested(struct machine *m, struct cpu *self,
						 enum cpu_action a)
{
	/* The ISR or the DPCs run on top of whatever the CPU was waiting for;
	 * while they run the CPU is running, and then it waits again, for the
	 * same lock or event: they may spin or poll themselves, and that
	 * clears spin_on and wait_on. */
	enum cpu_block saved = self->block;
	struct det_object *saved_spin_on = self->spin_on;
	KEVENT *saved_wait_on = self->wait_on;
	sim_ticks_t saved_wait_deadline = self->wait_deadline;
	self->block = BLOCK_NONE;
	if (a == ACT_ISR)
		run_isr(m, self);
	else
		run_dpcs(m, self);
	self->block = saved;
	self->spin_on = saved_spin_on;
	self->wait_on = saved_wait_on;
	self->wait_deadline = saved_wait_deadline;
	return a != ACT_ISR;
}

/* Acts on what the last decision chose for this CPU. Returns true when the
 * CPU should carry on with its own code. Inline: every step ends here, and
 * mostly the CPU just goes on. */
static inline bool act(struct machine *m, struct cpu *self)
{
	enum cpu_action a = self->pending;
	self->pending = ACT_NONE;
	bool nested_dpcs = a == ACT_RUN && self->irql < DISPATCH_LEVEL && self->dpc_count > 0 &&
			   self->block != BLOCK_IDLE;
	if (a != ACT_ISR && !nested_dpcs)
		return true;
	return act_nested(m, self, a);
}

/* Every CPU idle and nothing queued: the end-of-run checks (published once,
 * still inside the machine, so that they may fail the run; they may also
 * run code, so the scheduling goes on afterwards). */
static bool publish_run_end(struct machine *m)
{
	if (m->run_end_published)
		return false;
	m->run_end_published = true;
	struct sim_event ev;
	event_init(&ev, EV_RUN_END);
	machine_publish(m, &ev);
	return true;
}

static void sched_point(struct machine *m, sim_ticks_t cost)
{
	if (!m->running)
		return;
	struct cpu *self = cur(m);
	if (!self->in_port_call) {
		self->call_site = kernel_call_site;
		self->call_name = kernel_call_name;
	}
	if (decider_diverged(&m->decider))
		end_diverged(m);	/* at a draw made before the run */
	charge(m, cost);
	if (bus_wants(&m->bus, EV_STEP)) {
		/* Not logged (a constant): straight to the step hooks. */
		_Static_assert(!(EV_LOGGED_KINDS & EV_BIT(EV_STEP)), "EV_STEP is not logged");
		struct sim_event ev;
		event_init(&ev, EV_STEP);
		ev.step = m->steps;
		ev.tick = m->now;
		ev.cpu = (int16_t)m->current;
		bus_publish(&m->bus, &ev);
	}
	for (;;) {
		struct option opt[2 * MACHINE_CPUS_MAX];
		uint32_t agent[2 * MACHINE_CPUS_MAX], option_id[2 * MACHINE_CPUS_MAX];
		uint32_t n = build_options(m, opt, agent, option_id);
		if (n == 0) {
			if (all_idle(m)) {
				if (publish_run_end(m))
					continue;
				end_run(m, RUN_PASS, NULL, NULL, NULL);
			}
			if (!idle_advance(m)) {
				m->result.bugcheck_code = 0;
				kernel_rule(m, DEADLOCK, "no CPU can run and nothing is pending");
			}
			continue;
		}
		uint32_t k = 0;
		if (n > 1) {
			k = decide_schedule(&m->decider, n, agent, option_id, m->evlog.hash);
			if (decider_diverged(&m->decider))
				end_diverged(m);
		}
		if (++m->steps > m->cfg.max_steps)
			end_at_limit(m, LIMIT_STEPS);
		release_step_tasks(m);
		sim_ticks_t delay_ticks;
		if (timing_delay_due(&m->timing, m->steps, &delay_ticks)) {
			/* This step's CPU is held back: its own code waits (an ISR
			 * it was chosen for still runs), the others go on, and time
			 * moves if nobody else can. */
			struct cpu *held = &m->cpu[opt[k].cpu];
			held->delayed_until = m->now + delay_ticks;
			cpu_hold_changed(held);
			struct sim_event fault_ev;
			event_init(&fault_ev, EV_FAULT);
			fault_ev.u.fault = (struct ev_fault){ FAULT_DELAYED, (uint32_t)held->id,
							      held->delayed_until };
			machine_publish(m, &fault_ev);
			if (opt[k].action != ACT_ISR)
				continue;
		}
		union sim_event_payload u = { .words = { 0 } };
		u.schedule = (struct ev_schedule){
			opt[k].action == ACT_ISR ? SCHED_ISR : SCHED_RUN, opt[k].cpu, n, SITE_SCHEDULE,
		};
		publish_payload(m, EV_SCHEDULE, &u);
		struct cpu *target = &m->cpu[opt[k].cpu];
		target->pending = (enum cpu_action)opt[k].action;
		if (target != self)
			switch_to(m, self, target);
		if (act(m, self))
			return;
	}
}

/* ---- ISR and DPC dispatch ---------------------------------------------------------- */

static void hold(struct machine *m, struct cpu *c, struct det_object *lock)
{
	if (c->held_count == LOCKS_HELD_MAX)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, lock->id,
			 "too many spin locks held");
	c->held[c->held_count++] = lock;
}

static void unhold(struct cpu *c, const struct det_object *lock)
{
	/* Mostly the lock taken last: no move. */
	if (c->held_count > 0 && c->held[c->held_count - 1] == lock) {
		c->held_count--;
		return;
	}
	for (uint32_t i = 0; i < c->held_count; i++) {
		if (c->held[i] == lock) {
			memmove(&c->held[i], &c->held[i + 1], (c->held_count - i - 1) * sizeof(c->held[0]));
			c->held_count--;
			return;
		}
	}
}

/* Takes a lock object for the current CPU, spinning while another holds it. */
static void take_lock(struct machine *m, struct cpu *self, struct det_object *lock)
{
	while (lock->owner_cpu >= 0) {
		self->block = BLOCK_SPIN;
		self->spin_on = lock;
		sched_point(m, 0);
	}
	self->block = BLOCK_NONE;
	self->spin_on = NULL;
	lock->owner_cpu = (int16_t)self->id;
	hold(m, self, lock);
}

static void drop_lock(struct cpu *self, struct det_object *lock)
{
	lock->owner_cpu = -1;
	unhold(self, lock);
}

static void publish_isr(struct machine *m, bool leaving, bool claimed)
{
	struct sim_event ev;
	event_init(&ev, EV_ISR);
	ev.u.isr = (struct ev_isr){ leaving, claimed };
	machine_publish(m, &ev);
}

static void run_isr(struct machine *m, struct cpu *self)
{
	KINTERRUPT *intr = m->interrupt;
	assert(intr != NULL && m->isr_cpu < 0 && self->irql < DIRQL);
	struct det_object *io = det(&intr->k);
	KIRQL old = self->irql;
	uint32_t held_before = self->held_count;
	m->isr_cpu = self->id;
	self->irql = DIRQL;
	self->isr_depth++;
	publish_isr(m, false, false);
	charge(m, m->cfg.costs.isr_entry);
	take_lock(m, self, io);
	bool claimed = io->u.intr.isr(intr, io->u.intr.context) != 0;
	if (self->irql != DIRQL || self->held_count != held_before + 1)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, self->irql,
			 "ISR returned with IRQL or spin locks not restored");
	drop_lock(self, io);
	self->isr_depth--;
	self->irql = old;
	m->isr_cpu = -1;
	publish_isr(m, true, claimed);
	m->unclaimed_in_a_row = claimed ? 0 : m->unclaimed_in_a_row + 1;
	if (m->unclaimed_in_a_row >= STORM_UNCLAIMED_MAX && ac97_irq_line(&m->dev))
		kernel_rule(m, INTERRUPT_STORM,
			    "the interrupt line stayed asserted through %u ISR calls that did not claim "
			    "it", STORM_UNCLAIMED_MAX);
	if (self->irql < DISPATCH_LEVEL)
		run_dpcs(m, self);
}

static void run_dpcs(struct machine *m, struct cpu *self)
{
	KIRQL old = self->irql;
	assert(old < DISPATCH_LEVEL);
	self->irql = DISPATCH_LEVEL;
	while (self->dpc_count > 0) {
		KDPC *dpc = self->dpcs[0];
		memmove(&self->dpcs[0], &self->dpcs[1], --self->dpc_count * sizeof(self->dpcs[0]));
		struct det_object *o = det(&dpc->k);
		o->u.dpc.queued = false;
		o->u.dpc.queued_cpu = -1;
		/* Running from its dequeuing to its return: a flush waits for it
		 * (the routine may still read the object, and its context). */
		uint64_t outer_seq = self->dpc_running_seq;
		const struct det_object *outer = self->dpc_running;
		self->dpc_running_seq = o->u.dpc.seq;
		self->dpc_running = o;
		struct sim_event ev;
		event_init(&ev, EV_DPC);
		ev.u.id.id = o->id;
		machine_publish(m, &ev);
		sched_point(m, m->cfg.costs.dpc_dispatch);
		uint32_t held_before = self->held_count;
		self->dpc_depth++;
		if (o->u.dpc.routine != NULL)
			o->u.dpc.routine(dpc, o->u.dpc.context, o->u.dpc.arg1, o->u.dpc.arg2);
		self->dpc_depth--;
		self->dpc_running_seq = outer_seq;
		self->dpc_running = outer;
		if (self->irql != DISPATCH_LEVEL || self->held_count != held_before)
			bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, self->irql,
				 "DPC returned with IRQL or spin locks not restored");
	}
	self->irql = old;
}

/* ---- CPUs ------------------------------------------------------------------------ */

static void run_task(struct machine *m, struct cpu *self, struct task t)
{
	self->task = t.name;
	struct sim_event ev;
	event_init(&ev, EV_TASK);
	ev.text = t.name;
	ev.ref = t.arg;		/* whose call it is (a work item's context), for checkers */
	machine_publish(m, &ev);
	if (t.item != NULL) {
		det(&t.item->k)->u.work.queued = false;
		t.item_routine(NULL, t.arg);
	} else {
		t.fn(t.arg);
	}
	if (self->irql != PASSIVE_LEVEL || self->held_count != 0)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, self->irql,
			 "passive call returned with IRQL or spin locks not restored");
	self->task = NULL;
}

static void cpu_main(void *arg)
{
	struct cpu *self = arg;
	struct machine *m = running_machine;
	/* Created idle (so that the machine knows it can take work); running
	 * now. */
	self->block = BLOCK_NONE;
	act(m, self);
	for (;;) {
		if (self->dpc_count > 0) {
			run_dpcs(m, self);
		} else if (tasks_waiting(m)) {
			struct task t = m->tasks[m->task_head++];
			m->task_count--;
			run_task(m, self, t);
		} else {
			self->block = BLOCK_IDLE;
			sched_point(m, 0);
			self->block = BLOCK_NONE;
		}
	}
}

/* ---- the device, onto the bus ---------------------------------------------------- */

static void on_device_event(void *ctx, const struct ac97_event *dev_ev)
{
	struct machine *m = ctx;
	/* DMA ranges follow from the descriptors and time already logged:
	 * they go to subscribers, not into the log. */
	enum sim_event_kind kind = dev_ev->kind == AC97_EV_DMA ? EV_DMA : EV_DEVICE;
	if (!bus_wants(&m->bus, kind) && !event_kind_logged(kind))
		return;
	struct sim_event ev;
	event_init(&ev, kind);
	ev.u.device = (struct ev_device){
		(uint32_t)dev_ev->kind, dev_ev->engine, dev_ev->code, 0, dev_ev->a, dev_ev->b,
	};
	ev.ref = dev_ev;
	publish_at(m, &ev, dev_ev->tick, -1);
}

static void on_span(void *ctx, const struct ac97_span *span)
{
	struct machine *m = ctx;
	if (!bus_wants(&m->bus, EV_SPAN))
		return;
	/* Not logged (a constant): straight to its subscribers. */
	_Static_assert(!(EV_LOGGED_KINDS & EV_BIT(EV_SPAN)), "EV_SPAN is not logged");
	struct sim_event ev;
	event_init(&ev, EV_SPAN);
	ev.ref = span;
	ev.step = m->steps;
	ev.tick = cadence_tick_of(&span->cadence, span->first_request);
	ev.cpu = -1;
	bus_publish(&m->bus, &ev);
}

/* ---- guest memory, as the port model sees it ------------------------------------- */

static bool guest_page_mapped(void *mem, uint64_t addr)
{
	return gmem_page_is_mapped(mem, addr);
}

static void guest_set_mapped(void *mem, uint64_t addr, uint64_t len, bool mapped)
{
	gmem_set_mapped(mem, addr, len, mapped);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

/* Guest memory a recycling machine left behind on this thread (its bytes
 * NULL when there is none): explore runs thousands of machines one after
 * another, and a fresh mapping costs a host page fault for every page a
 * run touches (gmem.h, gmem_reset). One per thread, freed when the thread
 * ends (the main thread's lasts until the process does). */
static _Thread_local struct gmem spare_memory;
static pthread_key_t spare_memory_key;
static pthread_once_t spare_memory_once = PTHREAD_ONCE_INIT;

static void spare_memory_free(void *spare)
{
	gmem_free(spare);
}

static void spare_memory_key_make(void)
{
	if (pthread_key_create(&spare_memory_key, spare_memory_free) != 0)
		abort();	/* no key left in the process: out of host resources */
}

void machine_drop_spare_memory(void)
{
	gmem_free(&spare_memory);
}

static int guest_memory_init(struct machine *m)
{
	if (m->cfg.recycle_memory && spare_memory.bytes != NULL &&
	    spare_memory.size_bytes == GMEM_DEFAULT_BYTES) {
		m->mem = spare_memory;
		memset(&spare_memory, 0, sizeof(spare_memory));
		gmem_reset(&m->mem);
		return 0;
	}
	return gmem_init(&m->mem, GMEM_DEFAULT_BYTES);
}

static void guest_memory_free(struct machine *m)
{
	if (m->cfg.recycle_memory && spare_memory.bytes == NULL) {
		pthread_once(&spare_memory_once, spare_memory_key_make);
		spare_memory = m->mem;
		memset(&m->mem, 0, sizeof(m->mem));
		pthread_setspecific(spare_memory_key, &spare_memory);	/* freed at thread exit */
		return;
	}
	gmem_free(&m->mem);
}

struct machine *machine_create(const struct machine_config *cfg)
{
	if (cfg->n_cpus < 1 || cfg->n_cpus > MACHINE_CPUS_MAX)
		return NULL;
	/* Cleared but for the device, which ac97_init clears itself. */
	struct machine *m = malloc(sizeof(*m));
	if (m == NULL)
		return NULL;
	size_t dev_at = offsetof(struct machine, dev), dev_end = dev_at + sizeof(m->dev);
	memset(m, 0, dev_at);
	memset((char *)m + dev_end, 0, sizeof(*m) - dev_end);
	m->cpu = calloc(cfg->n_cpus, sizeof(*m->cpu));
	if (m->cpu == NULL) {
		free(m);
		return NULL;
	}
	m->cfg = *cfg;
	/* The run ends at its time limit, so a limit within the clock's
	 * horizon keeps every catch_up an advance the device takes. */
	if (m->cfg.max_ticks > SIM_TICKS_HORIZON)
		m->cfg.max_ticks = SIM_TICKS_HORIZON;
	if (guest_memory_init(m) != 0) {
		free(m->cpu);
		free(m);
		return NULL;
	}
	m->guest = (struct guest_memory){ m->mem.bytes, m->mem.size_bytes, guest_page_mapped,
					  guest_set_mapped, &m->mem };
	ac97_init(&m->dev, &cfg->device, gmem_dma_ops(), &m->mem);
	ac97_set_observer(&m->dev, (struct ac97_observer){ on_device_event, m });
	ac97_set_sink(&m->dev, (struct ac97_sink){ on_span, m });
	m->resources = (AC97SIM_RESOURCES){
		.Nambar = (PUCHAR)cfg->nambar,
		.Nabmbar = (PUCHAR)cfg->nabmbar,
	};
	if (cfg->replay == NULL)
		decider_init(&m->decider, &cfg->strategy, cfg->seed);
	else if (cfg->replay_mode == REPLAY_FOLLOW)
		decider_init_follow(&m->decider, cfg->replay);
	else if (cfg->replay_mode == REPLAY_FORK)
		decider_init_fork(&m->decider, cfg->replay, cfg->replay_fork_step, &cfg->strategy,
				  cfg->seed);
	else
		decider_init_replay(&m->decider, cfg->replay);
	m->decider.record = cfg->record_decisions;
	evlog_init(&m->evlog, cfg->log_text);
	m->evlog.object_name = object_name;
	m->evlog.object_name_ctx = m;
	bus_init(&m->bus);
	if (cfg->native != NULL) {
		const struct native_parts parts = { &m->dev, &m->mem, &m->guest, &m->bus, &m->evlog,
						    &m->resources, &m->pool };
		m->native = native_create(&m->cfg, &parts);
		if (m->native == NULL) {
			machine_destroy(m);
			return NULL;
		}
		return m;
	}
	m->isr_cpu = -1;
	m->current = -1;
	m->common_next = COMMON_BUFFER_BASE;
	m->timers_next_fire_tick = SIM_TICKS_NEVER;
	for (uint32_t i = 0; i < cfg->n_cpus; i++) {
		struct cpu *c = &m->cpu[i];
		c->id = (int)i;
		c->block = BLOCK_IDLE;
		if (fiber_create(&c->fiber, FIBER_STACK_BYTES, cpu_main, c) != 0) {
			machine_destroy(m);
			return NULL;
		}
	}
	return m;
}

void machine_destroy(struct machine *m)
{
	if (m == NULL)
		return;
	native_destroy(m->native);
	for (uint32_t i = 0; i < m->cfg.n_cpus && m->native == NULL; i++)
		fiber_destroy(&m->cpu[i].fiber);
	free(m->tasks);
	pool_destroy(&m->pool);
	decider_free(&m->decider);
	guest_memory_free(m);
	free(m->cpu);
	free(m->object_names);
	free(m->work_items);
	free(m);
}

struct ac97 *machine_device(struct machine *m) { return &m->dev; }
struct gmem *machine_memory(struct machine *m) { return &m->mem; }
const AC97SIM_RESOURCES *machine_resources(const struct machine *m) { return &m->resources; }
struct bus *machine_bus(struct machine *m) { return &m->bus; }
const struct decision_log *machine_decisions(const struct machine *m) { return &m->decider.recorded; }
const struct divergence *machine_divergence(const struct machine *m) { return &m->decider.divergence; }
uint64_t machine_decision_count(const struct machine *m) { return m->decider.step; }
uint32_t machine_draw(struct machine *m, enum decide_site site, uint32_t n_options)
{
	assert(!m->running && n_options >= 1);
	return decide_uniform(&m->decider, site, n_options, m->evlog.hash);
}

_Static_assert(LOCKS_HELD_MAX == MACHINE_LOCKS_HELD_MAX, "a view holds every lock a CPU can");

uint32_t machine_cpu_count(const struct machine *m) { return m->cfg.n_cpus; }

void machine_cpu_view(const struct machine *m, uint32_t cpu, struct machine_cpu_view *out)
{
	assert(cpu < m->cfg.n_cpus);
	if (m->native != NULL) {
		native_cpu_view(m->native, cpu, out);
		return;
	}
	static const enum machine_cpu_block blocks[] = {
		[BLOCK_NONE] = MACHINE_CPU_RUNNING, [BLOCK_IDLE] = MACHINE_CPU_IDLE,
		[BLOCK_SPIN] = MACHINE_CPU_SPINNING, [BLOCK_EVENT] = MACHINE_CPU_WAITING,
		[BLOCK_FLUSH] = MACHINE_CPU_FLUSHING,
	};
	const struct cpu *c = &m->cpu[cpu];
	memset(out, 0, sizeof(*out));
	out->irql = c->irql;
	out->block = blocks[c->block];
	if (c->isr_depth > 0 && m->interrupt != NULL) {
		out->context = MACHINE_CTX_ISR;
		out->object = det(&m->interrupt->k)->id;
		out->name = det(&m->interrupt->k)->name;
	} else if (c->dpc_running != NULL) {
		out->context = MACHINE_CTX_DPC;
		out->object = c->dpc_running->id;
		out->name = c->dpc_running->name;
	} else if (c->task != NULL) {
		out->context = MACHINE_CTX_TASK;
		out->name = c->task;
	}
	if (c->block == BLOCK_SPIN && c->spin_on != NULL)
		out->spin_on = c->spin_on->id;
	assert(c->held_count <= MACHINE_LOCKS_HELD_MAX);
	out->n_held = c->held_count;
	for (uint32_t i = 0; i < c->held_count; i++)
		out->held[i] = c->held[i]->id;
}

const char *machine_object_name(const struct machine *m, uint32_t id)
{
	if (m->native != NULL)
		return native_object_name(m->native, id);
	return id < OBJECTS_NAMED_MAX ? m->object_names[id] : NULL;
}

sim_ticks_t machine_now(const struct machine *m)
{
	return m->native != NULL ? native_now(m->native) : m->now;
}

uint64_t machine_step(const struct machine *m)
{
	return m->native != NULL ? native_steps(m->native) : m->steps;
}

int machine_current_cpu(const struct machine *m)
{
	return m->native != NULL ? native_current_cpu(m->native) : m->current;
}

struct machine *machine_running(void) { return running_machine; }

void machine_check_at(struct machine *m, sim_ticks_t tick)
{
	if (m->native != NULL) {
		native_check_at(m->native, tick);
		return;
	}
	if (tick <= m->now)
		return;
	if (m->check_at_tick <= m->now || tick < m->check_at_tick)
		m->check_at_tick = tick;
}

void machine_bind(struct machine *m)
{
	if (m->native != NULL) {
		native_bind(m->native);
		return;
	}
	kernel_bind(&machine_ops, m);
}

int machine_queue_passive(struct machine *m, void (*fn)(void *arg), void *arg, const char *name)
{
	if (m->native != NULL)
		return native_queue_passive(m->native, fn, arg, name);
	return push_task(m, (struct task){ fn, arg, name, NULL, NULL });
}

static int push_task(struct machine *m, struct task task)
{
	if (m->task_head + m->task_count == m->task_capacity && m->task_head > 0) {
		memmove(m->tasks, m->tasks + m->task_head, m->task_count * sizeof(*m->tasks));
		m->task_head = 0;
	}
	if (m->task_head + m->task_count == m->task_capacity) {
		size_t cap = m->task_capacity ? 2 * m->task_capacity : 16;
		struct task *t = realloc(m->tasks, cap * sizeof(*t));
		if (t == NULL)
			return -1;
		m->tasks = t;
		m->task_capacity = cap;
	}
	m->tasks[m->task_head + m->task_count++] = task;
	return 0;
}

int machine_queue_passive_at_step(struct machine *m, uint64_t step, void (*fn)(void *arg),
				  void *arg, const char *name)
{
	if (m->native != NULL)
		return native_queue_passive_at_step(m->native, step, fn, arg, name);
	if (m->n_step_tasks == STEP_TASKS_MAX)
		return -1;
	m->step_tasks[m->n_step_tasks++] = (struct step_task){ step, { fn, arg, name, NULL, NULL } };
	return 0;
}

void machine_hold_interrupts(struct machine *m, sim_ticks_t until_tick)
{
	if (m->native != NULL) {
		native_hold_interrupts(m->native, until_tick);
		return;
	}
	if (until_tick > m->irq_held_until)
		m->irq_held_until = until_tick;
	publish_fault(m, FAULT_IRQ_HELD, 0, until_tick);
}

void machine_stall_cpu(struct machine *m, uint32_t cpu, sim_ticks_t until_tick)
{
	if (m->native != NULL) {
		native_stall_cpu(m->native, cpu, until_tick);
		return;
	}
	if (cpu >= m->cfg.n_cpus)
		return;
	if (until_tick > m->cpu[cpu].stalled_until)
		m->cpu[cpu].stalled_until = until_tick;
	cpu_hold_changed(&m->cpu[cpu]);
	publish_fault(m, FAULT_CPU_STALLED, cpu, until_tick);
}

/* Driver code crashed or hung: the run ends where it was. Its fibers are
 * abandoned (machine_destroy frees their stacks). What is reported
 * depends on the build, never on where the host put things: a code
 * address as object and offset, a data address only when it is near NULL. */
static void end_run_crashed(struct machine *m, const struct crash_info *crash)
{
	enum machine_failure f = crash->hang ? MACHINE_FAIL_DRIVER_HANG : MACHINE_FAIL_DRIVER_CRASH;
	struct run_result *r = &m->result;
	r->verdict = RUN_FAIL;
	snprintf(r->checker, sizeof(r->checker), "%s", machine_failures[f].name);
	snprintf(r->group, sizeof(r->group), "%s", MACHINE_CHECKER_NAME);
	r->rule = machine_failures[f].rule;
	char where[192], what[160];
	crash_guard_describe_pc(crash->pc, where, sizeof(where));
	if (crash->hang)
		snprintf(what, sizeof(what), "no scheduling point for %u s of CPU time", crash->hang_cpu_seconds);
	else if ((crash->signal == SIGSEGV || crash->signal == SIGBUS) && crash->fault_addr < 0x10000u)
		snprintf(what, sizeof(what), "%s at address 0x%" PRIxPTR " (a NULL pointer%s)",
			 crash_signal_name(crash->signal), crash->fault_addr,
			 crash->fault_addr ? " plus an offset" : "");
	else
		snprintf(what, sizeof(what), "%s", crash_signal_name(crash->signal));
	int n = snprintf(r->message, sizeof(r->message),
			 "%s in %s on cpu%d (step %" PRIu64 ", %" PRIu64 " ticks = %" PRIu64 " us)", what,
			 where, m->current, m->steps, m->now, sim_ticks_to_us(m->now));
	if (n > 0 && (size_t)n < sizeof(r->message))
		describe_cpus(m, r->message + n, sizeof(r->message) - (size_t)n);
	r->steps = m->steps;
	r->end_tick = m->now;
	m->finished = true;
	struct sim_event ev;
	event_init(&ev, EV_FAILURE);
	ev.text = machine_failures[f].name;
	machine_publish(m, &ev);
	r->evlog_hash = m->evlog.hash;
	r->events = m->evlog.count;
}

static void run_fibers(void *arg)
{
	struct machine *m = arg;
	m->running = true;
	m->current = 0;
	m->cpu[0].pending = ACT_RUN;
	fiber_switch(&m->main_fiber, &m->cpu[0].fiber);
}

void machine_run(struct machine *m, struct run_result *result)
{
	assert(!m->running && !m->finished);
	if (m->native != NULL) {
		bus_seal(&m->bus);
		native_run(m->native, result);
		m->finished = true;
		return;
	}
	struct machine *outer = running_machine;
	running_machine = m;
	kernel_bind(&machine_ops, m);
	fiber_adopt_thread(&m->main_fiber);
	bus_seal(&m->bus);
	/* The run's times, drawn before anything runs (a replay diverging
	 * here ends the run at its first scheduling point). k: the run's
	 * length as calibrated (strategy.pct_steps), also in a replay. */
	timing_plan_draw(&m->timing, &m->decider, m->cfg.strategy.pct_steps, m->evlog.hash);
	timers_changed(m);	/* the phase moves when timers set before the run fire */
	struct crash_info crash;
	if (!crash_guard_call(run_fibers, m, (const volatile uint64_t *)&m->steps,
			      m->cfg.hang_cpu_seconds, &crash)) {
		fiber_resume_after_jump(&m->main_fiber);
		end_run_crashed(m, &crash);
	}
	m->running = false;
	m->current = -1;
	kernel_bind(NULL, NULL);
	running_machine = outer;
	*result = m->result;
}

/* ---- the kernel.h backend ---------------------------------------------------------- */

static KIRQL k_get_irql(void *self)
{
	struct machine *m = self;
	return m->running ? cur(m)->irql : PASSIVE_LEVEL;
}

static void k_raise_irql(void *self, KIRQL new_irql, KIRQL *old_irql)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	if (new_irql < c->irql)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, new_irql, "KeRaiseIrql to a lower IRQL");
	*old_irql = c->irql;
	c->irql = new_irql;
	publish_kcall(m, KC_RAISE_IRQL, NULL, new_irql, *old_irql);
}

static void k_lower_irql(void *self, KIRQL new_irql)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	if (new_irql > c->irql)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, new_irql, "KeLowerIrql to a higher IRQL");
	KIRQL was = c->irql;
	c->irql = new_irql;
	publish_kcall(m, KC_LOWER_IRQL, NULL, new_irql, was);
	if (c->irql < DISPATCH_LEVEL && c->dpc_count > 0)
		run_dpcs(m, c);
}

/* Room for the name of object id (< OBJECTS_NAMED_MAX); out of host
 * memory the name is not kept (logs then say "#id", as past the limit). */
static void grow_object_names(struct machine *m, uint32_t id)
{
	uint32_t cap = m->object_names_cap ? m->object_names_cap : 32u;
	while (cap <= id)
		cap *= 2;
	if (cap > OBJECTS_NAMED_MAX)
		cap = OBJECTS_NAMED_MAX;
	const char **names = realloc(m->object_names, cap * sizeof(*names));
	if (names == NULL)
		return;
	memset(names + m->object_names_cap, 0, (cap - m->object_names_cap) * sizeof(*names));
	m->object_names = names;
	m->object_names_cap = cap;
}

static void k_object_init(void *self, struct k_object *k, enum kobject_type type, const char *name,
			  void *routine, void *context)
{
	struct machine *m = self;
	struct det_object *o = det(k);
	o->id = ++m->next_object_id;
	o->type = (uint8_t)type;
	o->owner_cpu = -1;
	o->name = name;
	if (o->id < OBJECTS_NAMED_MAX && o->id >= m->object_names_cap)
		grow_object_names(m, o->id);
	if (o->id < m->object_names_cap)
		m->object_names[o->id] = name;
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
	struct ev_object_where where;
	struct sim_event ev;
	event_object_created(&ev, &where, k, o->id, (uint32_t)type, name,
			     type == KOBJ_DPC || type == KOBJ_INTERRUPT ? context : NULL);
	machine_publish(m, &ev);
}

static void k_spin_acquire(void *self, KSPIN_LOCK *lock, KIRQL *old_irql, bool at_dpc_level)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	struct det_object *o = det(&lock->k);
	if (o->type != KOBJ_SPIN_LOCK || o->id == 0)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "a spin lock acquired before KeInitializeSpinLock");
	if (c->isr_depth > 0)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, o->id,
			 "an ISR took an ordinary spin lock");
	if (at_dpc_level && c->irql != DISPATCH_LEVEL)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, c->irql,
			 "KeAcquireSpinLockAtDpcLevel below or above DISPATCH_LEVEL");
	if (!at_dpc_level && c->irql > DISPATCH_LEVEL)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, c->irql,
			 "KeAcquireSpinLock above DISPATCH_LEVEL");
	if (o->owner_cpu == c->id)
		bugcheck(m, BUGCHECK_SPIN_LOCK_ALREADY_OWNED, o->id,
			 "spin lock acquired again by the CPU that holds it");
	if (!at_dpc_level) {
		*old_irql = c->irql;
		c->irql = DISPATCH_LEVEL;
	}
	publish_kcall(m, KC_ACQUIRE_SPIN_LOCK, o, 0, 0);
	take_lock(m, c, o);
}

static void k_spin_release(void *self, KSPIN_LOCK *lock, KIRQL old_irql, bool from_dpc_level)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	struct det_object *o = det(&lock->k);
	if (o->owner_cpu != c->id)
		bugcheck(m, BUGCHECK_SPIN_LOCK_NOT_OWNED, o->id,
			 "spin lock released by a CPU that does not hold it");
	if (c->irql != DISPATCH_LEVEL)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, c->irql,
			 "spin lock released at an IRQL other than DISPATCH_LEVEL");
	if (!from_dpc_level && old_irql > DISPATCH_LEVEL)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, old_irql,
			 "KeReleaseSpinLock to an IRQL above DISPATCH_LEVEL");
	drop_lock(c, o);
	publish_kcall(m, KC_RELEASE_SPIN_LOCK, o, 0, 0);
	if (!from_dpc_level) {
		c->irql = old_irql;
		if (c->irql < DISPATCH_LEVEL && c->dpc_count > 0)
			run_dpcs(m, c);
	}
}

static NTSTATUS k_connect_interrupt(void *self, KINTERRUPT *interrupt)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	if (m->interrupt != NULL && det(&m->interrupt->k)->u.intr.connected)
		return STATUS_INSUFFICIENT_RESOURCES;
	det(&interrupt->k)->u.intr.connected = true;
	m->interrupt = interrupt;
	publish_kcall(m, KC_CONNECT_INTERRUPT, det(&interrupt->k), 0, 0);
	return STATUS_SUCCESS;
}

static void k_disconnect_interrupt(void *self, KINTERRUPT *interrupt)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	if (m->interrupt != interrupt)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, det(&interrupt->k)->id,
			 "AcDisconnectInterrupt of an interrupt that is not connected");
	/* Like Windows, wait for an ISR running elsewhere to finish. */
	while (m->isr_cpu >= 0 && m->isr_cpu != m->current)
		sched_point(m, m->cfg.costs.kernel_call);
	det(&interrupt->k)->u.intr.connected = false;
	m->interrupt = NULL;
	publish_kcall(m, KC_DISCONNECT_INTERRUPT, det(&interrupt->k), 0, 0);
}

static bool k_synchronize(void *self, KINTERRUPT *interrupt, PKSYNCHRONIZE_ROUTINE routine,
			  void *context)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	struct det_object *o = det(&interrupt->k);
	if (c->irql > DIRQL)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, c->irql,
			 "KeSynchronizeExecution above DIRQL");
	if (o->owner_cpu == c->id)
		bugcheck(m, BUGCHECK_SPIN_LOCK_ALREADY_OWNED, o->id,
			 "KeSynchronizeExecution while holding the interrupt lock");
	KIRQL old = c->irql;
	c->irql = DIRQL;
	publish_kcall(m, KC_SYNCHRONIZE, o, 0, 0);
	take_lock(m, c, o);
	uint32_t held = c->held_count;
	bool r = routine(context) != 0;
	if (c->irql != DIRQL || c->held_count != held)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, c->irql,
			 "synchronize routine returned with IRQL or spin locks not restored");
	drop_lock(c, o);
	c->irql = old;
	if (c->irql < DISPATCH_LEVEL && c->dpc_count > 0)
		run_dpcs(m, c);
	return r;
}

static bool k_dpc_insert(void *self, KDPC *dpc, void *arg1, void *arg2)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct det_object *o = det(&dpc->k);
	if (o->type != KOBJ_DPC || o->id == 0)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "a DPC queued before KeInitializeDpc");
	if (o->u.dpc.queued)
		return false;	/* queued by someone in the meantime */
	o->u.dpc.arg1 = arg1;
	o->u.dpc.arg2 = arg2;
	struct cpu *c = cur(m);
	queue_dpc_on(m, c, dpc);
	publish_kcall(m, KC_INSERT_DPC, o, 0, 0);
	if (c->irql < DISPATCH_LEVEL)
		run_dpcs(m, c);
	return true;
}

static bool k_dpc_remove(void *self, KDPC *dpc)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct det_object *o = det(&dpc->k);
	publish_kcall(m, KC_REMOVE_DPC, o, o->u.dpc.queued, 0);
	if (!o->u.dpc.queued)
		return false;
	struct cpu *c = &m->cpu[o->u.dpc.queued_cpu];
	for (uint32_t i = 0; i < c->dpc_count; i++) {
		if (c->dpcs[i] == dpc) {
			memmove(&c->dpcs[i], &c->dpcs[i + 1], (c->dpc_count - i - 1) * sizeof(c->dpcs[0]));
			c->dpc_count--;
			break;
		}
	}
	o->u.dpc.queued = false;
	o->u.dpc.queued_cpu = -1;
	return true;
}

/* Waits at PASSIVE_LEVEL until every DPC queued before the call (on any
 * CPU) has run to its end, and every DPC running at the call has
 * returned; DPCs queued later are not waited for. The caller's own CPU
 * runs its queued DPCs meanwhile, as any CPU below DISPATCH_LEVEL does. */
static void k_dpc_flush(void *self)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	if (c->irql != PASSIVE_LEVEL)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, c->irql,
			 "KeFlushQueuedDpcs above PASSIVE_LEVEL");
	uint64_t upto = m->dpc_seq;
	publish_kcall(m, KC_FLUSH_DPCS, NULL, upto, 0);
	while (!dpcs_flushed(m, upto)) {
		c->block = BLOCK_FLUSH;
		c->flush_upto = upto;
		sched_point(m, 0);
	}
	c->block = BLOCK_NONE;
}

static bool k_timer_set(void *self, KTIMER *timer, int64_t due_time_100ns, int32_t period_ms,
			KDPC *dpc)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct det_object *o = det(&timer->k);
	if (o->type != KOBJ_TIMER || o->id == 0)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "a timer set before KeInitializeTimer");
	bool was = o->u.timer.set;
	sim_ticks_t due = due_time_100ns < 0
				  ? m->now + sim_100ns_to_ticks((uint64_t)-(due_time_100ns + 1) + 1)
				  : sim_100ns_to_ticks((uint64_t)due_time_100ns);
	o->u.timer.due_ticks = due > m->now ? due : m->now;
	o->u.timer.period_ticks = (sim_ticks_t)period_ms * (SIM_TICKS_PER_SECOND / 1000u);
	o->u.timer.dpc = dpc;
	if (!was) {
		if (m->timer_count == TIMERS_MAX)
			kernel_rule(m, VERIFIER, "more than %u timers set", TIMERS_MAX);
		m->timers[m->timer_count++] = timer;
	}
	o->u.timer.set = true;
	timers_changed(m);
	publish_kcall(m, KC_SET_TIMER, o, o->u.timer.due_ticks, o->u.timer.period_ticks);
	return was;
}

static bool k_timer_cancel(void *self, KTIMER *timer)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct det_object *o = det(&timer->k);
	bool was = o->u.timer.set;
	for (uint32_t i = 0; i < m->timer_count; i++)
		if (m->timers[i] == timer)
			remove_timer(m, i--);
	o->u.timer.set = false;
	timers_changed(m);
	publish_kcall(m, KC_CANCEL_TIMER, o, was, 0);
	return was;
}

static bool k_event_set(void *self, KEVENT *event, bool signalled)
{
	struct machine *m = self;
	struct det_object *o = det(&event->k);
	sched_point(m, m->cfg.costs.kernel_call);
	bool was = o->u.event.signalled;
	o->u.event.signalled = signalled;
	publish_kcall(m, signalled ? KC_SET_EVENT : KC_RESET_EVENT, o, signalled, 0);
	return was;
}

static bool k_event_state(void *self, KEVENT *event)
{
	(void)self;
	return det(&event->k)->u.event.signalled;
}

static NTSTATUS k_event_wait(void *self, KEVENT *event, const int64_t *timeout_100ns)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	struct det_object *o = det(&event->k);
	if (o->type != KOBJ_EVENT || o->id == 0)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "KeWaitForSingleObject on something that is not an initialised event");
	bool poll = timeout_100ns != NULL && *timeout_100ns == 0;
	if (c->irql > (poll ? DISPATCH_LEVEL : PASSIVE_LEVEL))
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, c->irql,
			 "KeWaitForSingleObject above PASSIVE_LEVEL with a non-zero timeout");
	sim_ticks_t deadline = SIM_TICKS_NEVER;
	if (timeout_100ns != NULL)
		deadline = *timeout_100ns < 0
				   ? m->now + sim_100ns_to_ticks((uint64_t)-(*timeout_100ns + 1) + 1)
				   : sim_100ns_to_ticks((uint64_t)*timeout_100ns);
	publish_kcall(m, KC_WAIT, o, 0, 0);
	while (!o->u.event.signalled && m->now < deadline) {
		c->block = BLOCK_EVENT;
		c->wait_on = event;
		c->wait_deadline = deadline;
		sched_point(m, 0);
	}
	c->block = BLOCK_NONE;
	c->wait_on = NULL;
	if (!o->u.event.signalled)
		return STATUS_TIMEOUT;
	if (o->u.event.type == SynchronizationEvent)
		o->u.event.signalled = false;
	return STATUS_SUCCESS;
}

static IO_WORKITEM *k_work_item_alloc(void *self)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	if (m->work_items == NULL)
		m->work_items = calloc(WORK_ITEMS_MAX, sizeof(*m->work_items));
	for (uint32_t i = 0; m->work_items != NULL && i < WORK_ITEMS_MAX; i++) {
		IO_WORKITEM *item = &m->work_items[i];
		struct det_object *o = det(&item->k);
		if (o->u.work.allocated)
			continue;
		memset(&item->k, 0, sizeof(item->k));
		k_object_init(m, &item->k, KOBJ_WORK_ITEM, "work item", NULL, NULL);
		det(&item->k)->u.work.allocated = true;
		publish_kcall(m, KC_ALLOC_WORK_ITEM, det(&item->k), 0, 0);
		return item;
	}
	return NULL;
}

static void k_work_item_queue(void *self, IO_WORKITEM *item, PIO_WORKITEM_ROUTINE routine,
			      void *context)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct det_object *o = det(&item->k);
	if (!o->u.work.allocated)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "IoQueueWorkItem of a work item not from IoAllocateWorkItem");
	if (o->u.work.queued)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, o->id,
			 "IoQueueWorkItem of a work item already queued");
	o->u.work.queued = true;
	if (push_task(m, (struct task){ NULL, context, "work item", item, routine }) != 0)
		harness_fault(m, HOST_MEMORY, "out of host memory queueing a work item");
	struct sim_event ev;
	event_init(&ev, EV_KCALL);
	ev.u.kcall = (struct ev_kcall){ KC_QUEUE_WORK_ITEM, o->id, 0, 0 };
	ev.ref = context;	/* whose work it is, for checkers (not hashed) */
	machine_publish(m, &ev);
}

static void k_work_item_free(void *self, IO_WORKITEM *item)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct det_object *o = det(&item->k);
	if (!o->u.work.allocated || o->u.work.queued)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, o->id,
			 "IoFreeWorkItem of a work item not allocated, or still queued");
	publish_kcall(m, KC_FREE_WORK_ITEM, o, 0, 0);
	o->u.work.allocated = false;
}

/* Which BAR a port address falls in. */
static bool decode_port(const struct machine *m, uintptr_t port, unsigned width_bits,
			enum ac97_bar *bar, uint32_t *offset)
{
	uintptr_t last = port + width_bits / 8 - 1;
	uintptr_t nam = (uintptr_t)m->resources.Nambar, nabm = (uintptr_t)m->resources.Nabmbar;
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

static void publish_io(struct machine *m, bool write, uint32_t bar, uint32_t offset,
		       unsigned width_bits, uint32_t value)
{
	union sim_event_payload u = { .words = { 0 } };
	u.io = (struct ev_io){ write, bar, offset, width_bits, value };
	publish_payload(m, EV_IO, &u);
}

static uint32_t k_port_read(void *self, uintptr_t port, unsigned width_bits)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.port_io);
	enum ac97_bar bar;
	uint32_t off;
	if (!decode_port(m, port, width_bits, &bar, &off)) {
		publish_io(m, false, UINT32_MAX, (uint32_t)port, width_bits, 0);
		return width_bits == 32 ? 0xFFFFFFFFu : (1u << width_bits) - 1;
	}
	uint32_t v = ac97_io_read(&m->dev, bar, off, width_bits);
	publish_io(m, false, bar, off, width_bits, v);
	return v;
}

static void k_port_write(void *self, uintptr_t port, unsigned width_bits, uint32_t value)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.port_io);
	enum ac97_bar bar;
	uint32_t off;
	if (!decode_port(m, port, width_bits, &bar, &off)) {
		publish_io(m, true, UINT32_MAX, (uint32_t)port, width_bits, value);
		return;
	}
	publish_io(m, true, bar, off, width_bits, value);
	ac97_io_write(&m->dev, bar, off, width_bits, value);
}

static void *k_common_buffer_alloc(void *self, uint32_t len_bytes, uint32_t *physical)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	uint32_t len = (len_bytes + GMEM_PAGE_BYTES - 1) & ~(GMEM_PAGE_BYTES - 1);
	if (len == 0 || len > COMMON_BUFFER_END - m->common_next)
		return NULL;
	uint32_t at = m->common_next;
	m->common_next += len;
	gmem_set_mapped(&m->mem, at, len, true);
	memset(m->mem.bytes + at, 0, len);
	*physical = at;
	publish_kcall(m, KC_ALLOC_COMMON_BUFFER, NULL, at, len);
	return m->mem.bytes + at;
}

static void k_common_buffer_free(void *self, void *virtual_address, uint32_t len_bytes)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	uint8_t *p = virtual_address;
	if (p < m->mem.bytes + COMMON_BUFFER_BASE || p >= m->mem.bytes + COMMON_BUFFER_END)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "AcFreeCommonBuffer of memory that is not a common buffer");
	/* Freed memory leaves the guest, so DMA that still uses it is caught. */
	uint64_t at = (uint64_t)(p - m->mem.bytes);
	gmem_set_mapped(&m->mem, at, len_bytes, false);
	publish_kcall(m, KC_FREE_COMMON_BUFFER, NULL, at, len_bytes);
}

static void k_stall(void *self, uint32_t microseconds)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	publish_kcall(m, KC_STALL, NULL, microseconds, 0);
	charge(m, sim_us_to_ticks(microseconds));
	sched_point(m, 0);
}

static uint64_t k_interrupt_time(void *self)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	return sim_ticks_to_100ns(m->now);
}

static void k_yield(void *self)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
}

static void k_bug_check(void *self, uint32_t code, const uintptr_t params[4], const char *why,
			const char *reason)
{
	struct machine *m = self;
	if (why != NULL)
		bugcheck(m, code, params[0], why);
	/* The driver's own bug check, with its reason when it gave one. */
	m->result.bugcheck_code = code;
	kernel_rule(m, BUGCHECK,
		    "bug check 0x%X (p1 = 0x%" PRIxPTR ", p2 = 0x%" PRIxPTR ", p3 = 0x%" PRIxPTR
		    ", p4 = 0x%" PRIxPTR ") raised by the driver on cpu%d%s%.160s",
		    code, params[0], params[1], params[2], params[3], m->current,
		    reason != NULL ? ": " : "", reason != NULL ? reason : "");
}

static struct pool *k_pool(void *self)
{
	struct machine *m = self;
	return &m->pool;
}

const struct failure_def *machine_failure_of_rule(AC_RULE rule)
{
	static const enum machine_failure failure_of_rule[AcRuleCount] = {
		[AcRuleAssert] = MACHINE_FAIL_ASSERT,
		[AcRulePagedCode] = MACHINE_FAIL_PAGED_CODE,
		[AcRuleComRefcount] = MACHINE_FAIL_COM_REFCOUNT,
		[AcRulePool] = MACHINE_FAIL_POOL,
	};
	assert((unsigned)rule < AcRuleCount);
	return &machine_failures[failure_of_rule[rule]];
}

static void k_rule_broken(void *self, AC_RULE rule, const char *message)
{
	struct machine *m = self;
	machine_fail(m, MACHINE_CHECKER_NAME, machine_failure_of_rule(rule), "%.400s, on cpu%d",
		     message, m->current);
}

static void k_print(void *self, const char *text)
{
	struct machine *m = self;
	machine_note(m, text);
}

/* A mark names its window by text; a catalogue window's bit is set too. */
static void k_mark(void *self, const char *window)
{
	struct machine *m = self;
	enum race_window w = race_window_by_name(window);
	if (w < WINDOW_COUNT)
		m->result.windows_hit |= UINT64_C(1) << w;
	if (!m->running)
		return;
	struct sim_event ev;
	event_init(&ev, EV_MARK);
	ev.u.mark.id = (uint32_t)w;
	ev.text = window;
	machine_publish(m, &ev);
}

static void k_port_call(void *self, enum port_call call)
{
	struct machine *m = self;
	struct cpu *c = cur(m);
	c->call_site = kernel_call_site;
	c->call_name = kernel_call_name;
	c->in_port_call = true;
	sched_point(m, m->cfg.costs.port_driver_call);
	publish_kcall(m, KC_PORT_CALL, NULL, call, c->held_count);
	/* Notify comes from ISRs, holding the interrupt's lock: portcls allows
	 * it. GetMapping and ReleaseMapping may take portcls's own locks. */
	if (call != PORT_CALL_NOTIFY && c->held_count > 0) {
		char o[96];
		m->result.bugcheck_code = BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION;
		kernel_rule(m, LOCK_ACROSS_PORT_CALL,
			    "bug check 0xC4: %s called with spin lock %s held (Driver Verifier's "
			    "deadlock detection)", call == PORT_CALL_GET_MAPPING ? "GetMapping"
						   : call == PORT_CALL_RELEASE_MAPPING ? "ReleaseMapping"
										       : "TerminatePacket",
			    describe_object(c->held[0], o, sizeof(o)));
	}
}

static void k_port_return(void *self)
{
	struct machine *m = self;
	cur(m)->in_port_call = false;
}

static void k_fail(void *self, const char *checker, const struct failure_def *rule,
		   const char *message)
{
	machine_fail(self, checker, rule, "%s", message);
}

static void k_out_of_memory(void *self, const char *what)
{
	harness_fault((struct machine *)self, HOST_MEMORY, "out of host memory for %s", what);
}

static const struct guest_memory *k_guest_memory(void *self)
{
	struct machine *m = self;
	return &m->guest;
}

static void k_publish_port(void *self, const struct port_event *pev, const void *ref)
{
	struct machine *m = self;
	struct sim_event ev;
	event_init(&ev, EV_PORT);
	ev.u.port = *pev;
	ev.ref = ref;
	machine_publish(m, &ev);
}

static const struct kernel_backend machine_ops = {
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
	.pool = k_pool,
	.rule_broken = k_rule_broken,
	.port_call = k_port_call,
	.port_return = k_port_return,
	.fail = k_fail,
	.out_of_memory = k_out_of_memory,
	.guest_memory = k_guest_memory,
	.publish_port = k_publish_port,
};
