/*
 * profile_ich.c - the `ich` profile: the Intel 82801AA as its documents
 * describe it (docs/hardware.md), with a Cirrus Logic CS4205. No quirks:
 * this is what every other profile is measured against.
 */
#include "profile.h"

#include "ac97_regs.h"

const struct ac97_profile ac97_profile_ich = {
	.name = "ich",
	.title = "Intel 82801AA (ICH) with a Cirrus Logic CS4205",
	.source = "Intel 82801AA datasheet, ICH5 AC'97 PRM 302349, ICH7 datasheet 307013",
	.codec = &codec_part_cs4205,
	.quirks = 0,
	.rate_min_hz = 0,
	.nabm_bytes = AC97_NABM_BYTES,
};
