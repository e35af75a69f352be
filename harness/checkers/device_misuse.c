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

AC97SIM_NORETURN static void descriptor_gone(struct state *s, const struct bm_engine *e,
					    uint32_t index, uint64_t at, const char *role)
{
	checker_fail(s->env, SELF, 0,
		     "%s: the %s descriptor %" PRIu32 " at 0x%" PRIx64
		     " is no longer in guest memory while DMA runs",
		     ac97_engine_name((enum ac97_engine_id)e->id), role, index, at);
}

AC97SIM_NORETURN static void descriptor_rewritten(struct state *s, const struct bm_engine *e,
						  uint32_t index, uint64_t at,
						  const struct bm_desc *held, const char *role,
						  uint32_t dw0, uint32_t dw1)
{
	char a[96], b[96];
	checker_fail(s->env, SELF, 0,
		     "%s: the %s descriptor %" PRIu32 " at 0x%" PRIx64
		     " was rewritten while DMA runs: the engine holds addr 0x%08" PRIx32 " (%s), %" PRIu32
		     " samples, IOC %d, BUP %d; memory now says addr 0x%08" PRIx32 " (%s), %" PRIu32
		     " samples, IOC %d, BUP %d",
		     ac97_engine_name((enum ac97_engine_id)e->id), role, index, at, held->addr,
		     mappings_describe_addr(s->env->maps, held->addr, a, sizeof(a)), held->len_samples,
		     held->ioc, held->bup, dw0, mappings_describe_addr(s->env->maps, dw0 & ~1u, b, sizeof(b)),
		     dw1 & AC97_BD_LEN_MASK, (dw1 & AC97_BD_IOC) != 0, (dw1 & AC97_BD_BUP) != 0);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where descriptor index of e lies in guest memory. */
static uint64_t descriptor_at(const struct bm_engine *e, uint32_t index)
{
	return (uint64_t)(e->bdbar & ~7u) + AC97_BD_BYTES * (uint64_t)index;
}

/* The two words of the descriptor at `at`, through gmem_read, which reads
 * what it cannot reach as zero. Returns false when some byte was not
 * readable. */
static bool descriptor_words(const struct gmem *mem, uint64_t at, uint32_t *dw0, uint32_t *dw1)
{
	uint8_t raw[AC97_BD_BYTES];
	bool readable = gmem_read(mem, at, raw, sizeof(raw)) == GMEM_NO_FAULT;
	*dw0 = le32(raw);
	*dw1 = le32(raw + 4);
	return readable;
}

/* The careful check of one descriptor the engine holds against memory,
 * which fails the run when they differ or memory is gone. */
static void check_descriptor(struct state *s, const struct bm_engine *e, uint32_t index,
			     const struct bm_desc *held, const char *role)
{
	uint64_t at = descriptor_at(e, index);
	uint32_t dw0, dw1;
	if (!descriptor_words(s->env->mem, at, &dw0, &dw1))
		descriptor_gone(s, e, index, at, role);
	bool same = (dw0 & ~1u) == held->addr && (dw1 & AC97_BD_LEN_MASK) == held->len_samples &&
		    ((dw1 & AC97_BD_IOC) != 0) == held->ioc && ((dw1 & AC97_BD_BUP) != 0) == held->bup;
	if (!same)
		descriptor_rewritten(s, e, index, at, held, role, dw0, dw1);
}

/* Whether memory still says what the engine holds for descriptor index,
 * answered in place: true only when its bytes are in mapped memory and
 * match; false sends the caller the careful way (check_descriptor). This
 * runs at every scheduling step, so it reads and compares and no more. */
static inline bool descriptor_holds(const struct gmem *mem, const struct bm_engine *e,
				    uint32_t index, const struct bm_desc *held)
{
	const uint8_t *p = gmem_peek(mem, descriptor_at(e, index), AC97_BD_BYTES);
	if (p == NULL)
		return false;
	uint32_t held_dw1 = held->len_samples | (held->ioc ? AC97_BD_IOC : 0u) |
			    (held->bup ? AC97_BD_BUP : 0u);
	return (le32(p) & ~1u) == held->addr &&
	       (le32(p + 4) & (AC97_BD_LEN_MASK | AC97_BD_IOC | AC97_BD_BUP)) == held_dw1;
}

static void check_descriptors(struct state *s)
{
	const struct gmem *mem = s->env->mem;
	uint64_t checks = 0;
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		const struct bm_engine *e = &s->env->dev->engine[i];
		if (!e->dma_active)
			continue;
		if (e->loaded) {
			checks++;
			if (!descriptor_holds(mem, e, e->civ, &e->cur))
				check_descriptor(s, e, e->civ, &e->cur, "current (CIV)");
		}
		if (e->next_cached && e->civ != e->lvi) {
			checks++;
			if (!descriptor_holds(mem, e, e->piv, &e->next))
				check_descriptor(s, e, e->piv, &e->next, "prefetched (PIV)");
		}
		uint64_t at = descriptor_at(e, e->lvi);
		const uint8_t *p = gmem_peek(mem, at, AC97_BD_BYTES);
		uint32_t dw0, dw1;
		if (p != NULL) {
			dw0 = le32(p);
			dw1 = le32(p + 4);
		} else {
			descriptor_words(mem, at, &dw0, &dw1);
		}
		if ((dw0 | dw1) == 0)
			checker_fail(s->env, SELF, 0,
				     "%s: LVI = %u names descriptor %u at 0x%" PRIx64
				     ", which was never written (all zero bytes), while DMA runs (CIV %u)",
				     ac97_engine_name((enum ac97_engine_id)e->id), e->lvi, e->lvi, at, e->civ);
	}
	s->env->stats->descriptor_checks += checks;
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
