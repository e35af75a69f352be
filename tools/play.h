/*
 * play.h - `ac97sim play FILE`: a sound file through the whole stack (the
 * port model, the reference miniport or a variant, the device, the codec),
 * written as the codec's output and heard through SDL2. Also what `play`
 * and `capture` share: which rates the codec can do, option parsing.
 */
#ifndef AC97SIM_PLAY_H
#define AC97SIM_PLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codec.h"
#include "scenario.h"

int cmd_play(int argc, char **argv);
void help_play(FILE *f);

/* True when the modelled codec runs conv at exactly rate_hz: asked of the
 * codec model itself (reset, VRA and VRM on, the rate written to the
 * converter's rate register and read back unchanged). */
bool play_rate_supported(enum codec_converter conv, uint32_t rate_hz);

/* The rates play_rate_supported accepts for conv, ascending, as
 * "8000, 11025, ... 48000" (truncated to len). */
void play_supported_rates(enum codec_converter conv, char *buf, size_t len);

/* Limits for a run of a stream of `frames` at rate_hz: twice its length
 * in simulated time plus a minute, and about six times the scheduling
 * points such a run takes, plus the default (a run that loops is cut). */
void play_set_budget(struct scenario *sc, uint64_t frames, uint32_t rate_hz);

/* A whole-string unsigned number, decimal or 0x-hex. */
bool play_parse_u64(const char *text, uint64_t *out);

/* The driver names scenario_set_driver knows, as "reference, ddk1999-...". */
void play_driver_names(char *buf, size_t len);

/* Fetches the value of option `name` (given as "--name VALUE" or
 * "--name=VALUE") at argv[*i]; advances *i past it. Returns 1 when argv[*i]
 * is that option (value in *value), 0 when it is not, -1 when the value is
 * missing or empty (reported on stderr as "ac97sim: CMD: --name needs a
 * VALUE"). */
int play_option_value(const char *cmd, const char *name, const char *what, int argc, char **argv,
		      int *i, const char **value);

#endif
