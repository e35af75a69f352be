/*
 * test_codec.c - the CS4205 codec model: register file (reset values, write
 * masks, read-only bits, register reset, odd and out-of-range offsets),
 * variable rates (VRA/VRM, the data sheet's decode on SR[15:11]), powerdown and its
 * ready bits, and the integer gain arithmetic of the DAC and ADC paths.
 *
 * Expected sample values are written out as numbers: they are what the Q16
 * table in codec.c must give, worked out once by hand (x * gain / 65536,
 * rounded half away from zero), not recomputed here from the same formula.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"

/* The runner declares its suites itself; this keeps -Wmissing-prototypes
 * quiet when the file is compiled on its own. */
Suite *suite_codec(void);

/* One row per implemented register: what a cold reset leaves there and
 * what survives a write of all ones (clamps and side effects included). */
struct reg_expect {
	uint32_t offset;
	uint16_t reset;
	uint16_t after_ffff;
};

static const struct reg_expect implemented[] = {
	{ 0x00, 0x2585, 0x2585 },	/* write = register reset */
	{ 0x02, 0x8000, 0x9F1F },	/* 6th bits clamp to 0x1F */
	{ 0x04, 0x8000, 0x9F1F },
	{ 0x06, 0x8000, 0x801F },
	{ 0x08, 0x0F0F, 0x0F0F },
	{ 0x0A, 0x0000, 0x801E },
	{ 0x0C, 0x8008, 0x801F },
	{ 0x0E, 0x8008, 0x805F },
	{ 0x10, 0x8808, 0x9F1F },
	{ 0x12, 0x8808, 0x9F1F },
	{ 0x14, 0x8808, 0x9F1F },
	{ 0x16, 0x8808, 0x9F1F },
	{ 0x18, 0x8808, 0x9F1F },
	{ 0x1A, 0x0000, 0x0707 },
	{ 0x1C, 0x8000, 0x8F0F },
	{ 0x1E, 0x8000, 0x800F },
	{ 0x20, 0x0000, 0x2180 },
	{ 0x22, 0x0000, 0x0F0F },
	{ 0x26, 0x000F, 0xBF00 },	/* every PR bit: nothing ready */
	{ 0x28, 0x0209, 0x0209 },
	{ 0x2A, 0x0000, 0x0009 },
	{ 0x2C, 0xBB80, 0xBB80 },	/* VRA off: write ignored */
	{ 0x32, 0xBB80, 0xBB80 },
	{ 0x34, 0xBB80, 0xBB80 },	/* VRM off: write ignored */
	{ 0x7C, 0x4352, 0x4352 },
	{ 0x7E, 0x5959, 0x5959 },
};

#define N_IMPLEMENTED (sizeof implemented / sizeof implemented[0])

static bool is_implemented(uint32_t offset)
{
	for (size_t i = 0; i < N_IMPLEMENTED; i++)
		if (implemented[i].offset == offset)
			return true;
	return false;
}

static struct codec fresh(void)
{
	struct codec c;

	codec_reset(&c);
	return c;
}

/* Unmuted, 0 dB on both PCM out and master. */
static void unity_dac(struct codec *c)
{
	codec_write(c, CODEC_PCM_OUT_VOL, 0x0808);
	codec_write(c, CODEC_MASTER_VOL, 0x0000);
}

static void enable_rates(struct codec *c)
{
	codec_write(c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRA | CODEC_EA_VRM);
}

/* One stereo frame through the DAC path. */
static void dac_frame(const struct codec *c, int16_t l, int16_t r, int16_t *ol, int16_t *or_)
{
	int16_t in[2] = { l, r };
	int16_t out[2] = { 0x5555, 0x5555 };

	codec_dac_output(c, in, out, 1);
	*ol = out[0];
	*or_ = out[1];
}

START_TEST(part_name)
{
	/* goal: the modelled part is named (CS4205), for --version and reports. */
	const char *name = codec_part_name();

	ck_assert_ptr_nonnull(name);
	ck_assert(strstr(name, "CS4205") != NULL);
}
END_TEST

START_TEST(reset_values)
{
	/* goal: a cold reset leaves every register at its reset value, unimplemented ones at 0. */
	struct codec c = fresh();

	for (size_t i = 0; i < N_IMPLEMENTED; i++)
		ck_assert_msg(codec_read(&c, implemented[i].offset) == implemented[i].reset,
			      "reg %02x reads %04x, want %04x", (unsigned)implemented[i].offset,
			      codec_read(&c, implemented[i].offset), implemented[i].reset);
	for (uint32_t off = 0; off <= 0x7E; off += 2)
		if (!is_implemented(off))
			ck_assert_msg(codec_read(&c, off) == 0, "reg %02x reads %04x", (unsigned)off,
				      codec_read(&c, off));
}
END_TEST

START_TEST(reset_is_cold)
{
	/* goal: codec_reset() forgets every earlier write, PR5 included. */
	struct codec c = fresh();

	for (uint32_t off = 2; off <= 0x7E; off += 2)
		codec_write(&c, off, 0xFFFF);
	enable_rates(&c);
	codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 8000);
	codec_write(&c, CODEC_POWERDOWN, 0xFFFF);
	codec_reset(&c);
	for (size_t i = 0; i < N_IMPLEMENTED; i++)
		ck_assert_uint_eq(codec_read(&c, implemented[i].offset), implemented[i].reset);
}
END_TEST

START_TEST(vendor_id)
{
	/* goal: 7Ch/7Eh read "CRY", device 101 (CS4205), revision A, and ignore writes. */
	struct codec c = fresh();

	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID1), 0x4352);
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID2), 0x5959);
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID1) >> 8, 'C');
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID1) & 0xFF, 'R');
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID2) >> 8, 'Y');
	ck_assert_uint_eq((codec_read(&c, CODEC_VENDOR_ID2) >> 4) & 7, 5);
	codec_write(&c, CODEC_VENDOR_ID1, 0);
	codec_write(&c, CODEC_VENDOR_ID2, 0);
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID1), 0x4352);
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID2), 0x5959);
}
END_TEST

START_TEST(ext_audio_id)
{
	/* goal: 28h is 0209h (VRA, VRM, AMAP; primary; REV 2.1) and read-only. */
	struct codec c = fresh();
	uint16_t id = codec_read(&c, CODEC_EXT_AUDIO_ID);

	ck_assert(id & CODEC_EA_VRA);
	ck_assert(id & CODEC_EA_VRM);
	ck_assert(!(id & CODEC_EA_DRA));
	ck_assert(!(id & CODEC_EA_SPDIF));
	ck_assert_uint_eq(id >> 14, 0);		/* primary */
	ck_assert_uint_eq((id >> 10) & 3, 0);	/* REV: 2.1 */
	codec_write(&c, CODEC_EXT_AUDIO_ID, 0x0000);
	ck_assert_uint_eq(codec_read(&c, CODEC_EXT_AUDIO_ID), 0x0209);
}
END_TEST

START_TEST(reset_reg_caps)
{
	/* goal: 00h reads the capabilities and a write does not change them. */
	struct codec c = fresh();
	uint16_t caps = codec_read(&c, CODEC_RESET);

	ck_assert(caps & 0x0001);	/* ID0: dedicated mic PCM in */
	ck_assert(caps & 0x0004);	/* ID2: bass and treble */
	ck_assert(caps & 0x0080);	/* ID7: 20-bit DAC */
	ck_assert(caps & 0x0100);	/* ID8: 18-bit ADC */
	ck_assert_uint_eq((caps >> 10) & 0x1F, 9);	/* SE: SRS Labs */
	codec_write(&c, CODEC_RESET, 0x0000);
	ck_assert_uint_eq(codec_read(&c, CODEC_RESET), caps);
	codec_write(&c, CODEC_RESET, 0xFFFF);
	ck_assert_uint_eq(codec_read(&c, CODEC_RESET), caps);
}
END_TEST

START_TEST(write_masks)
{
	/* goal: every register keeps exactly its writable bits on writes of FFFFh and 0. */
	for (size_t i = 0; i < N_IMPLEMENTED; i++) {
		const struct reg_expect *e = &implemented[i];
		struct codec c = fresh();

		if (e->offset == CODEC_RESET)
			continue;	/* its own test: a write resets */
		codec_write(&c, e->offset, 0xFFFF);
		ck_assert_msg(codec_read(&c, e->offset) == e->after_ffff,
			      "reg %02x after FFFF reads %04x, want %04x", (unsigned)e->offset,
			      codec_read(&c, e->offset), e->after_ffff);
	}
	{
		/* Zero writes: the volume-type registers go to 0, the constants and
		 * the rates (still locked) do not, powerdown shows all ready. */
		struct codec c = fresh();

		for (size_t i = 0; i < N_IMPLEMENTED; i++) {
			uint32_t off = implemented[i].offset;

			if (off == CODEC_RESET)
				continue;
			codec_write(&c, off, 0x0000);
		}
		for (size_t i = 0; i < N_IMPLEMENTED; i++) {
			uint32_t off = implemented[i].offset;
			uint16_t want;

			switch (off) {
			case CODEC_RESET:
			case CODEC_EXT_AUDIO_ID:
			case CODEC_VENDOR_ID1:
			case CODEC_VENDOR_ID2:
			case CODEC_PCM_FRONT_DAC_RATE:
			case CODEC_PCM_LR_ADC_RATE:
			case CODEC_PCM_MIC_ADC_RATE:
				want = implemented[i].reset;
				break;
			case CODEC_POWERDOWN:
				want = 0x000F;
				break;
			default:
				want = 0;
				break;
			}
			ck_assert_msg(codec_read(&c, off) == want, "reg %02x after 0 reads %04x",
				      (unsigned)off, codec_read(&c, off));
		}
	}
}
END_TEST

START_TEST(volume_fields)
{
	/* goal: volume and gain registers keep each field at the part's bit positions. */
	struct codec c = fresh();

	codec_write(&c, CODEC_PCM_OUT_VOL, 0x8A15);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_OUT_VOL), 0x8A15);
	codec_write(&c, CODEC_PCM_OUT_VOL, 0x60E0);	/* only reserved bits */
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_OUT_VOL), 0x0000);
	codec_write(&c, CODEC_MASTER_VOL, 0x1E01);
	ck_assert_uint_eq(codec_read(&c, CODEC_MASTER_VOL), 0x1E01);
	codec_write(&c, CODEC_RECORD_GAIN, 0x0F05);
	ck_assert_uint_eq(codec_read(&c, CODEC_RECORD_GAIN), 0x0F05);
	codec_write(&c, CODEC_RECORD_GAIN, 0x70F0);	/* only reserved bits */
	ck_assert_uint_eq(codec_read(&c, CODEC_RECORD_GAIN), 0x0000);
	codec_write(&c, CODEC_RECORD_GAIN_MIC, 0x0F0A);
	ck_assert_uint_eq(codec_read(&c, CODEC_RECORD_GAIN_MIC), 0x000A);
	codec_write(&c, CODEC_MIC_VOL, 0x0040);	/* +20 dB boost bit */
	ck_assert_uint_eq(codec_read(&c, CODEC_MIC_VOL), 0x0040);
	codec_write(&c, CODEC_RECORD_SELECT, 0x0504);
	ck_assert_uint_eq(codec_read(&c, CODEC_RECORD_SELECT), 0x0504);
}
END_TEST

START_TEST(sixth_bit_clamp)
{
	/* goal: master, alternate and mono volumes read 1Fh per channel after a write of 20h. */
	static const uint32_t stereo[] = { CODEC_MASTER_VOL, CODEC_AUX_OUT_VOL };

	for (size_t i = 0; i < 2; i++) {
		struct codec c = fresh();
		uint32_t off = stereo[i];

		codec_write(&c, off, 0x0020);
		ck_assert_uint_eq(codec_read(&c, off), 0x001F);
		codec_write(&c, off, 0x2000);
		ck_assert_uint_eq(codec_read(&c, off), 0x1F00);
		codec_write(&c, off, 0x2020);
		ck_assert_uint_eq(codec_read(&c, off), 0x1F1F);
		codec_write(&c, off, 0xA125);	/* mute, L=0x21, R=0x25 */
		ck_assert_uint_eq(codec_read(&c, off), 0x9F1F);
		codec_write(&c, off, 0x051E);	/* below the clamp: kept */
		ck_assert_uint_eq(codec_read(&c, off), 0x051E);
	}
	{
		struct codec c = fresh();

		codec_write(&c, CODEC_MONO_VOL, 0x0020);
		ck_assert_uint_eq(codec_read(&c, CODEC_MONO_VOL), 0x001F);
		codec_write(&c, CODEC_MONO_VOL, 0x803A);
		ck_assert_uint_eq(codec_read(&c, CODEC_MONO_VOL), 0x801F);
		codec_write(&c, CODEC_MONO_VOL, 0x2011);	/* no left channel */
		ck_assert_uint_eq(codec_read(&c, CODEC_MONO_VOL), 0x0011);
	}
}
END_TEST

START_TEST(unimplemented_regs)
{
	/* goal: every unimplemented even offset reads 0 and ignores writes. */
	struct codec c = fresh();

	for (uint32_t off = 0; off <= 0x7E; off += 2) {
		if (is_implemented(off))
			continue;
		codec_write(&c, off, 0xFFFF);
		ck_assert_msg(codec_read(&c, off) == 0, "reg %02x reads %04x", (unsigned)off,
			      codec_read(&c, off));
		codec_write(&c, off, 0x1234);
		ck_assert_uint_eq(codec_read(&c, off), 0);
	}
	/* And the implemented ones did not move. */
	for (size_t i = 0; i < N_IMPLEMENTED; i++)
		ck_assert_uint_eq(codec_read(&c, implemented[i].offset), implemented[i].reset);
}
END_TEST

START_TEST(register_reset)
{
	/* goal: any write to 00h returns every audio register to its default. */
	static const uint16_t values[] = { 0x0000, 0x1234, 0xFFFF };

	for (size_t v = 0; v < 3; v++) {
		struct codec c = fresh();

		for (size_t i = 0; i < N_IMPLEMENTED; i++)
			if (implemented[i].offset != CODEC_RESET)
				codec_write(&c, implemented[i].offset, 0x5A5A);
		enable_rates(&c);
		codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 22050);
		codec_write(&c, CODEC_PCM_LR_ADC_RATE, 16000);
		codec_write(&c, CODEC_PCM_MIC_ADC_RATE, 8000);
		codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR0_ADC | CODEC_PD_PR1_DAC | CODEC_PD_EAPD);
		ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 22050);

		codec_write(&c, CODEC_RESET, values[v]);
		for (size_t i = 0; i < N_IMPLEMENTED; i++)
			ck_assert_msg(codec_read(&c, implemented[i].offset) == implemented[i].reset,
				      "after reset by %04x reg %02x reads %04x", values[v],
				      (unsigned)implemented[i].offset,
				      codec_read(&c, implemented[i].offset));
		ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 48000);
	}
}
END_TEST

START_TEST(odd_offsets)
{
	/* goal: odd offsets read 0 and writes to them change nothing. */
	struct codec c = fresh();

	for (uint32_t off = 1; off < 0x80; off += 2) {
		ck_assert_uint_eq(codec_read(&c, off), 0);
		codec_write(&c, off, 0x0000);
		codec_write(&c, off, 0xFFFF);
		ck_assert_uint_eq(codec_read(&c, off), 0);
	}
	for (size_t i = 0; i < N_IMPLEMENTED; i++)
		ck_assert_uint_eq(codec_read(&c, implemented[i].offset), implemented[i].reset);
	/* An odd write next to 00h must not be taken for a register reset. */
	codec_write(&c, CODEC_MASTER_VOL, 0x0101);
	codec_write(&c, 0x01, 0);
	ck_assert_uint_eq(codec_read(&c, CODEC_MASTER_VOL), 0x0101);
}
END_TEST

START_TEST(past_end)
{
	/* goal: offsets past 7Eh read 0 and writes leave the register file untouched. */
	static const uint32_t offs[] = { 0x80, 0x82, 0xFE, 0xFF, 0x100, 0x10000, UINT32_MAX - 1,
					 UINT32_MAX };
	struct codec c = fresh();
	struct codec before;

	codec_write(&c, CODEC_MASTER_VOL, 0x0303);
	before = c;
	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		ck_assert_uint_eq(codec_read(&c, offs[i]), 0);
		codec_write(&c, offs[i], 0xFFFF);
		codec_write(&c, offs[i], 0x0000);
	}
	ck_assert(memcmp(&before, &c, sizeof c) == 0);
}
END_TEST

START_TEST(rate_vra_off_ignored)
{
	/* goal: with VRA/VRM clear, rate writes are ignored and the rates read 48000. */
	struct codec c = fresh();

	codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 44100);
	codec_write(&c, CODEC_PCM_LR_ADC_RATE, 8000);
	codec_write(&c, CODEC_PCM_MIC_ADC_RATE, 16000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 48000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_LR_ADC_RATE), 48000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_MIC_ADC_RATE), 48000);
	/* Turning VRA on afterwards starts from 48000, not from the ignored
	 * write. */
	enable_rates(&c);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 48000);
}
END_TEST

START_TEST(rate_vra_on)
{
	/* goal: with VRA set, 44100 written to 2Ch reads 44100; 2Ch and 32h are independent. */
	struct codec c = fresh();

	codec_write(&c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRA);
	codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 44100);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 44100);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_LR_ADC_RATE), 48000);
	codec_write(&c, CODEC_PCM_LR_ADC_RATE, 22050);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_LR_ADC_RATE), 22050);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 44100);
}
END_TEST

START_TEST(rate_supported_set)
{
	/* goal: each of the ten supported rates reads back unchanged on 2Ch, 32h and 34h. */
	static const uint16_t rates[] = { 8000, 9600, 11025, 13714, 16000,
					  22050, 24000, 32000, 44100, 48000 };
	static const uint32_t regs[] = { CODEC_PCM_FRONT_DAC_RATE, CODEC_PCM_LR_ADC_RATE,
					 CODEC_PCM_MIC_ADC_RATE };
	struct codec c = fresh();

	enable_rates(&c);
	for (size_t r = 0; r < 3; r++)
		for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
			codec_write(&c, regs[r], rates[i]);
			ck_assert_uint_eq(codec_read(&c, regs[r]), rates[i]);
		}
}
END_TEST

START_TEST(rate_decode_datasheet_examples)
{
	/* goal: the CS4205 decodes SR[15:11] only [DS489PP4 5.17]: a value in the 2 KiB range of a
	 * supported rate reads that rate, so 2000h/2800h/3000h/3800h/5800h read 2580h/2B11h/3592h/
	 * 3E80h/5DC0h (where a nearest-rate rounding gave 1F40h, 2580h, 2B11h, 3592h, 5622h). */
	static const struct {
		uint16_t in;
		uint16_t out;
	} cases[] = {
		{ 0x2000, 0x2580 }, { 0x2800, 0x2B11 }, { 0x3000, 0x3592 },
		{ 0x3800, 0x3E80 }, { 0x5800, 0x5DC0 },
	};
	struct codec c = fresh();

	enable_rates(&c);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		static const uint32_t regs[] = { CODEC_PCM_FRONT_DAC_RATE, CODEC_PCM_LR_ADC_RATE,
						 CODEC_PCM_MIC_ADC_RATE };
		for (size_t r = 0; r < 3; r++) {
			codec_write(&c, regs[r], cases[i].in);
			ck_assert_msg(codec_read(&c, regs[r]) == cases[i].out,
				      "reg %02x: %04x reads %04x, want %04x", (unsigned)regs[r],
				      cases[i].in, codec_read(&c, regs[r]), cases[i].out);
		}
	}
}
END_TEST

START_TEST(rate_decode_every_value)
{
	/* goal: every 16-bit value decodes on bits 15:11 alone: each supported rate's whole 2 KiB
	 * range reads that rate, and the ranges with none follow the siblings' scheme (the next
	 * rate up; 48000 above its range), so the value read depends only on value >> 11. */
	static const uint16_t rates[] = { 8000, 9600, 11025, 13714, 16000, 22050, 24000, 32000,
					  44100, 48000 };
	struct codec c = fresh();

	enable_rates(&c);
	for (uint32_t v = 0; v <= 0xFFFF; v++) {
		codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, (uint16_t)v);
		uint16_t got = codec_read(&c, CODEC_PCM_FRONT_DAC_RATE);
		uint16_t want = 48000;
		for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
			if ((uint32_t)(rates[i] >> 11) >= (v >> 11)) {
				want = rates[i];
				break;
			}
		}
		ck_assert_msg(got == want, "%04x reads %u, want %u", v, got, want);
		ck_assert_uint_eq(codec_decode_rate(&codec_part_cs4205, (uint16_t)v), want);
	}
	/* Each supported rate has a range of its own: no two share bits 15:11. */
	for (size_t i = 1; i < sizeof rates / sizeof rates[0]; i++)
		ck_assert_uint_lt(rates[i - 1] >> 11, rates[i] >> 11);
}
END_TEST

START_TEST(rate_vra_clear_restores_48k)
{
	/* goal: clearing VRA forces 2Ch/32h to 48000, clearing VRM forces 34h. */
	struct codec c = fresh();

	enable_rates(&c);
	codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 11025);
	codec_write(&c, CODEC_PCM_LR_ADC_RATE, 32000);
	codec_write(&c, CODEC_PCM_MIC_ADC_RATE, 16000);
	codec_write(&c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRM);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 48000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_LR_ADC_RATE), 48000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_MIC_ADC_RATE), 16000);
	codec_write(&c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRA);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 48000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_MIC_ADC_RATE), 48000);
}
END_TEST

START_TEST(rate_vrm_mic)
{
	/* goal: VRM, not VRA, unlocks the mic ADC rate 34h, and only that one. */
	struct codec c = fresh();

	codec_write(&c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRA);
	codec_write(&c, CODEC_PCM_MIC_ADC_RATE, 8000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_MIC_ADC_RATE), 48000);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_MIC), 48000);

	codec_write(&c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_VRM);
	codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 8000);
	codec_write(&c, CODEC_PCM_LR_ADC_RATE, 8000);
	codec_write(&c, CODEC_PCM_MIC_ADC_RATE, 8000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 48000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_LR_ADC_RATE), 48000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_MIC_ADC_RATE), 8000);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_MIC), 8000);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_LR), 48000);
}
END_TEST

START_TEST(ext_ctrl_mask)
{
	/* goal: only VRA and VRM can be set in 2Ah. */
	struct codec c = fresh();

	codec_write(&c, CODEC_EXT_AUDIO_CTRL, CODEC_EA_DRA | CODEC_EA_SPDIF);
	ck_assert_uint_eq(codec_read(&c, CODEC_EXT_AUDIO_CTRL), 0);
	codec_write(&c, CODEC_EXT_AUDIO_CTRL, 0xFFFF);
	ck_assert_uint_eq(codec_read(&c, CODEC_EXT_AUDIO_CTRL), CODEC_EA_VRA | CODEC_EA_VRM);
	codec_write(&c, CODEC_EXT_AUDIO_CTRL, 0);
	ck_assert_uint_eq(codec_read(&c, CODEC_EXT_AUDIO_CTRL), 0);
}
END_TEST

START_TEST(rate_hz)
{
	/* goal: codec_rate_hz() is 48000 by default and follows enabled rate registers. */
	struct codec c = fresh();

	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 48000);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_LR), 48000);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_MIC), 48000);
	enable_rates(&c);
	codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 44100);
	codec_write(&c, CODEC_PCM_LR_ADC_RATE, 11025);
	codec_write(&c, CODEC_PCM_MIC_ADC_RATE, 9600);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 44100);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_LR), 11025);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_MIC), 9600);
}
END_TEST

START_TEST(rate_hz_powerdown)
{
	/* goal: codec_rate_hz() is 0 under PR0 (ADCs), PR1 (DAC), PR4, PR5; not PR2/PR3. */
	struct codec c = fresh();

	enable_rates(&c);
	codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 44100);

	codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR0_ADC);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_LR), 0);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_MIC), 0);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 44100);

	codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR1_DAC);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 0);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_LR), 48000);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_MIC), 48000);

	codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR2_MIXER | CODEC_PD_PR3_VREF | CODEC_PD_EAPD);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 44100);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_LR), 48000);

	codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR4_LINK);
	for (int conv = 0; conv < CODEC_CONV_COUNT; conv++)
		ck_assert_uint_eq(codec_rate_hz(&c, (enum codec_converter)conv), 0);
	codec_warm_reset(&c);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 44100);

	codec_write(&c, CODEC_POWERDOWN, 0);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 44100);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_MIC), 48000);

	codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR5_CLOCK);
	for (int conv = 0; conv < CODEC_CONV_COUNT; conv++)
		ck_assert_uint_eq(codec_rate_hz(&c, (enum codec_converter)conv), 0);
}
END_TEST

START_TEST(powerdown_ready_bits)
{
	/* goal: 26h ready bits are read-only and clear while their section is down. */
	static const struct {
		uint16_t pr;
		uint16_t reads;
	} cases[] = {
		{ 0x0000, 0x000F },
		{ CODEC_PD_PR0_ADC, 0x010E },
		{ CODEC_PD_PR1_DAC, 0x020D },
		{ CODEC_PD_PR2_MIXER, 0x040B },
		{ CODEC_PD_PR3_VREF, 0x0803 },
		{ CODEC_PD_PR2_MIXER | CODEC_PD_PR3_VREF, 0x0C03 },
		{ CODEC_PD_PR4_LINK, 0x100F },
		{ CODEC_PD_PR6_HP, 0x000F },
		{ CODEC_PD_EAPD, 0x800F },
		{ CODEC_PD_PR0_ADC | CODEC_PD_PR1_DAC, 0x030C },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct codec c = fresh();

		codec_write(&c, CODEC_POWERDOWN, cases[i].pr);
		ck_assert_msg(codec_read(&c, CODEC_POWERDOWN) == cases[i].reads,
			      "PR %04x reads %04x, want %04x", cases[i].pr,
			      codec_read(&c, CODEC_POWERDOWN), cases[i].reads);
		/* Writing the ready bits themselves changes nothing. */
		codec_write(&c, CODEC_POWERDOWN, (uint16_t)(cases[i].pr | 0x00F0));
		ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), cases[i].reads);
		codec_write(&c, CODEC_POWERDOWN, 0);
		ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0x000F);
	}
	{
		struct codec c = fresh();

		codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR5_CLOCK);
		ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0x200C);
	}
}
END_TEST

START_TEST(link_powerdown)
{
	/* goal: PR4 drives codec_link_powered_down(); warm reset clears PR4 only. */
	struct codec c = fresh();

	ck_assert(!codec_link_powered_down(&c));
	codec_write(&c, CODEC_MASTER_VOL, 0x0A0A);
	codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR4_LINK | CODEC_PD_PR1_DAC);
	ck_assert(codec_link_powered_down(&c));
	codec_warm_reset(&c);
	ck_assert(!codec_link_powered_down(&c));
	ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0x020D);
	ck_assert_uint_eq(codec_read(&c, CODEC_MASTER_VOL), 0x0A0A);

	codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR4_LINK);
	codec_reset(&c);
	ck_assert(!codec_link_powered_down(&c));
	/* A warm reset with the link up is harmless. */
	codec_warm_reset(&c);
	ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0x000F);
}
END_TEST

START_TEST(pr5_sticky)
{
	/* goal: PR5 survives writes, register reset and warm reset; only cold reset clears it. */
	struct codec c = fresh();

	codec_write(&c, CODEC_POWERDOWN, CODEC_PD_PR5_CLOCK);
	codec_write(&c, CODEC_POWERDOWN, 0);
	ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0x200C);
	codec_write(&c, CODEC_RESET, 0);
	ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0x200C);
	ck_assert_uint_eq(codec_read(&c, CODEC_MASTER_VOL), 0x8000);
	codec_warm_reset(&c);
	ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0x200C);
	codec_reset(&c);
	ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0x000F);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 48000);
}
END_TEST

START_TEST(snapshot_is_copy)
{
	/* goal: the codec state is plain data: a struct copy behaves like the original. */
	struct codec a = fresh();
	struct codec b;

	enable_rates(&a);
	codec_write(&a, CODEC_PCM_FRONT_DAC_RATE, 22050);
	codec_write(&a, CODEC_PCM_OUT_VOL, 0x0909);
	b = a;
	for (uint32_t off = 0; off <= 0x7E; off += 2)
		ck_assert_uint_eq(codec_read(&a, off), codec_read(&b, off));
	codec_write(&b, CODEC_PCM_FRONT_DAC_RATE, 8000);
	ck_assert_uint_eq(codec_read(&a, CODEC_PCM_FRONT_DAC_RATE), 22050);
}
END_TEST

START_TEST(dac_default_muted)
{
	/* goal: out of reset PCM out and master are muted, so the DAC path is silent. */
	struct codec c = fresh();
	int16_t l, r;

	dac_frame(&c, 12345, -12345, &l, &r);
	ck_assert_int_eq(l, 0);
	ck_assert_int_eq(r, 0);
}
END_TEST

START_TEST(dac_unity_bit_exact)
{
	/* goal: at 0 dB unmuted, every int16 value passes the DAC path unchanged. */
	struct codec c = fresh();
	static int16_t in[65536 * 2];
	static int16_t out[65536 * 2];

	unity_dac(&c);
	for (int32_t v = INT16_MIN; v <= INT16_MAX; v++) {
		size_t i = (size_t)(v - INT16_MIN);

		in[2 * i] = (int16_t)v;
		in[2 * i + 1] = (int16_t)(-1 - v);	/* the mirror, also full range */
	}
	codec_dac_output(&c, in, out, 65536);
	ck_assert(memcmp(in, out, sizeof in) == 0);
	memcpy(out, in, sizeof in);
	codec_dac_output(&c, out, out, 65536);
	ck_assert(memcmp(in, out, sizeof in) == 0);
}
END_TEST

START_TEST(dac_mute)
{
	/* goal: the mute bit of PCM out or of master silences the output. */
	static const uint16_t pcm_master[][2] = {
		{ 0x8808, 0x0000 }, { 0x0808, 0x8000 }, { 0x8000, 0x0000 }, { 0x0000, 0x8000 },
		{ 0x9F1F, 0x9F1F },
	};

	for (size_t i = 0; i < sizeof pcm_master / sizeof pcm_master[0]; i++) {
		struct codec c = fresh();
		int16_t l, r;

		codec_write(&c, CODEC_PCM_OUT_VOL, pcm_master[i][0]);
		codec_write(&c, CODEC_MASTER_VOL, pcm_master[i][1]);
		dac_frame(&c, INT16_MAX, INT16_MIN, &l, &r);
		ck_assert_int_eq(l, 0);
		ck_assert_int_eq(r, 0);
	}
}
END_TEST

START_TEST(dac_minus_1p5db)
{
	/* goal: one -1.5 dB step gives the exact Q16 result (10000 -> 8414), symmetric. */
	struct codec c = fresh();
	int16_t l, r;

	codec_write(&c, CODEC_MASTER_VOL, 0x0000);
	codec_write(&c, CODEC_PCM_OUT_VOL, 0x0909);
	dac_frame(&c, 10000, -10000, &l, &r);
	ck_assert_int_eq(l, 8414);
	ck_assert_int_eq(r, -8414);
	dac_frame(&c, INT16_MAX, INT16_MIN, &l, &r);
	ck_assert_int_eq(l, 27570);
	ck_assert_int_eq(r, -27571);
	dac_frame(&c, 1, -1, &l, &r);
	ck_assert_int_eq(l, 1);
	ck_assert_int_eq(r, -1);
	dac_frame(&c, 0, 0, &l, &r);
	ck_assert_int_eq(l, 0);
	ck_assert_int_eq(r, 0);

	codec_write(&c, CODEC_PCM_OUT_VOL, 0x0808);
	codec_write(&c, CODEC_MASTER_VOL, 0x0101);
	dac_frame(&c, 10000, -10000, &l, &r);
	ck_assert_int_eq(l, 8414);
	ck_assert_int_eq(r, -8414);

	codec_write(&c, CODEC_PCM_OUT_VOL, 0x0909);
	dac_frame(&c, 10000, -10000, &l, &r);
	ck_assert_int_eq(l, 7080);
	ck_assert_int_eq(r, -7080);
}
END_TEST

START_TEST(dac_plus12db_saturation)
{
	/* goal: +12 dB on PCM out saturates at the int16 limits instead of wrapping. */
	struct codec c = fresh();
	int16_t l, r;

	codec_write(&c, CODEC_MASTER_VOL, 0x0000);
	codec_write(&c, CODEC_PCM_OUT_VOL, 0x0000);
	dac_frame(&c, 1000, -1000, &l, &r);
	ck_assert_int_eq(l, 3981);
	ck_assert_int_eq(r, -3981);
	dac_frame(&c, 8230, -8230, &l, &r);
	ck_assert_int_eq(l, 32764);
	ck_assert_int_eq(r, -32764);
	dac_frame(&c, 8231, 10000, &l, &r);
	ck_assert_int_eq(l, INT16_MAX);
	ck_assert_int_eq(r, INT16_MAX);
	dac_frame(&c, INT16_MIN, INT16_MAX, &l, &r);
	ck_assert_int_eq(l, INT16_MIN);
	ck_assert_int_eq(r, INT16_MAX);
	/* Saturation happens after PCM out, before master: +12 then -12 dB
	 * gives back a small signal exactly but not a clipped one. */
	codec_write(&c, CODEC_MASTER_VOL, 0x0808);
	dac_frame(&c, 1000, 20000, &l, &r);
	ck_assert_int_eq(l, 1000);
	ck_assert_int_eq(r, 8231);	/* 32767 * 16462 / 65536 */
}
END_TEST

START_TEST(dac_master_attenuation)
{
	/* goal: master attenuates per channel down to -46.5 dB (1Fh, also for 20h). */
	struct codec c = fresh();
	int16_t l, r;

	codec_write(&c, CODEC_PCM_OUT_VOL, 0x0808);
	codec_write(&c, CODEC_MASTER_VOL, 0x1F02);
	dac_frame(&c, INT16_MAX, 20000, &l, &r);
	ck_assert_int_eq(l, 155);	/* 32767 * 310 / 65536 */
	ck_assert_int_eq(r, 14159);	/* 20000 * 46396 / 65536 */
	codec_write(&c, CODEC_MASTER_VOL, 0x2000);
	dac_frame(&c, INT16_MIN, 20000, &l, &r);
	ck_assert_int_eq(l, -155);
	ck_assert_int_eq(r, 20000);
}
END_TEST

START_TEST(dac_separate_lr)
{
	/* goal: PCM out applies its left field to left samples and right to right. */
	struct codec c = fresh();
	int16_t in[6] = { 1000, 1000, -1000, -1000, 10000, 10000 };
	int16_t out[6];

	codec_write(&c, CODEC_MASTER_VOL, 0x0000);
	codec_write(&c, CODEC_PCM_OUT_VOL, 0x0709);	/* L +1.5 dB, R -1.5 dB */
	codec_dac_output(&c, in, out, 3);
	ck_assert_int_eq(out[0], 1189);
	ck_assert_int_eq(out[1], 841);
	ck_assert_int_eq(out[2], -1189);
	ck_assert_int_eq(out[3], -841);
	ck_assert_int_eq(out[4], 11885);
	ck_assert_int_eq(out[5], 8414);
}
END_TEST

START_TEST(dac_powered_down)
{
	/* goal: DAC path is silent under PR1, PR2, PR3, PR5; not under PR0, PR4, EAPD. */
	static const uint16_t silent[] = { CODEC_PD_PR1_DAC, CODEC_PD_PR2_MIXER, CODEC_PD_PR3_VREF,
					   CODEC_PD_PR5_CLOCK };
	static const uint16_t audible[] = { CODEC_PD_PR0_ADC, CODEC_PD_PR4_LINK, CODEC_PD_EAPD };

	for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++) {
		struct codec c = fresh();
		int16_t l, r;

		unity_dac(&c);
		codec_write(&c, CODEC_POWERDOWN, silent[i]);
		dac_frame(&c, 1234, -1234, &l, &r);
		ck_assert_int_eq(l, 0);
		ck_assert_int_eq(r, 0);
	}
	for (size_t i = 0; i < sizeof audible / sizeof audible[0]; i++) {
		struct codec c = fresh();
		int16_t l, r;

		unity_dac(&c);
		codec_write(&c, CODEC_POWERDOWN, audible[i]);
		dac_frame(&c, 1234, -1234, &l, &r);
		ck_assert_int_eq(l, 1234);
		ck_assert_int_eq(r, -1234);
	}
}
END_TEST

START_TEST(dac_zero_frames)
{
	/* goal: zero frames touches neither buffer. */
	struct codec c = fresh();
	int16_t buf[2] = { 7, 8 };

	unity_dac(&c);
	codec_dac_output(&c, buf, buf, 0);
	ck_assert_int_eq(buf[0], 7);
	ck_assert_int_eq(buf[1], 8);
	codec_dac_output(&c, NULL, NULL, 0);
}
END_TEST

START_TEST(adc_default_muted)
{
	/* goal: out of reset both record gains are muted, so the ADCs deliver silence. */
	struct codec c = fresh();
	int16_t in[2] = { 1000, -1000 };
	int16_t out[2] = { 1, 1 };

	codec_adc_input(&c, CODEC_CONV_ADC_LR, in, out, 1);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(out[1], 0);
	codec_adc_input(&c, CODEC_CONV_ADC_MIC, in, out, 2);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(out[1], 0);
}
END_TEST

START_TEST(adc_unity_bit_exact)
{
	/* goal: record gain 0 dB passes every int16 value unchanged, stereo and mic. */
	struct codec c = fresh();
	static int16_t in[65536 * 2];
	static int16_t out[65536 * 2];

	codec_write(&c, CODEC_RECORD_GAIN, 0x0000);
	codec_write(&c, CODEC_RECORD_GAIN_MIC, 0x0000);
	for (int32_t v = INT16_MIN; v <= INT16_MAX; v++) {
		size_t i = (size_t)(v - INT16_MIN);

		in[2 * i] = (int16_t)v;
		in[2 * i + 1] = (int16_t)(-1 - v);
	}
	codec_adc_input(&c, CODEC_CONV_ADC_LR, in, out, 65536);
	ck_assert(memcmp(in, out, sizeof in) == 0);
	memset(out, 0, sizeof out);
	codec_adc_input(&c, CODEC_CONV_ADC_MIC, in, out, 65536 * 2);
	ck_assert(memcmp(in, out, sizeof in) == 0);
}
END_TEST

START_TEST(adc_gain)
{
	/* goal: record gain adds 1.5 dB per step up to +22.5 dB, saturating; 1Eh drives mic only. */
	struct codec c = fresh();
	int16_t in[4] = { 1000, 1000, -1000, 3000 };
	int16_t out[4];

	codec_write(&c, CODEC_RECORD_GAIN, 0x0F01);	/* L +22.5, R +1.5 dB */
	codec_adc_input(&c, CODEC_CONV_ADC_LR, in, out, 2);
	ck_assert_int_eq(out[0], 13335);
	ck_assert_int_eq(out[1], 1189);
	ck_assert_int_eq(out[2], -13335);
	ck_assert_int_eq(out[3], 3566);

	codec_write(&c, CODEC_RECORD_GAIN, 0x000F);	/* R +22.5 dB: 3000 clips */
	codec_adc_input(&c, CODEC_CONV_ADC_LR, in, out, 2);
	ck_assert_int_eq(out[0], 1000);
	ck_assert_int_eq(out[3], INT16_MAX);

	codec_write(&c, CODEC_RECORD_GAIN_MIC, 0x000F);
	codec_adc_input(&c, CODEC_CONV_ADC_MIC, in, out, 4);
	ck_assert_int_eq(out[0], 13335);
	ck_assert_int_eq(out[1], 13335);
	ck_assert_int_eq(out[2], -13335);
	ck_assert_int_eq(out[3], INT16_MAX);
	/* The stereo record gain does not reach the mic ADC. */
	codec_write(&c, CODEC_RECORD_GAIN_MIC, 0x0000);
	codec_write(&c, CODEC_RECORD_GAIN, 0x0F0F);
	codec_adc_input(&c, CODEC_CONV_ADC_MIC, in, out, 1);
	ck_assert_int_eq(out[0], 1000);
}
END_TEST

START_TEST(adc_mute_and_powerdown)
{
	/* goal: each record mute silences its own ADC; PR0, PR3, PR5 silence both. */
	struct codec c = fresh();
	int16_t in[2] = { 1000, -1000 };
	int16_t out[2];

	codec_write(&c, CODEC_RECORD_GAIN, 0x8000);
	codec_write(&c, CODEC_RECORD_GAIN_MIC, 0x0000);
	codec_adc_input(&c, CODEC_CONV_ADC_LR, in, out, 1);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(out[1], 0);
	codec_adc_input(&c, CODEC_CONV_ADC_MIC, in, out, 2);
	ck_assert_int_eq(out[0], 1000);
	ck_assert_int_eq(out[1], -1000);

	codec_write(&c, CODEC_RECORD_GAIN, 0x0000);
	codec_write(&c, CODEC_RECORD_GAIN_MIC, 0x8000);
	codec_adc_input(&c, CODEC_CONV_ADC_LR, in, out, 1);
	ck_assert_int_eq(out[0], 1000);
	codec_adc_input(&c, CODEC_CONV_ADC_MIC, in, out, 1);
	ck_assert_int_eq(out[0], 0);

	codec_write(&c, CODEC_RECORD_GAIN_MIC, 0x0000);
	{
		static const uint16_t silent[] = { CODEC_PD_PR0_ADC, CODEC_PD_PR3_VREF,
						   CODEC_PD_PR5_CLOCK };
		static const uint16_t audible[] = { CODEC_PD_PR1_DAC, CODEC_PD_PR2_MIXER };

		for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++) {
			struct codec d = c;

			codec_write(&d, CODEC_POWERDOWN, silent[i]);
			codec_adc_input(&d, CODEC_CONV_ADC_LR, in, out, 1);
			ck_assert_int_eq(out[0], 0);
			codec_adc_input(&d, CODEC_CONV_ADC_MIC, in, out, 1);
			ck_assert_int_eq(out[0], 0);
		}
		for (size_t i = 0; i < sizeof audible / sizeof audible[0]; i++) {
			struct codec d = c;

			codec_write(&d, CODEC_POWERDOWN, audible[i]);
			codec_adc_input(&d, CODEC_CONV_ADC_LR, in, out, 1);
			ck_assert_int_eq(out[1], -1000);
			codec_adc_input(&d, CODEC_CONV_ADC_MIC, in, out, 1);
			ck_assert_int_eq(out[0], 1000);
		}
	}
}
END_TEST

START_TEST(parts_registry)
{
	/* goal: the registry names each part once, the default is the CS4205, find() finds each by
	 * name and nothing else, and every part powers on with the ready bits up. */
	ck_assert_ptr_eq(codec_part_default(), &codec_part_cs4205);
	ck_assert_uint_ge(codec_parts_count, 3);
	for (size_t i = 0; i < codec_parts_count; i++) {
		const struct codec_part *p = codec_parts[i];
		ck_assert_ptr_eq(codec_part_find(p->name), p);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(codec_parts[j]->name, p->name);
		struct codec c;
		codec_init(&c, p);
		ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN) & 0xF, 0xF);
		ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 48000);
	}
	ck_assert_ptr_null(codec_part_find("stac9700"));
	ck_assert_ptr_null(codec_part_find(""));
}
END_TEST

START_TEST(stac9700_qemu_table)
{
	/* goal: QEMU's STAC9700 (mixer_reset, nam_writew): its IDs, EAID 0809h and EACS 0009h
	 * (VRA and VRM on at reset), read-only volumes, masked master/PCM/record gain, rates kept
	 * as written (0 included, which stops the converter), EAPD always cleared in 26h and PR
	 * bits that power nothing down, and other registers plain storage. */
	struct codec c;
	codec_init(&c, &codec_part_stac9700_qemu);
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID1), 0x8384);
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID2), 0x7600);
	ck_assert_uint_eq(codec_read(&c, CODEC_RESET), 0x0000);
	ck_assert_uint_eq(codec_read(&c, CODEC_EXT_AUDIO_ID), 0x0809);
	ck_assert_uint_eq(codec_read(&c, CODEC_EXT_AUDIO_CTRL), 0x0009);
	ck_assert_uint_eq(codec_read(&c, CODEC_RECORD_GAIN), 0x8808);
	ck_assert_uint_eq(codec_read(&c, CODEC_AUX_OUT_VOL), 0x0000);
	codec_write(&c, CODEC_AUX_OUT_VOL, 0x1234);
	ck_assert_uint_eq(codec_read(&c, CODEC_AUX_OUT_VOL), 0x0000);
	codec_write(&c, CODEC_MASTER_VOL, 0xFFFF);
	ck_assert_uint_eq(codec_read(&c, CODEC_MASTER_VOL), 0xBF3F);
	codec_write(&c, CODEC_PCM_OUT_VOL, 0xFFFF);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_OUT_VOL), 0x9F1F);
	codec_write(&c, 0x24, 0xBEEF);
	ck_assert_uint_eq(codec_read(&c, 0x24), 0xBEEF);
	codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 0x2000);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 0x2000);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 0x2000);
	codec_write(&c, CODEC_PCM_FRONT_DAC_RATE, 0);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_DAC_FRONT), 0);
	codec_write(&c, CODEC_POWERDOWN, 0xFFFF);
	ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0x7FFF);
	ck_assert(!codec_link_powered_down(&c));
	codec_write(&c, CODEC_PCM_LR_ADC_RATE, 11025);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_LR), 11025);
	codec_write(&c, CODEC_EXT_AUDIO_CTRL, 0);
	ck_assert_uint_eq(codec_read(&c, CODEC_PCM_FRONT_DAC_RATE), 48000);
	codec_write(&c, CODEC_RESET, 0);
	ck_assert_uint_eq(codec_read(&c, 0x24), 0x0000);
	ck_assert_uint_eq(codec_read(&c, CODEC_MASTER_VOL), 0x8000);
}
END_TEST

START_TEST(stac9700_vbox_table)
{
	/* goal: VirtualBox's STAC9700 (ichac97R3MixerReset, ichac97IoPortNamWrite): its reset
	 * values, the D5/D13 rule of 02h, 04h ignored, record select without the mixes, other
	 * registers stored as written. */
	struct codec c;
	codec_init(&c, &codec_part_stac9700_vbox);
	ck_assert_uint_eq(codec_read(&c, CODEC_MONO_VOL), 0x8000);
	ck_assert_uint_eq(codec_read(&c, CODEC_LINE_IN_VOL), 0x8808);
	ck_assert_uint_eq(codec_read(&c, CODEC_RECORD_GAIN), 0x8000);
	ck_assert_uint_eq(codec_read(&c, CODEC_EXT_AUDIO_CTRL), 0x0009);
	codec_write(&c, CODEC_MASTER_VOL, 0x2020);
	ck_assert_uint_eq(codec_read(&c, CODEC_MASTER_VOL), 0x3F3F);
	codec_write(&c, CODEC_MASTER_VOL, 0x0102);
	ck_assert_uint_eq(codec_read(&c, CODEC_MASTER_VOL), 0x0102);
	codec_write(&c, CODEC_AUX_OUT_VOL, 0x0808);
	ck_assert_uint_eq(codec_read(&c, CODEC_AUX_OUT_VOL), 0x0000);
	codec_write(&c, CODEC_RECORD_SELECT, 0x0506);
	ck_assert_uint_eq(codec_read(&c, CODEC_RECORD_SELECT), 0x0000);
	codec_write(&c, CODEC_RECORD_SELECT, 0x0704);
	ck_assert_uint_eq(codec_read(&c, CODEC_RECORD_SELECT), 0x0704);
	codec_write(&c, CODEC_PHONE_VOL, 0xFFFF);
	ck_assert_uint_eq(codec_read(&c, CODEC_PHONE_VOL), 0xFFFF);
	codec_write(&c, CODEC_POWERDOWN, 0xFFF0);
	ck_assert_uint_eq(codec_read(&c, CODEC_POWERDOWN), 0xFFFF);
	ck_assert_uint_eq(codec_rate_hz(&c, CODEC_CONV_ADC_MIC), 48000);
}
END_TEST

START_TEST(cold_reset_keeps_part)
{
	/* goal: a cold reset brings a part's own reset values back (the device resets its codec
	 * on COLD#), while codec_reset() is the default part's power-on. */
	struct codec c;
	codec_init(&c, &codec_part_stac9700_qemu);
	codec_write(&c, CODEC_MASTER_VOL, 0x0000);
	codec_cold_reset(&c);
	ck_assert_ptr_eq(c.part, &codec_part_stac9700_qemu);
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID1), 0x8384);
	ck_assert_uint_eq(codec_read(&c, CODEC_MASTER_VOL), 0x8000);
	codec_reset(&c);
	ck_assert_ptr_eq(c.part, &codec_part_cs4205);
	ck_assert_uint_eq(codec_read(&c, CODEC_VENDOR_ID1), 0x4352);
}
END_TEST

/* One TCase per test, named "emu/codec/CASE", so that a failure report and
 * CK_RUN_CASE=emu/codec/CASE use the test's full name. */
#define ADD(s, name, fn)                                \
	do {                                            \
		TCase *tc_ = tcase_create("emu/codec/" name); \
		tcase_add_test(tc_, fn);                \
		suite_add_tcase((s), tc_);              \
	} while (0)

Suite *suite_codec(void)
{
	Suite *s = suite_create("emu/codec");

	ADD(s, "part_name", part_name);
	ADD(s, "reset_values", reset_values);
	ADD(s, "reset_is_cold", reset_is_cold);
	ADD(s, "vendor_id", vendor_id);
	ADD(s, "ext_audio_id", ext_audio_id);
	ADD(s, "reset_reg_caps", reset_reg_caps);
	ADD(s, "write_masks", write_masks);
	ADD(s, "volume_fields", volume_fields);
	ADD(s, "sixth_bit_clamp", sixth_bit_clamp);
	ADD(s, "unimplemented_regs", unimplemented_regs);
	ADD(s, "register_reset", register_reset);
	ADD(s, "odd_offsets", odd_offsets);
	ADD(s, "past_end", past_end);
	ADD(s, "rate_vra_off_ignored", rate_vra_off_ignored);
	ADD(s, "rate_vra_on", rate_vra_on);
	ADD(s, "rate_supported_set", rate_supported_set);
	ADD(s, "rate_decode_datasheet_examples", rate_decode_datasheet_examples);
	ADD(s, "rate_decode_every_value", rate_decode_every_value);
	ADD(s, "parts_registry", parts_registry);
	ADD(s, "stac9700_qemu_table", stac9700_qemu_table);
	ADD(s, "stac9700_vbox_table", stac9700_vbox_table);
	ADD(s, "cold_reset_keeps_part", cold_reset_keeps_part);
	ADD(s, "rate_vra_clear_restores_48k", rate_vra_clear_restores_48k);
	ADD(s, "rate_vrm_mic", rate_vrm_mic);
	ADD(s, "ext_ctrl_mask", ext_ctrl_mask);
	ADD(s, "rate_hz", rate_hz);
	ADD(s, "rate_hz_powerdown", rate_hz_powerdown);
	ADD(s, "powerdown_ready_bits", powerdown_ready_bits);
	ADD(s, "link_powerdown", link_powerdown);
	ADD(s, "pr5_sticky", pr5_sticky);
	ADD(s, "snapshot_is_copy", snapshot_is_copy);
	ADD(s, "dac_default_muted", dac_default_muted);
	ADD(s, "dac_unity_bit_exact", dac_unity_bit_exact);
	ADD(s, "dac_mute", dac_mute);
	ADD(s, "dac_minus_1p5db", dac_minus_1p5db);
	ADD(s, "dac_plus12db_saturation", dac_plus12db_saturation);
	ADD(s, "dac_master_attenuation", dac_master_attenuation);
	ADD(s, "dac_separate_lr", dac_separate_lr);
	ADD(s, "dac_powered_down", dac_powered_down);
	ADD(s, "dac_zero_frames", dac_zero_frames);
	ADD(s, "adc_default_muted", adc_default_muted);
	ADD(s, "adc_unity_bit_exact", adc_unity_bit_exact);
	ADD(s, "adc_gain", adc_gain);
	ADD(s, "adc_mute_and_powerdown", adc_mute_and_powerdown);
	return s;
}
