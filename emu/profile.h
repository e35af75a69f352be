/*
 * profile.h - device profiles: which implementation of the ICH AC'97
 * controller the device behaves as.
 *
 * The device follows Intel's documents by default (the `ich` profile).
 * Drivers also meet other implementations: emulators (QEMU, VirtualBox)
 * and other silicon with the same programming model (SiS7012). A profile
 * is data chosen when the device is created (struct ac97_config.profile),
 * as chip emulators choose a model with a type field: the codec part the
 * implementation has, a few numbers, and a set of named quirks. Each quirk
 * is one behaviour that differs from Intel's, implemented once at the place
 * in emu/ that the behaviour belongs to and tested by name; the engine asks
 * whether the device has a quirk, never which profile it is.
 *
 * A new profile is one file (profile_NAME.c) and one line in the registry
 * (profiles.c); a new quirk is a line in enum ac97_quirk and ac97_quirks[]
 * (quirks.c), its behaviour, a row in docs/profiles.md with its source and
 * a register script in fixtures/regs/profiles/ that shows it (a test holds
 * all three to the table).
 */
#ifndef AC97SIM_PROFILE_H
#define AC97SIM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_part.h"

/* Behaviours that differ from Intel's. The names (ac97_quirks[]) are what
 * docs, fixtures and `ac97sim help profiles` use. */
enum ac97_quirk {
	AC97_Q_RPBM_REWRITE_ADVANCES,	/* CR written with RPBM set, running: next buffer */
	AC97_Q_RESUME_ADVANCES,		/* RPBM 0 -> 1 on a loaded engine: next buffer, past LVI */
	AC97_Q_LVI_REWRITE_RESUMES,	/* halted at LVI: any LVI write resumes, the same too */
	AC97_Q_IRQ_ON_SR_CHANGE,	/* the line and xINT move only when an SR changes */
	AC97_Q_NO_FIFOE,		/* FIFOE is never set */
	AC97_Q_BUP_INVERTED,		/* BUP = 1 repeats the last sample, BUP = 0 zeros */
	AC97_Q_BUP_IGNORED,		/* after the last buffer: zeros whatever BUP says */
	AC97_Q_ZERO_LENGTH_NO_BCIS,	/* a zero-length buffer completes without BCIS */
	AC97_Q_ZERO_LENGTH_LVI_DCH_ONLY,	/* a zero-length buffer at LVI: DCH, no LVBCI/CELV */
	AC97_Q_DMA_WAITS_FOR_BCIS,	/* no DMA while BCIS is set */
	AC97_Q_RR_KEEPS_ENABLES,	/* RR keeps the old enables, drops the written ones */
	AC97_Q_SR_RESERVED_STICKY,	/* SR bits 15:5 written 1 stay 1 until RR */
	AC97_Q_ADDR_MASK_DWORD,		/* BDBAR and buffer addresses lose bits 1:0 only */
	AC97_Q_NABM_WIDTHS,		/* only the emulator's widths; others all ones / dropped */
	AC97_Q_NO_LINK_RESET,		/* GLOB_CNT writes with COLD#/WARM dropped; codec always ready */
	AC97_Q_CAS_FREED_BY_NAM,	/* any NAMBAR access frees CAS at once */
	AC97_Q_NAM_WORD_ONLY,		/* NAMBAR byte and dword accesses: all ones / dropped */
	AC97_Q_NAM_HIGH_RAM,		/* NAMBAR 80h-FFh is storage, no RCS */
	AC97_Q_CODEC_RESET_STOPS_DMA,	/* codec 00h write: DMA frozen (DCH 0) until CR */
	AC97_Q_CODEC_RESET_RESETS_ENGINES,	/* codec 00h write: engines reset, SR kept */
	AC97_Q_RATE_FLOOR,		/* a rate below rate_min_hz: the converter stops */
	AC97_Q_MIC_STEREO,		/* the mic engine moves two samples a frame */
	AC97_Q_POWER_ON_SR_ZERO,	/* SR reads 0000h (no DCH) until the first RR */
	AC97_Q_BDBAR_ZERO_REFUSED,	/* RPBM with BDBAR 0: nothing starts, DCH reads 0 */
	AC97_Q_NO_PREFETCH,		/* the descriptor at PIV is read when it becomes current */
	AC97_Q_SR_PICB_SWAPPED,		/* SR at +08h, PICB at +06h */
	AC97_Q_PICB_BYTES,		/* PICB and descriptor lengths count bytes */
	AC97_Q_OUTPUT_MUTE_4C,		/* PCM out sends zeros until NABM 4Ch bit 0 is set */
	AC97_Q_COUNT
};

struct ac97_quirk_info {
	const char *name;	/* lower-case with dashes: "resume-advances" */
	const char *summary;	/* one line */
};
extern const struct ac97_quirk_info ac97_quirks[AC97_Q_COUNT];

/* The quirk named name, or AC97_Q_COUNT. */
enum ac97_quirk ac97_quirk_find(const char *name);

#define AC97_QUIRK(q) (UINT64_C(1) << (q))
_Static_assert(AC97_Q_COUNT <= 64, "quirks fit a 64-bit set");

struct ac97_profile {
	const char *name;	/* for options and scenario files: "qemu" */
	const char *title;	/* for people */
	const char *source;	/* what it was read from */
	const struct codec_part *codec;	/* the codec the implementation has */
	uint64_t quirks;	/* AC97_QUIRK() bits */
	/* AC97_Q_RATE_FLOOR: the lowest converter rate that runs (a lower
	 * one, 0 included, stops the converter). */
	uint32_t rate_min_hz;
	/* The NABMBAR's size in bytes (64 on the ICH). */
	uint32_t nabm_bytes;
};

/* The registry (profiles.c), in a fixed order; the first is `ich`. */
extern const struct ac97_profile *const ac97_profiles[];
extern const size_t ac97_profiles_count;
const struct ac97_profile *ac97_profile_default(void);
/* The profile named name, or NULL. */
const struct ac97_profile *ac97_profile_find(const char *name);
/* "ich, qemu, virtualbox, sis7012" into buf (cut at len, terminated): for
 * messages. */
void ac97_profile_names(char *buf, size_t len);

static inline bool ac97_profile_has(const struct ac97_profile *p, enum ac97_quirk q)
{
	return (p->quirks & AC97_QUIRK(q)) != 0;
}

/* The profiles themselves, one file each. */
extern const struct ac97_profile ac97_profile_ich;
extern const struct ac97_profile ac97_profile_qemu;
extern const struct ac97_profile ac97_profile_virtualbox;
extern const struct ac97_profile ac97_profile_sis7012;

#endif
