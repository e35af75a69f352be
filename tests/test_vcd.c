/*
 * The waveform of a run (`run --vcd`, `replay --vcd`, tools/vcd.c): what it
 * shows of a failing run, that a real VCD reader (GTKWave's vcd2fst, read
 * back with fst2vcd) sees exactly what we wrote, that the same run gives
 * the same file, and that an unwritable output leaves nothing behind.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prog.h"
#include "simtime.h"
#include "vcd_read.h"

/* Fails within a few milliseconds under this schedule (its trace is in
 * fixtures/traces/corpus.txt): the revoke restarts the buffer. */
#define BUG "fixtures/scenarios/bugs/wdk81-revoke-resets-dma.ini"
#define BUG_ARGS "--seed", "1", "--strategy", "pct", "--depth", "1"

static char *tmpdir(void)
{
	static char dirs[4][64];
	static unsigned next;
	char *dir = dirs[next++ % 4];
	snprintf(dir, 64, "/tmp/ac97sim-vcd-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void read_ok(const char *path, struct vcd_file *f)
{
	char err[256];
	ck_assert_msg(vcd_read(path, f, err, sizeof(err)) == 0, "%s: %s", path, err);
}

/* The tick the failure fired at, from the report: "(step S, T ticks = ". */
static uint64_t failure_tick(const char *out)
{
	const char *p = strstr(out, "(step ");
	ck_assert_msg(p != NULL, "%s", out);
	unsigned long long step, tick;
	ck_assert_int_eq(sscanf(p, "(step %llu, %llu ticks", &step, &tick), 2);
	return tick;
}

static const struct vcd_var *need(const struct vcd_file *f, const char *name)
{
	const struct vcd_var *v = vcd_find(f, name);
	ck_assert_msg(v != NULL, "the waveform has no %s", name);
	return v;
}

/* Whether any value of v starts with prefix. */
static bool ever(const struct vcd_var *v, const char *prefix)
{
	for (size_t i = 0; i < v->n_changes; i++)
		if (strncmp(v->changes[i].value, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

START_TEST(failing_run_waveform)
{
	/* Goal: the waveform of a failing run declares every signal the
	 * options promise (each CPU's context, state and IRQL, the machine's
	 * CPU, lock holders, the interrupt line, each engine's registers, the
	 * port's state and each mapping's), shows what the run did (the stream
	 * script, the ISR and a DPC running, a lock held and freed, mapping 0
	 * acquired, PO's CIV and LVI moving), and marks the failure at the
	 * tick the report gives, and nowhere before. */
	char *dir = tmpdir();
	char vcd[128];
	snprintf(vcd, sizeof(vcd), "%s/r.vcd", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", BUG, BUG_ARGS, "--vcd", vcd, NULL }, NULL);
	ck_assert_msg(r.status == 1, "exit %d\n%s%s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "waveform: "));
	struct vcd_file f;
	read_ok(vcd, &f);
	ck_assert_str_eq(f.timescale, "1ns");
	static const char *const names[] = {
		"ac97sim.cpu0.context", "ac97sim.cpu0.state", "ac97sim.cpu0.irql",
		"ac97sim.cpu1.context", "ac97sim.cpu1.state", "ac97sim.cpu1.irql",
		"ac97sim.machine.cpu", "ac97sim.device.irq", "ac97sim.port.state",
		"ac97sim.device.pi.civ", "ac97sim.device.mc.picb",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		need(&f, names[i]);
	/* PO's registers: all there, and those a start and a revoke move
	 * (the bug strikes before the first buffer is done: CIV stays 0). */
	static const char *const regs[] = { "lvi", "piv", "picb", "sr", "cr", "run", "civ" };
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "ac97sim.device.po.%s", regs[i]);
		const struct vcd_var *reg = need(&f, name);
		ck_assert_msg(reg->n_changes > 1 || strcmp(regs[i], "civ") == 0, "%s never moves",
			      name);
	}
	/* What the run did. */
	const struct vcd_var *ctx0 = need(&f, "ac97sim.cpu0.context");
	const struct vcd_var *ctx1 = need(&f, "ac97sim.cpu1.context");
	ck_assert(ever(ctx0, "stream_script") || ever(ctx1, "stream_script"));
	ck_assert(ever(ctx0, "DPC:") || ever(ctx1, "DPC:"));
	ck_assert(ever(need(&f, "ac97sim.cpu0.irql"), "00000010"));	/* DISPATCH */
	ck_assert(ever(need(&f, "ac97sim.port.state"), "RUN"));
	const struct vcd_var *m0 = need(&f, "ac97sim.port.m000_irp0");
	ck_assert_str_eq(m0->changes[0].value, "PENDING");
	ck_assert(ever(m0, "ACQUIRED:0x1"));
	bool lock_held = false, lock_freed = false;
	for (size_t i = 0; i < f.n_vars; i++) {
		if (strncmp(f.vars[i].name, "ac97sim.locks.", 14) != 0)
			continue;
		lock_held |= ever(&f.vars[i], "000");	/* cpu0 or cpu1 */
		lock_freed |= ever(&f.vars[i], "zzzz");
	}
	ck_assert(lock_held && lock_freed);
	/* The failure: marked once, at the failure's tick. */
	uint64_t at_ns = sim_ticks_to_ns_round(failure_tick(r.out));
	const struct vcd_var *failed = need(&f, "ac97sim.failed");
	ck_assert_uint_eq(failed->n_changes, 2);
	ck_assert_str_eq(failed->changes[0].value, "0");
	ck_assert_str_eq(failed->changes[1].value, "1");
	ck_assert_uint_eq(failed->changes[1].time, at_ns);
	const struct vcd_var *failure = need(&f, "ac97sim.failure");
	ck_assert_str_eq(vcd_value_at(failure, at_ns), "audio-conservation");
	ck_assert_str_eq(vcd_value_at(failure, at_ns - 1), "-");
	ck_assert_uint_eq(f.last_time, at_ns);
	vcd_file_free(&f);
}
END_TEST

static bool have_tool(const char *name)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

START_TEST(a_real_reader_agrees)
{
	/* Goal: GTKWave's own reader takes the waveform of a failing run and
	 * reads exactly what we wrote: vcd2fst converts it, fst2vcd writes
	 * what it understood back, and every variable has the same type,
	 * width and history in both (by name, whatever the identifiers). */
	if (!have_tool("vcd2fst") || !have_tool("fst2vcd")) {
		fprintf(stderr, "test_vcd: skipped a_real_reader_agrees: vcd2fst and fst2vcd "
				"(Debian package gtkwave, sh install-deps.sh) are not installed\n");
		return;
	}
	char *dir = tmpdir();
	char vcd[128], fst[128], back[128], cmd[1024];
	snprintf(vcd, sizeof(vcd), "%s/r.vcd", dir);
	snprintf(fst, sizeof(fst), "%s/r.fst", dir);
	snprintf(back, sizeof(back), "%s/back.vcd", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", BUG, BUG_ARGS, "--vcd", vcd, NULL }, NULL);
	ck_assert_int_eq(r.status, 1);
	snprintf(cmd, sizeof(cmd), "vcd2fst %s %s >%s/vcd2fst.log 2>&1 && fst2vcd %s >%s 2>/dev/null",
		 vcd, fst, dir, fst, back);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
	struct vcd_file ours, theirs;
	read_ok(vcd, &ours);
	read_ok(back, &theirs);
	char why[512];
	ck_assert_msg(vcd_same(&ours, &theirs, why, sizeof(why)), "vcd2fst reads otherwise: %s", why);
	ck_assert_uint_gt(ours.n_vars, 30);
	vcd_file_free(&ours);
	vcd_file_free(&theirs);
}
END_TEST

/* Writes text to path. */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

#define HEADER                                                                              \
	"$timescale 1ns $end\n$scope module top $end\n$var wire 4 ! n $end\n"              \
	"$var string 1 \" s $end\n$upscope $end\n$enddefinitions $end\n"

START_TEST(reader_refuses_and_compares)
{
	/* Goal: the comparison above can fail: the test reader refuses what
	 * is not VCD (an undeclared identifier, time going back, a value
	 * wider than its wire, a header that never ends, scopes that do not
	 * close), and vcd_same notices one change more, one value different,
	 * or a variable missing. */
	char *dir = tmpdir();
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/x.vcd", dir);
	static const char *const bad[] = {
		HEADER "#0\nb1 !\nb1 #\n",
		HEADER "#5\nb1 !\n#4\nb0 !\n",
		HEADER "#0\nb10101 !\n",
		HEADER "#0\nb2 !\n",
		"$timescale 1ns $end\n$scope module top $end\n$var wire 4 ! n $end\n#0\nb1 !\n",
		"$scope module top $end\n$var wire 4 ! n $end\n$enddefinitions $end\n",
		HEADER "b1 !\n",
	};
	struct vcd_file a, b;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(path, bad[i]);
		ck_assert_msg(vcd_read(path, &a, err, sizeof(err)) != 0, "bad file %zu was read", i);
	}
	write_text(path, HEADER "#0\nb1 !\nsidle \"\n#10\nb10 !\n#10\nb11 !\n#20\nb11 !\n");
	read_ok(path, &a);
	const struct vcd_var *n = vcd_find(&a, "top.n");
	ck_assert_ptr_nonnull(n);
	/* 1 at 0, then 3 at 10 (two changes at one time: the last; 3 again:
	 * no change). */
	ck_assert_uint_eq(n->n_changes, 2);
	ck_assert_str_eq(n->changes[1].value, "0011");
	ck_assert_str_eq(vcd_value_at(n, 15), "0011");
	char why[256];
	static const char *const other[] = {
		HEADER "#0\nb1 !\nsidle \"\n#10\nb11 !\n#30\nb0 !\n",	/* one change more */
		HEADER "#0\nb1 !\nsbusy \"\n#10\nb11 !\n",		/* a value different */
		HEADER "#0\nb1 !\nsidle \"\n#11\nb11 !\n",		/* a time different */
		("$timescale 1ns $end\n$scope module top $end\n$var wire 4 ! n $end\n$upscope $end\n"
		 "$enddefinitions $end\n#0\nb1 !\n#10\nb11 !\n"),	/* a variable missing */
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		write_text(path, other[i]);
		read_ok(path, &b);
		ck_assert_msg(!vcd_same(&a, &b, why, sizeof(why)), "file %zu looked the same", i);
		vcd_file_free(&b);
	}
	write_text(path, "$timescale 1ns $end\n$scope module top $end\n$var wire 4 % n $end\n"
			 "$var string 1 ! s $end\n$upscope $end\n$enddefinitions $end\n"
			 "#0\n$dumpvars\nb0001 %\nsidle !\n$end\n#10\nb0011 %\n");
	read_ok(path, &b);
	ck_assert_msg(vcd_same(&a, &b, why, sizeof(why)), "%s", why);
	vcd_file_free(&a);
	vcd_file_free(&b);
}
END_TEST

START_TEST(same_run_same_waveform)
{
	/* Goal: a waveform depends on the run alone: the trace of a run
	 * replayed twice gives byte-identical files, and what they show is
	 * what the run's own waveform showed. */
	char *dir = tmpdir();
	char run_vcd[128], trace[128], a[128], b[128], cmd[512];
	snprintf(run_vcd, sizeof(run_vcd), "%s/run.vcd", dir);
	snprintf(trace, sizeof(trace), "%s/r.trace", dir);
	snprintf(a, sizeof(a), "%s/a.vcd", dir);
	snprintf(b, sizeof(b), "%s/b.vcd", dir);
	static struct prog_result r;
	prog_run(&r, (const char *const[]){ "run", BUG, BUG_ARGS, "--vcd", run_vcd, "--trace-out",
					    trace, NULL },
		 NULL);
	ck_assert_int_eq(r.status, 1);
	prog_run(&r, (const char *const[]){ "replay", trace, "--vcd", a, NULL }, NULL);
	ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
	prog_run(&r, (const char *const[]){ "replay", trace, "--vcd", b, NULL }, NULL);
	ck_assert_int_eq(r.status, 1);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	ck_assert_msg(system(cmd) == 0, "two replays wrote different waveforms");
	struct vcd_file x, y;
	read_ok(run_vcd, &x);
	read_ok(a, &y);
	char why[512];
	ck_assert_msg(vcd_same(&x, &y, why, sizeof(why)), "run and replay differ: %s", why);
	vcd_file_free(&x);
	vcd_file_free(&y);
}
END_TEST

START_TEST(unwritable_waveform)
{
	/* Goal: a waveform that cannot be written is reported as
	 * "ac97sim: PATH: reason" with status 2: before the run when its
	 * folder is missing (nothing runs), after it when the disk is full
	 * (/dev/full: the run's verdict is printed, the file is not). A
	 * passing run's waveform has no failure marked, and shows the ISR at
	 * DIRQL once the line rises and CIV moving. */
	char *dir = tmpdir();
	char path[160];
	static struct prog_result r;
	snprintf(path, sizeof(path), "%s/no/such/folder/w.vcd", dir);
	prog_run(&r, (const char *const[]){ "run", BUG, BUG_ARGS, "--vcd", path, NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "ac97sim: ") == r.err && strstr(r.err, path) != NULL, "%s",
		      r.err);
	ck_assert_ptr_null(strstr(r.out, "verdict"));
	prog_run(&r, (const char *const[]){ "run", BUG, BUG_ARGS, "--vcd", "/dev/full", NULL }, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "ac97sim: /dev/full: ") != NULL, "%s", r.err);
	snprintf(path, sizeof(path), "%s/pass.vcd", dir);
	prog_run(&r, (const char *const[]){ "run", "fixtures/scenarios/short-2.ini", "--vcd", path,
					    NULL },
		 NULL);
	ck_assert_msg(r.status == 0, "%s", r.out);
	struct vcd_file f;
	read_ok(path, &f);
	ck_assert_uint_eq(need(&f, "ac97sim.failed")->n_changes, 1);
	ck_assert_str_eq(need(&f, "ac97sim.failure")->changes[0].value, "-");
	ck_assert(ever(need(&f, "ac97sim.port.state"), "STOP"));
	/* This one plays to its end: buffers complete, the interrupt line
	 * rises and the ISR runs at DIRQL. */
	const struct vcd_var *ctx0 = need(&f, "ac97sim.cpu0.context");
	const struct vcd_var *ctx1 = need(&f, "ac97sim.cpu1.context");
	ck_assert(ever(ctx0, "ISR:ac97_isr") || ever(ctx1, "ISR:ac97_isr"));
	ck_assert(ever(need(&f, "ac97sim.cpu0.irql"), "00000101") ||
		  ever(need(&f, "ac97sim.cpu1.irql"), "00000101"));
	ck_assert(ever(need(&f, "ac97sim.device.irq"), "1"));
	ck_assert_uint_gt(need(&f, "ac97sim.device.po.civ")->n_changes, 1);
	vcd_file_free(&f);
	ck_assert(exists(path));
}
END_TEST

Suite *suite_vcd(void);

Suite *suite_vcd(void)
{
	Suite *s = suite_create("tools/vcd");
	TCase *tc = tcase_create("waveform");
	tcase_add_test(tc, failing_run_waveform);
	tcase_add_test(tc, a_real_reader_agrees);
	tcase_add_test(tc, reader_refuses_and_compares);
	tcase_add_test(tc, same_run_same_waveform);
	tcase_add_test(tc, unwritable_waveform);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
