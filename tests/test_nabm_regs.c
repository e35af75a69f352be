/*
 * test_nabm_regs.c - every register and bit of the bus-master (NABMBAR)
 * block and the global registers, as docs/hardware.md lists them and as the
 * decisions at the top of emu/ac97.c and emu/bm_engine.c settle them:
 * reset values at every width, read-only and write-1-to-clear bits, CR and
 * RR, GLOB_CNT (cold and warm reset), GLOB_STA (*INT, S0CR, RCS), CAS, the
 * interrupt line, and accesses outside the BAR.
 *
 * Expected values are worked out by hand from the documented model, with
 * the arithmetic in comments; none is read back from a run. Timing facts
 * used throughout (see tests/test_engine.c for their derivation):
 *   - rig_link_up() sets COLD# at tick 0; the codec is ready at 12288
 *     (48 frames), requests start at frame 49 and now = 12800 (frame 50).
 *   - PO started at 12800 fetches 16 samples (the FIFO) at 12812 and then
 *     2 samples per frame, 12 ticks after each frame start from frame 51.
 *   - A capture engine started at 12800 takes its first frame at frame 51
 *     and writes it to memory at 51 * 256 + 12.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "rig.h"

Suite *suite_nabm_regs(void);

#define LIST 0x1000u
#define BUF0 0x10000u
#define LAT AC97_DMA_LATENCY_TICKS_DEFAULT	/* 12 ticks */
#define T_LINK_UP 12800u
#define FRAME SIM_TICKS_PER_FRAME	/* 256 ticks */

static const enum ac97_engine_id engines[AC97_ENGINE_COUNT] = { AC97_PI, AC97_PO, AC97_MC };
/* GLOB_STA *INT bit of each engine. */
static const uint32_t int_bit[AC97_ENGINE_COUNT] = {
	[AC97_PI] = AC97_GS_PIINT, [AC97_PO] = AC97_GS_POINT, [AC97_MC] = AC97_GS_MINT,
};







/* The reset value of a codec register, from the codec model itself: the
 * controller's job is to reset the codec, not to know its values. */
static uint16_t codec_reset_value(uint32_t offset)
{
	struct codec c;
	codec_reset(&c);
	return codec_read(&c, offset);
}

/* Starts engine e on the list at LIST with LVI = lvi and CR = RPBM | extra. */
static void start_engine(struct rig *r, enum ac97_engine_id e, uint8_t lvi, uint8_t cr_extra)
{
	rig_ereg_wr(r, e, AC97_BDBAR, 32, LIST);
	rig_ereg_wr(r, e, AC97_LVI, 8, lvi);
	rig_ereg_wr(r, e, AC97_CR, 8, AC97_CR_RPBM | cr_extra);
}

/* Leaves engine e halted at LVI = 0 after a 4-sample buffer with IOC, CR =
 * RPBM | cr_extra: SR = DCH | CELV | LVBCI | BCIS. PO fetches the 4
 * samples at 12812; PI (2 per frame) writes them at 52 * 256 + 12; MC (1
 * per frame) at 54 * 256 + 12; all before 100 * 256. */
static void run_tiny_buffer(struct rig *r, enum ac97_engine_id e, uint8_t cr_extra)
{
	rig_bd(r, LIST, 0, BUF0, 4, true, false);
	start_engine(r, e, 0, cr_extra);
	rig_advance_to(r, 100 * FRAME);
	ck_assert_uint_eq(rig_ereg_rd(r, e, AC97_SR, 16),
			  AC97_SR_DCH | AC97_SR_CELV | AC97_SR_LVBCI | AC97_SR_BCIS);
}

/* ---- reset values ---------------------------------------------------------- */

/* The NABM bytes at power-on: every engine's SR low byte is DCH (0x01),
 * everything else in the 64 bytes is 0 (registers, holes and CAS). */
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
		uint32_t byte = at < AC97_NABM_BYTES ? img[at] : 0xFFu;
		v |= byte << (8 * i);
	}
	return v;
}

START_TEST(reset_values_every_width_every_offset)
{
	/* Goal: at power-on every read of every width at every offset of the
	 * BAR (and just past it) returns the little-endian assembly of the
	 * reset bytes: SR = 0x0001 in each engine, everything else 0, bytes
	 * past 0x3F = 0xFF; the one side effect is that a read covering CAS
	 * (0x34) takes the semaphore, so later reads of it see 1. */
	struct rig r;
	rig_init(&r, NULL);
	uint8_t img[AC97_NABM_BYTES];
	reset_image(img);
	static const unsigned widths[] = { 8, 16, 32 };
	for (unsigned w = 0; w < 3; w++) {
		unsigned n = widths[w] / 8;
		for (uint32_t off = 0; off < AC97_NABM_BYTES + 4; off++) {
			uint32_t want = image_value(img, off, n);
			uint32_t got = rig_nabm_rd(&r, off, widths[w]);
			ck_assert_msg(got == want, "width %u offset 0x%02x: got 0x%x want 0x%x",
				      widths[w], off, got, want);
			if (off <= AC97_CAS && off + n > AC97_CAS)
				img[AC97_CAS] = 1;	/* the read took CAS */
		}
	}
	rig_free(&r);
}
END_TEST

START_TEST(reset_values_named)
{
	/* Goal: the reset values of docs/hardware.md's tables, named one by one for
	 * all three engines: BDBAR 0, CIV 0, LVI 0, SR 0x0001, PICB 0, PIV 0,
	 * CR 0; the dword at +04 is CIV | LVI << 8 | SR << 16 = 0x00010000 and
	 * the one at +08 is PICB | PIV << 16 | CR << 24 = 0; GLOB_CNT 0 (COLD#
	 * asserted), GLOB_STA 0 (no codec ready, nothing pending), CAS 0. */
	struct rig r;
	rig_init(&r, NULL);
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		enum ac97_engine_id e = engines[i];
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 32), 0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 16), 0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 8), 0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CIV, 8), 0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_LVI, 8), 0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CIV, 16), 0);	/* CIV | LVI << 8 */
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CIV, 32), 0x00010000u);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x0001);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 8), 0x01);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR + 1, 8), 0x00);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PICB, 16), 0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PICB, 32), 0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PIV, 8), 0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CR, 8), 0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PIV, 16), 0);	/* PIV | CR << 8 */
	}
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 0);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_free(&r);
}
END_TEST

START_TEST(dword_reads_compose_live_registers)
{
	/* Goal: with non-zero registers every width composes the same bytes.
	 * PO with four 64-sample IOC buffers, LVI 3, CR = RPBM | IOCE (0x11):
	 * buffer 0 completes at 74 * 256 + 12 = 18956 (16 + 2 * 24 = 64
	 * samples fetched after the request of frame 74), leaving CIV 1, PIV 2,
	 * PICB 64 (0x40), SR = BCIS (0x0008). So +04 dword = 0x01 | 0x03 << 8 |
	 * 0x0008 << 16 = 0x00080301 and +08 dword = 0x0040 | 0x02 << 16 |
	 * 0x11 << 24 = 0x11020040; unaligned reads take the same bytes. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (unsigned i = 0; i < 4; i++)
		rig_bd(&r, LIST, i, BUF0 + 0x1000 * i, 64, true, false);
	start_engine(&r, AC97_PO, 3, AC97_CR_IOCE);
	rig_advance_to(&r, 74 * FRAME + LAT);
	enum ac97_engine_id e = AC97_PO;
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CIV, 32), 0x00080301u);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PICB, 32), 0x11020040u);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CIV, 16), 0x0301);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x0008);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PICB, 16), 0x0040);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PIV, 16), 0x1102);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CIV, 8), 0x01);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_LVI, 8), 0x03);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 8), 0x08);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR + 1, 8), 0x00);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PICB, 8), 0x40);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PICB + 1, 8), 0x00);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PIV, 8), 0x02);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CR, 8), 0x11);
	/* Unaligned: LVI | SR.lo << 8 = 0x0803; SR | PICB << 16 = 0x00400008;
	 * PICB.hi | PIV << 8 | CR << 16 | hole << 24 = 0x00110200; PIV | CR << 8
	 * | two hole bytes = 0x00001102. */
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_LVI, 16), 0x0803);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 32), 0x00400008u);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PICB + 1, 32), 0x00110200u);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PIV, 32), 0x00001102u);
	/* BDBAR = 0x1000: dword 0x00001000, word +02 = 0, byte +01 = 0x10. */
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 32), LIST);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR + 2, 16), 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR + 1, 8), 0x10);
	/* The other engines are untouched: +04 = 0x00010000. */
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_CIV, 32), 0x00010000u);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_MC, AC97_CIV, 32), 0x00010000u);
	rig_free(&r);
}
END_TEST

/* ---- BDBAR, LVI and the read-only registers ---------------------------- */

START_TEST(bdbar_low_bits_read_zero)
{
	/* Goal: BDBAR bits 2:0 read 0 whatever is written, at every width, in
	 * every engine; the other bits keep what each byte write put there:
	 * 0xFFFFFFFF -> 0xFFFFFFF8; then byte +00 = 0x07 -> 0xFFFFFF00; word
	 * +02 = 0xABCD -> 0xABCDFF00; byte +01 = 0x12 -> 0xABCD1200; word
	 * +00 = 0x3457 -> 0xABCD3450. No guest error: the engine is halted. */
	struct rig r;
	rig_init(&r, NULL);
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		enum ac97_engine_id e = engines[i];
		rig_ereg_wr(&r, e, AC97_BDBAR, 32, 0xFFFFFFFFu);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 32), 0xFFFFFFF8u);
		rig_ereg_wr(&r, e, AC97_BDBAR, 8, 0x07);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 32), 0xFFFFFF00u);
		rig_ereg_wr(&r, e, AC97_BDBAR + 2, 16, 0xABCD);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 32), 0xABCDFF00u);
		rig_ereg_wr(&r, e, AC97_BDBAR + 1, 8, 0x12);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 32), 0xABCD1200u);
		rig_ereg_wr(&r, e, AC97_BDBAR, 16, 0x3457);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 32), 0xABCD3450u);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_BDBAR, 8), 0x50);
	}
	ck_assert_uint_eq(rig_count(&r, AC97_EV_GUEST_ERROR, AC97_PI) +
				  rig_count(&r, AC97_EV_GUEST_ERROR, AC97_PO) +
				  rig_count(&r, AC97_EV_GUEST_ERROR, AC97_MC),
			  0);
	rig_free(&r);
}
END_TEST

START_TEST(ro_registers_ignore_writes)
{
	/* Goal: CIV, PICB and PIV ignore writes of every width (each logs one
	 * RO_WRITE guest error with a = the register's offset in the engine
	 * block), in a live state where they are not 0: the state of
	 * dword_reads_compose_live_registers (CIV 1, PICB 64, PIV 2). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (unsigned i = 0; i < 4; i++)
		rig_bd(&r, LIST, i, BUF0 + 0x1000 * i, 64, true, false);
	start_engine(&r, AC97_PO, 3, AC97_CR_IOCE);
	rig_advance_to(&r, 74 * FRAME + LAT);
	enum ac97_engine_id e = AC97_PO;
	rig_ereg_wr(&r, e, AC97_CIV, 8, 0x1F);
	rig_ereg_wr(&r, e, AC97_PICB, 16, 0x1234);
	rig_ereg_wr(&r, e, AC97_PICB, 8, 0x77);
	rig_ereg_wr(&r, e, AC97_PICB + 1, 8, 0x77);
	rig_ereg_wr(&r, e, AC97_PIV, 8, 0x1F);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CIV, 8), 1);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PICB, 16), 64);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PIV, 8), 2);
	/* Five writes, each wholly inside one read-only register. */
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, AC97_PO), 5);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, AC97_PO, 0)->a, rig_reg(AC97_PO, AC97_CIV));
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, AC97_PO, 1)->a, rig_reg(AC97_PO, AC97_PICB));
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, AC97_PO, 4)->a, rig_reg(AC97_PO, AC97_PIV));
	/* A dword at +08 covers PICB (RO), PIV (RO) and CR: CR takes 0x11 (the
	 * value it has, so nothing restarts) and two more RO_WRITE errors. */
	rig_ereg_wr(&r, e, AC97_PICB, 32, 0x111F5555u);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_PICB, 32), 0x11020040u);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, AC97_PO), 7);
	rig_free(&r);
}
END_TEST

START_TEST(lvi_keeps_bits_4_0)
{
	/* Goal: LVI keeps bits 4:0 of what is written (0xFF -> 0x1F, 0x25 ->
	 * 0x05, 0xE0 -> 0x00) in every engine, and bits 7:5 are dropped
	 * silently: ac97.c logs only wholly read-only registers, reserved
	 * GLOB_CNT bits and outside accesses. */
	struct rig r;
	rig_init(&r, NULL);
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		enum ac97_engine_id e = engines[i];
		rig_ereg_wr(&r, e, AC97_LVI, 8, 0xFF);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_LVI, 8), 0x1F);
		rig_ereg_wr(&r, e, AC97_LVI, 8, 0x25);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_LVI, 8), 0x05);
		rig_ereg_wr(&r, e, AC97_LVI, 8, 0xE0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_LVI, 8), 0x00);
		ck_assert_uint_eq(rig_count(&r, AC97_EV_GUEST_ERROR, e), 0);
	}
	rig_free(&r);
}
END_TEST

/* ---- SR ------------------------------------------------------------------- */

/* PO halted at LVI 0 with every sticky SR bit set: a 256-sample IOC buffer,
 * a bus stall from 60 * 256 + 100 to 80 * 256 empties the 16-sample FIFO
 * after the 8 requests of frames 61..68, so frame 69 underruns (FIFOE);
 * the transfer asked for at frame 61 lands at 80 * 256 + 12 and fetches 16
 * (52 of 256 fetched); then 2 per request from frame 81 on, so the last
 * fetch follows the request of frame 81 + (256 - 52) / 2 - 1 = 182, and
 * the buffer completes at 182 * 256 + 12 (BCIS, LVBCI, CELV, DCH). */
static void po_all_sticky_bits(struct rig *r, uint8_t cr_extra)
{
	rig_link_up(r);
	rig_bd(r, LIST, 0, BUF0, 256, true, false);
	start_engine(r, AC97_PO, 0, cr_extra);
	rig_advance_to(r, 60 * FRAME + 100);
	ac97_stall_bus_until(&r->dev, 80 * FRAME);
	rig_advance_to(r, 182 * FRAME + LAT - 1);
	ck_assert_uint_eq(rig_ereg_rd(r, AC97_PO, AC97_SR, 16), AC97_SR_FIFOE);
	rig_advance_to(r, 182 * FRAME + LAT);
	ck_assert_uint_eq(rig_ereg_rd(r, AC97_PO, AC97_SR, 16), 0x1F);
}

START_TEST(sr_rwc_bits_clear_on_one_survive_zero)
{
	/* Goal: LVBCI, BCIS and FIFOE clear only when written 1, one at a time,
	 * at byte and word width; writing 0 leaves them; DCH and CELV do not
	 * clear when written 1. From SR = 0x1F: write 0 -> 0x1F; write 0x0003
	 * -> 0x1F; byte 0x04 -> 0x1B; word 0x0008 -> 0x13; byte 0x10 -> 0x03;
	 * 0xFFFF -> 0x03. None of these writes is a guest error (SR has
	 * writable bits). */
	struct rig r;
	rig_init(&r, NULL);
	po_all_sticky_bits(&r, 0);
	enum ac97_engine_id e = AC97_PO;
	rig_ereg_wr(&r, e, AC97_SR, 16, 0x0000);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x1F);
	rig_ereg_wr(&r, e, AC97_SR, 16, AC97_SR_DCH | AC97_SR_CELV);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x1F);
	rig_ereg_wr(&r, e, AC97_SR, 8, AC97_SR_LVBCI);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x1B);
	rig_ereg_wr(&r, e, AC97_SR, 16, AC97_SR_BCIS);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x13);
	rig_ereg_wr(&r, e, AC97_SR, 8, AC97_SR_FIFOE);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x03);
	rig_ereg_wr(&r, e, AC97_SR, 16, 0xFFFF);
	ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x03);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, AC97_PO), 0);
	rig_free(&r);
}
END_TEST

START_TEST(sr_reserved_bits_read_zero)
{
	/* Goal: SR bits 15:5 read 0 after writing 0xFFFF (reset SR 0x0001
	 * stays 0x0001, the +04 dword stays 0x00010000), in every engine; a
	 * byte write to SR's high byte (+07) touches no changeable bit and is
	 * an RO_WRITE guest error with a = 6 (SR's offset). */
	struct rig r;
	rig_init(&r, NULL);
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		enum ac97_engine_id e = engines[i];
		rig_ereg_wr(&r, e, AC97_SR, 16, 0xFFFF);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x0001);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CIV, 32), 0x00010000u);
		rig_ereg_wr(&r, e, AC97_SR + 1, 8, 0xFF);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x0001);
		ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, e), 1);
		ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, e, 0)->a, rig_reg(e, AC97_SR));
	}
	rig_free(&r);
}
END_TEST

/* ---- CR ------------------------------------------------------------------- */

START_TEST(cr_bits_read_back)
{
	/* Goal: CR bits 4:2 (LVBIE, FEIE, IOCE) and RPBM read back as written;
	 * bits 7:5 read 0 (0xE0 -> 0x00, 0xFC -> 0x1C); RPBM clears DCH (a
	 * valid 64-sample descriptor is there) and clearing it sets DCH. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 64, false, false);
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		enum ac97_engine_id e = engines[i];
		static const uint8_t bits[] = { AC97_CR_LVBIE, AC97_CR_FEIE, AC97_CR_IOCE };
		for (unsigned b = 0; b < 3; b++) {
			rig_ereg_wr(&r, e, AC97_CR, 8, bits[b]);
			ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CR, 8), bits[b]);
		}
		rig_ereg_wr(&r, e, AC97_CR, 8, 0xE0);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CR, 8), 0x00);
		rig_ereg_wr(&r, e, AC97_CR, 8, 0xFC);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CR, 8), 0x1C);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), AC97_SR_DCH);
		rig_ereg_wr(&r, e, AC97_BDBAR, 32, LIST);
		rig_ereg_wr(&r, e, AC97_CR, 8, 0x1C | AC97_CR_RPBM);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CR, 8), 0x1D);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), 0x0000);
		rig_ereg_wr(&r, e, AC97_CR, 8, 0x1C);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CR, 8), 0x1C);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_SR, 16), AC97_SR_DCH);
		ck_assert_uint_eq(rig_count(&r, AC97_EV_GUEST_ERROR, e), 0);
	}
	rig_free(&r);
}
END_TEST

START_TEST(rr_self_clears_and_resets_registers)
{
	/* Goal: RR (written while halted, together with the enables) clears
	 * itself and resets CIV, LVI, PIV, PICB to 0, SR to DCH and BDBAR to 0
	 * (bm_engine.c: "BDBAR included"), keeping the enables; the pending
	 * BCIS goes, so the line drops. State before: the one of
	 * dword_reads_compose_live_registers (CIV 1, PIV 2, PICB 64, LVI 3,
	 * SR BCIS) with CR = RPBM | IOCE | FEIE | LVBIE, then paused (RPBM 0).
	 * A restart then begins at descriptor 0: CIV 0, PIV 1, PICB 64. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	for (unsigned i = 0; i < 4; i++)
		rig_bd(&r, LIST, i, BUF0 + 0x1000 * i, 64, true, false);
	uint8_t enables = AC97_CR_IOCE | AC97_CR_FEIE | AC97_CR_LVBIE;
	start_engine(&r, AC97_PO, 3, enables);
	rig_advance_to(&r, 74 * FRAME + LAT);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00080301u);
	ck_assert(ac97_irq_line(&r.dev));
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, enables);	/* pause: DCH */
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_SR, 16), AC97_SR_DCH | AC97_SR_BCIS);
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RR | enables);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CR, 8), enables);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00010000u);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 32), (uint32_t)enables << 24);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_BDBAR, 32), 0);
	ck_assert(!ac97_irq_line(&r.dev));
	ck_assert_uint_eq(rig_count(&r, AC97_EV_GUEST_ERROR, AC97_PO), 0);
	start_engine(&r, AC97_PO, 3, enables);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 8), 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PIV, 8), 1);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_PICB, 16), 64);
	rig_free(&r);
}
END_TEST

START_TEST(rr_keeps_enables)
{
	/* Goal: the reset RR does leaves the interrupt enables alone, but CR's
	 * enable bits are ordinary read/write bits, so the byte written with
	 * RR sets them like any CR write: CR = 0x1E (RR | enables) after 0x1C
	 * reads 0x1C, and CR = 0x02 alone (Linux's intel8x0) reads 0x00. QEMU
	 * and VirtualBox keep the old enables on a bare RR: a deviation. */
	struct rig r;
	rig_init(&r, NULL);
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		enum ac97_engine_id e = engines[i];
		rig_ereg_wr(&r, e, AC97_CR, 8, AC97_CR_IOCE | AC97_CR_FEIE | AC97_CR_LVBIE);
		rig_ereg_wr(&r, e, AC97_CR, 8, AC97_CR_RR | AC97_CR_IOCE | AC97_CR_FEIE | AC97_CR_LVBIE);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CR, 8), 0x1C);
		rig_ereg_wr(&r, e, AC97_CR, 8, AC97_CR_RR);
		ck_assert_uint_eq(rig_ereg_rd(&r, e, AC97_CR, 8), 0x00);
	}
	rig_free(&r);
}
END_TEST

/* ---- GLOB_CNT --------------------------------------------------------------- */

START_TEST(glob_cnt_writable_bits)
{
	/* Goal: GLOB_CNT bits 5:0 are writable one by one (GIE 0x01, COLD#
	 * 0x02, ACLINK_OFF 0x08, PRIE 0x10, SRIE 0x20 read back), WARM (0x04)
	 * reads 0, and 0x3F reads 0x3B; none of these is a guest error. */
	struct rig r;
	rig_init(&r, NULL);
	static const uint32_t bits[] = { AC97_GC_GIE, AC97_GC_COLD, AC97_GC_ACLINK_OFF,
					 AC97_GC_PRIE, AC97_GC_SRIE };
	for (unsigned b = 0; b < 5; b++) {
		rig_nabm_wr(&r, AC97_GLOB_CNT, 32, bits[b]);
		ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), bits[b]);
	}
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_WARM);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), 0);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, 0x3F);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), 0x3B);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 8), 0x3B);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_GUEST_ERROR, -1), 0);
	rig_free(&r);
}
END_TEST

START_TEST(glob_cnt_warm_self_clears)
{
	/* Goal: WARM written with COLD# set self-clears: COLD# | WARM reads
	 * COLD# (0x02), with the codec ready (after rig_link_up) and before. */
	struct rig r;
	rig_init(&r, NULL);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD | AC97_GC_WARM);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), AC97_GC_COLD);
	rig_free(&r);
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 8, AC97_GC_COLD | AC97_GC_WARM | AC97_GC_GIE);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), AC97_GC_COLD | AC97_GC_GIE);
	rig_free(&r);
}
END_TEST

START_TEST(glob_cnt_reserved_bits_read_zero)
{
	/* Goal: GLOB_CNT bits 31:6 are reserved on the 82801AA: 0xFFFFFFFF
	 * reads 0x3B (WARM self-clears) and 0xFFFFFFC0 reads 0; a byte write of
	 * 0xFF to +03 (bits 31:24) changes nothing. Each write with a reserved
	 * bit set is an RO_WRITE guest error of the device (engine -1): a write
	 * is logged with a = the register's offset 0x2C, whether or not it also
	 * reaches writable bits (the byte at +03 holds none). */
	struct rig r;
	rig_init(&r, NULL);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, 0xFFFFFFFFu);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), 0x3B);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, 0xFFFFFFC0u);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), 0);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	rig_nabm_wr(&r, AC97_GLOB_CNT + 3, 8, 0xFF);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), AC97_GC_COLD);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_RO_WRITE, -1), 3);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, -1, 0)->a, AC97_GLOB_CNT);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, -1, 1)->a, AC97_GLOB_CNT);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_RO_WRITE, -1, 2)->a, AC97_GLOB_CNT);
	rig_free(&r);
}
END_TEST

START_TEST(cold_reset_s0cr_exact_tick)
{
	/* Goal: S0CR appears exactly codec_ready_delay_ticks (default 48 frames
	 * = 12288 ticks) after COLD# is set: COLD# at 1000 -> S0CR at 13288,
	 * not at 13287; GLOB_STA then reads exactly S0CR (0x100: no secondary
	 * codec, nothing pending), and a codec read answers (vendor ID 1 = the
	 * codec's reset value). */
	struct rig r;
	rig_init(&r, NULL);
	rig_advance_to(&r, 1000);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	rig_advance_to(&r, 1000 + 12288 - 1);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), 0);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_CODEC_READY, -1), 0);
	rig_advance_to(&r, 1000 + 12288);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
	const struct ac97_event *ev = rig_find(&r, AC97_EV_CODEC_READY, -1, 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->tick, 13288);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, CODEC_VENDOR_ID1, 16),
			  codec_reset_value(CODEC_VENDOR_ID1));
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);	/* no RCS */
	rig_free(&r);
}
END_TEST

START_TEST(cold_reset_s0cr_custom_delay)
{
	/* Goal: the delay is the configured one: 1000 ticks, COLD# at 500 ->
	 * S0CR at 1500 and not at 1499. */
	struct ac97_config cfg;
	ac97_config_default(&cfg);
	cfg.codec_ready_delay_ticks = 1000;
	struct rig r;
	rig_init(&r, &cfg);
	rig_advance_to(&r, 500);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	rig_advance_to(&r, 1499);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32) & AC97_GS_S0CR, 0);
	rig_advance_to(&r, 1500);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32) & AC97_GS_S0CR, AC97_GS_S0CR);
	rig_free(&r);
}
END_TEST

START_TEST(cold_reset_resets_codec_not_bus_master)
{
	/* Goal: clearing COLD# resets the codec registers (master volume back
	 * to the codec's reset value after it had been written 0x0808) and
	 * drops S0CR at once, but keeps every bus-master register (BDBAR 0x1000,
	 * LVI 5, CR 0x1C, SR 0x0001 here) and GLOB_CNT's other bits (GIE). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_wr(&r, AC97_BAR_NAM, CODEC_MASTER_VOL, 16, 0x0808);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, CODEC_MASTER_VOL, 16), 0x0808);
	ck_assert_uint_ne(codec_reset_value(CODEC_MASTER_VOL), 0x0808);
	rig_ereg_wr(&r, AC97_PO, AC97_BDBAR, 32, LIST);
	rig_ereg_wr(&r, AC97_PO, AC97_LVI, 8, 5);
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, 0x1C);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_GIE);	/* COLD# asserted */
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32) & AC97_GS_S0CR, 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), AC97_GC_GIE);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_BDBAR, 32), LIST);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CIV, 32), 0x00010500u);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_CR, 8), 0x1C);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_GIE | AC97_GC_COLD);
	rig_advance(&r, AC97_CODEC_READY_DELAY_TICKS_DEFAULT);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, CODEC_MASTER_VOL, 16),
			  codec_reset_value(CODEC_MASTER_VOL));
	rig_free(&r);
}
END_TEST

/* ---- GLOB_STA ---------------------------------------------------------------- */

START_TEST(glob_sta_int_bits_follow_sr_and_enables)
{
	/* Goal: for each engine, its *INT bit (PI bit 5, PO bit 6, MC bit 7)
	 * is set exactly while SR & enables != 0, and no other engine's bit
	 * moves. Engine halted with SR = DCH | CELV | LVBCI | BCIS and CR =
	 * RPBM: GLOB_STA = S0CR; + IOCE -> S0CR | bit; BCIS cleared -> S0CR
	 * (LVBCI is set but LVBIE is off); + LVBIE -> bit; LVBCI cleared ->
	 * S0CR; + FEIE with no FIFOE -> S0CR. */
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		enum ac97_engine_id e = engines[i];
		struct rig r;
		rig_init(&r, NULL);
		rig_link_up(&r);
		run_tiny_buffer(&r, e, 0);
		ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
		ck_assert(!ac97_irq_line(&r.dev));
		rig_ereg_wr(&r, e, AC97_CR, 8, AC97_CR_RPBM | AC97_CR_IOCE);
		ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | int_bit[e]);
		ck_assert(ac97_irq_line(&r.dev));
		rig_ereg_wr(&r, e, AC97_SR, 8, AC97_SR_BCIS);
		ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
		ck_assert(!ac97_irq_line(&r.dev));
		rig_ereg_wr(&r, e, AC97_CR, 8, AC97_CR_RPBM | AC97_CR_IOCE | AC97_CR_LVBIE);
		ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | int_bit[e]);
		ck_assert(ac97_irq_line(&r.dev));
		rig_ereg_wr(&r, e, AC97_SR, 16, AC97_SR_LVBCI);
		ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
		ck_assert(!ac97_irq_line(&r.dev));
		rig_ereg_wr(&r, e, AC97_CR, 8, AC97_CR_RPBM | 0x1C);
		ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
		ck_assert(!ac97_irq_line(&r.dev));
		rig_free(&r);
	}
}
END_TEST

START_TEST(rcs_on_read_with_no_codec_ready)
{
	/* Goal: a codec read with no codec ready (power-on, COLD# asserted)
	 * returns 0xFFFF, sets RCS (bit 15) and logs CODEC_NOT_READY with a =
	 * the offset; writing 0 to GLOB_STA leaves RCS, writing 1 clears it; a
	 * codec *write* with no codec ready does not set RCS (only a read can
	 * time out). */
	struct rig r;
	rig_init(&r, NULL);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, CODEC_MASTER_VOL, 16), 0xFFFF);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_RCS);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_CODEC_NOT_READY, -1), 1);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_CODEC_NOT_READY, -1, 0)->a, CODEC_MASTER_VOL);
	rig_nabm_wr(&r, AC97_GLOB_STA, 32, 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_RCS);
	rig_nabm_wr(&r, AC97_GLOB_STA, 32, AC97_GS_RCS);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), 0);
	rig_wr(&r, AC97_BAR_NAM, CODEC_MASTER_VOL, 16, 0x0000);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), 0);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_CODEC_NOT_READY, -1), 2);
	rig_free(&r);
}
END_TEST

START_TEST(rcs_on_read_of_secondary_codec)
{
	/* Goal: with the primary codec ready, a read of the absent secondary
	 * codec (NAMBAR 0x80 + n) returns 0xFFFF, sets RCS and logs
	 * NO_SECONDARY; a byte write of 0x80 to GLOB_STA + 1 (bit 15) clears
	 * RCS and leaves S0CR. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, 0x80 + CODEC_VENDOR_ID1, 16), 0xFFFF);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | AC97_GS_RCS);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_NO_SECONDARY, -1), 1);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_NO_SECONDARY, -1, 0)->a, 0x80 + CODEC_VENDOR_ID1);
	rig_nabm_wr(&r, AC97_GLOB_STA + 1, 8, 0x80);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
	rig_free(&r);
}
END_TEST

/* ---- CAS -------------------------------------------------------------------- */

START_TEST(cas_first_read_zero_then_one)
{
	/* Goal: CAS reads 0 and is taken by that read; later reads return 1.
	 * After rig_link_up the codec writes at 12288 completed at 12800
	 * (frame 48 + 2), so the semaphore is free at now = 12800. Held by a
	 * read alone (no codec access follows), it stays held: still 1 a
	 * hundred frames later. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 1);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 1);
	rig_advance(&r, 100 * FRAME);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 1);
	rig_free(&r);
}
END_TEST

START_TEST(cas_freed_at_end_of_next_frame)
{
	/* Goal: a codec access at 12800 (in frame 50) goes out in frame 51 and
	 * completes at the end of it, 52 * 256 = 13312: CAS reads 1 at 13311
	 * and 0 at 13312 (that read takes it again, so the next read is 1).
	 * A write 100 ticks into frame 52 (13412) frees CAS at 54 * 256. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 0);	/* the driver takes it */
	rig_wr(&r, AC97_BAR_NAM, CODEC_MASTER_VOL, 16, 0x0000);
	rig_advance_to(&r, 52 * FRAME - 1);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 1);
	rig_advance_to(&r, 52 * FRAME);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 1);
	rig_advance_to(&r, 52 * FRAME + 100);
	rig_wr(&r, AC97_BAR_NAM, CODEC_MASTER_VOL, 16, 0x0000);
	rig_advance_to(&r, 54 * FRAME - 1);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 1);
	rig_advance_to(&r, 54 * FRAME);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 0);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_CODEC_BUSY, -1), 1);	/* rig_link_up's */
	rig_free(&r);
}
END_TEST

START_TEST(codec_access_in_flight_logged)
{
	/* Goal: a codec access while another is in flight is performed and
	 * logged as CODEC_BUSY (a = offset) and moves the completion: write at
	 * 12800 completes at 13312; a write at 13311 (frame 51) is busy and
	 * completes at 53 * 256 = 13568; a write at 13568 is not busy. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	size_t busy0 = rig_ge_count(&r, AC97_GE_CODEC_BUSY, -1);	/* 1, from rig_link_up */
	rig_wr(&r, AC97_BAR_NAM, CODEC_MASTER_VOL, 16, 0x0000);
	rig_advance_to(&r, 52 * FRAME - 1);
	rig_wr(&r, AC97_BAR_NAM, CODEC_AUX_OUT_VOL, 16, 0x0404);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_CODEC_BUSY, -1), busy0 + 1);
	const struct ac97_event *ev = rig_ge_find(&r, AC97_GE_CODEC_BUSY, -1, busy0);
	ck_assert_uint_eq(ev->tick, 52 * FRAME - 1);
	ck_assert_uint_eq(ev->a, CODEC_AUX_OUT_VOL);
	rig_advance_to(&r, 53 * FRAME - 1);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 1);
	rig_advance_to(&r, 53 * FRAME);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_CAS, 8), 0);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, CODEC_AUX_OUT_VOL, 16), 0x0404);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_CODEC_BUSY, -1), busy0 + 1);
	rig_free(&r);
}
END_TEST

/* ---- the interrupt line ----------------------------------------------------- */

START_TEST(irq_line_is_or_over_engines)
{
	/* Goal: the line is the OR over engines of SR & enables, a level: PO
	 * (4-sample IOC buffer) completes at 12812 and raises it; PI (4
	 * samples, 2 per frame) completes at 52 * 256 + 12 = 13324 while it is
	 * already high (no new IRQ event); clearing PO's BCIS leaves it high
	 * because PI's is pending (the QEMU per-engine edge bug must not
	 * happen), clearing PI's drops it. Exactly two IRQ events. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	rig_bd(&r, LIST, 0, BUF0, 4, true, false);
	start_engine(&r, AC97_PO, 0, AC97_CR_IOCE);
	start_engine(&r, AC97_PI, 0, AC97_CR_IOCE);
	rig_advance_to(&r, 12812 - 1);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_advance_to(&r, 12812);
	ck_assert(ac97_irq_line(&r.dev));
	rig_advance_to(&r, 13324);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32),
			  AC97_GS_S0CR | AC97_GS_POINT | AC97_GS_PIINT);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_IRQ, -1), 1);
	ck_assert_uint_eq(rig_find(&r, AC97_EV_IRQ, -1, 0)->tick, 12812);
	rig_ereg_wr(&r, AC97_PO, AC97_SR, 16, AC97_SR_BCIS);
	ck_assert(ac97_irq_line(&r.dev));
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR | AC97_GS_PIINT);
	ck_assert_uint_eq(rig_count(&r, AC97_EV_IRQ, -1), 1);
	rig_ereg_wr(&r, AC97_PI, AC97_SR, 16, AC97_SR_BCIS);
	ck_assert(!ac97_irq_line(&r.dev));
	ck_assert_uint_eq(rig_count(&r, AC97_EV_IRQ, -1), 2);
	ck_assert_uint_eq(rig_find(&r, AC97_EV_IRQ, -1, 1)->a, 0);
	rig_free(&r);
}
END_TEST

START_TEST(irq_enable_ioce_with_bcis_pending)
{
	/* Goal: BCIS set while IOCE is off leaves the line low; enabling IOCE
	 * raises it in that very access (IRQ event at the tick of the write,
	 * 100 * 256), and disabling it lowers it again. */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	run_tiny_buffer(&r, AC97_PO, 0);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RPBM | AC97_CR_IOCE);
	ck_assert(ac97_irq_line(&r.dev));
	const struct ac97_event *ev = rig_find(&r, AC97_EV_IRQ, -1, 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->tick, 100 * FRAME);
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RPBM);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_free(&r);
}
END_TEST

START_TEST(irq_each_source_with_its_enable)
{
	/* Goal: each SR status bit raises the line only with its own enable:
	 * LVBCI with LVBIE, FIFOE with FEIE, BCIS with IOCE (SR = 0x1F from
	 * po_all_sticky_bits, CR = RPBM + one enable at a time). */
	struct rig r;
	rig_init(&r, NULL);
	po_all_sticky_bits(&r, 0);
	ck_assert(!ac97_irq_line(&r.dev));
	static const uint8_t en[] = { AC97_CR_LVBIE, AC97_CR_FEIE, AC97_CR_IOCE };
	static const uint16_t st[] = { AC97_SR_LVBCI, AC97_SR_FIFOE, AC97_SR_BCIS };
	for (unsigned i = 0; i < 3; i++) {
		rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RPBM | en[i]);
		ck_assert(ac97_irq_line(&r.dev));
		rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RPBM);
		ck_assert(!ac97_irq_line(&r.dev));
	}
	/* With all enables on, clearing the bits one by one keeps the line up
	 * until the last one goes. */
	rig_ereg_wr(&r, AC97_PO, AC97_CR, 8, AC97_CR_RPBM | 0x1C);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert(ac97_irq_line(&r.dev));
		rig_ereg_wr(&r, AC97_PO, AC97_SR, 16, st[i]);
	}
	ck_assert(!ac97_irq_line(&r.dev));
	rig_free(&r);
}
END_TEST

START_TEST(gie_does_not_gate_dma_interrupts)
{
	/* Goal: GIE enables GPI (codec GPIO) interrupts only: with GIE = 0 a
	 * pending BCIS & IOCE holds the line high; setting and clearing GIE
	 * does not change it (one IRQ event in all); GIE with nothing pending
	 * leaves the line low (GSCI is never set: GPIO is not modelled). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), AC97_GC_COLD);
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD | AC97_GC_GIE);
	ck_assert(!ac97_irq_line(&r.dev));
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	run_tiny_buffer(&r, AC97_PO, AC97_CR_IOCE);
	ck_assert(ac97_irq_line(&r.dev));
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD | AC97_GC_GIE);
	ck_assert(ac97_irq_line(&r.dev));
	rig_nabm_wr(&r, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	ck_assert(ac97_irq_line(&r.dev));
	ck_assert_uint_eq(rig_count(&r, AC97_EV_IRQ, -1), 1);
	rig_free(&r);
}
END_TEST

/* ---- the edges of the BARs ----------------------------------------------------- */

START_TEST(outside_bar_reads_all_ones)
{
	/* Goal: bytes past the BAR read 0xFF and the bytes inside still read
	 * their registers; NABM: byte 0x40 = 0xFF, word 0x3F = hole 0x00 |
	 * 0xFF << 8 = 0xFF00, dword 0x3E = 0xFFFF0000, dword 0x3D (three hole
	 * bytes, one outside) = 0xFF000000, dword 0x40 and 0xFFFFFFFC = all ones; NAM (256 bytes):
	 * word 0x100, dword 0xFE, byte 0x100 and dword 0xFFFFFFFF = all ones.
	 * Each access logs one BAD_OFFSET with a = its offset, and no RCS is
	 * set (nothing went to the codec). */
	struct rig r;
	rig_init(&r, NULL);
	rig_link_up(&r);
	ck_assert_uint_eq(rig_nabm_rd(&r, 0x40, 8), 0xFF);
	ck_assert_uint_eq(rig_nabm_rd(&r, 0x3F, 16), 0xFF00);
	ck_assert_uint_eq(rig_nabm_rd(&r, 0x3E, 32), 0xFFFF0000u);
	ck_assert_uint_eq(rig_nabm_rd(&r, 0x3D, 32), 0xFF000000u);
	ck_assert_uint_eq(rig_nabm_rd(&r, 0x40, 32), 0xFFFFFFFFu);
	ck_assert_uint_eq(rig_nabm_rd(&r, 0xFFFFFFFCu, 32), 0xFFFFFFFFu);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, 0x100, 16), 0xFFFF);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, 0xFE, 32), 0xFFFFFFFFu);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, 0x100, 8), 0xFF);
	ck_assert_uint_eq(rig_rd(&r, AC97_BAR_NAM, 0xFFFFFFFFu, 32), 0xFFFFFFFFu);
	ck_assert_uint_eq(rig_ge_count(&r, AC97_GE_BAD_OFFSET, -1), 10);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_BAD_OFFSET, -1, 3)->a, 0x3D);
	ck_assert_uint_eq(rig_ge_find(&r, AC97_GE_BAD_OFFSET, -1, 9)->a, 0xFFFFFFFFu);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_STA, 32), AC97_GS_S0CR);
	rig_free(&r);
}
END_TEST

START_TEST(holes_read_zero_and_ignore_writes)
{
	/* Goal: the bytes of the BAR that belong to no register (+0C..+0F of
	 * the PI and PO blocks, 0x35..0x3F; MC's +0C is GLOB_CNT) read 0 at every width and ignore
	 * writes of all ones; writing them disturbs no neighbour. */
	struct rig r;
	rig_init(&r, NULL);
	static const uint32_t holes[] = { 0x0C, 0x1C, 0x38, 0x3C };
	for (unsigned i = 0; i < 4; i++) {
		rig_nabm_wr(&r, holes[i], 32, 0xFFFFFFFFu);
		ck_assert_uint_eq(rig_nabm_rd(&r, holes[i], 32), 0);
		ck_assert_uint_eq(rig_nabm_rd(&r, holes[i] + 1, 16), 0);
		ck_assert_uint_eq(rig_nabm_rd(&r, holes[i] + 3, 8), 0);
	}
	rig_nabm_wr(&r, 0x35, 8, 0xFF);
	rig_nabm_wr(&r, 0x36, 16, 0xFFFF);
	ck_assert_uint_eq(rig_nabm_rd(&r, 0x35, 8), 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, 0x36, 16), 0);
	/* Neighbours: PI CR (+0B) 0, PO BDBAR (0x10) 0, GLOB_CNT 0. */
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PI, AC97_CR, 8), 0);
	ck_assert_uint_eq(rig_ereg_rd(&r, AC97_PO, AC97_BDBAR, 32), 0);
	ck_assert_uint_eq(rig_nabm_rd(&r, AC97_GLOB_CNT, 32), 0);
	rig_free(&r);
}
END_TEST

Suite *suite_nabm_regs(void)
{
	Suite *s = suite_create("emu/nabm_regs");
	TCase *tc = tcase_create("reset");
	tcase_add_test(tc, reset_values_every_width_every_offset);
	tcase_add_test(tc, reset_values_named);
	tcase_add_test(tc, dword_reads_compose_live_registers);
	suite_add_tcase(s, tc);

	tc = tcase_create("engine_regs");
	tcase_add_test(tc, bdbar_low_bits_read_zero);
	tcase_add_test(tc, ro_registers_ignore_writes);
	tcase_add_test(tc, lvi_keeps_bits_4_0);
	tcase_add_test(tc, sr_rwc_bits_clear_on_one_survive_zero);
	tcase_add_test(tc, sr_reserved_bits_read_zero);
	tcase_add_test(tc, cr_bits_read_back);
	tcase_add_test(tc, rr_self_clears_and_resets_registers);
	tcase_add_test(tc, rr_keeps_enables);
	suite_add_tcase(s, tc);

	tc = tcase_create("global");
	tcase_add_test(tc, glob_cnt_writable_bits);
	tcase_add_test(tc, glob_cnt_warm_self_clears);
	tcase_add_test(tc, glob_cnt_reserved_bits_read_zero);
	tcase_add_test(tc, cold_reset_s0cr_exact_tick);
	tcase_add_test(tc, cold_reset_s0cr_custom_delay);
	tcase_add_test(tc, cold_reset_resets_codec_not_bus_master);
	tcase_add_test(tc, glob_sta_int_bits_follow_sr_and_enables);
	tcase_add_test(tc, rcs_on_read_with_no_codec_ready);
	tcase_add_test(tc, rcs_on_read_of_secondary_codec);
	tcase_add_test(tc, cas_first_read_zero_then_one);
	tcase_add_test(tc, cas_freed_at_end_of_next_frame);
	tcase_add_test(tc, codec_access_in_flight_logged);
	suite_add_tcase(s, tc);

	tc = tcase_create("irq");
	tcase_add_test(tc, irq_line_is_or_over_engines);
	tcase_add_test(tc, irq_enable_ioce_with_bcis_pending);
	tcase_add_test(tc, irq_each_source_with_its_enable);
	tcase_add_test(tc, gie_does_not_gate_dma_interrupts);
	suite_add_tcase(s, tc);

	tc = tcase_create("bar_edges");
	tcase_add_test(tc, outside_bar_reads_all_ones);
	tcase_add_test(tc, holes_read_zero_and_ignore_writes);
	suite_add_tcase(s, tc);
	return s;
}
