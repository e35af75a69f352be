/*
 * codec_cs4205.c - the Cirrus Logic CS4205 (revision A) as a part table:
 * the codec of the `ich` profile, modelled from its data sheet.
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
 *         could not be read: CS4201 (DS483PP3) 4.15 Table 8, CS4202 (DS549PP2)
 *         4.1, 4.2, 4.7, 4.14 Table 10; CS4297A (DS318PP6) 4.3, 4.8, 4.13;
 *         CS4299 (DS319PP6) 4.15, 4.16 Table 7.
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
 *            Ten rates are directly supported [DS 2.3, 5.17]: 8000, 9600,
 *            11025, 13714, 16000, 22050, 24000, 32000, 44100, 48000 Hz.
 *            A written value is decoded on SR[15:11] alone ("the range
 *            boundaries have been chosen so that only bits SR[15:11] of each
 *            register will have to be considered"), and a read returns the
 *            table's value, never the value written [DS 5.17].
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
 *   - The rate decode table (Table 12 of [DS]) itself could not be read.
 *     Ten of its 32 ranges follow from the text: each supported rate has a
 *     range of its own (1F40h is in 00011, 2580h in 00100, ..., BB80h in
 *     10111), and writing a rate must read it back, so every value in that
 *     2 KiB range reads that rate. The other 22 ranges follow the scheme of
 *     the siblings' tables [SIB CS4201 Table 8, CS4202 Table 10, CS4299
 *     Table 7], which the CS4205's ten known ranges also fit: a range that
 *     holds no supported rate decodes to the next supported rate above it,
 *     and everything above 48 kHz's range to 48 kHz. (So 0000h-17FFh read
 *     8000, 4000h-4FFFh 22050, 6000h-77FFh 32000, 8000h-A7FFh 44100 and
 *     B000h-FFFFh 48000, where the siblings agree on every boundary they
 *     share.)
 *   - Ready bits are set the moment the matching PR bit clears (no power-up
 *     delay): the codec knows nothing of time.
 *   - PR5 is sticky against writes to 26h and against a register reset;
 *     a cold reset clears it.
 *   - PR0 powers down both ADCs, L/R and mic: the data sheet names only the
 *     L/R ADCs, and whatever powers the mic ADC separately is in registers
 *     not modelled.
 *
 * Not modelled:
 *   - The Cirrus-defined registers 5Ah-7Ah (AC mode control, misc control,
 *     S/PDIF, serial ports, effects engine): they read 0 and ignore writes
 *     here, unlike the real part. Consequently AMAP in 28h never changes,
 *     the +10 dB mic boost and the S/PDIF output do not exist.
 *   - Secondary-codec configurations (ID pins): the part is always primary.
 */
#include "codec_part.h"

#define PD_WRITABLE (CODEC_PD_EAPD | CODEC_PD_PR5_CLOCK | CODEC_PD_PR4_LINK | \
		     CODEC_PD_PR3_VREF | CODEC_PD_PR2_MIXER | \
		     CODEC_PD_PR1_DAC | CODEC_PD_PR0_ADC)

static const uint16_t cs4205_rates_hz[] = {
	8000, 9600, 11025, 13714, 16000, 22050, 24000, 32000, 44100, 48000,
};

/* SR[15:11] -> the rate the register then holds (see "Decided here"). */
static const uint16_t cs4205_rate_by_sr15_11[32] = {
	/* 00000-00011: 0000h-1FFFh */ 8000, 8000, 8000, 8000,
	/* 00100 */ 9600, /* 00101 */ 11025, /* 00110 */ 13714, /* 00111 */ 16000,
	/* 01000-01010: 4000h-57FFh */ 22050, 22050, 22050,
	/* 01011 */ 24000,
	/* 01100-01111: 6000h-7FFFh */ 32000, 32000, 32000, 32000,
	/* 10000-10101: 8000h-AFFFh */ 44100, 44100, 44100, 44100, 44100, 44100,
	/* 10110-11111: B000h-FFFFh */ 48000, 48000, 48000, 48000, 48000, 48000, 48000, 48000,
	48000, 48000,
};

#define R(off) [(off) / 2]

const struct codec_part codec_part_cs4205 = {
	.name = "cs4205",
	.title = "Cirrus Logic CS4205 rev A",
	.source = "Cirrus Logic data sheet DS489PP4 (emu/codec_cs4205.c)",
	.regs = {
		R(CODEC_RESET) = { 0x2585, 0x0000, CRK_RESET },	/* SE=9, ID8, ID7, ID2, ID0 */
		R(CODEC_MASTER_VOL) = { 0x8000, 0xBF3F, CRK_VOL5_CLAMP },
		R(CODEC_AUX_OUT_VOL) = { 0x8000, 0xBF3F, CRK_VOL5_CLAMP },
		R(CODEC_MONO_VOL) = { 0x8000, 0x803F, CRK_VOL5_CLAMP },
		R(CODEC_MASTER_TONE) = { 0x0F0F, 0x0F0F, CRK_RW },
		R(CODEC_PC_BEEP_VOL) = { 0x0000, 0x801E, CRK_RW },
		R(CODEC_PHONE_VOL) = { 0x8008, 0x801F, CRK_RW },
		R(CODEC_MIC_VOL) = { 0x8008, 0x805F, CRK_RW },
		R(CODEC_LINE_IN_VOL) = { 0x8808, 0x9F1F, CRK_RW },
		R(CODEC_CD_VOL) = { 0x8808, 0x9F1F, CRK_RW },
		R(CODEC_VIDEO_VOL) = { 0x8808, 0x9F1F, CRK_RW },
		R(CODEC_AUX_IN_VOL) = { 0x8808, 0x9F1F, CRK_RW },
		R(CODEC_PCM_OUT_VOL) = { 0x8808, 0x9F1F, CRK_RW },
		R(CODEC_RECORD_SELECT) = { 0x0000, 0x0707, CRK_RW },
		R(CODEC_RECORD_GAIN) = { 0x8000, 0x8F0F, CRK_RW },
		R(CODEC_RECORD_GAIN_MIC) = { 0x8000, 0x800F, CRK_RW },
		R(CODEC_GENERAL_PURPOSE) = { 0x0000, 0x2180, CRK_RW },
		R(CODEC_3D_CONTROL) = { 0x0000, 0x0F0F, CRK_RW },
		R(CODEC_POWERDOWN) = { 0x000F, PD_WRITABLE, CRK_POWERDOWN },
		R(CODEC_EXT_AUDIO_ID) = { 0x0209, 0x0000, CRK_CONST },	/* AMAP, VRM, VRA */
		R(CODEC_EXT_AUDIO_CTRL) = { 0x0000, CODEC_EA_VRA | CODEC_EA_VRM, CRK_EXT_CTRL },
		R(CODEC_PCM_FRONT_DAC_RATE) = { 48000, 0xFFFF, CRK_RATE_VRA },
		R(CODEC_PCM_LR_ADC_RATE) = { 48000, 0xFFFF, CRK_RATE_VRA },
		R(CODEC_PCM_MIC_ADC_RATE) = { 48000, 0xFFFF, CRK_RATE_VRM },
		R(CODEC_VENDOR_ID1) = { 0x4352, 0x0000, CRK_CONST },	/* "CR" */
		R(CODEC_VENDOR_ID2) = { 0x5959, 0x0000, CRK_CONST },	/* "Y", DID 101, 1, REV 001 */
	},
	.unlisted_stored = false,
	.rate_rule = CODEC_RATE_SR15_11_TABLE,
	.rate_by_sr15_11 = cs4205_rate_by_sr15_11,
	.rates_hz = cs4205_rates_hz,
	.n_rates = sizeof cs4205_rates_hz / sizeof cs4205_rates_hz[0],
	.pd_rule = CODEC_PD_LIVE,
	.pd_forced_clear = 0,
};
