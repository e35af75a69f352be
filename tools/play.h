/*
 * play.h - `ac97sim play FILE`: a sound file through the whole stack (the
 * port model, the reference miniport or a variant, the device, the codec),
 * streamed from the file to the output WAV and/or SDL2 as the run goes.
 * Also what `play` and `capture` share: which rates the codec can do, the
 * longest input they take, the run's budget.
 */
#ifndef AC97SIM_PLAY_H
#define AC97SIM_PLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audio_file.h"
#include "codec.h"
#include "scenario.h"

/* The longest input play and capture take: 6 hours. Their output is a
 * 16-bit WAV file, whose sizes are 32 bits: 6 hours of stereo at 48 kHz
 * is 4,147,200,000 bytes, under the 4 GiB a WAV file can hold at every
 * rate the codec plays. The audio is streamed, never held; the run's
 * bookkeeping grows by about 40 MB an hour (play.c). */
#define PLAY_SECONDS_MAX (6u * 3600u)

int cmd_play(int argc, char **argv);
void help_play(FILE *f);

/* True when the codec part (NULL: the default, the ich profile's) runs
 * conv at exactly rate_hz: asked of the codec model itself (reset, VRA and
 * VRM on, the rate written to the converter's rate register and read back
 * unchanged), and at most one sample an AC-link frame (48 kHz). */
bool play_rate_supported(const struct codec_part *part, enum codec_converter conv,
			 uint32_t rate_hz);

/* The rates play_rate_supported accepts for conv, ascending, as
 * "8000, 11025, ... 48000", or "any from 1 to 48000" for a part that keeps
 * the rate written (truncated to len). */
void play_supported_rates(const struct codec_part *part, enum codec_converter conv, char *buf,
			  size_t len);

/* Checks an opened input for `cmd` (play, capture): some audio, a rate the
 * converter does exactly, at most PLAY_SECONDS_MAX long (said with its
 * length: "FILE: 125:03 long; ..."). Prints the refusal as
 * "ac97sim: FILE: reason" and returns false. */
bool play_input_ok(const char *cmd, const char *path, const struct audio_info *in,
		   enum codec_converter conv, const struct codec_part *part);

/* Limits for a run of a stream of `frames` at rate_hz: twice its length
 * in simulated time plus a minute, and about ten times the scheduling
 * points such a run takes, plus the default (a run that loops is cut);
 * and no swarm faults (what is played is heard undisturbed). */
void play_set_budget(struct scenario *sc, uint64_t frames, uint32_t rate_hz);

/* The exit status of a run's verdict (exit_status.h). */
int play_exit_for(enum run_verdict verdict);

#endif
