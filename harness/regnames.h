/*
 * regnames.h - register accesses as people read them: "PO.LVI",
 * "GLOB_STA", "codec MASTER_VOL", and a status or control value with its
 * bits named: "0x1c (BCIS|LVBCI|CELV)". The names come from the register
 * lists of the SDK's ac97_regs.h and codec_regs.h.
 */
#ifndef AC97SIM_REGNAMES_H
#define AC97SIM_REGNAMES_H

#include <stddef.h>
#include <stdint.h>

#include "ac97_regs.h"

/* The register an access at offset of bar starts in ("PO.SR"); an offset
 * inside no register: "NABM+0x3c". */
const char *reg_name(enum ac97_bar bar, uint32_t offset, char *buf, size_t len);

/* value, and for an engine's SR or CR its bits by name: "0x1c (BCIS|LVBCI|CELV)". */
const char *reg_value(enum ac97_bar bar, uint32_t offset, uint32_t value, char *buf, size_t len);

#endif
