/*
 * The race catalogue: every scenario family, under at least 1,000 random
 * and 1,000 PCT schedules, with every checker on, against the reference
 * miniport; plus a real recording played bit-exact through port, miniport,
 * device and codec at 0 dB.
 *
 * AC97SIM_SCHEDULES overrides the number of schedules per strategy (for a
 * quick local run); the default is 1,000.
 */
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

#define FAMILY_TEST(fname, family_name)                                         \
	START_TEST(fname)                                                       \
	{                                                                       \
		/* Goal: the reference driver passes every schedule of this     \
		 * family with every checker on. */                             \
		const struct family *f = family_find(family_name);              \
		ck_assert_ptr_nonnull(f);                                       \
		run_family(f);                                                  \
	}                                                                       \
	END_TEST

FAMILY_TEST(plain, "plain")
FAMILY_TEST(two_producers, "two-producers")
FAMILY_TEST(lost_wakeup, "lost-wakeup")
FAMILY_TEST(release_vs_revoke, "release-vs-revoke")
FAMILY_TEST(two_consumers, "two-consumers")
FAMILY_TEST(revoke_running, "revoke-running")
FAMILY_TEST(revoke_tail, "revoke-tail")
FAMILY_TEST(stop_in_flight, "stop-in-flight")
FAMILY_TEST(stray_status, "stray-status")
FAMILY_TEST(coalesced, "coalesced")
FAMILY_TEST(short_stream, "short")
FAMILY_TEST(split, "split")
FAMILY_TEST(partial_frames, "partial-frames")
FAMILY_TEST(pause_resume, "pause-resume")
FAMILY_TEST(position, "position")
FAMILY_TEST(stop_restart, "stop-restart")
FAMILY_TEST(many_tags, "many-tags")
FAMILY_TEST(stall_revoke, "stall-revoke")
FAMILY_TEST(faults, "faults")
FAMILY_TEST(capture, "capture")
FAMILY_TEST(dsound, "dsound")
FAMILY_TEST(vra, "vra")

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
	tcase_add_test(tc, plain);
	tcase_add_test(tc, two_producers);
	tcase_add_test(tc, lost_wakeup);
	tcase_add_test(tc, release_vs_revoke);
	tcase_add_test(tc, two_consumers);
	tcase_add_test(tc, revoke_running);
	tcase_add_test(tc, revoke_tail);
	tcase_add_test(tc, stop_in_flight);
	tcase_add_test(tc, stray_status);
	tcase_add_test(tc, coalesced);
	tcase_add_test(tc, short_stream);
	tcase_add_test(tc, split);
	tcase_add_test(tc, partial_frames);
	tcase_add_test(tc, pause_resume);
	tcase_add_test(tc, position);
	tcase_add_test(tc, stop_restart);
	tcase_add_test(tc, many_tags);
	tcase_add_test(tc, stall_revoke);
	tcase_add_test(tc, faults);
	tcase_add_test(tc, capture);
	tcase_add_test(tc, dsound);
	tcase_add_test(tc, vra);
	tcase_set_timeout(tc, 900);
	suite_add_tcase(s, tc);
	tc = tcase_create("audio");
	tcase_add_test(tc, real_recording_plays_bit_exact);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
