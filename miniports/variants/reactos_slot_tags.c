/*
 * reactos_slot_tags.c - ReactOS's rewrite of the AC'97 sample used the
 * descriptor slot as the mapping's tag, so tags repeat every 32 mappings:
 * a tag can name a live mapping again (and a stale revoke range can match
 * a new mapping). Found as "tag-reuse".
 *
 * The difference from the reference driver: the tag is the slot index.
 */
#include "ac97_reference.h"

static ac97_tag slot_tag(struct ac97_stream *s)
{
	return (s->head + s->count) % MINIPORT_BDL_ENTRIES;
}

static NTSTATUS start(void *adapter, const AC97SIM_RESOURCES *res)
{
	struct ac97_policy p = ac97_reference_policy;
	p.next_tag = slot_tag;
	p.tags_increase = false;
	return ac97_adapter_start(adapter, res, &p);
}

const struct ac97sim_driver ac97sim_builtin_reactos_slot_tags = AC97_REFERENCE_DRIVER(
	"reactos-slot-tags", "ReactOS rewrite: tags are slot indexes that repeat every 32 mappings",
	start, ac97_revoke_mappings);
