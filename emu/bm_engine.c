/*
 * bm_engine.c - one ICH bus-master engine (ICH PRM "Bus Master Registers",
 * 82801AA datasheet section 11.2), event-driven.
 *
 * The model, where the datasheet is silent, is this (tests pin each rule):
 *
 * - Link side. In every AC-link frame the codec asks for (see cadence.h),
 *   PCM out takes one frame (`channels` samples) from the FIFO, at the tick
 *   the frame starts; PCM in and mic put one frame into it. Requests happen
 *   only while the link runs and the converter is powered: rate 0 otherwise.
 * - FIFO: fifo_samples deep (default 16 samples = 32 bytes). The DMA side
 *   is one transfer at a time: a transfer is requested when the FIFO has
 *   room (output) or data (input) and none is in flight; it completes
 *   dma_latency_ticks later (or that long after a bus stall ends) and then
 *   fills the FIFO completely (output) or empties it (input), crossing into
 *   the next buffers as needed. With latency below one frame the FIFO is
 *   full again before the next request, so PICB leads the link by the FIFO
 *   depth: right after RPBM, PICB = length - fifo_samples. A latency of a
 *   frame or more lets the FIFO drain between transfers; past the FIFO's
 *   duration it runs dry (FIFOE). That regime is simulated request by
 *   request (no bulk runs), as are bus stalls.
 * - A buffer completes in the transfer that moves its last sample: PICB
 *   reaches 0 and, in the same step, BCIS (if IOC), then CIV <- PIV,
 *   PIV + 1, PICB reloaded; or, at LVI, LVBCI with CELV and DCH. For output
 *   that is when the last sample is fetched, not played.
 * - Descriptors: the one at CIV is read when it becomes current unless it
 *   was prefetched; the one at PIV is prefetched when the buffer at CIV
 *   starts (if CIV != LVI) or when an LVI write makes it valid. A prefetched
 *   descriptor is not read again while the engine runs: rewriting it in
 *   memory has no effect. Halting at LVI drops it, so the LVI write that
 *   resumes fetches the next descriptor afresh (the PRM: writing LVI
 *   "fetches the next descriptor"); a driver can thus stop the engine short
 *   of a prefetched entry by moving LVI back to CIV.
 * - Zero-length descriptors carry nothing and complete in the next transfer;
 *   with IOC they raise BCIS like any other completion (we follow the PRM's
 *   "processed" wording here; QEMU does not raise it).
 * - Output with nothing in the FIFO sends, per frame: the last valid frame
 *   again during an underrun (DMA running and data already flowed: FIFOE;
 *   ICH7 datasheet, SR FIFOE: "the sample transmitted ... should be the
 *   last valid sample"; PRM 3.2.5.1: repeat the last sample until new data
 *   comes), else the BUP policy of the current descriptor (BUP=1 zeros,
 *   BUP=0 the last frame).
 *   Pausing (RPBM 1->0) stops DMA at once, keeps CIV, PIV, PICB and the
 *   FIFO; the link keeps draining the FIFO.
 * - Input: a full FIFO while running drops the frame and sets FIFOE.
 * - RR resets every bus-master register of the engine, BDBAR included,
 *   except the interrupt enables (82801AA datasheet, CR bit 1), and empties
 *   the FIFO. The enables are ordinary read/write bits of the same byte, so
 *   they take the value written with RR: CR = 0x02 alone clears them
 *   (QEMU and VirtualBox keep the old ones). RR while running is undefined
 *   by Intel: we do the reset and log a guest error.
 * - The FIFO is emptied only by RR. Capture samples already in it when the
 *   engine halts (at LVI, or paused) stay there and are written first when
 *   DMA resumes; samples arriving while halted are dropped.
 *
 * Cost: steady-state runs of requests and transfers inside one buffer are
 * done in one step (try_bulk), so work grows with buffers and register
 * accesses, not frames. bulk_disabled forces the one-request path; tests
 * check that both give the same audio, registers and events.
 *
 * Not modelled: bus bandwidth shared between engines (each transfer sees
 * only the latency), 4/6-channel output (ICH2+), 20-bit samples, S/PDIF.
 */
#include "bm_engine.h"

#include <assert.h>
#include <string.h>

#include "ac97.h"
#include "ac97_internal.h"

#define BULK_MIN_REQUESTS 2

_Static_assert(BM_FIFO_SAMPLES_MAX == AC97_FIFO_SAMPLES_MAX, "one FIFO limit");

static bool has(const struct bm_engine *e, enum ac97_quirk q)
{
	return (e->quirks & AC97_QUIRK(q)) != 0;
}

void bm_engine_init(struct bm_engine *e, int id, uint32_t fifo_samples, uint64_t quirks)
{
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->quirks = quirks;
	e->output = id == AC97_PO;
	e->channels = id == AC97_MC && !has(e, AC97_Q_MIC_STEREO) ? 1 : 2;
	/* A profile whose SR is stored from zero shows no DCH until the
	 * first stop or RR stores it. */
	e->dch_hidden = has(e, AC97_Q_POWER_ON_SR_ZERO);
	assert(fifo_samples >= e->channels && fifo_samples <= BM_FIFO_SAMPLES_MAX);
	e->fifo_capacity = fifo_samples;
	e->fault_page_last = UINT64_MAX;
	e->cad = cadence_start(0, 0);
	e->next_event_tick = SIM_TICKS_NEVER;
	e->quiet_until = SIM_TICKS_NEVER;
	e->wake_tick = SIM_TICKS_NEVER;
}

uint16_t bm_engine_sr(const struct bm_engine *e)
{
	uint16_t sr = e->sr_sticky | e->sr_reserved;
	if (!e->dma_active && !e->dch_hidden)
		sr |= AC97_SR_DCH;
	if (e->at_end && e->civ == e->lvi && !e->end_quiet)
		sr |= AC97_SR_CELV;
	return sr;
}

uint16_t bm_engine_picb(const struct bm_engine *e)
{
	if (!e->loaded)
		return 0;
	assert(e->cur_done_samples <= e->cur.len_samples);
	uint32_t left = e->cur.len_samples - e->cur_done_samples;
	/* AC97_Q_PICB_BYTES: lengths were bytes / 2 samples, so this fits. */
	return (uint16_t)(has(e, AC97_Q_PICB_BYTES) ? 2 * left : left);
}

bool bm_engine_transfer_blocked(const struct bm_engine *e)
{
	return has(e, AC97_Q_DMA_WAITS_FOR_BCIS) && (e->sr_sticky & AC97_SR_BCIS);
}


/* ---- FIFO ring ---------------------------------------------------------- */


/* Appends n samples (little-endian bytes) at the tail, in at most two
 * copies: the wrap is a comparison, never a modulo. */
static void fifo_push_le(struct bm_engine *e, const uint8_t *src, uint32_t n)
{
	assert(n <= e->fifo_capacity - e->fifo_level);
	uint32_t at = e->fifo_head + e->fifo_level;
	if (at >= e->fifo_capacity)
		at -= e->fifo_capacity;
	uint32_t first = e->fifo_capacity - at < n ? e->fifo_capacity - at : n;
	memcpy(e->fifo_le + 2 * at, src, 2ull * first);
	if (n > first)
		memcpy(e->fifo_le, src + 2 * first, 2ull * (n - first));
	e->fifo_level += n;
}

static void fifo_pop_le(struct bm_engine *e, uint8_t *dst, uint32_t n)
{
	assert(n <= e->fifo_level);
	uint32_t first = e->fifo_capacity - e->fifo_head < n ? e->fifo_capacity - e->fifo_head : n;
	memcpy(dst, e->fifo_le + 2 * e->fifo_head, 2ull * first);
	if (n > first)
		memcpy(dst + 2 * first, e->fifo_le, 2ull * (n - first));
	e->fifo_head += n;
	if (e->fifo_head >= e->fifo_capacity)
		e->fifo_head -= e->fifo_capacity;
	e->fifo_level -= n;
}

static void fifo_clear(struct bm_engine *e)
{
	e->fifo_head = 0;
	e->fifo_level = 0;
}

/* ---- DMA through the host's callbacks, and its faults --------------------- */

/* How to date a sample within a transfer: either all at one tick (one
 * transfer) or, in a bulk run, sample s rides the transfer that follows
 * request first_request + s / channels. Samples are counted from
 * base_addr, the guest address of the transfer's (or run's) first one. */
struct xfer_timing {
	bool per_request;
	sim_ticks_t tick;
	uint64_t first_request;
	uint64_t base_addr;
};

static sim_ticks_t xfer_tick(const struct ac97 *dev, const struct bm_engine *e,
			     const struct xfer_timing *xt, uint64_t sample_offset)
{
	if (!xt->per_request)
		return xt->tick;
	sim_ticks_t req = cadence_tick_of(&e->cad, xt->first_request + sample_offset / e->channels);
	return ac97_dma_done_tick(dev, req);
}

/* Tells observers which guest memory a data transfer (or a bulk run of
 * them, dated by its first) moves: checkers compare it with the state of
 * the mappings it belongs to. */
static void note_dma(struct ac97 *dev, struct bm_engine *e, sim_ticks_t tick, uint64_t addr,
		     uint64_t len_bytes, bool write)
{
	if (dev->observer.on_event == NULL || len_bytes == 0)
		return;
	struct ac97_event ev = {
		.tick = tick, .kind = AC97_EV_DMA, .engine = e->id, .code = write,
		.a = addr, .b = len_bytes, .what = write ? "DMA write" : "DMA read",
	};
	dev->observer.on_event(dev->observer.ctx, &ev);
}

/* Records the fault at addr unless its page already faulted in this
 * buffer load: one fault per page, so the count does not depend on how the
 * device chunks its work. */
static void note_fault(struct ac97 *dev, struct bm_engine *e, uint64_t addr,
		       const struct xfer_timing *xt, bool write)
{
	uint64_t page = addr / AC97EMU_DMA_PAGE_BYTES;
	if (page == e->fault_page_last)
		return;
	e->fault_page_last = page;
	assert(addr >= xt->base_addr);
	ac97_record_fault(dev, xfer_tick(dev, e, xt, (addr - xt->base_addr) / 2), e->id, e->civ,
			  addr, write);
}

/* A callback's answer for [at, end) as a fault address: AC97EMU_DMA_OK, or
 * an address inside the range. The host is trusted, but an answer outside
 * the range would have us index outside our buffer: it is taken as a
 * refusal of the whole range. */
static uint64_t dma_fault_in(uint64_t answer, uint64_t at, uint64_t end)
{
	if (answer == AC97EMU_DMA_OK)
		return AC97EMU_DMA_OK;
	return answer >= at && answer < end ? answer : at;
}

/* Where the page holding addr ends, capped at end. The device's addresses
 * stay below 2^33 (32-bit bases plus a buffer), so nothing wraps. */
static uint64_t page_end_before(uint64_t addr, uint64_t end)
{
	uint64_t page_end = (addr / AC97EMU_DMA_PAGE_BYTES + 1) * AC97EMU_DMA_PAGE_BYTES;
	return page_end < end ? page_end : end;
}

/* dma_read after the host refused the byte at fault (inside the range):
 * that byte and the rest of its page read as zero, and the read goes on
 * page by page (so a range of n pages makes at most n + 1 calls), so that
 * every faulting page is found. */
static uint64_t dma_read_after_fault(struct ac97 *dev, struct bm_engine *e, uint64_t addr,
				     uint8_t *dst, uint64_t len_bytes,
				     const struct xfer_timing *xt, uint64_t fault)
{
	uint64_t end = addr + len_bytes;
	uint64_t first_fault = fault;
	while (fault != AC97EMU_DMA_OK) {
		uint64_t at = page_end_before(fault, end);
		memset(dst + (fault - addr), 0, (size_t)(at - fault));
		if (xt != NULL)
			note_fault(dev, e, fault, xt, false);
		fault = AC97EMU_DMA_OK;
		while (at < end && fault == AC97EMU_DMA_OK) {
			uint64_t page_end = page_end_before(at, end);
			fault = dma_fault_in(dev->dma.read(dev->dma_ctx, at, dst + (at - addr),
							   (size_t)(page_end - at)),
					     at, page_end);
			at = page_end;
		}
	}
	return first_fault;
}

/*
 * Reads guest memory [addr, addr + len_bytes) into dst through the host's
 * callback: one call when nothing faults (inline, as this runs for every
 * FIFO fill). A refused byte and the rest of its page read as zero. With
 * xt, each fault is recorded (note_fault); without, the caller has
 * recorded them already. Returns the first fault or AC97EMU_DMA_OK.
 */
static inline uint64_t dma_read(struct ac97 *dev, struct bm_engine *e, uint64_t addr,
				uint8_t *dst, uint64_t len_bytes, const struct xfer_timing *xt)
{
	if (len_bytes == 0)
		return AC97EMU_DMA_OK;	/* nothing to ask the host */
	uint64_t answer = dev->dma.read(dev->dma_ctx, addr, dst, (size_t)len_bytes);
	if (answer == AC97EMU_DMA_OK)
		return AC97EMU_DMA_OK;
	return dma_read_after_fault(dev, e, addr, dst, len_bytes, xt,
				    dma_fault_in(answer, addr, addr + len_bytes));
}

/* Writes src to guest memory [addr, addr + len_bytes) through the host's
 * callback, recording each faulting page; refused bytes, and the rest of
 * their page, go nowhere. As dma_read: one call when nothing faults, then
 * page by page after a fault. */
static void dma_write(struct ac97 *dev, struct bm_engine *e, uint64_t addr, const uint8_t *src,
		      uint64_t len_bytes, const struct xfer_timing *xt)
{
	if (len_bytes == 0)
		return;
	uint64_t end = addr + len_bytes;
	uint64_t fault = dma_fault_in(dev->dma.write(dev->dma_ctx, addr, src, (size_t)len_bytes),
				      addr, end);
	while (fault != AC97EMU_DMA_OK) {
		note_fault(dev, e, fault, xt, true);
		uint64_t at = page_end_before(fault, end);
		fault = AC97EMU_DMA_OK;
		while (at < end && fault == AC97EMU_DMA_OK) {
			uint64_t page_end = page_end_before(at, end);
			fault = dma_fault_in(dev->dma.write(dev->dma_ctx, at, src + (at - addr),
							    (size_t)(page_end - at)),
					     at, page_end);
			at = page_end;
		}
	}
}

/* A pointer to [addr, addr + len_bytes) when the host can lend one (all of
 * it readable), else NULL. */
static const uint8_t *dma_map(const struct ac97 *dev, uint64_t addr, uint64_t len_bytes)
{
	if (dev->dma.map == NULL)
		return NULL;
	return dev->dma.map(dev->dma_ctx, addr, (size_t)len_bytes);
}

/* Records the faults of [addr, addr + len_bytes) without keeping the data:
 * for a run whose audio goes out in pieces, so that its faults are all
 * reported before any of it (as when the data comes in one piece). */
static void dma_probe_faults(struct ac97 *dev, struct bm_engine *e, uint64_t addr,
			     uint64_t len_bytes, const struct xfer_timing *xt)
{
	for (uint64_t done = 0; done < len_bytes; done += sizeof(dev->scratch)) {
		uint64_t n = len_bytes - done < sizeof(dev->scratch) ? len_bytes - done
								     : sizeof(dev->scratch);
		dma_read(dev, e, addr + done, dev->scratch, n, xt);
	}
}

/* ---- descriptors ---------------------------------------------------------- */

struct bm_desc bm_engine_decode_desc(const struct bm_engine *e, uint32_t dw0, uint32_t dw1)
{
	struct bm_desc d = {
		.addr = dw0 & (has(e, AC97_Q_ADDR_MASK_DWORD) ? ~3u : ~1u),
		.len_samples = dw1 & AC97_BD_LEN_MASK,
		.ioc = (dw1 & AC97_BD_IOC) != 0,
		.bup = (dw1 & AC97_BD_BUP) != 0,
	};
	/* A length in bytes: whole samples, an odd last byte left out. */
	if (has(e, AC97_Q_PICB_BYTES))
		d.len_samples /= 2;
	return d;
}

static struct bm_desc fetch_desc(struct ac97 *dev, struct bm_engine *e, uint8_t index,
				 sim_ticks_t tick)
{
	/* BDBAR holds what its write kept: bits 2:0 clear, or 1:0 under
	 * AC97_Q_ADDR_MASK_DWORD. */
	uint64_t addr = (uint64_t)e->bdbar + (uint64_t)index * AC97_BD_BYTES;
	uint8_t raw[AC97_BD_BYTES];
	/* Eight bytes at a multiple of eight: inside one page, so at most one
	 * fault, recorded for this descriptor whatever page faulted before. */
	uint64_t f = dma_read(dev, e, addr, raw, sizeof(raw), NULL);
	if (f != AC97EMU_DMA_OK)
		ac97_record_fault(dev, tick, e->id, index, f, false);
	uint32_t dw0 = ac97_le32(raw);
	uint32_t dw1 = ac97_le32(raw + 4);
	struct bm_desc d = bm_engine_decode_desc(e, dw0, dw1);
	if (dw0 & 1u)
		ac97_guest_error(dev, tick, e->id, AC97_GE_ADDR_BIT0, index,
				 "descriptor address bit 0 set (ignored)");
	if (dw1 & AC97_BD_RESERVED)
		ac97_guest_error(dev, tick, e->id, AC97_GE_BD_RESERVED_BITS, index,
				 "descriptor reserved bits set (ignored)");
	if (e->channels == 2 && (d.len_samples & 1u))
		ac97_guest_error(dev, tick, e->id, AC97_GE_ODD_LENGTH, index,
				 "odd sample count in a stereo descriptor");
	return d;
}

static void maybe_prefetch(struct ac97 *dev, struct bm_engine *e, sim_ticks_t tick)
{
	if (has(e, AC97_Q_NO_PREFETCH))
		return;	/* read when it becomes current (start_buffer) */
	if (e->dma_active && !e->next_cached && e->civ != e->lvi) {
		e->next = fetch_desc(dev, e, e->piv, tick);
		e->next_cached = true;
		e->desc_changes++;
	}
}

/* The descriptor at CIV becomes the current buffer. */
static void start_buffer(struct ac97 *dev, struct bm_engine *e, sim_ticks_t tick)
{
	e->cur = e->next_cached ? e->next : fetch_desc(dev, e, e->civ, tick);
	e->next_cached = false;
	e->cur_done_samples = 0;
	e->loaded = true;
	e->desc_changes++;
	e->fault_page_last = UINT64_MAX;
	maybe_prefetch(dev, e, tick);
}

static void stop_dma(struct bm_engine *e)
{
	e->dma_active = false;
	e->fill_pending = false;
	e->dch_hidden = false;	/* every stop stores DCH */
	e->desc_changes++;
}

static void request_transfer(struct ac97 *dev, struct bm_engine *e, sim_ticks_t tick)
{
	if (!e->dma_active || e->fill_pending || bm_engine_transfer_blocked(e))
		return;
	bool wanted = e->output ? e->fifo_level < e->fifo_capacity : e->fifo_level > 0;
	if (!wanted)
		return;
	e->fill_pending = true;
	e->fill_tick = ac97_dma_done_tick(dev, tick);
}

/* The buffer at CIV has moved its last sample: the one atomic step of the
 * PRM (BCIS; CIV <- PIV, PIV + 1, reload; or LVBCI/CELV/DCH at LVI). */
static void complete_buffer(struct ac97 *dev, struct bm_engine *e, sim_ticks_t tick)
{
	assert(e->loaded && e->cur_done_samples == e->cur.len_samples);
	bool empty = e->cur.len_samples == 0;
	if (e->cur.ioc && !(empty && has(e, AC97_Q_ZERO_LENGTH_NO_BCIS)))
		e->sr_sticky |= AC97_SR_BCIS;
	ac97_emit(dev, tick, AC97_EV_BUFFER_DONE, e->id, e->civ, e->cur.len_samples,
		  "buffer complete");
	e->desc_changes++;
	if (e->civ == e->lvi) {
		/* An empty last buffer halts with DCH alone on some profiles. */
		e->end_quiet = empty && has(e, AC97_Q_ZERO_LENGTH_LVI_DCH_ONLY);
		if (!e->end_quiet)
			e->sr_sticky |= AC97_SR_LVBCI;
		e->at_end = true;
		/* Halting restarts the prefetch: a later LVI write fetches the
		 * next descriptor afresh, whatever was cached before LVI was
		 * moved back to CIV. */
		e->next_cached = false;
		stop_dma(e);
		ac97_emit(dev, tick, AC97_EV_HALTED, e->id, e->civ, 0, "halted at LVI");
		return;
	}
	e->civ = e->piv;
	e->piv = (uint8_t)((e->piv + 1) % AC97_BDL_ENTRIES);
	start_buffer(dev, e, tick);
}

/* ---- one transfer -------------------------------------------------------- */

static void read_samples_into_fifo(struct ac97 *dev, struct bm_engine *e, uint32_t n,
				   sim_ticks_t tick)
{
	uint8_t raw[2 * BM_FIFO_SAMPLES_MAX];
	uint64_t addr = (uint64_t)e->cur.addr + 2ull * e->cur_done_samples;
	struct xfer_timing xt = { .per_request = false, .tick = tick, .base_addr = addr };
	note_dma(dev, e, tick, addr, 2ull * n, false);
	dma_read(dev, e, addr, raw, 2ull * n, &xt);
	fifo_push_le(e, raw, n);
	e->cur_done_samples += n;
}

static void write_samples_from_fifo(struct ac97 *dev, struct bm_engine *e, uint32_t n,
				    sim_ticks_t tick)
{
	uint8_t raw[2 * BM_FIFO_SAMPLES_MAX];
	uint64_t addr = (uint64_t)e->cur.addr + 2ull * e->cur_done_samples;
	fifo_pop_le(e, raw, n);
	struct xfer_timing xt = { .per_request = false, .tick = tick, .base_addr = addr };
	note_dma(dev, e, tick, addr, 2ull * n, true);
	dma_write(dev, e, addr, raw, 2ull * n, &xt);
	e->cur_done_samples += n;
}

/* A transfer completes: fill the FIFO (output) or empty it (input), moving
 * through as many buffers as that takes. Bounded: each pass either moves
 * samples or completes a buffer, and CIV reaches LVI within 32 completions. */
static void do_transfer(struct ac97 *dev, struct bm_engine *e)
{
	sim_ticks_t tick = e->fill_tick;
	e->fill_pending = false;
	if (!e->dma_active || bm_engine_transfer_blocked(e))
		return;
	uint32_t completions = 0;
	for (;;) {
		if (e->cur_done_samples == e->cur.len_samples) {
			assert(completions <= AC97_BDL_ENTRIES + e->fifo_capacity);
			completions++;
			complete_buffer(dev, e, tick);
			if (!e->dma_active || bm_engine_transfer_blocked(e))
				break;
			continue;
		}
		uint32_t left = e->cur.len_samples - e->cur_done_samples;
		uint32_t avail = e->output ? e->fifo_capacity - e->fifo_level : e->fifo_level;
		if (avail == 0)
			break;
		uint32_t n = avail < left ? avail : left;
		if (e->output)
			read_samples_into_fifo(dev, e, n, tick);
		else
			write_samples_from_fifo(dev, e, n, tick);
	}
	if (e->output && e->fifo_level > 0)
		e->primed = true;
}

/* ---- link side, one request ---------------------------------------------- */

/* AC97_Q_OUTPUT_MUTE_4C while muted: the same frames, with zeros in the
 * PCM slots (the engine fetched them all the same). */
static void emit_muted(struct ac97 *dev, struct ac97_span *span)
{
	static const uint8_t zeros[AC97_SCRATCH_BYTES];
	span->fill[0] = span->fill[1] = 0;
	if (span->kind != AC97_SPAN_DATA) {
		dev->sink.on_span(dev->sink.ctx, span);
		return;
	}
	uint64_t frame_bytes = 2ull * span->channels;
	uint64_t chunk_frames = sizeof(zeros) / frame_bytes;
	uint64_t first = span->first_request, n_frames = span->n_frames;
	for (uint64_t done = 0; done < n_frames; done += chunk_frames) {
		span->first_request = first + done;
		span->n_frames = n_frames - done < chunk_frames ? n_frames - done : chunk_frames;
		span->pcm_le = zeros;
		dev->sink.on_span(dev->sink.ctx, span);
	}
}

static void emit_span(struct ac97 *dev, struct bm_engine *e, enum ac97_span_kind kind,
		      uint64_t first_request, uint64_t n_frames, const uint8_t *pcm_le,
		      const int16_t fill[2])
{
	if (dev->sink.on_span == NULL || n_frames == 0)
		return;
	struct ac97_span span = {
		.engine = (enum ac97_engine_id)e->id,
		.kind = kind,
		.channels = e->channels,
		.n_frames = n_frames,
		.cadence = e->cad,
		.first_request = first_request,
		.pcm_le = pcm_le,
	};
	if (fill != NULL) {
		span.fill[0] = fill[0];
		span.fill[1] = fill[1];
	}
	if (e->output && has(e, AC97_Q_OUTPUT_MUTE_4C) && !(dev->nabm_4c & 1u)) {
		emit_muted(dev, &span);
		return;
	}
	dev->sink.on_span(dev->sink.ctx, &span);
}

/* What the link carries with DMA halted: the current descriptor's BUP
 * (0: the last frame again, 1: zeros), as the profile reads it. */
static void fill_value(const struct bm_engine *e, int16_t out[2])
{
	bool bup = e->loaded && e->cur.bup;
	bool zeros = bup;
	if (has(e, AC97_Q_BUP_INVERTED))
		zeros = !bup;
	if (has(e, AC97_Q_BUP_IGNORED))
		zeros = true;
	if (zeros) {
		out[0] = 0;
		out[1] = 0;
	} else {
		out[0] = e->last_frame[0];
		out[1] = e->last_frame[1];
	}
}

/* What an underrun sends: the last valid frame, again (see the header). */
static void underrun_value(const struct bm_engine *e, int16_t out[2])
{
	out[0] = e->last_frame[0];
	out[1] = e->last_frame[1];
}

static void set_fifo_error(struct ac97 *dev, struct bm_engine *e, sim_ticks_t tick)
{
	if (has(e, AC97_Q_NO_FIFOE))
		return;	/* the frame is lost all the same; nothing tells */
	bool was = (e->sr_sticky & AC97_SR_FIFOE) != 0;
	e->sr_sticky |= AC97_SR_FIFOE;
	if (!was)
		ac97_emit(dev, tick, AC97_EV_FIFO_ERROR, e->id, e->civ, 0,
			  e->output ? "FIFO underrun" : "FIFO overrun");
}

static void serve_output_request(struct ac97 *dev, struct bm_engine *e)
{
	uint64_t k = e->next_request++;
	sim_ticks_t tick = cadence_tick_of(&e->cad, k);
	if (e->fifo_level >= e->channels) {
		uint8_t raw[4];
		fifo_pop_le(e, raw, e->channels);
		for (uint32_t c = 0; c < e->channels; c++)
			e->last_frame[c] = (int16_t)ac97_le16(raw + 2 * c);
		emit_span(dev, e, AC97_SPAN_DATA, k, 1, raw, NULL);
		request_transfer(dev, e, tick);
		return;
	}
	int16_t fill[2] = { 0, 0 };
	if (e->dma_active && e->primed) {
		set_fifo_error(dev, e, tick);
		underrun_value(e, fill);
		emit_span(dev, e, AC97_SPAN_UNDERRUN, k, 1, NULL, fill);
		return;
	}
	fill_value(e, fill);
	emit_span(dev, e, AC97_SPAN_FILL, k, 1, NULL, fill);
}

static void read_source(struct ac97 *dev, struct bm_engine *e, uint64_t first_request,
			int16_t *dst, uint64_t n_frames)
{
	static const enum codec_converter conv[AC97_ENGINE_COUNT] = {
		[AC97_PI] = CODEC_CONV_ADC_LR, [AC97_PO] = CODEC_CONV_DAC_FRONT,
		[AC97_MC] = CODEC_CONV_ADC_MIC,
	};
	/* The codec's mic ADC is mono: a mic engine that moves two samples a
	 * frame (AC97_Q_MIC_STEREO) gets the mono sample in both. */
	uint32_t adc_channels = conv[e->id] == CODEC_CONV_ADC_MIC ? 1 : e->channels;
	uint64_t n_samples = n_frames * adc_channels;
	if (dev->source.read != NULL)
		dev->source.read(dev->source.ctx, (enum ac97_engine_id)e->id,
				 e->source_frames_base + first_request, dst, n_frames, adc_channels);
	else
		memset(dst, 0, n_samples * sizeof(*dst));
	codec_adc_input(&dev->codec, conv[e->id], dst, dst, n_frames);
	if (adc_channels < e->channels)
		for (uint64_t i = n_frames; i-- > 0;)
			dst[2 * i] = dst[2 * i + 1] = dst[i];
}

static void serve_input_request(struct ac97 *dev, struct bm_engine *e)
{
	uint64_t k = e->next_request++;
	if (!e->dma_active)
		return;		/* dropped: capture starts fresh at RPBM */
	sim_ticks_t tick = cadence_tick_of(&e->cad, k);
	int16_t frame[2];
	read_source(dev, e, k, frame, 1);
	if (e->fifo_capacity - e->fifo_level >= e->channels) {
		uint8_t raw[4];
		for (uint32_t c = 0; c < e->channels; c++)
			ac97_put_le16(raw + 2 * c, frame[c]);
		fifo_push_le(e, raw, e->channels);
	} else {
		set_fifo_error(dev, e, tick);
	}
	request_transfer(dev, e, tick);
}

/* ---- bulk runs ------------------------------------------------------------ */

/* Requests k >= next_request whose transfer (request + latency) is done by t. */
static uint64_t requests_with_transfer_by(const struct ac97 *dev, const struct bm_engine *e,
					  sim_ticks_t t)
{
	sim_ticks_t lat = dev->cfg.dma_latency_ticks;
	if (t < lat)
		return 0;
	uint64_t by = cadence_requests_by(&e->cad, t - lat);
	return by > e->next_request ? by - e->next_request : 0;
}

static uint64_t requests_by(const struct bm_engine *e, sim_ticks_t t)
{
	uint64_t by = cadence_requests_by(&e->cad, t);
	return by > e->next_request ? by - e->next_request : 0;
}

/* Hands guest memory [addr, addr + n_frames frames) to the sink through
 * scratch, with refused parts as zeros; its faults are already recorded. */
static void emit_memory_span(struct ac97 *dev, struct bm_engine *e, uint64_t first_request,
			     uint64_t addr, uint64_t n_frames)
{
	uint64_t frame_bytes = 2ull * e->channels;
	uint64_t chunk_frames = sizeof(dev->scratch) / frame_bytes;
	for (uint64_t done = 0; done < n_frames; done += chunk_frames) {
		uint64_t n = n_frames - done < chunk_frames ? n_frames - done : chunk_frames;
		dma_read(dev, e, addr + done * frame_bytes, dev->scratch, n * frame_bytes, NULL);
		emit_span(dev, e, AC97_SPAN_DATA, first_request + done, n, dev->scratch, NULL);
	}
}

/* m steady requests of output: each takes a frame from the full FIFO and the
 * transfer after it fetches the next frame of the same buffer. */
static void bulk_output_steady(struct ac97 *dev, struct bm_engine *e, uint64_t m)
{
	uint64_t k = e->next_request;
	uint64_t total = m * e->channels;
	uint64_t from_fifo = total < e->fifo_level ? total : e->fifo_level;
	uint64_t from_mem = total - from_fifo;
	uint64_t base = (uint64_t)e->cur.addr + 2ull * e->cur_done_samples;
	struct xfer_timing xt = { .per_request = true, .first_request = k, .base_addr = base };
	note_dma(dev, e, xfer_tick(dev, e, &xt, 0), base, 2 * total, false);

	/* All of the run's memory in one piece when it can be (the usual
	 * case): lent by the host, else read into scratch when it fits. The
	 * sink, the FIFO tail and the last frame all come from it. Its faults
	 * are recorded here, before any of its audio goes out. */
	const uint8_t *direct = dma_map(dev, base, 2 * total);
	if (direct == NULL && 2 * total <= sizeof(dev->scratch)) {
		dma_read(dev, e, base, dev->scratch, 2 * total, &xt);
		direct = dev->scratch;
	} else if (direct == NULL) {
		dma_probe_faults(dev, e, base, 2 * total, &xt);
	}

	uint8_t raw[2 * BM_FIFO_SAMPLES_MAX];
	fifo_pop_le(e, raw, (uint32_t)from_fifo);
	emit_span(dev, e, AC97_SPAN_DATA, k, from_fifo / e->channels, raw, NULL);

	if (from_mem > 0) {
		uint64_t first = k + from_fifo / e->channels;
		if (direct != NULL)
			emit_span(dev, e, AC97_SPAN_DATA, first, from_mem / e->channels, direct, NULL);
		else
			emit_memory_span(dev, e, first, base, from_mem / e->channels);
	}

	/* The FIFO ends holding the last from_fifo samples fetched. */
	uint8_t tail[2 * BM_FIFO_SAMPLES_MAX];
	const uint8_t *tail_src = tail;
	if (direct != NULL)
		tail_src = direct + 2 * from_mem;
	else
		dma_read(dev, e, base + 2 * from_mem, tail, 2 * from_fifo, NULL);
	fifo_push_le(e, tail_src, (uint32_t)from_fifo);

	/* The last frame sent, for BUP = 0. */
	uint8_t lf[4];
	const uint8_t *lf_src = lf;
	if (from_mem < e->channels)
		lf_src = raw + 2 * (from_fifo - e->channels);
	else if (direct != NULL)
		lf_src = direct + 2 * (from_mem - e->channels);
	else
		dma_read(dev, e, base + 2 * (from_mem - e->channels), lf, 2ull * e->channels, NULL);
	for (uint32_t c = 0; c < e->channels; c++)
		e->last_frame[c] = (int16_t)ac97_le16(lf_src + 2 * c);

	e->cur_done_samples += (uint32_t)total;
	e->next_request += m;
	e->primed = true;
}

/* m steady requests of input: each frame goes to the FIFO and the transfer
 * after it writes that frame to the same buffer. */
static void bulk_input_steady(struct ac97 *dev, struct bm_engine *e, uint64_t m)
{
	uint64_t k = e->next_request;
	uint64_t base = (uint64_t)e->cur.addr + 2ull * e->cur_done_samples;
	struct xfer_timing xt = { .per_request = true, .first_request = k, .base_addr = base };
	note_dma(dev, e, xfer_tick(dev, e, &xt, 0), base, 2 * m * e->channels, true);
	int16_t samples[AC97_SCRATCH_BYTES / 2];
	uint64_t chunk_frames = (sizeof(samples) / sizeof(samples[0])) / e->channels;
	for (uint64_t done = 0; done < m; done += chunk_frames) {
		uint64_t n = m - done < chunk_frames ? m - done : chunk_frames;
		read_source(dev, e, k + done, samples, n);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		memcpy(dev->scratch, samples, 2 * n * e->channels);	/* already little-endian */
#else
		for (uint64_t i = 0; i < n * e->channels; i++)
			ac97_put_le16(dev->scratch + 2 * i, samples[i]);
#endif
		dma_write(dev, e, base + 2 * done * e->channels, dev->scratch,
			  2 * n * e->channels, &xt);
	}
	e->cur_done_samples += (uint32_t)(m * e->channels);
	e->next_request += m;
}

/* The steady pattern (each transfer lands before the next request) needs a
 * latency below the shortest gap between requests, one frame. */
static bool latency_below_a_frame(const struct ac97 *dev)
{
	return dev->cfg.dma_latency_ticks < SIM_TICKS_PER_FRAME;
}

/* Does a run of requests in one step when their outcome follows a pattern;
 * returns false when the next request must be served on its own. */
static bool try_bulk(struct ac97 *dev, struct bm_engine *e, sim_ticks_t t)
{
	if (dev->bulk_disabled)
		return false;
	sim_ticks_t t_req = cadence_tick_of(&e->cad, e->next_request);
	bool stalled = dev->bus_stall_until_tick > t_req;

	if (!e->dma_active) {
		if (e->output && e->fifo_level >= e->channels)
			return false;	/* the FIFO drains frame by frame first */
		uint64_t n = requests_by(e, t);
		if (n < BULK_MIN_REQUESTS)
			return false;
		if (e->output) {
			int16_t fill[2];
			fill_value(e, fill);
			emit_span(dev, e, AC97_SPAN_FILL, e->next_request, n, NULL, fill);
		}
		e->next_request += n;
		return true;
	}

	if (e->output && e->fill_pending && e->fifo_level < e->channels) {
		/* Dry until the transfer in flight lands: underrun, or the gap
		 * right after a start before any data arrived. */
		sim_ticks_t until = e->fill_tick - 1 < t ? e->fill_tick - 1 : t;
		uint64_t n = requests_by(e, until);
		if (n < BULK_MIN_REQUESTS)
			return false;
		int16_t fill[2] = { 0, 0 };
		if (e->primed) {
			set_fifo_error(dev, e, t_req);
			underrun_value(e, fill);
			emit_span(dev, e, AC97_SPAN_UNDERRUN, e->next_request, n, NULL, fill);
		} else {
			fill_value(e, fill);
			emit_span(dev, e, AC97_SPAN_FILL, e->next_request, n, NULL, fill);
		}
		e->next_request += n;
		return true;
	}

	if (!e->output && e->fill_pending && e->fifo_capacity - e->fifo_level < e->channels) {
		/* Full until the transfer in flight lands: every frame before
		 * then is dropped with FIFOE, as serve_input_request drops it.
		 * A long bus stall would otherwise cost a step per frame. */
		sim_ticks_t until = e->fill_tick - 1 < t ? e->fill_tick - 1 : t;
		uint64_t n = requests_by(e, until);
		if (n < BULK_MIN_REQUESTS)
			return false;
		set_fifo_error(dev, e, t_req);
		e->next_request += n;
		return true;
	}

	if (!e->fill_pending && bm_engine_transfer_blocked(e)) {
		/* No transfer until BCIS is cleared: output drains the FIFO a
		 * frame at a time, then underruns as long as it takes; input
		 * fills it, then drops frames. */
		bool dry = e->output ? e->fifo_level < e->channels
				     : e->fifo_capacity - e->fifo_level < e->channels;
		uint64_t n = requests_by(e, t);
		if (!dry || n < BULK_MIN_REQUESTS)
			return false;
		if (e->output) {
			int16_t fill[2] = { 0, 0 };
			if (e->primed) {
				set_fifo_error(dev, e, t_req);
				underrun_value(e, fill);
				emit_span(dev, e, AC97_SPAN_UNDERRUN, e->next_request, n, NULL, fill);
			} else {
				fill_value(e, fill);
				emit_span(dev, e, AC97_SPAN_FILL, e->next_request, n, NULL, fill);
			}
		} else {
			set_fifo_error(dev, e, t_req);
		}
		e->next_request += n;
		return true;
	}

	if (e->fill_pending || stalled || !latency_below_a_frame(dev))
		return false;
	bool steady = e->output ? e->fifo_level == e->fifo_capacity : e->fifo_level == 0;
	uint32_t left = e->cur.len_samples - e->cur_done_samples;
	if (!steady || left <= e->channels)
		return false;
	/* Whole frames up to the buffer's end; an odd tail (a frame that
	 * straddles two buffers) goes through the one-request path. */
	uint64_t m_buffer = left / e->channels;
	uint64_t m = m_buffer;
	uint64_t m_time = requests_with_transfer_by(dev, e, t);
	if (m_time < m)
		m = m_time;
	bool reaches_end = m == m_buffer && left % e->channels == 0;
	if (!reaches_end && m * e->channels >= left)
		m--;	/* never take the buffer's last sample outside do_transfer */
	if (m < BULK_MIN_REQUESTS)
		return false;
	if (e->output)
		bulk_output_steady(dev, e, m);
	else
		bulk_input_steady(dev, e, m);
	if (reaches_end) {
		/* The last transfer of the run moved the buffer's last sample:
		 * completing it is an event, done by do_transfer in its tick. */
		e->fill_pending = true;
		e->fill_tick = ac97_dma_done_tick(dev, cadence_tick_of(&e->cad, e->next_request - 1));
	}
	return true;
}

/* ---- time ------------------------------------------------------------------ */

bool bm_engine_advance(struct ac97 *dev, struct bm_engine *e, sim_ticks_t t)
{
	if (t < e->quiet_until)
		return false;	/* no request and no transfer by t (see below) */
	if (!e->output && !e->dma_active && !dev->bulk_disabled) {
		/* Halted capture drops what arrives: only the count moves. */
		assert(!e->fill_pending);
		e->next_request += requests_by(e, t);
		bm_engine_reschedule(dev, e);
		return true;
	}
	for (;;) {
		sim_ticks_t t_req = e->cad.rate_hz != 0 ? cadence_tick_of(&e->cad, e->next_request)
							 : SIM_TICKS_NEVER;
		sim_ticks_t t_xfer = e->fill_pending ? e->fill_tick : SIM_TICKS_NEVER;
		/* A transfer landing in the tick of a request comes first: the
		 * frame takes the data that just arrived. */
		if (t_xfer <= t && t_xfer <= t_req) {
			do_transfer(dev, e);
			continue;
		}
		if (t_req > t)
			break;
		if (try_bulk(dev, e, t))
			continue;
		if (e->output)
			serve_output_request(dev, e);
		else
			serve_input_request(dev, e);
	}
	bm_engine_reschedule(dev, e);
	return true;
}

/* b is a channel count, 1 or 2: a shift, not a division. */
static uint64_t div_ceil_channels(uint64_t a, uint32_t channels)
{
	assert(channels == 1 || channels == 2);
	return channels == 1 ? a : (a + 1) >> 1;
}

/* While a transfer is in flight the link keeps taking frames from the
 * FIFO (output) or putting them in (input): the request that finds it dry
 * (output, once data has flowed) or full (input) sets FIFOE, which the
 * guest sees and which may raise the interrupt. Once FIFOE is set, more of
 * them change nothing until it is cleared (bm_engine_write_sr
 * reschedules), so a long stall stays one event. */
static sim_ticks_t fifo_error_tick(const struct bm_engine *e)
{
	if (e->cad.rate_hz == 0 || (e->sr_sticky & AC97_SR_FIFOE) || (e->output && !e->primed) ||
	    has(e, AC97_Q_NO_FIFOE))
		return SIM_TICKS_NEVER;
	uint32_t frames_left = e->output ? e->fifo_level / e->channels
					 : (e->fifo_capacity - e->fifo_level) / e->channels;
	return cadence_tick_of(&e->cad, e->next_request + frames_left);
}

sim_ticks_t bm_engine_compute_next_event(const struct ac97 *dev, const struct bm_engine *e)
{
	if (e->fill_pending) {
		sim_ticks_t t_error = fifo_error_tick(e);
		return t_error < e->fill_tick ? t_error : e->fill_tick;
	}
	if (!e->dma_active || e->cad.rate_hz == 0)
		return SIM_TICKS_NEVER;
	if (bm_engine_transfer_blocked(e))
		return fifo_error_tick(e);	/* only the FIFO moves until BCIS clears */
	sim_ticks_t t_req = cadence_tick_of(&e->cad, e->next_request);
	bool steady = e->output ? e->fifo_level == e->fifo_capacity : e->fifo_level == 0;
	if (dev->bus_stall_until_tick > t_req || !steady || !latency_below_a_frame(dev))
		return t_req;	/* early is allowed */
	/* Steady: the j-th transfer from now moves `channels` samples, and the
	 * one that moves the buffer's last sample completes it. */
	uint32_t left = e->cur.len_samples - e->cur_done_samples;
	uint64_t j = left == 0 ? 1 : div_ceil_channels(left, e->channels);
	return ac97_dma_done_tick(dev, cadence_tick_of(&e->cad, e->next_request + j - 1));
}

/* The loop of bm_engine_advance does something at t only when a request
 * (t_req) or a transfer (t_xfer) is due by t, and the halted-capture path
 * only when a request is (requests_by > 0): before the earlier of the two
 * it returns having changed nothing, rescheduling included, since its
 * inputs are the ones the last reschedule saw. */
sim_ticks_t bm_engine_compute_quiet_until(const struct bm_engine *e)
{
	sim_ticks_t t_req = e->cad.rate_hz != 0 ? cadence_tick_of(&e->cad, e->next_request)
						 : SIM_TICKS_NEVER;
	sim_ticks_t t_xfer = e->fill_pending ? e->fill_tick : SIM_TICKS_NEVER;
	return t_req < t_xfer ? t_req : t_xfer;
}

void bm_engine_reschedule(const struct ac97 *dev, struct bm_engine *e)
{
	e->next_event_tick = bm_engine_compute_next_event(dev, e);
	e->quiet_until = bm_engine_compute_quiet_until(e);
	e->wake_tick = e->quiet_until < e->next_event_tick ? e->quiet_until : e->next_event_tick;
}

void bm_engine_retime(struct ac97 *dev, struct bm_engine *e, uint32_t rate_hz)
{
	if (rate_hz == e->cad.rate_hz)
		return;
	/* Requests in frames that started at or before now are served; the
	 * new cadence begins with the next frame. */
	e->source_frames_base += e->next_request;
	e->cad = cadence_start(sim_ticks_to_frames(dev->now_ticks) + 1, rate_hz);
	e->next_request = 0;
	bm_engine_reschedule(dev, e);
}

/* ---- register writes ------------------------------------------------------ */

static void reset_registers(struct bm_engine *e)
{
	uint8_t enables = e->cr & (AC97_CR_IOCE | AC97_CR_FEIE | AC97_CR_LVBIE);
	e->desc_changes++;
	e->bdbar = 0;
	e->civ = e->lvi = e->piv = 0;
	e->cr = enables;
	e->sr_sticky = 0;
	e->sr_reserved = 0;
	e->loaded = false;
	e->at_end = false;
	e->end_quiet = false;
	e->next_cached = false;
	e->cur_done_samples = 0;
	e->primed = false;
	e->last_frame[0] = e->last_frame[1] = 0;
	stop_dma(e);
	fifo_clear(e);
}

/* CIV <- PIV, PIV + 1, the new current descriptor loaded: leaving the halt
 * at LVI for the next descriptor (CELV/DCH clear), or, on the profiles
 * that skip (AC97_Q_RESUME_ADVANCES, AC97_Q_RPBM_REWRITE_ADVANCES,
 * AC97_Q_LVI_REWRITE_RESUMES), leaving the current buffer unfinished or
 * running on past LVI. restarted: DMA was not running (a transfer before
 * any data is then a fill, not an underrun). */
static void advance_to_next(struct ac97 *dev, struct bm_engine *e, bool restarted)
{
	e->desc_changes++;
	e->at_end = false;
	e->end_quiet = false;
	e->dma_active = true;
	e->dch_hidden = false;
	if (restarted)
		e->primed = false;
	e->civ = e->piv;
	e->piv = (uint8_t)((e->piv + 1) % AC97_BDL_ENTRIES);
	start_buffer(dev, e, dev->now_ticks);
	request_transfer(dev, e, dev->now_ticks);
}

static void resume_past_end(struct ac97 *dev, struct bm_engine *e)
{
	assert(e->at_end && (e->civ != e->lvi || has(e, AC97_Q_LVI_REWRITE_RESUMES) ||
			     has(e, AC97_Q_RESUME_ADVANCES) || has(e, AC97_Q_RPBM_REWRITE_ADVANCES)));
	advance_to_next(dev, e, true);
}

static void start_dma(struct ac97 *dev, struct bm_engine *e)
{
	sim_ticks_t now = dev->now_ticks;
	if (has(e, AC97_Q_BDBAR_ZERO_REFUSED) && e->bdbar == 0) {
		/* The stream is not set up: RPBM stays written, nothing runs,
		 * and SR, which the start cleared of DCH, says so. */
		e->dch_hidden = true;
		return;
	}
	if (e->at_end) {
		if (e->civ != e->lvi || has(e, AC97_Q_RESUME_ADVANCES))
			resume_past_end(dev, e);
		return;		/* nothing valid past LVI: stays halted */
	}
	if (e->loaded && has(e, AC97_Q_RESUME_ADVANCES)) {
		advance_to_next(dev, e, true);	/* the rest of the buffer is skipped */
		return;
	}
	e->desc_changes++;
	e->dma_active = true;
	e->dch_hidden = false;
	e->primed = false;
	if (!e->loaded) {
		e->piv = (uint8_t)((e->civ + 1) % AC97_BDL_ENTRIES);
		start_buffer(dev, e, now);
	} else {
		maybe_prefetch(dev, e, now);
	}
	request_transfer(dev, e, now);
}

void bm_engine_write_bdbar(struct ac97 *dev, struct bm_engine *e, uint32_t value,
			   uint32_t byte_mask)
{
	if (e->dma_active)
		ac97_guest_error(dev, dev->now_ticks, e->id, AC97_GE_BDBAR_WHILE_RUNNING, value,
				 "BDBAR written while the engine runs");
	uint32_t low = has(e, AC97_Q_ADDR_MASK_DWORD) ? 3u : 7u;
	e->bdbar = ((e->bdbar & ~byte_mask) | (value & byte_mask)) & ~low;
	e->desc_changes++;
}

void bm_engine_write_lvi(struct ac97 *dev, struct bm_engine *e, uint8_t value)
{
	e->lvi = value & 0x1F;
	e->desc_changes++;
	bool resumes = e->civ != e->lvi || has(e, AC97_Q_LVI_REWRITE_RESUMES);
	if (e->at_end && (e->cr & AC97_CR_RPBM) && resumes)
		resume_past_end(dev, e);
	else
		maybe_prefetch(dev, e, dev->now_ticks);
	bm_engine_reschedule(dev, e);
}

void bm_engine_write_sr(struct ac97 *dev, struct bm_engine *e, uint16_t value)
{
	e->sr_sticky &= (uint16_t)~(value & (AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE));
	if (has(e, AC97_Q_SR_RESERVED_STICKY))
		e->sr_reserved |= value & 0xFFE0u;
	/* BCIS cleared: DMA that waited for it goes on. */
	request_transfer(dev, e, dev->now_ticks);
	bm_engine_reschedule(dev, e);	/* FIFOE cleared: the next FIFO error is an event */
}

void bm_engine_codec_reset(struct ac97 *dev, struct bm_engine *e)
{
	if (has(e, AC97_Q_CODEC_RESET_STOPS_DMA))
		e->voice_off = true;	/* the device retimes the converter */
	if (has(e, AC97_Q_CODEC_RESET_RESETS_ENGINES)) {
		/* Every register but SR back to its reset value, the enables
		 * kept, DMA stopped; SR (DCH included) as it was. */
		uint16_t sticky = e->sr_sticky, reserved = e->sr_reserved;
		bool dch = (bm_engine_sr(e) & AC97_SR_DCH) != 0;
		reset_registers(e);
		e->sr_sticky = sticky;
		e->sr_reserved = reserved;
		e->dch_hidden = !dch;
	}
	bm_engine_reschedule(dev, e);
}

void bm_engine_write_cr(struct ac97 *dev, struct bm_engine *e, uint8_t value)
{
	value &= AC97_CR_RPBM | AC97_CR_RR | AC97_CR_LVBIE | AC97_CR_FEIE | AC97_CR_IOCE;
	if (value & AC97_CR_RR) {
		if (e->dma_active)
			ac97_guest_error(dev, dev->now_ticks, e->id, AC97_GE_RR_WHILE_RUNNING, value,
					 "RR written while DMA runs (reset done anyway)");
		if (value & AC97_CR_RPBM)
			ac97_guest_error(dev, dev->now_ticks, e->id, AC97_GE_RR_WITH_RPBM, value,
					 "RR written together with RPBM (RR wins)");
		reset_registers(e);
		/* The enables are bits of the byte written: they take its value
		 * (AC97_Q_RR_KEEPS_ENABLES: the old ones stay, as reset left them). */
		if (!has(e, AC97_Q_RR_KEEPS_ENABLES))
			e->cr = value & (AC97_CR_IOCE | AC97_CR_FEIE | AC97_CR_LVBIE);
		e->voice_off = false;
	} else {
		uint8_t old = e->cr;
		e->cr = value;
		e->voice_off = false;	/* a CR write sets the voice active again */
		if (!(old & AC97_CR_RPBM) && (value & AC97_CR_RPBM))
			start_dma(dev, e);
		else if ((old & AC97_CR_RPBM) && !(value & AC97_CR_RPBM))
			stop_dma(e);
		else if ((value & AC97_CR_RPBM) && has(e, AC97_Q_RPBM_REWRITE_ADVANCES) &&
			 (e->loaded || e->dma_active))
			advance_to_next(dev, e, !e->dma_active);	/* running or halted at LVI */
	}
	bm_engine_reschedule(dev, e);
}
