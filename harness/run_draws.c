/*
 * run_draws.c - see run_draws.h.
 */
#include "run_draws.h"

#include <string.h>

#define US(x) ((sim_ticks_t)(x) * SIM_TICKS_PER_SECOND / 1000000u)

/* lo + a multiple of grain in [0, width], uniformly (in strides when
 * there would be more than RUN_DRAWS_OPTIONS_MAX options). */
static uint64_t draw_range(struct machine *m, enum decide_site site, uint64_t lo, uint64_t width,
			   uint64_t grain)
{
	if (width == 0 || grain == 0)
		return lo;
	uint64_t options = width / grain + 1;
	uint64_t stride = 1;
	if (options > RUN_DRAWS_OPTIONS_MAX) {
		stride = (options + RUN_DRAWS_OPTIONS_MAX - 1) / RUN_DRAWS_OPTIONS_MAX;
		options = (options + stride - 1) / stride;
	}
	uint64_t i = machine_draw(m, site, (uint32_t)options);
	uint64_t v = i * stride * grain;
	return lo + (v <= width ? v : width - width % grain);
}

static sim_ticks_t pick(struct machine *m, const sim_ticks_t *scale, uint32_t n)
{
	return scale[machine_draw(m, SITE_SWARM, n)];
}

/* The stream's audio at its rate: when the swarm's faults may fall. */
static sim_ticks_t stream_length_ticks(const struct port_stream_config *st)
{
	uint64_t frame_bytes = 2u * (st->channels ? st->channels : 1);
	uint64_t frames = st->total_bytes / frame_bytes;
	uint32_t rate = st->rate_hz ? st->rate_hz : 48000;
	return frames / rate * SIM_TICKS_PER_SECOND + frames % rate * SIM_TICKS_PER_SECOND / rate;
}

/* One occurrence of a fault kind, its size drawn from a scale a correct
 * driver rides out (a few buffers' worth at most). */
static struct scenario_action swarm_action(struct machine *m, enum scenario_action_kind kind,
					   sim_ticks_t at, uint32_t cpus)
{
	static const uint32_t refusals[] = { 1, 2, 4, 8 };
	static const sim_ticks_t irq_hold[] = { US(100), US(500), US(2000), US(5000) };
	static const sim_ticks_t cpu_stall[] = { US(10), US(50), US(200), US(1000) };
	static const sim_ticks_t bus_stall[] = { US(5), US(20), US(100), US(500) };
	struct scenario_action a = { .kind = kind, .at_ticks = at };
	switch (kind) {
	case SA_REFUSE_MAPPINGS: a.arg = refusals[machine_draw(m, SITE_SWARM, 4)]; break;
	case SA_DELAY_INTERRUPTS: a.duration_ticks = pick(m, irq_hold, 4); break;
	case SA_STALL_CPU:
		a.arg = machine_draw(m, SITE_SWARM, cpus ? cpus : 1);
		a.duration_ticks = pick(m, cpu_stall, 4);
		break;
	case SA_STALL_BUS: a.duration_ticks = pick(m, bus_stall, 4); break;
	default: break;
	}
	return a;
}

void run_draws_make(struct run_draws *d, const struct scenario *sc, struct machine *m)
{
	memset(d, 0, sizeof(*d));
	/* 1. The ranges. */
	for (uint32_t i = 0; i < sc->n_actions; i++) {
		d->actions[i] = sc->actions[i];
		d->actions[i].at_ticks = draw_range(m, SITE_PARAM, sc->actions[i].at_ticks,
						    sc->actions[i].at_range_ticks, 1);
		d->actions[i].at_range_ticks = 0;
		d->actions[i].after_count = (uint32_t)draw_range(
			m, SITE_PARAM, sc->actions[i].after_count, sc->actions[i].after_range, 1);
		d->actions[i].after_range = 0;
	}
	d->n_actions = sc->n_actions;
	d->stream = sc->stream;
	uint32_t frame_bytes = 2u * (sc->stream.channels ? sc->stream.channels : 1);
	d->stream.irp_bytes =
		(uint32_t)draw_range(m, SITE_PARAM, sc->stream.irp_bytes, sc->irp_bytes_range, frame_bytes);
	d->stream.first_page_offset_bytes = (uint32_t)draw_range(
		m, SITE_PARAM, sc->stream.first_page_offset_bytes, sc->first_page_offset_range_bytes, frame_bytes);
	d->dma_latency_ticks =
		draw_range(m, SITE_PARAM, sc->device.dma_latency_ticks, sc->dma_latency_range_ticks, 1);
	/* 2. The phase. */
	d->phase_ticks = machine_draw(m, SITE_PHASE, (uint32_t)RUN_DRAWS_PHASE_MAX_TICKS);
	/* 3. The swarm. */
	static const enum scenario_action_kind kinds[RUN_DRAWS_SWARM_KINDS] = {
		SA_REFUSE_MAPPINGS, SA_DELAY_INTERRUPTS, SA_STALL_CPU, SA_STALL_BUS,
	};
	enum scenario_action_kind offered[RUN_DRAWS_SWARM_KINDS];
	uint32_t n_offered = 0;
	for (uint32_t k = 0; k < RUN_DRAWS_SWARM_KINDS; k++)
		if (sc->swarm_faults & (1u << kinds[k]))
			offered[n_offered++] = kinds[k];
	if (n_offered == 0)
		return;
	uint32_t chosen = machine_draw(m, SITE_SWARM, 1u << n_offered);
	sim_ticks_t length = stream_length_ticks(&d->stream);
	for (uint32_t k = 0; k < n_offered; k++) {
		if (!(chosen & (1u << k)))
			continue;
		d->swarm_kinds |= 1u << offered[k];
		uint32_t times = 1 + machine_draw(m, SITE_SWARM, RUN_DRAWS_SWARM_PER_KIND_MAX);
		for (uint32_t t = 0; t < times; t++) {
			sim_ticks_t at = draw_range(m, SITE_SWARM, 0, length, SIM_TICKS_PER_FRAME);
			d->actions[d->n_actions++] = swarm_action(m, offered[k], at, sc->cpus);
		}
	}
}
