/*
 * The checkers (harness/checkers.h): each one fires on a deliberately
 * broken input and stays silent on a correct one. A passive task on a
 * one-CPU machine plays the port and the AC-link: it reports mappings,
 * IRPs and states by publishing the port's events on the machine's bus,
 * publishes DMA ranges, faults and guest errors as the device would, and
 * hands spans of link audio to the device's sink, asks positions as the
 * port would, and publishes the driver's lifecycle as the stream script
 * would; the step and end checks run as the machine runs. Whole scenario
 * runs with the broken plug-ins of tests/plugins/ show the hang and
 * lifetime checks through the stream script. The last tests drive the
 * real device (PCM out and PCM in) through its registers instead.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "checker.h"
#include "checkers.h"
#include "events.h"
#include "scenario.h"
#include "scenario_file.h"

#define FX_MAPS_MAX 64u
#define FX_POOL_BASE 0x400000u	/* fed mappings live here, one page each */

struct fx;
typedef void (*fx_script)(struct fx *f);

struct fx {
	struct machine *m;
	struct checkers *ck;
	struct port_stream_config scfg;
	struct checker_config ccfg;
	struct port_mapping_info map[FX_MAPS_MAX];
	uint32_t n_map;
	uint64_t stream_bytes;	/* stream offset of the next mapping */
	uint64_t link_request;	/* next AC-link request number of a span we make */
	fx_script script;
	int param;
	struct run_result r;
	struct checker_stats st;
	KSSTATE state;		/* as last published */
	/* The driver's memory, for the lifetime checks: kernel objects in it
	 * are the adapter's or the stream's. */
	struct fx_driver_memory {
		KSPIN_LOCK lock;
		KDPC dpc;
		KTIMER timer;
		KINTERRUPT interrupt;
	} adapter, stream;
};

static int16_t ramp_sample(void *ctx, uint64_t n)
{
	(void)ctx;
	return (int16_t)(uint16_t)(n * 7u + 3u);
}

static void fx_task(void *arg)
{
	struct fx *f = arg;
	f->script(f);
}

/* A fixture on a one-CPU machine with the given limits (0: the default). */
static void fx_init_limits(struct fx *f, enum port_direction dir, uint64_t max_steps,
			   sim_ticks_t max_ticks)
{
	memset(f, 0, sizeof(*f));
	struct machine_config mc;
	machine_config_default(&mc);
	mc.n_cpus = 1;
	if (max_steps != 0)
		mc.max_steps = max_steps;
	if (max_ticks != 0)
		mc.max_ticks = max_ticks;
	f->m = machine_create(&mc);
	ck_assert_ptr_nonnull(f->m);
	f->scfg = (struct port_stream_config){
		.direction = dir, .style = PORT_STYLE_KMIXER, .layout = PORT_PAGES_CONTIGUOUS,
		.channels = 2, .rate_hz = 48000, .irp_bytes = 4096, .irps_in_flight = 2,
		.total_bytes = 1u << 20, .sample = ramp_sample,
	};
	checker_config_default(&f->ccfg);
}

static void fx_init(struct fx *f, enum port_direction dir)
{
	fx_init_limits(f, dir, 0, 0);
}

/* Attaches the checkers, runs script to the end, keeps the verdict. */
static void fx_run(struct fx *f, fx_script script, int param)
{
	const char *why = NULL;
	if (f->scfg.direction == PORT_CAPTURE)	/* the input the capture check recognises */
		ac97_set_source(machine_device(f->m), (struct ac97_source){ checkers_capture_pattern, NULL });
	f->ck = checkers_attach(f->m, NULL, &f->scfg, &f->ccfg, &why);
	ck_assert_msg(f->ck != NULL, "%s", why ? why : "?");
	f->script = script;
	f->param = param;
	ck_assert_int_eq(machine_queue_passive(f->m, fx_task, f, "script"), 0);
	machine_run(f->m, &f->r);
	checkers_stats(f->ck, &f->st);
	checkers_detach_free(f->ck);
	machine_destroy(f->m);
	f->ck = NULL;
	f->m = NULL;
}

static void expect_pass(const struct fx *f)
{
	ck_assert_msg(f->r.verdict == RUN_PASS, "%s: %s: %s", run_verdict_name(f->r.verdict),
		      f->r.checker, f->r.message);
	ck_assert(f->st.end_checked);
}

static void expect_fail(const struct fx *f, const char *checker, const char *needle)
{
	ck_assert_msg(f->r.verdict == RUN_FAIL, "%s, wanted %s to fire (%s)",
		      run_verdict_name(f->r.verdict), checker, f->r.message);
	ck_assert_msg(strcmp(f->r.checker, checker) == 0, "%s fired, wanted %s: %s", f->r.checker,
		      checker, f->r.message);
	ck_assert_msg(strstr(f->r.message, needle) != NULL, "no \"%s\" in: %s", needle, f->r.message);
}

/* Runs a fresh fixture (direction dir, checker `off` switched off unless
 * NULL). */
static struct fx *fx_go(enum port_direction dir, fx_script script, int param, const char *off)
{
	struct fx *f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	fx_init(f, dir);
	if (off != NULL)
		ck_assert_int_eq(checker_disable(&f->ccfg, off), 0);
	fx_run(f, script, param);
	return f;
}

/* ---- the script's vocabulary: what a port and a link would report ---------------- */

/* A port event, as the port model publishes it. */
static void fx_publish_port(struct fx *f, const struct port_event *pe, const void *ref)
{
	struct sim_event ev;
	event_init(&ev, EV_PORT);
	ev.u.port = *pe;
	ev.ref = ref;
	machine_publish(f->m, &ev);
}

static void fx_publish_mapping(struct fx *f, uint32_t i)
{
	const struct port_mapping_info *m = &f->map[i];
	struct port_event pe = { .kind = PORT_EV_MAPPING, .irp = m->irp, .index = m->index,
				 .result = (uint32_t)m->state, .tag = m->tag };
	fx_publish_port(f, &pe, m);
}

static uint32_t fx_add_at(struct fx *f, uint32_t irp, uint32_t physical, uint32_t bytes)
{
	ck_assert_uint_lt(f->n_map, FX_MAPS_MAX);
	uint32_t i = f->n_map++;
	f->map[i] = (struct port_mapping_info){
		.index = i, .irp = irp, .physical = physical, .byte_count = bytes,
		.stream_offset_bytes = f->stream_bytes, .state = MAPPING_PENDING,
	};
	if (f->scfg.direction == PORT_RENDER) {	/* the audio, as the port writes it */
		uint8_t buf[GMEM_PAGE_BYTES];
		ck_assert_uint_le(bytes, sizeof(buf));
		for (uint32_t j = 0; j < bytes; j++) {
			uint64_t o = f->stream_bytes + j;
			uint16_t s = (uint16_t)ramp_sample(NULL, o / 2);
			buf[j] = (uint8_t)((o & 1) ? s >> 8 : s);
		}
		gmem_write(machine_memory(f->m), physical, buf, bytes);
	}
	f->stream_bytes += bytes;
	fx_publish_mapping(f, i);
	return i;
}

static uint32_t fx_add(struct fx *f, uint32_t irp, uint32_t bytes)
{
	return fx_add_at(f, irp, FX_POOL_BASE + f->n_map * GMEM_PAGE_BYTES, bytes);
}

static void fx_set(struct fx *f, uint32_t i, enum port_mapping_state st)
{
	if (st == MAPPING_ACQUIRED)
		f->map[i].tag = 0x1000u + i;
	f->map[i].state = st;
	fx_publish_mapping(f, i);
	KeYield();
}

static void fx_irp(struct fx *f, uint32_t irp, bool cancelled)
{
	struct port_event pe = { .kind = PORT_EV_IRP_DONE, .irp = irp, .result = cancelled };
	fx_publish_port(f, &pe, NULL);
}

static void fx_state(struct fx *f, KSSTATE s)
{
	struct port_event pe = { .kind = PORT_EV_STATE, .result = (uint32_t)STATUS_SUCCESS,
				 .a = (uint64_t)f->state, .b = (uint64_t)s };
	f->state = s;
	fx_publish_port(f, &pe, NULL);
	KeYield();
}

static void fx_event(struct fx *f, enum ac97_event_kind kind, int engine, uint32_t code,
		     uint64_t a, uint64_t b, const char *what)
{
	struct ac97_event dev_ev = { machine_now(f->m), kind, engine, code, a, b, what, NULL };
	struct sim_event ev;
	event_init(&ev, kind == AC97_EV_DMA ? EV_DMA : EV_DEVICE);
	ev.u.device = (struct ev_device){ (uint32_t)kind, engine, code, 0, a, b };
	ev.ref = &dev_ev;
	machine_publish(f->m, &ev);
}

/* A DMA range over bytes [from, to) of mapping i. */
static void fx_dma(struct fx *f, uint32_t i, uint32_t from, uint32_t to, bool write)
{
	fx_event(f, AC97_EV_DMA, write ? AC97_PI : AC97_PO, write, f->map[i].physical + from,
		 to - from, "dma");
}

/* Hands a span to the device's sink, crossing the link now. */
static void fx_span(struct fx *f, enum ac97_span_kind kind, const uint8_t *pcm, uint64_t n_frames)
{
	uint64_t now_frame = sim_ticks_to_frames(machine_now(f->m));
	if (f->link_request < now_frame)
		f->link_request = now_frame;
	struct ac97_span sp = {
		.engine = AC97_PO, .kind = kind, .channels = 2, .n_frames = n_frames,
		.cadence = cadence_start(0, SIM_FRAMES_PER_SECOND), .first_request = f->link_request,
		.pcm_le = pcm,
	};
	f->link_request += n_frames;
	struct ac97 *dev = machine_device(f->m);
	dev->sink.on_span(dev->sink.ctx, &sp);
	KeYield();
}

/* Stream bytes [from, to) cross the link (whole frames). */
static void fx_play(struct fx *f, uint64_t from, uint64_t to)
{
	uint8_t buf[2 * GMEM_PAGE_BYTES];
	ck_assert_uint_le(to - from, sizeof(buf));
	ck_assert_uint_eq((to - from) % 4, 0);
	for (uint64_t o = from; o < to; o++) {
		uint16_t s = (uint16_t)ramp_sample(NULL, o / 2);
		buf[o - from] = (uint8_t)((o & 1) ? s >> 8 : s);
	}
	fx_span(f, AC97_SPAN_DATA, buf, (to - from) / 4);
}

static void fx_fill(struct fx *f, uint64_t n_frames, enum ac97_span_kind kind)
{
	fx_span(f, kind, NULL, n_frames);
}

static void fx_run_state(struct fx *f)
{
	fx_state(f, KSSTATE_ACQUIRE);
	fx_state(f, KSSTATE_PAUSE);
	fx_state(f, KSSTATE_RUN);
}

static void fx_stop_state(struct fx *f)
{
	fx_state(f, KSSTATE_PAUSE);
	fx_state(f, KSSTATE_ACQUIRE);
	fx_state(f, KSSTATE_STOP);
}

/* Every mapping so far fetched by DMA (render). */
static void fx_fetch_all(struct fx *f)
{
	for (uint32_t i = 0; i < f->n_map; i++)
		fx_dma(f, i, 0, f->map[i].byte_count, false);
}

/* ---- audio conservation: render ------------------------------------------------------ */

/* Three mappings of two IRPs, played whole with fills, underruns and spans
 * that cross mapping boundaries, released, stopped. */
static void script_render_clean(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	fx_add(f, 0, 1024);
	fx_add(f, 1, 512);
	for (uint32_t i = 0; i < 3; i++)
		fx_set(f, i, MAPPING_ACQUIRED);
	fx_fetch_all(f);
	fx_fill(f, 4, AC97_SPAN_FILL);
	fx_play(f, 0, 600);
	fx_fill(f, 2, AC97_SPAN_UNDERRUN);
	fx_play(f, 600, 1500);	/* across mapping 0 -> 1 */
	fx_play(f, 1500, 2560);	/* across 1 -> 2, to the end */
	fx_fill(f, 8, AC97_SPAN_FILL);
	for (uint32_t i = 0; i < 3; i++)
		fx_set(f, i, MAPPING_RELEASED);
	fx_irp(f, 0, false);
	fx_irp(f, 1, false);
	fx_stop_state(f);
}

START_TEST(render_clean_silent)
{
	/* Goal: correct render audio, with fills between, passes every check
	 * and every sample is matched. */
	struct fx *f = fx_go(PORT_RENDER, script_render_clean, 0, NULL);
	expect_pass(f);
	ck_assert_uint_eq(f->st.samples_matched, 2560 / 2);
	ck_assert_uint_eq(f->st.fill_frames, 4 + 2 + 8);
	ck_assert_uint_eq(f->st.mappings, 3);
	ck_assert_uint_eq(f->st.mappings_done, 3);
	ck_assert_uint_eq(f->st.fifo_tail_losses, 0);
	free(f);
}
END_TEST

/* Two mappings; the link plays the last 8 bytes of the first twice. */
static void script_render_repeat(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	fx_add(f, 0, 1024);
	fx_set(f, 0, MAPPING_ACQUIRED);
	fx_set(f, 1, MAPPING_ACQUIRED);
	fx_fetch_all(f);
	fx_play(f, 0, 1024);
	fx_play(f, 1016, 2048);
}

START_TEST(render_repeat_fires)
{
	/* Goal: audio that repeats is caught at the first repeated sample,
	 * naming the mapping and byte that were expected. */
	struct fx *f = fx_go(PORT_RENDER, script_render_repeat, 0, NULL);
	expect_fail(f, "audio-conservation", "expected byte 0 of 1024 of mapping 1 (tag 0x1001, IRP 0");
	ck_assert_uint_eq(f->st.samples_matched, 512);
	free(f);
}
END_TEST

/* The link jumps from the middle of mapping 0 (half fetched) to mapping 1. */
static void script_render_skip(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	fx_add(f, 0, 1024);
	fx_set(f, 0, MAPPING_ACQUIRED);
	fx_set(f, 1, MAPPING_ACQUIRED);
	fx_dma(f, 0, 0, 512, false);
	fx_play(f, 0, 256);
	fx_play(f, 1024, 2048);
}

START_TEST(render_skip_fires)
{
	/* Goal: lost audio of a live mapping (a skip) is caught where the
	 * mapping was left. */
	struct fx *f = fx_go(PORT_RENDER, script_render_skip, 0, NULL);
	expect_fail(f, "audio-conservation", "expected byte 256 of 1024 of mapping 0 (tag 0x1000");
	free(f);
}
END_TEST

/* Three full pages played in one long span, with one byte wrong deep in
 * it: the high byte of the sample at byte 1904 of mapping 1 (stream byte
 * 6000, sample 3000, frame 1500, left channel). */
static void script_render_one_byte_wrong(struct fx *f)
{
	fx_run_state(f);
	for (uint32_t i = 0; i < 3; i++)
		fx_add(f, 0, GMEM_PAGE_BYTES);
	for (uint32_t i = 0; i < 3; i++)
		fx_set(f, i, MAPPING_ACQUIRED);
	fx_fetch_all(f);
	static uint8_t buf[2 * GMEM_PAGE_BYTES];
	for (uint64_t o = 0; o < sizeof(buf); o++) {
		uint16_t v = (uint16_t)ramp_sample(NULL, o / 2);
		buf[o] = (uint8_t)((o & 1) ? v >> 8 : v);
	}
	buf[6001] ^= 0x40;
	fx_span(f, AC97_SPAN_DATA, buf, sizeof(buf) / 4);
}

START_TEST(render_wrong_sample_in_a_long_span_fires)
{
	/* Goal: in a span compared a block at a time, across mapping ends, a
	 * wrong sample far into it is named exactly where a sample-by-sample
	 * walk names it (frame, channel, byte of which mapping, the values),
	 * and every sample before it counts as matched. */
	struct fx *f = fx_go(PORT_RENDER, script_render_one_byte_wrong, 0, NULL);
	uint16_t want = (uint16_t)ramp_sample(NULL, 3000);
	char needle[200];
	snprintf(needle, sizeof(needle),
		 "frame 1500 of a PO span), channel 0, expected byte 1904 of 4096 of mapping 1 (tag "
		 "0x1001, IRP 0, ACQUIRED) = 0x%04x, got 0x%04x",
		 (unsigned)want, (unsigned)(want ^ 0x4000u));
	expect_fail(f, "audio-conservation", "wrong sample on the link: at link tick ");
	expect_fail(f, "audio-conservation", needle);
	ck_assert_uint_eq(f->st.samples_matched, 3000);
	free(f);
}
END_TEST

/* Mapping 1 plays a prefix, is revoked; mapping 2 follows. */
static void script_render_revoked(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	fx_add(f, 1, 1024);
	fx_add(f, 2, 1024);
	for (uint32_t i = 0; i < 3; i++)
		fx_set(f, i, MAPPING_ACQUIRED);
	fx_fetch_all(f);
	fx_play(f, 0, 1024 + 300);
	fx_set(f, 1, MAPPING_REVOKING);
	fx_set(f, 1, MAPPING_REVOKED);
	fx_irp(f, 1, true);
	fx_play(f, 2048, 3072);
	fx_set(f, 0, MAPPING_RELEASED);
	fx_set(f, 2, MAPPING_RELEASED);
	fx_irp(f, 0, false);
	fx_irp(f, 2, false);
	fx_stop_state(f);
}

START_TEST(render_revoked_prefix_silent)
{
	/* Goal: a revoked mapping may contribute a prefix and nothing more;
	 * the cut is counted. */
	struct fx *f = fx_go(PORT_RENDER, script_render_revoked, 0, NULL);
	expect_pass(f);
	ck_assert_uint_eq(f->st.revoked_cuts, 1);
	ck_assert_uint_eq(f->st.samples_matched, (1024 + 300 + 1024) / 2);
	free(f);
}
END_TEST

/* Mapping 0, fetched whole, loses its last param bytes (a FIFO reset);
 * mapping 1 follows. */
/* Two mappings fetched; the last `param` bytes of mapping 0 never play,
 * with a STOP (which resets the engine and empties the FIFO) in between. */
static void script_render_tail_across_stop(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	fx_add(f, 0, 1024);
	fx_set(f, 0, MAPPING_ACQUIRED);
	fx_set(f, 1, MAPPING_ACQUIRED);
	fx_fetch_all(f);
	fx_play(f, 0, 1024 - (uint32_t)f->param);
	fx_stop_state(f);
	fx_run_state(f);
	fx_play(f, 1024, 2048);
	fx_set(f, 0, MAPPING_RELEASED);
	fx_set(f, 1, MAPPING_RELEASED);
	fx_irp(f, 0, false);
	fx_stop_state(f);
}

/* The same loss with no STOP: a reset in the middle of the stream. */
static void script_render_tail_mid_stream(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	fx_add(f, 0, 1024);
	fx_set(f, 0, MAPPING_ACQUIRED);
	fx_set(f, 1, MAPPING_ACQUIRED);
	fx_fetch_all(f);
	fx_play(f, 0, 1024 - (uint32_t)f->param);
	fx_play(f, 1024, 2048);
	fx_set(f, 0, MAPPING_RELEASED);
	fx_set(f, 1, MAPPING_RELEASED);
	fx_irp(f, 0, false);
	fx_stop_state(f);
}

START_TEST(render_fifo_tail_silent)
{
	/* Goal: a fetched tail that fits in the FIFO (32 bytes by default) may
	 * be lost to the reset of a STOP; it is counted, not failed. */
	struct fx *f = fx_go(PORT_RENDER, script_render_tail_across_stop, 24, NULL);
	expect_pass(f);
	ck_assert_uint_eq(f->st.fifo_tail_losses, 1);
	free(f);
}
END_TEST

START_TEST(render_tail_mid_stream_fires)
{
	/* Goal: the same 24-byte tail lost with no STOP (a reset in the middle
	 * of the stream, e.g. in a revoke, without letting the FIFO play out)
	 * is lost audio. */
	struct fx *f = fx_go(PORT_RENDER, script_render_tail_mid_stream, 24, NULL);
	expect_fail(f, "audio-conservation", "expected byte 1000 of 1024 of mapping 0");
	free(f);
}
END_TEST

START_TEST(render_tail_beyond_fifo_fires)
{
	/* Goal: a lost tail longer than the FIFO is lost audio, STOP or not. */
	struct fx *f = fx_go(PORT_RENDER, script_render_tail_across_stop, 40, NULL);
	expect_fail(f, "audio-conservation", "expected byte 984 of 1024 of mapping 0");
	free(f);
}
END_TEST

/* Mapping 0 acquired, mapping 1 still PENDING; the link plays past 0. */
static void script_render_beyond(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	fx_add(f, 0, 1024);
	fx_set(f, 0, MAPPING_ACQUIRED);
	fx_dma(f, 0, 0, 1024, false);	/* fetching mapping 1 would be a DMA failure */
	fx_play(f, 0, 1024 + 16);
}

START_TEST(render_beyond_mappings_fires)
{
	/* Goal: data beyond the mappings handed out fails, even when it is
	 * the right audio (the next mapping was never acquired). */
	struct fx *f = fx_go(PORT_RENDER, script_render_beyond, 0, NULL);
	expect_fail(f, "audio-conservation", "data beyond the mappings handed out");
	ck_assert(strstr(f->r.message, "mapping 1 (tag 0x0, IRP 0, PENDING)") != NULL);
	free(f);
}
END_TEST

/* Mapping 0 is fetched, played except its last param bytes, released. */
static void script_render_end(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	fx_set(f, 0, MAPPING_ACQUIRED);
	fx_fetch_all(f);
	fx_play(f, 0, 1024 - (uint32_t)f->param);
	fx_set(f, 0, MAPPING_RELEASED);
	fx_irp(f, 0, false);
	fx_stop_state(f);
}

START_TEST(render_released_unplayed_fires)
{
	/* Goal: at the end, a released mapping that did not cross the link in
	 * full (beyond what the FIFO may still hold) fails. */
	struct fx *f = fx_go(PORT_RENDER, script_render_end, 512, NULL);
	expect_fail(f, "audio-conservation",
		    "mapping 0 (tag 0x1000, IRP 0, RELEASED) released but only 512 of 1024 bytes");
	free(f);
}
END_TEST

START_TEST(render_released_in_fifo_silent)
{
	/* Goal: at the end, a released mapping whose last bytes (fetched, no
	 * more than the FIFO holds) have not crossed yet passes. */
	struct fx *f = fx_go(PORT_RENDER, script_render_end, 32, NULL);
	expect_pass(f);
	free(f);
}
END_TEST

/* ---- audio conservation: capture ----------------------------------------------------- */

/* Fills mapping i with positions from *pos on, jumping by `jump` instead
 * of 1 at sample `at`; then reports the DMA write. */
static void fx_capture_fill(struct fx *f, uint32_t i, uint16_t *pos, uint32_t at, uint16_t jump)
{
	uint8_t buf[GMEM_PAGE_BYTES];
	uint32_t n = f->map[i].byte_count / 2;
	for (uint32_t k = 0; k < n; k++) {
		if (k == at)
			*pos = (uint16_t)(*pos + jump - 1);
		buf[2 * k] = (uint8_t)*pos;
		buf[2 * k + 1] = (uint8_t)(*pos >> 8);
		(*pos)++;
	}
	gmem_write(machine_memory(f->m), f->map[i].physical, buf, 2 * n);
	fx_dma(f, i, 0, f->map[i].byte_count, true);
}

/* Three capture mappings from position 65000 (so the 16-bit positions
 * wrap); in mapping 1 (positions from 65512, i.e. 0xffe8), param says what
 * happens: 0 = at sample 100 a gap of 3 whole frames, 1 = at sample 100
 * back to 65000, 2 = at sample 101 (after a left sample) a jump of 3,
 * 3 = at sample 100 the same position again. */
static void script_capture(struct fx *f)
{
	static const struct {
		uint32_t at;
		uint16_t jump;
	} breakage[] = { { 100, 7 }, { 100, (uint16_t)(65000 - 76 + 1) }, { 101, 3 }, { 100, 0 } };
	fx_run_state(f);
	for (uint32_t i = 0; i < 3; i++) {
		fx_add(f, 0, 1024);
		fx_set(f, i, MAPPING_ACQUIRED);
	}
	uint16_t pos = 65000;
	for (uint32_t i = 0; i < 3; i++) {
		fx_capture_fill(f, i, &pos, i == 1 ? breakage[f->param].at : UINT32_MAX,
				breakage[f->param].jump);
		fx_set(f, i, MAPPING_RELEASED);
	}
	fx_irp(f, 0, false);
	fx_stop_state(f);
}

START_TEST(capture_clean_silent)
{
	/* Goal: captured positions that run on (wrapping at 16 bits) with a
	 * gap of whole dropped frames pass; every sample is decoded. */
	struct fx *f = fx_go(PORT_CAPTURE, script_capture, 0, NULL);
	expect_pass(f);
	ck_assert_uint_eq(f->st.samples_captured, 3 * 512);
	ck_assert_uint_eq(f->st.capture_gaps, 1);
	ck_assert_uint_eq(f->st.mappings_done, 3);
	free(f);
}
END_TEST

START_TEST(capture_repeat_fires)
{
	/* Goal: captured audio that goes back (a buffer captured twice, a
	 * restart) fails, naming the mapping, offset and both positions. */
	struct fx *f = fx_go(PORT_CAPTURE, script_capture, 1, NULL);
	expect_fail(f, "audio-conservation",
		    "capture mapping 1 (tag 0x1001, IRP 0, RELEASED) byte 200 of 1024: position "
		    "0xfde8 after 0x004b goes back");
	free(f);
}
END_TEST

START_TEST(capture_torn_frame_fires)
{
	/* Goal: a jump that splits a frame (not whole frames dropped) fails. */
	struct fx *f = fx_go(PORT_CAPTURE, script_capture, 2, NULL);
	expect_fail(f, "audio-conservation", "breaks a frame apart");
	free(f);
}
END_TEST

START_TEST(capture_same_position_fires)
{
	/* Goal: the same position twice in a row fails. */
	struct fx *f = fx_go(PORT_CAPTURE, script_capture, 3, NULL);
	expect_fail(f, "audio-conservation", "repeats the previous position");
	free(f);
}
END_TEST

/* ---- dma-after-release ------------------------------------------------------------------ */

/* param: 0 = DMA on an acquired mapping and on memory of no mapping;
 * 1 = DMA on a released mapping; 2 = a DMA fault; 3 = a page reused by a
 * later acquired mapping (passes), and two mappings sharing a page, one
 * released (DMA on the released half fails); 4 = a page reused by a
 * PENDING mapping. */
static void script_dma(struct fx *f)
{
	fx_run_state(f);
	uint32_t page = FX_POOL_BASE;
	fx_add_at(f, 0, page, 2048);
	fx_set(f, 0, MAPPING_ACQUIRED);
	fx_dma(f, 0, 0, 64, false);
	fx_event(f, AC97_EV_DMA, AC97_PO, 0, 0x1000, 64, "common buffer");
	fx_set(f, 0, MAPPING_RELEASED);
	fx_irp(f, 0, false);
	switch (f->param) {
	case 1:
		fx_dma(f, 0, 100, 164, false);
		break;
	case 2:
		fx_event(f, AC97_EV_DMA_FAULT, AC97_PO, 0, page + 8, 3, "DMA read of unmapped memory");
		break;
	case 3:
		fx_add_at(f, 1, page, 1024);	/* the same page, a later IRP */
		fx_add_at(f, 1, page + 2048, 2048);	/* shares the page with mapping 0 */
		fx_set(f, 1, MAPPING_ACQUIRED);
		fx_set(f, 2, MAPPING_ACQUIRED);
		fx_dma(f, 1, 0, 1024, false);
		fx_dma(f, 2, 0, 2048, false);
		fx_event(f, AC97_EV_DMA, AC97_PO, 0, page + 1000, 1100, "1 then 0 then 2");
		break;
	case 4:
		fx_add_at(f, 1, page, 1024);
		fx_dma(f, 1, 0, 16, false);
		break;
	default:
		break;
	}
	if (f->param == 3) {
		fx_set(f, 1, MAPPING_RELEASED);
		fx_set(f, 2, MAPPING_RELEASED);
		fx_irp(f, 1, false);
	}
	fx_stop_state(f);
}

static struct fx *dma_run(int param)
{
	struct fx *f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	fx_init(f, PORT_RENDER);
	ck_assert_int_eq(checker_disable(&f->ccfg, "audio-conservation"), 0);	/* nothing crosses the link here */
	if (param == 4)
		ck_assert_int_eq(checker_disable(&f->ccfg, "teardown"), 0);
	fx_run(f, script_dma, param);
	return f;
}

START_TEST(dma_live_silent)
{
	/* Goal: DMA on an acquired mapping or on memory that is no mapping
	 * (common buffers) passes; the ranges are counted. */
	struct fx *f = dma_run(0);
	expect_pass(f);
	ck_assert_uint_eq(f->st.dma_ranges, 2);
	ck_assert_uint_eq(f->st.dma_ranges_on_mappings, 1);
	free(f);
}
END_TEST

START_TEST(dma_after_release_fires)
{
	/* Goal: DMA touching a released mapping fails, naming it, its state
	 * and the bytes. */
	struct fx *f = dma_run(1);
	expect_fail(f, "dma-after-release",
		    "PO DMA read of [0x400064, 0x4000a4)");
	ck_assert(strstr(f->r.message, "bytes 100..163 of mapping 0 (tag 0x1000, IRP 0, RELEASED)") !=
		  NULL);
	free(f);
}
END_TEST

START_TEST(dma_fault_fires)
{
	/* Goal: a DMA fault (memory already given back) fails, naming what
	 * was last there. */
	struct fx *f = dma_run(2);
	expect_fail(f, "dma-after-release", "DMA read of unmapped memory at 0x400008");
	ck_assert(strstr(f->r.message, "last there: mapping 0 (tag 0x1000") != NULL);
	free(f);
}
END_TEST

START_TEST(dma_newest_mapping_decides)
{
	/* Goal: on a reused or shared page the newest mapping covering each
	 * byte decides: a range over a reused page and the live half of a
	 * shared one fails only for the bytes of the released mapping. */
	struct fx *f = dma_run(3);
	expect_fail(f, "dma-after-release", "[0x400400, 0x400800)");
	ck_assert(strstr(f->r.message, "mapping 0 (tag 0x1000, IRP 0, RELEASED)") != NULL);
	free(f);
	f = dma_run(4);
	expect_fail(f, "dma-after-release", "mapping 1 (tag 0x0, IRP 1, PENDING)");
	free(f);
}
END_TEST

/* ---- device-misuse ------------------------------------------------------------------------- */

static PUCHAR nabm(const struct fx *f, uint32_t off)
{
	return machine_resources(f->m)->Nabmbar + off;
}

static void put_bd(struct fx *f, uint32_t bdl, uint32_t i, uint32_t addr, uint32_t samples, bool ioc)
{
	uint8_t raw[8];
	uint32_t dw1 = samples | (ioc ? AC97_BD_IOC : 0) | AC97_BD_BUP;
	for (int k = 0; k < 4; k++) {
		raw[k] = (uint8_t)(addr >> (8 * k));
		raw[4 + k] = (uint8_t)(dw1 >> (8 * k));
	}
	gmem_write(machine_memory(f->m), bdl + 8u * i, raw, sizeof(raw));
}

/* PCM out running (link down, so nothing is played) on three descriptors;
 * then param: 0 rewrites the one after PIV (fine), 1 the prefetched one,
 * 2 the current one, 3 moves LVI to a never-written entry, 4 sets LVI =
 * CIV and then rewrites PIV (fine: the prefetched copy is dropped), 5
 * writes RR while running, 6 feeds an ro-write guest error (not misuse),
 * 7 frees the descriptor list's memory, 8 stops, resets and runs a second
 * list, then rewrites that one's prefetched entry. */
static void script_descriptors(struct fx *f)
{
	PHYSICAL_ADDRESS bdl_pa, data_pa;
	void *bdl_va = AcAllocateCommonBuffer(256, &bdl_pa);
	ck_assert_ptr_nonnull(bdl_va);
	ck_assert_ptr_nonnull(AcAllocateCommonBuffer(4096, &data_pa));
	uint32_t bdl = bdl_pa.LowPart, data = data_pa.LowPart;
	for (uint32_t i = 0; i < 3; i++)
		put_bd(f, bdl, i, data + 1024 * i, 512, true);
	uint32_t po = AC97_ENGINE_STRIDE * AC97_PO;
	WRITE_PORT_ULONG((PULONG)nabm(f, po + AC97_BDBAR), bdl);
	WRITE_PORT_UCHAR(nabm(f, po + AC97_LVI), 2);
	WRITE_PORT_UCHAR(nabm(f, po + AC97_CR), AC97_CR_RPBM);
	KeStallExecutionProcessor(10);
	switch (f->param) {
	case 0: put_bd(f, bdl, 2, data + 3072, 256, false); break;
	case 1: put_bd(f, bdl, 1, data + 3072, 512, true); break;
	case 2: put_bd(f, bdl, 0, data, 510, true); break;
	case 3: WRITE_PORT_UCHAR(nabm(f, po + AC97_LVI), 5); break;
	case 4:
		WRITE_PORT_UCHAR(nabm(f, po + AC97_LVI), 0);
		put_bd(f, bdl, 1, data + 3072, 16, false);
		break;
	case 5: WRITE_PORT_UCHAR(nabm(f, po + AC97_CR), AC97_CR_RR); break;
	case 6: fx_event(f, AC97_EV_GUEST_ERROR, AC97_PO, AC97_GE_RO_WRITE, 0, 0, "ro"); break;
	case 7: AcFreeCommonBuffer(bdl_va, 256); break;
	case 8: {
		PHYSICAL_ADDRESS bdl2_pa;
		ck_assert_ptr_nonnull(AcAllocateCommonBuffer(256, &bdl2_pa));
		uint32_t bdl2 = bdl2_pa.LowPart;
		for (uint32_t i = 0; i < 3; i++)
			put_bd(f, bdl2, i, data + 512 * i, 256, false);
		WRITE_PORT_UCHAR(nabm(f, po + AC97_CR), 0);
		KeStallExecutionProcessor(10);
		WRITE_PORT_UCHAR(nabm(f, po + AC97_CR), AC97_CR_RR);
		WRITE_PORT_ULONG((PULONG)nabm(f, po + AC97_BDBAR), bdl2);
		WRITE_PORT_UCHAR(nabm(f, po + AC97_LVI), 2);
		WRITE_PORT_UCHAR(nabm(f, po + AC97_CR), AC97_CR_RPBM);
		KeStallExecutionProcessor(10);
		put_bd(f, bdl2, 1, data + 3072, 256, false);
		break;
	}
	default: break;
	}
	KeStallExecutionProcessor(10);
	WRITE_PORT_UCHAR(nabm(f, po + AC97_CR), 0);
	KeStallExecutionProcessor(10);
	WRITE_PORT_UCHAR(nabm(f, po + AC97_CR), AC97_CR_RR);
}

START_TEST(descriptors_kept_silent)
{
	/* Goal: a running engine whose loaded and prefetched descriptors stay
	 * as loaded passes (rewriting later entries, or PIV once LVI = CIV,
	 * and harmless guest errors are fine); the step hook did compare. */
	for (int param = 0; param <= 6; param += (param == 0 ? 4 : 2)) {
		struct fx *f = fx_go(PORT_RENDER, script_descriptors, param, NULL);
		expect_pass(f);
		ck_assert_uint_gt(f->st.descriptor_checks, 2);
		free(f);
	}
}
END_TEST

START_TEST(descriptor_rewrite_fires)
{
	/* Goal: rewriting the prefetched or the current descriptor while the
	 * engine runs fails, saying which and what changed. */
	struct fx *f = fx_go(PORT_RENDER, script_descriptors, 1, NULL);
	expect_fail(f, "device-misuse", "PO: the prefetched (PIV) descriptor 1");
	ck_assert(strstr(f->r.message, "memory now says addr") != NULL);
	free(f);
	f = fx_go(PORT_RENDER, script_descriptors, 2, NULL);
	expect_fail(f, "device-misuse", "the current (CIV) descriptor 0");
	ck_assert(strstr(f->r.message, "512 samples") != NULL);
	free(f);
	/* What the checker looks at follows the engine to a second list
	 * (it keeps where the descriptors lie while the engine keeps them). */
	f = fx_go(PORT_RENDER, script_descriptors, 8, NULL);
	expect_fail(f, "device-misuse", "PO: the prefetched (PIV) descriptor 1");
	ck_assert(strstr(f->r.message, "256 samples") != NULL);
	free(f);
}
END_TEST

START_TEST(lvi_unwritten_fires)
{
	/* Goal: LVI naming a descriptor that was never written fails. */
	struct fx *f = fx_go(PORT_RENDER, script_descriptors, 3, NULL);
	expect_fail(f, "device-misuse", "LVI = 5 names descriptor 5");
	free(f);
}
END_TEST

START_TEST(descriptor_memory_gone_fires)
{
	/* Goal: the descriptor list's memory leaving the guest while the
	 * engine runs fails at the next step, naming the descriptor (the DMA
	 * that may follow is dma-after-release's, switched off here). */
	struct fx *f = fx_go(PORT_RENDER, script_descriptors, 7, "dma-after-release");
	expect_fail(f, "device-misuse", "PO: the current (CIV) descriptor 0 at 0x");
	ck_assert(strstr(f->r.message, "is no longer in guest memory while DMA runs") != NULL);
	free(f);
}
END_TEST

START_TEST(guest_error_fires)
{
	/* Goal: a guest error that is a driver bug (RR while running) fails
	 * with its name. */
	struct fx *f = fx_go(PORT_RENDER, script_descriptors, 5, NULL);
	expect_fail(f, "device-misuse", "rr-while-running");
	free(f);
}
END_TEST

/* ---- teardown ------------------------------------------------------------------------------ */

/* param: 0 = a mapping and its IRP left acquired/open, 1 = the stream left
 * in ACQUIRE, 2 = a mapping released and then revoked, 3 = clean. */
static void script_teardown(struct fx *f)
{
	fx_add(f, 0, 1024);
	fx_set(f, 0, MAPPING_ACQUIRED);
	switch (f->param) {
	case 0:
		break;
	case 1:
		fx_set(f, 0, MAPPING_RELEASED);
		fx_irp(f, 0, false);
		fx_state(f, KSSTATE_ACQUIRE);
		break;
	case 2:
		fx_set(f, 0, MAPPING_RELEASED);
		fx_set(f, 0, MAPPING_REVOKED);
		fx_irp(f, 0, false);
		break;
	default:
		fx_set(f, 0, MAPPING_RELEASED);
		fx_irp(f, 0, false);
		break;
	}
}

static struct fx *teardown_run(int param, bool ends_early)
{
	struct fx *f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	fx_init(f, PORT_RENDER);
	ck_assert_int_eq(checker_disable(&f->ccfg, "audio-conservation"), 0);
	f->ccfg.ends_early = ends_early;
	fx_run(f, script_teardown, param);
	return f;
}

START_TEST(teardown_clean_silent)
{
	/* Goal: every mapping ended once, every IRP done, STOP: passes. */
	struct fx *f = teardown_run(3, false);
	expect_pass(f);
	free(f);
}
END_TEST

START_TEST(teardown_leak_fires)
{
	/* Goal: a mapping still acquired and its IRP still open at the end
	 * are reported by tag and IRP; a scenario that ends early on purpose
	 * can skip the check. */
	struct fx *f = teardown_run(0, false);
	expect_fail(f, "teardown", "mapping 0 (tag 0x1000, IRP 0, ACQUIRED) not released");
	ck_assert(strstr(f->r.message, "IRP 0 neither completed nor cancelled") != NULL);
	free(f);
	f = teardown_run(0, true);
	expect_pass(f);
	free(f);
}
END_TEST

START_TEST(teardown_state_and_twice_fire)
{
	/* Goal: a stream not back in STOP, and a mapping that ended twice,
	 * are teardown failures. */
	struct fx *f = teardown_run(1, false);
	expect_fail(f, "teardown", "stream left in ACQUIRE, not STOP");
	free(f);
	f = teardown_run(2, false);
	expect_fail(f, "teardown", "mapping 0 (tag 0x1000, IRP 0, REVOKED) ended 2 times");
	free(f);
}
END_TEST

/* ---- stall ---------------------------------------------------------------------------------- */

/* In RUN with mapping 0 pending. param: 0 = nothing happens for 60 ms,
 * then the stream stops; 1 = a mapping is acquired, played and released
 * every 20 ms for 200 ms; 2 = the script ends in RUN (every CPU idle);
 * 3 = 100 ms in PAUSE, then the IRP is cancelled. */
static void script_stall(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	switch (f->param) {
	case 0:
		KeStallExecutionProcessor(60000);
		break;
	case 1:
		for (uint32_t i = 0; i < 10; i++) {
			fx_add(f, 0, 1024);
			fx_set(f, i, MAPPING_ACQUIRED);
			fx_dma(f, i, 0, 1024, false);
			KeStallExecutionProcessor(10000);
			fx_play(f, f->map[i].stream_offset_bytes, f->map[i].stream_offset_bytes + 1024);
			KeStallExecutionProcessor(10000);
			fx_set(f, i, MAPPING_RELEASED);
		}
		fx_set(f, 10, MAPPING_DROPPED);
		fx_irp(f, 0, true);
		fx_stop_state(f);
		return;
	case 2:
		return;
	default:
		fx_state(f, KSSTATE_PAUSE);
		KeStallExecutionProcessor(100000);
		break;
	}
	fx_set(f, 0, MAPPING_DROPPED);
	fx_irp(f, 0, true);
	fx_stop_state(f);
}

START_TEST(stall_running_fires)
{
	/* Goal: RUN with a mapping available and nothing moving for longer
	 * than the limit (50 ms) fails, naming what waits. */
	struct fx *f = fx_go(PORT_RENDER, script_stall, 0, NULL);
	expect_fail(f, "stall", "1 mappings pending, 0 acquired");
	ck_assert(strstr(f->r.message, "first waiting: mapping 0 (tag 0x0, IRP 0, PENDING)") != NULL);
	free(f);
}
END_TEST

START_TEST(stall_progress_silent)
{
	/* Goal: progress every 20 ms keeps the stall check quiet, and a paused
	 * stream may wait as long as it likes. */
	struct fx *f = fx_go(PORT_RENDER, script_stall, 1, NULL);
	expect_pass(f);
	ck_assert_uint_gt(f->st.last_progress_tick, 150u * SIM_TICKS_PER_SECOND / 1000u);
	free(f);
	f = fx_go(PORT_RENDER, script_stall, 3, NULL);
	expect_pass(f);
	free(f);
}
END_TEST

START_TEST(stall_at_end_fires)
{
	/* Goal: the run ending (every CPU idle) with the stream in RUN and a
	 * mapping pending is a stall (a lost wakeup), reported before teardown. */
	struct fx *f = fx_go(PORT_RENDER, script_stall, 2, NULL);
	expect_fail(f, "stall", "every CPU is idle and nothing is queued, with the stream in RUN");
	free(f);
}
END_TEST

/* ---- position ------------------------------------------------------------------------------ */

static void fx_position_asked(struct fx *f)
{
	struct port_event pe = { .kind = PORT_EV_POSITION_ASKED };
	fx_publish_port(f, &pe, NULL);
}

static void fx_position_answer(struct fx *f, uint64_t bytes)
{
	struct port_event pe = { .kind = PORT_EV_POSITION, .result = (uint32_t)STATUS_SUCCESS,
				 .a = bytes };
	fx_publish_port(f, &pe, NULL);
	KeYield();
}

/* A GetPosition call answering bytes, nothing happening during it. */
static void fx_position(struct fx *f, uint64_t bytes)
{
	fx_position_asked(f);
	fx_position_answer(f, bytes);
}

/* Two 4096-byte mappings acquired; DMA has moved the first 2048 bytes of
 * mapping 0 and (render) the link played 1024 of them. The window for a
 * position is then [1024 - 32 (FIFO) - 4 (frame), 2048 + 4]. param: 0 =
 * answers at both edges, then a STOP and a new run from 0; 1 = one byte
 * back; 2 = one byte ahead; 3 = one byte behind; 4 = the device moves on
 * while GetPosition runs; 5 = mapping 0 revoked, then a position of 0;
 * 6 = more DMA than GetMapping handed out (4096 of another engine's run
 * into the same engine), a position past what was handed out. */
static void script_position(struct fx *f)
{
	bool render = f->scfg.direction == PORT_RENDER;
	fx_run_state(f);
	fx_add(f, 0, 4096);
	fx_add(f, 0, 4096);
	fx_set(f, 0, MAPPING_ACQUIRED);
	if (f->param != 6)
		fx_set(f, 1, MAPPING_ACQUIRED);
	fx_dma(f, 0, 0, 2048, !render);
	if (render)
		fx_play(f, 0, 1024);
	switch (f->param) {
	case 0:
		fx_position(f, render ? 1024 - 36 : 2048 - 36);
		fx_position(f, 2048 + 4);
		fx_stop_state(f);
		fx_run_state(f);
		fx_position(f, 0);
		fx_add(f, 1, 4096);	/* the run after STOP has mappings of its own */
		fx_set(f, 2, MAPPING_ACQUIRED);
		fx_dma(f, 2, 0, 512, !render);
		fx_position(f, 512 + 4);
		break;
	case 1:
		fx_position(f, 1500);
		fx_position(f, 1499);
		break;
	case 2:
		fx_position(f, 2048 + 5);
		break;
	case 3:
		fx_position(f, (render ? 1024 : 2048) - 37);
		break;
	case 4:
		fx_position_asked(f);
		fx_dma(f, 0, 2048, 4096, !render);
		if (render)
			fx_play(f, 1024, 4096);
		fx_position_answer(f, 3000);
		break;
	case 5:
		fx_set(f, 0, MAPPING_REVOKING);
		fx_set(f, 0, MAPPING_REVOKED);
		fx_position(f, 0);
		break;
	default:
		fx_dma(f, 0, 2048, 4096, !render);
		fx_event(f, AC97_EV_DMA, render ? AC97_PO : AC97_PI, !render, 0x200000u, 4096, "dma");
		fx_position(f, 4096 + 5);
		break;
	}
	fx_stop_state(f);
}

static struct fx *position_run(enum port_direction dir, int param, bool on)
{
	struct fx *f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	fx_init(f, dir);
	/* Only the position is looked at: the audio is left half done. */
	const char *off[] = { "audio-conservation", "teardown", "dma-after-release" };
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		ck_assert_int_eq(checker_disable(&f->ccfg, off[i]), 0);
	if (!on)
		ck_assert_int_eq(checker_disable(&f->ccfg, "position"), 0);
	fx_run(f, script_position, param);
	return f;
}

START_TEST(position_inside_the_window_silent)
{
	/* Goal: positions at both edges of [played - FIFO - frame, moved +
	 * frame] pass, render and capture; a STOP lets the position start
	 * again from 0; what the device does while GetPosition runs widens the
	 * window the right way (the call's start bounds it below, its return
	 * above); bytes of a revoked mapping need not be counted. */
	for (int dir = PORT_RENDER; dir <= PORT_CAPTURE; dir++) {
		for (int param = 0; param <= 5; param++) {
			if (param >= 1 && param <= 3)
				continue;
			struct fx *f = position_run((enum port_direction)dir, param, true);
			expect_pass(f);
			ck_assert_uint_eq(f->st.positions_checked, param == 0 ? 4 : 1);
			free(f);
		}
	}
}
END_TEST

START_TEST(position_back_ahead_behind_fire)
{
	/* Goal: one byte back, one byte past the window's top, one byte below
	 * its bottom each fail with their own name, render and capture; a
	 * position past what GetMapping handed out fails although DMA moved
	 * more. */
	struct fx *f = position_run(PORT_RENDER, 1, true);
	expect_fail(f, "position", "GetPosition went back from 1500 to 1499 bytes with no STOP");
	free(f);
	f = position_run(PORT_RENDER, 2, true);
	expect_fail(f, "position-ahead", "the engine's DMA had fetched 2048 bytes");
	ck_assert(strstr(f->r.message, "1 bytes ahead of the device") != NULL);
	free(f);
	f = position_run(PORT_CAPTURE, 2, true);
	expect_fail(f, "position-ahead", "the engine's DMA had written 2048 bytes");
	free(f);
	f = position_run(PORT_RENDER, 3, true);
	expect_fail(f, "position-behind", "the link had played 1024 bytes since STOP");
	ck_assert(strstr(f->r.message, "1 bytes behind the device") != NULL);
	free(f);
	f = position_run(PORT_CAPTURE, 3, true);
	expect_fail(f, "position-behind", "the engine's DMA had written 2048 bytes since STOP");
	free(f);
	f = position_run(PORT_RENDER, 6, true);
	expect_fail(f, "position-ahead", "GetMapping had handed out 4096");
	free(f);
	for (int param = 1; param <= 3; param++) {
		f = position_run(PORT_RENDER, param, false);
		expect_pass(f);
		ck_assert_uint_eq(f->st.positions_checked, 0);
		free(f);
	}
}
END_TEST

/* ---- hang ------------------------------------------------------------------------------------ */

#define MS(n) ((sim_ticks_t)(n) * (SIM_TICKS_PER_SECOND / 1000u))

/* The CPU waits (idle) for ticks, as the stream script does between its
 * looks at the stream. */
static void fx_sleep(sim_ticks_t ticks)
{
	KEVENT never;
	KeInitializeEvent(&never, NotificationEvent, FALSE);
	LARGE_INTEGER timeout;
	timeout.QuadPart = -(LONGLONG)sim_ticks_to_100ns_ceil(ticks);
	KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &timeout);
}

/* Acquires, fetches, plays and releases one new mapping of IRP 0. */
static void fx_one_mapping(struct fx *f)
{
	uint32_t i = fx_add(f, 0, 1024);
	fx_set(f, i, MAPPING_ACQUIRED);
	fx_dma(f, i, 0, 1024, false);
	fx_play(f, f->map[i].stream_offset_bytes, f->map[i].stream_offset_bytes + 1024);
	fx_set(f, i, MAPPING_RELEASED);
}

/* In RUN, mapping 0 of IRP 0 is acquired, fetched and played, but never
 * released (the driver never looked at CELV): stall sees nothing available,
 * and the IRP never completes. param: 0 = the script looks every 1 ms for
 * 3 s; 1 = it sleeps 10 s in one wait (the machine jumps); 2 = the mapping
 * is released first, then 3 s pass; 3 = the stream waits 10 s in PAUSE,
 * then ends; 4 = in PAUSE the script looks every 1 ms until the run's time
 * limit; 5 = a new mapping moves every 10 ms until the limit; 6 = in PAUSE
 * the CPU stays busy 1 ms at a time until the step limit. */
static void script_hang(struct fx *f)
{
	fx_run_state(f);
	fx_add(f, 0, 1024);
	fx_set(f, 0, MAPPING_ACQUIRED);
	fx_dma(f, 0, 0, 1024, false);
	fx_play(f, 0, 1024);
	switch (f->param) {
	case 0:
		for (int i = 0; i < 3000; i++)
			fx_sleep(MS(1));
		break;
	case 1:
		fx_sleep(MS(10000));
		break;
	case 2:
		fx_set(f, 0, MAPPING_RELEASED);
		fx_irp(f, 0, false);
		fx_sleep(MS(3000));
		fx_stop_state(f);
		return;
	case 3:
		fx_state(f, KSSTATE_PAUSE);
		fx_sleep(MS(10000));
		break;
	case 4:
		fx_state(f, KSSTATE_PAUSE);
		for (;;)
			fx_sleep(MS(1));
	case 5:
		fx_set(f, 0, MAPPING_RELEASED);
		for (;;) {
			fx_sleep(MS(10));
			fx_one_mapping(f);
		}
	default:
		fx_state(f, KSSTATE_PAUSE);
		for (;;)
			KeStallExecutionProcessor(1000);
	}
	fx_set(f, 0, MAPPING_RELEASED);
	fx_irp(f, 0, false);
	fx_stop_state(f);
}

static struct fx *hang_run(int param, uint64_t max_steps, sim_ticks_t max_ticks,
			   sim_ticks_t hang_limit, const char *off)
{
	struct fx *f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	fx_init_limits(f, PORT_RENDER, max_steps, max_ticks);
	if (hang_limit != 0)
		f->ccfg.hang_limit_ticks = hang_limit;
	if (off != NULL)
		ck_assert_int_eq(checker_disable(&f->ccfg, off), 0);
	fx_run(f, script_hang, param);
	return f;
}

START_TEST(hang_kept_mapping_fires)
{
	/* Goal: a mapping fetched and played but never released, with the
	 * stream in RUN, fails "hang" once the limit (2 s by default) has
	 * passed with nothing moving, where "stall" stays silent; the report
	 * names the IRP, the mapping, how far DMA got, the data and the
	 * engine. With hang off the run goes on to its end (and teardown). */
	struct fx *f = hang_run(0, 0, 0, 0, NULL);
	expect_fail(f, "hang", "the stream runs with work outstanding but hangs: nothing moved for "
			       "2000000 us (limit 2000000 us");
	ck_assert(strstr(f->r.message, "1 IRPs outstanding (IRP 0); 1 mappings not released: "
				       "mapping 0 (tag 0x1000, IRP 0, ACQUIRED), DMA at 1024 of 1024 "
				       "bytes") != NULL);
	ck_assert(strstr(f->r.message, "1024 bytes handed out by GetMapping, 1024 played at the "
				       "link; engine PO: CIV 0") != NULL);
	free(f);
	f = hang_run(0, 0, 0, 0, "hang");
	expect_pass(f);
	free(f);
}
END_TEST

START_TEST(hang_found_while_the_machine_sleeps)
{
	/* Goal: when nothing runs (one long wait, time jumping), the check
	 * still comes at the moment the bound runs out, not at the wait's end:
	 * the failure is 2 s after the last progress, by a check deadline. */
	struct fx *f = hang_run(1, 0, 0, 0, NULL);
	expect_fail(f, "hang", "nothing moved for 2000000 us (limit 2000000 us");
	ck_assert_uint_ge(f->st.hang_deadlines, 1);
	free(f);
	f = hang_run(1, 0, 0, MS(500), NULL);
	expect_fail(f, "hang", "nothing moved for 500000 us (limit 500000 us");
	free(f);
}
END_TEST

START_TEST(hang_quiet_with_nothing_outstanding_or_paused_silent)
{
	/* Goal: quiet with nothing outstanding, or in PAUSE with a mapping
	 * held, is no hang; nor is a stream that keeps moving. */
	struct fx *f = hang_run(2, 0, 0, 0, NULL);
	expect_pass(f);
	free(f);
	f = hang_run(3, 0, 0, 0, NULL);
	expect_pass(f);
	free(f);
	f = hang_run(5, 0, MS(400), MS(100), NULL);
	ck_assert_msg(f->r.verdict == RUN_LIMIT, "%s: %s", run_verdict_name(f->r.verdict),
		      f->r.message);
	ck_assert_str_eq(f->r.checker, "time-limit");
	free(f);
}
END_TEST

START_TEST(hang_at_a_limit_fires)
{
	/* Goal: a run cut by its time or step limit after longer than the hang
	 * limit without progress fails "hang" (whatever the stream's state),
	 * measured to the limit; with hang off it stays "limit". */
	struct fx *f = hang_run(4, 0, MS(3000), 0, NULL);
	expect_fail(f, "hang", "the run reached its time limit having stopped: nothing moved for");
	ck_assert(strstr(f->r.message, "1 mappings not released") != NULL);
	free(f);
	f = hang_run(6, 5000, 0, MS(100), NULL);
	expect_fail(f, "hang", "the run reached its step limit having stopped");
	free(f);
	f = hang_run(4, 0, MS(3000), 0, "hang");
	ck_assert_int_eq(f->r.verdict, RUN_LIMIT);
	free(f);
}
END_TEST

/* ---- lifetime -------------------------------------------------------------------------------- */

static void fx_lifecycle(struct fx *f, enum lifecycle_kind what)
{
	bool stream = what == LIFE_STREAM_OPENING || what == LIFE_STREAM_CLOSED;
	struct lifecycle_memory mem = { stream ? (const void *)&f->stream : (const void *)&f->adapter,
					stream ? sizeof(f->stream) : sizeof(f->adapter) };
	struct sim_event ev;
	event_init(&ev, EV_LIFECYCLE);
	ev.u.lifecycle = (struct ev_lifecycle){ what, stream ? AC97_PO : -1 };
	ev.ref = &mem;
	machine_publish(f->m, &ev);
}

static void noop_dpc(KDPC *dpc, void *context, void *arg1, void *arg2)
{
	(void)dpc;
	(void)context;
	(void)arg1;
	(void)arg2;
}

static BOOLEAN noop_isr(PKINTERRUPT interrupt, PVOID context)
{
	(void)interrupt;
	(void)context;
	return FALSE;
}

static void noop_work(PDEVICE_OBJECT device, PVOID context)
{
	(void)device;
	(void)context;
}

/* A driver's life: the adapter starts (a DPC, an interrupt), the stream
 * opens (a lock, a periodic 1 ms timer with its DPC, run for 3 ms), then
 * param says what happens around the close and the stop: 0 = all put
 * away in time, and the adapter's DPC runs between close and stop (its
 * right); 1 = the timer left set at close; 2 = the timer's DPC, queued
 * before the close, runs after it; 3 = the stream's lock taken after the
 * close; 4 = a port call after the close; 5 = a work item for the stream
 * still queued at the close; 6 = the interrupt left connected at the
 * stop; 7 = the adapter's DPC queued after the stop; 8 = as 0, and the
 * timer then set once more as a one-shot that expires (its DPC runs)
 * before the close. */
static void script_lifetime(struct fx *f)
{
	fx_lifecycle(f, LIFE_ADAPTER_STARTING);
	KeInitializeDpc(&f->adapter.dpc, noop_dpc, &f->adapter);
	ck_assert_int_eq(AcConnectInterrupt(&f->adapter.interrupt, noop_isr, &f->adapter), 0);
	fx_lifecycle(f, LIFE_STREAM_OPENING);
	KeInitializeSpinLock(&f->stream.lock);
	KeInitializeTimer(&f->stream.timer);
	KeInitializeDpc(&f->stream.dpc, noop_dpc, &f->stream);
	LARGE_INTEGER due;
	due.QuadPart = -10000;	/* 1 ms */
	KeSetTimerEx(&f->stream.timer, due, 1, &f->stream.dpc);
	KeStallExecutionProcessor(3000);
	KIRQL old = PASSIVE_LEVEL;
	switch (f->param) {
	case 1:
		break;
	case 2:
		KeRaiseIrql(DISPATCH_LEVEL, &old);
		KeStallExecutionProcessor(1500);	/* it expires: its DPC waits for the IRQL */
		KeCancelTimer(&f->stream.timer);
		break;
	case 5: {
		KeCancelTimer(&f->stream.timer);
		PIO_WORKITEM item = IoAllocateWorkItem(NULL);
		IoQueueWorkItem(item, noop_work, DelayedWorkQueue, &f->stream);
		break;
	}
	case 8:
		KeCancelTimer(&f->stream.timer);
		KeSetTimer(&f->stream.timer, due, &f->stream.dpc);
		KeStallExecutionProcessor(2000);
		break;
	default:
		KeCancelTimer(&f->stream.timer);
		break;
	}
	fx_lifecycle(f, LIFE_STREAM_CLOSED);
	KIRQL held;
	switch (f->param) {
	case 0:
		KeInsertQueueDpc(&f->adapter.dpc, NULL, NULL);
		break;
	case 2:
		KeLowerIrql(old);
		break;
	case 3:
		KeAcquireSpinLock(&f->stream.lock, &held);
		KeReleaseSpinLock(&f->stream.lock, held);
		break;
	case 4: {
		struct sim_event ev;
		event_init(&ev, EV_KCALL);
		ev.u.kcall = (struct ev_kcall){ KC_PORT_CALL, 0, PORT_CALL_NOTIFY, 0 };
		machine_publish(f->m, &ev);
		break;
	}
	default:
		break;
	}
	if (f->param != 6)
		AcDisconnectInterrupt(&f->adapter.interrupt);
	fx_lifecycle(f, LIFE_ADAPTER_STOPPED);
	if (f->param == 7)
		KeInsertQueueDpc(&f->adapter.dpc, NULL, NULL);
}

static struct fx *lifetime_run(int param, bool on)
{
	struct fx *f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	fx_init(f, PORT_RENDER);
	if (!on)
		ck_assert_int_eq(checker_disable(&f->ccfg, "lifetime"), 0);
	fx_run(f, script_lifetime, param);
	return f;
}

START_TEST(lifetime_put_away_in_time_silent)
{
	/* Goal: a driver that cancels its timer before the close and
	 * disconnects before the stop passes, with the adapter's DPC running
	 * between close and stop; the objects are told apart by where they
	 * lie (2 of the adapter's, 3 of the stream's); a one-shot timer that
	 * expired before the close is not left set. */
	struct fx *f = lifetime_run(0, true);
	expect_pass(f);
	ck_assert_uint_eq(f->st.lifetime_objects, 5);
	free(f);
	/* A one-shot timer that expired before the close is no longer set. */
	f = lifetime_run(8, true);
	expect_pass(f);
	ck_assert_uint_eq(f->st.lifetime_objects, 5);
	free(f);
}
END_TEST

START_TEST(lifetime_after_close_fires)
{
	/* Goal: each way a stream outlives its close fails "after-close",
	 * naming the object and how long after the close: a timer left set, a
	 * DPC run, a lock taken, a port call, a work item left queued. */
	static const struct {
		int param;
		const char *needle;
	} cases[] = {
		{ 1, "timer '&f->stream.timer' (#" },
		{ 2, "DPC 'noop_dpc' (#" },
		{ 3, "KeAcquireSpinLock called on spin lock '&f->stream.lock' (#" },
		{ 4, "the driver called the port (Notify) on cpu0 0 us after stream_close returned" },
		{ 5, "1 work item(s) queued for the stream not yet run when stream_close returned" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *f = lifetime_run(cases[i].param, true);
		expect_fail(f, "after-close", cases[i].needle);
		ck_assert_str_eq(f->r.group, "lifetime");
		free(f);
	}
	struct fx *f = lifetime_run(1, true);
	expect_fail(f, "after-close", "the stream's) still set when stream_close returned");
	free(f);
	f = lifetime_run(2, true);
	expect_fail(f, "after-close", "the stream's) ran on cpu0");
	free(f);
}
END_TEST

START_TEST(lifetime_after_stop_fires)
{
	/* Goal: the interrupt left connected, or the adapter's DPC queued
	 * after adapter_stop, fail "after-stop"; with lifetime off, every
	 * broken case passes. */
	struct fx *f = lifetime_run(6, true);
	expect_fail(f, "after-stop", "the interrupt (#");
	ck_assert(strstr(f->r.message, "still connected when adapter_stop returned") != NULL);
	free(f);
	f = lifetime_run(7, true);
	expect_fail(f, "after-stop", "KeInsertQueueDpc called on DPC 'noop_dpc' (#");
	ck_assert(strstr(f->r.message, "the adapter's) on cpu0 0 us after adapter_stop returned") !=
		  NULL);
	free(f);
	for (int param = 1; param <= 7; param++) {
		f = lifetime_run(param, false);
		ck_assert_msg(f->r.verdict == RUN_PASS, "case %d: %s: %s", param, f->r.checker,
			      f->r.message);
		free(f);
	}
}
END_TEST

/* ---- broken drivers, through whole scenario runs --------------------------------------------- */

#ifndef TEST_PLUGIN_DIR
#error "the Makefile says where the test plug-ins are"
#endif

/* The default scenario, run once with the plug-in tests/plugins/NAME.so
 * and the checkers `off` (comma-separated) switched off; the outcome's
 * result. The plug-ins move mappings without playing them, so
 * audio-conservation is always off. */
/* extra: an action the scenario gets, or NULL; log: where the run's event
 * log goes, or NULL. */
static struct run_result plugin_run_logged(const char *name, const char *off,
					   sim_ticks_t hang_limit, sim_ticks_t max_ticks,
					   const struct scenario_action *extra, FILE *log)
{
	struct scenario sc;
	scenario_default(&sc);
	char path[512], err[512];
	snprintf(path, sizeof(path), "%s/%s.so", TEST_PLUGIN_DIR, name);
	ck_assert_msg(scenario_set_driver(&sc, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(checker_disable(&sc.checkers, "audio-conservation"), 0);
	char list[128];
	snprintf(list, sizeof(list), "%s", off != NULL ? off : "");
	for (char *name_off = strtok(list, ","); name_off != NULL; name_off = strtok(NULL, ","))
		ck_assert_int_eq(checker_disable(&sc.checkers, name_off), 0);
	if (hang_limit != 0)
		sc.checkers.hang_limit_ticks = hang_limit;
	if (max_ticks != 0)
		sc.max_ticks = max_ticks;
	if (extra != NULL)
		sc.actions[sc.n_actions++] = *extra;
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome out;
	const char *why = NULL;
	ck_assert_msg(scenario_run(&sc, &st, 1, NULL, log, NULL, &out, NULL, &why) == 0, "%s",
		      why ? why : "?");
	scenario_release(&sc);
	return out.result;
}

static struct run_result plugin_run_acting(const char *name, const char *off,
					   sim_ticks_t hang_limit, sim_ticks_t max_ticks,
					   const struct scenario_action *extra)
{
	return plugin_run_logged(name, off, hang_limit, max_ticks, extra, NULL);
}

static struct run_result plugin_run(const char *name, const char *off, sim_ticks_t hang_limit,
				    sim_ticks_t max_ticks)
{
	return plugin_run_acting(name, off, hang_limit, max_ticks, NULL);
}

START_TEST(plugin_keeping_its_last_mapping_hangs)
{
	/* Goal: a driver that never releases the stream's last mapping keeps
	 * the stream script waiting for ever: with stall off (its mapping is
	 * never played, which stall sees first) it fails "hang" at the hang
	 * limit, naming the mapping kept; with hang off too, the run ends at
	 * its time limit as "limit", as every such run did before. */
	struct run_result r = plugin_run("keep_last", NULL, 0, 0);
	ck_assert_msg(r.verdict == RUN_FAIL && strcmp(r.checker, "stall") == 0, "%s: %s",
		      r.checker, r.message);
	r = plugin_run("keep_last", "stall", MS(100), 0);
	ck_assert_msg(r.verdict == RUN_FAIL && strcmp(r.checker, "hang") == 0, "%s: %s", r.checker,
		      r.message);
	ck_assert_msg(strstr(r.message, "1 mappings not released: mapping 15 (tag 0x11, IRP 3, "
					"ACQUIRED)") != NULL, "%s", r.message);
	r = plugin_run("keep_last", "stall,hang", 0, MS(1000));
	ck_assert_msg(r.verdict == RUN_LIMIT, "%s: %s", r.checker, r.message);
}
END_TEST

START_TEST(hang_last_fixture_is_a_hang)
{
	/* Goal: fixtures/scenarios/bugs/hang-last.ini (the built-in hang-last
	 * variant keeps the mapping the engine halted on) fails "hang" in every
	 * schedule of the first seeds, random and PCT, naming the IRP and the
	 * mapping kept and the engine halted with CELV; with hang off the run
	 * is cut at its time limit ("limit"), which counted as not failed. */
	struct scenario_file sf;
	char err[1200];
	ck_assert_msg(scenario_file_load("fixtures/scenarios/bugs/hang-last.ini", &sf, err,
					 sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(sf.sc.driver, "hang-last");
	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct strategy st = { .kind = seed % 2 ? STRATEGY_RANDOM : STRATEGY_PCT,
				       .pct_depth = 2, .pct_steps = 300 };
		struct scenario_outcome out;
		const char *why = NULL;
		ck_assert_msg(scenario_run(&sf.sc, &st, seed, NULL, NULL, NULL, &out, NULL, &why) == 0,
			      "%s", why ? why : "?");
		const struct run_result *r = &out.result;
		ck_assert_msg(r->verdict == RUN_FAIL && strcmp(r->checker, "hang") == 0,
			      "seed %llu: %s %s: %s", (unsigned long long)seed,
			      run_verdict_name(r->verdict), r->checker, r->message);
		ck_assert_msg(strstr(r->message, "1 IRPs outstanding (IRP 0); 1 mappings not released: "
						 "mapping 0 (tag 0x1, IRP 0, ACQUIRED), DMA at 4096 of 4096 "
						 "bytes") != NULL, "%s", r->message);
		ck_assert_msg(strstr(r->message, "CELV") != NULL, "%s", r->message);
	}
	ck_assert_int_eq(checker_disable(&sf.sc.checkers, "hang"), 0);
	sf.sc.max_ticks = 5u * SIM_TICKS_PER_SECOND;
	struct strategy st = { .kind = STRATEGY_RANDOM };
	struct scenario_outcome out;
	const char *why = NULL;
	ck_assert_int_eq(scenario_run(&sf.sc, &st, 1, NULL, NULL, NULL, &out, NULL, &why), 0);
	ck_assert_msg(out.result.verdict == RUN_LIMIT, "%s: %s", out.result.checker,
		      out.result.message);
	scenario_file_free(&sf);
}
END_TEST

START_TEST(plugins_outliving_their_close_or_stop_fail)
{
	/* Goal: through the stream script of a whole scenario, a driver whose
	 * stream_close leaves its periodic timer set fails "after-close" as
	 * close returns (the run would end before the timer expires again),
	 * and one whose adapter_stop leaves its interrupt connected fails
	 * "after-stop"; with lifetime off both pass. */
	struct run_result r = plugin_run("timer_left_set", NULL, 0, 0);
	ck_assert_msg(r.verdict == RUN_FAIL && strcmp(r.checker, "after-close") == 0, "%s: %s",
		      r.checker, r.message);
	ck_assert_msg(strstr(r.message, "timer '&s->timer' (#") != NULL &&
			      strstr(r.message, "still set when stream_close returned") != NULL,
		      "%s", r.message);
	r = plugin_run("irq_left_connected", NULL, 0, 0);
	ck_assert_msg(r.verdict == RUN_FAIL && strcmp(r.checker, "after-stop") == 0, "%s: %s",
		      r.checker, r.message);
	r = plugin_run("timer_left_set", "lifetime", 0, 0);
	ck_assert_msg(r.verdict == RUN_PASS, "%s: %s", r.checker, r.message);
	r = plugin_run("irq_left_connected", "lifetime", 0, 0);
	ck_assert_msg(r.verdict == RUN_PASS, "%s: %s", r.checker, r.message);
}
END_TEST

START_TEST(notify_at_dirql_under_the_interrupt_lock_is_accepted)
{
	/* Goal: IPortWavePci::Notify is callable at any IRQL, from an ISR
	 * holding its interrupt's lock included (portcls queues its service
	 * DPC from there): a driver that notifies from a KeSynchronizeExecution
	 * routine passes, where GetMapping or ReleaseMapping with a lock held
	 * would fail "lock-across-port-call". */
	struct run_result r = plugin_run("notify_at_dirql", NULL, 0, 0);
	ck_assert_msg(r.verdict == RUN_PASS, "%s: %s", r.checker, r.message);
}
END_TEST

START_TEST(pool_left_allocated_after_adapter_stop_fails)
{
	/* Goal: Driver Verifier's pool tracking: memory a driver allocated and
	 * never freed fails "pool" once the adapter has stopped, naming its
	 * size and tag. */
	struct run_result r = plugin_run("pool_leak", NULL, 0, 0);
	ck_assert_msg(r.verdict == RUN_FAIL && strcmp(r.checker, "pool") == 0, "%s: %s", r.checker,
		      r.message);
	ck_assert_msg(strstr(r.message, "1 pool block (100 bytes) still allocated after adapter "
					"stop; the oldest: 100 bytes with tag 'Leak'") != NULL,
		      "%s", r.message);
}
END_TEST

START_TEST(normalize_physical_position_is_held_to_the_format)
{
	/* Goal: after each GetPosition the port asks NormalizePhysicalPosition
	 * for the time, as portcls's physical clock does; an answer that is
	 * not the position at the stream's rate and block size fails
	 * "position-time" (a driver without the method is not asked). */
	const struct scenario_action ask = { .kind = SA_QUERY_POSITION, .at_ticks = MS(1) / 10 };
	struct run_result r = plugin_run_acting("bad_normalize", NULL, 0, 0, &ask);
	ck_assert_msg(r.verdict == RUN_FAIL && strcmp(r.checker, "position-time") == 0, "%s: %s",
		      r.checker, r.message);
	ck_assert_msg(strstr(r.message, "expected 0 at 48000 Hz and 4 bytes a frame") != NULL, "%s",
		      r.message);
}
END_TEST

START_TEST(an_assertion_fails_the_run_with_its_text)
{
	/* Goal: AcRuleBroken(AcRuleAssert), what the WDM layer's ASSERT()
	 * expands to, fails the run "assert" with the assertion's text. */
	struct run_result r = plugin_run("assert", NULL, 0, 0);
	ck_assert_msg(r.verdict == RUN_FAIL && strcmp(r.checker, "assert") == 0, "%s: %s", r.checker,
		      r.message);
	ck_assert_msg(strstr(r.message, "faulty.c: ASSERT(s->state == KSSTATE_STOP) failed") != NULL,
		      "%s", r.message);
}
END_TEST

START_TEST(terminate_packet_ends_the_packet_being_mapped)
{
	/* Goal: TerminatePacket drops what is left unmapped of the packet
	 * being mapped; the packet is done once what was handed out is back,
	 * and the stream goes on with the next packet (the run passes, every
	 * mapping settled once). */
	char *text = NULL;
	size_t text_len = 0;
	FILE *log = open_memstream(&text, &text_len);
	ck_assert_ptr_nonnull(log);
	struct run_result r = plugin_run_logged("terminate_packet", NULL, 0, 0, NULL, log);
	fclose(log);
	ck_assert_msg(r.verdict == RUN_PASS, "%s: %s", r.checker, r.message);
	ck_assert_msg(strstr(text, "TerminatePacket: IRP 0 ends after what was mapped (") != NULL,
		      "no TerminatePacket of IRP 0 in the log");
	free(text);
}
END_TEST

START_TEST(a_format_change_goes_to_the_miniport)
{
	/* Goal: a client's format change reaches the miniport's set_format at
	 * PASSIVE_LEVEL; a driver without one is refused by the port, which is
	 * the client's answer and not a finding (the run passes and the log
	 * says so). */
	const struct scenario_action change = { .kind = SA_SET_FORMAT, .at_ticks = MS(1) / 10,
						.arg = 44100 };
	char *text = NULL;
	size_t text_len = 0;
	FILE *log = open_memstream(&text, &text_len);
	ck_assert_ptr_nonnull(log);
	struct run_result r = plugin_run_logged("notify_at_dirql", NULL, 0, 0, &change, log);
	fclose(log);
	ck_assert_msg(r.verdict == RUN_PASS, "%s: %s", r.checker, r.message);
	ck_assert_msg(strstr(text, "port: SetFormat(44100 Hz, was 48000 Hz) = 0xc00000bb (the "
				   "miniport has no SetFormat)") != NULL, "no SetFormat in the log");
	free(text);
}
END_TEST

/* ---- configuration ---------------------------------------------------------------------------- */

struct broken {
	enum port_direction dir;
	fx_script script;
	int param;
	const char *off;
};

START_TEST(each_checker_can_be_disabled)
{
	/* Goal: with its checker disabled, each broken input above no longer
	 * fails with that checker; names map to ids and back. */
	const struct broken cases[] = {
		{ PORT_RENDER, script_render_repeat, 0, "audio-conservation" },
		{ PORT_RENDER, script_render_end, 512, "audio-conservation" },
		{ PORT_CAPTURE, script_capture, 1, "audio-conservation" },
		{ PORT_RENDER, script_descriptors, 1, "device-misuse" },
		{ PORT_RENDER, script_descriptors, 5, "device-misuse" },
		{ PORT_RENDER, script_teardown, 0, "teardown" },
		{ PORT_RENDER, script_stall, 0, "stall" },
		{ PORT_RENDER, script_stall, 2, "stall" },
		{ PORT_RENDER, script_hang, 1, "hang" },
		{ PORT_RENDER, script_lifetime, 1, "lifetime" },
		{ PORT_RENDER, script_lifetime, 6, "lifetime" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *f = fx_go(cases[i].dir, cases[i].script, cases[i].param, cases[i].off);
		ck_assert_msg(strcmp(f->r.group, cases[i].off) != 0, "case %zu: %s", i, f->r.message);
		free(f);
	}
	struct fx *f = calloc(1, sizeof(*f));
	ck_assert_ptr_nonnull(f);
	fx_init(f, PORT_RENDER);
	ck_assert_int_eq(checker_disable(&f->ccfg, "dma-after-release"), 0);
	ck_assert_int_eq(checker_disable(&f->ccfg, "audio-conservation"), 0);
	fx_run(f, script_dma, 1);
	expect_pass(f);
	free(f);
	struct checker_config c;
	checker_config_default(&c);
	for (unsigned i = 0; checker_name_at(i) != NULL; i++) {
		ck_assert_ptr_nonnull(checker_find(checker_name_at(i)));
		ck_assert(checker_enabled(&c, checker_name_at(i)));
		ck_assert_int_eq(checker_disable(&c, checker_name_at(i)), 0);
		ck_assert(!checker_enabled(&c, checker_name_at(i)));
	}
	ck_assert_ptr_null(checker_find("nope"));
	ck_assert_int_eq(checker_disable(&c, "nope"), -1);
	ck_assert_int_eq(checker_disable(&c, "port-referee"), -1);	/* always on */
}
END_TEST

START_TEST(failure_names_are_unique)
{
	/* Goal: failure.h's promise: every failure row of every table (the
	 * port's, the machine's, the harness's, each checker's) has a name no
	 * other row has and its rule in words. */
	const struct failure_def *rows[128];
	unsigned n = 0;
	for (unsigned i = 0; i < PORT_FAIL_COUNT; i++)
		rows[n++] = &port_failures[i];
	for (unsigned i = 0; i < MACHINE_FAIL_COUNT; i++)
		rows[n++] = &machine_failures[i];
	for (unsigned i = 0; i < HARNESS_FAIL_COUNT; i++)
		rows[n++] = &harness_failures[i];
	for (unsigned c = 0; checker_registry[c] != NULL; c++)
		for (unsigned i = 0; i < checker_registry[c]->n_failures; i++) {
			ck_assert_uint_lt(n, sizeof(rows) / sizeof(rows[0]));
			rows[n++] = &checker_registry[c]->failures[i];
		}
	for (unsigned i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(rows[i]->name);
		ck_assert_msg(rows[i]->rule != NULL && strlen(rows[i]->rule) > 10, "%s", rows[i]->name);
		for (unsigned j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(rows[i]->name, rows[j]->name) != 0, "'%s' twice",
				      rows[i]->name);
	}
}
END_TEST

START_TEST(attach_rejects_what_it_cannot_check)
{
	/* Goal: a render stream without a sample function, or with 3
	 * channels, is refused with a reason; defaults are 50 ms, all on. */
	struct fx f;
	fx_init(&f, PORT_RENDER);
	const char *why = NULL;
	f.scfg.sample = NULL;
	ck_assert_ptr_null(checkers_attach(f.m, NULL, &f.scfg, NULL, &why));
	ck_assert_ptr_nonnull(strstr(why, "sample function"));
	f.scfg.sample = ramp_sample;
	f.scfg.channels = 3;
	ck_assert_ptr_null(checkers_attach(f.m, NULL, &f.scfg, NULL, &why));
	ck_assert_ptr_nonnull(strstr(why, "channels"));
	machine_destroy(f.m);
	struct checker_config c;
	checker_config_default(&c);
	ck_assert_uint_eq(c.stall_limit_ticks, 50u * SIM_TICKS_PER_SECOND / 1000u);
	ck_assert_uint_eq(c.hang_limit_ticks, 2u * SIM_TICKS_PER_SECOND);
	ck_assert_uint_eq(c.disabled, 0);
	ck_assert(!c.ends_early);
}
END_TEST

/* ---- the real device ----------------------------------------------------------------------- */

/* Two 4096-byte mappings played (render) or filled (capture) by the device
 * through one list; param 1 points both descriptors at mapping 0. */
static void script_device(struct fx *f)
{
	bool render = f->scfg.direction == PORT_RENDER;
	uint32_t base = AC97_ENGINE_STRIDE * (render ? AC97_PO : AC97_PI);
	WRITE_PORT_ULONG((PULONG)nabm(f, AC97_GLOB_CNT), AC97_GC_COLD);
	KeStallExecutionProcessor(2000);
	if (!render) {	/* record gain 0 dB, unmuted: the pattern lands bit-exact */
		WRITE_PORT_USHORT((PUSHORT)(machine_resources(f->m)->Nambar + 0x1C), 0x0000);
		KeStallExecutionProcessor(100);
	}
	PHYSICAL_ADDRESS bdl_pa;
	ck_assert_ptr_nonnull(AcAllocateCommonBuffer(256, &bdl_pa));
	uint32_t bdl = bdl_pa.LowPart;
	fx_run_state(f);
	for (uint32_t i = 0; i < 2; i++) {
		fx_add(f, 0, 4096);
		fx_set(f, i, MAPPING_ACQUIRED);
		put_bd(f, bdl, i, f->map[f->param ? 0 : i].physical, 2048, true);
	}
	WRITE_PORT_ULONG((PULONG)nabm(f, base + AC97_BDBAR), bdl);
	WRITE_PORT_UCHAR(nabm(f, base + AC97_LVI), 1);
	WRITE_PORT_UCHAR(nabm(f, base + AC97_CR), AC97_CR_RPBM);
	for (int k = 0; k < 100 && !(READ_PORT_USHORT((PUSHORT)nabm(f, base + AC97_SR)) & AC97_SR_DCH); k++)
		KeStallExecutionProcessor(1000);
	KeStallExecutionProcessor(1000);	/* the FIFO drains */
	for (uint32_t i = 0; i < 2; i++)
		fx_set(f, i, MAPPING_RELEASED);
	fx_irp(f, 0, false);
	WRITE_PORT_UCHAR(nabm(f, base + AC97_CR), 0);
	WRITE_PORT_UCHAR(nabm(f, base + AC97_CR), AC97_CR_RR);
	fx_stop_state(f);
}

START_TEST(device_render_silent)
{
	/* Goal: audio played by the real device from two acquired mappings
	 * passes every check, every sample matched at the link. */
	struct fx *f = fx_go(PORT_RENDER, script_device, 0, NULL);
	expect_pass(f);
	ck_assert_uint_eq(f->st.samples_matched, 4096);
	ck_assert_uint_gt(f->st.dma_ranges_on_mappings, 0);
	ck_assert_uint_gt(f->st.fill_frames, 0);
	free(f);
}
END_TEST

START_TEST(device_render_repeat_fires)
{
	/* Goal: the device playing mapping 0 twice (a stale descriptor) fails
	 * audio conservation at mapping 1's first byte. */
	struct fx *f = fx_go(PORT_RENDER, script_device, 1, NULL);
	expect_fail(f, "audio-conservation", "expected byte 0 of 4096 of mapping 1 (tag 0x1001");
	free(f);
}
END_TEST

START_TEST(device_capture_silent)
{
	/* Goal: audio captured by the real device from the position pattern
	 * into two mappings passes, every sample decoded. */
	struct fx *f = fx_go(PORT_CAPTURE, script_device, 0, NULL);
	expect_pass(f);
	ck_assert_uint_eq(f->st.samples_captured, 4096);
	ck_assert_uint_eq(f->st.mappings_done, 2);
	free(f);
}
END_TEST

START_TEST(device_capture_overwrite_fires)
{
	/* Goal: the device capturing twice into mapping 0 (and never into
	 * mapping 1) fails when mapping 1 is released. */
	struct fx *f = fx_go(PORT_CAPTURE, script_device, 1, NULL);
	expect_fail(f, "audio-conservation", "capture mapping 1 (tag 0x1001, IRP 0, RELEASED) byte 0");
	free(f);
}
END_TEST

Suite *suite_checkers(void);
Suite *suite_checkers(void)
{
	Suite *s = suite_create("harness/checkers");
	TCase *tc = tcase_create("audio");
	tcase_add_test(tc, render_clean_silent);
	tcase_add_test(tc, render_repeat_fires);
	tcase_add_test(tc, render_skip_fires);
	tcase_add_test(tc, render_wrong_sample_in_a_long_span_fires);
	tcase_add_test(tc, render_revoked_prefix_silent);
	tcase_add_test(tc, render_fifo_tail_silent);
	tcase_add_test(tc, render_tail_mid_stream_fires);
	tcase_add_test(tc, render_tail_beyond_fifo_fires);
	tcase_add_test(tc, render_beyond_mappings_fires);
	tcase_add_test(tc, render_released_unplayed_fires);
	tcase_add_test(tc, render_released_in_fifo_silent);
	tcase_add_test(tc, capture_clean_silent);
	tcase_add_test(tc, capture_repeat_fires);
	tcase_add_test(tc, capture_torn_frame_fires);
	tcase_add_test(tc, capture_same_position_fires);
	suite_add_tcase(s, tc);
	tc = tcase_create("dma");
	tcase_add_test(tc, dma_live_silent);
	tcase_add_test(tc, dma_after_release_fires);
	tcase_add_test(tc, dma_fault_fires);
	tcase_add_test(tc, dma_newest_mapping_decides);
	suite_add_tcase(s, tc);
	tc = tcase_create("misuse");
	tcase_add_test(tc, descriptors_kept_silent);
	tcase_add_test(tc, descriptor_rewrite_fires);
	tcase_add_test(tc, lvi_unwritten_fires);
	tcase_add_test(tc, descriptor_memory_gone_fires);
	tcase_add_test(tc, guest_error_fires);
	suite_add_tcase(s, tc);
	tc = tcase_create("teardown_stall");
	tcase_add_test(tc, teardown_clean_silent);
	tcase_add_test(tc, teardown_leak_fires);
	tcase_add_test(tc, teardown_state_and_twice_fire);
	tcase_add_test(tc, stall_running_fires);
	tcase_add_test(tc, stall_progress_silent);
	tcase_add_test(tc, stall_at_end_fires);
	tcase_add_test(tc, position_inside_the_window_silent);
	tcase_add_test(tc, position_back_ahead_behind_fire);
	tcase_add_test(tc, hang_kept_mapping_fires);
	tcase_add_test(tc, hang_found_while_the_machine_sleeps);
	tcase_add_test(tc, hang_quiet_with_nothing_outstanding_or_paused_silent);
	tcase_add_test(tc, hang_at_a_limit_fires);
	tcase_add_test(tc, plugin_keeping_its_last_mapping_hangs);
	tcase_add_test(tc, hang_last_fixture_is_a_hang);
	tcase_add_test(tc, lifetime_put_away_in_time_silent);
	tcase_add_test(tc, lifetime_after_close_fires);
	tcase_add_test(tc, lifetime_after_stop_fires);
	tcase_add_test(tc, plugins_outliving_their_close_or_stop_fail);
	tcase_add_test(tc, notify_at_dirql_under_the_interrupt_lock_is_accepted);
	tcase_add_test(tc, pool_left_allocated_after_adapter_stop_fails);
	tcase_add_test(tc, normalize_physical_position_is_held_to_the_format);
	tcase_add_test(tc, a_format_change_goes_to_the_miniport);
	tcase_add_test(tc, an_assertion_fails_the_run_with_its_text);
	tcase_add_test(tc, terminate_packet_ends_the_packet_being_mapped);
	suite_add_tcase(s, tc);
	tc = tcase_create("config_device");
	tcase_add_test(tc, each_checker_can_be_disabled);
	tcase_add_test(tc, attach_rejects_what_it_cannot_check);
	tcase_add_test(tc, failure_names_are_unique);
	tcase_add_test(tc, device_render_silent);
	tcase_add_test(tc, device_render_repeat_fires);
	tcase_add_test(tc, device_capture_silent);
	tcase_add_test(tc, device_capture_overwrite_fires);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
