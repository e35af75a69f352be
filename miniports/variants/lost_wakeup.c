/*
 * lost_wakeup.c - a producer that finds another one running leaves
 * without a trace. MappingAvailable can arrive while the stream's producer
 * has dropped its lock around a GetMapping that is about to say
 * STATUS_NOT_FOUND: the port owes that wakeup, the driver drops it, the
 * producer comes back with nothing and leaves, and nobody asks for
 * mappings again. The stream stops with audio waiting (catalogue entry 4).
 * Found as "stall" or by the liveness checks.
 *
 * The difference from the reference driver: no "go again" flag.
 */
#include "ac97_reference.h"

static void forget_it(struct ac97_stream *s)
{
	(void)s;	/* the running producer is thought to see it anyway */
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	struct ac97_policy p = ac97_reference_policy;
	p.producer_busy = forget_it;
	return ac97_adapter_start(adapter, res, &p);
}

const struct ac97sim_driver ac97sim_builtin_lost_wakeup = AC97_REFERENCE_DRIVER(
	"lost-wakeup", "a MappingAvailable that finds the producer running is dropped", start,
	ac97_revoke_mappings);
