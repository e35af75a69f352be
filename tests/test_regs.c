/*
 * test_regs.c - register scripts: the parser (every malformed case is
 * reported with its SCRIPT:LINE and nothing runs), the exact output forms,
 * the integer sine, the WAV writer, every fixture in fixtures/regs against
 * its `# expect-exit:` line, and the ac97sim program itself (exec'd from
 * the path in $AC97SIM, which `make test` sets).
 *
 * Tests run from the top of the tree, so fixtures/ is a relative path.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sndfile.h>

#include "fnv1a.h"
#include "prog.h"
#include "regs_script.h"

extern char **environ;

#define FIXTURE_DIR "fixtures/regs"

Suite *suite_regs_script(void);

/* What one in-process run produced. */
struct run_result {
	int status;
	char *out;
	char *err;
};

static struct run_result run_text_opts(const char *text, const struct regs_script_opts *opts)
{
	struct run_result r = { 0 };
	size_t out_len = 0, err_len = 0;
	FILE *out = open_memstream(&r.out, &out_len);
	FILE *err = open_memstream(&r.err, &err_len);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	r.status = regs_script_run_string("t.regs", text, strlen(text), opts, out, err);
	fclose(out);
	fclose(err);
	return r;
}

static struct run_result run_text(const char *text)
{
	return run_text_opts(text, NULL);
}

static void free_result(struct run_result *r)
{
	free(r->out);
	free(r->err);
}

/* Asserts a malformed script: status 2, nothing ran (no output), and err
 * holds exactly want_err. */
static void assert_malformed(const char *text, const char *want_err)
{
	struct run_result r = run_text(text);
	ck_assert_msg(r.status == 2, "status %d for:\n%s\nerr: %s", r.status, text, r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, want_err);
	free_result(&r);
}

/* Asserts status 2 and that err starts with the given SCRIPT:LINE prefix. */
static void assert_malformed_at(const char *text, const char *want_prefix)
{
	struct run_result r = run_text(text);
	ck_assert_msg(r.status == 2, "status %d for:\n%s\nerr: %s", r.status, text, r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(strncmp(r.err, want_prefix, strlen(want_prefix)) == 0,
		      "err '%s' does not start with '%s'", r.err, want_prefix);
	free_result(&r);
}

/* ---- parser ---- */

START_TEST(parse_unknown_command)
{
	/* goal: an unknown command is reported with its line and nothing runs */
	assert_malformed("read nabm 0x16 16\n\nfrobnicate 1 2\n",
			 "ac97sim: t.regs:3: unknown command 'frobnicate'\n");
	assert_malformed("READ nabm 0x16 16\n", "ac97sim: t.regs:1: unknown command 'READ'\n");
}
END_TEST

START_TEST(parse_bad_arg_count)
{
	/* goal: too few or too many arguments for each command are malformed */
	assert_malformed("write nabm 0x15 8\n",
			 "ac97sim: t.regs:1: write takes 4 arguments, got 3 "
			 "(usage: write BAR OFF WIDTH VALUE)\n");
	assert_malformed_at("read nabm 0x16\n", "ac97sim: t.regs:1: read takes 3");
	assert_malformed_at("expect nabm 0x16 16 1 2 3\n", "ac97sim: t.regs:1: expect takes 4 to 5");
	assert_malformed_at("bd 0 0 0\n", "ac97sim: t.regs:1: bd takes 4 to 6");
	assert_malformed_at("fill 0 16\n", "ac97sim: t.regs:1: fill takes 3");
	assert_malformed_at("unmap 0\n", "ac97sim: t.regs:1: unmap takes 2");
	assert_malformed_at("map 0 1 2\n", "ac97sim: t.regs:1: map takes 2");
	assert_malformed_at("advance 5\n", "ac97sim: t.regs:1: advance takes 2");
	assert_malformed_at("irq 1 1\n", "ac97sim: t.regs:1: irq takes 0 to 1");
	assert_malformed_at("out 1\n", "ac97sim: t.regs:1: out takes 0");
	assert_malformed_at("faults 1 2\n", "ac97sim: t.regs:1: faults takes 0 to 1");
	assert_malformed_at("faults x\n", "ac97sim: t.regs:1: bad number 'x' for N");
	assert_malformed_at("last 1\n", "ac97sim: t.regs:1: last takes 0 or 2");
	assert_malformed_at("last 1 2 3\n", "ac97sim: t.regs:1: last takes 0 to 2");
	assert_malformed_at("last 0x10000 0\n", "ac97sim: t.regs:1: L 0x10000 does not fit 16 bits");
	assert_malformed_at("write a b c d e f g h i j k l m n o p\n",
			    "ac97sim: t.regs:1: write takes at most 4");
	assert_malformed_at("zap a b c d e f g h i j k l m n o p\n",
			    "ac97sim: t.regs:1: unknown command 'zap'");
}
END_TEST

START_TEST(parse_bad_number)
{
	/* goal: numbers are decimal or 0x-hex only; signs, suffixes, bare 0x and octal-looking junk fail */
	assert_malformed("write nabm 0x15 8 -1\n",
			 "ac97sim: t.regs:1: bad number '-1' for VALUE\n");
	assert_malformed_at("write nabm 0x 8 1\n", "ac97sim: t.regs:1: bad number '0x' for OFF");
	assert_malformed_at("write nabm 0x15 8 12a\n", "ac97sim: t.regs:1: bad number '12a'");
	assert_malformed_at("write nabm 0x15 8 0xg\n", "ac97sim: t.regs:1: bad number '0xg'");
	assert_malformed_at("write nabm 0x15 8 +3\n", "ac97sim: t.regs:1: bad number '+3'");
	assert_malformed_at("write nabm 0x15 8 1.5\n", "ac97sim: t.regs:1: bad number '1.5'");
	assert_malformed_at("advance 1e3 us\n", "ac97sim: t.regs:1: bad number '1e3'");
}
END_TEST

START_TEST(parse_number_forms)
{
	/* goal: decimal, 0x and 0X hex with either letter case, leading zeros and UINT64_MAX all parse */
	struct run_result r = run_text("write nabm 0X15 8 0xA\n"
				       "write nabm 21 8 010\n"
				       "map 0xFFFFFFFFFFFFFFFF 18446744073709551615\n"
				       "advance 0 ticks\n");
	ck_assert_msg(r.status == 0, "status %d err %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
	free_result(&r);
}
END_TEST

START_TEST(parse_overflow)
{
	/* goal: numbers past 64 bits are reported as overflow, decimal and hex */
	assert_malformed("map 18446744073709551616 1\n",
			 "ac97sim: t.regs:1: number '18446744073709551616' for ADDR overflows 64 bits\n");
	assert_malformed_at("map 0x10000000000000000 1\n",
			    "ac97sim: t.regs:1: number '0x10000000000000000' for ADDR overflows");
	assert_malformed_at("advance 99999999999999999999999 ticks\n",
			    "ac97sim: t.regs:1: number '99999999999999999999999' for N overflows");
}
END_TEST

START_TEST(parse_bad_width)
{
	/* goal: WIDTH other than 8, 16 or 32 is malformed, for write, read and expect */
	assert_malformed("read nabm 0x16 12\n",
			 "ac97sim: t.regs:1: bad WIDTH 12 (want 8, 16 or 32)\n");
	assert_malformed_at("write nabm 0x16 64 0\n", "ac97sim: t.regs:1: bad WIDTH 64");
	assert_malformed_at("expect nabm 0x16 0 0\n", "ac97sim: t.regs:1: bad WIDTH 0");
	assert_malformed_at("expect nabm 0x16 0x10x 0\n", "ac97sim: t.regs:1: bad number '0x10x'");
}
END_TEST

START_TEST(parse_value_not_fitting)
{
	/* goal: VALUE and MASK must fit WIDTH; the widest fitting values are fine */
	assert_malformed("write nabm 0x15 8 0x100\n",
			 "ac97sim: t.regs:1: VALUE 0x100 does not fit 8 bits\n");
	assert_malformed_at("write nabm 0x16 16 65536\n",
			    "ac97sim: t.regs:1: VALUE 0x10000 does not fit 16 bits");
	assert_malformed_at("write nabm 0x10 32 0x100000000\n",
			    "ac97sim: t.regs:1: VALUE 0x100000000 does not fit 32 bits");
	assert_malformed_at("expect nabm 0x16 16 0 0x1ffff\n",
			    "ac97sim: t.regs:1: MASK 0x1ffff does not fit 16 bits");
	struct run_result r = run_text("expect nabm 0x40 8 0xff\n"
				       "expect nabm 0x40 32 0xffffffff 0xffffffff\n");
	ck_assert_msg(r.status != 2, "fitting values rejected: %s", r.err);
	free_result(&r);
}
END_TEST

START_TEST(parse_bad_bar)
{
	/* goal: BAR is exactly nam or nabm */
	assert_malformed("read nabmbar 0 8\n",
			 "ac97sim: t.regs:1: bad BAR 'nabmbar' (want nam or nabm)\n");
	assert_malformed_at("write NAM 0 16 0\n", "ac97sim: t.regs:1: bad BAR 'NAM'");
}
END_TEST

START_TEST(parse_bad_offset)
{
	/* goal: OFF must fit the 32-bit port offset */
	assert_malformed("read nam 0x100000000 16\n",
			 "ac97sim: t.regs:1: OFF 0x100000000 does not fit 32 bits\n");
}
END_TEST

START_TEST(parse_bad_unit)
{
	/* goal: UNIT is ticks, frames or us */
	assert_malformed("advance 10 ms\n",
			 "ac97sim: t.regs:1: bad UNIT 'ms' (want ticks, frames or us)\n");
	assert_malformed_at("advance 10 tick\n", "ac97sim: t.regs:1: bad UNIT 'tick'");
}
END_TEST

START_TEST(parse_advance_overflow)
{
	/* goal: an advance whose ticks overflow, or one that takes the total past the horizon, is malformed */
	assert_malformed_at("advance 0x100000000000000 frames\n",
			    "ac97sim: t.regs:1: advance 72057594037927936 frames overflows");
	assert_malformed_at("advance 18446744073709551615 us\n",
			    "ac97sim: t.regs:1: advance 18446744073709551615 us overflows");
	assert_malformed("advance 0xffffffffffffffff ticks\n",
			 "ac97sim: t.regs:1: advance goes past the simulated clock's horizon "
			 "(2^56 ticks, about 186 years)\n");
	assert_malformed_at("advance 0x8000000000000000 ticks\n"
			    "advance 0x7fffffffffffffff ticks\n",
			    "ac97sim: t.regs:1: advance goes past the simulated clock's horizon");
}
END_TEST

/* Link up with VRA at 44.1 kHz and PCM out playing two buffers; then the
 * advance lines given. */
static const char vra_44k1_playing[] =
	"write nabm 0x2c 32 0x2\nadvance 64 frames\n"
	"write nam 0x2a 16 0x0001\nadvance 2 frames\n"
	"write nam 0x2c 16 44100\nadvance 2 frames\n"
	"bd 0x1000 0 0x10000 882 ioc\nbd 0x1000 1 0x10dc8 882 ioc\n"
	"write nabm 0x10 32 0x1000\nwrite nabm 0x15 8 1\nwrite nabm 0x1b 8 0x01\n";

START_TEST(parse_advance_horizon)
{
	/* goal: with VRA at 44.1 kHz, a 2^57-tick advance is refused at its line (it used to never
	 * return), advances up to the last tick before the horizon and onto it run and return, and a
	 * total one tick past it is refused at the line that crosses it, with nothing run */
	char text[1024];
	snprintf(text, sizeof(text), "%sadvance 0x200000000000000 ticks\n", vra_44k1_playing);
	assert_malformed(text, "ac97sim: t.regs:12: advance goes past the simulated clock's horizon "
			       "(2^56 ticks, about 186 years)\n");
	/* 68 frames = 17408 ticks so far; 2^56 - 17408 = 0xffffffffffbc00. */
	snprintf(text, sizeof(text),
		 "%sadvance 0xffffffffffbbff ticks\nout\nexpect nabm 0x14 8 1\n"
		 "advance 1 ticks\nexpect nabm 0x16 16 0x000f\n",
		 vra_44k1_playing);
	struct run_result r = run_text(text);
	ck_assert_msg(r.status == 0, "status %d: %s%s", r.status, r.out, r.err);
	/* Guest memory starts zeroed: 882 frames of 4 zero bytes went out. */
	static const uint8_t zeros[882 * 4];
	char want[128];
	snprintf(want, sizeof(want), "out frames = 882 fnv1a64 = 0x%016" PRIx64 "\n",
		 fnv1a64(FNV1A64_INIT, zeros, sizeof(zeros)));
	ck_assert_str_eq(r.out, want);
	ck_assert_str_eq(r.err, "");
	free_result(&r);
	snprintf(text, sizeof(text), "%sadvance 0xffffffffffbbff ticks\nout\nadvance 2 ticks\n",
		 vra_44k1_playing);
	assert_malformed_at(text, "ac97sim: t.regs:14: advance goes past the simulated clock's horizon");
}
END_TEST

START_TEST(parse_bd_ranges)
{
	/* goal: bd INDEX 0..31, SAMPLES 0..65535, 32-bit ADDR, known unrepeated flags, no wrap of LIST */
	assert_malformed("bd 0x1000 32 0x2000 16\n",
			 "ac97sim: t.regs:1: bd INDEX 32 out of range (0..31)\n");
	assert_malformed_at("bd 0x1000 0 0x2000 65536\n",
			    "ac97sim: t.regs:1: bd SAMPLES 65536 out of range");
	assert_malformed_at("bd 0x1000 0 0x100000000 16\n",
			    "ac97sim: t.regs:1: bd ADDR 0x100000000 does not fit 32 bits");
	assert_malformed_at("bd 0x1000 0 0x2000 16 iocc\n", "ac97sim: t.regs:1: bad bd flag 'iocc'");
	assert_malformed_at("bd 0x1000 0 0x2000 16 ioc ioc\n",
			    "ac97sim: t.regs:1: bd flag 'ioc' given twice");
	assert_malformed_at("bd 0xfffffffffffffff8 1 0 0\n",
			    "ac97sim: t.regs:1: bd LIST 0xfffffffffffffff8 + descriptor overflows");
	struct run_result r = run_text("bd 0x1000 31 0xffffffff 65535 bup ioc\n"
				       "bd 0xfffffffffffffff0 1 0 0\n");
	ck_assert_msg(r.status == 0, "status %d err %s", r.status, r.err);
	free_result(&r);
}
END_TEST

START_TEST(parse_bad_pattern)
{
	/* goal: PATTERN is zero, ramp16 or sine:HZ with HZ in 1..23999 */
	assert_malformed("fill 0 16 ramp8\n",
			 "ac97sim: t.regs:1: bad PATTERN 'ramp8' (want zero, ramp16 or sine:HZ)\n");
	assert_malformed_at("fill 0 16 sine:0\n", "ac97sim: t.regs:1: sine HZ 0 out of range");
	assert_malformed_at("fill 0 16 sine:24000\n", "ac97sim: t.regs:1: sine HZ 24000 out of range");
	assert_malformed_at("fill 0 16 sine:\n", "ac97sim: t.regs:1: bad number '' for sine HZ");
	assert_malformed_at("fill 0 16 sine:4x\n", "ac97sim: t.regs:1: bad number '4x' for sine HZ");
}
END_TEST

START_TEST(parse_irq_level)
{
	/* goal: irq LEVEL is exactly 0 or 1 */
	assert_malformed("irq 2\n", "ac97sim: t.regs:1: bad irq LEVEL '2' (want 0 or 1)\n");
	assert_malformed_at("irq 0x1\n", "ac97sim: t.regs:1: bad irq LEVEL '0x1'");
}
END_TEST

START_TEST(parse_nul_byte)
{
	/* goal: a NUL byte inside a line is malformed, not a silent end of the script */
	const char text[] = "out\nread nabm\0 0x16 16\nfoo\n";
	struct run_result r = { 0 };
	size_t out_len = 0, err_len = 0;
	FILE *out = open_memstream(&r.out, &out_len);
	FILE *err = open_memstream(&r.err, &err_len);
	r.status = regs_script_run_string("t.regs", text, sizeof(text) - 1, NULL, out, err);
	fclose(out);
	fclose(err);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "ac97sim: t.regs:2: NUL byte in line\n"
				"ac97sim: t.regs:3: unknown command 'foo'\n");
	free_result(&r);
}
END_TEST

START_TEST(parse_reports_every_line)
{
	/* goal: every malformed line is reported in order, and valid lines before them do not run */
	struct run_result r = run_text("read nabm 0x16 16\n"
				       "out\n"
				       "write nabm 0x15 9 0\n"
				       "# a comment\n"
				       "bogus\n"
				       "read nabm 0x16 16\n"
				       "advance 1 hour\n");
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "ac97sim: t.regs:3: bad WIDTH 9 (want 8, 16 or 32)\n"
				"ac97sim: t.regs:5: unknown command 'bogus'\n"
				"ac97sim: t.regs:7: bad UNIT 'hour' (want ticks, frames or us)\n");
	free_result(&r);
}
END_TEST

START_TEST(parse_long_token_cut)
{
	/* goal: a hostile, very long token is cut in the message instead of flooding it */
	size_t len_bytes = 100000;
	char *text = malloc(len_bytes + 2);
	ck_assert_ptr_nonnull(text);
	memset(text, 'z', len_bytes);
	text[len_bytes] = '\n';
	text[len_bytes + 1] = '\0';
	struct run_result r = run_text(text);
	ck_assert_int_eq(r.status, 2);
	ck_assert_uint_lt(strlen(r.err), 200);
	free_result(&r);
	free(text);
}
END_TEST

START_TEST(parse_comments_blank_crlf)
{
	/* goal: comments (whole-line and trailing), blank lines, tabs, CRLF and no final newline all parse */
	struct run_result r = run_text("# header\r\n"
				       "\r\n"
				       "   \t\n"
				       "\tout   # trailing comment\r\n"
				       "faults#glued comment\n"
				       "irq");
	ck_assert_msg(r.status == 0, "status %d err %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(r.out, "out frames = 0 fnv1a64 = 0xcbf29ce484222325\n"
				"faults = 0\n"
				"irq = 0\n");
	free_result(&r);
}
END_TEST

START_TEST(parse_empty_script)
{
	/* goal: an empty script (or only comments) passes with no output */
	struct run_result r = run_text("");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	free_result(&r);
	r = run_text("# nothing\n\n");
	ck_assert_int_eq(r.status, 0);
	free_result(&r);
}
END_TEST

/* ---- output forms ---- */

START_TEST(format_read)
{
	/* goal: read prints BAR, offset as 0x%02x, width and the value in width/4 lowercase hex digits */
	struct run_result r = run_text("read nabm 0x16 16\n"
				       "read nabm 0x15 8\n"
				       "read nabm 0x10 32\n"
				       "write nabm 0x10 32 0xabcdef08\n"
				       "read nabm 0x10 32\n"
				       "read nabm 0x14 32\n");
	ck_assert_msg(r.status == 0, "status %d err %s", r.status, r.err);
	ck_assert_str_eq(r.out, "read nabm 0x16 16 = 0x0001\n"
				"read nabm 0x15 8 = 0x00\n"
				"read nabm 0x10 32 = 0x00000000\n"
				"read nabm 0x10 32 = 0xabcdef08\n"
				"read nabm 0x14 32 = 0x00010000\n");
	free_result(&r);
}
END_TEST

START_TEST(format_expect_mismatch)
{
	/* goal: a failed expect prints SCRIPT:LINE: expect ... got/want/mask, the run goes on and exits 1 */
	struct run_result r = run_text("expect nabm 0x16 16 0x0001\n"
				       "expect nabm 0x16 16 0x0003\n"
				       "read nabm 0x15 8\n"
				       "expect nabm 0x15 8 0x1f 0x1f\n"
				       "expect nabm 0x16 16 0x0003 0x0001\n");
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(r.out, "t.regs:2: expect nabm 0x16 16: got 0x0001 want 0x0003 (mask 0xffff)\n"
				"read nabm 0x15 8 = 0x00\n"
				"t.regs:4: expect nabm 0x15 8: got 0x00 want 0x1f (mask 0x1f)\n");
	free_result(&r);
}
END_TEST

START_TEST(format_irq)
{
	/* goal: irq prints irq = N; with LEVEL a mismatch is reported with SCRIPT:LINE and exits 1 */
	struct run_result r = run_text("irq\nirq 0\nirq 1\n");
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "irq = 0\n"
				"irq = 0\n"
				"irq = 0\n"
				"t.regs:3: irq: got 0 want 1\n");
	free_result(&r);
}
END_TEST

START_TEST(format_out_faults_initial)
{
	/* goal: before any audio, out shows zero frames and the FNV-1a offset basis; faults = 0 */
	struct run_result r = run_text("out\nfaults\n");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "out frames = 0 fnv1a64 = 0xcbf29ce484222325\nfaults = 0\n");
	free_result(&r);
}
END_TEST

/* Expected FNV-1a 64 of n_samples ramp16 samples. */
static uint64_t ramp16_fnv(uint32_t n_samples)
{
	uint64_t h = FNV1A64_INIT;
	for (uint32_t n = 0; n < n_samples; n++) {
		uint8_t b[2] = { (uint8_t)n, (uint8_t)(n >> 8) };
		h = fnv1a64(h, b, 2);
	}
	return h;
}

START_TEST(play_ramp_out_hash)
{
	/* goal: bd + fill ramp16 + RPBM plays the buffer; out counts its frames and hashes its bytes */
	struct run_result r = run_text("write nabm 0x2c 32 0x2\n"
				       "advance 100 frames\n"
				       "fill 0x20000 4096 ramp16\n"
				       "bd 0x10000 0 0x20000 2048 ioc\n"
				       "write nabm 0x10 32 0x10000\n"
				       "write nabm 0x15 8 0\n"
				       "write nabm 0x1b 8 0x1\n"
				       "advance 3000 frames\n"
				       "out\n"
				       "faults\n");
	ck_assert_msg(r.status == 0, "status %d err %s", r.status, r.err);
	char want[200];
	snprintf(want, sizeof(want), "out frames = 1024 fnv1a64 = 0x%016" PRIx64 "\nfaults = 0\n",
		 ramp16_fnv(2048));
	ck_assert_str_eq(r.out, want);
	free_result(&r);
}
END_TEST

START_TEST(play_unmapped_faults)
{
	/* goal: playing a buffer whose page was unmapped makes the device count DMA faults */
	struct run_result r = run_text("write nabm 0x2c 32 0x2\n"
				       "advance 100 frames\n"
				       "fill 0x20000 4096 ramp16\n"
				       "bd 0x10000 0 0x20000 2048\n"
				       "unmap 0x20000 4096\n"
				       "write nabm 0x10 32 0x10000\n"
				       "write nabm 0x15 8 0\n"
				       "write nabm 0x1b 8 0x1\n"
				       "advance 3000 frames\n"
				       "faults\n");
	ck_assert_msg(r.status == 0, "status %d err %s", r.status, r.err);
	ck_assert_msg(strncmp(r.out, "faults = ", 9) == 0 && strcmp(r.out, "faults = 0\n") != 0,
		      "out: %s", r.out);
	free_result(&r);
}
END_TEST

/* ---- the integer sine ---- */

START_TEST(sine_matches_libm)
{
	/* goal: the integer sine is within 1 LSB of 16384 * sin(2 pi f n / 48000) for several tones */
	static const uint32_t tones_hz[] = { 1, 440, 997, 1000, 12000, 23999 };
	for (size_t t = 0; t < sizeof(tones_hz) / sizeof(tones_hz[0]); t++) {
		for (uint64_t n = 0; n < 48000; n += 7) {
			double want = 16384.0 * sin(2.0 * M_PI * (double)tones_hz[t] * (double)n / 48000.0);
			int got = regs_script_sine_sample(tones_hz[t], n);
			ck_assert_msg(fabs(got - want) <= 1.0, "hz %u n %" PRIu64 ": got %d want %.2f",
				      tones_hz[t], n, got, want);
		}
	}
}
END_TEST

START_TEST(sine_exact_points)
{
	/* goal: the sine hits 0 and +-16384 exactly at the quarter points and is periodic */
	ck_assert_int_eq(regs_script_sine_sample(12000, 0), 0);
	ck_assert_int_eq(regs_script_sine_sample(12000, 1), 16384);
	ck_assert_int_eq(regs_script_sine_sample(12000, 2), 0);
	ck_assert_int_eq(regs_script_sine_sample(12000, 3), -16384);
	ck_assert_int_eq(regs_script_sine_sample(440, 12345), regs_script_sine_sample(440, 12345 + 48000));
	ck_assert_int_eq(regs_script_sine_sample(440, UINT64_MAX),
			 regs_script_sine_sample(440, UINT64_MAX % 48000));
}
END_TEST

/* ---- files ---- */

START_TEST(file_missing)
{
	/* goal: an unreadable script gives ac97sim: SCRIPT: reason and status 2 */
	char *err_text = NULL;
	size_t err_len = 0;
	FILE *err = open_memstream(&err_text, &err_len);
	int status = regs_script_run_file("fixtures/regs/no-such-file.regs", NULL, stdout, err);
	fclose(err);
	ck_assert_int_eq(status, 2);
	ck_assert_str_eq(err_text, "ac97sim: fixtures/regs/no-such-file.regs: No such file or directory\n");
	free(err_text);
}
END_TEST

START_TEST(file_directory)
{
	/* goal: a directory given as the script is unreadable input (status 2), not a crash */
	char *err_text = NULL;
	size_t err_len = 0;
	FILE *err = open_memstream(&err_text, &err_len);
	int status = regs_script_run_file(FIXTURE_DIR, NULL, stdout, err);
	fclose(err);
	ck_assert_int_eq(status, 2);
	ck_assert_msg(strncmp(err_text, "ac97sim: " FIXTURE_DIR ": ", 9 + strlen(FIXTURE_DIR) + 2) == 0,
		      "err: %s", err_text);
	free(err_text);
}
END_TEST

static char *make_temp_path(const char *suffix)
{
	char tmpl[] = "/tmp/ac97sim-test-XXXXXX";
	int fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(tmpl);
	size_t len = strlen(tmpl) + strlen(suffix) + 1;
	char *path = malloc(len);
	ck_assert_ptr_nonnull(path);
	snprintf(path, len, "%s%s", tmpl, suffix);
	return path;
}

START_TEST(wav_tone)
{
	/* goal: --wav writes 16-bit stereo at 48 kHz holding the sine at 0 dB (master and PCM unmuted, 0 dB) */
	char *path = make_temp_path(".wav");
	struct regs_script_opts opts = { .wav_path = path };
	struct run_result r = run_text_opts("write nabm 0x2c 32 0x2\n"
					    "advance 100 frames\n"
					    "write nam 0x02 16 0x0000\n"
					    "advance 10 frames\n"
					    "write nam 0x18 16 0x0808\n"
					    "advance 10 frames\n"
					    "fill 0x20000 8000 sine:1000\n"
					    "bd 0x10000 0 0x20000 4000\n"
					    "write nabm 0x10 32 0x10000\n"
					    "write nabm 0x1b 8 0x1\n"
					    "advance 3000 frames\n",
					    &opts);
	ck_assert_msg(r.status == 0, "status %d err %s", r.status, r.err);
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	ck_assert_msg(sf != NULL, "cannot open %s: %s", path, sf_strerror(NULL));
	ck_assert_int_eq(info.samplerate, 48000);
	ck_assert_int_eq(info.channels, 2);
	ck_assert_int_eq(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	ck_assert_int_ge(info.frames, 2000);
	short *pcm = calloc((size_t)info.frames * 2, sizeof(short));
	ck_assert_ptr_nonnull(pcm);
	ck_assert_int_eq(sf_readf_short(sf, pcm, info.frames), info.frames);
	sf_close(sf);
	/* The tone starts with sample 0 = 0, so find its first non-zero frame
	 * (frame 1) and compare the 1999 frames from there. */
	sf_count_t start = 0;
	while (start < info.frames && pcm[2 * start] == 0 && pcm[2 * start + 1] == 0)
		start++;
	ck_assert_int_le(start + 1999, info.frames);
	for (sf_count_t i = 0; i < 1999; i++) {
		int want = regs_script_sine_sample(1000, (uint64_t)i + 1);
		ck_assert_msg(pcm[2 * (start + i)] == want && pcm[2 * (start + i) + 1] == want,
			      "frame %ld: got %d,%d want %d", (long)i, pcm[2 * (start + i)],
			      pcm[2 * (start + i) + 1], want);
	}
	free(pcm);
	unlink(path);
	free(path);
	free_result(&r);
}
END_TEST

START_TEST(wav_unwritable)
{
	/* goal: a WAV path that cannot be created gives ac97sim: FILE: reason and status 2 */
	struct regs_script_opts opts = { .wav_path = "/nonexistent-dir/x.wav" };
	struct run_result r = run_text_opts("advance 10 frames\nout\n", &opts);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strncmp(r.err, "ac97sim: /nonexistent-dir/x.wav: ", 33) == 0, "err: %s", r.err);
	free_result(&r);
}
END_TEST

/* ---- fixtures ---- */

/* The N of the fixture's `# expect-exit: N` line, or -1 if it has none. */
static int fixture_expect_exit(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	char line[512];
	int want = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		int n;
		if (sscanf(line, "# expect-exit: %d", &n) == 1) {
			want = n;
			break;
		}
	}
	fclose(f);
	return want;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of fixtures/regs/ *.regs paths; returns the count. */
static size_t list_fixtures(char ***paths_out)
{
	DIR *d = opendir(FIXTURE_DIR);
	ck_assert_msg(d != NULL, "cannot open %s (tests run from the top of the tree)", FIXTURE_DIR);
	char **paths = NULL;
	size_t n = 0;
	struct dirent *ent;
	while ((ent = readdir(d)) != NULL) {
		size_t len = strlen(ent->d_name);
		if (len < 6 || strcmp(ent->d_name + len - 5, ".regs") != 0)
			continue;
		paths = realloc(paths, (n + 1) * sizeof(*paths));
		ck_assert_ptr_nonnull(paths);
		size_t plen = strlen(FIXTURE_DIR) + 1 + len + 1;
		paths[n] = malloc(plen);
		ck_assert_ptr_nonnull(paths[n]);
		snprintf(paths[n], plen, "%s/%s", FIXTURE_DIR, ent->d_name);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(paths, n, sizeof(*paths), compare_names);
	*paths_out = paths;
	return n;
}

START_TEST(fixtures_expect_exit)
{
	/* goal: every fixtures/regs/ *.regs exits with the status its # expect-exit: line names */
	char **paths;
	size_t n = list_fixtures(&paths);
	ck_assert_msg(n >= 3, "only %zu fixtures found", n);
	int failures = 0;
	for (size_t i = 0; i < n; i++) {
		int want = fixture_expect_exit(paths[i]);
		char *out_text = NULL, *err_text = NULL;
		size_t out_len = 0, err_len = 0;
		FILE *out = open_memstream(&out_text, &out_len);
		FILE *err = open_memstream(&err_text, &err_len);
		int got = regs_script_run_file(paths[i], NULL, out, err);
		fclose(out);
		fclose(err);
		if (want != 0 && want != 1) {
			fprintf(stderr, "%s: no '# expect-exit: 0|1' line\n", paths[i]);
			failures++;
		} else if (got != want) {
			fprintf(stderr, "%s: exit %d, want %d\n--- out\n%s--- err\n%s---\n", paths[i],
				got, want, out_text, err_text);
			failures++;
		}
		free(out_text);
		free(err_text);
		free(paths[i]);
	}
	free(paths);
	ck_assert_msg(failures == 0, "%d fixture(s) failed (details on stderr)", failures);
}
END_TEST

START_TEST(fixture_demo_tone_plays_all)
{
	/* goal: demo_tone delivers every frame of its four buffers (48000) to the AC-link */
	char *out_text = NULL, *err_text = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *out = open_memstream(&out_text, &out_len);
	FILE *err = open_memstream(&err_text, &err_len);
	int status = regs_script_run_file(FIXTURE_DIR "/demo_tone.regs", NULL, out, err);
	fclose(out);
	fclose(err);
	ck_assert_msg(status == 0, "status %d\n%s%s", status, out_text, err_text);
	ck_assert_msg(strstr(out_text, "out frames = 48000 fnv1a64 = 0x") != NULL, "out: %s", out_text);
	ck_assert_msg(strstr(out_text, "faults = 0\n") != NULL, "out: %s", out_text);
	free(out_text);
	free(err_text);
}
END_TEST

/* ---- the program ---- */

/* Runs $AC97SIM with the given arguments (NULL-terminated). */
static void exec_program(struct prog_result *res, const char *const *args)
{
	prog_run(res, args, NULL);
}

START_TEST(prog_regs_fixture)
{
	/* goal: ac97sim regs on a fixture exits as its # expect-exit: line says and prints its output */
	struct prog_result res;
	exec_program(&res, (const char *const[]){ "regs", FIXTURE_DIR "/demo_tone.regs", NULL });
	ck_assert_msg(res.status == fixture_expect_exit(FIXTURE_DIR "/demo_tone.regs"),
		      "exit %d\n%s%s", res.status, res.out, res.err);
	ck_assert_msg(strstr(res.out, "out frames = 48000 fnv1a64 = 0x") != NULL, "out: %s", res.out);
	ck_assert_str_eq(res.err, "");
}
END_TEST

START_TEST(prog_regs_past_horizon)
{
	/* goal: ac97sim regs refuses a script whose advances go past the clock's horizon: exit 2, ac97sim: SCRIPT:LINE: reason, nothing run */
	char *path = make_temp_path(".regs");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("out\nadvance 0xff000000000000 ticks\n# more time\nadvance 0x1000000000001 ticks\n", f);
	fclose(f);
	struct prog_result res;
	exec_program(&res, (const char *const[]){ "regs", path, NULL });
	char want[256];
	snprintf(want, sizeof(want),
		 "ac97sim: %s:4: advance goes past the simulated clock's horizon (2^56 ticks, about "
		 "186 years)\n",
		 path);
	ck_assert_int_eq(res.status, 2);
	ck_assert_str_eq(res.err, want);
	ck_assert_str_eq(res.out, "");
	unlink(path);
	free(path);
}
END_TEST

START_TEST(prog_version)
{
	/* goal: --version prints ac97sim VERSION (build ID) and the codec part, exit 0 */
	char want[64] = "";
	FILE *f = fopen("VERSION", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(want, sizeof(want), f));
	fclose(f);
	want[strcspn(want, "\r\n")] = '\0';
	struct prog_result res;
	exec_program(&res, (const char *const[]){ "--version", NULL });
	ck_assert_int_eq(res.status, 0);
	char prefix[96];
	snprintf(prefix, sizeof(prefix), "ac97sim %s (build ", want);
	ck_assert_msg(strncmp(res.out, prefix, strlen(prefix)) == 0, "out: %s", res.out);
	ck_assert_msg(strstr(res.out, "\ncodec: ") != NULL, "out: %s", res.out);
	ck_assert_str_eq(res.err, "");
}
END_TEST

START_TEST(prog_help)
{
	/* goal: help, --help and COMMAND --help print usage on stdout and exit 0 */
	struct prog_result res;
	exec_program(&res, (const char *const[]){ "help", NULL });
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(strstr(res.out, "usage: ac97sim") != NULL && strstr(res.out, "regs") != NULL,
		      "out: %s", res.out);
	exec_program(&res, (const char *const[]){ "--help", NULL });
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(strstr(res.out, "usage: ac97sim") != NULL, "out: %s", res.out);
	exec_program(&res, (const char *const[]){ "regs", "--help", NULL });
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(strstr(res.out, "usage: ac97sim regs SCRIPT") != NULL, "out: %s", res.out);
	exec_program(&res, (const char *const[]){ "help", "regs", NULL });
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(strstr(res.out, "usage: ac97sim regs SCRIPT") != NULL, "out: %s", res.out);
}
END_TEST

START_TEST(prog_bad_usage)
{
	/* goal: an unknown subcommand, no subcommand, or a bad regs option exits 2 with ac97sim: on stderr */
	struct prog_result res;
	exec_program(&res, (const char *const[]){ "frobnicate", NULL });
	ck_assert_int_eq(res.status, 2);
	ck_assert_msg(strncmp(res.err, "ac97sim: unknown command 'frobnicate'", 37) == 0, "err: %s",
		      res.err);
	exec_program(&res, (const char *const[]){ NULL });
	ck_assert_int_eq(res.status, 2);
	exec_program(&res, (const char *const[]){ "regs", NULL });
	ck_assert_int_eq(res.status, 2);
	ck_assert_msg(strncmp(res.err, "ac97sim: regs: missing SCRIPT", 29) == 0, "err: %s", res.err);
	exec_program(&res, (const char *const[]){ "regs", FIXTURE_DIR "/demo_tone.regs", "--wav", NULL });
	ck_assert_int_eq(res.status, 2);
	exec_program(&res, (const char *const[]){ "regs", "--bogus", "x.regs", NULL });
	ck_assert_int_eq(res.status, 2);
	ck_assert_msg(strncmp(res.err, "ac97sim: regs: unknown option '--bogus'", 39) == 0, "err: %s",
		      res.err);
}
END_TEST

START_TEST(prog_missing_file)
{
	/* goal: a missing script exits 2 with ac97sim: SCRIPT: reason */
	struct prog_result res;
	exec_program(&res, (const char *const[]){ "regs", "no/such/script.regs", NULL });
	ck_assert_int_eq(res.status, 2);
	ck_assert_str_eq(res.err, "ac97sim: no/such/script.regs: No such file or directory\n");
	ck_assert_str_eq(res.out, "");
}
END_TEST

START_TEST(prog_malformed_script)
{
	/* goal: a malformed script run by the program exits 2 with ac97sim: SCRIPT:LINE: reason */
	char *path = make_temp_path(".regs");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("out\nwrite nabm 0x15 7 0\n", f);
	fclose(f);
	struct prog_result res;
	exec_program(&res, (const char *const[]){ "regs", path, NULL });
	char want[256];
	snprintf(want, sizeof(want), "ac97sim: %s:2: bad WIDTH 7 (want 8, 16 or 32)\n", path);
	ck_assert_int_eq(res.status, 2);
	ck_assert_str_eq(res.err, want);
	ck_assert_str_eq(res.out, "");
	unlink(path);
	free(path);
}
END_TEST

Suite *suite_regs_script(void)
{
	Suite *s = suite_create("tools/regs");

	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, parse_unknown_command);
	tcase_add_test(tc, parse_bad_arg_count);
	tcase_add_test(tc, parse_bad_number);
	tcase_add_test(tc, parse_number_forms);
	tcase_add_test(tc, parse_overflow);
	tcase_add_test(tc, parse_bad_width);
	tcase_add_test(tc, parse_value_not_fitting);
	tcase_add_test(tc, parse_bad_bar);
	tcase_add_test(tc, parse_bad_offset);
	tcase_add_test(tc, parse_bad_unit);
	tcase_add_test(tc, parse_advance_overflow);
	tcase_add_test(tc, parse_advance_horizon);
	tcase_add_test(tc, parse_bd_ranges);
	tcase_add_test(tc, parse_bad_pattern);
	tcase_add_test(tc, parse_irq_level);
	tcase_add_test(tc, parse_nul_byte);
	tcase_add_test(tc, parse_reports_every_line);
	tcase_add_test(tc, parse_long_token_cut);
	tcase_add_test(tc, parse_comments_blank_crlf);
	tcase_add_test(tc, parse_empty_script);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, format_read);
	tcase_add_test(tc, format_expect_mismatch);
	tcase_add_test(tc, format_irq);
	tcase_add_test(tc, format_out_faults_initial);
	tcase_add_test(tc, play_ramp_out_hash);
	tcase_add_test(tc, play_unmapped_faults);
	tcase_add_test(tc, sine_matches_libm);
	tcase_add_test(tc, sine_exact_points);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, file_missing);
	tcase_add_test(tc, file_directory);
	tcase_add_test(tc, wav_tone);
	tcase_add_test(tc, wav_unwritable);
	tcase_add_test(tc, fixtures_expect_exit);
	tcase_add_test(tc, fixture_demo_tone_plays_all);
	suite_add_tcase(s, tc);

	tc = tcase_create("program");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, prog_regs_fixture);
	tcase_add_test(tc, prog_version);
	tcase_add_test(tc, prog_help);
	tcase_add_test(tc, prog_bad_usage);
	tcase_add_test(tc, prog_missing_file);
	tcase_add_test(tc, prog_malformed_script);
	tcase_add_test(tc, prog_regs_past_horizon);
	suite_add_tcase(s, tc);
	return s;
}
