/*
 * codec_regs.h - AC'97 2.3 codec (mixer) register offsets and bits: what
 * driver code may know of the codec. (emu/codec.h is the model.)
 */
#ifndef AC97SIM_CODEC_REGS_H
#define AC97SIM_CODEC_REGS_H

#define CODEC_REG_COUNT 64	/* 16-bit registers at even offsets 0x00..0x7E */

/* Register offsets (AC'97 2.3, section 5.7), as X(NAME, offset): the
 * enum below and the names logs print come from this one list. */
#define CODEC_REGS(X)                                                                   \
	X(RESET, 0x00) X(MASTER_VOL, 0x02) X(AUX_OUT_VOL, 0x04) X(MONO_VOL, 0x06)      \
	X(MASTER_TONE, 0x08) X(PC_BEEP_VOL, 0x0A) X(PHONE_VOL, 0x0C) X(MIC_VOL, 0x0E)  \
	X(LINE_IN_VOL, 0x10) X(CD_VOL, 0x12) X(VIDEO_VOL, 0x14) X(AUX_IN_VOL, 0x16)    \
	X(PCM_OUT_VOL, 0x18) X(RECORD_SELECT, 0x1A) X(RECORD_GAIN, 0x1C)               \
	X(RECORD_GAIN_MIC, 0x1E) X(GENERAL_PURPOSE, 0x20) X(3D_CONTROL, 0x22)          \
	X(POWERDOWN, 0x26) X(EXT_AUDIO_ID, 0x28) X(EXT_AUDIO_CTRL, 0x2A)               \
	X(PCM_FRONT_DAC_RATE, 0x2C) X(PCM_SURR_DAC_RATE, 0x2E) X(PCM_LFE_DAC_RATE, 0x30) \
	X(PCM_LR_ADC_RATE, 0x32) X(PCM_MIC_ADC_RATE, 0x34) X(VENDOR_ID1, 0x7C)         \
	X(VENDOR_ID2, 0x7E)

enum codec_reg {
#define CODEC_REG_ENUM(name, offset) CODEC_##name = offset,
	CODEC_REGS(CODEC_REG_ENUM)
#undef CODEC_REG_ENUM
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
