/*
 * lifetime.c - nothing of a stream runs after stream_close returned, and
 * nothing of the driver after adapter_stop returned: by then the harness
 * may free their memory (Windows frees the miniport stream object and the
 * adapter's device extension), so a DPC, a timer, a work item or a call
 * that still comes runs on freed memory.
 *
 * Whose is what: the stream script publishes the driver's lifecycle
 * (EV_LIFECYCLE: the adapter's and the stream's memory before their
 * start/open, the close and the stop after they returned). A kernel object
 * belongs to the stream when its storage lies in the stream's memory, or,
 * for a DPC, when its context does (a DPC of the adapter's that works for
 * the stream); likewise for the adapter. A work item belongs to whoever
 * its queued context lies in. Objects elsewhere (the port's, a driver's
 * globals or stack) belong to neither.
 *
 * After stream_close returned, each of these fails the run ("after-close"):
 * a DPC or timer of the stream runs or expires, a work item of the stream
 * runs, a kernel call names an object of the stream (its lock: the
 * stream's Service or any routine of it running), or the driver calls the
 * port (GetMapping, ReleaseMapping, Notify: the port stream is gone with
 * the stream). At the moment close returns, a timer of the stream still
 * set (periodic, or one-shot not yet expired), a DPC of it the driver
 * queued and that has not run, or a work item of it still queued fails at
 * once: each would come later (a periodic timer left set would expire for
 * as long as the machine runs, and the run may end before it does). A DPC
 * an expiring timer queued is not published as queued; it is caught as it
 * runs, which it does before the run ends (a run ends with no DPC queued).
 *
 * After adapter_stop returned, the same for everything of the adapter and
 * the stream ("after-stop"), and the driver's ISR: its interrupt still
 * connected when adapter_stop returns fails at once, an ISR entered after
 * it fails where it runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "checkers.h"

#define OWNED_NAMED_MAX 256u	/* objects of the driver whose names are kept */

enum { FAIL_AFTER_CLOSE, FAIL_AFTER_STOP };

static const struct failure_def failures[] = {
	[FAIL_AFTER_CLOSE] = { "after-close",
			       "nothing of a stream runs after its stream_close returned: no DPC, "
			       "timer or work item of it, no call on its kernel objects, no port "
			       "call; none is left set or queued when close returns" },
	[FAIL_AFTER_STOP] = { "after-stop",
			      "nothing of the driver runs after adapter_stop returned: no ISR (the "
			      "interrupt disconnected), no DPC, timer or work item of the adapter or "
			      "a stream, no call on their kernel objects, no port call" },
};

const struct checker_def checker_lifetime;
#define SELF (&checker_lifetime)

/* Per object id, one byte. */
enum {
	OWN_ADAPTER = 1u << 0,
	OWN_STREAM = 1u << 1,
	OBJ_TIMER_SET = 1u << 2,
	OBJ_DPC_QUEUED = 1u << 3,
	OBJ_TIMER_PERIODIC = 1u << 4,	/* set with a period: it stays set as it expires */
};

struct named {
	uint32_t id;
	uint32_t type;		/* enum kobject_type */
	const char *name;
};

enum owner { OWNER_ADAPTER, OWNER_STREAM, OWNER_COUNT };

struct state {
	const struct checker_env *env;
	struct lifecycle_memory memory[OWNER_COUNT];
	bool closed, stopped;
	sim_ticks_t closed_tick, stopped_tick;
	uint8_t *obj;			/* per object id: OWN_* | OBJ_* */
	uint32_t cap_obj;
	struct named owned[OWNED_NAMED_MAX];
	uint32_t n_owned;
	uint32_t work_queued[OWNER_COUNT];	/* work items queued, not yet run */
	uint32_t interrupt_id;		/* the connected interrupt's object, or 0 */
};

static uint64_t us(sim_ticks_t t)
{
	return sim_ticks_to_us(t);
}

__attribute__((noinline)) static uint8_t *slot_grow(struct state *s, uint32_t id)
{
	uint32_t n = s->cap_obj ? s->cap_obj : 256;
	while (n <= id && n <= UINT32_MAX / 2)
		n *= 2;
	uint8_t *p = n > id ? realloc(s->obj, n) : NULL;
	if (p == NULL)
		machine_fail(s->env->m, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_HOST_MEMORY],
			     "out of host memory for the lifetime checker's records");
	memset(p + s->cap_obj, 0, n - s->cap_obj);
	s->obj = p;
	s->cap_obj = n;
	return &s->obj[id];
}

/* Object id's flags, room made for them (kernel calls name objects often:
 * the common case inline). */
static inline uint8_t *slot(struct state *s, uint32_t id)
{
	return id < s->cap_obj ? &s->obj[id] : slot_grow(s, id);
}

static uint8_t flags(const struct state *s, uint32_t id)
{
	return id < s->cap_obj ? s->obj[id] : 0;
}

static uint8_t owner_of(const struct state *s, const void *p)
{
	uint8_t o = 0;
	if (lifecycle_memory_holds(&s->memory[OWNER_ADAPTER], p))
		o |= OWN_ADAPTER;
	if (lifecycle_memory_holds(&s->memory[OWNER_STREAM], p))
		o |= OWN_STREAM;
	return o;
}

/* The owners whose end has come: what of theirs must not run any more. */
static uint8_t ended(const struct state *s)
{
	return (uint8_t)((s->closed ? OWN_STREAM : 0) | (s->stopped ? OWN_ADAPTER | OWN_STREAM : 0));
}

static const char *const type_names[KOBJ_TYPE_COUNT] = {
	"spin lock", "interrupt", "DPC", "timer", "event", "work item",
};

/* "timer '&s->timer' (#23, the stream's)" */
static const char *describe(const struct state *s, uint32_t id, char *buf, size_t len)
{
	const char *whose = (flags(s, id) & OWN_STREAM) ? "the stream's" : "the adapter's";
	for (uint32_t i = 0; i < s->n_owned; i++) {
		if (s->owned[i].id != id)
			continue;
		snprintf(buf, len, "%s '%s' (#%" PRIu32 ", %s)",
			 s->owned[i].type < KOBJ_TYPE_COUNT ? type_names[s->owned[i].type] : "object",
			 s->owned[i].name ? s->owned[i].name : "", id, whose);
		return buf;
	}
	snprintf(buf, len, "object #%" PRIu32 " (%s)", id, whose);
	return buf;
}

/* Fails the run: "after-close" for what is the stream's once it closed,
 * else "after-stop". */
AC97SIM_NORETURN static void fail_after(struct state *s, uint8_t own, sim_ticks_t now,
					const char *what)
{
	if ((own & OWN_STREAM) && s->closed)
		checker_fail(s->env, SELF, FAIL_AFTER_CLOSE,
			     "%s %" PRIu64 " us after stream_close returned (tick %" PRIu64 ")", what,
			     us(now - s->closed_tick), s->closed_tick);
	checker_fail(s->env, SELF, FAIL_AFTER_STOP,
		     "%s %" PRIu64 " us after adapter_stop returned (tick %" PRIu64 ")", what,
		     us(now - s->stopped_tick), s->stopped_tick);
}

/* ---- what is left behind when close or stop returns ----------------------------- */

static void left_behind(struct state *s, uint8_t own, int rule, const char *when)
{
	char d[160];
	/* Every object id, not only the named ones: an object beyond the
	 * names kept is still judged (described by its number). */
	for (uint32_t id = 0; id < s->cap_obj; id++) {
		uint8_t f = s->obj[id];
		if (!(f & own))
			continue;
		if (f & OBJ_TIMER_SET)
			checker_fail(s->env, SELF, rule,
				     "%s still set when %s returned: it will expire in freed memory",
				     describe(s, id, d, sizeof(d)), when);
		if (f & OBJ_DPC_QUEUED)
			checker_fail(s->env, SELF, rule,
				     "%s still queued when %s returned: it will run on freed memory",
				     describe(s, id, d, sizeof(d)), when);
	}
	for (int o = 0; o < OWNER_COUNT; o++)
		if ((own & (1u << o)) && s->work_queued[o] > 0)
			checker_fail(s->env, SELF, rule,
				     "%" PRIu32 " work item(s) queued for the %s not yet run when %s "
				     "returned: they will run on freed memory",
				     s->work_queued[o], o == OWNER_STREAM ? "stream" : "adapter", when);
}

static void on_lifecycle(struct state *s, const struct sim_event *ev)
{
	const struct lifecycle_memory *mem = ev->ref;
	switch ((enum lifecycle_kind)ev->u.lifecycle.what) {
	case LIFE_ADAPTER_STARTING:
		if (mem != NULL)
			s->memory[OWNER_ADAPTER] = *mem;
		break;
	case LIFE_STREAM_OPENING:
		if (mem != NULL)
			s->memory[OWNER_STREAM] = *mem;
		break;
	case LIFE_STREAM_CLOSED:
		left_behind(s, OWN_STREAM, FAIL_AFTER_CLOSE, "stream_close");
		s->closed = true;
		s->closed_tick = ev->tick;
		break;
	case LIFE_ADAPTER_STOPPED:
		if (s->interrupt_id != 0)
			checker_fail(s->env, SELF, FAIL_AFTER_STOP,
				     "the interrupt (#%" PRIu32 ") is still connected when adapter_stop "
				     "returned: the ISR will run on freed memory",
				     s->interrupt_id);
		left_behind(s, OWN_ADAPTER | OWN_STREAM, FAIL_AFTER_STOP, "adapter_stop");
		s->stopped = true;
		s->stopped_tick = ev->tick;
		break;
	}
}

static void on_object(struct state *s, const struct sim_event *ev)
{
	const struct ev_object_where *w = ev->ref;
	uint8_t *f = slot(s, ev->u.object.id);
	*f = 0;	/* initialised (again): nothing set or queued */
	if (w == NULL)
		return;
	uint8_t own = owner_of(s, w->storage);
	if (ev->u.object.type == KOBJ_DPC)
		own |= owner_of(s, w->context);
	if (own == 0)
		return;
	*f = own;
	s->env->stats->lifetime_objects++;
	for (uint32_t i = 0; i < s->n_owned; i++) {
		if (s->owned[i].id == ev->u.object.id) {
			s->owned[i] = (struct named){ ev->u.object.id, ev->u.object.type, ev->text };
			return;
		}
	}
	if (s->n_owned < OWNED_NAMED_MAX)
		s->owned[s->n_owned++] = (struct named){ ev->u.object.id, ev->u.object.type, ev->text };
}

static void on_kcall(struct state *s, const struct sim_event *ev)
{
	const struct ev_kcall *k = &ev->u.kcall;
	uint8_t own = flags(s, k->object) & (OWN_ADAPTER | OWN_STREAM);
	char d[160], what[320];
	if (k->call == KC_PORT_CALL && (s->closed || s->stopped)) {
		static const char *const calls[] = { "GetMapping", "ReleaseMapping", "Notify" };
		snprintf(what, sizeof(what), "the driver called the port (%s) on cpu%d",
			 k->arg0 < 3 ? calls[k->arg0] : "?", ev->cpu);
		fail_after(s, OWN_STREAM, ev->tick, what);
	}
	if (k->call == KC_QUEUE_WORK_ITEM) {
		uint8_t wown = owner_of(s, ev->ref);
		if (wown & ended(s)) {
			snprintf(what, sizeof(what), "a work item was queued for the %s",
				 (wown & OWN_STREAM) ? "stream" : "adapter");
			fail_after(s, wown, ev->tick, what);
		}
		if (wown & OWN_STREAM)
			s->work_queued[OWNER_STREAM]++;
		else if (wown & OWN_ADAPTER)
			s->work_queued[OWNER_ADAPTER]++;
	}
	if (k->object == 0)
		return;
	if (own & ended(s)) {
		snprintf(what, sizeof(what), "%s called on %s on cpu%d", kcall_names[k->call % KC_COUNT],
			 describe(s, k->object, d, sizeof(d)), ev->cpu);
		fail_after(s, own, ev->tick, what);
	}
	uint8_t *f = slot(s, k->object);
	switch ((enum kcall)k->call) {
	case KC_SET_TIMER:
		*f |= OBJ_TIMER_SET;
		if (k->arg1 != 0)	/* the period, in ticks */
			*f |= OBJ_TIMER_PERIODIC;
		else
			*f &= (uint8_t)~OBJ_TIMER_PERIODIC;
		break;
	case KC_CANCEL_TIMER: *f &= (uint8_t)~(OBJ_TIMER_SET | OBJ_TIMER_PERIODIC); break;
	case KC_INSERT_DPC: *f |= OBJ_DPC_QUEUED; break;
	case KC_REMOVE_DPC: *f &= (uint8_t)~OBJ_DPC_QUEUED; break;
	case KC_CONNECT_INTERRUPT: s->interrupt_id = k->object; break;
	case KC_DISCONNECT_INTERRUPT:
		if (s->interrupt_id == k->object)
			s->interrupt_id = 0;
		break;
	default: break;
	}
}

/* The events other than a kernel call: a few a run. */
__attribute__((noinline)) static void on_other_event(struct state *s, const struct sim_event *ev)
{
	char d[160], what[320];
	switch ((enum sim_event_kind)ev->kind) {
	case EV_LIFECYCLE:
		on_lifecycle(s, ev);
		break;
	case EV_OBJECT:
		on_object(s, ev);
		break;
	case EV_DPC: {
		uint8_t f = flags(s, ev->u.id.id);
		if (ev->u.id.id < s->cap_obj)
			s->obj[ev->u.id.id] &= (uint8_t)~OBJ_DPC_QUEUED;
		if (f & ended(s)) {
			snprintf(what, sizeof(what), "%s ran on cpu%d",
				 describe(s, ev->u.id.id, d, sizeof(d)), ev->cpu);
			fail_after(s, f, ev->tick, what);
		}
		break;
	}
	case EV_TIMER: {
		uint8_t f = flags(s, ev->u.id.id);
		/* A one-shot timer is no longer set once it expired (the machine
		 * clears it); a periodic one is re-armed. */
		if (ev->u.id.id < s->cap_obj && !(f & OBJ_TIMER_PERIODIC))
			s->obj[ev->u.id.id] &= (uint8_t)~OBJ_TIMER_SET;
		if (f & ended(s)) {
			snprintf(what, sizeof(what), "%s expired (due at tick %" PRIu64 ")",
				 describe(s, ev->u.id.id, d, sizeof(d)), ev->u.id.due_tick);
			fail_after(s, f, ev->tick, what);
		}
		break;
	}
	case EV_TASK: {
		uint8_t own = owner_of(s, ev->ref);
		if (own & ended(s)) {
			snprintf(what, sizeof(what), "a work item of the %s ran on cpu%d",
				 (own & OWN_STREAM) ? "stream" : "adapter", ev->cpu);
			fail_after(s, own, ev->tick, what);
		}
		/* Only work items pass driver memory to a passive call (the
		 * harness's own calls get the harness's objects), so a call of
		 * the driver's is one of the work items counted. */
		int o = (own & OWN_STREAM) ? OWNER_STREAM : OWNER_ADAPTER;
		if (own != 0 && s->work_queued[o] > 0)
			s->work_queued[o]--;
		break;
	}
	case EV_ISR:
		if (!ev->u.isr.leaving && s->stopped) {
			snprintf(what, sizeof(what), "the driver's ISR was entered on cpu%d", ev->cpu);
			fail_after(s, OWN_ADAPTER, ev->tick, what);
		}
		break;
	default:
		break;
	}
}

static void on_event(void *state, const struct sim_event *ev)
{
	struct state *s = state;
	if (ev->kind == EV_KCALL)
		on_kcall(s, ev);	/* the common one */
	else
		on_other_event(s, ev);
}

static const char *attach(void *state, const struct checker_env *env)
{
	struct state *s = state;
	s->env = env;
	return NULL;
}

static void detach(void *state)
{
	struct state *s = state;
	free(s->obj);
}

const struct checker_def checker_lifetime = {
	.name = "lifetime",
	.watches = "what of a stream runs after stream_close, and of the driver after adapter_stop",
	.failures = failures,
	.n_failures = sizeof(failures) / sizeof(failures[0]),
	.events = EV_BIT(EV_LIFECYCLE) | EV_BIT(EV_OBJECT) | EV_BIT(EV_KCALL) | EV_BIT(EV_DPC) |
		  EV_BIT(EV_TIMER) | EV_BIT(EV_TASK) | EV_BIT(EV_ISR),
	.state_bytes = sizeof(struct state),
	.attach = attach,
	.on_event = on_event,
	.detach = detach,
};
