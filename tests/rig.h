/*
 * rig.h - a device on a bench for the emu tests: 16 MiB of guest memory, a
 * sink that records what crossed the AC-link, an observer that records the
 * device's events, and short helpers for register access and descriptors.
 */
#ifndef AC97SIM_TESTS_RIG_H
#define AC97SIM_TESTS_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ac97.h"
#include "fnv1a.h"
#include "gmem.h"

#define RIG_EVENTS_MAX 4096
#define RIG_OUT_MAX_FRAMES (1u << 20)

struct rig {
	struct gmem mem;
	struct ac97 dev;
	/* Per engine: frames by span kind, and an FNV-1a 64 of DATA frames. */
	uint64_t data_frames[AC97_ENGINE_COUNT];
	uint64_t fill_frames[AC97_ENGINE_COUNT];
	uint64_t underrun_frames[AC97_ENGINE_COUNT];
	uint64_t data_fnv[AC97_ENGINE_COUNT];
	uint64_t spans;
	/* PO frames of every kind in link order (left, right), up to the cap. */
	int16_t *po_samples;
	uint8_t *po_kind;	/* enum ac97_span_kind per frame */
	sim_ticks_t *po_tick;	/* AC-link tick of each frame */
	uint64_t po_frames;
	struct ac97_event events[RIG_EVENTS_MAX];
	size_t n_events;
	uint64_t event_fnv;	/* over every event but DMA ranges, to compare runs */
	uint64_t dma_bytes[AC97_ENGINE_COUNT][2];	/* [engine][write]: bytes moved */
};

void rig_init(struct rig *r, const struct ac97_config *cfg);	/* cfg NULL: defaults */
void rig_free(struct rig *r);

uint32_t rig_rd(struct rig *r, enum ac97_bar bar, uint32_t off, unsigned width);
void rig_wr(struct rig *r, enum ac97_bar bar, uint32_t off, unsigned width, uint32_t value);
void rig_advance(struct rig *r, sim_ticks_t ticks);
void rig_advance_to(struct rig *r, sim_ticks_t tick);

/* COLD# out of reset, wait for codec ready, unmute master and PCM out. */
void rig_link_up(struct rig *r);
void rig_bd(struct rig *r, uint32_t list, unsigned index, uint32_t addr, uint32_t samples,
	    bool ioc, bool bup);
/* Little-endian 16-bit samples first, first + 1, ... at addr. */
void rig_fill_ramp(struct rig *r, uint32_t addr, uint32_t n_samples, uint16_t first);

size_t rig_count(const struct rig *r, enum ac97_event_kind kind, int engine);
/* The nth (0-based) event of that kind and engine, or NULL. */
const struct ac97_event *rig_find(const struct rig *r, enum ac97_event_kind kind, int engine,
				  size_t nth);

/* Register shorthands: a BAR, or one engine's register block. */
uint32_t rig_nabm_rd(struct rig *r, uint32_t off, unsigned width);
void rig_nabm_wr(struct rig *r, uint32_t off, unsigned width, uint32_t value);
uint32_t rig_nam_rd(struct rig *r, uint32_t off, unsigned width);
void rig_nam_wr(struct rig *r, uint32_t off, unsigned width, uint32_t value);
uint32_t rig_ereg_rd(struct rig *r, enum ac97_engine_id e, uint32_t off, unsigned width);
void rig_ereg_wr(struct rig *r, enum ac97_engine_id e, uint32_t off, unsigned width,
		 uint32_t value);

/* Guest-error events with this code and engine (-1: the device). */
size_t rig_ge_count(const struct rig *r, enum ac97_guest_error ge, int engine);
const struct ac97_event *rig_ge_find(const struct rig *r, enum ac97_guest_error ge, int engine,
				     size_t nth);

/* Engine register offsets. */
static inline uint32_t rig_reg(enum ac97_engine_id e, uint32_t off)
{
	return (uint32_t)e * AC97_ENGINE_STRIDE + off;
}

#endif
