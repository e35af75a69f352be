/*
 * decide.c - see decide.h.
 */
#include "decide.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "splitmix64.h"

static const char *const site_names[SITE_COUNT] = {
	[SITE_SCHEDULE] = "schedule",
	[SITE_TIMER_CPU] = "timer-cpu",
	[SITE_STALL] = "stall",
	[SITE_FAULT] = "fault",
	[SITE_PARAM] = "param",
	[SITE_PHASE] = "phase",
	[SITE_DELAY] = "delay",
	[SITE_IRQ_LATENCY] = "irq-latency",
	[SITE_SWARM] = "swarm",
};

const char *decide_site_name(enum decide_site site)
{
	if ((unsigned)site >= SITE_COUNT || site_names[site] == NULL)
		return "?";
	return site_names[site];
}

enum decide_site decide_site_by_name(const char *name)
{
	for (int i = 1; i < SITE_COUNT; i++)
		if (site_names[i] != NULL && strcmp(site_names[i], name) == 0)
			return (enum decide_site)i;
	return (enum decide_site)0;
}

void strategy_format(const struct strategy *s, char *buf, size_t len)
{
	switch (s->kind) {
	case STRATEGY_RANDOM:
		if (s->pct_steps > 0)
			snprintf(buf, len, "random steps=%llu", (unsigned long long)s->pct_steps);
		else
			snprintf(buf, len, "random");
		break;
	case STRATEGY_PCT:
		snprintf(buf, len, "pct depth=%u steps=%llu", s->pct_depth,
			 (unsigned long long)s->pct_steps);
		break;
	case STRATEGY_REPLAY: snprintf(buf, len, "replay"); break;
	case STRATEGY_POS:
		snprintf(buf, len, "pos steps=%llu", (unsigned long long)s->pct_steps);
		break;
	case STRATEGY_DELAY_BOUNDED:
		snprintf(buf, len, "delay-bounded points=%llu",
			 (unsigned long long)s->choice_points);
		break;
	}
}

/* A decimal number with no sign, no spaces and no overflow. */
static bool parse_decimal(const char **p, uint64_t *out)
{
	const char *q = *p;
	uint64_t v = 0;
	if (*q < '0' || *q > '9')
		return false;
	for (; *q >= '0' && *q <= '9'; q++) {
		if (v > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	*p = q;
	*out = v;
	return true;
}

static bool skip_literal(const char **p, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

int strategy_parse(const char *text, struct strategy *s, const char **why)
{
	memset(s, 0, sizeof(*s));
	if (strcmp(text, "random") == 0) {
		s->kind = STRATEGY_RANDOM;
		return 0;
	}
	/* Exactly the forms strategy_format writes: one number after a
	 * prefix, or "pct depth=D steps=K". */
	static const struct {
		const char *prefix;
		enum strategy_kind kind;
		bool is_points;	/* the number is choice_points, not pct_steps */
	} one_number[] = {
		{ "pos steps=", STRATEGY_POS, false },
		{ "random steps=", STRATEGY_RANDOM, false },
		{ "delay-bounded points=", STRATEGY_DELAY_BOUNDED, true },
	};
	const char *p = text;
	uint64_t depth, steps;
	for (size_t i = 0; i < sizeof(one_number) / sizeof(one_number[0]); i++) {
		if (!skip_literal(&p, one_number[i].prefix))
			continue;
		if (!parse_decimal(&p, &steps) || *p != '\0' || steps < 1) {
			*why = STRATEGY_FORMS;
			return -1;
		}
		s->kind = one_number[i].kind;
		if (one_number[i].is_points)
			s->choice_points = steps;
		else
			s->pct_steps = steps;
		return 0;
	}
	if (!skip_literal(&p, "pct depth=") || !parse_decimal(&p, &depth) ||
	    !skip_literal(&p, " steps=") || !parse_decimal(&p, &steps) || *p != '\0') {
		*why = STRATEGY_FORMS;
		return -1;
	}
	if (depth < 1 || depth > PCT_DEPTH_MAX) {
		*why = "pct depth must be 1..8";
		return -1;
	}
	if (steps < 1) {
		*why = "pct steps must be at least 1";
		return -1;
	}
	s->kind = STRATEGY_PCT;
	s->pct_depth = (uint32_t)depth;
	s->pct_steps = steps;
	return 0;
}

void decision_log_free(struct decision_log *log)
{
	free(log->items);
	memset(log, 0, sizeof(*log));
}

int decision_log_push(struct decision_log *log, const struct decision *d)
{
	if (log->count == log->capacity) {
		size_t cap = log->capacity ? 2 * log->capacity : 256;
		struct decision *items = realloc(log->items, cap * sizeof(*items));
		if (items == NULL)
			return -1;
		log->items = items;
		log->capacity = cap;
	}
	log->items[log->count++] = *d;
	return 0;
}

/* ---- PRNG ------------------------------------------------------------------ */

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t decider_next_u64(struct decider *d)
{
	uint64_t *s = d->prng;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject). */
static uint32_t uniform_below(struct decider *d, uint32_t n)
{
	assert(n >= 1);
	uint64_t m = (uint64_t)(uint32_t)decider_next_u64(d) * n;
	uint32_t low = (uint32_t)m;
	if (low < n) {
		uint32_t threshold = (uint32_t)(-n) % n;
		while (low < threshold) {
			m = (uint64_t)(uint32_t)decider_next_u64(d) * n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

/* Uniform in [0, n) for 64-bit n, by rejection (no modulo bias). */
static uint64_t uniform_below64(struct decider *d, uint64_t n)
{
	assert(n >= 1);
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = decider_next_u64(d);
	while (x >= limit);
	return x % n;
}

/* ---- delay-bounded enumeration -------------------------------------------------- */

/* C(n, r), saturating at UINT64_MAX. */
static uint64_t binomial(uint64_t n, uint32_t r)
{
	if (r > n)
		return 0;
	uint64_t c = 1;
	for (uint32_t i = 1; i <= r; i++) {
		/* c * (n - r + i) / i is exact at each step (it is C(n-r+i, i));
		 * 128-bit so that the product does not wrap before dividing. */
		unsigned __int128 next = (unsigned __int128)c * (n - r + i) / i;
		if (next > UINT64_MAX)
			return UINT64_MAX;
		c = (uint64_t)next;
	}
	return c;
}

/* Multisets of b points out of k: C(k + b - 1, b). */
static uint64_t multisets(uint64_t k, uint32_t b)
{
	return b == 0 ? 1 : binomial(k + b - 1, b);
}

uint64_t delay_bounded_schedules(uint64_t k, uint32_t max_delays)
{
	uint64_t total = 0;
	for (uint32_t b = 0; b <= max_delays; b++) {
		uint64_t m = multisets(k, b);
		if (m > UINT64_MAX - total)
			return UINT64_MAX;
		total += m;
	}
	return total;
}

/* The delays of seed rank: sizes in order, and within one size the
 * multisets in colexicographic order (the combinatorial number system over
 * combinations without repetition, x_i + i - 1, of k + b - 1), so that
 * delays at early choice points come first. Ranks past every schedule of
 * DELAY_BOUND_MAX delays start again from the first. */
static void delay_set_of_rank(struct decider *d, uint64_t rank)
{
	uint64_t k = d->strategy.choice_points >= 1 ? d->strategy.choice_points : 1;
	uint64_t all = delay_bounded_schedules(k, DELAY_BOUND_MAX);
	if (all != UINT64_MAX)
		rank %= all;
	uint32_t b = 0;
	while (b < DELAY_BOUND_MAX && rank >= multisets(k, b)) {
		rank -= multisets(k, b);
		b++;
	}
	d->delays = b;
	for (uint32_t i = b; i >= 1; i--) {
		/* The largest c with C(c, i) <= rank (c >= i - 1: C(i-1, i) = 0). */
		uint64_t lo = i - 1, hi = k + b - 1;
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo + 1) / 2;
			if (binomial(mid, i) <= rank)
				lo = mid;
			else
				hi = mid - 1;
		}
		rank -= binomial(lo, i);
		d->delay_point[i - 1] = lo - (i - 1);
	}
}

/* The default scheduler: the option of the agent chosen last, else of the
 * next agent after it (wrapping). */
static uint32_t default_option(const struct decider *d, uint32_t n, const uint32_t *agent)
{
	uint32_t def = n;	/* none yet */
	for (uint32_t i = 0; i < n; i++)
		if (agent[i] == d->last_agent)
			def = i;
	if (def == n)	/* the lowest agent above the last one */
		for (uint32_t i = 0; i < n; i++)
			if (agent[i] > d->last_agent && (def == n || agent[i] < agent[def]))
				def = i;
	if (def == n)	/* none above: wrap to the lowest */
		for (uint32_t i = 0; i < n; i++)
			if (def == n || agent[i] < agent[def])
				def = i;
	return def;
}

/* The default scheduler's option, skipped past by one option per delay on
 * this choice point (to the machine's next option: its order is part of
 * the build, like everything a seed names). */
static uint32_t delay_bounded_choose(struct decider *d, uint32_t n, uint32_t def)
{
	uint64_t point = d->choice_point++;
	uint32_t skip = 0;
	while (d->next_delay < d->delays && d->delay_point[d->next_delay] == point) {
		skip++;
		d->next_delay++;
	}
	return (def + skip) % n;
}

/* ---- lifecycle --------------------------------------------------------------- */

void decider_init(struct decider *d, const struct strategy *s, uint64_t seed)
{
	memset(d, 0, sizeof(*d));
	d->record = true;
	d->strategy = *s;
	d->seed = seed;
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		d->prng[i] = splitmix64(&x);
	if (s->kind == STRATEGY_PCT) {
		/* Out-of-range parameters are clamped, never trusted: they size
		 * the arrays below. */
		if (d->strategy.pct_depth < 1)
			d->strategy.pct_depth = 1;
		if (d->strategy.pct_depth > PCT_DEPTH_MAX)
			d->strategy.pct_depth = PCT_DEPTH_MAX;
		if (d->strategy.pct_steps < 1)
			d->strategy.pct_steps = 1;
		for (uint32_t i = 0; i + 1 < d->strategy.pct_depth; i++)
			d->pct_change_step[i] = 1 + uniform_below64(d, d->strategy.pct_steps);
	}
	if (s->kind == STRATEGY_DELAY_BOUNDED)
		delay_set_of_rank(d, seed);
}

void decider_init_replay(struct decider *d, const struct decision_log *recorded)
{
	memset(d, 0, sizeof(*d));
	d->record = true;
	d->strategy.kind = STRATEGY_REPLAY;
	d->replay = recorded;
	d->replay_until = UINT64_MAX;
}

void decider_init_fork(struct decider *d, const struct decision_log *recorded, uint64_t fork_step,
		       const struct strategy *s, uint64_t seed)
{
	decider_init(d, s, seed);
	d->replay = recorded;
	d->replay_until = fork_step;
}

void decider_init_follow(struct decider *d, const struct decision_log *recorded)
{
	/* Past the recording, the enumeration's schedule without delays:
	 * the default scheduler, and every other choice its first option. */
	struct strategy plain = { .kind = STRATEGY_DELAY_BOUNDED, .choice_points = 1 };
	decider_init(d, &plain, 0);
	d->replay = recorded;
	d->replay_until = UINT64_MAX;
	d->follow = true;
}

void decider_free(struct decider *d)
{
	decision_log_free(&d->recorded);
}

/* ---- deciding ------------------------------------------------------------------ */

static void diverge(struct decider *d, const struct decision *actual, const char *why)
{
	if (d->divergence.diverged)
		return;
	d->divergence.diverged = true;
	d->divergence.step = actual->step;
	d->divergence.actual = *actual;
	if (actual->step < d->replay->count)
		d->divergence.recorded = d->replay->items[actual->step];
	snprintf(d->divergence.why, sizeof(d->divergence.why), "%s", why);
}

/* The recorded choice for this step, or 0 after noting a divergence. */
static uint32_t replay_choice(struct decider *d, struct decision *now)
{
	if (d->divergence.diverged)
		return 0;
	if (now->step >= d->replay->count) {
		diverge(d, now, "the run asks for more decisions than were recorded");
		return 0;
	}
	const struct decision *rec = &d->replay->items[now->step];
	if (rec->evlog_hash != now->evlog_hash) {
		diverge(d, now, "the events before this decision differ from the recording");
		return 0;
	}
	if (rec->site != now->site) {
		diverge(d, now, "a decision at another site");
		return 0;
	}
	if (rec->n_options != now->n_options) {
		diverge(d, now, "a different number of options");
		return 0;
	}
	if (rec->choice >= now->n_options) {
		diverge(d, now, "the recorded choice is out of range");
		return 0;
	}
	return rec->choice;
}

/* The next recorded decision of site a followed trace has, or NULL (past
 * the site's last, marked to take the default, or the default when it was
 * recorded: only departures are followed, so one taken back does not make
 * the decisions after it depart from the new default in its stead). */
static const struct decision *followed(struct decider *d, enum decide_site site)
{
	size_t *next = &d->follow_next[(unsigned)site < SITE_COUNT ? site : 0];
	while (*next < d->replay->count && d->replay->items[*next].site != site)
		(*next)++;
	if (*next >= d->replay->count)
		return NULL;
	const struct decision *rec = &d->replay->items[(*next)++];
	return rec->take_default || !rec->departs ? NULL : rec;
}

static bool replaying(const struct decider *d)
{
	return d->replay != NULL && d->step < d->replay_until;
}

static uint32_t finish(struct decider *d, struct decision *now, uint32_t choice)
{
	now->choice = choice;
	if (d->record && decision_log_push(&d->recorded, now) != 0 && !d->divergence.diverged) {
		/* A run whose decisions cannot all be recorded cannot be
		 * replayed: stop it rather than hand out a trace with a hole. */
		d->divergence.diverged = true;
		d->divergence.step = now->step;
		d->divergence.actual = *now;
		snprintf(d->divergence.why, sizeof(d->divergence.why),
			 "out of host memory recording the decisions");
	}
	d->step++;
	return choice;
}

uint32_t decide_uniform(struct decider *d, enum decide_site site, uint32_t n, uint64_t evlog_hash)
{
	assert(n >= 1);
	struct decision now = { .step = d->step, .site = site, .n_options = n,
				.evlog_hash = evlog_hash };
	uint32_t c;
	if (replaying(d) && d->follow) {
		const struct decision *rec = followed(d, site);
		c = rec != NULL && rec->chosen < n ? rec->chosen : 0;
	} else if (replaying(d)) {
		c = replay_choice(d, &now);
	} else if (d->strategy.kind == STRATEGY_DELAY_BOUNDED) {
		c = 0;	/* one timing: see the header */
	} else {
		c = uniform_below(d, n);
	}
	now.chosen = c;
	now.departs = c != 0;
	return finish(d, &now, c);
}

static uint32_t pct_priority_of(struct decider *d, uint32_t agent)
{
	if (agent >= PCT_AGENTS_MAX)
		agent = PCT_AGENTS_MAX - 1;	/* never outside the array */
	if (d->pct_priority[agent] == 0) {
		/* A random rank above every change-point priority (1..d-1),
		 * drawn as the agent first appears; ties (1 in 2^24) go to the
		 * lower agent id. */
		d->pct_priority[agent] =
			d->strategy.pct_depth + 1 + (uint32_t)(decider_next_u64(d) >> 40);
	}
	return d->pct_priority[agent];
}

/* PCT (Burckhardt et al.): run the highest-priority option; when the agent
 * chosen executes scheduling step k_i (counted over scheduling choices
 * only, from 1), its priority drops to i, below every initial priority. */
static uint32_t pct_choose(struct decider *d, uint32_t n, const uint32_t *agent)
{
	uint64_t step = ++d->pct_sched_steps;
	uint32_t best = 0;
	for (uint32_t i = 1; i < n; i++) {
		uint32_t pi = pct_priority_of(d, agent[i]), pb = pct_priority_of(d, agent[best]);
		if (pi > pb || (pi == pb && agent[i] < agent[best]))
			best = i;
	}
	uint32_t chosen = agent[best] < PCT_AGENTS_MAX ? agent[best] : PCT_AGENTS_MAX - 1;
	for (uint32_t i = 0; i + 1 < d->strategy.pct_depth; i++)
		if (d->pct_change_step[i] == step)
			d->pct_priority[chosen] = i + 1;
	return best;
}

/* POS: the highest-ranked option runs (ties to the lower agent); the agent
 * that ran has a new event now, which draws a new rank. Ranks are drawn
 * as an agent first appears. */
static uint32_t pos_choose(struct decider *d, uint32_t n, const uint32_t *agent)
{
	uint32_t best = 0, best_rank = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = agent[i] < PCT_AGENTS_MAX ? agent[i] : PCT_AGENTS_MAX - 1;
		if (d->pct_priority[a] == 0)
			d->pct_priority[a] = 1 + (uint32_t)(decider_next_u64(d) >> 33);
		if (i == 0 || d->pct_priority[a] > best_rank ||
		    (d->pct_priority[a] == best_rank && agent[i] < agent[best])) {
			best = i;
			best_rank = d->pct_priority[a];
		}
	}
	uint32_t ran = agent[best] < PCT_AGENTS_MAX ? agent[best] : PCT_AGENTS_MAX - 1;
	d->pct_priority[ran] = 1 + (uint32_t)(decider_next_u64(d) >> 33);
	return best;
}

uint32_t decide_schedule(struct decider *d, uint32_t n, const uint32_t *agent,
			 const uint32_t *option_id, uint64_t evlog_hash)
{
	assert(n >= 1);
	struct decision now = { .step = d->step, .site = SITE_SCHEDULE, .n_options = n,
				.evlog_hash = evlog_hash };
	uint32_t def = default_option(d, n, agent);
	uint32_t c = 0;
	if (replaying(d) && d->follow) {
		const struct decision *rec = followed(d, SITE_SCHEDULE);
		c = def;
		for (uint32_t i = 0; rec != NULL && i < n; i++)
			if (option_id[i] == rec->chosen)
				c = i;
	} else if (replaying(d)) {
		c = replay_choice(d, &now);
		const struct decision *rec =
			now.step < d->replay->count ? &d->replay->items[now.step] : NULL;
		if (rec != NULL && !d->divergence.diverged && rec->chosen != option_id[c])
			diverge(d, &now, "the recorded option is another");
	} else {
		switch (d->strategy.kind) {
		case STRATEGY_PCT: c = pct_choose(d, n, agent); break;
		case STRATEGY_POS: c = pos_choose(d, n, agent); break;
		case STRATEGY_DELAY_BOUNDED: c = delay_bounded_choose(d, n, def); break;
		case STRATEGY_RANDOM:
		case STRATEGY_REPLAY: c = uniform_below(d, n); break;
		}
	}
	now.chosen = option_id[c];
	now.departs = c != def;
	d->last_agent = agent[c];
	return finish(d, &now, c);
}
