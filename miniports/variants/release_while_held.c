/*
 * release_while_held.c - the buffer DMA is playing counts as done once
 * fewer than a FIFO's worth of its samples are left to fetch, on the idea
 * that the FIFO will have them by the time anyone looks. The driver then
 * releases a mapping the engine still holds: the port takes its pages
 * back while DMA reads the last of them. Rare: only a consumer that runs
 * near the end of a buffer (a late interrupt, a timer DPC, a refill)
 * sees it. Found as "dma-after-release" or "audio-conservation".
 *
 * The difference from the reference driver: the entry at CIV is done when
 * PICB is below 32 samples.
 */
#include "ac97_reference.h"

#define NEARLY_DONE_SAMPLES 32u

static uint32_t done_when_nearly(struct ac97_stream *s)
{
	uint32_t done = ac97_entries_done(s);
	if (!s->dma_started || done >= s->count)
		return done;
	PUCHAR base = s->adapter->res.Nabmbar + (uint32_t)s->engine * AC97_ENGINE_STRIDE;
	uint8_t civ = READ_PORT_UCHAR(base + AC97_CIV) & 0x1F;
	uint16_t picb = READ_PORT_USHORT((PUSHORT)(base + AC97_PICB));
	uint32_t at = (civ + MINIPORT_BDL_ENTRIES - s->head) % MINIPORT_BDL_ENTRIES;
	if (at == done && picb < NEARLY_DONE_SAMPLES)
		return done + 1;
	return done;
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	struct ac97_policy p = ac97_reference_policy;
	p.entries_done = done_when_nearly;
	return ac97_adapter_start(adapter, res, &p);
}

const struct ac97sim_driver ac97sim_builtin_release_while_held = AC97_REFERENCE_DRIVER(
	"release-while-held", "releases the buffer DMA is playing once it is nearly done", start,
	ac97_revoke_mappings);
