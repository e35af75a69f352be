/*
 * strategies.c - the strategies a user names, explore's portfolio and the
 * calibration that sizes them (strategies.h).
 */
#include "strategies.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runs.h"
#include "scenario_file.h"

static const char *const choice_names[] = {
	[CHOICE_PORTFOLIO] = "portfolio",
	[CHOICE_RANDOM] = "random",
	[CHOICE_PCT] = "pct",
	[CHOICE_POS] = "pos",
	[CHOICE_DELAY_BOUNDED] = "delay-bounded",
};

const char *strategy_choice_name(enum strategy_choice c)
{
	return (unsigned)c < sizeof(choice_names) / sizeof(choice_names[0]) ? choice_names[c] : "?";
}

bool strategy_choice_parse(const char *name, enum strategy_choice *c)
{
	for (unsigned i = 0; i < sizeof(choice_names) / sizeof(choice_names[0]); i++)
		if (strcmp(name, choice_names[i]) == 0) {
			*c = (enum strategy_choice)i;
			return true;
		}
	return false;
}

/* ---- calibration ------------------------------------------------------------------ */

/* The calibration runs' seed: fixed, so that what they measure belongs to
 * the scenario. */
#define CALIBRATION_SEED 0u

const struct calibration calibration_fallback = { .steps = 1000, .choice_points = 100 };

/* Room for runs longer than the calibration's: a change point or a delay
 * drawn past a run's end never fires, and PCT's guarantee needs k at least
 * the run's length. */
static uint64_t with_room(uint64_t n)
{
	return n + n / 4 + 16;
}

int calibrate(const struct scenario_file *sf, struct calibration *cal, const char **why)
{
	struct strategy walk = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome out;
	if (runs_one(sf, &walk, CALIBRATION_SEED, NULL, NULL, NULL, &out, NULL, why) != 0)
		return -1;
	cal->steps = with_room(out.result.steps);
	/* The schedule without delays, its choice points counted. */
	struct strategy plain = { .kind = STRATEGY_DELAY_BOUNDED, .choice_points = 1 };
	struct decision_log decisions = { 0 };
	if (runs_one(sf, &plain, 0, NULL, NULL, NULL, &out, &decisions, why) != 0) {
		decision_log_free(&decisions);
		return -1;
	}
	uint64_t points = 0;
	for (size_t i = 0; i < decisions.count; i++)
		points += decisions.items[i].site == SITE_SCHEDULE;
	decision_log_free(&decisions);
	cal->choice_points = with_room(points);
	return 0;
}

/* ---- the portfolio ------------------------------------------------------------------ */

/*
 * explore's default: seed s runs member s % N. Chosen by measurement: the
 * table `make bench` prints (docs/variants.md), schedules to the first
 * failure per variant and strategy. Random walk is the only sampler that
 * finds every variant (lost-wakeup and two-producers need timing that only
 * its uniform choices give: PCT and POS never find them in 2,000
 * schedules), PCT of depth 2 and 3 find release-while-held twice as fast,
 * POS finds revoke-unsuccessful twice as fast. Half random walk and one
 * each of the others was, of the mixes modelled from that table, within
 * 2.2 times the best single strategy on every variant (all PCT depths and
 * POS at a fifth each: 5.7 times, on lost-wakeup). The delay-bounded
 * enumeration is not a member: it walks one timing in a fixed order and
 * is for exhausting small scenarios (explore --strategy delay-bounded).
 */
static const struct portfolio_member {
	enum strategy_kind kind;
	uint32_t depth;
} portfolio[] = {
	{ STRATEGY_RANDOM, 0 },
	{ STRATEGY_PCT, 2 },
	{ STRATEGY_RANDOM, 0 },
	{ STRATEGY_POS, 0 },
	{ STRATEGY_RANDOM, 0 },
	{ STRATEGY_PCT, 3 },
};
#define PORTFOLIO_SIZE (sizeof(portfolio) / sizeof(portfolio[0]))
_Static_assert(PORTFOLIO_SIZE <= STRATEGY_CLASSES_MAX, "explore counts each member apart");

static struct strategy sized(enum strategy_kind kind, uint32_t depth,
			     const struct calibration *cal)
{
	return (struct strategy){ .kind = kind, .pct_depth = kind == STRATEGY_PCT ? depth : 0,
				  .pct_steps = kind == STRATEGY_DELAY_BOUNDED ? 0 : cal->steps,
				  .choice_points = kind == STRATEGY_DELAY_BOUNDED ? cal->choice_points : 0 };
}

struct strategy strategy_for_seed(enum strategy_choice c, uint32_t depth, uint64_t seed,
				  const struct calibration *cal)
{
	switch (c) {
	case CHOICE_PORTFOLIO: {
		const struct portfolio_member *m = &portfolio[seed % PORTFOLIO_SIZE];
		return sized(m->kind, m->depth, cal);
	}
	case CHOICE_PCT: return sized(STRATEGY_PCT, depth, cal);
	case CHOICE_POS: return sized(STRATEGY_POS, 0, cal);
	case CHOICE_DELAY_BOUNDED: return sized(STRATEGY_DELAY_BOUNDED, 0, cal);
	case CHOICE_RANDOM: break;
	}
	return sized(STRATEGY_RANDOM, 0, cal);
}

/* The portfolio's classes are its distinct members, in order of first
 * appearance: a strategy that is several members is one class. */
static bool same_member(const struct portfolio_member *a, const struct portfolio_member *b)
{
	return a->kind == b->kind && a->depth == b->depth;
}

/* Whether member j is the first of its strategy. */
static bool first_of_its_strategy(size_t j)
{
	for (size_t k = 0; k < j; k++)
		if (same_member(&portfolio[k], &portfolio[j]))
			return false;
	return true;
}

/* The class of member i: how many distinct strategies come before its
 * first appearance. */
static unsigned member_class(size_t i)
{
	unsigned cls = 0;
	for (size_t j = 0; j < PORTFOLIO_SIZE; j++) {
		if (!first_of_its_strategy(j))
			continue;
		if (same_member(&portfolio[j], &portfolio[i]))
			break;
		cls++;
	}
	return cls;
}

unsigned strategy_class_count(enum strategy_choice c)
{
	if (c != CHOICE_PORTFOLIO)
		return 1;
	unsigned n = 0;
	for (size_t i = 0; i < PORTFOLIO_SIZE; i++)
		if (member_class(i) == n)
			n++;
	return n;
}

unsigned strategy_class_of(enum strategy_choice c, uint64_t seed)
{
	return c == CHOICE_PORTFOLIO ? member_class(seed % PORTFOLIO_SIZE) : 0u;
}

static void kind_name(enum strategy_kind kind, uint32_t depth, char *buf, size_t len)
{
	switch (kind) {
	case STRATEGY_PCT: snprintf(buf, len, "pct depth=%" PRIu32, depth); return;
	case STRATEGY_POS: snprintf(buf, len, "pos"); return;
	case STRATEGY_DELAY_BOUNDED: snprintf(buf, len, "delay-bounded"); return;
	case STRATEGY_REPLAY: snprintf(buf, len, "replay"); return;
	case STRATEGY_RANDOM: break;
	}
	snprintf(buf, len, "random");
}

struct strategy strategy_of_class(enum strategy_choice c, uint32_t depth, unsigned cls,
				  const struct calibration *cal)
{
	for (size_t i = 0; c == CHOICE_PORTFOLIO && i < PORTFOLIO_SIZE; i++)
		if (member_class(i) == cls)
			return sized(portfolio[i].kind, portfolio[i].depth, cal);
	return strategy_for_seed(c, depth, 0, cal);
}

void strategy_class_name(enum strategy_choice c, uint32_t depth, unsigned cls, char *buf,
			 size_t len)
{
	struct calibration any = { 1, 1 };
	struct strategy st = strategy_of_class(c, depth, cls, &any);
	kind_name(st.kind, st.pct_depth, buf, len);
}

void strategy_run_options(const struct strategy *st, char *buf, size_t len)
{
	switch (st->kind) {
	case STRATEGY_PCT:
		snprintf(buf, len, " --strategy pct --depth %" PRIu32, st->pct_depth);
		return;
	case STRATEGY_POS: snprintf(buf, len, " --strategy pos"); return;
	case STRATEGY_DELAY_BOUNDED: snprintf(buf, len, " --strategy delay-bounded"); return;
	case STRATEGY_RANDOM:
	case STRATEGY_REPLAY: break;
	}
	snprintf(buf, len, "%s", "");
}
