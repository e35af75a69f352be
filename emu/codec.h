/*
 * codec.h - an AC'97 2.3 codec behind the AC-link (the NAMBAR register
 * space), modelled on a named part given as data (codec_part.h): the
 * CS4205 by default (codec_cs4205.c), or the part another emulator models.
 *
 * The codec owns: its mixer registers with their reset values, read-only
 * bits and write masks; the converter rates (VRA/VRM) decoded as the part
 * decodes them; the powerdown register and its ready bits; and the
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

#include "codec_part.h"
#include "codec_regs.h"

/* The converters whose sample cadence the controller follows. */
enum codec_converter {
	CODEC_CONV_DAC_FRONT,	/* PCM out (PO) */
	CODEC_CONV_ADC_LR,	/* PCM in (PI) */
	CODEC_CONV_ADC_MIC,	/* mic in (MC) */
	CODEC_CONV_COUNT
};

struct codec {
	const struct codec_part *part;	/* never NULL once initialised */
	uint16_t regs[CODEC_REG_COUNT];	/* indexed by offset / 2 */
};

/* Title of the default part (the ich profile's), e.g. for `ac97sim --version`. */
const char *codec_part_name(void);

/* Power-on state of part (NULL: the default part): every register at its
 * reset value. */
void codec_init(struct codec *c, const struct codec_part *part);

/* Power-on state of the default part: codec_init(c, NULL). */
void codec_reset(struct codec *c);

/* Cold reset (RESET# asserted): every register back to its reset value,
 * the part kept. */
void codec_cold_reset(struct codec *c);

/* Warm reset (SYNC pulsed while BIT_CLK is stopped): the codec restarts the
 * AC-link, so PR4 clears; every other register keeps its value. PR5 (internal
 * clocks off) survives: only codec_reset() brings the part back from it. */
void codec_warm_reset(struct codec *c);

/* Register read at an even offset 0x00..0x7E. Odd offsets and offsets past
 * 0x7E read 0 (the device handles "no codec there" before calling). */
uint16_t codec_read(const struct codec *c, uint32_t offset);

/* Register write: read-only and unimplemented bits are kept, rates are
 * decoded by the part's rule, a write to 0x00 resets the mixer registers
 * (what else it does is the controller's: the profile's). Offsets that are
 * odd or past 0x7E are ignored. */
void codec_write(struct codec *c, uint32_t offset, uint16_t value);

/* What the part keeps of value written to a rate register (while its
 * enable is on): the part's rate decode, exposed for tests and for probing
 * which rates a part runs at. */
uint16_t codec_decode_rate(const struct codec_part *part, uint16_t value);

/* Sample rate the converter is asking for now, in Hz: 48000 unless variable
 * rate is enabled for it; 0 when the converter is powered down (a part
 * whose PR bits act, CODEC_PD_LIVE). A part that keeps rates as written
 * can return any 16-bit value, 0 included: the device decides what a rate
 * the AC-link cannot carry does. */
uint32_t codec_rate_hz(const struct codec *c, enum codec_converter conv);

/* True while the codec holds the AC-link powered down (PR4, on a part
 * whose PR bits act). */
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
