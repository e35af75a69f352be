/*
 * test_hostile.c - one test per row of docs/hardware.md's "Hostile inputs"
 * table, each asserting the result the
 * model at the top of emu/ac97.c and emu/bm_engine.c defines (stated in the
 * test's goal comment) and the guest-error event where one is documented;
 * then sweeps of every width at every offset of both BARs and a seeded fuzz
 * run that checks the device invariants after every step.
 *
 * Expected values are worked out by hand from the documented model, with
 * the arithmetic in comments; none is read back from a run. Timing facts
 * used throughout (derived in tests/test_engine.c):
 *   - rig_link_up(): COLD# at tick 0, codec ready at 12288 (frame 48),
 *     requests from frame 49 on, now = 12800 (frame 50, served); its two
 *     codec writes at 12288 log one CODEC_BUSY.
 *   - PO started at 12800: the first transfer lands at 12812 and fills the
 *     16-sample FIFO; then each frame from 51 on takes 2 samples and the
 *     transfer 12 ticks later fetches 2 more: after the request of frame
 *     50 + n, 16 + 2n samples have been fetched.
 *   - A capture engine started at 12800 takes a frame at frame 51, 52, ...
 *     and writes it to memory 12 ticks later.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ac97_internal.h"
#include "rig.h"

Suite *suite_hostile(void);

#define LIST 0x1000u
#define LIST_B 0x2000u
#define BUF0 0x10000u
#define BUF1 0x11000u
#define LAT AC97_DMA_LATENCY_TICKS_DEFAULT	/* 12 ticks */
#define FRAME SIM_TICKS_PER_FRAME	/* 256 ticks */
#define T_LINK_UP 12800u
#define MEM_END GMEM_DEFAULT_BYTES	/* 16 MiB: the rig's memory */

static const enum ac97_engine_id engines[AC97_ENGINE_COUNT] = { AC97_PI, AC97_PO, AC97_MC };
static const uint32_t int_bit[AC97_ENGINE_COUNT] = {
	[AC97_PI] = AC97_GS_PIINT, [AC97_PO] = AC97_GS_POINT, [AC97_MC] = AC97_GS_MINT,
};

/* ---- helpers ---------------------------------------------------------------- */









static void start_engine_on(struct rig *r, enum ac97_engine_id e, uint32_t list, uint8_t lvi,
			    uint8_t cr_extra)
{
	rig_ereg_wr(r, e, AC97_BDBAR, 32, list);
	rig_ereg_wr(r, e, AC97_LVI, 8, lvi);
	rig_ereg_wr(r, e, AC97_CR, 8, AC97_CR_RPBM | cr_extra);
}

static void start_engine(struct rig *r, enum ac97_engine_id e, uint8_t lvi, uint8_t cr_extra)
{
	start_engine_on(r, e, LIST, lvi, cr_extra);
}

static uint16_t codec_reset_value(uint32_t offset)
{
	struct codec c;
	codec_reset(&c);
	return codec_read(&c, offset);
}

static void fill_bytes(struct rig *r, uint64_t addr, uint64_t len, uint8_t value)
{
	for (uint64_t i = 0; i < len; i++)
		gmem_write(&r->mem, addr + i, &value, 1);
}

static uint16_t mem_le16(struct rig *r, uint64_t addr)
{
	uint8_t b[2];
	gmem_read(&r->mem, addr, b, 2);
	return ac97_le16(b);
}

/* Capture source: sample c of source frame n is n * channels + c. */
static void ramp_source(void *ctx, enum ac97_engine_id engine, uint64_t first_frame,
			int16_t *dst, uint64_t n_frames, uint32_t channels)
{
	(void)ctx;
	(void)engine;
	for (uint64_t i = 0; i < n_frames; i++)
		for (uint32_t c = 0; c < channels; c++)
			dst[i * channels + c] = (int16_t)(uint16_t)((first_frame + i) * channels + c);
}

/* Link up with the ramp source and the record gains at 0 dB, unmuted (the
 * codec resets them muted). The two codec writes at 12800 change no rate,
 * so the timing facts above still hold. In the capture engines, request k
 * (frame 49 + k) reads source frame k: frames 49 and 50 were dropped while
 * halted, so frame 51 carries source frame 2, samples (4, 5) for PI. */
static void capture_link_up(struct rig *r)
{
	ac97_set_source(&r->dev, (struct ac97_source){ ramp_source, NULL });
	rig_link_up(r);
	rig_nam_wr(r, CODEC_RECORD_GAIN, 16, 0x0000);
	rig_nam_wr(r, CODEC_RECORD_GAIN_MIC, 16, 0x0000);
}

/* Index into r->po_* of the first DATA frame at or after index from. */
static uint64_t first_data_frame(const struct rig *r, uint64_t from)
{
	for (uint64_t n = from; n < r->po_frames; n++)
		if (r->po_kind[n] == AC97_SPAN_DATA)
			return n;
	return UINT64_MAX;
}

/* SR & enables, per the CR bit that enables each SR bit. */
static uint16_t enabled_status(uint32_t sr, uint32_t cr)
{
	uint16_t st = 0;
	if (cr & AC97_CR_IOCE)
		st |= sr & AC97_SR_BCIS;
	if (cr & AC97_CR_LVBIE)
		st |= sr & AC97_SR_LVBCI;
	if (cr & AC97_CR_FEIE)
		st |= sr & AC97_SR_FIFOE;
	return st;
}

/*
 * The device invariants, as the guest sees them (register reads, which have
 * no side effects outside CAS) plus the engine's own bookkeeping: CIV, LVI,
 * PIV < 32; PICB <= the length of the current descriptor; DCH whenever RPBM
 * is clear; CELV only with DCH; reserved SR/CR/BDBAR/GLOB_CNT bits read 0;
 * the interrupt line and the GLOB_STA *INT bits equal SR & enables; the
 * cached next event equals a fresh computation (bm_engine.h: "tests compare
 * the two after every step"); the next event is in the future. Returns
 * false with a reason in why.
 */
static bool invariants_hold(struct rig *r, char *why, size_t why_len)
{
	bool line = false;
	uint32_t gsta = rig_nabm_rd(r, AC97_GLOB_STA, 32);
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		enum ac97_engine_id e = engines[i];
		const struct bm_engine *be = &r->dev.engine[e];
		const char *name = ac97_engine_name(e);
		uint32_t civ = rig_ereg_rd(r, e, AC97_CIV, 8), lvi = rig_ereg_rd(r, e, AC97_LVI, 8);
		uint32_t piv = rig_ereg_rd(r, e, AC97_PIV, 8), cr = rig_ereg_rd(r, e, AC97_CR, 8);
		uint32_t sr = rig_ereg_rd(r, e, AC97_SR, 16), picb = rig_ereg_rd(r, e, AC97_PICB, 16);
		uint32_t bdbar = rig_ereg_rd(r, e, AC97_BDBAR, 32);
		uint32_t len = be->loaded ? be->cur.len_samples : 0;
		const char *bad = NULL;
		if (civ >= 32)
			bad = "CIV >= 32";
		else if (lvi >= 32)
			bad = "LVI >= 32";
		else if (piv >= 32)
			bad = "PIV >= 32";
		else if (picb > len)
			bad = "PICB > current descriptor length";
		else if (!(cr & AC97_CR_RPBM) && !(sr & AC97_SR_DCH))
			bad = "RPBM clear but DCH clear";
		else if ((sr & AC97_SR_CELV) && !(sr & AC97_SR_DCH))
			bad = "CELV without DCH";
		else if (sr & ~0x1Fu)
			bad = "reserved SR bits set";
		else if (cr & ~0x1Du)
			bad = "reserved or RR bits read back in CR";
		else if (bdbar & 7u)
			bad = "BDBAR bits 2:0 set";
		else if (((gsta & int_bit[e]) != 0) != (enabled_status(sr, cr) != 0))
			bad = "GLOB_STA *INT bit differs from SR & enables";
		else if (be->next_event_tick != bm_engine_compute_next_event(&r->dev, be))
			bad = "cached next event differs from a fresh computation";
		if (bad != NULL) {
			snprintf(why, why_len,
				 "%s: %s (CIV %u LVI %u PIV %u SR 0x%x CR 0x%x PICB %u len %u)", name,
				 bad, civ, lvi, piv, sr, cr, picb, len);
			return false;
		}
		line |= enabled_status(sr, cr) != 0;
	}
	if (line != ac97_irq_line(&r->dev)) {
		snprintf(why, why_len, "irq line %d, OR of SR & enables %d", ac97_irq_line(&r->dev),
			 line);
		return false;
	}
	if (rig_nabm_rd(r, AC97_GLOB_CNT, 32) & ~0x3Bu) {
		snprintf(why, why_len, "GLOB_CNT reads reserved or WARM bits");
		return false;
	}
	if (ac97_next_event_tick(&r->dev) <= ac97_now(&r->dev)) {
		snprintf(why, why_len, "next event %llu not after now %llu",
			 (unsigned long long)ac97_next_event_tick(&r->dev),
			 (unsigned long long)ac97_now(&r->dev));
		return false;
	}
	return true;
}

static void assert_invariants(struct rig *r)
{
	char why[256];
	bool ok = invariants_hold(r, why, sizeof(why));
	ck_assert_msg(ok, "invariant: %s", why);
}

/* ---- zero-length descriptors ------------------------------------------------ */

START_TEST(zero_length_with_ioc)
{
	/* Goal: a zero-length descriptor with IOC is passed over in the first
	 * transfer and raises BCIS (bm_engine.c: "with IOC they raise BCIS like
	 * any other completion"; no guest error): descriptor 0 (0 samples,
	 * IOC), descriptor 1 (64 samples), LVI 1, IOCE. At 12811 CIV 0, PICB 0,
	 * SR 0; at 12812 descriptor 0 completes (BUFFER_DONE a=0 b=0), CIV 1,
	 * PIV 2, the same transfer fetches 16 samples of descriptor 1 (PICB
	 * 48), SR = BCIS and the line rises; the first frame on the link is
	 * descriptor 1's first (ramp from 500). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 0, true, false);
	rig_bd(&r, LIST, 1, BUF1, 64, false, false);
	rig_fill_ramp(&r, BUF1, 64, 500);
	uint64_t before = r.po_frames;
	start_engine(&r, AC97_PO, 1, AC97_CR_IOCE);
	rig_advance_to(&r, 12811);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00000100u);	/* CIV 0, LVI 1, SR 0 */
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 0);
	rig_advance_to(&r, 12812);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 1);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 8), 2);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 48);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), AC97_SR_BCIS);
	ck_assert(ac97_irq_line(&r.dev));
	const struct ac97_event *done = rig_find(&r, AC97_EV_BUFFER_DONE, AC97_PO, 0);
	ck_assert_ptr_nonnull(done);
	ck_assert_uint_eq(done->tick, 12812);
	ck_assert_uint_eq(done->a, 0);
	ck_assert_uint_eq(done->b, 0);
	rig_advance_to(&r, 60 * FRAME);
	uint64_t n = first_data_frame(&r, before);
	ck_assert_uint_eq(r.po_tick[n], 51 * FRAME);
	ck_assert_int_eq(r.po_samples[2 * n], 500);
	ck_assert_int_eq(r.po_samples[2 * n + 1], 501);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_GUEST_ERROR, AC97_PO), 0);
	rig_free(&r);
}
END_TEST

START_TEST(zero_length_with_ioc_capture)
{
	/* Goal: on capture a zero-length IOC descriptor completes in the first
	 * transfer, which only comes once a frame is in the FIFO: frame 51's
	 * frame is written at 51 * 256 + 12 = 13068, where descriptor 0
	 * completes (BCIS), CIV becomes 1 and the frame (source frame 2:
	 * samples 4, 5) lands at the start of descriptor 1 (PICB 62): none is
	 * lost. */
	struct rig r;
	rig_init(&r, NULL);
	capture_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 0, true, false);
	rig_bd(&r, LIST, 1, BUF1, 64, false, false);
	start_engine(&r, AC97_PI, 1, AC97_CR_IOCE);
	rig_advance_to(&r, 13067);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_CIV, 8), 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_SR, 16), 0);
	rig_advance_to(&r, 13068);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_CIV, 8), 1);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_PICB, 16), 62);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_SR, 16), AC97_SR_BCIS);
	ck_assert(ac97_irq_line(&r.dev));
	ck_assert_uint_eq(mem_le16(&r, BUF1), 4);
	ck_assert_uint_eq(mem_le16(&r, BUF1 + 2), 5);
	rig_free(&r);
}
END_TEST

START_TEST(zero_length_all_32)
{
	/* Goal: 32 zero-length descriptors (IOC on each) with LVI 31 halt at
	 * LVI in bounded time and deliver no data: all 32 complete in the first
	 * transfer at 12812 (32 BUFFER_DONE events there), leaving CIV 31, PIV
	 * 0 (31 + 1 mod 32), PICB 0, SR = DCH | CELV | LVBCI | BCIS (0x0F);
	 * nothing is scheduled afterwards and no DATA frame ever crosses the
	 * link. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (unsigned i = 0; i < 32; i++)
		rig_bd(&r, LIST, i, BUF0 + 0x100 * i, 0, true, false);
	start_engine(&r, AC97_PO, 31, AC97_CR_IOCE | AC97_CR_LVBIE);
	rig_advance_to(&r, 12811);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 0);
	rig_advance_to(&r, 12812);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 32);
	ck_assert_uint_eq(rig_find(&r, AC97_EV_BUFFER_DONE, AC97_PO, 31)->tick, 12812);
	ck_assert_uint_eq(rig_find(&r, AC97_EV_BUFFER_DONE, AC97_PO, 31)->a, 31);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x000F1F1Fu);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 8), 0);
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), SIM_TICKS_NEVER);
	rig_advance_to(&r, 1000 * FRAME);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 0);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 32);
	rig_free(&r);
}
END_TEST

START_TEST(zero_length_all_32_capture)
{
	/* Goal: the same on capture: the first transfer (13068, after frame
	 * 51's frame) completes all 32 (no IOC: SR = DCH | CELV | LVBCI =
	 * 0x07, CIV 31) and writes nothing: the bytes the descriptors point at
	 * keep their 0x5A fill. */
	struct rig r;
	rig_init(&r, NULL);
	capture_link_up(&r);
	fill_bytes(&r, BUF0, 0x100, 0x5A);
	for (unsigned i = 0; i < 32; i++)
		rig_bd(&r, LIST, i, BUF0 + 8 * i, 0, false, false);
	start_engine(&r, AC97_PI, 31, 0);
	rig_advance_to(&r, 13067);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_SR, 16), 0);
	rig_advance_to(&r, 13068);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_CIV, 32), 0x00071F1Fu);
	rig_advance_to(&r, 1000 * FRAME);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PI), 32);
	for (uint32_t i = 0; i < 0x100; i += 2)
		ck_assert_uint_eq(mem_le16(&r, BUF0 + i), 0x5A5A);
	rig_free(&r);
}
END_TEST

START_TEST(zero_length_at_lvi)
{
	/* Goal: a zero-length descriptor at LVI ends the list like any other
	 * (unlike QEMU: LVBCI and the interrupt are raised): descriptor 0 (64
	 * samples) completes when its last sample is fetched, 16 + 2 * 24 = 64
	 * after the request of frame 74, at 74 * 256 + 12 = 18956; in that same
	 * transfer descriptor 1 (0 samples, prefetched) becomes current and
	 * completes at LVI: CIV 1, PIV 2, SR = DCH | CELV | LVBCI (0x07), line
	 * up with LVBIE, HALTED a=1 at 18956; the 32 frames of descriptor 0
	 * all reach the link. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, false, false);
	rig_bd(&r, LIST, 1, BUF1, 0, false, false);
	start_engine(&r, AC97_PO, 1, AC97_CR_LVBIE);
	rig_advance_to(&r, 18955);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 0);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_advance_to(&r, 18956);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00070101u);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 8), 2);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 0);
	ck_assert(ac97_irq_line(&r.dev));
	const struct ac97_event *h = rig_find(&r, AC97_EV_HALTED, AC97_PO, 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->tick, 18956);
	ck_assert_uint_eq(h->a, 1);
	rig_advance_to(&r, 200 * FRAME);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 32);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 2);
	rig_free(&r);
}
END_TEST

/* ---- odd lengths, address bits, reserved bits --------------------------------- */

START_TEST(odd_length_stream)
{
	/* Goal: odd lengths in a stereo list are a guest error (ODD_LENGTH,
	 * a = index, at the fetch: both at 12800, descriptor 1 being
	 * prefetched) and the samples still flow as one stream: 63 samples
	 * (0..62) then 65 (63..127) make 64 frames (2i, 2i + 1), the frame at
	 * the seam taking sample 62 and 63 from both buffers. Descriptor 0's
	 * last sample is fetched after the request of frame 74 (16 + 2 * 23 =
	 * 62 by frame 73, one more at 74 * 256 + 12), where CIV becomes 1 and
	 * that transfer's other sample is descriptor 1's first: PICB 64. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 63, false, false);
	rig_bd(&r, LIST, 1, BUF1, 65, false, false);
	rig_fill_ramp(&r, BUF0, 63, 0);
	rig_fill_ramp(&r, BUF1, 65, 63);
	uint64_t before = r.po_frames;
	start_engine(&r, AC97_PO, 1, 0);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_ODD_LENGTH, AC97_PO), 2);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_ODD_LENGTH, AC97_PO, 0)->a, 0);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_ODD_LENGTH, AC97_PO, 1)->a, 1);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_ODD_LENGTH, AC97_PO, 1)->tick, T_LINK_UP);
	rig_advance_to(&r, 74 * FRAME + LAT - 1);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 1);
	rig_advance_to(&r, 74 * FRAME + LAT);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 1);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 64);
	rig_advance_to(&r, 200 * FRAME);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 64);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	uint64_t n0 = first_data_frame(&r, before);
	for (uint64_t i = 0; i < 64; i++) {
		ck_assert_uint_eq(r.po_kind[n0 + i], AC97_SPAN_DATA);
		ck_assert_int_eq(r.po_samples[2 * (n0 + i)], (int16_t)(2 * i));
		ck_assert_int_eq(r.po_samples[2 * (n0 + i) + 1], (int16_t)(2 * i + 1));
	}
	rig_free(&r);
}
END_TEST

START_TEST(odd_length_mono_is_fine)
{
	/* Goal: on the mono mic engine an odd length is no error: 63 samples,
	 * one per frame from 51, the last written at 113 * 256 + 12 (PICB 1
	 * one tick before, then CELV). */
	struct rig r;
	rig_init(&r, NULL);
	capture_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 63, false, false);
	start_engine(&r, AC97_MC, 0, 0);
	rig_advance_to(&r, 113 * FRAME + LAT - 1);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_MC, AC97_PICB, 16), 1);
	rig_advance_to(&r, 113 * FRAME + LAT);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_MC, AC97_SR, 16),
			  AC97_SR_DCH | AC97_SR_CELV | AC97_SR_LVBCI);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_GUEST_ERROR, AC97_MC), 0);
	rig_free(&r);
}
END_TEST

START_TEST(addr_bit0_ignored)
{
	/* Goal: a buffer address with bit 0 set is used with bit 0 cleared and
	 * logged (ADDR_BIT0, a = index, at the fetch, 12800): a ramp from 1000
	 * at BUF0 plays as (1000, 1001) ... (1062, 1063). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0 | 1u, 64, false, false);
	rig_fill_ramp(&r, BUF0, 64, 1000);
	uint64_t before = r.po_frames;
	start_engine(&r, AC97_PO, 0, 0);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_ADDR_BIT0, AC97_PO), 1);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_ADDR_BIT0, AC97_PO, 0)->a, 0);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_ADDR_BIT0, AC97_PO, 0)->tick, T_LINK_UP);
	rig_advance_to(&r, 200 * FRAME);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 32);
	uint64_t n0 = first_data_frame(&r, before);
	ck_assert_int_eq(r.po_samples[2 * n0], 1000);
	ck_assert_int_eq(r.po_samples[2 * (n0 + 31) + 1], 1063);
	rig_free(&r);
}
END_TEST

START_TEST(addr_bit1_fine)
{
	/* Goal: bit 1 set is a legal word-aligned address, no guest error: a
	 * buffer at BUF0 + 2 over a ramp from 1000 at BUF0 plays (1001, 1002)
	 * ... (1063, 1064). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0 + 2, 64, false, false);
	rig_fill_ramp(&r, BUF0, 66, 1000);
	uint64_t before = r.po_frames;
	start_engine(&r, AC97_PO, 0, 0);
	rig_advance_to(&r, 200 * FRAME);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_GUEST_ERROR, AC97_PO), 0);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 32);
	uint64_t n0 = first_data_frame(&r, before);
	ck_assert_int_eq(r.po_samples[2 * n0], 1001);
	ck_assert_int_eq(r.po_samples[2 * n0 + 1], 1002);
	ck_assert_int_eq(r.po_samples[2 * (n0 + 31) + 1], 1064);
	rig_free(&r);
}
END_TEST

START_TEST(reserved_descriptor_bits)
{
	/* Goal: DW1 bits 29:16 set are ignored and logged (BD_RESERVED_BITS,
	 * a = index, at the fetch): DW1 = IOC | 0x3FFF0000 | 64 is a 64-sample
	 * IOC buffer: PICB 64 at the start, and it completes at 18956 like any
	 * 64-sample buffer (SR 0 one tick before, then DCH | CELV | LVBCI |
	 * BCIS = 0x0F). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, AC97_BD_RESERVED | 64, true, false);
	start_engine(&r, AC97_PO, 0, 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 64);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_BD_RESERVED_BITS, AC97_PO), 1);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_BD_RESERVED_BITS, AC97_PO, 0)->a, 0);
	rig_advance_to(&r, 18955);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), 0);
	rig_advance_to(&r, 18956);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), 0x0F);
	rig_free(&r);
}
END_TEST

/* ---- memory that is not there -------------------------------------------------- */

START_TEST(buffer_outside_memory)
{
	/* Goal: a buffer past the end of memory reads as zeros and records one
	 * DMA fault (tick of the first transfer 12812, PO, descriptor 0, its
	 * address, read) for the whole buffer (64 samples, one page), and the
	 * buffer still completes at 18956 with BCIS. A second run with a buffer
	 * straddling the end (MEM_END - 64: 32 samples inside, ramp from 7)
	 * plays those 32 then zeros, with its one fault at MEM_END when sample
	 * 32 is fetched: 16 + 2j = 32 -> j = 8 -> frame 59 -> 59 * 256 + 12. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, 0xFFFF0000u, 64, true, false);
	start_engine(&r, AC97_PO, 0, 0);
	rig_advance_to(&r, 200 * FRAME);
	ck_assert_uint_eq(r.dev.faults_total, 1);
	ck_assert_uint_eq(r.dev.faults[0].tick, 12812);
	ck_assert_uint_eq(r.dev.faults[0].engine, AC97_PO);
	ck_assert_uint_eq(r.dev.faults[0].bd_index, 0);
	ck_assert_uint_eq(r.dev.faults[0].addr, 0xFFFF0000u);
	ck_assert(!r.dev.faults[0].write);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_DMA_FAULT, AC97_PO), 1);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), 0x0F);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 32);
	uint8_t zeros[128] = { 0 };
	ck_assert_uint_eq(r.data_fnv[AC97_PO], fnv1a64(FNV1A64_INIT, zeros, sizeof(zeros)));
	rig_free(&r);

	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, MEM_END - 64, 64, false, false);
	rig_fill_ramp(&r, MEM_END - 64, 32, 7);
	uint64_t before = r.po_frames;
	start_engine(&r, AC97_PO, 0, 0);
	rig_advance_to(&r, 200 * FRAME);
	ck_assert_uint_eq(r.dev.faults_total, 1);
	ck_assert_uint_eq(r.dev.faults[0].tick, 59 * FRAME + LAT);
	ck_assert_uint_eq(r.dev.faults[0].addr, MEM_END);
	uint64_t n0 = first_data_frame(&r, before);
	ck_assert_int_eq(r.po_samples[2 * (n0 + 15) + 1], 7 + 31);
	for (uint64_t i = 16; i < 32; i++) {
		ck_assert_int_eq(r.po_samples[2 * (n0 + i)], 0);
		ck_assert_int_eq(r.po_samples[2 * (n0 + i) + 1], 0);
	}
	rig_free(&r);
}
END_TEST

START_TEST(buffer_on_unmapped_pages_one_fault_per_page)
{
	/* Goal: a 4096-sample buffer over two unmapped pages (0x40000 and
	 * 0x41000, both holding a ramp that must not show) plays zeros and
	 * records exactly two faults, one per page, each dated by the transfer
	 * that first touches the page: 12812 for 0x40000; sample 2048 (0x41000)
	 * is fetched after the request j with 16 + 2j = 2048, j = 1016, frame
	 * 51 + 1016 = 1067, so at 1067 * 256 + 12 = 273164. The same with the
	 * bulk path forced off. */
	for (int bulk_off = 0; bulk_off < 2; bulk_off++) {
		struct rig r;
		rig_init(&r, NULL);
		r.dev.bulk_disabled = bulk_off != 0;
		rig_link_up(&r);
		rig_fill_ramp(&r, 0x40000, 4096, 1);
		gmem_set_mapped(&r.mem, 0x40000, 8192, false);
		rig_bd(&r, LIST, 0, 0x40000, 4096, false, false);
		start_engine(&r, AC97_PO, 0, 0);
		rig_advance_to(&r, 2200 * FRAME);
		ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16) & AC97_SR_DCH, AC97_SR_DCH);
		ck_assert_uint_eq(r.dev.faults_total, 2);
		ck_assert_uint_eq(r.dev.faults[0].tick, 12812);
		ck_assert_uint_eq(r.dev.faults[0].addr, 0x40000);
		ck_assert_uint_eq(r.dev.faults[1].tick, 273164);
		ck_assert_uint_eq(r.dev.faults[1].addr, 0x41000);
		ck_assert_uint_eq(r.dev.faults[1].bd_index, 0);
		ck_assert_uint_eq(r.data_frames[AC97_PO], 2048);
		static const uint8_t zeros[8192];
		ck_assert_uint_eq(r.data_fnv[AC97_PO], fnv1a64(FNV1A64_INIT, zeros, sizeof(zeros)));
		rig_free(&r);
	}
}
END_TEST

START_TEST(same_unmapped_buffer_twice)
{
	/* Goal: "one fault per page per buffer" counts buffer loads: two
	 * descriptors on the same unmapped page give two faults, descriptor 0
	 * at 12812 and descriptor 1 at its first fetch: descriptor 0 completes
	 * in the transfer after frame 74 with the FIFO full, so descriptor 1's
	 * first samples come after frame 75, at 75 * 256 + 12 = 19212. Bulk on
	 * and off. */
	for (int bulk_off = 0; bulk_off < 2; bulk_off++) {
		struct rig r;
		rig_init(&r, NULL);
		r.dev.bulk_disabled = bulk_off != 0;
		rig_link_up(&r);
		gmem_set_mapped(&r.mem, 0x40000, 4096, false);
		rig_bd(&r, LIST, 0, 0x40000, 64, false, false);
		rig_bd(&r, LIST, 1, 0x40000, 64, false, false);
		start_engine(&r, AC97_PO, 1, 0);
		rig_advance_to(&r, 300 * FRAME);
		ck_assert_uint_eq(r.dev.faults_total, 2);
		ck_assert_uint_eq(r.dev.faults[0].tick, 12812);
		ck_assert_uint_eq(r.dev.faults[0].bd_index, 0);
		ck_assert_uint_eq(r.dev.faults[1].tick, 75 * FRAME + LAT);
		ck_assert_uint_eq(r.dev.faults[1].bd_index, 1);
		ck_assert_uint_eq(r.dev.faults[1].addr, 0x40000);
		rig_free(&r);
	}
}
END_TEST

START_TEST(capture_to_unmapped_writes_nothing)
{
	/* Goal: capture into unmapped pages writes nothing there and records a
	 * write fault per page per buffer. Descriptor 0 (64 samples) is on the
	 * unmapped page 0x50000: fault at its first write, 13068, write = true.
	 * Descriptor 1 (64 samples at 0x52FC0) has 32 samples on the mapped page
	 * 0x52000 and 32 on the unmapped 0x53000: it takes frames 83..114, so
	 * sample 32 is written after frame 83 + 16 = 99: fault at 99 * 256 + 12
	 * = 25356, address 0x53000. Source frames 2..33 went to descriptor 0,
	 * so descriptor 1 holds 2 * 34 + s = 68 + s in its mapped half, and
	 * every unmapped byte keeps its 0x5A fill once mapped again. */
	struct rig r;
	rig_init(&r, NULL);
	capture_link_up(&r);
	fill_bytes(&r, 0x50000, 0x4000, 0x5A);
	gmem_set_mapped(&r.mem, 0x50000, 4096, false);
	gmem_set_mapped(&r.mem, 0x53000, 4096, false);
	rig_bd(&r, LIST, 0, 0x50000, 64, false, false);
	rig_bd(&r, LIST, 1, 0x52FC0, 64, false, false);
	start_engine(&r, AC97_PI, 1, 0);
	rig_advance_to(&r, 200 * FRAME);
	ck_assert_uint_eq(r.dev.faults_total, 2);
	ck_assert_uint_eq(r.dev.faults[0].tick, 13068);
	ck_assert_uint_eq(r.dev.faults[0].engine, AC97_PI);
	ck_assert_uint_eq(r.dev.faults[0].bd_index, 0);
	ck_assert_uint_eq(r.dev.faults[0].addr, 0x50000);
	ck_assert(r.dev.faults[0].write);
	ck_assert_uint_eq(r.dev.faults[1].tick, 25356);
	ck_assert_uint_eq(r.dev.faults[1].bd_index, 1);
	ck_assert_uint_eq(r.dev.faults[1].addr, 0x53000);
	ck_assert(r.dev.faults[1].write);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_SR, 16),
			  AC97_SR_DCH | AC97_SR_CELV | AC97_SR_LVBCI);
	gmem_set_mapped(&r.mem, 0x50000, 0x4000, true);
	for (uint32_t i = 0; i < 4096; i += 2)
		ck_assert_uint_eq(mem_le16(&r, 0x50000 + i), 0x5A5A);
	for (uint32_t s = 0; s < 32; s++)
		ck_assert_uint_eq(mem_le16(&r, 0x52FC0 + 2 * s), 68 + s);
	for (uint32_t i = 0; i < 64; i += 2)
		ck_assert_uint_eq(mem_le16(&r, 0x53000 + i), 0x5A5A);
	rig_free(&r);
}
END_TEST

START_TEST(bdl_on_unmapped_page)
{
	/* Goal: a BDL on an unmapped page reads as zero descriptors (length 0)
	 * and records one fault per descriptor fetch: descriptor 0 and the
	 * prefetched descriptor 1 both at 12800 (addresses LIST, LIST + 8);
	 * both zero-length, they complete in the first transfer at 12812: CIV
	 * 1, PIV 2, SR = DCH | CELV | LVBCI, no data. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, false, false);
	rig_bd(&r, LIST, 1, BUF1, 64, false, false);
	gmem_set_mapped(&r.mem, LIST, 4096, false);
	start_engine(&r, AC97_PO, 1, 0);
	ck_assert_uint_eq(r.dev.faults_total, 2);
	ck_assert_uint_eq(r.dev.faults[0].tick, T_LINK_UP);
	ck_assert_uint_eq(r.dev.faults[0].bd_index, 0);
	ck_assert_uint_eq(r.dev.faults[0].addr, LIST);
	ck_assert_uint_eq(r.dev.faults[1].bd_index, 1);
	ck_assert_uint_eq(r.dev.faults[1].addr, LIST + 8);
	rig_advance_to(&r, 12812);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00070101u);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 8), 2);
	rig_advance_to(&r, 200 * FRAME);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 0);
	ck_assert_uint_eq(r.dev.faults_total, 2);
	rig_free(&r);
}
END_TEST

/* ---- LVI and RR ------------------------------------------------------------------ */

START_TEST(lvi_civ_minus_1_all_32_valid)
{
	/* Goal: LVI = CIV - 1 (mod 32) makes all 32 descriptors valid. 32
	 * buffers of 16 samples, CIV 0, LVI 31: buffer 0 completes in the
	 * first fill (12812); buffer k >= 1 when 16(k + 1) = 16 + 2n, n = 8k,
	 * after frame 50 + 8k; buffer 31 at 298 * 256 + 12 = 76300, leaving
	 * CIV 31, PIV 0, SR 0x07 and 32 BUFFER_DONE; 256 frames play. Then,
	 * halted with RPBM set, LVI = 30 (= CIV - 1 again) resumes at 0 and
	 * runs 31 more buffers: written at 400 * 256, refilled at +12 (buffer
	 * 0), buffer k at frame 400 + 8k, buffer 30 at 640 * 256 + 12; CIV 30,
	 * PIV 31, 63 BUFFER_DONE, 256 + 248 frames. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (unsigned i = 0; i < 32; i++)
		rig_bd(&r, LIST, i, BUF0 + 0x100 * i, 16, false, false);
	start_engine(&r, AC97_PO, 31, 0);
	rig_advance_to(&r, 76299);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 31);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), 0);
	rig_advance_to(&r, 76300);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00071F1Fu);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 8), 0);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 32);
	rig_advance_to(&r, 400 * FRAME);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 256);
	rig_ereg_wr(&r, AC97_PO, AC97_LVI, 8, 30);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00041E00u);	/* CIV 0, LVBCI */
	rig_advance_to(&r, 640 * FRAME + LAT - 1);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 30);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), AC97_SR_LVBCI);
	rig_advance_to(&r, 640 * FRAME + LAT);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00071E1Eu);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 8), 31);
	rig_advance_to(&r, 700 * FRAME);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 63);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 256 + 248);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	rig_free(&r);
}
END_TEST

START_TEST(lvi_rewritten_unchanged_while_halted)
{
	/* Goal: halted at LVI (CIV = LVI = 0, 64 samples done at 18956), a
	 * write of the same LVI does nothing (unlike QEMU/VirtualBox): SR stays
	 * 0x07, no BUFFER_DONE or HALTED event, nothing scheduled, 32 frames in
	 * all; paused (RPBM 0) the same, and RPBM set again stays halted. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, false, false);
	rig_bd(&r, LIST, 1, BUF1, 64, false, false);
	start_engine(&r, AC97_PO, 0, 0);
	rig_advance_to(&r, 100 * FRAME);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), 0x07);
	rig_ereg_wr(&r, AC97_PO, AC97_LVI, 8, 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00070000u);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 8), 1);
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), SIM_TICKS_NEVER);
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, 0);
	rig_ereg_wr(&r, AC97_PO, AC97_LVI, 8, 0);
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RPBM);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00070000u);
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), SIM_TICKS_NEVER);
	rig_advance_to(&r, 300 * FRAME);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 32);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 1);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_HALTED, AC97_PO), 1);
	rig_free(&r);
}
END_TEST

START_TEST(rr_while_running)
{
	/* Goal: RR while DMA runs does the reset anyway and logs
	 * RR_WHILE_RUNNING (a = the CR value, 0x02, at the tick of the write):
	 * at 60 * 256 + 100 (10 frames played) every register is back at reset
	 * (BDBAR 0, CIV/LVI 0, SR 0x0001, PICB/PIV/CR 0), the FIFO is emptied,
	 * so from frame 61 the link carries FILL frames of zero (no descriptor
	 * loaded: BUP policy value 0) and nothing is scheduled. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 256, false, false);
	rig_fill_ramp(&r, BUF0, 256, 100);
	start_engine(&r, AC97_PO, 0, 0);
	rig_advance_to(&r, 60 * FRAME + 100);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 10);
	uint64_t mark = r.po_frames;
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RR);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RR_WHILE_RUNNING, AC97_PO), 1);
	const struct ac97_event *ev = rig_ge_find(&r, AC97_GE_RR_WHILE_RUNNING, AC97_PO, 0);
	ck_assert_uint_eq(ev->a, AC97_CR_RR);
	ck_assert_uint_eq(ev->tick, 60 * FRAME + 100);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_BDBAR, 32), 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00010000u);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 32), 0);
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), SIM_TICKS_NEVER);
	rig_advance_to(&r, 100 * FRAME);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 10);
	ck_assert_uint_eq(r.po_frames - mark, 40);	/* frames 61..100 */
	for (uint64_t n = mark; n < r.po_frames; n++) {
		ck_assert_uint_eq(r.po_kind[n], AC97_SPAN_FILL);
		ck_assert_int_eq(r.po_samples[2 * n], 0);
		ck_assert_int_eq(r.po_samples[2 * n + 1], 0);
	}
	rig_free(&r);
}
END_TEST

START_TEST(rr_with_rpbm)
{
	/* Goal: RR with other CR bits: RR wins. Halted: CR = RR | RPBM | IOCE
	 * (0x13) -> CR = IOCE (0x10), SR DCH, nothing starts, RR_WITH_RPBM
	 * (a = 0x13) only. Running: CR = 0xFF -> the 5 defined bits 0x1F -> CR =
	 * the enables 0x1C, SR DCH, both RR_WHILE_RUNNING and RR_WITH_RPBM. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 256, false, false);
	rig_ereg_wr(&r, AC97_PO, AC97_BDBAR, 32, LIST);
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RR | AC97_CR_RPBM | AC97_CR_IOCE);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CR, 8), AC97_CR_IOCE);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), AC97_SR_DCH);
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), SIM_TICKS_NEVER);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RR_WITH_RPBM, AC97_PO), 1);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RR_WITH_RPBM, AC97_PO, 0)->a, 0x13);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RR_WHILE_RUNNING, AC97_PO), 0);
	start_engine(&r, AC97_PO, 0, 0);
	rig_advance_to(&r, 60 * FRAME);
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, 0xFF);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CR, 8), 0x1C);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00010000u);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RR_WITH_RPBM, AC97_PO), 2);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RR_WHILE_RUNNING, AC97_PO), 1);
	rig_free(&r);
}
END_TEST

/* ---- every width at every offset ---------------------------------------------------- */

/* NABM bytes of a device at power-on (SR = DCH in each engine). */
static void reset_image(uint8_t img[AC97_NABM_BYTES])
{
	memset(img, 0, AC97_NABM_BYTES);
	for (unsigned k = 0; k < AC97_ENGINE_COUNT; k++)
		img[k * AC97_ENGINE_STRIDE + AC97_SR] = 0x01;
}

static uint32_t image_value(const uint8_t img[AC97_NABM_BYTES], uint32_t off, unsigned n_bytes)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < n_bytes; i++) {
		uint64_t at = (uint64_t)off + i;
		v |= (uint32_t)(at < AC97_NABM_BYTES ? img[at] : 0xFFu) << (8 * i);
	}
	return v;
}

/* What a write of n bytes of value at off does to the reset image, by the
 * rules of ac97.c's register table: each byte goes to the register it falls
 * in; BDBAR keeps bits 31:3, LVI bits 4:0, GLOB_CNT bits 5:0 minus WARM;
 * CIV, PICB, PIV, CAS, holes and reserved bytes keep their value; SR and
 * GLOB_STA are write-1-to-clear with nothing set at reset; CR keeps bits
 * 4:0, RR resets the engine (the reset image) keeping the enables written
 * with it, RPBM alone starts the DMA at descriptor 0: DCH clears and PIV
 * becomes 1 (memory at BDBAR 0 is zero: a zero-length descriptor, PICB 0,
 * which completes only when time moves). */
static void apply_nabm_write(uint8_t img[AC97_NABM_BYTES], uint32_t off, unsigned n_bytes,
			     uint32_t value)
{
	for (unsigned i = 0; i < n_bytes; i++) {
		uint64_t at = (uint64_t)off + i;
		uint8_t b = (uint8_t)(value >> (8 * i));
		if (at >= AC97_NABM_BYTES)
			continue;
		if (at >= AC97_GLOB_CNT) {
			if (at == AC97_GLOB_CNT)
				img[at] = b & 0x3F & (uint8_t)~AC97_GC_WARM;
			continue;
		}
		uint32_t base = (uint32_t)at & ~(AC97_ENGINE_STRIDE - 1);
		switch (at % AC97_ENGINE_STRIDE) {
		case 0: img[at] = b & 0xF8; break;
		case 1: case 2: case 3: img[at] = b; break;
		case AC97_LVI: img[at] = b & 0x1F; break;
		case AC97_CR: {
			uint8_t cr = b & 0x1F;
			if (cr & AC97_CR_RR) {
				cr &= AC97_CR_IOCE | AC97_CR_FEIE | AC97_CR_LVBIE;
			} else if (cr & AC97_CR_RPBM) {
				img[base + AC97_SR] = 0x00;
				img[base + AC97_PIV] = 1;
			}
			img[at] = cr;
			break;
		}
		default: break;
		}
	}
}

static bool guest_errors_only(const struct rig *r, const uint32_t *allowed, size_t n_allowed,
			      uint32_t *bad)
{
	for (size_t i = 0; i < r->n_events; i++) {
		if (r->events[i].kind != AC97_EV_GUEST_ERROR)
			continue;
		bool ok = false;
		for (size_t k = 0; k < n_allowed; k++)
			ok |= r->events[i].code == allowed[k];
		if (!ok) {
			*bad = r->events[i].code;
			return false;
		}
	}
	return true;
}

static const uint32_t sweep_values[] = { 0x00000000u, 0xFFFFFFFFu, 0xA5A5A5A5u,
					 0x5A5A5A5Au, 0x01010101u, 0x1F1F1F1Fu };
#define N_SWEEP_VALUES (sizeof(sweep_values) / sizeof(sweep_values[0]))

START_TEST(every_width_every_offset_nabm)
{
	/* Goal: a write of every width (8, 16, 32) at every offset 0x00..0x3F
	 * (and a few past the end) with six value patterns, each on a fresh
	 * device (a copy of the power-on state: device state is plain data),
	 * leaves exactly the bytes apply_nabm_write() describes, keeps the
	 * invariants, and logs only RO_WRITE, BAD_OFFSET or RR_WITH_RPBM
	 * guest errors. 0xA5 in CR is RPBM | LVBIE (starts), 0x5A is RR | FEIE
	 * | IOCE (-> 0x18), 0xFF is RR with RPBM (-> 0x1C). */
	struct rig r;
	rig_init(&r, NULL);
	struct ac97 fresh = r.dev;
	static const unsigned widths[] = { 8, 16, 32 };
	static const uint32_t allowed[] = { AC97_GE_RO_WRITE, AC97_GE_BAD_OFFSET,
					    AC97_GE_RR_WITH_RPBM };
	for (unsigned w = 0; w < 3; w++) {
		for (uint32_t off = 0; off < AC97_NABM_BYTES + 4; off++) {
			for (unsigned v = 0; v < N_SWEEP_VALUES; v++) {
				r.dev = fresh;
				r.n_events = 0;
				uint32_t value = sweep_values[v];
				if (widths[w] < 32)
					value &= (1u << widths[w]) - 1;
				rig_nabm_wr(&r, off, widths[w], value);
				uint8_t img[AC97_NABM_BYTES];
				reset_image(img);
				apply_nabm_write(img, off, widths[w] / 8, value);
				for (uint32_t at = 0; at < AC97_NABM_BYTES; at += 4) {
					uint32_t got = rig_nabm_rd(&r, at, 32);
					uint32_t want = image_value(img, at, 4);
					ck_assert_msg(got == want,
						      "write %u bits of 0x%x at 0x%02x: dword 0x%02x "
						      "reads 0x%08x, want 0x%08x",
						      widths[w], value, off, at, got, want);
				}
				uint32_t bad = 0;
				ck_assert_msg(guest_errors_only(&r, allowed, 3, &bad),
					      "write %u bits at 0x%02x: guest error %s", widths[w], off,
					      ac97_guest_error_name((enum ac97_guest_error)bad));
				assert_invariants(&r);
			}
		}
	}
	rig_free(&r);
}
END_TEST

/* The codec as the device holds it after rig_link_up(): reset, master
 * volume 0x0000, PCM out 0x0808. */
static void linked_codec(struct codec *m)
{
	codec_reset(m);
	codec_write(m, CODEC_MASTER_VOL, 0x0000);
	codec_write(m, CODEC_PCM_OUT_VOL, 0x0808);
}

/* One 16-bit codec write as ac97.c delivers it: the secondary codec
 * (0x80 and up) is absent and a codec in PR4 (link down) gets nothing. */
static void model_codec_write16(struct codec *m, uint32_t off, uint16_t v)
{
	if (off >= 0x80 || codec_link_powered_down(m))
		return;
	codec_write(m, off, v);
}

START_TEST(every_width_every_offset_nam)
{
	/* Goal: a write of every width at every NAMBAR offset 0x00..0xFF (and
	 * past it) with four patterns, on a copy of the linked-up device, ends
	 * with every register reading what the codec model says, under the
	 * splitting rules of ac97.c: a byte write is dropped, a word write is
	 * one codec write, a dword write is two (offset, offset + 2), anything
	 * reaching past 0xFF is dropped whole, the secondary codec (0x80+)
	 * reads 0xFFFF, and once a write sets PR4 the link is down so later
	 * writes are dropped and every read is 0xFFFF. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	struct ac97 linked = r.dev;
	struct codec m0;
	linked_codec(&m0);
	ck_assert_mem_eq(m0.regs, r.dev.codec.regs, sizeof(m0.regs));
	static const unsigned widths[] = { 8, 16, 32 };
	static const uint32_t values[] = { 0x00000000u, 0xFFFFFFFFu, 0xA5A55A5Au, 0x10001000u };
	for (unsigned w = 0; w < 3; w++) {
		unsigned n = widths[w] / 8;
		for (uint32_t off = 0; off < AC97_NAM_BYTES + 2; off++) {
			for (unsigned v = 0; v < 4; v++) {
				r.dev = linked;
				r.n_events = 0;
				uint32_t value = values[v];
				if (widths[w] < 32)
					value &= (1u << widths[w]) - 1;
				struct codec m = m0;
				if (off + n <= AC97_NAM_BYTES && n >= 2) {
					model_codec_write16(&m, off, (uint16_t)value);
					if (n == 4)
						model_codec_write16(&m, off + 2, (uint16_t)(value >> 16));
				}
				rig_nam_wr(&r, off, widths[w], value);
				for (uint32_t at = 0; at < AC97_NAM_BYTES; at += 2) {
					uint32_t want = at >= 0x80 || codec_link_powered_down(&m)
								? 0xFFFFu
								: codec_read(&m, at);
					uint32_t got = rig_nam_rd(&r, at, 16);
					ck_assert_msg(got == want,
						      "write %u bits of 0x%x at 0x%02x: reg 0x%02x "
						      "reads 0x%04x, want 0x%04x",
						      widths[w], value, off, at, got, want);
				}
				assert_invariants(&r);
			}
		}
	}
	rig_free(&r);
}
END_TEST

START_TEST(bad_widths)
{
	/* Goal: widths other than 8, 16, 32 (0, 1, 7, 12, 24, 33, 64, ~0) are
	 * refused on both BARs: reads return 0xFFFFFFFF, writes change nothing
	 * (the NABM image stays the linked-up one: reset values, GLOB_CNT =
	 * COLD#, GLOB_STA = S0CR; the codec keeps its master volume), each
	 * access logs BAD_WIDTH with a = the width. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	static const unsigned bad[] = { 0, 1, 7, 12, 24, 33, 64, ~0u };
	for (unsigned i = 0; i < 8; i++) {
		ck_assert_uint_eq(rig_nabm_rd(&r, rig_reg(AC97_PO, AC97_SR), bad[i]), 0xFFFFFFFFu);
		ck_assert_uint_eq(rig_nam_rd(&r, CODEC_MASTER_VOL, bad[i]), 0xFFFFFFFFu);
		rig_nabm_wr(&r, rig_reg(AC97_PO, AC97_CR), bad[i], 0xFFFFFFFFu);
		rig_nabm_wr(&r, AC97_GLOB_CNT, bad[i], 0);
		rig_nam_wr(&r, CODEC_MASTER_VOL, bad[i], 0x1F1F);
	}
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_BAD_WIDTH, -1), 8 * 5);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_BAD_WIDTH, -1, 5 * 3)->a, 12);
	uint8_t img[AC97_NABM_BYTES];
	reset_image(img);
	img[AC97_GLOB_CNT] = AC97_GC_COLD;
	img[AC97_GLOB_STA + 1] = AC97_GS_S0CR >> 8;
	for (uint32_t at = 0; at < AC97_NABM_BYTES; at += 4)
		if (at != AC97_CAS)
			ck_assert_uint_eq(rig_nabm_rd(&r, at, 32), image_value(img, at, 4));
	ck_assert_uint_eq(rig_nam_rd(&r, CODEC_MASTER_VOL, 16), 0x0000);
	assert_invariants(&r);
	rig_free(&r);
}
END_TEST

START_TEST(word_write_over_piv_cr)
{
	/* Goal: a word write at +0A writes CR and ignores PIV (RO_WRITE, a =
	 * 0x0A): fresh, 0x1C07 -> PIV 0, CR 0x1C; running (PIV 1, CR 0x01),
	 * 0x1D1F -> PIV 1, CR 0x1D with no restart (RPBM already set: CIV 0,
	 * PICB 64 stay). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_ereg_wr(&r, AC97_PO, AC97_PIV, 16, 0x1C07);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 16), 0x1C00);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, AC97_PO), 1);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, AC97_PO, 0)->a, rig_reg(AC97_PO, AC97_PIV));
	rig_bd(&r, LIST, 0, BUF0, 64, false, false);
	rig_bd(&r, LIST, 1, BUF1, 64, false, false);
	start_engine(&r, AC97_PO, 1, 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 16), 0x0101);
	rig_ereg_wr(&r, AC97_PO, AC97_PIV, 16, 0x1D1F);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 16), 0x1D01);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 64);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, AC97_PO), 2);
	rig_free(&r);
}
END_TEST

START_TEST(dword_write_at_04)
{
	/* Goal: a dword write at +04 ignores CIV (RO_WRITE, a = 4), then
	 * writes LVI, then SR (write-1-to-clear), in that order. Halted at LVI
	 * 0 after a 64-sample IOC buffer (SR 0x0F) and paused (RPBM 0): 0x001C051F
	 * -> CIV 0, LVI 5, SR: sticky bits cleared, CELV gone (CIV != LVI),
	 * DCH -> dword +04 = 0x00010500. With RPBM still set instead, the LVI
	 * write resumes at descriptor 1 (CIV 1, running) and the SR write then
	 * clears the sticky bits: dword +04 = 0x00000501, PICB 64. */
	for (int running = 0; running < 2; running++) {
		struct rig r;
		rig_init(&r, NULL);
		rig_link_up(&r);
		rig_bd(&r, LIST, 0, BUF0, 64, true, false);
		rig_bd(&r, LIST, 1, BUF1, 64, false, false);
		start_engine(&r, AC97_PO, 0, 0);
		rig_advance_to(&r, 100 * FRAME);
		ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), 0x0F);
		if (!running)
			rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, 0);
		rig_ereg_wr(&r, AC97_PO, AC97_CIV, 32, 0x001C051Fu);
		ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32),
				  running ? 0x00000501u : 0x00010500u);
		ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, AC97_PO), 1);
		ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, AC97_PO, 0)->a, rig_reg(AC97_PO, AC97_CIV));
		if (running)
			ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 64);
		assert_invariants(&r);
		rig_free(&r);
	}
}
END_TEST

START_TEST(writes_to_reserved_and_ro_bits)
{
	/* Goal: every kind of read-only or reserved bit keeps its value: CIV,
	 * PICB, PIV and SR's high byte (RO_WRITE of PO with a = 4, 8, 0x0A, 6);
	 * CAS (RO_WRITE of the device, a = 0x34; the write does not take the
	 * semaphore: the next read is 0); GLOB_STA bytes 2 and 3 (two RO_WRITE,
	 * a = 0x30), while a dword of ones to GLOB_STA clears RCS only (S0CR
	 * and the *INT bits are read-only: 0x100 stays); GLOB_CNT bit 6 (one
	 * RO_WRITE); CR bits 7:5, LVI bits 7:5 and BDBAR bits 2:0 drop silently. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_nabm_wr(&r, AC97_CAS, 8, 0xFF);	/* CAS is free at 12800 (see nabm_regs) */
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 0);
	rig_nam_rd(&r, 0x80, 16);	/* sets RCS */
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | AC97_GS_RCS);
	rig_ereg_wr(&r, AC97_PO, AC97_CIV, 8, 0xFF);
	rig_ereg_wr(&r, AC97_PO, AC97_PICB, 16, 0xFFFF);
	rig_ereg_wr(&r, AC97_PO, AC97_PIV, 8, 0xFF);
	rig_ereg_wr(&r, AC97_PO, AC97_SR + 1, 8, 0xFF);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00010000u);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 32), 0);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, AC97_PO), 4);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, AC97_PO, 1)->a, rig_reg(AC97_PO, AC97_PICB));
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, AC97_PO, 3)->a, rig_reg(AC97_PO, AC97_SR));
	rig_nabm_wr(&r, AC97_GLOB_STA + 2, 8, 0xFF);
	rig_nabm_wr(&r, AC97_GLOB_STA + 3, 8, 0xFF);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD | 0x40);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, -1), 4);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, -1, 0)->a, AC97_CAS);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, -1, 1)->a, AC97_GLOB_STA);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), AC97_GC_COLD);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | AC97_GS_RCS);
	rig_nabm_wr(&r, AC97_GLOB_STA, 32, 0xFFFFFFFFu);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, 0xE0);
	rig_ereg_wr(&r, AC97_PO, AC97_LVI, 8, 0xE0);
	rig_ereg_wr(&r, AC97_PO, AC97_BDBAR, 32, 0x7);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00010000u);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CR, 8), 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_BDBAR, 32), 0);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, AC97_PO), 4);
	rig_free(&r);
}
END_TEST

/* ---- GLOB_CNT sequences -------------------------------------------------------------- */

START_TEST(cold_reset_mid_playback)
{
	/* Goal: COLD# asserted mid-playback stops the codec's requests at once
	 * and keeps the bus master as it was: at 60 * 256 + 100 (frames 51..60
	 * played, PICB = 1024 - 16 - 2 * 10 = 988) no frame of any kind crosses
	 * the link for the next 1000 frames, nothing is scheduled, CIV/PICB/
	 * CR/SR stay (SR 0: still running). COLD# set again at 1000 * 256 makes
	 * the codec ready at 1000 * 256 + 12288 = frame 1048, so requests resume
	 * at frame 1049 with the next samples of the buffer (20, 21 of the
	 * ramp from 0) and PICB = 986 after the refill at 1049 * 256 + 12. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 1024, false, false);
	rig_fill_ramp(&r, BUF0, 1024, 0);
	start_engine(&r, AC97_PO, 0, 0);
	rig_advance_to(&r, 60 * FRAME + 100);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 10);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 988);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, 0);
	uint64_t frames = r.po_frames;
	ck_assert_uint_eq(ac97_next_event_tick(&r.dev), SIM_TICKS_NEVER);
	rig_advance_to(&r, 1000 * FRAME);
	ck_assert_uint_eq(r.po_frames, frames);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 988);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0);	/* CIV, LVI 0; SR 0 */
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CR, 8), AC97_CR_RPBM);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), 0);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	rig_advance_to(&r, 1049 * FRAME + LAT);
	ck_assert_uint_eq(r.po_frames, frames + 1);
	ck_assert_uint_eq(r.po_tick[frames], 1049 * FRAME);
	ck_assert_uint_eq(r.po_kind[frames], AC97_SPAN_DATA);
	ck_assert_int_eq(r.po_samples[2 * frames], 20);
	ck_assert_int_eq(r.po_samples[2 * frames + 1], 21);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 986);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	rig_free(&r);
}
END_TEST

START_TEST(warm_reset_wakes_codec_from_pr4)
{
	/* Goal: a codec put in PR4 by a NAM write to 0x26 (at 12800) stops the
	 * link: no frame crosses it (frames 51 and 52 are not requested: still
	 * 2 frames, those of 49 and 50), a codec read at 13312 gets 0xFFFF with
	 * RCS and CODEC_NOT_READY; COLD# | WARM at 13312 (frame 52) clears PR4
	 * (the codec's own warm reset gives the same register), WARM reads back
	 * 0, and requests resume at frame 53: 8 frames (53..60) by 60 * 256. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	ck_assert_uint_eq(r.po_frames, 2);
	rig_nam_wr(&r, CODEC_POWERDOWN, 16, CODEC_PD_PR4_LINK);
	rig_advance_to(&r, 52 * FRAME);
	ck_assert_uint_eq(r.po_frames, 2);
	ck_assert_uint_eq(rig_nam_rd(&r, CODEC_POWERDOWN, 16), 0xFFFF);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | AC97_GS_RCS);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_CODEC_NOT_READY, -1), 1);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD | AC97_GC_WARM);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), AC97_GC_COLD);
	struct codec m;
	linked_codec(&m);
	codec_write(&m, CODEC_POWERDOWN, CODEC_PD_PR4_LINK);
	codec_warm_reset(&m);
	uint32_t pd = rig_nam_rd(&r, CODEC_POWERDOWN, 16);
	ck_assert_uint_eq(pd, codec_read(&m, CODEC_POWERDOWN));
	ck_assert_uint_eq(pd & CODEC_PD_PR4_LINK, 0);
	rig_advance_to(&r, 60 * FRAME);
	ck_assert_uint_eq(r.po_frames, 2 + 8);
	ck_assert_uint_eq(r.po_tick[2], 53 * FRAME);
	rig_free(&r);
}
END_TEST

START_TEST(cold_reset_toggles)
{
	/* Goal: COLD# sequences: set at 1000, cleared at 5000 (before ready),
	 * set at 6000 -> ready 12288 after the last rising edge, at 18288 (not
	 * 13288); rewriting COLD# = 1 (with GIE) at 8000 does not restart the
	 * timer. WARM alone (COLD# asserted) does nothing: GLOB_CNT reads 0 and
	 * no codec becomes ready. */
	struct rig r;
	rig_init(&r, NULL);
	rig_advance_to(&r, 1000);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	rig_advance_to(&r, 5000);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, 0);
	rig_advance_to(&r, 6000);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	rig_advance_to(&r, 8000);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD | AC97_GC_GIE);
	rig_advance_to(&r, 13288);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), 0);
	rig_advance_to(&r, 18287);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), 0);
	rig_advance_to(&r, 18288);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
	rig_free(&r);

	rig_init(&r, NULL);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_WARM);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), 0);
	rig_advance_to(&r, 3 * 12288);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), 0);
	rig_free(&r);
}
END_TEST

/* ---- codec accesses --------------------------------------------------------------- */

START_TEST(codec_access_while_cas_held)
{
	/* Goal: CAS is advisory. Taken by a read alone (12800), a codec write
	 * still goes through with no guest error (nothing is in flight); a
	 * second write at 12900 while the first is in flight (until 13312) is
	 * performed and logged CODEC_BUSY (a = its offset). Both values read
	 * back (volume fields below 0x20 are kept by the codec). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	size_t busy0 = rig_ge_count(&r, AC97_GE_CODEC_BUSY, -1);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 1);
	rig_nam_wr(&r, CODEC_MASTER_VOL, 16, 0x0102);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_CODEC_BUSY, -1), busy0);
	rig_advance_to(&r, 12900);
	rig_nam_wr(&r, CODEC_AUX_OUT_VOL, 16, 0x0304);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_CODEC_BUSY, -1), busy0 + 1);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_CODEC_BUSY, -1, busy0)->a, CODEC_AUX_OUT_VOL);
	rig_advance_to(&r, 60 * FRAME);
	ck_assert_uint_eq(rig_nam_rd(&r, CODEC_MASTER_VOL, 16), 0x0102);
	ck_assert_uint_eq(rig_nam_rd(&r, CODEC_AUX_OUT_VOL, 16), 0x0304);
	rig_free(&r);
}
END_TEST

START_TEST(codec_odd_offsets)
{
	/* Goal: word reads at odd offsets 0x01..0x7F return 0 (codec.h) with
	 * no RCS; a word write at 0x03 changes neither 0x02 nor 0x04; a byte
	 * read at an odd offset returns the high byte of the register below
	 * (ac97.c: "NAMBAR byte reads return a byte of the register"): 0x7D ->
	 * vendor ID 1 >> 8; a dword read at 0x01 is two odd word reads: 0. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (uint32_t off = 1; off < 0x80; off += 2)
		ck_assert_uint_eq(rig_nam_rd(&r, off, 16), 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
	rig_nam_wr(&r, 0x03, 16, 0x1F1F);
	ck_assert_uint_eq(rig_nam_rd(&r, CODEC_MASTER_VOL, 16), 0x0000);
	ck_assert_uint_eq(rig_nam_rd(&r, CODEC_AUX_OUT_VOL, 16), codec_reset_value(CODEC_AUX_OUT_VOL));
	ck_assert_uint_eq(rig_nam_rd(&r, 0x7D, 8), codec_reset_value(CODEC_VENDOR_ID1) >> 8);
	ck_assert_uint_eq(rig_nam_rd(&r, 0x7C, 8), codec_reset_value(CODEC_VENDOR_ID1) & 0xFF);
	ck_assert_uint_eq(rig_nam_rd(&r, 0x01, 32), 0);
	rig_free(&r);
}
END_TEST

START_TEST(codec_past_7e)
{
	/* Goal: accesses reaching past the primary codec's last register 0x7E
	 * are split at the codec boundary: a word read at 0x7F is an odd offset
	 * of the primary (0, no RCS); a byte read at 0x7F is the high byte of
	 * vendor ID 2; a dword read at 0x7E is vendor ID 2 | 0xFFFF << 16 (its
	 * upper half goes to the absent secondary: RCS, one NO_SECONDARY); a
	 * dword write at 0x7E leaves the read-only vendor ID and drops the
	 * upper half (a second NO_SECONDARY); a word at 0xFF reaches past the
	 * BAR: all ones, BAD_OFFSET. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	uint16_t vid2 = codec_reset_value(CODEC_VENDOR_ID2);
	ck_assert_uint_eq(rig_nam_rd(&r, 0x7F, 16), 0);
	ck_assert_uint_eq(rig_nam_rd(&r, 0x7F, 8), (uint32_t)vid2 >> 8);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
	ck_assert_uint_eq(rig_nam_rd(&r, CODEC_VENDOR_ID2, 32), vid2 | 0xFFFF0000u);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | AC97_GS_RCS);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_NO_SECONDARY, -1), 1);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_NO_SECONDARY, -1, 0)->a, 0x80);
	rig_nam_wr(&r, CODEC_VENDOR_ID2, 32, 0x12345678u);
	ck_assert_uint_eq(rig_nam_rd(&r, CODEC_VENDOR_ID2, 16), vid2);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_NO_SECONDARY, -1), 2);
	ck_assert_uint_eq(rig_nam_rd(&r, 0xFF, 16), 0xFFFF);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_BAD_OFFSET, -1), 1);
	rig_free(&r);
}
END_TEST

START_TEST(codec_secondary_absent)
{
	/* Goal: NAMBAR 0x80..0xFF is the secondary codec, which is absent:
	 * every word read there is 0xFFFF, sets RCS and logs NO_SECONDARY (64
	 * reads, 64 events, a = the offset); a write at 0x80 + 0x02 is dropped
	 * (NO_SECONDARY), so the primary's master volume (0 after rig_link_up)
	 * is untouched and S1CR never appears. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (uint32_t off = 0x80; off < 0x100; off += 2)
		ck_assert_uint_eq(rig_nam_rd(&r, off, 16), 0xFFFF);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_NO_SECONDARY, -1), 64);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_NO_SECONDARY, -1, 63)->a, 0xFE);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | AC97_GS_RCS);
	rig_nam_wr(&r, 0x80 + CODEC_MASTER_VOL, 16, 0x1F1F);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_NO_SECONDARY, -1), 65);
	ck_assert_uint_eq(rig_nam_rd(&r, CODEC_MASTER_VOL, 16), 0x0000);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32) & AC97_GS_S1CR, 0);
	rig_free(&r);
}
END_TEST

START_TEST(rate_zero_with_vra)
{
	/* Goal: with VRA, a rate of 0 reads back the nearest supported rate
	 * (codec.c's table: 8000) and the DMA keeps going at that rate (unlike
	 * QEMU, where it stops): PO playing a 65534-sample buffer, VRA and rate
	 * 0 written at 12800 re-anchor the cadence at frame 51 with phase
	 * 48000 - 8000, so frames [51, 48051) hold (48000 * 8000 + 40000) /
	 * 48000 = 8000 requests, all DATA, no FILL, no underrun. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 65534, false, false);
	start_engine(&r, AC97_PO, 0, 0);
	rig_nam_wr(&r, CODEC_EXT_AUDIO_CTRL, 16, CODEC_EA_VRA);
	rig_nam_wr(&r, CODEC_PCM_FRONT_DAC_RATE, 16, 0);
	struct codec m;
	linked_codec(&m);
	codec_write(&m, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRA);
	codec_write(&m, CODEC_PCM_FRONT_DAC_RATE, 0);
	uint32_t rate = rig_nam_rd(&r, CODEC_PCM_FRONT_DAC_RATE, 16);
	ck_assert_uint_eq(rate, codec_read(&m, CODEC_PCM_FRONT_DAC_RATE));
	ck_assert_uint_eq(rate, 8000);
	ck_assert_uint_eq(codec_rate_hz(&r.dev.codec, CODEC_CONV_DAC_FRONT), 8000);
	uint64_t fill0 = r.fill_frames[AC97_PO];
	rig_advance_to(&r, 48051ull * FRAME - 1);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 8000);
	ck_assert_uint_eq(r.fill_frames[AC97_PO], fill0);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), 0);
	rig_free(&r);
}
END_TEST

START_TEST(rate_out_of_range)
{
	/* Goal: out-of-range rates read back what the codec makes of them
	 * (codec_read agreement, and codec.c's nearest supported rate: 0xFFFF
	 * and 48001 -> 48000, 7999 -> 8000, 44101 -> 44100), on 0x2C and 0x32
	 * with VRA; 0x34 ignores writes without VRM (48000) and rounds with it
	 * (0 -> 8000); without VRA a write to 0x2C is ignored. After 0x2C =
	 * 0xFFFF the PO cadence is 48 kHz again: every frame requests. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	struct codec m;
	linked_codec(&m);
	static const struct { uint32_t off; uint16_t ea, value, want; } cases[] = {
		{ CODEC_PCM_FRONT_DAC_RATE, 0, 22050, 48000 },
		{ CODEC_PCM_FRONT_DAC_RATE, CODEC_EA_VRA, 7999, 8000 },
		{ CODEC_PCM_FRONT_DAC_RATE, CODEC_EA_VRA, 44101, 44100 },
		{ CODEC_PCM_FRONT_DAC_RATE, CODEC_EA_VRA, 48001, 48000 },
		{ CODEC_PCM_LR_ADC_RATE, CODEC_EA_VRA, 0, 8000 },
		{ CODEC_PCM_LR_ADC_RATE, CODEC_EA_VRA, 0xFFFF, 48000 },
		{ CODEC_PCM_MIC_ADC_RATE, CODEC_EA_VRA, 0, 48000 },
		{ CODEC_PCM_MIC_ADC_RATE, CODEC_EA_VRA | CODEC_EA_VRM, 0, 8000 },
		{ CODEC_PCM_FRONT_DAC_RATE, CODEC_EA_VRA | CODEC_EA_VRM, 0xFFFF, 48000 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rig_nam_wr(&r, CODEC_EXT_AUDIO_CTRL, 16, cases[i].ea);
		rig_nam_wr(&r, cases[i].off, 16, cases[i].value);
		codec_write(&m, CODEC_EXT_AUDIO_CTRL, cases[i].ea);
		codec_write(&m, cases[i].off, cases[i].value);
		uint32_t got = rig_nam_rd(&r, cases[i].off, 16);
		ck_assert_uint_eq(got, codec_read(&m, cases[i].off));
		ck_assert_msg(got == cases[i].want, "case %u: 0x%02x = %u reads %u, want %u", i,
			      cases[i].off, cases[i].value, got, cases[i].want);
		assert_invariants(&r);
	}
	uint64_t f0 = r.fill_frames[AC97_PO];
	rig_advance(&r, 1000 * FRAME);
	ck_assert_uint_eq(r.fill_frames[AC97_PO] - f0, 1000);
	rig_free(&r);
}
END_TEST

/* ---- interrupts ------------------------------------------------------------------- */

START_TEST(two_engines_interrupting_at_once)
{
	/* Goal: PI (4 samples, 2 per frame) and MC (2 samples, 1 per frame),
	 * both IOC with IOCE, complete in the same tick: their second frames
	 * (frame 52) are written at 52 * 256 + 12 = 13324. The line rises once
	 * (one IRQ event, at 13324), GLOB_STA = S0CR | PIINT | MINT; clearing
	 * PI's status keeps the line (MC pending), clearing MC's drops it. */
	struct rig r;
	rig_init(&r, NULL);
	capture_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 4, true, false);
	rig_bd(&r, LIST_B, 0, BUF1, 2, true, false);
	start_engine_on(&r, AC97_PI, LIST, 0, AC97_CR_IOCE);
	start_engine_on(&r, AC97_MC, LIST_B, 0, AC97_CR_IOCE);
	rig_advance_to(&r, 13323);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_advance_to(&r, 13324);
	ck_assert(ac97_irq_line(&r.dev));
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32),
			  AC97_GS_S0CR | AC97_GS_PIINT | AC97_GS_MINT);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_IRQ, -1), 1);
	ck_assert_uint_eq(rig_find(&r, AC97_EV_IRQ, -1, 0)->tick, 13324);
	rig_ereg_wr(&r, AC97_PI, AC97_SR, 16, 0x1C);
	ck_assert(ac97_irq_line(&r.dev));
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | AC97_GS_MINT);
	rig_ereg_wr(&r, AC97_MC, AC97_SR, 16, 0x1C);
	ck_assert(!ac97_irq_line(&r.dev));
	ck_assert_uint_eq(rig_count(&r, AC97_EV_IRQ, -1), 2);
	rig_free(&r);
}
END_TEST

START_TEST(ioce_enabled_while_bcis_pending)
{
	/* Goal: PI completes its 4-sample IOC buffer at 13324 with IOCE off
	 * (line low); IOCE written at 100 * 256 raises the line in that access
	 * (IRQ event at 25600); BCIS cleared drops it. */
	struct rig r;
	rig_init(&r, NULL);
	capture_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 4, true, false);
	start_engine(&r, AC97_PI, 0, 0);
	rig_advance_to(&r, 100 * FRAME);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_SR, 16) & AC97_SR_BCIS, AC97_SR_BCIS);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_ereg_wr(&r, AC97_PI, AC97_CR, 8, AC97_CR_RPBM | AC97_CR_IOCE);
	ck_assert(ac97_irq_line(&r.dev));
	ck_assert_uint_eq(rig_find(&r, AC97_EV_IRQ, -1, 0)->tick, 100 * FRAME);
	rig_ereg_wr(&r, AC97_PI, AC97_SR, 8, AC97_SR_BCIS);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_free(&r);
}
END_TEST

START_TEST(bcis_uncleared_for_a_long_time)
{
	/* Goal: BCIS never cleared does not pause the DMA (unlike VirtualBox):
	 * 32 IOC buffers of 4096 samples, LVI 31, IOCE, run for 2 s. Buffer 0
	 * completes at 16 + 2n = 4096, n = 2040, frame 2090: 2090 * 256 + 12 =
	 * 535052, the one IRQ event; the line stays up; buffer 31 at 16 + 2n =
	 * 131072, n = 65528, frame 65578: 65578 * 256 + 12 = 16787980 (HALTED);
	 * all 65536 frames play, none underruns, 32 BUFFER_DONE. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (unsigned i = 0; i < 32; i++)
		rig_bd(&r, LIST, i, 0x100000 + 0x2000 * i, 4096, true, false);
	start_engine(&r, AC97_PO, 31, AC97_CR_IOCE);
	rig_advance_to(&r, 2ull * SIM_TICKS_PER_SECOND);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 65536);
	ck_assert_uint_eq(r.underrun_frames[AC97_PO], 0);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_BUFFER_DONE, AC97_PO), 32);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_IRQ, -1), 1);
	ck_assert_uint_eq(rig_find(&r, AC97_EV_IRQ, -1, 0)->tick, 535052);
	ck_assert_uint_eq(rig_find(&r, AC97_EV_HALTED, AC97_PO, 0)->tick, 16787980);
	ck_assert(ac97_irq_line(&r.dev));
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x000F1F1Fu);
	rig_free(&r);
}
END_TEST

START_TEST(bdbar_changed_while_running)
{
	/* Goal: BDBAR written while running is logged (BDBAR_WHILE_RUNNING,
	 * a = the value, at the tick, 15000) and takes effect for descriptors
	 * fetched after it: descriptor 1 was prefetched at the start from list
	 * A, so the link plays A0, A1, then B2, B3 from list B (LVI 3). Buffers
	 * are 64-sample ramps from 0x1000 * k (A) and 0x8000 + 0x1000 * k (B):
	 * 32 frames each, frame j of a buffer = (base + 2j, base + 2j + 1). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (unsigned k = 0; k < 4; k++) {
		rig_bd(&r, LIST, k, 0x20000 + 0x1000 * k, 64, false, false);
		rig_fill_ramp(&r, 0x20000 + 0x1000 * k, 64, (uint16_t)(0x1000 * k));
		rig_bd(&r, LIST_B, k, 0x30000 + 0x1000 * k, 64, false, false);
		rig_fill_ramp(&r, 0x30000 + 0x1000 * k, 64, (uint16_t)(0x8000 + 0x1000 * k));
	}
	uint64_t before = r.po_frames;
	start_engine(&r, AC97_PO, 3, 0);
	rig_advance_to(&r, 15000);
	rig_ereg_wr(&r, AC97_PO, AC97_BDBAR, 32, LIST_B);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_BDBAR, 32), LIST_B);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_BDBAR_WHILE_RUNNING, AC97_PO), 1);
	const struct ac97_event *ev = rig_ge_find(&r, AC97_GE_BDBAR_WHILE_RUNNING, AC97_PO, 0);
	ck_assert_uint_eq(ev->a, LIST_B);
	ck_assert_uint_eq(ev->tick, 15000);
	rig_advance_to(&r, 400 * FRAME);
	ck_assert_uint_eq(r.data_frames[AC97_PO], 128);
	static const uint16_t base[4] = { 0x0000, 0x1000, 0xA000, 0xB000 };
	uint64_t n0 = first_data_frame(&r, before);
	for (uint64_t i = 0; i < 128; i++) {
		uint16_t want = (uint16_t)(base[i / 32] + 2 * (i % 32));
		ck_assert_msg(r.po_samples[2 * (n0 + i)] == (int16_t)want,
			      "frame %llu: 0x%04x, want 0x%04x", (unsigned long long)i,
			      (uint16_t)r.po_samples[2 * (n0 + i)], want);
	}
	rig_free(&r);
}
END_TEST

/* ---- configuration -------------------------------------------------------------- */

START_TEST(config_dma_latency_zero)
{
	/* Goal: ac97_init() says "Any latency is accepted" and clamps only
	 * from above, so dma_latency_ticks = 0 is a valid configuration; the
	 * device must then survive a playback: a 64-sample buffer started at
	 * 12800 is done (SR = DCH | CELV | LVBCI) well before 200 * 256
	 * whatever the transfers' exact ticks. Each transfer is then due at
	 * the very tick it was asked for, which once made ac97_advance_to()
	 * assert "te > now" (a device bug this test found). The scenario runs in a child
	 * process so that the abort cannot take a CK_FORK=no runner down. */
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct ac97_config cfg;
		ac97_config_default(&cfg);
		cfg.dma_latency_ticks = 0;
		static struct rig r;
		rig_init(&r, &cfg);
		rig_link_up(&r);
		rig_bd(&r, LIST, 0, BUF0, 64, false, false);
		start_engine(&r, AC97_PO, 0, 0);
		rig_advance_to(&r, 200 * FRAME);
		int ok = rig_ereg_rd(&r, AC97_PO, AC97_SR, 16) ==
			 (AC97_SR_DCH | AC97_SR_CELV | AC97_SR_LVBCI);
		_exit(ok ? 0 : 3);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status),
		      "DEVICE BUG: dma_latency_ticks = 0 crashed the device (signal %d)",
		      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ck_assert_msg(WEXITSTATUS(status) == 0, "latency 0: the buffer did not complete");
}
END_TEST

/* ---- fuzz ---------------------------------------------------------------------------- */

#define FUZZ_SEED 0x9E3779B97F4A7C15ull
#define FUZZ_STEPS 100000
#define FUZZ_LISTS 4u
#define FUZZ_LIST_BASE 0x1000u	/* lists at 0x1000, 0x2000, 0x3000, 0x4000 */
#define FUZZ_BUF_BASE 0x10000u
#define FUZZ_BUF_BYTES 0x80000u
#define FUZZ_PAGES ((FUZZ_BUF_BASE + FUZZ_BUF_BYTES) / GMEM_PAGE_BYTES)

/* xorshift64: no wall clock, no rand(). */
static uint64_t fz_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static uint32_t fz_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(fz_next(s) % n);
}

static void fz_descriptor(struct rig *r, uint64_t *s)
{
	uint32_t list = FUZZ_LIST_BASE * (1 + fz_below(s, FUZZ_LISTS));
	unsigned index = fz_below(s, 32);
	uint32_t p = fz_below(s, 100), addr;
	if (p < 70)
		addr = (FUZZ_BUF_BASE + fz_below(s, FUZZ_BUF_BYTES - 0x1000)) & ~1u;
	else if (p < 80)
		addr = (FUZZ_BUF_BASE + fz_below(s, FUZZ_BUF_BYTES)) | 1u;
	else if (p < 90)
		addr = MEM_END - 0x1000 + fz_below(s, 0x2000);
	else
		addr = (uint32_t)fz_next(s);
	p = fz_below(s, 100);
	uint32_t len;
	if (p < 50)
		len = fz_below(s, 512);
	else if (p < 65)
		len = 0;
	else if (p < 85)
		len = fz_below(s, 4096);
	else
		len = fz_below(s, 0x10000);
	uint32_t dw1 = len;
	if (fz_below(s, 2))
		dw1 |= AC97_BD_IOC;
	if (fz_below(s, 3) == 0)
		dw1 |= AC97_BD_BUP;
	if (fz_below(s, 20) == 0)
		dw1 |= (uint32_t)fz_next(s) & AC97_BD_RESERVED;
	rig_bd(r, list, index, addr, dw1, false, false);
}

static unsigned fz_width(uint64_t *s)
{
	static const unsigned widths[] = { 8, 16, 32 };
	if (fz_below(s, 200) == 0)
		return fz_below(s, 70);	/* rarely: any width, mostly bad */
	return widths[fz_below(s, 3)];
}

static void fz_nabm_write(struct rig *r, uint64_t *s)
{
	uint32_t p = fz_below(s, 100);
	enum ac97_engine_id e = engines[fz_below(s, AC97_ENGINE_COUNT)];
	if (p < 25) {
		uint8_t cr = 0;
		if (fz_below(s, 10) < 6)
			cr |= AC97_CR_RPBM;
		cr |= (uint8_t)(fz_below(s, 8) << 2);
		if (fz_below(s, 25) == 0)
			cr |= AC97_CR_RR;
		if (fz_below(s, 10) == 0)
			cr |= (uint8_t)(fz_below(s, 8) << 5);
		rig_ereg_wr(r, e, AC97_CR, 8, cr);
	} else if (p < 45) {
		rig_ereg_wr(r, e, AC97_LVI, 8, fz_below(s, 256));
	} else if (p < 60) {
		rig_ereg_wr(r, e, AC97_SR, fz_below(s, 2) ? 16 : 8, fz_below(s, 0x10000));
	} else if (p < 70) {
		uint32_t v = FUZZ_LIST_BASE * (1 + fz_below(s, FUZZ_LISTS)) + fz_below(s, 8);
		if (fz_below(s, 10) == 0)
			v = (uint32_t)fz_next(s);
		rig_ereg_wr(r, e, AC97_BDBAR, 32, v);
	} else if (p < 78) {
		uint32_t v = AC97_GC_COLD | fz_below(s, 2) * AC97_GC_GIE;
		if (fz_below(s, 5) == 0)
			v |= AC97_GC_WARM;
		if (fz_below(s, 12) == 0)
			v &= ~AC97_GC_COLD;
		if (fz_below(s, 30) == 0)
			v |= AC97_GC_ACLINK_OFF;
		if (fz_below(s, 30) == 0)
			v |= (uint32_t)fz_next(s) & ~0x3Fu;
		rig_nabm_wr(r, AC97_GLOB_CNT, 32, v);
	} else if (p < 82) {
		rig_nabm_wr(r, AC97_GLOB_STA, fz_width(s), (uint32_t)fz_next(s));
	} else {
		rig_nabm_wr(r, fz_below(s, AC97_NABM_BYTES + 8), fz_width(s), (uint32_t)fz_next(s));
	}
}

static void fz_nam_write(struct rig *r, uint64_t *s)
{
	uint32_t p = fz_below(s, 100);
	if (p < 30) {
		static const uint32_t rates[] = { CODEC_PCM_FRONT_DAC_RATE, CODEC_PCM_LR_ADC_RATE,
						  CODEC_PCM_MIC_ADC_RATE };
		rig_nam_wr(r, rates[fz_below(s, 3)], 16, fz_below(s, 0x10000));
	} else if (p < 45) {
		rig_nam_wr(r, CODEC_EXT_AUDIO_CTRL, 16, fz_below(s, 0x10000));
	} else if (p < 50) {
		/* Powerdown: mostly harmless bits, sometimes PR4 or the rest. */
		uint32_t v = fz_below(s, 4) == 0 ? fz_below(s, 0x10000) : fz_below(s, 2) * 0x1000u;
		rig_nam_wr(r, CODEC_POWERDOWN, 16, v);
	} else if (p < 85) {
		rig_nam_wr(r, fz_below(s, 0x40) * 2, 16, fz_below(s, 0x10000));
	} else {
		rig_nam_wr(r, fz_below(s, AC97_NAM_BYTES + 8), fz_width(s), (uint32_t)fz_next(s));
	}
}

static void fz_advance(struct rig *r, uint64_t *s)
{
	uint32_t p = fz_below(s, 100);
	sim_ticks_t dt;
	if (p < 70)
		dt = fz_below(s, 2 * FRAME);
	else if (p < 95)
		dt = fz_below(s, 20000);
	else
		dt = fz_below(s, 2000000);
	rig_advance(r, dt);
}

/* One random step; returns what a register read returned (0 otherwise),
 * so that two runs can be compared read by read. */
static uint32_t fz_step(struct rig *r, uint64_t *s)
{
	uint32_t p = fz_below(s, 100);
	if (p < 25) {
		fz_nabm_write(r, s);
	} else if (p < 45) {
		enum ac97_bar bar = fz_below(s, 4) ? AC97_BAR_NABM : AC97_BAR_NAM;
		uint32_t limit = bar == AC97_BAR_NABM ? AC97_NABM_BYTES + 8 : AC97_NAM_BYTES + 8;
		return rig_rd(r, bar, fz_below(s, limit), fz_width(s));
	} else if (p < 55) {
		fz_nam_write(r, s);
	} else if (p < 80) {
		fz_advance(r, s);
	} else if (p < 93) {
		fz_descriptor(r, s);
	} else if (p < 97) {
		uint64_t page = fz_below(s, FUZZ_PAGES);
		gmem_set_mapped(&r->mem, page * GMEM_PAGE_BYTES, GMEM_PAGE_BYTES,
				!gmem_page_is_mapped(&r->mem, page * GMEM_PAGE_BYTES));
	} else {
		ac97_stall_bus_until(&r->dev, ac97_now(&r->dev) + fz_below(s, 5000));
	}
	return 0;
}

/* Sets up lists of sane descriptors, runs steps random steps from seed,
 * checks the invariants after each and returns a hash of every read, every
 * event, the audio and the final time. */
static uint64_t fuzz_run_profile(uint64_t seed, int steps, bool bulk_disabled,
				 const struct ac97_profile *profile)
{
	struct rig r;
	struct ac97_config cfg;
	ac97_config_default(&cfg);
	cfg.profile = profile;
	rig_init(&r, &cfg);
	r.dev.bulk_disabled = bulk_disabled;
	ac97_set_source(&r.dev, (struct ac97_source){ ramp_source, NULL });
	rig_link_up(&r);
	uint64_t s = seed;
	for (unsigned l = 0; l < FUZZ_LISTS; l++)
		for (unsigned i = 0; i < 32; i++)
			rig_bd(&r, FUZZ_LIST_BASE * (1 + l), i, FUZZ_BUF_BASE + 0x2000 * (i % 32),
			       64 + 2 * fz_below(&s, 1000), fz_below(&s, 2), false);
	uint64_t h = FNV1A64_INIT;
	char why[256];
	for (int step = 0; step < steps; step++) {
		uint32_t v = fz_step(&r, &s);
		h = fnv1a64(h, &v, sizeof(v));
		/* The guest's view above is the ICH's; every profile keeps the
		 * device's own invariants, which know its quirks. */
		bool ok = profile == NULL || profile == &ac97_profile_ich
				  ? invariants_hold(&r, why, sizeof(why))
				  : ac97_invariants_hold(&r.dev, why, sizeof(why));
		ck_assert_msg(ok, "fuzz seed 0x%016llx step %d (tick %llu): %s",
			      (unsigned long long)seed, step, (unsigned long long)ac97_now(&r.dev),
			      why);
	}
	uint64_t tail[6] = { r.event_fnv, r.data_fnv[0], r.data_fnv[1], r.data_fnv[2],
			     r.dev.faults_total, ac97_now(&r.dev) };
	h = fnv1a64(h, tail, sizeof(tail));
	rig_free(&r);
	return h;
}

static uint64_t fuzz_run(uint64_t seed, int steps, bool bulk_disabled)
{
	return fuzz_run_profile(seed, steps, bulk_disabled, NULL);
}

START_TEST(fuzz_every_profile)
{
	/* Goal: the same hostile steps (20,000 from a seed of each profile's
	 * own) keep every invariant on every profile, whose quirks relax some
	 * of them; and the bulk path stays an optimisation under each (2,000
	 * steps with it forced off give the same reads, events and audio). */
	for (size_t i = 0; i < ac97_profiles_count; i++) {
		uint64_t seed = FUZZ_SEED + 0x9E3779B97F4A7C15ull * (i + 1);
		uint64_t h = fuzz_run_profile(seed, 20000, false, ac97_profiles[i]);
		ck_assert_uint_ne(h, 0);
		ck_assert_uint_eq(fuzz_run_profile(seed, 2000, false, ac97_profiles[i]),
				  fuzz_run_profile(seed, 2000, true, ac97_profiles[i]));
	}
}
END_TEST

START_TEST(fuzz_registers_and_descriptors)
{
	/* Goal: 100,000 random steps from a fixed seed (register reads and
	 * writes of random widths and offsets on both BARs, time advances,
	 * random descriptors, pages unmapped and mapped back, bus stalls) never
	 * trip an assertion and keep every invariant of invariants_hold() after
	 * every step; the tcase timeout bounds the time it may take. */
	uint64_t h = fuzz_run(FUZZ_SEED, FUZZ_STEPS, false);
	ck_assert_uint_ne(h, 0);
}
END_TEST

START_TEST(fuzz_bulk_matches_one_step)
{
	/* Goal: the bulk path is an optimisation only, under hostile input too:
	 * 10,000 fuzz steps from another seed give the same reads, events,
	 * audio and faults with bulk forced off. */
	uint64_t seed = FUZZ_SEED ^ 0x5DEECE66Dull;
	ck_assert_uint_eq(fuzz_run(seed, 10000, false), fuzz_run(seed, 10000, true));
}
END_TEST

Suite *suite_hostile(void)
{
	Suite *s = suite_create("emu/hostile");
	TCase *tc = tcase_create("descriptors");
	tcase_add_test(tc, zero_length_with_ioc);
	tcase_add_test(tc, zero_length_with_ioc_capture);
	tcase_add_test(tc, zero_length_all_32);
	tcase_add_test(tc, zero_length_all_32_capture);
	tcase_add_test(tc, zero_length_at_lvi);
	tcase_add_test(tc, odd_length_stream);
	tcase_add_test(tc, odd_length_mono_is_fine);
	tcase_add_test(tc, addr_bit0_ignored);
	tcase_add_test(tc, addr_bit1_fine);
	tcase_add_test(tc, reserved_descriptor_bits);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	tcase_add_test(tc, buffer_outside_memory);
	tcase_add_test(tc, buffer_on_unmapped_pages_one_fault_per_page);
	tcase_add_test(tc, same_unmapped_buffer_twice);
	tcase_add_test(tc, capture_to_unmapped_writes_nothing);
	tcase_add_test(tc, bdl_on_unmapped_page);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);

	tc = tcase_create("lvi_rr");
	tcase_add_test(tc, lvi_civ_minus_1_all_32_valid);
	tcase_add_test(tc, lvi_rewritten_unchanged_while_halted);
	tcase_add_test(tc, rr_while_running);
	tcase_add_test(tc, rr_with_rpbm);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_add_test(tc, every_width_every_offset_nabm);
	tcase_add_test(tc, every_width_every_offset_nam);
	tcase_add_test(tc, bad_widths);
	tcase_add_test(tc, word_write_over_piv_cr);
	tcase_add_test(tc, dword_write_at_04);
	tcase_add_test(tc, writes_to_reserved_and_ro_bits);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("glob_cnt");
	tcase_add_test(tc, cold_reset_mid_playback);
	tcase_add_test(tc, warm_reset_wakes_codec_from_pr4);
	tcase_add_test(tc, cold_reset_toggles);
	suite_add_tcase(s, tc);

	tc = tcase_create("codec");
	tcase_add_test(tc, codec_access_while_cas_held);
	tcase_add_test(tc, codec_odd_offsets);
	tcase_add_test(tc, codec_past_7e);
	tcase_add_test(tc, codec_secondary_absent);
	tcase_add_test(tc, rate_zero_with_vra);
	tcase_add_test(tc, rate_out_of_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("irq");
	tcase_add_test(tc, two_engines_interrupting_at_once);
	tcase_add_test(tc, ioce_enabled_while_bcis_pending);
	tcase_add_test(tc, bcis_uncleared_for_a_long_time);
	tcase_add_test(tc, bdbar_changed_while_running);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_test(tc, config_dma_latency_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("fuzz");
	tcase_add_test(tc, fuzz_registers_and_descriptors);
	tcase_add_test(tc, fuzz_every_profile);
	tcase_add_test(tc, fuzz_bulk_matches_one_step);
	tcase_set_timeout(tc, 30);	/* about 0.4 s each under ASan + UBSan */
	suite_add_tcase(s, tc);
	return s;
}
