/*
 * ac97emu.h - the Intel ICH (82801AA) AC'97 audio controller and its codec,
 * cycle-accurate, as a library for emulators: libac97emu.
 *
 * The embedder owns the machine: its guest memory, its clock, its interrupt
 * controller and its host audio. The device owns its registers and its
 * timing. They meet here:
 *
 *   - two I/O BARs, read and written by offset and width (ac97emu_io_read,
 *     ac97emu_io_write): NAMBAR, the codec's mixer registers (256 bytes),
 *     and NABMBAR, the bus master (64 bytes);
 *   - time, which only the embedder moves (ac97emu_advance_to), counted in
 *     AC-link BIT_CLK ticks at 12.288 MHz; the device says when it next
 *     needs to run (ac97emu_next_event_tick);
 *   - an interrupt line, a level (ac97emu_irq_level, and a callback when it
 *     changes);
 *   - DMA, through the embedder's callbacks into its guest memory
 *     (struct ac97emu_dma_ops);
 *   - audio: PCM out as it crosses the AC-link, PCM in and mic from a
 *     callback.
 *
 * The device state is opaque: create it with ac97emu_create, free it with
 * ac97emu_destroy. docs/device-library.md is the guide, with a complete
 * example (examples/embed/embed.c).
 *
 * Register offsets and bits (AC97_GLOB_CNT, AC97_SR_BCIS, ...) come from
 * ac97_regs.h, installed beside this file and included here because the API
 * speaks in its terms (enum ac97_bar, enum ac97_engine_id, the BAR sizes).
 * codec_regs.h, also installed beside it, has the codec's registers for
 * code that drives the device as a guest driver would.
 *
 * Not emulated: PCI configuration space (the embedder presents it; the IDs
 * are AC97_PCI_VENDOR_ID and AC97_PCI_DEVICE_ID), the modem codec, a
 * secondary codec, GPIO and resume interrupts, ICH2+ multichannel and
 * 20-bit modes, S/PDIF, saving and restoring device state. The full list of
 * what is and is not modelled is in the project's docs/hardware.md.
 *
 * Threads: none inside. A device may be used by one thread at a time;
 * different devices are independent (there is no global state).
 */
#ifndef AC97EMU_H
#define AC97EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ac97_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version -------------------------------------------------------------- */

/* The version of this header. ac97emu_version() gives the library's. */
#define AC97EMU_VERSION_MAJOR 0
#define AC97EMU_VERSION_MINOR 2
#define AC97EMU_VERSION_PATCH 0
#define AC97EMU_STRINGIFY_(x) #x
#define AC97EMU_STRINGIFY(x) AC97EMU_STRINGIFY_(x)
#define AC97EMU_VERSION_STRING                                                 \
	AC97EMU_STRINGIFY(AC97EMU_VERSION_MAJOR)                               \
	"." AC97EMU_STRINGIFY(AC97EMU_VERSION_MINOR) "." AC97EMU_STRINGIFY(AC97EMU_VERSION_PATCH)

/* The binary interface's number: it changes whenever a struct below
 * changes its layout or a function its signature or meaning, and every
 * such change also takes a new major version (so a new shared library
 * name, libac97emu.so.MAJOR). A program linked statically has no such
 * name to protect it: it can compare ac97emu_abi() with AC97EMU_ABI, as
 * ac97emu_abi_matches() does. */
#define AC97EMU_ABI 1

#if defined(__GNUC__)
#define AC97EMU_API __attribute__((visibility("default")))
#else
#define AC97EMU_API
#endif

/* The library's version, "MAJOR.MINOR.PATCH", a static string. */
AC97EMU_API const char *ac97emu_version(void);
/* The library's AC97EMU_ABI. */
AC97EMU_API unsigned ac97emu_abi(void);

/* True when the library linked in speaks the binary interface this header
 * describes. */
static inline bool ac97emu_abi_matches(void)
{
	return ac97emu_abi() == AC97EMU_ABI;
}

/* ---- time ----------------------------------------------------------------- */

/*
 * Time is a count of AC-link BIT_CLK ticks: 12.288 MHz, so one AC-link
 * frame is 256 ticks and frames run at exactly 48 kHz. A device starts at
 * tick 0. The device never reads a clock: it is where the embedder last
 * advanced it, and register accesses take no time.
 */
typedef uint64_t ac97emu_ticks_t;

#define AC97EMU_TICKS_PER_SECOND 12288000u
#define AC97EMU_TICKS_PER_FRAME 256u
/* "No event": what ac97emu_next_event_tick() returns when nothing is due. */
#define AC97EMU_TICKS_NEVER UINT64_MAX
/* Time never goes past 2^56 ticks (about 186 years): later times are
 * refused, so the device's arithmetic never wraps. */
#define AC97EMU_TICKS_HORIZON (UINT64_C(1) << 56)

/* Nanoseconds to ticks, rounded down: the tick in progress at that time.
 * (12.288 ticks per microsecond is 192 ticks per 15625 ns.) */
static inline ac97emu_ticks_t ac97emu_ns_to_ticks(uint64_t ns)
{
	return ns / 15625u * 192u + ns % 15625u * 192u / 15625u;
}

/* Ticks to nanoseconds, rounded down. Past the horizon (AC97EMU_TICKS_NEVER
 * included) it returns UINT64_MAX. */
static inline uint64_t ac97emu_ticks_to_ns(ac97emu_ticks_t ticks)
{
	if (ticks > AC97EMU_TICKS_HORIZON)
		return UINT64_MAX;
	return ticks / 192u * 15625u + ticks % 192u * 15625u / 192u;
}

/* Ticks to nanoseconds, rounded up: a host timer set that far ahead fires
 * no earlier than the tick, so ac97emu_ns_to_ticks() of the time it fires
 * reaches it. Past the horizon it returns UINT64_MAX. */
static inline uint64_t ac97emu_ticks_to_ns_ceil(ac97emu_ticks_t ticks)
{
	if (ticks > AC97EMU_TICKS_HORIZON)
		return UINT64_MAX;
	return ticks / 192u * 15625u + (ticks % 192u * 15625u + 191u) / 192u;
}

/* ---- configuration ---------------------------------------------------------- */

/* What the datasheet leaves to the implementation. ac97emu_config_default()
 * fills in the values the project's tests and fixtures use. */
struct ac97emu_config {
	/* Each engine's FIFO between memory and the link, in 16-bit samples:
	 * even, AC97EMU_FIFO_SAMPLES_MIN..AC97EMU_FIFO_SAMPLES_MAX. Default 16. */
	uint32_t fifo_samples;
	/* From a FIFO's DMA request to its data, at most
	 * AC97EMU_DMA_LATENCY_TICKS_MAX. Default 12 (about 1 us). A frame (256)
	 * or more lets the FIFO run dry between transfers. */
	ac97emu_ticks_t dma_latency_ticks;
	/* From COLD# deasserted (GLOB_CNT) to the codec ready (GLOB_STA S0CR),
	 * at most AC97EMU_CODEC_READY_DELAY_TICKS_MAX. Default 48 frames (1 ms). */
	ac97emu_ticks_t codec_ready_delay_ticks;
};

#define AC97EMU_FIFO_SAMPLES_MIN 2u
#define AC97EMU_FIFO_SAMPLES_MAX 64u
#define AC97EMU_DMA_LATENCY_TICKS_MAX AC97EMU_TICKS_PER_SECOND
#define AC97EMU_CODEC_READY_DELAY_TICKS_MAX AC97EMU_TICKS_PER_SECOND

AC97EMU_API void ac97emu_config_default(struct ac97emu_config *cfg);

/* ---- DMA: the embedder's guest memory --------------------------------------- */

/* What a DMA callback returns when it moved every byte. */
#define AC97EMU_DMA_OK UINT64_MAX
/* The granule of DMA faults: the device records at most one fault per
 * 4 KiB page a buffer touches, and treats a refused byte and the rest of
 * its page as refused. */
#define AC97EMU_DMA_PAGE_BYTES 4096u

/*
 * The device reads descriptors and PCM out, and writes PCM in and mic,
 * through these. addr is a guest physical address as the device computed
 * it: 32 bits from the registers and descriptors plus an offset, so a range
 * may run past 4 GiB; it is never wrapped. A range may cross pages.
 *
 * read: copy [addr, addr + len_bytes) to dst. Return AC97EMU_DMA_OK, or the
 *   address of the first byte that cannot be read (nothing there, not
 *   DMA-able, outside guest memory). The callback may stop there: the device
 *   sets that byte and the rest of its page to zero and asks again from the
 *   next page, so every page of the range is asked for. Mandatory.
 * write: copy len_bytes from src to [addr, addr + len_bytes). Return
 *   AC97EMU_DMA_OK or the first address that cannot be written, whose bytes
 *   must be dropped; the device drops the rest of that page and asks again
 *   from the next page. Mandatory.
 * map: optional (NULL, or return NULL, to decline). A pointer to
 *   [addr, addr + len_bytes) as contiguous, readable host memory, or NULL
 *   when any byte of it cannot be read. The device uses it to hand PCM out
 *   to the audio_out callback without copying, and only reads through it,
 *   only until it returns to the embedder.
 *
 * Faults are what the datasheet leaves open and docs/hardware.md decides:
 * refused reads give zeros, refused writes go nowhere, the buffer still
 * completes, and the device reports one fault per page per buffer (a
 * notice, and ac97emu_dma_faults_total()).
 *
 * The device never asks for zero bytes. An answer that is neither
 * AC97EMU_DMA_OK nor an address inside the range asked for is taken as a
 * refusal from addr on. The callbacks must be repeatable (reading or
 * writing the same bytes twice gives the same memory) and must not call
 * back into the device.
 */
struct ac97emu_dma_ops {
	uint64_t (*read)(void *ctx, uint64_t addr, void *dst, size_t len_bytes);
	uint64_t (*write)(void *ctx, uint64_t addr, const void *src, size_t len_bytes);
	const void *(*map)(void *ctx, uint64_t addr, size_t len_bytes);
};

/* ---- audio -------------------------------------------------------------------- */

enum ac97emu_pcm_kind {
	AC97EMU_PCM_DATA,	/* samples the engine fetched from guest memory */
	AC97EMU_PCM_FILL,	/* no data, DMA halted or not started: the current
				 * descriptor's BUP policy (zeros, or the last
				 * frame sent again) */
	AC97EMU_PCM_UNDERRUN,	/* no data while DMA runs: the FIFO ran dry
				 * (SR FIFOE); zeros */
};

struct ac97_span;	/* the device's own record of a span */

/*
 * PCM out as it crosses the AC-link: consecutive frames of one engine, each
 * a frame the codec's DAC asked for. At 48 kHz that is every AC-link frame;
 * at other rates (VRA) the frames are spread over the link, so frame i's
 * time is ac97emu_pcm_frame_tick(span, i). Every frame the DAC asks for is
 * in exactly one span, in order, with the link running. Where one span ends
 * and the next begins says nothing: it depends, among other things, on
 * whether the host lends memory (dma.map).
 *
 * The samples are what the guest wrote, before the codec's mixer: apply
 * the master and PCM out volumes (codec registers 02h, 18h) if you want
 * what the line out would carry.
 */
struct ac97emu_pcm_span {
	enum ac97_engine_id engine;	/* AC97_PO */
	enum ac97emu_pcm_kind kind;
	uint32_t channels;	/* samples per frame: 2, left then right */
	uint32_t rate_hz;	/* the DAC's rate (codec register 2Ch) */
	uint64_t n_frames;
	ac97emu_ticks_t first_tick;	/* when frame 0 crossed the link */
	/* DATA: n_frames * channels little-endian signed 16-bit samples, valid
	 * only during the callback. NULL otherwise. */
	const uint8_t *pcm_le;
	/* FILL and UNDERRUN: the value of every frame, per channel. */
	int16_t fill[2];
	const struct ac97_span *internal;	/* for ac97emu_pcm_frame_tick() */
};

/* The tick at which frame frame_index (< span->n_frames) of the span
 * crossed the AC-link. Only during the audio_out callback. */
AC97EMU_API ac97emu_ticks_t ac97emu_pcm_frame_tick(const struct ac97emu_pcm_span *span,
						   uint64_t frame_index);

/* ---- notices -------------------------------------------------------------------- */

/* Things worth a line in the embedder's log. None of them stops the device:
 * each has a defined result (docs/hardware.md, "Hostile inputs"). */
enum ac97emu_notice_kind {
	AC97EMU_NOTICE_GUEST_ERROR,	/* the guest used the device against the
					 * datasheet (odd length, RR while running...) */
	AC97EMU_NOTICE_UNMODELLED,	/* the guest used a feature the model lacks */
	AC97EMU_NOTICE_DMA_FAULT,	/* a DMA callback refused a byte */
	AC97EMU_NOTICE_EMBEDDER_ERROR,	/* a call to this API was refused */
};

struct ac97emu_notice {
	enum ac97emu_notice_kind kind;
	ac97emu_ticks_t tick;
	int engine;		/* enum ac97_engine_id, or -1: the device as a whole */
	/* A short stable name ("odd-length", "dma-read-fault", "bad-bar", ...)
	 * and a sentence, both static strings. */
	const char *name;
	const char *text;
	/* Guest error: the offending value or BAR offset. DMA fault: the first
	 * refused address. Embedder error: the refused argument. */
	uint64_t value;
	uint32_t bd_index;	/* DMA fault: the descriptor (CIV) it served */
	bool write;		/* DMA fault: a write (capture) */
};

/* ---- the embedder's side --------------------------------------------------------- */

/*
 * The embedder's callbacks. Every one gets ctx first. dma.read and
 * dma.write are mandatory; the rest may be NULL. The device calls them only
 * from inside ac97emu_advance_to(), ac97emu_io_read() and ac97emu_io_write(),
 * on the caller's thread. From a callback, the queries that change nothing
 * (ac97emu_now, ac97emu_next_event_tick, ac97emu_irq_level,
 * ac97emu_dma_faults_total) may be called; a call that would run the
 * device (I/O, advancing time) or free it is refused, with an
 * EMBEDDER_ERROR notice named "reentrant-call": the device is in the
 * middle of its work. Do the work after the call returns (examples/embed
 * notes the interrupt in irq_changed and services it afterwards).
 */
struct ac97emu_host {
	void *ctx;
	struct ac97emu_dma_ops dma;
	/* The interrupt line (INTA#, level-triggered) changed, at tick. */
	void (*irq_changed)(void *ctx, bool level, ac97emu_ticks_t tick);
	/* PCM out crossed the AC-link. */
	void (*audio_out)(void *ctx, const struct ac97emu_pcm_span *span);
	/* The signal at the codec's inputs, before its gain: n_frames frames of
	 * `channels` samples (2 for AC97_PI, interleaved left/right; 1 for
	 * AC97_MC) into dst. first_frame counts that engine's requests since
	 * the device was created, so a source can be a pure function of
	 * position. NULL: silence. */
	void (*audio_in)(void *ctx, enum ac97_engine_id engine, uint64_t first_frame,
			 int16_t *dst, uint64_t n_frames, uint32_t channels);
	/* Something for the log. */
	void (*notice)(void *ctx, const struct ac97emu_notice *notice);
};

/* ---- the device ------------------------------------------------------------------ */

struct ac97emu;

/*
 * A device at tick 0 in its power-on state: GLOB_CNT = 0 (the AC-link in
 * cold reset, the codec not ready), every engine halted. cfg NULL means
 * ac97emu_config_default(). host is copied; host->ctx must stay valid for
 * the device's life.
 *
 * Returns NULL, with the reason in err (always terminated, when err_len >
 * 0; err may be NULL), when host is NULL, a mandatory callback is missing,
 * a configuration value is out of range, or memory runs out.
 */
AC97EMU_API struct ac97emu *ac97emu_create(const struct ac97emu_config *cfg,
					   const struct ac97emu_host *host, char *err,
					   size_t err_len);
/* Frees the device. NULL is a no-op. */
AC97EMU_API void ac97emu_destroy(struct ac97emu *dev);

/*
 * Port I/O at the device's current time. width_bytes is 1, 2 or 4; offset
 * is relative to the BAR. Every offset and width has a defined result
 * (docs/hardware.md, "Hostile inputs"): an access is split into bytes and
 * each register they touch is accessed once; bytes of no register read 0;
 * bytes past the BAR read FFh and ignore writes; another width, or a bar
 * that is neither AC97_BAR_NAM nor AC97_BAR_NABM, reads all ones and writes
 * nothing. Such accesses are reported as notices. A read can have effects
 * (reading CAS takes the semaphore), as on the hardware.
 */
AC97EMU_API uint32_t ac97emu_io_read(struct ac97emu *dev, enum ac97_bar bar, uint32_t offset,
				     unsigned width_bytes);
AC97EMU_API void ac97emu_io_write(struct ac97emu *dev, enum ac97_bar bar, uint32_t offset,
				  unsigned width_bytes, uint32_t value);

/*
 * Moves the device's time forward to tick, doing every event due up to it
 * in order (DMA, buffer completions, interrupts, audio out). Returns true;
 * false, with nothing done, when tick is before the device's time or past
 * AC97EMU_TICKS_HORIZON.
 *
 * The device does work only at events, never per frame, so advancing by a
 * second costs what the buffers in it cost. Between events nothing the
 * guest can see changes except what is computed on read (PICB, CIV...), and
 * that is exact at any tick. An embedder keeps one timer at
 * ac97emu_next_event_tick(), and advances the device to its own time
 * before each register access and when the timer fires.
 */
AC97EMU_API bool ac97emu_advance_to(struct ac97emu *dev, ac97emu_ticks_t tick);
AC97EMU_API ac97emu_ticks_t ac97emu_now(const struct ac97emu *dev);

/* The earliest tick, at or after now, at which the interrupt line or state
 * the guest can read may change on its own (a buffer completes, an engine
 * halts or runs dry, the codec becomes ready), or AC97EMU_TICKS_NEVER.
 * Never late; it may be early, and then advancing to it changes nothing.
 * It changes after register writes: ask again after each. */
AC97EMU_API ac97emu_ticks_t ac97emu_next_event_tick(const struct ac97emu *dev);

/* The interrupt line: the OR over engines of their status bits and enables. */
AC97EMU_API bool ac97emu_irq_level(const struct ac97emu *dev);

/* DMA faults since the device was created (one per page per buffer). */
AC97EMU_API uint64_t ac97emu_dma_faults_total(const struct ac97emu *dev);

#ifdef __cplusplus
}
#endif

#endif
