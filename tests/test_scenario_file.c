/*
 * test_scenario_file.c - scenario files (tools/scenario_file.c, format in
 * docs/scenario-format.md): every key lands in its field with its units,
 * defaults are scenario_default(), every error comes back as "FILE:LINE:
 * reason" with its exact text, audio files are read relative to the
 * scenario, hostile input (a few thousand mutations of a valid file) never
 * crashes and always gives a clean message; and every file in
 * fixtures/scenarios/ loads, mirrors its family, covers the race catalogue
 * with the others, and passes under three seeds with the reference driver
 * (the files in fixtures/scenarios/bugs/ fail with their own driver).
 *
 * Tests run from the top of the tree, so fixtures/ is a relative path.
 * Each test writes its files into a folder of its own under /tmp.
 */
#include <check.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio_file.h"
#include "codec.h"
#include "families.h"
#include "fnv1a.h"
#include "scenario_file.h"
#include "strategies.h"

#define FIXTURE_DIR "fixtures/scenarios"
#define BUGS_DIR "fixtures/scenarios/bugs"
#define ERR_MAX 1024
/* Sample i of a file source, as the run reads it (streamed). */
#define SAMPLE(sc, i) ((sc)->reader.sample((sc)->reader.ctx, (i)))

Suite *suite_scenario_file(void);

/* ---- helpers -------------------------------------------------------------------- */

struct tmp {
	char dir[64];
};

static void tmp_open(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/ac97sim-sf-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
}

/* Removes the folder and the files in it. */
static void tmp_close(struct tmp *t)
{
	DIR *d = opendir(t->dir);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
		if (unlink(p) != 0)
			rmdir(p);
	}
	closedir(d);
	rmdir(t->dir);
}

static void tmp_path(const struct tmp *t, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", t->dir, name);
}

static void write_bytes(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Writes text to DIR/name and loads it. */
static int load_len(const struct tmp *t, const char *name, const char *text, size_t len,
		    struct scenario_file *sf, char *err)
{
	char path[256];
	tmp_path(t, name, path, sizeof(path));
	write_bytes(path, text, len);
	return scenario_file_load(path, sf, err, ERR_MAX);
}

static int load(const struct tmp *t, const char *text, struct scenario_file *sf, char *err)
{
	return load_len(t, "s.ini", text, strlen(text), sf, err);
}

/* Loads text and requires the error "DIR/s.ini:" + suffix, exactly. */
static void expect_error_len(const struct tmp *t, const char *text, size_t len, const char *suffix)
{
	struct scenario_file sf;
	char err[ERR_MAX], want[ERR_MAX + 64];
	ck_assert_msg(load_len(t, "s.ini", text, len, &sf, err) == -1, "loaded:\n%s", text);
	snprintf(want, sizeof(want), "%s/s.ini:%s", t->dir, suffix);
	ck_assert_msg(strcmp(err, want) == 0, "for:\n%s\nwanted: %s\n   got: %s", text, want, err);
	ck_assert_ptr_null(sf.audio);
	scenario_file_free(&sf);
}

static void expect_error(const struct tmp *t, const char *text, const char *suffix)
{
	expect_error_len(t, text, strlen(text), suffix);
}

/* A WAV of n frames whose sample i (channel c) is i * 7 + c * 1000. */
static void write_wav(const char *path, uint32_t channels, uint32_t rate_hz, uint32_t frames)
{
	char err[256];
	struct wav_writer *w = wav_writer_open(path, channels, rate_hz, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	int16_t *pcm = calloc((size_t)frames * channels, sizeof(*pcm));
	ck_assert_ptr_nonnull(pcm);
	for (uint32_t i = 0; i < frames; i++)
		for (uint32_t c = 0; c < channels; c++)
			pcm[i * channels + c] = (int16_t)(i * 7u + c * 1000u);
	ck_assert_int_eq(wav_writer_write(w, pcm, frames), 0);
	ck_assert_int_eq(wav_writer_close(w), 0);
	free(pcm);
}

/* The whole text of a small file, NUL-terminated. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *text = calloc(1, 1u << 16);
	ck_assert_ptr_nonnull(text);
	size_t n = fread(text, 1, (1u << 16) - 1u, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

#define MS(x) ((sim_ticks_t)(x) * (SIM_TICKS_PER_SECOND / 1000u))

/* ---- keys and values -------------------------------------------------------------- */

START_TEST(empty_sections_are_the_default_scenario)
{
	/* Goal: a file of sections with no keys is scenario_default() with the
	 * file's name (an empty file, or one of comments only, is not a
	 * scenario at all: see every_error_with_file_and_line). */
	static const char *const texts[] = {
		"[scenario]\n",
		"; nothing\n# at all\n[scenario]\n\n   \n",
		"[scenario]\n[device]\n[stream]\n[source]\n[miniport]\n[checkers]\n",
	};
	struct tmp t;
	tmp_open(&t);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct scenario_file sf;
		char err[ERR_MAX];
		ck_assert_msg(load_len(&t, "quiet.ini", texts[i], strlen(texts[i]), &sf, err) == 0, "%s",
			      err);
		struct scenario def;
		scenario_default(&def);
		snprintf(def.name, sizeof(def.name), "quiet");
		ck_assert_str_eq(sf.sc.name, "quiet");
		ck_assert_uint_eq(scenario_hash(&sf.sc), scenario_hash(&def));
		ck_assert_uint_eq(sf.sc.descriptor_max_bytes, def.descriptor_max_bytes);
		ck_assert_int_eq(sf.sc.timer_service, def.timer_service);
		ck_assert_uint_eq(sf.sc.timer_period_ms, def.timer_period_ms);
		ck_assert(!sf.sc.checkers.ends_early);
		ck_assert_int_eq(sf.sc.source, SOURCE_PATTERN);
		ck_assert_ptr_null(sf.sc.samples);
		ck_assert_str_eq(sf.sc.driver, "reference");
		char path[256];
		tmp_path(&t, "quiet.ini", path, sizeof(path));
		ck_assert_str_eq(sf.path, path);
		scenario_file_free(&sf);
	}
	tmp_close(&t);
}
END_TEST

static const char every_key[] =
	"; every key set to something that is not its default\n"
	"[scenario]\n"
	"name = everything\n"
	"cpus = 3\n"
	"driver = wdk81-two-producers\n"
	"max_steps = 0x1000\n"
	"max_time = 2s\n"
	"irq_latency_max = 500us\n"
	"swarm = stall-bus, refuse-mappings\n"
	"\n"
	"[device]\n"
	"fifo_samples = 32\n"
	"dma_latency = 3us..5us\n"
	"codec_ready_delay = 96 frames\n"
	"profile = virtualbox\n"
	"\n"
	"[stream]\n"
	"direction = capture\n"
	"engine = mc\n"
	"style = kmixer\n"
	"layout = contiguous\n"
	"channels = 1\n"
	"rate = 16000\n"
	"irp_bytes = 2 KiB .. 3 KiB\n"
	"irps_in_flight = 5\n"
	"total_bytes = 10 pages\n"
	"first_page_offset = 0x100..0x200\n"
	"layout_seed = 12345678901234\n"
	"\n"
	"[miniport]\n"
	"descriptor_max_bytes = 1024\n"
	"timer_service = true\n"
	"timer_period_ms = 7\n"
	"\n"
	"[checkers]\n"
	"disable = stall , teardown\n"
	"stall_limit = 200ms\n"
	"ends_early = 1\n"
	"\n"
	"[action]\n"
	"kind = cancel-irp\n"
	"at = 1000 ticks..2000 ticks\n"
	"irp = 2\n"
	"[action.two]\n"
	"kind = set-state\n"
	"at = 3 frames\n"
	"state = pause\n"
	"[action]\n"
	"kind = query-position\n"
	"at = 0x10ms\n"
	"[action]\n"
	"kind = stall-bus\n"
	"at = 1s\n"
	"duration = 500us\n"
	"[action]\n"
	"kind = stray-engine\n"
	"at = 5 ms\n"
	"engine = pi\n";

START_TEST(every_key_lands_in_its_field)
{
	/* Goal: each key of every section sets its field of struct scenario,
	 * with units converted (ticks, frames, us, ms, s; bytes, KiB, pages;
	 * hex numbers; the boolean spellings). */
	struct tmp t;
	tmp_open(&t);
	struct scenario_file sf;
	char err[ERR_MAX];
	ck_assert_msg(load(&t, every_key, &sf, err) == 0, "%s", err);
	const struct scenario *sc = &sf.sc;
	ck_assert_str_eq(sc->name, "everything");
	ck_assert_uint_eq(sc->cpus, 3);
	ck_assert_str_eq(sc->driver, "wdk81-two-producers");
	ck_assert_ptr_eq(sc->driver_ref.ops, driver_builtin("wdk81-two-producers"));
	ck_assert_uint_eq(sc->max_steps, 0x1000);
	ck_assert_uint_eq(sc->max_ticks, 2ull * SIM_TICKS_PER_SECOND);
	ck_assert_uint_eq(sc->irq_latency_max_ticks, sim_us_to_ticks(500));
	ck_assert_uint_eq(sc->swarm_faults, (1u << SA_STALL_BUS) | (1u << SA_REFUSE_MAPPINGS));
	ck_assert_uint_eq(sc->dma_latency_range_ticks, sim_us_to_ticks(5) - sim_us_to_ticks(3));
	ck_assert_uint_eq(sc->irp_bytes_range, 1024);
	ck_assert_uint_eq(sc->first_page_offset_range_bytes, 0x100);
	ck_assert_uint_eq(sc->actions[0].at_range_ticks, 1000);
	ck_assert_uint_eq(sc->device.fifo_samples, 32);
	ck_assert_uint_eq(sc->device.dma_latency_ticks, sim_us_to_ticks(3));
	ck_assert_uint_eq(sc->device.codec_ready_delay_ticks, 96u * SIM_TICKS_PER_FRAME);
	ck_assert_ptr_eq(sc->device.profile, &ac97_profile_virtualbox);
	ck_assert_int_eq(sc->stream.direction, PORT_CAPTURE);
	ck_assert_int_eq(sc->engine, AC97_MC);
	ck_assert_int_eq(sc->stream.style, PORT_STYLE_KMIXER);
	ck_assert_int_eq(sc->stream.layout, PORT_PAGES_CONTIGUOUS);
	ck_assert_uint_eq(sc->stream.channels, 1);
	ck_assert_uint_eq(sc->stream.rate_hz, 16000);
	ck_assert_uint_eq(sc->stream.irp_bytes, 2048);
	ck_assert_uint_eq(sc->stream.irps_in_flight, 5);
	ck_assert_uint_eq(sc->stream.total_bytes, 10u * GMEM_PAGE_BYTES);
	ck_assert_uint_eq(sc->stream.first_page_offset_bytes, 0x100);
	ck_assert_uint_eq(sc->stream.layout_seed, 12345678901234ull);
	ck_assert_uint_eq(sc->descriptor_max_bytes, 1024);
	ck_assert(sc->timer_service);
	ck_assert_uint_eq(sc->timer_period_ms, 7);
	for (unsigned i = 0; checker_name_at(i) != NULL; i++) {
		const char *name = checker_name_at(i);
		ck_assert_int_eq(!checker_enabled(&sc->checkers, name),
				 strcmp(name, "stall") == 0 || strcmp(name, "teardown") == 0);
	}
	ck_assert_uint_eq(sc->checkers.stall_limit_ticks, MS(200));
	ck_assert(sc->checkers.ends_early);
	ck_assert_uint_eq(sc->n_actions, 5);
	const struct scenario_action *a = sc->actions;
	ck_assert_int_eq(a[0].kind, SA_CANCEL_IRP);
	ck_assert_uint_eq(a[0].at_ticks, 1000);
	ck_assert_uint_eq(a[0].arg, 2);
	ck_assert_int_eq(a[1].kind, SA_SET_STATE);
	ck_assert_uint_eq(a[1].at_ticks, 3u * SIM_TICKS_PER_FRAME);
	ck_assert_uint_eq(a[1].arg, KSSTATE_PAUSE);
	ck_assert_int_eq(a[2].kind, SA_QUERY_POSITION);
	ck_assert_uint_eq(a[2].at_ticks, MS(16));
	ck_assert_int_eq(a[3].kind, SA_STALL_BUS);
	ck_assert_uint_eq(a[3].at_ticks, SIM_TICKS_PER_SECOND);
	ck_assert_uint_eq(a[3].duration_ticks, sim_us_to_ticks(500));
	ck_assert_int_eq(a[4].kind, SA_STRAY_ENGINE);
	ck_assert_uint_eq(a[4].at_ticks, MS(5));
	ck_assert_uint_eq(a[4].arg, AC97_PI);
	scenario_file_free(&sf);
	scenario_file_free(&sf);	/* twice is harmless */
	tmp_close(&t);
}
END_TEST

/* The value one key takes from text, read back as a u64. */
struct value_case {
	const char *text;
	uint64_t want;
};

static uint64_t loaded_value(const struct tmp *t, const char *section, const char *key,
			     const char *value, uint64_t (*get)(const struct scenario *))
{
	char text[256], err[ERR_MAX];
	snprintf(text, sizeof(text), "[%s]\n%s = %s\n", section, key, value);
	struct scenario_file sf;
	ck_assert_msg(load(t, text, &sf, err) == 0, "%s", err);
	uint64_t v = get(&sf.sc);
	scenario_file_free(&sf);
	return v;
}

static uint64_t get_max_ticks(const struct scenario *sc) { return sc->max_ticks; }
static uint64_t get_irp_bytes(const struct scenario *sc) { return sc->stream.irp_bytes; }
static uint64_t get_timer(const struct scenario *sc) { return sc->timer_service; }
static uint64_t get_cpus(const struct scenario *sc) { return sc->cpus; }

START_TEST(units_numbers_and_booleans)
{
	/* Goal: every time unit, size unit, number form and boolean spelling
	 * converts as docs/scenario-format.md says, blanks or not. */
	static const struct value_case times[] = {
		{ "1 ms", 12288 }, { "1ms", 12288 }, { "12288 ticks", 12288 }, { "48 frames", 12288 },
		{ "1000us", 12288 }, { "1000 us", 12288 },
		{ "1s", 12288000 }, { "0x3 s", 3 * 12288000ull }, { "86400 s", 86400ull * 12288000 },
		{ "1001 us", 12300 },
	};
	struct tmp t;
	tmp_open(&t);
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		ck_assert_msg(loaded_value(&t, "scenario", "max_time", times[i].text, get_max_ticks) ==
				      times[i].want, "%s", times[i].text);
	/* Times below max_time's 1 ms floor, through an action's `at`. */
	struct scenario_file sf;
	char err[ERR_MAX];
	ck_assert_msg(load(&t,
			   "[action]\nkind = query-position\nat = 1 tick\n"
			   "[action]\nkind = query-position\nat = 1 frame\n"
			   "[action]\nkind = query-position\nat = 0 us\n"
			   "[action]\nkind = query-position\nat = 1us\n",
			   &sf, err) == 0, "%s", err);
	ck_assert_uint_eq(sf.sc.actions[0].at_ticks, 1);
	ck_assert_uint_eq(sf.sc.actions[1].at_ticks, SIM_TICKS_PER_FRAME);
	ck_assert_uint_eq(sf.sc.actions[2].at_ticks, 0);
	ck_assert_uint_eq(sf.sc.actions[3].at_ticks, 12);	/* rounded down */
	scenario_file_free(&sf);
	static const struct value_case sizes[] = {
		{ "16384", 16384 }, { "16384 bytes", 16384 }, { "2 byte", 2 }, { "16 KiB", 16384 },
		{ "4 pages", 16384 }, { "1 page", 4096 }, { "0x4000", 16384 }, { "1MiB", 1048576 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ck_assert_msg(loaded_value(&t, "stream", "irp_bytes", sizes[i].text, get_irp_bytes) ==
				      sizes[i].want, "%s", sizes[i].text);
	static const struct value_case bools[] = {
		{ "yes", 1 }, { "true", 1 }, { "1", 1 }, { "no", 0 }, { "false", 0 }, { "0", 0 },
	};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		ck_assert_msg(loaded_value(&t, "miniport", "timer_service", bools[i].text, get_timer) ==
				      bools[i].want, "%s", bools[i].text);
	ck_assert_uint_eq(loaded_value(&t, "scenario", "cpus", "0x8", get_cpus), 8);
	ck_assert_uint_eq(loaded_value(&t, "scenario", "cpus", "1", get_cpus), 1);
	tmp_close(&t);
}
END_TEST

START_TEST(syntax_comments_crlf_bom_indent)
{
	/* Goal: comments (';' and '#', whole-line or after a blank), CRLF line
	 * endings, a UTF-8 byte-order mark, indented lines and `key: value`
	 * are read as INI text is; a ';' with no blank before it is part of
	 * the value. */
	struct tmp t;
	tmp_open(&t);
	struct scenario_file sf;
	char err[ERR_MAX];
	static const char text[] = "\xEF\xBB\xBF; header\r\n"
				   "# another\r\n"
				   "  [scenario]   ; trailing\r\n"
				   "\tcpus = 4 ; four\r\n"
				   "   irq_latency_max = 7 us # seven\r\n"
				   "max_steps: 99\r\n"
				   "name = a;b\r\n";
	ck_assert_msg(load(&t, text, &sf, err) == 0, "%s", err);
	ck_assert_uint_eq(sf.sc.cpus, 4);
	ck_assert_uint_eq(sf.sc.irq_latency_max_ticks, sim_us_to_ticks(7));
	ck_assert_uint_eq(sf.sc.max_steps, 99);
	ck_assert_str_eq(sf.sc.name, "a;b");
	scenario_file_free(&sf);
	/* A CRLF file's errors have the right line numbers too. */
	expect_error(&t, "; c\r\n\r\n[scenario]\r\ncpus = 9\r\n", "4: cpus: 9 is out of range (1..8)");
	tmp_close(&t);
}
END_TEST

START_TEST(engine_direction_channels_defaults)
{
	/* Goal: engine and direction default from each other and channels from
	 * the engine, as the reference miniport needs (po/pi stereo, mc mono). */
	static const struct {
		const char *text;
		enum port_direction dir;
		enum ac97_engine_id engine;
		uint32_t channels;
	} cases[] = {
		{ "[stream]\n", PORT_RENDER, AC97_PO, 2 },
		{ "[stream]\ndirection = capture\n", PORT_CAPTURE, AC97_PI, 2 },
		{ "[stream]\nengine = mc\n", PORT_CAPTURE, AC97_MC, 1 },
		{ "[stream]\nengine = pi\n", PORT_CAPTURE, AC97_PI, 2 },
		{ "[stream]\nengine = po\nchannels = 2\n", PORT_RENDER, AC97_PO, 2 },
		{ "[stream]\ndirection = capture\nengine = mc\nchannels = 1\n", PORT_CAPTURE, AC97_MC, 1 },
	};
	struct tmp t;
	tmp_open(&t);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scenario_file sf;
		char err[ERR_MAX];
		ck_assert_msg(load(&t, cases[i].text, &sf, err) == 0, "%s", err);
		ck_assert_int_eq(sf.sc.stream.direction, cases[i].dir);
		ck_assert_int_eq(sf.sc.engine, cases[i].engine);
		ck_assert_uint_eq(sf.sc.stream.channels, cases[i].channels);
		scenario_file_free(&sf);
	}
	tmp_close(&t);
}
END_TEST

START_TEST(actions_in_file_order_up_to_the_limit)
{
	/* Goal: every [action] header starts a new action, even back to back
	 * with identical keys; 32 are accepted and the 33rd is an error at its
	 * header; cancel-irp's irp defaults to 0 (the oldest). */
	struct tmp t;
	tmp_open(&t);
	char text[8192] = "";
	size_t o = 0;
	for (uint32_t i = 0; i < SCENARIO_ACTIONS_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "[action]\nkind = cancel-irp\nat = %ums\n",
				      i);
	struct scenario_file sf;
	char err[ERR_MAX];
	ck_assert_msg(load(&t, text, &sf, err) == 0, "%s", err);
	ck_assert_uint_eq(sf.sc.n_actions, SCENARIO_ACTIONS_MAX);
	for (uint32_t i = 0; i < SCENARIO_ACTIONS_MAX; i++) {
		ck_assert_int_eq(sf.sc.actions[i].kind, SA_CANCEL_IRP);
		ck_assert_uint_eq(sf.sc.actions[i].at_ticks, MS(i));
		ck_assert_uint_eq(sf.sc.actions[i].arg, 0);
	}
	scenario_file_free(&sf);
	snprintf(text + o, sizeof(text) - o, "[action.extra]\nkind = cancel-irp\nat = 1ms\n");
	expect_error(&t, text, "97: too many actions (at most 32)");
	tmp_close(&t);
}
END_TEST

START_TEST(audio_file_source)
{
	/* Goal: [source] file reads a sound file relative to the scenario's
	 * folder (or absolute), converts mono to the stream's stereo, sets
	 * total_bytes to the whole file unless given, and the result plays
	 * through the whole stack to a pass; a stereo 44.1 kHz file plays at
	 * rate = 44100. */
	struct tmp t;
	tmp_open(&t);
	char wav[256], text[512], err[ERR_MAX];
	tmp_path(&t, "mono.wav", wav, sizeof(wav));
	write_wav(wav, 1, 48000, 3000);
	struct scenario_file sf;
	ck_assert_msg(load(&t, "[source]\nfile = mono.wav\n", &sf, err) == 0, "%s", err);
	ck_assert_int_eq(sf.sc.source, SOURCE_SAMPLES);
	ck_assert_ptr_eq(sf.sc.reader.ctx, sf.audio);
	ck_assert_ptr_null(sf.sc.samples);
	ck_assert_uint_eq(sf.sc.n_samples, 6000);
	ck_assert_uint_eq(sf.sc.stream.total_bytes, 12000);
	for (uint32_t i = 0; i < 3000; i++) {
		ck_assert_int_eq(SAMPLE(&sf.sc, 2 * i), (int16_t)(i * 7u));
		ck_assert_int_eq(SAMPLE(&sf.sc, 2 * i + 1), (int16_t)(i * 7u));
	}
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome out;
	const char *why = NULL;
	ck_assert_int_eq(scenario_run(&sf.sc, &st, 5, NULL, NULL, NULL, &out, NULL, &why), 0);
	ck_assert_msg(out.result.verdict == RUN_PASS, "%s: %s", out.result.checker, out.result.message);
	ck_assert_uint_eq(out.link_frames, 3000);
	scenario_file_free(&sf);
	ck_assert_ptr_null(sf.audio);
	/* Absolute, kind given, total_bytes given. */
	snprintf(text, sizeof(text), "[stream]\ntotal_bytes = 1 page\n[source]\nkind = file\nfile = %s\n",
		 wav);
	ck_assert_msg(load(&t, text, &sf, err) == 0, "%s", err);
	ck_assert_uint_eq(sf.sc.stream.total_bytes, 4096);
	ck_assert_uint_eq(sf.sc.n_samples, 6000);
	scenario_file_free(&sf);
	/* Stereo at 44.1 kHz. */
	tmp_path(&t, "st44.wav", wav, sizeof(wav));
	write_wav(wav, 2, 44100, 441);
	ck_assert_msg(load(&t, "[stream]\nrate = 44100\n[source]\nfile = st44.wav\n", &sf, err) == 0,
		      "%s", err);
	ck_assert_uint_eq(sf.sc.n_samples, 882);
	ck_assert_int_eq(SAMPLE(&sf.sc, 2 * 10 + 1), (int16_t)(70 + 1000));
	scenario_file_free(&sf);
	/* The rate must match, and names both rates. */
	char want[1024];
	snprintf(want, sizeof(want),
		 "2: file: %s/st44.wav is 44100 Hz but the stream runs at 48000 Hz (set rate = 44100 "
		 "in [stream], or convert the file)", t.dir);
	expect_error(&t, "[source]\nfile = st44.wav\n", want);
	/* A file that is not there: the audio reader's reason after FILE:LINE. */
	ck_assert_int_eq(load(&t, "[scenario]\n[source]\nfile = none.wav\n", &sf, err), -1);
	snprintf(want, sizeof(want), "%s/s.ini:3: file: %s/none.wav: ", t.dir, t.dir);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);
	/* Not a sound file. */
	ck_assert_int_eq(load(&t, "[source]\nfile = s.ini\n", &sf, err), -1);
	snprintf(want, sizeof(want), "%s/s.ini:2: file: %s/s.ini: ", t.dir, t.dir);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);
	tmp_close(&t);
}
END_TEST

/* ---- errors ---------------------------------------------------------------------- */

struct error_case {
	const char *text;
	const char *error;	/* after "FILE:" */
};

#define SECTIONS "(sections: scenario, device, stream, source, miniport, checkers, action)"
#define CHECKERS "(checkers: audio-conservation, dma-after-release, device-misuse, position, stall, hang, teardown, lifetime)"
#define TIME_UNITS "(ticks, frames, us, ms, s)"

static const struct error_case error_cases[] = {
	/* syntax and structure */
	{ "[scenari]\n", "1: unknown section [scenari] " SECTIONS },
	{ "[Scenario]\n", "1: unknown section [Scenario] " SECTIONS },
	{ "[action.bad label]\n", "1: unknown section [action.bad label] " SECTIONS },
	{ "[scenario\n", "1: a section header needs a closing ']'" },
	{ "[scenario] x\n", "1: unexpected text after ']'" },
	{ "[[action]]\n", "1: unexpected text after ']'" },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
	  "1: a section header needs a closing ']'" },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]\n",
	  "1: unknown section [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...] " SECTIONS },
	{ "[scenario]\nthis line has no equals sign\n", "2: expected [section] or key = value" },
	{ "[scenario]\n= 5\n", "2: a key name is missing before '='" },
	{ "cpus = 2\n", "1: 'cpus' is outside any section " SECTIONS },
	{ "[stream]\nirp_size = 4\n",
	  "2: unknown key 'irp_size' in [stream] (keys: direction, engine, style, layout, channels, "
	  "rate, irp_bytes, irps_in_flight, total_bytes, first_page_offset, layout_seed)" },
	{ "[action]\nkind = cancel-irp\nat = 1ms\nfile = x\n",
	  "4: unknown key 'file' in [action] (keys: kind, at, irp, state, duration, engine, at_step, count, cpu, after, rate)" },
	{ "[scenario]\ncpus = 2\ncpus = 3\n", "3: duplicate key 'cpus' in [scenario] (first set on line 2)" },
	{ "[scenario]\ncpus = 2\n[stream]\n[scenario]\ncpus = 3\n",
	  "5: duplicate key 'cpus' in [scenario] (first set on line 2)" },
	{ "[action]\nkind = cancel-irp\nat = 1ms\nat = 2ms\n",
	  "4: duplicate key 'at' in [action] (first set on line 3)" },
	/* numbers */
	{ "[scenario]\ncpus = 9\n", "2: cpus: 9 is out of range (1..8)" },
	{ "[scenario]\ncpus = 0\n", "2: cpus: 0 is out of range (1..8)" },
	{ "[scenario]\ncpus = x\n", "2: cpus: 'x' is not a number (decimal, or hex after 0x)" },
	{ "[scenario]\ncpus = -1\n", "2: cpus: '-1' is not a number (decimal, or hex after 0x)" },
	{ "[scenario]\ncpus = 2 cpus\n", "2: cpus: '2 cpus' is not a number (decimal, or hex after 0x)" },
	{ "[scenario]\ncpus =\n", "2: cpus: '' is not a number (decimal, or hex after 0x)" },
	{ "[scenario]\ncpus = 0x\n", "2: cpus: '0x' is not a number (decimal, or hex after 0x)" },
	{ "[scenario]\ncpus = 99999999999999999999999\n",
	  "2: cpus: 99999999999999999999999 is out of range (1..8)" },
	{ "[scenario]\ncpus = \x01\x02\n", "2: cpus: '?\?' is not a number (decimal, or hex after 0x)" },
	{ "[scenario]\ncpus = 9999999999999999999999999999999999999999999999999999999999\n",
	  "2: cpus: 9999999999999999999999999999999999999999... is out of range (1..8)" },
	{ "[scenario]\nmax_steps = 0\n", "2: max_steps: 0 is out of range (1..1000000000000)" },
	{ "[scenario]\nirq_latency_max = 101 ms\n",
	  "2: irq_latency_max: 101 ms is out of range (0 ticks .. 100 ms)" },
	{ "[scenario]\nswarm = stall-bus, cancel-irp\n",
	  "2: swarm: 'cancel-irp' is not one of refuse-mappings, delay-interrupts, stall-cpu, "
	  "stall-bus" },
	{ "[stream]\nirp_bytes = 3 pages..2 pages\n",
	  "2: irp_bytes: a range goes from the smaller to the larger" },
	{ "[action]\nkind = cancel-irp\nat = 5ms..\n", "3: at: '' is not a time (a whole number and a unit: ticks, frames, us, ms, s)" },
	{ "[device]\nfifo_samples = 15\n", "2: fifo_samples: 15 is odd (the FIFO holds whole sample pairs)" },
	{ "[device]\nfifo_samples = 66\n", "2: fifo_samples: 66 is out of range (2..64)" },
	{ "[stream]\nirps_in_flight = 0\n", "2: irps_in_flight: 0 is out of range (1..64)" },
	{ "[miniport]\ntimer_period_ms = 0\n", "2: timer_period_ms: 0 is out of range (1..1000)" },
	{ "[stream]\nchannels = 3\n", "2: channels: 3 is out of range (1..2)" },
	/* times */
	{ "[scenario]\nmax_time = 12\n", "2: max_time: '12' needs a unit " TIME_UNITS },
	{ "[scenario]\nmax_time = 12 hours\n", "2: max_time: '12 hours' has an unknown unit " TIME_UNITS },
	{ "[scenario]\nmax_time = 12MS\n", "2: max_time: '12MS' has an unknown unit " TIME_UNITS },
	{ "[scenario]\nmax_time = 1.5s\n", "2: max_time: '1.5s' has an unknown unit " TIME_UNITS },
	{ "[scenario]\nmax_time = soon\n",
	  "2: max_time: 'soon' is not a time (a whole number and a unit: ticks, frames, us, ms, s)" },
	{ "[scenario]\nmax_time = 86401s\n", "2: max_time: 86401s is out of range (1 ms .. 86400 s)" },
	{ "[scenario]\nmax_time = 999 us\n", "2: max_time: 999 us is out of range (1 ms .. 86400 s)" },
	{ "[scenario]\nmax_time = 99999999999999999999 s\n",
	  "2: max_time: 99999999999999999999 s is out of range (1 ms .. 86400 s)" },
	{ "[scenario]\nmax_time = 18446744073709551615 s\n",
	  "2: max_time: 18446744073709551615 s is out of range (1 ms .. 86400 s)" },
	{ "[device]\ndma_latency = 2s\n", "2: dma_latency: 2s is out of range (0 ticks .. 1 s)" },
	{ "[checkers]\nstall_limit = 1 tick\n",
	  "2: stall_limit: 1 tick is out of range (256 ticks .. 60 s)" },
	{ "[action]\nkind = stall-bus\nat = 1ms\nduration = 0 ticks\n",
	  "4: duration: 0 ticks is out of range (1 ticks .. 1 s)" },
	/* sizes */
	{ "[stream]\nirp_bytes = 4 lumps\n", "2: irp_bytes: '4 lumps' has an unknown unit (bytes, KiB, MiB, pages)" },
	{ "[stream]\nirp_bytes = lots\n",
	  "2: irp_bytes: 'lots' is not a size (a whole number, then optionally bytes, KiB, MiB, pages)" },
	{ "[stream]\nirp_bytes = 5\n", "2: irp_bytes: 5 bytes is not a whole number of 16-bit samples" },
	{ "[stream]\nirp_bytes = 0\n", "2: irp_bytes: 0 is out of range (2..12578816 bytes)" },
	{ "[stream]\nirp_bytes = 3072 pages\n",
	  "2: irp_bytes: 3072 pages is out of range (2..12578816 bytes)" },
	{ "[stream]\nirp_bytes = 3000 pages\nirps_in_flight = 2\n",
	  "2: irp_bytes: 2 IRPs of 3000 pages need more than the 3071 guest pages the port has" },
	{ "[stream]\nirps_in_flight = 64\nirp_bytes = 48 pages\nfirst_page_offset = 2\n",
	  "3: irp_bytes: 64 IRPs of 49 pages need more than the 3071 guest pages the port has" },
	{ "[stream]\ntotal_bytes = 6\n", "2: total_bytes: 6 is not a whole number of 4-byte frames" },
	{ "[stream]\nfirst_page_offset = 3\n",
	  "2: first_page_offset: 3 bytes is not a whole number of 16-bit samples (a buffer starts on a sample)" },
	{ "[stream]\nfirst_page_offset = 1 page\n",
	  "2: first_page_offset: 1 page is out of range (0..4094 bytes)" },
	{ "[stream]\ndirection = capture\nfirst_page_offset = 2\n",
	  "3: first_page_offset: a capture buffer starts on a frame (4 bytes)" },
	{ "[stream]\nstyle = dsound\nirps_in_flight = 3\n",
	  "3: irps_in_flight: a dsound stream is one looping buffer (1)" },
	{ "[miniport]\ndescriptor_max_bytes = 2\n",
	  "2: descriptor_max_bytes: 2 is out of range (4..131068 bytes)" },
	/* choices, booleans, text */
	{ "[stream]\ndirection = sideways\n", "2: direction: 'sideways' is not one of render, capture" },
	{ "[stream]\nengine = PO\n", "2: engine: 'PO' is not one of pi, po, mc" },
	{ "[stream]\nstyle = wasapi\n", "2: style: 'wasapi' is not one of kmixer, dsound" },
	{ "[stream]\nlayout = random\n", "2: layout: 'random' is not one of scattered, contiguous" },
	{ "[source]\nkind = tone\n", "2: kind: 'tone' is not one of pattern, file" },
	{ "[scenario]\ndriver = win98\n",
	  "2: driver: unknown driver 'win98' (built-in drivers: reference, ddk1999-lock-held, "
	  "wdk81-revoke-unsuccessful, wdk81-revoke-resets-dma, wdk81-single-entry-revoke, "
	  "wdk81-two-producers, reactos-revoke-short, reactos-slot-tags, lost-wakeup, "
	  "release-while-held, stale-tail, hang-last; or a path to a plug-in "
	  ".so)" },

	{ "[miniport]\ntimer_service = maybe\n",
	  "2: timer_service: 'maybe' is not yes or no (yes, no, true, false, 1, 0)" },
	{ "[checkers]\nends_early = Yes\n",
	  "2: ends_early: 'Yes' is not yes or no (yes, no, true, false, 1, 0)" },
	{ "[scenario]\nname =\n", "2: name: a name has 1 to 63 characters" },
	{ "[scenario]\nname = 0123456789012345678901234567890123456789012345678901234567890123\n",
	  "2: name: a name has 1 to 63 characters" },
	{ "[scenario]\nname = caf\xC3\xA9\n", "2: name: a name is printable ASCII" },
	{ "[checkers]\ndisable = stall, nonsense\n", "2: disable: 'nonsense' is not a checker " CHECKERS },
	{ "[checkers]\ndisable = stall,\n", "2: disable: an empty name in the list " CHECKERS },
	{ "[checkers]\ndisable = ,stall\n", "2: disable: an empty name in the list " CHECKERS },
	/* what depends on several keys */
	{ "[stream]\nengine = pi\ndirection = render\n", "2: engine: pi records; a render stream uses po" },
	{ "[stream]\ndirection = capture\nengine = po\n", "3: engine: po plays; a capture stream uses pi or mc" },
	{ "[stream]\nengine = mc\nchannels = 2\n", "3: channels: the mc engine carries 1 channel" },
	{ "[stream]\nchannels = 1\n", "2: channels: the po engine carries 2 channels" },
	{ "[action]\nkind = stray-engine\nat = 1ms\nengine = po\n",
	  "4: engine: po is the stream's own engine; a stray engine is one no stream owns" },
	{ "[source]\nkind = file\n", "2: kind: kind = file needs file = PATH" },
	{ "[source]\nkind = pattern\nfile = a.wav\n", "3: file: the source is kind = pattern (say kind = file)" },
	{ "[stream]\ndirection = capture\n[source]\nfile = a.wav\n",
	  "4: file: a capture stream records the checkers' input pattern; [source] is for render streams" },
	{ "[source]\nfile =\n", "2: file: the path is empty" },
	/* actions */
	{ "[action]\nkind = cancel-irp\n", "1: [action] needs at = TIME (after the stream starts running), at_step = N or after = EVENT N" },
	{ "[action]\nat = 5ms\n[scenario]\n",
	  "1: [action] needs kind = cancel-irp, set-state, query-position, stall-bus, stray-engine, "
	  "refuse-mappings, delay-interrupts, stall-cpu or set-format" },
	{ "[action]\n", "1: [action] needs kind = cancel-irp, set-state, query-position, stall-bus, "
			"stray-engine, refuse-mappings, delay-interrupts, stall-cpu or set-format" },
	{ "[action]\nkind = cancel-irp\nat = 1ms\nat_step = 5\n",
	  "4: at_step: give one of at, at_step and after" },
	{ "[action]\nkind = cancel-irp\nafter = GetMapping 2\nat = 5ms\n",
	  "4: at: give one of at, at_step and after" },
	{ "[action]\nkind = cancel-irp\nafter = Getmapping 2\n",
	  "3: after: 'Getmapping' is not one of GetMapping, ReleaseMapping, irp-done, Notify" },
	{ "[action]\nkind = cancel-irp\nafter = GetMapping\n",
	  "3: after: 'GetMapping' is not EVENT N or EVENT N..M (EVENT: GetMapping, ReleaseMapping, irp-done or Notify)" },
	{ "[action]\nkind = cancel-irp\nafter = GetMapping 0\n",
	  "3: after: 0 is out of range (1..1000000)" },
	{ "[action]\nkind = cancel-irp\nafter = GetMapping 9..3\n",
	  "3: after: a range goes from the smaller to the larger (9..3)" },
	{ "[action]\nkind = refuse-mappings\nat = 1ms\n",
	  "1: [action] of kind refuse-mappings needs count = N (how many GetMapping calls to refuse)" },
	{ "[action]\nkind = stall-cpu\nat = 1ms\nduration = 1ms\n",
	  "1: [action] of kind stall-cpu needs cpu = N (which CPU stops)" },
	{ "[action]\nkind = delay-interrupts\nat = 1ms\ncount = 2\nduration = 1ms\n",
	  "4: count: does not apply to kind = delay-interrupts" },
	{ "[action]\nkind = set-state\nat = 1ms\n",
	  "1: [action] of kind set-state needs state = stop, acquire, pause or run" },
	{ "[action]\nkind = stall-bus\nat = 1ms\n",
	  "1: [action] of kind stall-bus needs duration = TIME (how long DMA waits)" },
	{ "[stream]\n[action.x]\nkind = stray-engine\nat = 1ms\n[stream]\n",
	  "2: [action] of kind stray-engine needs engine = pi, po or mc" },
	{ "[action]\nkind = cancel-irp\nat = 1ms\nstate = run\n",
	  "4: state: does not apply to kind = cancel-irp" },
	{ "[action]\nirp = 1\nkind = query-position\nat = 1ms\n",
	  "2: irp: does not apply to kind = query-position" },
	{ "[action]\nkind = set-state\nat = 1ms\nstate = run\nduration = 1ms\n",
	  "5: duration: does not apply to kind = set-state" },
	{ "[action]\nkind = cancel-irp\nat = 1ms\nengine = pi\n",
	  "4: engine: does not apply to kind = cancel-irp" },
	{ "[action]\nkind = set-state\nat = 1ms\nstate = walk\n",
	  "4: state: 'walk' is not one of stop, acquire, pause, run" },
	{ "[action]\nkind = jump\n",
	  "2: kind: 'jump' is not one of cancel-irp, set-state, query-position, stall-bus, stray-engine, refuse-mappings, delay-interrupts, stall-cpu, set-format" },
	{ "[action]\nkind = cancel-irp\nat = 1ms\nirp = 64\n", "4: irp: 64 is out of range (0..63)" },
	/* a file that is not a scenario */
	{ "", "1: no [scenario] or any other section: not a scenario file" },
	{ "; nothing\n# at all\n\n", "3: no [scenario] or any other section: not a scenario file" },
	/* actions checked against the scenario they act on */
	{ "[scenario]\ncpus = 2\n[action]\nkind = stall-cpu\nat = 1ms\ncpu = 2\nduration = 1ms\n",
	  "6: cpu: 2 is not a CPU of the scenario (cpus = 2: 0..1)" },
	{ "[action]\nkind = stall-cpu\nat = 1ms\nduration = 1ms\ncpu = 7\n[scenario]\ncpus = 4\n",
	  "5: cpu: 7 is not a CPU of the scenario (cpus = 4: 0..3)" },
	{ "[stream]\nirps_in_flight = 3\n[action]\nkind = cancel-irp\nat = 1ms\nirp = 3\n",
	  "6: irp: the stream keeps 3 IRPs outstanding (irp 0..2), so there is no IRP 3" },
	{ "[stream]\nstyle = dsound\n[action]\nkind = cancel-irp\nat = 1ms\nirp = 1\n",
	  "6: irp: the stream keeps 1 IRP outstanding (irp 0..0), so there is no IRP 1" },
	{ "[scenario]\nmax_time = 1s\n[action]\nkind = query-position\nat = 1001ms\n",
	  "5: at: 1001 ms is after the run's max_time (1 s): the action would never happen" },
	{ "[scenario]\nmax_steps = 100\n[action]\nkind = query-position\nat_step = 200\n",
	  "5: at_step: 200 is after the run's max_steps (100): the action would never happen" },
	/* the first error wins */
	{ "[scenario]\ncpus = 9\nmax_time = 5\n", "2: cpus: 9 is out of range (1..8)" },
	{ "[scenario]\nno equals here\ncpus = 9\n", "2: expected [section] or key = value" },
	{ "[scenario]\ncpus = 9\nno equals here\n", "2: cpus: 9 is out of range (1..8)" },
	{ "[stream]\nchannels = 1\n[scenario]\ncpus = 9\n", "4: cpus: 9 is out of range (1..8)" },
};

START_TEST(every_error_with_file_and_line)
{
	/* Goal: each kind of mistake gives its exact "FILE:LINE: reason",
	 * with the allowed values named, and the first mistake is the one
	 * reported. */
	struct tmp t;
	tmp_open(&t);
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
		expect_error(&t, error_cases[i].text, error_cases[i].error);
	tmp_close(&t);
}
END_TEST

START_TEST(rate_the_codec_cannot_do)
{
	/* Goal: a rate the codec model does not take is refused at its line,
	 * with the codec's rates listed (asked of the model); the mic's
	 * converter takes the same. */
	struct tmp t;
	tmp_open(&t);
	char want[512];
	const char *rates = "8000, 9600, 11025, 13714, 16000, 22050, 24000, 32000, 44100, 48000";
	snprintf(want, sizeof(want), "2: rate: the codec (%s) cannot run its DAC converter at 44000 Hz "
		 "(rates: %s)", codec_part_name(), rates);
	expect_error(&t, "[stream]\nrate = 44000\n", want);
	snprintf(want, sizeof(want), "3: rate: the codec (%s) cannot run its ADC converter at 7999 Hz "
		 "(rates: %s)", codec_part_name(), rates);
	expect_error(&t, "[stream]\nengine = mc\nrate = 7999\n", want);
	expect_error(&t, "[stream]\nrate = 96000\n", "2: rate: 96000 is out of range (1..48000)");
	struct scenario_file sf;
	char err[ERR_MAX];
	ck_assert_msg(load(&t, "[stream]\nengine = mc\nrate = 13714\n", &sf, err) == 0, "%s", err);
	scenario_file_free(&sf);
	tmp_close(&t);
}
END_TEST

START_TEST(driver_given_by_the_caller_is_not_loaded)
{
	/* Goal: a plug-in path in `driver` is loaded (relative to the file's
	 * folder) and a missing one is an error at its line; with
	 * SCENARIO_FILE_DRIVER_GIVEN (the caller brings its own driver) the
	 * key is read but nothing is loaded, and the driver stays the
	 * default until the caller sets it. */
	struct tmp t;
	tmp_open(&t);
	char path[256], err[ERR_MAX], want[ERR_MAX];
	tmp_path(&t, "s.ini", path, sizeof(path));
	static const char text[] = "[scenario]\ndriver = ./missing.so\n";
	write_bytes(path, text, strlen(text));
	struct scenario_file sf;
	ck_assert_int_eq(scenario_file_load(path, &sf, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: driver: %s/./missing.so: No such file or directory", path,
		 t.dir);
	ck_assert_str_eq(err, want);
	ck_assert_msg(scenario_file_load_flags(path, SCENARIO_FILE_DRIVER_GIVEN, &sf, err,
					       sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(sf.sc.driver, "reference");
	ck_assert_ptr_null(sf.sc.driver_ref.plugin);
	scenario_file_free(&sf);
	expect_error(&t, "[scenario]\ndriver =\n", "2: driver: no driver named");
	tmp_close(&t);
}
END_TEST

START_TEST(unreadable_and_hostile_files)
{
	/* Goal: a missing file, a folder, a file over 1 MiB, a NUL byte, a
	 * line longer than libinih's buffer and binary noise each give a
	 * clean error (the first three without a line). */
	struct tmp t;
	tmp_open(&t);
	struct scenario_file sf;
	char err[ERR_MAX], path[256], want[512];
	tmp_path(&t, "none.ini", path, sizeof(path));
	ck_assert_int_eq(scenario_file_load(path, &sf, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(scenario_file_load(t.dir, &sf, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", t.dir);
	ck_assert_str_eq(err, want);
	/* Too large: 1 MiB of comment and one more byte. */
	size_t big = (1u << 20) + 1u;
	char *text = malloc(big);
	ck_assert_ptr_nonnull(text);
	memset(text, '\n', big);
	memcpy(text, "[scenario]\n;", 12);
	ck_assert_int_eq(load_len(&t, "big.ini", text, big, &sf, err), -1);
	tmp_path(&t, "big.ini", path, sizeof(path));
	snprintf(want, sizeof(want), "%s: too large for a scenario file (more than 1048576 bytes)", path);
	ck_assert_str_eq(err, want);
	/* Exactly 1 MiB is fine. */
	ck_assert_msg(load_len(&t, "big.ini", text, big - 1u, &sf, err) == 0, "%s", err);
	scenario_file_free(&sf);
	/* A NUL byte. */
	static const char nul[] = "[scenario]\nname = a\0b\n";
	expect_error_len(&t, nul, sizeof(nul) - 1u, "2: a NUL byte (is this a scenario file?)");
	/* Lines: 197 characters are fine, 198 are too long. */
	char line[512];
	snprintf(line, sizeof(line), "[scenario]\n; %0195d\nname = x\n", 0);
	ck_assert_int_eq(strlen(line) - strlen("[scenario]\n") - strlen("\nname = x\n"), 197);
	ck_assert_msg(load(&t, line, &sf, err) == 0, "%s", err);
	scenario_file_free(&sf);
	snprintf(line, sizeof(line), "[scenario]\n; %0196d\nname = x\n", 0);
	expect_error(&t, line, "2: line too long (at most 197 characters)");
	/* A huge line of nonsense. */
	memset(text, 'x', 100000);
	memcpy(text, "[scenario]\nname = ", 18);
	text[100000] = '\0';
	expect_error(&t, text, "2: line too long (at most 197 characters)");
	/* Binary noise, deterministic. */
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 4096; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		text[i] = (char)(x >> 24);
	}
	ck_assert_int_eq(load_len(&t, "noise.ini", text, 4096, &sf, err), -1);
	tmp_path(&t, "noise.ini", path, sizeof(path));
	ck_assert(strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':');
	free(text);
	/* A NULL path and a tiny error buffer are handled. */
	ck_assert_int_eq(scenario_file_load(NULL, &sf, err, sizeof(err)), -1);
	char tiny[8];
	ck_assert_int_eq(scenario_file_load("/nonexistent/x.ini", &sf, tiny, sizeof(tiny)), -1);
	ck_assert_uint_lt(strlen(tiny), sizeof(tiny));
	ck_assert_int_eq(scenario_file_load("/nonexistent/x.ini", &sf, NULL, 0), -1);
	tmp_close(&t);
}
END_TEST

START_TEST(profile_in_the_hash_only_when_not_ich)
{
	/* Goal: [device] profile names a profile (an unknown one is an error that lists them);
	 * the canonical text has `profile = NAME` for any profile but ich and reads back to it,
	 * so the profile is part of the scenario's hash, while a scenario without the key (ich)
	 * writes no such line and keeps the hash it had before profiles existed. */
	struct tmp t;
	tmp_open(&t);
	struct scenario_file ich, qemu;
	char err[ERR_MAX];
	ck_assert_msg(load(&t, "[scenario]\n", &ich, err) == 0, "%s", err);
	ck_assert_msg(load(&t, "[device]\nprofile = qemu\n", &qemu, err) == 0, "%s", err);
	ck_assert_ptr_eq(ich.sc.device.profile, &ac97_profile_ich);
	ck_assert_ptr_eq(qemu.sc.device.profile, &ac97_profile_qemu);
	ck_assert_uint_ne(scenario_hash(&ich.sc), scenario_hash(&qemu.sc));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	scenario_write(&ich.sc, f);
	fclose(f);
	ck_assert_ptr_null(strstr(text, "profile"));
	free(text);
	f = open_memstream(&text, &len);
	scenario_write(&qemu.sc, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "\nprofile = qemu\n"));
	struct scenario_file back;
	ck_assert_msg(load(&t, text, &back, err) == 0, "%s", err);
	ck_assert_ptr_eq(back.sc.device.profile, &ac97_profile_qemu);
	ck_assert_uint_eq(scenario_hash(&back.sc), scenario_hash(&qemu.sc));
	free(text);
	scenario_file_free(&back);
	scenario_file_free(&ich);
	scenario_file_free(&qemu);
	expect_error(&t, "[device]\nprofile = vmware\n",
		     "2: profile: unknown profile 'vmware' (profiles: ich, qemu, virtualbox, sis7012)");
	tmp_close(&t);
}
END_TEST

START_TEST(docs_name_every_key)
{
	/* Goal: docs/scenario-format.md, the one place where keys are
	 * described, has a row for every key each section takes (the list the
	 * loader gives in its unknown-key error), and no row for a key the
	 * loader does not take. */
	static const char *const sections[] = { "scenario", "device", "stream", "source",
						"miniport", "checkers", "action" };
	char *doc = slurp("docs/scenario-format.md");
	struct tmp t;
	tmp_open(&t);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		char text[128], err[ERR_MAX], heading[64];
		snprintf(text, sizeof(text), "[%s]\nzzz = 1\n", sections[i]);
		struct scenario_file sf;
		ck_assert_int_eq(load(&t, text, &sf, err), -1);
		const char *list = strstr(err, "(keys: ");
		ck_assert_ptr_nonnull(list);
		/* The section's part of the document: from its heading to the next. */
		snprintf(heading, sizeof(heading), "\n### [%s]\n", sections[i]);
		const char *part = strstr(doc, heading);
		ck_assert_msg(part != NULL, "no heading for [%s]", sections[i]);
		part += strlen(heading);
		const char *next = strstr(part, "\n#");
		size_t part_len = next != NULL ? (size_t)(next - part) : strlen(part);
		uint32_t keys = 0;
		for (const char *p = list + 7; *p != ')' && *p != '\0';) {
			size_t n = strcspn(p, ",)");
			char row[64];
			snprintf(row, sizeof(row), "\n| `%.*s` |", (int)n, p);
			const char *hit = strstr(part, row);
			ck_assert_msg(hit != NULL && hit < part + part_len, "[%s] %.*s is not in the docs",
				      sections[i], (int)n, p);
			keys++;
			p += n;
			if (*p == ',')
				p += 2;
		}
		/* Every row of the section's table is a key the loader takes. */
		uint32_t rows = 0;
		for (const char *p = part; (p = strstr(p, "\n| `")) != NULL && p < part + part_len; p++)
			rows++;
		ck_assert_msg(rows == keys, "[%s]: %u rows in the docs, %u keys", sections[i], rows, keys);
	}
	tmp_close(&t);
	free(doc);
}
END_TEST

/* ---- the fuzz test --------------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define FUZZ_CAP 65536u

/* One mutation of buf[0..*len): a byte changed, inserted or removed, a
 * line repeated, a token from the format inserted, a long run, a cut. */
static void mutate(char *buf, size_t *len, uint64_t *rng)
{
	static const char *const tokens[] = {
		"[action]\n", "[action.x]\n", "=", "[", "]", ";", " ;", "#", " #", "\r", "\n", "\0",
		"0x", "ms", "us", " ticks", "99999999999999999999", "kind = stall-bus\n", "at = 1ms\n",
		"pages", " ", "\xEF\xBB\xBF", "[stream]\n", "capture", "mc", "file = x.wav\n",
		"[source]\nfile = s.ini\n", ":", "\t", "kind = set-state\n", "state = stop\n",
		"engine = po\n", "duration = 1s\n", "\xff", "KiB", "0", "-",
	};
	size_t pos = *len ? (size_t)(xorshift(rng) % (*len + 1u)) : 0;
	switch (xorshift(rng) % 8u) {
	case 0:	/* change a byte */
		if (*len > 0)
			buf[pos % *len] = (char)xorshift(rng);
		break;
	case 1:	/* insert a byte */
		if (*len + 1u < FUZZ_CAP) {
			memmove(buf + pos + 1, buf + pos, *len - pos);
			buf[pos] = (char)xorshift(rng);
			(*len)++;
		}
		break;
	case 2: {	/* delete a span */
		size_t n = (size_t)(xorshift(rng) % 16u) + 1u;
		if (pos + n > *len)
			n = *len - pos;
		memmove(buf + pos, buf + pos + n, *len - pos - n);
		*len -= n;
		break;
	}
	case 3: {	/* repeat a line somewhere else */
		size_t a = pos;
		while (a > 0 && buf[a - 1] != '\n')
			a--;
		size_t b = pos;
		while (b < *len && buf[b] != '\n')
			b++;
		if (b < *len)
			b++;
		size_t n = b - a, at = (size_t)(xorshift(rng) % (*len + 1u));
		if (n > 0 && *len + n < FUZZ_CAP) {
			char line[FUZZ_CAP];
			memcpy(line, buf + a, n);
			memmove(buf + at + n, buf + at, *len - at);
			memcpy(buf + at, line, n);
			*len += n;
		}
		break;
	}
	case 4:
	case 5: {	/* insert a token */
		uint64_t k = xorshift(rng) % (sizeof(tokens) / sizeof(tokens[0]));
		size_t n = tokens[k][0] == '\0' ? 1u : strlen(tokens[k]);
		if (*len + n < FUZZ_CAP) {
			memmove(buf + pos + n, buf + pos, *len - pos);
			memcpy(buf + pos, tokens[k], n);
			*len += n;
		}
		break;
	}
	case 6: {	/* a long run of one byte */
		size_t n = (size_t)(xorshift(rng) % 600u) + 100u;
		if (*len + n < FUZZ_CAP) {
			memmove(buf + pos + n, buf + pos, *len - pos);
			memset(buf + pos, (int)(xorshift(rng) % 2u ? 'x' : xorshift(rng) & 0xFF), n);
			*len += n;
		}
		break;
	}
	default:	/* cut the end off */
		*len = pos;
		break;
	}
}

static const char fuzz_base[] =
	"; a render scenario with every section\n"
	"[scenario]\nname = fuzz\ncpus = 3\ndriver = reference\nmax_steps = 100000\n"
	"max_time = 2s\nirq_latency_max = 100us\n"
	"[device]\nfifo_samples = 32\ndma_latency = 3us\ncodec_ready_delay = 96 frames\n"
	"[stream]\ndirection = render\nengine = po\nstyle = kmixer\nlayout = contiguous\n"
	"channels = 2\nrate = 44100\nirp_bytes = 2 KiB\nirps_in_flight = 5\n"
	"total_bytes = 10 pages\nfirst_page_offset = 0x2\nlayout_seed = 77\n"
	"[source]\nkind = pattern\n"
	"[miniport]\ndescriptor_max_bytes = 1024\ntimer_service = yes\ntimer_period_ms = 7\n"
	"[checkers]\ndisable = stall\nstall_limit = 200ms\nends_early = no\n"
	"[action]\nkind = cancel-irp\nat = 1000 ticks\nirp = 2\n"
	"[action.two]\nkind = set-state\nat = 3 frames\nstate = pause\n"
	"[action]\nkind = stall-bus\nat = 1s\nduration = 500us\n"
	"[action]\nkind = stray-engine\nat = 5 ms\nengine = mc\n";

/* ---- documented ranges ------------------------------------------------------------ */

/* A bound of a documented range, as a count of the key's base unit
 * (numbers and sizes: themselves, bytes; times: ticks). */
static bool parse_bound(const char *text, size_t len, bool is_time, uint64_t *out)
{
	char buf[64];
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	char *p = buf;
	while (*p == ' ')
		p++;
	for (size_t n = strlen(p); n > 0 && p[n - 1] == ' '; n--)
		p[n - 1] = '\0';
	uint64_t v;
	if (strcmp(p, "2^64-1") == 0) {
		*out = UINT64_MAX;
		return true;
	}
	if (strcmp(p, "10^12") == 0) {
		*out = 1000000000000ull;
		return true;
	}
	char *end;
	v = strtoull(p, &end, 10);
	if (end == p)
		return false;
	while (*end == ' ')
		end++;
	static const struct {
		const char *unit;
		uint64_t factor;
		bool time;
	} units[] = {
		{ "", 1, false }, { "bytes", 1, false }, { "pages", 4096, false },
		{ "tick", 1, true }, { "ticks", 1, true }, { "frame", 256, true },
		{ "ms", 12288, true }, { "s", 12288000, true }, { "day", 86400ull * 12288000u, true },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (units[i].unit[0] != '\0' && units[i].time != is_time)
			return false;
		*out = v * units[i].factor;
		return true;
	}
	return false;
}

/* What a key needs around it so that its own range is the only limit. */
struct range_probe {
	const char *section, *key;
	const char *context;	/* text before the key's line */
	bool is_time;
	uint32_t step;		/* values must be multiples (even ones: 2) */
};

static const struct range_probe range_probes[] = {
	{ "scenario", "cpus", "[scenario]\n", false, 1 },
	{ "scenario", "max_steps", "[scenario]\n", false, 1 },
	{ "scenario", "max_time", "[scenario]\n", true, 1 },
	{ "scenario", "irq_latency_max", "[scenario]\n", true, 1 },
	{ "device", "fifo_samples", "[device]\n", false, 2 },
	{ "device", "dma_latency", "[device]\n", true, 1 },
	{ "device", "codec_ready_delay", "[device]\n", true, 1 },
	{ "stream", "irp_bytes", "[stream]\nirps_in_flight = 1\n", false, 4 },
	{ "stream", "irps_in_flight", "[stream]\n", false, 1 },
	{ "stream", "first_page_offset", "[stream]\n", false, 2 },
	{ "stream", "layout_seed", "[stream]\n", false, 1 },
	{ "miniport", "descriptor_max_bytes", "[miniport]\n", false, 4 },
	{ "miniport", "timer_period_ms", "[miniport]\n", false, 1 },
	{ "checkers", "stall_limit", "[checkers]\n", true, 1 },
	{ "checkers", "hang_limit", "[checkers]\n", true, 1 },
	{ "action", "at", "[scenario]\nmax_time = 86400 s\n[action]\nkind = query-position\n", true, 1 },
	{ "action", "at_step",
	  "[scenario]\nmax_steps = 1000000000000\n[action]\nkind = query-position\n", false, 1 },
	{ "action", "irp", "[stream]\nirps_in_flight = 64\nirp_bytes = 2 pages\n"
			   "[action]\nkind = cancel-irp\nat = 1ms\n", false, 1 },
	{ "action", "duration", "[action]\nkind = stall-bus\nat = 1ms\n", true, 1 },
	{ "action", "count", "[action]\nkind = refuse-mappings\nat = 1ms\n", false, 1 },
	{ "action", "cpu", "[scenario]\ncpus = 8\n[action]\nkind = stall-cpu\nat = 1ms\n"
			   "duration = 1ms\n", false, 1 },
};

/* Loads context + "key = value ticks|bytes" and says whether it loads. */
static bool takes(const struct tmp *t, const struct range_probe *p, uint64_t v)
{
	char text[512], err[ERR_MAX];
	snprintf(text, sizeof(text), "%s%s = %llu%s\n", p->context, p->key, (unsigned long long)v,
		 p->is_time ? " ticks" : "");
	struct scenario_file sf;
	if (load(t, text, &sf, err) != 0)
		return false;
	scenario_file_free(&sf);
	return true;
}

START_TEST(documented_ranges_are_what_the_reader_takes)
{
	/* Goal: for every key with a numeric range in docs/scenario-format.md,
	 * the reader takes both ends and refuses the values just outside them,
	 * so the document and the code say the same thing. */
	char *doc = slurp("docs/scenario-format.md");
	struct tmp t;
	tmp_open(&t);
	for (size_t i = 0; i < sizeof(range_probes) / sizeof(range_probes[0]); i++) {
		const struct range_probe *p = &range_probes[i];
		char heading[64], row[64];
		snprintf(heading, sizeof(heading), "\n### [%s]\n", p->section);
		const char *part = strstr(doc, heading);
		ck_assert_msg(part != NULL, "no heading for [%s]", p->section);
		snprintf(row, sizeof(row), "\n| `%s` |", p->key);
		const char *r = strstr(part, row);
		ck_assert_msg(r != NULL, "no row for %s", p->key);
		/* The fourth column: | key | type | default | range | meaning | */
		const char *col = r + 1;
		for (int c = 0; c < 3; c++) {
			col = strchr(col + 1, '|');
			ck_assert_ptr_nonnull(col);
		}
		col++;
		size_t col_len = strcspn(col, "|,;(");
		const char *dots = strstr(col, "..");
		ck_assert_msg(dots != NULL && dots < col + col_len, "%s: range '%.*s' has no '..'", p->key,
			      (int)col_len, col);
		uint64_t lo, hi;
		ck_assert_msg(parse_bound(col, (size_t)(dots - col), p->is_time, &lo),
			      "%s: lower bound of '%.*s'", p->key, (int)col_len, col);
		ck_assert_msg(parse_bound(dots + 2, (size_t)(col + col_len - dots - 2), p->is_time, &hi),
			      "%s: upper bound of '%.*s'", p->key, (int)col_len, col);
		ck_assert_msg(takes(&t, p, lo), "%s = %llu (the documented minimum) is refused", p->key,
			      (unsigned long long)lo);
		ck_assert_msg(takes(&t, p, hi), "%s = %llu (the documented maximum) is refused", p->key,
			      (unsigned long long)hi);
		if (lo >= p->step)
			ck_assert_msg(!takes(&t, p, lo - p->step), "%s = %llu (below the range) is taken",
				      p->key, (unsigned long long)(lo - p->step));
		if (hi <= UINT64_MAX - p->step && !(p->is_time && hi > UINT64_MAX / 2))
			ck_assert_msg(!takes(&t, p, hi + p->step), "%s = %llu (above the range) is taken",
				      p->key, (unsigned long long)(hi + p->step));
	}
	free(doc);
	tmp_close(&t);
}
END_TEST

START_TEST(fuzz_mutations_never_crash)
{
	/* Goal: 3,000 mutations of a valid file (seeded, so the same every
	 * run) each load or fail cleanly: a failure is "FILE:..." in printable
	 * ASCII with no samples left behind; a success is in range. Both
	 * outcomes occur. */
	struct tmp t;
	tmp_open(&t);
	char path[256];
	tmp_path(&t, "fuzz.ini", path, sizeof(path));
	char *buf = malloc(FUZZ_CAP);
	ck_assert_ptr_nonnull(buf);
	uint64_t rng = 0x5ce7a2105eed0001ull;
	uint32_t loaded = 0, refused = 0;
	for (uint32_t iter = 0; iter < 3000; iter++) {
		size_t len = sizeof(fuzz_base) - 1u;
		memcpy(buf, fuzz_base, len);
		uint32_t n = 1u + (uint32_t)(xorshift(&rng) % 4u);
		for (uint32_t m = 0; m < n; m++)
			mutate(buf, &len, &rng);
		write_bytes(path, buf, len);
		struct scenario_file sf;
		char err[ERR_MAX];
		memset(err, 'Z', sizeof(err));
		int rc = scenario_file_load(path, &sf, err, sizeof(err));
		if (rc == 0) {
			loaded++;
			ck_assert_uint_ge(sf.sc.cpus, 1);
			ck_assert_uint_le(sf.sc.cpus, MACHINE_CPUS_MAX);
			ck_assert_uint_le(sf.sc.n_actions, SCENARIO_ACTIONS_MAX);
			ck_assert(sf.sc.stream.channels == 1 || sf.sc.stream.channels == 2);
			ck_assert_uint_gt(strlen(sf.sc.name), 0);
			ck_assert_uint_gt(sf.sc.stream.total_bytes, 0);
			scenario_file_free(&sf);
			continue;
		}
		refused++;
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_null(sf.audio);
		size_t el = strnlen(err, sizeof(err));
		ck_assert_uint_lt(el, sizeof(err));
		ck_assert_msg(strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':' &&
				      el > strlen(path) + 2u, "iteration %u: %s", iter, err);
		for (size_t i = 0; i < el; i++)
			ck_assert_msg((unsigned char)err[i] >= 0x20 && (unsigned char)err[i] < 0x7F,
				      "iteration %u: byte 0x%02x in %s", iter, (unsigned char)err[i], err);
		scenario_file_free(&sf);
	}
	ck_assert_uint_gt(loaded, 50);
	ck_assert_uint_gt(refused, 1000);
	free(buf);
	tmp_close(&t);
}
END_TEST

/* ---- the fixtures ------------------------------------------------------------------------ */

static int is_ini(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 4 && strcmp(d->d_name + n - 4, ".ini") == 0;
}

/* The sorted *.ini names in dir; free each and the list. */
static int list_ini(const char *dir, struct dirent ***names)
{
	int n = scandir(dir, names, is_ini, alphasort);
	ck_assert_msg(n >= 0, "cannot list %s", dir);
	return n;
}

/* The value of a "; NAME: value" header line, or NULL. */
static const char *header_value(const char *text, const char *name, char *out, size_t len)
{
	char key[64];
	snprintf(key, sizeof(key), "\n; %s: ", name);
	const char *p = strstr(text, key);
	if (p == NULL)
		return NULL;
	p += strlen(key);
	size_t n = strcspn(p, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* Three seeds for a file, different per file, the same every run. */
static uint64_t file_seed(const char *name, uint32_t k)
{
	return fnv1a64(FNV1A64_INIT, name, strlen(name)) % 1000000u + 1u + k * 7919u;
}

static void run_expect_pass(const struct scenario *sc, const char *name, uint64_t seed)
{
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome out;
	const char *why = NULL;
	ck_assert_msg(scenario_run(sc, &st, seed, NULL, NULL, NULL, &out, NULL, &why) == 0, "%s: %s",
		      name, why ? why : "?");
	ck_assert_msg(out.result.verdict == RUN_PASS, "%s (driver %s), seed %" PRIu64 ": %s %s: %s",
		      name, sc->driver, seed, run_verdict_name(out.result.verdict), out.result.checker,
		      out.result.message);
}

START_TEST(fixtures_load_and_pass)
{
	/* Goal: every .ini file in fixtures/scenarios loads and passes under three
	 * random schedules with the reference driver: the corpus is real. */
	struct dirent **names;
	int n = list_ini(FIXTURE_DIR, &names);
	ck_assert_int_ge(n, 40);
	for (int i = 0; i < n; i++) {
		char path[512], err[ERR_MAX];
		snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, names[i]->d_name);
		struct scenario_file sf;
		ck_assert_msg(scenario_file_load(path, &sf, err, sizeof(err)) == 0, "%s", err);
		ck_assert_str_eq(sf.sc.driver, "reference");
		for (uint32_t k = 0; k < 3; k++)
			run_expect_pass(&sf.sc, path, file_seed(names[i]->d_name, k));
		scenario_file_free(&sf);
		free(names[i]);
	}
	free(names);
}
END_TEST

START_TEST(fixtures_cover_the_catalogue)
{
	/* Goal: each fixture has a "; covers:" header; together they cover
	 * entries 1-22 of the race catalogue; and a fixture that names its
	 * family variant ("; family: NAME/V") is that variant exactly (same
	 * scenario hash), so the corpus mirrors harness/families.c. */
	bool covered[23] = { false };
	uint32_t mirrored = 0;
	struct dirent **names;
	int n = list_ini(FIXTURE_DIR, &names);
	for (int i = 0; i < n; i++) {
		char path[512], value[128];
		snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, names[i]->d_name);
		char *text = slurp(path);
		ck_assert_msg(header_value(text, "covers", value, sizeof(value)) != NULL,
			      "%s has no '; covers:' line", path);
		for (char *p = value; *p != '\0';) {
			char *end;
			long e = strtol(p, &end, 10);
			if (end == p) {
				p++;
				continue;
			}
			ck_assert_msg(e >= 1 && e <= 22, "%s covers %ld", path, e);
			covered[e] = true;
			p = end;
		}
		if (header_value(text, "family", value, sizeof(value)) != NULL) {
			char fam_name[64];
			unsigned v;
			ck_assert_msg(sscanf(value, "%63[^/]/%u", fam_name, &v) == 2, "%s: %s", path, value);
			const struct family *f = family_find(fam_name);
			ck_assert_msg(f != NULL, "%s: no family %s", path, fam_name);
			ck_assert_uint_lt(v, f->variants);
			struct scenario want;
			family_build(f, v, &want);
			struct scenario_file sf;
			char err[ERR_MAX];
			ck_assert_msg(scenario_file_load(path, &sf, err, sizeof(err)) == 0, "%s", err);
			ck_assert_msg(scenario_hash(&sf.sc) == scenario_hash(&want),
				      "%s is not family %s variant %u", path, fam_name, v);
			ck_assert_int_eq(sf.sc.checkers.ends_early, want.checkers.ends_early);
			scenario_file_free(&sf);
			mirrored++;
		}
		free(text);
		free(names[i]);
	}
	free(names);
	for (uint32_t e = 1; e <= 22; e++)
		ck_assert_msg(covered[e], "no fixture covers catalogue entry %u", e);
	/* Every family has at least one fixture. */
	ck_assert_uint_ge(mirrored, family_count);
	for (uint32_t i = 0; i < family_count; i++) {
		char want[80];
		snprintf(want, sizeof(want), "; family: %s/", families[i].name);
		bool found = false;
		n = list_ini(FIXTURE_DIR, &names);
		for (int k = 0; k < n; k++) {
			char path[512];
			snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, names[k]->d_name);
			char *text = slurp(path);
			found |= strstr(text, want) != NULL;
			free(text);
			free(names[k]);
		}
		free(names);
		ck_assert_msg(found, "family %s has no fixture", families[i].name);
	}
}
END_TEST

START_TEST(bug_fixtures_fail_with_their_driver)
{
	/* Goal: each .ini file in fixtures/scenarios/bugs names a driver variant
	 * that fails it under some schedule among the first 400 seeds, while
	 * the reference driver passes the same scenario (three seeds). */
	struct dirent **names;
	int n = list_ini(BUGS_DIR, &names);
	ck_assert_int_ge(n, 4);
	for (int i = 0; i < n; i++) {
		char path[512], err[ERR_MAX];
		snprintf(path, sizeof(path), "%s/%s", BUGS_DIR, names[i]->d_name);
		struct scenario_file sf;
		ck_assert_msg(scenario_file_load(path, &sf, err, sizeof(err)) == 0, "%s", err);
		ck_assert_str_ne(sf.sc.driver, "reference");
		bool failed = false;
		struct calibration cal;
		const char *why = NULL;
		ck_assert_msg(calibrate(&sf, &cal, &why) == 0, "%s: %s", path, why);
		/* explore's defaults: the portfolio over seeds 1..1000. */
		for (uint64_t seed = 1; seed <= 1000 && !failed; seed++) {
			struct strategy st = strategy_for_seed(CHOICE_PORTFOLIO, 0, seed, &cal);
			struct scenario_outcome out;
			ck_assert_int_eq(scenario_run(&sf.sc, &st, seed, NULL, NULL, NULL, &out, NULL, &why),
					 0);
			failed = out.result.verdict == RUN_FAIL;
		}
		ck_assert_msg(failed, "%s: driver %s passed explore's 1000 default schedules", path,
			      sf.sc.driver);
		ck_assert_int_eq(scenario_set_driver(&sf.sc, "reference", err, sizeof(err)), 0);
		for (uint32_t k = 0; k < 3; k++)
			run_expect_pass(&sf.sc, path, file_seed(names[i]->d_name, k));
		scenario_file_free(&sf);
		free(names[i]);
	}
	free(names);
}
END_TEST

START_TEST(bundled_playback_is_the_recording)
{
	/* Goal: fixtures/scenarios/playback.ini plays the whole of
	 * fixtures/audio/front_center.wav (mono 48 kHz, sent as stereo) at
	 * 48 kHz in 10 ms KMixer IRPs; playback-44k1.ini plays a pattern at
	 * 44.1 kHz. */
	struct scenario_file sf;
	char err[ERR_MAX];
	ck_assert_msg(scenario_file_load(FIXTURE_DIR "/playback.ini", &sf, err, sizeof(err)) == 0, "%s",
		      err);
	struct audio_clip clip;
	ck_assert_int_eq(audio_clip_read("fixtures/audio/front_center.wav", 2, &clip, err, sizeof(err)),
			 0);
	ck_assert_int_eq(sf.sc.source, SOURCE_SAMPLES);
	ck_assert_uint_eq(sf.sc.stream.rate_hz, 48000);
	ck_assert_int_eq(sf.sc.stream.style, PORT_STYLE_KMIXER);
	ck_assert_uint_eq(sf.sc.stream.irp_bytes, 1920);
	ck_assert_uint_eq(sf.sc.n_samples, clip.frames * 2u);
	ck_assert_uint_eq(sf.sc.stream.total_bytes, clip.frames * 4u);
	for (uint64_t i = 0; i < clip.frames * 2u; i++)
		ck_assert_int_eq(SAMPLE(&sf.sc, i), clip.samples[i]);
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome out;
	const char *why = NULL;
	ck_assert_int_eq(scenario_run(&sf.sc, &st, 1, NULL, NULL, NULL, &out, NULL, &why), 0);
	ck_assert_msg(out.result.verdict == RUN_PASS, "%s", out.result.message);
	ck_assert_uint_eq(out.link_frames, clip.frames);
	audio_clip_free(&clip);
	scenario_file_free(&sf);
	ck_assert_msg(scenario_file_load(FIXTURE_DIR "/playback-44k1.ini", &sf, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(sf.sc.stream.rate_hz, 44100);
	ck_assert_int_eq(sf.sc.source, SOURCE_PATTERN);
	scenario_file_free(&sf);
}
END_TEST

START_TEST(text_reads_like_the_file)
{
	/* Goal: scenario_file_load_text is the file reader on text in memory:
	 * each error case gives the same "FILE:LINE: reason" under the name
	 * given, and each fixture (the one naming an audio file by a path
	 * relative to itself included) gives the same scenario. */
	struct tmp t;
	tmp_open(&t);
	char name[256];
	tmp_path(&t, "s.ini", name, sizeof(name));
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const char *text = error_cases[i].text;
		struct scenario_file from_file, from_text;
		char err_file[ERR_MAX], err_text[ERR_MAX];
		ck_assert_int_eq(load(&t, text, &from_file, err_file), -1);
		ck_assert_int_eq(scenario_file_load_text(name, text, strlen(text), 0, &from_text,
							 err_text, sizeof(err_text)),
				 -1);
		ck_assert_str_eq(err_text, err_file);
	}
	tmp_close(&t);
	struct dirent **names;
	int n = list_ini(FIXTURE_DIR, &names);
	for (int i = 0; i < n; i++) {
		char path[512], err[ERR_MAX];
		snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, names[i]->d_name);
		char *text = slurp(path);
		struct scenario_file from_file, from_text;
		ck_assert_msg(scenario_file_load(path, &from_file, err, sizeof(err)) == 0, "%s", err);
		ck_assert_msg(scenario_file_load_text(path, text, strlen(text), 0, &from_text, err,
						      sizeof(err)) == 0,
			      "%s", err);
		ck_assert_str_eq(from_text.path, path);
		ck_assert_uint_eq(scenario_hash(&from_text.sc), scenario_hash(&from_file.sc));
		ck_assert_uint_eq(from_text.sc.n_samples, from_file.sc.n_samples);
		scenario_file_free(&from_file);
		scenario_file_free(&from_text);
		free(text);
		free(names[i]);
	}
	free(names);
}
END_TEST

START_TEST(text_bounds_and_no_files)
{
	/* Goal: text in memory is read to len_bytes only (no terminator
	 * needed), is held to the file size limit, and with
	 * SCENARIO_FILE_NO_FILES a [source] file is refused at its line
	 * without being opened. */
	static const char text[] = "[scenario]\ncpus = 3\nTRAILING GARBAGE";
	struct scenario_file sf;
	char err[ERR_MAX];
	size_t len = strlen("[scenario]\ncpus = 3\n");
	ck_assert_msg(scenario_file_load_text("m.ini", text, len, 0, &sf, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(sf.sc.cpus, 3);
	scenario_file_free(&sf);
	ck_assert_int_eq(scenario_file_load_text("m.ini", text, sizeof(text) - 1, 0, &sf, err,
						 sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "m.ini:3: expected [section] or key = value");
	/* Empty text is no scenario (as an empty file is not). */
	ck_assert_int_eq(scenario_file_load_text("m.ini", NULL, 0, 0, &sf, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "m.ini:1: no [scenario] or any other section: not a scenario file");
	size_t big = (1u << 20) + 1u;
	char *huge = malloc(big);
	ck_assert_ptr_nonnull(huge);
	memset(huge, '\n', big);
	ck_assert_int_eq(scenario_file_load_text("m.ini", huge, big, 0, &sf, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "m.ini: too large for a scenario file (more than 1048576 bytes)");
	free(huge);
	static const char named[] = "[stream]\nrate = 44100\n[source]\nkind = file\n"
				    "file = /dev/stdin\n";
	ck_assert_int_eq(scenario_file_load_text("fixtures/scenarios/m.ini", named,
						 sizeof(named) - 1, SCENARIO_FILE_NO_FILES, &sf,
						 err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "fixtures/scenarios/m.ini:5: file: this scenario may not name files "
			      "(read from memory)");
}
END_TEST

Suite *suite_scenario_file(void)
{
	Suite *s = suite_create("tools/scenario_file");
	TCase *tc = tcase_create("keys");
	tcase_add_test(tc, empty_sections_are_the_default_scenario);
	tcase_add_test(tc, every_key_lands_in_its_field);
	tcase_add_test(tc, units_numbers_and_booleans);
	tcase_add_test(tc, syntax_comments_crlf_bom_indent);
	tcase_add_test(tc, engine_direction_channels_defaults);
	tcase_add_test(tc, actions_in_file_order_up_to_the_limit);
	tcase_add_test(tc, audio_file_source);
	tcase_add_test(tc, docs_name_every_key);
	tcase_add_test(tc, profile_in_the_hash_only_when_not_ich);
	tcase_add_test(tc, documented_ranges_are_what_the_reader_takes);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, every_error_with_file_and_line);
	tcase_add_test(tc, rate_the_codec_cannot_do);
	tcase_add_test(tc, unreadable_and_hostile_files);
	tcase_add_test(tc, fuzz_mutations_never_crash);
	tcase_add_test(tc, text_bounds_and_no_files);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	tc = tcase_create("fixtures");
	tcase_add_test(tc, fixtures_load_and_pass);
	tcase_add_test(tc, fixtures_cover_the_catalogue);
	tcase_add_test(tc, driver_given_by_the_caller_is_not_loaded);
	tcase_add_test(tc, bug_fixtures_fail_with_their_driver);
	tcase_add_test(tc, bundled_playback_is_the_recording);
	tcase_add_test(tc, text_reads_like_the_file);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
