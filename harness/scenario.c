/*
 * scenario.c - running one scenario (see scenario.h).
 */
#include "scenario.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fnv1a.h"
#include "kernel_backend.h"
#include "run_draws.h"
#include "timing.h"
#include "simtime.h"

int scenario_set_driver(struct scenario *sc, const char *name, char *err, size_t err_len)
{
	struct driver_ref ref;
	if (driver_resolve(name, &ref, err, err_len) != 0)
		return -1;
	if (strlen(name) >= sizeof(sc->driver)) {
		driver_release(&ref);
		snprintf(err, err_len, "driver name or path longer than %zu bytes", sizeof(sc->driver) - 1);
		return -1;
	}
	scenario_release(sc);
	driver_release(&sc->driver_ref);
	sc->driver_ref = ref;
	snprintf(sc->driver, sizeof(sc->driver), "%s", name);
	return 0;
}

void scenario_release(struct scenario *sc)
{
	driver_release(&sc->driver_ref);
	sc->driver_ref = (struct driver_ref){ .ops = builtin_drivers[0] };
	snprintf(sc->driver, sizeof(sc->driver), "%s", builtin_drivers[0]->name);
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
	snprintf(sc->driver, sizeof(sc->driver), "%s", builtin_drivers[0]->name);
	sc->driver_ref.ops = builtin_drivers[0];
	sc->descriptor_max_bytes = SCENARIO_DESCRIPTOR_MAX_BYTES_DEFAULT;
	sc->timer_period_ms = SCENARIO_TIMER_PERIOD_MS_DEFAULT;
	checker_config_default(&sc->checkers);
	sc->max_steps = 2000000;
	sc->max_ticks = 60ull * SIM_TICKS_PER_SECOND;
	sc->irq_latency_max_ticks = TIMING_IRQ_LATENCY_MAX_TICKS_DEFAULT;
	sc->swarm_faults = SWARM_KINDS_ALL;
}

/* A mixing hash of the index: neighbouring samples differ, so a lost,
 * repeated or reordered sample never looks right by accident. */
static uint16_t pattern_at(uint64_t sample_index)
{
	uint64_t z = sample_index * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ull;
	return (uint16_t)(z >> 40);
}

int16_t scenario_pattern_sample(void *ctx, uint64_t sample_index)
{
	(void)ctx;
	return (int16_t)pattern_at(sample_index);
}

static void put_le16(uint8_t *dst, uint16_t u)
{
	dst[0] = (uint8_t)(u & 0xFFu);
	dst[1] = (uint8_t)(u >> 8);
}

/*
 * The pattern's first samples as little-endian bytes, made once per
 * process as far as runs have asked: the port writes, and the audio
 * checker compares, every sample of every run, and explore makes thousands
 * of runs of the same audio, so a copy (a fraction of an instruction a
 * byte) replaces the hash (about ten a sample). Made in pieces as far as
 * asked, so a short stream pays for its own samples only; past the table
 * (longer than every fixture's stream) samples are computed.
 *
 * Threads may share it: the table is only ever written past
 * pattern_made_samples, under the lock, and that count is published after
 * the bytes it covers (release/acquire), so a reader copies only bytes
 * that are there and never change.
 */
#define PATTERN_TABLE_SAMPLES (128u * 1024u)
#define PATTERN_PIECE_SAMPLES (8u * 1024u)
static uint8_t pattern_table_le[2u * PATTERN_TABLE_SAMPLES];
static atomic_uint_fast32_t pattern_made_samples;
static pthread_mutex_t pattern_lock = PTHREAD_MUTEX_INITIALIZER;

/* The table made as far as end_sample (<= PATTERN_TABLE_SAMPLES). */
static void pattern_make_to(uint32_t end_sample)
{
	if (atomic_load_explicit(&pattern_made_samples, memory_order_acquire) >= end_sample)
		return;
	pthread_mutex_lock(&pattern_lock);
	uint32_t made = (uint32_t)atomic_load_explicit(&pattern_made_samples, memory_order_relaxed);
	uint32_t to = (end_sample + PATTERN_PIECE_SAMPLES - 1u) / PATTERN_PIECE_SAMPLES *
		      PATTERN_PIECE_SAMPLES;
	if (to > PATTERN_TABLE_SAMPLES)
		to = PATTERN_TABLE_SAMPLES;
	for (uint32_t i = made; i < to; i++)
		put_le16(pattern_table_le + 2u * i, pattern_at(i));
	if (to > made)
		atomic_store_explicit(&pattern_made_samples, to, memory_order_release);
	pthread_mutex_unlock(&pattern_lock);
}

void scenario_pattern_samples_le(void *ctx, uint64_t first_sample, uint8_t *dst_le,
				 uint32_t n_samples)
{
	(void)ctx;
	uint32_t i = 0;
	if (first_sample < PATTERN_TABLE_SAMPLES) {
		uint64_t in_table = PATTERN_TABLE_SAMPLES - first_sample;
		i = n_samples < in_table ? n_samples : (uint32_t)in_table;
		pattern_make_to((uint32_t)first_sample + i);
		memcpy(dst_le, pattern_table_le + 2u * first_sample, 2u * (size_t)i);
	}
	for (; i < n_samples; i++)
		put_le16(dst_le + 2u * i, pattern_at(first_sample + i));
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

/* The same in bulk (port_samples_le_fn): in memory, a conversion loop; a
 * reader is still asked a sample at a time. */
static void samples_samples_le(void *ctx, uint64_t first_sample, uint8_t *dst_le,
			       uint32_t n_samples)
{
	const struct scenario *sc = ctx;
	uint32_t i = 0;
	if (sc->reader.sample == NULL && sc->samples != NULL) {
		for (; i < n_samples && first_sample + i < sc->n_samples; i++)
			put_le16(dst_le + 2u * i, (uint16_t)sc->samples[first_sample + i]);
	}
	for (; i < n_samples; i++)
		put_le16(dst_le + 2u * i, (uint16_t)samples_sample(ctx, first_sample + i));
}

int16_t scenario_sample(const struct scenario *sc, uint64_t sample_index)
{
	if (sc->source == SOURCE_SAMPLES)
		return samples_sample((void *)sc, sample_index);
	return scenario_pattern_sample(NULL, sample_index);
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

/* ---- the canonical text and the hash ---------------------------------------------- */

static const char *const direction_names[] = { "render", "capture" };
static const char *const engine_names[] = { "pi", "po", "mc" };
static const char *const style_names[] = { "kmixer", "dsound" };
static const char *const layout_names[] = { "scattered", "contiguous" };
static const char *const action_names[SA_ACTION_KIND_COUNT] = {
	"cancel-irp", "set-state", "query-position", "stall-bus", "stray-engine",
	"refuse-mappings", "delay-interrupts", "stall-cpu", "set-format",
};
static const char *const state_names[] = { "stop", "acquire", "pause", "run" };
/* The port's names for what it saw (port.h's PORT_EVENT_KINDS). */
const char *const action_after_names[AFTER_COUNT] = {
	[AFTER_NONE] = "",
	[AFTER_GET_MAPPING] = "GetMapping",
	[AFTER_RELEASE_MAPPING] = "ReleaseMapping",
	[AFTER_IRP_DONE] = "irp-done",
	[AFTER_NOTIFY] = "Notify",
};

/* "v UNIT" or, for a range, "v UNIT..v+width UNIT", and a newline. */
static void write_range(FILE *out, uint64_t v, uint64_t width, const char *unit)
{
	if (width == 0)
		fprintf(out, "%" PRIu64 "%s\n", v, unit);
	else
		fprintf(out, "%" PRIu64 "%s..%" PRIu64 "%s\n", v, unit, v + width, unit);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void scenario_write(const struct scenario *sc, FILE *out)
{
	const struct port_stream_config *st = &sc->stream;
	fprintf(out, "[scenario]\nname = %s\ncpus = %" PRIu32 "\n", sc->name, sc->cpus);
	/* A plug-in by its name: where it lies and which build of it it is
	 * are not the scenario (a trace records the binary's hash apart). */
	if (sc->driver_ref.plugin != NULL)
		fprintf(out, "; driver: the plug-in '%s'\n", sc->driver_ref.ops->name);
	else
		fprintf(out, "driver = %s\n", sc->driver);
	fprintf(out, "max_steps = %" PRIu64 "\nmax_time = %" PRIu64 " ticks\nirq_latency_max = %" PRIu64
		     " ticks\nswarm =",
		sc->max_steps, sc->max_ticks, sc->irq_latency_max_ticks);
	bool any_swarm = false;
	for (uint32_t k = 0; k < SA_ACTION_KIND_COUNT; k++)
		if (sc->swarm_faults & (1u << k)) {
			fprintf(out, "%s %s", any_swarm ? "," : "", action_names[k]);
			any_swarm = true;
		}
	fprintf(out, "%s\n", any_swarm ? "" : " none");
	fprintf(out, "[device]\nfifo_samples = %" PRIu32 "\ndma_latency = ", sc->device.fifo_samples);
	write_range(out, sc->device.dma_latency_ticks, sc->dma_latency_range_ticks, " ticks");
	fprintf(out, "codec_ready_delay = %" PRIu64 " ticks\n", sc->device.codec_ready_delay_ticks);
	/* Only when not ich: scenarios from before profiles keep their hash,
	 * and with it their recorded traces (absent reads back as ich). */
	if (sc->device.profile != NULL && sc->device.profile != ac97_profile_default())
		fprintf(out, "profile = %s\n", sc->device.profile->name);
	fprintf(out, "[stream]\ndirection = %s\nengine = %s\nstyle = %s\nlayout = %s\nchannels = %" PRIu32
		     "\nrate = %" PRIu32 "\nirp_bytes = ",
		direction_names[st->direction % 2], engine_names[sc->engine % 3], style_names[st->style % 2],
		layout_names[st->layout % 2], st->channels, st->rate_hz);
	write_range(out, st->irp_bytes, sc->irp_bytes_range, "");
	fprintf(out, "irps_in_flight = %" PRIu32 "\ntotal_bytes = %" PRIu64 "\nfirst_page_offset = ",
		st->irps_in_flight, st->total_bytes);
	write_range(out, st->first_page_offset_bytes, sc->first_page_offset_range_bytes, "");
	fprintf(out, "layout_seed = %" PRIu64 "\n", st->layout_seed);
	if (sc->source == SOURCE_SAMPLES)
		fprintf(out, "[source]\nkind = file\n; %" PRIu64 " samples, content fnv1a64 0x%016" PRIx64 "\n",
			sc->n_samples, sc->reader.sample != NULL ? sc->reader.content_hash
				: scenario_samples_hash(sc->samples, sc->samples ? sc->n_samples : 0));
	else
		fprintf(out, "[source]\nkind = pattern\n");
	fprintf(out, "[miniport]\ndescriptor_max_bytes = %" PRIu32 "\ntimer_service = %s\n"
		     "timer_period_ms = %" PRIu32 "\n",
		sc->descriptor_max_bytes, yes_no(sc->timer_service), sc->timer_period_ms);
	fprintf(out, "[checkers]\n");
	char sep = ' ';
	bool any = false;
	for (uint32_t i = 0; checker_name_at(i) != NULL; i++) {
		if (!(sc->checkers.disabled & (UINT32_C(1) << i)))
			continue;
		fprintf(out, "%s%c%s", any ? "" : "disable =", sep, checker_name_at(i));
		sep = ',';
		any = true;
	}
	if (any)
		fputc('\n', out);
	fprintf(out, "stall_limit = %" PRIu64 " ticks\nends_early = %s\n",
		sc->checkers.stall_limit_ticks, yes_no(sc->checkers.ends_early));
	/* Only when set: scenarios from before the key keep their hash, and
	 * with it their recorded traces (absent reads back as the default). */
	if (sc->checkers.hang_limit_ticks != 0 &&
	    sc->checkers.hang_limit_ticks != CHECKER_HANG_LIMIT_TICKS_DEFAULT)
		fprintf(out, "hang_limit = %" PRIu64 " ticks\n", sc->checkers.hang_limit_ticks);
	for (uint32_t i = 0; i < sc->n_actions; i++) {
		const struct scenario_action *a = &sc->actions[i];
		fprintf(out, "[action]\nkind = %s\n", action_names[a->kind % SA_ACTION_KIND_COUNT]);
		if (a->after != AFTER_NONE) {
			fprintf(out, "after = %s ", action_after_names[a->after % AFTER_COUNT]);
			write_range(out, a->after_count, a->after_range, "");
		} else if (a->at_step != 0)
			fprintf(out, "at_step = %" PRIu64 "\n", a->at_step);
		else {
			fprintf(out, "at = ");
			write_range(out, a->at_ticks, a->at_range_ticks, " ticks");
		}
		switch (a->kind) {
		case SA_CANCEL_IRP: fprintf(out, "irp = %" PRIu32 "\n", a->arg); break;
		case SA_SET_STATE: fprintf(out, "state = %s\n", state_names[a->arg % 4]); break;
		case SA_SET_FORMAT: fprintf(out, "rate = %u\n", a->arg); break;
		case SA_STRAY_ENGINE: fprintf(out, "engine = %s\n", engine_names[a->arg % 3]); break;
		case SA_REFUSE_MAPPINGS: fprintf(out, "count = %" PRIu32 "\n", a->arg); break;
		case SA_STALL_CPU: fprintf(out, "cpu = %" PRIu32 "\n", a->arg); break;
		default: break;
		}
		if (a->kind == SA_STALL_BUS || a->kind == SA_DELAY_INTERRUPTS || a->kind == SA_STALL_CPU)
			fprintf(out, "duration = %" PRIu64 " ticks\n", a->duration_ticks);
	}
}

uint64_t scenario_hash(const struct scenario *sc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		return 0;
	scenario_write(sc, f);
	if (fclose(f) != 0) {
		free(text);
		return 0;
	}
	uint64_t h = fnv1a64(FNV1A64_INIT, text, len);
	free(text);
	return h;
}

/* ---- the run ------------------------------------------------------------------ */

struct run_ctx {
	const struct scenario *sc;
	const struct ac97sim_driver *driver;
	struct machine *m;
	struct port_stream *ps;
	void *adapter;
	void *stream;
	bool stream_open;
	bool script_done;
	sim_ticks_t run_start_ticks;	/* when the stream reached RUN */
	bool running;
	KEVENT running_event;		/* set when the stream reaches RUN, or the script ends */
	KEVENT state_turn;		/* the port takes one SetState at a time: whose turn */
	struct run_draws draws;		/* what this run drew (run_draws.h) */
	struct ac97_sink also;
	uint64_t link_frames;
	uint64_t audio_fnv;
	/* Capture from samples: the tape's position, in frames. */
	uint64_t tape_frames;
	uint8_t *capture_bytes;
	uint32_t capture_cap_bytes;
	/* Actions after the driver's events: how many of each kind so far,
	 * and the arguments of action_at_step for each action. */
	uint32_t after_seen[AFTER_COUNT];
	void **action_args;
};

static void sleep_ticks(sim_ticks_t ticks)
{
	KEVENT never;
	KeInitializeEvent(&never, NotificationEvent, FALSE);
	int64_t t100 = (int64_t)sim_ticks_to_100ns_ceil(ticks);
	LARGE_INTEGER timeout;
	timeout.QuadPart = -(t100 > 0 ? t100 : 1);
	KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &timeout);
}

static sim_ticks_t now_ticks(void)
{
	return sim_100ns_to_ticks(KeQueryInterruptTime());
}

AC97SIM_NORETURN static void setup_failed(struct run_ctx *c, const char *what, NTSTATUS st)
{
	machine_fail(c->m, HARNESS_CHECKER_NAME, &harness_failures[HARNESS_FAIL_SETUP],
		     "%s (driver %s) failed: 0x%08X", what, c->driver->name, (unsigned)st);
}

/* The driver's lifecycle onto the run's event stream (EV_LIFECYCLE, for
 * checkers; not logged: each marks a fixed point of this script). */
static void publish_lifecycle(struct run_ctx *c, enum lifecycle_kind what)
{
	bool stream = what == LIFE_STREAM_OPENING || what == LIFE_STREAM_CLOSED;
	struct lifecycle_memory mem = {
		stream ? c->stream : c->adapter,
		stream ? c->driver->stream_bytes : c->driver->adapter_bytes,
	};
	struct sim_event ev;
	event_init(&ev, EV_LIFECYCLE);
	ev.u.lifecycle = (struct ev_lifecycle){ what, stream ? (int32_t)c->sc->engine : -1 };
	ev.ref = &mem;
	machine_publish(c->m, &ev);
}

/* A state change from the harness's threads (the script, the timeline):
 * one at a time, as the port requires of the system above it. An action's
 * (only_while_running) is dropped if the stream ended while it waited its
 * turn: nothing may start a stream the script is closing. */
static void change_state(struct run_ctx *c, KSSTATE state, bool only_while_running)
{
	KeWaitForSingleObject(&c->state_turn, Executive, KernelMode, FALSE, NULL);
	if (!only_while_running || c->running) {
		port_action_set_state(c->ps, state);
		/* The client that moves a pin out of STOP sends it IRPs again
		 * (its IRPs were cancelled at STOP). */
		if (state != KSSTATE_STOP && c->running)
			port_action_submit(c->ps);
	}
	KeSetEvent(&c->state_turn, 0, FALSE);
}

/* Feeding waits for an IRP to be done, as KMixer's thread does, or at
 * most this long (a stream that never completes one is left to the
 * checkers; the script must not sleep through the end of the run). */
#define FEEDER_WAIT_TICKS (SIM_TICKS_PER_SECOND / 20u)	/* 50 ms */

static void wait_irp_done(struct port_stream *ps)
{
	LARGE_INTEGER timeout = { .QuadPart = -(LONGLONG)sim_ticks_to_100ns_ceil(FEEDER_WAIT_TICKS) };
	KeWaitForSingleObject(port_stream_irp_done_event(ps), Executive, KernelMode, FALSE, &timeout);
}

/* The script is the system around the driver; the driver's own entry
 * points are driver code, outside the model (kernel_model_leave: the
 * native backend runs them outside its world lock). */
#define DRIVER_CALL(call)                                                 \
	do {                                                              \
		kernel_model_leave();                                     \
		call;                                                     \
		kernel_model_enter();                                     \
	} while (0)

static void script(void *arg)
{
	struct run_ctx *c = arg;
	const struct scenario *sc = c->sc;
	const struct ac97sim_driver *d = c->driver;
	/* The run's phase: the stream starts this late against the link's
	 * frames and the timer clock (run_draws.h). */
	if (c->draws.phase_ticks > 0)
		sleep_ticks(c->draws.phase_ticks);
	publish_lifecycle(c, LIFE_ADAPTER_STARTING);
	NTSTATUS st;
	DRIVER_CALL(st = d->adapter_start(c->adapter, machine_resources(c->m)));
	if (!NT_SUCCESS(st))
		setup_failed(c, "adapter start", st);
	const struct ac97sim_stream_params params = {
		.engine = sc->engine,
		.port = port_stream_handle(c->ps),
		.channels = c->draws.stream.channels,
		.rate_hz = c->draws.stream.rate_hz,
		.descriptor_max_bytes = sc->descriptor_max_bytes,
		.timer_service = sc->timer_service,
		.timer_period_ms = sc->timer_period_ms,
	};
	publish_lifecycle(c, LIFE_STREAM_OPENING);
	DRIVER_CALL(st = d->stream_open(c->adapter, c->stream, &params));
	if (!NT_SUCCESS(st))
		setup_failed(c, "stream open", st);
	c->stream_open = true;
	port_stream_bind_miniport(c->ps, &d->stream_ops, c->stream);
	port_action_submit(c->ps);
	change_state(c, KSSTATE_RUN, false);
	c->run_start_ticks = now_ticks();
	c->running = true;
	KeSetEvent(&c->running_event, 0, FALSE);
	/* Feed the stream like KMixer would until its audio has all gone
	 * through: top the IRPs up each time one is done, while the pin is
	 * not stopped (a stopped pin's IRPs are cancelled, not refilled). */
	while (!port_stream_finished(c->ps)) {
		if (port_stream_state(c->ps) != KSSTATE_STOP)
			port_action_submit(c->ps);
		if (!port_stream_finished(c->ps))
			wait_irp_done(c->ps);
	}
	/* Let the FIFO play out what was fetched last. */
	sleep_ticks(SIM_TICKS_PER_SECOND / 1000u);
	c->running = false;
	change_state(c, KSSTATE_STOP, false);
	/* The pin closes before the miniport stream does: the port's own
	 * Service or MappingAvailable call, or an action's call, still under
	 * way must return first, and none may start after. */
	port_action_close(c->ps);
	DRIVER_CALL(d->stream_close(c->stream));
	c->stream_open = false;
	publish_lifecycle(c, LIFE_STREAM_CLOSED);
	DRIVER_CALL(d->adapter_stop(c->adapter));
	kernel_check_pool_empty();
	publish_lifecycle(c, LIFE_ADAPTER_STOPPED);
	c->script_done = true;
	KeSetEvent(&c->running_event, 0, FALSE);
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
	uint8_t *bdl = AcAllocateCommonBuffer(AC97_BDL_ENTRIES * AC97_BD_BYTES, &bdl_phys);
	if (bdl == NULL)
		return;
	uint32_t dw1 = AC97_BD_IOC;
	for (int i = 0; i < 4; i++) {
		bdl[i] = (uint8_t)(bdl_phys.LowPart >> (8 * i));
		bdl[4 + i] = (uint8_t)(dw1 >> (8 * i));
	}
	PUCHAR base = machine_resources(c->m)->Nabmbar + (uint32_t)e * AC97_ENGINE_STRIDE;
	WRITE_PORT_ULONG((PULONG)(base + AC97_BDBAR), bdl_phys.LowPart);
	WRITE_PORT_UCHAR(base + AC97_LVI, 0);
	WRITE_PORT_UCHAR(base + AC97_CR, AC97_CR_RPBM | AC97_CR_IOCE | AC97_CR_LVBIE);
}

/* One action, now (the stream runs). */
static void act(struct run_ctx *c, const struct scenario_action *a)
{
	switch (a->kind) {
	case SA_CANCEL_IRP: port_action_cancel_irp(c->ps, a->arg); break;
	case SA_SET_STATE: change_state(c, (KSSTATE)a->arg, true); break;
	case SA_QUERY_POSITION: port_action_query_position(c->ps); break;
	case SA_SET_FORMAT: port_action_set_format(c->ps, a->arg); break;
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

/* The timed actions, scenario's and swarm's, in time order (equal times
 * in the scenario's order, then the swarm's), from one passive call that
 * sleeps to each moment: one CPU waits for them, not one per action. */
static void timeline(void *arg)
{
	struct run_ctx *c = arg;
	const struct run_draws *d = &c->draws;
	uint32_t order[RUN_DRAWS_ACTIONS_MAX], n = 0;
	for (uint32_t i = 0; i < d->n_actions; i++) {
		if (d->actions[i].at_step != 0 || d->actions[i].after != AFTER_NONE)
			continue;
		uint32_t at = n++;
		while (at > 0 && d->actions[order[at - 1]].at_ticks > d->actions[i].at_ticks) {
			order[at] = order[at - 1];
			at--;
		}
		order[at] = i;
	}
	if (!c->running && !c->script_done)
		KeWaitForSingleObject(&c->running_event, Executive, KernelMode, FALSE, NULL);
	for (uint32_t k = 0; k < n && !c->script_done; k++) {
		const struct scenario_action *a = &d->actions[order[k]];
		sim_ticks_t when = c->run_start_ticks + a->at_ticks;
		sim_ticks_t now = now_ticks();
		if (when > now)
			sleep_ticks(when - now);
		if (!c->running)
			return;	/* the stream ended first: nothing more to race */
		act(c, a);
	}
}

/* An action at a scheduling step (at_step) or after a driver's event
 * (after): the step decides, not time (one that comes before the stream
 * runs waits for it). */
static void action_at_step(void *arg)
{
	struct run_ctx *c = ((struct run_ctx **)arg)[0];
	uint32_t index = (uint32_t)(uintptr_t)((void **)arg)[1];
	if (!c->running && !c->script_done)
		KeWaitForSingleObject(&c->running_event, Executive, KernelMode, FALSE, NULL);
	if (c->running)
		act(c, &c->draws.actions[index]);
}

/* ---- the run's taps (subscribers of its event stream) -------------------------- */

/* The link audio's count and hash (render). */
static void tap_link(void *ctx, const struct sim_event *ev)
{
	struct run_ctx *c = ctx;
	const struct ac97_span *span = ev->ref;
	if (span->engine == AC97_PO && span->kind == AC97_SPAN_DATA) {
		c->link_frames += span->n_frames;
		c->audio_fnv = fnv1a64(c->audio_fnv, span->pcm_le, span->n_frames * span->channels * 2);
	}
}

/* A caller's own sink (a WAV writer, a listener). */
static void tap_caller_sink(void *ctx, const struct sim_event *ev)
{
	struct run_ctx *c = ctx;
	c->also.on_span(c->also.ctx, ev->ref);
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

/* A capture mapping released: what landed in it, to the caller's sink. */
static void tap_capture(void *ctx, const struct sim_event *ev)
{
	struct run_ctx *c = ctx;
	if (ev->u.port.kind != PORT_EV_MAPPING || ev->u.port.result != MAPPING_RELEASED)
		return;
	const struct port_mapping_info *m = ev->ref;
	if (m->byte_count > c->capture_cap_bytes) {
		uint8_t *p = realloc(c->capture_bytes, m->byte_count);
		if (p == NULL)
			machine_fail(c->m, HARNESS_CHECKER_NAME,
				     &harness_failures[HARNESS_FAIL_HOST_MEMORY],
				     "out of host memory for %u captured bytes", (unsigned)m->byte_count);
		c->capture_bytes = p;
		c->capture_cap_bytes = m->byte_count;
	}
	gmem_read(machine_memory(c->m), m->physical, c->capture_bytes, m->byte_count);
	c->sc->capture_sink.on_released(c->sc->capture_sink.ctx, m, c->capture_bytes);
}

/* The device's input: the checkers' position pattern, or the tape. */
static void set_input(struct run_ctx *c)
{
	const struct scenario *sc = c->sc;
	if (sc->stream.direction != PORT_CAPTURE)
		return;
	struct ac97_source src = { checkers_capture_pattern, NULL };
	if (sc->source == SOURCE_SAMPLES)
		src = (struct ac97_source){ tape_read, c };
	ac97_set_source(machine_device(c->m), src);
}

/* The kind of a port event an action may come after (AFTER_NONE: none). */
static enum action_after after_kind_of(const struct port_event *pe)
{
	switch (pe->kind) {
	case PORT_EV_GET_MAPPING:
		return pe->result == PORT_GM_OK ? AFTER_GET_MAPPING : AFTER_NONE;
	case PORT_EV_RELEASE_MAPPING: return AFTER_RELEASE_MAPPING;
	case PORT_EV_IRP_DONE: return AFTER_IRP_DONE;
	case PORT_EV_NOTIFY: return AFTER_NOTIFY;
	default: return AFTER_NONE;
	}
}

/* Counts the driver's events and queues each action whose moment came. */
static void tap_after(void *ctx, const struct sim_event *ev)
{
	struct run_ctx *c = ctx;
	enum action_after kind = after_kind_of(&ev->u.port);
	if (kind == AFTER_NONE)
		return;
	uint32_t seen = ++c->after_seen[kind];
	for (uint32_t i = 0; i < c->draws.n_actions; i++) {
		const struct scenario_action *a = &c->draws.actions[i];
		if (a->after == kind && a->after_count == seen)
			machine_queue_passive(c->m, action_at_step, &c->action_args[2 * i],
					      "action after an event");
	}
}

static int subscribe_taps(struct run_ctx *c, bool verdict_only)
{
	struct bus *bus = machine_bus(c->m);
	bool after = false;
	for (uint32_t i = 0; i < c->draws.n_actions; i++)
		after |= c->draws.actions[i].after != AFTER_NONE;
	if (after && bus_subscribe(bus, BUS_RECORD, EV_BIT(EV_PORT), tap_after, c) != 0)
		return -1;
	if (!verdict_only && bus_subscribe(bus, BUS_RECORD, EV_BIT(EV_SPAN), tap_link, c) != 0)
		return -1;
	if (c->also.on_span != NULL &&
	    bus_subscribe(bus, BUS_RECORD, EV_BIT(EV_SPAN), tap_caller_sink, c) != 0)
		return -1;
	if (c->sc->stream.direction == PORT_CAPTURE && c->sc->capture_sink.on_released != NULL &&
	    bus_subscribe(bus, BUS_RECORD, EV_BIT(EV_PORT), tap_capture, c) != 0)
		return -1;
	return 0;
}

static void free_run(struct run_ctx *c, struct machine *m, struct checkers *ch, void *args)
{
	checkers_detach_free(ch);
	if (c != NULL) {
		port_stream_destroy(c->ps);
		free(c->capture_bytes);
		free(c->adapter);
		free(c->stream);
	}
	machine_destroy(m);
	free(c);
	free(args);
}

int scenario_run(const struct scenario *sc, const struct strategy *strategy, uint64_t seed,
		 const struct decision_log *replay, FILE *log_text,
		 const struct ac97_sink *also_sink, struct scenario_outcome *out,
		 struct decision_log *decisions, const char **why)
{
	const struct replay_plan exact = { replay, REPLAY_EXACT, 0 };
	const struct scenario_run_options opt = {
		.plan = replay != NULL ? &exact : NULL, .log_text = log_text, .also_sink = also_sink,
		.decisions = decisions,
	};
	return scenario_run_with(sc, strategy, seed, &opt, out, why);
}

int scenario_run_plan(const struct scenario *sc, const struct strategy *strategy, uint64_t seed,
		      const struct replay_plan *plan, FILE *log_text,
		      const struct ac97_sink *also_sink, struct scenario_outcome *out,
		      struct decision_log *decisions, const char **why)
{
	const struct scenario_run_options opt = {
		.plan = plan, .log_text = log_text, .also_sink = also_sink, .decisions = decisions,
	};
	return scenario_run_with(sc, strategy, seed, &opt, out, why);
}

/* The caller's observers, after the run's own taps (bus.h: in order). */
static int attach_observers(struct machine *m, const struct scenario_run_options *opt,
			    const char **why)
{
	assert(opt->n_observers <= SCENARIO_OBSERVERS_MAX);
	for (uint32_t i = 0; i < opt->n_observers; i++) {
		const struct scenario_observer *o = &opt->observers[i];
		*why = NULL;
		if (o->attach(o->ctx, m, why) != 0) {
			if (*why == NULL)
				*why = "an observer of the run cannot attach";
			return -1;
		}
	}
	return 0;
}

int scenario_run_with(const struct scenario *sc, const struct strategy *strategy, uint64_t seed,
		      const struct scenario_run_options *opt, struct scenario_outcome *out,
		      const char **why)
{
	static const struct scenario_run_options defaults;
	if (opt == NULL)
		opt = &defaults;
	const struct replay_plan *plan = opt->plan;
	const struct ac97_sink *also_sink = opt->also_sink;
	struct decision_log *decisions = opt->decisions;
	const struct ac97sim_driver *d = sc->driver_ref.ops;
	if (d == NULL) {
		*why = "the scenario has no driver";
		return -1;
	}
	if (opt->native != NULL && plan != NULL) {
		*why = "a run on the native backend cannot follow a recording";
		return -1;
	}
	struct machine_config cfg;
	machine_config_default(&cfg);
	cfg.n_cpus = sc->cpus;
	cfg.strategy = *strategy;
	cfg.seed = seed;
	if (plan != NULL) {
		cfg.replay = plan->log;
		cfg.replay_mode = plan->mode;
		cfg.replay_fork_step = plan->fork_step;
	}
	cfg.max_steps = sc->max_steps;
	cfg.max_ticks = sc->max_ticks;
	cfg.irq_latency_max_ticks = sc->irq_latency_max_ticks;
	cfg.device = sc->device;
	cfg.log_text = opt->log_text;
	cfg.record_decisions = decisions != NULL;
	cfg.recycle_memory = true;	/* the harness writes guest memory only as gmem_reset asks */
	cfg.native = opt->native;
	struct run_ctx *c = calloc(1, sizeof(*c));
	void **args_mem = calloc(RUN_DRAWS_ACTIONS_MAX, 2 * sizeof(void *));
	struct machine *m = c && args_mem ? machine_create(&cfg) : NULL;
	if (m == NULL) {
		free_run(c, NULL, NULL, args_mem);
		*why = "out of host memory (or a bad CPU count)";
		return -1;
	}
	c->sc = sc;
	c->driver = d;
	c->m = m;
	c->action_args = args_mem;
	c->audio_fnv = FNV1A64_INIT;
	c->adapter = calloc(1, d->adapter_bytes ? d->adapter_bytes : 1);
	c->stream = calloc(1, d->stream_bytes ? d->stream_bytes : 1);
	if (also_sink != NULL)
		c->also = *also_sink;
	if (c->adapter == NULL || c->stream == NULL) {
		free_run(c, m, NULL, args_mem);
		*why = "out of host memory for the driver's adapter and stream";
		return -1;
	}
	/* A plug-in's static data as it was when loaded: nothing carries over
	 * from the run before. */
	driver_prepare_run((struct driver_ref *)&sc->driver_ref);
	machine_bind(m);
	/* What this run draws (ranges, phase, swarm faults), first of all its
	 * decisions. */
	run_draws_make(&c->draws, sc, m);
	ac97_set_dma_latency(machine_device(m), c->draws.dma_latency_ticks);
	KeInitializeEvent(&c->running_event, NotificationEvent, FALSE);
	KeInitializeEvent(&c->state_turn, SynchronizationEvent, TRUE);
	struct port_stream_config st = c->draws.stream;
	if (sc->source == SOURCE_SAMPLES) {
		st.sample = samples_sample;
		st.samples_le = samples_samples_le;
		st.sample_ctx = (void *)sc;
	} else {
		st.sample = scenario_pattern_sample;
		st.samples_le = scenario_pattern_samples_le;
		st.sample_ctx = NULL;
	}
	c->ps = port_stream_create(&st, why);
	if (c->ps == NULL) {
		free_run(c, m, NULL, args_mem);
		return -1;
	}
	/* Capture from samples replaces the pattern audio-conservation reads. */
	struct checker_config ck = sc->checkers;
	if (sc->stream.direction == PORT_CAPTURE && sc->source == SOURCE_SAMPLES)
		checker_disable(&ck, "audio-conservation");
	if (subscribe_taps(c, opt->verdict_only) != 0) {
		*why = "too many subscribers on the run's event stream";
		free_run(c, m, NULL, args_mem);
		return -1;
	}
	if (attach_observers(m, opt, why) != 0) {
		free_run(c, m, NULL, args_mem);
		return -1;
	}
	struct checkers *ch = checkers_attach(m, c->ps, &st, &ck, why);
	if (ch == NULL) {
		free_run(c, m, NULL, args_mem);
		return -1;
	}
	set_input(c);
	machine_queue_passive(m, script, c, "stream script");
	bool timed = false;
	for (uint32_t i = 0; i < c->draws.n_actions; i++) {
		args_mem[2 * i] = c;
		args_mem[2 * i + 1] = (void *)(uintptr_t)i;
		if (c->draws.actions[i].at_step != 0)
			machine_queue_passive_at_step(m, c->draws.actions[i].at_step, action_at_step,
						      &args_mem[2 * i], "action at a step");
		else if (c->draws.actions[i].after == AFTER_NONE)
			timed = true;
	}
	if (timed)
		machine_queue_passive(m, timeline, c, "timed actions");
	machine_run(m, &out->result);
	out->decisions_made = machine_decision_count(m);
	out->link_frames = c->link_frames;
	out->audio_fnv = opt->verdict_only ? 0 : c->audio_fnv;
	if (decisions != NULL) {
		const struct decision_log *log = machine_decisions(m);
		for (size_t i = 0; i < log->count; i++)
			decision_log_push(decisions, &log->items[i]);
	}
	checkers_stats(ch, &out->checks);
	free_run(c, m, ch, args_mem);
	return 0;
}
