/*
 * The native backend (docs/native-backend.md): the bundled scenarios pass
 * with the reference driver on host threads, a variant's bug is reported
 * with the checker name the deterministic search gives it, and run/explore
 * --backend native say what a native failure keeps.
 *
 * Every assertion is on a verdict, never on a duration. A native run's
 * timing is the host's, so a loaded machine can make the driver look slow
 * to the device (at scale X, a thread kept off a core for t is X*t of
 * audio): a scenario that fails on a timing check ("stall", "hang") is
 * run again at scale 1, where that takes X times longer off-core, before
 * the failure counts.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name_list.h"
#include "native_stress.h"
#include "prog.h"
#include "runs.h"

#define SCENARIOS "fixtures/scenarios"
#define BUGS "fixtures/scenarios/bugs"

static int one_stress(const struct scenario *sc, uint32_t scale, uint64_t iterations,
		      uint64_t seed, struct native_stress_result *r)
{
	struct native_stress_config cfg;
	native_stress_config_default(&cfg);
	cfg.native.time_scale = scale;
	cfg.iterations_max = iterations;
	cfg.seed = seed;
	const char *why = NULL;
	int st = native_stress_run(sc, &cfg, r, &why);
	ck_assert_msg(st == 0, "cannot set up: %s", why ? why : "?");
	return st;
}

static bool timing_check(const char *checker)
{
	return strcmp(checker, "stall") == 0 || strcmp(checker, "hang") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(reference_passes_every_bundled_scenario)
{
	/* Goal: every scenario in fixtures/scenarios (not bugs/) passes with
	 * the reference driver on the native backend: one iteration at 5x
	 * (a timing check's failure is tried again at 1x, see the top). */
	DIR *d = opendir(SCENARIOS);
	ck_assert_ptr_nonnull(d);
	char *names[256];
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL && n < 256;) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".ini") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	ck_assert_uint_ge(n, 40);
	for (size_t i = 0; i < n; i++) {
		char path[512], err[600];
		snprintf(path, sizeof(path), SCENARIOS "/%s", names[i]);
		struct scenario_file sf;
		ck_assert_msg(scenario_file_load(path, &sf, err, sizeof(err)) == 0, "%s", err);
		ck_assert_str_eq(sf.sc.driver_ref.ops->name, "reference");
		struct native_stress_result r;
		one_stress(&sf.sc, 5, 1, 1, &r);
		for (int retry = 0; retry < 2 && r.failed && timing_check(r.outcome.result.checker);
		     retry++)
			one_stress(&sf.sc, 1, 1, 1, &r);
		ck_assert_msg(!r.failed && r.passed == 1, "%s on the native backend: %s: %s", path,
			      r.outcome.result.checker, r.outcome.result.message);
		scenario_file_free(&sf);
		free(names[i]);
	}
}
END_TEST

static const struct {
	const char *variant;
	const char *checkers;	/* as test_variants.c lists them, '|' between */
} variants[] = {
	{ "ddk1999-lock-held", "lock-across-port-call" },
	{ "wdk81-revoke-unsuccessful", "revoke-failed" },
	{ "wdk81-revoke-resets-dma", "audio-conservation" },
	{ "reactos-slot-tags", "tag-reuse" },
	/* Its short revoke count shows first as DMA into a released page or
	 * the count, or, when the host runs the release before the DMA, as
	 * a release of a mapping the port counts revoked: the same bug. */
	{ "reactos-revoke-short", "dma-after-release|revoke-count|release-revoked" },
};

START_TEST(variant_failure_has_the_deterministic_checker_name)
{
	/* Goal: a historical variant whose bug shows on every schedule fails
	 * on the native backend within 20 iterations, named by a checker the
	 * deterministic search names it by (test_variants.c). */
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		char path[256], err[600];
		snprintf(path, sizeof(path), BUGS "/%s.ini", variants[i].variant);
		struct scenario_file sf;
		ck_assert_msg(scenario_file_load(path, &sf, err, sizeof(err)) == 0, "%s", err);
		struct native_stress_result r;
		one_stress(&sf.sc, 10, 20, 1, &r);
		ck_assert_msg(r.failed, "%s: no failure in %llu iterations", path,
			      (unsigned long long)r.iterations);
		ck_assert_msg(name_in_list(r.outcome.result.checker, variants[i].checkers),
			      "%s: caught by %s, want %s", path, r.outcome.result.checker,
			      variants[i].checkers);
		scenario_file_free(&sf);
	}
}
END_TEST

START_TEST(cli_reports_what_a_native_failure_keeps)
{
	/* Goal: run --backend native on a variant exits 1, names the checker,
	 * says the failure cannot be replayed and writes the failing
	 * iteration's event log where --log says. */
	char log[] = "/tmp/ac97sim-native-log-XXXXXX";
	int fd = mkstemp(log);
	ck_assert_int_ge(fd, 0);
	close(fd);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", BUGS "/ddk1999-lock-held.ini", "--backend",
					    "native", "--iterations", "5", "--log", log, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "verdict: fail (lock-across-port-call)"));
	ck_assert_ptr_nonnull(strstr(r.out, "cannot be replayed"));
	ck_assert_ptr_nonnull(strstr(r.out, "time scale 10x"));
	FILE *f = fopen(log, "r");
	ck_assert_ptr_nonnull(f);
	char line[512];
	bool failure_logged = false;
	while (fgets(line, sizeof(line), f) != NULL)
		failure_logged |= strstr(line, "lock-across-port-call") != NULL;
	fclose(f);
	unlink(log);
	ck_assert_msg(failure_logged, "the log ends with the failure");
}
END_TEST

START_TEST(cli_refuses_what_native_cannot_do)
{
	/* Goal: an unknown backend and a trace of a native run are usage
	 * errors (exit 2); the deterministic backend stays the default. */
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--backend", "fibers",
					    NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--backend is deterministic or native"));
	prog_run(&r, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--backend", "native",
					    "--trace-out", "/tmp/never.trace", NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot be replayed"));
	prog_run(&r, (const char *const[]){ "explore", SCENARIOS "/plain-0.ini", "--backend",
					    "native", "--runs", "2", "--scale", "0", NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
	prog_run(&r, (const char *const[]){ "explore", SCENARIOS "/plain-0.ini", "--backend",
					    "native", "--runs", "2", NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "backend: native"));
}
END_TEST

Suite *suite_native(void);
Suite *suite_native(void)
{
	Suite *s = suite_create("harness/native");
	TCase *tc = tcase_create("stress");
	tcase_add_test(tc, reference_passes_every_bundled_scenario);
	tcase_add_test(tc, variant_failure_has_the_deterministic_checker_name);
	tcase_add_test(tc, cli_reports_what_a_native_failure_keeps);
	tcase_add_test(tc, cli_refuses_what_native_cannot_do);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
