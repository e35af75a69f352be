/*
 * shrink.c - delta debugging over a failing run's departures (shrink.h).
 */
#include "shrink.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

uint32_t shrink_departures(const struct decision_log *log, uint32_t *schedule)
{
	uint32_t n = 0, sched = 0;
	for (size_t i = 0; i < log->count; i++) {
		if (!log->items[i].departs)
			continue;
		n++;
		sched += log->items[i].site == SITE_SCHEDULE;
	}
	if (schedule != NULL)
		*schedule = sched;
	return n;
}

static bool is_damaged(const struct run_result *r)
{
	return r->verdict == RUN_FAIL &&
	       (strcmp(r->checker, machine_failures[MACHINE_FAIL_DRIVER_CRASH].name) == 0 ||
		strcmp(r->checker, machine_failures[MACHINE_FAIL_DRIVER_HANG].name) == 0);
}

struct search {
	const struct scenario *sc;
	const struct strategy *st;
	uint64_t seed;
	struct strategy cur_strategy;	/* what cur was made under */
	uint64_t cur_seed;
	const char *checker;
	uint32_t attempts, max_attempts;
	bool damaged;		/* a run took the process's state down: stop */
	struct decision_log cur;	/* the smallest failing run so far */
	struct scenario_outcome cur_out;
	uint32_t *departing;	/* indexes of cur's departures */
	uint32_t n_departing;
};

static int list_departures(struct search *s)
{
	free(s->departing);
	s->n_departing = 0;
	s->departing = malloc((s->cur.count ? s->cur.count : 1) * sizeof(*s->departing));
	if (s->departing == NULL)
		return -1;
	for (size_t i = 0; i < s->cur.count; i++)
		if (s->cur.items[i].departs)
			s->departing[s->n_departing++] = (uint32_t)i;
	return 0;
}

/*
 * Runs cur with the departures departing[from, to) taken back to the
 * default, and, when value_at is a departure's index, that decision's
 * value replaced by value. Returns 1 when that run fails with the checker
 * and departs less (it becomes cur), 0 when not, -1 when it cannot be set
 * up.
 */
static int try_candidate(struct search *s, uint32_t from, uint32_t to, size_t value_at,
			 uint32_t value, const char **why)
{
	if (s->attempts >= s->max_attempts || s->damaged)
		return 0;
	s->attempts++;
	struct decision_log cand = { 0 };
	for (size_t i = 0; i < s->cur.count; i++)
		if (decision_log_push(&cand, &s->cur.items[i]) != 0) {
			decision_log_free(&cand);
			*why = "out of host memory for a candidate run";
			return -1;
		}
	for (uint32_t k = from; k < to; k++)
		cand.items[s->departing[k]].take_default = true;
	if (value_at < cand.count)
		cand.items[value_at].choice = cand.items[value_at].chosen = value;
	struct replay_plan plan = { &cand, REPLAY_FOLLOW, 0 };
	struct decision_log got = { 0 };
	struct scenario_outcome out;
	int rc = scenario_run_plan(s->sc, s->st, s->seed, &plan, NULL, NULL, &out, &got, why);
	decision_log_free(&cand);
	if (rc != 0) {
		decision_log_free(&got);
		return -1;
	}
	if (is_damaged(&out.result))
		s->damaged = true;	/* the driver's state may be anything now */
	bool keep = out.result.verdict == RUN_FAIL && strcmp(out.result.checker, s->checker) == 0 &&
		    shrink_departures(&got, NULL) < s->n_departing;
	if (!keep) {
		decision_log_free(&got);
		return 0;
	}
	decision_log_free(&s->cur);
	s->cur = got;
	s->cur_out = out;
	if (list_departures(s) != 0) {
		*why = "out of host memory";
		return -1;
	}
	return 1;
}

/* Tries each departure that is not a scheduling choice and has several
 * bits set with one of them cleared; 1 as soon as one is kept. */
static int clear_a_bit(struct search *s, const char **why)
{
	for (uint32_t k = 0; k < s->n_departing; k++) {
		size_t at = s->departing[k];
		const struct decision *d = &s->cur.items[at];
		if (d->site == SITE_SCHEDULE || (d->chosen & (d->chosen - 1)) == 0)
			continue;
		for (uint32_t bit = 0; bit < 32; bit++) {
			uint32_t v = s->cur.items[at].chosen;
			if (!(v & (UINT32_C(1) << bit)))
				continue;
			int r = try_candidate(s, 0, 0, at, v & ~(UINT32_C(1) << bit), why);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

/* The most delays the enumeration below tries (its schedules grow as the
 * choice points to this power). */
#define ENUMERATED_DELAYS_MAX 2u

/*
 * Where the run's departures stay several, a failing run with fewer may
 * still be near in another sense: the delay-bounded enumeration (decide.h)
 * over the failing run's choice points, fewest delays first, at one timing
 * (every other decision its default), finds a failing schedule with the
 * fewest delays there is, if the bug needs no timing. Returns 1 when one
 * with fewer departures fails with the checker (it becomes cur).
 */
static int enumerate_fewer(struct search *s, const char **why)
{
	uint64_t points = 0;
	for (size_t i = 0; i < s->cur.count; i++)
		points += s->cur.items[i].site == SITE_SCHEDULE;
	if (points == 0 || s->n_departing < 2)
		return 0;
	uint32_t bound = s->n_departing - 1 < ENUMERATED_DELAYS_MAX ? s->n_departing - 1
								    : ENUMERATED_DELAYS_MAX;
	uint64_t schedules = delay_bounded_schedules(points, bound);
	struct strategy st = { .kind = STRATEGY_DELAY_BOUNDED, .choice_points = points };
	for (uint64_t seed = 0; seed < schedules && s->attempts < s->max_attempts && !s->damaged;
	     seed++) {
		s->attempts++;
		struct decision_log got = { 0 };
		struct scenario_outcome out;
		if (scenario_run(s->sc, &st, seed, NULL, NULL, NULL, &out, &got, why) != 0) {
			decision_log_free(&got);
			return -1;
		}
		if (is_damaged(&out.result))
			s->damaged = true;
		if (out.result.verdict == RUN_FAIL && strcmp(out.result.checker, s->checker) == 0 &&
		    shrink_departures(&got, NULL) < s->n_departing) {
			decision_log_free(&s->cur);
			s->cur = got;
			s->cur_out = out;
			s->cur_strategy = st;
			s->cur_seed = seed;
			if (list_departures(s) != 0) {
				*why = "out of host memory";
				return -1;
			}
			return 1;
		}
		decision_log_free(&got);
	}
	return 0;
}

int shrink_run(const struct scenario *sc, const struct strategy *st, uint64_t seed,
	       const struct decision_log *failing, const char *checker, uint32_t max_attempts,
	       struct decision_log *shrunk, struct scenario_outcome *outcome,
	       struct shrink_stats *stats, const char **why)
{
	struct search s = { .sc = sc, .st = st, .seed = seed, .checker = checker,
			    .max_attempts = max_attempts, .cur_strategy = *st, .cur_seed = seed };
	memset(stats, 0, sizeof(*stats));
	/* The run as recorded, again, for what departs in it. */
	struct replay_plan exact = { failing, REPLAY_EXACT, 0 };
	if (scenario_run_plan(sc, st, seed, &exact, NULL, NULL, &s.cur_out, &s.cur, why) != 0) {
		decision_log_free(&s.cur);
		return -1;
	}
	if (s.cur_out.result.verdict != RUN_FAIL || strcmp(s.cur_out.result.checker, checker) != 0) {
		decision_log_free(&s.cur);
		*why = s.cur_out.result.verdict == RUN_DIVERGED
			       ? "the trace does not replay exactly (another build or scenario?)"
			       : "the trace does not fail with its checker when replayed";
		return -1;
	}
	stats->departs_before = shrink_departures(&s.cur, NULL);
	stats->steps_before = s.cur_out.result.steps;
	if (list_departures(&s) != 0) {
		decision_log_free(&s.cur);
		*why = "out of host memory";
		return -1;
	}
	/* ddmin over the departures, always taking complements back to the
	 * default: a chunk's worth at a time, halving the chunks when none
	 * can go, until single departures are tried. */
	uint32_t parts = 2;
	while (s.n_departing > 0 && !s.damaged && s.attempts < s.max_attempts) {
		uint32_t n = s.n_departing, chunk = (n + parts - 1) / parts;
		bool reduced = false;
		for (uint32_t from = 0; from < n && !reduced; from += chunk) {
			uint32_t to = from + chunk < n ? from + chunk : n;
			int r = try_candidate(&s, from, to, SIZE_MAX, 0, why);
			if (r < 0) {
				decision_log_free(&s.cur);
				free(s.departing);
				return -1;
			}
			reduced = r == 1;
		}
		if (reduced) {
			parts = parts > 2 ? parts - 1 : 2;
			continue;
		}
		if (chunk == 1) {
			/* No single departure can go: 1-minimal. A value of
			 * several bits (which fault kinds a run switches on) may
			 * still lose one, and the departures it brought with it:
			 * then ddmin goes on from there. */
			int r = clear_a_bit(&s, why);
			if (r < 0) {
				decision_log_free(&s.cur);
				free(s.departing);
				return -1;
			}
			if (r == 0)
				break;
			parts = 2;
			continue;
		}
		parts = parts * 2 < n ? parts * 2 : n;
	}
	if (enumerate_fewer(&s, why) < 0) {
		decision_log_free(&s.cur);
		free(s.departing);
		return -1;
	}
	free(s.departing);
	stats->attempts = s.attempts;
	stats->strategy = s.cur_strategy;
	stats->seed = s.cur_seed;
	stats->departs_after = shrink_departures(&s.cur, &stats->schedule_departs_after);
	stats->steps_after = s.cur_out.result.steps;
	*shrunk = s.cur;
	*outcome = s.cur_out;
	return 0;
}
