/*
 * The ac97sim program as a user meets it: run, replay and explore on the
 * bundled scenarios, the traces they write, and the exit status and
 * FILE:LINE message of every malformed input.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"

#define SCENARIOS "fixtures/scenarios"

static char *tmpdir(void)
{
	static char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/ac97sim-cli-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(run_prints_verdict_and_hash)
{
	/* Goal: `run` on a bundled scenario passes (exit 0), prints the verdict
	 * and an event-log hash, and the same seed prints the same hash twice. */
	static struct prog_result a, b;
	const char *const args[] = { "run", SCENARIOS "/plain-0.ini", "--seed", "7", NULL };
	prog_run(&a, args, NULL);
	ck_assert_msg(a.status == 0, "%s%s", a.out, a.err);
	ck_assert_ptr_nonnull(strstr(a.out, "verdict: pass"));
	const char *h = strstr(a.out, "event-log hash: 0x");
	ck_assert_ptr_nonnull(h);
	prog_run(&b, args, NULL);
	ck_assert_str_eq(a.out, b.out);
}
END_TEST

START_TEST(run_trace_replays_exactly)
{
	/* Goal: `run --trace-out` writes a trace that `replay` reproduces
	 * exactly, and `run --trace` does the same. */
	char *dir = tmpdir();
	char trace[128], cmd_trace[160];
	snprintf(trace, sizeof(trace), "%s/plain.trace", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--seed", "3",
					    "--strategy", "pct", "--trace-out", trace, NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	snprintf(cmd_trace, sizeof(cmd_trace), "replay with: ac97sim replay %s", trace);
	ck_assert_ptr_nonnull(strstr(r.out, cmd_trace));
	prog_run(&r, (const char *const[]){ "replay", trace, NULL }, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));
	prog_run(&r, (const char *const[]){ "run", "--trace", trace, NULL }, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));
	unlink(trace);
	rmdir(dir);
}
END_TEST

START_TEST(explore_finds_replays_and_hears_a_bug)
{
	/* Goal: `explore` of a scenario with a buggy driver variant fails
	 * (exit 1), names the checker, writes a trace and prints the command
	 * that replays it; that command reproduces the failure exactly, and
	 * `replay --out` writes what it sounded like. */
	char *dir = tmpdir();
	char scen[128], text[512], json[128], wav[128];
	snprintf(scen, sizeof(scen), "%s/lockheld.ini", dir);
	snprintf(text, sizeof(text),
		 "[scenario]\nname = lock-held\ndriver = ddk1999-lock-held\n"
		 "[stream]\ntotal_bytes = 32768\n");
	write_file(scen, text);
	snprintf(json, sizeof(json), "%s/result.json", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "explore", scen, "--runs", "40", "--jobs", "2",
					    "--trace-dir", dir, "--json", json, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "lock-across-port-call"));
	const char *cmd = strstr(r.out, "replay it: ac97sim replay ");
	ck_assert_ptr_nonnull(cmd);
	char trace[256];
	ck_assert_int_eq(sscanf(cmd, "replay it: ac97sim replay %255s", trace), 1);
	snprintf(wav, sizeof(wav), "%s/heard.wav", dir);
	prog_run(&r, (const char *const[]){ "replay", trace, "--out", wav, NULL }, NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));
	ck_assert_ptr_nonnull(strstr(r.out, "lock-across-port-call"));
	ck_assert_int_eq(access(wav, R_OK), 0);
	FILE *j = fopen(json, "r");
	ck_assert_ptr_nonnull(j);
	char jtext[1024] = "";
	ck_assert_uint_gt(fread(jtext, 1, sizeof(jtext) - 1, j), 0);
	fclose(j);
	ck_assert_ptr_nonnull(strstr(jtext, "\"checker\": \"lock-across-port-call\""));
}
END_TEST

START_TEST(explore_answer_does_not_depend_on_jobs)
{
	/* Goal: the first failing seed explore reports is the same with 1 job
	 * and with 3 (the lowest failing seed of the range). */
	char *dir = tmpdir();
	char scen[128];
	snprintf(scen, sizeof(scen), "%s/short.ini", dir);
	write_file(scen, "[scenario]\nname = revoke-short\ndriver = reactos-revoke-short\n"
			 "[stream]\nirp_bytes = 8192\ntotal_bytes = 49152\n"
			 "[action.1]\nkind = cancel-irp\nat = 10ms\nirp = 1\n");
	static struct prog_result a, b;
	prog_run(&a, (const char *const[]){ "explore", scen, "--runs", "30", "--jobs", "1",
					    "--trace-dir", dir, NULL },
		 NULL);
	prog_run(&b, (const char *const[]){ "explore", scen, "--runs", "30", "--jobs", "3",
					    "--trace-dir", dir, NULL },
		 NULL);
	ck_assert_int_eq(a.status, 1);
	ck_assert_int_eq(b.status, 1);
	const char *fa = strstr(a.out, "first failure: seed ");
	const char *fb = strstr(b.out, "first failure: seed ");
	ck_assert_ptr_nonnull(fa);
	ck_assert_ptr_nonnull(fb);
	ck_assert_int_eq(strncmp(fa, fb, 30), 0);
}
END_TEST

START_TEST(malformed_inputs_exit_2_with_file_line)
{
	/* Goal: a malformed scenario or trace, a missing file, a bad option:
	 * exit 2 and 'ac97sim: FILE:LINE: reason' (or 'ac97sim: reason'). */
	char *dir = tmpdir();
	char scen[128], trace[128];
	snprintf(scen, sizeof(scen), "%s/bad.ini", dir);
	write_file(scen, "[scenario]\nname = x\nbogus_key = 1\n");
	snprintf(trace, sizeof(trace), "%s/bad.trace", dir);
	write_file(trace, "ac97sim-trace 1\nbuild x\nnot a header line\n");
	static struct prog_result r;
	char want[160];
	prog_run(&r, (const char *const[]){ "run", scen, NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	snprintf(want, sizeof(want), "ac97sim: %s:3: ", scen);
	ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
	prog_run(&r, (const char *const[]){ "replay", trace, NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	snprintf(want, sizeof(want), "ac97sim: %s:3: ", trace);
	ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
	prog_run(&r, (const char *const[]){ "explore", "/nonexistent/x.ini", NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "ac97sim: /nonexistent/x.ini"));
	prog_run(&r, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--frobnicate", NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "unknown option '--frobnicate'"));
	prog_run(&r, (const char *const[]){ "explore", SCENARIOS "/plain-0.ini", "--runs", "zero",
					    NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
}
END_TEST

START_TEST(help_for_every_command)
{
	/* Goal: `help`, and `--help` on run, replay and explore, exit 0 and
	 * describe the command. */
	static struct prog_result r;
	const char *cmds[] = { "run", "replay", "explore" };
	for (int i = 0; i < 3; i++) {
		prog_run(&r, (const char *const[]){ cmds[i], "--help", NULL }, NULL);
		ck_assert_int_eq(r.status, 0);
		char want[64];
		snprintf(want, sizeof(want), "usage: ac97sim %s", cmds[i]);
		ck_assert_ptr_nonnull(strstr(r.out, want));
	}
	prog_run(&r, (const char *const[]){ "help", NULL }, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "explore"));
}
END_TEST

Suite *suite_cli(void);
Suite *suite_cli(void)
{
	Suite *s = suite_create("tools/cli");
	TCase *tc = tcase_create("commands");
	tcase_add_test(tc, run_prints_verdict_and_hash);
	tcase_add_test(tc, run_trace_replays_exactly);
	tcase_add_test(tc, explore_finds_replays_and_hears_a_bug);
	tcase_add_test(tc, explore_answer_does_not_depend_on_jobs);
	tcase_add_test(tc, malformed_inputs_exit_2_with_file_line);
	tcase_add_test(tc, help_for_every_command);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
