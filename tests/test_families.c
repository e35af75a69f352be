/*
 * The race catalogue: every scenario family, under at least 1,000 random
 * and 1,000 PCT schedules, with every checker on, against the reference
 * miniport; plus a real recording played bit-exact through port, miniport,
 * device and codec at 0 dB.
 *
 * AC97SIM_SCHEDULES overrides the number of schedules per strategy (for a
 * quick local run); the default is 1,000.
 */
#define _GNU_SOURCE	/* memmem, open_memstream */
#include <check.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "families.h"

static uint32_t schedules(void)
{
	const char *env = getenv("AC97SIM_SCHEDULES");
	long n = env != NULL ? strtol(env, NULL, 10) : 0;
	return n > 0 ? (uint32_t)n : 1000;
}

static void run_family(const struct family *f)
{
	uint32_t n = schedules();
	for (uint32_t i = 0; i < 2 * n; i++) {
		struct scenario sc;
		family_build(f, i, &sc);
		struct strategy st = { .kind = STRATEGY_RANDOM };
		if (i >= n) {
			st.kind = STRATEGY_PCT;
			st.pct_depth = 1 + i % 3;
			st.pct_steps = 4000;
		}
		struct scenario_outcome out;
		const char *why = NULL;
		ck_assert_msg(scenario_run(&sc, &st, 1 + i, NULL, NULL, NULL, &out, NULL, &why) == 0,
			      "%s: %s", sc.name, why ? why : "?");
		ck_assert_msg(out.result.verdict == RUN_PASS, "%s, %s seed %u: %s %s: %s", sc.name,
			      st.kind == STRATEGY_PCT ? "pct" : "random", 1 + i,
			      run_verdict_name(out.result.verdict), out.result.checker,
			      out.result.message);
	}
}

START_TEST(each_family_passes)
{
	/* Goal: the reference driver passes every schedule of family _i with
	 * every checker on (a loop over the registry: a new family is tested
	 * by being listed). */
	run_family(&families[_i]);
}
END_TEST

/* Buffer completions and ISRs entered, from a run's event log. */
static void count_completions(const struct scenario *sc, uint64_t seed, uint32_t *completions,
			      uint32_t *isrs, uint32_t *coalesced)
{
	char *text = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(log);
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome out;
	const char *why = NULL;
	ck_assert_int_eq(scenario_run(sc, &st, seed, NULL, log, NULL, &out, NULL, &why), 0);
	ck_assert_int_eq(fclose(log), 0);
	ck_assert_int_eq(out.result.verdict, RUN_PASS);
	*completions = *isrs = *coalesced = 0;
	for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++) {
		const char *end = strchr(p + 1, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (memmem(p, n, "PO: buffer complete", 19) != NULL)
			(*completions)++;
		else if (memmem(p, n, "ISR entered", 11) != NULL)
			(*isrs)++;
		else if (memmem(p, n, "window coalesced-interrupt", 26) != NULL)
			(*coalesced)++;
	}
	free(text);
}

START_TEST(coalesced_interrupts_coalesce)
{
	/* Goal: with the coalesced family's interrupt latency (simulated time,
	 * 10-20 ms against 1.3 ms buffers), buffers complete faster than
	 * interrupts are taken: at most two ISRs for three completions over
	 * the runs, and
	 * DPCs that find several buffers done; the plain family, whose
	 * latency is the default, takes about one interrupt a buffer. */
	const struct family *f = family_find("coalesced");
	ck_assert_ptr_nonnull(f);
	uint32_t completions = 0, isrs = 0, coalesced = 0;
	for (uint32_t v = 0; v < f->variants; v++) {
		struct scenario sc;
		family_build(f, v, &sc);
		for (uint64_t seed = 1; seed <= 5; seed++) {
			uint32_t c, i, k;
			count_completions(&sc, seed, &c, &i, &k);
			completions += c;
			isrs += i;
			coalesced += k;
		}
	}
	ck_assert_msg(isrs * 3 <= completions * 2,
		      "%u completions took %u ISRs: the interrupts did not coalesce", completions,
		      isrs);
	ck_assert_msg(coalesced >= f->variants * 5, "only %u DPCs found several buffers done",
		      coalesced);
	struct scenario plain;
	scenario_default(&plain);
	plain.descriptor_max_bytes = 512;
	plain.stream.irp_bytes = GMEM_PAGE_BYTES;
	plain.stream.total_bytes = 8 * GMEM_PAGE_BYTES;
	uint32_t c, i, k;
	count_completions(&plain, 1, &c, &i, &k);
	ck_assert_msg(i * 10 >= c * 9, "default latency: %u completions, %u ISRs", c, i);
}
END_TEST

START_TEST(every_catalogue_entry_has_a_family)
{
	/* Goal: entries 1-22 of the race catalogue are each covered by a
	 * family (a family may cover several, as its description says). */
	static const uint32_t covered_by[23] = {
		[1] = 1, [2] = 1, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 7, [8] = 5,
		[9] = 7, [10] = 10, [11] = 11, [12] = 12, [13] = 13, [14] = 14, [15] = 15,
		[16] = 15, [17] = 14, [18] = 18, [19] = 19, [20] = 20, [21] = 21, [22] = 22,
	};
	for (uint32_t e = 1; e <= 22; e++) {
		bool found = false;
		for (uint32_t i = 0; i < family_count; i++)
			found |= families[i].entry == covered_by[e];
		ck_assert_msg(found, "catalogue entry %u has no family", e);
	}
}
END_TEST

/* The codec's DAC output of every PO span, at 0 dB. */
struct dac_capture {
	int16_t *pcm;
	uint64_t frames, capacity;
	const struct codec *codec;
};

static void dac_span(void *ctx, const struct ac97_span *span)
{
	struct dac_capture *d = ctx;
	if (span->engine != AC97_PO || span->kind != AC97_SPAN_DATA)
		return;
	for (uint64_t i = 0; i < span->n_frames && d->frames < d->capacity; i++) {
		int16_t in[2], out[2];
		for (int c = 0; c < 2; c++)
			in[c] = (int16_t)(uint16_t)(span->pcm_le[4 * i + 2 * c] |
						    span->pcm_le[4 * i + 2 * c + 1] << 8);
		codec_dac_output(d->codec, in, out, 1);
		d->pcm[2 * d->frames] = out[0];
		d->pcm[2 * d->frames + 1] = out[1];
		d->frames++;
	}
}

START_TEST(real_recording_plays_bit_exact)
{
	/* Goal: fixtures/audio/front_center.wav (mono, 48 kHz) played through
	 * port, reference miniport, device and codec at 0 dB comes out of the
	 * DAC equal to the file, sample for sample, under random schedules. */
	SF_INFO info = { 0 };
	SNDFILE *f = sf_open("fixtures/audio/front_center.wav", SFM_READ, &info);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(info.channels, 1);
	ck_assert_int_eq(info.samplerate, 48000);
	int16_t *mono = calloc((size_t)info.frames, sizeof(*mono));
	int16_t *stereo = calloc(2 * (size_t)info.frames + 4096, sizeof(*stereo));
	ck_assert_int_eq(sf_readf_short(f, mono, info.frames), info.frames);
	sf_close(f);
	/* Whole pages of audio: pad with silence to a page boundary. */
	uint64_t frames = ((uint64_t)info.frames + 1023) / 1024 * 1024;
	for (sf_count_t i = 0; i < info.frames; i++)
		stereo[2 * i] = stereo[2 * i + 1] = mono[i];
	for (uint64_t seed = 1; seed <= 5; seed++) {
		struct scenario sc;
		scenario_default(&sc);
		sc.source = SOURCE_SAMPLES;
		sc.samples = stereo;
		sc.n_samples = 2 * frames;
		sc.stream.total_bytes = 4 * frames;
		struct codec unity;	/* the codec as the driver leaves it: 0 dB, unmuted */
		codec_reset(&unity);
		codec_write(&unity, CODEC_MASTER_VOL, 0x0000);
		codec_write(&unity, CODEC_PCM_OUT_VOL, 0x0808);
		struct dac_capture d = { .pcm = calloc(2 * frames, sizeof(int16_t)), .capacity = frames,
					 .codec = &unity };
		struct ac97_sink sink = { dac_span, &d };
		struct strategy st = { .kind = STRATEGY_RANDOM };
		struct scenario_outcome out;
		const char *why = NULL;
		ck_assert_int_eq(scenario_run(&sc, &st, seed, NULL, NULL, &sink, &out, NULL, &why), 0);
		ck_assert_msg(out.result.verdict == RUN_PASS, "%s: %s", out.result.checker,
			      out.result.message);
		ck_assert_uint_eq(d.frames, frames);
		ck_assert_int_eq(memcmp(d.pcm, stereo, 4 * frames), 0);
		free(d.pcm);
	}
	free(mono);
	free(stereo);
}
END_TEST

Suite *suite_families(void);
Suite *suite_families(void)
{
	Suite *s = suite_create("harness/families");
	TCase *tc = tcase_create("catalogue");
	tcase_add_test(tc, every_catalogue_entry_has_a_family);
	tcase_add_loop_test(tc, each_family_passes, 0, (int)family_count);
	tcase_add_test(tc, coalesced_interrupts_coalesce);
	tcase_set_timeout(tc, 900);
	suite_add_tcase(s, tc);
	tc = tcase_create("audio");
	tcase_add_test(tc, real_recording_plays_bit_exact);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
