/*
 * profile_sis7012.c - the `sis7012` profile: the SiS7012 AC'97 controller
 * (PCI 1039:7012), an ICH work-alike with its registers moved and its
 * lengths in bytes, here with a CS4205 (the codec is the board's choice).
 *
 * No SiS data sheet is public; what is known comes from the Linux driver
 * that runs it, sound/pci/intel8x0.c (DEVICE_SIS): snd_intel8x0_create
 * ("SiS 7012 swaps the registers": roff_sr = ICH_REG_OFF_PICB,
 * roff_picb = ICH_REG_OFF_SR; pos_shift = 0, "SIS7012 handles the pcm
 * data in bytes"), snd_intel8x0_setup_periods (descriptor lengths written
 * as bytes), snd_intel8x0_pcm_open (buffers capped at 64 KiB, what a
 * 16-bit byte count holds), snd_intel8x0_ich_chip_init ("unmute the
 * output on SIS7012": bit 0 of the word at NABMBAR + 4Ch).
 *
 * Decided here: the dwords at +04h and +08h follow the swap (CIV | LVI << 8
 * | PICB << 16 and SR | PIV << 16 | CR << 24; Linux never reads them); the
 * NABMBAR is 80 bytes (Linux touches 4Ch; the real size is not known); the
 * word at 4Ch has bit 0 alone writable and its other bits read 0; while
 * that bit is 0 the PCM-out slots carry zeros (Linux's "unmute"), the
 * engine running as ever.
 *
 * Not modelled: the tertiary codec and its ready (GLOB_STA bit 18) and
 * resume (bit 19) bits, the multichannel bits at GLOB_CNT 7:6, the
 * controller's PCI identity.
 */
#include "profile.h"

const struct ac97_profile ac97_profile_sis7012 = {
	.name = "sis7012",
	.title = "SiS7012 with a Cirrus Logic CS4205",
	.source = "Linux sound/pci/intel8x0.c (DEVICE_SIS)",
	.codec = &codec_part_cs4205,
	.quirks = AC97_QUIRK(AC97_Q_SR_PICB_SWAPPED) | AC97_QUIRK(AC97_Q_PICB_BYTES) |
		  AC97_QUIRK(AC97_Q_OUTPUT_MUTE_4C),
	.rate_min_hz = 0,
	.nabm_bytes = 0x50,
};
