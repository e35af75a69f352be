/*
 * stall.c - while the stream is in RUN with audio available (mappings
 * PENDING, or ACQUIRED and not yet fetched or written), something moves at
 * least every stall_limit_ticks (mappings.h says what "moves" means); and
 * at the end of the run the stream is not left in RUN or PAUSE with
 * mappings pending or acquired while nothing will ever move it again (a
 * lost wakeup). The clock starts when the stream enters RUN or audio
 * becomes available, whichever is later, and is looked at on every step.
 */
#include <inttypes.h>
#include <stdio.h>

#include "checker.h"
#include "checkers.h"
#include "mappings.h"

static const struct failure_def failures[] = {
	{ "stall",
	  "while the stream runs with audio available, something moves within the stall limit, "
	  "and nothing is left waiting for a wakeup that will never come" },
};

const struct checker_def checker_stall;
#define SELF (&checker_stall)

struct state {
	const struct checker_env *env;
	const struct mappings_hot *hot;	/* the view's, read at every step */
	sim_ticks_t limit_ticks;
	sim_ticks_t anchor_tick;	/* when RUN with audio available began */
};

struct counts {
	uint32_t pending, acquired, unfinished;
	uint32_t first;		/* first waiting mapping, or UINT32_MAX */
};

static struct counts count_live(struct mappings *v)
{
	struct counts k = { 0, 0, 0, UINT32_MAX };
	for (uint32_t i = 0; i < mappings_count(v); i++) {
		const struct mapping_rec *r = mappings_get(v, i);
		if (!r->known)
			continue;
		bool pending = r->info.state == MAPPING_PENDING;
		bool acquired = r->info.state == MAPPING_ACQUIRED || r->info.state == MAPPING_REVOKING;
		k.pending += pending;
		k.acquired += acquired;
		k.unfinished += acquired && !r->done;
		if ((pending || acquired) && k.first == UINT32_MAX)
			k.first = i;
	}
	return k;
}

static uint64_t us(sim_ticks_t t)
{
	return sim_ticks_to_us(t);
}

AC97SIM_NORETURN __attribute__((noinline)) static void stalled(struct state *s, sim_ticks_t now,
								  sim_ticks_t since)
{
	struct mappings *v = s->env->maps;
	sim_ticks_t progress = mappings_last_progress(v);
	sim_ticks_t limit = s->limit_ticks;
	struct counts k = count_live(v);
	char d[96] = "none";
	if (k.first != UINT32_MAX)
		mappings_describe(v, k.first, d, sizeof(d));
	checker_fail(s->env, SELF, 0,
		     "stream in RUN with audio available but nothing moved for %" PRIu64
		     " us (limit %" PRIu64 " us): %" PRIu32 " mappings pending, %" PRIu32
		     " acquired (%" PRIu32 " not yet %s); first waiting: %s; last progress at tick %" PRIu64
		     " (%" PRIu64 " us)",
		     us(now - since), us(limit), k.pending, k.acquired, k.unfinished,
		     s->env->scfg->direction == PORT_RENDER ? "fetched" : "written", d, progress,
		     us(progress));
}

/* At every step: the common case is a few loads and compares; the report
 * is made out of line. */
static inline void check(struct state *s, sim_ticks_t now)
{
	const struct mappings_hot *h = s->hot;
	if (h->state != KSSTATE_RUN || h->n_available == 0) {
		s->anchor_tick = now;
		return;
	}
	sim_ticks_t since = s->anchor_tick > h->last_progress_tick ? s->anchor_tick
								    : h->last_progress_tick;
	if (now <= since || now - since <= s->limit_ticks)
		return;
	stalled(s, now, since);
}

static void end(struct state *s)
{
	struct mappings *v = s->env->maps;
	KSSTATE st = mappings_state(v);
	if (st != KSSTATE_RUN && st != KSSTATE_PAUSE)
		return;
	struct counts k = count_live(v);
	if (k.pending + k.acquired == 0)
		return;
	char d[96];
	sim_ticks_t progress = mappings_last_progress(v);
	checker_fail(s->env, SELF, 0,
		     "every CPU is idle and nothing is queued, with the stream in %s and %" PRIu32
		     " mappings pending, %" PRIu32 " acquired (first: %s): nothing will move it again "
		     "(a lost MappingAvailable or interrupt?); last progress at tick %" PRIu64
		     " (%" PRIu64 " us)",
		     ksstate_name(st), k.pending, k.acquired, mappings_describe(v, k.first, d, sizeof(d)),
		     progress, us(progress));
}

static const char *attach(void *state, const struct checker_env *env)
{
	struct state *s = state;
	s->env = env;
	s->hot = mappings_hot(env->maps);
	s->limit_ticks = env->cfg->stall_limit_ticks;
	s->anchor_tick = machine_now(env->m);
	return NULL;
}

/* The events other than a step: a few a run. */
__attribute__((noinline)) static void on_other_event(struct state *s, const struct sim_event *ev)
{
	switch ((enum sim_event_kind)ev->kind) {
	case EV_PORT:
		if (ev->u.port.kind == PORT_EV_STATE && ev->u.port.result == 0 &&
		    ev->u.port.b == KSSTATE_RUN && ev->u.port.a != KSSTATE_RUN)
			s->anchor_tick = ev->tick;
		break;
	case EV_RUN_END:
		if (!s->env->cfg->ends_early)
			end(s);
		break;
	default:
		break;
	}
}

static void on_event(void *state, const struct sim_event *ev)
{
	struct state *s = state;
	if (ev->kind == EV_STEP)
		check(s, ev->tick);
	else
		on_other_event(s, ev);
}

const struct checker_def checker_stall = {
	.name = "stall",
	.watches = "whether the stream keeps moving while it runs with audio available",
	.failures = failures,
	.n_failures = sizeof(failures) / sizeof(failures[0]),
	.events = EV_BIT(EV_STEP) | EV_BIT(EV_PORT) | EV_BIT(EV_RUN_END),
	.state_bytes = sizeof(struct state),
	.attach = attach,
	.on_event = on_event,
};
