/*
 * codec_stac9700_vbox.c - the SigmaTel STAC9700 as VirtualBox models it
 * (its default codec, CFGM "Codec" = "STAC9700"): the codec of the
 * `virtualbox` profile.
 *
 * Source: VirtualBox src/VBox/Devices/Audio/DevIchAc97.cpp (2024):
 * ichac97R3MixerReset (reset values), ichac97IoPortNamWrite (what a write
 * does), ichac97R3MixerSetVolume (the D5/D13 rule of 02h),
 * ichac97R3MixerRecordSelect (1Ah). As for QEMU's, this is the emulator's
 * model, not the chip.
 *
 * What VirtualBox does, as data:
 *   - Reset values: 02h 8000h, 06h 8000h, 0Ch 8008h, 0Eh 8008h, 10h, 12h,
 *     16h, 18h 8808h, 1Ch and 1Eh 8000h, 26h 000Fh, 28h 0809h, 2Ah 0009h,
 *     2Ch-34h BB80h; everything else 0.
 *   - 02h: when D5 (D13) is written set, D4:0 (D12:8) are forced to 1;
 *     otherwise stored as written (no mask).
 *   - 04h (headphone) ignores writes: only the AD1980 model applies it.
 *   - 1Ah keeps three bits per channel, but sources 5 (stereo mix) and 6
 *     (mono mix) become 0 (mic): the host has no such source.
 *   - 26h: bits 3:0 kept, bits 15:4 stored; nothing powers down.
 *   - 28h, 7Ch, 7Eh read-only; 2Ah stored whole; VRA and VRM gate the rate
 *     registers as in QEMU, which keep the value written.
 *   - Every other register up to 7Eh is plain storage (06h-22h included:
 *     unlike QEMU, VirtualBox stores the volumes it does not apply).
 *   - A write to 00h resets the whole device (the profile's
 *     codec-reset-resets-engines).
 */
#include "codec_part.h"

#define R(off) [(off) / 2]
#define STORED(v) { (v), 0xFFFF, CRK_RW }

const struct codec_part codec_part_stac9700_vbox = {
	.name = "stac9700-vbox",
	.title = "SigmaTel STAC9700 as VirtualBox models it",
	.source = "VirtualBox DevIchAc97.cpp: ichac97R3MixerReset, ichac97IoPortNamWrite",
	.regs = {
		R(CODEC_RESET) = { 0x0000, 0x0000, CRK_RESET },
		R(CODEC_MASTER_VOL) = { 0x8000, 0xFFFF, CRK_VOL_D5_FILL },
		R(CODEC_AUX_OUT_VOL) = { 0x0000, 0x0000, CRK_CONST },
		R(CODEC_MONO_VOL) = STORED(0x8000),
		R(CODEC_PHONE_VOL) = STORED(0x8008),
		R(CODEC_MIC_VOL) = STORED(0x8008),
		R(CODEC_LINE_IN_VOL) = STORED(0x8808),
		R(CODEC_CD_VOL) = STORED(0x8808),
		R(CODEC_AUX_IN_VOL) = STORED(0x8808),
		R(CODEC_PCM_OUT_VOL) = STORED(0x8808),
		R(CODEC_RECORD_SELECT) = { 0x0000, 0x0707, CRK_RECSEL_NO_MIX },
		R(CODEC_RECORD_GAIN) = STORED(0x8000),
		R(CODEC_RECORD_GAIN_MIC) = STORED(0x8000),
		R(CODEC_POWERDOWN) = { 0x000F, 0xFFF0, CRK_POWERDOWN },
		R(CODEC_EXT_AUDIO_ID) = { 0x0809, 0x0000, CRK_CONST },
		R(CODEC_EXT_AUDIO_CTRL) = { 0x0009, 0xFFFF, CRK_EXT_CTRL },
		R(CODEC_PCM_FRONT_DAC_RATE) = { 48000, 0xFFFF, CRK_RATE_VRA },
		R(CODEC_PCM_SURR_DAC_RATE) = STORED(48000),
		R(CODEC_PCM_LFE_DAC_RATE) = STORED(48000),
		R(CODEC_PCM_LR_ADC_RATE) = { 48000, 0xFFFF, CRK_RATE_VRA },
		R(CODEC_PCM_MIC_ADC_RATE) = { 48000, 0xFFFF, CRK_RATE_VRM },
		R(CODEC_VENDOR_ID1) = { 0x8384, 0x0000, CRK_CONST },
		R(CODEC_VENDOR_ID2) = { 0x7600, 0x0000, CRK_CONST },
	},
	.unlisted_stored = true,
	.rate_rule = CODEC_RATE_AS_WRITTEN,
	.pd_rule = CODEC_PD_STORED,
	.pd_forced_clear = 0,
};
