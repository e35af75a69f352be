/*
 * wdk81_two_producers.c - the WDK 8.1 AC'97 sample did not keep a second
 * producer out: Service (after an interrupt) and MappingAvailable (after
 * a new IRP) could both take mappings at once, each dropping the lock
 * around GetMapping, and append to the list out of GetMapping order or
 * past the last free descriptor. Found by the driver's own invariant
 * check ("bugcheck" 0xAC97) or by "release-order".
 *
 * The difference from the reference driver: every caller produces.
 */
#include "ac97_reference.h"

static bool every_producer(struct ac97_stream *s)
{
	s->producing = true;
	return true;
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	struct ac97_policy p = ac97_reference_policy;
	p.enter_producer = every_producer;
	return ac97_adapter_start(adapter, res, &p);
}

const struct ac97sim_driver ac97sim_builtin_wdk81_two_producers = AC97_REFERENCE_DRIVER(
	"wdk81-two-producers", "WDK 8.1 sample: no guard against two producers", start,
	ac97_revoke_mappings);
