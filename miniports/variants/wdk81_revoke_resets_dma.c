/*
 * wdk81_revoke_resets_dma.c - the WDK 8.1 AC'97 sample reset the DMA
 * engine on every revoke, so the buffer playing at the time started again
 * from its first sample: audio repeats and the position jumps. Found as
 * "audio-conservation".
 *
 * The difference from the reference driver: every revoke resets the
 * engine, not only one that takes the current buffer.
 */
#include "ac97_reference.h"

static bool always_reset(struct ac97_stream *s, bool current_revoked)
{
	(void)s;
	(void)current_revoked;
	return true;
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	struct ac97_policy p = ac97_reference_policy;
	p.revoke_resets = always_reset;
	return ac97_adapter_start(adapter, res, &p);
}

const struct ac97sim_driver ac97sim_builtin_wdk81_revoke_resets_dma = AC97_REFERENCE_DRIVER(
	"wdk81-revoke-resets-dma",
	"WDK 8.1 sample: every revoke resets the engine, so the current buffer restarts",
	start, ac97_revoke_mappings);
