/*
 * ddk1999_lock_held.c - the 1999 DDK AC'97 sample called GetMapping and
 * ReleaseMapping with its spin lock held. Portcls may take its own locks
 * inside those calls (and call back into the miniport), so Driver Verifier
 * bug checks it (0xC4): found as "lock-across-port-call".
 *
 * The difference from the reference driver: the two port calls keep the
 * lock.
 */
#include "ac97_reference.h"

static NTSTATUS get_mapping_locked(struct ac97_stream *s, KIRQL *old_irql, ac97_tag tag,
				   PHYSICAL_ADDRESS *physical, PVOID *virtual_address, ULONG *bytes,
				   ULONG *flags)
{
	(void)old_irql;
	return PortGetMapping(s->port, (PVOID)(uintptr_t)tag, physical, virtual_address, bytes,
			      flags);
}

static void release_mappings_locked(struct ac97_stream *s, KIRQL *old_irql, const ac97_tag *tags,
				    unsigned n)
{
	(void)old_irql;
	for (unsigned i = 0; i < n; i++)
		PortReleaseMapping(s->port, (PVOID)(uintptr_t)tags[i]);
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	struct ac97_policy p = ac97_reference_policy;
	p.get_mapping = get_mapping_locked;
	p.release_mappings = release_mappings_locked;
	return ac97_adapter_start(adapter, res, &p);
}

const struct ac97sim_driver ac97sim_builtin_ddk1999_lock_held = AC97_REFERENCE_DRIVER(
	"ddk1999-lock-held",
	"1999 DDK sample: GetMapping/ReleaseMapping called with the spin lock held (bug check 0xC4)",
	start, ac97_revoke_mappings);
