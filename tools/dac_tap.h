/*
 * dac_tap.h - what a listener hears: a sink for the AC-link spans of PCM
 * out that turns them into the codec's analogue output (volume as the
 * reference driver leaves it: 0 dB, unmuted), frames of silence or BUP
 * fill included, collected in memory from the stream's first data frame
 * on, at that frame's rate.
 */
#ifndef AC97SIM_DAC_TAP_H
#define AC97SIM_DAC_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include "ac97.h"

struct dac_tap {
	struct codec codec;
	int16_t *pcm;		/* interleaved stereo */
	uint64_t frames, capacity_frames;
	uint64_t data_end_frames;	/* frames up to the end of the last data span */
	uint32_t rate_hz;	/* of the first data span */
	bool started;		/* a data span has come */
	bool other_rate;	/* a span at another rate came after the start */
	bool out_of_memory;
};

void dac_tap_init(struct dac_tap *t);
void dac_tap_free(struct dac_tap *t);
/* The sink to give the device (or scenario_run). */
struct ac97_sink dac_tap_sink(struct dac_tap *t);

#endif
