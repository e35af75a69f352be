/*
 * native.c - the native backend (see native.h for the model, native_impl.h
 * for its locks and how a run ends): the world lock, ending a run,
 * publishing, lifecycle and machine.h's calls. Its threads are in
 * native_threads.c, its kernel.h calls in native_kernel.c.
 */
#define _GNU_SOURCE
#include "native_impl.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

_Thread_local struct nat_ctx *tls_ctx;
_Thread_local uint32_t tls_world_depth;

/* ---- the world lock ---------------------------------------------------------------- */

static void device_catch_up(struct native *n)
{
	sim_ticks_t now = native_clock_now(&n->clock);
	if (now > n->world_now)
		n->world_now = now;
	ac97_advance_to(n->p.dev, n->world_now);
}

void world_enter(struct native *n)
{
	if (tls_world_depth++ > 0)
		return;
	pthread_mutex_lock(&n->world);
	device_catch_up(n);
}

void world_leave(struct native *n)
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
uint32_t world_drop(struct native *n)
{
	uint32_t depth = tls_world_depth;
	if (depth > 0) {
		tls_world_depth = 1;
		world_leave(n);
	}
	return depth;
}

void world_retake(struct native *n, uint32_t depth)
{
	if (depth > 0) {
		world_enter(n);
		tls_world_depth = depth;
	}
}

/* ---- ending ------------------------------------------------------------------------ */

AC97SIM_NORETURN void bail(void)
{
	struct nat_ctx *c = tls_ctx;
	assert(c != NULL);
	longjmp(c->bail, 1);
}

void wake_all(struct native *n)
{
	pthread_mutex_lock(&n->klock);
	pthread_cond_broadcast(&n->kcond);
	pthread_cond_broadcast(&n->task_cond);
	pthread_cond_broadcast(&n->irq_cond);
	for (uint32_t i = 0; i < n->cfg.n_cpus; i++)
		pthread_cond_broadcast(&n->cpu[i].dpc_cond);
	pthread_mutex_unlock(&n->klock);
}

const char *describe_object(const struct nat_object *o, char *buf, size_t len)
{
	if (o->name != NULL)
		snprintf(buf, len, "%s (#%u)", o->name, (unsigned)o->id);
	else
		snprintf(buf, len, "#%u", (unsigned)o->id);
	return buf;
}

const char *ctx_label(const struct nat_ctx *c, char *buf, size_t len)
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

/* Records the run's end (the first one wins) and stops every thread. */
bool end_run(struct native *n, enum run_verdict verdict, const char *checker,
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

void fail_fmt(struct native *n, const char *checker, const struct failure_def *rule,
	      const char *format, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, format);
	vsnprintf(msg, sizeof(msg), format, ap);
	va_end(ap);
	native_fail(n, checker, rule, msg);
}

AC97SIM_NORETURN void bugcheck(struct native *n, uint32_t code, uintptr_t p1,
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
void publish_locked(struct native *n, struct sim_event *ev, sim_ticks_t tick, int cpu)
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

static void publish_fault(struct native *n, enum fault_kind kind, uint32_t arg, sim_ticks_t until)
{
	struct sim_event ev;
	event_init(&ev, EV_FAULT);
	ev.u.fault = (struct ev_fault){ kind, arg, until };
	native_publish(n, &ev);
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

int push_task(struct native *n, struct task task)
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
void release_step_tasks(struct native *n)
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
