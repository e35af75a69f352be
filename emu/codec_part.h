/*
 * codec_part.h - a codec part as data: its identity, its register file
 * (reset value, write mask and behaviour of each register), how its rate
 * registers decode a written value, and whether its powerdown bits act.
 *
 * The codec model (codec.c) is one engine for every part; a part adds one
 * file that defines its table (codec_cs4205.c, ...) and one line in the
 * registry (codec_parts.c). A part is either a real chip modelled from its
 * data sheet or the chip another emulator models, as that emulator models
 * it (its `source` says which).
 */
#ifndef AC97SIM_CODEC_PART_H
#define AC97SIM_CODEC_PART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_regs.h"

/* How a register behaves on write. CRK_NONE is zero so that an offset a
 * table leaves out is unimplemented: reads 0 and ignores writes (unless
 * the part stores unlisted registers, codec_part.unlisted_stored). */
enum codec_reg_kind {
	CRK_NONE = 0,
	CRK_CONST,		/* read-only: the reset value */
	CRK_RESET,		/* 00h: a write is a register reset */
	CRK_RW,			/* plain storage under the write mask */
	CRK_VOL5_CLAMP,		/* 5-bit volumes in 6-bit fields: 1xxxxx reads 011111 */
	CRK_VOL_D5_FILL,	/* 6-bit fields: D5 (D13) set forces D4:0 (D12:8) to 1 */
	CRK_POWERDOWN,		/* 26h: see codec_pd_rule */
	CRK_EXT_CTRL,		/* 2Ah: VRA/VRM under the mask; clearing one resets its rates */
	CRK_RATE_VRA,		/* 2Ch, 32h: written only while VRA, decoded (codec_rate_rule) */
	CRK_RATE_VRM,		/* 34h: likewise with VRM */
	CRK_RECSEL_NO_MIX,	/* 1Ah: 3-bit fields; sources 5 and 6 (mixes) become 0 */
};

struct codec_reg_spec {
	uint16_t reset;
	uint16_t wmask;
	uint8_t kind;		/* enum codec_reg_kind */
};

/* What a rate register keeps of a written value. */
enum codec_rate_rule {
	/* The value as written (emulators that hand it to a host mixer). */
	CODEC_RATE_AS_WRITTEN,
	/* A data sheet's range table on bits 15:11: rate_by_sr15_11[v >> 11]. */
	CODEC_RATE_SR15_11_TABLE,
};

/* What 26h's PR bits do. */
enum codec_pd_rule {
	/* They power parts of the codec down (PR0 ADCs, PR1 DAC, PR2 mixer,
	 * PR3 reference, PR4 the AC-link, PR5 the clocks: PR5 is left only by
	 * a cold reset); the ready bits 3:0 follow them. */
	CODEC_PD_LIVE,
	/* They are stored under the write mask and change nothing; the ready
	 * bits 3:0 always read 1. */
	CODEC_PD_STORED,
};

struct codec_part {
	const char *name;	/* short, for options: "cs4205" */
	const char *title;	/* for people: "Cirrus Logic CS4205 rev A" */
	const char *source;	/* where the table comes from */
	struct codec_reg_spec regs[CODEC_REG_COUNT];	/* indexed by offset / 2 */
	/* Offsets the table leaves as CRK_NONE store writes as RAM (reset 0)
	 * instead of ignoring them. */
	bool unlisted_stored;
	enum codec_rate_rule rate_rule;
	const uint16_t *rate_by_sr15_11;	/* 32 entries for CODEC_RATE_SR15_11_TABLE */
	/* The rates the part names as supported, ascending (for messages and
	 * for probing a stream's rate); NULL with 0: any value is kept. */
	const uint16_t *rates_hz;
	size_t n_rates;
	enum codec_pd_rule pd_rule;
	uint16_t pd_forced_clear;	/* 26h bits a write always clears */
};

/* The registry (codec_parts.c): the parts in a fixed order, the first
 * being the default (the ich profile's). */
extern const struct codec_part *const codec_parts[];
extern const size_t codec_parts_count;
const struct codec_part *codec_part_default(void);
/* The part named name, or NULL. */
const struct codec_part *codec_part_find(const char *name);

/* The parts themselves, one file each. */
extern const struct codec_part codec_part_cs4205;
extern const struct codec_part codec_part_stac9700_qemu;
extern const struct codec_part codec_part_stac9700_vbox;

#endif
