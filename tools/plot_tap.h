/*
 * plot_tap.h - what `--plot` draws: the frames of PCM out around the
 * first wrong sample of an audio-conservation failure, as they crossed
 * the AC-link, against what the stream held there.
 *
 * The tap is an observer of the run (scenario.h) that keeps the last
 * PLOT_TAP_RING_FRAMES frames of PCM out that crossed the link, data and
 * fill alike, each with its tick, so memory stays flat however long the
 * run. A run stops at its failure, so the wrong sample is among the last
 * frames kept. A continuation (`--continue`) goes on past it: aimed at the
 * failure's tick (plot_tap_aim), the tap stops keeping frames once
 * PLOT_AFTER_FRAMES have crossed after it, and the plot shows the glitch
 * in context.
 *
 * What was due: link sample j after the wrong one was due to carry stream
 * sample due_sample + j (the stream in order from the byte the checker
 * expected, as if nothing had gone wrong), and sample j before it stream
 * sample due_sample - j, which is what did cross there, as the checker
 * had matched it, unless fill frames came between.
 */
#ifndef AC97SIM_PLOT_TAP_H
#define AC97SIM_PLOT_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checkers.h"
#include "scenario.h"

#define PLOT_TAP_RING_FRAMES 8192u
#define PLOT_BEFORE_FRAMES 240u	/* 5 ms at 48 kHz */
#define PLOT_AFTER_FRAMES 240u

struct plot_tap_frame {
	sim_ticks_t tick;
	int16_t sample[2];
	uint8_t kind;		/* enum ac97_span_kind */
};

struct plot_tap {
	struct plot_tap_frame *ring;	/* PLOT_TAP_RING_FRAMES, or NULL (out of memory) */
	uint32_t head, count;		/* oldest frame, frames kept */
	bool aimed;
	sim_ticks_t aim_tick;
	uint32_t after_aim;		/* frames kept after aim_tick */
};

void plot_tap_init(struct plot_tap *t);
void plot_tap_free(struct plot_tap *t);
/* Keeps frames only up to PLOT_AFTER_FRAMES after tick (a continuation). */
void plot_tap_aim(struct plot_tap *t, sim_ticks_t tick);
struct scenario_observer plot_tap_observer(struct plot_tap *t);

/*
 * Draws the frames kept around miss (audio-conservation's first wrong
 * sample) against what sc's stream held there, as PNG, or SVG when path
 * ends in ".svg", through outfile.h; title names the run, stopped_note is
 * written where frames end before PLOT_AFTER_FRAMES (a run that stopped at
 * its failure). Returns 0, or
 * -1 with err ("PATH: reason": the frame of the miss was not kept, the
 * output cannot be written).
 */
int plot_tap_draw(const struct plot_tap *t, const struct scenario *sc,
		  const struct audio_miss *miss, const char *title, const char *stopped_note,
		  const char *path, char *err, size_t err_len);

#endif
