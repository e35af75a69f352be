/*
 * profile_qemu.c - the `qemu` profile: QEMU's "AC97" device (PCI
 * 8086:2415), hw/audio/ac97.c, with the STAC9700 as QEMU models it.
 *
 * Read at the 2024/25 master (pbo-linaro/qemu-ci c9280870; the 2013 copy
 * in qemu/qemu 003f8dbc has the same functions). Each quirk below is
 * listed in docs/profiles.md with the function it comes from and shown by
 * a script in fixtures/regs/profiles/. The rate floor is 1 Hz: a rate of
 * 0 closes the voice (open_voice), every other rate plays.
 *
 * Not modelled (docs/profiles.md, "Not modelled"): QEMU's pacing by host
 * audio callbacks (no FIFO, PICB moving in bursts of up to 10 ms; the
 * profile keeps the ICH's per-frame pace, one timing QEMU can show), the
 * 1024- and 256-byte BARs, reads of NAMBAR at odd offsets, CELV left set
 * by a resume past LVI.
 */
#include "profile.h"

#include "ac97_regs.h"

const struct ac97_profile ac97_profile_qemu = {
	.name = "qemu",
	.title = "QEMU hw/audio/ac97.c with its STAC9700",
	.source = "QEMU hw/audio/ac97.c (2024/25 master)",
	.codec = &codec_part_stac9700_qemu,
	.quirks = AC97_QUIRK(AC97_Q_RPBM_REWRITE_ADVANCES) | AC97_QUIRK(AC97_Q_RESUME_ADVANCES) |
		  AC97_QUIRK(AC97_Q_LVI_REWRITE_RESUMES) | AC97_QUIRK(AC97_Q_IRQ_ON_SR_CHANGE) |
		  AC97_QUIRK(AC97_Q_NO_FIFOE) | AC97_QUIRK(AC97_Q_BUP_INVERTED) |
		  AC97_QUIRK(AC97_Q_ZERO_LENGTH_NO_BCIS) |
		  AC97_QUIRK(AC97_Q_ZERO_LENGTH_LVI_DCH_ONLY) | AC97_QUIRK(AC97_Q_RR_KEEPS_ENABLES) |
		  AC97_QUIRK(AC97_Q_SR_RESERVED_STICKY) | AC97_QUIRK(AC97_Q_ADDR_MASK_DWORD) |
		  AC97_QUIRK(AC97_Q_NABM_WIDTHS) | AC97_QUIRK(AC97_Q_NO_LINK_RESET) |
		  AC97_QUIRK(AC97_Q_CAS_FREED_BY_NAM) | AC97_QUIRK(AC97_Q_NAM_WORD_ONLY) |
		  AC97_QUIRK(AC97_Q_NAM_HIGH_RAM) | AC97_QUIRK(AC97_Q_CODEC_RESET_STOPS_DMA) |
		  AC97_QUIRK(AC97_Q_RATE_FLOOR) | AC97_QUIRK(AC97_Q_MIC_STEREO) |
		  AC97_QUIRK(AC97_Q_NO_PREFETCH),
	.rate_min_hz = 1,
	.nabm_bytes = AC97_NABM_BYTES,
};
