/*
 * explore_result.h - what a search found: the model `explore` fills run by
 * run and `merge` rebuilds from shards, the summary people read, and the
 * JSON both write (and merge reads back).
 *
 * A search is a scenario (by its hash, with its driver and checkers), a
 * build, a strategy choice and a range of seeds: seed s runs the strategy
 * the choice gives s (runs.h), whatever else the command line says. Its
 * seeds may be split into N shards; shard K (1..N) holds the seeds
 * first_seed + i with i % N == K - 1 (every N-th seed, starting at the
 * K-th), so the N shards are disjoint, their union is the whole range, and
 * each shard begins at the bottom of the range: the low seeds, which the
 * lowest-failing-seed rule cares about most, are reached by every shard
 * early. A shard's seeds are numbered 0, 1, 2, ... in that order (its
 * "local" indexes); an unsharded search is shard 1 of 1.
 *
 * What ran is kept per local index. Its largest prefix that all ran is
 * what a partial search (stopped at its first failure, by its time
 * budget, by a signal, or merged with shards missing) covered for sure;
 * the seeds that ran beyond it are counted and listed as ranges.
 *
 * The JSON (format "ac97sim-explore 1"; docs/scale-out.md shows it whole)
 * holds everything merge needs and nothing per passing seed, so a merged
 * result is written by the same code as an unsharded one and is equal to
 * it wherever the unsharded result does not depend on timing (everything
 * but "jobs", "seconds", "shard"/"merged" and the trace's path, when
 * --keep-going, or the search's prefix, ran them all).
 */
#ifndef AC97SIM_EXPLORE_RESULT_H
#define AC97SIM_EXPLORE_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decide.h"
#include "machine.h"
#include "strategies.h"
#include "windows.h"

#define EXPLORE_FORMAT "ac97sim-explore 1"

/* The strategies a choice runs, counted apart (strategies.h). */
#define EXPLORE_CLASSES_MAX STRATEGY_CLASSES_MAX

/* What makes two results parts of one search: shards must agree on all of
 * it but the scenario's path and the command line's spelling. */
struct explore_search {
	char scenario[1024];		/* the scenario file as given (not compared) */
	uint64_t scenario_hash;
	char driver[64];		/* the driver's name */
	uint64_t driver_binary_hash;	/* a plug-in's file hash; 0 for a built-in */
	char checkers_off[256];		/* "stall,teardown", or "" */
	char build[64];			/* the build id: per-seed results are the build's */
	enum strategy_choice choice;
	uint32_t pct_depth;		/* --strategy pct only; 0 otherwise */
	struct calibration cal;		/* a function of the scenario */
	uint64_t first_seed, runs;	/* the whole range: first_seed .. first_seed + runs - 1 */
	bool keep_going;
	uint64_t shard_count;		/* N; 1 when unsharded */
	/* --driver and --no-check as given ("" when not), for the command
	 * that runs a seed again (not compared: spellings may differ). */
	char driver_option[1024];
	char no_check_option[256];
	/* --profile as given ("" when not): the scenario's hash covers the
	 * profile, so this too is only for the command that runs a seed. */
	char profile_option[32];
};

/* Why a search ended where it did. */
enum explore_stop {
	EXPLORE_COMPLETE,	/* every seed of the range (or shard) ran */
	EXPLORE_FIRST_FAILURE,	/* every seed below the lowest failing one ran (no --keep-going) */
	EXPLORE_TIME,		/* the time budget was spent */
	EXPLORE_INTERRUPTED,	/* SIGINT or SIGTERM */
	EXPLORE_SHARDS_MISSING,	/* merge --partial without every shard */
};

/* "complete", "first-failure", "time", "interrupted", "shards-missing":
 * as the JSON's "stopped" names it. */
const char *explore_stop_name(enum explore_stop stop);

struct explore_failure {
	uint64_t seed;
	char checker[32];
};

/* What the runs of one strategy (class) found, for a report with one
 * test case per strategy (explore_junit.h). The lowest failing seed's
 * message comes from its recorded rerun, as the search's first failure's
 * does; a class whose lowest failing seed is not the search's gets one of
 * its own (explore, when it writes JSON or JUnit). */
struct explore_class_outcome {
	uint64_t failed, limited;
	uint64_t first_failure;		/* the class's lowest failing seed; UINT64_MAX: none */
	char first_checker[32];
	char first_message[1024];	/* "" when not recorded */
	uint64_t first_limit;		/* its lowest seed cut by a limit; UINT64_MAX: none */
	char limit_checker[32];		/* "step-limit" or "time-limit" */
};

struct explore_result {
	struct explore_search search;
	uint64_t shard_index;		/* K, 1..shard_count */
	uint64_t n_seeds;		/* the seeds of this shard in the range */
	uint8_t *ran;			/* by local index: 1 when that seed ran */
	uint64_t prefix;		/* local indexes below it all ran (kept up to date) */
	uint64_t runs, passed, failed, limited;
	uint64_t workers_died;		/* runs that took their worker process down */
	struct explore_failure *failures;	/* by seed once finished */
	uint64_t n_failures, failures_cap;
	/* The lowest failing seed (UINT64_MAX: none) and what its recorded
	 * rerun said; trace is "" when none was written. */
	uint64_t first_failure;
	char first_checker[32];
	char first_message[1024];
	char trace[4200];
	uint64_t runs_by_class[EXPLORE_CLASSES_MAX];
	struct explore_class_outcome by_class[EXPLORE_CLASSES_MAX];
	uint64_t window_runs[WINDOW_COUNT][EXPLORE_CLASSES_MAX];
	enum explore_stop stopped;
	uint64_t time_budget_ms;	/* 0: none */
	uint64_t jobs;			/* worker processes (merged: added up) */
	double seconds;			/* wall time of the runs (merged: added up) */
	/* A merged result: how many shards the search had (0: not merged)
	 * and which were missing. */
	uint64_t merged_of;
	uint64_t *missing;
	uint64_t n_missing;
};

/* Sets r up for shard shard_index of s (nothing ran yet). Returns 0, or -1
 * when out of memory (r is then safe to free). */
int explore_result_init(struct explore_result *r, const struct explore_search *s,
			uint64_t shard_index);
void explore_result_free(struct explore_result *r);

/* How many of the range's seeds shard k of n holds. */
uint64_t explore_shard_seeds(uint64_t runs, uint64_t k, uint64_t n);

/* The seed of local index m; whether seed is r's, and its local index. */
uint64_t explore_seed_of(const struct explore_result *r, uint64_t m);
bool explore_local_of(const struct explore_result *r, uint64_t seed, uint64_t *m);

/* The strategy seed runs with under s, and its class (column) and the
 * class's name ("random", "pct depth=2"). */
struct strategy explore_strategy_for(const struct explore_search *s, uint64_t seed);
unsigned explore_class_count(const struct explore_search *s);
unsigned explore_class_of(const struct explore_search *s, uint64_t seed);
void explore_class_name(const struct explore_search *s, unsigned c, char *buf, size_t len);

/* Counts one run of seed. Returns 0, or -1 (nothing counted) when the seed
 * is not r's or has run already. */
int explore_result_add(struct explore_result *r, uint64_t seed, enum run_verdict verdict,
		       const char *checker, uint64_t windows_hit);

/* Marks seed as run without counting it (merge: the counts come whole).
 * Returns -1 when it is not r's or was marked already. */
int explore_result_mark(struct explore_result *r, uint64_t seed);

/* Adds what from's runs found to into's (merge: the same class of two
 * shards): counts added, the lower first failure and limit kept. */
void explore_class_outcome_add(struct explore_class_outcome *into,
				const struct explore_class_outcome *from);

/* Appends a failing seed (not counted). Returns -1 when out of memory. */
int explore_result_add_failure(struct explore_result *r, uint64_t seed, const char *checker);

/* Sorts the failures by seed and works out why the search stopped: data
 * first (every seed ran; or, without --keep-going, every seed below the
 * lowest failure), else cut_by (what cut it short). */
void explore_result_finish(struct explore_result *r, enum explore_stop cut_by);

/* The command that runs seed of search s again, exactly: "PROGRAM run
 * SCENARIO --seed N", the strategy's options and the --driver and
 * --no-check the search was given. */
#define EXPLORE_COMMAND_MAX 2600
void explore_run_command(const struct explore_search *s, uint64_t seed, char *buf, size_t len);

/* The summary people read; how_ran is the end of the first line
 * ("0.03 s, 5934 runs/s, 2 jobs"). program names the program in the
 * command it prints. */
void explore_summary(FILE *f, const struct explore_result *r, const char *how_ran);

/* Writes the JSON through an atomic output. Returns 0, or -1 with err. */
int explore_json_write(const char *path, const struct explore_result *r, char *err,
		       size_t err_len);

/* Reads a JSON explore wrote into r (which it initialises; free it
 * either way). Returns 0, or -1 with err ("PATH: what is wrong"). */
int explore_json_read(const char *path, struct explore_result *r, char *err, size_t err_len);

/* Whether b is a part of the same search as a; if not, err says what
 * differs ("scenario hash 0x... here, 0x... in a.json"). */
bool explore_same_search(const struct explore_search *a, const struct explore_search *b,
			 char *err, size_t err_len);

#endif
