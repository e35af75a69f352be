/*
 * ac97_reference.h - the reference AC'97 WavePci miniport: adapter
 * start-up, the interrupt, and one stream per bus-master engine, written
 * only against the driver SDK (kernel.h, wavepci.h, the register facts).
 * This header is for the reference driver and the variants that reproduce
 * historical bugs by replacing one of its policies; other drivers see
 * only the SDK.
 *
 * What it keeps (the invariants of docs/wavepci.md, each asserted or
 * tested):
 *  1. At most 31 of the 32 descriptors in use; tail = head + count.
 *  2. Descriptor i and shadow record i describe the same piece of the same
 *     mapping, in GetMapping order.
 *  3. While entries exist and no revoke is being finished, LVI = tail - 1.
 *  4. Completion comes from CIV (and CELV for the last entry), never from
 *     counting interrupts.
 *  5. Releases go strictly in order from head.
 *  6. One lock covers the list and every register write; it is dropped
 *     around GetMapping and ReleaseMapping, and nothing read before the
 *     drop is trusted after it.
 *  7. After a reset the engine starts only with at least 2 entries queued,
 *     or 1 when the port has no more to give.
 *  8. One producer and one consumer at a time; a second caller leaves a
 *     "go again" flag for the one running.
 *  9. Tags are 64-bit counters, never reused.
 * 10. Nothing of a stream runs after stream_close returns, nor of the
 *     adapter after adapter_stop: the ISR reaches a stream only through
 *     the adapter's list, which close changes under the interrupt's lock;
 *     close cancels the stream's timer and stop disconnects the
 *     interrupt, and then each waits for the DPCs already queued or
 *     running (KeFlushQueuedDpcs).
 *
 * Revoking while the engine runs (the hard part) pauses DMA, looks at CIV
 * and PIV, and then: entries already played become tombstones; queued
 * entries become zero-length descriptors (the controller passes over them);
 * a revoked prefetched entry (PIV) with a surviving current one makes the
 * engine halt at the end of the current buffer (LVI = CIV) and resume
 * afterwards, so the prefetched copy is never used; a revoked current entry
 * means a reset (RR) and a rebuilt list. No sample of a surviving mapping
 * is lost or repeated; DMA never touches a revoked mapping after the call.
 */
#ifndef AC97SIM_AC97_REFERENCE_H
#define AC97SIM_AC97_REFERENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "ac97_regs.h"
#include "codec_regs.h"
#include "driver.h"
#include "kernel.h"
#include "wavepci.h"

#define MINIPORT_BDL_ENTRIES 32u
#define MINIPORT_BDL_IN_USE_MAX 31u
/* The bug check the driver raises when its own invariants break (as a
 * checked build's ASSERT would stop Windows). p1 is the invariant's
 * number, as listed above. */
#define MINIPORT_BUGCHECK_INVARIANT 0x0000AC97u

/* The driver's own tags: counters, handed to the port as PVOIDs. */
typedef uint64_t ac97_tag;

struct ac97_stream;

/*
 * The decisions a WavePci miniport makes that the historical bugs got
 * wrong, each one small function. The reference driver's are
 * ac97_reference_policy's; a variant copies it and replaces one (see
 * variants/), so that it differs from the reference by exactly that.
 */
struct ac97_policy {
	/* The tag of the next mapping (the reference: a counter). */
	ac97_tag (*next_tag)(struct ac97_stream *s);
	/* Whether tags grow along the list (invariant 9 is checked then). */
	bool tags_increase;
	/* GetMapping and ReleaseMapping, called with the stream's lock held:
	 * the reference drops it around the call and takes it again. */
	NTSTATUS (*get_mapping)(struct ac97_stream *s, KIRQL *old_irql, ac97_tag tag,
				PHYSICAL_ADDRESS *physical, PVOID *virtual_address, ULONG *bytes,
				ULONG *flags);
	/* Releases tags[0..n) in order (a bounce frame may end two). */
	void (*release_mappings)(struct ac97_stream *s, KIRQL *old_irql, const ac97_tag *tags,
				 unsigned n);
	/* A producer entering (lock held): false when another one runs, which
	 * then goes round again (the reference admits one at a time). */
	bool (*enter_producer)(struct ac97_stream *s);
	/* What a producer that found another running does (lock held): the
	 * reference leaves it a "go again" flag, so no wakeup is lost. */
	void (*producer_busy)(struct ac97_stream *s);
	/* How many entries from head the engine is done with (lock held):
	 * the reference derives it from CIV and CELV, again after every drop
	 * of the lock (invariant 4). */
	uint32_t (*entries_done)(struct ac97_stream *s);
	/* Whether tag lies in a revoke's range first..last. */
	bool (*in_revoke_range)(ac97_tag tag, ac97_tag first, ac97_tag last);
	/* Whether a revoke resets the engine; current_revoked says whether
	 * the buffer at CIV is in the range (the reference: only then). */
	bool (*revoke_resets)(struct ac97_stream *s, bool current_revoked);
};

extern const struct ac97_policy ac97_reference_policy;

struct ac97_shadow {
	ac97_tag tag;
	uint32_t physical;
	uint32_t bytes;
	bool last_part;		/* the mapping is released when this part is done */
	bool tombstone;		/* revoked: the descriptor carries nothing */
	bool completed;		/* known played (kept across a rebuild) */
	/* A bounce frame: the last sample of mapping `tag` and the first of
	 * mapping `tag2`, copied into the stream's bounce memory because a
	 * frame straddles the two. When `tag2_ends` the second mapping was that
	 * one sample and is released with this part too. */
	bool bounce;
	bool tag2_ends;
	ac97_tag tag2;
};

struct ac97_adapter;

struct ac97_stream {
	struct ac97_adapter *adapter;
	enum ac97_engine_id engine;
	PORT_STREAM *port;
	bool capture;
	uint32_t channels;
	uint32_t rate_hz;
	uint32_t descriptor_max_bytes;
	bool timer_service;
	uint32_t timer_period_ms;
	KSSTATE state;
	KSPIN_LOCK lock;
	uint8_t *bdl;
	uint32_t bdl_physical;
	uint32_t null_physical;	/* where zero-length descriptors point */
	struct ac97_shadow shadow[MINIPORT_BDL_ENTRIES];
	uint32_t head, count;
	/* The unqueued rest of a mapping too large for the free descriptors. */
	bool split_active;
	ac97_tag split_tag;
	uint32_t split_physical;
	uint32_t split_bytes_left;
	bool split_releases;	/* its last piece releases it (no carry follows) */
	/* A mapping that ended in the middle of a frame (render): its last
	 * sample, copied when the mapping was taken so that nothing reads the
	 * mapping after a revoke, waits for the next mapping's first. */
	bool carry;
	ac97_tag carry_tag;
	uint8_t carry_sample[2];
	uint8_t *bounce;	/* one frame per descriptor slot */
	uint32_t bounce_physical;
	bool producing, produce_again;
	/* A GetMapping in flight with the lock dropped, for the tag the
	 * producer chose: a revoke that names it while it is unlisted counts
	 * it and sets getting_revoked, and the producer drops what the port
	 * handed out (it is the port's again: never listed, never released). */
	bool getting, getting_revoked;
	ac97_tag getting_tag;
	bool consuming, consume_again;
	/* For the race windows it marks (AcMark): counters of changes to the
	 * list and of rebuilds, seen before and after each lock drop; a
	 * revoke in progress; a STOP that left entries queued. */
	uint32_t list_changes, rebuilds;
	bool revoking;
	bool stopped_with_entries;
	bool port_empty;	/* the last GetMapping said STATUS_NOT_FOUND */
	bool dma_started;	/* RPBM set since the last reset */
	bool hold_lvi;		/* halting at CIV to get past a revoked PIV */
	bool service_pending;	/* the ISR saw this engine's status */
	uint8_t lvi_written;	/* the last LVI the driver wrote */
	bool lvi_valid;
	ac97_tag next_tag;
	uint64_t bytes_done;	/* bytes of entries released, revoked or completed */
	uint64_t last_position;
	KTIMER timer;
	KDPC timer_dpc;
};

struct ac97_adapter {
	struct ac97_policy policy;
	AC97SIM_RESOURCES res;
	KINTERRUPT interrupt;
	KDPC dpc;
	struct ac97_stream *streams[AC97_ENGINE_COUNT];
	bool started;
};

/* The reference driver's entry points (driver.h), for its variants. */
NTSTATUS ac97_adapter_start(struct ac97_adapter *a, const AC97SIM_RESOURCES *res,
			    const struct ac97_policy *policy);
void ac97_adapter_stop(void *adapter);
NTSTATUS ac97_stream_open(void *adapter, void *stream, const struct ac97sim_stream_params *p);
void ac97_stream_close(void *stream);
NTSTATUS ac97_set_state(void *stream, KSSTATE state);
void ac97_service(void *stream);
void ac97_mapping_available(void *stream);
NTSTATUS ac97_revoke_mappings(void *stream, PVOID first, PVOID last, PULONG revoked);
NTSTATUS ac97_get_position(void *stream, PULONGLONG position);

/* The reference's entries_done (CIV, and CELV for the last entry). */
uint32_t ac97_entries_done(struct ac97_stream *s);

/* Whether tag is still in the stream's list (not released or revoked).
 * Lock held. */
bool ac97_listed(const struct ac97_stream *s, ac97_tag tag);
/* Lets the lock go after checking the invariants. */
void ac97_unlock(struct ac97_stream *s, KIRQL old_irql);

/* A driver description built on the reference, with its own adapter start
 * (which picks the policy) and RevokeMappings. */
#define AC97_REFERENCE_DRIVER(name_, description_, start_, revoke_)                         \
	{                                                                                     \
		.abi = AC97SIM_DRIVER_ABI,                                                    \
		.name = name_,                                                                \
		.description = description_,                                                  \
		.adapter_bytes = sizeof(struct ac97_adapter),                                 \
		.stream_bytes = sizeof(struct ac97_stream),                                   \
		.adapter_start = start_,                                                      \
		.adapter_stop = ac97_adapter_stop,                                            \
		.stream_open = ac97_stream_open,                                              \
		.stream_close = ac97_stream_close,                                            \
		.stream_ops = {                                                               \
			.set_state = ac97_set_state,                                          \
			.service = ac97_service,                                              \
			.mapping_available = ac97_mapping_available,                          \
			.revoke_mappings = revoke_,                                           \
			.get_position = ac97_get_position,                                    \
		},                                                                            \
	}

/* The built-in drivers, for the registry. */
extern const struct ac97sim_driver ac97sim_builtin_reference;

#endif
