/*
 * codec.c - the Cirrus Logic CS4205 (revision A) AC'97 audio codec, as seen
 * through its register file and its converters.
 *
 * Why this part: among the parts whose data sheets could be read, it is the
 * one that has everything the controller model exercises: variable rate PCM
 * (VRA) *and* a dedicated microphone ADC with variable rate (VRM), the Mic
 * ADC rate register 34h, the mic record gain register 1Eh, and a discrete set
 * of rates between 8 and 48 kHz. The AD1981B, ALC650/655 and STAC9750 have no
 * mic ADC and no VRM. The CS4205 declares AC'97 revision 2.1 (REV bits 00 in
 * 28h); the registers it shares with AC'97 2.3 behave as 2.3 describes them.
 *
 * Sources (by document; nothing here is copied from them):
 *   [DS]  Cirrus Logic, "CS4205 CrystalClear Audio Codec '97 for Portable
 *         Computing", data sheet DS489PP4: features page, 2.3 (sample rate
 *         converters), 5.3 (06h), 5.4 (08h), 5.7 (0Eh), 5.10 (1Ch), 5.11
 *         (1Eh), 5.15 (28h), 5.17 (2Ch-34h), 5.38/5.39 (7Ch/7Eh), 10.2
 *         (powerdown controls).
 *   [SPEC] Intel, "Audio Codec '97 Component Specification" rev 2.3 rev 1.0:
 *         5.7.1 (00h), 5.7.2 (02h-06h), 5.7.4 (0Ah), 5.7.7 (1Ch/1Eh), 5.7.8
 *         (20h), 5.7.11 (26h), 5.8.1-5.8.3 (28h-34h), 7 (power management),
 *         Appendix A (register set summary, odd offsets).
 *   [SIB] Data sheets of the CS4205's siblings, used where the CS4205 pages
 *         could not be read: CS4202 (DS549PP2) 4.1, 4.2, 4.7, 4.14; CS4297A
 *         (DS318PP6) 4.3, 4.8, 4.13; CS4299 (DS319PP6) 4.15.
 *
 * Facts relied on:
 *   7Ch/7Eh  4352h 5959h: "CRY", then 0, DID=101 (CS4205), 1, REV=001 (A)
 *            [DS 5.38/5.39]; Linux's ac97_id.h lists the CS4205 as
 *            0x43525958 under a revision mask, which agrees.
 *   28h      0209h, read-only: VRA, VRM, AMAP; ID=00 (primary) [DS 5.15].
 *   2Ah      VRA (bit 0) and VRM (bit 3) are the SRC enables of 2Ch/32h and
 *            34h [DS 5.17]; nothing else is writable since 28h advertises no
 *            DRA, SPDIF or extra DACs (the part's S/PDIF is driven from its
 *            Cirrus-defined registers). Reset 0000h [SPEC 5.8.2].
 *   2Ch/32h/34h  BB80h at reset; writable only while VRA (2Ch, 32h) or VRM
 *            (34h) is set, otherwise writes are ignored and they read BB80h
 *            [DS 5.17]; clearing VRA forces BB80h [SPEC 5.8.2], and likewise
 *            VRM for 34h (the data sheet: "will always read BB80h").
 *            Ten rates are directly supported [DS 2.3]: 8000, 9600, 11025,
 *            13714, 16000, 22050, 24000, 32000, 44100, 48000 Hz.
 *   00h      Read-only capabilities; any write is a register reset of the
 *            audio registers [SPEC 5.7.1], 00h-3Ah on the Cirrus parts [SIB
 *            CS4202 4.1]. ID0 (dedicated mic ADC), ID2 (bass/treble), ID7
 *            (20-bit DAC) and ID8 (18-bit ADC) follow from the feature list
 *            [DS]; SE=9 (SRS Labs) from its SRS 3D feature and the SPEC 3D
 *            vendor table. ID4 (headphone) is not claimed. Value: 2585h.
 *   02h/04h  8000h; 5 bits per channel, writing bit 5 (13) forces bits 4:0
 *            (12:8) to 1 and the register reads back 011111 [DS 5.3 refers
 *            to the same attenuation table; SIB CS4202 4.2, CS4297A 4.3].
 *   06h      8000h, mute + MM[5:0] with the same 5-bit clamp [DS 5.3].
 *   08h      0F0Fh, BA[3:0] bits 11:8, TR[3:0] bits 3:0 [DS 5.4].
 *   0Ah      0000h, mute + PV[3:0] in bits 4:1; no beep generator (F[7:0]
 *            read 0) [SPEC 5.7.4; the part has "PC beep bypass" only].
 *   0Ch      8008h, mute + 5-bit gain [SPEC; SIB].
 *   0Eh      8008h, mute, 20 dB boost (bit 6), GN[4:0] [DS 5.7].
 *   10h-18h  8808h, mute + GL[4:0] (12:8) + GR[4:0] (4:0), 01000 = 0 dB,
 *            +12 .. -34.5 dB in 1.5 dB steps [SIB CS4202 4.7, CS4297A 4.8];
 *            line, CD, video and aux inputs exist [DS features].
 *   1Ah      0000h, SL[2:0] (10:8), SR[2:0] (2:0) [SPEC].
 *   1Ch      8000h, mute + GL[3:0] (11:8) + GR[3:0] (3:0), 0 .. +22.5 dB
 *            [DS 5.10].
 *   1Eh      8000h, mute + GM[3:0], 0 .. +22.5 dB [DS 5.11].
 *   20h      0000h; MS exists (mic select) [DS 5.7]; 3D from the SRS
 *            feature; LPBK as on the other Cirrus parts. Mask 2180h.
 *   22h      0000h; depth and centre fields of [SPEC] (mask 0F0Fh).
 *   26h      EAPD and PR[5:0] writable ([DS 10.2] names PR[5:0] only, so
 *            PR6 reads 0); bits 3:0 read-only ready bits [SPEC 5.7.11].
 *            PR0 clears ADC, PR1 clears DAC, PR2 clears ANL, PR3 clears ANL
 *            and REF; PR5 stops the internal clocks and powers down the
 *            DACs and ADCs but keeps the analog mixer, and only a cold reset
 *            undoes it; PR4 stops the AC-link until a warm reset [DS 10.2,
 *            SPEC 7].
 *   odd offsets read 0 and ignore writes [SPEC Appendix A].
 *
 * Decided here, where the sources were silent or could not be read:
 *   - Rate rounding: the data sheet decodes an unsupported value on
 *     SR[15:11] with a range table (Table 12) whose boundaries could not be
 *     read; this model picks the nearest supported rate (ties go to the
 *     lower one). Both agree on every supported rate and on everything below
 *     8000 or above 48000; near the midpoint between two neighbours the real
 *     part may pick the other one.
 *   - Ready bits are set the moment the matching PR bit clears (no power-up
 *     delay): the codec knows nothing of time.
 *   - PR5 is sticky against writes to 26h and against a register reset;
 *     codec_reset() (cold) clears it.
 *   - PR0 powers down both ADCs, L/R and mic: the data sheet names only the
 *     L/R ADCs, and whatever powers the mic ADC separately is in registers
 *     not modelled.
 *   - codec_rate_hz() is 0 while PR4 (link down) or PR5 is set, or the
 *     converter's own PR bit (PR1 DAC, PR0 ADCs).
 *   - Analogue path: the DAC output is silent while the DACs (PR1, PR5) or
 *     the mixer (PR2, PR3) are down; the ADC input is silent while the ADCs
 *     (PR0, PR5) or the reference (PR3) are down.
 *   - Writes are accepted whatever PR4 says: the device, not the codec,
 *     must not deliver accesses while the link is down.
 *
 * Not modelled:
 *   - The Cirrus-defined registers 5Ah-7Ah (AC mode control, misc control,
 *     S/PDIF, serial ports, effects engine): they read 0 and ignore writes
 *     here, unlike the real part. Consequently AMAP in 28h never changes,
 *     the +10 dB mic boost and the S/PDIF output do not exist.
 *   - Secondary-codec configurations (ID pins): the part is always primary.
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

#define CS4205_CAPS 0x2585u	/* SE=9, ID8, ID7, ID2, ID0 */
#define CS4205_EXT_ID 0x0209u	/* AMAP, VRM, VRA; primary */
#define CS4205_VENDOR1 0x4352u	/* "CR" */
#define CS4205_VENDOR2 0x5959u	/* "Y", DID 101, 1, REV 001 */

#define RATE_48K 48000u

#define PD_READY_MASK 0x000Fu
#define PD_WRITABLE (CODEC_PD_EAPD | CODEC_PD_PR5_CLOCK | CODEC_PD_PR4_LINK | \
		     CODEC_PD_PR3_VREF | CODEC_PD_PR2_MIXER | \
		     CODEC_PD_PR1_DAC | CODEC_PD_PR0_ADC)

#define EXT_CTRL_WRITABLE (CODEC_EA_VRA | CODEC_EA_VRM)

#define VOL_MUTE 0x8000u

/* How a register behaves on write. REG_NONE is zero so that every offset
 * not named in reg_map is unimplemented: reads 0, ignores writes. */
enum reg_kind {
	REG_NONE = 0,
	REG_CONST,		/* read-only identification */
	REG_RESET,		/* 00h: a write is a register reset */
	REG_RW,			/* plain storage under the write mask */
	REG_VOL5,		/* 5-bit volume(s) in a 6-bit AC'97 field */
	REG_POWERDOWN,		/* 26h: PR bits plus derived ready bits */
	REG_EXT_CTRL,		/* 2Ah: VRA/VRM, which gate the rates */
	REG_RATE_VRA,		/* 2Ch, 32h */
	REG_RATE_VRM,		/* 34h */
};

struct reg_desc {
	uint16_t reset;
	uint16_t wmask;
	uint8_t kind;
};

#define R(off) [(off) / 2]

static const struct reg_desc reg_map[CODEC_REG_COUNT] = {
	R(CODEC_RESET) = { CS4205_CAPS, 0x0000, REG_RESET },
	R(CODEC_MASTER_VOL) = { 0x8000, 0xBF3F, REG_VOL5 },
	R(CODEC_AUX_OUT_VOL) = { 0x8000, 0xBF3F, REG_VOL5 },
	R(CODEC_MONO_VOL) = { 0x8000, 0x803F, REG_VOL5 },
	R(CODEC_MASTER_TONE) = { 0x0F0F, 0x0F0F, REG_RW },
	R(CODEC_PC_BEEP_VOL) = { 0x0000, 0x801E, REG_RW },
	R(CODEC_PHONE_VOL) = { 0x8008, 0x801F, REG_RW },
	R(CODEC_MIC_VOL) = { 0x8008, 0x805F, REG_RW },
	R(CODEC_LINE_IN_VOL) = { 0x8808, 0x9F1F, REG_RW },
	R(CODEC_CD_VOL) = { 0x8808, 0x9F1F, REG_RW },
	R(CODEC_VIDEO_VOL) = { 0x8808, 0x9F1F, REG_RW },
	R(CODEC_AUX_IN_VOL) = { 0x8808, 0x9F1F, REG_RW },
	R(CODEC_PCM_OUT_VOL) = { 0x8808, 0x9F1F, REG_RW },
	R(CODEC_RECORD_SELECT) = { 0x0000, 0x0707, REG_RW },
	R(CODEC_RECORD_GAIN) = { 0x8000, 0x8F0F, REG_RW },
	R(CODEC_RECORD_GAIN_MIC) = { 0x8000, 0x800F, REG_RW },
	R(CODEC_GENERAL_PURPOSE) = { 0x0000, 0x2180, REG_RW },
	R(CODEC_3D_CONTROL) = { 0x0000, 0x0F0F, REG_RW },
	R(CODEC_POWERDOWN) = { PD_READY_MASK, PD_WRITABLE, REG_POWERDOWN },
	R(CODEC_EXT_AUDIO_ID) = { CS4205_EXT_ID, 0x0000, REG_CONST },
	R(CODEC_EXT_AUDIO_CTRL) = { 0x0000, EXT_CTRL_WRITABLE, REG_EXT_CTRL },
	R(CODEC_PCM_FRONT_DAC_RATE) = { RATE_48K, 0xFFFF, REG_RATE_VRA },
	R(CODEC_PCM_LR_ADC_RATE) = { RATE_48K, 0xFFFF, REG_RATE_VRA },
	R(CODEC_PCM_MIC_ADC_RATE) = { RATE_48K, 0xFFFF, REG_RATE_VRM },
	R(CODEC_VENDOR_ID1) = { CS4205_VENDOR1, 0x0000, REG_CONST },
	R(CODEC_VENDOR_ID2) = { CS4205_VENDOR2, 0x0000, REG_CONST },
};

#undef R

/* Ascending, so that the nearest rate is found in one pass. */
static const uint16_t supported_rates_hz[] = {
	8000, 9600, 11025, 13714, 16000, 22050, 24000, 32000, 44100, 48000,
};

#define N_RATES (sizeof supported_rates_hz / sizeof supported_rates_hz[0])

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

/* AC'97 volume fields are 6 bits; this part implements 5 and answers a
 * write of 1xxxxx with maximum attenuation, 011111 (per channel). */
static uint16_t clamp_sixth_bit(uint16_t v)
{
	if (v & 0x2000u)
		v = (uint16_t)((v & ~0x3F00u) | 0x1F00u);
	if (v & 0x0020u)
		v = (uint16_t)((v & ~0x003Fu) | 0x001Fu);
	return v;
}

/* The ready bits are not stored state: they follow from the PR bits, so
 * they are recomputed whenever the PR bits change. */
static uint16_t powerdown_value(uint16_t pr)
{
	uint16_t ready = PD_READY_MASK;

	pr &= PD_WRITABLE;
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

static uint16_t nearest_supported_rate(uint16_t hz)
{
	uint16_t best = supported_rates_hz[0];
	unsigned best_dist = hz > best ? (unsigned)(hz - best) : (unsigned)(best - hz);

	for (size_t i = 1; i < N_RATES; i++) {
		uint16_t r = supported_rates_hz[i];
		unsigned dist = hz > r ? (unsigned)(hz - r) : (unsigned)(r - hz);

		/* Strictly less: a tie keeps the lower rate. */
		if (dist < best_dist) {
			best = r;
			best_dist = dist;
		}
	}
	return best;
}

static void load_defaults(struct codec *c)
{
	for (unsigned i = 0; i < CODEC_REG_COUNT; i++)
		c->regs[i] = reg_map[i].reset;
}

/* A write to 00h: every audio register back to its default, except that
 * PR5 cannot be left without a cold reset. */
static void register_reset(struct codec *c)
{
	uint16_t pr5 = reg_get(c, CODEC_POWERDOWN) & CODEC_PD_PR5_CLOCK;

	load_defaults(c);
	reg_set(c, CODEC_POWERDOWN, powerdown_value(pr5));
}

static void write_powerdown(struct codec *c, uint16_t value)
{
	uint16_t sticky = reg_get(c, CODEC_POWERDOWN) & CODEC_PD_PR5_CLOCK;

	reg_set(c, CODEC_POWERDOWN, powerdown_value((uint16_t)(value | sticky)));
}

/* Clearing an enable throws away the rates it guarded: the converters can
 * then only run at 48 kHz, and a later enable starts from there. */
static void write_ext_ctrl(struct codec *c, uint16_t value)
{
	uint16_t v = value & EXT_CTRL_WRITABLE;

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
	return "Cirrus Logic CS4205 rev A";
}

void codec_reset(struct codec *c)
{
	assert(c != NULL);
	memset(c, 0, sizeof *c);
	load_defaults(c);
	assert(reg_get(c, CODEC_POWERDOWN) == PD_READY_MASK);
}

void codec_warm_reset(struct codec *c)
{
	uint16_t pr;

	assert(c != NULL);
	pr = reg_get(c, CODEC_POWERDOWN) & (uint16_t)~CODEC_PD_PR4_LINK;
	reg_set(c, CODEC_POWERDOWN, powerdown_value(pr));
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
	const struct reg_desc *d;
	uint16_t ext;

	assert(c != NULL);
	if (!offset_valid(offset))
		return;
	d = &reg_map[offset / 2];
	ext = reg_get(c, CODEC_EXT_AUDIO_CTRL);

	switch ((enum reg_kind)d->kind) {
	case REG_NONE:
	case REG_CONST:
		return;
	case REG_RESET:
		register_reset(c);
		return;
	case REG_RW:
		c->regs[offset / 2] = value & d->wmask;
		return;
	case REG_VOL5:
		c->regs[offset / 2] = clamp_sixth_bit(value & d->wmask);
		return;
	case REG_POWERDOWN:
		write_powerdown(c, value);
		return;
	case REG_EXT_CTRL:
		write_ext_ctrl(c, value);
		return;
	case REG_RATE_VRA:
		if (ext & CODEC_EA_VRA)
			c->regs[offset / 2] = nearest_supported_rate(value);
		return;
	case REG_RATE_VRM:
		if (ext & CODEC_EA_VRM)
			c->regs[offset / 2] = nearest_supported_rate(value);
		return;
	}
	assert(false);	/* every kind is handled above */
}

bool codec_link_powered_down(const struct codec *c)
{
	assert(c != NULL);
	return (reg_get(c, CODEC_POWERDOWN) & CODEC_PD_PR4_LINK) != 0;
}

uint32_t codec_rate_hz(const struct codec *c, enum codec_converter conv)
{
	uint16_t pd;
	uint16_t ext;

	assert(c != NULL);
	pd = reg_get(c, CODEC_POWERDOWN);
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

/* Q16 gain of a 5-bit master attenuation field (0 = 0 dB .. -46.5 dB). The
 * register never holds bit 5 (clamped on write). */
static int32_t master_gain(uint16_t field)
{
	return gain_for_steps((int)(field & 0x1Fu));
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
	pd = reg_get(c, CODEC_POWERDOWN);
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
	pd = reg_get(c, CODEC_POWERDOWN);
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
