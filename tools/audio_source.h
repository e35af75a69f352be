/*
 * audio_source.h - a sound file as a run's samples, without holding it: a
 * block cache over an audio_reader (audio_file.h) that answers "sample i"
 * (interleaved, the reader's channels) for the port model's fill and the
 * checkers' expected values (scenario.h's sample reader), which ask mostly
 * in increasing order, a few IRPs apart.
 *
 * Decided here:
 * - the cache holds AUDIO_SOURCE_BLOCKS blocks of AUDIO_SOURCE_BLOCK_FRAMES
 *   frames, least recently used out; a miss reads its block, seeking only
 *   when the reader is not already there (in-order misses never seek);
 * - a read that fails (decoding, a file that ends early) makes the samples
 *   it could not give 0 and sticks as the source's error: the run goes on
 *   and the command reports the error after it (exit 2), since a sample
 *   function cannot stop a run;
 * - the content hash is FNV-1a 64 over the samples as little-endian int16,
 *   in order (scenario_samples_hash's definition), computed in one
 *   streaming pass the first time it is asked for and kept.
 * Memory: the cache, about 1 MiB for stereo, whatever the file's length.
 */
#ifndef AC97SIM_AUDIO_SOURCE_H
#define AC97SIM_AUDIO_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "audio_file.h"

#define AUDIO_SOURCE_BLOCK_FRAMES 8192u
#define AUDIO_SOURCE_BLOCKS 32u

struct audio_source;

/* Takes the reader (closed by audio_source_close). NULL when out of
 * memory (the reader is closed then). */
struct audio_source *audio_source_create(struct audio_reader *r);
void audio_source_close(struct audio_source *s);	/* NULL is accepted */

const struct audio_info *audio_source_info(const struct audio_source *s);
/* Samples in the file: frames x channels. */
uint64_t audio_source_samples(const struct audio_source *s);

/* Sample sample_index (0 past the end, and where reading failed). ctx is
 * the source: this is a port_sample_fn. */
int16_t audio_source_sample(void *ctx, uint64_t sample_index);

/* The content hash (see the top): 0 and *hash, or -1 with err "FILE:
 * reason" when the file cannot be read to its end. */
int audio_source_hash(struct audio_source *s, uint64_t *hash, char *err, size_t err_len);

/* "FILE: reason" of the first failed read, or "" when every read held. */
const char *audio_source_error(const struct audio_source *s);

#endif
