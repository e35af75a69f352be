/*
 * native_threads.c - the native backend's threads (native_impl.h): each
 * CPU's passive and DPC threads, the interrupt thread, and the clock
 * thread, which is the caller of native_run.
 */
#define _GNU_SOURCE
#include "native_impl.h"

#include <assert.h>
#include <sched.h>
#include <string.h>

#include "events.h"

#define STORM_UNCLAIMED_MAX 64u
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
