/*
 * hang_last.c - completion is taken from CIV alone: the engine halts at
 * LVI with the last entry played, CIV stays on it, and that entry never
 * counts as done (CELV says so; the driver does not look). When the port
 * has nothing more to give, the stream's last mapping is never released,
 * its IRP never completes, and the stream hangs with all its audio
 * played (catalogue entry 14's other side). Found by the liveness checks.
 *
 * The difference from the reference driver: CELV is ignored.
 */
#include "ac97_reference.h"

static uint32_t done_by_civ_only(struct ac97_stream *s)
{
	if (!s->dma_started)
		return 0;
	PUCHAR base = s->adapter->res.Nabmbar + (uint32_t)s->engine * AC97_ENGINE_STRIDE;
	uint8_t civ = READ_PORT_UCHAR(base + AC97_CIV) & 0x1F;
	uint32_t d = (civ + MINIPORT_BDL_ENTRIES - s->head) % MINIPORT_BDL_ENTRIES;
	return d < s->count ? d : 0;
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	struct ac97_policy p = ac97_reference_policy;
	p.entries_done = done_by_civ_only;
	return ac97_adapter_start(adapter, res, &p);
}

const struct ac97sim_driver ac97sim_builtin_hang_last = AC97_REFERENCE_DRIVER(
	"hang-last", "takes completion from CIV alone: the last mapping is never released", start,
	ac97_revoke_mappings);
