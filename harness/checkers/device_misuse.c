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

/* One descriptor word as the last full check of an engine found it: its
 * guest page's mapped flag and its eight bytes, in place, and what they
 * must say (masked). */
struct held_word {
	const uint8_t *page_mapped;
	const uint8_t *bytes;
	uint64_t mask, want;
};

/* What a full check of a running engine verified, valid while the engine
 * has not changed (bm_engine.desc_changes): each step then only re-reads the
 * memory words (the driver may rewrite them, or free their page, at any
 * step) instead of working out again where they are and what they must
 * hold. */
struct engine_cache {
	uint64_t changes;
	bool valid;
	uint32_t n_held;		/* CIV's and PIV's descriptors, as checked */
	struct held_word held[2];
	struct held_word lvi;		/* must not be all zero */
};

struct state {
	const struct checker_env *env;
	struct engine_cache cache[AC97_ENGINE_COUNT];
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
						  const struct bm_desc *now)
{
	char a[96], b[96];
	checker_fail(s->env, SELF, 0,
		     "%s: the %s descriptor %" PRIu32 " at 0x%" PRIx64
		     " was rewritten while DMA runs: the engine holds addr 0x%08" PRIx32 " (%s), %" PRIu32
		     " samples, IOC %d, BUP %d; memory now says addr 0x%08" PRIx32 " (%s), %" PRIu32
		     " samples, IOC %d, BUP %d",
		     ac97_engine_name((enum ac97_engine_id)e->id), role, index, at, held->addr,
		     mappings_describe_addr(s->env->maps, held->addr, a, sizeof(a)), held->len_samples,
		     held->ioc, held->bup, now->addr,
		     mappings_describe_addr(s->env->maps, now->addr, b, sizeof(b)), now->len_samples,
		     now->ioc, now->bup);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where descriptor index of e lies in guest memory (BDBAR holds what its
 * write kept: bits 2:0 clear, or 1:0 on a profile that keeps bit 2). */
static uint64_t descriptor_at(const struct bm_engine *e, uint32_t index)
{
	return (uint64_t)e->bdbar + AC97_BD_BYTES * (uint64_t)index;
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
	/* Memory read as the engine reads it (its profile's address mask and
	 * length units). */
	struct bm_desc now = bm_engine_decode_desc(e, dw0, dw1);
	bool same = now.addr == held->addr && now.len_samples == held->len_samples &&
		    now.ioc == held->ioc && now.bup == held->bup;
	if (!same)
		descriptor_rewritten(s, e, index, at, held, role, &now);
}


/* Eight little-endian bytes, as one load where the host is little-endian
 * (the cache re-reads a word or three at every step). */
static inline uint64_t le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;
	memcpy(&w, p, sizeof(w));
	return w;
#else
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
#endif
}

/* Where descriptor index lies in mem, to be re-read in place; false when
 * it is not wholly inside memory (then there is nothing to cache). A
 * descriptor is 8-byte aligned, so it never straddles a page. */
static bool held_word_at(const struct gmem *mem, const struct bm_engine *e, uint32_t index,
			 struct held_word *w)
{
	uint64_t at = descriptor_at(e, index);
	if (mem->bytes == NULL || at > mem->size_bytes || mem->size_bytes - at < AC97_BD_BYTES)
		return false;
	w->page_mapped = &mem->page_mapped[at / GMEM_PAGE_BYTES];
	w->bytes = mem->bytes + at;
	return true;
}

static bool held_desc_at(const struct gmem *mem, const struct bm_engine *e, uint32_t index,
			 const struct bm_desc *held, struct held_word *w)
{
	if (!held_word_at(mem, e, index, w))
		return false;
	/* The bits the engine keeps of the two words, as bm_engine_decode_desc
	 * reads them: address bit 0 (bits 1:0 on a profile that drops both),
	 * the length in samples (in bytes, odd byte dropped, on one that
	 * counts bytes), IOC, BUP. */
	bool dword = (e->quirks & AC97_QUIRK(AC97_Q_ADDR_MASK_DWORD)) != 0;
	bool bytes = (e->quirks & AC97_QUIRK(AC97_Q_PICB_BYTES)) != 0;
	uint32_t addr_mask = dword ? ~3u : ~1u;
	uint32_t len_mask = bytes ? AC97_BD_LEN_MASK & ~1u : AC97_BD_LEN_MASK;
	uint32_t len = bytes ? 2u * held->len_samples : held->len_samples;
	w->mask = addr_mask | (uint64_t)(len_mask | AC97_BD_IOC | AC97_BD_BUP) << 32;
	w->want = held->addr | (uint64_t)(len | (held->ioc ? AC97_BD_IOC : 0u) |
					  (held->bup ? AC97_BD_BUP : 0u)) << 32;
	return true;
}

/* The cache's answer: every word it holds still says what it said, in a
 * mapped page. False: do the full check. */
static inline bool word_holds(const struct held_word *w)
{
	return *w->page_mapped && (le64(w->bytes) & w->mask) == w->want;
}

static inline bool cache_holds(const struct engine_cache *c)
{
	_Static_assert(sizeof(c->held) / sizeof(c->held[0]) == 2, "CIV's and PIV's, no more");
	if (c->n_held > 0 && !word_holds(&c->held[0]))
		return false;
	if (c->n_held > 1 && !word_holds(&c->held[1]))
		return false;
	return *c->lvi.page_mapped && le64(c->lvi.bytes) != 0;
}

/* After a full check of e passed: what it verified, for the steps until e
 * changes. */
static void cache_fill(struct engine_cache *c, const struct gmem *mem, const struct bm_engine *e)
{
	c->valid = false;
	c->changes = e->desc_changes;
	c->n_held = 0;
	if (e->loaded && !held_desc_at(mem, e, e->civ, &e->cur, &c->held[c->n_held++]))
		return;
	if (e->next_cached && e->civ != e->lvi &&
	    !held_desc_at(mem, e, e->piv, &e->next, &c->held[c->n_held++]))
		return;
	c->valid = held_word_at(mem, e, e->lvi, &c->lvi);
}

/* Every running engine unchanged since its last full check and its cached
 * words as they were: the common step, kept small (no register spills of
 * the full check). Counts the comparisons as the full check would. */
static inline bool cached_check_holds(const struct state *s, uint64_t *checks)
{
	const struct bm_engine *engines = s->env->dev->engine;
	uint64_t n = 0;
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		const struct bm_engine *e = &engines[i];
		const struct engine_cache *c = &s->cache[i];
		if (!e->dma_active)
			continue;
		if (c->changes != e->desc_changes || !c->valid || !cache_holds(c))
			return false;
		n += c->n_held;
	}
	*checks = n;
	return true;
}

/* The careful check of one running engine, which fails the run with what
 * differs: the descriptors it holds (CIV's; PIV's while CIV != LVI) and
 * the one LVI names, against memory. Counts its comparisons. */
static void check_engine(struct state *s, const struct bm_engine *e, uint64_t *checks)
{
	if (e->loaded) {
		(*checks)++;
		check_descriptor(s, e, e->civ, &e->cur, "current (CIV)");
	}
	if (e->next_cached && e->civ != e->lvi) {
		(*checks)++;
		check_descriptor(s, e, e->piv, &e->next, "prefetched (PIV)");
	}
	uint64_t at = descriptor_at(e, e->lvi);
	uint32_t dw0, dw1;
	descriptor_words(s->env->mem, at, &dw0, &dw1);
	if ((dw0 | dw1) == 0)
		checker_fail(s->env, SELF, 0,
			     "%s: LVI = %u names descriptor %u at 0x%" PRIx64
			     ", which was never written (all zero bytes), while DMA runs (CIV %u)",
			     ac97_engine_name((enum ac97_engine_id)e->id), e->lvi, e->lvi, at, e->civ);
}

/* The step's check when some running engine changed since its cache was
 * made (or a cached word no longer holds): the cache is made again and
 * asked; the careful check runs only when it does not hold, and fails. */
__attribute__((noinline)) static void check_descriptors(struct state *s)
{
	const struct gmem *mem = s->env->mem;
	const struct bm_engine *engines = s->env->dev->engine;
	uint64_t checks = 0;
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		const struct bm_engine *e = &engines[i];
		if (!e->dma_active)
			continue;
		struct engine_cache *c = &s->cache[i];
		if (c->changes != e->desc_changes || !c->valid)
			cache_fill(c, mem, e);
		if (c->valid && cache_holds(c)) {
			checks += c->n_held;
			continue;
		}
		c->valid = false;
		check_engine(s, e, &checks);
	}
	s->env->stats->descriptor_checks += checks;
}

static const char *attach(void *state, const struct checker_env *env)
{
	struct state *s = state;
	s->env = env;
	return NULL;
}

/* A device event: a guest error that is the driver's fails the run. */
__attribute__((noinline)) static void on_device_event(struct state *s, const struct sim_event *ev)
{
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

static void on_event(void *state, const struct sim_event *ev)
{
	struct state *s = state;
	if (ev->kind != EV_STEP) {
		on_device_event(s, ev);
		return;
	}
	struct checker_stats *stats = s->env->stats;
	stats->step_hooks++;
	uint64_t checks;
	if (cached_check_holds(s, &checks))
		stats->descriptor_checks += checks;
	else
		check_descriptors(s);
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
