/*
 * codec.c - the AC'97 codec engine: one model for every part, driven by the
 * part's table (codec_part.h). What a part is, register by register, and
 * where its facts come from, is in its own file (codec_cs4205.c, ...).
 *
 * The engine's rules, for every part:
 *   - A register's kind (enum codec_reg_kind) says what a write does; its
 *     reset value and write mask come from the table. Offsets the table
 *     leaves out read 0 and ignore writes, or are plain storage when the
 *     part says so (unlisted_stored). Odd offsets read 0 and ignore writes
 *     [AC'97 2.3 Appendix A].
 *   - A write to 00h is a register reset: every register back to its reset
 *     value. On a part whose PR bits act, PR5 survives it (only a cold
 *     reset leaves PR5).
 *   - 2Ah's enables gate the rate registers: 2Ch/32h are written only while
 *     VRA is set, 34h while VRM is; clearing VRA (VRM) sets them back to
 *     48000 [AC'97 2.3 5.8.2]. What a written rate becomes is the part's
 *     rate rule.
 *   - The analogue path (codec_dac_output, codec_adc_input) is the same
 *     arithmetic for every part: 1.5 dB steps in integers.
 *
 * Decided here, where the sources were silent:
 *   - Ready bits follow the PR bits the moment they change (no power-up
 *     delay): the codec knows nothing of time.
 *   - codec_rate_hz() is 0 while PR4 (link down) or PR5 is set, or the
 *     converter's own PR bit (PR1 DAC, PR0 ADCs), on a part whose PR bits
 *     act; PR0 powers down both ADCs, L/R and mic.
 *   - Analogue path: the DAC output is silent while the DACs (PR1, PR5) or
 *     the mixer (PR2, PR3) are down; the ADC input is silent while the ADCs
 *     (PR0, PR5) or the reference (PR3) are down.
 *   - A master attenuation field of six bits (a part that stores all six)
 *     past 46.5 dB, the end of the gain table, is taken as 46.5 dB.
 *   - Writes are accepted whatever PR4 says: the device, not the codec,
 *     must not deliver accesses while the link is down.
 *
 * Not modelled:
 *   - Everything analogue beyond gain and mute: the input mixer (line, CD,
 *     video, aux, phone, beep, mic volume and boost), record source
 *     selection, tone control, 3D, mono and alternate outputs, EAPD. Their
 *     registers hold values; the PCM paths ignore them.
 *   - Sample rate conversion itself and SLOTREQ timing (the device does the
 *     cadence from codec_rate_hz()); converter word length (20/18 bits).
 *
 * The gains are integers: one constant Q16 table, one entry per 1.5 dB step
 * from +22.5 dB to -46.5 dB, rounded half away from zero so that positive
 * and negative samples are treated alike and no compiler's shift of a
 * negative number matters. 0 dB is exactly 65536, so it is bit-exact.
 */
#include "codec.h"

#include <assert.h>
#include <string.h>

#define RATE_48K 48000u

#define PD_READY_MASK 0x000Fu

#define VOL_MUTE 0x8000u

/*
 * round(65536 * 10^(-1.5 * k / 20)) for k = -15 .. 31, i.e. +22.5 dB down to
 * -46.5 dB. Computed once offline; a constant table keeps libm and floating
 * point out of the run-time path and makes every build produce the same
 * samples.
 */
#define GAIN_Q16_ONE 65536
#define GAIN_STEP_MIN (-15)
#define GAIN_STEP_MAX 31

static const int32_t gain_q16[GAIN_STEP_MAX - GAIN_STEP_MIN + 1] = {
	873937, 735326, 618700, 520571, 438006, 368536, 310084, 260904,
	219523, 184706, 155410, 130762, 110022, 92572, 77890, 65536,
	55142, 46396, 39037, 32846, 27636, 23253, 19565, 16462,
	13851, 11654, 9806, 8250, 6942, 5841, 4915, 4135,
	3479, 2927, 2463, 2072, 1744, 1467, 1234, 1039,
	874, 735, 619, 521, 438, 369, 310,
};

/* Q16 gain for an attenuation of `steps` x 1.5 dB (negative: gain). */
static int32_t gain_for_steps(int steps)
{
	assert(steps >= GAIN_STEP_MIN);
	assert(steps <= GAIN_STEP_MAX);
	return gain_q16[steps - GAIN_STEP_MIN];
}

/* x * gain / 65536, rounded half away from zero, saturated to int16.
 * Rounding on the magnitude keeps the result symmetric for +x and -x and
 * avoids right-shifting a negative value. A gain of 0 is mute. */
static int16_t apply_gain(int32_t x, int32_t gain_q16v)
{
	int64_t p = (int64_t)x * gain_q16v;
	int64_t mag = p < 0 ? -p : p;
	int64_t r = (mag + GAIN_Q16_ONE / 2) / GAIN_Q16_ONE;

	if (p < 0)
		r = -r;
	if (r > INT16_MAX)
		return INT16_MAX;
	if (r < INT16_MIN)
		return INT16_MIN;
	return (int16_t)r;
}

static bool offset_valid(uint32_t offset)
{
	return offset <= 0x7Eu && (offset & 1u) == 0;
}

static uint16_t reg_get(const struct codec *c, unsigned offset)
{
	return c->regs[offset / 2];
}

static void reg_set(struct codec *c, unsigned offset, uint16_t value)
{
	c->regs[offset / 2] = value;
}

static bool pd_live(const struct codec *c)
{
	return c->part->pd_rule == CODEC_PD_LIVE;
}

/* The PR bits that act on this part (none when they are only stored). */
static uint16_t pr_bits(const struct codec *c)
{
	return pd_live(c) ? reg_get(c, CODEC_POWERDOWN) : 0;
}

/* AC'97 volume fields are 6 bits; a part that implements 5 answers a
 * write of 1xxxxx with maximum attenuation, 011111 (per channel). */
static uint16_t clamp_sixth_bit(uint16_t v)
{
	if (v & 0x2000u)
		v = (uint16_t)((v & ~0x3F00u) | 0x1F00u);
	if (v & 0x0020u)
		v = (uint16_t)((v & ~0x003Fu) | 0x001Fu);
	return v;
}

/* A part that keeps six bits but fills the low five when the sixth is
 * written set (its host mixer has no finer steps there). */
static uint16_t fill_below_sixth_bit(uint16_t v)
{
	if (v & 0x2000u)
		v |= 0x1F00u;
	if (v & 0x0020u)
		v |= 0x001Fu;
	return v;
}

/* Record select with the mixes (5: stereo mix, 6: mono mix) read as the
 * mic (0): a host that has no such source. */
static uint16_t recsel_no_mix(uint16_t v)
{
	uint16_t r = v & 0x7u, l = (v >> 8) & 0x7u;
	if (r == 5 || r == 6)
		r = 0;
	if (l == 5 || l == 6)
		l = 0;
	return (uint16_t)(r | l << 8);
}

/* The ready bits are not stored state: they follow from the PR bits, so
 * they are recomputed whenever the PR bits change. */
static uint16_t powerdown_live_value(uint16_t pr, uint16_t writable)
{
	uint16_t ready = PD_READY_MASK;

	pr &= writable;
	if (pr & (CODEC_PD_PR0_ADC | CODEC_PD_PR5_CLOCK))
		ready &= (uint16_t)~CODEC_PD_ADC_READY;
	if (pr & (CODEC_PD_PR1_DAC | CODEC_PD_PR5_CLOCK))
		ready &= (uint16_t)~CODEC_PD_DAC_READY;
	if (pr & (CODEC_PD_PR2_MIXER | CODEC_PD_PR3_VREF))
		ready &= (uint16_t)~CODEC_PD_ANL_READY;
	if (pr & CODEC_PD_PR3_VREF)
		ready &= (uint16_t)~CODEC_PD_REF_READY;
	return (uint16_t)(pr | ready);
}

uint16_t codec_decode_rate(const struct codec_part *part, uint16_t value)
{
	switch (part->rate_rule) {
	case CODEC_RATE_AS_WRITTEN:
		return value;
	case CODEC_RATE_SR15_11_TABLE:
		return part->rate_by_sr15_11[value >> 11];
	}
	assert(false);	/* every rule is handled above */
	return value;
}

static void load_defaults(struct codec *c)
{
	for (unsigned i = 0; i < CODEC_REG_COUNT; i++)
		c->regs[i] = c->part->regs[i].reset;
}

/* A write to 00h: every audio register back to its default, except that
 * PR5 cannot be left without a cold reset. */
static void register_reset(struct codec *c)
{
	uint16_t pr5 = pr_bits(c) & CODEC_PD_PR5_CLOCK;

	load_defaults(c);
	if (pd_live(c))
		reg_set(c, CODEC_POWERDOWN,
			powerdown_live_value(pr5, c->part->regs[CODEC_POWERDOWN / 2].wmask));
}

static void write_powerdown(struct codec *c, uint16_t value)
{
	uint16_t wmask = c->part->regs[CODEC_POWERDOWN / 2].wmask;

	if (!pd_live(c)) {
		/* Stored: the ready bits read 1 whatever is written. */
		uint16_t v = (uint16_t)((value & wmask & ~c->part->pd_forced_clear) | PD_READY_MASK);
		reg_set(c, CODEC_POWERDOWN, v);
		return;
	}
	uint16_t sticky = reg_get(c, CODEC_POWERDOWN) & CODEC_PD_PR5_CLOCK;
	reg_set(c, CODEC_POWERDOWN, powerdown_live_value((uint16_t)(value | sticky), wmask));
}

/* Clearing an enable throws away the rates it guarded: the converters can
 * then only run at 48 kHz, and a later enable starts from there. */
static void write_ext_ctrl(struct codec *c, uint16_t value, uint16_t wmask)
{
	uint16_t v = value & wmask;

	reg_set(c, CODEC_EXT_AUDIO_CTRL, v);
	if (!(v & CODEC_EA_VRA)) {
		reg_set(c, CODEC_PCM_FRONT_DAC_RATE, RATE_48K);
		reg_set(c, CODEC_PCM_LR_ADC_RATE, RATE_48K);
	}
	if (!(v & CODEC_EA_VRM))
		reg_set(c, CODEC_PCM_MIC_ADC_RATE, RATE_48K);
}

const char *codec_part_name(void)
{
	return codec_part_default()->title;
}

void codec_init(struct codec *c, const struct codec_part *part)
{
	assert(c != NULL);
	memset(c, 0, sizeof *c);
	c->part = part != NULL ? part : codec_part_default();
	load_defaults(c);
	assert(reg_get(c, CODEC_POWERDOWN) == PD_READY_MASK);
}

void codec_reset(struct codec *c)
{
	codec_init(c, NULL);
}

void codec_cold_reset(struct codec *c)
{
	assert(c != NULL && c->part != NULL);
	codec_init(c, c->part);
}

void codec_warm_reset(struct codec *c)
{
	assert(c != NULL);
	if (!pd_live(c))
		return;	/* nothing was powered down */
	uint16_t pr = reg_get(c, CODEC_POWERDOWN) & (uint16_t)~CODEC_PD_PR4_LINK;
	reg_set(c, CODEC_POWERDOWN,
		powerdown_live_value(pr, c->part->regs[CODEC_POWERDOWN / 2].wmask));
}

uint16_t codec_read(const struct codec *c, uint32_t offset)
{
	assert(c != NULL);
	if (!offset_valid(offset))
		return 0;
	return c->regs[offset / 2];
}

void codec_write(struct codec *c, uint32_t offset, uint16_t value)
{
	const struct codec_reg_spec *d;
	uint16_t ext;

	assert(c != NULL);
	if (!offset_valid(offset))
		return;
	d = &c->part->regs[offset / 2];
	ext = reg_get(c, CODEC_EXT_AUDIO_CTRL);

	switch ((enum codec_reg_kind)d->kind) {
	case CRK_NONE:
		if (c->part->unlisted_stored)
			c->regs[offset / 2] = value;
		return;
	case CRK_CONST:
		return;
	case CRK_RESET:
		register_reset(c);
		return;
	case CRK_RW:
		c->regs[offset / 2] = value & d->wmask;
		return;
	case CRK_VOL5_CLAMP:
		c->regs[offset / 2] = clamp_sixth_bit(value & d->wmask);
		return;
	case CRK_VOL_D5_FILL:
		c->regs[offset / 2] = fill_below_sixth_bit(value & d->wmask);
		return;
	case CRK_RECSEL_NO_MIX:
		c->regs[offset / 2] = recsel_no_mix(value);
		return;
	case CRK_POWERDOWN:
		write_powerdown(c, value);
		return;
	case CRK_EXT_CTRL:
		write_ext_ctrl(c, value, d->wmask);
		return;
	case CRK_RATE_VRA:
		if (ext & CODEC_EA_VRA)
			c->regs[offset / 2] = codec_decode_rate(c->part, value);
		return;
	case CRK_RATE_VRM:
		if (ext & CODEC_EA_VRM)
			c->regs[offset / 2] = codec_decode_rate(c->part, value);
		return;
	}
	assert(false);	/* every kind is handled above */
}

bool codec_link_powered_down(const struct codec *c)
{
	assert(c != NULL);
	return (pr_bits(c) & CODEC_PD_PR4_LINK) != 0;
}

uint32_t codec_rate_hz(const struct codec *c, enum codec_converter conv)
{
	uint16_t pd;
	uint16_t ext;

	assert(c != NULL);
	pd = pr_bits(c);
	ext = reg_get(c, CODEC_EXT_AUDIO_CTRL);
	if (pd & (CODEC_PD_PR4_LINK | CODEC_PD_PR5_CLOCK))
		return 0;

	switch (conv) {
	case CODEC_CONV_DAC_FRONT:
		if (pd & CODEC_PD_PR1_DAC)
			return 0;
		return (ext & CODEC_EA_VRA) ? reg_get(c, CODEC_PCM_FRONT_DAC_RATE) : RATE_48K;
	case CODEC_CONV_ADC_LR:
		if (pd & CODEC_PD_PR0_ADC)
			return 0;
		return (ext & CODEC_EA_VRA) ? reg_get(c, CODEC_PCM_LR_ADC_RATE) : RATE_48K;
	case CODEC_CONV_ADC_MIC:
		if (pd & CODEC_PD_PR0_ADC)
			return 0;
		return (ext & CODEC_EA_VRM) ? reg_get(c, CODEC_PCM_MIC_ADC_RATE) : RATE_48K;
	case CODEC_CONV_COUNT:
		break;
	}
	assert(false);	/* not a converter: a bug in the caller */
	return 0;
}

/* Q16 gain of a 5-bit mixer gain field (01000 = 0 dB, +12 .. -34.5 dB). */
static int32_t mixer_gain(uint16_t field)
{
	return gain_for_steps((int)(field & 0x1Fu) - 8);
}

/* Q16 gain of a master attenuation field (0 = 0 dB .. -46.5 dB). A 5-bit
 * part never holds bit 5 (clamped on write); a 6-bit part's deeper steps
 * stop at the table's end. */
static int32_t master_gain(uint16_t field)
{
	int steps = (int)(field & 0x3Fu);
	return gain_for_steps(steps > GAIN_STEP_MAX ? GAIN_STEP_MAX : steps);
}

/* Q16 gain of a 4-bit record gain field (0 = 0 dB .. +22.5 dB). */
static int32_t record_gain(uint16_t field)
{
	return gain_for_steps(-(int)(field & 0x0Fu));
}

void codec_dac_output(const struct codec *c, const int16_t *in, int16_t *out, size_t n_frames)
{
	uint16_t pd, pcm, master;
	int32_t pcm_l, pcm_r, mst_l, mst_r;

	assert(c != NULL);
	assert(n_frames == 0 || (in != NULL && out != NULL));
	pd = pr_bits(c);
	pcm = reg_get(c, CODEC_PCM_OUT_VOL);
	master = reg_get(c, CODEC_MASTER_VOL);

	pcm_l = mixer_gain((uint16_t)(pcm >> 8));
	pcm_r = mixer_gain(pcm);
	mst_l = master_gain((uint16_t)(master >> 8));
	mst_r = master_gain(master);
	/* A gain of 0 is mute; a DAC or mixer that is powered down is silent
	 * whatever the volumes say. */
	if ((pcm & VOL_MUTE) || (master & VOL_MUTE) ||
	    (pd & (CODEC_PD_PR1_DAC | CODEC_PD_PR5_CLOCK |
		   CODEC_PD_PR2_MIXER | CODEC_PD_PR3_VREF))) {
		pcm_l = pcm_r = 0;
	}

	/* Reads each frame before writing it, so in == out is allowed. */
	for (size_t i = 0; i < n_frames; i++) {
		int16_t l = apply_gain(in[2 * i], pcm_l);
		int16_t r = apply_gain(in[2 * i + 1], pcm_r);

		out[2 * i] = apply_gain(l, mst_l);
		out[2 * i + 1] = apply_gain(r, mst_r);
	}
}

void codec_adc_input(const struct codec *c, enum codec_converter conv,
		     const int16_t *in, int16_t *out, size_t n_frames)
{
	uint16_t pd, reg;
	bool silent;

	assert(c != NULL);
	assert(conv == CODEC_CONV_ADC_LR || conv == CODEC_CONV_ADC_MIC);
	assert(n_frames == 0 || (in != NULL && out != NULL));
	pd = pr_bits(c);
	reg = reg_get(c, conv == CODEC_CONV_ADC_LR ? CODEC_RECORD_GAIN : CODEC_RECORD_GAIN_MIC);
	silent = (reg & VOL_MUTE) ||
		 (pd & (CODEC_PD_PR0_ADC | CODEC_PD_PR5_CLOCK | CODEC_PD_PR3_VREF));

	if (conv == CODEC_CONV_ADC_MIC) {
		int32_t g = silent ? 0 : record_gain(reg);

		if (g == GAIN_Q16_ONE || g == 0) {	/* as for PCM in, below */
			if (g == 0)
				memset(out, 0, n_frames * sizeof(*out));
			else if (out != in)
				memmove(out, in, n_frames * sizeof(*out));
			return;
		}
		for (size_t i = 0; i < n_frames; i++)
			out[i] = apply_gain(in[i], g);
		return;
	}

	int32_t g_l = silent ? 0 : record_gain((uint16_t)(reg >> 8));
	int32_t g_r = silent ? 0 : record_gain(reg);

	/* 0 dB (the reset value) keeps every sample exactly, and a mute or a
	 * powered-down ADC gives zeros: capture moves every sample it
	 * records through here. */
	if (g_l == GAIN_Q16_ONE && g_r == GAIN_Q16_ONE) {
		if (out != in)
			memmove(out, in, 2 * n_frames * sizeof(*out));
		return;
	}
	if (g_l == 0 && g_r == 0) {
		memset(out, 0, 2 * n_frames * sizeof(*out));
		return;
	}
	for (size_t i = 0; i < n_frames; i++) {
		out[2 * i] = apply_gain(in[2 * i], g_l);
		out[2 * i + 1] = apply_gain(in[2 * i + 1], g_r);
	}
}
