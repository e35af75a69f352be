/*
 * wdk81_revoke_unsuccessful.c - the WDK 8.1 AC'97 sample gave up on a
 * revoke whose FirstTag it no longer held: a release had won the race for
 * that mapping between the port choosing the range and the call. It
 * returned STATUS_UNSUCCESSFUL and revoked nothing, so the rest of the
 * range stayed queued for DMA: found as "revoke-failed".
 *
 * The difference from the reference driver: RevokeMappings first looks
 * for FirstTag and fails when it is gone.
 */
#include "ac97_reference.h"

static NTSTATUS revoke_gives_up(void *stream, PVOID first, PVOID last, PULONG revoked)
{
	struct ac97_stream *s = stream;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	bool gone = !ac97_listed(s, (ac97_tag)(uintptr_t)first);
	ac97_unlock(s, old);
	if (gone) {
		*revoked = 0;
		return STATUS_UNSUCCESSFUL;
	}
	return ac97_revoke_mappings(stream, first, last, revoked);
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	return ac97_adapter_start(adapter, res, &ac97_reference_policy);
}

const struct ac97sim_driver ac97sim_builtin_wdk81_revoke_unsuccessful = AC97_REFERENCE_DRIVER(
	"wdk81-revoke-unsuccessful",
	"WDK 8.1 sample: a revoke that finds FirstTag already released returns "
	"STATUS_UNSUCCESSFUL and revokes nothing",
	start, revoke_gives_up);
