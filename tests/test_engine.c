/*
 * Bus-master engine timing: the exact ticks at which PICB, CIV, SR and the
 * interrupt line change, and what crosses the AC-link, under the model
 * documented at the top of emu/bm_engine.c. Expected values are worked out
 * from that model by hand in each test's comments, never read back from a
 * run.
 */
#include <check.h>
#include <stdlib.h>

#include "rig.h"

#define LIST 0x1000u
#define BUF0 0x10000u
#define PO_CR rig_reg(AC97_PO, AC97_CR)
#define PO_SR rig_reg(AC97_PO, AC97_SR)
#define PO_PICB rig_reg(AC97_PO, AC97_PICB)
#define PO_CIV rig_reg(AC97_PO, AC97_CIV)
#define PO_LVI rig_reg(AC97_PO, AC97_LVI)
#define PO_PIV rig_reg(AC97_PO, AC97_PIV)
#define PO_BDBAR rig_reg(AC97_PO, AC97_BDBAR)

/* After rig_link_up: codec ready at tick 12288 (frame 48), requests from
 * frame 49 on, and now = 12800 (frame 50, already served). */
#define T_LINK_UP 12800u
#define LAT AC97_DMA_LATENCY_TICKS_DEFAULT

static void start_po(struct rig *r, uint8_t lvi, uint8_t cr_extra)
{
	rig_wr(r, AC97_BAR_NABM, PO_BDBAR, 32, LIST);
	rig_wr(r, AC97_BAR_NABM, PO_LVI, 8, lvi);
	rig_wr(r, AC97_BAR_NABM, PO_CR, 8, AC97_CR_RPBM | cr_extra);
}

START_TEST(po_start_fills_fifo_after_latency)
{
	/* Goal: RPBM fetches the descriptor at once and the first FIFO fill
	 * (16 samples) lands exactly dma_latency_ticks later. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	ck_assert_uint_eq(ac97_now(&r.dev), T_LINK_UP);
	rig_bd(&r, LIST, 0, BUF0, 64, true, false);
	start_po(&r, 0, 0);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 64);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16), 0);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PIV, 8), 1);
	rig_advance(&r, LAT - 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 64);
	rig_advance(&r, 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 64 - AC97_FIFO_SAMPLES_DEFAULT);
	rig_free(&r);
}
END_TEST

START_TEST(po_picb_follows_requests)
{
	/* Goal: each requested frame (51, 52, ...) takes 2 samples and the
	 * refill 12 ticks later fetches 2 more, so PICB steps down by 2 per
	 * frame at frame start + latency. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, false, false);
	start_po(&r, 0, 0);
	rig_advance_to(&r, 51 * 256 + LAT - 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 48);
	rig_advance_to(&r, 51 * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 46);
	rig_advance_to(&r, 60 * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 46 - 9 * 2);
	rig_free(&r);
}
END_TEST

START_TEST(po_last_buffer_halts_at_exact_tick)
{
	/* Goal: 64 samples: 16 at start, then 2 per request; the 24th request
	 * (frame 74) is followed by the fetch of the last sample at
	 * 74*256+12 = 18956: BCIS, LVBCI, CELV, DCH and the interrupt all
	 * appear in that tick and not one tick earlier. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, true, false);
	start_po(&r, 0, AC97_CR_IOCE | AC97_CR_LVBIE);
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), T_LINK_UP + LAT);
	rig_advance_to(&r, T_LINK_UP + LAT);
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), 74 * 256 + LAT);
	rig_advance_to(&r, 74 * 256 + LAT - 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16), 0);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 2);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_advance_to(&r, 74 * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16),
			  AC97_SR_DCH | AC97_SR_CELV | AC97_SR_LVBCI | AC97_SR_BCIS);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 0);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_CIV, 8), 0);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PIV, 8), 1);
	ck_assert(ac97_irq_line(&r.dev));
	ck_assert_uint_ne(rig_rd(&r, AC97_BAR_NABM, AC97_GLOB_STA, 32) & AC97_GS_POINT, 0);
	const struct ac97_event *irq = rig_find(&r, AC97_EV_IRQ, -1, 0);
	ck_assert_ptr_nonnull(irq);
	ck_assert_uint_eq(irq->tick, 74 * 256 + LAT);
	rig_free(&r);
}
END_TEST

START_TEST(po_audio_crosses_link_in_order)
{
	/* Goal: 32 frames of ramp cross the link in frames 51..82, in order,
	 * then BUP=0 repeats the last frame. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, false, false);
	rig_fill_ramp(&r, BUF0, 64, 1000);
	uint64_t before = r.po_frames;
	start_po(&r, 0, 0);
	rig_advance_to(&r, 100 * 256);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 32);
	for (uint64_t i = 0; i < 32; i++) {
		uint64_t n = before + i;
		ck_assert_uint_eq(r.po_kind[n], AC97_SPAN_DATA);
		ck_assert_uint_eq(r.po_tick[n], (51 + i) * 256);
		ck_assert_int_eq(r.po_samples[2 * n], (int16_t)(1000 + 2 * i));
		ck_assert_int_eq(r.po_samples[2 * n + 1], (int16_t)(1001 + 2 * i));
	}
	uint64_t n = before + 32;
	ck_assert_uint_eq(r.po_kind[n], AC97_SPAN_FILL);
	ck_assert_int_eq(r.po_samples[2 * n], 1062);
	ck_assert_int_eq(r.po_samples[2 * n + 1], 1063);
	rig_free(&r);
}
END_TEST

START_TEST(po_bup_one_sends_zeros)
{
	/* Goal: with BUP=1 on the last buffer the link carries zeros after it. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, false, true);
	rig_fill_ramp(&r, BUF0, 64, 1000);
	uint64_t before = r.po_frames;
	start_po(&r, 0, 0);
	rig_advance_to(&r, 100 * 256);
	uint64_t n = before + 32;
	ck_assert_uint_eq(r.po_kind[n], AC97_SPAN_FILL);
	ck_assert_int_eq(r.po_samples[2 * n], 0);
	ck_assert_int_eq(r.po_samples[2 * n + 1], 0);
	rig_free(&r);
}
END_TEST

START_TEST(po_civ_advances_through_list)
{
	/* Goal: three 64-sample buffers with IOC; buffer k completes when sample
	 * 64(k+1) is fetched: after request 24 + 32k (frames 74, 106, 138),
	 * CIV moves 0->1->2 and PIV follows as CIV+1; BCIS is sticky until
	 * written 1. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (unsigned i = 0; i < 3; i++)
		rig_bd(&r, LIST, i, BUF0 + 0x1000 * i, 64, true, false);
	start_po(&r, 2, 0);
	rig_advance_to(&r, 74 * 256 + LAT - 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_CIV, 8), 0);
	rig_advance_to(&r, 74 * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_CIV, 8), 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PIV, 8), 2);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 64);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16), AC97_SR_BCIS);
	rig_wr(&r, AC97_BAR_NABM, PO_SR, 16, AC97_SR_BCIS);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16), 0);
	rig_advance_to(&r, 106 * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_CIV, 8), 2);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PIV, 8), 3);
	rig_advance_to(&r, 138 * 256 + LAT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16),
			  AC97_SR_DCH | AC97_SR_CELV | AC97_SR_LVBCI | AC97_SR_BCIS);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 3);
	rig_free(&r);
}
END_TEST

START_TEST(po_lvi_write_resumes_after_halt)
{
	/* Goal: halted at LVI with RPBM set, an LVI write that makes descriptor
	 * 1 valid resumes at descriptor 1 (CIV 1, CELV and DCH clear), and a
	 * rewrite of LVI with its old value does nothing. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, false, false);
	rig_bd(&r, LIST, 1, BUF0 + 0x1000, 64, false, false);
	start_po(&r, 0, 0);
	rig_advance_to(&r, 90 * 256);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16) & AC97_SR_DCH, AC97_SR_DCH);
	rig_wr(&r, AC97_BAR_NABM, PO_LVI, 8, 0);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16),
			  AC97_SR_DCH | AC97_SR_CELV | AC97_SR_LVBCI);
	rig_wr(&r, AC97_BAR_NABM, PO_LVI, 8, 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_CIV, 8), 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16), AC97_SR_LVBCI);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), 64);
	rig_advance_to(&r, 200 * 256);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 64);
	rig_free(&r);
}
END_TEST

START_TEST(po_pause_keeps_position)
{
	/* Goal: clearing RPBM halts DMA at once (DCH) keeping CIV and PICB;
	 * setting it again continues the same buffer: no sample lost or
	 * repeated across the pause. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 256, false, false);
	rig_fill_ramp(&r, BUF0, 256, 0);
	start_po(&r, 0, 0);
	rig_advance_to(&r, 60 * 256 + 100);
	uint32_t picb = rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16);
	ck_assert_uint_eq(picb, 256 - 16 - 10 * 2);
	rig_wr(&r, AC97_BAR_NABM, PO_CR, 8, 0);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16), AC97_SR_DCH);
	rig_advance_to(&r, 300 * 256);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_PICB, 16), picb);
	rig_wr(&r, AC97_BAR_NABM, PO_CR, 8, AC97_CR_RPBM);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16), 0);
	rig_advance_to(&r, 600 * 256);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 128);
	uint64_t k = 0;
	for (uint64_t n = 0; n < r.po_frames; n++) {
		if (r.po_kind[n] != AC97_SPAN_DATA)
			continue;
		ck_assert_int_eq(r.po_samples[2 * n], (int16_t)(2 * k));
		k++;
	}
	ck_assert_uint_eq(k, 128);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	rig_free(&r);
}
END_TEST

START_TEST(vra_cadence_44100)
{
	/* Goal: with VRA at 44100 Hz PCM out takes 147 frames in every 160. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_wr(&r, AC97_BAR_NAM, CODEC_EXT_AUDIO_CTRL, 16, CODEC_EA_VRA);
	rig_wr(&r, AC97_BAR_NAM, CODEC_PCM_FRONT_DAC_RATE, 16, 44100);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, CODEC_PCM_FRONT_DAC_RATE, 16), 44100);
	uint64_t before = r.fill_frames[AC97_PO];
	sim_ticks_t t0 = ac97_now(&r.dev);
	rig_advance_to(&r, t0 + 160 * 256 * 100);
	ck_assert_uint_eq(r.fill_frames[AC97_PO] - before, 147 * 100);
	rig_free(&r);
}
END_TEST

static void latency_run(struct rig *r, sim_ticks_t latency_ticks)
{
	struct ac97_config cfg;
	ac97_config_default(&cfg);
	cfg.dma_latency_ticks = latency_ticks;
	rig_init(r, &cfg);
	rig_link_up(r);
	rig_bd(r, LIST, 0, BUF0, 4000, false, false);
	rig_fill_ramp(r, BUF0, 4000, 0);
	start_po(r, 0, AC97_CR_FEIE);
}

START_TEST(po_latency_beyond_fifo_underruns)
{
	/* Goal: a DMA latency longer than the FIFO lasts (3000 ticks against
	 * 8 frames = 2048 ticks) starves the link. RPBM at 12800; the first
	 * fill lands at 15800 (frames 51-61 send fill, not FIFOE: no data yet);
	 * frame 62 takes 2 and asks for a transfer landing at 18872; frames
	 * 63-69 empty the FIFO; frame 70 (tick 17920) finds it dry: FIFOE. No
	 * sample is lost: the stream resumes where it stopped. */
	struct rig r;
	latency_run(&r, 3000);
	rig_advance_to(&r, 70 * 256 - 1);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16) & AC97_SR_FIFOE, 0);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	rig_advance_to(&r, 70 * 256);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16) & AC97_SR_FIFOE, AC97_SR_FIFOE);
	ck_assert(ac97_irq_line(&r.dev));
	rig_advance_to(&r, 5000 * 256);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 2000);
	ck_assert_uint_gt(r.underrun_frames[AC97_PO], 0);
	uint64_t k = 0;
	for (uint64_t n = 0; n < r.po_frames; n++)
		if (r.po_kind[n] == AC97_SPAN_DATA)
			ck_assert_int_eq(r.po_samples[2 * n], (int16_t)(2 * k++));
	rig_free(&r);
}
END_TEST

START_TEST(po_underrun_repeats_last_valid_sample)
{
	/* Goal: an underrun the bus caused (FIFOE) sends the last valid sample
	 * again, not zeros (ICH7 datasheet, SR FIFOE: "the sample transmitted
	 * ... should be the last valid sample"; PRM 3.2.5.1 "repeat last
	 * sample"), in every underrun frame, whether the device serves it on
	 * its own or in a bulk run, until data comes again. */
	for (int bulk = 0; bulk < 2; bulk++) {
		struct rig r;
		latency_run(&r, 3000);
		r.dev.bulk_disabled = bulk == 0;
		rig_advance_to(&r, 5000 * 256);
		uint64_t underruns = 0;
		int16_t last_l = 0, last_r = 0;
		bool seen_data = false;
		for (uint64_t n = 0; n < r.po_frames; n++) {
			if (r.po_kind[n] == AC97_SPAN_DATA) {
				last_l = r.po_samples[2 * n];
				last_r = r.po_samples[2 * n + 1];
				seen_data = true;
			} else if (r.po_kind[n] == AC97_SPAN_UNDERRUN) {
				ck_assert(seen_data);
				ck_assert_int_eq(r.po_samples[2 * n], last_l);
				ck_assert_int_eq(r.po_samples[2 * n + 1], last_r);
				underruns++;
			}
		}
		ck_assert_uint_gt(underruns, 0);
		/* The ramp's samples are never all zero at an underrun: the
		 * test would not tell zeros from the last sample otherwise. */
		ck_assert(last_l != 0 || last_r != 0);
		rig_free(&r);
	}
}
END_TEST

START_TEST(po_latency_within_fifo_keeps_up)
{
	/* Goal: a latency of several frames but shorter than the FIFO (1000
	 * ticks, the FIFO lasts 2048) never lets it run dry: at worst three
	 * frames are taken before the refill lands, leaving 8 samples. */
	struct rig r;
	latency_run(&r, 1000);
	rig_advance_to(&r, 5000 * 256);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16) & AC97_SR_FIFOE, 0);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 2000);
	rig_free(&r);
}
END_TEST

START_TEST(po_halt_drops_prefetched_descriptor)
{
	/* Goal: descriptor 1 is prefetched when buffer 0 starts (LVI = 1);
	 * moving LVI back to 0 makes the engine halt after buffer 0; rewriting
	 * descriptor 1 and writing LVI = 1 then plays the new descriptor 1,
	 * not the one cached before the halt. Rewriting it while running (before
	 * the halt) would not have counted. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, false, false);
	rig_bd(&r, LIST, 1, BUF0 + 0x1000, 64, false, false);
	rig_fill_ramp(&r, BUF0, 64, 0);
	rig_fill_ramp(&r, BUF0 + 0x1000, 64, 5000);
	rig_fill_ramp(&r, BUF0 + 0x2000, 64, 9000);
	start_po(&r, 1, 0);
	rig_wr(&r, AC97_BAR_NABM, PO_LVI, 8, 0);
	rig_bd(&r, LIST, 1, BUF0 + 0x2000, 64, false, false);
	rig_advance_to(&r, 90 * 256);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NABM, PO_SR, 16),
			  AC97_SR_DCH | AC97_SR_CELV | AC97_SR_LVBCI);
	rig_wr(&r, AC97_BAR_NABM, PO_LVI, 8, 1);
	rig_advance_to(&r, 200 * 256);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 64);
	int16_t last = 0;
	for (uint64_t n = 0; n < r.po_frames; n++)
		if (r.po_kind[n] == AC97_SPAN_DATA)
			last = r.po_samples[2 * n + 1];
	ck_assert_int_eq(last, 9063);	/* the rewritten descriptor's last sample */
	rig_free(&r);
}
END_TEST

/* A scenario with several buffers, pause/resume, a stall, a re-arm after
 * halt and polling reads; returns a hash of everything observable. */
static uint64_t busy_scenario(bool bulk_disabled)
{
	struct rig r;
	rig_init(&r, NULL);
	r.dev.bulk_disabled = bulk_disabled;
	rig_link_up(&r);
	for (unsigned i = 0; i < 32; i++) {
		rig_bd(&r, LIST, i, BUF0 + 0x800 * i, 200 + 2 * i, i % 3 == 0, i % 5 == 0);
		rig_fill_ramp(&r, BUF0 + 0x800 * i, 200 + 2 * i, (uint16_t)(i * 1000));
	}
	start_po(&r, 7, AC97_CR_IOCE | AC97_CR_LVBIE | AC97_CR_FEIE);
	uint64_t h = FNV1A64_INIT;
	for (int step = 0; step < 400; step++) {
		rig_advance(&r, 97 * 13 + (sim_ticks_t)step);
		uint32_t regs[4] = {
			rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PO, AC97_CIV), 32),
			rig_rd(&r, AC97_BAR_NABM, rig_reg(AC97_PO, AC97_PICB), 32),
			rig_rd(&r, AC97_BAR_NABM, AC97_GLOB_STA, 32),
			ac97_irq_line(&r.dev),
		};
		h = fnv1a64(h, regs, sizeof(regs));
		if (step == 50)
			rig_wr(&r, AC97_BAR_NABM, PO_CR, 8, AC97_CR_IOCE);
		if (step == 60)
			rig_wr(&r, AC97_BAR_NABM, PO_CR, 8, AC97_CR_RPBM | AC97_CR_IOCE);
		if (step == 90)
			ac97_stall_bus_until(&r.dev, ac97_now(&r.dev) + 40 * 256);
		if (step % 40 == 39) {
			rig_wr(&r, AC97_BAR_NABM, PO_SR, 16, 0x1C);
			uint32_t civ = rig_rd(&r, AC97_BAR_NABM, PO_CIV, 8);
			rig_wr(&r, AC97_BAR_NABM, PO_LVI, 8, (civ + 6) % 32);
		}
	}
	uint64_t counts[5] = { r.data_frames[AC97_PO], r.fill_frames[AC97_PO],
			       r.underrun_frames[AC97_PO], r.data_fnv[AC97_PO], r.dma_bytes[AC97_PO][0] };
	h = fnv1a64(h, counts, sizeof(counts));
	h = fnv1a64(h, &r.event_fnv, sizeof(r.event_fnv));
	ck_assert_uint_gt(r.underrun_frames[AC97_PO], 0);
	ck_assert_uint_gt(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 10);
	rig_free(&r);
	return h;
}

START_TEST(bulk_matches_one_step)
{
	/* Goal: the bulk fast path is an optimisation only: audio, registers
	 * at every poll, interrupts and the event log are identical with it
	 * forced off. */
	ck_assert_uint_eq(busy_scenario(false), busy_scenario(true));
}
END_TEST

START_TEST(hour_of_playback_is_cheap)
{
	/* Goal: an hour of looping playback completes with the work bounded by
	 * buffers, not frames (the test's own time limit enforces "cheap"). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (unsigned i = 0; i < 32; i++)
		rig_bd(&r, LIST, i, BUF0 + 0x10000 * i, 65534, true, false);
	start_po(&r, 31, AC97_CR_IOCE);
	sim_ticks_t end = ac97_now(&r.dev) + 3600ull * SIM_TICKS_PER_SECOND;
	uint64_t irqs = 0;
	while (ac97_now(&r.dev) < end) {
		sim_ticks_t t = ac97_next_event_tick(&r.dev);
		rig_advance_to(&r, t < end ? t : end);
		if (ac97_irq_line(&r.dev)) {
			irqs++;
			rig_wr(&r, AC97_BAR_NABM, PO_SR, 16, AC97_SR_BCIS);
			uint32_t civ = rig_rd(&r, AC97_BAR_NABM, PO_CIV, 8);
			rig_wr(&r, AC97_BAR_NABM, PO_LVI, 8, (civ + 31) % 32);
		}
	}
	/* 48000 * 3600 frames of 32767 frames each. */
	ck_assert_uint_eq(irqs, 48000ull * 3600 / 32767);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	rig_free(&r);
}
END_TEST

/* Engine e running one long buffer from T_LINK_UP with FEIE, advanced to
 * 13156 (frame 51 served and refilled), then the bus stalled for 100
 * frames, until 38756: the transfer asked for at frame 52 lands at
 * 38756 + 12 = 38768. */
#define STALL_END (13156u + 100u * SIM_TICKS_PER_FRAME)
static void run_into_a_stall(struct rig *r, enum ac97_engine_id e)
{
	rig_init(r, NULL);
	rig_link_up(r);
	rig_bd(r, LIST, 0, BUF0, 4096, false, false);
	rig_ereg_wr(r, e, AC97_BDBAR, 32, LIST);
	rig_ereg_wr(r, e, AC97_LVI, 8, 0);
	rig_ereg_wr(r, e, AC97_CR, 8, AC97_CR_RPBM | AC97_CR_FEIE);
	rig_advance_to(r, 13156);
	ck_assert(ac97_stall_bus_until(&r->dev, STALL_END));
	rig_advance_to(r, 52u * SIM_TICKS_PER_FRAME);
}

START_TEST(fifo_error_in_a_stall_is_the_next_event)
{
	/* Goal: a FIFO error that comes while a transfer is held up is the
	 * device's next event, not the transfer's landing (found by the device
	 * fuzzer: ac97_next_event_tick was late, so a machine idling until
	 * then delivered the FIFOE interrupt late). PO: the 16-sample FIFO,
	 * full after frame 51, gives 2 samples at frames 52..59 and is dry at
	 * frame 60 (tick 15360). PI: the frame-51 transfer emptied it; frames
	 * 52..59 fill it and frame 60 overruns. Once FIFOE is set the landing
	 * is next; clearing FIFOE makes the next dry (full) frame the event. */
	static const enum ac97_engine_id engines[] = { AC97_PO, AC97_PI };
	for (size_t i = 0; i < 2; i++) {
		enum ac97_engine_id e = engines[i];
		struct rig r;
		run_into_a_stall(&r, e);
		ck_assert_uint_eq(ac97_next_event_tick(&r.dev), 60u * SIM_TICKS_PER_FRAME);
		rig_advance_to(&r, 60u * SIM_TICKS_PER_FRAME - 1u);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16) & AC97_SR_FIFOE, 0);
		ck_assert(!ac97_irq_line(&r.dev));
		rig_advance_to(&r, 60u * SIM_TICKS_PER_FRAME);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), AC97_SR_FIFOE);
		ck_assert(ac97_irq_line(&r.dev));
		ck_assert_uint_eq(ac97_next_event_tick(&r.dev), STALL_END + LAT);
		rig_ereg_wr(&r, e, AC97_SR, 16, AC97_SR_FIFOE);
		ck_assert(!ac97_irq_line(&r.dev));
		ck_assert_uint_eq(ac97_next_event_tick(&r.dev), 61u * SIM_TICKS_PER_FRAME);
		rig_advance_to(&r, 61u * SIM_TICKS_PER_FRAME);
		ck_assert(ac97_irq_line(&r.dev));
		rig_free(&r);
	}
}
END_TEST

Suite *suite_engine(void);
Suite *suite_engine(void)
{
	Suite *s = suite_create("emu/engine");
	TCase *tc = tcase_create("po");
	tcase_add_test(tc, po_start_fills_fifo_after_latency);
	tcase_add_test(tc, po_picb_follows_requests);
	tcase_add_test(tc, po_last_buffer_halts_at_exact_tick);
	tcase_add_test(tc, po_audio_crosses_link_in_order);
	tcase_add_test(tc, po_bup_one_sends_zeros);
	tcase_add_test(tc, po_civ_advances_through_list);
	tcase_add_test(tc, po_lvi_write_resumes_after_halt);
	tcase_add_test(tc, po_halt_drops_prefetched_descriptor);
	tcase_add_test(tc, po_pause_keeps_position);
	tcase_add_test(tc, vra_cadence_44100);
	tcase_add_test(tc, po_latency_beyond_fifo_underruns);
	tcase_add_test(tc, po_underrun_repeats_last_valid_sample);
	tcase_add_test(tc, po_latency_within_fifo_keeps_up);
	tcase_add_test(tc, bulk_matches_one_step);
	tcase_add_test(tc, hour_of_playback_is_cheap);
	tcase_add_test(tc, fifo_error_in_a_stall_is_the_next_event);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}
