/*
 * dac_tap.c - see dac_tap.h.
 *
 * Frames go through codec_dac_output in chunks of CHUNK_FRAMES into a
 * buffer on the stack, and each chunk is emitted: the tap holds no audio
 * of its own beyond the held-back fill counts.
 */
#include "dac_tap.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_FRAMES 1024u

static int collect(void *ctx, const int16_t *frames, uint64_t n_frames)
{
	struct dac_tap *t = ctx;
	uint64_t need = t->frames + n_frames;	/* t->frames counts what came before */
	if (need > t->capacity_frames) {
		uint64_t cap = t->capacity_frames ? t->capacity_frames : 48000;
		while (cap < need)
			cap *= 2;
		int16_t *p = realloc(t->pcm, (size_t)cap * 2 * sizeof(*p));
		if (p == NULL) {
			t->out_of_memory = true;
			return -1;
		}
		t->pcm = p;
		t->capacity_frames = cap;
	}
	memcpy(t->pcm + 2 * t->frames, frames, (size_t)n_frames * 2 * sizeof(*frames));
	return 0;
}

void dac_tap_init_stream(struct dac_tap *t, dac_tap_emit_fn emit, void *ctx)
{
	memset(t, 0, sizeof(*t));
	codec_reset(&t->codec);
	codec_write(&t->codec, CODEC_MASTER_VOL, 0x0000);
	codec_write(&t->codec, CODEC_PCM_OUT_VOL, 0x0808);
	t->emit = emit;
	t->emit_ctx = ctx;
}

void dac_tap_init(struct dac_tap *t)
{
	dac_tap_init_stream(t, collect, NULL);
	t->emit_ctx = t;
}

void dac_tap_free(struct dac_tap *t)
{
	free(t->pcm);
	free(t->held);
	t->pcm = NULL;
	t->held = NULL;
	t->n_held = t->cap_held = 0;
}

/* Emits n analogue frames of input frames in[] (stereo); advances frames. */
static void emit_frames(struct dac_tap *t, const int16_t *in, uint64_t n)
{
	if (t->emit_failed || n == 0)
		return;
	int16_t out[2 * CHUNK_FRAMES];
	codec_dac_output(&t->codec, in, out, (uint32_t)n);
	if (t->emit(t->emit_ctx, out, n) != 0) {
		t->emit_failed = true;
		return;
	}
	t->frames += n;
}

/* The held-back fill, now that data follows it. */
static void flush_held(struct dac_tap *t)
{
	int16_t in[2 * CHUNK_FRAMES];
	for (uint32_t r = 0; r < t->n_held; r++) {
		const struct dac_tap_fill_run *run = &t->held[r];
		for (uint64_t done = 0; done < run->frames;) {
			uint64_t n = run->frames - done < CHUNK_FRAMES ? run->frames - done : CHUNK_FRAMES;
			for (uint64_t i = 0; i < n; i++) {
				in[2 * i] = run->fill[0];
				in[2 * i + 1] = run->fill[1];
			}
			emit_frames(t, in, n);
			done += n;
		}
	}
	t->n_held = 0;
}

static void hold(struct dac_tap *t, int16_t left, int16_t right, uint64_t n)
{
	if (t->n_held > 0) {
		struct dac_tap_fill_run *last = &t->held[t->n_held - 1];
		if (last->fill[0] == left && last->fill[1] == right) {
			last->frames += n;
			return;
		}
	}
	if (t->n_held == t->cap_held) {
		uint32_t cap = t->cap_held ? 2 * t->cap_held : 8;
		struct dac_tap_fill_run *p = realloc(t->held, cap * sizeof(*p));
		if (p == NULL) {
			t->out_of_memory = true;
			return;
		}
		t->held = p;
		t->cap_held = cap;
	}
	t->held[t->n_held++] = (struct dac_tap_fill_run){ { left, right }, n };
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
	uint32_t ch = span->channels;
	if (span->kind != AC97_SPAN_DATA) {
		hold(t, span->fill[0], span->fill[ch >= 2 ? 1 : 0], span->n_frames);
		return;
	}
	flush_held(t);
	int16_t in[2 * CHUNK_FRAMES];
	for (uint64_t done = 0; done < span->n_frames;) {
		uint64_t n = span->n_frames - done < CHUNK_FRAMES ? span->n_frames - done : CHUNK_FRAMES;
		for (uint64_t i = 0; i < n; i++) {
			const uint8_t *p = span->pcm_le + (done + i) * ch * 2;
			in[2 * i] = (int16_t)(uint16_t)(p[0] | p[1] << 8);
			in[2 * i + 1] = ch >= 2 ? (int16_t)(uint16_t)(p[2] | p[3] << 8) : in[2 * i];
		}
		emit_frames(t, in, n);
		done += n;
	}
}

struct ac97_sink dac_tap_sink(struct dac_tap *t)
{
	return (struct ac97_sink){ on_span, t };
}
