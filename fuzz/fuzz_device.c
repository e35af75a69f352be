/*
 * fuzz_device.c - fuzz target `device`: the register interface of a fresh
 * device, driven the way a guest and its machine can drive it, with the
 * device's invariants (ac97_invariants_hold) checked after every operation.
 *
 * Input (fuzz_input.h: little-endian, zeros past the end): one
 * configuration byte, then operations until the input ends.
 *
 *   config   bits 0-2  FIFO depth, fifo_table (odd and tiny ones included:
 *                      ac97_init's clamping is part of the interface)
 *            bits 3-5  DMA latency, latency_table (a frame or more too)
 *            bit 6     codec ready delay 0 (else the default, 48 frames)
 *            bit 7     differential: a second device with the bulk path
 *                      off runs the same operations and must agree with
 *                      the first on every read, register, interrupt level
 *                      and time, and at the end on events, audio, DMA and
 *                      faults; simulated time is then capped at
 *                      DIFF_TICKS_MAX, since that device works per frame
 *
 *   op byte, then by op % OP_COUNT:
 *     OP_READ     access                  ac97_io_read
 *     OP_WRITE    access, u32 value       ac97_io_write
 *     OP_ADVANCE  duration                ac97_advance_to(now + duration)
 *     OP_STALL    duration                ac97_stall_bus_until(now + duration)
 *     OP_DESC     u8 list|index, u8 addr mode, u32 addr, u8 flags, u16 length
 *                                         one descriptor into a list in memory
 *     OP_BUFFER   u16 addr, u8 length, u8 seed
 *                                         guest memory bytes, as a CPU writes
 *     OP_PAGES    u8 page, u8 count|map   pages leave or rejoin guest memory
 *     OP_ENGINE   u8 engine|list|low bits, u8 LVI, u8 CR
 *                                         BDBAR, LVI and CR of one engine
 *     OP_LINK     u8 flags, u16 rate      COLD# up, wait for the codec, VRA
 *                                         and VRM, a converter's rate
 *   access: u8 a (bit 0: NABMBAR, else NAMBAR; bits 1-2: width 8, 16, 32,
 *           or a >> 3 as a bad width), u8 offset (0xFF: a u32 offset
 *           follows)
 *   duration: u8 class, then by class % 8: u8 ticks, u16 ticks, u8 frames,
 *           u16 frames, u8 ms, u32 ticks, u64 ticks (any: times past the
 *           horizon must be refused), or u16 ticks short of the horizon;
 *           for OP_ADVANCE, class bit 3 first stops one tick short of the
 *           next event (ac97_next_event_tick) when it comes before the
 *           end, where nothing the guest sees but PICB may have changed:
 *           the next event may be early, never late (in differential mode
 *           only the first device stops, so the two must also agree on
 *           where an advance stops making no difference)
 *
 * Guest memory is GUEST_BYTES: four descriptor lists at LIST_BASE, buffers
 * above; descriptor addresses mostly land in it, sometimes at its end or
 * anywhere. Capture engines read a ramp source (a pure function).
 *
 * Besides the invariants: a time past SIM_TICKS_HORIZON is refused and
 * changes nothing, one within it is taken exactly.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac97.h"
#include "fnv1a.h"
#include "fuzz.h"
#include "fuzz_input.h"
#include "gmem.h"

#define GUEST_BYTES (256u * 1024u)
#define GUEST_PAGES (GUEST_BYTES / GMEM_PAGE_BYTES)
#define LIST_BASE 0x1000u
#define LIST_BYTES (AC97_BDL_ENTRIES * AC97_BD_BYTES)
#define LIST_COUNT 4u
#define BUF_BASE 0x2000u
#define BUF_BYTES (GUEST_BYTES - BUF_BASE)
#define DIFF_TICKS_MAX (SIM_TICKS_PER_SECOND / 10u)	/* 100 ms */
#define WHY_MAX 512u

enum op {
	OP_READ,
	OP_WRITE,
	OP_ADVANCE,
	OP_STALL,
	OP_DESC,
	OP_BUFFER,
	OP_PAGES,
	OP_ENGINE,
	OP_LINK,
	OP_COUNT
};

static const uint32_t fifo_table[8] = { 16, 2, 4, 8, 32, 64, 1, 15 };
static const sim_ticks_t latency_table[8] = {
	AC97_DMA_LATENCY_TICKS_DEFAULT, 0, 1, 255, 256, 300, 6000, SIM_TICKS_NEVER,
};
static const uint32_t rate_table[8] = { 48000, 44100, 8000, 11025, 22050, 32000, 16000, 0 };

/* What one device did, in a form that does not depend on how the device
 * chunked its work: spans merge into runs (same kind, fill value and
 * cadence, consecutive requests), DMA ranges into byte counts. */
struct span_run {
	bool open;
	enum ac97_span_kind kind;
	int16_t fill[2];
	struct cadence cad;
	uint64_t first_request, n_frames;
};

struct recorder {
	uint64_t event_fnv;
	uint64_t audio_fnv[AC97_ENGINE_COUNT];
	struct span_run run[AC97_ENGINE_COUNT];
	uint64_t dma_bytes[AC97_ENGINE_COUNT][2];
};

struct rig {
	struct gmem mem;
	struct ac97 *dev;
	struct recorder rec;
};

struct fuzz_run {
	struct fuzz_input in;
	struct rig rig[2];
	int n_rigs;	/* 2 in differential mode */
	sim_ticks_t ticks_max;
	uint64_t op_index;
};

/* ---- recording -------------------------------------------------------------- */

static void run_flush(struct recorder *rec, int engine)
{
	struct span_run *r = &rec->run[engine];
	if (!r->open)
		return;
	uint64_t fields[8] = { (uint64_t)r->kind, (uint16_t)r->fill[0], (uint16_t)r->fill[1],
			       r->cad.anchor_frame, r->cad.rate_hz, r->cad.phase, r->first_request,
			       r->n_frames };
	rec->audio_fnv[engine] = fnv1a64(rec->audio_fnv[engine], fields, sizeof(fields));
	r->open = false;
}

static bool run_continues(const struct span_run *r, const struct ac97_span *s)
{
	return r->open && r->kind == s->kind &&
	       (s->kind == AC97_SPAN_DATA || (r->fill[0] == s->fill[0] && r->fill[1] == s->fill[1])) &&
	       r->cad.anchor_frame == s->cadence.anchor_frame && r->cad.rate_hz == s->cadence.rate_hz &&
	       r->cad.phase == s->cadence.phase && s->first_request == r->first_request + r->n_frames;
}

static void on_span(void *ctx, const struct ac97_span *s)
{
	struct recorder *rec = ctx;
	int e = (int)s->engine;
	if (e < 0 || e >= AC97_ENGINE_COUNT || s->n_frames == 0)
		fuzz_fail("device", "span of engine %d with %" PRIu64 " frames", e, s->n_frames);
	struct span_run *r = &rec->run[e];
	if (run_continues(r, s)) {
		r->n_frames += s->n_frames;
	} else {
		run_flush(rec, e);
		*r = (struct span_run){ .open = true, .kind = s->kind, .cad = s->cadence,
					.first_request = s->first_request, .n_frames = s->n_frames };
		r->fill[0] = s->kind == AC97_SPAN_DATA ? 0 : s->fill[0];
		r->fill[1] = s->kind == AC97_SPAN_DATA ? 0 : s->fill[1];
	}
	if (s->kind == AC97_SPAN_DATA)
		rec->audio_fnv[e] = fnv1a64(rec->audio_fnv[e], s->pcm_le,
					    (size_t)(s->n_frames * s->channels * 2u));
}

static void on_event(void *ctx, const struct ac97_event *ev)
{
	struct recorder *rec = ctx;
	if (ev->kind == AC97_EV_DMA) {
		rec->dma_bytes[ev->engine][ev->code != 0] += ev->b;
		return;
	}
	uint64_t fields[6] = { ev->tick, (uint64_t)ev->kind, (uint64_t)(int64_t)ev->engine,
			       ev->code, ev->a, ev->b };
	rec->event_fnv = fnv1a64(rec->event_fnv, fields, sizeof(fields));
}

/* A pure function of position, so both devices hear the same input. */
static void ramp_source(void *ctx, enum ac97_engine_id engine, uint64_t first_frame, int16_t *dst,
			uint64_t n_frames, uint32_t channels)
{
	(void)ctx;
	for (uint64_t i = 0; i < n_frames * channels; i++)
		dst[i] = (int16_t)(uint16_t)((first_frame * channels + i) * 37u + (uint64_t)engine * 1000u);
}

/* ---- checks ----------------------------------------------------------------- */

static void check_invariants(const struct fuzz_run *f)
{
	char why[WHY_MAX];
	for (int i = 0; i < f->n_rigs; i++)
		if (!ac97_invariants_hold(f->rig[i].dev, why, sizeof(why)))
			fuzz_fail("device", "op %" PRIu64 " (device %d, tick %" PRIu64 "): %s",
				  f->op_index, i, ac97_now(f->rig[i].dev), why);
}

/* What the guest could see of a device, as numbers, without touching it. */
static void visible_state(const struct ac97 *dev, uint64_t out[AC97_ENGINE_COUNT * 7 + 8])
{
	size_t n = 0;
	for (int i = 0; i < AC97_ENGINE_COUNT; i++) {
		const struct bm_engine *e = &dev->engine[i];
		out[n++] = e->bdbar;
		out[n++] = e->civ;
		out[n++] = e->lvi;
		out[n++] = e->piv;
		out[n++] = e->cr;
		out[n++] = bm_engine_sr(e);
		out[n++] = bm_engine_picb(e);
	}
	out[n++] = dev->glob_cnt;
	out[n++] = dev->glob_sta_sticky;
	out[n++] = dev->codec_ready;
	out[n++] = dev->cas_held;
	out[n++] = ac97_irq_line(dev);
	out[n++] = ac97_now(dev);
	out[n++] = dev->faults_total;
	out[n++] = ac97_next_event_tick(dev);
}

static void check_agree(const struct fuzz_run *f, uint64_t read_a, uint64_t read_b)
{
	if (f->n_rigs < 2)
		return;
	if (read_a != read_b)
		fuzz_fail("device", "op %" PRIu64 ": reads 0x%" PRIx64 " (bulk) and 0x%" PRIx64
			  " (one step) differ", f->op_index, read_a, read_b);
	uint64_t a[AC97_ENGINE_COUNT * 7 + 8], b[AC97_ENGINE_COUNT * 7 + 8];
	visible_state(f->rig[0].dev, a);
	visible_state(f->rig[1].dev, b);
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		if (a[i] != b[i])
			fuzz_fail("device", "op %" PRIu64 ": state word %zu is 0x%" PRIx64
				  " (bulk) but 0x%" PRIx64 " (one step)", f->op_index, i, a[i], b[i]);
	if (memcmp(f->rig[0].dev->guest_errors, f->rig[1].dev->guest_errors,
		   sizeof(f->rig[0].dev->guest_errors)) != 0)
		fuzz_fail("device", "op %" PRIu64 ": guest error counts differ", f->op_index);
}

static void check_agree_at_end(struct fuzz_run *f)
{
	if (f->n_rigs < 2)
		return;
	struct recorder *a = &f->rig[0].rec, *b = &f->rig[1].rec;
	for (int e = 0; e < AC97_ENGINE_COUNT; e++) {
		run_flush(a, e);
		run_flush(b, e);
		if (a->audio_fnv[e] != b->audio_fnv[e])
			fuzz_fail("device", "at the end: %s audio differs between bulk and one step",
				  ac97_engine_name((enum ac97_engine_id)e));
	}
	if (a->event_fnv != b->event_fnv)
		fuzz_fail("device", "at the end: events differ between bulk and one step");
	if (memcmp(a->dma_bytes, b->dma_bytes, sizeof(a->dma_bytes)) != 0)
		fuzz_fail("device", "at the end: DMA byte counts differ between bulk and one step");
	if (memcmp(f->rig[0].mem.bytes, f->rig[1].mem.bytes, GUEST_BYTES) != 0)
		fuzz_fail("device", "at the end: guest memory differs between bulk and one step");
}

/* ---- operations --------------------------------------------------------------- */

static sim_ticks_t decode_duration(struct fuzz_run *f, bool *probe)
{
	uint8_t cls = fuzz_u8(&f->in);
	*probe = (cls & 0x08u) != 0;
	switch (cls % 8u) {
	case 0: return fuzz_u8(&f->in);
	case 1: return fuzz_u16(&f->in);
	case 2: return sim_frames_to_ticks(fuzz_u8(&f->in));
	case 3: return sim_frames_to_ticks(fuzz_u16(&f->in));
	case 4: return (sim_ticks_t)fuzz_u8(&f->in) * (SIM_TICKS_PER_SECOND / 1000u);
	case 5: return fuzz_u32(&f->in);
	case 6: return fuzz_u64(&f->in);
	default: {
		sim_ticks_t now = ac97_now(f->rig[0].dev), shy = fuzz_u16(&f->in);
		return SIM_TICKS_HORIZON - now > shy ? SIM_TICKS_HORIZON - now - shy : 0;
	}
	}
}

/* now + d, or SIM_TICKS_NEVER when that does not fit; at most the run's
 * time cap (differential mode). */
static sim_ticks_t time_after(const struct fuzz_run *f, sim_ticks_t d)
{
	sim_ticks_t now = ac97_now(f->rig[0].dev);
	sim_ticks_t t = d > SIM_TICKS_NEVER - now ? SIM_TICKS_NEVER : now + d;
	return t > f->ticks_max ? (f->ticks_max > now ? f->ticks_max : now) : t;
}

/* What only an event may change: everything the guest reads but PICB
 * (which moves with every transfer) and CAS (which frees lazily). */
#define QUIET_WORDS (AC97_ENGINE_COUNT * 5 + 4)
static void quiet_state(const struct ac97 *dev, uint64_t out[QUIET_WORDS])
{
	size_t n = 0;
	for (int i = 0; i < AC97_ENGINE_COUNT; i++) {
		const struct bm_engine *e = &dev->engine[i];
		out[n++] = e->civ;
		out[n++] = e->lvi;
		out[n++] = e->piv;
		out[n++] = e->cr;
		out[n++] = bm_engine_sr(e);
	}
	out[n++] = dev->glob_cnt;
	out[n++] = dev->glob_sta_sticky;
	out[n++] = dev->codec_ready;
	out[n++] = ac97_irq_line(dev);
}

/* Advances to one tick before the next event, when that is before t, and
 * checks that nothing but PICB moved on the way. */
static void advance_short_of_next_event(struct fuzz_run *f, struct ac97 *dev, sim_ticks_t t)
{
	sim_ticks_t now = ac97_now(dev), te = ac97_next_event_tick(dev);
	if (te <= now + 1 || te - 1 >= t || te - 1 > SIM_TICKS_HORIZON)
		return;
	uint64_t before[QUIET_WORDS], after[QUIET_WORDS];
	quiet_state(dev, before);
	if (!ac97_advance_to(dev, te - 1))
		fuzz_fail("device", "op %" PRIu64 ": advance to %" PRIu64 " refused", f->op_index,
			  te - 1);
	quiet_state(dev, after);
	for (size_t i = 0; i < QUIET_WORDS; i++)
		if (before[i] != after[i])
			fuzz_fail("device", "op %" PRIu64 ": state word %zu changed from 0x%" PRIx64
				  " to 0x%" PRIx64 " between %" PRIu64 " and %" PRIu64
				  ", before the next event at %" PRIu64, f->op_index, i, before[i],
				  after[i], now, te - 1, te);
	check_invariants(f);
}

/* With probe, the first device stops short of its next event on the way;
 * the second (differential mode) goes straight to t: where an advance
 * stops must not change what the device does. */
static void do_advance(struct fuzz_run *f, sim_ticks_t t, bool probe)
{
	if (probe)
		advance_short_of_next_event(f, f->rig[0].dev, t);
	for (int i = 0; i < f->n_rigs; i++) {
		struct ac97 *dev = f->rig[i].dev;
		sim_ticks_t before = ac97_now(dev);
		bool taken = ac97_advance_to(dev, t);
		if (taken != (t <= SIM_TICKS_HORIZON))
			fuzz_fail("device", "op %" PRIu64 ": advance to %" PRIu64 " %s", f->op_index, t,
				  taken ? "taken past the horizon" : "refused within the horizon");
		if (ac97_now(dev) != (taken ? t : before))
			fuzz_fail("device", "op %" PRIu64 ": advance to %" PRIu64 " left the device at %"
				  PRIu64, f->op_index, t, ac97_now(dev));
	}
}

static void do_stall(struct fuzz_run *f, sim_ticks_t t)
{
	for (int i = 0; i < f->n_rigs; i++) {
		struct ac97 *dev = f->rig[i].dev;
		sim_ticks_t before = dev->bus_stall_until_tick;
		bool taken = ac97_stall_bus_until(dev, t);
		if (taken != (t <= SIM_TICKS_HORIZON))
			fuzz_fail("device", "op %" PRIu64 ": stall until %" PRIu64 " %s", f->op_index, t,
				  taken ? "taken past the horizon" : "refused within the horizon");
		sim_ticks_t want = taken && t > before ? t : before;
		if (dev->bus_stall_until_tick != want)
			fuzz_fail("device", "op %" PRIu64 ": stall until %" PRIu64 " left %" PRIu64,
				  f->op_index, t, dev->bus_stall_until_tick);
	}
}

static void decode_access(struct fuzz_run *f, enum ac97_bar *bar, uint32_t *offset,
			  unsigned *width_bits)
{
	static const unsigned widths[3] = { 8, 16, 32 };
	uint8_t a = fuzz_u8(&f->in);
	*bar = (a & 1u) ? AC97_BAR_NABM : AC97_BAR_NAM;
	unsigned w = (a >> 1) & 3u;
	*width_bits = w < 3 ? widths[w] : (unsigned)(a >> 3);
	uint8_t off = fuzz_u8(&f->in);
	*offset = off == 0xFF ? fuzz_u32(&f->in) : off;
}

static void all_write(struct fuzz_run *f, enum ac97_bar bar, uint32_t offset, unsigned width_bits,
		      uint32_t value)
{
	for (int i = 0; i < f->n_rigs; i++)
		ac97_io_write(f->rig[i].dev, bar, offset, width_bits, value);
}

static void all_memory_write(struct fuzz_run *f, uint64_t addr, const void *bytes, uint64_t len)
{
	for (int i = 0; i < f->n_rigs; i++)
		gmem_write(&f->rig[i].mem, addr, bytes, len);
}

static void op_descriptor(struct fuzz_run *f)
{
	uint8_t where = fuzz_u8(&f->in), mode = fuzz_u8(&f->in);
	uint32_t raw_addr = fuzz_u32(&f->in);
	uint8_t flags = fuzz_u8(&f->in);
	uint16_t len = fuzz_u16(&f->in);
	uint32_t list = LIST_BASE + (where & (LIST_COUNT - 1u)) * LIST_BYTES;
	uint32_t index = (where >> 2) % AC97_BDL_ENTRIES;
	uint32_t addr;
	switch (mode % 4u) {
	case 0:
	case 1: addr = BUF_BASE + (raw_addr % BUF_BYTES & ~1u); break;
	case 2: addr = GUEST_BYTES - 64u + (raw_addr & 0xFFu); break;	/* across the end */
	default: addr = raw_addr; break;
	}
	if (flags & 0x04u)
		addr |= 1u;
	if (flags & 0x10u)
		len &= 0xFFu;	/* mostly short buffers */
	uint32_t dw1 = len;
	if (flags & 0x01u)
		dw1 |= AC97_BD_IOC;
	if (flags & 0x02u)
		dw1 |= AC97_BD_BUP;
	if (flags & 0x08u)
		dw1 |= (raw_addr << 16) & AC97_BD_RESERVED;
	uint8_t raw[AC97_BD_BYTES];
	for (unsigned i = 0; i < 4; i++) {
		raw[i] = (uint8_t)(addr >> (8 * i));
		raw[4 + i] = (uint8_t)(dw1 >> (8 * i));
	}
	all_memory_write(f, list + (uint64_t)index * AC97_BD_BYTES, raw, sizeof(raw));
}

static void op_buffer(struct fuzz_run *f)
{
	uint32_t addr = BUF_BASE + (uint32_t)fuzz_u16(&f->in) * 2u % BUF_BYTES;
	uint32_t len = 4u * fuzz_u8(&f->in);
	uint8_t seed = fuzz_u8(&f->in);
	uint8_t bytes[4u * 255u];
	for (uint32_t i = 0; i < len; i++)
		bytes[i] = (uint8_t)(seed + i * (seed | 1u));
	all_memory_write(f, addr, bytes, len);
}

static void op_pages(struct fuzz_run *f)
{
	uint8_t page = fuzz_u8(&f->in), how = fuzz_u8(&f->in);
	uint64_t addr = (uint64_t)(page % (GUEST_PAGES + 2u)) * GMEM_PAGE_BYTES;	/* and past the end */
	uint64_t len = (uint64_t)(1u + (how & 3u)) * GMEM_PAGE_BYTES;
	for (int i = 0; i < f->n_rigs; i++)
		gmem_set_mapped(&f->rig[i].mem, addr, len, (how & 4u) != 0);
}

static void op_engine(struct fuzz_run *f)
{
	uint8_t which = fuzz_u8(&f->in), lvi = fuzz_u8(&f->in), cr = fuzz_u8(&f->in);
	uint32_t base = (which % AC97_ENGINE_COUNT) * AC97_ENGINE_STRIDE;
	uint32_t list = LIST_BASE + ((which >> 2) & (LIST_COUNT - 1u)) * LIST_BYTES;
	all_write(f, AC97_BAR_NABM, base + AC97_BDBAR, 32, list | (which >> 5));
	check_invariants(f);
	all_write(f, AC97_BAR_NABM, base + AC97_LVI, 8, lvi);
	check_invariants(f);
	all_write(f, AC97_BAR_NABM, base + AC97_CR, 8, cr);
}

/* What a driver does to bring the link up, one checked step at a time. */
static void op_link(struct fuzz_run *f)
{
	static const uint32_t rate_regs[4] = { CODEC_PCM_FRONT_DAC_RATE, CODEC_PCM_LR_ADC_RATE,
					       CODEC_PCM_MIC_ADC_RATE, CODEC_PCM_FRONT_DAC_RATE };
	uint8_t flags = fuzz_u8(&f->in);
	uint16_t raw_rate = fuzz_u16(&f->in);
	uint32_t rate = rate_table[flags >> 5];
	if (rate == 0)
		rate = raw_rate;
	all_write(f, AC97_BAR_NABM, AC97_GLOB_CNT, 32, AC97_GC_COLD | (flags & 1u ? AC97_GC_GIE : 0u));
	check_invariants(f);
	do_advance(f, time_after(f, f->rig[0].dev->cfg.codec_ready_delay_ticks), false);
	check_invariants(f);
	all_write(f, AC97_BAR_NAM, CODEC_EXT_AUDIO_CTRL, 16, (flags >> 1) & 0x9u);	/* VRA, VRM */
	check_invariants(f);
	do_advance(f, time_after(f, 2u * SIM_TICKS_PER_FRAME), false);
	check_invariants(f);
	all_write(f, AC97_BAR_NAM, rate_regs[(flags >> 2) & 3u], 16, rate);
	check_invariants(f);
	do_advance(f, time_after(f, 2u * SIM_TICKS_PER_FRAME), false);
}

static void run_op(struct fuzz_run *f)
{
	enum ac97_bar bar;
	uint32_t offset;
	unsigned width_bits;
	uint64_t read[2] = { 0, 0 };
	bool probe;
	switch ((enum op)(fuzz_u8(&f->in) % OP_COUNT)) {
	case OP_READ:
		decode_access(f, &bar, &offset, &width_bits);
		for (int i = 0; i < f->n_rigs; i++)
			read[i] = ac97_io_read(f->rig[i].dev, bar, offset, width_bits);
		break;
	case OP_WRITE: {
		decode_access(f, &bar, &offset, &width_bits);
		uint32_t value = fuzz_u32(&f->in);
		all_write(f, bar, offset, width_bits, value);
		break;
	}
	case OP_ADVANCE: {
		sim_ticks_t d = decode_duration(f, &probe);
		do_advance(f, time_after(f, d), probe);
		break;
	}
	case OP_STALL: do_stall(f, time_after(f, decode_duration(f, &probe))); break;
	case OP_DESC: op_descriptor(f); break;
	case OP_BUFFER: op_buffer(f); break;
	case OP_PAGES: op_pages(f); break;
	case OP_ENGINE: op_engine(f); break;
	case OP_LINK: op_link(f); break;
	case OP_COUNT: break;
	}
	check_invariants(f);
	check_agree(f, read[0], read[1]);
}

/* ---- the target ------------------------------------------------------------- */

static void rig_open(struct rig *r, const struct ac97_config *cfg, bool bulk_disabled)
{
	memset(r, 0, sizeof(*r));
	r->dev = calloc(1, sizeof(*r->dev));
	if (r->dev == NULL || gmem_init(&r->mem, GUEST_BYTES) != 0)
		fuzz_fail("device", "out of host memory");
	ac97_init(r->dev, cfg, gmem_dma_ops(), &r->mem);
	r->dev->bulk_disabled = bulk_disabled;
	r->rec.event_fnv = FNV1A64_INIT;
	for (int e = 0; e < AC97_ENGINE_COUNT; e++)
		r->rec.audio_fnv[e] = FNV1A64_INIT;
	ac97_set_sink(r->dev, (struct ac97_sink){ on_span, &r->rec });
	ac97_set_observer(r->dev, (struct ac97_observer){ on_event, &r->rec });
	ac97_set_source(r->dev, (struct ac97_source){ ramp_source, NULL });
}

static void rig_close(struct rig *r)
{
	gmem_free(&r->mem);
	free(r->dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_run f = { .in = { data, size, 0 } };
	uint8_t config = fuzz_u8(&f.in);
	struct ac97_config cfg;
	ac97_config_default(&cfg);
	cfg.fifo_samples = fifo_table[config & 7u];
	cfg.dma_latency_ticks = latency_table[(config >> 3) & 7u];
	if (config & 0x40u)
		cfg.codec_ready_delay_ticks = 0;
	bool differential = (config & 0x80u) != 0;
	f.n_rigs = differential ? 2 : 1;
	f.ticks_max = differential ? DIFF_TICKS_MAX : SIM_TICKS_NEVER;
	for (int i = 0; i < f.n_rigs; i++)
		rig_open(&f.rig[i], &cfg, i == 1);
	check_invariants(&f);
	while (!fuzz_input_done(&f.in)) {
		run_op(&f);
		f.op_index++;
	}
	check_agree_at_end(&f);
	for (int i = 0; i < f.n_rigs; i++)
		rig_close(&f.rig[i]);
	return 0;
}
