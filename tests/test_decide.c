/*
 * The decision stream (harness/decide.h): seeded choices are repeatable and
 * uniform, strategies format and parse, PCT runs the highest-priority agent
 * and changes priorities where it drew its change points, and a replay
 * gives the recorded choices until the run asks for something else, where
 * it reports the first differing step.
 */
#include <check.h>
#include <string.h>

#include "decide.h"

/* A PRNG for the tests' own choices (splitmix64), apart from the decider's. */
static uint64_t test_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const struct strategy random_walk = { .kind = STRATEGY_RANDOM };

static struct strategy pct(uint32_t depth, uint64_t steps)
{
	return (struct strategy){ .kind = STRATEGY_PCT, .pct_depth = depth, .pct_steps = steps };
}

/* The event-log hash a test passes with decision i. */
static uint64_t hash_of(uint64_t i)
{
	return 0x1000 + i * 0x9e3779b97f4a7c15ull;
}

/* Decision i of the mixed workload: every third a data choice, the rest
 * scheduling among 2..4 options whose agents are rotated. */
static uint32_t workload_step(struct decider *d, uint64_t i)
{
	static const uint32_t agents[] = { 3, 1, 4, 0, 2 };
	if (i % 3 == 0)
		return decide_uniform(d, SITE_STALL, (uint32_t)(5 + i % 4), hash_of(i));
	return decide_schedule(d, (uint32_t)(2 + i % 3), &agents[i % 2], &agents[i % 2], hash_of(i));
}

static void assert_decision_eq(const struct decision *a, const struct decision *b)
{
	ck_assert_uint_eq(a->step, b->step);
	ck_assert_int_eq(a->site, b->site);
	ck_assert_uint_eq(a->n_options, b->n_options);
	ck_assert_uint_eq(a->choice, b->choice);
	ck_assert_uint_eq(a->evlog_hash, b->evlog_hash);
}

/* ---- seeds and uniform choices ------------------------------------------------- */

START_TEST(same_seed_same_choices)
{
	/* Goal: two deciders with one strategy and seed make the same choices
	 * and record the same log, for random and for PCT. */
	const struct strategy strategies[] = { random_walk, pct(3, 50) };
	for (size_t s = 0; s < 2; s++) {
		struct decider a, b;
		decider_init(&a, &strategies[s], 77);
		decider_init(&b, &strategies[s], 77);
		for (uint64_t i = 0; i < 2000; i++)
			ck_assert_uint_eq(workload_step(&a, i), workload_step(&b, i));
		ck_assert_uint_eq(a.step, 2000);
		ck_assert_uint_eq(a.recorded.count, 2000);
		for (size_t i = 0; i < a.recorded.count; i++)
			assert_decision_eq(&a.recorded.items[i], &b.recorded.items[i]);
		decider_free(&a);
		decider_free(&b);
	}
}
END_TEST

START_TEST(different_seeds_differ)
{
	/* Goal: 64 neighbouring seeds give 64 different choice sequences. */
	enum { SEEDS = 64, DRAWS = 16 };
	static uint32_t seq[SEEDS][DRAWS];
	for (uint64_t seed = 0; seed < SEEDS; seed++) {
		struct decider d;
		decider_init(&d, &random_walk, seed);
		for (int i = 0; i < DRAWS; i++)
			seq[seed][i] = decide_uniform(&d, SITE_FAULT, 1000, 0);
		decider_free(&d);
	}
	for (int a = 0; a < SEEDS; a++)
		for (int b = a + 1; b < SEEDS; b++)
			ck_assert_msg(memcmp(seq[a], seq[b], sizeof(seq[a])) != 0,
				      "seeds %d and %d gave the same choices", a, b);
}
END_TEST

/* Each of n outcomes of `draws` draws is within 3% of draws / n. */
static void check_uniform(uint64_t seed, uint32_t n, uint32_t draws)
{
	uint32_t count[8] = { 0 };
	ck_assert_uint_le(n, 8);
	struct decider d;
	decider_init(&d, &random_walk, seed);
	for (uint32_t i = 0; i < draws; i++) {
		uint32_t c = decide_uniform(&d, SITE_STALL, n, 0);
		ck_assert_uint_lt(c, n);
		count[c]++;
	}
	uint32_t expected = draws / n, slack = expected * 3 / 100;
	for (uint32_t c = 0; c < n; c++)
		ck_assert_msg(count[c] + slack >= expected && count[c] <= expected + slack,
			      "n=%u seed=%llu: outcome %u drawn %u times, expected %u +- %u", n,
			      (unsigned long long)seed, c, count[c], expected, slack);
	decider_free(&d);
}

START_TEST(uniform_is_uniform)
{
	/* Goal: decide_uniform over 100,000 draws lands within 3% of uniform
	 * for n = 3 and n = 7, under several seeds, and under PCT too. */
	for (uint64_t seed = 1; seed <= 3; seed++) {
		check_uniform(seed, 3, 100000);
		check_uniform(seed, 7, 100000);
	}
	uint32_t count[7] = { 0 };
	struct strategy s = pct(4, 100);
	struct decider d;
	decider_init(&d, &s, 5);
	for (int i = 0; i < 100000; i++)
		count[decide_uniform(&d, SITE_STALL, 7, 0)]++;
	for (int c = 0; c < 7; c++)
		ck_assert(count[c] > 14285 - 428 && count[c] < 14286 + 428);
	decider_free(&d);
}
END_TEST

START_TEST(uniform_in_range)
{
	/* Goal: decide_uniform never leaves [0, n) for n = 1..1000 nor at the
	 * top of the range; n = 1 always gives 0 and is still recorded. */
	struct decider d;
	decider_init(&d, &random_walk, 99);
	for (uint32_t n = 1; n <= 1000; n++)
		for (int i = 0; i < 200; i++)
			ck_assert_uint_lt(decide_uniform(&d, SITE_FAULT, n, 0), n);
	static const uint32_t big[] = { 0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffeu,
					0xffffffffu };
	uint32_t high_half = 0;
	for (size_t b = 0; b < sizeof(big) / sizeof(big[0]); b++) {
		for (int i = 0; i < 1000; i++) {
			uint32_t c = decide_uniform(&d, SITE_FAULT, big[b], 0);
			ck_assert_uint_lt(c, big[b]);
			high_half += c >= big[b] / 2;
		}
	}
	ck_assert(high_half > 2000 && high_half < 3000);
	uint64_t before = d.step;
	ck_assert_uint_eq(decide_uniform(&d, SITE_STALL, 1, 5), 0);
	ck_assert_uint_eq(d.step, before + 1);
	decider_free(&d);
}
END_TEST

START_TEST(records_each_decision)
{
	/* Goal: every choice is recorded with its step, site, option count,
	 * choice and event-log hash, scheduling and data alike. */
	struct decider d;
	decider_init(&d, &random_walk, 3);
	uint32_t agents[3] = { 0, 1, 2 };
	uint32_t c0 = decide_schedule(&d, 3, agents, agents, 0xaa);
	uint32_t c1 = decide_uniform(&d, SITE_TIMER_CPU, 2, 0xbb);
	uint32_t c2 = decide_uniform(&d, SITE_FAULT, 9, 0xcc);
	ck_assert_uint_eq(d.recorded.count, 3);
	struct decision want0 = { .step = 0, .site = SITE_SCHEDULE, .n_options = 3, .choice = c0, .chosen = c0, .evlog_hash = 0xaa };
	struct decision want1 = { .step = 1, .site = SITE_TIMER_CPU, .n_options = 2, .choice = c1, .chosen = c1, .evlog_hash = 0xbb };
	struct decision want2 = { .step = 2, .site = SITE_FAULT, .n_options = 9, .choice = c2, .chosen = c2, .evlog_hash = 0xcc };
	assert_decision_eq(&d.recorded.items[0], &want0);
	assert_decision_eq(&d.recorded.items[1], &want1);
	assert_decision_eq(&d.recorded.items[2], &want2);
	decider_free(&d);
	ck_assert_ptr_null(d.recorded.items);
}
END_TEST

START_TEST(site_names)
{
	/* Goal: site numbers and names map both ways; unknown ones do not. */
	static const char *const names[] = { NULL,	  "schedule", "timer-cpu",   "stall", "fault",
					     "param", "phase",	  "delay",	 "irq-latency", "swarm" };
	ck_assert_int_eq(SITE_COUNT, 10);
	for (int i = 1; i < SITE_COUNT; i++) {
		ck_assert_str_eq(decide_site_name((enum decide_site)i), names[i]);
		ck_assert_int_eq(decide_site_by_name(names[i]), i);
	}
	ck_assert_str_eq(decide_site_name((enum decide_site)0), "?");
	ck_assert_str_eq(decide_site_name(SITE_COUNT), "?");
	ck_assert_int_eq(decide_site_by_name("?"), 0);
	ck_assert_int_eq(decide_site_by_name("Schedule"), 0);
	ck_assert_int_eq(decide_site_by_name(""), 0);
}
END_TEST

/* ---- strategies --------------------------------------------------------------- */

START_TEST(strategy_round_trip)
{
	/* Goal: strategy_format writes the documented text and strategy_parse
	 * reads it back to the same strategy. */
	const struct strategy cases[] = { random_walk, { STRATEGY_RANDOM, 0, 731, 0 }, pct(1, 1), pct(3, 200),
					  pct(8, UINT64_MAX), { STRATEGY_POS, 0, 90, 0 },
					  { STRATEGY_DELAY_BOUNDED, 0, 0, 66 } };
	static const char *const texts[] = { "random", "random steps=731", "pct depth=1 steps=1",
					     "pct depth=3 steps=200",
					     "pct depth=8 steps=18446744073709551615", "pos steps=90",
					     "delay-bounded points=66" };
	_Static_assert(sizeof(cases) / sizeof(cases[0]) == sizeof(texts) / sizeof(texts[0]),
		       "a text for every case");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		struct strategy back;
		const char *why = NULL;
		strategy_format(&cases[i], buf, sizeof(buf));
		ck_assert_str_eq(buf, texts[i]);
		ck_assert_int_eq(strategy_parse(buf, &back, &why), 0);
		ck_assert_int_eq(back.kind, cases[i].kind);
		ck_assert_uint_eq(back.pct_depth, cases[i].pct_depth);
		ck_assert_uint_eq(back.pct_steps, cases[i].pct_steps);
		ck_assert_uint_eq(back.choice_points, cases[i].choice_points);
	}
	char buf[16];
	struct strategy replay = { .kind = STRATEGY_REPLAY };
	strategy_format(&replay, buf, sizeof(buf));
	ck_assert_str_eq(buf, "replay");
}
END_TEST

START_TEST(strategy_rejections)
{
	/* Goal: strategy_parse refuses bad text with the reason for it. */
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "pct depth=0 steps=5", "pct depth must be 1..8" },
		{ "pct depth=9 steps=5", "pct depth must be 1..8" },
		{ "pct depth=3 steps=0", "pct steps must be at least 1" },
		{ "", STRATEGY_FORMS },
		{ "replay", STRATEGY_FORMS },
		{ "Random", STRATEGY_FORMS },
		{ "random ", STRATEGY_FORMS },
		{ "pct", STRATEGY_FORMS },
		{ "pct depth=3", STRATEGY_FORMS },
		{ "pct depth=3 steps=5 ", STRATEGY_FORMS },
		{ "pct depth=3 steps=5x", STRATEGY_FORMS },
		{ "pct steps=5 depth=3", STRATEGY_FORMS },
		{ "random steps=0", STRATEGY_FORMS },
		{ "random steps=", STRATEGY_FORMS },
		{ "random steps=5 ", STRATEGY_FORMS },
		{ "pos steps=0", STRATEGY_FORMS },
		{ "pos", STRATEGY_FORMS },
		{ "delay-bounded points=0", STRATEGY_FORMS },
		{ "delay-bounded", STRATEGY_FORMS },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strategy s;
		const char *why = NULL;
		ck_assert_msg(strategy_parse(cases[i].text, &s, &why) == -1, "accepted '%s'",
			      cases[i].text);
		ck_assert_ptr_nonnull(why);
		ck_assert_str_eq(why, cases[i].why);
	}
}
END_TEST

/* ---- PCT ---------------------------------------------------------------------- */

/* Offers agents[0..n) to d; returns the agent of the option chosen. */
static uint32_t offer(struct decider *d, const uint32_t *agents, uint32_t n)
{
	uint32_t k = decide_schedule(d, n, agents, agents, 0);
	ck_assert_uint_lt(k, n);
	return agents[k];
}

static void shuffle(uint32_t *a, uint32_t n, uint64_t *rng)
{
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = (uint32_t)(test_rand(rng) % i);
		uint32_t t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- POS ----------------------------------------------------------------------- */

START_TEST(pos_runs_highest_rank_and_redraws_only_the_runner)
{
	/* Goal: POS runs the option whose agent ranks highest, and afterwards
	 * only that agent's rank has changed: one passed over keeps it. */
	enum { AGENTS = 4 };
	struct strategy s = { .kind = STRATEGY_POS, .pct_steps = 100 };
	bool redrawn_lower = false;
	for (uint64_t seed = 0; seed < 50; seed++) {
		struct decider d;
		decider_init(&d, &s, seed);
		uint32_t agent[AGENTS] = { 0, 1, 2, 3 };
		(void)decide_schedule(&d, AGENTS, agent, agent, 0);	/* every agent ranked */
		for (int step = 0; step < 40; step++) {
			uint32_t before[AGENTS];
			for (uint32_t a = 0; a < AGENTS; a++)
				before[a] = d.pct_priority[a];
			uint32_t n = 2 + (uint32_t)(step % 3);	/* the first n agents offered */
			uint32_t k = decide_schedule(&d, n, agent, agent, 0);
			for (uint32_t i = 0; i < n; i++)
				ck_assert_uint_le(before[agent[i]], before[agent[k]]);
			for (uint32_t a = 0; a < AGENTS; a++)
				if (a != agent[k])
					ck_assert_uint_eq(d.pct_priority[a], before[a]);
			redrawn_lower |= d.pct_priority[agent[k]] < before[agent[k]];
		}
		decider_free(&d);
	}
	ck_assert_msg(redrawn_lower, "a runner's new rank is never lower: nothing would ever wait");
}
END_TEST

/* ---- delay-bounded enumeration ------------------------------------------------- */

START_TEST(delay_bounded_counts)
{
	/* Goal: the number of schedules with at most b delays over k points is
	 * the sum of multiset counts C(k + i - 1, i), and saturates. */
	ck_assert_uint_eq(delay_bounded_schedules(3, 0), 1);
	ck_assert_uint_eq(delay_bounded_schedules(3, 1), 4);
	ck_assert_uint_eq(delay_bounded_schedules(3, 2), 10);	/* + {00,01,02,11,12,22} */
	ck_assert_uint_eq(delay_bounded_schedules(3, 3), 20);
	ck_assert_uint_eq(delay_bounded_schedules(100, 2), 1 + 100 + 5050);
	ck_assert_uint_eq(delay_bounded_schedules(UINT64_MAX / 2, 8), UINT64_MAX);
}
END_TEST

/* The skips seed makes at each of `points` choice points between two
 * agents that can always both run, as a base-3 number (a point's skips
 * mod 2 decide, but the count itself names the multiset). */
static uint32_t skips_of(uint64_t seed, uint32_t points, uint32_t *skips)
{
	struct strategy s = { .kind = STRATEGY_DELAY_BOUNDED, .choice_points = points };
	struct decider d;
	decider_init(&d, &s, seed);
	uint32_t total = 0;
	for (uint32_t p = 0; p < points; p++) {
		skips[p] = 0;
		while (d.next_delay < d.delays && d.delay_point[d.next_delay] == p) {
			skips[p]++;
			d.next_delay++;
		}
		total += skips[p];
	}
	for (uint32_t i = 1; i < d.delays; i++)
		ck_assert_uint_le(d.delay_point[i - 1], d.delay_point[i]);
	for (uint32_t i = 0; i < d.delays; i++)
		ck_assert_uint_lt(d.delay_point[i], points);
	decider_free(&d);
	return total;
}

START_TEST(delay_bounded_enumerates_every_multiset_once)
{
	/* Goal: seeds 0 .. N-1 name every multiset of at most 3 delays over 4
	 * points exactly once, fewer delays first, and seed N starts on 4. */
	enum { POINTS = 4 };
	uint64_t n = delay_bounded_schedules(POINTS, 3);
	ck_assert_uint_eq(n, 35);
	bool seen[4 * 4 * 4 * 4] = { false };	/* skips per point, base 4 */
	uint32_t last_size = 0;
	for (uint64_t seed = 0; seed < n; seed++) {
		uint32_t skips[POINTS];
		uint32_t size = skips_of(seed, POINTS, skips);
		ck_assert_uint_ge(size, last_size);
		ck_assert_uint_le(size, 3);
		last_size = size;
		uint32_t code = 0;
		for (uint32_t p = 0; p < POINTS; p++)
			code = code * 4 + skips[p];
		ck_assert_msg(!seen[code], "seed %llu repeats a delay set", (unsigned long long)seed);
		seen[code] = true;
	}
	uint32_t skips[POINTS];
	ck_assert_uint_eq(skips_of(n, POINTS, skips), 4);
	ck_assert_uint_eq(skips_of(0, POINTS, skips), 0);
	ck_assert_uint_eq(skips_of(1, POINTS, skips), 1);
	ck_assert_uint_eq(skips[0], 1);	/* the earliest point first */
}
END_TEST

START_TEST(delay_bounded_scheduler)
{
	/* Goal: without delays the agent chosen last keeps running while it
	 * can, else the next agent after it runs; a delay skips one option;
	 * nothing else is decided (every other choice is its first option). */
	struct strategy s = { .kind = STRATEGY_DELAY_BOUNDED, .choice_points = 10 };
	struct decider d;
	decider_init(&d, &s, 0);
	uint32_t both[2] = { 0, 1 }, other[2] = { 1, 2 };
	ck_assert_uint_eq(decide_schedule(&d, 2, both, both, 0), 0);	/* agent 0 */
	ck_assert_uint_eq(decide_schedule(&d, 2, both, both, 0), 0);	/* still 0 */
	ck_assert_uint_eq(decide_schedule(&d, 2, other, other, 0), 0);	/* 0 gone: 1, after it */
	ck_assert_uint_eq(decide_schedule(&d, 2, both, both, 0), 1);	/* 1 kept */
	ck_assert_uint_eq(decide_uniform(&d, SITE_DELAY, 5, 0), 0);
	ck_assert_uint_eq(decide_uniform(&d, SITE_SWARM, 9, 0), 0);
	decider_free(&d);

	/* Seed 2: one delay, at the second choice point. */
	decider_init(&d, &s, 2);
	ck_assert_uint_eq(decide_schedule(&d, 2, both, both, 0), 0);
	ck_assert_uint_eq(decide_schedule(&d, 2, both, both, 0), 1);	/* skipped to 1 */
	ck_assert_uint_eq(decide_schedule(&d, 2, both, both, 0), 1);	/* and 1 keeps it */
	decider_free(&d);
}
END_TEST

START_TEST(pct_depth1_highest_priority)
{
	/* Goal: with depth 1 (no change points) PCT always runs the
	 * highest-priority agent among those offered, wherever it stands in
	 * the option list, and the same agent while it is offered. */
	enum { AGENTS = 6 };
	struct strategy s = pct(1, 10);
	uint64_t rng = 1;
	uint32_t first_seen[AGENTS] = { 0 };
	for (uint64_t seed = 0; seed < 200; seed++) {
		struct decider d;
		decider_init(&d, &s, seed);
		/* Rank the agents by taking the winner out, round after round. */
		uint32_t rank_of[AGENTS], left[AGENTS], n_left = AGENTS;
		for (uint32_t a = 0; a < AGENTS; a++)
			left[a] = a;
		for (uint32_t r = 0; r < AGENTS; r++) {
			shuffle(left, n_left, &rng);
			uint32_t w = offer(&d, left, n_left);
			rank_of[w] = r;
			for (uint32_t i = 0; i < n_left; i++)
				if (left[i] == w)
					left[i] = left[--n_left];
		}
		for (uint32_t a = 0; a < AGENTS; a++)
			if (rank_of[a] == 0)
				first_seen[a]++;
		/* Any subset, in any order: its best-ranked agent runs, and it
		 * has the highest priority of the subset. */
		for (int round = 0; round < 300; round++) {
			uint32_t sub[AGENTS], n = 0;
			for (uint32_t a = 0; a < AGENTS; a++)
				if (test_rand(&rng) & 1)
					sub[n++] = a;
			if (n == 0)
				continue;
			shuffle(sub, n, &rng);
			uint32_t best = sub[0];
			for (uint32_t i = 1; i < n; i++)
				if (rank_of[sub[i]] < rank_of[best])
					best = sub[i];
			ck_assert_uint_eq(offer(&d, sub, n), best);
			for (uint32_t i = 0; i < n; i++)
				ck_assert(d.pct_priority[sub[i]] < d.pct_priority[best] ||
					  (d.pct_priority[sub[i]] == d.pct_priority[best] && sub[i] >= best));
		}
		decider_free(&d);
	}
	/* Over 200 seeds every agent comes out on top sometimes. */
	for (uint32_t a = 0; a < AGENTS; a++)
		ck_assert_uint_gt(first_seen[a], 10);
}
END_TEST

/* The model of PCT (Burckhardt et al.) for two agents always offered: at
 * step s (from 1) the higher-priority agent runs, and if s is a change
 * point k_i the agent that ran it drops to priority i + 1. Returns the
 * agent expected at each step, given the one the decider preferred first. */
static void model_two_agents(const struct decider *d, uint32_t first, uint32_t other,
			     uint32_t steps, uint32_t *expect)
{
	uint64_t prio[2] = { 1000, 999 };	/* above every change priority */
	uint32_t who[2] = { first, other };
	for (uint32_t s = 1; s <= steps; s++) {
		int run = prio[0] >= prio[1] ? 0 : 1;
		expect[s - 1] = who[run];
		for (uint32_t i = 0; i + 1 < d->strategy.pct_depth; i++)
			if (d->pct_change_step[i] == s)
				prio[run] = i + 1;
	}
}

START_TEST(pct_change_points_fire)
{
	/* Goal: with depth 2, the agent PCT runs first runs steps 1..c (c the
	 * drawn change step), is demoted after step c, and the other agent
	 * runs from step c + 1 on, whatever c is (1 included); with depth 3
	 * both change points act as the algorithm says. */
	enum { K = 10, STEPS = 2 * K };
	uint32_t seen_change[K + 1] = { 0 };
	uint32_t switched = 0;
	for (uint32_t depth = 2; depth <= 3; depth++) {
		struct strategy s = pct(depth, K);
		for (uint64_t seed = 0; seed < 1000; seed++) {
			struct decider d;
			decider_init(&d, &s, seed);
			for (uint32_t i = 0; i + 1 < depth; i++) {
				ck_assert_uint_ge(d.pct_change_step[i], 1);
				ck_assert_uint_le(d.pct_change_step[i], K);
			}
			/* Agents 5 and 9, in alternating option order. */
			uint32_t got[STEPS], expect[STEPS];
			for (uint32_t i = 0; i < STEPS; i++) {
				uint32_t agents[2] = { i & 1 ? 9 : 5, i & 1 ? 5 : 9 };
				got[i] = offer(&d, agents, 2);
			}
			model_two_agents(&d, got[0], got[0] == 5 ? 9 : 5, STEPS, expect);
			for (uint32_t i = 0; i < STEPS; i++)
				ck_assert_msg(got[i] == expect[i], "depth %u seed %llu step %u: ran %u, expected %u",
					      depth, (unsigned long long)seed, i + 1, got[i], expect[i]);
			if (depth == 2) {
				uint64_t c = d.pct_change_step[0];
				seen_change[c]++;
				/* The same, spelled out: the switch is right after step c. */
				for (uint32_t i = 0; i < STEPS; i++)
					ck_assert_uint_eq(got[i] == got[0], i + 1 <= c);
				switched++;
			}
			decider_free(&d);
		}
	}
	/* Change points are spread over 1..K, and every one of them acted. */
	for (uint32_t c = 1; c <= K; c++)
		ck_assert_uint_gt(seen_change[c], 50);
	ck_assert_uint_eq(switched, 1000);
}
END_TEST

/* ---- replay ------------------------------------------------------------------- */

enum { REC_STEPS = 200 };

/* Records REC_STEPS decisions of the workload into rec (free it). */
static void record(struct decider *rec, uint32_t *choices)
{
	decider_init(rec, &random_walk, 9);
	for (uint64_t i = 0; i < REC_STEPS; i++)
		choices[i] = workload_step(rec, i);
}

START_TEST(replay_same_choices)
{
	/* Goal: a replay of a recorded log gives the recorded choices, records
	 * the same log and never diverges. */
	struct decider rec, rep;
	uint32_t choices[REC_STEPS];
	record(&rec, choices);
	decider_init_replay(&rep, &rec.recorded);
	for (uint64_t i = 0; i < REC_STEPS; i++)
		ck_assert_uint_eq(workload_step(&rep, i), choices[i]);
	ck_assert(!decider_diverged(&rep));
	ck_assert_uint_eq(rep.recorded.count, REC_STEPS);
	for (size_t i = 0; i < REC_STEPS; i++)
		assert_decision_eq(&rep.recorded.items[i], &rec.recorded.items[i]);
	decider_free(&rep);
	decider_free(&rec);
}
END_TEST

/* Replays the first `at` steps faithfully; the caller then makes step at
 * differ. */
static void replay_until(struct decider *rep, const struct decider *rec, const uint32_t *choices,
			 uint64_t at)
{
	decider_init_replay(rep, &rec->recorded);
	for (uint64_t i = 0; i < at; i++)
		ck_assert_uint_eq(workload_step(rep, i), choices[i]);
	ck_assert(!decider_diverged(rep));
}

/* Asserts a divergence at step `at` with this actual decision and reason,
 * and that it stays the first one whatever the run does next. */
static void assert_diverged(struct decider *rep, const struct decision_log *log, uint64_t at,
			    enum decide_site site, uint32_t n, uint64_t hash, const char *why)
{
	const struct divergence *dv = &rep->divergence;
	ck_assert(decider_diverged(rep));
	ck_assert_uint_eq(dv->step, at);
	ck_assert_uint_eq(dv->actual.step, at);
	ck_assert_int_eq(dv->actual.site, site);
	ck_assert_uint_eq(dv->actual.n_options, n);
	ck_assert_uint_eq(dv->actual.evlog_hash, hash);
	if (at < log->count)
		assert_decision_eq(&dv->recorded, &log->items[at]);
	else
		ck_assert_int_eq(dv->recorded.site, 0);
	ck_assert_str_eq(dv->why, why);
	for (uint64_t i = at + 1; i < at + 5; i++)
		ck_assert_uint_eq(workload_step(rep, i), 0);
	ck_assert_uint_eq(dv->step, at);
	ck_assert_str_eq(dv->why, why);
}

START_TEST(replay_diverges_at_site)
{
	/* Goal: a run asking at another site than recorded diverges there. */
	struct decider rec, rep;
	uint32_t choices[REC_STEPS];
	record(&rec, choices);
	replay_until(&rep, &rec, choices, 5);
	/* Step 5 was a scheduling choice among 4. */
	ck_assert_uint_eq(decide_uniform(&rep, SITE_FAULT, 4, hash_of(5)), 0);
	assert_diverged(&rep, &rec.recorded, 5, SITE_FAULT, 4, hash_of(5), "a decision at another site");
	decider_free(&rep);
	decider_free(&rec);
}
END_TEST

START_TEST(replay_diverges_on_option_count)
{
	/* Goal: a run offering another number of options diverges there. */
	struct decider rec, rep;
	uint32_t choices[REC_STEPS];
	record(&rec, choices);
	replay_until(&rep, &rec, choices, 6);
	/* Step 6 was a data choice among 7. */
	ck_assert_uint_eq(decide_uniform(&rep, SITE_STALL, 8, hash_of(6)), 0);
	assert_diverged(&rep, &rec.recorded, 6, SITE_STALL, 8, hash_of(6),
			"a different number of options");
	decider_free(&rep);
	decider_free(&rec);
}
END_TEST

START_TEST(replay_diverges_on_evlog_hash)
{
	/* Goal: a run whose events before a decision differ diverges there,
	 * even when site and option count still match. */
	struct decider rec, rep;
	uint32_t choices[REC_STEPS];
	record(&rec, choices);
	replay_until(&rep, &rec, choices, 100);
	static const uint32_t agents[] = { 1, 4, 0, 2 };
	ck_assert_uint_eq(decide_schedule(&rep, 3, agents, agents, hash_of(100) ^ 1), 0);
	assert_diverged(&rep, &rec.recorded, 100, SITE_SCHEDULE, 3, hash_of(100) ^ 1,
			"the events before this decision differ from the recording");
	decider_free(&rep);
	decider_free(&rec);
}
END_TEST

START_TEST(replay_diverges_past_end)
{
	/* Goal: a run asking for more decisions than recorded diverges at the
	 * first one past the end, with no recorded decision (site 0). */
	struct decider rec, rep;
	uint32_t choices[REC_STEPS];
	record(&rec, choices);
	replay_until(&rep, &rec, choices, REC_STEPS);
	ck_assert_uint_eq(decide_uniform(&rep, SITE_STALL, 5, hash_of(REC_STEPS)), 0);
	assert_diverged(&rep, &rec.recorded, REC_STEPS, SITE_STALL, 5, hash_of(REC_STEPS),
			"the run asks for more decisions than were recorded");
	decider_free(&rep);
	decider_free(&rec);
}
END_TEST

START_TEST(replay_diverges_on_bad_choice)
{
	/* Goal: a recorded choice out of range (an edited log) is reported as
	 * a divergence, not returned. */
	struct decider rec, rep;
	uint32_t choices[REC_STEPS];
	record(&rec, choices);
	struct decision_log edited = { 0 };
	for (size_t i = 0; i < rec.recorded.count; i++)
		ck_assert_int_eq(decision_log_push(&edited, &rec.recorded.items[i]), 0);
	edited.items[7].choice = edited.items[7].n_options;
	decider_init_replay(&rep, &edited);
	for (uint64_t i = 0; i < 7; i++)
		ck_assert_uint_eq(workload_step(&rep, i), choices[i]);
	ck_assert_uint_eq(workload_step(&rep, 7), 0);
	/* Step 7 is a scheduling choice among 3. */
	assert_diverged(&rep, &edited, 7, SITE_SCHEDULE, 3, hash_of(7),
			"the recorded choice is out of range");
	decider_free(&rep);
	decision_log_free(&edited);
	decider_free(&rec);
}
END_TEST

Suite *suite_decide(void);
Suite *suite_decide(void)
{
	Suite *s = suite_create("harness/decide");
	TCase *tc = tcase_create("stream");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, same_seed_same_choices);
	tcase_add_test(tc, different_seeds_differ);
	tcase_add_test(tc, uniform_is_uniform);
	tcase_add_test(tc, uniform_in_range);
	tcase_add_test(tc, records_each_decision);
	tcase_add_test(tc, site_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("strategy");
	tcase_add_test(tc, strategy_round_trip);
	tcase_add_test(tc, strategy_rejections);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pct_depth1_highest_priority);
	tcase_add_test(tc, pct_change_points_fire);
	tcase_add_test(tc, pos_runs_highest_rank_and_redraws_only_the_runner);
	tcase_add_test(tc, delay_bounded_counts);
	tcase_add_test(tc, delay_bounded_enumerates_every_multiset_once);
	tcase_add_test(tc, delay_bounded_scheduler);
	suite_add_tcase(s, tc);
	tc = tcase_create("replay");
	tcase_add_test(tc, replay_same_choices);
	tcase_add_test(tc, replay_diverges_at_site);
	tcase_add_test(tc, replay_diverges_on_option_count);
	tcase_add_test(tc, replay_diverges_on_evlog_hash);
	tcase_add_test(tc, replay_diverges_past_end);
	tcase_add_test(tc, replay_diverges_on_bad_choice);
	suite_add_tcase(s, tc);
	return s;
}
