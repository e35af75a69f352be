/*
 * codec_regs.h - AC'97 2.3 codec (mixer) register offsets and bits: what
 * driver code may know of the codec. (emu/codec.h is the model.)
 */
#ifndef AC97SIM_CODEC_REGS_H
#define AC97SIM_CODEC_REGS_H

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

#endif
