/*
 * dac_tap.h - what a listener hears: a sink for the AC-link spans of PCM
 * out that turns them into the codec's analogue output (volume as the
 * reference driver leaves it: 0 dB, unmuted), frames of silence or BUP
 * fill included, from the stream's first data frame to its last one, at
 * the first data frame's rate.
 *
 * The frames go out as they come, to an emit function (a WAV writer, the
 * listener), so nothing grows with the stream's length. Fill after the
 * last data frame is not part of the output, and the tap cannot know which
 * data frame is the last: non-data frames are held back as run-length
 * counts (a few bytes per run, whatever its length) and emitted only when
 * another data frame follows; those still held when the run ends are
 * dropped. dac_tap_init instead collects the frames in memory (pcm,
 * frames), for short runs whose output is wanted whole (replay).
 */
#ifndef AC97SIM_DAC_TAP_H
#define AC97SIM_DAC_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include "ac97.h"

/* Takes n_frames interleaved stereo frames. Returns 0, or -1 to say the
 * output failed: the tap then emits nothing more (emit_failed). */
typedef int (*dac_tap_emit_fn)(void *ctx, const int16_t *frames, uint64_t n_frames);

/* Held-back fill: count frames of the link's fill value (before the codec). */
struct dac_tap_fill_run {
	int16_t fill[2];
	uint64_t frames;
};

struct dac_tap {
	struct codec codec;
	dac_tap_emit_fn emit;
	void *emit_ctx;
	uint64_t frames;	/* emitted so far: up to the last data frame */
	uint32_t rate_hz;	/* of the first data span */
	bool started;		/* a data span has come */
	bool other_rate;	/* a span at another rate came after the start */
	bool out_of_memory;	/* held-back runs or collected frames could not grow */
	bool emit_failed;
	struct dac_tap_fill_run *held;	/* non-data frames since the last data frame */
	uint32_t n_held, cap_held;
	/* dac_tap_init only: everything emitted, interleaved stereo. */
	int16_t *pcm;
	uint64_t capacity_frames;
};

/* Collects in memory (pcm, frames). */
void dac_tap_init(struct dac_tap *t);
/* Streams to emit(ctx, ...). */
void dac_tap_init_stream(struct dac_tap *t, dac_tap_emit_fn emit, void *ctx);
void dac_tap_free(struct dac_tap *t);
/* The sink to give the device (or scenario_run). */
struct ac97_sink dac_tap_sink(struct dac_tap *t);

#endif
