/*
 * explore_result.c - see explore_result.h.
 *
 * The summary and the JSON are written from the model alone, never from
 * explore's own state, so that merge (which has only the model, rebuilt
 * from its shards' JSON) prints and writes exactly what explore would.
 */
#include "explore_result.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errf.h"
#include "outfile.h"
#include "runs.h"

#define FAILURES_LISTED_MAX 10u	/* failing seeds the summary prints (all go to the JSON) */
#define SUMMARY_WIDTH 78	/* where the list of windows never reached wraps */

uint64_t explore_shard_seeds(uint64_t runs, uint64_t k, uint64_t n)
{
	/* Offsets k - 1, k - 1 + n, ... below runs. */
	return runs >= k ? (runs - k) / n + 1 : 0;
}

int explore_result_init(struct explore_result *r, const struct explore_search *s,
			uint64_t shard_index)
{
	memset(r, 0, sizeof(*r));
	r->search = *s;
	r->shard_index = shard_index;
	r->n_seeds = explore_shard_seeds(s->runs, shard_index, s->shard_count);
	r->first_failure = UINT64_MAX;
	for (unsigned c = 0; c < EXPLORE_CLASSES_MAX; c++)
		r->by_class[c].first_failure = r->by_class[c].first_limit = UINT64_MAX;
	r->ran = calloc(r->n_seeds > 0 ? r->n_seeds : 1, 1);
	return r->ran != NULL ? 0 : -1;
}

void explore_result_free(struct explore_result *r)
{
	free(r->ran);
	free(r->failures);
	free(r->missing);
	r->ran = NULL;
	r->failures = NULL;
	r->missing = NULL;
}

uint64_t explore_seed_of(const struct explore_result *r, uint64_t m)
{
	return r->search.first_seed + (r->shard_index - 1) + m * r->search.shard_count;
}

bool explore_local_of(const struct explore_result *r, uint64_t seed, uint64_t *m)
{
	const struct explore_search *s = &r->search;
	if (seed < s->first_seed || seed - s->first_seed >= s->runs)
		return false;
	uint64_t i = seed - s->first_seed;
	if (i % s->shard_count != r->shard_index - 1)
		return false;
	*m = i / s->shard_count;
	return true;
}

struct strategy explore_strategy_for(const struct explore_search *s, uint64_t seed)
{
	return strategy_for_seed(s->choice, s->pct_depth, seed, &s->cal);
}

unsigned explore_class_count(const struct explore_search *s)
{
	return strategy_class_count(s->choice);
}

unsigned explore_class_of(const struct explore_search *s, uint64_t seed)
{
	return strategy_class_of(s->choice, seed);
}

void explore_class_name(const struct explore_search *s, unsigned c, char *buf, size_t len)
{
	strategy_class_name(s->choice, s->pct_depth, c, buf, len);
}

static const char *const stop_names[] = {
	[EXPLORE_COMPLETE] = "complete",
	[EXPLORE_FIRST_FAILURE] = "first-failure",
	[EXPLORE_TIME] = "time",
	[EXPLORE_INTERRUPTED] = "interrupted",
	[EXPLORE_SHARDS_MISSING] = "shards-missing",
};
#define STOP_NAMES (sizeof(stop_names) / sizeof(stop_names[0]))

const char *explore_stop_name(enum explore_stop stop)
{
	return (size_t)stop < STOP_NAMES ? stop_names[stop] : "?";
}

int explore_result_mark(struct explore_result *r, uint64_t seed)
{
	uint64_t m;
	if (!explore_local_of(r, seed, &m) || r->ran[m])
		return -1;
	r->ran[m] = 1;
	while (r->prefix < r->n_seeds && r->ran[r->prefix])
		r->prefix++;
	return 0;
}

int explore_result_add_failure(struct explore_result *r, uint64_t seed, const char *checker)
{
	if (r->n_failures == r->failures_cap) {
		uint64_t cap = r->failures_cap ? r->failures_cap * 2 : 16;
		void *p = realloc(r->failures, cap * sizeof(*r->failures));
		if (p == NULL)
			return -1;
		r->failures = p;
		r->failures_cap = cap;
	}
	struct explore_failure *f = &r->failures[r->n_failures++];
	f->seed = seed;
	snprintf(f->checker, sizeof(f->checker), "%s", checker);
	return 0;
}

int explore_result_add(struct explore_result *r, uint64_t seed, enum run_verdict verdict,
		       const char *checker, uint64_t windows_hit)
{
	if (explore_result_mark(r, seed) != 0)
		return -1;
	r->runs++;
	unsigned c = explore_class_of(&r->search, seed);
	r->runs_by_class[c]++;
	for (unsigned w = 0; w < WINDOW_COUNT; w++)
		if (windows_hit & (UINT64_C(1) << w))
			r->window_runs[w][c]++;
	struct explore_class_outcome *co = &r->by_class[c];
	switch (verdict) {
	case RUN_PASS: r->passed++; break;
	case RUN_LIMIT:
		r->limited++;
		co->limited++;
		if (seed < co->first_limit) {
			co->first_limit = seed;
			snprintf(co->limit_checker, sizeof(co->limit_checker), "%s", checker);
		}
		break;
	case RUN_FAIL:
	case RUN_DIVERGED:
		r->failed++;
		co->failed++;
		if (seed < co->first_failure) {
			co->first_failure = seed;
			snprintf(co->first_checker, sizeof(co->first_checker), "%s", checker);
		}
		if (seed < r->first_failure)
			r->first_failure = seed;
		/* Out of memory loses the seed from the list, not the count. */
		(void)explore_result_add_failure(r, seed, checker);
		break;
	}
	return 0;
}

void explore_class_outcome_add(struct explore_class_outcome *into,
				const struct explore_class_outcome *from)
{
	into->failed += from->failed;
	into->limited += from->limited;
	if (from->first_failure < into->first_failure) {
		into->first_failure = from->first_failure;
		memcpy(into->first_checker, from->first_checker, sizeof(into->first_checker));
		memcpy(into->first_message, from->first_message, sizeof(into->first_message));
	}
	if (from->first_limit < into->first_limit) {
		into->first_limit = from->first_limit;
		memcpy(into->limit_checker, from->limit_checker, sizeof(into->limit_checker));
	}
}

static int by_seed(const void *a, const void *b)
{
	const struct explore_failure *x = a, *y = b;
	return x->seed < y->seed ? -1 : x->seed > y->seed;
}

void explore_result_finish(struct explore_result *r, enum explore_stop cut_by)
{
	if (r->n_failures > 1)
		qsort(r->failures, r->n_failures, sizeof(*r->failures), by_seed);
	uint64_t m;
	if (r->prefix == r->n_seeds)
		r->stopped = EXPLORE_COMPLETE;
	else if (!r->search.keep_going && r->first_failure != UINT64_MAX &&
		 explore_local_of(r, r->first_failure, &m) && r->prefix > m)
		r->stopped = EXPLORE_FIRST_FAILURE;
	else
		r->stopped = cut_by;
}

/* ---- the summary ------------------------------------------------------------- */

static void format_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms % 60000 == 0)
		snprintf(buf, len, "%" PRIu64 " min", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 " s", ms / 1000);
	else
		snprintf(buf, len, "%" PRIu64 " ms", ms);
}

/* "seeds 1..523 all ran" (a shard's: "its first 174 seeds (2, ..., 521)
 * all ran"). */
static void describe_prefix(const struct explore_result *r, char *buf, size_t len)
{
	uint64_t first = explore_seed_of(r, 0);
	if (r->prefix == 0)
		snprintf(buf, len, "not even its lowest seed (%" PRIu64 ") ran", first);
	else if (r->search.shard_count == 1)
		snprintf(buf, len, "seeds %" PRIu64 "..%" PRIu64 " all ran", first,
			 explore_seed_of(r, r->prefix - 1));
	else if (r->prefix == 1)
		snprintf(buf, len, "its lowest seed (%" PRIu64 ") ran", first);
	else
		snprintf(buf, len, "its first %" PRIu64 " seeds (%" PRIu64 "%s%" PRIu64 ") all ran",
			 r->prefix, first, r->prefix == 2 ? ", " : ", ..., ",
			 explore_seed_of(r, r->prefix - 1));
}

/* The highest seed that ran (beyond the prefix), or UINT64_MAX. */
static uint64_t highest_run(const struct explore_result *r)
{
	for (uint64_t m = r->n_seeds; m > r->prefix; m--)
		if (r->ran[m - 1])
			return explore_seed_of(r, m - 1);
	return UINT64_MAX;
}

static void print_coverage(FILE *f, const struct explore_result *r)
{
	const struct explore_search *s = &r->search;
	uint64_t last = s->first_seed + s->runs - 1;
	if (s->shard_count > 1)
		fprintf(f, "shard %" PRIu64 "/%" PRIu64 ": one seed in %" PRIu64 " of %" PRIu64
			   "..%" PRIu64 ", from %" PRIu64 " (%" PRIu64 " seeds)\n",
			r->shard_index, s->shard_count, s->shard_count, s->first_seed, last,
			explore_seed_of(r, 0), r->n_seeds);
	if (r->merged_of > 0) {
		fprintf(f, "merged: %" PRIu64 " of %" PRIu64 " shards", r->merged_of - r->n_missing,
			r->merged_of);
		if (r->n_missing > 0) {
			fprintf(f, "; missing:");
			for (uint64_t i = 0; i < r->n_missing; i++)
				fprintf(f, " %" PRIu64 "/%" PRIu64, r->missing[i], r->merged_of);
		}
		fputc('\n', f);
	}
	if (r->stopped == EXPLORE_COMPLETE)
		return;
	char prefix[160], budget[32], beyond[96] = "";
	describe_prefix(r, prefix, sizeof(prefix));
	uint64_t high = highest_run(r);
	if (high != UINT64_MAX)
		snprintf(beyond, sizeof(beyond), ", and %" PRIu64 " beyond them (up to seed %" PRIu64 ")",
			 r->runs - r->prefix, high);
	switch (r->stopped) {
	case EXPLORE_COMPLETE: break;
	case EXPLORE_FIRST_FAILURE:
		fprintf(f, "stopped at the first failure: %s%s (--keep-going runs all %" PRIu64 ")\n",
			prefix, beyond, r->n_seeds);
		break;
	case EXPLORE_TIME:
		format_ms(r->time_budget_ms, budget, sizeof(budget));
		fprintf(f, "partial: the time budget (%s) ran out: %s%s, of %" PRIu64 "..%" PRIu64 "\n",
			budget, prefix, beyond, s->first_seed, last);
		break;
	case EXPLORE_INTERRUPTED:
		fprintf(f, "partial: interrupted: %s%s, of %" PRIu64 "..%" PRIu64 "\n", prefix, beyond,
			s->first_seed, last);
		break;
	case EXPLORE_SHARDS_MISSING:
		fprintf(f, "partial: shards missing: %s%s, of %" PRIu64 "..%" PRIu64 "\n", prefix,
			beyond, s->first_seed, last);
		break;
	}
}

static uint64_t window_total(const struct explore_result *r, unsigned w)
{
	uint64_t n = 0;
	for (unsigned c = 0; c < EXPLORE_CLASSES_MAX; c++)
		n += r->window_runs[w][c];
	return n;
}

/* For the delay-bounded enumeration from seed 0, unsharded: how far the
 * seeds that all ran go, as a delay bound (strategies.h: seeds 0..N-1 are
 * every schedule with at most b delays once N reaches their number). */
static void print_enumeration(FILE *f, const struct explore_result *r)
{
	const struct explore_search *s = &r->search;
	if (s->choice != CHOICE_DELAY_BOUNDED || s->first_seed != 0 || s->shard_count != 1 ||
	    r->n_missing > 0)
		return;
	uint64_t k = s->cal.choice_points, ran = r->prefix;
	uint32_t b = 0;
	while (b < DELAY_BOUND_MAX && delay_bounded_schedules(k, b) <= ran)
		b++;
	/* Every schedule with fewer than b delays ran; of b, some. */
	uint64_t below = b > 0 ? delay_bounded_schedules(k, b - 1) : 0;
	uint64_t at_b = delay_bounded_schedules(k, b) - below;
	if (b == 0)
		fprintf(f, "delay-bounded: not even the schedule without delays ran");
	else
		fprintf(f, "delay-bounded: every schedule with at most %" PRIu32
			   " delay%s over %" PRIu64 " choice points ran (%" PRIu64 ")",
			b - 1, b - 1 == 1 ? "" : "s", k, below);
	if (ran > below)
		fprintf(f, "; of those with %" PRIu32 ", %" PRIu64 " of %" PRIu64, b, ran - below, at_b);
	fputc('\n', f);
}

/* A compact table: one row per window some run reached, a column per
 * strategy, the runs each strategy had; then the windows never reached,
 * by name, so that a search that never got where a race lives says so. */
static void print_windows(FILE *f, const struct explore_result *r)
{
	const struct explore_search *s = &r->search;
	unsigned n_classes = explore_class_count(s), reached = 0;
	for (unsigned w = 0; w < WINDOW_COUNT; w++)
		reached += window_total(r, w) > 0;
	if (r->runs == 0)
		return;
	if (reached == 0) {
		fprintf(f, "race windows: none of the %u reached (ac97sim help windows)\n",
			(unsigned)WINDOW_COUNT);
		return;
	}
	char names[EXPLORE_CLASSES_MAX][24];
	int width[EXPLORE_CLASSES_MAX];
	fprintf(f, "race windows, runs that reached each:\n  %-28s", "");
	for (unsigned c = 0; c < n_classes; c++) {
		explore_class_name(s, c, names[c], sizeof(names[c]));
		width[c] = (int)strlen(names[c]) > 7 ? (int)strlen(names[c]) : 7;
		fprintf(f, " %*s", width[c], names[c]);
	}
	fprintf(f, " %7s\n", "all");
	for (unsigned w = 0; w < WINDOW_COUNT; w++) {
		if (window_total(r, w) == 0)
			continue;
		fprintf(f, "  %-28s", race_windows[w].name);
		for (unsigned c = 0; c < n_classes; c++)
			fprintf(f, " %*" PRIu64, width[c], r->window_runs[w][c]);
		fprintf(f, " %7" PRIu64 "\n", window_total(r, w));
	}
	fprintf(f, "  %-28s", "(runs)");
	for (unsigned c = 0; c < n_classes; c++)
		fprintf(f, " %*" PRIu64, width[c], r->runs_by_class[c]);
	fprintf(f, " %7" PRIu64 "\n", r->runs);
	if (reached == WINDOW_COUNT)
		return;
	int col = fprintf(f, "  never reached (%u of %u):", (unsigned)WINDOW_COUNT - reached,
			  (unsigned)WINDOW_COUNT);
	const char *sep = " ";
	for (unsigned w = 0; w < WINDOW_COUNT; w++) {
		if (window_total(r, w) > 0)
			continue;
		int len = (int)(strlen(sep) + strlen(race_windows[w].name) + 1);
		if (col + len > SUMMARY_WIDTH) {
			fprintf(f, "%s\n   ", sep[0] == ',' ? "," : "");
			col = 3;
			sep = " ";
		}
		col += fprintf(f, "%s%s", sep, race_windows[w].name);
		sep = ", ";
	}
	fputc('\n', f);
}

void explore_run_command(const struct explore_search *s, uint64_t seed, char *buf, size_t len)
{
	char options[64];
	struct strategy st = explore_strategy_for(s, seed);
	strategy_run_options(&st, options, sizeof(options));
	snprintf(buf, len, "%s run %s --seed %" PRIu64 "%s%s%s%s%s%s%s", runs_program, s->scenario,
		 seed, options, s->driver_option[0] ? " --driver " : "", s->driver_option,
		 s->no_check_option[0] ? " --no-check " : "", s->no_check_option,
		 s->profile_option[0] ? " --profile " : "", s->profile_option);
}

static void print_failures(FILE *f, const struct explore_result *r)
{
	const struct explore_search *s = &r->search;
	struct strategy st = explore_strategy_for(s, r->first_failure);
	char label[64];
	strategy_format(&st, label, sizeof(label));
	fprintf(f, "first failure: seed %" PRIu64 " (%s), checker %s\n", r->first_failure, label,
		r->first_checker);
	fprintf(f, "  %s\n", r->first_message);
	uint64_t m = 0;
	if (explore_local_of(r, r->first_failure, &m) && r->prefix < m)
		fprintf(f, "  (the lowest failing seed found: not every seed below it ran)\n");
	else if (r->search.shard_count > 1 || (r->merged_of > 0 && r->n_missing > 0))
		fprintf(f, "  (the lowest failing seed of %s)\n",
			r->search.shard_count > 1 ? "this shard" : "the shards merged");
	if (s->keep_going && r->failed > 1) {
		fprintf(f, "failing seeds:");
		uint64_t listed = 0;
		for (; listed < r->n_failures && listed < FAILURES_LISTED_MAX; listed++)
			fprintf(f, " %" PRIu64, r->failures[listed].seed);
		fprintf(f, "%s\n", r->failed > listed ? " ..." : "");
	}
	if (r->workers_died > 0)
		fprintf(f, "%" PRIu64 " run(s) took their worker process down (counted as %s)\n",
			r->workers_died, machine_failures[MACHINE_FAIL_DRIVER_CRASH].name);
	if (r->trace[0] != '\0') {
		fprintf(f, "replay it: %s replay %s\n", runs_program, r->trace);
		if (access(r->trace, R_OK) != 0)
			fprintf(f, "  (not found from here: it was written where that shard ran)\n");
	} else {
		char command[EXPLORE_COMMAND_MAX];
		explore_run_command(s, r->first_failure, command, sizeof(command));
		fprintf(f, "run it again: %s\n", command);
	}
}

void explore_summary(FILE *f, const struct explore_result *r, const char *how_ran)
{
	fprintf(f, "explore %s: %" PRIu64 " runs: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64
		   " cut by a limit (%s)\n",
		r->search.scenario, r->runs, r->passed, r->failed, r->limited, how_ran);
	print_coverage(f, r);
	print_enumeration(f, r);
	print_windows(f, r);
	if (r->first_failure != UINT64_MAX)
		print_failures(f, r);
}

/* ---- JSON out ------------------------------------------------------------------ */

static json_t *json_u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *json_hex(uint64_t v)
{
	char text[24];
	snprintf(text, sizeof(text), "0x%016" PRIx64, v);
	return json_string(text);
}

static json_t *json_text_or_null(const char *text)
{
	return text[0] != '\0' ? json_string(text) : json_null();
}

static json_t *json_identity(const struct explore_result *r, json_t *root)
{
	const struct explore_search *s = &r->search;
	json_object_set_new(root, "format", json_string(EXPLORE_FORMAT));
	json_object_set_new(root, "scenario", json_string(s->scenario));
	json_object_set_new(root, "scenario_hash", json_hex(s->scenario_hash));
	json_object_set_new(root, "driver", json_string(s->driver));
	json_object_set_new(root, "driver_binary_hash", json_hex(s->driver_binary_hash));
	json_object_set_new(root, "checkers_off", json_string(s->checkers_off));
	json_object_set_new(root, "build", json_string(s->build));
	json_object_set_new(root, "strategy", json_string(strategy_choice_name(s->choice)));
	json_object_set_new(root, "depth", s->choice == CHOICE_PCT ? json_u64(s->pct_depth) : json_null());
	json_object_set_new(root, "pct_steps", json_u64(s->cal.steps));
	json_object_set_new(root, "choice_points", json_u64(s->cal.choice_points));
	json_object_set_new(root, "keep_going", json_boolean(s->keep_going));
	json_object_set_new(root, "first_seed", json_u64(s->first_seed));
	json_object_set_new(root, "runs_asked", json_u64(s->runs));
	json_t *shard = json_null();
	if (s->shard_count > 1) {
		shard = json_object();
		json_object_set_new(shard, "index", json_u64(r->shard_index));
		json_object_set_new(shard, "count", json_u64(s->shard_count));
		json_object_set_new(shard, "seeds", json_u64(r->n_seeds));
	}
	json_object_set_new(root, "shard", shard);
	if (r->merged_of > 0) {
		json_t *merged = json_object(), *missing = json_array();
		for (uint64_t i = 0; i < r->n_missing; i++)
			json_array_append_new(missing, json_u64(r->missing[i]));
		json_object_set_new(merged, "shards", json_u64(r->merged_of));
		json_object_set_new(merged, "missing", missing);
		json_object_set_new(root, "merged", merged);
	}
	json_t *options = json_object();
	json_object_set_new(options, "driver", json_text_or_null(s->driver_option));
	json_object_set_new(options, "no_check", json_text_or_null(s->no_check_option));
	/* Only when given: results from before profiles keep their shape. */
	if (s->profile_option[0] != '\0')
		json_object_set_new(options, "profile", json_string(s->profile_option));
	json_object_set_new(root, "options", options);
	return root;
}

/* The local indexes beyond the prefix that ran, as [first, last] seed
 * ranges (each the shard's seeds from first to last). */
static json_t *json_beyond(const struct explore_result *r)
{
	json_t *list = json_array();
	for (uint64_t m = r->prefix; m < r->n_seeds; m++) {
		if (!r->ran[m])
			continue;
		uint64_t end = m;
		while (end + 1 < r->n_seeds && r->ran[end + 1])
			end++;
		json_t *pair = json_array();
		json_array_append_new(pair, json_u64(explore_seed_of(r, m)));
		json_array_append_new(pair, json_u64(explore_seed_of(r, end)));
		json_array_append_new(list, pair);
		m = end;
	}
	return list;
}

static void json_windows(const struct explore_result *r, json_t *root)
{
	const struct explore_search *s = &r->search;
	unsigned n_classes = explore_class_count(s);
	char names[EXPLORE_CLASSES_MAX][24];
	json_t *by_class = json_object();
	for (unsigned c = 0; c < n_classes; c++) {
		explore_class_name(s, c, names[c], sizeof(names[c]));
		json_object_set_new(by_class, names[c], json_u64(r->runs_by_class[c]));
	}
	json_object_set_new(root, "strategies", by_class);
	json_t *windows = json_object();
	for (unsigned w = 0; w < WINDOW_COUNT; w++) {
		json_t *one = json_object(), *counts = json_object();
		json_object_set_new(one, "runs", json_u64(window_total(r, w)));
		for (unsigned c = 0; c < n_classes; c++)
			json_object_set_new(counts, names[c], json_u64(r->window_runs[w][c]));
		json_object_set_new(one, "by_strategy", counts);
		json_object_set_new(windows, race_windows[w].name, one);
	}
	json_object_set_new(root, "windows", windows);
}

/* Per strategy, what its runs found: the counts, its lowest failing seed
 * with the checker and message, its lowest seed cut by a limit. */
static void json_strategy_results(const struct explore_result *r, json_t *root)
{
	const struct explore_search *s = &r->search;
	json_t *all = json_object();
	for (unsigned c = 0; c < explore_class_count(s); c++) {
		const struct explore_class_outcome *co = &r->by_class[c];
		char name[24];
		explore_class_name(s, c, name, sizeof(name));
		json_t *one = json_object();
		json_object_set_new(one, "runs", json_u64(r->runs_by_class[c]));
		json_object_set_new(one, "passed",
				    json_u64(r->runs_by_class[c] - co->failed - co->limited));
		json_object_set_new(one, "failed", json_u64(co->failed));
		json_object_set_new(one, "limit", json_u64(co->limited));
		json_t *first = json_null(), *limit = json_null();
		if (co->first_failure != UINT64_MAX) {
			first = json_object();
			json_object_set_new(first, "seed", json_u64(co->first_failure));
			json_object_set_new(first, "checker", json_string(co->first_checker));
			json_object_set_new(first, "message", json_text_or_null(co->first_message));
		}
		if (co->first_limit != UINT64_MAX) {
			limit = json_object();
			json_object_set_new(limit, "seed", json_u64(co->first_limit));
			json_object_set_new(limit, "checker", json_string(co->limit_checker));
		}
		json_object_set_new(one, "first_failure", first);
		json_object_set_new(one, "first_limit", limit);
		json_object_set_new(all, name, one);
	}
	json_object_set_new(root, "strategy_results", all);
}

static json_t *json_result(const struct explore_result *r)
{
	json_t *root = json_identity(r, json_object());
	const struct explore_search *s = &r->search;
	json_object_set_new(root, "time_budget_ms",
			    r->time_budget_ms > 0 ? json_u64(r->time_budget_ms) : json_null());
	json_object_set_new(root, "stopped", json_string(stop_names[r->stopped]));
	json_t *covered = json_object();
	json_object_set_new(covered, "prefix_runs", json_u64(r->prefix));
	json_object_set_new(covered, "through_seed",
			    r->prefix > 0 ? json_u64(explore_seed_of(r, r->prefix - 1)) : json_null());
	json_object_set_new(covered, "runs_beyond", json_u64(r->runs - r->prefix));
	json_object_set_new(covered, "beyond", json_beyond(r));
	json_object_set_new(root, "covered", covered);
	json_object_set_new(root, "runs", json_u64(r->runs));
	json_object_set_new(root, "passed", json_u64(r->passed));
	json_object_set_new(root, "failed", json_u64(r->failed));
	json_object_set_new(root, "limit", json_u64(r->limited));
	json_object_set_new(root, "workers_died", json_u64(r->workers_died));
	json_object_set_new(root, "jobs", json_u64(r->jobs));
	json_object_set_new(root, "seconds", json_real(r->seconds));
	json_windows(r, root);
	json_strategy_results(r, root);
	json_t *failures = json_array();
	for (uint64_t i = 0; i < r->n_failures; i++) {
		char label[64];
		struct strategy st = explore_strategy_for(s, r->failures[i].seed);
		strategy_format(&st, label, sizeof(label));
		json_t *f = json_object();
		json_object_set_new(f, "seed", json_u64(r->failures[i].seed));
		json_object_set_new(f, "strategy", json_string(label));
		json_object_set_new(f, "checker", json_string(r->failures[i].checker));
		json_array_append_new(failures, f);
	}
	json_object_set_new(root, "failures", failures);
	if (r->first_failure != UINT64_MAX) {
		json_t *first = json_object();
		json_object_set_new(first, "seed", json_u64(r->first_failure));
		json_object_set_new(first, "checker", json_string(r->first_checker));
		json_object_set_new(first, "message", json_string(r->first_message));
		json_object_set_new(first, "trace", json_text_or_null(r->trace));
		json_object_set_new(root, "first_failure", first);
	}
	return root;
}

int explore_json_write(const char *path, const struct explore_result *r, char *err,
		       size_t err_len)
{
	json_t *root = json_result(r);
	int rc = -1;
	struct outfile *out = root != NULL ? outfile_open(path, err, err_len) : NULL;
	if (root == NULL)
		errf(err, err_len, "%s: out of memory", path);
	if (out != NULL) {
		FILE *f = outfile_stream(out);
		if (f == NULL || json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
		    fputc('\n', f) == EOF)
			outfile_set_error(out, strerror(errno != 0 ? errno : EIO));
		rc = outfile_commit(out, err, err_len);
	}
	json_decref(root);
	return rc;
}

/* ---- JSON in ------------------------------------------------------------------- */

/* What is being read, for messages. */
struct reader {
	const char *path;
	char *err;
	size_t err_len;
	bool failed;
};

static bool bad(struct reader *rd, const char *fmt, const char *key)
{
	if (!rd->failed) {
		char what[256];
		snprintf(what, sizeof(what), fmt, key);
		errf(rd->err, rd->err_len, "%s: %s", rd->path, what);
	}
	rd->failed = true;
	return false;
}

static bool get_u64(struct reader *rd, json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(rd, "\"%s\" is missing or not a whole number", key);
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static bool get_text(struct reader *rd, json_t *o, const char *key, char *out, size_t len)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || json_string_length(v) >= len)
		return bad(rd, "\"%s\" is missing, not text, or too long", key);
	snprintf(out, len, "%s", json_string_value(v));
	return true;
}

/* Text, or "" for null. */
static bool get_text_or_null(struct reader *rd, json_t *o, const char *key, char *out, size_t len)
{
	if (json_is_null(json_object_get(o, key))) {
		out[0] = '\0';
		return true;
	}
	return get_text(rd, o, key, out, len);
}

static bool get_hex(struct reader *rd, json_t *o, const char *key, uint64_t *out)
{
	char text[24];
	if (!get_text(rd, o, key, text, sizeof(text)))
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 16);
	if (strncmp(text, "0x", 2) != 0 || errno != 0 || *end != '\0')
		return bad(rd, "\"%s\" is not a 0x-hexadecimal number", key);
	*out = v;
	return true;
}

static bool get_bool(struct reader *rd, json_t *o, const char *key, bool *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_boolean(v))
		return bad(rd, "\"%s\" is missing or not true/false", key);
	*out = json_is_true(v);
	return true;
}

static bool read_identity(struct reader *rd, json_t *root, struct explore_search *s,
			  uint64_t *shard_index)
{
	char choice[16];
	json_t *format = json_object_get(root, "format");
	if (!json_is_object(root) || !json_is_string(format) ||
	    strcmp(json_string_value(format), EXPLORE_FORMAT) != 0)
		return bad(rd, "%s", "not an explore result of this format (\"format\": \""
				     EXPLORE_FORMAT "\", as explore --json writes)");
	memset(s, 0, sizeof(*s));
	if (!get_text(rd, root, "scenario", s->scenario, sizeof(s->scenario)) ||
	    !get_hex(rd, root, "scenario_hash", &s->scenario_hash) ||
	    !get_text(rd, root, "driver", s->driver, sizeof(s->driver)) ||
	    !get_hex(rd, root, "driver_binary_hash", &s->driver_binary_hash) ||
	    !get_text(rd, root, "checkers_off", s->checkers_off, sizeof(s->checkers_off)) ||
	    !get_text(rd, root, "build", s->build, sizeof(s->build)) ||
	    !get_text(rd, root, "strategy", choice, sizeof(choice)) ||
	    !get_u64(rd, root, "pct_steps", &s->cal.steps) ||
	    !get_u64(rd, root, "choice_points", &s->cal.choice_points) ||
	    !get_bool(rd, root, "keep_going", &s->keep_going) ||
	    !get_u64(rd, root, "first_seed", &s->first_seed) ||
	    !get_u64(rd, root, "runs_asked", &s->runs))
		return false;
	if (!strategy_choice_parse(choice, &s->choice))
		return bad(rd, "\"%s\" is not " STRATEGY_CHOICE_NAMES, "strategy");
	if (s->choice == CHOICE_PCT) {
		uint64_t depth;
		if (!get_u64(rd, root, "depth", &depth))
			return false;
		if (depth < 1 || depth > PCT_DEPTH_MAX)
			return bad(rd, "\"%s\" is not a PCT depth (1..8)", "depth");
		s->pct_depth = (uint32_t)depth;
	}
	if (s->runs == 0 || s->first_seed > (uint64_t)INT64_MAX - (s->runs - 1))
		return bad(rd, "%s", "\"first_seed\" and \"runs_asked\" are not a range of seeds");
	json_t *shard = json_object_get(root, "shard");
	s->shard_count = 1;
	*shard_index = 1;
	if (!json_is_null(shard)) {
		if (!json_is_object(shard) || !get_u64(rd, shard, "index", shard_index) ||
		    !get_u64(rd, shard, "count", &s->shard_count))
			return bad(rd, "%s", "\"shard\" is not null or {\"index\": K, \"count\": N}");
		if (s->shard_count < 1 || *shard_index < 1 || *shard_index > s->shard_count ||
		    s->shard_count > s->runs)
			return bad(rd, "%s", "\"shard\" is not a shard K/N with 1 <= K <= N <= runs");
	}
	json_t *options = json_object_get(root, "options");
	if (!json_is_object(options))
		return bad(rd, "\"%s\" is missing or not an object", "options");
	s->profile_option[0] = '\0';
	return get_text_or_null(rd, options, "driver", s->driver_option, sizeof(s->driver_option)) &&
	       get_text_or_null(rd, options, "no_check", s->no_check_option,
				sizeof(s->no_check_option)) &&
	       (json_object_get(options, "profile") == NULL ||
		get_text_or_null(rd, options, "profile", s->profile_option,
				 sizeof(s->profile_option)));
}

/* A seed of r's (an element of a list in the JSON). */
static bool get_seed(struct reader *rd, const struct explore_result *r, json_t *v, const char *what,
		     uint64_t *seed, uint64_t *local)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(rd, "%s holds something that is not a seed", what);
	*seed = (uint64_t)json_integer_value(v);
	*local = 0;
	if (!explore_local_of(r, *seed, local))
		return bad(rd, "%s names a seed outside the range (or the shard)", what);
	return true;
}

static bool read_covered(struct reader *rd, json_t *root, struct explore_result *r)
{
	json_t *covered = json_object_get(root, "covered");
	uint64_t prefix, beyond_runs, marked = 0;
	if (!json_is_object(covered))
		return bad(rd, "\"%s\" is missing or not an object", "covered");
	if (!get_u64(rd, covered, "prefix_runs", &prefix) ||
	    !get_u64(rd, covered, "runs_beyond", &beyond_runs))
		return false;
	if (prefix > r->n_seeds)
		return bad(rd, "\"%s\" is more than the seeds there are", "prefix_runs");
	for (uint64_t m = 0; m < prefix; m++)
		r->ran[m] = 1;
	r->prefix = prefix;
	json_t *beyond = json_object_get(covered, "beyond");
	if (!json_is_array(beyond))
		return bad(rd, "\"%s\" is missing or not a list", "beyond");
	size_t i;
	json_t *pair;
	json_array_foreach(beyond, i, pair) {
		uint64_t a, b, ma, mb;
		if (!json_is_array(pair) || json_array_size(pair) != 2)
			return bad(rd, "\"%s\" holds something that is not [first, last]", "beyond");
		if (!get_seed(rd, r, json_array_get(pair, 0), "\"beyond\"", &a, &ma) ||
		    !get_seed(rd, r, json_array_get(pair, 1), "\"beyond\"", &b, &mb))
			return false;
		if (ma > mb || ma <= prefix)
			return bad(rd, "\"%s\" holds a range out of order or inside the prefix", "beyond");
		for (uint64_t m = ma; m <= mb; m++) {
			if (r->ran[m])
				return bad(rd, "\"%s\" holds ranges that overlap", "beyond");
			r->ran[m] = 1;
			marked++;
		}
	}
	if (marked != beyond_runs || prefix + marked != r->runs)
		return bad(rd, "%s", "\"covered\" does not add up to \"runs\"");
	return true;
}

static bool read_windows(struct reader *rd, json_t *root, struct explore_result *r)
{
	const struct explore_search *s = &r->search;
	unsigned n_classes = explore_class_count(s);
	char names[EXPLORE_CLASSES_MAX][24];
	json_t *by_class = json_object_get(root, "strategies");
	if (!json_is_object(by_class) || json_object_size(by_class) != n_classes)
		return bad(rd, "\"%s\" is missing or not the strategy's classes", "strategies");
	uint64_t sum = 0;
	for (unsigned c = 0; c < n_classes; c++) {
		explore_class_name(s, c, names[c], sizeof(names[c]));
		if (!get_u64(rd, by_class, names[c], &r->runs_by_class[c]))
			return false;
		sum += r->runs_by_class[c];
	}
	if (sum != r->runs)
		return bad(rd, "%s", "\"strategies\" does not add up to \"runs\"");
	json_t *windows = json_object_get(root, "windows");
	if (!json_is_object(windows))
		return bad(rd, "\"%s\" is missing or not an object", "windows");
	const char *name;
	json_t *one;
	json_object_foreach(windows, name, one) {
		enum race_window w = race_window_by_name(name);
		if (w == WINDOW_COUNT)
			return bad(rd, "window '%s' is not one of this build's (ac97sim help windows)",
				   name);
		json_t *counts = json_object_get(one, "by_strategy");
		if (!json_is_object(one) || !json_is_object(counts))
			return bad(rd, "window '%s' has no \"by_strategy\" object", name);
		for (unsigned c = 0; c < n_classes; c++)
			if (!get_u64(rd, counts, names[c], &r->window_runs[w][c]))
				return false;
	}
	return true;
}

static bool read_failures(struct reader *rd, json_t *root, struct explore_result *r)
{
	json_t *failures = json_object_get(root, "failures");
	if (!json_is_array(failures))
		return bad(rd, "\"%s\" is missing or not a list", "failures");
	size_t i;
	json_t *f;
	json_array_foreach(failures, i, f) {
		uint64_t seed, m;
		char checker[32];
		if (!json_is_object(f) ||
		    !get_seed(rd, r, json_object_get(f, "seed"), "\"failures\"", &seed, &m) ||
		    !get_text(rd, f, "checker", checker, sizeof(checker)))
			return bad(rd, "\"%s\" holds an entry without a seed of the range and a checker",
				   "failures");
		if (!r->ran[m])
			return bad(rd, "\"%s\" names a seed that \"covered\" says did not run", "failures");
		if (explore_result_add_failure(r, seed, checker) != 0)
			return bad(rd, "%s", "out of memory");
	}
	if (r->n_failures != r->failed)
		return bad(rd, "\"%s\" does not list as many seeds as \"failed\" counts", "failures");
	json_t *first = json_object_get(root, "first_failure");
	if (first == NULL || json_is_null(first)) {
		if (r->failed > 0)
			return bad(rd, "\"%s\" is missing though runs failed", "first_failure");
		return true;
	}
	uint64_t m_first;
	if (!json_is_object(first) ||
	    !get_seed(rd, r, json_object_get(first, "seed"), "\"first_failure\"", &r->first_failure,
		      &m_first) ||
	    !get_text(rd, first, "checker", r->first_checker, sizeof(r->first_checker)) ||
	    !get_text(rd, first, "message", r->first_message, sizeof(r->first_message)) ||
	    !get_text_or_null(rd, first, "trace", r->trace, sizeof(r->trace)))
		return bad(rd, "\"%s\" is not {seed, checker, message, trace}", "first_failure");
	for (uint64_t k = 0; k < r->n_failures; k++)
		if (r->failures[k].seed < r->first_failure)
			return bad(rd, "\"%s\" is not the lowest failing seed", "first_failure");
	return true;
}

/* The lowest seed of class c that failed or was cut by a limit ("what"
 * of "strategy_results"): {seed, checker[, message]}. */
static bool read_class_first(struct reader *rd, const struct explore_result *r, unsigned c,
			     json_t *o, const char *what, uint64_t *seed, char *checker,
			     size_t checker_len)
{
	uint64_t m;
	if (!json_is_object(o) || !get_seed(rd, r, json_object_get(o, "seed"), what, seed, &m) ||
	    !get_text(rd, o, "checker", checker, checker_len))
		return bad(rd, "%s is not {seed, checker, ...} of a seed of the range", what);
	if (explore_class_of(&r->search, *seed) != c)
		return bad(rd, "%s names a seed of another strategy", what);
	if (!r->ran[m])
		return bad(rd, "%s names a seed that \"covered\" says did not run", what);
	return true;
}

static bool read_class(struct reader *rd, json_t *one, struct explore_result *r, unsigned c)
{
	struct explore_class_outcome *co = &r->by_class[c];
	uint64_t runs, passed;
	if (!json_is_object(one))
		return bad(rd, "\"%s\" holds a strategy that is not an object", "strategy_results");
	if (!get_u64(rd, one, "runs", &runs) || !get_u64(rd, one, "passed", &passed) ||
	    !get_u64(rd, one, "failed", &co->failed) || !get_u64(rd, one, "limit", &co->limited))
		return false;
	if (runs != r->runs_by_class[c] || co->failed > runs || co->limited > runs - co->failed ||
	    passed != runs - co->failed - co->limited)
		return bad(rd, "\"%s\" does not add up to \"strategies\"", "strategy_results");
	json_t *first = json_object_get(one, "first_failure"), *limit = json_object_get(one, "first_limit");
	if (json_is_null(first) != (co->failed == 0) || json_is_null(limit) != (co->limited == 0))
		return bad(rd, "\"%s\" has a first failure or limit without the runs, or runs without it",
			   "strategy_results");
	if (co->failed > 0 &&
	    (!read_class_first(rd, r, c, first, "\"strategy_results\" first_failure",
			       &co->first_failure, co->first_checker, sizeof(co->first_checker)) ||
	     !get_text_or_null(rd, first, "message", co->first_message, sizeof(co->first_message))))
		return false;
	return co->limited == 0 ||
	       read_class_first(rd, r, c, limit, "\"strategy_results\" first_limit", &co->first_limit,
				co->limit_checker, sizeof(co->limit_checker));
}

/* "strategy_results", held to the counts and failures read before it. */
static bool read_strategy_results(struct reader *rd, json_t *root, struct explore_result *r)
{
	const struct explore_search *s = &r->search;
	unsigned n_classes = explore_class_count(s);
	json_t *all = json_object_get(root, "strategy_results");
	if (!json_is_object(all) || json_object_size(all) != n_classes)
		return bad(rd, "\"%s\" is missing or not the strategy's classes (a result of an "
			       "older ac97sim? run it again)", "strategy_results");
	uint64_t failed = 0, limited = 0;
	for (unsigned c = 0; c < n_classes; c++) {
		char name[24];
		explore_class_name(s, c, name, sizeof(name));
		if (!read_class(rd, json_object_get(all, name), r, c))
			return false;
		failed += r->by_class[c].failed;
		limited += r->by_class[c].limited;
	}
	if (failed != r->failed || limited != r->limited)
		return bad(rd, "\"%s\" does not add up to \"failed\" and \"limit\"",
			   "strategy_results");
	for (uint64_t k = 0; k < r->n_failures; k++) {
		const struct explore_failure *f = &r->failures[k];
		if (f->seed < r->by_class[explore_class_of(s, f->seed)].first_failure)
			return bad(rd, "\"%s\" names a first failure that is not its strategy's lowest",
				   "strategy_results");
	}
	return true;
}

static bool read_outcome(struct reader *rd, json_t *root, struct explore_result *r)
{
	char stopped[24];
	if (!get_u64(rd, root, "runs", &r->runs) || !get_u64(rd, root, "passed", &r->passed) ||
	    !get_u64(rd, root, "failed", &r->failed) || !get_u64(rd, root, "limit", &r->limited) ||
	    !get_u64(rd, root, "workers_died", &r->workers_died) ||
	    !get_u64(rd, root, "jobs", &r->jobs) ||
	    !get_text(rd, root, "stopped", stopped, sizeof(stopped)))
		return false;
	if (r->runs > r->n_seeds || r->passed + r->failed + r->limited != r->runs)
		return bad(rd, "%s", "\"passed\", \"failed\" and \"limit\" do not add up to \"runs\"");
	size_t k = 0;
	while (k < STOP_NAMES && strcmp(stop_names[k], stopped) != 0)
		k++;
	if (k == STOP_NAMES)
		return bad(rd, "\"%s\" is not one of complete, first-failure, time, interrupted, "
			       "shards-missing", "stopped");
	r->stopped = (enum explore_stop)k;
	json_t *seconds = json_object_get(root, "seconds");
	if (!json_is_number(seconds))
		return bad(rd, "\"%s\" is missing or not a number", "seconds");
	r->seconds = json_number_value(seconds);
	json_t *budget = json_object_get(root, "time_budget_ms");
	if (!json_is_null(budget) && !get_u64(rd, root, "time_budget_ms", &r->time_budget_ms))
		return false;
	return read_covered(rd, root, r) && read_windows(rd, root, r) && read_failures(rd, root, r) &&
	       read_strategy_results(rd, root, r);
}

int explore_json_read(const char *path, struct explore_result *r, char *err, size_t err_len)
{
	memset(r, 0, sizeof(*r));
	struct reader rd = { path, err, err_len, false };
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (root == NULL) {
		if (jerr.line > 0)
			errf(err, err_len, "%s:%d: %s", path, jerr.line, jerr.text);
		else
			errf(err, err_len, "%s: %s", path, jerr.text);
		return -1;
	}
	struct explore_search s;
	uint64_t shard_index = 1;
	bool ok = read_identity(&rd, root, &s, &shard_index);
	if (ok && explore_result_init(r, &s, shard_index) != 0)
		ok = bad(&rd, "%s", "out of memory for its seeds");
	if (ok)
		ok = read_outcome(&rd, root, r);
	json_t *merged = json_object_get(root, "merged");
	if (ok && merged != NULL && !get_u64(&rd, merged, "shards", &r->merged_of))
		ok = false;
	json_decref(root);
	return ok ? 0 : -1;
}

bool explore_same_search(const struct explore_search *a, const struct explore_search *b,
			 char *err, size_t err_len)
{
	char x[40], y[40];
	const char *what = NULL;
	if (a->scenario_hash != b->scenario_hash) {
		what = "scenario hash";
		snprintf(x, sizeof(x), "0x%016" PRIx64, a->scenario_hash);
		snprintf(y, sizeof(y), "0x%016" PRIx64, b->scenario_hash);
	} else if (strcmp(a->driver, b->driver) != 0 || a->driver_binary_hash != b->driver_binary_hash) {
		what = "driver";
		snprintf(x, sizeof(x), "%.20s 0x%016" PRIx64, a->driver, a->driver_binary_hash);
		snprintf(y, sizeof(y), "%.20s 0x%016" PRIx64, b->driver, b->driver_binary_hash);
	} else if (strcmp(a->checkers_off, b->checkers_off) != 0) {
		what = "checkers switched off";
		snprintf(x, sizeof(x), "'%.36s'", a->checkers_off);
		snprintf(y, sizeof(y), "'%.36s'", b->checkers_off);
	} else if (strcmp(a->build, b->build) != 0) {
		what = "build";
		snprintf(x, sizeof(x), "%.38s", a->build);
		snprintf(y, sizeof(y), "%.38s", b->build);
	} else if (a->choice != b->choice || a->pct_depth != b->pct_depth) {
		what = "strategy";
		snprintf(x, sizeof(x), "%s %" PRIu32, strategy_choice_name(a->choice), a->pct_depth);
		snprintf(y, sizeof(y), "%s %" PRIu32, strategy_choice_name(b->choice), b->pct_depth);
	} else if (a->cal.steps != b->cal.steps || a->cal.choice_points != b->cal.choice_points) {
		what = "calibration (steps, choice points)";
		snprintf(x, sizeof(x), "%" PRIu64 ", %" PRIu64, a->cal.steps, a->cal.choice_points);
		snprintf(y, sizeof(y), "%" PRIu64 ", %" PRIu64, b->cal.steps, b->cal.choice_points);
	} else if (a->first_seed != b->first_seed || a->runs != b->runs) {
		what = "range of seeds";
		snprintf(x, sizeof(x), "%" PRIu64 " + %" PRIu64, a->first_seed, a->runs);
		snprintf(y, sizeof(y), "%" PRIu64 " + %" PRIu64, b->first_seed, b->runs);
	} else if (a->keep_going != b->keep_going) {
		what = "--keep-going";
		snprintf(x, sizeof(x), "%s", a->keep_going ? "given" : "not given");
		snprintf(y, sizeof(y), "%s", b->keep_going ? "given" : "not given");
	} else if (a->shard_count != b->shard_count) {
		what = "number of shards";
		snprintf(x, sizeof(x), "%" PRIu64, a->shard_count);
		snprintf(y, sizeof(y), "%" PRIu64, b->shard_count);
	}
	if (what == NULL)
		return true;
	errf(err, err_len, "%s %s here, %s there", what, y, x);
	return false;
}
