/*
 * ac97emu.c - the public API (include/ac97emu/ac97emu.h) over the device
 * model (ac97.h). One device, one implementation: this file checks what an
 * embedder gives, translates between the two vocabularies, and keeps the
 * rules of the API (no calls back in from callbacks, time only forward);
 * everything the device does is done by ac97.c and bm_engine.c, exactly
 * as the harness and the tests run them.
 *
 * The embedder's DMA callbacks go to the device untouched (ac97_init takes
 * the same table), so DMA costs the same through the API as in the
 * harness. The other callbacks pass through small adapters here, which do
 * nothing per frame.
 */
#include "ac97emu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ac97.h"

/* The header states the time base and limits again for embedders, who do
 * not see simtime.h or ac97.h: the two statements must agree. */
_Static_assert(sizeof(ac97emu_ticks_t) == sizeof(sim_ticks_t), "one tick type");
_Static_assert(AC97EMU_TICKS_PER_SECOND == SIM_TICKS_PER_SECOND, "one tick rate");
_Static_assert(AC97EMU_TICKS_PER_FRAME == SIM_TICKS_PER_FRAME, "one frame length");
_Static_assert(AC97EMU_TICKS_NEVER == SIM_TICKS_NEVER, "one \"never\"");
_Static_assert(AC97EMU_TICKS_HORIZON == SIM_TICKS_HORIZON, "one horizon");
_Static_assert(AC97EMU_DMA_LATENCY_TICKS_MAX == AC97_DMA_LATENCY_TICKS_MAX, "one latency limit");
_Static_assert(AC97EMU_CODEC_READY_DELAY_TICKS_MAX == AC97_CODEC_READY_DELAY_TICKS_MAX,
	       "one codec ready limit");
_Static_assert((int)AC97EMU_PCM_DATA == (int)AC97_SPAN_DATA &&
		       (int)AC97EMU_PCM_FILL == (int)AC97_SPAN_FILL &&
		       (int)AC97EMU_PCM_UNDERRUN == (int)AC97_SPAN_UNDERRUN,
	       "span kinds line up");

/* The VERSION file, split by the Makefile: the header's version must be it,
 * so that bumping one without the other fails the build here. */
#if !defined(AC97EMU_VERSION_FILE_MAJOR) || !defined(AC97EMU_VERSION_FILE_MINOR) || \
	!defined(AC97EMU_VERSION_FILE_PATCH)
#error "build with -DAC97EMU_VERSION_FILE_{MAJOR,MINOR,PATCH} from VERSION (the Makefile does)"
#endif
_Static_assert(AC97EMU_VERSION_MAJOR == AC97EMU_VERSION_FILE_MAJOR &&
		       AC97EMU_VERSION_MINOR == AC97EMU_VERSION_FILE_MINOR &&
		       AC97EMU_VERSION_PATCH == AC97EMU_VERSION_FILE_PATCH,
	       "include/ac97emu/ac97emu.h and VERSION give different versions");

struct ac97emu {
	struct ac97 dev;
	struct ac97emu_host host;
	/* Inside a call that runs the device: the host's callbacks may be
	 * running, and a call from them into the device is refused. */
	bool in_call;
	/* Inside the notice callback: a refused call made from it is not
	 * reported again (that would recurse). */
	bool in_notice;
};

const char *ac97emu_version(void)
{
	return AC97EMU_VERSION_STRING;
}

unsigned ac97emu_abi(void)
{
	return AC97EMU_ABI;
}

void ac97emu_config_default(struct ac97emu_config *cfg)
{
	if (cfg == NULL)
		return;
	struct ac97_config internal;
	ac97_config_default(&internal);
	cfg->fifo_samples = internal.fifo_samples;
	cfg->dma_latency_ticks = internal.dma_latency_ticks;
	cfg->codec_ready_delay_ticks = internal.codec_ready_delay_ticks;
}

/* ---- notices ------------------------------------------------------------------ */

static void deliver(struct ac97emu *emu, const struct ac97emu_notice *n)
{
	if (emu->host.notice == NULL || emu->in_notice)
		return;
	emu->in_notice = true;
	emu->host.notice(emu->host.ctx, n);
	emu->in_notice = false;
}

static void embedder_error(struct ac97emu *emu, const char *name, const char *text,
			   uint64_t value)
{
	struct ac97emu_notice n = {
		.kind = AC97EMU_NOTICE_EMBEDDER_ERROR, .tick = emu->dev.now_ticks, .engine = -1,
		.name = name, .text = text, .value = value,
	};
	deliver(emu, &n);
}

/* Every call that runs the device starts here: false (the call is refused,
 * and said so) when it comes from inside one of our callbacks. */
static bool enter(struct ac97emu *emu, const char *refusal_text)
{
	if (emu->in_call) {
		embedder_error(emu, "reentrant-call", refusal_text, 0);
		return false;
	}
	emu->in_call = true;
	return true;
}

static void leave(struct ac97emu *emu)
{
	emu->in_call = false;
}

/* ---- the device's reports, to the host's callbacks ---------------------------- */

static void on_device_event(void *ctx, const struct ac97_event *ev)
{
	struct ac97emu *emu = ctx;
	struct ac97emu_notice n = {
		.tick = ev->tick, .engine = ev->engine, .text = ev->what, .value = ev->a,
	};
	switch (ev->kind) {
	case AC97_EV_IRQ:
		if (emu->host.irq_changed != NULL)
			emu->host.irq_changed(emu->host.ctx, ev->a != 0, ev->tick);
		return;
	case AC97_EV_GUEST_ERROR:
		n.kind = AC97EMU_NOTICE_GUEST_ERROR;
		n.name = ac97_guest_error_name((enum ac97_guest_error)ev->code);
		break;
	case AC97_EV_UNMODELLED:
		n.kind = AC97EMU_NOTICE_UNMODELLED;
		n.name = "unmodelled";
		break;
	case AC97_EV_DMA_FAULT:
		n.kind = AC97EMU_NOTICE_DMA_FAULT;
		n.write = ev->fault != NULL && ev->fault->write;
		n.name = n.write ? "dma-write-fault" : "dma-read-fault";
		n.bd_index = (uint32_t)ev->b;
		break;
	case AC97_EV_BUFFER_DONE:
	case AC97_EV_HALTED:
	case AC97_EV_FIFO_ERROR:
	case AC97_EV_CODEC_READY:
	case AC97_EV_DMA:
		return;	/* visible in the registers; not for the log */
	}
	deliver(emu, &n);
}

static void on_span(void *ctx, const struct ac97_span *span)
{
	struct ac97emu *emu = ctx;
	struct ac97emu_pcm_span out = {
		.engine = span->engine,
		.kind = (enum ac97emu_pcm_kind)span->kind,
		.channels = span->channels,
		.rate_hz = span->cadence.rate_hz,
		.n_frames = span->n_frames,
		.first_tick = cadence_tick_of(&span->cadence, span->first_request),
		.pcm_le = span->kind == AC97_SPAN_DATA ? span->pcm_le : NULL,
		.fill = { span->fill[0], span->fill[1] },
		.internal = span,
	};
	emu->host.audio_out(emu->host.ctx, &out);
}

ac97emu_ticks_t ac97emu_pcm_frame_tick(const struct ac97emu_pcm_span *span, uint64_t frame_index)
{
	if (span == NULL || span->internal == NULL || frame_index >= span->n_frames)
		return AC97EMU_TICKS_NEVER;
	const struct ac97_span *s = span->internal;
	return cadence_tick_of(&s->cadence, s->first_request + frame_index);
}

/* ---- lifecycle ------------------------------------------------------------------ */

static struct ac97emu *refuse(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct ac97emu *refuse(char *err, size_t err_len, const char *fmt, ...)
{
	if (err != NULL && err_len > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

struct ac97emu *ac97emu_create(const struct ac97emu_config *cfg, const struct ac97emu_host *host,
			       char *err, size_t err_len)
{
	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (host == NULL)
		return refuse(err, err_len,
			      "ac97emu_create: host is NULL (the DMA callbacks are mandatory)");
	if (host->dma.read == NULL)
		return refuse(err, err_len, "ac97emu_create: host->dma.read is NULL (descriptors "
					    "and PCM out are read through it)");
	if (host->dma.write == NULL)
		return refuse(err, err_len, "ac97emu_create: host->dma.write is NULL (PCM in and "
					    "mic are written through it)");
	struct ac97emu_config defaults;
	if (cfg == NULL) {
		ac97emu_config_default(&defaults);
		cfg = &defaults;
	}
	if (cfg->fifo_samples < AC97EMU_FIFO_SAMPLES_MIN ||
	    cfg->fifo_samples > AC97EMU_FIFO_SAMPLES_MAX || cfg->fifo_samples % 2 != 0)
		return refuse(err, err_len,
			      "ac97emu_create: fifo_samples is %u; it must be even, %u to %u",
			      (unsigned)cfg->fifo_samples, AC97EMU_FIFO_SAMPLES_MIN,
			      AC97EMU_FIFO_SAMPLES_MAX);
	if (cfg->dma_latency_ticks > AC97EMU_DMA_LATENCY_TICKS_MAX)
		return refuse(err, err_len,
			      "ac97emu_create: dma_latency_ticks is %llu; at most %u (a second)",
			      (unsigned long long)cfg->dma_latency_ticks,
			      AC97EMU_DMA_LATENCY_TICKS_MAX);
	if (cfg->codec_ready_delay_ticks > AC97EMU_CODEC_READY_DELAY_TICKS_MAX)
		return refuse(err, err_len,
			      "ac97emu_create: codec_ready_delay_ticks is %llu; at most %u "
			      "(a second)",
			      (unsigned long long)cfg->codec_ready_delay_ticks,
			      AC97EMU_CODEC_READY_DELAY_TICKS_MAX);
	struct ac97emu *emu = calloc(1, sizeof(*emu));
	if (emu == NULL)
		return refuse(err, err_len, "ac97emu_create: out of memory");
	struct ac97_config internal = {
		.fifo_samples = cfg->fifo_samples,
		.dma_latency_ticks = cfg->dma_latency_ticks,
		.codec_ready_delay_ticks = cfg->codec_ready_delay_ticks,
	};
	ac97_init(&emu->dev, &internal, &host->dma, host->ctx);
	emu->host = *host;
	/* Adapters only where the host listens: with no sink the device does
	 * not even build its spans. */
	if (host->audio_out != NULL)
		ac97_set_sink(&emu->dev, (struct ac97_sink){ on_span, emu });
	if (host->audio_in != NULL)
		ac97_set_source(&emu->dev, (struct ac97_source){ host->audio_in, host->ctx });
	if (host->irq_changed != NULL || host->notice != NULL)
		ac97_set_observer(&emu->dev, (struct ac97_observer){ on_device_event, emu });
	return emu;
}

void ac97emu_destroy(struct ac97emu *emu)
{
	if (emu == NULL)
		return;
	if (emu->in_call) {
		/* From a callback: freeing now would pull the device from under
		 * the call that is running it. */
		embedder_error(emu, "reentrant-call", "ac97emu_destroy from a callback: refused",
			       0);
		return;
	}
	free(emu);
}

/* ---- port I/O ---------------------------------------------------------------------- */

static bool bar_ok(enum ac97_bar bar)
{
	return bar == AC97_BAR_NAM || bar == AC97_BAR_NABM;
}

/* The device counts widths in bits and refuses any but 8, 16 and 32 (with
 * a bad-width notice); a width so large that it has no bit count is sent
 * as 0, which it refuses the same way. */
static unsigned width_bits_of(unsigned width_bytes)
{
	return width_bytes <= 4 ? width_bytes * 8 : 0;
}

uint32_t ac97emu_io_read(struct ac97emu *emu, enum ac97_bar bar, uint32_t offset,
			 unsigned width_bytes)
{
	if (emu == NULL || !enter(emu, "ac97emu_io_read from a callback: refused"))
		return UINT32_MAX;
	uint32_t value = UINT32_MAX;
	if (bar_ok(bar))
		value = ac97_io_read(&emu->dev, bar, offset, width_bits_of(width_bytes));
	else
		embedder_error(emu, "bad-bar", "ac97emu_io_read: no such BAR (read all ones)",
			       (uint64_t)bar);
	leave(emu);
	return value;
}

void ac97emu_io_write(struct ac97emu *emu, enum ac97_bar bar, uint32_t offset,
		      unsigned width_bytes, uint32_t value)
{
	if (emu == NULL || !enter(emu, "ac97emu_io_write from a callback: refused"))
		return;
	if (bar_ok(bar))
		ac97_io_write(&emu->dev, bar, offset, width_bits_of(width_bytes), value);
	else
		embedder_error(emu, "bad-bar", "ac97emu_io_write: no such BAR (ignored)",
			       (uint64_t)bar);
	leave(emu);
}

/* ---- time ---------------------------------------------------------------------------- */

bool ac97emu_advance_to(struct ac97emu *emu, ac97emu_ticks_t tick)
{
	if (emu == NULL || !enter(emu, "ac97emu_advance_to from a callback: refused"))
		return false;
	bool done = false;
	if (tick < emu->dev.now_ticks)
		embedder_error(emu, "time-backwards",
			       "ac97emu_advance_to: the tick is before the device's time (refused)",
			       tick);
	else if (tick > AC97EMU_TICKS_HORIZON)
		embedder_error(emu, "past-horizon",
			       "ac97emu_advance_to: the tick is past the horizon (refused)",
			       tick);
	else
		done = ac97_advance_to(&emu->dev, tick);
	leave(emu);
	return done;
}

ac97emu_ticks_t ac97emu_now(const struct ac97emu *emu)
{
	return emu != NULL ? ac97_now(&emu->dev) : 0;
}

ac97emu_ticks_t ac97emu_next_event_tick(const struct ac97emu *emu)
{
	return emu != NULL ? ac97_next_event_tick(&emu->dev) : AC97EMU_TICKS_NEVER;
}

bool ac97emu_irq_level(const struct ac97emu *emu)
{
	return emu != NULL && ac97_irq_line(&emu->dev);
}

uint64_t ac97emu_dma_faults_total(const struct ac97emu *emu)
{
	return emu != NULL ? emu->dev.faults_total : 0;
}
