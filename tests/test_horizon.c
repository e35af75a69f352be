/*
 * test_horizon.c - the simulated clock's horizon (simtime.h): every entry
 * point that takes a time refuses one past SIM_TICKS_HORIZON, the
 * durations the device adds are bounded, and up to the horizon the timing
 * arithmetic is exact, so that advances of any length return, at any rate.
 *
 * The bug this pins: with VRA at 44.1 kHz one advance of about 2^57 ticks,
 * or any advance ending in the last frame before 2^64 ticks, never returned
 * because the cadence's (frame - anchor) * rate wrapped.
 */
#include <check.h>
#include <stdint.h>

#include "rig.h"

Suite *suite_horizon(void);

#define H SIM_TICKS_HORIZON
#define FRAME SIM_TICKS_PER_FRAME
#define LIST 0x1000u
#define LIST_B 0x2000u
#define BUF 0x10000u

static void assert_device_invariants(const struct rig *r)
{
	char why[256];
	bool ok = ac97_invariants_hold(&r->dev, why, sizeof(why));
	ck_assert_msg(ok, "invariant at tick %llu: %s", (unsigned long long)ac97_now(&r->dev), why);
}

/* Link up, every converter at 44.1 kHz (VRA and VRM), PO and PI each
 * running two 4096-sample buffers of a list at LIST. */
static void rig_44k1_running(struct rig *r)
{
	rig_init(r, NULL);
	rig_link_up(r);
	rig_nam_wr(r, CODEC_EXT_AUDIO_CTRL, 16, 0x0009);	/* VRA | VRM */
	rig_advance(r, 2 * FRAME);
	rig_nam_wr(r, CODEC_PCM_FRONT_DAC_RATE, 16, 44100);
	rig_advance(r, 2 * FRAME);
	rig_nam_wr(r, CODEC_PCM_LR_ADC_RATE, 16, 44100);
	rig_advance(r, 2 * FRAME);
	rig_nam_wr(r, CODEC_PCM_MIC_ADC_RATE, 16, 44100);
	rig_advance(r, 2 * FRAME);
	ck_assert_uint_eq(r->dev.engine[AC97_PO].cad.rate_hz, 44100);
	ck_assert_uint_eq(r->dev.engine[AC97_MC].cad.rate_hz, 44100);
	rig_bd(r, LIST, 0, BUF, 4096, true, false);
	rig_bd(r, LIST, 1, BUF + 0x2000, 4096, true, false);
	rig_fill_ramp(r, BUF, 4096, 0);
	rig_fill_ramp(r, BUF + 0x2000, 4096, 4096);
	for (int e = AC97_PI; e <= AC97_PO; e++) {
		rig_ereg_wr(r, (enum ac97_engine_id)e, AC97_BDBAR, 32, LIST);
		rig_ereg_wr(r, (enum ac97_engine_id)e, AC97_LVI, 8, 1);
		rig_ereg_wr(r, (enum ac97_engine_id)e, AC97_CR, 8, AC97_CR_RPBM | AC97_CR_IOCE);
	}
	assert_device_invariants(r);
}

START_TEST(advance_2_57_at_44k1_refused)
{
	/* Goal: at 44.1 kHz with engines running, one advance of 2^57 ticks
	 * (past the horizon) is refused at once: false, time and state
	 * unchanged; the device then runs on as before. */
	struct rig r;
	rig_44k1_running(&r);
	sim_ticks_t now = ac97_now(&r.dev);
	uint8_t civ = r.dev.engine[AC97_PO].civ;
	ck_assert(!ac97_advance_to(&r.dev, now + (UINT64_C(1) << 57)));
	ck_assert_uint_eq(ac97_now(&r.dev), now);
	ck_assert_uint_eq(r.dev.engine[AC97_PO].civ, civ);
	ck_assert(!ac97_advance_to(&r.dev, SIM_TICKS_NEVER));
	ck_assert(!ac97_advance_to(&r.dev, SIM_TICKS_NEVER - 1));
	assert_device_invariants(&r);
	/* Two 2048-frame buffers at 44.1 kHz play in well under a second. */
	ck_assert(ac97_advance_to(&r.dev, now + SIM_TICKS_PER_SECOND));
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 1);
	ck_assert_uint_ne(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16) & AC97_SR_CELV, 0);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 4096);
	assert_device_invariants(&r);
	rig_free(&r);
}
END_TEST

START_TEST(advance_to_the_horizon_in_one_step)
{
	/* Goal: from a few ms in, one advance straight to the horizon returns,
	 * with every engine at 44.1 kHz (two halted at LVI, the mic idle): the
	 * requests counted in bulk are exactly those of the cadence. */
	struct rig r;
	rig_44k1_running(&r);
	const struct bm_engine *po = &r.dev.engine[AC97_PO];
	uint64_t frames_before = r.data_frames[AC97_PO] + r.fill_frames[AC97_PO];
	uint64_t requests_before = po->next_request;
	ck_assert(ac97_advance_to(&r.dev, H));
	ck_assert_uint_eq(ac97_now(&r.dev), H);
	assert_device_invariants(&r);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 4096);
	/* Every PO request at 44.1 kHz was a frame of data or of halt fill
	 * (no underrun: the FIFO never ran dry while running). */
	ck_assert_uint_eq(r.data_frames[AC97_PO] + r.fill_frames[AC97_PO] - frames_before,
			  cadence_requests_by(&po->cad, H) - requests_before);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	/* One tick more is refused; the horizon itself is where time stops. */
	ck_assert(!ac97_advance_to(&r.dev, H + 1));
	ck_assert(ac97_advance_to(&r.dev, H));
	rig_free(&r);
}
END_TEST

START_TEST(advance_ending_in_the_last_frame)
{
	/* Goal: advances that end anywhere in the last frame before the
	 * horizon return, and a buffer started 60 frames before the horizon
	 * plays out in full before it: 40 frames need 44 frames at 44.1 kHz
	 * (147 requests in every 160 frames), plus the first transfer. */
	static const sim_ticks_t ends[] = { H - FRAME, H - FRAME + 1, H - FRAME / 2, H - 1, H };
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		struct rig r;
		rig_44k1_running(&r);
		rig_advance_to(&r, H - 60 * FRAME);
		/* A fresh list for PO: reset, two 40-sample buffers, run. */
		rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RR);
		rig_bd(&r, LIST_B, 0, BUF, 40, false, false);
		rig_bd(&r, LIST_B, 1, BUF + 80, 40, true, true);
		uint64_t played = r.data_frames[AC97_PO];
		rig_ereg_wr(&r, AC97_PO, AC97_BDBAR, 32, LIST_B);
		rig_ereg_wr(&r, AC97_PO, AC97_LVI, 8, 1);
		rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RPBM | AC97_CR_IOCE);
		ck_assert(ac97_advance_to(&r.dev, ends[i]));
		ck_assert_uint_eq(ac97_now(&r.dev), ends[i]);
		assert_device_invariants(&r);
		ck_assert_uint_eq(r.data_frames[AC97_PO] - played, 40);
		ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 1);
		ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16),
				  AC97_SR_DCH | AC97_SR_CELV | AC97_SR_LVBCI | AC97_SR_BCIS);
		ck_assert(ac97_irq_line(&r.dev));
		/* The next request lies just past the horizon: far from 2^64. */
		const struct bm_engine *po = &r.dev.engine[AC97_PO];
		sim_ticks_t next_req = cadence_tick_of(&po->cad, po->next_request);
		ck_assert_uint_gt(next_req, ends[i]);
		ck_assert_uint_le(next_req, H + 2 * FRAME);
		ck_assert(!ac97_advance_to(&r.dev, H + FRAME));
		rig_free(&r);
	}
}
END_TEST

START_TEST(cadence_exact_up_to_the_horizon)
{
	/* Goal: at every rate the codec takes, the cadence's request count up
	 * to the horizon equals floor((d * R + p) / 48000) worked out without
	 * the big product (d = q * 48000 + m), and the frame of the last
	 * request is inside the horizon, the next one past it. */
	static const uint32_t rates[] = { 8000, 11025, 22050, 32000, 44100, 48000 };
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint32_t rate = rates[i];
		struct cadence c = cadence_start(51, rate);
		uint64_t d = SIM_FRAMES_HORIZON - 51;
		uint64_t q = d / SIM_FRAMES_PER_SECOND, m = d % SIM_FRAMES_PER_SECOND;
		uint64_t want = q * rate + (m * rate + c.phase) / SIM_FRAMES_PER_SECOND;
		uint64_t n = cadence_requests_before(&c, SIM_FRAMES_HORIZON);
		ck_assert_uint_eq(n, want);
		ck_assert_uint_lt(cadence_frame_of(&c, n - 1), SIM_FRAMES_HORIZON);
		ck_assert_uint_ge(cadence_frame_of(&c, n), SIM_FRAMES_HORIZON);
		ck_assert_uint_eq(cadence_requests_by(&c, H - 1), n);
	}
}
END_TEST

START_TEST(stall_past_the_horizon_refused)
{
	/* Goal: a bus stall is a time: one past the horizon is refused and
	 * changes nothing; one up to it is taken, and DMA waits for it. */
	struct rig r;
	rig_44k1_running(&r);
	sim_ticks_t before = r.dev.bus_stall_until_tick;
	ck_assert(!ac97_stall_bus_until(&r.dev, H + 1));
	ck_assert(!ac97_stall_bus_until(&r.dev, SIM_TICKS_NEVER));
	ck_assert_uint_eq(r.dev.bus_stall_until_tick, before);
	assert_device_invariants(&r);
	ck_assert(ac97_stall_bus_until(&r.dev, H));
	ck_assert_uint_eq(r.dev.bus_stall_until_tick, H);
	assert_device_invariants(&r);
	/* The transfer already in flight lands; every later one waits for
	 * the horizon: the FIFO drains, PO underruns, and the run to the
	 * horizon still returns. */
	rig_advance(&r, FRAME);
	uint64_t fetched = r.dev.engine[AC97_PO].cur_done_samples;
	ck_assert(ac97_advance_to(&r.dev, H));
	ck_assert_uint_eq(r.dev.engine[AC97_PO].cur_done_samples, fetched);
	ck_assert_uint_gt(r.underrun_frames[AC97_PO], 0);
	assert_device_invariants(&r);
	rig_free(&r);
}
END_TEST

/* PI running into a bus stall of stall_frames frames: its FIFO fills,
 * then every frame until the stall ends overruns. */
static void capture_through_stall(struct rig *r, bool bulk_disabled, uint64_t stall_frames)
{
	rig_init(r, NULL);
	r->dev.bulk_disabled = bulk_disabled;
	rig_link_up(r);
	rig_bd(r, LIST, 0, BUF, 4096, true, false);
	rig_ereg_wr(r, AC97_PI, AC97_BDBAR, 32, LIST);
	rig_ereg_wr(r, AC97_PI, AC97_LVI, 8, 0);
	rig_ereg_wr(r, AC97_PI, AC97_CR, 8, AC97_CR_RPBM | AC97_CR_FEIE);
	rig_advance(r, 10 * FRAME);
	ck_assert(ac97_stall_bus_until(&r->dev, ac97_now(&r->dev) + stall_frames * FRAME));
	rig_advance(r, (stall_frames + 100) * FRAME);
}

START_TEST(capture_overrun_in_a_stall_in_bulk)
{
	/* Goal: frames a capture engine drops while a stalled transfer keeps
	 * its FIFO full are counted in one step, with the same FIFOE, events,
	 * data and position as request by request; so a stall of any length
	 * costs no more than a short one. */
	struct rig a, b;
	capture_through_stall(&a, false, 5000);
	capture_through_stall(&b, true, 5000);
	ck_assert_uint_eq(a.event_fnv, b.event_fnv);
	ck_assert_uint_eq(a.n_events, b.n_events);
	ck_assert_uint_eq(a.dev.engine[AC97_PI].next_request, b.dev.engine[AC97_PI].next_request);
	ck_assert_uint_eq(a.dev.engine[AC97_PI].cur_done_samples,
			  b.dev.engine[AC97_PI].cur_done_samples);
	ck_assert_uint_ne(rig_ereg_rd(&a, AC97_PI, AC97_SR, 16) & AC97_SR_FIFOE, 0);
	ck_assert(ac97_irq_line(&a.dev));
	ck_assert_uint_eq(rig_count(&a, AC97_EV_FIFO_ERROR, AC97_PI), 1);
	rig_free(&a);
	rig_free(&b);
	/* A stall of a hundred years, in bulk. */
	capture_through_stall(&a, false, 100ull * 365 * 24 * 3600 * SIM_FRAMES_PER_SECOND);
	ck_assert_uint_eq(rig_count(&a, AC97_EV_FIFO_ERROR, AC97_PI), 1);
	rig_free(&a);
}
END_TEST

START_TEST(durations_are_bounded)
{
	/* Goal: the durations the device adds to a time are clamped at init
	 * (a latency or a ready delay of 2^64 - 1 ticks becomes a second), so
	 * the codec becomes ready a second after COLD# rather than never (the
	 * sum used to wrap), even with COLD# raised at the horizon. */
	struct ac97_config cfg;
	ac97_config_default(&cfg);
	cfg.dma_latency_ticks = SIM_TICKS_NEVER;
	cfg.codec_ready_delay_ticks = SIM_TICKS_NEVER;
	struct rig r;
	rig_init(&r, &cfg);
	ck_assert_uint_eq(r.dev.cfg.dma_latency_ticks, AC97_DMA_LATENCY_TICKS_MAX);
	ck_assert_uint_eq(r.dev.cfg.codec_ready_delay_ticks, AC97_CODEC_READY_DELAY_TICKS_MAX);
	rig_advance_to(&r, H - SIM_TICKS_PER_SECOND);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), H);
	rig_advance_to(&r, H - 1);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32) & AC97_GS_S0CR, 0);
	rig_advance_to(&r, H);
	ck_assert_uint_ne(rig_nabm_rd(&r, AC97_GLOB_STA, 32) & AC97_GS_S0CR, 0);
	/* Past the horizon the delay would end after it: it is still counted
	 * from now, and time simply never gets there. */
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, 0);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), H + SIM_TICKS_PER_SECOND);
	assert_device_invariants(&r);
	rig_free(&r);
}
END_TEST

Suite *suite_horizon(void)
{
	Suite *s = suite_create("emu/horizon");
	TCase *tc = tcase_create("horizon");
	tcase_add_test(tc, advance_2_57_at_44k1_refused);
	tcase_add_test(tc, advance_to_the_horizon_in_one_step);
	tcase_add_test(tc, advance_ending_in_the_last_frame);
	tcase_add_test(tc, cadence_exact_up_to_the_horizon);
	tcase_add_test(tc, stall_past_the_horizon_refused);
	tcase_add_test(tc, capture_overrun_in_a_stall_in_bulk);
	tcase_add_test(tc, durations_are_bounded);
	suite_add_tcase(s, tc);
	return s;
}
