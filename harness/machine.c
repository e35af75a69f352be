/*
 * machine.c - the deterministic machine (see machine.h for the model).
 *
 * Control flow: every CPU runs cpu_main() on its own fiber. A scheduling
 * point runs inside the fiber that reached it: it builds the options,
 * takes one from the decision stream, and either carries on, runs the ISR
 * on top of itself, or switches to the chosen CPU's fiber with that CPU's
 * action noted. A fiber resumes inside its own scheduling point and acts
 * on what was chosen for it. The run ends by switching to the host
 * thread's fiber, from whichever CPU ends it.
 */
#include "machine.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fiber.h"
#include "kernel_backend.h"
#include "simtime.h"

#define FIBER_STACK_BYTES (256u * 1024u)
#define DPC_QUEUE_MAX 64u
#define LOCKS_HELD_MAX 16u
#define TIMERS_MAX 64u
#define STORM_UNCLAIMED_MAX 64u
#define COMMON_BUFFER_BASE 0x00100000u
#define COMMON_BUFFER_END 0x00400000u

enum cpu_block { BLOCK_NONE, BLOCK_IDLE, BLOCK_SPIN, BLOCK_EVENT };
enum cpu_action { ACT_NONE, ACT_RUN, ACT_ISR };

struct cpu {
	int id;
	struct fiber fiber;
	KIRQL irql;
	enum cpu_block block;
	struct k_object *spin_on;	/* BLOCK_SPIN */
	KEVENT *wait_on;		/* BLOCK_EVENT */
	sim_ticks_t wait_deadline;
	enum cpu_action pending;
	KDPC *dpcs[DPC_QUEUE_MAX];
	uint32_t dpc_count;
	uint32_t held[LOCKS_HELD_MAX];	/* ids of the locks this CPU holds */
	uint32_t held_count;
	uint32_t isr_depth;
	uint32_t dpc_depth;
	const char *task;		/* the passive call it runs, or NULL */
	sim_ticks_t stalled_until;	/* fault injection: runs nothing before */
};

struct task {
	void (*fn)(void *arg);
	void *arg;
	const char *name;
	IO_WORKITEM *item;
};

#define STEP_TASKS_MAX 32u

struct step_task {
	uint64_t step;
	struct task task;
};

struct machine {
	struct machine_config cfg;
	struct gmem mem;
	struct ac97 dev;
	CM_RESOURCES resources;
	struct decider decider;
	struct evlog evlog;
	struct fiber main_fiber;
	struct cpu cpu[MACHINE_CPUS_MAX];
	int current;
	bool running;
	bool finished;
	sim_ticks_t now;
	uint64_t steps;
	struct task *tasks;
	size_t task_head, task_count, task_capacity;
	KINTERRUPT *interrupt;
	int isr_cpu;
	uint32_t irq_deferred;
	uint32_t unclaimed_in_a_row;
	KTIMER *timers[TIMERS_MAX];
	uint32_t timer_count;
	uint32_t next_object_id;
	uint32_t common_next;
	sim_ticks_t irq_held_until;	/* fault injection: no delivery before */
	struct step_task step_tasks[STEP_TASKS_MAX];
	uint32_t n_step_tasks;
	struct ac97_observer device_observer;
	void (*step_hook)(void *ctx);
	void *step_ctx;
	void (*end_hook)(void *ctx);
	void *end_ctx;
	struct run_result result;
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
	cfg->irq_defer_max = 64;
	cfg->record_decisions = true;
	ac97_config_default(&cfg->device);
	cfg->nambar = 0xE000;
	cfg->nabmbar = 0xE400;
}

/* ---- small helpers ----------------------------------------------------------- */

static struct cpu *cur(struct machine *m)
{
	assert(m->current >= 0 && (uint32_t)m->current < m->cfg.n_cpus);
	return &m->cpu[m->current];
}

static void logk(struct machine *m, enum ev_kind kind, uint64_t a, uint64_t b, const char *text)
{
	evlog_add(&m->evlog, m->steps, m->now, m->running ? m->current : -1, kind, a, b, text);
}

static int describe_cpus(struct machine *m, char *buf, size_t len)
{
	static const char *const block_names[] = { "running", "idle", "spinning", "waiting" };
	size_t at = 0;
	for (uint32_t i = 0; i < m->cfg.n_cpus && at < len; i++) {
		const struct cpu *c = &m->cpu[i];
		int n = snprintf(buf + at, len - at, "\n  cpu%u: %s at IRQL %u%s%s", i,
				 block_names[c->block], c->irql, c->task ? " in " : "",
				 c->task ? c->task : "");
		if (n < 0)
			break;
		at += (size_t)n;
		if (c->block == BLOCK_SPIN && at < len)
			at += (size_t)snprintf(buf + at, len - at, " on lock #%u", c->spin_on->id);
		if (c->block == BLOCK_EVENT && at < len)
			at += (size_t)snprintf(buf + at, len - at, " for event #%u", c->wait_on->k.id);
		for (uint32_t h = 0; h < c->held_count && at < len; h++)
			at += (size_t)snprintf(buf + at, len - at, "%s#%u", h ? "," : ", holds lock ",
					       c->held[h]);
	}
	return (int)at;
}

/* Ends the run from inside a fiber (or notes it when no fiber runs). */
_Noreturn static void end_run(struct machine *m, enum run_verdict verdict, const char *checker,
			      const char *message)
{
	struct run_result *r = &m->result;
	r->verdict = verdict;
	snprintf(r->checker, sizeof(r->checker), "%s", checker ? checker : "");
	snprintf(r->message, sizeof(r->message), "%s", message ? message : "");
	r->steps = m->steps;
	r->end_tick = m->now;
	if (verdict == RUN_FAIL)
		logk(m, EV_CHECK, 0, 0, checker);
	r->evlog_hash = m->evlog.hash;
	r->events = m->evlog.count;
	m->finished = true;
	if (!m->running) {
		fprintf(stderr, "ac97sim: %s outside a run: %s\n", checker ? checker : "failure",
			message ? message : "");
		abort();
	}
	fiber_switch(&cur(m)->fiber, &m->main_fiber);
	abort();	/* an ended run is never resumed */
}

_Noreturn void machine_fail(struct machine *m, const char *checker, const char *format, ...)
{
	char msg[768], full[1024];
	va_list ap;
	va_start(ap, format);
	vsnprintf(msg, sizeof(msg), format, ap);
	va_end(ap);
	int n = snprintf(full, sizeof(full), "%s (step %" PRIu64 ", %" PRIu64 " ticks = %" PRIu64
			 " us)", msg, m->steps, m->now, sim_ticks_to_us(m->now));
	if (n > 0 && (size_t)n < sizeof(full))
		describe_cpus(m, full + n, sizeof(full) - (size_t)n);
	end_run(m, RUN_FAIL, checker, full);
}

_Noreturn static void bugcheck(struct machine *m, uint32_t code, uintptr_t p1, const char *why)
{
	m->result.bugcheck_code = code;
	machine_fail(m, code == BUGCHECK_DEADLOCK ? "deadlock" : "bugcheck",
		     "bug check 0x%02X (%s, p1 = 0x%" PRIxPTR ") on cpu%d", code, why, p1, m->current);
}

/* ---- time ------------------------------------------------------------------------ */

static void queue_dpc_on(struct machine *m, struct cpu *c, KDPC *dpc)
{
	if (c->dpc_count == DPC_QUEUE_MAX)
		machine_fail(m, "bugcheck", "more than %u DPCs queued on cpu%d", DPC_QUEUE_MAX, c->id);
	dpc->queued = true;
	dpc->queued_cpu = c->id;
	c->dpcs[c->dpc_count++] = dpc;
}

static void remove_timer(struct machine *m, uint32_t i)
{
	m->timers[i] = m->timers[--m->timer_count];
}

/* Timers due at or before now fire in (due, id) order; a periodic one is
 * re-armed a period later, a one-shot one is cleared. */
static void fire_timers(struct machine *m)
{
	for (;;) {
		int best = -1;
		for (uint32_t i = 0; i < m->timer_count; i++) {
			KTIMER *t = m->timers[i];
			if (t->due_ticks > m->now)
				continue;
			if (best < 0 || t->due_ticks < m->timers[best]->due_ticks ||
			    (t->due_ticks == m->timers[best]->due_ticks && t->k.id < m->timers[best]->k.id))
				best = (int)i;
		}
		if (best < 0)
			return;
		KTIMER *t = m->timers[best];
		logk(m, EV_TIMER, t->k.id, t->due_ticks, "timer expired");
		if (t->period_ticks != 0) {
			t->due_ticks += t->period_ticks;
		} else {
			t->set = false;
			remove_timer(m, (uint32_t)best);
		}
		if (t->dpc != NULL && !t->dpc->queued) {
			uint32_t c = 0;
			if (m->cfg.n_cpus > 1)
				c = decide_uniform(&m->decider, SITE_TIMER_CPU, m->cfg.n_cpus, m->evlog.hash);
			queue_dpc_on(m, &m->cpu[c], t->dpc);
		}
	}
}

/* Simulated time reaches m->now: the device and the timers catch up. */
static void catch_up(struct machine *m)
{
	bool moved = ac97_advance_to(&m->dev, m->now);
	assert(moved);	/* m->now <= max_ticks <= the horizon */
	(void)moved;
	fire_timers(m);
}

static void charge(struct machine *m, sim_ticks_t cost)
{
	m->now += cost;
	if (m->now > m->cfg.max_ticks)
		end_run(m, RUN_LIMIT, "time-limit", "simulated time limit reached");
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

static bool cpu_can_run(const struct machine *m, const struct cpu *c)
{
	if (m->now < c->stalled_until)
		return false;
	switch (c->block) {
	case BLOCK_NONE: return true;
	case BLOCK_IDLE: return tasks_waiting(m) || c->dpc_count > 0;
	case BLOCK_SPIN: return c->spin_on->owner_cpu < 0;
	case BLOCK_EVENT:
		return c->wait_on->signalled || m->now >= c->wait_deadline ||
		       (c->dpc_count > 0 && c->irql < DISPATCH_LEVEL);
	}
	return false;
}

static bool irq_deliverable(const struct machine *m)
{
	return m->interrupt != NULL && m->interrupt->connected && m->isr_cpu < 0 &&
	       m->now >= m->irq_held_until && ac97_irq_line(&m->dev);
}

static uint32_t build_options(struct machine *m, struct option *opt, uint32_t *agent)
{
	uint32_t n = 0;
	bool irq = irq_deliverable(m);
	bool force = irq && m->irq_deferred >= m->cfg.irq_defer_max;
	for (uint32_t i = 0; i < m->cfg.n_cpus; i++) {
		if (irq && m->cpu[i].irql < DIRQL && m->now >= m->cpu[i].stalled_until) {
			opt[n] = (struct option){ ACT_ISR, (uint8_t)i };
			agent[n++] = m->cfg.n_cpus;	/* the interrupt is one agent */
		}
	}
	if (force && n > 0)
		return n;
	for (uint32_t i = 0; i < m->cfg.n_cpus; i++) {
		if (cpu_can_run(m, &m->cpu[i])) {
			opt[n] = (struct option){ ACT_RUN, (uint8_t)i };
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
	for (uint32_t i = 0; i < m->timer_count; i++)
		if (m->timers[i]->due_ticks < next)
			next = m->timers[i]->due_ticks;
	for (uint32_t i = 0; i < m->cfg.n_cpus; i++) {
		/* A deadline already passed cannot move time on (its CPU may be
		 * stalled, and then it is the stall's end that counts). */
		if (m->cpu[i].block == BLOCK_EVENT && m->cpu[i].wait_deadline > m->now &&
		    m->cpu[i].wait_deadline < next)
			next = m->cpu[i].wait_deadline;
		if (m->cpu[i].stalled_until > m->now && m->cpu[i].stalled_until < next)
			next = m->cpu[i].stalled_until;
	}
	if (m->irq_held_until > m->now && m->irq_held_until < next && ac97_irq_line(&m->dev))
		next = m->irq_held_until;
	if (next == SIM_TICKS_NEVER)
		return false;
	if (next > m->now)
		charge(m, next - m->now);
	else
		catch_up(m);
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
			machine_fail(m, "host-memory", "out of host memory queueing a task");
		logk(m, EV_NOTE, m->steps, 0, m->step_tasks[i].task.name);
		m->step_tasks[i] = m->step_tasks[--m->n_step_tasks];
	}
}

static void switch_to(struct machine *m, struct cpu *self, struct cpu *target)
{
	m->current = target->id;
	fiber_switch(&self->fiber, &target->fiber);
	/* Resumed: whoever chose us set m->current to us. */
	assert(m->current == self->id);
}

/* Acts on what the last decision chose for this CPU. Returns true when the
 * CPU should carry on with its own code. */
static bool act(struct machine *m, struct cpu *self)
{
	enum cpu_action a = self->pending;
	self->pending = ACT_NONE;
	bool nested_dpcs = a == ACT_RUN && self->irql < DISPATCH_LEVEL && self->dpc_count > 0 &&
			   self->block != BLOCK_IDLE;
	if (a != ACT_ISR && !nested_dpcs)
		return true;
	/* The ISR or the DPCs run on top of whatever the CPU was waiting for;
	 * while they run the CPU is running, and then it waits again, for the
	 * same lock or event: they may spin or poll themselves, and that
	 * clears spin_on and wait_on. */
	enum cpu_block saved = self->block;
	struct k_object *saved_spin_on = self->spin_on;
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

static void sched_point(struct machine *m, sim_ticks_t cost)
{
	if (!m->running)
		return;
	struct cpu *self = cur(m);
	charge(m, cost);
	if (m->step_hook != NULL)
		m->step_hook(m->step_ctx);
	for (;;) {
		struct option opt[2 * MACHINE_CPUS_MAX];
		uint32_t agent[2 * MACHINE_CPUS_MAX];
		uint32_t n = build_options(m, opt, agent);
		if (n == 0) {
			if (all_idle(m)) {
				if (m->end_hook != NULL) {
					void (*hook)(void *) = m->end_hook;
					m->end_hook = NULL;	/* it may run code with points */
					hook(m->end_ctx);
					continue;
				}
				end_run(m, RUN_PASS, NULL, NULL);
			}
			if (!idle_advance(m))
				bugcheck(m, BUGCHECK_DEADLOCK, 0, "no CPU can run and nothing is pending");
			continue;
		}
		uint32_t k = 0;
		if (n > 1) {
			k = decide_schedule(&m->decider, n, agent, m->evlog.hash);
			if (decider_diverged(&m->decider))
				end_run(m, RUN_DIVERGED, "replay", m->decider.divergence.why);
		}
		if (++m->steps > m->cfg.max_steps)
			end_run(m, RUN_LIMIT, "step-limit", "scheduling step limit reached");
		release_step_tasks(m);
		if (irq_deliverable(m))
			m->irq_deferred = opt[k].action == ACT_ISR ? 0 : m->irq_deferred + 1;
		logk(m, EV_SCHEDULE, (uint64_t)opt[k].action << 8 | opt[k].cpu, n, NULL);
		struct cpu *target = &m->cpu[opt[k].cpu];
		target->pending = (enum cpu_action)opt[k].action;
		if (target != self)
			switch_to(m, self, target);
		if (act(m, self))
			return;
	}
}

/* ---- ISR and DPC dispatch ---------------------------------------------------------- */

static void hold(struct machine *m, struct cpu *c, uint32_t id)
{
	if (c->held_count == LOCKS_HELD_MAX)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, id, "too many spin locks held");
	c->held[c->held_count++] = id;
}

static void unhold(struct cpu *c, uint32_t id)
{
	for (uint32_t i = 0; i < c->held_count; i++) {
		if (c->held[i] == id) {
			memmove(&c->held[i], &c->held[i + 1], (c->held_count - i - 1) * sizeof(c->held[0]));
			c->held_count--;
			return;
		}
	}
}

/* Takes a lock object for the current CPU, spinning while another holds it. */
static void take_lock(struct machine *m, struct cpu *self, struct k_object *k)
{
	while (k->owner_cpu >= 0) {
		self->block = BLOCK_SPIN;
		self->spin_on = k;
		sched_point(m, 0);
	}
	self->block = BLOCK_NONE;
	self->spin_on = NULL;
	k->owner_cpu = self->id;
	hold(m, self, k->id);
}

static void drop_lock(struct cpu *self, struct k_object *k)
{
	k->owner_cpu = -1;
	unhold(self, k->id);
}

static void run_isr(struct machine *m, struct cpu *self)
{
	KINTERRUPT *intr = m->interrupt;
	assert(intr != NULL && m->isr_cpu < 0 && self->irql < DIRQL);
	KIRQL old = self->irql;
	uint32_t held_before = self->held_count;
	m->isr_cpu = self->id;
	self->irql = DIRQL;
	self->isr_depth++;
	logk(m, EV_INTERRUPT, (uint64_t)self->id, 0, "ISR entered");
	charge(m, m->cfg.costs.isr_entry);
	take_lock(m, self, &intr->k);
	bool claimed = intr->isr(intr, intr->context);
	if (self->irql != DIRQL || self->held_count != held_before + 1)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, self->irql,
			 "ISR returned with IRQL or spin locks not restored");
	drop_lock(self, &intr->k);
	self->isr_depth--;
	self->irql = old;
	m->isr_cpu = -1;
	logk(m, EV_INTERRUPT, (uint64_t)self->id, claimed, claimed ? "ISR claimed" : "ISR declined");
	m->unclaimed_in_a_row = claimed ? 0 : m->unclaimed_in_a_row + 1;
	if (m->unclaimed_in_a_row >= STORM_UNCLAIMED_MAX && ac97_irq_line(&m->dev))
		machine_fail(m, "interrupt-storm",
			     "the interrupt line stayed asserted through %u ISR calls that did not "
			     "claim it", STORM_UNCLAIMED_MAX);
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
		dpc->queued = false;
		dpc->queued_cpu = -1;
		logk(m, EV_DPC, dpc->k.id, 0, "DPC");
		sched_point(m, m->cfg.costs.dpc_dispatch);
		uint32_t held_before = self->held_count;
		self->dpc_depth++;
		if (dpc->routine != NULL)
			dpc->routine(dpc, dpc->context, dpc->arg1, dpc->arg2);
		self->dpc_depth--;
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
	if (t.item != NULL)
		t.item->queued = false;
	logk(m, EV_KERNEL, 0, 0, t.name);
	t.fn(t.arg);
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

/* ---- lifecycle ---------------------------------------------------------------------- */

static void on_device_event(void *ctx, const struct ac97_event *ev)
{
	struct machine *m = ctx;
	/* DMA ranges follow from the descriptors and time already logged. */
	if (ev->kind != AC97_EV_DMA)
		evlog_add(&m->evlog, m->steps, ev->tick, -1, EV_DEVICE,
			  (uint64_t)ev->kind << 8 | (uint64_t)(ev->engine & 0xFF), ev->a, ev->what);
	if (m->device_observer.on_event != NULL)
		m->device_observer.on_event(m->device_observer.ctx, ev);
}

void machine_set_device_observer(struct machine *m, struct ac97_observer obs)
{
	m->device_observer = obs;
}

void machine_set_step_hook(struct machine *m, void (*fn)(void *ctx), void *ctx)
{
	m->step_hook = fn;
	m->step_ctx = ctx;
}

void machine_set_end_hook(struct machine *m, void (*fn)(void *ctx), void *ctx)
{
	m->end_hook = fn;
	m->end_ctx = ctx;
}

struct machine *machine_create(const struct machine_config *cfg)
{
	if (cfg->n_cpus < 1 || cfg->n_cpus > MACHINE_CPUS_MAX)
		return NULL;
	struct machine *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->cfg = *cfg;
	/* The run ends at its time limit, so a limit within the clock's
	 * horizon keeps every catch_up an advance the device takes. */
	if (m->cfg.max_ticks > SIM_TICKS_HORIZON)
		m->cfg.max_ticks = SIM_TICKS_HORIZON;
	if (gmem_init(&m->mem, GMEM_DEFAULT_BYTES) != 0) {
		free(m);
		return NULL;
	}
	ac97_init(&m->dev, &cfg->device, &m->mem);
	ac97_set_observer(&m->dev, (struct ac97_observer){ on_device_event, m });
	m->resources = (CM_RESOURCES){ .nambar = cfg->nambar, .nabmbar = cfg->nabmbar };
	if (cfg->replay != NULL)
		decider_init_replay(&m->decider, cfg->replay);
	else
		decider_init(&m->decider, &cfg->strategy, cfg->seed);
	m->decider.record = cfg->record_decisions;
	evlog_init(&m->evlog, cfg->log_text);
	m->isr_cpu = -1;
	m->current = -1;
	m->common_next = COMMON_BUFFER_BASE;
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
	for (uint32_t i = 0; i < m->cfg.n_cpus; i++)
		fiber_destroy(&m->cpu[i].fiber);
	free(m->tasks);
	decider_free(&m->decider);
	gmem_free(&m->mem);
	free(m);
}

struct ac97 *machine_device(struct machine *m) { return &m->dev; }
struct gmem *machine_memory(struct machine *m) { return &m->mem; }
const CM_RESOURCES *machine_resources(const struct machine *m) { return &m->resources; }
const struct decision_log *machine_decisions(const struct machine *m) { return &m->decider.recorded; }
const struct divergence *machine_divergence(const struct machine *m) { return &m->decider.divergence; }
sim_ticks_t machine_now(const struct machine *m) { return m->now; }
uint64_t machine_step(const struct machine *m) { return m->steps; }
int machine_current_cpu(const struct machine *m) { return m->current; }
struct machine *machine_running(void) { return running_machine; }

void machine_log(struct machine *m, enum ev_kind kind, uint64_t a, uint64_t b, const char *text)
{
	logk(m, kind, a, b, text);
}

void machine_bind(struct machine *m)
{
	kernel_bind(&machine_ops, m);
}

int machine_queue_passive(struct machine *m, void (*fn)(void *arg), void *arg, const char *name)
{
	return push_task(m, (struct task){ fn, arg, name, NULL });
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
	if (m->n_step_tasks == STEP_TASKS_MAX)
		return -1;
	m->step_tasks[m->n_step_tasks++] = (struct step_task){ step, { fn, arg, name, NULL } };
	return 0;
}

void machine_hold_interrupts(struct machine *m, sim_ticks_t until_tick)
{
	if (until_tick > m->irq_held_until)
		m->irq_held_until = until_tick;
	logk(m, EV_NOTE, until_tick, 0, "interrupts held back (fault injection)");
}

void machine_stall_cpu(struct machine *m, uint32_t cpu, sim_ticks_t until_tick)
{
	if (cpu >= m->cfg.n_cpus)
		return;
	if (until_tick > m->cpu[cpu].stalled_until)
		m->cpu[cpu].stalled_until = until_tick;
	logk(m, EV_NOTE, cpu, until_tick, "CPU stalled (fault injection)");
}

void machine_run(struct machine *m, struct run_result *result)
{
	assert(!m->running && !m->finished);
	struct machine *outer = running_machine;
	running_machine = m;
	kernel_bind(&machine_ops, m);
	fiber_adopt_thread(&m->main_fiber);
	m->running = true;
	m->current = 0;
	m->cpu[0].pending = ACT_RUN;
	fiber_switch(&m->main_fiber, &m->cpu[0].fiber);
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
	logk(m, EV_KERNEL, new_irql, *old_irql, "KeRaiseIrql");
}

static void k_lower_irql(void *self, KIRQL new_irql)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	if (new_irql > c->irql)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, new_irql, "KeLowerIrql to a higher IRQL");
	c->irql = new_irql;
	logk(m, EV_KERNEL, new_irql, 0, "KeLowerIrql");
	if (c->irql < DISPATCH_LEVEL && c->dpc_count > 0)
		run_dpcs(m, c);
}

static void k_object_init(void *self, struct k_object *k, const char *what)
{
	struct machine *m = self;
	k->id = ++m->next_object_id;
	k->owner_cpu = -1;
	logk(m, EV_KERNEL, k->id, 0, what);
}

static void k_spin_acquire(void *self, KSPIN_LOCK *lock, KIRQL *old_irql, bool at_dpc_level)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	if (c->isr_depth > 0)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, lock->k.id,
			 "an ISR took an ordinary spin lock");
	if (at_dpc_level && c->irql != DISPATCH_LEVEL)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, c->irql,
			 "KeAcquireSpinLockAtDpcLevel below or above DISPATCH_LEVEL");
	if (!at_dpc_level && c->irql > DISPATCH_LEVEL)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, c->irql,
			 "KeAcquireSpinLock above DISPATCH_LEVEL");
	if (lock->k.owner_cpu == c->id)
		bugcheck(m, BUGCHECK_SPIN_LOCK_ALREADY_OWNED, lock->k.id,
			 "spin lock acquired again by the CPU that holds it");
	if (!at_dpc_level) {
		*old_irql = c->irql;
		c->irql = DISPATCH_LEVEL;
	}
	logk(m, EV_KERNEL, lock->k.id, 0, "KeAcquireSpinLock");
	take_lock(m, c, &lock->k);
}

static void k_spin_release(void *self, KSPIN_LOCK *lock, KIRQL old_irql, bool from_dpc_level)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	if (lock->k.owner_cpu != c->id)
		bugcheck(m, BUGCHECK_SPIN_LOCK_NOT_OWNED, lock->k.id,
			 "spin lock released by a CPU that does not hold it");
	if (c->irql != DISPATCH_LEVEL)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, c->irql,
			 "spin lock released at an IRQL other than DISPATCH_LEVEL");
	if (!from_dpc_level && old_irql > DISPATCH_LEVEL)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, old_irql,
			 "KeReleaseSpinLock to an IRQL above DISPATCH_LEVEL");
	drop_lock(c, &lock->k);
	logk(m, EV_KERNEL, lock->k.id, 0, "KeReleaseSpinLock");
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
	if (m->interrupt != NULL && m->interrupt->connected)
		return STATUS_INSUFFICIENT_RESOURCES;
	interrupt->connected = true;
	m->interrupt = interrupt;
	logk(m, EV_KERNEL, interrupt->k.id, 0, "IoConnectInterrupt");
	return STATUS_SUCCESS;
}

static void k_disconnect_interrupt(void *self, KINTERRUPT *interrupt)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	if (m->interrupt != interrupt)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, interrupt->k.id,
			 "IoDisconnectInterrupt of an interrupt that is not connected");
	/* Like Windows, wait for an ISR running elsewhere to finish. */
	while (m->isr_cpu >= 0 && m->isr_cpu != m->current)
		sched_point(m, m->cfg.costs.kernel_call);
	interrupt->connected = false;
	m->interrupt = NULL;
	logk(m, EV_KERNEL, interrupt->k.id, 0, "IoDisconnectInterrupt");
}

static bool k_synchronize(void *self, KINTERRUPT *interrupt, PKSYNCHRONIZE_ROUTINE routine,
			  void *context)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	if (c->irql > DIRQL)
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, c->irql,
			 "KeSynchronizeExecution above DIRQL");
	if (interrupt->k.owner_cpu == c->id)
		bugcheck(m, BUGCHECK_SPIN_LOCK_ALREADY_OWNED, interrupt->k.id,
			 "KeSynchronizeExecution while holding the interrupt lock");
	KIRQL old = c->irql;
	c->irql = DIRQL;
	logk(m, EV_KERNEL, interrupt->k.id, 0, "KeSynchronizeExecution");
	take_lock(m, c, &interrupt->k);
	uint32_t held = c->held_count;
	bool r = routine(context);
	if (c->irql != DIRQL || c->held_count != held)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, c->irql,
			 "synchronize routine returned with IRQL or spin locks not restored");
	drop_lock(c, &interrupt->k);
	c->irql = old;
	if (c->irql < DISPATCH_LEVEL && c->dpc_count > 0)
		run_dpcs(m, c);
	return r;
}

static bool k_dpc_insert(void *self, KDPC *dpc)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	if (dpc->queued)
		return false;	/* queued by someone in the meantime */
	struct cpu *c = cur(m);
	queue_dpc_on(m, c, dpc);
	logk(m, EV_KERNEL, dpc->k.id, 0, "KeInsertQueueDpc");
	if (c->irql < DISPATCH_LEVEL)
		run_dpcs(m, c);
	return true;
}

static bool k_dpc_remove(void *self, KDPC *dpc)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	logk(m, EV_KERNEL, dpc->k.id, dpc->queued, "KeRemoveQueueDpc");
	if (!dpc->queued)
		return false;
	struct cpu *c = &m->cpu[dpc->queued_cpu];
	for (uint32_t i = 0; i < c->dpc_count; i++) {
		if (c->dpcs[i] == dpc) {
			memmove(&c->dpcs[i], &c->dpcs[i + 1], (c->dpc_count - i - 1) * sizeof(c->dpcs[0]));
			c->dpc_count--;
			break;
		}
	}
	dpc->queued = false;
	dpc->queued_cpu = -1;
	return true;
}

static bool k_timer_set(void *self, KTIMER *timer, int64_t due_time_100ns, int32_t period_ms,
			KDPC *dpc)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	bool was = timer->set;
	sim_ticks_t due = due_time_100ns < 0
				  ? m->now + sim_100ns_to_ticks((uint64_t)-(due_time_100ns + 1) + 1)
				  : sim_100ns_to_ticks((uint64_t)due_time_100ns);
	timer->due_ticks = due > m->now ? due : m->now;
	timer->period_ticks = (sim_ticks_t)period_ms * (SIM_TICKS_PER_SECOND / 1000u);
	timer->dpc = dpc;
	if (!was) {
		if (m->timer_count == TIMERS_MAX)
			machine_fail(m, "bugcheck", "more than %u timers set", TIMERS_MAX);
		m->timers[m->timer_count++] = timer;
	}
	timer->set = true;
	logk(m, EV_KERNEL, timer->k.id, timer->due_ticks, "KeSetTimerEx");
	return was;
}

static bool k_timer_cancel(void *self, KTIMER *timer)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	bool was = timer->set;
	for (uint32_t i = 0; i < m->timer_count; i++)
		if (m->timers[i] == timer)
			remove_timer(m, i--);
	timer->set = false;
	logk(m, EV_KERNEL, timer->k.id, was, "KeCancelTimer");
	return was;
}

static bool k_event_set(void *self, KEVENT *event, bool signalled)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	bool was = event->signalled;
	event->signalled = signalled;
	logk(m, EV_KERNEL, event->k.id, signalled, signalled ? "KeSetEvent" : "KeResetEvent");
	return was;
}

static NTSTATUS k_event_wait(void *self, KEVENT *event, const int64_t *timeout_100ns)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	struct cpu *c = cur(m);
	bool poll = timeout_100ns != NULL && *timeout_100ns == 0;
	if (c->irql > (poll ? DISPATCH_LEVEL : PASSIVE_LEVEL))
		bugcheck(m, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL, c->irql,
			 "KeWaitForSingleObject above PASSIVE_LEVEL with a non-zero timeout");
	sim_ticks_t deadline = SIM_TICKS_NEVER;
	if (timeout_100ns != NULL)
		deadline = *timeout_100ns < 0
				   ? m->now + sim_100ns_to_ticks((uint64_t)-(*timeout_100ns + 1) + 1)
				   : sim_100ns_to_ticks((uint64_t)*timeout_100ns);
	logk(m, EV_KERNEL, event->k.id, 0, "KeWaitForSingleObject");
	while (!event->signalled && m->now < deadline) {
		c->block = BLOCK_EVENT;
		c->wait_on = event;
		c->wait_deadline = deadline;
		sched_point(m, 0);
	}
	c->block = BLOCK_NONE;
	c->wait_on = NULL;
	if (!event->signalled)
		return STATUS_TIMEOUT;
	if (event->type == SynchronizationEvent)
		event->signalled = false;
	return STATUS_SUCCESS;
}

static void k_work_item_queue(void *self, IO_WORKITEM *item)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	if (item->queued)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, item->k.id,
			 "IoQueueWorkItem of a work item already queued");
	item->queued = true;
	if (machine_queue_passive(m, item->routine, item->context, "work item") != 0)
		machine_fail(m, "bugcheck", "out of host memory queueing a work item");
	m->tasks[m->task_head + m->task_count - 1].item = item;
	logk(m, EV_KERNEL, item->k.id, 0, "IoQueueWorkItem");
}

/* Which BAR a port address falls in. */
static bool decode_port(const struct machine *m, PORT_ADDRESS port, unsigned width_bits,
			enum ac97_bar *bar, uint32_t *offset)
{
	uintptr_t last = port + width_bits / 8 - 1;
	if (port >= m->resources.nambar && last < m->resources.nambar + AC97_NAM_BYTES) {
		*bar = AC97_BAR_NAM;
		*offset = (uint32_t)(port - m->resources.nambar);
		return true;
	}
	if (port >= m->resources.nabmbar && last < m->resources.nabmbar + AC97_NABM_BYTES) {
		*bar = AC97_BAR_NABM;
		*offset = (uint32_t)(port - m->resources.nabmbar);
		return true;
	}
	return false;
}

static uint32_t k_port_read(void *self, PORT_ADDRESS port, unsigned width_bits)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.port_io);
	enum ac97_bar bar;
	uint32_t off;
	if (!decode_port(m, port, width_bits, &bar, &off)) {
		logk(m, EV_CHECK, port, width_bits, "port read outside the device");
		return width_bits == 32 ? 0xFFFFFFFFu : (1u << width_bits) - 1;
	}
	uint32_t v = ac97_io_read(&m->dev, bar, off, width_bits);
	logk(m, EV_PORT_READ, (uint64_t)bar << 24 | width_bits << 16 | off, v, NULL);
	return v;
}

static void k_port_write(void *self, PORT_ADDRESS port, unsigned width_bits, uint32_t value)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.port_io);
	enum ac97_bar bar;
	uint32_t off;
	if (!decode_port(m, port, width_bits, &bar, &off)) {
		logk(m, EV_CHECK, port, width_bits, "port write outside the device");
		return;
	}
	logk(m, EV_PORT_WRITE, (uint64_t)bar << 24 | width_bits << 16 | off, value, NULL);
	ac97_io_write(&m->dev, bar, off, width_bits, value);
}

static void *k_common_buffer_alloc(void *self, uint32_t len_bytes, PHYSICAL_ADDRESS *physical)
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
	logk(m, EV_KERNEL, at, len, "AllocateCommonBuffer");
	return m->mem.bytes + at;
}

static void k_common_buffer_free(void *self, void *virtual_address, uint32_t len_bytes)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	uint8_t *p = virtual_address;
	if (p < m->mem.bytes + COMMON_BUFFER_BASE || p >= m->mem.bytes + COMMON_BUFFER_END)
		bugcheck(m, BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, 0,
			 "FreeCommonBuffer of memory that is not a common buffer");
	/* Freed memory leaves the guest, so DMA that still uses it is caught. */
	uint64_t at = (uint64_t)(p - m->mem.bytes);
	gmem_set_mapped(&m->mem, at, len_bytes, false);
	logk(m, EV_KERNEL, at, len_bytes, "FreeCommonBuffer");
}

static void k_stall(void *self, uint32_t microseconds)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.kernel_call);
	logk(m, EV_KERNEL, microseconds, 0, "KeStallExecutionProcessor");
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

static void k_bug_check(void *self, uint32_t code, const uintptr_t params[4], const char *why)
{
	bugcheck(self, code, params[0], why);
}

static void k_print(void *self, const char *text)
{
	struct machine *m = self;
	logk(m, EV_NOTE, 0, 0, text);
}

static void k_port_call(void *self, const char *name)
{
	struct machine *m = self;
	sched_point(m, m->cfg.costs.port_driver_call);
	struct cpu *c = cur(m);
	logk(m, EV_PORT_CALL, c->held_count, 0, name);
	if (c->held_count > 0) {
		m->result.bugcheck_code = BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION;
		machine_fail(m, "lock-across-port-call",
			     "bug check 0xC4: %s called with spin lock #%u held (Driver Verifier's "
			     "deadlock detection)", name, c->held[0]);
	}
}

static void k_fail(void *self, const char *checker, const char *message)
{
	machine_fail(self, checker, "%s", message);
}

static struct gmem *k_guest_memory(void *self)
{
	struct machine *m = self;
	return &m->mem;
}

static void k_note(void *self, int kind, uint64_t a, uint64_t b, const char *text)
{
	struct machine *m = self;
	logk(m, (enum ev_kind)kind, a, b, text);
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
	.timer_set = k_timer_set,
	.timer_cancel = k_timer_cancel,
	.event_set = k_event_set,
	.event_wait = k_event_wait,
	.work_item_queue = k_work_item_queue,
	.port_read = k_port_read,
	.port_write = k_port_write,
	.common_buffer_alloc = k_common_buffer_alloc,
	.common_buffer_free = k_common_buffer_free,
	.stall = k_stall,
	.interrupt_time_100ns = k_interrupt_time,
	.yield = k_yield,
	.bug_check = k_bug_check,
	.print = k_print,
	.port_call = k_port_call,
	.fail = k_fail,
	.guest_memory = k_guest_memory,
	.note = k_note,
};
