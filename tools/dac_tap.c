/*
 * dac_tap.c - see dac_tap.h.
 */
#include "dac_tap.h"

#include <stdlib.h>
#include <string.h>

void dac_tap_init(struct dac_tap *t)
{
	memset(t, 0, sizeof(*t));
	codec_reset(&t->codec);
	codec_write(&t->codec, CODEC_MASTER_VOL, 0x0000);
	codec_write(&t->codec, CODEC_PCM_OUT_VOL, 0x0808);
}

void dac_tap_free(struct dac_tap *t)
{
	free(t->pcm);
	t->pcm = NULL;
}

static bool reserve(struct dac_tap *t, uint64_t more)
{
	if (t->frames + more <= t->capacity_frames)
		return true;
	uint64_t cap = t->capacity_frames ? t->capacity_frames : 48000;
	while (cap < t->frames + more)
		cap *= 2;
	int16_t *p = realloc(t->pcm, cap * 2 * sizeof(*p));
	if (p == NULL) {
		t->out_of_memory = true;
		return false;
	}
	t->pcm = p;
	t->capacity_frames = cap;
	return true;
}

static void on_span(void *ctx, const struct ac97_span *span)
{
	struct dac_tap *t = ctx;
	if (span->engine != AC97_PO || span->n_frames == 0 || t->out_of_memory)
		return;
	/* The recording starts with the stream's first data: before it the
	 * link idles, at whatever rate the converter had then. */
	if (!t->started) {
		if (span->kind != AC97_SPAN_DATA)
			return;
		t->started = true;
		t->rate_hz = span->cadence.rate_hz;
	}
	if (span->cadence.rate_hz != t->rate_hz)
		t->other_rate = true;
	if (!reserve(t, span->n_frames))
		return;
	uint32_t ch = span->channels;
	int16_t *out = t->pcm + 2 * t->frames;
	for (uint64_t i = 0; i < span->n_frames; i++) {
		int16_t in[2];
		if (span->kind == AC97_SPAN_DATA) {
			const uint8_t *p = span->pcm_le + i * ch * 2;
			in[0] = (int16_t)(uint16_t)(p[0] | p[1] << 8);
			in[1] = ch >= 2 ? (int16_t)(uint16_t)(p[2] | p[3] << 8) : in[0];
		} else {
			in[0] = span->fill[0];
			in[1] = span->fill[ch >= 2 ? 1 : 0];
		}
		codec_dac_output(&t->codec, in, out + 2 * i, 1);
	}
	t->frames += span->n_frames;
	if (span->kind == AC97_SPAN_DATA)
		t->data_end_frames = t->frames;
}

struct ac97_sink dac_tap_sink(struct dac_tap *t)
{
	return (struct ac97_sink){ on_span, t };
}
