/*
 * bm_engine.h - one ICH bus-master engine (PI, PO or MC): its registers,
 * its current and prefetched descriptors, its FIFO, and the timing of its
 * DMA against the codec's sample requests. Internal to emu/: included by
 * ac97.h only so that struct ac97 can hold engines by value (device state
 * is plain data; a snapshot is a copy).
 */
#ifndef AC97SIM_BM_ENGINE_H
#define AC97SIM_BM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cadence.h"
#include "simtime.h"

struct ac97;

#define BM_FIFO_SAMPLES_MAX 64u

/* A buffer descriptor as the engine holds it after fetching it. */
struct bm_desc {
	uint32_t addr;		/* bit 0 already cleared */
	uint32_t len_samples;
	bool ioc;
	bool bup;
};

struct bm_engine {
	int id;			/* enum ac97_engine_id */
	bool output;		/* PO: memory -> link; PI, MC: link -> memory */
	uint32_t channels;	/* samples per request: 2, or 1 for MC (2 under AC97_Q_MIC_STEREO) */
	uint64_t quirks;	/* the device's (profile.h), for what reads no device */

	/* Registers (SR's DCH and CELV are derived: see bm_engine_sr()). */
	uint32_t bdbar;
	uint8_t civ, lvi, piv, cr;
	uint16_t sr_sticky;	/* LVBCI | BCIS | FIFOE */
	uint16_t sr_reserved;	/* AC97_Q_SR_RESERVED_STICKY: bits 15:5 written 1 */
	uint8_t sr_int_seen;	/* AC97_Q_IRQ_ON_SR_CHANGE: sr_sticky as the line last saw it */
	/* DCH reads 0 though DMA does not run (profiles whose SR is stored,
	 * not derived: power-on SR 0, a codec reset that keeps SR, a start
	 * refused): until the next stop (pause, halt at LVI, RR). */
	bool dch_hidden;
	/* Halted at LVI without CELV (AC97_Q_ZERO_LENGTH_LVI_DCH_ONLY). */
	bool end_quiet;
	/* AC97_Q_CODEC_RESET_STOPS_DMA: the voice is off, so the converter
	 * asks for nothing, until the next CR write. */
	bool voice_off;

	/* Descriptor state. */
	bool loaded;		/* cur holds CIV's descriptor (false after RR) */
	bool at_end;		/* the buffer at LVI is done; DMA halted there */
	struct bm_desc cur;
	uint32_t cur_done_samples;	/* fetched (output) / written (input) */
	bool next_cached;	/* the descriptor at PIV has been prefetched */
	struct bm_desc next;
	uint64_t fault_page_last;	/* one fault per page per buffer load */

	/* DMA side. */
	bool dma_active;	/* RPBM set and not halted */
	bool primed;		/* output: data arrived since the DMA (re)started */
	bool fill_pending;	/* a FIFO fill (output) / drain (input) is in flight */
	sim_ticks_t fill_tick;

	/* FIFO between memory and link: a ring of little-endian samples, kept
	 * as bytes so that it moves by memcpy. Head, level and capacity count
	 * samples. */
	uint8_t fifo_le[2 * BM_FIFO_SAMPLES_MAX];
	uint32_t fifo_head, fifo_level, fifo_capacity;

	/* Link side: the converter's cadence and the next request to serve. */
	struct cadence cad;
	uint64_t next_request;	/* index within cad */
	uint64_t source_frames_base;	/* input: source position at cad's anchor */
	int16_t last_frame[2];	/* for BUP = 0: the last sample sent */

	/* bm_engine_compute_next_event() as of the last change to this engine,
	 * kept so that the device finds its next event without recomputing. */
	sim_ticks_t next_event_tick;
	/* bm_engine_compute_quiet_until() as of the same change: before it,
	 * bm_engine_advance has nothing to do (no request, no transfer), and
	 * the machine advances the device at every scheduling step, mostly a
	 * few ticks inside one AC-link frame. */
	sim_ticks_t quiet_until;
	/* The earlier of next_event_tick and quiet_until: before it an advance
	 * of this engine only moves the clock (ac97_advance_to). */
	sim_ticks_t wake_tick;
	/* Counts the changes to what the engine holds of its descriptor list:
	 * BDBAR, CIV, PIV, LVI, the descriptors it loaded or prefetched, and
	 * whether DMA runs (each function below that assigns one of them
	 * counts). An observer that derives something from those (device-
	 * misuse caches where the descriptors lie and what they must say)
	 * knows it still holds while this stands still. Never reset. */
	uint64_t desc_changes;
};

void bm_engine_init(struct bm_engine *e, int id, uint32_t fifo_samples, uint64_t quirks);

/* A descriptor's two dwords as this engine reads them (its profile's
 * address mask and length units), for whoever compares memory with what
 * the engine holds. */
struct bm_desc bm_engine_decode_desc(const struct bm_engine *e, uint32_t dw0, uint32_t dw1);

/* Register reads and writes; the engine is at the device's current time. */
uint16_t bm_engine_sr(const struct bm_engine *e);
uint16_t bm_engine_picb(const struct bm_engine *e);
void bm_engine_write_bdbar(struct ac97 *dev, struct bm_engine *e, uint32_t value, uint32_t byte_mask);
void bm_engine_write_lvi(struct ac97 *dev, struct bm_engine *e, uint8_t value);
void bm_engine_write_sr(struct ac97 *dev, struct bm_engine *e, uint16_t value);
void bm_engine_write_cr(struct ac97 *dev, struct bm_engine *e, uint8_t value);

/* The status bits that raise the interrupt line (SR & enables). Inline:
 * the line is recomputed after every access and event. The SR bits and
 * their CR enables do not line up (BCIS bit 3 / IOCE bit 4, FIFOE bit 4 /
 * FEIE bit 3), so each pair is spelled out. */
static inline uint16_t bm_engine_irq_status(const struct bm_engine *e)
{
	uint16_t st = 0;
	if (e->cr & 0x10u)	/* IOCE */
		st |= e->sr_sticky & 0x08u;	/* BCIS */
	if (e->cr & 0x04u)	/* LVBIE */
		st |= e->sr_sticky & 0x04u;	/* LVBCI */
	if (e->cr & 0x08u)	/* FEIE */
		st |= e->sr_sticky & 0x10u;	/* FIFOE */
	return st;
}

/* Does every request and DMA transfer due at or before t. Returns false
 * when there was none (t before quiet_until): the engine is unchanged. */
bool bm_engine_advance(struct ac97 *dev, struct bm_engine *e, sim_ticks_t t);

/* Earliest tick when this engine's registers may change on their own (may
 * be early, never late). Every function here that changes the engine
 * stores it in next_event_tick; tests compare the two after every step. */
sim_ticks_t bm_engine_compute_next_event(const struct ac97 *dev, const struct bm_engine *e);
/* The tick of the engine's next link request or DMA transfer, whichever
 * comes first (SIM_TICKS_NEVER: none): bm_engine_advance to any tick
 * before it changes nothing. Stored in quiet_until with next_event_tick;
 * tests compare the two after every step. */
sim_ticks_t bm_engine_compute_quiet_until(const struct bm_engine *e);
/* Recomputes next_event_tick and quiet_until, for changes made from
 * outside (bus stalls). */
void bm_engine_reschedule(const struct ac97 *dev, struct bm_engine *e);

/* The converter's rate changed (or the link went up or down) at now. */
void bm_engine_retime(struct ac97 *dev, struct bm_engine *e, uint32_t rate_hz);

/* A write to the codec's register 00h reached the engine (the profiles
 * where it does more than reset the codec). */
void bm_engine_codec_reset(struct ac97 *dev, struct bm_engine *e);

/* True when a transfer may not start now for a reason of the profile's
 * (AC97_Q_DMA_WAITS_FOR_BCIS with BCIS set). */
bool bm_engine_transfer_blocked(const struct bm_engine *e);

#endif
