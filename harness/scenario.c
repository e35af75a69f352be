/*
 * scenario.c - running one scenario (see scenario.h).
 */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

#include "fnv1a.h"
#include "simtime.h"

const char *const scenario_drivers[] = {
	"reference",
	"ddk1999-lock-held",
	"wdk81-revoke-unsuccessful",
	"wdk81-revoke-resets-dma",
	"wdk81-single-entry-revoke",
	"wdk81-two-producers",
	"reactos-revoke-short",
	"reactos-slot-tags",
	NULL,
};

int scenario_set_driver(struct scenario *sc, const char *name)
{
	struct miniport_quirks q = { 0 };
	if (strcmp(name, "reference") == 0)
		;
	else if (strcmp(name, "ddk1999-lock-held") == 0)
		q.lock_held_across_port_calls = true;
	else if (strcmp(name, "wdk81-revoke-unsuccessful") == 0)
		q.revoke_unsuccessful_if_first_released = true;
	else if (strcmp(name, "wdk81-revoke-resets-dma") == 0)
		q.revoke_resets_dma = true;
	else if (strcmp(name, "wdk81-single-entry-revoke") == 0)
		q.single_entry_revoke_ignores_tags = true;
	else if (strcmp(name, "wdk81-two-producers") == 0)
		q.no_producer_guard = true;
	else if (strcmp(name, "reactos-revoke-short") == 0)
		q.revoke_stops_before_last = true;
	else if (strcmp(name, "reactos-slot-tags") == 0)
		q.slot_index_tags = true;
	else
		return -1;
	sc->miniport.quirks = q;
	snprintf(sc->driver, sizeof(sc->driver), "%s", name);
	return 0;
}

void scenario_default(struct scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "default");
	sc->cpus = 2;
	ac97_config_default(&sc->device);
	sc->engine = AC97_PO;
	sc->stream = (struct port_stream_config){
		.direction = PORT_RENDER,
		.style = PORT_STYLE_KMIXER,
		.layout = PORT_PAGES_SCATTERED,
		.channels = 2,
		.rate_hz = 48000,
		.irp_bytes = 4 * GMEM_PAGE_BYTES,
		.irps_in_flight = 3,
		.total_bytes = 64 * 1024,
		.layout_seed = 1,
	};
	sc->source = SOURCE_PATTERN;
	snprintf(sc->driver, sizeof(sc->driver), "reference");
	miniport_config_default(&sc->miniport);
	checker_config_default(&sc->checkers);
	sc->max_steps = 2000000;
	sc->max_ticks = 60ull * SIM_TICKS_PER_SECOND;
	sc->irq_defer_max = 64;
}

int16_t scenario_pattern_sample(void *ctx, uint64_t sample_index)
{
	(void)ctx;
	/* A mixing hash of the index: neighbouring samples differ, so a lost,
	 * repeated or reordered sample never looks right by accident. */
	uint64_t z = sample_index * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ull;
	return (int16_t)(uint16_t)(z >> 40);
}

/* SOURCE_SAMPLES: from memory or from the caller's reader; 0 past the end. */
static int16_t samples_sample(void *ctx, uint64_t sample_index)
{
	const struct scenario *sc = ctx;
	if (sample_index >= sc->n_samples)
		return 0;
	if (sc->reader.sample != NULL)
		return sc->reader.sample(sc->reader.ctx, sample_index);
	return sc->samples != NULL ? sc->samples[sample_index] : 0;
}

uint64_t scenario_samples_hash(const int16_t *samples, uint64_t n_samples)
{
	uint64_t h = FNV1A64_INIT;
	for (uint64_t i = 0; i < n_samples; i++) {
		uint16_t u = (uint16_t)samples[i];
		uint8_t le[2] = { (uint8_t)(u & 0xFFu), (uint8_t)(u >> 8) };
		h = fnv1a64(h, le, sizeof(le));
	}
	return h;
}

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fnv1a64(h, b, sizeof(b));
}

uint64_t scenario_hash(const struct scenario *sc)
{
	uint64_t h = fnv1a64(FNV1A64_INIT, sc->name, strlen(sc->name));
	h = fnv1a64(h, sc->driver, strlen(sc->driver));
	const struct port_stream_config *st = &sc->stream;
	uint64_t fields[] = {
		sc->cpus, sc->device.fifo_samples, sc->device.dma_latency_ticks,
		sc->device.codec_ready_delay_ticks, (uint64_t)sc->engine, st->direction, st->style,
		st->layout, st->channels, st->rate_hz, st->irp_bytes, st->irps_in_flight,
		st->total_bytes, st->first_page_offset_bytes, st->layout_seed, sc->source,
		sc->n_samples, sc->miniport.descriptor_max_bytes, sc->miniport.timer_service,
		sc->miniport.timer_period_ms, sc->n_actions, sc->max_steps, sc->max_ticks,
		sc->irq_defer_max,
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		h = hash_u64(h, fields[i]);
	for (uint32_t i = 0; i < sc->n_actions; i++) {
		const struct scenario_action *a = &sc->actions[i];
		h = hash_u64(h, a->kind);
		h = hash_u64(h, a->at_ticks);
		if (a->at_step != 0)	/* keeps the hashes of time-only scenarios */
			h = hash_u64(h, a->at_step);
		h = hash_u64(h, a->arg);
		h = hash_u64(h, a->duration_ticks);
	}
	/* The audio by its content hash (pattern scenarios add nothing, so
	 * their hashes, and the traces that hold them, did not change). */
	if (sc->source == SOURCE_SAMPLES)
		h = hash_u64(h, sc->reader.sample != NULL
					? sc->reader.content_hash
					: scenario_samples_hash(sc->samples, sc->samples ? sc->n_samples : 0));
	for (int i = 0; i < CHECK_COUNT; i++)
		h = hash_u64(h, sc->checkers.disable[i]);
	h = hash_u64(h, sc->checkers.stall_limit_ticks);
	return h;
}

/* ---- the run ------------------------------------------------------------------ */

struct run_ctx {
	const struct scenario *sc;
	struct machine *m;
	struct port_stream *ps;
	struct ac97_adapter adapter;
	struct ac97_stream stream;
	bool stream_open;
	bool script_done;
	sim_ticks_t run_start_ticks;	/* when the stream reached RUN */
	bool running;
	struct ac97_sink also;
	uint64_t link_frames;
	uint64_t audio_fnv;
	/* Capture from samples: the tape's position, in frames. */
	uint64_t tape_frames;
	/* Capture with a capture_sink: the checkers' port observer, called first. */
	struct port_observer checkers_obs;
	uint8_t *capture_bytes;
	uint32_t capture_cap_bytes;
};

static void sleep_ticks(sim_ticks_t ticks)
{
	KEVENT never;
	KeInitializeEvent(&never, NotificationEvent, false);
	int64_t t100 = (int64_t)sim_ticks_to_100ns_ceil(ticks);
	int64_t timeout = -(t100 > 0 ? t100 : 1);
	KeWaitForSingleObject(&never, &timeout);
}

static sim_ticks_t now_ticks(void)
{
	return sim_100ns_to_ticks(KeQueryInterruptTime());
}

static void script(void *arg)
{
	struct run_ctx *c = arg;
	const struct scenario *sc = c->sc;
	NTSTATUS st = ac97_adapter_start(&c->adapter, machine_resources(c->m), &sc->miniport);
	if (!NT_SUCCESS(st))
		machine_fail(c->m, "setup", "adapter start failed: 0x%08X", (unsigned)st);
	st = ac97_stream_open(&c->adapter, &c->stream, sc->engine, port_stream_handle(c->ps),
			      sc->stream.channels, sc->stream.rate_hz);
	if (!NT_SUCCESS(st))
		machine_fail(c->m, "setup", "stream open failed: 0x%08X", (unsigned)st);
	c->stream_open = true;
	port_stream_bind_miniport(c->ps, &ac97_stream_ops, &c->stream);
	port_action_submit(c->ps);
	port_action_set_state(c->ps, KSSTATE_RUN);
	c->run_start_ticks = now_ticks();
	c->running = true;
	/* Feed the stream like KMixer would until its audio has all gone
	 * through: top the IRPs up, give the device time. */
	while (!port_stream_finished(c->ps)) {
		port_action_submit(c->ps);
		sleep_ticks(SIM_TICKS_PER_SECOND / 1000u);
	}
	/* Let the FIFO play out what was fetched last. */
	sleep_ticks(SIM_TICKS_PER_SECOND / 1000u);
	c->running = false;
	port_action_set_state(c->ps, KSSTATE_STOP);
	ac97_stream_close(&c->stream);
	c->stream_open = false;
	ac97_adapter_stop(&c->adapter);
	c->script_done = true;
}

/* Something outside the driver (firmware, a previous driver) left an
 * engine running: a zero-length descriptor with IOC at LVI makes it raise
 * BCIS and LVBCI with interrupts enabled, on an engine no stream owns. The
 * driver's ISR must clear it or the level-triggered line never drops. */
static void stray_engine(struct run_ctx *c, enum ac97_engine_id e)
{
	if ((unsigned)e >= AC97_ENGINE_COUNT || e == c->sc->engine)
		return;
	PHYSICAL_ADDRESS bdl_phys;
	uint8_t *bdl = AllocateCommonBuffer(AC97_BDL_ENTRIES * AC97_BD_BYTES, &bdl_phys);
	if (bdl == NULL)
		return;
	uint32_t dw1 = AC97_BD_IOC;
	for (int i = 0; i < 4; i++) {
		bdl[i] = (uint8_t)(bdl_phys >> (8 * i));
		bdl[4 + i] = (uint8_t)(dw1 >> (8 * i));
	}
	const CM_RESOURCES *res = machine_resources(c->m);
	PORT_ADDRESS base = res->nabmbar + (PORT_ADDRESS)e * AC97_ENGINE_STRIDE;
	WRITE_PORT_ULONG(base + AC97_BDBAR, bdl_phys);
	WRITE_PORT_UCHAR(base + AC97_LVI, 0);
	WRITE_PORT_UCHAR(base + AC97_CR, AC97_CR_RPBM | AC97_CR_IOCE | AC97_CR_LVBIE);
}

static void action(void *arg)
{
	struct run_ctx *c = ((struct run_ctx **)arg)[0];
	uint32_t index = (uint32_t)(uintptr_t)((void **)arg)[1];
	const struct scenario_action *a = &c->sc->actions[index];
	/* Wait for the stream to run, then for the action's moment. */
	while (!c->running && !c->script_done)
		sleep_ticks(SIM_TICKS_PER_SECOND / 10000u);
	if (c->script_done)
		return;
	if (a->at_step == 0) {
		sim_ticks_t when = c->run_start_ticks + a->at_ticks;
		sim_ticks_t now = now_ticks();
		if (when > now)
			sleep_ticks(when - now);
	}
	if (!c->running)
		return;	/* the stream ended first: nothing to race */
	switch (a->kind) {
	case SA_CANCEL_IRP: port_action_cancel_irp(c->ps, a->arg); break;
	case SA_SET_STATE: port_action_set_state(c->ps, (KSSTATE)a->arg); break;
	case SA_QUERY_POSITION: port_action_query_position(c->ps); break;
	case SA_STALL_BUS:
		ac97_stall_bus_until(machine_device(c->m), now_ticks() + a->duration_ticks);
		break;
	case SA_STRAY_ENGINE:
		stray_engine(c, (enum ac97_engine_id)a->arg);
		break;
	case SA_REFUSE_MAPPINGS: port_action_refuse_mappings(c->ps, a->arg); break;
	case SA_DELAY_INTERRUPTS:
		machine_hold_interrupts(c->m, now_ticks() + a->duration_ticks);
		break;
	case SA_STALL_CPU:
		machine_stall_cpu(c->m, a->arg, now_ticks() + a->duration_ticks);
		break;
	case SA_ACTION_KIND_COUNT: break;
	}
}

static void on_span(void *ctx, const struct ac97_span *span)
{
	struct run_ctx *c = ctx;
	if (span->engine == AC97_PO && span->kind == AC97_SPAN_DATA) {
		c->link_frames += span->n_frames;
		c->audio_fnv = fnv1a64(c->audio_fnv, span->pcm_le, span->n_frames * span->channels * 2);
	}
	if (c->also.on_span != NULL)
		c->also.on_span(c->also.ctx, span);
}

/* ---- capture from samples ------------------------------------------------- */

/* The device's input for SOURCE_SAMPLES capture (see scenario.h): the next
 * frames of the tape, whatever the position the device names. */
static void tape_read(void *ctx, enum ac97_engine_id engine, uint64_t first_frame,
		      int16_t *dst, uint64_t n_frames, uint32_t channels)
{
	struct run_ctx *c = ctx;
	const struct scenario *sc = c->sc;
	(void)first_frame;
	uint32_t src_ch = sc->stream.channels ? sc->stream.channels : 1;
	for (uint64_t f = 0; f < n_frames; f++) {
		uint64_t frame = c->tape_frames;
		for (uint32_t ch = 0; ch < channels; ch++) {
			uint64_t i = frame * src_ch + (ch < src_ch ? ch : src_ch - 1);
			dst[f * channels + ch] =
				engine == sc->engine ? samples_sample((void *)sc, i) : 0;
		}
		if (engine == sc->engine)
			c->tape_frames++;
	}
}

static void tap_mapping(void *ctx, const struct port_mapping_info *m)
{
	struct run_ctx *c = ctx;
	if (c->checkers_obs.on_mapping != NULL)
		c->checkers_obs.on_mapping(c->checkers_obs.ctx, m);
	if (m->state != MAPPING_RELEASED)
		return;
	if (m->byte_count > c->capture_cap_bytes) {
		uint8_t *p = realloc(c->capture_bytes, m->byte_count);
		if (p == NULL)
			machine_fail(c->m, "setup", "out of host memory for %u captured bytes",
				     (unsigned)m->byte_count);
		c->capture_bytes = p;
		c->capture_cap_bytes = m->byte_count;
	}
	gmem_read(machine_memory(c->m), m->physical, c->capture_bytes, m->byte_count);
	c->sc->capture_sink.on_released(c->sc->capture_sink.ctx, m, c->capture_bytes);
}

static void tap_irp(void *ctx, uint32_t irp, bool completed, bool cancelled)
{
	struct run_ctx *c = ctx;
	if (c->checkers_obs.on_irp != NULL)
		c->checkers_obs.on_irp(c->checkers_obs.ctx, irp, completed, cancelled);
}

static void tap_state(void *ctx, KSSTATE state)
{
	struct run_ctx *c = ctx;
	if (c->checkers_obs.on_state != NULL)
		c->checkers_obs.on_state(c->checkers_obs.ctx, state);
}

static void tap_position(void *ctx, uint64_t position_bytes)
{
	struct run_ctx *c = ctx;
	if (c->checkers_obs.on_position != NULL)
		c->checkers_obs.on_position(c->checkers_obs.ctx, position_bytes);
}

/* Capture runs: the tape as the device's input (after the checkers put
 * their pattern there) and the capture sink behind the checkers' port
 * observer. */
static void hook_capture(struct run_ctx *c, struct checkers *ch)
{
	const struct scenario *sc = c->sc;
	if (sc->stream.direction != PORT_CAPTURE)
		return;
	if (sc->source == SOURCE_SAMPLES)
		ac97_set_source(machine_device(c->m), (struct ac97_source){ tape_read, c });
	if (sc->capture_sink.on_released != NULL) {
		c->checkers_obs = checkers_port_observer(ch);
		struct port_observer tap = { tap_mapping, tap_irp, tap_state, tap_position, c };
		port_stream_set_observer(c->ps, &tap);
	}
}

int scenario_run(const struct scenario *sc, const struct strategy *strategy, uint64_t seed,
		 const struct decision_log *replay, FILE *log_text,
		 const struct ac97_sink *also_sink, struct scenario_outcome *out,
		 struct decision_log *decisions, const char **why)
{
	struct machine_config cfg;
	machine_config_default(&cfg);
	cfg.n_cpus = sc->cpus;
	cfg.strategy = *strategy;
	cfg.seed = seed;
	cfg.replay = replay;
	cfg.max_steps = sc->max_steps;
	cfg.max_ticks = sc->max_ticks;
	cfg.irq_defer_max = sc->irq_defer_max;
	cfg.device = sc->device;
	cfg.log_text = log_text;
	cfg.record_decisions = decisions != NULL;
	struct run_ctx *c = calloc(1, sizeof(*c));
	void **args = calloc(SCENARIO_ACTIONS_MAX, 2 * sizeof(void *));
	struct machine *m = c && args ? machine_create(&cfg) : NULL;
	if (m == NULL) {
		free(c);
		free(args);
		*why = "out of host memory (or a bad CPU count)";
		return -1;
	}
	c->sc = sc;
	c->m = m;
	c->audio_fnv = FNV1A64_INIT;
	if (also_sink != NULL)
		c->also = *also_sink;
	machine_bind(m);
	struct port_stream_config st = sc->stream;
	if (sc->source == SOURCE_SAMPLES) {
		st.sample = samples_sample;
		st.sample_ctx = (void *)sc;
	} else {
		st.sample = scenario_pattern_sample;
		st.sample_ctx = NULL;
	}
	c->ps = port_stream_create(&st, why);
	if (c->ps == NULL) {
		machine_destroy(m);
		free(c);
		free(args);
		return -1;
	}
	/* Ours first: the checkers keep the sink they find and call it. */
	ac97_set_sink(machine_device(m), (struct ac97_sink){ on_span, c });
	/* Capture from samples replaces the pattern audio-conservation reads. */
	struct checker_config ck = sc->checkers;
	if (sc->stream.direction == PORT_CAPTURE && sc->source == SOURCE_SAMPLES)
		ck.disable[CHECK_AUDIO] = true;
	struct checkers *ch = checkers_attach(m, c->ps, &ck, why);
	if (ch == NULL) {
		port_stream_destroy(c->ps);
		machine_destroy(m);
		free(c);
		free(args);
		return -1;
	}
	hook_capture(c, ch);
	machine_queue_passive(m, script, c, "stream script");
	for (uint32_t i = 0; i < sc->n_actions; i++) {
		args[2 * i] = c;
		args[2 * i + 1] = (void *)(uintptr_t)i;
		if (sc->actions[i].at_step != 0)
			machine_queue_passive_at_step(m, sc->actions[i].at_step, action, &args[2 * i],
						      "action at a step");
		else
			machine_queue_passive(m, action, &args[2 * i], "timed action");
	}
	machine_run(m, &out->result);
	out->link_frames = c->link_frames;
	out->audio_fnv = c->audio_fnv;
	if (decisions != NULL) {
		const struct decision_log *log = machine_decisions(m);
		for (size_t i = 0; i < log->count; i++)
			decision_log_push(decisions, &log->items[i]);
	}
	checkers_stats(ch, &out->checks);
	checkers_detach_free(ch);
	port_stream_destroy(c->ps);
	machine_destroy(m);
	free(c->capture_bytes);
	free(c);
	free(args);
	return 0;
}
