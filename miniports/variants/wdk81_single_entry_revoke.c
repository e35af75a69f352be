/*
 * wdk81_single_entry_revoke.c - the WDK 8.1 AC'97 sample had a shortcut
 * for a list of one entry: it dropped that entry whatever the revoke's
 * tags said. When the one entry left belongs to another IRP than the one
 * being cancelled, the wrong mapping goes and the right one stays: found
 * as "revoke-count" (or "release-revoked").
 *
 * The difference from the reference driver: with one entry listed, the
 * revoke's range becomes that entry.
 */
#include "ac97_reference.h"

static NTSTATUS revoke_the_one_entry(void *stream, PVOID first, PVOID last, PULONG revoked)
{
	struct ac97_stream *s = stream;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	if (s->count == 1 && !s->split_active && !s->shadow[s->head].tombstone)
		first = last = (PVOID)(uintptr_t)s->shadow[s->head].tag;
	ac97_unlock(s, old);
	return ac97_revoke_mappings(stream, first, last, revoked);
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	return ac97_adapter_start(adapter, res, &ac97_reference_policy);
}

const struct ac97sim_driver ac97sim_builtin_wdk81_single_entry_revoke = AC97_REFERENCE_DRIVER(
	"wdk81-single-entry-revoke",
	"WDK 8.1 sample: with one entry listed, a revoke drops it whatever its tag",
	start, revoke_the_one_entry);
