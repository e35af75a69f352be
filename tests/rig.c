#include "rig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ac97_internal.h"

static void on_span(void *ctx, const struct ac97_span *s)
{
	struct rig *r = ctx;
	r->spans++;
	int e = s->engine;
	switch (s->kind) {
	case AC97_SPAN_DATA:
		r->data_frames[e] += s->n_frames;
		r->data_fnv[e] = fnv1a64(r->data_fnv[e], s->pcm_le, s->n_frames * s->channels * 2);
		break;
	case AC97_SPAN_FILL: r->fill_frames[e] += s->n_frames; break;
	case AC97_SPAN_UNDERRUN: r->underrun_frames[e] += s->n_frames; break;
	}
	if (e != AC97_PO)
		return;
	for (uint64_t i = 0; i < s->n_frames && r->po_frames < RIG_OUT_MAX_FRAMES; i++) {
		uint64_t n = r->po_frames++;
		for (int c = 0; c < 2; c++)
			r->po_samples[2 * n + c] = s->kind == AC97_SPAN_DATA
							   ? (int16_t)ac97_le16(s->pcm_le + 4 * i + 2 * c)
							   : s->fill[c];
		r->po_kind[n] = (uint8_t)s->kind;
		r->po_tick[n] = cadence_tick_of(&s->cadence, s->first_request + i);
	}
}

static void on_event(void *ctx, const struct ac97_event *ev)
{
	struct rig *r = ctx;
	if (ev->kind == AC97_EV_DMA) {
		/* How DMA is split into ranges depends on the bulk path; what it
		 * moves does not. */
		r->dma_bytes[ev->engine][ev->code != 0] += ev->b;
		return;
	}
	if (r->n_events < RIG_EVENTS_MAX)
		r->events[r->n_events++] = *ev;
	uint64_t fields[6] = { ev->tick, (uint64_t)ev->kind, (uint64_t)(int64_t)ev->engine, ev->code,
			       ev->a, ev->b };
	r->event_fnv = fnv1a64(r->event_fnv, fields, sizeof(fields));
}

void rig_init(struct rig *r, const struct ac97_config *cfg)
{
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(gmem_init(&r->mem, GMEM_DEFAULT_BYTES), 0);
	struct ac97_config def;
	ac97_config_default(&def);
	ac97_init(&r->dev, cfg != NULL ? cfg : &def, gmem_dma_ops(), &r->mem);
	for (int i = 0; i < AC97_ENGINE_COUNT; i++)
		r->data_fnv[i] = FNV1A64_INIT;
	r->event_fnv = FNV1A64_INIT;
	r->po_samples = calloc(2 * RIG_OUT_MAX_FRAMES, sizeof(*r->po_samples));
	r->po_kind = calloc(RIG_OUT_MAX_FRAMES, 1);
	r->po_tick = calloc(RIG_OUT_MAX_FRAMES, sizeof(*r->po_tick));
	ck_assert_ptr_nonnull(r->po_samples);
	ck_assert_ptr_nonnull(r->po_kind);
	ck_assert_ptr_nonnull(r->po_tick);
	ac97_set_sink(&r->dev, (struct ac97_sink){ on_span, r });
	ac97_set_observer(&r->dev, (struct ac97_observer){ on_event, r });
}

void rig_free(struct rig *r)
{
	free(r->po_samples);
	free(r->po_kind);
	free(r->po_tick);
	gmem_free(&r->mem);
}

/* The engines keep their next event; it must equal a fresh computation
 * after every step, or the device could sleep through an event. And every
 * other invariant of the device holds after every step of every test. */
static void rig_check_schedule(const struct rig *r)
{
	for (int i = 0; i < AC97_ENGINE_COUNT; i++)
		ck_assert_uint_eq(r->dev.engine[i].next_event_tick,
				  bm_engine_compute_next_event(&r->dev, &r->dev.engine[i]));
	char why[256];
	bool ok = ac97_invariants_hold(&r->dev, why, sizeof(why));
	ck_assert_msg(ok, "device invariant at tick %llu: %s",
		      (unsigned long long)ac97_now(&r->dev), why);
}

uint32_t rig_rd(struct rig *r, enum ac97_bar bar, uint32_t off, unsigned width)
{
	return ac97_io_read(&r->dev, bar, off, width);
}

void rig_wr(struct rig *r, enum ac97_bar bar, uint32_t off, unsigned width, uint32_t value)
{
	ac97_io_write(&r->dev, bar, off, width, value);
	rig_check_schedule(r);
}

void rig_advance(struct rig *r, sim_ticks_t ticks)
{
	ac97_advance_to(&r->dev, ac97_now(&r->dev) + ticks);
	rig_check_schedule(r);
}

void rig_advance_to(struct rig *r, sim_ticks_t tick)
{
	ac97_advance_to(&r->dev, tick);
	rig_check_schedule(r);
}

void rig_link_up(struct rig *r)
{
	rig_wr(r, AC97_BAR_NABM, AC97_GLOB_CNT, 32, AC97_GC_COLD);
	rig_advance(r, r->dev.cfg.codec_ready_delay_ticks);
	ck_assert_uint_ne(rig_rd(r, AC97_BAR_NABM, AC97_GLOB_STA, 32) & AC97_GS_S0CR, 0);
	rig_wr(r, AC97_BAR_NAM, CODEC_MASTER_VOL, 16, 0x0000);
	rig_wr(r, AC97_BAR_NAM, CODEC_PCM_OUT_VOL, 16, 0x0808);
	rig_advance(r, 2 * SIM_TICKS_PER_FRAME);	/* let the codec accesses finish */
}

void rig_bd(struct rig *r, uint32_t list, unsigned index, uint32_t addr, uint32_t samples,
	    bool ioc, bool bup)
{
	uint8_t raw[8];
	uint32_t dw1 = samples | (ioc ? AC97_BD_IOC : 0) | (bup ? AC97_BD_BUP : 0);
	for (int i = 0; i < 4; i++) {
		raw[i] = (uint8_t)(addr >> (8 * i));
		raw[4 + i] = (uint8_t)(dw1 >> (8 * i));
	}
	gmem_write(&r->mem, list + 8ull * index, raw, sizeof(raw));
}

void rig_fill_ramp(struct rig *r, uint32_t addr, uint32_t n_samples, uint16_t first)
{
	for (uint32_t i = 0; i < n_samples; i++) {
		uint8_t b[2];
		ac97_put_le16(b, (int16_t)(uint16_t)(first + i));
		gmem_write(&r->mem, addr + 2ull * i, b, 2);
	}
}

size_t rig_count(const struct rig *r, enum ac97_event_kind kind, int engine)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_events; i++)
		n += r->events[i].kind == kind && r->events[i].engine == engine;
	return n;
}

const struct ac97_event *rig_find(const struct rig *r, enum ac97_event_kind kind, int engine,
				  size_t nth)
{
	for (size_t i = 0; i < r->n_events; i++)
		if (r->events[i].kind == kind && r->events[i].engine == engine && nth-- == 0)
			return &r->events[i];
	return NULL;
}

uint32_t rig_nabm_rd(struct rig *r, uint32_t off, unsigned width)
{
	return rig_rd(r, AC97_BAR_NABM, off, width);
}

void rig_nabm_wr(struct rig *r, uint32_t off, unsigned width, uint32_t value)
{
	rig_wr(r, AC97_BAR_NABM, off, width, value);
}

uint32_t rig_nam_rd(struct rig *r, uint32_t off, unsigned width)
{
	return rig_rd(r, AC97_BAR_NAM, off, width);
}

void rig_nam_wr(struct rig *r, uint32_t off, unsigned width, uint32_t value)
{
	rig_wr(r, AC97_BAR_NAM, off, width, value);
}

uint32_t rig_ereg_rd(struct rig *r, enum ac97_engine_id e, uint32_t off, unsigned width)
{
	return rig_rd(r, AC97_BAR_NABM, rig_reg(e, off), width);
}

void rig_ereg_wr(struct rig *r, enum ac97_engine_id e, uint32_t off, unsigned width,
		 uint32_t value)
{
	rig_wr(r, AC97_BAR_NABM, rig_reg(e, off), width, value);
}

size_t rig_ge_count(const struct rig *r, enum ac97_guest_error ge, int engine)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_events; i++)
		n += r->events[i].kind == AC97_EV_GUEST_ERROR && r->events[i].code == (uint32_t)ge &&
		     r->events[i].engine == engine;
	return n;
}

const struct ac97_event *rig_ge_find(const struct rig *r, enum ac97_guest_error ge, int engine,
				     size_t nth)
{
	for (size_t i = 0; i < r->n_events; i++) {
		const struct ac97_event *ev = &r->events[i];
		if (ev->kind == AC97_EV_GUEST_ERROR && ev->code == (uint32_t)ge &&
		    ev->engine == engine && nth-- == 0)
			return ev;
	}
	return NULL;
}
