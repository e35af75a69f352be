/*
 * planted_race.c - the reference driver with one planted data race, as a
 * plug-in (built with miniports/ac97_reference.c, which uses the SDK
 * only): a count of Service calls, shared by every CPU, kept outside the
 * stream's lock. Service runs in the port's service DPC, and a DPC that
 * is running can be queued again and start on another CPU (a Notify from
 * the next interrupt): two Services at once, each reading the count, doing
 * a little work and writing it back, lose an update.
 *
 * Nothing reads the count, so no checker can see it: the stream plays
 * the same audio. The deterministic machine runs one CPU at a time and
 * switches only at kernel calls, so the read and the write back are never
 * torn apart there (and the fibers share one host thread); on the native
 * backend they run on two host threads at once, and ThreadSanitizer
 * (make tsan, tests/tsan.sh) reports the race at add_service.
 */
#include "ac97_reference.h"

static struct {
	uint64_t services;	/* THE PLANTED RACE: no lock guards it */
} shared_stats;

/* Read, work, write back: the lost-update shape, with work between that
 * makes no kernel call (so no scheduling point, and no lock). */
static void add_service(void)
{
	uint64_t v = shared_stats.services;
	for (volatile unsigned spin = 0; spin < 20000u; spin++) {
	}
	shared_stats.services = v + 1u;
}

static void service_counting(void *stream)
{
	add_service();
	ac97_service(stream);
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	return ac97_adapter_start(adapter, res, &ac97_reference_policy);
}

AC97SIM_DRIVER_DEFINE = {
	.abi = AC97SIM_DRIVER_ABI,
	.name = "planted-race",
	.description = "the reference with an unlocked shared count (a planted data race)",
	.adapter_bytes = sizeof(struct ac97_adapter),
	.stream_bytes = sizeof(struct ac97_stream),
	.adapter_start = start,
	.adapter_stop = ac97_adapter_stop,
	.stream_open = ac97_stream_open,
	.stream_close = ac97_stream_close,
	.stream_ops = {
		.set_state = ac97_set_state,
		.service = service_counting,
		.mapping_available = ac97_mapping_available,
		.revoke_mappings = ac97_revoke_mappings,
		.get_position = ac97_get_position,
	},
};
