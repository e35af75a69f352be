/*
 * mappings.h - the checkers' shared view of the port's mappings and IRPs:
 * every mapping the port has made, its state and since when, which guest
 * pages it covers (newest owner first, so a DMA address can be traced to
 * the mapping that had it), how far DMA got into it, and whether anything
 * moved lately. It subscribes at the bus's MODEL phase, so it is up to
 * date before any checker sees the same event; it never fails a run.
 *
 * "Done" means DMA went through the whole mapping (render: fetched from
 * memory; capture: written to its end); a mapping is "available" while it
 * is PENDING, or ACQUIRED and not done. "Progress" is a mapping becoming
 * ACQUIRED or RELEASED, DMA touching a live mapping, or audio data
 * crossing the AC-link.
 *
 * Memory: a record per mapping and per IRP and one word per guest page; no
 * audio is kept.
 */
#ifndef AC97SIM_MAPPINGS_H
#define AC97SIM_MAPPINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "gmem.h"
#include "port.h"
#include "simtime.h"

struct checker_stats;
struct machine;

struct mapping_rec {
	struct port_mapping_info info;
	sim_ticks_t state_tick;		/* when the state last changed */
	uint32_t dma_hi_bytes;		/* highest offset + 1 that DMA touched */
	sim_ticks_t fetched_tick;	/* when DMA first reached its end (0: not yet) */
	uint32_t link_first, link_count;	/* its entries in links[] (pages it covers) */
	uint32_t terminal_reports;	/* times it became RELEASED, REVOKED or DROPPED */
	bool known;			/* reported by the port (else a hole) */
	bool done;			/* DMA reached its end */
};

struct irp_rec {
	bool known;
	uint32_t completed, cancelled;
};

struct mappings;

/* What checkers read at every scheduling step, first in the view so that
 * reading it is inline (mappings.c defines the rest): the stream's state
 * as the port last reported it (the port publishes every change, and the
 * view follows at the MODEL phase, before any checker looks), how many
 * mappings are available, and the last tick something moved. */
struct mappings_hot {
	KSSTATE state;
	uint32_t n_available;
	sim_ticks_t last_progress_tick;
};

static inline const struct mappings_hot *mappings_hot(const struct mappings *v)
{
	return (const struct mappings_hot *)(const void *)v;
}

/* A view of stream ps (or, with ps NULL, of what tests publish themselves
 * as the port would), subscribed to m's bus. NULL when out of memory. */
struct mappings *mappings_attach(struct machine *m, struct port_stream *ps,
				 const struct port_stream_config *scfg, struct checker_stats *stats);
void mappings_free(struct mappings *v);

uint32_t mappings_count(const struct mappings *v);
/* The record of mapping index (NULL past the end); valid until the next
 * event (the table grows). */
struct mapping_rec *mappings_get(struct mappings *v, uint32_t index);
uint32_t mappings_irp_count(const struct mappings *v);
const struct irp_rec *mappings_irp(const struct mappings *v, uint32_t irp);

/* The stream: its state (as the port reports it), when it last entered
 * STOP (0: never), and the port (NULL when tests play it). */
static inline KSSTATE mappings_state(const struct mappings *v)
{
	return mappings_hot(v)->state;
}
sim_ticks_t mappings_last_stop_tick(const struct mappings *v);
/* The stream's engine (enum ac97_engine_id), and what moved there since
 * the run began: its data DMA (render reads, capture writes), and for
 * render the data bytes that crossed the AC-link. */
int mappings_engine(const struct mappings *v);
uint64_t mappings_engine_moved_bytes(const struct mappings *v);
uint64_t mappings_link_data_bytes(const struct mappings *v);
struct port_stream *mappings_port(const struct mappings *v);

/* Progress: the last tick something moved, and how many mappings are
 * available now. */
static inline sim_ticks_t mappings_last_progress(const struct mappings *v)
{
	return mappings_hot(v)->last_progress_tick;
}
static inline uint32_t mappings_available(const struct mappings *v)
{
	return mappings_hot(v)->n_available;
}

/* Calls fn for every piece of [addr, addr + len) that lies in a mapping's
 * memory, newest owner first, each byte once; returns whether any did. */
typedef void (*mappings_piece_fn)(void *ctx, struct mapping_rec *rec, uint64_t lo, uint64_t hi);
bool mappings_each_owner(struct mappings *v, uint64_t addr, uint64_t len, mappings_piece_fn fn,
			 void *ctx);

/* The newest mapping covering addr, or NULL. */
const struct mapping_rec *mappings_at(struct mappings *v, uint64_t addr);

/* "mapping 3 (tag 0x2a, IRP 1, RELEASED)" */
const char *mappings_describe(const struct mappings *v, uint32_t index, char *buf, size_t len);
/* The same for the mapping at addr, or "no mapping". */
const char *mappings_describe_addr(struct mappings *v, uint64_t addr, char *buf, size_t len);

bool mapping_state_terminal(enum port_mapping_state s);
bool mapping_state_revoked(enum port_mapping_state s);

#endif
