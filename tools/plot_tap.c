/*
 * plot_tap.c - see plot_tap.h.
 */
#include "plot_tap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "plot.h"
#include "simtime.h"

void plot_tap_init(struct plot_tap *t)
{
	memset(t, 0, sizeof(*t));
	t->ring = calloc(PLOT_TAP_RING_FRAMES, sizeof(*t->ring));
}

void plot_tap_free(struct plot_tap *t)
{
	free(t->ring);
	memset(t, 0, sizeof(*t));
}

void plot_tap_aim(struct plot_tap *t, sim_ticks_t tick)
{
	t->aimed = true;
	t->aim_tick = tick;
	t->after_aim = 0;
}

static void keep(struct plot_tap *t, const struct plot_tap_frame *f)
{
	uint32_t at = (t->head + t->count) % PLOT_TAP_RING_FRAMES;
	t->ring[at] = *f;
	if (t->count < PLOT_TAP_RING_FRAMES)
		t->count++;
	else
		t->head = (t->head + 1) % PLOT_TAP_RING_FRAMES;
}

static void on_span(void *ctx, const struct sim_event *ev)
{
	struct plot_tap *t = ctx;
	const struct ac97_span *sp = ev->ref;
	if (t->ring == NULL || sp->engine != AC97_PO || sp->n_frames == 0)
		return;
	if (t->aimed && t->after_aim >= PLOT_AFTER_FRAMES)
		return;	/* enough after the moment */
	/* Only the last ring's worth of a long span can be kept. */
	uint64_t from = !t->aimed && sp->n_frames > PLOT_TAP_RING_FRAMES
				? sp->n_frames - PLOT_TAP_RING_FRAMES : 0;
	for (uint64_t i = from; i < sp->n_frames; i++) {
		struct plot_tap_frame f = {
			.tick = cadence_tick_of(&sp->cadence, sp->first_request + i),
			.kind = (uint8_t)sp->kind,
		};
		for (uint32_t ch = 0; ch < 2; ch++) {
			uint32_t c = ch < sp->channels ? ch : 0;
			if (sp->kind == AC97_SPAN_DATA) {
				const uint8_t *p = sp->pcm_le + 2 * (i * sp->channels + c);
				f.sample[ch] = (int16_t)(uint16_t)(p[0] | p[1] << 8);
			} else {
				f.sample[ch] = sp->fill[c < 2 ? c : 0];
			}
		}
		keep(t, &f);
		if (t->aimed && f.tick > t->aim_tick && ++t->after_aim >= PLOT_AFTER_FRAMES)
			return;
	}
}

static int attach(void *ctx, struct machine *m, const char **why)
{
	struct plot_tap *t = ctx;
	if (t->ring == NULL) {
		*why = "plot: out of host memory";
		return -1;
	}
	if (bus_subscribe(machine_bus(m), BUS_RECORD, EV_BIT(EV_SPAN), on_span, t) != 0) {
		*why = "plot: too many subscribers on the run's event stream";
		return -1;
	}
	return 0;
}

struct scenario_observer plot_tap_observer(struct plot_tap *t)
{
	return (struct scenario_observer){ attach, t };
}

static const struct plot_tap_frame *at(const struct plot_tap *t, uint32_t i)
{
	return &t->ring[(t->head + i) % PLOT_TAP_RING_FRAMES];
}

/* Signed ns from the moment. */
static int64_t ns_from(sim_ticks_t tick, sim_ticks_t moment)
{
	return tick >= moment ? (int64_t)sim_ticks_to_ns_round(tick - moment)
			      : -(int64_t)sim_ticks_to_ns_round(moment - tick);
}

int plot_tap_draw(const struct plot_tap *t, const struct scenario *sc,
		  const struct audio_miss *miss, const char *title, const char *stopped_note,
		  const char *path, char *err, size_t err_len)
{
	uint32_t k = UINT32_MAX;
	for (uint32_t i = 0; t->ring != NULL && i < t->count && k == UINT32_MAX; i++)
		if (at(t, i)->tick == miss->link_tick && at(t, i)->kind == AC97_SPAN_DATA)
			k = i;
	if (k == UINT32_MAX) {
		snprintf(err, err_len, "%s: the frame of the first wrong sample (link tick %" PRIu64
			 ") did not reach the plot", path, miss->link_tick);
		return -1;
	}
	uint32_t first = k > PLOT_BEFORE_FRAMES ? k - PLOT_BEFORE_FRAMES : 0;
	uint32_t last = t->count - 1 - k > PLOT_AFTER_FRAMES ? k + PLOT_AFTER_FRAMES : t->count - 1;
	uint32_t n = last - first + 1;
	struct plot_point *pts = calloc(n, sizeof(*pts));
	if (pts == NULL) {
		snprintf(err, err_len, "%s: out of host memory", path);
		return -1;
	}
	for (uint32_t i = first; i <= last; i++) {
		const struct plot_tap_frame *f = at(t, i);
		struct plot_point *p = &pts[i - first];
		p->t_ns = ns_from(f->tick, miss->link_tick);
		p->crossed[0] = f->sample[0];
		p->crossed[1] = f->sample[1];
		p->kind = f->kind == AC97_SPAN_DATA ? PLOT_DATA : PLOT_NO_DATA;
	}
	/* Expected: walk out from the moment both ways, counting data frames
	 * only (d), so that fill frames between take no stream samples. */
	for (int dir = -1; dir <= 1; dir += 2) {
		int64_t d = 0;
		for (int64_t i = k; i >= (int64_t)first && i <= (int64_t)last; i += dir) {
			struct plot_point *p = &pts[i - first];
			if (p->kind != PLOT_DATA)
				continue;
			int64_t rel0 = 2 * d - (int64_t)miss->channel;
			p->expected_known = miss->due_known && (int64_t)miss->due_sample + rel0 >= 0;
			for (uint32_t ch = 0; ch < 2 && p->expected_known; ch++)
				p->expected[ch] = scenario_sample(
					sc, (uint64_t)((int64_t)miss->due_sample + rel0 + (int64_t)ch));
			d += dir;
		}
	}
	char caption[320], want[40];
	if (miss->want_known)
		snprintf(want, sizeof(want), "0x%04x", miss->want);
	else
		snprintf(want, sizeof(want), "nothing yet");
	snprintf(caption, sizeof(caption),
		 "first wrong sample at link tick %" PRIu64 " (%" PRIu64 " us), channel %" PRIu32
		 ": expected %s (mapping %" PRIu32 ", byte %" PRIu32 "), got 0x%04x",
		 miss->link_tick, sim_ticks_to_us(miss->link_tick), miss->channel, want,
		 miss->mapping, miss->mapping_byte, miss->got);
	const struct plot_input in = {
		.title = title, .caption = caption, .points = pts, .n_points = n,
		.moment = k - first, .moment_channel = miss->channel < 2 ? miss->channel : 0,
		.span_before_ns = (int64_t)sim_ticks_to_ns_round(sim_frames_to_ticks(PLOT_BEFORE_FRAMES)),
		.span_after_ns = (int64_t)sim_ticks_to_ns_round(sim_frames_to_ticks(PLOT_AFTER_FRAMES)),
		.after_note = stopped_note,
	};
	int rc = plot_write(path, &in, err, err_len);
	free(pts);
	return rc;
}
