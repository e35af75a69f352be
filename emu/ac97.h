/*
 * ac97.h - the Intel ICH (82801AA) AC'97 controller with one codec, on a
 * simulated clock. This is emu/'s interface for the project itself (the
 * harness, the tools, the tests), with the device's state in view; the
 * interface for everyone else is include/ac97emu/ac97emu.h, an opaque
 * facade over this same device (ac97emu.c).
 *
 * The guest sees two I/O BARs: NAMBAR (the codec's mixer registers, 256
 * bytes: 0x00-0x7F primary codec, 0x80-0xFF secondary) and NABMBAR (the bus
 * master, 64 bytes: engines PI at 0x00, PO at 0x10, MC at 0x20; GLOB_CNT
 * 0x2C, GLOB_STA 0x30, CAS 0x34). Register accesses take no simulated time;
 * time moves only through ac97_advance_to(). Every read or write first
 * brings the device up to its current time, so PICB, CIV and the rest are
 * exact at the moment of the access, while the device itself does work only
 * at events (fills, buffer completions, underruns), never per frame.
 *
 * What is modelled and what is not is listed at the top of ac97.c and
 * bm_engine.c.
 */
#ifndef AC97SIM_AC97_H
#define AC97SIM_AC97_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cadence.h"
#include "codec.h"
#include "profile.h"
#include "simtime.h"

#include "ac97_regs.h"
/* The public facade (include/ac97emu/): this header uses its DMA callback
 * table, so that the device has one way into guest memory. */
#include "ac97emu.h"

/* Device parameters that the datasheet leaves to us, and which
 * implementation the device behaves as. */
struct ac97_config {
	uint32_t fifo_samples;	/* per engine, 2..AC97_FIFO_SAMPLES_MAX, even */
	sim_ticks_t dma_latency_ticks;	/* request to data; >= a frame starves */
	sim_ticks_t codec_ready_delay_ticks;	/* COLD# deasserted -> S0CR, <= a second */
	/* The device profile (profile.h): NULL or &ac97_profile_ich for the
	 * Intel behaviour; it also names the codec part. */
	const struct ac97_profile *profile;
};
#define AC97_FIFO_SAMPLES_MAX AC97EMU_FIFO_SAMPLES_MAX
#define AC97_FIFO_SAMPLES_DEFAULT 16u	/* 32 bytes */
#define AC97_DMA_LATENCY_TICKS_DEFAULT 12u	/* about 1 us */
#define AC97_DMA_LATENCY_TICKS_MAX SIM_TICKS_PER_SECOND
#define AC97_CODEC_READY_DELAY_TICKS_DEFAULT (48u * SIM_TICKS_PER_FRAME)
#define AC97_CODEC_READY_DELAY_TICKS_MAX SIM_TICKS_PER_SECOND
/* The durations the device adds to a time are bounded, so that a time at
 * the clock's horizon plus any of them stays far below SIM_TICKS_NEVER. */
_Static_assert(AC97_DMA_LATENCY_TICKS_MAX <= SIM_TICKS_HORIZON &&
		       AC97_CODEC_READY_DELAY_TICKS_MAX <= SIM_TICKS_HORIZON,
	       "a time at the horizon plus a latency or delay cannot wrap");

void ac97_config_default(struct ac97_config *cfg);

/*
 * Audio leaving PCM out, as it crosses the AC-link: a run of consecutive
 * sample-carrying frames of one engine (frames the codec asked for). Frame i
 * of the span is request first_request + i of the cadence, so its time is
 * cadence_tick_of(&cadence, first_request + i).
 */
enum ac97_span_kind {
	AC97_SPAN_DATA,		/* samples fetched from guest memory */
	AC97_SPAN_FILL,		/* no data: DMA halted (BUP policy value) */
	AC97_SPAN_UNDERRUN,	/* no data: FIFO ran dry while running (FIFOE) */
};

struct ac97_span {
	enum ac97_engine_id engine;
	enum ac97_span_kind kind;
	uint32_t channels;	/* samples per frame: 2 */
	uint64_t n_frames;
	struct cadence cadence;
	uint64_t first_request;
	/* DATA: n_frames * channels little-endian int16, valid during the call. */
	const uint8_t *pcm_le;
	/* FILL and UNDERRUN: the value sent in every frame, per channel (an
	 * underrun repeats the last valid frame; a fill follows BUP). */
	int16_t fill[2];
};

struct ac97_sink {
	void (*on_span)(void *ctx, const struct ac97_span *span);
	void *ctx;
};

/*
 * The analogue signal at the codec's inputs, before its ADC path. Called
 * with frame numbers that count the converter's requests since the device
 * was created, so a source is a pure function of position. Mono for
 * AC97_MC, stereo interleaved for AC97_PI.
 */
struct ac97_source {
	void (*read)(void *ctx, enum ac97_engine_id engine, uint64_t first_frame,
		     int16_t *dst, uint64_t n_frames, uint32_t channels);
	void *ctx;
};

/* Things the device reports: for logs, checkers and tests. */
enum ac97_event_kind {
	AC97_EV_GUEST_ERROR,	/* the guest used the device badly; code says how */
	AC97_EV_UNMODELLED,	/* a feature we do not model was used */
	AC97_EV_DMA_FAULT,	/* DMA touched memory the host refused (unmapped) */
	AC97_EV_BUFFER_DONE,	/* a = CIV of the finished buffer */
	AC97_EV_HALTED,		/* a = CIV; at LVI */
	AC97_EV_FIFO_ERROR,	/* under/overrun while running */
	AC97_EV_IRQ,		/* a = new level */
	AC97_EV_CODEC_READY,
	AC97_EV_DMA,		/* data DMA: a = guest address, b = bytes, code = 1 for a write */
};

enum ac97_guest_error {
	AC97_GE_NONE,
	AC97_GE_RR_WHILE_RUNNING,
	AC97_GE_RR_WITH_RPBM,
	AC97_GE_BDBAR_WHILE_RUNNING,
	AC97_GE_ODD_LENGTH,		/* stereo descriptor with an odd length */
	AC97_GE_ADDR_BIT0,		/* descriptor address bit 0 set */
	AC97_GE_BD_RESERVED_BITS,
	AC97_GE_RO_WRITE,		/* write to read-only or reserved bits */
	AC97_GE_BAD_OFFSET,		/* outside the BAR */
	AC97_GE_CODEC_NOT_READY,	/* codec access with no codec ready */
	AC97_GE_CODEC_BUSY,		/* codec access while one is in flight */
	AC97_GE_CODEC_WIDTH,		/* NAMBAR byte write */
	AC97_GE_NO_SECONDARY,		/* access to the absent secondary codec */
	AC97_GE_BAD_WIDTH,
	AC97_GE_COUNT
};

struct ac97_dma_fault;

struct ac97_event {
	sim_ticks_t tick;
	enum ac97_event_kind kind;
	int engine;		/* enum ac97_engine_id, or -1 for the device */
	uint32_t code;		/* enum ac97_guest_error for GUEST_ERROR */
	uint64_t a, b;
	const char *what;	/* static text */
	/* DMA_FAULT: the whole record (a and b hold its address and
	 * descriptor; this adds whether it was a write). NULL otherwise. */
	const struct ac97_dma_fault *fault;
};

struct ac97_observer {
	void (*on_event)(void *ctx, const struct ac97_event *ev);
	void *ctx;
};

/* A DMA access to memory that was not there (the host's DMA callback
 * refused it). */
struct ac97_dma_fault {
	sim_ticks_t tick;
	enum ac97_engine_id engine;
	uint32_t bd_index;	/* CIV of the descriptor being processed */
	uint64_t addr;		/* first unreadable/unwritable byte */
	bool write;
};
#define AC97_FAULT_LOG_MAX 64u

const char *ac97_engine_name(enum ac97_engine_id e);
const char *ac97_guest_error_name(enum ac97_guest_error ge);

#include "bm_engine.h"

/* The device's staging area for DMA that cannot go straight to or from
 * guest memory (a page, so that a span through it stays one span). */
#define AC97_SCRATCH_BYTES 4096u

struct ac97 {
	struct ac97_config cfg;
	/* cfg.profile, never NULL, and its quirks, asked by ac97_has(). */
	const struct ac97_profile *profile;
	uint64_t quirks;
	/* Guest memory: every DMA access goes through these (gmem.h has the
	 * bundled implementation; an embedder brings its own). */
	struct ac97emu_dma_ops dma;
	void *dma_ctx;
	struct codec codec;
	struct bm_engine engine[AC97_ENGINE_COUNT];
	sim_ticks_t now_ticks;
	uint32_t glob_cnt;
	uint32_t glob_sta_sticky;	/* RCS, resume bits: RWC ones */
	sim_ticks_t codec_ready_tick;	/* SIM_TICKS_NEVER while in reset */
	bool codec_ready;
	bool cas_held;
	sim_ticks_t codec_access_done_tick;	/* CAS frees then */
	bool irq_level;
	/* AC97_Q_IRQ_ON_SR_CHANGE: the line as the last SR change left it,
	 * and the GLOB_STA PIINT/POINT/MINT bits latched with it. */
	bool irq_latched;
	uint32_t glob_sta_int_latched;
	/* AC97_Q_NAM_HIGH_RAM: NAMBAR 80h-FFh as storage. */
	uint16_t nam_high[64];
	/* AC97_Q_OUTPUT_MUTE_4C: the word at NABMBAR 4Ch (bit 0: unmuted). */
	uint16_t nabm_4c;
	sim_ticks_t bus_stall_until_tick;	/* fault injection: DMA waits until then */
	uint32_t rr_next;	/* round-robin arbitration: engine granted first on a tie */
	struct ac97_sink sink;
	struct ac97_source source;
	struct ac97_observer observer;
	uint64_t faults_total;
	struct ac97_dma_fault faults[AC97_FAULT_LOG_MAX];	/* the first ones */
	uint64_t guest_errors[AC97_GE_COUNT];
	bool bulk_disabled;	/* tests: force the one-step path to check the bulk one */
	/* Last: ac97_init leaves it as it is (every use writes it first). */
	uint8_t scratch[AC97_SCRATCH_BYTES];
};

/* Creates the device at tick 0 in its power-on state: GLOB_CNT = 0 (AC-link
 * in cold reset), every engine halted. Guest memory is reached through dma
 * (read and write set; map may be NULL) with dma_ctx, which must outlive
 * the device; gmem_dma_ops() adapts the bundled guest memory. */
void ac97_init(struct ac97 *dev, const struct ac97_config *cfg, const struct ac97emu_dma_ops *dma,
	       void *dma_ctx);
void ac97_set_sink(struct ac97 *dev, struct ac97_sink sink);
void ac97_set_source(struct ac97 *dev, struct ac97_source source);
/* A run that draws its DMA latency (a scenario's range) sets it after
 * creating the machine, before the device has done anything: no engine
 * has run yet. Clamped like the configured value. */
void ac97_set_dma_latency(struct ac97 *dev, sim_ticks_t dma_latency_ticks);
void ac97_set_observer(struct ac97 *dev, struct ac97_observer obs);

/* Port I/O. width_bits is 8, 16 or 32; any offset and width is accepted and
 * has a defined result (accesses that span registers touch each byte's
 * register; outside the BAR reads all ones and writes nothing). */
uint32_t ac97_io_read(struct ac97 *dev, enum ac97_bar bar, uint32_t offset, unsigned width_bits);
void ac97_io_write(struct ac97 *dev, enum ac97_bar bar, uint32_t offset, unsigned width_bits,
		   uint32_t value);

/* Moves simulated time forward to t (never back), doing every event due at
 * or before t in order, and returns true. A t past SIM_TICKS_HORIZON is
 * refused: nothing happens and it returns false. */
bool ac97_advance_to_slow(struct ac97 *dev, sim_ticks_t t);
static inline bool ac97_advance_to(struct ac97 *dev, sim_ticks_t t);

/* Earliest tick, at or after now, at which register-visible state or the
 * interrupt line may change (buffer completion, halt, FIFO error, codec
 * ready), or SIM_TICKS_NEVER. May be early (nothing happens then), never
 * late; it equals now only when an event is due in the current tick (no
 * DMA latency, no codec ready delay). */
sim_ticks_t ac97_next_event_tick(const struct ac97 *dev);

/* Whether the device's profile has quirk q (profile.h). */
static inline bool ac97_has(const struct ac97 *dev, enum ac97_quirk q)
{
	return (dev->quirks & AC97_QUIRK(q)) != 0;
}

static inline sim_ticks_t ac97_now(const struct ac97 *dev)
{
	return dev->now_ticks;
}

static inline bool ac97_irq_line(const struct ac97 *dev)
{
	return dev->irq_level;
}

/* The device's invariants (listed in ac97_check.c): true when they all
 * hold, else false with the first that does not described in why. Reads
 * the state without touching it, so tests and fuzzers can call it after
 * every step. */
bool ac97_invariants_hold(const struct ac97 *dev, char *why, size_t why_len);

/* Bus stall (fault injection): DMA requests made before until_tick complete
 * only at until_tick + latency. Returns true; an until_tick past
 * SIM_TICKS_HORIZON is refused: nothing happens and it returns false. */
bool ac97_stall_bus_until(struct ac97 *dev, sim_ticks_t until_tick);

/* ac97_advance_to's common case inline: the machine moves time at every
 * scheduling step, a few ticks, and mostly no engine has a request, a
 * transfer or an event due by then and the codec is not about to be ready
 * (ac97.c does the rest, the same way). */
static inline bool ac97_advance_to(struct ac97 *dev, sim_ticks_t t)
{
	_Static_assert(AC97_ENGINE_COUNT == 3, "the quiet test names every engine");
	const struct bm_engine *e = dev->engine;
	if (t < e[0].wake_tick && t < e[1].wake_tick && t < e[2].wake_tick &&
	    t >= dev->now_ticks && t <= SIM_TICKS_HORIZON &&
	    (dev->codec_ready || t < dev->codec_ready_tick)) {
		dev->now_ticks = t;
		return true;
	}
	return ac97_advance_to_slow(dev, t);
}

#endif
