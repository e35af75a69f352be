/*
 * reactos_revoke_short.c - ReactOS's rewrite of the AC'97 sample stopped
 * its revoke loop before LastTag, so the last mapping of a cancelled IRP
 * stayed queued and the device went on reading memory the port had taken
 * back: found as "dma-after-release".
 *
 * The difference from the reference driver: the revoke range excludes
 * its last tag.
 */
#include "ac97_reference.h"

static bool range_without_last(ac97_tag tag, ac97_tag first, ac97_tag last)
{
	return tag >= first && tag < last;
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	struct ac97_policy p = ac97_reference_policy;
	p.in_revoke_range = range_without_last;
	return ac97_adapter_start(adapter, res, &p);
}

const struct ac97sim_driver ac97sim_builtin_reactos_revoke_short = AC97_REFERENCE_DRIVER(
	"reactos-revoke-short", "ReactOS rewrite: the revoke loop stops before LastTag", start,
	ac97_revoke_mappings);
