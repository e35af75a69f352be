/*
 * device_misuse.c - driver bugs the device sees: guest errors that are the
 * driver's (RR while running, RR with RPBM, BDBAR while running, odd
 * stereo lengths, descriptor address bit 0, reserved descriptor bits); a
 * descriptor the running engine loaded (CIV) or prefetched (PIV) rewritten
 * in memory; LVI naming a descriptor never written (all zero bytes).
 *
 * The prefetched descriptor is compared only while CIV != LVI: with LVI =
 * CIV the engine halts at the end of the current buffer and drops its
 * prefetched copy, which is how a miniport gets past a revoked PIV entry,
 * so rewriting that entry then is not misuse; resuming with LVI past CIV
 * while the stale copy is still cached is.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "checker.h"
#include "checkers.h"
#include "mappings.h"

static const struct failure_def failures[] = {
	{ "device-misuse",
	  "the driver programs the controller as its datasheet allows (no RR while running, no "
	  "rewritten current or prefetched descriptor, whole frames, aligned addresses)" },
};

const struct checker_def checker_device_misuse;
#define SELF (&checker_device_misuse)

struct state {
	const struct checker_env *env;
};

static bool misuse_code(uint32_t code)
{
	switch (code) {
	case AC97_GE_RR_WHILE_RUNNING:
	case AC97_GE_RR_WITH_RPBM:
	case AC97_GE_BDBAR_WHILE_RUNNING:
	case AC97_GE_ODD_LENGTH:
	case AC97_GE_ADDR_BIT0:
	case AC97_GE_BD_RESERVED_BITS:
		return true;
	default:
		return false;
	}
}

static void check_descriptor(struct state *s, const struct bm_engine *e, uint32_t index,
			     const struct bm_desc *held, const char *role)
{
	uint8_t raw[AC97_BD_BYTES];
	uint64_t at = (uint64_t)e->bdbar + AC97_BD_BYTES * (uint64_t)index;
	const char *engine = ac97_engine_name((enum ac97_engine_id)e->id);
	s->env->stats->descriptor_checks++;
	if (gmem_read(s->env->mem, at, raw, sizeof(raw)) != GMEM_NO_FAULT)
		checker_fail(s->env, SELF, 0,
			     "%s: the %s descriptor %" PRIu32 " at 0x%" PRIx64
			     " is no longer in guest memory while DMA runs",
			     engine, role, index, at);
	uint32_t dw0 = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 |
		       (uint32_t)raw[3] << 24;
	uint32_t dw1 = (uint32_t)raw[4] | (uint32_t)raw[5] << 8 | (uint32_t)raw[6] << 16 |
		       (uint32_t)raw[7] << 24;
	/* Memory read as the engine reads it (the profile's address mask
	 * and length units). */
	struct bm_desc now = bm_engine_decode_desc(e, dw0, dw1);
	bool same = now.addr == held->addr && now.len_samples == held->len_samples &&
		    now.ioc == held->ioc && now.bup == held->bup;
	if (same)
		return;
	char a[96], b[96];
	checker_fail(s->env, SELF, 0,
		     "%s: the %s descriptor %" PRIu32 " at 0x%" PRIx64
		     " was rewritten while DMA runs: the engine holds addr 0x%08" PRIx32 " (%s), %" PRIu32
		     " samples, IOC %d, BUP %d; memory now says addr 0x%08" PRIx32 " (%s), %" PRIu32
		     " samples, IOC %d, BUP %d",
		     engine, role, index, at, held->addr,
		     mappings_describe_addr(s->env->maps, held->addr, a, sizeof(a)), held->len_samples,
		     held->ioc, held->bup, now.addr,
		     mappings_describe_addr(s->env->maps, now.addr, b, sizeof(b)), now.len_samples,
		     now.ioc, now.bup);
}

static void check_descriptors(struct state *s)
{
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		const struct bm_engine *e = &s->env->dev->engine[i];
		if (!e->dma_active)
			continue;
		if (e->loaded)
			check_descriptor(s, e, e->civ, &e->cur, "current (CIV)");
		if (e->next_cached && e->civ != e->lvi)
			check_descriptor(s, e, e->piv, &e->next, "prefetched (PIV)");
		uint8_t raw[AC97_BD_BYTES];
		uint64_t at = (uint64_t)e->bdbar + AC97_BD_BYTES * (uint64_t)e->lvi;
		gmem_read(s->env->mem, at, raw, sizeof(raw));
		static const uint8_t zero[AC97_BD_BYTES];
		if (memcmp(raw, zero, sizeof(raw)) == 0)
			checker_fail(s->env, SELF, 0,
				     "%s: LVI = %u names descriptor %u at 0x%" PRIx64
				     ", which was never written (all zero bytes), while DMA runs (CIV %u)",
				     ac97_engine_name((enum ac97_engine_id)e->id), e->lvi, e->lvi, at, e->civ);
	}
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
	if (ev->kind == EV_STEP) {
		s->env->stats->step_hooks++;
		check_descriptors(s);
		return;
	}
	const struct ac97_event *de = ev->ref;
	if (ev->kind == EV_DEVICE && de->kind == AC97_EV_GUEST_ERROR && misuse_code(de->code)) {
		const char *engine = de->engine >= 0 ? ac97_engine_name((enum ac97_engine_id)de->engine)
						     : "device";
		checker_fail(s->env, SELF, 0,
			     "%s: %s (%s, value 0x%" PRIx64 ") at tick %" PRIu64 " (%" PRIu64 " us)",
			     engine, ac97_guest_error_name((enum ac97_guest_error)de->code), de->what,
			     de->a, de->tick, sim_ticks_to_us(de->tick));
	}
}

const struct checker_def checker_device_misuse = {
	.name = "device-misuse",
	.watches = "the device's guest errors, and the descriptors the running engines hold",
	.failures = failures,
	.n_failures = sizeof(failures) / sizeof(failures[0]),
	.events = EV_BIT(EV_DEVICE) | EV_BIT(EV_STEP),
	.state_bytes = sizeof(struct state),
	.attach = attach,
	.on_event = on_event,
};
