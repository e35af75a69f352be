/*
 * families.c - the catalogue's scenario families (see families.h). Times
 * are after the stream starts running; at 48 kHz a 4 KiB page of stereo
 * 16-bit audio plays in 1024 frames, 21.3 ms.
 */
#include "families.h"

#include <stdio.h>
#include <string.h>

#define MS(x) ((sim_ticks_t)(x) * (SIM_TICKS_PER_SECOND / 1000u))
#define US(x) ((sim_ticks_t)(x) * SIM_TICKS_PER_SECOND / 1000000u)
#define PAGE GMEM_PAGE_BYTES

static void add(struct scenario *sc, enum scenario_action_kind kind, sim_ticks_t at, uint32_t arg,
		sim_ticks_t duration)
{
	if (sc->n_actions < SCENARIO_ACTIONS_MAX)
		sc->actions[sc->n_actions++] =
			(struct scenario_action){ .kind = kind, .at_ticks = at, .arg = arg,
						  .duration_ticks = duration };
}

/* An action at a moment each run draws from [at, at + width]: the race
 * lives around a moment (a buffer completing), not at one instant. */
static void add_window(struct scenario *sc, enum scenario_action_kind kind, sim_ticks_t at,
		       sim_ticks_t width, uint32_t arg, sim_ticks_t duration)
{
	add(sc, kind, at, arg, duration);
	if (sc->n_actions > 0)
		sc->actions[sc->n_actions - 1].at_range_ticks = width;
}

/* An action after the driver's n-th event of a kind, n drawn from
 * [n, n + width] by each run: the race lives right after that event. */
static void add_after(struct scenario *sc, enum scenario_action_kind kind, enum action_after after,
		      uint32_t n, uint32_t width, uint32_t arg)
{
	if (sc->n_actions < SCENARIO_ACTIONS_MAX)
		sc->actions[sc->n_actions++] = (struct scenario_action){
			.kind = kind, .after = after, .after_count = n, .after_range = width, .arg = arg
		};
}

static void base(struct scenario *sc, const char *name, uint32_t variant)
{
	scenario_default(sc);
	snprintf(sc->name, sizeof(sc->name), "%s/%u", name, variant);
	sc->stream.layout_seed = 1 + variant;
}

/* 1, 2: the lock discipline on a plain stream, producer and consumer on
 * two CPUs: GetMapping and ReleaseMapping with the lock dropped, nothing
 * stale after retaking it. */
static void build_plain(struct scenario *sc, uint32_t v)
{
	base(sc, "plain", v);
	sc->stream.irp_bytes = (1 + v % 4) * PAGE;
	sc->stream.irps_in_flight = 3 + v % 2;
	sc->cpus = 2 + v % 2;
}

/* 3: producers racing: one-page IRPs, so MappingAvailable (new IRP) and
 * Service (completion) both want to produce at the same moments. */
static void build_two_producers(struct scenario *sc, uint32_t v)
{
	base(sc, "two-producers", v);
	sc->stream.irp_bytes = PAGE;
	sc->stream.irps_in_flight = 2 + v % 3;
	sc->stream.total_bytes = 24 * PAGE;
	sc->cpus = 3;
}

/* 4: lost wakeup: one IRP in flight, so GetMapping runs dry again and
 * again and MappingAvailable must not be lost. */
static void build_lost_wakeup(struct scenario *sc, uint32_t v)
{
	base(sc, "lost-wakeup", v);
	sc->stream.irp_bytes = (1 + v % 2) * PAGE;
	sc->stream.irps_in_flight = 1;
	sc->stream.total_bytes = 16 * PAGE;
}

/* 5, 8: a cancel racing releases of the same IRP: cancels near the time
 * the IRP's mappings complete, so some are released between the port's
 * choice of range and RevokeMappings, or before it (range partly gone). */
static void build_release_vs_revoke(struct scenario *sc, uint32_t v)
{
	base(sc, "release-vs-revoke", v);
	sc->stream.irp_bytes = 2 * PAGE;
	sc->stream.irps_in_flight = 3;
	sc->stream.total_bytes = 20 * PAGE;
	/* Around the first IRP's end (2 pages, about 42 ms) and later. */
	add_window(sc, SA_CANCEL_IRP, MS(38) + US(500) * (v % 16), MS(4), 0, 0);
	add_window(sc, SA_CANCEL_IRP, MS(120) + US(700) * (v % 11), MS(4), v % 2, 0);
}

/* 5, 7: a cancel the moment GetMapping hands a mapping out, while the
 * producer has the lock dropped: of the current IRP (the revoke rebuilds
 * the list under the GetMapping), a queued one, or the newest, whose
 * mapping is the one being handed out (revoked before it is listed).
 * Three CPUs, so that one is free to take the cancel at once. */
static void build_cancel_during_get(struct scenario *sc, uint32_t v)
{
	base(sc, "cancel-during-get", v);
	sc->stream.irp_bytes = PAGE;
	sc->stream.irps_in_flight = 3;
	sc->stream.total_bytes = 12 * PAGE;
	sc->cpus = 3;
	uint32_t first = v < 3 ? 4 : 8;
	add_after(sc, SA_CANCEL_IRP, AFTER_GET_MAPPING, first, 6, v % 3);
}

/* 6: two consumers: the timer DPC services too, on another CPU. */
static void build_two_consumers(struct scenario *sc, uint32_t v)
{
	base(sc, "two-consumers", v);
	sc->timer_service = true;
	sc->timer_period_ms = 1 + v % 3;
	sc->stream.irp_bytes = PAGE;
	sc->stream.irps_in_flight = 4;
	sc->stream.total_bytes = 20 * PAGE;
	sc->cpus = 3;
}

/* 7, 9: revoke over played, current and queued entries while running, in
 * the middle of a buffer: cancel the middle IRP of three. */
static void build_revoke_running(struct scenario *sc, uint32_t v)
{
	base(sc, "revoke-running", v);
	sc->stream.irp_bytes = 3 * PAGE;
	sc->stream.irps_in_flight = 3;
	sc->stream.total_bytes = 24 * PAGE;
	add_window(sc, SA_CANCEL_IRP, MS(5) + MS(7) * (v % 9), MS(3), v % 3, 0);
	add_window(sc, SA_CANCEL_IRP, MS(150) + MS(3) * (v % 7), MS(3), 1, 0);
}

/* 10: after a revoke the engine must not be left halted for good (a stale
 * LVI): cancel the newest IRP, whose entries end the hardware queue. */
static void build_revoke_tail(struct scenario *sc, uint32_t v)
{
	base(sc, "revoke-tail", v);
	sc->stream.irp_bytes = 2 * PAGE;
	sc->stream.irps_in_flight = 3;
	sc->stream.total_bytes = 18 * PAGE;
	add(sc, SA_CANCEL_IRP, MS(10) + MS(9) * (v % 8), 2, 0);
}

/* 11: STOP while an interrupt or DPC is in flight, then run again. */
static void build_stop_in_flight(struct scenario *sc, uint32_t v)
{
	base(sc, "stop-in-flight", v);
	sc->stream.irp_bytes = PAGE;
	sc->stream.irps_in_flight = 3;
	sc->stream.total_bytes = 16 * PAGE;
	sim_ticks_t at = MS(21) + US(250) * (v % 12);	/* near a completion */
	add_window(sc, SA_SET_STATE, at, MS(1), KSSTATE_STOP, 0);
	add_window(sc, SA_SET_STATE, at + MS(2), MS(1), KSSTATE_RUN, 0);
}

/* 12: an engine with status and no stream: the ISR must clear it. */
static void build_stray_status(struct scenario *sc, uint32_t v)
{
	base(sc, "stray-status", v);
	sc->stream.total_bytes = 12 * PAGE;
	add(sc, SA_STRAY_ENGINE, MS(3) + MS(5) * (v % 4), v % 2 ? AC97_MC : AC97_PI, 0);
}

/* 13: coalesced interrupts: delivery late by up to several small
 * buffers' length (1.3 ms each), so CIV moves by several per interrupt. */
static void build_coalesced(struct scenario *sc, uint32_t v)
{
	base(sc, "coalesced", v);
	sc->descriptor_max_bytes = 256;
	sc->stream.irp_bytes = PAGE;
	sc->stream.irps_in_flight = 4;
	sc->stream.total_bytes = 16 * PAGE;
	sc->irq_latency_max_ticks = MS(10) + MS(10) * (v % 2);
}

/* 14, 17: the end of a stream and a stream of one mapping: the last entry
 * is released only once CELV says it is done; the first start has one. */
static void build_short(struct scenario *sc, uint32_t v)
{
	base(sc, "short", v);
	sc->stream.total_bytes = (1 + v % 3) * PAGE;
	sc->stream.irp_bytes = PAGE;
	sc->stream.irps_in_flight = 1 + v % 3;
}

/* 15, 16: full BDL and mappings split over descriptors: contiguous pages
 * (mappings of up to 16 pages) against small descriptors. */
static void build_split(struct scenario *sc, uint32_t v)
{
	base(sc, "split", v);
	sc->stream.layout = PORT_PAGES_CONTIGUOUS;
	sc->stream.irp_bytes = 16 * PAGE;
	sc->stream.irps_in_flight = 2;
	sc->stream.total_bytes = 48 * PAGE;
	sc->descriptor_max_bytes = v % 2 ? 1024 : 4096;
	if (v % 3 == 2)
		add(sc, SA_CANCEL_IRP, MS(60) + MS(11) * (v % 5), 0, 0);
}

/* 16: buffers that start half a frame into a page, so every page-sized
 * mapping ends in the middle of a frame: bounce frames, nothing dropped. */
static void build_partial_frames(struct scenario *sc, uint32_t v)
{
	base(sc, "partial-frames", v);
	sc->stream.first_page_offset_bytes = 2;
	sc->stream.layout = v % 2 ? PORT_PAGES_CONTIGUOUS : PORT_PAGES_SCATTERED;
	sc->stream.irp_bytes = (1 + v % 3) * PAGE;
	sc->stream.total_bytes = 16 * PAGE;
	sc->descriptor_max_bytes = v % 4 == 3 ? 2048 : SCENARIO_DESCRIPTOR_MAX_BYTES_DEFAULT;
	/* Cancels anywhere in the stream: some land while a frame that
	 * straddles two mappings waits for its second half. */
	if (v % 2 == 1)
		add_window(sc, SA_CANCEL_IRP, MS(10), MS(60), v % 3 == 0 ? 0 : 1, 0);
}

/* 18: pause and resume while running (RPBM cleared and set again); odd
 * variants cancel an IRP while paused. */
static void build_pause_resume(struct scenario *sc, uint32_t v)
{
	base(sc, "pause-resume", v);
	sc->stream.total_bytes = 16 * PAGE;
	sim_ticks_t at = MS(8) + MS(6) * (v % 10);
	add_window(sc, SA_SET_STATE, at, MS(2), KSSTATE_PAUSE, 0);
	if (v % 2)
		add_window(sc, SA_CANCEL_IRP, at + US(2200), US(600), 0, 0);
	add_window(sc, SA_SET_STATE, at + MS(3), MS(2), KSSTATE_RUN, 0);
}

/* 19: the position asked for all the time while buffers complete. */
static void build_position(struct scenario *sc, uint32_t v)
{
	base(sc, "position", v);
	sc->stream.total_bytes = 12 * PAGE;
	/* Each page-sized buffer plays in 1024 frames (21.33 ms); CIV moves
	 * when its last sample is fetched, about 180 us (a FIFO of 8 frames,
	 * and the start after RUN) before its end: two queries around each
	 * such moment, and one in the middle of the buffer. */
	for (uint32_t k = 1; k <= 10; k++) {
		sim_ticks_t civ_moves = (sim_ticks_t)k * 1024u * SIM_TICKS_PER_FRAME - US(180);
		add_window(sc, SA_QUERY_POSITION, civ_moves - US(80), US(160), 0, 0);
		add_window(sc, SA_QUERY_POSITION, civ_moves - US(80), US(160), 0, 0);
		add(sc, SA_QUERY_POSITION, civ_moves + MS(10) + US(100) * (v % 10), 0, 0);
	}
}

/* 20: stop with mappings queued (every one revoked) and start again. */
static void build_stop_restart(struct scenario *sc, uint32_t v)
{
	base(sc, "stop-restart", v);
	sc->stream.irp_bytes = 2 * PAGE;
	sc->stream.total_bytes = 20 * PAGE;
	sim_ticks_t at = MS(15) + MS(13) * (v % 6);
	add_window(sc, SA_SET_STATE, at, MS(3), KSSTATE_STOP, 0);
	add_window(sc, SA_SET_STATE, at + MS(5), MS(3), KSSTATE_RUN, 0);
}

/* 21: tags beyond 32 mappings and a revoke of late ones (no ABA). */
static void build_many_tags(struct scenario *sc, uint32_t v)
{
	base(sc, "many-tags", v);
	sc->stream.irp_bytes = PAGE;
	sc->stream.irps_in_flight = 3;
	sc->stream.total_bytes = 48 * PAGE;
	add(sc, SA_CANCEL_IRP, MS(700) + MS(17) * (v % 10), v % 3, 0);
}

/* 22 and FIFO errors: bus stalls while a revoke resets the engine; RR is
 * only ever written with DMA halted. */
static void build_stall_revoke(struct scenario *sc, uint32_t v)
{
	base(sc, "stall-revoke", v);
	sc->stream.irp_bytes = 2 * PAGE;
	sc->stream.total_bytes = 16 * PAGE;
	add(sc, SA_STALL_BUS, MS(10) + MS(4) * (v % 5), 0, US(300) + US(200) * (v % 4));
	add(sc, SA_CANCEL_IRP, MS(11) + MS(4) * (v % 5), 0, 0);
}

/* Faults: GetMapping refused while mappings are there (MappingAvailable
 * must bring production back: 4), interrupts held back (13), a CPU taken
 * away for a while, and a cancel at a scheduling step. */
static void build_faults(struct scenario *sc, uint32_t v)
{
	base(sc, "faults", v);
	sc->stream.irp_bytes = 2 * PAGE;
	sc->stream.total_bytes = 16 * PAGE;
	switch (v % 4) {
	case 0: add(sc, SA_REFUSE_MAPPINGS, MS(5) + MS(3) * (v / 4), 3 + v / 4, 0); break;
	case 1: add(sc, SA_DELAY_INTERRUPTS, MS(10), 0, MS(12) + MS(4) * (v / 4)); break;
	case 2: add(sc, SA_STALL_CPU, MS(6), v / 4 % 2, MS(8)); break;
	case 3:
		add(sc, SA_CANCEL_IRP, 0, 1, 0);
		sc->actions[sc->n_actions - 1].at_step = 300 + 50 * (v / 4);
		break;
	}
}

/* Capture through PCM in, with cancels. */
static void build_capture(struct scenario *sc, uint32_t v)
{
	base(sc, "capture", v);
	sc->engine = v % 3 == 2 ? AC97_MC : AC97_PI;
	sc->stream.direction = PORT_CAPTURE;
	sc->stream.channels = sc->engine == AC97_MC ? 1 : 2;
	sc->stream.irp_bytes = 2 * PAGE;
	sc->stream.total_bytes = 16 * PAGE;
	if (v % 2)
		add_window(sc, SA_CANCEL_IRP, MS(20) + MS(9) * (v % 7), MS(4), 1, 0);
	else	/* the buffer DMA is writing: the current capture buffer revoked */
		add_window(sc, SA_CANCEL_IRP, MS(5), MS(30), 0, 0);
}

/* DirectSound style: one looping buffer, serviced by a timer DPC. */
static void build_dsound(struct scenario *sc, uint32_t v)
{
	base(sc, "dsound", v);
	sc->stream.style = PORT_STYLE_DSOUND;
	sc->stream.irp_bytes = 8 * PAGE;
	sc->stream.irps_in_flight = 1;
	sc->stream.total_bytes = 32 * PAGE;
	sc->timer_service = true;
	sc->timer_period_ms = 2 + v % 4;
}

/* Variable rate: 44.1 kHz through VRA. */
static void build_vra(struct scenario *sc, uint32_t v)
{
	base(sc, "vra", v);
	sc->stream.rate_hz = v % 2 ? 44100 : 22050;
	sc->stream.total_bytes = 12 * PAGE;
}

const struct family families[] = {
	{ 1, "plain", "lock discipline: GetMapping/ReleaseMapping with the lock dropped (1, 2)", 8, build_plain },
	{ 3, "two-producers", "DPC, MappingAvailable and RUN all producing (3)", 6, build_two_producers },
	{ 4, "lost-wakeup", "GetMapping runs dry, MappingAvailable must not be lost (4)", 4, build_lost_wakeup },
	{ 5, "release-vs-revoke", "a release racing the revoke of its IRP (5, 8)", 16, build_release_vs_revoke },
	{ 5, "cancel-during-get", "a cancel while GetMapping hands a mapping out (5, 7)", 6, build_cancel_during_get },
	{ 6, "two-consumers", "interrupt and timer DPCs both releasing (6)", 6, build_two_consumers },
	{ 7, "revoke-running", "revoke over played, current and queued entries while running (7, 9)", 18, build_revoke_running },
	{ 10, "revoke-tail", "revoke of the entries ending the queue: LVI not left stale (10)", 8, build_revoke_tail },
	{ 11, "stop-in-flight", "STOP with an interrupt or DPC in flight (11)", 12, build_stop_in_flight },
	{ 12, "stray-status", "an engine with status and no stream (12)", 4, build_stray_status },
	{ 13, "coalesced", "coalesced interrupts: CIV moved by several (13)", 8, build_coalesced },
	{ 14, "short", "end of stream, first start with one entry (14, 17)", 6, build_short },
	{ 15, "split", "full BDL, mappings split with the remainder queued later (15, 16)", 6, build_split },
	{ 16, "partial-frames", "mappings ending mid-frame: bounce frames (16)", 8, build_partial_frames },
	{ 18, "pause-resume", "RPBM cleared and set again while running (18)", 10, build_pause_resume },
	{ 19, "position", "position read while buffers complete (19)", 10, build_position },
	{ 20, "stop-restart", "stop with mappings queued, then run again (20)", 6, build_stop_restart },
	{ 21, "many-tags", "more than 32 mappings, a late revoke (21)", 10, build_many_tags },
	{ 22, "stall-revoke", "bus stalls around a revoke: no RR while running (22)", 20, build_stall_revoke },
	{ 0, "faults", "refused GetMapping, held interrupts, a stalled CPU, a cancel at a step", 8, build_faults },
	{ 0, "capture", "capture through PCM in and mic, with cancels", 6, build_capture },
	{ 0, "dsound", "one looping buffer serviced by a timer DPC", 4, build_dsound },
	{ 0, "vra", "playback at 44.1 and 22.05 kHz through VRA", 2, build_vra },
};

const uint32_t family_count = sizeof(families) / sizeof(families[0]);

const struct family *family_find(const char *name)
{
	for (uint32_t i = 0; i < family_count; i++)
		if (strcmp(families[i].name, name) == 0)
			return &families[i];
	return NULL;
}

void family_build(const struct family *f, uint32_t variant, struct scenario *sc)
{
	f->build(sc, variant % f->variants);
}
