/*
 * audio_source.c - see audio_source.h.
 */
#include "audio_source.h"
#include "errf.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv1a.h"

#define NO_BLOCK UINT64_MAX

struct cache_slot {
	uint64_t block;		/* which block it holds, or NO_BLOCK */
	uint64_t used;		/* when last used (the source's clock) */
	uint32_t frames;	/* valid frames (the last block is short) */
	int16_t *samples;	/* AUDIO_SOURCE_BLOCK_FRAMES x channels */
};

struct audio_source {
	struct audio_reader *r;
	uint32_t channels;
	uint64_t n_samples;
	uint64_t clock;
	uint32_t last;		/* the slot used last: the usual hit */
	struct cache_slot slots[AUDIO_SOURCE_BLOCKS];
	bool hashed;
	uint64_t hash;
	char error[4096 + 256];
};

struct audio_source *audio_source_create(struct audio_reader *r)
{
	struct audio_source *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		audio_reader_close(r);
		return NULL;
	}
	s->r = r;
	const struct audio_info *in = audio_reader_info(r);
	s->channels = in->channels;
	s->n_samples = in->frames * in->channels;
	for (uint32_t i = 0; i < AUDIO_SOURCE_BLOCKS; i++) {
		s->slots[i].block = NO_BLOCK;
		s->slots[i].samples = calloc((size_t)AUDIO_SOURCE_BLOCK_FRAMES * s->channels,
					     sizeof(int16_t));
		if (s->slots[i].samples == NULL) {
			audio_source_close(s);
			return NULL;
		}
	}
	return s;
}

void audio_source_close(struct audio_source *s)
{
	if (s == NULL)
		return;
	for (uint32_t i = 0; i < AUDIO_SOURCE_BLOCKS; i++)
		free(s->slots[i].samples);
	audio_reader_close(s->r);
	free(s);
}

const struct audio_info *audio_source_info(const struct audio_source *s)
{
	return audio_reader_info(s->r);
}

uint64_t audio_source_samples(const struct audio_source *s)
{
	return s->n_samples;
}

const char *audio_source_error(const struct audio_source *s)
{
	return s->error;
}

static void note_error(struct audio_source *s)
{
	if (s->error[0] == '\0')
		snprintf(s->error, sizeof(s->error), "%s", audio_reader_error(s->r));
}

/* Reads block b into slot (zeros where the reader fails). */
static void load(struct audio_source *s, struct cache_slot *slot, uint64_t b)
{
	uint64_t first = b * AUDIO_SOURCE_BLOCK_FRAMES;
	uint64_t frames = audio_reader_info(s->r)->frames;
	uint64_t want = frames - first < AUDIO_SOURCE_BLOCK_FRAMES ? frames - first
								 : AUDIO_SOURCE_BLOCK_FRAMES;
	int64_t got = -1;
	if (audio_reader_seek(s->r, first) == 0)
		got = audio_reader_read(s->r, slot->samples, want);
	if (got < 0) {
		note_error(s);
		got = 0;
	}
	memset(slot->samples + (size_t)got * s->channels, 0,
	       (size_t)(AUDIO_SOURCE_BLOCK_FRAMES - (uint64_t)got) * s->channels * sizeof(int16_t));
	slot->block = b;
	slot->frames = (uint32_t)want;
}

int16_t audio_source_sample(void *ctx, uint64_t sample_index)
{
	struct audio_source *s = ctx;
	if (sample_index >= s->n_samples)
		return 0;
	uint64_t frame = sample_index / s->channels;
	uint64_t b = frame / AUDIO_SOURCE_BLOCK_FRAMES;
	struct cache_slot *slot = &s->slots[s->last];
	if (slot->block != b) {
		uint32_t pick = 0;
		bool hit = false;
		for (uint32_t i = 0; i < AUDIO_SOURCE_BLOCKS && !hit; i++) {
			if (s->slots[i].block == b) {
				pick = i;
				hit = true;
			} else if (s->slots[i].used < s->slots[pick].used) {
				pick = i;	/* least recently used (never used: 0) */
			}
		}
		slot = &s->slots[pick];
		if (!hit)
			load(s, slot, b);
		s->last = pick;
		slot->used = ++s->clock;
	}
	uint64_t at = sample_index - b * AUDIO_SOURCE_BLOCK_FRAMES * s->channels;
	assert(at < (uint64_t)AUDIO_SOURCE_BLOCK_FRAMES * s->channels);
	return slot->samples[at];
}

int audio_source_hash(struct audio_source *s, uint64_t *hash, char *err, size_t err_len)
{
	if (!s->hashed) {
		/* One pass in a slot's buffer, which is then invalid. */
		struct cache_slot *slot = &s->slots[s->last];
		slot->block = NO_BLOCK;
		slot->used = 0;
		uint64_t h = FNV1A64_INIT;
		if (audio_reader_seek(s->r, 0) != 0) {
			note_error(s);
			errf(err, err_len, "%s", s->error);
			return -1;
		}
		for (;;) {
			int64_t got = audio_reader_read(s->r, slot->samples, AUDIO_SOURCE_BLOCK_FRAMES);
			if (got < 0) {
				note_error(s);
				errf(err, err_len, "%s", s->error);
				return -1;
			}
			if (got == 0)
				break;
			uint8_t le[2 * AUDIO_SOURCE_BLOCK_FRAMES * 2];
			size_t n = (size_t)got * s->channels;
			for (size_t i = 0; i < n; i++) {
				uint16_t u = (uint16_t)slot->samples[i];
				le[2 * i] = (uint8_t)(u & 0xFFu);
				le[2 * i + 1] = (uint8_t)(u >> 8);
			}
			h = fnv1a64(h, le, 2 * n);
		}
		s->hash = h;
		s->hashed = true;
	}
	*hash = s->hash;
	return 0;
}
