/*
 * The deterministic machine: the same seed gives the same run; a recorded
 * run replays to the same event-log hash; a replay of an edited scenario
 * or trace stops at the first step that differs; PCT finds a depth-2 bug
 * at least as often as its bound promises; every check fires on its broken
 * toy and stays silent on the correct ones, under many schedules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "toy.h"
#include "trace.h"

static struct machine_config config_for(uint64_t seed, enum strategy_kind kind)
{
	struct machine_config cfg;
	machine_config_default(&cfg);
	cfg.seed = seed;
	cfg.strategy.kind = kind;
	if (kind == STRATEGY_PCT) {
		cfg.strategy.pct_depth = 3;
		cfg.strategy.pct_steps = 300;
	}
	return cfg;
}

static struct run_result run_toy(const char *name, const struct machine_config *cfg,
				 struct decision_log *log)
{
	const struct toy_scenario *s = toy_find(name);
	ck_assert_ptr_nonnull(s);
	struct run_result r;
	ck_assert_int_eq(toy_run(s, cfg, &r, log), 0);
	return r;
}

START_TEST(same_seed_same_hash)
{
	/* Goal: every toy scenario, run twice with the same seed and strategy,
	 * gives the same verdict, step count and event-log hash. */
	for (size_t i = 0; i < toy_scenario_count; i++) {
		for (uint64_t seed = 1; seed <= 5; seed++) {
			struct machine_config cfg = config_for(seed, seed % 2 ? STRATEGY_RANDOM : STRATEGY_PCT);
			struct run_result a = run_toy(toy_scenarios[i].name, &cfg, NULL);
			struct run_result b = run_toy(toy_scenarios[i].name, &cfg, NULL);
			ck_assert_int_eq(a.verdict, b.verdict);
			ck_assert_uint_eq(a.steps, b.steps);
			ck_assert_uint_eq(a.evlog_hash, b.evlog_hash);
		}
	}
}
END_TEST

START_TEST(seeds_explore_different_schedules)
{
	/* Goal: the seed matters: 20 seeds of the contended counter give at
	 * least 10 different event logs (and the counter is right in all). */
	uint64_t hashes[20];
	size_t distinct = 0;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct machine_config cfg = config_for(seed, STRATEGY_RANDOM);
		struct run_result r = run_toy("counter", &cfg, NULL);
		ck_assert_int_eq(r.verdict, RUN_PASS);
		bool seen = false;
		for (size_t i = 0; i < distinct; i++)
			seen |= hashes[i] == r.evlog_hash;
		if (!seen)
			hashes[distinct++] = r.evlog_hash;
	}
	ck_assert_uint_ge(distinct, 10);
}
END_TEST

START_TEST(replay_reproduces_every_run)
{
	/* Goal: a run's recorded decisions, replayed, give the same verdict,
	 * checker, steps and event-log hash, for every toy under both
	 * strategies (failing runs included). */
	for (size_t i = 0; i < toy_scenario_count; i++) {
		for (uint64_t seed = 1; seed <= 6; seed++) {
			struct machine_config cfg = config_for(seed, seed % 2 ? STRATEGY_RANDOM : STRATEGY_PCT);
			struct decision_log log = { 0 };
			struct run_result a = run_toy(toy_scenarios[i].name, &cfg, &log);
			struct machine_config rcfg = cfg;
			rcfg.replay = &log;
			struct run_result b = run_toy(toy_scenarios[i].name, &rcfg, NULL);
			ck_assert_msg(b.verdict == a.verdict, "%s seed %llu: %s vs %s (%s)",
				      toy_scenarios[i].name, (unsigned long long)seed,
				      run_verdict_name(a.verdict), run_verdict_name(b.verdict), b.message);
			ck_assert_str_eq(a.checker, b.checker);
			ck_assert_uint_eq(a.steps, b.steps);
			ck_assert_uint_eq(a.evlog_hash, b.evlog_hash);
			decision_log_free(&log);
		}
	}
}
END_TEST

/* The step at which two recordings first differ in what a replay checks. */
static size_t first_difference(const struct decision_log *a, const struct decision_log *b)
{
	size_t n = a->count < b->count ? a->count : b->count;
	for (size_t i = 0; i < n; i++) {
		const struct decision *x = &a->items[i], *y = &b->items[i];
		if (x->evlog_hash != y->evlog_hash || x->site != y->site ||
		    x->n_options != y->n_options || x->choice >= y->n_options)
			return i;
	}
	return n;
}

START_TEST(replay_of_edited_scenario_stops_at_first_difference)
{
	/* Goal: replaying a recording against an edited scenario (the
	 * ordered-locks toy replayed as abba: one worker takes its locks in the
	 * other order) stops with RUN_DIVERGED exactly at the first step where
	 * the edited scenario's own recording under the same seed differs. */
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct machine_config cfg = config_for(seed, STRATEGY_RANDOM);
		struct decision_log orig = { 0 }, edited = { 0 };
		run_toy("ordered-locks", &cfg, &orig);
		run_toy("abba", &cfg, &edited);
		size_t expect = first_difference(&orig, &edited);
		const struct toy_scenario *abba = toy_find("abba");
		struct machine *m = NULL;
		struct machine_config rcfg = cfg;
		rcfg.replay = &orig;
		rcfg.n_cpus = abba->n_cpus;
		m = machine_create(&rcfg);
		ck_assert_ptr_nonnull(m);
		static char state[4096];
		memset(state, 0, sizeof(state));
		ck_assert_uint_le(abba->state_bytes, sizeof(state));
		machine_bind(m);
		abba->setup(m, state);
		struct run_result r;
		machine_run(m, &r);
		if (expect < orig.count && expect < edited.count) {
			ck_assert_int_eq(r.verdict, RUN_DIVERGED);
			ck_assert_uint_eq(machine_divergence(m)->step, expect);
		}
		machine_destroy(m);
		decision_log_free(&orig);
		decision_log_free(&edited);
	}
}
END_TEST

START_TEST(replay_of_edited_trace_stops_at_the_edit)
{
	/* Goal: a recording edited at step k is reported at step k, whether
	 * the edit breaks that step (hash, site, option count or a choice out
	 * of range) or picks another valid option (what the option is then
	 * differs from what the recording says was chosen); the divergence
	 * names recorded and actual. */
	struct machine_config cfg = config_for(7, STRATEGY_RANDOM);
	struct decision_log log = { 0 };
	struct run_result orig = run_toy("counter", &cfg, &log);
	ck_assert_int_eq(orig.verdict, RUN_PASS);
	ck_assert_uint_gt(log.count, 40);
	size_t k = log.count / 2;
	for (int edit = 0; edit < 5; edit++) {
		struct decision saved = log.items[k];
		switch (edit) {
		case 0: log.items[k].evlog_hash ^= 1; break;
		case 1: log.items[k].site = SITE_STALL; break;
		case 2: log.items[k].n_options++; break;
		case 3: log.items[k].choice = log.items[k].n_options; break;
		case 4: log.items[k].choice = (log.items[k].choice + 1) % log.items[k].n_options; break;
		}
		struct machine_config rcfg = cfg;
		rcfg.replay = &log;
		const struct toy_scenario *s = toy_find("counter");
		struct machine_config mc = rcfg;
		mc.n_cpus = s->n_cpus;
		struct machine *m = machine_create(&mc);
		static char state[4096];
		memset(state, 0, sizeof(state));
		machine_bind(m);
		s->setup(m, state);
		struct run_result r;
		machine_run(m, &r);
		const struct divergence *d = machine_divergence(m);
		ck_assert_int_eq(r.verdict, RUN_DIVERGED);
		ck_assert_uint_eq(d->step, k);
		ck_assert(d->why[0] != 0);
		ck_assert_uint_eq(d->actual.step, d->step);
		machine_destroy(m);
		log.items[k] = saved;
	}
	decision_log_free(&log);
}
END_TEST

START_TEST(failing_run_through_a_trace_file)
{
	/* Goal: a failing run (the abba deadlock) written to a trace file, read
	 * back and replayed, fails the same way with the same event-log hash;
	 * the header keeps the scenario hash, strategy and seed. */
	const struct toy_scenario *s = toy_find("abba");
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct machine_config cfg = config_for(seed, STRATEGY_RANDOM);
		struct decision_log log = { 0 };
		struct run_result a = run_toy("abba", &cfg, &log);
		if (a.verdict != RUN_FAIL) {
			decision_log_free(&log);
			continue;
		}
		char dir[] = "/tmp/ac97sim-trace-XXXXXX";
		ck_assert_ptr_nonnull(mkdtemp(dir));
		char path[64];
		snprintf(path, sizeof(path), "%s/abba.trace", dir);
		struct trace_header h = { .format = TRACE_FORMAT_VERSION, .scenario_hash = toy_scenario_hash(s),
					  .strategy = cfg.strategy, .seed = seed, .cpus = s->n_cpus,
					  .steps = a.steps, .evlog_hash = a.evlog_hash };
		snprintf(h.build_id, sizeof(h.build_id), "test");
		snprintf(h.scenario_name, sizeof(h.scenario_name), "%s", s->name);
		snprintf(h.driver_name, sizeof(h.driver_name), "toy");
		snprintf(h.driver_path, sizeof(h.driver_path), "%s", TRACE_DRIVER_BUILTIN);
		snprintf(h.verdict, sizeof(h.verdict), "%s", run_verdict_name(a.verdict));
		snprintf(h.checker, sizeof(h.checker), "%s", a.checker);
		char err[256];
		ck_assert_int_eq(trace_write_file(path, &h, &log, err, sizeof(err)), 0);
		struct trace_header back;
		struct decision_log read = { 0 };
		ck_assert_msg(trace_read_file(path, &back, &read, err, sizeof(err)) == 0, "%s", err);
		ck_assert_uint_eq(back.scenario_hash, toy_scenario_hash(s));
		ck_assert_uint_eq(back.seed, seed);
		ck_assert_int_eq(back.strategy.kind, STRATEGY_RANDOM);
		ck_assert_uint_eq(read.count, log.count);
		struct machine_config rcfg = cfg;
		rcfg.replay = &read;
		struct run_result b = run_toy("abba", &rcfg, NULL);
		ck_assert_int_eq(b.verdict, RUN_FAIL);
		ck_assert_str_eq(b.checker, back.checker);
		ck_assert_uint_eq(b.evlog_hash, back.evlog_hash);
		ck_assert_uint_eq(b.steps, back.steps);
		decision_log_free(&read);
		decision_log_free(&log);
		unlink(path);
		rmdir(dir);
		return;
	}
	ck_abort_msg("no seed of abba deadlocked");
}
END_TEST

START_TEST(replay_past_the_end_diverges)
{
	/* Goal: a recording cut short is reported where it ends. */
	struct machine_config cfg = config_for(3, STRATEGY_RANDOM);
	struct decision_log log = { 0 };
	run_toy("counter", &cfg, &log);
	size_t cut = log.count - 5;
	log.count = cut;
	struct machine_config rcfg = cfg;
	rcfg.replay = &log;
	struct run_result r = run_toy("counter", &rcfg, NULL);
	ck_assert_int_eq(r.verdict, RUN_DIVERGED);
	ck_assert_str_eq(r.checker, "replay");
	decision_log_free(&log);
}
END_TEST

START_TEST(pct_meets_its_bound_on_depth2)
{
	/* Goal: on the depth-2 toy (n = 2 agents, k = the most decisions a run
	 * takes), PCT with d = 2 finds the bug in at least 1/(n k) of its runs
	 * (Burckhardt et al., ASPLOS 2010). */
	const uint32_t runs = 3000;
	uint64_t k = 0;
	for (uint64_t seed = 1; seed <= 200; seed++) {
		struct machine_config cfg = config_for(seed, STRATEGY_RANDOM);
		struct decision_log log = { 0 };
		run_toy("depth2", &cfg, &log);
		if (log.count > k)
			k = log.count;
		decision_log_free(&log);
	}
	ck_assert_uint_gt(k, 4);
	uint32_t hits = 0;
	for (uint64_t seed = 1; seed <= runs; seed++) {
		struct machine_config cfg = config_for(seed, STRATEGY_PCT);
		cfg.strategy.pct_depth = 2;
		cfg.strategy.pct_steps = k;
		struct run_result r = run_toy("depth2", &cfg, NULL);
		if (r.verdict == RUN_FAIL) {
			ck_assert_uint_eq(r.bugcheck_code, 0xE0);
			hits++;
		}
	}
	/* hits / runs >= 1 / (n k)  <=>  hits * n * k >= runs */
	ck_assert_msg((uint64_t)hits * 2 * k >= runs, "PCT found the bug %u times in %u runs, k = %llu",
		      hits, runs, (unsigned long long)k);
}
END_TEST

START_TEST(correct_toys_pass_every_schedule)
{
	/* Goal: the correct toys pass 300 random and 300 PCT schedules each:
	 * no check fires on correct code. */
	for (size_t i = 0; i < toy_scenario_count; i++) {
		const struct toy_scenario *s = &toy_scenarios[i];
		if (s->expect_checker != NULL)
			continue;
		for (uint64_t seed = 1; seed <= 600; seed++) {
			struct machine_config cfg = config_for(seed, seed % 2 ? STRATEGY_RANDOM : STRATEGY_PCT);
			struct run_result r = run_toy(s->name, &cfg, NULL);
			ck_assert_msg(r.verdict == RUN_PASS, "%s seed %llu: %s %s: %s", s->name,
				      (unsigned long long)seed, run_verdict_name(r.verdict), r.checker,
				      r.message);
		}
	}
}
END_TEST

START_TEST(each_check_fires_on_its_toy)
{
	/* Goal: each broken toy fails with its own check within 200 schedules,
	 * and never fails with another one. */
	for (size_t i = 0; i < toy_scenario_count; i++) {
		const struct toy_scenario *s = &toy_scenarios[i];
		if (s->expect_checker == NULL)
			continue;
		uint32_t fails = 0;
		for (uint64_t seed = 1; seed <= 200; seed++) {
			struct machine_config cfg = config_for(seed, seed % 2 ? STRATEGY_RANDOM : STRATEGY_PCT);
			struct run_result r = run_toy(s->name, &cfg, NULL);
			ck_assert_msg(r.verdict != RUN_LIMIT, "%s seed %llu hit a limit", s->name,
				      (unsigned long long)seed);
			if (r.verdict == RUN_FAIL) {
				ck_assert_str_eq(r.checker, s->expect_checker);
				fails++;
			}
		}
		ck_assert_msg(fails > 0, "%s: the %s check never fired", s->name, s->expect_checker);
	}
}
END_TEST

/* Driver code that never comes back: not toys (every toy runs in loops of
 * seeds, and a hang takes its CPU-time limit to be seen). */
static void loop_forever(void *arg)
{
	(void)arg;
	for (volatile unsigned long spins = 0;; spins++)
		;
}

static void crash_null(void *arg)
{
	(void)arg;
	volatile int *volatile nowhere = NULL;	/* volatile: the compiler cannot see it is NULL */
	nowhere[8] = 1;
}

static struct run_result run_passive(void (*fn)(void *), const struct machine_config *cfg)
{
	struct machine *m = machine_create(cfg);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(machine_queue_passive(m, fn, NULL, "driver code"), 0);
	struct run_result r;
	machine_run(m, &r);
	machine_destroy(m);
	return r;
}

START_TEST(driver_crash_and_hang_end_the_run)
{
	/* Goal: driver code that writes through NULL, or loops for ever with
	 * no kernel call, fails its run ("driver-crash" with the signal and
	 * where; "driver-hang" after the CPU-time limit) with the same result
	 * and event-log hash every time, and the next run in the process is
	 * unharmed. */
	struct run_result a[2];
	for (int k = 0; k < 2; k++) {
		struct machine_config cfg = config_for(1, STRATEGY_RANDOM);
		a[k] = run_passive(crash_null, &cfg);
		ck_assert_int_eq(a[k].verdict, RUN_FAIL);
		ck_assert_str_eq(a[k].checker, "driver-crash");
		ck_assert_str_eq(a[k].group, "kernel-rules");
		ck_assert_msg(strstr(a[k].message, "SIGSEGV") != NULL &&
				      strstr(a[k].message, "a NULL pointer plus an offset") != NULL &&
				      strstr(a[k].message, "(step ") != NULL,
			      "%s", a[k].message);
	}
	ck_assert_uint_eq(a[0].evlog_hash, a[1].evlog_hash);
	ck_assert_str_eq(a[0].message, a[1].message);
	struct run_result h[2];
	for (int k = 0; k < 2; k++) {
		struct machine_config cfg = config_for(1, STRATEGY_RANDOM);
		cfg.hang_cpu_seconds = 1;
		h[k] = run_passive(loop_forever, &cfg);
		ck_assert_int_eq(h[k].verdict, RUN_FAIL);
		ck_assert_str_eq(h[k].checker, "driver-hang");
		ck_assert_msg(strstr(h[k].message, "no scheduling point for 1 s of CPU time") != NULL,
			      "%s", h[k].message);
	}
	ck_assert_uint_eq(h[0].evlog_hash, h[1].evlog_hash);
	struct machine_config cfg = config_for(1, STRATEGY_RANDOM);
	struct run_result after = run_toy("counter", &cfg, NULL);
	ck_assert_int_eq(after.verdict, RUN_PASS);
}
END_TEST

START_TEST(bugcheck_codes_and_reports)
{
	/* Goal: the bug checks carry Driver Verifier's codes and the report
	 * says what was wrong: 0xF re-take, 0xA above DISPATCH, 0x10 release
	 * by a non-holder, 0xC4 for IRQL not restored, for a lock in an ISR and
	 * for a lock held across a port call; deadlock names both CPUs' locks. */
	static const struct {
		const char *toy;
		uint32_t code;
		const char *says;
	} cases[] = {
		{ "acquire-twice", 0x0F, "acquired again" },
		{ "acquire-above-dispatch", 0x0A, "above DISPATCH_LEVEL" },
		{ "release-unowned", 0x10, "does not hold it" },
		{ "irql-not-restored", 0xC4, "passive call returned" },
		{ "dpc-keeps-lock", 0xC4, "DPC returned" },
		{ "isr-ordinary-lock", 0xC4, "ISR took an ordinary spin lock" },
		{ "lock-across-port-call", 0xC4, "GetMapping called with spin lock" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct machine_config cfg = config_for(1, STRATEGY_RANDOM);
		struct run_result r = run_toy(cases[i].toy, &cfg, NULL);
		ck_assert_int_eq(r.verdict, RUN_FAIL);
		ck_assert_uint_eq(r.bugcheck_code, cases[i].code);
		ck_assert_msg(strstr(r.message, cases[i].says) != NULL, "%s: %s", cases[i].toy,
			      r.message);
	}
	bool found = false;
	for (uint64_t seed = 1; seed <= 50 && !found; seed++) {
		struct machine_config cfg = config_for(seed, STRATEGY_RANDOM);
		struct run_result r = run_toy("abba", &cfg, NULL);
		if (r.verdict != RUN_FAIL)
			continue;
		found = true;
		ck_assert_str_eq(r.checker, "deadlock");
		ck_assert_ptr_nonnull(strstr(r.message, "cpu0: spinning"));
		ck_assert_ptr_nonnull(strstr(r.message, "cpu1: spinning"));
		ck_assert_ptr_nonnull(strstr(r.message, "holds lock"));
	}
	ck_assert(found);
}
END_TEST

START_TEST(interrupt_runs_on_top_and_dpc_follows)
{
	/* Goal: in device-ping the ISR runs (EV_INTERRUPT events), claims
	 * every interrupt, and its DPC re-arms the engine: 8 completions, the
	 * event log shows ISR entries on both CPUs across seeds. */
	bool on_cpu[2] = { false, false };
	for (uint64_t seed = 1; seed <= 30; seed++) {
		struct machine_config cfg = config_for(seed, STRATEGY_RANDOM);
		FILE *log = tmpfile();
		ck_assert_ptr_nonnull(log);
		cfg.log_text = log;
		struct run_result r = run_toy("device-ping", &cfg, NULL);
		ck_assert_int_eq(r.verdict, RUN_PASS);
		rewind(log);
		char line[512];
		while (fgets(line, sizeof(line), log)) {
			if (strstr(line, "ISR left, claimed") == NULL)
				continue;
			if (strstr(line, " cpu0 "))
				on_cpu[0] = true;
			if (strstr(line, " cpu1 "))
				on_cpu[1] = true;
		}
		fclose(log);
	}
	ck_assert(on_cpu[0] && on_cpu[1]);
}
END_TEST

START_TEST(isr_on_a_spinning_cpu_spins_again)
{
	/* Goal: a CPU spinning on a lock that takes the ISR, whose DPC spins
	 * on and takes another lock, goes back to spinning on its own lock
	 * (found by the scenario fuzzer: with 4-byte IRPs the machine read
	 * the lock it spun on as NULL and crashed). The runs end, by a
	 * verdict, not a signal. */
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct scenario sc;
		scenario_default(&sc);
		sc.stream.irp_bytes = 4;
		sc.max_steps = 5000;
		sc.max_ticks = SIM_TICKS_PER_SECOND / 10u;
		struct strategy st = { .kind = STRATEGY_RANDOM };
		struct scenario_outcome out;
		const char *why = NULL;
		ck_assert_msg(scenario_run(&sc, &st, seed, NULL, NULL, NULL, &out, NULL, &why) == 0,
			      "%s", why ? why : "?");
		ck_assert_msg(out.result.verdict == RUN_PASS || out.result.verdict == RUN_LIMIT,
			      "seed %llu: %s %s: %s", (unsigned long long)seed,
			      run_verdict_name(out.result.verdict), out.result.checker,
			      out.result.message);
	}
}
END_TEST

START_TEST(driver_crash_names_object_and_offset)
{
	/* Goal: driver code that crashes ends its run as "driver-crash", and
	 * the report names the faulting instruction as OBJECT+0xOFFSET (what
	 * addr2line takes), not as a host address that moves from run to run:
	 * two runs give the same message. */
	struct machine_config cfg = config_for(1, STRATEGY_RANDOM);
	struct run_result a = run_toy("driver-crash", &cfg, NULL);
	struct run_result b = run_toy("driver-crash", &cfg, NULL);
	ck_assert_int_eq(a.verdict, RUN_FAIL);
	ck_assert_str_eq(a.checker, "driver-crash");
	ck_assert_msg(strstr(a.message, "SIGSEGV (bad memory access) at address 0x10 (a NULL pointer "
					"plus an offset) in ") != NULL,
		      "%s", a.message);
	const char *where = strstr(a.message, ") in ") + strlen(") in ");
	const char *plus = strstr(where, "+0x");
	ck_assert_msg(plus != NULL && plus > where && strchr(where, ' ') > plus, "%s", a.message);
	ck_assert_str_eq(a.message, b.message);
	ck_assert_uint_eq(a.evlog_hash, b.evlog_hash);
}
END_TEST

/* ---- limits and check deadlines ------------------------------------------------ */

struct watch {
	struct machine *m;
	uint32_t limits, deadlines;
	struct ev_limit limit;
	sim_ticks_t deadline_tick;
	sim_ticks_t ask_at;	/* machine_check_at this, once, at the first step */
	bool asked, fail_at_limit;
};

static const struct failure_def watch_failure = { "watch-test", "a test's own rule, for the hook" };

static void on_watch(void *ctx, const struct sim_event *ev)
{
	struct watch *w = ctx;
	if (ev->kind == EV_STEP && w->ask_at != 0 && !w->asked) {
		w->asked = true;
		machine_check_at(w->m, w->ask_at);
	} else if (ev->kind == EV_DEADLINE) {
		w->deadlines++;
		w->deadline_tick = ev->tick;
	} else if (ev->kind == EV_LIMIT) {
		w->limits++;
		w->limit = ev->u.limit;
		if (w->fail_at_limit)
			machine_fail(w->m, "watch", &watch_failure, "cut at the limit");
	}
}

/* Busy for ever, 1 ms at a time. */
static void spin_task(void *arg)
{
	(void)arg;
	for (;;)
		KeStallExecutionProcessor(1000);
}

/* Sleeps 10 s with nothing else to do: the machine jumps. */
static void sleep_task(void *arg)
{
	(void)arg;
	KEVENT never;
	KeInitializeEvent(&never, NotificationEvent, FALSE);
	LARGE_INTEGER timeout;
	timeout.QuadPart = -100000000;	/* 10 s */
	KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &timeout);
}

static struct run_result run_watched(struct machine_config *cfg, void (*task)(void *),
				     struct watch *w)
{
	struct machine *m = machine_create(cfg);
	ck_assert_ptr_nonnull(m);
	w->m = m;
	ck_assert_int_eq(bus_subscribe(machine_bus(m), BUS_CHECK,
				       EV_BIT(EV_STEP) | EV_BIT(EV_DEADLINE) | EV_BIT(EV_LIMIT), on_watch, w),
			 0);
	ck_assert_int_eq(machine_queue_passive(m, task, NULL, "task"), 0);
	struct run_result r;
	machine_run(m, &r);
	machine_destroy(m);
	return r;
}

START_TEST(limit_is_published_before_the_cut)
{
	/* Goal: a run cut by its time or step limit publishes EV_LIMIT once,
	 * naming the limit, and ends "limit"; a subscriber that fails the run
	 * from it makes the verdict its failure. */
	struct machine_config cfg = config_for(1, STRATEGY_RANDOM);
	cfg.max_ticks = SIM_TICKS_PER_SECOND / 100u;
	struct watch w = { 0 };
	struct run_result r = run_watched(&cfg, spin_task, &w);
	ck_assert_int_eq(r.verdict, RUN_LIMIT);
	ck_assert_str_eq(r.checker, "time-limit");
	ck_assert_uint_eq(w.limits, 1);
	ck_assert_uint_eq(w.limit.which, LIMIT_TIME);
	ck_assert_uint_eq(w.limit.max, cfg.max_ticks);
	cfg = config_for(1, STRATEGY_RANDOM);
	cfg.max_steps = 100;
	w = (struct watch){ 0 };
	r = run_watched(&cfg, spin_task, &w);
	ck_assert_int_eq(r.verdict, RUN_LIMIT);
	ck_assert_str_eq(r.checker, "step-limit");
	ck_assert_uint_eq(w.limits, 1);
	ck_assert_uint_eq(w.limit.which, LIMIT_STEPS);
	ck_assert_uint_eq(w.limit.max, 100);
	w = (struct watch){ .fail_at_limit = true };
	r = run_watched(&cfg, spin_task, &w);
	ck_assert_int_eq(r.verdict, RUN_FAIL);
	ck_assert_str_eq(r.checker, "watch-test");
	ck_assert_str_eq(r.group, "watch");
}
END_TEST

START_TEST(check_deadline_wakes_a_sleeping_machine)
{
	/* Goal: a check deadline inside an idle jump publishes EV_DEADLINE at
	 * exactly that tick, the run goes on to its end, and nothing logged
	 * changes (same hash, steps and end as without the deadline). */
	struct machine_config cfg = config_for(1, STRATEGY_RANDOM);
	struct watch plain = { 0 };
	struct run_result a = run_watched(&cfg, sleep_task, &plain);
	struct watch w = { .ask_at = 2 * SIM_TICKS_PER_SECOND };
	struct run_result b = run_watched(&cfg, sleep_task, &w);
	ck_assert_int_eq(a.verdict, RUN_PASS);
	ck_assert_int_eq(b.verdict, RUN_PASS);
	ck_assert_uint_eq(plain.deadlines, 0);
	ck_assert_uint_eq(w.deadlines, 1);
	ck_assert_uint_eq(w.deadline_tick, 2 * SIM_TICKS_PER_SECOND);
	ck_assert_uint_eq(a.evlog_hash, b.evlog_hash);
	ck_assert_uint_eq(a.steps, b.steps);
	ck_assert_uint_eq(a.end_tick, b.end_tick);
	ck_assert_uint_ge(b.end_tick, 10 * SIM_TICKS_PER_SECOND);
}
END_TEST

/* ---- KeFlushQueuedDpcs ---------------------------------------------------------------- */

struct flush_t {
	KDPC dpc;
	bool started, returned;		/* the slow DPC's progress */
	bool started_before_flush, returned_at_flush;
	KIRQL flush_irql;		/* where the flusher calls from */
};

/* Takes 2 ms, in steps. */
static void slow_dpc(KDPC *dpc, void *ctx, void *arg1, void *arg2)
{
	(void)dpc;
	(void)arg1;
	(void)arg2;
	struct flush_t *f = ctx;
	f->started = true;
	for (int i = 0; i < 4; i++)
		KeStallExecutionProcessor(500);
	f->returned = true;
}

/* Queues the slow DPC on its own CPU, where it runs at once. */
static void flush_queuer(void *arg)
{
	struct flush_t *f = arg;
	KeInitializeDpc(&f->dpc, slow_dpc, f);
	KIRQL old;
	KeRaiseIrql(DISPATCH_LEVEL, &old);
	KeInsertQueueDpc(&f->dpc, NULL, NULL);
	KeLowerIrql(old);
}

/* Once the DPC runs on the other CPU, flushes. */
static void flush_flusher(void *arg)
{
	struct flush_t *f = arg;
	for (int i = 0; i < 10000 && !f->started; i++)
		KeStallExecutionProcessor(10);
	f->started_before_flush = f->started && !f->returned;
	KIRQL old = PASSIVE_LEVEL;
	if (f->flush_irql != PASSIVE_LEVEL)
		KeRaiseIrql(f->flush_irql, &old);
	KeFlushQueuedDpcs();
	f->returned_at_flush = f->returned;
	if (f->flush_irql != PASSIVE_LEVEL)
		KeLowerIrql(old);
}

static struct run_result run_flush(uint64_t seed, struct flush_t *f)
{
	struct machine_config cfg = config_for(seed, STRATEGY_RANDOM);
	cfg.n_cpus = 2;
	struct machine *m = machine_create(&cfg);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(machine_queue_passive(m, flush_queuer, f, "queuer"), 0);
	ck_assert_int_eq(machine_queue_passive(m, flush_flusher, f, "flusher"), 0);
	struct run_result r;
	machine_run(m, &r);
	machine_destroy(m);
	return r;
}

START_TEST(flush_waits_for_a_running_dpc)
{
	/* Goal: KeFlushQueuedDpcs returns only once a DPC that is running on
	 * another CPU when it is called has returned (KeRemoveQueueDpc
	 * cannot stop one that started); called above PASSIVE_LEVEL it is a
	 * bug check. */
	uint32_t waited = 0;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct flush_t f = { .flush_irql = PASSIVE_LEVEL };
		struct run_result r = run_flush(seed, &f);
		ck_assert_msg(r.verdict == RUN_PASS, "seed %llu: %s: %s", (unsigned long long)seed,
			      r.checker, r.message);
		ck_assert(f.returned_at_flush);
		waited += f.started_before_flush;
	}
	ck_assert_uint_gt(waited, 0);	/* the DPC was under way at the flush */
	struct flush_t f = { .flush_irql = DISPATCH_LEVEL };
	struct run_result r = run_flush(1, &f);
	ck_assert_int_eq(r.verdict, RUN_FAIL);
	ck_assert_uint_eq(r.bugcheck_code, BUGCHECK_IRQL_NOT_LESS_OR_EQUAL);
	ck_assert_msg(strstr(r.message, "KeFlushQueuedDpcs above PASSIVE_LEVEL") != NULL, "%s",
		      r.message);
}
END_TEST

Suite *suite_machine(void);
Suite *suite_machine(void)
{
	Suite *s = suite_create("harness/machine");
	TCase *tc = tcase_create("determinism");
	tcase_add_test(tc, same_seed_same_hash);
	tcase_add_test(tc, seeds_explore_different_schedules);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("replay");
	tcase_add_test(tc, replay_reproduces_every_run);
	tcase_add_test(tc, replay_of_edited_scenario_stops_at_first_difference);
	tcase_add_test(tc, replay_of_edited_trace_stops_at_the_edit);
	tcase_add_test(tc, replay_past_the_end_diverges);
	tcase_add_test(tc, failing_run_through_a_trace_file);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("checks");
	tcase_add_test(tc, pct_meets_its_bound_on_depth2);
	tcase_add_test(tc, correct_toys_pass_every_schedule);
	tcase_add_test(tc, each_check_fires_on_its_toy);
	tcase_add_test(tc, bugcheck_codes_and_reports);
	tcase_add_test(tc, driver_crash_and_hang_end_the_run);
	tcase_add_test(tc, interrupt_runs_on_top_and_dpc_follows);
	tcase_add_test(tc, isr_on_a_spinning_cpu_spins_again);
	tcase_add_test(tc, driver_crash_names_object_and_offset);
	tcase_add_test(tc, limit_is_published_before_the_cut);
	tcase_add_test(tc, check_deadline_wakes_a_sleeping_machine);
	tcase_add_test(tc, flush_waits_for_a_running_dpc);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
