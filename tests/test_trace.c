/*
 * Trace files (harness/trace.h): what trace_write produces trace_read gives
 * back field for field, and every malformed input is refused with -1 and
 * "FILE:LINE: reason", never half read.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide.h"
#include "trace.h"

#define MAGIC "ac97sim-trace 5\n"
#define BUILD "build 5a9c0e1f22b4\n"
#define SCENARIO "scenario 0123456789abcdef toy-counter\n" DRIVER CHECKERS_OFF	/* lines 3-5 */
#define DRIVER "driver mydriver 5be1e2a0c9d3f417 ../build/mydriver.so\n"
#define CHECKERS_OFF "checkers-off stall\n"
#define STRATEGY "strategy pct depth=3 steps=200\n"
#define SEED "seed 42\n"
#define CPUS "cpus 3\n"
#define HEADER MAGIC BUILD SCENARIO STRATEGY SEED CPUS	/* lines 1-8 */
#define D0 "d 0 schedule 3 1 1 68ae9202922d3c31\n"
#define D1 "d 1 timer-cpu 2 0 0 1f8e4d0aa47ffd43\n"
#define RESULT "result fail bugcheck 326 604048853ce460c7\n"
#define END "end\n"
#define GOOD HEADER D0 D1 RESULT END	/* the example of trace.h */

#define ERR_LEN 512

/* Reads len bytes of text as the file "t.trace". */
static int read_bytes(const char *text, size_t len, struct trace_header *h,
		      struct decision_log *log, char *err)
{
	FILE *in = fmemopen((void *)text, len, "r");
	ck_assert_ptr_nonnull(in);
	int rc = trace_read(in, "t.trace", h, log, err, ERR_LEN);
	fclose(in);
	return rc;
}

static int read_text(const char *text, struct trace_header *h, struct decision_log *log,
		     char *err)
{
	return read_bytes(text, strlen(text), h, log, err);
}

/* Asserts that text is refused with exactly want, leaving nothing behind. */
static void expect_bytes_error(const char *text, size_t len, const char *want)
{
	struct trace_header h;
	struct decision_log log = { 0 };
	char err[ERR_LEN] = "";
	int rc = read_bytes(text, len, &h, &log, err);
	ck_assert_msg(rc == -1, "accepted, wanted \"%s\"", want);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(log.count, 0);
	ck_assert_ptr_null(log.items);
	ck_assert_uint_eq(h.format, 0);
	ck_assert_uint_eq(h.seed, 0);
	ck_assert_str_eq(h.build_id, "");
}

static void expect_error(const char *text, const char *want)
{
	expect_bytes_error(text, strlen(text), want);
}

/* Asserts that text is accepted; returns the number of decisions. */
static size_t expect_ok(const char *text)
{
	struct trace_header h;
	struct decision_log log = { 0 };
	char err[ERR_LEN] = "";
	int rc = read_text(text, &h, &log, err);
	ck_assert_msg(rc == 0, "refused: %s", err);
	size_t n = log.count;
	decision_log_free(&log);
	return n;
}

static void example_header(struct trace_header *h)
{
	memset(h, 0, sizeof(*h));
	h->format = TRACE_FORMAT_VERSION;
	strcpy(h->build_id, "5a9c0e1f22b4");
	strcpy(h->scenario_name, "toy-counter");
	h->scenario_hash = 0x0123456789abcdefull;
	strcpy(h->driver_name, "mydriver");
	h->driver_binary_hash = 0x5be1e2a0c9d3f417ull;
	strcpy(h->driver_path, "../build/mydriver.so");
	strcpy(h->checkers_off, "stall");
	h->strategy = (struct strategy){ .kind = STRATEGY_PCT, .pct_depth = 3, .pct_steps = 200 };
	h->seed = 42;
	h->cpus = 3;
	strcpy(h->verdict, "fail");
	strcpy(h->checker, "bugcheck");
	h->steps = 326;
	h->evlog_hash = 0x604048853ce460c7ull;
}

static void assert_header_eq(const struct trace_header *a, const struct trace_header *b)
{
	ck_assert_uint_eq(a->format, b->format);
	ck_assert_str_eq(a->build_id, b->build_id);
	ck_assert_str_eq(a->scenario_name, b->scenario_name);
	ck_assert_uint_eq(a->scenario_hash, b->scenario_hash);
	ck_assert_str_eq(a->driver_name, b->driver_name);
	ck_assert_uint_eq(a->driver_binary_hash, b->driver_binary_hash);
	ck_assert_str_eq(a->driver_path, b->driver_path);
	ck_assert_str_eq(a->checkers_off, b->checkers_off);
	ck_assert_str_eq(a->profile, b->profile);
	ck_assert_int_eq(a->strategy.kind, b->strategy.kind);
	if (a->strategy.kind == STRATEGY_PCT) {
		ck_assert_uint_eq(a->strategy.pct_depth, b->strategy.pct_depth);
		ck_assert_uint_eq(a->strategy.pct_steps, b->strategy.pct_steps);
	}
	ck_assert_uint_eq(a->seed, b->seed);
	ck_assert_uint_eq(a->cpus, b->cpus);
	ck_assert_str_eq(a->verdict, b->verdict);
	ck_assert_str_eq(a->checker, b->checker);
	ck_assert_uint_eq(a->steps, b->steps);
	ck_assert_uint_eq(a->evlog_hash, b->evlog_hash);
}

static void assert_log_eq(const struct decision_log *a, const struct decision_log *b)
{
	ck_assert_uint_eq(a->count, b->count);
	for (size_t i = 0; i < a->count; i++) {
		ck_assert_uint_eq(a->items[i].step, b->items[i].step);
		ck_assert_int_eq(a->items[i].site, b->items[i].site);
		ck_assert_uint_eq(a->items[i].n_options, b->items[i].n_options);
		ck_assert_uint_eq(a->items[i].choice, b->items[i].choice);
		ck_assert_uint_eq(a->items[i].evlog_hash, b->items[i].evlog_hash);
	}
}

/* Writes h and log to memory; returns the text (free it) and its length. */
static char *write_text(const struct trace_header *h, const struct decision_log *log,
			size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(trace_write(out, h, log), 0);
	ck_assert_int_eq(fclose(out), 0);
	return buf;
}

/* Write, read back, compare. */
static void round_trip(const struct trace_header *h, const struct decision_log *log)
{
	size_t len = 0;
	char *text = write_text(h, log, &len);
	struct trace_header back;
	struct decision_log back_log = { 0 };
	char err[ERR_LEN] = "";
	int rc = read_bytes(text, len, &back, &back_log, err);
	ck_assert_msg(rc == 0, "refused its own output: %s", err);
	assert_header_eq(h, &back);
	assert_log_eq(log, &back_log);
	decision_log_free(&back_log);
	free(text);
}

/* A deterministic PRNG for test data (splitmix64). */
static uint64_t test_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void random_log(struct decision_log *log, size_t count, uint64_t seed)
{
	for (size_t i = 0; i < count; i++) {
		struct decision d = { .step = i };
		d.site = (enum decide_site)(1 + test_rand(&seed) % (SITE_COUNT - 1));
		d.n_options = (uint32_t)(1 + test_rand(&seed) % (i % 7 == 0 ? 1000000 : 9));
		d.choice = (uint32_t)(test_rand(&seed) % d.n_options);
		d.chosen = d.site == SITE_SCHEDULE ? (uint32_t)(test_rand(&seed) % 264) : d.choice;
		d.evlog_hash = test_rand(&seed);
		ck_assert_int_eq(decision_log_push(log, &d), 0);
	}
}

/* A directory under /tmp for file tests; removed by remove_dir. */
static void make_dir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/ac97sim-trace-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* ---- round trips -------------------------------------------------------------- */

START_TEST(write_matches_format)
{
	/* Goal: trace_write produces exactly the text trace.h documents. */
	struct trace_header h;
	example_header(&h);
	struct decision_log log = { 0 };
	struct decision d0 = { .step = 0, .site = SITE_SCHEDULE, .n_options = 3, .choice = 1, .chosen = 1, .evlog_hash = 0x68ae9202922d3c31ull };
	struct decision d1 = { .step = 1, .site = SITE_TIMER_CPU, .n_options = 2, .choice = 0, .chosen = 0, .evlog_hash = 0x1f8e4d0aa47ffd43ull };
	decision_log_push(&log, &d0);
	decision_log_push(&log, &d1);
	size_t len = 0;
	char *text = write_text(&h, &log, &len);
	ck_assert_str_eq(text, GOOD);
	ck_assert_uint_eq(len, strlen(GOOD));
	free(text);
	decision_log_free(&log);
}
END_TEST

START_TEST(read_example)
{
	/* Goal: the example of trace.h reads into the fields it names. */
	struct trace_header h, want;
	struct decision_log log = { 0 };
	char err[ERR_LEN] = "";
	ck_assert_int_eq(read_text(GOOD, &h, &log, err), 0);
	example_header(&want);
	assert_header_eq(&h, &want);
	ck_assert_uint_eq(log.count, 2);
	ck_assert_int_eq(log.items[1].site, SITE_TIMER_CPU);
	ck_assert_uint_eq(log.items[1].n_options, 2);
	ck_assert_uint_eq(log.items[1].evlog_hash, 0x1f8e4d0aa47ffd43ull);
	decision_log_free(&log);
}
END_TEST

START_TEST(round_trip_small)
{
	/* Goal: write then read gives the same header and decisions, for the
	 * random strategy, no checker, extreme numbers and no decisions. */
	struct trace_header h;
	example_header(&h);
	struct decision_log log = { 0 };
	round_trip(&h, &log);
	h.strategy = (struct strategy){ .kind = STRATEGY_RANDOM };
	h.checker[0] = '\0';
	strcpy(h.verdict, "pass");
	h.seed = UINT64_MAX;
	h.steps = UINT64_MAX;
	h.evlog_hash = 0;
	h.scenario_hash = UINT64_MAX;
	h.cpus = 8;
	random_log(&log, 50, 7);
	round_trip(&h, &log);
	h.strategy = (struct strategy){ .kind = STRATEGY_PCT, .pct_depth = 8, .pct_steps = UINT64_MAX };
	strcpy(h.verdict, "diverged");
	strcpy(h.checker, "replay");
	h.cpus = 1;
	memset(h.build_id, 'b', sizeof(h.build_id) - 1);
	memset(h.scenario_name, 's', sizeof(h.scenario_name) - 1);
	memset(h.checker, 'c', sizeof(h.checker) - 1);
	round_trip(&h, &log);
	decision_log_free(&log);
}
END_TEST

START_TEST(round_trip_profile)
{
	/* Goal: a profile other than ich is a `profile NAME` line after checkers-off, read back;
	 * ich writes none, and a trace without the line reads as ich (""). */
	struct trace_header h;
	example_header(&h);
	struct decision_log log = { 0 };
	strcpy(h.profile, "qemu");
	size_t len = 0;
	char *text = write_text(&h, &log, &len);
	ck_assert_ptr_nonnull(strstr(text, "checkers-off stall\nprofile qemu\nstrategy "));
	free(text);
	round_trip(&h, &log);
	h.profile[0] = '\0';
	text = write_text(&h, &log, &len);
	ck_assert_ptr_null(strstr(text, "profile"));
	free(text);
	round_trip(&h, &log);
	char err[ERR_LEN] = "";
	struct trace_header back;
	ck_assert_int_eq(read_text(GOOD, &back, &log, err), 0);
	ck_assert_str_eq(back.profile, "");
	decision_log_free(&log);
}
END_TEST

START_TEST(round_trip_100k)
{
	/* Goal: 100,000 decisions survive write and read unchanged. */
	struct trace_header h;
	example_header(&h);
	strcpy(h.verdict, "limit");
	struct decision_log log = { 0 };
	random_log(&log, 100000, 42);
	round_trip(&h, &log);
	decision_log_free(&log);
}
END_TEST

START_TEST(round_trip_file)
{
	/* Goal: trace_write_file and trace_read_file agree, and read errors
	 * name the path. */
	char dir[64], path[128], err[ERR_LEN] = "";
	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/run.trace", dir);
	struct trace_header h, back;
	example_header(&h);
	struct decision_log log = { 0 }, back_log = { 0 };
	random_log(&log, 1000, 3);
	ck_assert_int_eq(trace_write_file(path, &h, &log, err, sizeof(err)), 0);
	ck_assert_int_eq(trace_read_file(path, &back, &back_log, err, sizeof(err)), 0);
	assert_header_eq(&h, &back);
	assert_log_eq(&log, &back_log);
	decision_log_free(&back_log);
	decision_log_free(&log);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(write_refuses_invalid)
{
	/* Goal: trace_write refuses (EINVAL, nothing written) whatever
	 * trace_read would refuse, so its output always reads back. */
	struct trace_header good, h;
	example_header(&good);
	struct decision_log log = { 0 };
	random_log(&log, 3, 1);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(out);
#define REFUSED(change)                                                  \
	do {                                                             \
		h = good;                                                \
		change;                                                  \
		errno = 0;                                               \
		ck_assert_int_eq(trace_write(out, &h, &log), -1);        \
		ck_assert_int_eq(errno, EINVAL);                         \
	} while (0)
	REFUSED(h.cpus = 0);
	REFUSED(h.cpus = 9);
	REFUSED(h.format = 4);
	REFUSED(h.build_id[0] = '\0');
	REFUSED(strcpy(h.build_id, "a b"));
	REFUSED(strcpy(h.scenario_name, "tab\there"));
	REFUSED(memset(h.scenario_name, 'x', sizeof(h.scenario_name)));
	REFUSED(h.strategy.kind = STRATEGY_REPLAY);
	REFUSED(h.strategy.pct_depth = 0);
	REFUSED(h.strategy.pct_depth = PCT_DEPTH_MAX + 1);
	REFUSED(h.strategy.pct_steps = 0);
	REFUSED(strcpy(h.verdict, "maybe"));
	REFUSED(strcpy(h.checker, "-"));
	REFUSED(strcpy(h.checker, "two words"));
	REFUSED(log.items[1].step = 5);
	log.items[1].step = 1;
	REFUSED(log.items[1].site = (enum decide_site)0);
	REFUSED(log.items[1].site = SITE_COUNT);
	log.items[1].site = SITE_STALL;
	REFUSED(log.items[1].n_options = 0);
	REFUSED(log.items[1].n_options = 1000001);
	log.items[1].n_options = 4;
	REFUSED(log.items[1].choice = 4);
	log.items[1].choice = 3;
	REFUSED(log.items[1].chosen = 2);	/* a stall's chosen is its choice */
	log.items[1].chosen = 3;
#undef REFUSED
	ck_assert_int_eq(fflush(out), 0);
	ck_assert_uint_eq(len, 0);
	fclose(out);
	free(buf);
	char dir[64], path[128], err[ERR_LEN] = "";
	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/run.trace", dir);
	h = good;
	h.cpus = 0;
	ck_assert_int_eq(trace_write_file(path, &h, &log, err, sizeof(err)), -1);
	char want[ERR_LEN];
	snprintf(want, sizeof(want), "%s: not written: cpus 0 out of range (1..8)", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(rmdir(dir), 0);
	decision_log_free(&log);
}
END_TEST

START_TEST(accept_comments_blank_crlf)
{
	/* Goal: comments and blank lines anywhere (after end too), CR LF line
	 * ends, a missing final newline and upper-case hex are all accepted. */
	ck_assert_uint_eq(expect_ok("# a trace\n\n" HEADER "  \n#x\n" D0 "\t\n" D1 RESULT
				    "# done\n" END "\n# after\n\n"),
			  2);
	ck_assert_uint_eq(expect_ok("ac97sim-trace 5\r\nbuild b\r\nscenario 0123456789ABCDEF s\r\n"
				    "driver reference 0000000000000000 builtin\r\ncheckers-off -\r\n"
				    "strategy random\r\nseed 1\r\ncpus 2\r\n"
				    "d 0 stall 2 1 1 68AE9202922D3C31\r\n\r\n"
				    "result pass - 1 0000000000000000\r\nend\r\n"),
			  1);
	ck_assert_uint_eq(expect_ok(HEADER RESULT "end"), 0);
	ck_assert_uint_eq(expect_ok(HEADER "d 0 fault 1000000 999999 999999 ffffffffffffffff\n"
				    "d 00001 schedule 1 0 0 0000000000000000\n" RESULT END),
			  2);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------ */

START_TEST(reject_not_a_trace)
{
	/* Goal: a file that does not start with the magic line is not a trace. */
	expect_error("hello\n", "t.trace:1: not an ac97sim trace");
	expect_error("# only a comment\n\n", "t.trace:2: not an ac97sim trace");
	expect_error("\n\nbuild x\n", "t.trace:3: not an ac97sim trace");
	expect_error("d 0 schedule 3 1 1 68ae9202922d3c31\n", "t.trace:1: not an ac97sim trace");
	expect_error("ac97sim-trace\n", "t.trace:1: expected 'ac97sim-trace VERSION'");
	expect_error("ac97sim-trace 1 2\n", "t.trace:1: expected 'ac97sim-trace VERSION'");
	expect_error("AC97SIM-TRACE 1\n", "t.trace:1: not an ac97sim trace");
}
END_TEST

START_TEST(reject_format_version)
{
	/* Goal: another format version is refused by number. */
	expect_error("ac97sim-trace 4\n" BUILD, "t.trace:1: unsupported trace format 4 (this build reads 5)");
	expect_error("ac97sim-trace 0\n", "t.trace:1: unsupported trace format 0 (this build reads 5)");
	expect_error("ac97sim-trace 99999999999999999999\n",
		     "t.trace:1: unsupported trace format 99999999999999999999 (this build reads 5)");
	expect_error("ac97sim-trace one\n", "t.trace:1: bad trace format version 'one'");
	expect_error("ac97sim-trace -1\n", "t.trace:1: bad trace format version '-1'");
}
END_TEST

START_TEST(reject_out_of_order)
{
	/* Goal: decision steps run 0, 1, 2 ... with no gap or repeat. */
	expect_error(HEADER "d 1 schedule 3 1 1 68ae9202922d3c31\n",
		     "t.trace:9: decision step 1 out of order (expected 0)");
	expect_error(HEADER D0 D1 "d 5 stall 4 0 0 68ae9202922d3c31\n",
		     "t.trace:11: decision step 5 out of order (expected 2)");
	expect_error(HEADER D0 D0, "t.trace:10: decision step 0 out of order (expected 1)");
	expect_error(HEADER D0 RESULT D1 END, "t.trace:11: decision after the result line");
}
END_TEST

START_TEST(reject_decision_fields)
{
	/* Goal: a decision line has exactly seven fields, a known site, 1..10^6
	 * options, a choice below the option count and, but for a scheduling
	 * choice, the choice as what was chosen. */
	expect_error(HEADER "d 0 schedule 3 1\n",
		     "t.trace:9: expected 'd STEP SITE N CHOICE CHOSEN EVHASH'");
	expect_error(HEADER "d 0 schedule 3 1 1 68ae9202922d3c31 x\n",
		     "t.trace:9: expected 'd STEP SITE N CHOICE CHOSEN EVHASH'");
	expect_error(HEADER "d 0 sched 3 1 1 68ae9202922d3c31\n", "t.trace:9: unknown decision site 'sched'");
	expect_error(HEADER "d 0 ? 3 1 1 68ae9202922d3c31\n", "t.trace:9: unknown decision site '?'");
	expect_error(HEADER "d 0 1 3 1 1 68ae9202922d3c31\n", "t.trace:9: unknown decision site '1'");
	expect_error(HEADER "d 0 timer-cpu 2 1 0 68ae9202922d3c31\n",
		     "t.trace:9: chosen 0 is no option of a timer-cpu decision with choice 1");
	expect_error(HEADER "d 0 schedule 3 3 3 68ae9202922d3c31\n",
		     "t.trace:9: choice 3 out of range for 3 options");
	expect_error(HEADER "d 0 schedule 1 4294967296 4294967296 68ae9202922d3c31\n",
		     "t.trace:9: choice 4294967296 out of range for 1 options");
	expect_error(HEADER "d 0 schedule 0 0 0 68ae9202922d3c31\n",
		     "t.trace:9: option count 0 out of range (1..1000000)");
	expect_error(HEADER "d 0 schedule 1000001 0 0 68ae9202922d3c31\n",
		     "t.trace:9: option count 1000001 out of range (1..1000000)");
	expect_error(HEADER "d 0 schedule 4294967297 0 0 68ae9202922d3c31\n",
		     "t.trace:9: option count 4294967297 out of range (1..1000000)");
	expect_error(HEADER "d x schedule 3 1 1 68ae9202922d3c31\n",
		     "t.trace:9: bad decision step 'x' (a decimal number)");
	expect_error(HEADER "d 0 schedule 3 -1 1 68ae9202922d3c31\n",
		     "t.trace:9: bad choice '-1' (a decimal number)");
	expect_error(HEADER "d 0 schedule +3 1 1 68ae9202922d3c31\n",
		     "t.trace:9: bad option count '+3' (a decimal number)");
	expect_error(HEADER "d 0 schedule 0x3 1 1 68ae9202922d3c31\n",
		     "t.trace:9: bad option count '0x3' (a decimal number)");
}
END_TEST

START_TEST(reject_bad_hex)
{
	/* Goal: hashes are exactly 16 hex digits. */
	expect_error(HEADER "d 0 schedule 3 1 1 68ae9202922d3c3g\n",
		     "t.trace:9: bad event-log hash '68ae9202922d3c3g' (16 hex digits)");
	expect_error(HEADER "d 0 schedule 3 1 1 68ae9202922d3c3\n",
		     "t.trace:9: bad event-log hash '68ae9202922d3c3' (16 hex digits)");
	expect_error(HEADER "d 0 schedule 3 1 1 68ae9202922d3c310\n",
		     "t.trace:9: bad event-log hash '68ae9202922d3c310' (16 hex digits)");
	expect_error(HEADER "d 0 schedule 3 1 1 0x8ae9202922d3c31\n",
		     "t.trace:9: bad event-log hash '0x8ae9202922d3c31' (16 hex digits)");
	expect_error(MAGIC BUILD "scenario 0123456789abcdeZ toy\n",
		     "t.trace:3: bad scenario hash '0123456789abcdeZ' (16 hex digits)");
	expect_error(HEADER "result pass - 1 -123456789abcdef\n",
		     "t.trace:9: bad event-log hash '-123456789abcdef' (16 hex digits)");
}
END_TEST

START_TEST(reject_overflow)
{
	/* Goal: decimal numbers past 2^64 - 1 are refused, not wrapped. */
	expect_error(MAGIC BUILD SCENARIO STRATEGY "seed 18446744073709551616\n",
		     "t.trace:7: seed '18446744073709551616' too large");
	expect_error(MAGIC BUILD SCENARIO STRATEGY "seed 99999999999999999999999\n",
		     "t.trace:7: seed '99999999999999999999999' too large");
	expect_error(HEADER "d 18446744073709551616 schedule 3 1 1 68ae9202922d3c31\n",
		     "t.trace:9: decision step '18446744073709551616' too large");
	expect_error(HEADER "result pass - 18446744073709551616 68ae9202922d3c31\n",
		     "t.trace:9: steps '18446744073709551616' too large");
	expect_error(HEADER "d 0 schedule 18446744073709551616 1 1 68ae9202922d3c31\n",
		     "t.trace:9: option count '18446744073709551616' too large");
	expect_error(MAGIC BUILD SCENARIO STRATEGY SEED "cpus 18446744073709551617\n",
		     "t.trace:8: cpu count '18446744073709551617' too large");
	expect_error(MAGIC BUILD SCENARIO STRATEGY "seed -1\n", "t.trace:7: bad seed '-1' (a decimal number)");
	expect_error(MAGIC BUILD SCENARIO STRATEGY "seed \n", "t.trace:7: fields are separated by single spaces");
	ck_assert_uint_eq(expect_ok(MAGIC BUILD SCENARIO STRATEGY "seed 18446744073709551615\n" CPUS
				    "result pass - 18446744073709551615 0000000000000000\n" END),
			  0);
}
END_TEST

START_TEST(reject_missing_header)
{
	/* Goal: every header line must be there before the decisions. */
	expect_error(MAGIC BUILD SCENARIO STRATEGY SEED D0, "t.trace:8: missing header line 'cpus'");
	expect_error(MAGIC RESULT END, "t.trace:2: missing header line 'build'");
	expect_error(MAGIC BUILD SCENARIO STRATEGY SEED END, "t.trace:8: missing header line 'cpus'");
	expect_error(MAGIC BUILD SCENARIO, "t.trace:5: missing header line 'strategy'");
	expect_error(MAGIC BUILD "scenario 0123456789abcdef s\n" STRATEGY,
		     "t.trace:4: header line 'strategy' out of order (expected 'driver')");
	expect_error(MAGIC BUILD "scenario 0123456789abcdef s\n" DRIVER STRATEGY,
		     "t.trace:5: header line 'strategy' out of order (expected 'checkers-off')");
	expect_error(MAGIC, "t.trace:1: missing header line 'build'");
}
END_TEST

START_TEST(reject_driver_lines)
{
	/* Goal: the driver and checkers-off lines are checked field by field. */
	const char *head = MAGIC BUILD "scenario 0123456789abcdef s\n";
	struct { const char *line, *want; } cases[] = {
		{ "driver mydriver 5be1e2a0c9d3f417\n", "t.trace:4: expected 'driver NAME HASH PATH'" },
		{ "driver mydriver 5be1e2a0c9d3f41 x.so\n",
		  "t.trace:4: bad driver hash '5be1e2a0c9d3f41' (16 hex digits)" },
		{ "driver mydriver 5be1e2a0c9d3f417 my driver.so\n", "t.trace:4: driver path contains a space" },
		{ "driver \x01 5be1e2a0c9d3f417 x.so\n",
		  "t.trace:4: driver name contains control character 0x01" },
		{ "driver reference 0000000000000000 builtin\ncheckers-off\n",
		  "t.trace:5: expected 'checkers-off NAMES'" },
		{ "driver reference 0000000000000000 builtin\ncheckers-off a b\n",
		  "t.trace:5: expected 'checkers-off NAMES'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), "%s%s", head, cases[i].line);
		expect_error(text, cases[i].want);
	}
	/* A header the reader would refuse is not written. */
	struct trace_header h;
	example_header(&h);
	struct decision_log log = { 0 };
	strcpy(h.checkers_off, "-");
	errno = 0;
	ck_assert_int_eq(trace_write(stdout, &h, &log), -1);
	ck_assert_int_eq(errno, EINVAL);
	example_header(&h);
	strcpy(h.driver_path, "a b.so");
	ck_assert_int_eq(trace_write(stdout, &h, &log), -1);
}
END_TEST

START_TEST(reject_header_order)
{
	/* Goal: header lines come in the documented order, each once. */
	expect_error(MAGIC SCENARIO BUILD, "t.trace:2: header line 'scenario' out of order (expected 'build')");
	expect_error(MAGIC BUILD SCENARIO SEED STRATEGY,
		     "t.trace:6: header line 'seed' out of order (expected 'strategy')");
	expect_error(MAGIC BUILD SCENARIO STRATEGY CPUS,
		     "t.trace:7: header line 'cpus' out of order (expected 'seed')");
	expect_error(MAGIC BUILD BUILD, "t.trace:3: header line 'build' repeated");
	expect_error(HEADER SEED, "t.trace:9: header line 'seed' repeated");
	expect_error(HEADER D0 BUILD, "t.trace:10: header line 'build' repeated");
	expect_error(HEADER MAGIC, "t.trace:9: header line 'ac97sim-trace' repeated");
	expect_error(BUILD MAGIC, "t.trace:1: not an ac97sim trace");
}
END_TEST

START_TEST(reject_text_after_end)
{
	/* Goal: nothing but comments and blank lines may follow end. */
	expect_error(GOOD "d 2 stall 4 0 0 68ae9202922d3c31\n", "t.trace:13: text after end");
	expect_error(GOOD "\n# fine\nend\n", "t.trace:15: text after end");
	expect_error(GOOD "x", "t.trace:13: text after end");
	expect_error(HEADER RESULT "end now\n", "t.trace:10: text after end");
}
END_TEST

START_TEST(reject_missing_end)
{
	/* Goal: a truncated trace is refused at its last line. */
	expect_error(HEADER D0 D1 RESULT, "t.trace:11: missing end line (truncated?)");
	expect_error(HEADER D0 D1 RESULT "\n# x\n", "t.trace:13: missing end line (truncated?)");
	expect_error(HEADER D0 D1, "t.trace:10: missing result line (truncated?)");
	expect_error(HEADER D0 "d 1 tim", "t.trace:10: expected 'd STEP SITE N CHOICE CHOSEN EVHASH'");
	expect_error(HEADER D0 "d 1 timer-cpu 2 0 0 1f8e4d0a",
		     "t.trace:10: bad event-log hash '1f8e4d0a' (16 hex digits)");
	expect_error(HEADER D0 "d 1 timer-cpu 2 0 0 1f8e4d0a 1f8e4d0a",
		     "t.trace:10: expected 'd STEP SITE N CHOICE CHOSEN EVHASH'");
}
END_TEST

START_TEST(reject_result_fields)
{
	/* Goal: the result line has a known verdict, a checker or "-", the
	 * steps and a hash, and comes once before end. */
	expect_error(HEADER D0 END, "t.trace:10: missing result line before end");
	expect_error(HEADER "result maybe - 1 68ae9202922d3c31\n",
		     "t.trace:9: unknown verdict 'maybe' (pass, fail, limit or diverged)");
	expect_error(HEADER "result PASS - 1 68ae9202922d3c31\n",
		     "t.trace:9: unknown verdict 'PASS' (pass, fail, limit or diverged)");
	expect_error(HEADER "result pass - 1\n",
		     "t.trace:9: expected 'result VERDICT CHECKER STEPS EVHASH'");
	expect_error(HEADER RESULT RESULT, "t.trace:10: result line repeated");
	expect_error(HEADER "result fail 0123456789abcdef0123456789abcdef 1 68ae9202922d3c31\n",
		     "t.trace:9: checker longer than 31 bytes");
	expect_error(HEADER "result fail a\x7f 1 68ae9202922d3c31\n",
		     "t.trace:9: checker contains control character 0x7f");
	struct trace_header h;
	struct decision_log log = { 0 };
	char err[ERR_LEN];
	ck_assert_int_eq(read_text(HEADER "result pass - 7 68ae9202922d3c31\n" END, &h, &log, err), 0);
	ck_assert_str_eq(h.checker, "");
	ck_assert_str_eq(h.verdict, "pass");
	ck_assert_uint_eq(h.steps, 7);
}
END_TEST

START_TEST(reject_long_line)
{
	/* Goal: a line of 4096 bytes is read (with or without CR), 4097 is
	 * refused, and a huge line is refused without harm. */
	size_t huge = 1u << 20;
	char *text = malloc(sizeof(HEADER) + huge + 16);
	ck_assert_ptr_nonnull(text);
	size_t at = strlen(HEADER);
	memcpy(text, HEADER, at);
	text[at] = '#';
	memset(text + at + 1, 'x', 4095);
	strcpy(text + at + 4096, "\r\n" RESULT END);
	ck_assert_uint_eq(expect_ok(text), 0);
	strcpy(text + at + 4096, "\n" RESULT END);
	ck_assert_uint_eq(expect_ok(text), 0);
	strcpy(text + at + 4096, "x\n" RESULT END);
	expect_error(text, "t.trace:9: line longer than 4096 bytes");
	strcpy(text + at + 4096, "x\r\n" RESULT END);
	expect_error(text, "t.trace:9: line longer than 4096 bytes");
	memset(text + at, 'd', huge);
	strcpy(text + at + huge, "\n" END);
	expect_error(text, "t.trace:9: line longer than 4096 bytes");
	free(text);
}
END_TEST

START_TEST(reject_nul_byte)
{
	/* Goal: a NUL byte anywhere, comments included, is refused. */
	static const char in_build[] = MAGIC "build a\0b\n";
	expect_bytes_error(in_build, sizeof(in_build) - 1, "t.trace:2: NUL byte in line");
	static const char in_comment[] = HEADER "# \0\n" RESULT END;
	expect_bytes_error(in_comment, sizeof(in_comment) - 1, "t.trace:9: NUL byte in line");
	static const char alone[] = "\0";
	expect_bytes_error(alone, 1, "t.trace:1: NUL byte in line");
	static const char after_end[] = GOOD "\n\0";
	expect_bytes_error(after_end, sizeof(after_end) - 1, "t.trace:14: NUL byte in line");
}
END_TEST

START_TEST(reject_strategy)
{
	/* Goal: strategy text goes through strategy_parse (its reason is
	 * reported) and must be written the way strategy_format writes it. */
	expect_error(MAGIC BUILD SCENARIO "strategy fast\n",
		     "t.trace:6: " STRATEGY_FORMS);
	expect_error(MAGIC BUILD SCENARIO "strategy replay\n",
		     "t.trace:6: " STRATEGY_FORMS);
	expect_error(MAGIC BUILD SCENARIO "strategy pct depth=9 steps=5\n", "t.trace:6: pct depth must be 1..8");
	expect_error(MAGIC BUILD SCENARIO "strategy pct depth=0 steps=5\n", "t.trace:6: pct depth must be 1..8");
	expect_error(MAGIC BUILD SCENARIO "strategy pct depth=2 steps=0\n",
		     "t.trace:6: pct steps must be at least 1");
	expect_error(MAGIC BUILD SCENARIO "strategy pct depth=2\n",
		     "t.trace:6: " STRATEGY_FORMS);
	expect_error(MAGIC BUILD SCENARIO "strategy\n",
		     "t.trace:6: expected 'strategy random' or 'strategy pct depth=D steps=K'");
	expect_error(MAGIC BUILD SCENARIO "strategy pct depth=3 steps=-1\n",
		     "t.trace:6: " STRATEGY_FORMS);
	expect_error(MAGIC BUILD SCENARIO "strategy pct depth=4294967299 steps=5\n",
		     "t.trace:6: pct depth must be 1..8");
	expect_error(MAGIC BUILD SCENARIO "strategy pct depth=+3 steps=5\n",
		     "t.trace:6: " STRATEGY_FORMS);
	expect_error(MAGIC BUILD SCENARIO "strategy pct depth=3 steps=05\n",
		     "t.trace:6: strategy 'pct depth=3 steps=05' is not written as "
		     "'pct depth=3 steps=5'");
	expect_error(MAGIC BUILD SCENARIO "strategy pct  depth=3 steps=5\n",
		     "t.trace:6: fields are separated by single spaces");
	ck_assert_uint_eq(expect_ok(MAGIC BUILD SCENARIO "strategy pct depth=8 steps=18446744073709551615\n"
				    SEED CPUS RESULT END),
			  0);
}
END_TEST

START_TEST(reject_build_id)
{
	/* Goal: a build id is 1..63 bytes with no space or control character. */
	char line[128];
	snprintf(line, sizeof(line), MAGIC "build %.63s\n", "0123456789012345678901234567890123456789012345678901234567890123");
	expect_error(line, "t.trace:2: missing header line 'scenario'");
	snprintf(line, sizeof(line), MAGIC "build %.64s\n", "0123456789012345678901234567890123456789012345678901234567890123");
	expect_error(line, "t.trace:2: build id longer than 63 bytes");
	expect_error(MAGIC "build a b\n", "t.trace:2: build id contains a space");
	expect_error(MAGIC "build a\tb\n", "t.trace:2: build id contains control character 0x09");
	expect_error(MAGIC "build a\rb\n", "t.trace:2: build id contains control character 0x0d");
	expect_error(MAGIC "build\n", "t.trace:2: expected 'build ID'");
	expect_error(MAGIC "build \n", "t.trace:2: fields are separated by single spaces");
	expect_error(MAGIC " build x\n", "t.trace:2: fields are separated by single spaces");
}
END_TEST

START_TEST(reject_scenario_name)
{
	/* Goal: a scenario name (the scenario file's path) is 1..511 bytes
	 * with no space or control character. */
	char text[1024], name[513];
	memset(name, 'n', 512);
	name[512] = '\0';
	snprintf(text, sizeof(text), MAGIC BUILD "scenario 0123456789abcdef %s\n", name);
	expect_error(text, "t.trace:3: scenario name longer than 511 bytes");
	name[511] = '\0';
	snprintf(text, sizeof(text), MAGIC BUILD "scenario 0123456789abcdef %s\n", name);
	expect_error(text, "t.trace:3: missing header line 'driver'");
	expect_error(MAGIC BUILD "scenario 0123456789abcdef two words\n",
		     "t.trace:3: scenario name contains a space");
	expect_error(MAGIC BUILD "scenario 0123456789abcdef bell\a\n",
		     "t.trace:3: scenario name contains control character 0x07");
	expect_error(MAGIC BUILD "scenario 0123456789abcdef\n", "t.trace:3: expected 'scenario HASH NAME'");
}
END_TEST

START_TEST(reject_cpus)
{
	/* Goal: the CPU count is 1..8. */
	expect_error(MAGIC BUILD SCENARIO STRATEGY SEED "cpus 0\n", "t.trace:8: cpus 0 out of range (1..8)");
	expect_error(MAGIC BUILD SCENARIO STRATEGY SEED "cpus 9\n", "t.trace:8: cpus 9 out of range (1..8)");
	expect_error(MAGIC BUILD SCENARIO STRATEGY SEED "cpus 4294967297\n",
		     "t.trace:8: cpus 4294967297 out of range (1..8)");
	expect_error(MAGIC BUILD SCENARIO STRATEGY SEED "cpus two\n",
		     "t.trace:8: bad cpu count 'two' (a decimal number)");
	ck_assert_uint_eq(expect_ok(MAGIC BUILD SCENARIO STRATEGY SEED "cpus 8\n" RESULT END), 0);
	ck_assert_uint_eq(expect_ok(MAGIC BUILD SCENARIO STRATEGY SEED "cpus 1\n" RESULT END), 0);
}
END_TEST

START_TEST(reject_unknown_line)
{
	/* Goal: an unknown keyword is named (made printable and cut short). */
	expect_error(HEADER "x 1\n", "t.trace:9: unknown line 'x'");
	expect_error(HEADER "D 0 schedule 3 1 68ae9202922d3c31\n", "t.trace:9: unknown line 'D'");
	expect_error(HEADER "\x1b[31mred\n", "t.trace:9: unknown line '?[31mred'");
	expect_error(HEADER "d\t0\n", "t.trace:9: unknown line 'd?0'");
	expect_error(HEADER "0123456789012345678901234567890123456789012345\n",
		     "t.trace:9: unknown line '0123456789012345678901234567890123456789...'");
}
END_TEST

START_TEST(reject_empty_file)
{
	/* Goal: an empty file is refused as such, from memory and from disk. */
	char dir[64], path[128], err[ERR_LEN] = "", want[ERR_LEN];
	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/empty.trace", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	struct trace_header h;
	struct decision_log log = { 0 };
	ck_assert_int_eq(trace_read_file(path, &h, &log, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: empty file", path);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(log.count, 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	expect_error("\n", "t.trace:1: not an ac97sim trace");
}
END_TEST

START_TEST(reject_unreadable_file)
{
	/* Goal: a missing file or a directory gives "FILE: reason". */
	char dir[64], path[128], err[ERR_LEN] = "", want[ERR_LEN];
	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/absent.trace", dir);
	struct trace_header h;
	struct decision_log log = { 0 };
	ck_assert_int_eq(trace_read_file(path, &h, &log, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(trace_read_file(dir, &h, &log, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: read error: %s", dir, strerror(EISDIR));
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(log.count, 0);
	snprintf(path, sizeof(path), "%s/no/such/dir.trace", dir);
	struct trace_header good;
	example_header(&good);
	ck_assert_int_eq(trace_write_file(path, &good, &log, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(mutations_are_safe)
{
	/* Goal: random byte edits of a valid trace are either read or refused
	 * with "t.trace:LINE: ..." and an empty log (memory-safe under ASan). */
	uint64_t seed = 12345;
	size_t len = strlen(GOOD);
	char text[sizeof(GOOD) + 8];
	static const char bytes[] = " \n\r\t#0123456789abcdefxyz-\x01\xff\x00";
	for (int round = 0; round < 20000; round++) {
		memcpy(text, GOOD, len);
		int edits = 1 + (int)(test_rand(&seed) % 3);
		for (int e = 0; e < edits; e++)
			text[test_rand(&seed) % len] = bytes[test_rand(&seed) % (sizeof(bytes) - 1)];
		size_t cut = test_rand(&seed) % 8 == 0 ? test_rand(&seed) % len : len;
		struct trace_header h;
		struct decision_log log = { 0 };
		char err[ERR_LEN] = "";
		if (cut == 0)
			continue;
		if (read_bytes(text, cut, &h, &log, err) == 0) {
			ck_assert_uint_le(log.count, 2);
			decision_log_free(&log);
		} else {
			ck_assert_msg(strncmp(err, "t.trace:", 8) == 0, "bad message %s", err);
			ck_assert_ptr_null(log.items);
		}
	}
}
END_TEST

Suite *suite_trace(void);
Suite *suite_trace(void)
{
	Suite *s = suite_create("harness/trace");
	TCase *tc = tcase_create("round_trip");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, write_matches_format);
	tcase_add_test(tc, read_example);
	tcase_add_test(tc, round_trip_small);
	tcase_add_test(tc, round_trip_profile);
	tcase_add_test(tc, round_trip_100k);
	tcase_add_test(tc, round_trip_file);
	tcase_add_test(tc, write_refuses_invalid);
	tcase_add_test(tc, accept_comments_blank_crlf);
	suite_add_tcase(s, tc);
	tc = tcase_create("reject");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, reject_not_a_trace);
	tcase_add_test(tc, reject_format_version);
	tcase_add_test(tc, reject_out_of_order);
	tcase_add_test(tc, reject_decision_fields);
	tcase_add_test(tc, reject_bad_hex);
	tcase_add_test(tc, reject_overflow);
	tcase_add_test(tc, reject_missing_header);
	tcase_add_test(tc, reject_header_order);
	tcase_add_test(tc, reject_driver_lines);
	tcase_add_test(tc, reject_text_after_end);
	tcase_add_test(tc, reject_missing_end);
	tcase_add_test(tc, reject_result_fields);
	tcase_add_test(tc, reject_long_line);
	tcase_add_test(tc, reject_nul_byte);
	tcase_add_test(tc, reject_strategy);
	tcase_add_test(tc, reject_build_id);
	tcase_add_test(tc, reject_scenario_name);
	tcase_add_test(tc, reject_cpus);
	tcase_add_test(tc, reject_unknown_line);
	tcase_add_test(tc, reject_empty_file);
	tcase_add_test(tc, reject_unreadable_file);
	tcase_add_test(tc, mutations_are_safe);
	suite_add_tcase(s, tc);
	return s;
}
