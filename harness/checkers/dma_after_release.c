/*
 * dma_after_release.c - every data DMA that touches a mapping's memory
 * touches a mapping that is ACQUIRED or REVOKING at that moment (the
 * newest mapping that covered each byte decides for it), and no DMA
 * touches memory that is not there at all (a DMA fault).
 */
#include <inttypes.h>
#include <stdio.h>

#include "checker.h"
#include "mappings.h"

static const struct failure_def failures[] = {
	{ "dma-after-release",
	  "the device's DMA touches only memory of mappings still acquired (or being revoked), "
	  "and only memory that is there" },
};

const struct checker_def checker_dma_after_release;
#define SELF (&checker_dma_after_release)

struct state {
	const struct checker_env *env;
	const struct ac97_event *dma;	/* the range being looked at */
};

static uint64_t us(sim_ticks_t t)
{
	return sim_ticks_to_us(t);
}

static const char *engine_of(const struct ac97_event *ev)
{
	return ev->engine >= 0 ? ac97_engine_name((enum ac97_engine_id)ev->engine) : "device";
}

static void piece(void *ctx, struct mapping_rec *r, uint64_t lo, uint64_t hi)
{
	struct state *s = ctx;
	enum port_mapping_state st = r->info.state;
	if (st == MAPPING_ACQUIRED || st == MAPPING_REVOKING)
		return;
	const struct ac97_event *ev = s->dma;
	char d[96];
	checker_fail(s->env, SELF, 0,
		     "%s DMA %s of [0x%" PRIx64 ", 0x%" PRIx64 ") at tick %" PRIu64 " (%" PRIu64
		     " us) touches bytes %" PRIu64 "..%" PRIu64 " of %s, which is %s since tick %" PRIu64
		     " (%" PRIu64 " us)",
		     engine_of(ev), ev->code == 1 ? "write" : "read", lo, hi, ev->tick, us(ev->tick),
		     lo - r->info.physical, hi - r->info.physical - 1,
		     mappings_describe(s->env->maps, r->info.index, d, sizeof(d)),
		     port_mapping_state_name(st), r->state_tick, us(r->state_tick));
}

static const char *attach(void *state, const struct checker_env *env)
{
	struct state *s = state;
	s->env = env;
	return NULL;
}

static void on_event(void *state, const struct sim_event *ev)
{
	struct state *s = state;
	const struct ac97_event *de = ev->ref;
	if (ev->kind == EV_DMA) {
		s->dma = de;
		if (de->b > 0)
			mappings_each_owner(s->env->maps, de->a, de->b, piece, s);
		return;
	}
	if (ev->kind == EV_DEVICE && de->kind == AC97_EV_DMA_FAULT) {
		char d[96];
		checker_fail(s->env, SELF, 0,
			     "%s: %s at 0x%" PRIx64 " (descriptor %" PRIu64 ") at tick %" PRIu64
			     " (%" PRIu64 " us); last there: %s",
			     engine_of(de), de->what, de->a, de->b, de->tick, us(de->tick),
			     mappings_describe_addr(s->env->maps, de->a, d, sizeof(d)));
	}
}

const struct checker_def checker_dma_after_release = {
	.name = "dma-after-release",
	.watches = "every DMA range the device reads or writes, and DMA faults",
	.failures = failures,
	.n_failures = sizeof(failures) / sizeof(failures[0]),
	.events = EV_BIT(EV_DMA) | EV_BIT(EV_DEVICE),
	.state_bytes = sizeof(struct state),
	.attach = attach,
	.on_event = on_event,
};
