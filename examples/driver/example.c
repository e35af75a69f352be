/*
 * example.c - an AC'97 WavePci render miniport, written as a driver author
 * outside the ac97sim tree would write one: against the installed driver
 * SDK only (pkg-config ac97sim-driver), and loaded by ac97sim as a plug-in.
 * docs/driver-sdk.md walks through it.
 *
 * What it does: PCM out (the PO engine), 16-bit stereo, at any rate the
 * codec's DAC can do. A capture stream (PI, MC) is refused with
 * STATUS_NOT_SUPPORTED.
 *
 * The shape of it:
 * - One spin lock per stream covers the list of mappings, the buffer
 *   descriptor list (BDL) and every write to the engine's registers. It
 *   is dropped around PortGetMapping and PortReleaseMapping (holding a
 *   spin lock across them is bug check 0xC4), so anything read before a
 *   drop is read again after it.
 * - Entry i of the list is BDL descriptor i: head .. head + count - 1,
 *   modulo 32, at most 31 in use (with 32, a full list and an empty one
 *   would look the same). LVI is always the last listed entry.
 * - What the engine has finished comes from CIV (and CELV for the last
 *   entry), never from counting interrupts: several completions can share
 *   one interrupt.
 * - One thread at a time fills and empties the list (pump()); a second
 *   caller leaves a "go again" flag for the one running, so no wakeup is
 *   lost and no two producers append out of GetMapping order.
 * - Taking entries out (RevokeMappings, STOP) halts DMA and lays the list
 *   out again from descriptor 0, the entry that was playing cut to what
 *   the engine has not fetched yet: see rebuild().
 *
 * THE BUG. This file has one race on purpose, so that the walk-through
 * has something to find: release_finished() gives a finished mapping back
 * to the port before it takes the entry off its list. Build with
 * -DEXAMPLE_FIXED (example-fixed.so) for the correct order.
 *
 * Not done (the reference miniport in the ac97sim tree does these): a
 * mapping that ends inside a frame (it needs a bounce frame), splitting a
 * mapping larger than one descriptor (a mapping is at most 16 pages, 32768
 * samples, and a descriptor holds 65535: the descriptor_max_bytes hint is
 * ignored), a timer-serviced (DirectSound) stream, power management.
 */
#include <stdbool.h>
#include <stdint.h>

#include <ac97_regs.h>
#include <codec_regs.h>
#include <driver.h>

#define BDL_IN_USE_MAX (AC97_BDL_ENTRIES - 1u)
#define ENGINE_INTERRUPTS (AC97_CR_IOCE | AC97_CR_LVBIE | AC97_CR_FEIE)
/* The datasheet does not give the FIFO's depth: wait as if it held 64
 * samples, the most the simulator's device can be given and more than
 * any part we know of. */
#define FIFO_SAMPLES_MAX 64u
#define CODEC_READY_WAIT_US 1000000u	/* AC'97 2.3 gives a codec up to a second */
#define DMA_HALT_WAIT_US 1000u

struct entry {
	uint64_t tag;
	uint32_t physical;
	uint32_t bytes;		/* the whole mapping */
	uint32_t fetched_bytes;	/* fetched before the last rebuild: its descriptor has the rest */
	bool done;		/* fetched whole before the last rebuild; waits to be released */
};

struct example_adapter;

struct example_stream {
	struct example_adapter *adapter;
	PORT_STREAM *port;
	KSPIN_LOCK lock;	/* covers everything below */
	KSSTATE state;
	uint32_t *bdl;		/* 32 descriptors of two ULONGs, in common-buffer memory */
	PHYSICAL_ADDRESS bdl_physical;
	struct entry entry[AC97_BDL_ENTRIES];
	uint32_t head, count;
	bool dma_started;	/* RPBM set since the last reset (RR) */
	bool pumping, pump_again;
	uint64_t next_tag;	/* tags count up from 1 and never repeat */
	uint64_t retired_bytes;	/* bytes of the mappings no longer listed */
	uint64_t last_position_bytes;
	uint32_t rate_hz;
};

struct example_adapter {
	AC97SIM_RESOURCES io;
	KINTERRUPT interrupt;
	struct example_stream *render;	/* changed only in step with the ISR */
	bool started;
};

/* ---- registers and the codec ------------------------------------------------------ */

static PUCHAR po_register(const struct example_stream *s, ULONG offset)
{
	return s->adapter->io.Nabmbar + AC97_ENGINE_STRIDE * AC97_PO + offset;
}

static PUCHAR global_register(const struct example_adapter *a, ULONG offset)
{
	return a->io.Nabmbar + offset;
}

/* A codec register is reached over the AC-link, one access at a time:
 * reading CAS takes the link's semaphore (bit 0 set: someone else has it),
 * the access gives it back. */
static bool codec_claim(const struct example_adapter *a)
{
	for (int tries = 0; tries < 100; tries++) {
		if (!(READ_PORT_UCHAR(global_register(a, AC97_CAS)) & 1u))
			return true;
		KeStallExecutionProcessor(10);
	}
	return false;
}

static bool codec_write(const struct example_adapter *a, ULONG reg, USHORT value)
{
	if (!codec_claim(a))
		return false;
	WRITE_PORT_USHORT((PUSHORT)(a->io.Nambar + reg), value);
	return true;
}

static bool codec_read(const struct example_adapter *a, ULONG reg, USHORT *value)
{
	if (!codec_claim(a))
		return false;
	*value = READ_PORT_USHORT((PUSHORT)(a->io.Nambar + reg));
	return true;
}

/* ---- the adapter and its interrupt ------------------------------------------------ */

static BOOLEAN example_isr(PKINTERRUPT interrupt, PVOID context)
{
	static const ULONG engine_interrupt[AC97_ENGINE_COUNT] = {
		[AC97_PI] = AC97_GS_PIINT, [AC97_PO] = AC97_GS_POINT, [AC97_MC] = AC97_GS_MINT,
	};
	struct example_adapter *a = context;
	ULONG global_status = READ_PORT_ULONG((PULONG)global_register(a, AC97_GLOB_STA));
	BOOLEAN claimed = FALSE;
	(void)interrupt;
	for (ULONG e = 0; e < AC97_ENGINE_COUNT; e++) {
		if (!(global_status & engine_interrupt[e]))
			continue;
		PUSHORT sr = (PUSHORT)(a->io.Nabmbar + AC97_ENGINE_STRIDE * e + AC97_SR);
		USHORT status = READ_PORT_USHORT(sr) & (AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE);
		if (status == 0)
			continue;
		/* Cleared on every engine, ours or not: the line is level-triggered,
		 * and an engine someone else started would hold it up for ever. */
		WRITE_PORT_USHORT(sr, status);
		claimed = TRUE;
		/* No spin lock at DIRQL: the port's service DPC calls Service. */
		if (e == AC97_PO && a->render != NULL)
			PortNotify(a->render->port);
	}
	return claimed;
}

static NTSTATUS adapter_start(void *adapter, const AC97SIM_RESOURCES *io)
{
	struct example_adapter *a = adapter;
	a->io = *io;
	/* Cold reset: hold the AC-link in reset (COLD# low) for more than the
	 * 1 us AC'97 asks, let it go, and wait for the codec to say it is
	 * ready. */
	WRITE_PORT_ULONG((PULONG)global_register(a, AC97_GLOB_CNT), 0);
	KeStallExecutionProcessor(5);
	WRITE_PORT_ULONG((PULONG)global_register(a, AC97_GLOB_CNT), AC97_GC_COLD);
	for (ULONG waited_us = 0;
	     !(READ_PORT_ULONG((PULONG)global_register(a, AC97_GLOB_STA)) & AC97_GS_S0CR);
	     waited_us += 100) {
		if (waited_us >= CODEC_READY_WAIT_US)
			return STATUS_UNSUCCESSFUL;
		KeStallExecutionProcessor(100);
	}
	/* Master comes out of reset muted; master at 0 dB, PCM out at 0 dB
	 * (0x0808: its gain steps are centred on 8). */
	if (!codec_write(a, CODEC_MASTER_VOL, 0x0000) || !codec_write(a, CODEC_PCM_OUT_VOL, 0x0808))
		return STATUS_UNSUCCESSFUL;
	NTSTATUS status = AcConnectInterrupt(&a->interrupt, example_isr, a);
	a->started = NT_SUCCESS(status);
	return status;
}

static void adapter_stop(void *adapter)
{
	struct example_adapter *a = adapter;
	if (!a->started)
		return;
	AcDisconnectInterrupt(&a->interrupt);
	WRITE_PORT_ULONG((PULONG)global_register(a, AC97_GLOB_CNT), 0);	/* the link back in reset */
	a->started = false;
}

/* ---- the list --------------------------------------------------------------------- */

static PVOID tag_pointer(uint64_t tag)
{
	return (PVOID)(uintptr_t)tag;
}

static uint32_t slot_of(const struct example_stream *s, uint32_t i)
{
	return (s->head + i) % AC97_BDL_ENTRIES;
}

/* A descriptor: the address, the length in samples, an interrupt when done.
 * An empty one points at the BDL itself: memory that is always there. */
static void write_descriptor(struct example_stream *s, uint32_t slot, uint32_t physical,
			     uint32_t bytes)
{
	s->bdl[2 * slot] = bytes != 0 ? physical : s->bdl_physical.LowPart;
	s->bdl[2 * slot + 1] = bytes != 0 ? (bytes / 2u) | AC97_BD_IOC : 0;
}

static void write_lvi(struct example_stream *s)
{
	if (s->count > 0)
		WRITE_PORT_UCHAR(po_register(s, AC97_LVI), (UCHAR)slot_of(s, s->count - 1));
}

/* Whether some listed entry still has audio to fetch (the done ones come
 * first, so it is enough to look at the last). */
static bool has_audio(const struct example_stream *s)
{
	return s->count > 0 && !s->entry[slot_of(s, s->count - 1)].done;
}

/* RUN, with audio listed and the engine not started since its last reset:
 * start it (at descriptor 0; LVI is already the last entry). */
static void maybe_start(struct example_stream *s)
{
	if (s->state != KSSTATE_RUN || s->dma_started || !has_audio(s))
		return;
	WRITE_PORT_UCHAR(po_register(s, AC97_CR), AC97_CR_RPBM | ENGINE_INTERRUPTS);
	s->dma_started = true;
}

/* How many entries from head the engine has finished fetching. Entries
 * before CIV are finished; the one at CIV only when the engine stopped on
 * it at the end of the list (CELV). A CIV outside the list is behind it, on
 * a slot already given back. */
static uint32_t entries_finished(struct example_stream *s)
{
	uint32_t done = 0;
	while (done < s->count && s->entry[slot_of(s, done)].done)
		done++;
	if (!s->dma_started)
		return done;
	uint32_t civ = READ_PORT_UCHAR(po_register(s, AC97_CIV)) & 0x1Fu;
	uint32_t at = (civ + AC97_BDL_ENTRIES - s->head) % AC97_BDL_ENTRIES;
	if (at >= s->count)
		return done;
	if (READ_PORT_USHORT((PUSHORT)po_register(s, AC97_SR)) & AC97_SR_CELV)
		at++;
	return at > done ? at : done;
}

static void unlink_head(struct example_stream *s)
{
	s->retired_bytes += s->entry[s->head].bytes;
	s->head = slot_of(s, 1);
	s->count--;
}

/* Gives the port back each mapping the engine has finished, oldest first.
 * Lock held on entry and on return, dropped around each release. */
static void release_finished(struct example_stream *s, KIRQL *irql)
{
	while (entries_finished(s) > 0) {
		uint64_t tag = s->entry[s->head].tag;
#ifdef EXAMPLE_FIXED
		/* Off the list first, under the lock: whoever unlinks an entry
		 * owns it. A RevokeMappings that runs while the lock is dropped
		 * below no longer finds this mapping, so it neither counts nor
		 * revokes one whose release is already on its way. */
		unlink_head(s);
#endif
		KeReleaseSpinLock(&s->lock, *irql);
		PortReleaseMapping(s->port, tag_pointer(tag));
		KeAcquireSpinLock(&s->lock, irql);
#ifndef EXAMPLE_FIXED
		/* BUG: unlinked only now. While the lock was dropped the entry was
		 * still listed: a RevokeMappings on another CPU could count it as
		 * revoked although its release was under way, and head may not be
		 * this entry any more (a revoke lays the list out again). */
		unlink_head(s);
#endif
	}
}

/* Takes mappings from the port while descriptors are free. Lock held on
 * entry and on return, dropped around each GetMapping. */
static void queue_more(struct example_stream *s, KIRQL *irql)
{
	while (s->count < BDL_IN_USE_MAX && (s->state == KSSTATE_PAUSE || s->state == KSSTATE_RUN)) {
		uint64_t tag = s->next_tag++;
		PHYSICAL_ADDRESS physical;
		PVOID virtual_address;
		ULONG bytes, flags;
		KeReleaseSpinLock(&s->lock, *irql);
		NTSTATUS status = PortGetMapping(s->port, tag_pointer(tag), &physical, &virtual_address,
						 &bytes, &flags);
		KeAcquireSpinLock(&s->lock, irql);
		if (!NT_SUCCESS(status))
			break;	/* STATUS_NOT_FOUND: MappingAvailable comes when there is more */
		/* The tail as it is now: a revoke may have rebuilt the list. */
		uint32_t slot = slot_of(s, s->count);
		s->entry[slot] = (struct entry){ .tag = tag, .physical = physical.LowPart, .bytes = bytes };
		write_descriptor(s, slot, physical.LowPart, bytes);
		s->count++;
		write_lvi(s);	/* at once: an engine halted at the end of the list resumes */
	}
	maybe_start(s);
}

/* The one producer and consumer (lock held): a caller that finds it busy
 * makes it go round again instead. */
static void pump(struct example_stream *s, KIRQL *irql)
{
	if (s->pumping) {
		s->pump_again = true;
		return;
	}
	s->pumping = true;
	do {
		s->pump_again = false;
		release_finished(s, irql);
		queue_more(s, irql);
	} while (s->pump_again);
	s->pumping = false;
}

/*
 * Takes the entries of tags first..last out of the list (none for
 * first > last) and lays the rest out again from descriptor 0. Lock held.
 * Returns how many it took out. In this order, because:
 * 1. DMA stops first (RPBM off, then DCH): the engine keeps its own copy of
 *    the descriptor after the current one (PIV), so rewriting memory under
 *    a running engine does not stop it reading a mapping.
 * 2. CIV, PICB and CELV then say what was fetched: whole entries before
 *    CIV, and the one at CIV but for PICB samples.
 * 3. The FIFO plays out (the link keeps taking from it while DMA is
 *    stopped) before RR empties it: what RR throws away is lost audio.
 * 4. RR, then BDBAR again (RR clears it) and the descriptors from 0, the
 *    current entry starting where the engine stopped, finished entries
 *    empty until they are released.
 */
static ULONG rebuild(struct example_stream *s, uint64_t first, uint64_t last)
{
	bool seen = false;		/* CIV lies in the list: what follows is known */
	uint32_t whole = 0;		/* entries from head fetched whole */
	uint32_t part_bytes = 0;	/* of the entry after them */
	if (s->dma_started) {
		WRITE_PORT_UCHAR(po_register(s, AC97_CR), ENGINE_INTERRUPTS);
		for (ULONG waited_us = 0; waited_us < DMA_HALT_WAIT_US; waited_us += 10) {
			if (READ_PORT_USHORT((PUSHORT)po_register(s, AC97_SR)) & AC97_SR_DCH)
				break;
			KeStallExecutionProcessor(10);
		}
		uint32_t civ = READ_PORT_UCHAR(po_register(s, AC97_CIV)) & 0x1Fu;
		uint32_t picb_samples = READ_PORT_USHORT((PUSHORT)po_register(s, AC97_PICB));
		bool at_end = (READ_PORT_USHORT((PUSHORT)po_register(s, AC97_SR)) & AC97_SR_CELV) != 0;
		whole = (civ + AC97_BDL_ENTRIES - s->head) % AC97_BDL_ENTRIES;
		seen = whole < s->count;
		if (seen && at_end)
			whole++;
		else if (seen && 2u * picb_samples <= s->entry[civ].bytes)
			part_bytes = s->entry[civ].bytes - 2u * picb_samples;
		KeStallExecutionProcessor(FIFO_SAMPLES_MAX / 2u * 1000000u / s->rate_hz + 1u);
	}
	struct entry kept[AC97_BDL_ENTRIES];
	uint32_t n_kept = 0;
	ULONG taken = 0;
	for (uint32_t i = 0; i < s->count; i++) {
		struct entry e = s->entry[slot_of(s, i)];
		if (e.tag >= first && e.tag <= last) {
			s->retired_bytes += e.bytes;
			taken++;
			continue;
		}
		/* Unseen (DMA never started, or CIV behind the list), an entry
		 * keeps what an earlier rebuild knew of it. */
		if (seen && i < whole)
			e.done = true;
		else if (seen && i == whole && part_bytes >= e.bytes)
			e.done = true;
		else if (seen && i == whole)
			e.fetched_bytes = part_bytes;
		kept[n_kept++] = e;
	}
	WRITE_PORT_UCHAR(po_register(s, AC97_CR), AC97_CR_RR);
	WRITE_PORT_ULONG((PULONG)po_register(s, AC97_BDBAR), s->bdl_physical.LowPart);
	s->head = 0;
	s->count = n_kept;
	for (uint32_t i = 0; i < n_kept; i++) {
		const struct entry *e = &kept[i];
		s->entry[i] = *e;
		if (e->done)
			write_descriptor(s, i, 0, 0);
		else
			write_descriptor(s, i, e->physical + e->fetched_bytes, e->bytes - e->fetched_bytes);
	}
	s->dma_started = false;
	write_lvi(s);
	return taken;
}

/* ---- the stream, as the port calls it -------------------------------------------- */

static void service(void *stream)
{
	struct example_stream *s = stream;
	KIRQL irql;
	KeAcquireSpinLock(&s->lock, &irql);
	pump(s, &irql);
	KeReleaseSpinLock(&s->lock, irql);
}

/* After a GetMapping said STATUS_NOT_FOUND, the port says there is more. */
static void mapping_available(void *stream)
{
	service(stream);
}

static NTSTATUS set_state(void *stream, KSSTATE state)
{
	struct example_stream *s = stream;
	KIRQL irql;
	KeAcquireSpinLock(&s->lock, &irql);
	KSSTATE was = s->state;
	s->state = state;
	switch (state) {
	case KSSTATE_RUN:
		if (s->dma_started)	/* resumes where PAUSE stopped it: CIV and PICB kept */
			WRITE_PORT_UCHAR(po_register(s, AC97_CR), AC97_CR_RPBM | ENGINE_INTERRUPTS);
		pump(s, &irql);	/* fills the list and starts the engine */
		break;
	case KSSTATE_PAUSE:
		if (was == KSSTATE_RUN && s->dma_started)
			WRITE_PORT_UCHAR(po_register(s, AC97_CR), ENGINE_INTERRUPTS);
		pump(s, &irql);	/* a render stream may fill its list before it runs */
		break;
	case KSSTATE_ACQUIRE:
		break;
	case KSSTATE_STOP:
		/* Reset the engine; the port revokes what is still listed. */
		rebuild(s, 1, 0);
		break;
	}
	KeReleaseSpinLock(&s->lock, irql);
	return STATUS_SUCCESS;
}

static NTSTATUS revoke_mappings(void *stream, PVOID first_tag, PVOID last_tag,
				PULONG mappings_revoked)
{
	struct example_stream *s = stream;
	uint64_t first = (uintptr_t)first_tag, last = (uintptr_t)last_tag;
	KIRQL irql;
	KeAcquireSpinLock(&s->lock, &irql);
	/* Only what is still listed counts: part of the range may have been
	 * released since the port chose it. Nothing listed, nothing to reset. */
	bool listed = false;
	for (uint32_t i = 0; i < s->count && !listed; i++) {
		uint64_t tag = s->entry[slot_of(s, i)].tag;
		listed = tag >= first && tag <= last;
	}
	*mappings_revoked = listed ? rebuild(s, first, last) : 0;
	maybe_start(s);
	bool streaming = s->state == KSSTATE_RUN || s->state == KSSTATE_PAUSE;
	KeReleaseSpinLock(&s->lock, irql);
	/* The list may now be empty with no interrupt to come: a Service pass
	 * asks the port for the next mappings. */
	if (listed && streaming)
		PortNotify(s->port);
	return STATUS_SUCCESS;
}

static NTSTATUS get_position(void *stream, PULONGLONG position_bytes)
{
	struct example_stream *s = stream;
	KIRQL irql;
	KeAcquireSpinLock(&s->lock, &irql);
	uint64_t bytes = s->retired_bytes;
	uint32_t i = 0;
	for (; i < s->count && s->entry[slot_of(s, i)].done; i++)
		bytes += s->entry[slot_of(s, i)].bytes;
	if (s->dma_started && i < s->count) {
		/* CIV and PICB are two reads: read again until CIV holds still
		 * around PICB, so that both describe one moment. */
		UCHAR civ, civ_again;
		USHORT picb_samples;
		int tries = 0;
		do {
			civ = READ_PORT_UCHAR(po_register(s, AC97_CIV)) & 0x1Fu;
			picb_samples = READ_PORT_USHORT((PUSHORT)po_register(s, AC97_PICB));
			civ_again = READ_PORT_UCHAR(po_register(s, AC97_CIV)) & 0x1Fu;
		} while (civ != civ_again && ++tries < 8);
		uint32_t at = (civ + AC97_BDL_ENTRIES - s->head) % AC97_BDL_ENTRIES;
		if (at < s->count) {
			for (; i < at; i++)
				bytes += s->entry[slot_of(s, i)].bytes;
			if (2u * picb_samples <= s->entry[civ].bytes)
				bytes += s->entry[civ].bytes - 2u * picb_samples;
		}
	}
	if (bytes < s->last_position_bytes)
		bytes = s->last_position_bytes;	/* never backwards, whatever a revoke did */
	s->last_position_bytes = bytes;
	KeReleaseSpinLock(&s->lock, irql);
	*position_bytes = bytes;
	return STATUS_SUCCESS;
}

/* ---- opening and closing a stream ---------------------------------------------------- */

struct render_link {
	struct example_adapter *adapter;
	struct example_stream *stream;
};

/* Runs holding the interrupt's lock, so the ISR never sees a half-open or
 * closed stream. */
static BOOLEAN set_render_stream(PVOID context)
{
	struct render_link *link = context;
	link->adapter->render = link->stream;
	return TRUE;
}

/* The DAC's rate through variable rate audio; the codec answers an
 * unsupported rate with the nearest one it has, so read it back. */
static bool set_dac_rate(const struct example_adapter *a, uint32_t rate_hz)
{
	USHORT ext, got;
	return codec_read(a, CODEC_EXT_AUDIO_CTRL, &ext) &&
	       codec_write(a, CODEC_EXT_AUDIO_CTRL, (USHORT)(ext | CODEC_EA_VRA)) &&
	       codec_write(a, CODEC_PCM_FRONT_DAC_RATE, (USHORT)rate_hz) &&
	       codec_read(a, CODEC_PCM_FRONT_DAC_RATE, &got) && got == rate_hz;
}

static NTSTATUS stream_open(void *adapter, void *stream, const struct ac97sim_stream_params *p)
{
	struct example_adapter *a = adapter;
	struct example_stream *s = stream;
	if (p->engine != AC97_PO)
		return STATUS_NOT_SUPPORTED;	/* render only */
	if (p->channels != 2 || a->render != NULL)
		return STATUS_INVALID_PARAMETER;
	if (p->rate_hz != 48000 && (p->rate_hz > 0xFFFF || !set_dac_rate(a, p->rate_hz)))
		return STATUS_NOT_SUPPORTED;
	s->adapter = a;
	s->port = p->port;
	s->state = KSSTATE_STOP;
	s->rate_hz = p->rate_hz;
	s->next_tag = 1;
	KeInitializeSpinLock(&s->lock);
	s->bdl = AcAllocateCommonBuffer(AC97_BDL_ENTRIES * AC97_BD_BYTES, &s->bdl_physical);
	if (s->bdl == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	WRITE_PORT_UCHAR(po_register(s, AC97_CR), AC97_CR_RR);
	WRITE_PORT_ULONG((PULONG)po_register(s, AC97_BDBAR), s->bdl_physical.LowPart);
	struct render_link link = { a, s };
	KeSynchronizeExecution(&a->interrupt, set_render_stream, &link);
	return STATUS_SUCCESS;
}

static void stream_close(void *stream)
{
	struct example_stream *s = stream;
	KIRQL irql;
	KeAcquireSpinLock(&s->lock, &irql);
	WRITE_PORT_UCHAR(po_register(s, AC97_CR), 0);	/* no DMA, no interrupts */
	KeReleaseSpinLock(&s->lock, irql);
	struct render_link link = { s->adapter, NULL };
	KeSynchronizeExecution(&s->adapter->interrupt, set_render_stream, &link);
	AcFreeCommonBuffer(s->bdl, AC97_BDL_ENTRIES * AC97_BD_BYTES);
}

AC97SIM_DRIVER_DEFINE = {
	.abi = AC97SIM_DRIVER_ABI,
	.name = "example",
#ifdef EXAMPLE_FIXED
	.description = "the SDK's example render miniport (fixed)",
#else
	.description = "the SDK's example render miniport (releases before it unlinks: a race)",
#endif
	.adapter_bytes = sizeof(struct example_adapter),
	.stream_bytes = sizeof(struct example_stream),
	.adapter_start = adapter_start,
	.adapter_stop = adapter_stop,
	.stream_open = stream_open,
	.stream_close = stream_close,
	.stream_ops = {
		.set_state = set_state,
		.service = service,
		.mapping_available = mapping_available,
		.revoke_mappings = revoke_mappings,
		.get_position = get_position,
	},
};
