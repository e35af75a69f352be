/*
 * cadence.h - which AC-link frames carry a sample at a converter rate.
 *
 * The codec asks for a sample (SLOTREQ, AC'97 2.3 section 5.8) in the frames
 * its rate needs: at R Hz it asks in R of every 48000 frames, spread like a
 * Bresenham line. We define the requests counted from an anchor frame a with
 * a phase p in [0, 48000): frames [a, a + m) hold floor((m * R + p) / 48000)
 * requests. A fresh anchor uses p = 48000 - R so that the anchor frame itself
 * asks (at 48 kHz every frame asks; at 44.1 kHz 147 of every 160 do). The
 * codec re-anchors when a rate changes or the link comes up; the datasheet
 * leaves the phase open, and this is our documented choice.
 *
 * Everything is O(1) so the device never loops over frames; 48 kHz, the
 * common case, needs no division at all.
 */
#ifndef AC97SIM_CADENCE_H
#define AC97SIM_CADENCE_H

#include <assert.h>
#include <stdint.h>

#include "simtime.h"

/* The largest frame number (and so request number) the cadence is asked
 * about: the clock's horizon (simtime.h) plus a quarter of it, far more
 * than the frames any latency, delay or buffer reaches past the horizon.
 * Up to it, (frame + 2) * 48000 fits in 64 bits, so no product below
 * wraps, and a frame's tick (frame * 256) does not either. */
#define CADENCE_FRAMES_MAX (SIM_FRAMES_HORIZON + SIM_FRAMES_HORIZON / 4u)
_Static_assert(CADENCE_FRAMES_MAX + 2u <= UINT64_MAX / SIM_FRAMES_PER_SECOND,
	       "the cadence's products fit in 64 bits up to CADENCE_FRAMES_MAX");
_Static_assert(CADENCE_FRAMES_MAX <= UINT64_MAX / SIM_TICKS_PER_FRAME,
	       "a frame's tick fits in 64 bits up to CADENCE_FRAMES_MAX");

struct cadence {
	uint64_t anchor_frame;	/* AC-link frame number of the anchor */
	uint32_t rate_hz;	/* 0 = the converter asks for nothing */
	uint32_t phase;		/* in [0, 48000) */
};

static inline struct cadence cadence_start(uint64_t anchor_frame, uint32_t rate_hz)
{
	struct cadence c = { anchor_frame, rate_hz, 0 };
	assert(rate_hz <= SIM_FRAMES_PER_SECOND);
	if (rate_hz != 0)
		c.phase = SIM_FRAMES_PER_SECOND - rate_hz;
	return c;
}

/* Requests in frames [anchor, frame). */
static inline uint64_t cadence_requests_before(const struct cadence *c, uint64_t frame)
{
	assert(frame <= CADENCE_FRAMES_MAX);
	if (c->rate_hz == 0 || frame <= c->anchor_frame)
		return 0;
	if (c->rate_hz == SIM_FRAMES_PER_SECOND)	/* every frame: no division */
		return frame - c->anchor_frame;
	return ((frame - c->anchor_frame) * c->rate_hz + c->phase) / SIM_FRAMES_PER_SECOND;
}

/* AC-link frame of request k (0-based, counted from the anchor). */
static inline uint64_t cadence_frame_of(const struct cadence *c, uint64_t k)
{
	assert(c->rate_hz != 0);
	assert(k < CADENCE_FRAMES_MAX && c->anchor_frame <= CADENCE_FRAMES_MAX);
	if (c->rate_hz == SIM_FRAMES_PER_SECOND)
		return c->anchor_frame + k;
	uint64_t need = (k + 1) * SIM_FRAMES_PER_SECOND - c->phase;
	return c->anchor_frame + (need + c->rate_hz - 1) / c->rate_hz - 1;
}

static inline sim_ticks_t cadence_tick_of(const struct cadence *c, uint64_t k)
{
	uint64_t frame = cadence_frame_of(c, k);
	assert(frame <= CADENCE_FRAMES_MAX);
	return sim_frames_to_ticks(frame);
}

/* Requests in frames that start at or before tick t. */
static inline uint64_t cadence_requests_by(const struct cadence *c, sim_ticks_t t)
{
	return cadence_requests_before(c, sim_ticks_to_frames(t) + 1);
}

#endif
