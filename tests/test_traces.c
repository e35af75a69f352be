/*
 * The regression corpus: every recorded run of fixtures/traces/corpus.txt
 * replays exactly, through the program as a user would run it. A changed
 * run fails and names the first event that differs from the recorded
 * event log (NAME.events), with both lines. `make update-traces` records
 * the corpus again when a change is meant.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"

#define TRACES "fixtures/traces"

/* First line where two files differ: 0 when they are the same. */
static long first_difference(const char *a_path, const char *b_path, char *a_line, char *b_line,
			     size_t len)
{
	FILE *a = fopen(a_path, "r"), *b = fopen(b_path, "r");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	long line = 0, diff = 0;
	for (;;) {
		line++;
		char *ra = fgets(a_line, (int)len, a), *rb = fgets(b_line, (int)len, b);
		if (ra == NULL && rb == NULL)
			break;
		if (ra == NULL || rb == NULL || strcmp(a_line, b_line) != 0) {
			if (ra == NULL)
				snprintf(a_line, len, "(end of file)\n");
			if (rb == NULL)
				snprintf(b_line, len, "(end of file)\n");
			diff = line;
			break;
		}
	}
	fclose(a);
	fclose(b);
	return diff;
}

START_TEST(corpus_replays_exactly)
{
	/* Goal: each trace of the corpus replays to its recorded verdict,
	 * steps and event-log hash; a difference names its first event. */
	FILE *corpus = fopen(TRACES "/corpus.txt", "r");
	ck_assert_ptr_nonnull(corpus);
	char line[512];
	int replayed = 0;
	char log[] = "/tmp/ac97sim-replay-XXXXXX";
	int fd = mkstemp(log);
	ck_assert_int_ge(fd, 0);
	close(fd);
	while (fgets(line, sizeof(line), corpus) != NULL) {
		char name[128];
		if (line[0] == '#' || sscanf(line, "%127s", name) != 1)
			continue;
		char trace[256], events[256];
		snprintf(trace, sizeof(trace), TRACES "/%s.trace", name);
		snprintf(events, sizeof(events), TRACES "/%s.events", name);
		static struct prog_result r;
		prog_run(&r, (const char *const[]){ "replay", trace, "--log", log, NULL }, NULL);
		if (strstr(r.out, "replay: exact") == NULL) {
			static char want[4096], got[4096];
			long at = first_difference(events, log, want, got, sizeof(want));
			ck_abort_msg("%s: the run changed (exit %d).\n%s%s"
				     "first differing event, line %ld:\n  recorded: %s  replayed: %s"
				     "(make update-traces records the corpus again if this is meant)",
				     trace, r.status, r.out, r.err, at, want, got);
		}
		ck_assert_msg(r.status == 0 || r.status == 1, "%s: exit %d\n%s", trace, r.status,
			      r.err);
		replayed++;
	}
	fclose(corpus);
	unlink(log);
	ck_assert_int_ge(replayed, 8);
}
END_TEST

START_TEST(a_changed_run_is_caught_at_its_first_event)
{
	/* Goal: replaying a recorded trace against an edited scenario (one
	 * more CPU-visible difference: a longer stream) is not exact, and the
	 * comparison of event logs finds the first differing line. */
	char dir[] = "/tmp/ac97sim-corpus-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char scen[128], log[128];
	snprintf(scen, sizeof(scen), "%s/edited.ini", dir);
	FILE *f = fopen(scen, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[scenario]\nname = plain/0\n[stream]\ntotal_bytes = 20 pages\n", f);
	fclose(f);
	snprintf(log, sizeof(log), "%s/replayed.events", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "replay", TRACES "/plain.trace", "--scenario", scen,
					    "--log", log, NULL },
		 NULL);
	ck_assert_int_eq(r.status, 4);	/* diverged */
	ck_assert_ptr_null(strstr(r.out, "replay: exact"));
	ck_assert_msg(strstr(r.out, "is not the scenario recorded") != NULL, "%s", r.out);
	static char want[4096], got[4096];
	long at = first_difference(TRACES "/plain.events", log, want, got, sizeof(want));
	ck_assert_int_gt(at, 0);
	ck_assert_str_ne(want, got);
	unlink(log);
	unlink(scen);
	rmdir(dir);
}
END_TEST

Suite *suite_traces(void);
Suite *suite_traces(void)
{
	Suite *s = suite_create("fixtures/traces");
	TCase *tc = tcase_create("corpus");
	tcase_add_test(tc, corpus_replays_exactly);
	tcase_add_test(tc, a_changed_run_is_caught_at_its_first_event);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
