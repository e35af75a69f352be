/*
 * quirks.c - the names of the quirks (profile.h), for docs, fixtures and
 * the command line. What each does, with its source, is in
 * docs/profiles.md; where it is implemented, grep for its enum name.
 */
#include "profile.h"

#include <string.h>

const struct ac97_quirk_info ac97_quirks[AC97_Q_COUNT] = {
	[AC97_Q_RPBM_REWRITE_ADVANCES] = { "rpbm-rewrite-advances",
		"a CR write with RPBM set while running moves CIV to the next buffer" },
	[AC97_Q_RESUME_ADVANCES] = { "resume-advances",
		"setting RPBM again (resume) moves CIV to the next buffer, past LVI too" },
	[AC97_Q_LVI_REWRITE_RESUMES] = { "lvi-rewrite-resumes",
		"halted at LVI, an LVI write resumes even with the same value" },
	[AC97_Q_IRQ_ON_SR_CHANGE] = { "irq-on-sr-change",
		"the shared line and GLOB_STA xINT change only when an engine's SR does" },
	[AC97_Q_NO_FIFOE] = { "no-fifoe", "FIFOE is never set" },
	[AC97_Q_BUP_INVERTED] = { "bup-inverted",
		"after the last buffer BUP = 1 repeats the last sample and BUP = 0 sends zeros" },
	[AC97_Q_BUP_IGNORED] = { "bup-ignored",
		"after the last buffer the link carries zeros whatever BUP says" },
	[AC97_Q_ZERO_LENGTH_NO_BCIS] = { "zero-length-no-bcis",
		"a zero-length buffer with IOC completes without BCIS" },
	[AC97_Q_ZERO_LENGTH_LVI_DCH_ONLY] = { "zero-length-lvi-dch-only",
		"a zero-length buffer at LVI halts with DCH only: no LVBCI, no CELV, no interrupt" },
	[AC97_Q_DMA_WAITS_FOR_BCIS] = { "dma-waits-for-bcis", "no DMA while BCIS is set" },
	[AC97_Q_RR_KEEPS_ENABLES] = { "rr-keeps-enables",
		"RR keeps the old interrupt enables and drops the ones written with it" },
	[AC97_Q_SR_RESERVED_STICKY] = { "sr-reserved-sticky",
		"SR bits 15:5 written as 1 read back 1 until RR" },
	[AC97_Q_ADDR_MASK_DWORD] = { "addr-mask-dword",
		"BDBAR keeps bit 2 and buffer addresses lose bits 1:0" },
	[AC97_Q_NABM_WIDTHS] = { "nabm-widths",
		"NABMBAR answers only the widths the emulator decodes; others read all ones, writes dropped" },
	[AC97_Q_NO_LINK_RESET] = { "no-link-reset",
		"GLOB_CNT writes with COLD# or WARM set are dropped; the codec is always ready" },
	[AC97_Q_CAS_FREED_BY_NAM] = { "cas-freed-by-nam", "any NAMBAR access frees CAS at once" },
	[AC97_Q_NAM_WORD_ONLY] = { "nam-word-only",
		"NAMBAR byte and dword reads return all ones and their writes are dropped" },
	[AC97_Q_NAM_HIGH_RAM] = { "nam-high-ram",
		"NAMBAR 80h-FFh is plain storage: no absent secondary codec, no RCS" },
	[AC97_Q_CODEC_RESET_STOPS_DMA] = { "codec-reset-stops-dma",
		"a codec 00h write freezes every engine (RPBM 1, DCH 0) until a CR write" },
	[AC97_Q_CODEC_RESET_RESETS_ENGINES] = { "codec-reset-resets-engines",
		"a codec 00h write resets every engine's registers but SR" },
	[AC97_Q_RATE_FLOOR] = { "rate-floor",
		"a converter rate below the profile's floor (0 included) stops its engine" },
	[AC97_Q_MIC_STEREO] = { "mic-stereo", "the mic engine moves two samples a frame" },
	[AC97_Q_POWER_ON_SR_ZERO] = { "power-on-sr-zero",
		"SR reads 0000h at power-on (no DCH) until the first RR" },
	[AC97_Q_BDBAR_ZERO_REFUSED] = { "bdbar-zero-refused",
		"RPBM with BDBAR 0 starts nothing; DCH reads 0" },
	[AC97_Q_NO_PREFETCH] = { "no-prefetch",
		"the descriptor at PIV is read when it becomes current, not ahead" },
	[AC97_Q_SR_PICB_SWAPPED] = { "sr-picb-swapped", "SR is at +08h and PICB at +06h" },
	[AC97_Q_PICB_BYTES] = { "picb-bytes", "PICB and descriptor lengths count bytes, not samples" },
	[AC97_Q_OUTPUT_MUTE_4C] = { "output-mute-4c",
		"PCM out sends zeros until bit 0 of the word at NABMBAR 4Ch is set" },
};

enum ac97_quirk ac97_quirk_find(const char *name)
{
	for (unsigned q = 0; q < AC97_Q_COUNT; q++)
		if (strcmp(ac97_quirks[q].name, name) == 0)
			return (enum ac97_quirk)q;
	return AC97_Q_COUNT;
}
