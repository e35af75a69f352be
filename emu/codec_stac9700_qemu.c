/*
 * codec_stac9700_qemu.c - the SigmaTel STAC9700 as QEMU models it: the
 * codec of the `qemu` profile.
 *
 * Source: QEMU hw/audio/ac97.c (read at the 2024/25 master; the 2013 copy
 * has the same functions): mixer_reset (reset values), nam_writew (what a
 * write does), set_volume (masks of 02h, 18h, 1Ch), record_select (1Ah).
 * Vendor ID 8384h:7600h is "STAC9700" in Linux's snd_ac97_codec_ids. The
 * real part's data sheet was not found, so this is QEMU's model, not the
 * chip.
 *
 * What QEMU does, as data:
 *   - Every register resets to 0 except those listed with a value below.
 *   - 02h, 18h and 1Ch are stored under masks BF3Fh, 9F1Fh and 8F0Fh
 *     (1Ch resets to 8808h & 8F0Fh = 8808h).
 *   - 1Ah keeps three bits per channel (0707h).
 *   - 04h-16h (every volume but master and PCM out), 1Eh, 20h, 22h, 6Ch
 *     and 6Eh ("None of the features in these regs are emulated, so they
 *     are RO"), and 28h, 7Ch and 7Eh, ignore writes.
 *   - 26h: bits 3:0 kept (000Fh), EAPD (bit 15) always cleared, the rest
 *     stored; no PR bit powers anything down.
 *   - 28h = 0809h (AC'97 2.3, VRM, VRA); 2Ah resets to 0009h (VRA and VRM
 *     on) and is stored whole; clearing VRA sets 2Ch and 32h to BB80h,
 *     clearing VRM sets 34h.
 *   - 2Ch/32h take any value while VRA is set, 34h while VRM is set, and
 *     keep it as written (the host mixer resamples); 2Eh and 30h reset to
 *     BB80h and are stored.
 *   - Any other register up to 7Eh is plain storage.
 *   - A write to 00h resets these registers; what it does to the bus
 *     master is the profile's (codec-reset-stops-dma).
 */
#include "codec_part.h"

#define R(off) [(off) / 2]
#define RO0 { 0x0000, 0x0000, CRK_CONST }

const struct codec_part codec_part_stac9700_qemu = {
	.name = "stac9700-qemu",
	.title = "SigmaTel STAC9700 as QEMU models it",
	.source = "QEMU hw/audio/ac97.c: mixer_reset, nam_writew, set_volume, record_select",
	.regs = {
		R(CODEC_RESET) = { 0x0000, 0x0000, CRK_RESET },
		R(CODEC_MASTER_VOL) = { 0x8000, 0xBF3F, CRK_RW },
		R(CODEC_AUX_OUT_VOL) = RO0,
		R(CODEC_MONO_VOL) = RO0,
		R(CODEC_MASTER_TONE) = RO0,
		R(CODEC_PC_BEEP_VOL) = RO0,
		R(CODEC_PHONE_VOL) = RO0,
		R(CODEC_MIC_VOL) = RO0,
		R(CODEC_LINE_IN_VOL) = RO0,
		R(CODEC_CD_VOL) = RO0,
		R(CODEC_VIDEO_VOL) = RO0,
		R(CODEC_AUX_IN_VOL) = RO0,
		R(CODEC_PCM_OUT_VOL) = { 0x8808, 0x9F1F, CRK_RW },
		R(CODEC_RECORD_SELECT) = { 0x0000, 0x0707, CRK_RW },
		R(CODEC_RECORD_GAIN) = { 0x8808, 0x8F0F, CRK_RW },
		R(CODEC_RECORD_GAIN_MIC) = RO0,
		R(CODEC_GENERAL_PURPOSE) = RO0,
		R(CODEC_3D_CONTROL) = RO0,
		R(CODEC_POWERDOWN) = { 0x000F, 0xFFF0, CRK_POWERDOWN },
		R(CODEC_EXT_AUDIO_ID) = { 0x0809, 0x0000, CRK_CONST },
		R(CODEC_EXT_AUDIO_CTRL) = { 0x0009, 0xFFFF, CRK_EXT_CTRL },
		R(CODEC_PCM_FRONT_DAC_RATE) = { 48000, 0xFFFF, CRK_RATE_VRA },
		R(CODEC_PCM_SURR_DAC_RATE) = { 48000, 0xFFFF, CRK_RW },
		R(CODEC_PCM_LFE_DAC_RATE) = { 48000, 0xFFFF, CRK_RW },
		R(CODEC_PCM_LR_ADC_RATE) = { 48000, 0xFFFF, CRK_RATE_VRA },
		R(CODEC_PCM_MIC_ADC_RATE) = { 48000, 0xFFFF, CRK_RATE_VRM },
		R(0x6C) = RO0,	/* "Sigmatel analog" */
		R(0x6E) = RO0,	/* "Sigmatel DAC2 invert" */
		R(CODEC_VENDOR_ID1) = { 0x8384, 0x0000, CRK_CONST },
		R(CODEC_VENDOR_ID2) = { 0x7600, 0x0000, CRK_CONST },
	},
	.unlisted_stored = true,
	.rate_rule = CODEC_RATE_AS_WRITTEN,
	.pd_rule = CODEC_PD_STORED,
	.pd_forced_clear = CODEC_PD_EAPD,
};
