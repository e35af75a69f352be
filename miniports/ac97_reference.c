/*
 * ac97_reference.c - the reference AC'97 WavePci miniport (see the header
 * for the invariants it keeps and the shape of its revoke).
 *
 * Locking: s->lock covers the shadow list, the BDL and every register write
 * of the stream's engine. It is never held across PortGetMapping or
 * PortReleaseMapping; after retaking it, the code re-reads what it needs
 * (head, count, CIV) instead of trusting anything from before the drop.
 * The ISR takes no spin lock: it only reads and clears status, which the
 * controller makes safe (SR's status bits are write-1-to-clear).
 *
 * Not done here: power management, formats other than 16-bit PCM, the
 * modem codec, S/PDIF.
 */
#include "ac97_reference.h"

#include <string.h>

/* ---- registers ----------------------------------------------------------------- */

static PUCHAR reg(const struct ac97_stream *s, uint32_t off)
{
	return s->adapter->res.Nabmbar + (uint32_t)s->engine * AC97_ENGINE_STRIDE + off;
}

static UCHAR rd8(const struct ac97_stream *s, uint32_t off)
{
	return READ_PORT_UCHAR(reg(s, off));
}

static USHORT rd16(const struct ac97_stream *s, uint32_t off)
{
	return READ_PORT_USHORT((PUSHORT)reg(s, off));
}

static void wr8(const struct ac97_stream *s, uint32_t off, UCHAR v)
{
	WRITE_PORT_UCHAR(reg(s, off), v);
}

static void wr32(const struct ac97_stream *s, uint32_t off, ULONG v)
{
	WRITE_PORT_ULONG((PULONG)reg(s, off), v);
}

static PVOID tag_pointer(ac97_tag tag)
{
	return (PVOID)(uintptr_t)tag;
}

static const uint8_t cr_enables = AC97_CR_IOCE | AC97_CR_LVBIE | AC97_CR_FEIE;

/* The ICH datasheet does not give the FIFO's depth; 64 samples bounds any
 * part we know of generously. */
#define FIFO_BOUND_SAMPLES 64u

#define BOUNCE_OFFSET (MINIPORT_BDL_ENTRIES * AC97_BD_BYTES + 16u)
#define COMMON_BYTES (BOUNCE_OFFSET + MINIPORT_BDL_ENTRIES * 4u)

/* Codec (mixer) register access: wait for CAS (bounded), then access. */
static bool mixer_wait(const struct ac97_adapter *a)
{
	for (int i = 0; i < 100; i++) {
		if ((READ_PORT_UCHAR(a->res.Nabmbar + AC97_CAS) & 1u) == 0)
			return true;
		KeStallExecutionProcessor(25);
	}
	return false;
}

static bool mixer_write(const struct ac97_adapter *a, uint32_t off, uint16_t value)
{
	if (!mixer_wait(a))
		return false;
	WRITE_PORT_USHORT((PUSHORT)(a->res.Nambar + off), value);
	return true;
}

static bool mixer_read(const struct ac97_adapter *a, uint32_t off, uint16_t *value)
{
	if (!mixer_wait(a))
		return false;
	*value = READ_PORT_USHORT((PUSHORT)(a->res.Nambar + off));
	return true;
}

/* ---- the interrupt ---------------------------------------------------------------- */

static BOOLEAN ac97_isr(PKINTERRUPT intr, PVOID ctx)
{
	(void)intr;
	struct ac97_adapter *a = ctx;
	uint32_t gsta = READ_PORT_ULONG((PULONG)(a->res.Nabmbar + AC97_GLOB_STA));
	static const uint32_t int_bit[AC97_ENGINE_COUNT] = {
		[AC97_PI] = AC97_GS_PIINT, [AC97_PO] = AC97_GS_POINT, [AC97_MC] = AC97_GS_MINT,
	};
	bool claimed = false;
	for (int e = 0; e < AC97_ENGINE_COUNT; e++) {
		if (!(gsta & int_bit[e]))
			continue;
		/* Clear every status bit seen, stream or not: an engine with
		 * status and no stream would hold the level-triggered line up. */
		PUSHORT sr = (PUSHORT)(a->res.Nabmbar + (uint32_t)e * AC97_ENGINE_STRIDE + AC97_SR);
		uint16_t st = READ_PORT_USHORT(sr) & (AC97_SR_LVBCI | AC97_SR_BCIS | AC97_SR_FIFOE);
		if (st == 0)
			continue;
		WRITE_PORT_USHORT(sr, st);
		claimed = true;
		if (a->streams[e] == NULL)
			AcMark("stray-status");
		else if (a->streams[e]->revoking)
			AcMark("interrupt-during-revoke");
		/* Atomic (WDM: InterlockedExchange): the DPC takes the flag on
		 * another CPU while this ISR may set it again (ThreadSanitizer
		 * on the native backend reported the plain bool). */
		if (a->streams[e] != NULL)
			__atomic_store_n(&a->streams[e]->service_pending, true, __ATOMIC_RELEASE);
	}
	if (claimed)
		KeInsertQueueDpc(&a->dpc, NULL, NULL);
	return claimed;
}

static void ac97_dpc(KDPC *dpc, void *ctx, void *arg1, void *arg2)
{
	(void)dpc;
	(void)arg1;
	(void)arg2;
	struct ac97_adapter *a = ctx;
	for (int e = 0; e < AC97_ENGINE_COUNT; e++) {
		/* Not under the interrupt's lock, which guards the list's
		 * writes: an atomic load, as a WDM driver's aligned pointer
		 * read is. A stream taken out meanwhile is still whole: its
		 * close flushes the DPCs before it frees anything. */
		struct ac97_stream *s = __atomic_load_n(&a->streams[e], __ATOMIC_ACQUIRE);
		if (s != NULL && __atomic_exchange_n(&s->service_pending, false, __ATOMIC_ACQ_REL)) {
			PortNotify(s->port);
		}
	}
}

static void timer_dpc(KDPC *dpc, void *ctx, void *arg1, void *arg2)
{
	(void)dpc;
	(void)arg1;
	(void)arg2;
	struct ac97_stream *s = ctx;
	PortNotify(s->port);
}

/* ---- the adapter ---------------------------------------------------------------- */

NTSTATUS ac97_adapter_start(struct ac97_adapter *a, const AC97SIM_RESOURCES *res,
			    const struct ac97_policy *policy)
{
	memset(a, 0, sizeof(*a));
	a->policy = *policy;
	a->res = *res;
	WRITE_PORT_ULONG((PULONG)(a->res.Nabmbar + AC97_GLOB_CNT), AC97_GC_COLD);
	/* The codec has a second to come out of reset. */
	int waited_us = 0;
	while (!(READ_PORT_ULONG((PULONG)(a->res.Nabmbar + AC97_GLOB_STA)) & AC97_GS_S0CR)) {
		if (waited_us >= 1000000)
			return STATUS_UNSUCCESSFUL;
		KeStallExecutionProcessor(100);
		waited_us += 100;
	}
	if (!mixer_write(a, CODEC_MASTER_VOL, 0x0000) || !mixer_write(a, CODEC_PCM_OUT_VOL, 0x0808) ||
	    !mixer_write(a, CODEC_RECORD_GAIN, 0x0000) ||
	    !mixer_write(a, CODEC_RECORD_GAIN_MIC, 0x0000))
		return STATUS_UNSUCCESSFUL;
	KeInitializeDpc(&a->dpc, ac97_dpc, a);
	NTSTATUS st = AcConnectInterrupt(&a->interrupt, ac97_isr, a);
	if (!NT_SUCCESS(st))
		return st;
	a->started = true;
	return STATUS_SUCCESS;
}

static NTSTATUS reference_start(void *adapter, const AC97SIM_RESOURCES *res)
{
	return ac97_adapter_start(adapter, res, &ac97_reference_policy);
}

void ac97_adapter_stop(void *adapter)
{
	struct ac97_adapter *a = adapter;
	if (!a->started)
		return;
	AcDisconnectInterrupt(&a->interrupt);
	KeRemoveQueueDpc(&a->dpc);
	/* Invariant 10: a DPC the ISR queued may have started already. */
	KeFlushQueuedDpcs();
	WRITE_PORT_ULONG((PULONG)(a->res.Nabmbar + AC97_GLOB_CNT), 0);
	a->started = false;
}

/* ---- the descriptor list ---------------------------------------------------------- */

static uint32_t tail_of(const struct ac97_stream *s)
{
	return (s->head + s->count) % MINIPORT_BDL_ENTRIES;
}

static void write_descriptor(struct ac97_stream *s, uint32_t slot, uint32_t addr,
			     uint32_t bytes, bool ioc)
{
	uint32_t dw1 = (bytes / 2) | (ioc ? AC97_BD_IOC : 0);
	uint8_t *d = s->bdl + AC97_BD_BYTES * slot;
	for (int i = 0; i < 4; i++) {
		d[i] = (uint8_t)(addr >> (8 * i));
		d[4 + i] = (uint8_t)(dw1 >> (8 * i));
	}
}

static void write_null_descriptor(struct ac97_stream *s, uint32_t slot)
{
	write_descriptor(s, slot, s->null_physical, 0, false);
}

/* Largest piece of a mapping one descriptor takes: whole frames. */
static uint32_t piece_bytes(const struct ac97_stream *s, uint32_t left)
{
	uint32_t frame = 2u * s->channels;
	uint32_t max = s->descriptor_max_bytes / frame * frame;
	return left < max ? left : max;
}

/* Queues pieces of the split remainder while descriptors are free. */
static void queue_split(struct ac97_stream *s)
{
	while (s->split_active && s->count < MINIPORT_BDL_IN_USE_MAX) {
		uint32_t n = piece_bytes(s, s->split_bytes_left);
		uint32_t slot = tail_of(s);
		bool last = n == s->split_bytes_left;
		write_descriptor(s, slot, s->split_physical, n, !s->timer_service);
		s->shadow[slot] = (struct ac97_shadow){
			.tag = s->split_tag, .physical = s->split_physical, .bytes = n,
			.last_part = last && s->split_releases,
		};
		s->count++;
		s->list_changes++;
		if (!last)
			AcMark("split-mapping");	/* one mapping, several descriptors */
		s->split_physical += n;
		s->split_bytes_left -= n;
		s->split_active = !last;
		if (s->count == MINIPORT_BDL_IN_USE_MAX)
			AcMark("full-list");
	}
}

/* A mapping from the port, cut into whole frames. A frame that straddles
 * two mappings (a buffer starting half a frame into a page) goes out as a
 * bounce frame built from the carried sample and the new mapping's first:
 * never an odd-length descriptor, never a sample dropped. Called with a
 * free descriptor (the producer asks for a mapping only then). */
static void queue_mapping(struct ac97_stream *s, ac97_tag tag, uint32_t phys,
			  uint8_t *virt, uint32_t bytes)
{
	uint32_t frame = 2u * s->channels;
	if (s->carry) {
		uint32_t slot = tail_of(s);
		uint8_t *bf = s->bounce + frame * slot;
		memcpy(bf, s->carry_sample, 2);
		memcpy(bf + 2, virt, 2);
		write_descriptor(s, slot, s->bounce_physical + frame * slot, frame,
				 !s->timer_service);
		s->shadow[slot] = (struct ac97_shadow){
			.tag = s->carry_tag, .physical = s->bounce_physical + frame * slot,
			.bytes = frame, .last_part = true, .bounce = true,
			.tag2 = tag, .tag2_ends = bytes == 2,
		};
		s->count++;
		s->list_changes++;
		AcMark("bounce-frame");
		s->carry = false;
		phys += 2;
		virt += 2;
		bytes -= 2;
		if (bytes == 0)
			return;
	}
	uint32_t whole = bytes / frame * frame;
	uint32_t rest = bytes - whole;	/* 0, or one sample of a stereo frame */
	if (rest != 0) {
		s->carry = true;
		s->carry_tag = tag;
		memcpy(s->carry_sample, virt + whole, 2);
	}
	if (whole == 0)
		return;
	s->split_active = true;
	s->split_tag = tag;
	s->split_physical = phys;
	s->split_bytes_left = whole;
	s->split_releases = rest == 0;
	queue_split(s);
}

static void write_lvi(struct ac97_stream *s, uint8_t lvi)
{
	wr8(s, AC97_LVI, lvi);
	s->lvi_written = lvi;
	s->lvi_valid = true;
}

static void set_lvi(struct ac97_stream *s)
{
	if (s->count == 0 || s->hold_lvi)
		return;
	write_lvi(s, (uint8_t)((tail_of(s) + MINIPORT_BDL_ENTRIES - 1) % MINIPORT_BDL_ENTRIES));
}

/* The invariants of the header, checked whenever the lock is let go (the
 * quirky variants are exempt from those their quirk breaks on purpose). */
static void check_invariants(const struct ac97_stream *s)
{
	uint32_t why = 0;
	if (s->count > MINIPORT_BDL_IN_USE_MAX)
		why = 1;	/* 1: at most 31 in use */
	bool have_prev = false;
	ac97_tag prev = 0;
	for (uint32_t i = 0; i < s->count && why == 0; i++) {
		uint32_t slot = (s->head + i) % MINIPORT_BDL_ENTRIES;
		const struct ac97_shadow *sh = &s->shadow[slot];
		const uint8_t *d = s->bdl + AC97_BD_BYTES * slot;
		uint32_t addr = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
				(uint32_t)d[3] << 24;
		uint32_t len = (uint32_t)d[4] | (uint32_t)d[5] << 8;
		bool null = sh->tombstone || sh->completed;
		/* 2: descriptor and shadow describe the same piece (a revoked
		 * prefetched entry is emptied only once the engine let go of it) */
		if (!null && (addr != sh->physical || 2u * len != sh->bytes))
			why = 2;
		if (null && !s->hold_lvi && len != 0)
			why = 2;
		/* 9 (and GetMapping order): tags only grow along the list */
		if (!sh->tombstone && s->adapter->policy.tags_increase) {
			if (have_prev && sh->tag < prev)
				why = 9;
			prev = sh->tag;
			have_prev = true;
		}
	}
	/* 3: while entries exist, LVI = tail - 1 (but while halting at CIV) */
	if (why == 0 && s->count > 0 && s->lvi_valid && !s->hold_lvi &&
	    s->lvi_written != (tail_of(s) + MINIPORT_BDL_ENTRIES - 1) % MINIPORT_BDL_ENTRIES)
		why = 3;
	/* The invariants in words, as the header numbers them. */
	static const char *const broken[] = {
		[1] = "invariant 1: at most 31 descriptors in use",
		[2] = "invariant 2: descriptor and shadow record describe the same mapping",
		[3] = "invariant 3: while entries exist, LVI = tail - 1",
		[9] = "invariant 9: tags only grow along the list (GetMapping order, no reuse)",
	};
	if (why != 0)
		AcBugCheck(broken[why], MINIPORT_BUGCHECK_INVARIANT, why, s->head, s->count, s->engine);
}

void ac97_unlock(struct ac97_stream *s, KIRQL old)
{
	check_invariants(s);
	KeReleaseSpinLock(&s->lock, old);
}

/* Entries that still carry audio (not played, not revoked). */
static uint32_t entries_pending(const struct ac97_stream *s)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->count; i++) {
		const struct ac97_shadow *sh = &s->shadow[(s->head + i) % MINIPORT_BDL_ENTRIES];
		n += !sh->tombstone && !sh->completed;
	}
	return n;
}

/* Starts DMA from a reset engine when there is enough queued (invariant 7). */
static void maybe_start(struct ac97_stream *s)
{
	if (s->dma_started || s->state != KSSTATE_RUN || s->count == 0)
		return;
	uint32_t pending = entries_pending(s);
	if (pending < 2 && !(pending >= 1 && s->port_empty))
		return;
	if (pending == 1)
		AcMark("start-one-entry");
	set_lvi(s);
	wr8(s, AC97_CR, AC97_CR_RPBM | cr_enables);
	s->dma_started = true;
}

/* Resets the engine and lays the list out again from slot 0: what a
 * revoke of the current entry needs, and what a stopped stream does before
 * it runs again. The first `played` entries have been played: they stay,
 * as zero-length descriptors marked completed, so that their releases
 * still go in order; revoked entries (tombstones) go. */
static void reset_and_rebuild(struct ac97_stream *s, uint32_t played)
{
	wr8(s, AC97_CR, 0);
	wr8(s, AC97_CR, AC97_CR_RR | cr_enables);
	struct ac97_shadow keep[MINIPORT_BDL_ENTRIES];
	/* A bounce frame lives in its slot's bounce memory: moving to another
	 * slot, it takes its bytes along (the old slot's memory is another
	 * entry's from now on). */
	uint8_t keep_bounce[MINIPORT_BDL_ENTRIES][4];
	uint32_t frame = 2u * s->channels;
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->count; i++) {
		uint32_t slot = (s->head + i) % MINIPORT_BDL_ENTRIES;
		struct ac97_shadow sh = s->shadow[slot];
		if (sh.tombstone)
			continue;
		if (i < played)
			sh.completed = true;
		if (sh.bounce)
			memcpy(keep_bounce[n], s->bounce + frame * slot, frame);
		keep[n++] = sh;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (keep[i].bounce) {
			memcpy(s->bounce + frame * i, keep_bounce[i], frame);
			keep[i].physical = s->bounce_physical + frame * i;
		}
		s->shadow[i] = keep[i];
		if (keep[i].completed)
			write_null_descriptor(s, i);
		else
			write_descriptor(s, i, keep[i].physical, keep[i].bytes,
					 !s->timer_service);
	}
	s->head = 0;
	s->count = n;
	s->list_changes++;
	s->rebuilds++;
	s->dma_started = false;
	s->hold_lvi = false;
	s->lvi_valid = false;	/* RR put LVI back to 0 */
	wr32(s, AC97_BDBAR, s->bdl_physical);
	set_lvi(s);
}

/* ---- producer ------------------------------------------------------------------ */

/* Takes mappings from the port while descriptors are free. Called with the
 * lock held; returns with it held. */
static void produce_locked(struct ac97_stream *s, KIRQL *old_irql)
{
	const struct ac97_policy *p = &s->adapter->policy;
	if (!p->enter_producer(s)) {
		AcMark("second-producer");
		p->producer_busy(s);
		return;
	}
	do {
		s->produce_again = false;
		queue_split(s);
		set_lvi(s);
		while (!s->split_active && s->count < MINIPORT_BDL_IN_USE_MAX &&
		       (s->state == KSSTATE_PAUSE || s->state == KSSTATE_RUN)) {
			ac97_tag tag = p->next_tag(s);
			PHYSICAL_ADDRESS phys;
			PVOID virt;
			ULONG bytes, flags;
			s->getting = true;
			s->getting_tag = tag;
			s->getting_revoked = false;
			NTSTATUS st = p->get_mapping(s, old_irql, tag, &phys, &virt, &bytes, &flags);
			s->getting = false;
			if (NT_SUCCESS(st) && s->getting_revoked) {
				AcMark("revoke-during-get");
				continue;	/* revoked before it was listed */
			}
			if (st == STATUS_NOT_FOUND) {
				s->port_empty = true;
				break;
			}
			if (!NT_SUCCESS(st))
				break;
			s->port_empty = false;
			/* Capture cannot bounce (the halves would have to be copied
			 * out after DMA): its buffers must hold whole frames. */
			if (s->capture && bytes % (2u * s->channels) != 0)
				KeBugCheckEx(BUGCHECK_DRIVER_VERIFIER_DETECTED_VIOLATION, bytes,
					     2u * s->channels, 0, 0);
			queue_mapping(s, tag, phys.LowPart, virt, bytes);
			set_lvi(s);	/* invariant 3 holds at every drop of the lock */
		}
		set_lvi(s);
		maybe_start(s);
	} while (s->produce_again);
	s->producing = false;
}

/* ---- consumer -------------------------------------------------------------------- */

/* How many entries from head are done, from CIV and CELV (invariant 4). */
uint32_t ac97_entries_done(struct ac97_stream *s)
{
	if (!s->dma_started)
		return 0;
	uint8_t civ = rd8(s, AC97_CIV) & 0x1F;
	uint16_t sr = rd16(s, AC97_SR);
	uint32_t d = (civ + MINIPORT_BDL_ENTRIES - s->head) % MINIPORT_BDL_ENTRIES;
	/* LVI = tail - 1 keeps CIV inside the list or on a slot already
	 * released (halted there before new entries came): outside the list
	 * means behind it, and nothing listed is done yet. */
	if (d >= s->count)
		return 0;
	if (sr & AC97_SR_CELV)
		d++;			/* halted at LVI with it done */
	return d;
}

/* When the engine halted at the end of the current entry on purpose (to
 * get past a revoked, prefetched one), rewrite what was revoked and let it
 * run on: the next descriptor is fetched afresh. */
static void finish_hold(struct ac97_stream *s)
{
	if (!s->hold_lvi)
		return;
	uint16_t sr = rd16(s, AC97_SR);
	if (!(sr & AC97_SR_CELV))
		return;
	for (uint32_t i = 0; i < s->count; i++) {
		uint32_t slot = (s->head + i) % MINIPORT_BDL_ENTRIES;
		if (s->shadow[slot].tombstone)
			write_null_descriptor(s, slot);
	}
	s->hold_lvi = false;
	set_lvi(s);
}

static void consume_locked(struct ac97_stream *s, KIRQL *old_irql)
{
	if (s->consuming) {
		AcMark("second-consumer");
		s->consume_again = true;
		return;
	}
	s->consuming = true;
	uint32_t released = 0;
	do {
		s->consume_again = false;
		finish_hold(s);
		for (;;) {
			/* Derived again after every drop of the lock. */
			uint32_t done = s->adapter->policy.entries_done(s);
			if (done == 0 && !(s->count > 0 && s->shadow[s->head].completed))
				break;
			struct ac97_shadow sh = s->shadow[s->head];
			s->head = (s->head + 1) % MINIPORT_BDL_ENTRIES;
			s->count--;
			s->list_changes++;
			if (++released == 2)
				AcMark("coalesced-interrupt");	/* several done at once */
			if (sh.tombstone || !sh.last_part) {
				if (!sh.tombstone)
					s->bytes_done += sh.bytes;
				continue;
			}
			s->bytes_done += sh.bytes;
			const ac97_tag tags[2] = { sh.tag, sh.tag2 };
			s->adapter->policy.release_mappings(s, old_irql, tags,
							    sh.bounce && sh.tag2_ends ? 2u : 1u);
		}
	} while (s->consume_again);
	s->consuming = false;
}

/* ---- the stream as the port calls it ------------------------------------------- */

void ac97_service(void *stream)
{
	struct ac97_stream *s = stream;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	if (s->state == KSSTATE_STOP)
		AcMark("stopped-under-dpc");
	consume_locked(s, &old);
	produce_locked(s, &old);
	ac97_unlock(s, old);
}

void ac97_mapping_available(void *stream)
{
	struct ac97_stream *s = stream;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	if (s->producing)
		AcMark("available-during-fill");
	produce_locked(s, &old);
	ac97_unlock(s, old);
}

NTSTATUS ac97_set_state(void *stream, KSSTATE state)
{
	struct ac97_stream *s = stream;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	KSSTATE was = s->state;
	s->state = state;
	switch (state) {
	case KSSTATE_STOP:
		/* Stop and reset; the port revokes what is still acquired. */
		reset_and_rebuild(s, s->adapter->policy.entries_done(s));
		s->stopped_with_entries = s->count > 0;
		if (s->timer_service)
			KeCancelTimer(&s->timer);
		/* A stopped stream's position is 0 (KSSTATE_STOP). */
		s->bytes_done = 0;
		s->last_position = 0;
		break;
	case KSSTATE_ACQUIRE:
		/* Again on the way out of STOP: a release of an entry played
		 * before the STOP may have counted it after the reset above
		 * (the port waits for such releases before STOP is done). */
		if (was == KSSTATE_STOP) {
			s->bytes_done = 0;
			s->last_position = 0;
		}
		break;
	case KSSTATE_PAUSE:
		if (was == KSSTATE_RUN && s->dma_started)
			wr8(s, AC97_CR, cr_enables);	/* RPBM off: pause */
		produce_locked(s, &old);
		break;
	case KSSTATE_RUN:
		if (was == KSSTATE_PAUSE && s->stopped_with_entries)
			AcMark("stop-restart");
		s->stopped_with_entries = false;
		if (s->dma_started)
			wr8(s, AC97_CR, AC97_CR_RPBM | cr_enables);	/* resume */
		produce_locked(s, &old);
		maybe_start(s);
		if (s->timer_service) {
			LARGE_INTEGER due;
			due.QuadPart = -(LONGLONG)s->timer_period_ms * 10000;
			KeSetTimerEx(&s->timer, due, (LONG)s->timer_period_ms, &s->timer_dpc);
		}
		break;
	}
	ac97_unlock(s, old);
	return STATUS_SUCCESS;
}

/* Pauses DMA for a revoke and says whether it was running. The engine
 * halts at once (RPBM clear); DCH confirms it. */
static bool pause_for_revoke(struct ac97_stream *s)
{
	if (!s->dma_started)
		return false;
	uint8_t cr = rd8(s, AC97_CR);
	if (!(cr & AC97_CR_RPBM))
		return false;
	wr8(s, AC97_CR, cr_enables);
	for (int i = 0; i < 16 && !(rd16(s, AC97_SR) & AC97_SR_DCH); i++)
		KeStallExecutionProcessor(1);
	return true;
}

/* How long the link takes to empty a full FIFO at the stream's rate. */
static uint32_t fifo_drain_us(const struct ac97_stream *s)
{
	uint32_t frames = FIFO_BOUND_SAMPLES / s->channels;
	return (uint32_t)(((uint64_t)frames * 1000000u + s->rate_hz - 1) / s->rate_hz) + 1;
}

static bool in_range(const struct ac97_stream *s, ac97_tag tag, ac97_tag first,
		     ac97_tag last)
{
	return s->adapter->policy.in_revoke_range(tag, first, last);
}

/* Whether the stream's tags are consecutive counters, so that a range's
 * width is its number of mappings. */
static bool tags_increase_here(const struct ac97_stream *s)
{
	return s->adapter->policy.tags_increase;
}

bool ac97_listed(const struct ac97_stream *s, ac97_tag tag)
{
	if ((s->split_active && s->split_tag == tag) || (s->carry && s->carry_tag == tag))
		return true;
	for (uint32_t i = 0; i < s->count; i++) {
		const struct ac97_shadow *sh = &s->shadow[(s->head + i) % MINIPORT_BDL_ENTRIES];
		if (!sh->tombstone && sh->tag == tag)
			return true;
	}
	return false;
}

/* The port handed the in-flight GetMapping's mapping out and the call has
 * not come back under the lock yet: nothing of it is listed, and the
 * producer will drop it, so it is revoked here (a count without it would
 * have the port wait for a release that never comes). */
static void revoke_getting(struct ac97_stream *s, ac97_tag first, ac97_tag last, ULONG *revoked)
{
	if (s->getting && !s->getting_revoked && in_range(s, s->getting_tag, first, last)) {
		(*revoked)++;
		s->getting_revoked = true;
	}
}

NTSTATUS ac97_revoke_mappings(void *stream, PVOID first_tag, PVOID last_tag, PULONG revoked)
{
	struct ac97_stream *s = stream;
	ac97_tag first = (ac97_tag)(uintptr_t)first_tag, last = (ac97_tag)(uintptr_t)last_tag;
	KIRQL old;
	*revoked = 0;
	if (first > last)
		return STATUS_INVALID_PARAMETER;
	KeAcquireSpinLock(&s->lock, &old);
	/* Only what is still listed counts: some of the range may have been
	 * released since the port chose it (the release won that race). */
	bool any = (s->split_active && in_range(s, s->split_tag, first, last)) ||
		   (s->carry && in_range(s, s->carry_tag, first, last));
	for (uint32_t i = 0; i < s->count && !any; i++) {
		const struct ac97_shadow *sh = &s->shadow[(s->head + i) % MINIPORT_BDL_ENTRIES];
		any = !sh->tombstone && in_range(s, sh->tag, first, last);
	}
	if (!any) {
		AcMark("revoke-clamped");	/* nothing of the range still listed */
		revoke_getting(s, first, last, revoked);
		ac97_unlock(s, old);
		return STATUS_SUCCESS;
	}
	if (!s->dma_started && s->count > 0)
		AcMark("cancel-during-rebuild");	/* the list laid out again, DMA not restarted */
	s->revoking = true;
	bool was_running = pause_for_revoke(s);
	if (was_running)
		AcMark("revoke-while-running");
	uint32_t cur = 0;	/* list position of the entry at CIV */
	bool cur_done = true;
	if (s->dma_started) {
		uint8_t civ = rd8(s, AC97_CIV) & 0x1F;
		uint16_t sr = rd16(s, AC97_SR);
		cur = (civ + MINIPORT_BDL_ENTRIES - s->head) % MINIPORT_BDL_ENTRIES;
		cur_done = (sr & AC97_SR_CELV) != 0 || cur >= s->count;
	}
	bool cur_revoked = false, piv_revoked = false;
	ac97_tag counted_last = 0;
	bool counted_any = false;
	for (uint32_t i = 0; i < s->count; i++) {
		uint32_t slot = (s->head + i) % MINIPORT_BDL_ENTRIES;
		struct ac97_shadow *sh = &s->shadow[slot];
		if (!sh->tombstone && sh->bounce && sh->tag2_ends &&
		    in_range(s, sh->tag2, first, last)) {
			/* The second mapping was only this frame's second half: it
			 * is revoked (that half may still play: a prefix), and
			 * the frame stays for the first mapping. */
			sh->tag2_ends = false;
			(*revoked)++;
		}
		if (sh->tombstone || !in_range(s, sh->tag, first, last))
			continue;
		if (!counted_any || sh->tag != counted_last) {
			(*revoked)++;	/* a mapping split in pieces counts once */
			counted_last = sh->tag;
			counted_any = true;
		}
		sh->tombstone = true;
		if (!s->dma_started || i < cur || (i == cur && cur_done)) {
			/* Played already, or DMA stopped: nothing holds a copy of
			 * this descriptor, so it can be emptied now (a restart
			 * from slot 0 passes over it). */
			sh->completed = true;
			write_null_descriptor(s, slot);
		} else if (i == cur) {
			cur_revoked = true;
		} else if (i == cur + 1 && !cur_done) {
			piv_revoked = true;	/* prefetched: cannot be rewritten now */
		} else {
			write_null_descriptor(s, slot);
		}
	}
	if (s->split_active && in_range(s, s->split_tag, first, last)) {
		if (!counted_any || s->split_tag != counted_last)
			(*revoked)++;
		counted_last = s->split_tag;
		counted_any = true;
		s->split_active = false;
	}
	if (s->carry && in_range(s, s->carry_tag, first, last)) {
		/* The carried half goes with its mapping: the IRP is cancelled,
		 * IRPs hold whole frames, so the next mapping (another IRP's)
		 * starts on a frame and nothing is paired with the orphan. */
		if (!counted_any || s->carry_tag != counted_last)
			(*revoked)++;
		s->carry = false;
	}
	revoke_getting(s, first, last, revoked);
	if (tags_increase_here(s) && *revoked < last - first + 1)
		AcMark("revoke-clamped");	/* part of the range no longer listed */
	if (cur_revoked)
		AcMark("revoke-current");
	if (piv_revoked)
		AcMark("revoke-prefetched");
	s->list_changes++;
	if (s->adapter->policy.revoke_resets(s, cur_revoked)) {
		/* The current buffer is revoked: only a reset gets the engine
		 * off it. The reset empties the FIFO, which may still hold the
		 * end of the previous (surviving, perhaps released) buffer: with
		 * DMA paused the link keeps taking from the FIFO, so wait until
		 * it must have played out. */
		if (was_running)
			KeStallExecutionProcessor(fifo_drain_us(s));
		reset_and_rebuild(s, s->dma_started ? cur + (cur_done ? 1 : 0) : 0);
		maybe_start(s);
	} else if (piv_revoked) {
		/* Stop at the end of the current buffer; finish_hold resumes. */
		s->hold_lvi = true;
		write_lvi(s, (uint8_t)((s->head + cur) % MINIPORT_BDL_ENTRIES));
		if (was_running)
			wr8(s, AC97_CR, AC97_CR_RPBM | cr_enables);
	} else if (was_running) {
		wr8(s, AC97_CR, AC97_CR_RPBM | cr_enables);
	}
	bool streaming = s->state == KSSTATE_PAUSE || s->state == KSSTATE_RUN;
	s->revoking = false;
	ac97_unlock(s, old);
	/* A revoke can empty the hardware queue; then no interrupt will come
	 * to ask for more. A Service pass takes the next mappings. */
	if (streaming)
		PortNotify(s->port);
	return STATUS_SUCCESS;
}

NTSTATUS ac97_get_position(void *stream, PULONGLONG position_bytes)
{
	struct ac97_stream *s = stream;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	uint64_t pos = s->bytes_done;
	if (s->state == KSSTATE_STOP) {
		pos = 0;	/* counts again from the next run */
	} else if (s->dma_started && s->count > 0) {
		/* CIV and PICB are two reads: take them again until CIV holds
		 * still around PICB, so they describe one moment. */
		uint8_t civ, civ2;
		uint16_t picb;
		int tries = 0;
		do {
			civ = rd8(s, AC97_CIV) & 0x1F;
			picb = rd16(s, AC97_PICB);
			civ2 = rd8(s, AC97_CIV) & 0x1F;
			if (civ != civ2)
				AcMark("position-reread");
		} while (civ != civ2 && ++tries < 8);
		uint32_t d = (civ + MINIPORT_BDL_ENTRIES - s->head) % MINIPORT_BDL_ENTRIES;
		for (uint32_t i = 0; i < d && i < s->count; i++) {
			const struct ac97_shadow *sh = &s->shadow[(s->head + i) % MINIPORT_BDL_ENTRIES];
			if (!sh->tombstone)
				pos += sh->bytes;
		}
		if (d < s->count) {
			const struct ac97_shadow *sh = &s->shadow[civ];
			if (!sh->tombstone && 2u * picb <= sh->bytes)
				pos += sh->bytes - 2u * picb;
		}
	} else {
		/* Not started since a reset: the entries it left played wait at
		 * the head to be released, and count already. */
		for (uint32_t i = 0; i < s->count; i++) {
			const struct ac97_shadow *sh = &s->shadow[(s->head + i) % MINIPORT_BDL_ENTRIES];
			if (!sh->tombstone && sh->completed)
				pos += sh->bytes;
		}
	}
	if (pos < s->last_position)
		pos = s->last_position;	/* never backwards, whatever a revoke did */
	s->last_position = pos;
	ac97_unlock(s, old);
	*position_bytes = pos;
	return STATUS_SUCCESS;
}

/* ---- opening a stream ------------------------------------------------------------- */

/* The largest piece of a mapping one descriptor carries when the stream's
 * hints do not say: 65534 samples, even. */
#define DESCRIPTOR_MAX_BYTES_DEFAULT (0xFFFEu * 2u)
#define TIMER_PERIOD_MS_DEFAULT 5u

/* The adapter's list changes under the interrupt's lock
 * (KeSynchronizeExecution), so the ISR sees a stream whole or not at all. */
struct stream_link {
	struct ac97_adapter *adapter;
	enum ac97_engine_id engine;
	struct ac97_stream *stream;	/* NULL: out of the list */
};

static BOOLEAN set_stream(PVOID context)
{
	const struct stream_link *link = context;
	/* Atomic for the DPC, which reads the list without this lock. */
	__atomic_store_n(&link->adapter->streams[link->engine], link->stream, __ATOMIC_RELEASE);
	return TRUE;
}

NTSTATUS ac97_stream_open(void *adapter, void *stream, const struct ac97sim_stream_params *p)
{
	struct ac97_adapter *a = adapter;
	struct ac97_stream *s = stream;
	enum ac97_engine_id engine = p->engine;
	uint32_t channels = p->channels, rate_hz = p->rate_hz;
	if ((unsigned)engine >= AC97_ENGINE_COUNT || a->streams[engine] != NULL)
		return STATUS_INVALID_PARAMETER;
	if (channels != (engine == AC97_MC ? 1u : 2u))
		return STATUS_INVALID_PARAMETER;
	memset(s, 0, sizeof(*s));
	s->adapter = a;
	s->engine = engine;
	s->port = p->port;
	s->capture = engine != AC97_PO;
	s->channels = channels;
	s->rate_hz = rate_hz;
	s->descriptor_max_bytes =
		p->descriptor_max_bytes != 0 ? p->descriptor_max_bytes : DESCRIPTOR_MAX_BYTES_DEFAULT;
	s->timer_service = p->timer_service != 0;
	s->timer_period_ms = p->timer_period_ms != 0 ? p->timer_period_ms : TIMER_PERIOD_MS_DEFAULT;
	s->state = KSSTATE_STOP;
	s->next_tag = 1;
	KeInitializeSpinLock(&s->lock);
	KeInitializeTimer(&s->timer);
	KeInitializeDpc(&s->timer_dpc, timer_dpc, s);
	/* One common buffer: the BDL, a word for zero-length descriptors to
	 * point at, and a bounce frame per descriptor slot. */
	PHYSICAL_ADDRESS common;
	s->bdl = AcAllocateCommonBuffer(COMMON_BYTES, &common);
	if (s->bdl == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	s->bdl_physical = common.LowPart;
	s->null_physical = s->bdl_physical + MINIPORT_BDL_ENTRIES * AC97_BD_BYTES;
	s->bounce = s->bdl + BOUNCE_OFFSET;
	s->bounce_physical = s->bdl_physical + BOUNCE_OFFSET;
	/* The converter's rate, through variable rate audio when not 48 kHz. */
	if (rate_hz != 48000) {
		uint16_t ext;
		if (!mixer_read(a, CODEC_EXT_AUDIO_CTRL, &ext) ||
		    !mixer_write(a, CODEC_EXT_AUDIO_CTRL, (uint16_t)(ext | CODEC_EA_VRA | CODEC_EA_VRM)))
			return STATUS_UNSUCCESSFUL;
		uint32_t rate_reg = engine == AC97_PO	 ? CODEC_PCM_FRONT_DAC_RATE
				    : engine == AC97_PI ? CODEC_PCM_LR_ADC_RATE
							: CODEC_PCM_MIC_ADC_RATE;
		uint16_t got;
		if (!mixer_write(a, rate_reg, (uint16_t)rate_hz) || !mixer_read(a, rate_reg, &got) ||
		    got != rate_hz)
			return STATUS_INVALID_PARAMETER;	/* the codec cannot do it */
	}
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	wr8(s, AC97_CR, AC97_CR_RR);
	wr32(s, AC97_BDBAR, s->bdl_physical);
	ac97_unlock(s, old);
	struct stream_link link = { a, engine, s };
	KeSynchronizeExecution(&a->interrupt, set_stream, &link);
	return STATUS_SUCCESS;
}

/* Invariant 10: once this returns, nothing of the stream runs. */
void ac97_stream_close(void *stream)
{
	struct ac97_stream *s = stream;
	KIRQL old;
	KeAcquireSpinLock(&s->lock, &old);
	wr8(s, AC97_CR, 0);
	ac97_unlock(s, old);
	KeCancelTimer(&s->timer);
	/* Out of the adapter's list: no ISR sees the stream from here, and a
	 * DPC that reads the list later finds no stream. */
	struct stream_link link = { s->adapter, s->engine, NULL };
	KeSynchronizeExecution(&s->adapter->interrupt, set_stream, &link);
	/* The adapter's DPC may have read the list before, and the timer's DPC
	 * may have been queued, or started, before the cancel. */
	KeFlushQueuedDpcs();
	AcFreeCommonBuffer(s->bdl, COMMON_BYTES);
}

/* ---- the reference policy ------------------------------------------------------------ */

static ac97_tag counter_tag(struct ac97_stream *s)
{
	return s->next_tag++;
}

/* Invariant 6: the lock is dropped around the call and taken again; the
 * caller re-reads what it needs afterwards. */
static NTSTATUS get_mapping_unlocked(struct ac97_stream *s, KIRQL *old_irql, ac97_tag tag,
				     PHYSICAL_ADDRESS *physical, PVOID *virtual_address,
				     ULONG *bytes, ULONG *flags)
{
	uint32_t changes = s->list_changes, rebuilds = s->rebuilds;
	ac97_unlock(s, *old_irql);
	NTSTATUS st = PortGetMapping(s->port, tag_pointer(tag), physical, virtual_address, bytes,
				     flags);
	KeAcquireSpinLock(&s->lock, old_irql);
	if (s->list_changes != changes)
		AcMark("list-changed-around-get");
	if (s->rebuilds != rebuilds && NT_SUCCESS(st))
		AcMark("get-during-rebuild");
	return st;
}

static void release_mappings_unlocked(struct ac97_stream *s, KIRQL *old_irql,
				      const ac97_tag *tags, unsigned n)
{
	uint32_t changes = s->list_changes;
	ac97_unlock(s, *old_irql);
	for (unsigned i = 0; i < n; i++)
		PortReleaseMapping(s->port, tag_pointer(tags[i]));
	KeAcquireSpinLock(&s->lock, old_irql);
	if (s->list_changes != changes)
		AcMark("list-changed-around-release");
}

/* Invariant 8: one producer at a time. */
static bool one_producer(struct ac97_stream *s)
{
	if (s->producing)
		return false;
	s->producing = true;
	return true;
}

static void go_again(struct ac97_stream *s)
{
	s->produce_again = true;	/* the running producer goes round again */
}

static bool inclusive_range(ac97_tag tag, ac97_tag first, ac97_tag last)
{
	return tag >= first && tag <= last;
}

static bool reset_when_current_revoked(struct ac97_stream *s, bool current_revoked)
{
	(void)s;
	return current_revoked;
}

const struct ac97_policy ac97_reference_policy = {
	.next_tag = counter_tag,
	.tags_increase = true,
	.get_mapping = get_mapping_unlocked,
	.release_mappings = release_mappings_unlocked,
	.enter_producer = one_producer,
	.producer_busy = go_again,
	.entries_done = ac97_entries_done,
	.in_revoke_range = inclusive_range,
	.revoke_resets = reset_when_current_revoked,
};

const struct ac97sim_driver ac97sim_builtin_reference =
	AC97_REFERENCE_DRIVER("reference", "the reference AC'97 WavePci miniport (no known bug)",
			      reference_start, ac97_revoke_mappings);
