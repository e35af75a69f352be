/*
 * miniport_ac97.h - the reference AC'97 WavePci miniport: adapter start-up,
 * the interrupt, and one stream per bus-master engine, written only
 * against kernel.h, port.h and the controller's registers.
 *
 * What it keeps (the invariants listed in docs/wavepci.md, each
 * asserted or tested):
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
#ifndef AC97SIM_MINIPORT_AC97_H
#define AC97SIM_MINIPORT_AC97_H

#include <stdbool.h>
#include <stdint.h>

#include "ac97_regs.h"
#include "codec_regs.h"
#include "kernel.h"
#include "port.h"

#define MINIPORT_BDL_ENTRIES 32u
#define MINIPORT_BDL_IN_USE_MAX 31u
/* The bug check the driver raises when its own invariants break (as a
 * checked build's ASSERT would stop Windows). */
#define MINIPORT_BUGCHECK_INVARIANT 0x0000AC97u

/* Switches for the driver variants of known historical bugs (docs/wavepci.md,
 * "Historical bugs"); all false in the reference driver. */
struct miniport_quirks {
	bool lock_held_across_port_calls;	/* ddk1999-lock-held */
	bool revoke_unsuccessful_if_first_released;	/* wdk81-revoke-unsuccessful */
	bool revoke_resets_dma;			/* wdk81-revoke-resets-dma */
	bool single_entry_revoke_ignores_tags;	/* wdk81-single-entry-revoke */
	bool no_producer_guard;			/* wdk81-two-producers */
	bool revoke_stops_before_last;		/* reactos-revoke-short */
	bool slot_index_tags;			/* reactos-slot-tags */
};

struct miniport_config {
	struct miniport_quirks quirks;
	uint32_t descriptor_max_bytes;	/* split mappings larger than this (<= 131068) */
	bool timer_service;		/* DirectSound style: a periodic timer DPC services */
	uint32_t timer_period_ms;
};

void miniport_config_default(struct miniport_config *cfg);

struct ac97_shadow {
	MAPPING_TAG tag;
	PHYSICAL_ADDRESS physical;
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
	MAPPING_TAG tag2;
};

struct ac97_adapter;

struct ac97_stream {
	struct ac97_adapter *adapter;
	enum ac97_engine_id engine;
	PORT_STREAM *port;
	bool capture;
	uint32_t channels;
	uint32_t rate_hz;
	KSSTATE state;
	KSPIN_LOCK lock;
	uint8_t *bdl;
	PHYSICAL_ADDRESS bdl_physical;
	PHYSICAL_ADDRESS null_physical;	/* where zero-length descriptors point */
	struct ac97_shadow shadow[MINIPORT_BDL_ENTRIES];
	uint32_t head, count;
	/* The unqueued rest of a mapping too large for the free descriptors. */
	bool split_active;
	MAPPING_TAG split_tag;
	PHYSICAL_ADDRESS split_physical;
	uint32_t split_bytes_left;
	bool split_releases;	/* its last piece releases it (no carry follows) */
	/* A mapping that ended in the middle of a frame (render): its last
	 * sample, copied when the mapping was taken so that nothing reads the
	 * mapping after a revoke, waits for the next mapping's first. */
	bool carry;
	MAPPING_TAG carry_tag;
	uint8_t carry_sample[2];
	bool carry_lost;	/* a revoke took the carried sample: pair with zero */
	uint8_t *bounce;	/* one frame per descriptor slot */
	PHYSICAL_ADDRESS bounce_physical;
	bool producing, produce_again;
	bool consuming, consume_again;
	bool port_empty;	/* the last GetMapping said STATUS_NOT_FOUND */
	bool dma_started;	/* RPBM set since the last reset */
	bool hold_lvi;		/* halting at CIV to get past a revoked PIV */
	bool service_pending;	/* the ISR saw this engine's status */
	uint8_t lvi_written;	/* the last LVI the driver wrote */
	bool lvi_valid;
	MAPPING_TAG next_tag;
	uint64_t bytes_done;	/* bytes of entries released, revoked or completed */
	uint64_t last_position;
	KTIMER timer;
	KDPC timer_dpc;
};

struct ac97_adapter {
	struct miniport_config cfg;
	CM_RESOURCES res;
	KINTERRUPT interrupt;
	KDPC dpc;
	struct ac97_stream *streams[AC97_ENGINE_COUNT];
	bool started;
};

/* Brings the controller and codec up (PASSIVE_LEVEL): cold reset, codec
 * ready, unmute, connect the interrupt. */
NTSTATUS ac97_adapter_start(struct ac97_adapter *a, const CM_RESOURCES *res,
			    const struct miniport_config *cfg);
/* Disconnects the interrupt and puts the link in reset (PASSIVE_LEVEL). */
void ac97_adapter_stop(struct ac97_adapter *a);

/* A stream on one engine (PO for render, PI or MC for capture) at rate_hz,
 * bound to the port stream ps (PASSIVE_LEVEL). */
NTSTATUS ac97_stream_open(struct ac97_adapter *a, struct ac97_stream *s, enum ac97_engine_id engine,
			  PORT_STREAM *ps, uint32_t channels, uint32_t rate_hz);
void ac97_stream_close(struct ac97_stream *s);

/* The stream as the port calls it. */
extern const struct miniport_stream_ops ac97_stream_ops;

#endif
