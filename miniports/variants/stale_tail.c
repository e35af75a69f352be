/*
 * stale_tail.c - the producer keeps head and count in locals across the
 * lock it drops around GetMapping, and writes them back after: whatever a
 * consumer released, or a revoke took, while the lock was down comes back
 * into the list (catalogue entry 2). The next release then names a mapping
 * already released, or the list and its descriptors disagree. Found as
 * "double-release", "release-order", "bugcheck" (the driver's own
 * invariant check) or "audio-conservation".
 *
 * The difference from the reference driver: the indices from before the
 * drop are stored back after it.
 */
#include "ac97_reference.h"

static NTSTATUS get_mapping_keeping_indices(struct ac97_stream *s, KIRQL *old_irql, ac97_tag tag,
					    PHYSICAL_ADDRESS *physical, PVOID *virtual_address,
					    ULONG *bytes, ULONG *flags)
{
	uint32_t head = s->head, count = s->count;
	NTSTATUS st = ac97_reference_policy.get_mapping(s, old_irql, tag, physical, virtual_address,
							 bytes, flags);
	s->head = head;
	s->count = count;
	return st;
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	struct ac97_policy p = ac97_reference_policy;
	p.get_mapping = get_mapping_keeping_indices;
	return ac97_adapter_start(adapter, res, &p);
}

const struct ac97sim_driver ac97sim_builtin_stale_tail = AC97_REFERENCE_DRIVER(
	"stale-tail", "keeps head and count across the lock dropped around GetMapping", start,
	ac97_revoke_mappings);
