/*
 * The plot of a conservation failure (`--plot`, tools/plot_tap.c and
 * tools/plot.c): audio-conservation says where its first wrong sample
 * crossed and what was due, the picture is written as PNG or SVG, it
 * shows what came after the failure only when the run went on
 * (--continue), the same run draws the same bytes, and a run without
 * such a failure writes nothing.
 */
#include <cairo.h>
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prog.h"
#include "runs.h"
#include "strategies.h"

#define BUG "fixtures/scenarios/bugs/wdk81-revoke-resets-dma.ini"
#define BUG_ARGS "--seed", "1", "--strategy", "pct", "--depth", "1"

static char *tmpdir(void)
{
	static char dirs[4][64];
	static unsigned next;
	char *dir = dirs[next++ % 4];
	snprintf(dir, 64, "/tmp/ac97sim-plot-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

START_TEST(checker_names_the_miss)
{
	/* Goal: audio-conservation's failure leaves, for a plot, what its
	 * message says: the link tick, the sample got and the one wanted,
	 * and the stream sample that was due, which is the wanted value. */
	char err[1200];
	struct scenario_file sf;
	ck_assert_msg(scenario_file_load(BUG, &sf, err, sizeof(err)) == 0, "%s", err);
	struct calibration cal;
	const char *why = NULL;
	ck_assert_int_eq(calibrate(&sf, &cal, &why), 0);
	struct strategy st = strategy_for_seed(CHOICE_PCT, 1, 1, &cal);
	struct scenario_outcome out;
	ck_assert_int_eq(runs_one(&sf, &st, 1, NULL, NULL, NULL, &out, NULL, &why), 0);
	ck_assert_str_eq(out.result.checker, "audio-conservation");
	const struct audio_miss *m = &out.checks.first_miss;
	ck_assert(m->found && m->want_known && m->due_known);
	char want[128];
	snprintf(want, sizeof(want), "at link tick %" PRIu64 " ", m->link_tick);
	ck_assert_msg(strstr(out.result.message, want) != NULL, "%s", out.result.message);
	snprintf(want, sizeof(want), "channel %" PRIu32 ", expected byte %" PRIu32 " ", m->channel,
		 m->mapping_byte);
	ck_assert_msg(strstr(out.result.message, want) != NULL, "%s", out.result.message);
	snprintf(want, sizeof(want), "= 0x%04x, got 0x%04x", m->want, m->got);
	ck_assert_msg(strstr(out.result.message, want) != NULL, "%s", out.result.message);
	ck_assert_uint_eq((uint16_t)scenario_sample(&sf.sc, m->due_sample), m->want);
	ck_assert_uint_ne(m->got, m->want);
	/* A passing run finds nothing. */
	ck_assert_int_eq(scenario_set_driver(&sf.sc, "reference", err, sizeof(err)), 0);
	ck_assert_int_eq(runs_one(&sf, &st, 1, NULL, NULL, NULL, &out, NULL, &why), 0);
	ck_assert_int_eq(out.result.verdict, RUN_PASS);
	ck_assert(!out.checks.first_miss.found);
	scenario_file_free(&sf);
}
END_TEST

/* Dark pixels (the crossed curve's ink, not the grey of notes and grid)
 * in the rectangle [x0, x1) x [y0, y1) of a PNG. */
static unsigned dark_pixels(const char *png, int x0, int x1, int y0, int y1)
{
	cairo_surface_t *s = cairo_image_surface_create_from_png(png);
	ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	ck_assert_int_eq(cairo_image_surface_get_width(s), 1200);
	const unsigned char *data = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	unsigned n = 0;
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++) {
			const unsigned char *p = data + y * stride + 4 * x;	/* B G R x */
			n += p[0] < 60 && p[1] < 60 && p[2] < 60;
		}
	cairo_surface_destroy(s);
	return n;
}

START_TEST(plot_written_and_continued)
{
	/* Goal: run --plot draws a PNG of the failure and says so; the run
	 * stopped at the failure, so right of the moment (the last 4 ms of
	 * the left channel's panel) there is no curve, while replay
	 * --continue --plot of its trace draws one there; the same replay
	 * draws the same bytes twice; an .svg name gives SVG. */
	char *dir = tmpdir();
	char a[128], b[128], c[128], svg[128], trace[128], cmd[512];
	snprintf(a, sizeof(a), "%s/a.png", dir);
	snprintf(b, sizeof(b), "%s/b.png", dir);
	snprintf(c, sizeof(c), "%s/c.png", dir);
	snprintf(svg, sizeof(svg), "%s/a.svg", dir);
	snprintf(trace, sizeof(trace), "%s/r.trace", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", BUG, BUG_ARGS, "--plot", a, "--trace-out", trace,
					    NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "exit %d\n%s%s", r.status, r.out, r.err);
	char said[160];
	snprintf(said, sizeof(said), "plot: %s (the first wrong sample", a);
	ck_assert_msg(strstr(r.out, said) != NULL, "%s", r.out);
	/* The left panel spans y 106..336 and x 90..1170 for -5..+5 ms. */
	unsigned stopped = dark_pixels(a, 750, 1160, 110, 330);
	prog_run(&r, (const char *const[]){ "replay", trace, "--continue", "--plot", b, NULL }, NULL);
	ck_assert_msg(r.status == 1, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "continue: played to the end of the stream"));
	unsigned continued = dark_pixels(b, 750, 1160, 110, 330);
	ck_assert_msg(stopped < 20 && continued > 500, "dark pixels after the moment: %u stopped, "
		      "%u continued", stopped, continued);
	/* Before the moment both show the same run (the vertical scale may
	 * differ by what came after: the ink nearly the same). */
	unsigned before_a = dark_pixels(a, 95, 500, 110, 330), before_b = dark_pixels(b, 95, 500, 110, 330);
	ck_assert_msg(before_a > 2000 && before_b * 20 > before_a * 19 && before_a * 20 > before_b * 19,
		      "before the moment: %u and %u dark pixels", before_a, before_b);
	prog_run(&r, (const char *const[]){ "replay", trace, "--continue", "--plot", c, NULL }, NULL);
	ck_assert_int_eq(r.status, 1);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", b, c);
	ck_assert_msg(system(cmd) == 0, "the same replay drew different pictures");
	prog_run(&r, (const char *const[]){ "replay", trace, "--plot", svg, NULL }, NULL);
	ck_assert_int_eq(r.status, 1);
	FILE *f = fopen(svg, "r");
	ck_assert_ptr_nonnull(f);
	char head[256] = "";
	ck_assert_uint_gt(fread(head, 1, sizeof(head) - 1, f), 100);
	fclose(f);
	ck_assert_msg(strncmp(head, "<?xml", 5) == 0 && strstr(head, "<svg") != NULL, "%s", head);
}
END_TEST

START_TEST(nothing_to_plot)
{
	/* Goal: --plot on a run without a wrong sample on the link says so,
	 * keeps the run's exit status and writes nothing: a run that passes
	 * (0), and one that fails by another rule (1: a lock held across
	 * GetMapping); an unwritable plot is refused before the run (2). */
	char *dir = tmpdir();
	char path[160];
	snprintf(path, sizeof(path), "%s/p.png", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/short-2.ini", "--plot", path,
					    NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "nothing drawn"));
	ck_assert(!exists(path));
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/bugs/ddk1999-lock-held.ini",
					    "--seed", "1", "--strategy", "pct", "--depth", "1",
					    "--plot", path, NULL },
		 NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "not a wrong sample on the AC-link"));
	ck_assert(!exists(path));
	snprintf(path, sizeof(path), "%s/none/p.png", dir);
	prog_run(&r, (const char *const[]){ "run", BUG, BUG_ARGS, "--plot", path, NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, path));
	ck_assert_ptr_null(strstr(r.out, "verdict"));
}
END_TEST

Suite *suite_plot(void);

Suite *suite_plot(void)
{
	Suite *s = suite_create("tools/plot");
	TCase *tc = tcase_create("plot");
	tcase_add_test(tc, checker_names_the_miss);
	tcase_add_test(tc, plot_written_and_continued);
	tcase_add_test(tc, nothing_to_plot);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
