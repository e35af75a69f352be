/*
 * ac97_check.c - the device's invariants, checked from its state alone.
 *
 * What must hold between any two calls into the device (after any register
 * access, advance, stall or guest memory change), derived from the rules at
 * the top of ac97.c and bm_engine.c. Each is stated where it is checked.
 * The checker reads the state directly rather than through the registers,
 * so it changes nothing (a CAS read would take the semaphore) and can be
 * called after every step of a test or a fuzzer.
 *
 * A profile's quirks (profile.h) relax the rules they change, each where
 * it is checked; nothing else depends on the profile.
 *
 * Left out, because they are not invariants: a prefetched descriptor may sit
 * behind LVI (LVI moved back to CIV), a paused engine keeps its FIFO and its
 * prefetch, sticky status bits outlive the state that set them, and a
 * pending codec access time may lie in the past (CAS frees lazily).
 */
#include "ac97.h"

#include <stdarg.h>
#include <stdio.h>

/* Formats why; always false, so a check reads `return fail(...)`. */
static bool fail(char *why, size_t why_len, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(char *why, size_t why_len, const char *format, ...)
{
	if (why != NULL && why_len > 0) {
		va_list ap;
		va_start(ap, format);
		vsnprintf(why, why_len, format, ap);
		va_end(ap);
	}
	return false;
}

#define CHECK(cond, ...)                                   \
	do {                                               \
		if (!(cond))                               \
			return fail(why, why_len, __VA_ARGS__); \
	} while (0)

static bool has(const struct bm_engine *e, enum ac97_quirk q)
{
	return (e->quirks & AC97_QUIRK(q)) != 0;
}

static bool engine_registers_hold(const struct bm_engine *e, const char *name, char *why,
				  size_t why_len)
{
	uint16_t sr = bm_engine_sr(e);
	CHECK(e->civ < AC97_BDL_ENTRIES && e->lvi < AC97_BDL_ENTRIES && e->piv < AC97_BDL_ENTRIES,
	      "%s: CIV %u, LVI %u or PIV %u past the 32 entries", name, e->civ, e->lvi, e->piv);
	/* RR self-clears; bits 7:5 are reserved. */
	CHECK((e->cr & ~(AC97_CR_RPBM | AC97_CR_LVBIE | AC97_CR_FEIE | AC97_CR_IOCE)) == 0,
	      "%s: CR 0x%02x holds RR or reserved bits", name, e->cr);
	CHECK((e->sr_sticky & ~(AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE)) == 0,
	      "%s: sticky SR 0x%04x holds bits that are not LVBCI, BCIS or FIFOE", name,
	      e->sr_sticky);
	CHECK((e->sr_reserved & ~0xFFE0u) == 0 &&
		      (e->sr_reserved == 0 || has(e, AC97_Q_SR_RESERVED_STICKY)),
	      "%s: reserved SR bits 0x%04x held", name, e->sr_reserved);
	uint32_t bdbar_low = has(e, AC97_Q_ADDR_MASK_DWORD) ? 3u : 7u;
	CHECK((e->bdbar & bdbar_low) == 0, "%s: BDBAR 0x%08x has low bits set", name, e->bdbar);
	/* A stored SR (dch_hidden) can say running while nothing runs. */
	CHECK((e->cr & AC97_CR_RPBM) || (sr & AC97_SR_DCH) || e->dch_hidden,
	      "%s: RPBM clear but DCH clear", name);
	CHECK(!(sr & AC97_SR_CELV) || (sr & AC97_SR_DCH), "%s: CELV without DCH", name);
	return true;
}

/* CIV, PIV, the current descriptor and the run state agree. */
static bool engine_descriptors_hold(const struct bm_engine *e, const char *name, char *why,
				    size_t why_len)
{
	if (!e->loaded) {
		/* Only power-on and RR leave nothing loaded, and both zero CIV
		 * and PIV; starting loads CIV's descriptor first thing. */
		CHECK(e->civ == 0 && e->piv == 0, "%s: nothing loaded but CIV %u PIV %u", name,
		      e->civ, e->piv);
		CHECK(!e->dma_active && !e->at_end && !e->next_cached && e->cur_done_samples == 0,
		      "%s: nothing loaded but running, halted at LVI or prefetched", name);
		return true;
	}
	CHECK(e->piv == (e->civ + 1u) % AC97_BDL_ENTRIES, "%s: PIV %u is not CIV %u + 1", name,
	      e->piv, e->civ);
	/* PICB stays within the descriptor. */
	CHECK(e->cur_done_samples <= e->cur.len_samples,
	      "%s: %u samples done of a %u-sample descriptor", name, e->cur_done_samples,
	      e->cur.len_samples);
	CHECK(e->cur.len_samples <= AC97_BD_LEN_MASK &&
		      (e->cur.addr & (has(e, AC97_Q_ADDR_MASK_DWORD) ? 3u : 1u)) == 0,
	      "%s: current descriptor length %u or address 0x%08x malformed", name,
	      e->cur.len_samples, e->cur.addr);
	CHECK(!e->next_cached || (e->next.len_samples <= AC97_BD_LEN_MASK && (e->next.addr & 1u) == 0),
	      "%s: prefetched descriptor malformed", name);
	/* DMA runs only with RPBM set and short of the halt at LVI. */
	CHECK(!e->dma_active || ((e->cr & AC97_CR_RPBM) && !e->at_end),
	      "%s: DMA active with RPBM clear or halted at LVI", name);
	/* The halt at LVI comes when LVI's buffer is done (PICB = 0), and an
	 * LVI write or RPBM that moves LVI off CIV leaves it at once. */
	CHECK(!e->at_end || e->cur_done_samples == e->cur.len_samples,
	      "%s: halted at LVI with %u of %u samples done", name, e->cur_done_samples,
	      e->cur.len_samples);
	CHECK(!(e->at_end && (e->cr & AC97_CR_RPBM)) || e->civ == e->lvi,
	      "%s: halted with RPBM set but CIV %u != LVI %u", name, e->civ, e->lvi);
	/* A running engine has the descriptor at PIV whenever PIV is valid
	 * (unless it reads each one only when it becomes current). */
	CHECK(!e->dma_active || e->civ == e->lvi || e->next_cached || has(e, AC97_Q_NO_PREFETCH),
	      "%s: running with CIV %u != LVI %u and nothing prefetched", name, e->civ, e->lvi);
	return true;
}

/* The FIFO, the transfer in flight and the link side. */
static bool engine_dma_holds(const struct ac97 *dev, const struct bm_engine *e, const char *name,
			     char *why, size_t why_len)
{
	sim_ticks_t now = dev->now_ticks;
	CHECK(e->fifo_capacity == dev->cfg.fifo_samples && e->fifo_level <= e->fifo_capacity &&
		      e->fifo_head < e->fifo_capacity,
	      "%s: FIFO head %u level %u capacity %u (configured %u)", name, e->fifo_head,
	      e->fifo_level, e->fifo_capacity, dev->cfg.fifo_samples);
	CHECK(!e->fill_pending || e->dma_active, "%s: a transfer in flight with DMA stopped", name);
	CHECK(!e->fill_pending || e->fill_tick >= now,
	      "%s: transfer due at %llu, before now %llu", name, (unsigned long long)e->fill_tick,
	      (unsigned long long)now);
	/* Between transfers a running engine keeps its FIFO full (output) or
	 * empty (input): each request that changes it asks for a transfer. */
	uint32_t steady_level = e->output ? e->fifo_capacity : 0;
	CHECK(!e->dma_active || e->fill_pending || e->fifo_level == steady_level ||
		      bm_engine_transfer_blocked(e),
	      "%s: running, no transfer in flight, FIFO at %u of %u", name, e->fifo_level,
	      e->fifo_capacity);
	CHECK(e->output || !e->primed, "%s: an input engine marked primed", name);

	const struct cadence *c = &e->cad;
	CHECK(c->rate_hz <= SIM_FRAMES_PER_SECOND &&
		      c->phase == (c->rate_hz != 0 ? SIM_FRAMES_PER_SECOND - c->rate_hz : 0u),
	      "%s: cadence rate %u phase %u", name, c->rate_hz, c->phase);
	CHECK(c->anchor_frame <= sim_ticks_to_frames(now) + 1,
	      "%s: cadence anchored at frame %llu, after the next frame", name,
	      (unsigned long long)c->anchor_frame);
	/* Every request in a frame that has started has been served, and no
	 * other. */
	uint64_t due = c->rate_hz != 0 ? cadence_requests_by(c, now) : 0;
	CHECK(e->next_request == due, "%s: %llu requests served by tick %llu, %llu due", name,
	      (unsigned long long)e->next_request, (unsigned long long)now,
	      (unsigned long long)due);
	/* The cached next event is the one a fresh computation gives, and it
	 * is not in the past. */
	sim_ticks_t next = bm_engine_compute_next_event(dev, e);
	CHECK(e->next_event_tick == next, "%s: cached next event %llu, computed %llu", name,
	      (unsigned long long)e->next_event_tick, (unsigned long long)next);
	CHECK(next >= now, "%s: next event %llu before now %llu", name, (unsigned long long)next,
	      (unsigned long long)now);
	/* Likewise the tick before which an advance has nothing to do. */
	sim_ticks_t quiet = bm_engine_compute_quiet_until(e);
	CHECK(e->quiet_until == quiet, "%s: cached quiet until %llu, computed %llu", name,
	      (unsigned long long)e->quiet_until, (unsigned long long)quiet);
	CHECK(e->wake_tick == (quiet < next ? quiet : next), "%s: wake tick %llu, not the earlier of %llu and %llu",
	      name, (unsigned long long)e->wake_tick, (unsigned long long)quiet,
	      (unsigned long long)next);
	return true;
}

static bool engine_holds(const struct ac97 *dev, int i, char *why, size_t why_len)
{
	const struct bm_engine *e = &dev->engine[i];
	const char *name = ac97_engine_name((enum ac97_engine_id)i);
	uint32_t channels = i == AC97_MC && !has(e, AC97_Q_MIC_STEREO) ? 1u : 2u;
	CHECK(e->id == i && e->output == (i == AC97_PO) && e->channels == channels &&
		      e->quirks == dev->quirks,
	      "%s: identity (id %d, output %d, channels %u) wrong", name, e->id, e->output,
	      e->channels);
	return engine_registers_hold(e, name, why, why_len) &&
	       engine_descriptors_hold(e, name, why, why_len) &&
	       engine_dma_holds(dev, e, name, why, why_len);
}

/* Global control, the codec's reset and ready state, CAS. */
static bool globals_hold(const struct ac97 *dev, char *why, size_t why_len)
{
	sim_ticks_t now = dev->now_ticks;
	CHECK(now <= SIM_TICKS_HORIZON, "now %llu past the horizon", (unsigned long long)now);
	CHECK(dev->bus_stall_until_tick <= SIM_TICKS_HORIZON, "bus stall until %llu past the horizon",
	      (unsigned long long)dev->bus_stall_until_tick);
	CHECK(dev->cfg.fifo_samples >= 2 && dev->cfg.fifo_samples <= AC97_FIFO_SAMPLES_MAX &&
		      dev->cfg.fifo_samples % 2 == 0 &&
		      dev->cfg.dma_latency_ticks <= AC97_DMA_LATENCY_TICKS_MAX &&
		      dev->cfg.codec_ready_delay_ticks <= AC97_CODEC_READY_DELAY_TICKS_MAX,
	      "configuration outside what ac97_init allows");
	/* WARM self-clears; bits 31:6 are reserved on the 82801AA. */
	CHECK((dev->glob_cnt & ~(0x3Fu & ~AC97_GC_WARM)) == 0, "GLOB_CNT 0x%08x holds WARM or reserved bits",
	      dev->glob_cnt);
	CHECK((dev->glob_sta_sticky & ~(AC97_GS_GSCI | AC97_GS_S0RI | AC97_GS_S1RI | AC97_GS_RCS)) == 0,
	      "sticky GLOB_STA 0x%08x holds bits that are not write-1-to-clear",
	      dev->glob_sta_sticky);
	CHECK(dev->profile != NULL && dev->cfg.profile == dev->profile &&
		      dev->quirks == dev->profile->quirks && dev->codec.part == dev->profile->codec,
	      "profile, quirks and codec part disagree");
	if (ac97_has(dev, AC97_Q_NO_LINK_RESET)) {
		CHECK(dev->codec_ready, "no link reset, but the codec not ready");
	} else if (!(dev->glob_cnt & AC97_GC_COLD)) {
		CHECK(!dev->codec_ready && dev->codec_ready_tick == SIM_TICKS_NEVER,
		      "COLD# asserted but the codec ready or becoming ready");
	} else if (dev->codec_ready) {
		CHECK(dev->codec_ready_tick <= now, "codec ready before its ready tick");
	} else {
		/* Out of reset and not ready: ready at most a delay from now. */
		CHECK(dev->codec_ready_tick > now &&
			      dev->codec_ready_tick - now <= dev->cfg.codec_ready_delay_ticks,
		      "codec not ready, ready tick %llu vs now %llu",
		      (unsigned long long)dev->codec_ready_tick, (unsigned long long)now);
	}
	CHECK(dev->cas_held || dev->codec_access_done_tick == SIM_TICKS_NEVER,
	      "CAS free with a codec access pending");
	CHECK(dev->codec_access_done_tick == SIM_TICKS_NEVER ||
		      dev->codec_access_done_tick % SIM_TICKS_PER_FRAME == 0,
	      "codec access ends at %llu, not at a frame's end",
	      (unsigned long long)dev->codec_access_done_tick);
	CHECK(dev->rr_next < AC97_ENGINE_COUNT, "round-robin engine %u", dev->rr_next);
	return true;
}

/* The line is a level: the OR of every status bit with its enable. */
static bool irq_line_holds(const struct ac97 *dev, char *why, size_t why_len)
{
	bool level = false;
	if (ac97_has(dev, AC97_Q_IRQ_ON_SR_CHANGE)) {
		/* A latch, moved only by SR changes: it is what it is, but
		 * every change has been seen. */
		level = dev->irq_latched;
		for (int i = 0; i < AC97_ENGINE_COUNT; i++)
			CHECK(dev->engine[i].sr_int_seen ==
				      (dev->engine[i].sr_sticky &
				       (AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE)),
			      "%s: an SR change the interrupt latch has not seen",
			      ac97_engine_name((enum ac97_engine_id)i));
	} else {
		for (int i = 0; i < AC97_ENGINE_COUNT; i++)
			level |= bm_engine_irq_status(&dev->engine[i]) != 0;
	}
	uint32_t sticky = dev->glob_sta_sticky;
	level |= (sticky & AC97_GS_GSCI) && (dev->glob_cnt & AC97_GC_GIE);
	level |= (sticky & AC97_GS_S0RI) && (dev->glob_cnt & AC97_GC_PRIE);
	level |= (sticky & AC97_GS_S1RI) && (dev->glob_cnt & AC97_GC_SRIE);
	CHECK(dev->irq_level == level, "interrupt line %d, OR of status & enables %d",
	      dev->irq_level, level);
	return true;
}

bool ac97_invariants_hold(const struct ac97 *dev, char *why, size_t why_len)
{
	if (!globals_hold(dev, why, why_len) || !irq_line_holds(dev, why, why_len))
		return false;
	for (int i = 0; i < AC97_ENGINE_COUNT; i++)
		if (!engine_holds(dev, i, why, why_len))
			return false;
	sim_ticks_t next = ac97_next_event_tick(dev);
	CHECK(next >= dev->now_ticks, "next event %llu before now %llu", (unsigned long long)next,
	      (unsigned long long)dev->now_ticks);
	return true;
}
