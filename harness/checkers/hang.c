/*
 * hang.c - liveness: a stream that still has work outstanding keeps
 * moving, and a run does not end at its limit having stopped moving.
 *
 * Outstanding: an IRP neither completed nor cancelled, or a mapping
 * PENDING, ACQUIRED or being revoked. Moving: what the shared view of the
 * mappings calls progress (mappings.h: a mapping acquired or released, DMA
 * touching a live mapping, audio data crossing the link).
 *
 * - While the stream is in RUN with anything outstanding, something moves
 *   at least every hang_limit_ticks. The clock starts when the stream
 *   enters RUN or something becomes outstanding, whichever is later. This
 *   is wider than "stall" (audio available: PENDING, or acquired and not
 *   yet fetched or written): it also covers work that DMA has finished but
 *   the driver never gives back, e.g. the last mapping of a stream that a
 *   driver keeps because it never looks at CELV. The stream script then
 *   waits for ever and no end-of-run check ever runs.
 * - A run that reaches its step or time limit (EV_LIMIT) fails if nothing
 *   moved during the last hang_limit_ticks before the limit, whatever the
 *   stream's state: it would never have ended. A run still moving at its
 *   limit keeps the verdict "limit".
 *
 * The check runs at every scheduling point and, while the machine sleeps
 * (every CPU idle or waiting, time jumping to the next event), at the
 * moment the bound runs out: it asks the machine for a check deadline
 * there (machine_check_at). The report names what was outstanding (IRPs,
 * mappings with their state and how far DMA got), how much data was handed
 * out and delivered, how long since the last progress, and what the
 * stream's engine was doing (CIV, LVI, PIV, SR, PICB, CR, read from the
 * device's state without touching its registers).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "checkers.h"
#include "mappings.h"

#define LIST_MAX 4u	/* IRPs and mappings named in a report */

static const struct failure_def failures[] = {
	{ "hang",
	  "a stream with IRPs or mappings outstanding keeps moving while it runs (within the hang "
	  "limit), and a run does not reach its step or time limit having stopped moving" },
};

const struct checker_def checker_hang;
#define SELF (&checker_hang)

enum irp_seen { IRP_UNSEEN, IRP_OPEN, IRP_ENDED };

struct state {
	const struct checker_env *env;
	const struct mappings_hot *hot;	/* the view's, read at every step */
	sim_ticks_t limit_ticks;
	bool render;
	sim_ticks_t anchor_tick;	/* RUN with something outstanding since */
	/* What is outstanding, kept up to date event by event. */
	uint8_t *mapping_live;		/* per mapping index: 1 while not ended */
	uint32_t n_mapping_live, cap_mapping_live;
	uint32_t live_mappings;
	uint8_t *irp_seen;		/* per IRP: enum irp_seen */
	uint32_t n_irp_seen, cap_irp_seen;
	uint32_t open_irps;
	/* For the report: data handed out and delivered, from the start. */
	uint64_t handed_out_bytes;
};

static void grow(struct state *s, uint8_t **items, uint32_t *cap, uint32_t need)
{
	if (need <= *cap)
		return;
	uint32_t n = *cap ? *cap : 64;
	while (n < need && n <= UINT32_MAX / 2)
		n *= 2;
	uint8_t *p = n >= need ? realloc(*items, n) : NULL;
	if (p == NULL)
		machine_fail(s->env->m, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_HOST_MEMORY],
			     "out of host memory for the hang checker's records");
	memset(p + *cap, 0, n - *cap);
	*items = p;
	*cap = n;
}

static void irp_open(struct state *s, uint32_t irp)
{
	if (irp == UINT32_MAX)
		return;
	grow(s, &s->irp_seen, &s->cap_irp_seen, irp + 1);
	if (irp >= s->n_irp_seen)
		s->n_irp_seen = irp + 1;
	if (s->irp_seen[irp] == IRP_UNSEEN) {
		s->irp_seen[irp] = IRP_OPEN;
		s->open_irps++;
	}
}

static void irp_ended(struct state *s, uint32_t irp)
{
	irp_open(s, irp);
	if (irp != UINT32_MAX && s->irp_seen[irp] == IRP_OPEN) {
		s->irp_seen[irp] = IRP_ENDED;
		s->open_irps--;
	}
}

static void mapping_state(struct state *s, const struct port_event *p)
{
	if (p->index == UINT32_MAX)
		return;
	grow(s, &s->mapping_live, &s->cap_mapping_live, p->index + 1);
	if (p->index >= s->n_mapping_live)
		s->n_mapping_live = p->index + 1;
	uint8_t live = !mapping_state_terminal((enum port_mapping_state)p->result);
	s->live_mappings += live;
	s->live_mappings -= s->mapping_live[p->index];
	s->mapping_live[p->index] = live;
	if (p->result == MAPPING_ACQUIRED) {
		const struct mapping_rec *r = mappings_get(s->env->maps, p->index);
		if (r != NULL)
			s->handed_out_bytes += r->info.byte_count;
	}
	irp_open(s, p->irp);
}

static bool outstanding(const struct state *s)
{
	return s->live_mappings > 0 || s->open_irps > 0;
}

static uint64_t us(sim_ticks_t t)
{
	return sim_ticks_to_us(t);
}

/* ---- the report ---------------------------------------------------------- */

struct text {
	char buf[720];
	size_t at;
};

__attribute__((format(printf, 2, 3))) static void add(struct text *t, const char *format, ...)
{
	if (t->at >= sizeof(t->buf))
		return;
	va_list ap;
	va_start(ap, format);
	int n = vsnprintf(t->buf + t->at, sizeof(t->buf) - t->at, format, ap);
	va_end(ap);
	if (n > 0)
		t->at += (size_t)n;
}

static void describe_outstanding(struct state *s, struct text *t)
{
	struct mappings *v = s->env->maps;
	add(t, "%" PRIu32 " IRPs outstanding", s->open_irps);
	uint32_t named = 0;
	for (uint32_t i = 0; i < s->n_irp_seen && named < LIST_MAX; i++)
		if (s->irp_seen[i] == IRP_OPEN)
			add(t, "%s%" PRIu32, named++ ? ", " : " (IRP ", i);
	add(t, "%s; %" PRIu32 " mappings not released", named ? (s->open_irps > named ? ", ...)" : ")")
							 : "",
	    s->live_mappings);
	named = 0;
	for (uint32_t i = 0; i < s->n_mapping_live && named < LIST_MAX; i++) {
		if (!s->mapping_live[i])
			continue;
		const struct mapping_rec *r = mappings_get(v, i);
		char d[96];
		add(t, "%s%s, DMA at %" PRIu32 " of %" PRIu32 " bytes, in that state since tick %" PRIu64,
		    named++ ? "; " : ": ", mappings_describe(v, i, d, sizeof(d)),
		    r != NULL ? r->dma_hi_bytes : 0, r != NULL ? r->info.byte_count : 0,
		    r != NULL ? r->state_tick : 0);
	}
	if (s->live_mappings > named)
		add(t, "; ...");
	add(t, "; %" PRIu64 " bytes handed out by GetMapping, %" PRIu64 " %s", s->handed_out_bytes,
	    s->render ? mappings_link_data_bytes(s->env->maps)
		      : mappings_engine_moved_bytes(s->env->maps),
	    s->render ? "played at the link" : "written by DMA");
}

static void describe_engine(const struct state *s, struct text *t)
{
	int engine = mappings_engine(s->env->maps);
	if (engine < 0 || engine >= AC97_ENGINE_COUNT)
		return;
	const struct bm_engine *e = &s->env->dev->engine[engine];
	uint16_t sr = bm_engine_sr(e);
	add(t, "; engine %s: CIV %u, LVI %u, PIV %u, PICB %u, SR 0x%04x%s%s%s%s%s, CR 0x%02x%s",
	    ac97_engine_name((enum ac97_engine_id)engine), e->civ, e->lvi, e->piv,
	    bm_engine_picb(e), sr, sr & AC97_SR_DCH ? " DCH" : "", sr & AC97_SR_CELV ? " CELV" : "",
	    sr & AC97_SR_LVBCI ? " LVBCI" : "", sr & AC97_SR_BCIS ? " BCIS" : "",
	    sr & AC97_SR_FIFOE ? " FIFOE" : "", e->cr, e->cr & AC97_CR_RPBM ? " (RPBM)" : "");
}

AC97SIM_NORETURN __attribute__((noinline)) static void report(struct state *s, const char *what,
								 sim_ticks_t since, sim_ticks_t end)
{
	struct text t = { .at = 0 };
	describe_outstanding(s, &t);
	describe_engine(s, &t);
	checker_fail(s->env, SELF, 0,
		     "%s: nothing moved for %" PRIu64 " us (limit %" PRIu64 " us; last progress at "
		     "tick %" PRIu64 "), with %s",
		     what, us(end - since), us(s->env->cfg->hang_limit_ticks),
		     mappings_last_progress(s->env->maps), t.buf);
}

/* ---- the checks ------------------------------------------------------------ */

/* At every step (and deadline): a few loads and compares; the report is
 * made out of line. */
static inline void check(struct state *s, sim_ticks_t now)
{
	const struct mappings_hot *h = s->hot;
	if (h->state != KSSTATE_RUN || !outstanding(s)) {
		s->anchor_tick = now;
		return;
	}
	sim_ticks_t since = s->anchor_tick > h->last_progress_tick ? s->anchor_tick
								    : h->last_progress_tick;
	sim_ticks_t limit = s->limit_ticks;
	if (now > since && now - since > limit)
		report(s, "the stream runs with work outstanding but hangs", since, now);
	/* While the machine sleeps, be woken when the bound runs out. */
	machine_check_at(s->env->m, since + limit + 1);
}

static void at_limit(struct state *s, const struct sim_event *ev)
{
	sim_ticks_t end = ev->tick;
	if (ev->u.limit.which == LIMIT_TIME && end > ev->u.limit.max)
		end = ev->u.limit.max;	/* the jump that passed the limit is not the run's */
	sim_ticks_t since = mappings_last_progress(s->env->maps);
	if (end <= since || end - since <= s->env->cfg->hang_limit_ticks)
		return;	/* moving to the end: the verdict stays "limit" */
	report(s, ev->u.limit.which == LIMIT_TIME ? "the run reached its time limit having stopped"
						  : "the run reached its step limit having stopped",
	       since, end);
}

static void on_port(struct state *s, const struct sim_event *ev)
{
	const struct port_event *p = &ev->u.port;
	switch ((enum port_event_kind)p->kind) {
	case PORT_EV_MAPPING:
		mapping_state(s, p);
		break;
	case PORT_EV_IRP_SUBMITTED:
		irp_open(s, p->irp);
		break;
	case PORT_EV_IRP_DONE:
		irp_ended(s, p->irp);
		break;
	case PORT_EV_STATE:
		if (p->result == 0 && p->b == KSSTATE_RUN && p->a != KSSTATE_RUN)
			s->anchor_tick = ev->tick;
		break;
	default:
		break;
	}
}

/* The events other than a step. */
__attribute__((noinline)) static void on_other_event(struct state *s, const struct sim_event *ev)
{
	switch ((enum sim_event_kind)ev->kind) {
	case EV_DEADLINE:
		s->env->stats->hang_deadlines++;
		check(s, ev->tick);
		break;
	case EV_LIMIT:
		at_limit(s, ev);
		break;
	case EV_PORT:
		on_port(s, ev);
		break;
	default:
		break;
	}
}

static void on_event(void *state, const struct sim_event *ev)
{
	struct state *s = state;
	if (ev->kind == EV_STEP)
		check(s, ev->tick);	/* every scheduling point: first and small */
	else
		on_other_event(s, ev);
}

static const char *attach(void *state, const struct checker_env *env)
{
	struct state *s = state;
	s->env = env;
	s->hot = mappings_hot(env->maps);
	s->limit_ticks = env->cfg->hang_limit_ticks;
	s->render = env->scfg->direction == PORT_RENDER;
	s->anchor_tick = machine_now(env->m);
	return NULL;
}

static void detach(void *state)
{
	struct state *s = state;
	free(s->mapping_live);
	free(s->irp_seen);
}

const struct checker_def checker_hang = {
	.name = "hang",
	.watches = "whether a stream with work outstanding keeps moving, and whether a run cut by "
		   "its limit had stopped",
	.failures = failures,
	.n_failures = sizeof(failures) / sizeof(failures[0]),
	.events = EV_BIT(EV_STEP) | EV_BIT(EV_DEADLINE) | EV_BIT(EV_LIMIT) | EV_BIT(EV_PORT),
	.state_bytes = sizeof(struct state),
	.attach = attach,
	.on_event = on_event,
	.detach = detach,
};
