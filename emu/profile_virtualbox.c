/*
 * profile_virtualbox.c - the `virtualbox` profile: VirtualBox's ICH AC'97
 * (PCI 8086:2415), src/VBox/Devices/Audio/DevIchAc97.cpp, with its default
 * codec, the STAC9700 as VirtualBox models it.
 *
 * Read at VirtualBox/virtualbox 4908d8d1 (2024-10-15). Each quirk below is
 * listed in docs/profiles.md with the function it comes from and shown by
 * a script in fixtures/regs/profiles/. The rate floor is 1000 Hz: a stream
 * set up below it is refused (PDMAudioPropsAreValid), so its DMA timer
 * never moves it.
 *
 * Not modelled (docs/profiles.md, "Not modelled"): the DMA timer's pace
 * (200 Hz above 44.1 kHz, 100 Hz otherwise) and its ring buffers, the
 * AD1980 and AD1981B codecs it can also model, zero-length descriptors
 * skipped at fetch time, PICB wrapping under a zero-length descriptor at
 * LVI, reads of NAMBAR at odd offsets.
 */
#include "profile.h"

#include "ac97_regs.h"

const struct ac97_profile ac97_profile_virtualbox = {
	.name = "virtualbox",
	.title = "VirtualBox DevIchAc97.cpp with its STAC9700",
	.source = "VirtualBox src/VBox/Devices/Audio/DevIchAc97.cpp (2024)",
	.codec = &codec_part_stac9700_vbox,
	.quirks = AC97_QUIRK(AC97_Q_RESUME_ADVANCES) | AC97_QUIRK(AC97_Q_LVI_REWRITE_RESUMES) |
		  AC97_QUIRK(AC97_Q_IRQ_ON_SR_CHANGE) | AC97_QUIRK(AC97_Q_NO_FIFOE) |
		  AC97_QUIRK(AC97_Q_BUP_IGNORED) | AC97_QUIRK(AC97_Q_DMA_WAITS_FOR_BCIS) |
		  AC97_QUIRK(AC97_Q_RR_KEEPS_ENABLES) | AC97_QUIRK(AC97_Q_SR_RESERVED_STICKY) |
		  AC97_QUIRK(AC97_Q_ADDR_MASK_DWORD) | AC97_QUIRK(AC97_Q_NABM_WIDTHS) |
		  AC97_QUIRK(AC97_Q_NO_LINK_RESET) | AC97_QUIRK(AC97_Q_CAS_FREED_BY_NAM) |
		  AC97_QUIRK(AC97_Q_NAM_WORD_ONLY) | AC97_QUIRK(AC97_Q_NAM_HIGH_RAM) |
		  AC97_QUIRK(AC97_Q_CODEC_RESET_RESETS_ENGINES) | AC97_QUIRK(AC97_Q_RATE_FLOOR) |
		  AC97_QUIRK(AC97_Q_MIC_STEREO) | AC97_QUIRK(AC97_Q_POWER_ON_SR_ZERO) |
		  AC97_QUIRK(AC97_Q_BDBAR_ZERO_REFUSED) | AC97_QUIRK(AC97_Q_NO_PREFETCH),
	.rate_min_hz = 1000,
	.nabm_bytes = AC97_NABM_BYTES,
};
