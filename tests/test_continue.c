/*
 * `--continue` (tools/continue_run.c): a failing run heard past its
 * failure. The continuation starts exactly as the recorded run (its WAV
 * begins with the recorded run's, sample for sample), goes on to the
 * stream's end, is the same every time, keeps the recorded verdict and
 * exit status, and says what it could not do: a run that did not fail, a
 * replay that is not exact, a failure the machine cannot go past.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_file.h"
#include "prog.h"

#define BUG "fixtures/scenarios/bugs/wdk81-revoke-resets-dma.ini"
#define BUG_ARGS "--seed", "1", "--strategy", "pct", "--depth", "1"
#define VOICE "fixtures/scenarios/bugs/wdk81-revoke-resets-dma-voice.ini"
#ifndef TEST_PLUGIN_DIR
#error "the Makefile says where the test plug-ins are"
#endif

static char *tmpdir(void)
{
	static char dirs[4][64];
	static unsigned next;
	char *dir = dirs[next++ % 4];
	snprintf(dir, 64, "/tmp/ac97sim-continue-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void read_wav(const char *path, struct audio_clip *clip)
{
	char err[512];
	ck_assert_msg(audio_clip_read(path, 2, clip, err, sizeof(err)) == 0, "%s", err);
}

/* Records a failing run of scenario with args as dir/NAME.trace. */
static void record(const char *dir, const char *scenario, const char *seed, const char *depth,
		   char *trace, size_t len)
{
	snprintf(trace, len, "%s/r.trace", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", scenario, "--seed", seed, "--strategy", "pct",
					    "--depth", depth, "--trace-out", trace, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s: exit %d\n%s", scenario, r.status, r.out);
}

START_TEST(continued_past_the_failure)
{
	/* Goal: replay --continue --out keeps the exact replay's report and
	 * exit status (1), says it replayed the recording and went on to the
	 * stream's end, and writes a WAV that begins with the whole of the
	 * recorded run's WAV, sample for sample, and goes on for at least ten
	 * times as long; a second time it writes the same file. */
	char *dir = tmpdir();
	char trace[128], stopped[128], on[128], again[128], cmd[512];
	record(dir, BUG, "1", "1", trace, sizeof(trace));
	snprintf(stopped, sizeof(stopped), "%s/stopped.wav", dir);
	snprintf(on, sizeof(on), "%s/on.wav", dir);
	snprintf(again, sizeof(again), "%s/again.wav", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "replay", trace, "--out", stopped, NULL }, NULL);
	ck_assert_int_eq(r.status, 1);
	prog_run(&r, (const char *const[]){ "replay", trace, "--continue", "--out", on, NULL }, NULL);
	ck_assert_msg(r.status == 1, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "verdict: fail (audio-conservation)"));
	ck_assert_ptr_nonnull(strstr(r.out, "replay: exact"));
	ck_assert_ptr_nonnull(strstr(r.out, "continue: checkers muted, the "));
	ck_assert_ptr_nonnull(strstr(r.out, " recorded decisions replayed, then pct depth=1 "));
	ck_assert_ptr_nonnull(strstr(r.out, "continue: played to the end of the stream"));
	struct audio_clip a, b;
	read_wav(stopped, &a);
	read_wav(on, &b);
	ck_assert_uint_gt(a.frames, 100);
	ck_assert_msg(b.frames >= 10 * a.frames, "%" PRIu64 " frames continued, %" PRIu64 " recorded",
		      b.frames, a.frames);
	ck_assert_int_eq(memcmp(a.samples, b.samples, a.frames * 2 * sizeof(int16_t)), 0);
	audio_clip_free(&a);
	audio_clip_free(&b);
	prog_run(&r, (const char *const[]){ "replay", trace, "--continue", "--out", again, NULL },
		 NULL);
	ck_assert_int_eq(r.status, 1);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", on, again);
	ck_assert_msg(system(cmd) == 0, "two continuations wrote different WAVs");
}
END_TEST

START_TEST(voice_heard_in_context)
{
	/* Goal: the tour's scenario (the bundled voice, an IRP cancelled in
	 * the middle of "center") fails under the driver that resets the
	 * engine, and its continuation plays the whole recording: seconds,
	 * not the milliseconds up to the failure. run --continue does the
	 * same from a seed. */
	char *dir = tmpdir();
	char trace[128], wav[128];
	record(dir, VOICE, "1", "2", trace, sizeof(trace));
	snprintf(wav, sizeof(wav), "%s/voice.wav", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "replay", trace, "--continue", "--out", wav, NULL }, NULL);
	ck_assert_msg(r.status == 1, "exit %d\n%s%s", r.status, r.out, r.err);
	struct audio_clip c;
	read_wav(wav, &c);
	ck_assert_msg(c.frames > 48000 * 13 / 10, "%" PRIu64 " frames", c.frames);	/* > 1.3 s */
	audio_clip_free(&c);
	prog_run(&r, (const char *const[]){ "run", VOICE, "--seed", "1", "--strategy", "pct",
					    "--depth", "2", "--continue", "--out", wav, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "continue: played to the end of the stream"));
	read_wav(wav, &c);
	ck_assert_uint_gt(c.frames, 48000 * 13 / 10);
	audio_clip_free(&c);
}
END_TEST

START_TEST(nothing_to_continue)
{
	/* Goal: --continue says why it does nothing and changes nothing: a
	 * run that passed (exit 0, its own WAV), a replay that diverged (exit
	 * 4: not continued), and a failure the machine cannot go past (a
	 * spin lock held across GetMapping: the continuation stops at the
	 * same failure, exit 1), or a driver that crashed (nothing more runs
	 * in that process). Without --out, --listen or --plot it notes that
	 * nothing is heard. */
	char *dir = tmpdir();
	char trace[128], wav[128];
	static struct prog_result r;
	snprintf(trace, sizeof(trace), "%s/pass.trace", dir);
	snprintf(wav, sizeof(wav), "%s/pass.wav", dir);
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/short-2.ini", "--trace-out",
					    trace, NULL },
		 NULL);
	ck_assert_int_eq(r.status, 0);
	prog_run(&r, (const char *const[]){ "replay", trace, "--continue", "--out", wav, NULL }, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "continue: the run did not fail: nothing to go on past"));
	ck_assert_int_eq(access(wav, F_OK), 0);
	/* Diverged: replayed against another scenario. */
	record(dir, BUG, "1", "1", trace, sizeof(trace));
	prog_run(&r, (const char *const[]){ "replay", trace, "--scenario",
					    "fixtures/scenarios/bugs/wdk81-single-entry-revoke.ini",
					    "--continue", "--out", wav, NULL },
		 NULL);
	ck_assert_msg(r.status == 4, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "continue: the replay is not exact: not continued"));
	/* The machine's rules cannot be muted. */
	record(dir, "fixtures/scenarios/bugs/ddk1999-lock-held.ini", "1", "1", trace, sizeof(trace));
	prog_run(&r, (const char *const[]){ "replay", trace, "--continue", "--out", wav, NULL }, NULL);
	ck_assert_msg(r.status == 1, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_msg(strstr(r.out, "continue: stopped at the same failure: lock-across-port-call "
				    "(kernel-rules) cannot be muted") != NULL,
		      "%s", r.out);
	prog_run(&r, (const char *const[]){ "replay", trace, "--continue", NULL }, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "--continue") != NULL && strstr(r.err, "nothing is heard") != NULL,
		      "%s", r.err);
	/* A driver that crashed is not run again in the same process. */
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/plain-0.ini", "--driver",
					    TEST_PLUGIN_DIR "/crash.so", "--continue", "--out", wav,
					    NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_msg(strstr(r.out, "continue: the driver crashed: the machine cannot go on past "
				    "it") != NULL,
		      "%s", r.out);
}
END_TEST

Suite *suite_continue(void);

Suite *suite_continue(void)
{
	Suite *s = suite_create("tools/continue");
	TCase *tc = tcase_create("continue");
	tcase_add_test(tc, continued_past_the_failure);
	tcase_add_test(tc, voice_heard_in_context);
	tcase_add_test(tc, nothing_to_continue);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
