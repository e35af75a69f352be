/*
 * plot.h - a picture of audio gone wrong: for each channel, what crossed
 * the AC-link against what should have, around one moment, drawn with
 * cairo as PNG or SVG. It knows nothing of runs or checkers: plot_tap.h
 * gathers what it draws.
 *
 * The picture: a title and a caption; one panel per channel with the
 * expected samples (a broad blue line) under the ones that crossed (a thin
 * black line with a dot per sample), frames that carried no data (fill,
 * underrun) shaded; below them, a panel of the difference, crossed minus
 * expected, which is flat until the moment; a red dashed line at the
 * moment through every panel; time in ms from the moment.
 */
#ifndef AC97SIM_PLOT_H
#define AC97SIM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum plot_frame_kind { PLOT_DATA, PLOT_NO_DATA };

struct plot_point {
	int64_t t_ns;		/* from the moment (negative before it) */
	int16_t crossed[2];
	int16_t expected[2];
	bool expected_known;
	enum plot_frame_kind kind;
};

struct plot_input {
	const char *title;
	const char *caption;
	const struct plot_point *points;	/* in time order */
	uint32_t n_points;
	uint32_t moment;	/* the index of the point at the moment */
	uint32_t moment_channel;	/* the channel of the wrong sample */
	/* The time drawn, at least the points' own (0: just theirs). */
	int64_t span_before_ns, span_after_ns;
	/* When the points end before span_after_ns: what the blank says
	 * (NULL: nothing). */
	const char *after_note;
};

/* Writes the picture to path: SVG when its name ends in ".svg", else PNG,
 * through outfile.h (whole or not at all). Returns 0, or -1 with err
 * ("PATH: reason"). */
int plot_write(const char *path, const struct plot_input *in, char *err, size_t err_len);

#endif
