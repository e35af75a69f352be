/*
 * codec.h - an AC'97 2.3 codec behind the AC-link (the NAMBAR register
 * space), modelled on one named real part (see codec.c for which, and for
 * the sources of its reset values and write masks).
 *
 * The codec owns: its mixer registers with their reset values, read-only
 * bits and write masks; the converter rates (VRA/VRM) rounded to the rates
 * the part supports; the powerdown register and its ready bits; and the
 * arithmetic of its analogue path (mute and 1.5 dB volume steps), applied to
 * PCM in integers so that 0 dB is bit-exact.
 *
 * It knows nothing of time or of the controller: the device decides when an
 * access reaches the codec and asks the codec which rates are in force.
 */
#ifndef AC97SIM_CODEC_H
#define AC97SIM_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CODEC_REG_COUNT 64	/* 16-bit registers at even offsets 0x00..0x7E */

/* Register offsets (AC'97 2.3, section 5.7). */
enum codec_reg {
	CODEC_RESET = 0x00,
	CODEC_MASTER_VOL = 0x02,
	CODEC_AUX_OUT_VOL = 0x04,
	CODEC_MONO_VOL = 0x06,
	CODEC_MASTER_TONE = 0x08,
	CODEC_PC_BEEP_VOL = 0x0A,
	CODEC_PHONE_VOL = 0x0C,
	CODEC_MIC_VOL = 0x0E,
	CODEC_LINE_IN_VOL = 0x10,
	CODEC_CD_VOL = 0x12,
	CODEC_VIDEO_VOL = 0x14,
	CODEC_AUX_IN_VOL = 0x16,
	CODEC_PCM_OUT_VOL = 0x18,
	CODEC_RECORD_SELECT = 0x1A,
	CODEC_RECORD_GAIN = 0x1C,
	CODEC_RECORD_GAIN_MIC = 0x1E,
	CODEC_GENERAL_PURPOSE = 0x20,
	CODEC_3D_CONTROL = 0x22,
	CODEC_POWERDOWN = 0x26,
	CODEC_EXT_AUDIO_ID = 0x28,
	CODEC_EXT_AUDIO_CTRL = 0x2A,
	CODEC_PCM_FRONT_DAC_RATE = 0x2C,
	CODEC_PCM_SURR_DAC_RATE = 0x2E,
	CODEC_PCM_LFE_DAC_RATE = 0x30,
	CODEC_PCM_LR_ADC_RATE = 0x32,
	CODEC_PCM_MIC_ADC_RATE = 0x34,
	CODEC_VENDOR_ID1 = 0x7C,
	CODEC_VENDOR_ID2 = 0x7E,
};

/* Powerdown register (0x26) bits. */
#define CODEC_PD_ADC_READY 0x0001u
#define CODEC_PD_DAC_READY 0x0002u
#define CODEC_PD_ANL_READY 0x0004u
#define CODEC_PD_REF_READY 0x0008u
#define CODEC_PD_PR0_ADC 0x0100u
#define CODEC_PD_PR1_DAC 0x0200u
#define CODEC_PD_PR2_MIXER 0x0400u
#define CODEC_PD_PR3_VREF 0x0800u
#define CODEC_PD_PR4_LINK 0x1000u
#define CODEC_PD_PR5_CLOCK 0x2000u
#define CODEC_PD_PR6_HP 0x4000u
#define CODEC_PD_EAPD 0x8000u

/* Extended audio status/control (0x2A) enables. */
#define CODEC_EA_VRA 0x0001u
#define CODEC_EA_DRA 0x0002u
#define CODEC_EA_SPDIF 0x0004u
#define CODEC_EA_VRM 0x0008u

/* The converters whose sample cadence the controller follows. */
enum codec_converter {
	CODEC_CONV_DAC_FRONT,	/* PCM out (PO) */
	CODEC_CONV_ADC_LR,	/* PCM in (PI) */
	CODEC_CONV_ADC_MIC,	/* mic in (MC) */
	CODEC_CONV_COUNT
};

struct codec {
	uint16_t regs[CODEC_REG_COUNT];	/* indexed by offset / 2 */
};

/* Name of the modelled part, e.g. for `ac97sim --version`. */
const char *codec_part_name(void);

/* Power-on (cold reset) state: every register at its reset value. */
void codec_reset(struct codec *c);

/* Warm reset (SYNC pulsed while BIT_CLK is stopped): the codec restarts the
 * AC-link, so PR4 clears; every other register keeps its value. PR5 (internal
 * clocks off) survives: only codec_reset() brings the part back from it. */
void codec_warm_reset(struct codec *c);

/* Register read at an even offset 0x00..0x7E. Odd offsets and offsets past
 * 0x7E read 0 (the device handles "no codec there" before calling). */
uint16_t codec_read(const struct codec *c, uint32_t offset);

/* Register write: read-only and unimplemented bits are kept, rates are
 * rounded to a supported rate, a write to 0x00 resets the mixer registers
 * (never the controller). Offsets that are odd or past 0x7E are ignored. */
void codec_write(struct codec *c, uint32_t offset, uint16_t value);

/* Sample rate the converter is asking for now, in Hz: 48000 unless variable
 * rate is enabled for it; 0 when the converter is powered down. */
uint32_t codec_rate_hz(const struct codec *c, enum codec_converter conv);

/* True while the codec holds the AC-link powered down (PR4). */
bool codec_link_powered_down(const struct codec *c);

/* The analogue output of the DAC path for n_frames interleaved stereo
 * frames: PCM-out volume then master volume, each with mute and 1.5 dB
 * steps, saturating. At 0 dB and unmuted the output equals the input. */
void codec_dac_output(const struct codec *c, const int16_t *in, int16_t *out, size_t n_frames);

/* What the ADC path makes of an input signal (record gain, mute): stereo
 * for CODEC_CONV_ADC_LR, mono for CODEC_CONV_ADC_MIC. */
void codec_adc_input(const struct codec *c, enum codec_converter conv,
		     const int16_t *in, int16_t *out, size_t n_frames);

#endif
