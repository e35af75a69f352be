/*
 * native_kernel.c - the native backend's kernel.h calls (native_impl.h):
 * scheduling points, spin locks, DPCs, and the backend ops table (IRQL,
 * objects, interrupts, timers, events, work items, port I/O, common
 * buffers, the port model's calls).
 */
#define _GNU_SOURCE
#include "native_impl.h"

#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "port.h"
#include "windows.h"

#define WORK_ITEMS_MAX 64u

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
void wait_out_stall(struct native *n, const struct nat_ctx *c)
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
void take_lock(struct native *n, struct nat_ctx *c, struct nat_object *lock)
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

void drop_lock(struct nat_ctx *c, struct nat_object *lock)
{
	unhold(c, lock);
	atomic_store_explicit(&lock->owner, -1, memory_order_release);
}

/* ---- DPCs ------------------------------------------------------------------------------- */

/* Under the kernel lock. */
void queue_dpc_on(struct native *n, uint32_t cpu, KDPC *dpc)
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

bool dpcs_flushed(const struct native *n, uint64_t upto)
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

/* ---- the kernel.h backend ------------------------------------------------------------ */

static void publish_kcall(struct native *n, enum kcall call, const struct nat_object *o,
			  uint64_t arg0, uint64_t arg1)
{
	struct sim_event ev;
	event_init(&ev, EV_KCALL);
	ev.u.kcall = (struct ev_kcall){ call, o != NULL ? o->id : 0, arg0, arg1 };
	native_publish(n, &ev);
}

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
	struct ev_object_where where;
	struct sim_event ev;
	event_object_created(&ev, &where, k, o->id, (uint32_t)type, name,
			     type == KOBJ_DPC || type == KOBJ_INTERRUPT ? context : NULL);
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
	char label[48];
	fail_fmt(self, MACHINE_CHECKER_NAME, machine_failure_of_rule(rule), "%.400s, on %s",
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

const struct kernel_backend native_ops = {
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
