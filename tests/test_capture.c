/*
 * Capture engines (PI stereo, MC mono): samples from the source reach guest
 * memory in order, each once, with completions when the last sample of a
 * buffer is written.
 */
#include <check.h>

#include "ac97_internal.h"
#include "rig.h"

#define LIST 0x2000u
#define BUF0 0x20000u
#define LAT AC97_DMA_LATENCY_TICKS_DEFAULT

/* Sample n of channel c is n * 2 + c (mod 2^16): a ramp keyed by position. */
static void ramp_source(void *ctx, enum ac97_engine_id engine, uint64_t first_frame,
			int16_t *dst, uint64_t n_frames, uint32_t channels)
{
	(void)ctx;
	(void)engine;
	for (uint64_t i = 0; i < n_frames; i++)
		for (uint32_t c = 0; c < channels; c++)
			dst[i * channels + c] = (int16_t)(uint16_t)((first_frame + i) * channels + c);
}

static void capture_setup(struct rig *r, enum ac97_engine_id e, unsigned n_bufs,
			  uint32_t samples)
{
	ac97_set_source(&r->dev, (struct ac97_source){ ramp_source, NULL });
	rig_link_up(r);
	/* The record gain resets muted; 0 dB unmuted for a bit-exact path. */
	rig_wr(r, AC97_BAR_NAM, CODEC_RECORD_GAIN, 16, 0x0000);
	rig_wr(r, AC97_BAR_NAM, CODEC_RECORD_GAIN_MIC, 16, 0x0000);
	rig_advance(r, 2 * SIM_TICKS_PER_FRAME);
	for (unsigned i = 0; i < n_bufs; i++)
		rig_bd(r, LIST, i, BUF0 + 0x1000 * i, samples, true, false);
	rig_wr(r, AC97_BAR_NABM, rig_reg(e, AC97_BDBAR), 32, LIST);
	rig_wr(r, AC97_BAR_NABM, rig_reg(e, AC97_LVI), 8, n_bufs - 1);
	rig_wr(r, AC97_BAR_NABM, rig_reg(e, AC97_CR), 8, AC97_CR_RPBM | AC97_CR_IOCE);
}

START_TEST(pi_writes_each_frame_after_latency)
{
	/* Goal: PI takes a frame per request; the transfer after it writes the
	 * frame to memory L ticks later, so PICB drops by 2 at frame + L and the
	 * 64-sample buffer completes after its 32nd request. */
	struct rig r;
	rig_init(&r, NULL);
	capture_setup(&r, AC97_PI, 2, 64);
	sim_ticks_t t0 = ac97_now(&r.dev);
	uint64_t f0 = sim_ticks_to_frames(t0) + 1;	/* first request after start */
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PI, AC97_PICB), 16), 64);
	rig_advance_to(&r, f0 * 256 + LAT - 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PI, AC97_PICB), 16), 64);
	rig_advance_to(&r, f0 * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PI, AC97_PICB), 16), 62);
	rig_advance_to(&r, (f0 + 31) * 256 + LAT - 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PI, AC97_CIV), 8), 0);
	rig_advance_to(&r, (f0 + 31) * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PI, AC97_CIV), 8), 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PI, AC97_SR), 16), AC97_SR_BCIS);
	rig_advance_to(&r, (f0 + 63) * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PI, AC97_SR), 16),
			  AC97_SR_BCIS | AC97_SR_LVBCI | AC97_SR_CELV | AC97_SR_DCH);
	/* Both buffers hold consecutive frames of the source, none lost. */
	uint8_t b[2];
	gmem_read(&r.mem, BUF0, b, 2);
	int16_t first = (int16_t)ac97_le16(b);
	for (uint32_t i = 0; i < 128; i++) {
		gmem_read(&r.mem, BUF0 + 0x1000 * (i / 64) + 2 * (i % 64), b, 2);
		ck_assert_int_eq((int16_t)ac97_le16(b), (int16_t)(uint16_t)(first + i));
	}
	rig_free(&r);
}
END_TEST

START_TEST(mc_is_mono)
{
	/* Goal: the mic engine takes one sample per request: a 64-sample buffer
	 * completes after 64 requests. */
	struct rig r;
	rig_init(&r, NULL);
	capture_setup(&r, AC97_MC, 1, 64);
	uint64_t f0 = sim_ticks_to_frames(ac97_now(&r.dev)) + 1;
	rig_advance_to(&r, (f0 + 63) * 256 + LAT - 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_MC, AC97_PICB), 16), 1);
	rig_advance_to(&r, (f0 + 63) * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_MC, AC97_PICB), 16), 0);
	ck_assert_uint_ne(rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_MC, AC97_SR), 16) & AC97_SR_CELV, 0);
	ck_assert_uint_ne(rig_rd(&r, AC97_BAR_NABM, AC97_GLOB_STA, 32) & AC97_GS_MINT, 0);
	rig_free(&r);
}
END_TEST

static uint64_t capture_scenario(bool bulk_disabled)
{
	struct rig r;
	rig_init(&r, NULL);
	r.dev.bulk_disabled = bulk_disabled;
	capture_setup(&r, AC97_PI, 8, 1000);
	uint64_t h = FNV1A64_INIT;
	for (int step = 0; step < 200; step++) {
		rig_advance(&r, 1000 + 7 * (sim_ticks_t)step);
		uint32_t v = rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PI, AC97_PICB), 32);
		h = fnv1a64(h, &v, sizeof(v));
		if (step == 30)
			ac97_stall_bus_until(&r.dev, ac97_now(&r.dev) + 30 * 256);
	}
	h = fnv1a64(h, r.mem.bytes + BUF0, 8 * 0x1000);
	h = fnv1a64(h, &r.event_fnv, sizeof(r.event_fnv));
	ck_assert_uint_ne(rig_count(&r, AC97_EV_FIFO_ERROR, AC97_PI), 0);
	rig_free(&r);
	return h;
}

START_TEST(capture_bulk_matches_one_step)
{
	/* Goal: capture's bulk path writes the same memory and events as the
	 * one-request path, across an overrun caused by a bus stall. */
	ck_assert_uint_eq(capture_scenario(false), capture_scenario(true));
}
END_TEST

Suite *suite_capture(void);
Suite *suite_capture(void)
{
	Suite *s = suite_create("emu/capture");
	TCase *tc = tcase_create("pi_mc");
	tcase_add_test(tc, pi_writes_each_frame_after_latency);
	tcase_add_test(tc, mc_is_mono);
	tcase_add_test(tc, capture_bulk_matches_one_step);
	suite_add_tcase(s, tc);
	return s;
}
