/*
 * Driver plug-ins (harness/plugin.c, harness/drivers.c) and what the
 * program guarantees about them, with the plug-ins of tests/plugins/
 * that go wrong on purpose: a load refused with its reason (another ABI,
 * no description, a bad name, no file), the SDK's every call exported,
 * static data put back before each run, a crash or an exit reported as a
 * failure of its run (explore goes on with a fresh worker), and traces
 * that name the driver's build.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers.h"
#include "plugin.h"
#include "prog.h"
#include "scenario.h"

#ifndef TEST_PLUGIN_DIR
#error "the Makefile says where the test plug-ins are"
#endif
#define PLUGIN(name) TEST_PLUGIN_DIR "/" name ".so"
#define SCENARIO "fixtures/scenarios/plain-0.ini"

static char *tmpdir(void)
{
	static char dirs[4][64];
	static unsigned next;
	char *dir = dirs[next++ % 4];
	snprintf(dir, 64, "/tmp/ac97sim-plug-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static const char *read_file(const char *path)
{
	static char text[1 << 16];
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* The line of text that starts with prefix, without its end. */
static const char *line_of(const char *text, const char *prefix, char *buf, size_t len)
{
	const char *at = strstr(text, prefix);
	ck_assert_msg(at != NULL, "no '%s' in:\n%s", prefix, text);
	snprintf(buf, len, "%.*s", (int)strcspn(at, "\n"), at);
	return buf;
}

START_TEST(loads_are_refused_with_their_reason)
{
	/* Goal: a plug-in built for another ABI, one without a description,
	 * one with a bad name and a missing file are refused by name, before
	 * any of their code runs a stream; a good one loads with its name and
	 * the hash of its file, and a built-in is no plug-in. */
	static const struct {
		const char *path, *needle;
	} refused[] = {
		{ PLUGIN("other_abi"), "not an ac97sim driver for this version (no symbol "
				       "ac97sim_driver_abi_1; rebuild it against ac97sim-driver" },
		{ PLUGIN("no_symbol"), "no symbol ac97sim_driver_abi_1" },
		{ PLUGIN("bad_name"), "the driver's name is not 1 to 63 printable characters" },
		{ TEST_PLUGIN_DIR "/missing.so", "No such file or directory" },
		{ "no-slash-and-no-such.so", "No such file or directory" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct driver_ref d;
		char err[512] = "";
		ck_assert_int_eq(driver_resolve(refused[i].path, &d, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, refused[i].needle) != NULL, "%s: %s", refused[i].path, err);
		ck_assert_ptr_null(d.ops);
	}
	struct driver_ref d;
	char err[512] = "";
	ck_assert_msg(driver_resolve(PLUGIN("none"), &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(d.ops->name, "faulty");
	ck_assert_ptr_nonnull(d.plugin);
	ck_assert_uint_ne(d.binary_hash, 0);
	driver_release(&d);
	ck_assert_int_eq(driver_resolve("reference", &d, err, sizeof(err)), 0);
	ck_assert_ptr_null(d.plugin);
	ck_assert_uint_eq(d.binary_hash, 0);
	ck_assert(driver_is_path("./x") && driver_is_path("x.so") && !driver_is_path("reference"));
}
END_TEST

START_TEST(static_data_is_put_back_before_each_run)
{
	/* Goal: a plug-in whose stream_open works only while a global is 0
	 * (and counts it up) starts in every run of a process, with the same
	 * event-log hash each time: the loader puts its writable data back. */
	struct scenario sc;
	scenario_default(&sc);
	char err[512];
	ck_assert_msg(scenario_set_driver(&sc, PLUGIN("static"), err, sizeof(err)) == 0, "%s", err);
	uint64_t first = 0;
	for (int k = 0; k < 3; k++) {
		struct strategy st = { .kind = STRATEGY_RANDOM };
		struct scenario_outcome out;
		const char *why = NULL;
		ck_assert_int_eq(scenario_run(&sc, &st, 5, NULL, NULL, NULL, &out, NULL, &why), 0);
		ck_assert_msg(strcmp(out.result.checker, "setup") != 0, "run %d: %s", k,
			      out.result.message);
		if (k == 0)
			first = out.result.evlog_hash;
		ck_assert_uint_eq(out.result.evlog_hash, first);
	}
	ck_assert_uint_gt(plugin_restore(sc.driver_ref.plugin), 0);	/* the run changed it */
	scenario_release(&sc);
}
END_TEST

START_TEST(a_crash_fails_its_run_and_explore_goes_on)
{
	/* Goal: a plug-in that crashes fails each run as "driver-crash" with
	 * where it crashed and the step; one that _exit()s the process takes
	 * down only explore's worker: every seed is reported, and the command
	 * to run it again is printed in place of a trace. */
	char *dir = tmpdir();
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", SCENARIO, "--driver", PLUGIN("crash"), NULL }, NULL);
	ck_assert_msg(r.status == 1, "%d\n%s%s", r.status, r.out, r.err);
	ck_assert_msg(strstr(r.out, "verdict: fail (driver-crash)") != NULL &&
			      strstr(r.out, "in crash.so+0x") != NULL && strstr(r.out, "(step ") != NULL,
		      "%s", r.out);
	prog_run(&r, (const char *const[]){ "explore", SCENARIO, "--driver", PLUGIN("exit"), "--runs", "5",
					    "--jobs", "2", "--keep-going", "--trace-dir", dir, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%d\n%s%s", r.status, r.out, r.err);
	ck_assert_msg(strstr(r.out, "5 runs: 0 passed, 5 failed") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, "5 run(s) took their worker process down") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, "run it again: ") != NULL && strstr(r.out, "--driver ") != NULL,
		      "%s", r.out);
	prog_run(&r, (const char *const[]){ "explore", SCENARIO, "--driver", PLUGIN("crash"), "--runs",
					    "4", "--jobs", "2", "--trace-dir", dir, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%d\n%s%s", r.status, r.out, r.err);
	ck_assert_msg(strstr(r.out, "first failure: seed 1") != NULL &&
			      strstr(r.out, "checker driver-crash") != NULL &&
			      strstr(r.out, "replay it: ") != NULL,
		      "%s", r.out);
}
END_TEST

START_TEST(traces_name_the_driver_build)
{
	/* Goal: a run of a plug-in records its name, binary hash and path
	 * (relative to the trace) in the trace; the replay finds it there and
	 * is exact; the same seed gives the same hash in explore's workers;
	 * replayed with another build of the driver, it says so. */
	char *dir = tmpdir();
	char trace[128], so[128], other[128], json1[128], json2[128];
	snprintf(trace, sizeof(trace), "%s/run.trace", dir);
	snprintf(so, sizeof(so), "%s/mine.so", dir);
	snprintf(other, sizeof(other), "%s/other-build.so", dir);
	snprintf(json1, sizeof(json1), "%s/j1.json", dir);
	snprintf(json2, sizeof(json2), "%s/j2.json", dir);
	static struct prog_result r;
	static char cmd[512];
	snprintf(cmd, sizeof(cmd), "cp %s %s && cp %s %s && printf x >> %s", PLUGIN("none"), so,
		 PLUGIN("none"), other, other);
	ck_assert_int_eq(system(cmd), 0);
	prog_run(&r, (const char *const[]){ "run", SCENARIO, "--driver", so, "--seed", "3",
					    "--trace-out", trace, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%d\n%s%s", r.status, r.out, r.err);	/* it never plays */
	char hash_line[128], line[256];
	line_of(r.out, "event-log hash: ", hash_line, sizeof(hash_line));
	const char *text = read_file(trace);
	ck_assert_msg(strstr(text, "\ndriver faulty ") != NULL && strstr(text, " mine.so\n") != NULL,
		      "%s", text);
	prog_run(&r, (const char *const[]){ "replay", trace, NULL }, NULL);
	ck_assert_msg(strstr(r.out, "replay: exact") != NULL, "%s%s", r.out, r.err);
	ck_assert_str_eq(line_of(r.out, "event-log hash: ", line, sizeof(line)), hash_line);
	ck_assert_ptr_null(strstr(r.out, "not the build recorded"));
	prog_run(&r, (const char *const[]){ "replay", trace, "--driver", other, NULL }, NULL);
	ck_assert_msg(strstr(r.out, "note: the driver is not the build recorded") != NULL, "%s%s",
		      r.out, r.err);
	/* The trace moves with its driver. */
	snprintf(cmd, sizeof(cmd), "mkdir %s/moved && mv %s %s %s/moved/", dir, trace, so, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(trace, sizeof(trace), "%s/moved/run.trace", dir);
	prog_run(&r, (const char *const[]){ "replay", trace, "--scenario", SCENARIO, NULL }, NULL);
	ck_assert_msg(strstr(r.out, "replay: exact") != NULL, "%s%s", r.out, r.err);
	/* One job or two: the same answers seed by seed. */
	snprintf(so, sizeof(so), "%s/moved/mine.so", dir);
	prog_run(&r, (const char *const[]){ "explore", SCENARIO, "--driver", so, "--runs", "6", "--jobs",
					    "1", "--keep-going", "--trace-dir", dir, "--json", json1,
					    NULL },
		 NULL);
	ck_assert_int_eq(r.status, 1);
	prog_run(&r, (const char *const[]){ "explore", SCENARIO, "--driver", so, "--runs", "6", "--jobs",
					    "2", "--keep-going", "--trace-dir", dir, "--json", json2,
					    NULL },
		 NULL);
	ck_assert_int_eq(r.status, 1);
	static char a[1 << 16];
	snprintf(a, sizeof(a), "%s", read_file(json1));
	const char *b = read_file(json2);
	ck_assert_str_eq(strstr(a, "\"failures\""), strstr(b, "\"failures\""));
}
END_TEST

START_TEST(sdk_version_is_the_release)
{
	/* Goal: the SDK's version macro (installed in driver.h) is the
	 * project's VERSION: one fact, checked rather than copied by hand. */
	char version[32] = "";
	FILE *f = fopen("VERSION", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(version, sizeof(version), f));
	fclose(f);
	version[strcspn(version, "\n")] = '\0';
	ck_assert_str_eq(AC97SIM_SDK_VERSION, version);
}
END_TEST

Suite *suite_plugins(void);
Suite *suite_plugins(void)
{
	Suite *s = suite_create("harness/plugins");
	TCase *tc = tcase_create("plugins");
	tcase_add_test(tc, loads_are_refused_with_their_reason);
	tcase_add_test(tc, static_data_is_put_back_before_each_run);
	tcase_add_test(tc, a_crash_fails_its_run_and_explore_goes_on);
	tcase_add_test(tc, traces_name_the_driver_build);
	tcase_add_test(tc, sdk_version_is_the_release);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
