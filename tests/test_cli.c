/*
 * The ac97sim program as a user meets it: run, replay and explore on the
 * bundled scenarios, the traces they write, the exit status of every
 * verdict, the options every command shares, and the message of every
 * malformed input.
 */
#include <check.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prog.h"

#define SCENARIOS "fixtures/scenarios"
/* A bug some schedules of PCT depth 3 hit and others miss (about a third). */
#define FLAKY_BUG SCENARIOS "/bugs/wdk81-single-entry-revoke.ini"

static char *tmpdir(void)
{
	static char dirs[8][64];
	static unsigned next;
	char *dir = dirs[next++ % 8];
	snprintf(dir, 64, "/tmp/ac97sim-cli-XXXXXX");
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

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void copy_file(const char *from, const char *to)
{
	write_file(to, read_file(from));
}

/* How many entries a folder holds (besides . and ..). */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
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
	ck_assert_ptr_nonnull(strstr(a.out, "event-log hash: 0x"));
	prog_run(&b, args, NULL);
	ck_assert_str_eq(a.out, b.out);
}
END_TEST

START_TEST(run_trace_replays_exactly_from_anywhere)
{
	/* Goal: `run --trace-out` writes a trace that `replay` reproduces
	 * exactly, from another folder too; moved with its scenario (under
	 * another name) it still finds it by its hash; alone, replay says to
	 * give --scenario and exits 2. */
	char *dir = tmpdir(), *moved = tmpdir(), *alone = tmpdir();
	char trace[128], cmd[512];
	snprintf(trace, sizeof(trace), "%s/plain.trace", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--seed", "3",
					    "--strategy", "pct", "--trace-out", trace, NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	snprintf(cmd, sizeof(cmd), "replay with: %s replay %s", prog_path(), trace);
	ck_assert_msg(strstr(r.out, cmd) != NULL, "%s", r.out);
	prog_run_in(&r, "/", (const char *const[]){ "replay", trace, NULL }, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));

	char t2[128], s2[128];
	snprintf(t2, sizeof(t2), "%s/t.trace", moved);
	snprintf(s2, sizeof(s2), "%s/renamed.ini", moved);
	copy_file(trace, t2);
	copy_file(SCENARIOS "/plain-0.ini", s2);
	prog_run_in(&r, "/", (const char *const[]){ "replay", t2, NULL }, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));

	/* Deeper than the trace's first folder, so that its relative name
	 * leads nowhere, and run from there. */
	char deep[160], t3[200];
	snprintf(deep, sizeof(deep), "%s/a", alone);
	ck_assert_int_eq(mkdir(deep, 0700), 0);
	snprintf(deep, sizeof(deep), "%s/a/b", alone);
	ck_assert_int_eq(mkdir(deep, 0700), 0);
	snprintf(t3, sizeof(t3), "%s/t.trace", deep);
	copy_file(trace, t3);
	prog_run_in(&r, deep, (const char *const[]){ "replay", "t.trace", NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "--scenario FILE") != NULL, "%s", r.err);
}
END_TEST

START_TEST(explore_finds_replays_and_hears_a_bug)
{
	/* Goal: `explore` of a scenario with a buggy driver variant fails
	 * (exit 1), names the checker, writes a trace and prints the command
	 * that replays it (with the program as it was run); that command
	 * reproduces the failure exactly, and `replay --out` writes what it
	 * sounded like. */
	char *dir = tmpdir();
	char scen[128], json[128], wav[128], want[300];
	snprintf(scen, sizeof(scen), "%s/lockheld.ini", dir);
	write_file(scen, "[scenario]\nname = lock-held\ndriver = ddk1999-lock-held\n"
			 "[stream]\ntotal_bytes = 32768\n");
	snprintf(json, sizeof(json), "%s/result.json", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "explore", scen, "--runs", "40", "--jobs", "2",
					    "--trace-dir", dir, "--json", json, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "lock-across-port-call"));
	snprintf(want, sizeof(want), "replay it: %s replay ", prog_path());
	const char *cmd = strstr(r.out, want);
	ck_assert_msg(cmd != NULL, "%s", r.out);
	char trace[256];
	ck_assert_int_eq(sscanf(cmd + strlen(want), "%255s", trace), 1);
	snprintf(wav, sizeof(wav), "%s/heard.wav", dir);
	prog_run(&r, (const char *const[]){ "replay", trace, "--out", wav, NULL }, NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));
	ck_assert_ptr_nonnull(strstr(r.out, "lock-across-port-call"));
	ck_assert_int_eq(access(wav, R_OK), 0);
	const char *jtext = read_file(json);
	ck_assert_msg(strstr(jtext, "\"checker\": \"lock-across-port-call\"") != NULL, "%s", jtext);
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

/* The failing seeds of an explore's JSON, as a sorted list in text. */
static void failing_seeds(const char *json_path, char *out, size_t len)
{
	const char *text = read_file(json_path);
	out[0] = '\0';
	size_t at = 0;
	const char *f = strstr(text, "\"failures\"");
	ck_assert_ptr_nonnull(f);
	const char *end = strchr(f, ']');
	ck_assert_ptr_nonnull(end);
	for (const char *p = f; (p = strstr(p, "\"seed\": ")) != NULL && p < end; p++) {
		unsigned long long s = strtoull(p + 8, NULL, 10);
		at += (size_t)snprintf(out + at, len - at, "%llu ", s);
	}
}

START_TEST(sharded_search_finds_the_same_failing_seeds)
{
	/* Goal: a seed names a schedule: one search over seeds 1..120 and the
	 * same search split into three ranges (with other job counts) report
	 * the same failing seeds; explore's lowest failing seed, run again
	 * with `run --seed N --strategy pct --depth D`, is the same run (same
	 * result line in the trace). */
	char *dir = tmpdir();
	char json[4][128], whole[2048] = "", parts[2048] = "", part[2048];
	for (int i = 0; i < 4; i++)
		snprintf(json[i], sizeof(json[i]), "%s/r%d.json", dir, i);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--strategy", "pct", "--depth",
					    "3", "--runs", "120", "--jobs", "2", "--keep-going",
					    "--trace-dir", dir, "--json", json[0], NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	failing_seeds(json[0], whole, sizeof(whole));
	static const char *const ranges[3][3] = { { "1", "40", "1" }, { "41", "40", "3" },
						  { "81", "40", "2" } };
	for (int i = 0; i < 3; i++) {
		prog_run(&r, (const char *const[]){ "explore", FLAKY_BUG, "--strategy", "pct", "--depth",
						    "3", "--seed", ranges[i][0], "--runs", ranges[i][1],
						    "--jobs", ranges[i][2], "--keep-going", "--trace-dir",
						    dir, "--json", json[i + 1], NULL },
			 NULL);
		ck_assert_msg(r.status == 0 || r.status == 1, "%s%s", r.out, r.err);
		failing_seeds(json[i + 1], part, sizeof(part));
		strcat(parts, part);
	}
	ck_assert_msg(whole[0] != '\0', "the scenario should fail for some of 120 seeds");
	ck_assert_str_eq(whole, parts);

	/* The lowest failing seed, again with `run`. */
	unsigned long long seed = strtoull(whole, NULL, 10);
	char seed_text[32], explored[256], ran[128];
	snprintf(seed_text, sizeof(seed_text), "%llu", seed);
	snprintf(explored, sizeof(explored), "%s/wdk81-single-entry-revoke-seed%llu.trace", dir, seed);
	snprintf(ran, sizeof(ran), "%s/ran.trace", dir);
	prog_run(&r, (const char *const[]){ "run", FLAKY_BUG, "--seed", seed_text, "--strategy",
					    "pct", "--depth", "3", "--trace-out", ran, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	char a_result[256], b_result[256];
	const char *ra = strstr(read_file(explored), "\nresult ");
	ck_assert_ptr_nonnull(ra);
	snprintf(a_result, sizeof(a_result), "%.*s", (int)strcspn(ra + 1, "\n"), ra + 1);
	const char *rb = strstr(read_file(ran), "\nresult ");
	ck_assert_ptr_nonnull(rb);
	snprintf(b_result, sizeof(b_result), "%.*s", (int)strcspn(rb + 1, "\n"), rb + 1);
	ck_assert_str_eq(a_result, b_result);
}
END_TEST

START_TEST(checkers_switched_off_are_recorded)
{
	/* Goal: --no-check switches checkers off by name (an unknown one is a
	 * usage error naming the checkers there are); the trace records which,
	 * and the replay switches off the same ones and is exact. */
	char *dir = tmpdir();
	char trace[128];
	snprintf(trace, sizeof(trace), "%s/nc.trace", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", FLAKY_BUG, "--no-check", "stall,nonsense", NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "'nonsense' is not a checker") != NULL &&
			      strstr(r.err, "audio-conservation") != NULL,
		      "%s", r.err);
	prog_run(&r, (const char *const[]){ "run", FLAKY_BUG, "--no-check", "teardown,stall",
					    "--trace-out", trace, NULL },
		 NULL);
	ck_assert_msg(r.status == 0 || r.status == 1, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(read_file(trace), "\ncheckers-off stall,teardown\n") != NULL, "%s",
		      read_file(trace));
	prog_run(&r, (const char *const[]){ "replay", trace, NULL }, NULL);
	ck_assert_msg(strstr(r.out, "replay: exact") != NULL, "%s%s", r.out, r.err);
	prog_run(&r, (const char *const[]){ "help", "checkers", NULL }, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "revoke-count") != NULL && strstr(r.out, "driver-crash") != NULL,
		      "%s", r.out);
	prog_run(&r, (const char *const[]){ "help", "drivers", NULL }, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "wdk81-two-producers") != NULL, "%s", r.out);
}
END_TEST

START_TEST(driver_option_replaces_the_scenarios_driver)
{
	/* Goal: --driver replaces the scenario's driver without loading it: a
	 * scenario naming a plug-in that is not there runs with --driver
	 * (exit 0), and fails without it (exit 2, FILE:LINE). */
	static struct prog_result r;
	char path[128];
	snprintf(path, sizeof(path), "%s/s.ini", tmpdir());
	write_file(path, "[scenario]\ndriver = ./not-built.so\n[stream]\ntotal_bytes = 4 pages\n");
	const char *const with[] = { "run", path, "--driver", "reference", NULL };
	prog_run(&r, with, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "driver reference)"));
	const char *const explore[] = { "explore", path, "--driver", "reference", "--runs", "4",
					"--quiet", NULL };
	prog_run(&r, explore, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	const char *const without[] = { "run", path, NULL };
	prog_run(&r, without, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "s.ini:2: driver: ") != NULL && strstr(r.err, "not-built.so") != NULL,
		      "%s", r.err);
}
END_TEST

START_TEST(a_run_cut_by_its_limit_is_not_a_pass)
{
	/* Goal: a run stopped by its step limit has verdict limit and exit 3;
	 * explore counts such runs apart (summary and JSON) and exits 3, not 0. */
	char *dir = tmpdir();
	char scen[128], json[128];
	snprintf(scen, sizeof(scen), "%s/short.ini", dir);
	write_file(scen, "[scenario]\nname = cut\nmax_steps = 300\n");
	snprintf(json, sizeof(json), "%s/r.json", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", scen, NULL }, NULL);
	ck_assert_msg(r.status == 3, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "verdict: limit"));
	prog_run(&r, (const char *const[]){ "explore", scen, "--runs", "8", "--json", json, NULL },
		 NULL);
	ck_assert_msg(r.status == 3, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.out, "0 passed, 0 failed, 8 cut by a limit") != NULL, "%s", r.out);
	ck_assert_ptr_nonnull(strstr(read_file(json), "\"limit\": 8"));
}
END_TEST

START_TEST(a_diverged_replay_has_its_own_exit_status)
{
	/* Goal: a trace whose recorded choices were edited replays to
	 * 'diverged' with exit 4, distinct from a reproduced failure (1). */
	char *dir = tmpdir();
	char trace[128], edited[128];
	snprintf(trace, sizeof(trace), "%s/t.trace", dir);
	snprintf(edited, sizeof(edited), "%s/edited.trace", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--seed", "5",
					    "--trace-out", trace, NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	/* Flip the choice of the first decision that had two options. */
	char *text = read_file(trace);
	char *d = strstr(text, " schedule 2 ");
	ck_assert_ptr_nonnull(d);
	char *choice = d + strlen(" schedule 2 ");
	*choice = *choice == '0' ? '1' : '0';
	write_file(edited, text);
	prog_run(&r, (const char *const[]){ "replay", edited, "--scenario",
					    SCENARIOS "/plain-0.ini", NULL },
		 NULL);
	ck_assert_msg(r.status == 4, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "diverged"));
}
END_TEST

START_TEST(outputs_are_whole_or_absent)
{
	/* Goal: every output (log, trace, JSON, WAV) to a full device or into
	 * a missing folder gives exit 2 with "ac97sim: PATH: reason" and
	 * leaves nothing behind; a missing folder is found before the run. */
	char *dir = tmpdir();
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/no/such/out", dir);
	static const char *const options[] = { "--log", "--trace-out", "--out" };
	static struct prog_result r;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		prog_run(&r, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", options[i],
						    "/dev/full", NULL },
			 NULL);
		ck_assert_msg(r.status == 2, "%s: %s%s", options[i], r.out, r.err);
		ck_assert_msg(strstr(r.err, "ac97sim: /dev/full: ") != NULL, "%s", r.err);
		prog_run(&r, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", options[i],
						    missing, NULL },
			 NULL);
		ck_assert_msg(r.status == 2, "%s: %s%s", options[i], r.out, r.err);
		ck_assert_msg(strstr(r.err, missing) != NULL, "%s", r.err);
		ck_assert_msg(strstr(r.out, "verdict") == NULL, "checked before the run: %s", r.out);
	}
	prog_run(&r, (const char *const[]){ "explore", SCENARIOS "/plain-0.ini", "--runs", "2",
					    "--json", "/dev/full", NULL },
		 NULL);
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	prog_run(&r, (const char *const[]){ "explore", SCENARIOS "/plain-0.ini", "--runs", "2",
					    "--json", missing, NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
	prog_run(&r, (const char *const[]){ "explore", SCENARIOS "/plain-0.ini", "--runs", "2",
					    "--trace-dir", missing, NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
	prog_run(&r, (const char *const[]){ "regs", "fixtures/regs/demo_tone.regs", "--wav",
					    "/dev/full", NULL },
		 NULL);
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, "ac97sim: /dev/full: ") != NULL, "%s", r.err);
	prog_run(&r, (const char *const[]){ "regs", "fixtures/regs/demo_tone.regs", "--wav", missing,
					    NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.out, "out frames") == NULL, "checked before the script: %s", r.out);
	ck_assert_int_eq(entries(dir), 0);

	/* A file that cannot grow past 4 KiB: the log's write fails part way,
	 * and neither the log nor a temporary file is left; an old file of
	 * that name keeps its content. */
	char log[160];
	snprintf(log, sizeof(log), "%s/events.log", dir);
	write_file(log, "old\n");
	prog_run_fsize(&r, 4096, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--log", log,
							NULL });
	ck_assert_msg(r.status == 2, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, log) != NULL, "%s", r.err);
	ck_assert_int_eq(entries(dir), 1);
	ck_assert_str_eq(read_file(log), "old\n");
}
END_TEST

START_TEST(options_take_one_form_everywhere)
{
	/* Goal: --opt=value and --opt value are the same; numbers are decimal
	 * or 0x-hex, never octal (010 is ten); a value that looks like an
	 * option is refused; an option that does nothing here says so. */
	static struct prog_result a, b;
	prog_run(&a, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--seed=10", NULL },
		 NULL);
	prog_run(&b, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--seed", "010", NULL },
		 NULL);
	ck_assert_int_eq(a.status, 0);
	ck_assert_str_eq(a.out, b.out);
	ck_assert_ptr_nonnull(strstr(a.out, "seed: 10 "));
	prog_run(&b, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "-s", "0xa", NULL },
		 NULL);
	ck_assert_str_eq(a.out, b.out);
	prog_run(&b, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--trace-out", "--seed",
					    "3", NULL },
		 NULL);
	ck_assert_int_eq(b.status, 2);
	ck_assert_msg(strstr(b.err, "looks like an option") != NULL, "%s", b.err);
	prog_run(&b, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--depth", "2", NULL },
		 NULL);
	ck_assert_int_eq(b.status, 0);
	ck_assert_msg(strstr(b.err, "--depth does nothing here") != NULL, "%s", b.err);
	prog_run(&b, (const char *const[]){ "run", SCENARIOS "/plain-0.ini", "--seed", "-1", NULL },
		 NULL);
	ck_assert_int_eq(b.status, 2);
	prog_run(&b, (const char *const[]){ "explore", SCENARIOS "/plain-0.ini", "--runs", "+5",
					    NULL },
		 NULL);
	ck_assert_int_eq(b.status, 2);
}
END_TEST

START_TEST(malformed_inputs_exit_2_with_file_line)
{
	/* Goal: a malformed scenario or trace, a missing file, a bad option:
	 * exit 2 and 'ac97sim: FILE:LINE: reason' (or 'ac97sim: reason'). */
	char *dir = tmpdir();
	char scen[128], trace[128], empty[128];
	snprintf(scen, sizeof(scen), "%s/bad.ini", dir);
	write_file(scen, "[scenario]\nname = x\nbogus_key = 1\n");
	snprintf(trace, sizeof(trace), "%s/bad.trace", dir);
	write_file(trace, "ac97sim-trace 5\nbuild x\nnot a header line\n");
	snprintf(empty, sizeof(empty), "%s/empty.ini", dir);
	write_file(empty, "; nothing but a comment\n");
	static struct prog_result r;
	char want[160];
	prog_run(&r, (const char *const[]){ "run", scen, NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	snprintf(want, sizeof(want), "ac97sim: %s:3: ", scen);
	ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
	prog_run(&r, (const char *const[]){ "run", empty, NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	snprintf(want, sizeof(want), "ac97sim: %s:1: ", empty);
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
	ck_assert_msg(strstr(r.err, "unknown option '--frobnicate'") != NULL, "%s", r.err);
	prog_run(&r, (const char *const[]){ "explore", SCENARIOS "/plain-0.ini", "--runs", "zero",
					    NULL },
		 NULL);
	ck_assert_int_eq(r.status, 2);
}
END_TEST

START_TEST(help_for_every_command)
{
	/* Goal: `help`, and `--help` on every command, exit 0 and describe the
	 * command; `help` prints the exit-status table. */
	static struct prog_result r;
	const char *cmds[] = { "run", "replay", "explore", "merge", "play", "capture", "regs", "version" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		prog_run(&r, (const char *const[]){ cmds[i], "--help", NULL }, NULL);
		ck_assert_int_eq(r.status, 0);
		char want[64];
		snprintf(want, sizeof(want), "usage: ac97sim %s", cmds[i]);
		ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
	}
	prog_run(&r, (const char *const[]){ "help", NULL }, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "explore"));
	ck_assert_ptr_nonnull(strstr(r.out, "Exit status"));
}
END_TEST

/* Goal: the README's exit-status table says what `ac97sim help` says, row
 * for row (the program's table is the source). */
START_TEST(readme_exit_status_table_matches_the_program)
{
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "help", NULL }, NULL);
	ck_assert_int_eq(r.status, 0);
	const char *readme = read_file("README.md");
	const char *help_table = strstr(r.out, "Exit status");
	ck_assert_ptr_nonnull(help_table);
	int rows = 0;
	for (const char *line = strchr(help_table, '\n'); line && line[1] == ' ';
	     line = strchr(line + 1, '\n')) {
		int status;
		char verdict[32], meaning[256];
		ck_assert_int_eq(sscanf(line + 1, " %d %31s %255[^\n]", &status, verdict, meaning), 3);
		char want[400];
		snprintf(want, sizeof(want), "| %d | %s | %s |", status, verdict, meaning);
		ck_assert_msg(strstr(readme, want) != NULL, "README.md lacks the row: %s", want);
		rows++;
	}
	ck_assert_int_ge(rows, 5);
}
END_TEST

Suite *suite_cli(void);
Suite *suite_cli(void)
{
	Suite *s = suite_create("tools/cli");
	TCase *tc = tcase_create("commands");
	tcase_add_test(tc, run_prints_verdict_and_hash);
	tcase_add_test(tc, run_trace_replays_exactly_from_anywhere);
	tcase_add_test(tc, explore_finds_replays_and_hears_a_bug);
	tcase_add_test(tc, explore_answer_does_not_depend_on_jobs);
	tcase_add_test(tc, sharded_search_finds_the_same_failing_seeds);
	tcase_add_test(tc, driver_option_replaces_the_scenarios_driver);
	tcase_add_test(tc, a_run_cut_by_its_limit_is_not_a_pass);
	tcase_add_test(tc, checkers_switched_off_are_recorded);
	tcase_add_test(tc, a_diverged_replay_has_its_own_exit_status);
	tcase_add_test(tc, outputs_are_whole_or_absent);
	tcase_add_test(tc, options_take_one_form_everywhere);
	tcase_add_test(tc, malformed_inputs_exit_2_with_file_line);
	tcase_add_test(tc, help_for_every_command);
	tcase_add_test(tc, readme_exit_status_table_matches_the_program);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
