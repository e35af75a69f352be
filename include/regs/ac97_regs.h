/*
 * ac97_regs.h - the ICH AC'97 controller's registers and bits as the
 * datasheet gives them, and nothing else: what driver code may know about
 * the hardware without seeing the emulator. (emu/ac97.h is the emulator.)
 */
#ifndef AC97SIM_AC97_REGS_H
#define AC97SIM_AC97_REGS_H

#define AC97_PCI_VENDOR_ID 0x8086u
#define AC97_PCI_DEVICE_ID 0x2415u
#define AC97_NAM_BYTES 256u
#define AC97_NABM_BYTES 64u

enum ac97_bar { AC97_BAR_NAM, AC97_BAR_NABM };

enum ac97_engine_id { AC97_PI, AC97_PO, AC97_MC, AC97_ENGINE_COUNT };

/* NABM registers as X(NAME, offset, bytes): an engine's at its base
 * (AC97_ENGINE_STRIDE * engine) plus the offset, the global ones at their
 * own offsets. The enum below and the names logs print come from these. */
#define AC97_ENGINE_REGS(X)                                                             \
	X(BDBAR, 0x00, 4) X(CIV, 0x04, 1) X(LVI, 0x05, 1) X(SR, 0x06, 2) X(PICB, 0x08, 2) \
	X(PIV, 0x0A, 1) X(CR, 0x0B, 1)
#define AC97_GLOBAL_REGS(X) X(GLOB_CNT, 0x2C, 4) X(GLOB_STA, 0x30, 4) X(CAS, 0x34, 1)

enum {
	AC97_ENGINE_STRIDE = 0x10,
#define AC97_REG_ENUM(name, offset, bytes) AC97_##name = offset,
	AC97_ENGINE_REGS(AC97_REG_ENUM) AC97_GLOBAL_REGS(AC97_REG_ENUM)
#undef AC97_REG_ENUM
};

/* The engines' names, in enum ac97_engine_id order. */
#define AC97_ENGINE_NAMES { "PI", "PO", "MC" }

/* SR bits (X(NAME, bit) lists them for logs). */
#define AC97_SR_BITS(X) X(DCH, 0x0001u) X(CELV, 0x0002u) X(LVBCI, 0x0004u) X(BCIS, 0x0008u) \
	X(FIFOE, 0x0010u)
#define AC97_SR_DCH 0x0001u
#define AC97_SR_CELV 0x0002u
#define AC97_SR_LVBCI 0x0004u
#define AC97_SR_BCIS 0x0008u
#define AC97_SR_FIFOE 0x0010u
/* CR bits. */
#define AC97_CR_BITS(X) X(RPBM, 0x01u) X(RR, 0x02u) X(LVBIE, 0x04u) X(FEIE, 0x08u) X(IOCE, 0x10u)
#define AC97_CR_RPBM 0x01u
#define AC97_CR_RR 0x02u
#define AC97_CR_LVBIE 0x04u
#define AC97_CR_FEIE 0x08u
#define AC97_CR_IOCE 0x10u
/* GLOB_CNT bits (82801AA: bits 6 and up are reserved). */
#define AC97_GC_GIE 0x00000001u
#define AC97_GC_COLD 0x00000002u	/* active low reset: 1 = out of reset */
#define AC97_GC_WARM 0x00000004u
#define AC97_GC_ACLINK_OFF 0x00000008u
#define AC97_GC_PRIE 0x00000010u
#define AC97_GC_SRIE 0x00000020u
/* GLOB_STA bits. */
#define AC97_GS_GSCI 0x00000001u
#define AC97_GS_MIINT 0x00000002u
#define AC97_GS_MOINT 0x00000004u
#define AC97_GS_PIINT 0x00000020u
#define AC97_GS_POINT 0x00000040u
#define AC97_GS_MINT 0x00000080u
#define AC97_GS_S0CR 0x00000100u
#define AC97_GS_S1CR 0x00000200u
#define AC97_GS_S0RI 0x00000400u
#define AC97_GS_S1RI 0x00000800u
#define AC97_GS_RCS 0x00008000u
/* Buffer descriptor DW1 bits. */
#define AC97_BD_IOC 0x80000000u
#define AC97_BD_BUP 0x40000000u
#define AC97_BD_RESERVED 0x3FFF0000u
#define AC97_BD_LEN_MASK 0x0000FFFFu
#define AC97_BDL_ENTRIES 32u
#define AC97_BD_BYTES 8u

#endif
