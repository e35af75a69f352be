/*
 * profiles.c - the reference driver on every device profile: for each
 * scenario of the catalogue (the .ini files of fixtures/scenarios, the
 * race catalogue the reference miniport must survive; bugs/ holds the
 * variants' and is left out), the seeds 1..PROFILE_RUNS of explore's default portfolio on
 * each profile, stopping at the first failing seed as explore does. A cell
 * is "pass" (every seed passed), "limit" (none failed, some were cut by
 * their step or time limit) or the first failing seed with its checker,
 * and the quirks that defeat the reference there (defeating_quirks).
 * The calibration is explore's, per profile. docs/profiles.md, "The
 * reference driver on each profile", is this table, copied by hand.
 */
#include "profiles.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profile.h"
#include "runs.h"
#include "scenario_file.h"
#include "strategies.h"

#define PROFILE_RUNS 100u
#define CATALOGUE_DIR "fixtures/scenarios"
#define SCENARIOS_MAX 128u
#define NAME_MAX_BYTES 96u

static double wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static size_t list_catalogue(char names[][NAME_MAX_BYTES])
{
	DIR *d = opendir(CATALOGUE_DIR);
	if (d == NULL) {
		fprintf(stderr, "ac97bench: %s: cannot open (run from the top of the tree)\n",
			CATALOGUE_DIR);
		exit(2);
	}
	size_t n = 0;
	struct dirent *ent;
	while ((ent = readdir(d)) != NULL && n < SCENARIOS_MAX) {
		size_t len = strlen(ent->d_name);
		if (len < 5 || len >= NAME_MAX_BYTES || strcmp(ent->d_name + len - 4, ".ini") != 0)
			continue;
		memcpy(names[n++], ent->d_name, len + 1);	/* fits: checked above */
	}
	closedir(d);
	qsort(names, n, NAME_MAX_BYTES, compare_names);
	return n;
}

struct cell_result {
	uint64_t runs, failed, limited;
	uint64_t first_failure;		/* 0: none */
	char checker[32];
};

/* Seeds 1..PROFILE_RUNS of the portfolio on sf, to the first failure. */
static void search(const struct scenario_file *sf, struct cell_result *c)
{
	memset(c, 0, sizeof(*c));
	struct calibration cal;
	const char *why = NULL;
	if (calibrate(sf, &cal, &why) != 0) {
		fprintf(stderr, "ac97bench: %s: %s\n", sf->path, why ? why : "cannot set up");
		exit(2);
	}
	for (uint64_t seed = 1; seed <= PROFILE_RUNS; seed++) {
		struct strategy st = strategy_for_seed(CHOICE_PORTFOLIO, 0, seed, &cal);
		struct scenario_outcome out;
		if (runs_one(sf, &st, seed, NULL, NULL, NULL, &out, NULL, &why) != 0) {
			fprintf(stderr, "ac97bench: %s: %s\n", sf->path, why ? why : "setup failed");
			exit(2);
		}
		c->runs++;
		if (out.result.verdict == RUN_LIMIT)
			c->limited++;
		if (out.result.verdict == RUN_FAIL || out.result.verdict == RUN_DIVERGED) {
			c->failed++;
			c->first_failure = seed;
			snprintf(c->checker, sizeof(c->checker), "%s", out.result.checker);
			return;
		}
	}
}

/* Whether seed fails on sf as it is. */
static bool seed_fails(const struct scenario_file *sf, uint64_t seed)
{
	struct calibration cal;
	const char *why = NULL;
	if (calibrate(sf, &cal, &why) != 0)
		return true;	/* it does not even set up */
	struct strategy st = strategy_for_seed(CHOICE_PORTFOLIO, 0, seed, &cal);
	struct scenario_outcome out;
	if (runs_one(sf, &st, seed, NULL, NULL, NULL, &out, NULL, &why) != 0)
		return true;
	return out.result.verdict != RUN_PASS;
}

/* Appends name to the comma-separated list in buf. */
static void list_add(char *buf, size_t len, const char *name)
{
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

/* Which of the profile's quirks defeat the reference on this seed. First
 * each quirk alone: ich with the profile's codec, BAR and rate floor and
 * that one quirk, run on the seed; the quirks with which it fails each
 * defeat the driver on their own ("alone: a, b"). When none does, the
 * failure needs several: the profile with each quirk alone taken out, the
 * quirks without which it passes ("together: a, b"). "" when neither
 * finds one. */
static void defeating_quirks(struct scenario_file *sf, const struct ac97_profile *p,
			     uint64_t seed, char *buf, size_t len)
{
	char alone[256] = "", together[256] = "";
	struct ac97_profile one = *p;
	for (unsigned q = 0; q < AC97_Q_COUNT; q++) {
		if (!ac97_profile_has(p, (enum ac97_quirk)q))
			continue;
		one.quirks = AC97_QUIRK(q);
		sf->sc.device.profile = &one;
		if (seed_fails(sf, seed))
			list_add(alone, sizeof(alone), ac97_quirks[q].name);
	}
	if (alone[0] == '\0') {
		struct ac97_profile without = *p;
		for (unsigned q = 0; q < AC97_Q_COUNT; q++) {
			if (!ac97_profile_has(p, (enum ac97_quirk)q))
				continue;
			without.quirks = p->quirks & ~AC97_QUIRK(q);
			sf->sc.device.profile = &without;
			if (!seed_fails(sf, seed))
				list_add(together, sizeof(together), ac97_quirks[q].name);
		}
	}
	sf->sc.device.profile = p;
	if (alone[0] != '\0')
		snprintf(buf, len, "alone: %s", alone);
	else if (together[0] != '\0')
		snprintf(buf, len, "together: %s", together);
	else
		buf[0] = '\0';
}

static void cell_text(const struct cell_result *c, char *buf, size_t len)
{
	if (c->failed > 0)
		snprintf(buf, len, "seed %llu: %s", (unsigned long long)c->first_failure, c->checker);
	else if (c->limited > 0)
		snprintf(buf, len, "limit (%llu of %llu)", (unsigned long long)c->limited,
			 (unsigned long long)c->runs);
	else
		snprintf(buf, len, "pass");
}

bool profile_table(const char *doc_path)
{
	static char names[SCENARIOS_MAX][NAME_MAX_BYTES];
	size_t n = list_catalogue(names);
	FILE *doc = fopen(doc_path, "w");
	if (doc == NULL) {
		fprintf(stderr, "ac97bench: %s: cannot write\n", doc_path);
		return false;
	}
	fprintf(doc,
		"Written by `make bench` (bench/profiles.c): the reference driver on each\n"
		"scenario of `fixtures/scenarios/` (the catalogue; `bugs/` left out), seeds 1..%u\n"
		"of explore's default portfolio on each profile, to the first failing seed.\n\n"
		"| scenario |",
		PROFILE_RUNS);
	for (size_t p = 0; p < ac97_profiles_count; p++)
		fprintf(doc, " %s |", ac97_profiles[p]->name);
	fprintf(doc, "\n|---|");
	for (size_t p = 0; p < ac97_profiles_count; p++)
		fprintf(doc, "---|");
	fprintf(doc, "\n");
	printf("profiles: the reference driver on the catalogue (%zu scenarios), seeds 1..%u each, "
	       "to the first failure\n",
	       n, PROFILE_RUNS);
	uint64_t passed[16] = { 0 }, runs[16] = { 0 };
	double seconds[16] = { 0 };
	bool ich_clean = true;
	for (size_t i = 0; i < n; i++) {
		char path[sizeof(CATALOGUE_DIR) + NAME_MAX_BYTES + 1], err[1200];
		snprintf(path, sizeof(path), CATALOGUE_DIR "/%.*s", (int)NAME_MAX_BYTES - 1, names[i]);
		struct scenario_file sf;
		if (scenario_file_load(path, &sf, err, sizeof(err)) != 0) {
			fprintf(stderr, "ac97bench: %s\n", err);
			exit(2);
		}
		fprintf(doc, "| `%s` |", names[i]);
		printf("  %-28s", names[i]);
		for (size_t p = 0; p < ac97_profiles_count && p < 16; p++) {
			sf.sc.device.profile = ac97_profiles[p];
			struct cell_result c;
			double t0 = wall_seconds();
			search(&sf, &c);
			seconds[p] += wall_seconds() - t0;
			runs[p] += c.runs;
			if (c.failed == 0 && c.limited == 0)
				passed[p]++;
			if (p == 0 && (c.failed > 0 || c.limited > 0))
				ich_clean = false;
			char text[64], needs[256] = "";
			cell_text(&c, text, sizeof(text));
			if (c.failed > 0 && p > 0)
				defeating_quirks(&sf, ac97_profiles[p], c.first_failure, needs,
						 sizeof(needs));
			fprintf(doc, " %s%s%s%s |", text, needs[0] ? " (" : "", needs,
				needs[0] ? ")" : "");
			printf(" %-34s", text);
			if (needs[0])
				printf("[%s] ", needs);
		}
		fprintf(doc, "\n");
		printf("\n");
		fflush(stdout);
		scenario_file_free(&sf);
	}
	fprintf(doc, "| passed |");
	printf("  %-28s", "passed");
	for (size_t p = 0; p < ac97_profiles_count && p < 16; p++) {
		fprintf(doc, " %llu of %zu |", (unsigned long long)passed[p], n);
		char text[64];
		snprintf(text, sizeof(text), "%llu of %zu (%.0f runs/s)", (unsigned long long)passed[p],
			 n, (double)runs[p] / (seconds[p] + 1e-9));
		printf(" %-34s", text);
	}
	fprintf(doc, "\n");
	printf("\n");
	if (fclose(doc) != 0)
		fprintf(stderr, "ac97bench: %s: write failed\n", doc_path);
	printf("profiles: table written to %s%s\n", doc_path,
	       ich_clean ? "" : " (the reference FAILED a scenario on ich)");
	return ich_clean;
}
