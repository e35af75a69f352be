/*
 * port.c - the WavePci port driver model and referee (see port.h for the
 * contract; docs/wavepci.md for where it comes from).
 *
 * What is modelled: one stream's IRPs, their guest pages, the cut of each
 * IRP buffer into mappings (maximal physically contiguous runs, at most 16
 * pages, never crossing an IRP), the hand-out of mappings in stream order,
 * release in acquisition order, IRP completion, IRP cancellation with
 * RevokeMappings, SetState one step at a time, Notify -> Service in a DPC,
 * MappingAvailable after a refusal, and GetPosition. Every mapping has one
 * state (enum port_mapping_state) and the port judges each miniport call
 * against it.
 *
 * Not modelled: several service groups, allocator framing, the KS property
 * path, clock and position events, data formats (a sample is 16 bits; the
 * channel count and rate are only validated), real portcls's own locking.
 *
 * Concurrency: the model keeps no lock of its own. It relies on the backend
 * running one CPU at a time with control changing hands only at scheduling
 * points (the deterministic machine), and it is written so that its state
 * is consistent at every kernel call it makes: each state change happens
 * between two scheduling points, and array elements are found again by
 * index after every call that can yield (the arrays may grow meanwhile).
 * The native backend keeps that true on host threads with one lock (its
 * world lock, native.h): taken on entry to each call the driver makes
 * (kernel_port_call), in the port's own DPC routines (kernel_model_enter)
 * and by the harness's passive calls, let go at each scheduling point and
 * around each call into the miniport (MINIPORT_CALL), so that driver code
 * never runs under it.
 *
 * Guest pages: IRP pages come from [4 MiB, 16 MiB) of guest memory (below
 * are the common buffers of the machine). A page there is free exactly when
 * it is unmapped, so several streams on one machine share the pool without
 * shared host state; the last page (POOL_SENTINEL_PAGE) is never handed out
 * and, being unmapped, marks the region as initialised. Each stream walks
 * the pool with its own cursor (a seeded permutation for scattered pages,
 * page order for contiguous runs), so a freed page is taken again only
 * when the cursor comes round: reused as late as possible.
 *
 * Release racing revoke (where port.h is silent on a release that lands
 * after the call returned): RevokeMappings' count must equal the mappings
 * of the range still acquired when it returns, minus releases that landed
 * during the call. A correct miniport unlinks a
 * mapping under its lock and calls ReleaseMapping after dropping it, so a
 * release can be "in flight" (unlinked, not yet landed) when the revoke
 * returns; such a miniport rightly leaves it out of its count. The port
 * therefore treats a count that is short by d as d releases in flight for
 * the d oldest mappings of the range still unreleased: they stay REVOKING
 * ("owed"), the rest become REVOKED, and the cancelling thread waits (a
 * blocking wait, up to OWED_WAIT_100NS of simulated time) for them before
 * the IRP is done. A count that is too high fails at once ("revoke-count");
 * one that is too low fails when the owed releases do not come. With no
 * release in flight this is exactly the strict rule.
 */
#include "port.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_backend.h"
#include "splitmix64.h"

#define PAGE_BYTES PAGE_SIZE
#define POOL_FIRST_PAGE 1024u	/* 4 MiB */
#define POOL_SENTINEL_PAGE 4095u	/* the last page below 16 MiB */
#define POOL_PAGES (POOL_SENTINEL_PAGE - POOL_FIRST_PAGE)
#define POOL_END_BYTES ((uint64_t)(POOL_SENTINEL_PAGE + 1u) * PAGE_BYTES)
#define MAPPING_PAGES_MAX 16u
#define PORT_MAGIC 0x50435354u	/* "PCST" */
#define NO_INDEX UINT32_MAX
/* How long the cancelling thread waits for releases the miniport's revoke
 * count says are in flight: 10 ms of simulated time, thousands of
 * scheduling points, far more than a release path between its lock drop
 * and the port needs. */
#define OWED_WAIT_100NS 100000
#define OWED_WAIT_ROUNDS_MAX 4096u

enum irp_state { IRP_SUBMITTED, IRP_CANCELLING, IRP_COMPLETED, IRP_CANCELLED };

/* A physically contiguous run of an IRP's buffer: the template of its
 * mappings (DSound: each pass over the buffer makes a new instance). */
struct port_segment {
	uint32_t buf_offset;	/* from the IRP's first audio byte */
	uint32_t bytes;
	uint32_t physical;
};

struct port_irp {
	enum irp_state state;
	uint64_t stream_base;	/* stream offset of its first byte */
	uint32_t bytes;		/* buffer size */
	uint32_t n_pages;
	uint32_t *pages;	/* page numbers, buffer order */
	uint32_t n_segs;
	struct port_segment *segs;
	uint32_t first_mapping;	/* index of its first mapping instance */
	uint32_t n_mappings;	/* instances made so far */
	uint32_t n_settled;	/* released, revoked or dropped */
	/* The revoke of a cancel, while it runs. */
	bool revoke_returned;
	uint32_t revoke_first, revoke_last;	/* mapping indexes */
	uint32_t revoke_range;	/* mappings in the range */
	uint32_t revoke_released;	/* released between the pick and the return */
	uint32_t owed;		/* releases in flight the count left out */
};

struct PORT_STREAM {
	uint32_t magic;
	struct port_stream *owner;
};

struct port_stream {
	struct PORT_STREAM handle;
	struct port_stream_config cfg;
	const struct guest_memory *mem;
	const struct miniport_stream_ops *ops;
	void *ms;
	KSSTATE state;
	bool changing_state;
	KDPC service_dpc;
	KDPC available_dpc;	/* MappingAvailable after a DSound refill */
	KEVENT owed_event;	/* an owed release landed */
	KEVENT irp_done_event;	/* an IRP was completed or cancelled */
	/* The pin's close (port_action_close): once closed, nothing more goes
	 * to the miniport stream; in_miniport counts the port's work under
	 * way that may call into it, which the close waits for. */
	bool closed;
	uint32_t in_miniport;
	KEVENT miniport_idle_event;	/* initialised by a close that must wait */
	struct port_irp *irps;
	uint32_t n_irps, cap_irps;
	uint32_t irp_lo;	/* every IRP below is done */
	struct port_mapping_info *maps;
	uint32_t n_maps, cap_maps;
	uint32_t next_acquire;	/* every mapping below is not PENDING */
	uint32_t live_lo;	/* every mapping below is not live */
	uint64_t next_offset;	/* stream bytes made into mappings */
	uint64_t completions, cancellations;
	bool available_owed;	/* a GetMapping was refused */
	uint32_t refusals_left;	/* fault injection: refuse this many more */
	const uint32_t *perm;	/* scattered: the pool in a seeded order (shared) */
	uint32_t *perm_owned;	/* perm when it is this stream's own copy */
	uint32_t perm_cursor;
	uint32_t contig_cursor;	/* contiguous: next-fit over the pool */
};

/* ---- small helpers ---------------------------------------------------------- */

const char *ksstate_name(KSSTATE s)
{
	switch (s) {
	case KSSTATE_STOP: return "STOP";
	case KSSTATE_ACQUIRE: return "ACQUIRE";
	case KSSTATE_PAUSE: return "PAUSE";
	case KSSTATE_RUN: return "RUN";
	}
	return "?";
}

const char *port_mapping_state_name(enum port_mapping_state st)
{
	switch (st) {
	case MAPPING_PENDING: return "PENDING";
	case MAPPING_ACQUIRED: return "ACQUIRED";
	case MAPPING_RELEASED: return "RELEASED";
	case MAPPING_REVOKING: return "REVOKING";
	case MAPPING_REVOKED: return "REVOKED";
	case MAPPING_DROPPED: return "DROPPED";
	}
	return "?";
}

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

static bool live(enum port_mapping_state st)
{
	return st == MAPPING_ACQUIRED || st == MAPPING_REVOKING;
}

const char *const port_event_names[PORT_EV_COUNT] = {
#define PORT_EVENT_NAME(id, name) [PORT_EV_##id] = name,
	PORT_EVENT_KINDS(PORT_EVENT_NAME)
#undef PORT_EVENT_NAME
};

const struct failure_def port_failures[PORT_FAIL_COUNT] = {
#define PORT_FAILURE_ROW(id, name, rule) [PORT_FAIL_##id] = { name, rule },
	PORT_FAILURES(PORT_FAILURE_ROW)
#undef PORT_FAILURE_ROW
};

#define port_fail(id, ...) kernel_fail(PORT_CHECKER_NAME, &port_failures[PORT_FAIL_##id], __VA_ARGS__)

/* What the port did goes onto the run's event stream: into the event log
 * and its hash (so two runs in which the port did different things
 * differ), and to the checkers. Fields per kind: port.h. */
static void publish(uint32_t kind, uint32_t irp, uint32_t index, uint32_t result, uint64_t tag,
		    uint64_t tag2, uint64_t a, uint64_t b)
{
	struct port_event ev;
	memset(&ev, 0, sizeof(ev));
	ev = (struct port_event){ kind, irp, index, result, tag, tag2, a, b };
	kernel_publish_port(&ev, NULL);
}

static void observe_mapping(const struct port_stream *s, uint32_t index)
{
	struct port_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = PORT_EV_MAPPING;
	ev.index = index;
	ev.irp = s->maps[index].irp;
	ev.result = (uint32_t)s->maps[index].state;
	ev.tag = s->maps[index].tag;
	kernel_publish_port(&ev, &s->maps[index]);
}

static void set_mapping_state(struct port_stream *s, uint32_t index, enum port_mapping_state st)
{
	s->maps[index].state = st;
	observe_mapping(s, index);
}

/* The stream behind a handle the miniport passed in; fails the run on a
 * NULL or foreign handle rather than crashing. */
static struct port_stream *stream_of(PORT_STREAM *ps, const char *call)
{
	if (ps == NULL)
		port_fail(PORT_MISUSE, "%s called with a NULL port stream", call);
	if (ps->magic != PORT_MAGIC || ps->owner == NULL)
		port_fail(PORT_MISUSE, "%s called with something that is not a live port stream",
			    call);
	return ps->owner;
}

/* "tag 0x.. (mapping #i of IRP n, acquired)" for messages. */
static void describe_tag(const struct port_stream *s, MAPPING_TAG tag, char *buf, size_t len)
{
	for (uint32_t i = s->n_maps; i-- > 0;) {
		const struct port_mapping_info *m = &s->maps[i];
		if (m->state == MAPPING_PENDING || m->state == MAPPING_DROPPED || m->tag != tag)
			continue;
		snprintf(buf, len, "tag 0x%llx (mapping #%u of IRP %u, %s)", ull(tag), m->index, m->irp,
			 port_mapping_state_name(m->state));
		return;
	}
	snprintf(buf, len, "tag 0x%llx (never handed out)", ull(tag));
}

/* GetMapping, ReleaseMapping and Notify are for IRQL <= DISPATCH_LEVEL. */
static void check_irql(const char *call, const char *what)
{
	KIRQL irql = KeGetCurrentIrql();
	if (irql > DISPATCH_LEVEL)
		port_fail(PORT_IRQL, "%s%s called at IRQL %u; expected IRQL <= DISPATCH_LEVEL (2)",
			    call, what, irql);
}

static void require_miniport(const struct port_stream *s, const char *action)
{
	if (s == NULL)
		port_fail(PORT_MISUSE, "%s on a NULL stream", action);
	if (s->ops == NULL)
		port_fail(PORT_MISUSE, "%s on a stream with no miniport bound", action);
}

/* Port work that may call into the miniport stream (a DPC of the port's,
 * an action of the system above) starts here: false once the pin is
 * closed, when it must not start; else it is counted until
 * miniport_leave, so that a closing pin can wait for it. No kernel call:
 * the count changes between two scheduling points. */
static bool miniport_enter(struct port_stream *s)
{
	if (s->closed)
		return false;
	s->in_miniport++;
	return true;
}

static void miniport_leave(struct port_stream *s)
{
	assert(s->in_miniport > 0);
	/* The wakeup only when a close waits: an open pin's runs make no
	 * extra kernel call. */
	if (--s->in_miniport == 0 && s->closed)
		KeSetEvent(&s->miniport_idle_event, 0, FALSE);
}

/* A call into the miniport: driver code, which the port model's own
 * serialisation must not cover (kernel_backend.h, model_leave). The
 * deterministic machine does nothing here. */
#define MINIPORT_CALL(call)                                               \
	do {                                                              \
		kernel_model_leave();                                     \
		call;                                                     \
		kernel_model_enter();                                     \
	} while (0)

/* Array growth. Host memory running out mid-run ends the run (it is not
 * the miniport's fault, so it gets its own checker name). */
static void *grow(void *array, uint32_t *cap, size_t elem, const char *what)
{
	uint32_t n = *cap ? *cap * 2u : 16u;
	if (n <= *cap || (size_t)n > SIZE_MAX / elem)
		kernel_out_of_memory(what);
	void *p = realloc(array, (size_t)n * elem);
	if (p == NULL)
		kernel_out_of_memory(what);
	*cap = n;
	return p;
}

/* ---- guest pages ---------------------------------------------------------------- */

static bool page_free(const struct port_stream *s, uint32_t page)
{
	return !s->mem->page_mapped(s->mem->mem, (uint64_t)page * PAGE_BYTES);
}

static void page_take(struct port_stream *s, uint32_t page)
{
	s->mem->set_mapped(s->mem->mem, (uint64_t)page * PAGE_BYTES, PAGE_BYTES, true);
}

static void page_give(struct port_stream *s, uint32_t page)
{
	s->mem->set_mapped(s->mem->mem, (uint64_t)page * PAGE_BYTES, PAGE_BYTES, false);
}

/* Scattered: the next free pages in the stream's permutation, never one
 * that follows the previous page physically (so every mapping is one page,
 * as "each page somewhere else" promises) unless a whole lap of the pool
 * found nothing else. */
static bool take_scattered(struct port_stream *s, uint32_t n, uint32_t *out)
{
	uint32_t got = 0, prev = NO_INDEX;
	for (uint32_t scan = 0; got < n && scan < 2u * POOL_PAGES; scan++) {
		uint32_t page = s->perm[s->perm_cursor];
		s->perm_cursor = (s->perm_cursor + 1u) % POOL_PAGES;
		bool adjacent = prev != NO_INDEX && page == prev + 1u;
		if (!page_free(s, page) || (adjacent && scan < POOL_PAGES))
			continue;
		page_take(s, page);
		out[got++] = page;
		prev = page;
	}
	if (got == n)
		return true;
	for (uint32_t i = 0; i < got; i++)
		page_give(s, out[i]);
	return false;
}

/* Contiguous: the first run of n free pages at or after the cursor
 * (next-fit, wrapping once; a run never wraps). */
static bool take_contiguous(struct port_stream *s, uint32_t n, uint32_t *out)
{
	uint32_t run = 0, first = 0;
	for (uint32_t scan = 0; scan < 2u * POOL_PAGES; scan++) {
		uint32_t idx = (s->contig_cursor + scan) % POOL_PAGES;
		if (idx == 0)
			run = 0;
		if (!page_free(s, POOL_FIRST_PAGE + idx)) {
			run = 0;
			continue;
		}
		if (run++ == 0)
			first = idx;
		if (run < n)
			continue;
		for (uint32_t i = 0; i < n; i++) {
			out[i] = POOL_FIRST_PAGE + first + i;
			page_take(s, out[i]);
		}
		s->contig_cursor = (first + n) % POOL_PAGES;
		return true;
	}
	return false;
}

/* ---- mappings --------------------------------------------------------------------- */

static uint8_t stream_byte(const struct port_stream_config *cfg, uint64_t o)
{
	uint16_t u = (uint16_t)cfg->sample(cfg->sample_ctx, o / 2u);
	return (uint8_t)((o & 1u) ? u >> 8 : u & 0xFFu);
}

void port_stream_bytes(const struct port_stream_config *cfg, uint64_t first_byte, uint8_t *dst,
		       uint64_t n_bytes)
{
	if (n_bytes == 0)
		return;
	uint64_t o = first_byte, end = first_byte + n_bytes;
	if (o & 1u)	/* the high byte of a sample split at the start */
		*dst++ = stream_byte(cfg, o++);
	uint64_t whole = (end - o) / 2u;
	if (cfg->samples_le != NULL) {
		for (uint64_t done = 0; done < whole;) {
			uint32_t n = whole - done < UINT32_MAX ? (uint32_t)(whole - done) : UINT32_MAX;
			cfg->samples_le(cfg->sample_ctx, o / 2u + done, dst + 2u * done, n);
			done += n;
		}
	} else {
		for (uint64_t i = 0; i < whole; i++) {
			uint16_t u = (uint16_t)cfg->sample(cfg->sample_ctx, o / 2u + i);
			dst[2u * i] = (uint8_t)(u & 0xFFu);
			dst[2u * i + 1u] = (uint8_t)(u >> 8);
		}
	}
	o += 2u * whole;
	dst += 2u * whole;
	if (o < end)	/* the low byte of a sample split at the end */
		*dst = stream_byte(cfg, o);
}

/* Writes the stream's bytes [stream_offset, +len) at physical: render
 * audio (port_stream_bytes), capture zeros. */
static void fill_bytes(struct port_stream *s, uint32_t physical, uint64_t stream_offset,
		       uint32_t len)
{
	uint8_t *dst = s->mem->bytes + physical;
	if (s->cfg.direction == PORT_CAPTURE) {
		memset(dst, 0, len);
		return;
	}
	port_stream_bytes(&s->cfg, stream_offset, dst, len);
}

/* Stream offset and size of instance seq of an IRP (DSound: pass
 * seq / n_segs over the buffer); *bytes 0 when past the stream's end. */
static uint64_t instance_offset(const struct port_stream *s, const struct port_irp *irp,
				uint32_t seq, uint32_t *bytes)
{
	const struct port_segment *seg = &irp->segs[seq % irp->n_segs];
	uint64_t off = irp->stream_base + (uint64_t)(seq / irp->n_segs) * irp->bytes + seg->buf_offset;
	uint32_t b = seg->bytes;
	if (off >= s->cfg.total_bytes)
		b = 0;
	else if (b > s->cfg.total_bytes - off)
		b = (uint32_t)(s->cfg.total_bytes - off);
	*bytes = b;
	return off;
}

/* Makes instance seq of IRP id: a new PENDING mapping at the end of the
 * stream, its bytes written into guest memory. No scheduling point. */
static void make_mapping(struct port_stream *s, uint32_t id, uint32_t seq)
{
	if (s->n_maps == NO_INDEX - 1u)
		kernel_out_of_memory("mappings (more than 2^32 in one stream)");
	if (s->n_maps == s->cap_maps)
		s->maps = grow(s->maps, &s->cap_maps, sizeof(*s->maps), "mappings");
	struct port_irp *irp = &s->irps[id];
	uint32_t bytes;
	uint64_t off = instance_offset(s, irp, seq, &bytes);
	uint32_t seg = seq % irp->n_segs;
	uint32_t index = s->n_maps++;
	s->maps[index] = (struct port_mapping_info){
		.index = index,
		.irp = id,
		.tag = 0,
		.physical = irp->segs[seg].physical,
		.byte_count = bytes,
		.stream_offset_bytes = off,
		.state = MAPPING_PENDING,
		.last_of_irp = seg == irp->n_segs - 1u || off + bytes == s->cfg.total_bytes,
	};
	irp->n_mappings++;
	s->next_offset = off + bytes;
	fill_bytes(s, irp->segs[seg].physical, off, bytes);
	observe_mapping(s, index);
}

/* DSound: makes the next instances of the looping buffer while their
 * memory is free again (the previous instance released) and the stream
 * has audio left. Returns how many it made (at most one per segment). */
static uint32_t dsound_refill(struct port_stream *s, uint32_t id)
{
	uint32_t made = 0;
	for (uint32_t guard = 0; guard <= s->irps[id].n_segs; guard++) {
		const struct port_irp *irp = &s->irps[id];
		if (irp->state != IRP_SUBMITTED)
			break;
		uint32_t seq = irp->n_mappings, bytes;
		instance_offset(s, irp, seq, &bytes);
		if (bytes == 0)
			break;
		if (seq >= irp->n_segs &&
		    s->maps[irp->first_mapping + seq - irp->n_segs].state != MAPPING_RELEASED)
			break;
		make_mapping(s, id, seq);
		made++;
	}
	return made;
}

/* No instance of the IRP is live or pending, and none will be made. */
static bool irp_all_settled(const struct port_stream *s, const struct port_irp *irp)
{
	if (irp->n_settled != irp->n_mappings)
		return false;
	if (s->cfg.style != PORT_STYLE_DSOUND)
		return true;
	uint32_t bytes;
	instance_offset(s, irp, irp->n_mappings, &bytes);
	return bytes == 0;
}

/* ---- IRPs --------------------------------------------------------------------------- */

static uint32_t irps_in_state(const struct port_stream *s, bool cancelling_too)
{
	uint32_t n = 0;
	for (uint32_t i = s->irp_lo; i < s->n_irps; i++)
		n += s->irps[i].state == IRP_SUBMITTED ||
		     (cancelling_too && s->irps[i].state == IRP_CANCELLING);
	return n;
}

/* Cuts an IRP's buffer into segments: maximal physically contiguous runs,
 * each ending at the latest at the end of the 16th page it touches (so at
 * most 16 pages and 65536 bytes). */
static uint32_t cut_segments(const struct port_stream *s, struct port_irp *irp)
{
	uint32_t off = s->cfg.first_page_offset_bytes, n = 0, pos = 0;
	while (pos < irp->bytes && n < irp->n_pages) {
		uint32_t abs = off + pos, page_i = abs / PAGE_BYTES, used = 1;
		uint64_t end = (uint64_t)(page_i + 1u) * PAGE_BYTES - off;
		while (end < irp->bytes && used < MAPPING_PAGES_MAX &&
		       irp->pages[page_i + used] == irp->pages[page_i + used - 1u] + 1u) {
			used++;
			end += PAGE_BYTES;
		}
		if (end > irp->bytes)
			end = irp->bytes;
		irp->segs[n++] = (struct port_segment){
			.buf_offset = pos,
			.bytes = (uint32_t)end - pos,
			.physical = irp->pages[page_i] * PAGE_BYTES + abs % PAGE_BYTES,
		};
		pos = (uint32_t)end;
	}
	return n;
}

/* Adds one IRP at the end of the stream: pages taken and mapped, bytes
 * outside the audio zeroed, cut into segments, its mappings made (DSound:
 * the first pass). No scheduling point. */
static void add_irp(struct port_stream *s)
{
	uint64_t left = s->cfg.total_bytes - s->next_offset;
	uint32_t bytes = s->cfg.irp_bytes;
	if (s->cfg.style == PORT_STYLE_KMIXER && bytes > left)
		bytes = (uint32_t)left;
	uint32_t off = s->cfg.first_page_offset_bytes;
	uint32_t n_pages = (uint32_t)(((uint64_t)off + bytes + PAGE_BYTES - 1u) / PAGE_BYTES);
	uint32_t *pages = calloc(n_pages, sizeof(*pages));
	struct port_segment *segs = calloc(n_pages, sizeof(*segs));
	if (pages == NULL || segs == NULL) {
		free(pages);
		free(segs);
		kernel_out_of_memory("an IRP");
	}
	bool ok = s->cfg.layout == PORT_PAGES_CONTIGUOUS ? take_contiguous(s, n_pages, pages)
							 : take_scattered(s, n_pages, pages);
	if (!ok) {
		free(pages);
		free(segs);
		port_fail(PORT_MISUSE, "IRP %u needs %u %s guest pages and the pool of %u pages at "
			    "[4 MiB, 16 MiB) has not got them (too many streams or IRPs in flight)",
			    s->n_irps, n_pages,
			    s->cfg.layout == PORT_PAGES_CONTIGUOUS ? "contiguous" : "free", POOL_PAGES);
	}
	/* Bytes before the first audio byte and after the last are zero, so
	 * what a page shows does not depend on what it held before. */
	uint8_t *first = s->mem->bytes + (uint64_t)pages[0] * PAGE_BYTES;
	memset(first, 0, off);
	uint32_t tail = n_pages * PAGE_BYTES - off - bytes;
	uint8_t *last = s->mem->bytes + (uint64_t)pages[n_pages - 1u] * PAGE_BYTES;
	memset(last + PAGE_BYTES - tail, 0, tail);
	if (s->n_irps == s->cap_irps)
		s->irps = grow(s->irps, &s->cap_irps, sizeof(*s->irps), "IRPs");
	uint32_t id = s->n_irps++;
	struct port_irp *irp = &s->irps[id];
	*irp = (struct port_irp){
		.state = IRP_SUBMITTED,
		.stream_base = s->next_offset,
		.bytes = bytes,
		.n_pages = n_pages,
		.pages = pages,
		.segs = segs,
		.first_mapping = s->n_maps,
	};
	irp->n_segs = cut_segments(s, irp);
	publish(PORT_EV_IRP_SUBMITTED, id, irp->n_segs, n_pages, 0, 0, bytes, irp->stream_base);
	if (s->cfg.style == PORT_STYLE_DSOUND) {
		dsound_refill(s, id);
	} else {
		for (uint32_t seq = 0; seq < s->irps[id].n_segs; seq++)
			make_mapping(s, id, seq);
	}
}

/* The IRP is done: its pages leave guest memory (so later DMA to them is
 * a fault) and go back to the pool. No scheduling point. */
static void finish_irp(struct port_stream *s, uint32_t id, bool cancelled)
{
	struct port_irp *irp = &s->irps[id];
	irp->state = cancelled ? IRP_CANCELLED : IRP_COMPLETED;
	for (uint32_t i = 0; i < irp->n_pages; i++)
		page_give(s, irp->pages[i]);
	free(irp->pages);
	irp->pages = NULL;
	/* The segments stay: instance_offset needs them for inspection. */
	if (cancelled)
		s->cancellations++;
	else
		s->completions++;
	while (s->irp_lo < s->n_irps && (s->irps[s->irp_lo].state == IRP_COMPLETED ||
					 s->irps[s->irp_lo].state == IRP_CANCELLED))
		s->irp_lo++;
	publish(PORT_EV_IRP_DONE, id, irp->n_mappings, cancelled, 0, 0, 0, 0);
	/* irp_done_event is set by the caller, last (a kernel call is a
	 * scheduling point). */
}

/* ---- the miniport's calls ------------------------------------------------------------- */

static uint32_t first_live(struct port_stream *s)
{
	while (s->live_lo < s->next_acquire && !live(s->maps[s->live_lo].state))
		s->live_lo++;
	return s->live_lo;
}

static uint32_t find_live(struct port_stream *s, MAPPING_TAG tag)
{
	for (uint32_t i = first_live(s); i < s->next_acquire; i++)
		if (live(s->maps[i].state) && s->maps[i].tag == tag)
			return i;
	return NO_INDEX;
}

static NTSTATUS get_mapping(PORT_STREAM *ps, PVOID tag_pointer, PPHYSICAL_ADDRESS physical,
			    PVOID *virtual_address, PULONG byte_count, PULONG flags)
{
	MAPPING_TAG tag = mapping_tag_of(tag_pointer);
	kernel_port_call(PORT_CALL_GET_MAPPING);
	struct port_stream *s = stream_of(ps, "GetMapping");
	if (KeGetCurrentIrql() > DISPATCH_LEVEL) {
		char what[96];
		snprintf(what, sizeof(what), "(tag 0x%llx) for mapping #%u", ull(tag), s->next_acquire);
		check_irql("GetMapping", what);
	}
	if (physical == NULL || virtual_address == NULL || byte_count == NULL || flags == NULL)
		port_fail(PORT_MISUSE, "GetMapping(tag 0x%llx) with a NULL output pointer "
			    "(physical %s, virtual %s, byte count %s, flags %s); expected all four",
			    ull(tag), physical ? "ok" : "NULL", virtual_address ? "ok" : "NULL",
			    byte_count ? "ok" : "NULL", flags ? "ok" : "NULL");
	while (s->next_acquire < s->n_maps && s->maps[s->next_acquire].state == MAPPING_DROPPED)
		s->next_acquire++;
	if (s->refusals_left > 0 && s->next_acquire < s->n_maps) {
		/* Fault injection: refused although a mapping is there, as
		 * portcls does while it cannot hand one out; MappingAvailable
		 * follows each refusal from the port's DPC, as portcls owes it
		 * once it can (a miniport that got STATUS_NOT_FOUND asks again
		 * only then). */
		s->refusals_left--;
		s->available_owed = true;
		publish(PORT_EV_GET_MAPPING, 0, s->next_acquire, PORT_GM_REFUSED, tag, 0,
			s->refusals_left, 0);
		KeInsertQueueDpc(&s->available_dpc, NULL, NULL);
		return STATUS_NOT_FOUND;
	}
	if (s->next_acquire == s->n_maps) {
		s->available_owed = true;
		publish(PORT_EV_GET_MAPPING, 0, s->n_maps, PORT_GM_NONE, tag, 0, 0, 0);
		return STATUS_NOT_FOUND;
	}
	uint32_t clash = find_live(s, tag);
	if (clash != NO_INDEX) {
		const struct port_mapping_info *c = &s->maps[clash];
		port_fail(TAG_REUSE, "GetMapping(tag 0x%llx) for mapping #%u of IRP %u: the tag is "
			    "still in use by mapping #%u of IRP %u (%s); expected a tag unique among "
			    "live mappings", ull(tag), s->next_acquire, s->maps[s->next_acquire].irp,
			    c->index, c->irp, port_mapping_state_name(c->state));
	}
	uint32_t i = s->next_acquire++;
	struct port_mapping_info *m = &s->maps[i];
	m->tag = tag;
	physical->QuadPart = m->physical;
	*virtual_address = s->mem->bytes + m->physical;
	*byte_count = m->byte_count;
	*flags = m->last_of_irp ? MAPPING_FLAG_LAST_OF_IRP : 0u;
	publish(PORT_EV_GET_MAPPING, m->irp, i, PORT_GM_OK, tag, m->last_of_irp,
		m->physical | (uint64_t)m->byte_count << 32, m->stream_offset_bytes);
	set_mapping_state(s, i, MAPPING_ACQUIRED);
	return STATUS_SUCCESS;
}

/* A release of a tag that is not live: name what it is. */
_Noreturn static void fail_dead_tag(const struct port_stream *s, MAPPING_TAG tag)
{
	for (uint32_t i = s->n_maps; i-- > 0;) {
		const struct port_mapping_info *m = &s->maps[i];
		if (m->tag != tag || (m->state != MAPPING_RELEASED && m->state != MAPPING_REVOKED))
			continue;
		if (m->state == MAPPING_RELEASED)
			port_fail(DOUBLE_RELEASE, "ReleaseMapping(tag 0x%llx): mapping #%u of IRP %u "
				    "was already released; expected a tag of an acquired mapping",
				    ull(tag), m->index, m->irp);
		port_fail(RELEASE_REVOKED, "ReleaseMapping(tag 0x%llx): mapping #%u of IRP %u was "
			    "revoked (RevokeMappings had returned); expected no release of a revoked "
			    "mapping", ull(tag), m->index, m->irp);
	}
	port_fail(RELEASE_UNKNOWN, "ReleaseMapping(tag 0x%llx): no mapping was handed out with "
		    "that tag (%u mappings so far, next to hand out #%u); expected a tag of an acquired "
		    "mapping", ull(tag), s->n_maps, s->next_acquire);
}

/* Releases go in acquisition order. An older ACQUIRED mapping blocks; so
 * does an older mapping owed a release after its revoke returned, and an
 * older one of the same revoke range. A mapping whose revoke is still
 * running does not block a younger one outside its range: the miniport may
 * have taken it out of its list already and moved on. */
static void check_release_order(struct port_stream *s, uint32_t i)
{
	const struct port_mapping_info *m = &s->maps[i];
	for (uint32_t j = first_live(s); j < i; j++) {
		const struct port_mapping_info *o = &s->maps[j];
		bool blocks = o->state == MAPPING_ACQUIRED;
		if (o->state == MAPPING_REVOKING)
			blocks = s->irps[o->irp].revoke_returned ||
				 (m->state == MAPPING_REVOKING && o->irp == m->irp);
		if (!blocks)
			continue;
		port_fail(RELEASE_ORDER, "ReleaseMapping(tag 0x%llx) of mapping #%u of IRP %u out of "
			    "acquisition order: mapping #%u of IRP %u (tag 0x%llx, %s%s) was acquired "
			    "earlier; expected ReleaseMapping(tag 0x%llx) first", ull(m->tag), m->index,
			    m->irp, o->index, o->irp, ull(o->tag), port_mapping_state_name(o->state),
			    o->state == MAPPING_REVOKING ? ", release owed" : "", ull(o->tag));
	}
}

static NTSTATUS release_mapping(PORT_STREAM *ps, PVOID tag_pointer)
{
	MAPPING_TAG tag = mapping_tag_of(tag_pointer);
	kernel_port_call(PORT_CALL_RELEASE_MAPPING);
	struct port_stream *s = stream_of(ps, "ReleaseMapping");
	if (KeGetCurrentIrql() > DISPATCH_LEVEL) {
		char what[160] = " of ";
		describe_tag(s, tag, what + 4, sizeof(what) - 4);
		check_irql("ReleaseMapping", what);
	}
	uint32_t i = find_live(s, tag);
	if (i == NO_INDEX)
		fail_dead_tag(s, tag);
	check_release_order(s, i);
	uint32_t id = s->maps[i].irp;
	struct port_irp *irp = &s->irps[id];
	enum port_mapping_state was = s->maps[i].state;
	bool owed_landed = false;
	enum port_release_how how = PORT_REL_NORMAL;
	if (was == MAPPING_REVOKING && !irp->revoke_returned) {
		irp->revoke_released++;
		how = PORT_REL_DURING_REVOKE;
		AcMark("release-during-revoke");	/* catalogue entry 5: the race happened */
	} else if (was == MAPPING_REVOKING) {
		irp->owed--;
		owed_landed = true;
		how = PORT_REL_OWED;
	}
	irp->n_settled++;
	publish(PORT_EV_RELEASE_MAPPING, id, i, how, tag, 0, 0, 0);
	set_mapping_state(s, i, MAPPING_RELEASED);
	uint32_t made = 0;
	bool irp_done = false;
	if (was == MAPPING_ACQUIRED && s->irps[id].state == IRP_SUBMITTED) {
		if (s->cfg.style == PORT_STYLE_DSOUND)
			made = dsound_refill(s, id);
		if (irp_all_settled(s, &s->irps[id])) {
			finish_irp(s, id, false);
			irp_done = true;
		}
	}
	/* Kernel calls last: the state above is complete before anything
	 * else can run. */
	if (owed_landed && s->irps[id].owed == 0)
		KeSetEvent(&s->owed_event, 0, FALSE);
	if (irp_done)
		KeSetEvent(&s->irp_done_event, 0, FALSE);
	if (made > 0 && s->available_owed)
		KeInsertQueueDpc(&s->available_dpc, NULL, NULL);
	return STATUS_SUCCESS;
}

/* The packet being mapped (the IRP of the next mapping to hand out, once
 * some of it has been handed out) ends where its mapping stopped: its
 * unmapped mappings are dropped, and it is done now if what was handed out
 * is all back. Cut mappings are per IRP, so the next packet starts on a
 * mapping of its own. DSound-style streams loop over one buffer: their
 * packets have no end to bring forward, so nothing changes there. */
static NTSTATUS terminate_packet(PORT_STREAM *ps)
{
	kernel_port_call(PORT_CALL_TERMINATE_PACKET);
	struct port_stream *s = stream_of(ps, "TerminatePacket");
	if (KeGetCurrentIrql() > DISPATCH_LEVEL)
		check_irql("TerminatePacket", "");
	uint32_t next = s->next_acquire;
	if (s->cfg.style == PORT_STYLE_DSOUND || next >= s->n_maps) {
		publish(PORT_EV_TERMINATE_PACKET, UINT32_MAX, 0, 0, 0, 0, 0, 0);
		return STATUS_SUCCESS;
	}
	uint32_t id = s->maps[next].irp;
	struct port_irp *irp = &s->irps[id];
	if (irp->state != IRP_SUBMITTED || next == irp->first_mapping) {
		publish(PORT_EV_TERMINATE_PACKET, UINT32_MAX, 0, 0, 0, 0, 0, 0);
		return STATUS_SUCCESS;
	}
	uint32_t dropped = 0;
	for (uint32_t k = next - irp->first_mapping; k < irp->n_mappings; k++) {
		uint32_t i = irp->first_mapping + k;
		if (s->maps[i].state == MAPPING_PENDING) {
			irp->n_settled++;
			dropped++;
			set_mapping_state(s, i, MAPPING_DROPPED);
		}
	}
	bool done = irp_all_settled(s, irp);
	publish(PORT_EV_TERMINATE_PACKET, id, dropped, done, 0, 0, 0, 0);
	if (done) {
		finish_irp(s, id, false);
		KeSetEvent(&s->irp_done_event, 0, FALSE);
	}
	return STATUS_SUCCESS;
}

/* Any IRQL: a miniport's ISR notifies the port at DIRQL, holding the
 * interrupt's lock (portcls queues its service DPC from there). */
static void notify(PORT_STREAM *ps)
{
	kernel_port_call(PORT_CALL_NOTIFY);
	struct port_stream *s = stream_of(ps, "Notify");
	if (s->ops == NULL || s->ops->service == NULL)
		port_fail(PORT_MISUSE, "Notify on a stream whose miniport has no Service");
	publish(PORT_EV_NOTIFY, 0, 0, 0, 0, 0, 0, 0);
	KeInsertQueueDpc(&s->service_dpc, NULL, NULL);
}

static void service_dpc_routine(KDPC *dpc, void *ctx, void *a1, void *a2)
{
	(void)dpc;
	(void)a1;
	(void)a2;
	struct port_stream *s = ctx;
	kernel_model_enter();
	if (!miniport_enter(s)) {
		kernel_model_leave();
		return;	/* queued before the pin closed: the stream is gone */
	}
	if (s->ops != NULL && s->ops->service != NULL)
		MINIPORT_CALL(s->ops->service(s->ms));
	miniport_leave(s);
	kernel_model_leave();
}

/* DSound: mappings came round again after a refused GetMapping. Runs in a
 * DPC, so MappingAvailable is at DISPATCH_LEVEL and never nested inside
 * the ReleaseMapping that made the mappings unless the caller was below
 * DISPATCH_LEVEL (then Windows would run the DPC at once too). */
static void available_dpc_routine(KDPC *dpc, void *ctx, void *a1, void *a2)
{
	(void)dpc;
	(void)a1;
	(void)a2;
	struct port_stream *s = ctx;
	kernel_model_enter();
	if (!s->available_owed || s->ops == NULL || s->ops->mapping_available == NULL ||
	    !miniport_enter(s)) {
		/* Nothing owed, or queued before the pin closed: the stream is gone. */
		kernel_model_leave();
		return;
	}
	s->available_owed = false;
	publish(PORT_EV_MAPPING_AVAILABLE, 0, 0, 1, 0, 0, 0, 0);
	MINIPORT_CALL(s->ops->mapping_available(s->ms));
	miniport_leave(s);
	kernel_model_leave();
}

/* ---- cancellation and revoke ------------------------------------------------------------ */

/* Judges RevokeMappings' answer the moment it returns (no scheduling point
 * between the return and here, so no release can slip in): status, count,
 * and which mappings of the range are now revoked or owed a release. */
static void judge_revoke(struct port_stream *s, uint32_t id, NTSTATUS status, uint32_t count)
{
	struct port_irp *irp = &s->irps[id];
	const struct port_mapping_info *f = &s->maps[irp->revoke_first];
	const struct port_mapping_info *l = &s->maps[irp->revoke_last];
	if (!NT_SUCCESS(status))
		port_fail(REVOKE_FAILED, "RevokeMappings(tag 0x%llx, tag 0x%llx) for IRP %u (mappings "
			    "#%u..#%u) returned 0x%08X; expected STATUS_SUCCESS", ull(f->tag),
			    ull(l->tag), id, f->index, l->index, (unsigned)status);
	uint32_t expected = irp->revoke_range - irp->revoke_released;
	if (count > expected)
		port_fail(REVOKE_COUNT, "RevokeMappings(tag 0x%llx, tag 0x%llx) for IRP %u (mappings "
			    "#%u..#%u) reported %u revoked; expected %u: %u in the range, %u of them "
			    "released during the call", ull(f->tag), ull(l->tag), id, f->index, l->index,
			    count, expected, irp->revoke_range, irp->revoke_released);
	irp->owed = expected - count;
	irp->revoke_returned = true;
	publish(PORT_EV_REVOKE_RETURNED, id, irp->revoke_first, (uint32_t)status, f->tag, l->tag,
		count | (uint64_t)irp->revoke_range << 32,
		irp->revoke_released | (uint64_t)irp->owed << 32);
	uint32_t keep = irp->owed;
	for (uint32_t i = irp->revoke_first; i <= irp->revoke_last; i++) {
		if (s->maps[i].state != MAPPING_REVOKING)
			continue;
		if (keep > 0) {
			keep--;	/* the oldest: their releases are in flight */
			continue;
		}
		s->irps[id].n_settled++;
		set_mapping_state(s, i, MAPPING_REVOKED);
	}
}

/* Waits (blocking, bounded) for the releases the revoke count left out. */
static void wait_owed(struct port_stream *s, uint32_t id)
{
	KIRQL irql = KeGetCurrentIrql();
	uint64_t deadline = KeQueryInterruptTime() + OWED_WAIT_100NS;
	for (uint32_t round = 0; irql == PASSIVE_LEVEL && round < OWED_WAIT_ROUNDS_MAX; round++) {
		KeResetEvent(&s->owed_event);
		if (s->irps[id].owed == 0)
			return;
		uint64_t now = KeQueryInterruptTime();
		if (now >= deadline)
			break;
		LARGE_INTEGER timeout = {.QuadPart = -(LONGLONG)(deadline - now)};
		KeWaitForSingleObject(&s->owed_event, Executive, KernelMode, FALSE, &timeout);
	}
	if (s->irps[id].owed == 0)
		return;
	const struct port_irp *irp = &s->irps[id];
	const struct port_mapping_info *m = NULL;
	for (uint32_t i = irp->revoke_first; i <= irp->revoke_last && m == NULL; i++)
		if (s->maps[i].state == MAPPING_REVOKING)
			m = &s->maps[i];
	port_fail(REVOKE_COUNT, "RevokeMappings for IRP %u (mappings #%u..#%u) reported %u fewer "
		    "than the %u still acquired when it returned, and no release of mapping #%u (tag "
		    "0x%llx) followed within %u us%s; expected the count to include every mapping it "
		    "did not release", id, irp->revoke_first, irp->revoke_last, irp->owed,
		    irp->revoke_range - irp->revoke_released, m ? m->index : 0u, ull(m ? m->tag : 0),
		    OWED_WAIT_100NS / 10, irql == PASSIVE_LEVEL ? "" : " (cancel above PASSIVE_LEVEL "
		    "cannot wait)");
}

/* Cancels IRP id: pending mappings dropped, acquired ones revoked through
 * the miniport (at DISPATCH_LEVEL, after a yield that opens the window in
 * which a release can land), then the IRP is done and its pages leave. */
static void cancel_irp(struct port_stream *s, uint32_t id)
{
	struct port_irp *irp = &s->irps[id];
	irp->state = IRP_CANCELLING;
	irp->revoke_first = irp->revoke_last = NO_INDEX;
	irp->revoke_range = irp->revoke_released = irp->owed = 0;
	irp->revoke_returned = false;
	for (uint32_t k = 0; k < irp->n_mappings; k++) {
		uint32_t i = irp->first_mapping + k;
		if (s->maps[i].state == MAPPING_PENDING) {
			irp->n_settled++;
			set_mapping_state(s, i, MAPPING_DROPPED);
		} else if (s->maps[i].state == MAPPING_ACQUIRED) {
			if (irp->revoke_first == NO_INDEX)
				irp->revoke_first = i;
			irp->revoke_last = i;
			irp->revoke_range++;
			set_mapping_state(s, i, MAPPING_REVOKING);
		}
	}
	publish(PORT_EV_CANCEL, id, irp->revoke_first, 0, 0, 0, irp->revoke_last, irp->revoke_range);
	if (irp->revoke_range > 0) {
		MAPPING_TAG first = s->maps[irp->revoke_first].tag;
		MAPPING_TAG last = s->maps[irp->revoke_last].tag;
		KeYield();	/* the window: a release may land before the call */
		KIRQL old;
		KeRaiseIrql(DISPATCH_LEVEL, &old);
		ULONG count = UINT32_MAX;	/* a miniport that never writes it is caught */
		NTSTATUS status;
		MINIPORT_CALL(status = s->ops->revoke_mappings(s->ms, (PVOID)(uintptr_t)first,
								   (PVOID)(uintptr_t)last, &count));
		judge_revoke(s, id, status, count);
		KeLowerIrql(old);
		if (s->irps[id].owed > 0)
			wait_owed(s, id);
	}
	finish_irp(s, id, true);
	KeSetEvent(&s->irp_done_event, 0, FALSE);
}

/* ---- the harness side ----------------------------------------------------------------- */

static const char *validate(const struct port_stream_config *cfg, const struct guest_memory *mem)
{
	if (cfg == NULL)
		return "no configuration";
	if (cfg->direction != PORT_RENDER && cfg->direction != PORT_CAPTURE)
		return "direction is neither render nor capture";
	if (cfg->style != PORT_STYLE_KMIXER && cfg->style != PORT_STYLE_DSOUND)
		return "style is neither KMixer nor DSound";
	if (cfg->layout != PORT_PAGES_SCATTERED && cfg->layout != PORT_PAGES_CONTIGUOUS)
		return "layout is neither scattered nor contiguous";
	if (cfg->channels != 1 && cfg->channels != 2)
		return "channels must be 1 or 2";
	if (cfg->rate_hz == 0)
		return "rate_hz must be positive";
	if (cfg->irp_bytes == 0)
		return "irp_bytes must be positive";
	if (cfg->total_bytes == 0)
		return "total_bytes must be positive";
	if (cfg->first_page_offset_bytes >= PAGE_BYTES || cfg->first_page_offset_bytes % 2u != 0)
		return "first_page_offset_bytes must be even and below 4096";
	/* A capture mapping that ends mid-frame would need the driver to copy
	 * halves out after DMA; the reference miniport bounces render frames
	 * only, so capture buffers start on a frame. */
	if (cfg->direction == PORT_CAPTURE && cfg->first_page_offset_bytes % (2u * cfg->channels) != 0)
		return "a capture buffer must start on a frame (first_page_offset_bytes)";
	if (cfg->style == PORT_STYLE_KMIXER && cfg->irps_in_flight == 0)
		return "irps_in_flight must be at least 1";
	if (cfg->direction == PORT_RENDER && cfg->sample == NULL)
		return "a render stream needs a sample function";
	uint64_t pages = ((uint64_t)cfg->first_page_offset_bytes + cfg->irp_bytes + PAGE_BYTES - 1u) /
			 PAGE_BYTES;
	uint64_t in_flight = cfg->style == PORT_STYLE_KMIXER ? cfg->irps_in_flight : 1u;
	if (pages * in_flight > POOL_PAGES)
		return "irp_bytes * irps_in_flight needs more than the 3071 guest pages at "
		       "[4 MiB, 16 MiB)";
	if (mem == NULL || mem->bytes == NULL || mem->size_bytes < POOL_END_BYTES)
		return "guest memory is smaller than 16 MiB";
	return NULL;
}

/* The region's pages go unmapped (free) the first time any stream on this
 * machine's memory needs them; the unmapped sentinel page says it is done. */
static void page_pool_init(const struct guest_memory *mem)
{
	if (!mem->page_mapped(mem->mem, (uint64_t)POOL_SENTINEL_PAGE * PAGE_BYTES))
		return;
	mem->set_mapped(mem->mem, (uint64_t)POOL_FIRST_PAGE * PAGE_BYTES,
			(uint64_t)(POOL_PAGES + 1u) * PAGE_BYTES, false);
}

/* The pool's pages in the order of a seeded Fisher-Yates shuffle
 * (splitmix64): the same seed gives the same pages on every host. */
static void shuffle_pool(uint64_t seed, uint32_t *perm)
{
	uint64_t st = seed;
	for (uint32_t i = 0; i < POOL_PAGES; i++)
		perm[i] = POOL_FIRST_PAGE + i;
	for (uint32_t i = POOL_PAGES - 1u; i > 0; i--) {
		uint32_t j = (uint32_t)(splitmix64(&st) % (i + 1u));
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
}

/* Shuffles made so far, by seed, shared by every stream of the process and
 * never changed or freed once made: explore creates a stream per run, all
 * with the scenario's one layout seed, and the shuffle (3,000 pages) cost
 * more than some runs' scheduling. The lock makes threads safe to share
 * it; the table is small, and a seed beyond it gets a copy of its own. */
#define PERM_CACHE_MAX 16u
static struct {
	uint64_t seed;
	const uint32_t *perm;
} perm_cache[PERM_CACHE_MAX];
static uint32_t perm_cache_count;
static pthread_mutex_t perm_cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* The shuffle of seed: a shared one (*owned NULL), or one made for the
 * caller to free (*owned set). NULL when out of host memory. */
static const uint32_t *page_pool_permutation(uint64_t seed, uint32_t **owned)
{
	*owned = NULL;
	const uint32_t *found = NULL;
	pthread_mutex_lock(&perm_cache_lock);
	for (uint32_t i = 0; i < perm_cache_count && found == NULL; i++)
		if (perm_cache[i].seed == seed)
			found = perm_cache[i].perm;
	if (found == NULL && perm_cache_count < PERM_CACHE_MAX) {
		uint32_t *perm = malloc(POOL_PAGES * sizeof(*perm));
		if (perm != NULL) {
			shuffle_pool(seed, perm);
			perm_cache[perm_cache_count].seed = seed;
			perm_cache[perm_cache_count].perm = perm;
			perm_cache_count++;
			found = perm;
		}
	}
	pthread_mutex_unlock(&perm_cache_lock);
	if (found != NULL)
		return found;
	*owned = malloc(POOL_PAGES * sizeof(**owned));
	if (*owned != NULL)
		shuffle_pool(seed, *owned);
	return *owned;
}

struct port_stream *port_stream_create(const struct port_stream_config *cfg, const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	const struct guest_memory *mem = kernel_guest_memory();
	*why = validate(cfg, mem);
	if (*why != NULL)
		return NULL;
	struct port_stream *s = calloc(1, sizeof(*s));
	uint32_t *owned = NULL;
	const uint32_t *perm = s != NULL ? page_pool_permutation(cfg->layout_seed, &owned) : NULL;
	if (s == NULL || perm == NULL) {
		free(s);
		*why = "out of host memory";
		return NULL;
	}
	s->handle = (struct PORT_STREAM){ PORT_MAGIC, s };
	s->cfg = *cfg;
	s->mem = mem;
	s->perm = perm;
	s->perm_owned = owned;
	s->state = KSSTATE_STOP;
	page_pool_init(mem);
	KeInitializeDpc(&s->service_dpc, service_dpc_routine, s);
	KeInitializeDpc(&s->available_dpc, available_dpc_routine, s);
	KeInitializeEvent(&s->owed_event, NotificationEvent, false);
	KeInitializeEvent(&s->irp_done_event, SynchronizationEvent, false);
	publish(PORT_EV_STREAM_CREATED, 0, 0,
		cfg->direction | (uint32_t)cfg->style << 8 | (uint32_t)cfg->layout << 16, 0, 0,
		cfg->irp_bytes, cfg->total_bytes);
	return s;
}

void port_stream_destroy(struct port_stream *s)
{
	if (s == NULL)
		return;
	/* Host memory only: this may run after the machine is gone, so guest
	 * memory and kernel objects are not touched. */
	for (uint32_t i = 0; i < s->n_irps; i++) {
		free(s->irps[i].pages);
		free(s->irps[i].segs);
	}
	free(s->irps);
	free(s->maps);
	free(s->perm_owned);
	s->handle.magic = 0;
	s->handle.owner = NULL;
	free(s);
}

void port_stream_bind_miniport(struct port_stream *s, const struct miniport_stream_ops *ops,
			       void *miniport_stream)
{
	if (s == NULL)
		return;
	s->ops = ops;
	s->ms = miniport_stream;
}

PORT_STREAM *port_stream_handle(struct port_stream *s)
{
	return s == NULL ? NULL : &s->handle;
}

const struct port_stream_config *port_stream_config(const struct port_stream *s)
{
	return s == NULL ? NULL : &s->cfg;
}

static void submit(struct port_stream *s)
{
	if (KeGetCurrentIrql() > DISPATCH_LEVEL)
		port_fail(STATE_ORDER, "IRPs submitted at IRQL %u; expected <= DISPATCH_LEVEL",
			    KeGetCurrentIrql());
	uint32_t want = s->cfg.style == PORT_STYLE_KMIXER ? s->cfg.irps_in_flight : 1u;
	uint32_t added = 0;
	for (uint32_t guard = 0; guard < want; guard++) {
		if (irps_in_state(s, false) >= want || s->next_offset >= s->cfg.total_bytes)
			break;
		add_irp(s);
		added++;
	}
	if (added == 0 || !s->available_owed)
		return;
	/* One MappingAvailable for the refusals since the last one. */
	s->available_owed = false;
	if (s->ops->mapping_available == NULL)
		port_fail(PORT_MISUSE, "the miniport has no MappingAvailable and a GetMapping was "
			    "refused");
	publish(PORT_EV_MAPPING_AVAILABLE, 0, added, 0, 0, 0, 0, 0);
	KIRQL old;
	KeRaiseIrql(DISPATCH_LEVEL, &old);
	MINIPORT_CALL(s->ops->mapping_available(s->ms));
	KeLowerIrql(old);
}

void port_action_submit(struct port_stream *s)
{
	require_miniport(s, "submit");
	if (!miniport_enter(s))
		return;	/* a closed pin takes no IRPs */
	submit(s);
	miniport_leave(s);
}

bool port_action_cancel_irp(struct port_stream *s, uint32_t nth_outstanding)
{
	require_miniport(s, "cancel");
	if (s->ops->revoke_mappings == NULL)
		port_fail(PORT_MISUSE, "the miniport has no RevokeMappings");
	if (!miniport_enter(s))
		return false;	/* closed: its IRPs were cancelled at STOP */
	uint32_t n = 0;
	bool found = false;
	for (uint32_t i = s->irp_lo; i < s->n_irps && !found; i++) {
		if (s->irps[i].state != IRP_SUBMITTED || n++ != nth_outstanding)
			continue;
		cancel_irp(s, i);
		found = true;
	}
	miniport_leave(s);
	return found;
}

static NTSTATUS set_state_steps(struct port_stream *s, KSSTATE target);

NTSTATUS port_action_set_state(struct port_stream *s, KSSTATE target)
{
	require_miniport(s, "SetState");
	if (!miniport_enter(s))
		return STATUS_UNSUCCESSFUL;	/* a closed pin has no state to change */
	NTSTATUS status = set_state_steps(s, target);
	miniport_leave(s);
	return status;
}

static NTSTATUS set_state_steps(struct port_stream *s, KSSTATE target)
{
	if (s->ops->set_state == NULL)
		port_fail(PORT_MISUSE, "the miniport has no SetState");
	if ((int)target < (int)KSSTATE_STOP || (int)target > (int)KSSTATE_RUN)
		port_fail(PORT_MISUSE, "SetState to %d, which is not a KSSTATE", (int)target);
	if (KeGetCurrentIrql() != PASSIVE_LEVEL)
		port_fail(STATE_ORDER, "SetState(%s) at IRQL %u; expected PASSIVE_LEVEL",
			    ksstate_name(target), KeGetCurrentIrql());
	if (s->changing_state)
		port_fail(STATE_ORDER, "SetState(%s) while another SetState is under way; expected "
			    "one at a time", ksstate_name(target));
	s->changing_state = true;
	for (uint32_t step = 0; step < 3u && s->state != target; step++) {
		KSSTATE next = (KSSTATE)(target > s->state ? (int)s->state + 1 : (int)s->state - 1);
		NTSTATUS status;
		MINIPORT_CALL(status = s->ops->set_state(s->ms, next));
		if (!NT_SUCCESS(status)) {
			publish(PORT_EV_STATE, 0, 0, (uint32_t)status, 0, 0, s->state, next);
			s->changing_state = false;
			return status;
		}
		KSSTATE was = s->state;
		s->state = next;
		publish(PORT_EV_STATE, 0, 0, STATUS_SUCCESS, 0, 0, was, next);
		if (next != KSSTATE_STOP)
			continue;
		/* Every outstanding IRP, oldest first (IRPs submitted meanwhile
		 * too: the loop reads the count again each time). */
		for (uint32_t i = s->irp_lo; i < s->n_irps; i++)
			if (s->irps[i].state == IRP_SUBMITTED)
				cancel_irp(s, i);
	}
	s->changing_state = false;
	return STATUS_SUCCESS;
}

void port_action_refuse_mappings(struct port_stream *s, uint32_t count)
{
	s->refusals_left += count;
	publish(PORT_EV_REFUSALS, 0, 0, 0, 0, 0, count, 0);
}

static void query_position(struct port_stream *s);

void port_action_query_position(struct port_stream *s)
{
	require_miniport(s, "GetPosition");
	if (!miniport_enter(s))
		return;	/* a closed pin answers nothing */
	query_position(s);
	miniport_leave(s);
}

/* The block is a frame of 16-bit samples (the only format the port opens
 * streams with); 0.1% (and 1 us) of slack allows the rounding of a
 * miniport's integer arithmetic. */
static void check_position_time(struct port_stream *s, ULONGLONG pos)
{
	uint64_t block_bytes = (uint64_t)s->cfg.channels * 2u;
	if (block_bytes == 0 || s->cfg.rate_hz == 0 || pos > (UINT64_MAX / 10000000u))
		return;
	uint64_t expected = pos * 10000000u / (block_bytes * s->cfg.rate_hz);
	LONGLONG time = (LONGLONG)pos;
	NTSTATUS status = s->ops->normalize_physical_position(s->ms, &time);
	if (!NT_SUCCESS(status))
		port_fail(POSITION_TIME, "NormalizePhysicalPosition(%llu bytes) failed: 0x%08X", ull(pos),
			  (unsigned)status);
	uint64_t slack = expected / 1000u + 10u;
	if (time < 0 || (uint64_t)time + slack < expected || (uint64_t)time > expected + slack)
		port_fail(POSITION_TIME, "NormalizePhysicalPosition(%llu bytes) = %lld (100 ns units); "
			  "expected %llu at %u Hz and %llu bytes a frame", ull(pos), (long long)time,
			  ull(expected), s->cfg.rate_hz, ull(block_bytes));
}

static void query_position(struct port_stream *s)
{
	if (s->ops->get_position == NULL)
		port_fail(PORT_MISUSE, "the miniport has no GetPosition");
	if (KeGetCurrentIrql() != PASSIVE_LEVEL)
		port_fail(STATE_ORDER, "position asked at IRQL %u; the port asks at PASSIVE_LEVEL",
			    KeGetCurrentIrql());
	ULONGLONG pos = 0;
	/* The call and the answer both go out: what the device had done when
	 * the call began bounds the answer from below, what it had done when
	 * it returned from above (the "position" checker). */
	publish(PORT_EV_POSITION_ASKED, 0, 0, 0, 0, 0, 0, 0);
	NTSTATUS status;
	MINIPORT_CALL(status = s->ops->get_position(s->ms, &pos));
	if (!NT_SUCCESS(status)) {
		publish(PORT_EV_POSITION, 0, 0, (uint32_t)status, 0, 0, 0, 0);
		return;
	}
	publish(PORT_EV_POSITION, 0, 0, STATUS_SUCCESS, 0, 0, pos, 0);
	/* portcls's physical clock: the position as a time, through the
	 * miniport, which knows its format (a miniport without the method
	 * leaves the port to do without). */
	if (s->ops->normalize_physical_position != NULL)
		check_position_time(s, pos);
}

void port_action_set_format(struct port_stream *s, uint32_t rate_hz)
{
	require_miniport(s, "SetFormat");
	if (!miniport_enter(s))
		return;	/* a closed pin takes no format */
	if (KeGetCurrentIrql() != PASSIVE_LEVEL)
		port_fail(STATE_ORDER, "format set at IRQL %u; the port sets it at PASSIVE_LEVEL",
			  KeGetCurrentIrql());
	uint32_t before = s->cfg.rate_hz;
	NTSTATUS status = STATUS_NOT_SUPPORTED;
	if (s->ops->set_format != NULL)
		status = s->ops->set_format(s->ms, s->cfg.channels, rate_hz);
	if (NT_SUCCESS(status))
		s->cfg.rate_hz = rate_hz;
	publish(PORT_EV_FORMAT, 0, 0, (uint32_t)status, 0, 0, before, rate_hz);
	miniport_leave(s);
}

void port_action_close(struct port_stream *s)
{
	require_miniport(s, "close");
	if (KeGetCurrentIrql() != PASSIVE_LEVEL)
		port_fail(STATE_ORDER, "the pin closed at IRQL %u; expected PASSIVE_LEVEL",
			    KeGetCurrentIrql());
	if (s->closed)
		return;
	/* The event only when there is something to wait for, so that closing
	 * an idle pin makes no kernel call; the count is read again after the
	 * initialisation (a scheduling point), with no scheduling point
	 * between that read and `closed`, so a call that ends meanwhile
	 * either is seen ended or sees `closed` and wakes this. */
	bool busy = s->in_miniport > 0;
	if (busy)
		KeInitializeEvent(&s->miniport_idle_event, SynchronizationEvent, false);
	s->closed = true;
	if (busy && s->in_miniport > 0)
		KeWaitForSingleObject(&s->miniport_idle_event, Executive, KernelMode, FALSE, NULL);
}

/* ---- inspection ------------------------------------------------------------------------ */

KSSTATE port_stream_state(const struct port_stream *s)
{
	return s == NULL ? KSSTATE_STOP : s->state;
}

uint32_t port_stream_mapping_count(const struct port_stream *s)
{
	return s == NULL ? 0 : s->n_maps;
}

const struct port_mapping_info *port_stream_mapping(const struct port_stream *s, uint32_t index)
{
	return s != NULL && index < s->n_maps ? &s->maps[index] : NULL;
}

uint32_t port_stream_irps_outstanding(const struct port_stream *s)
{
	return s == NULL ? 0 : irps_in_state(s, true);
}

uint64_t port_stream_bytes_submitted(const struct port_stream *s)
{
	return s == NULL ? 0 : s->next_offset;
}

uint64_t port_stream_irps_completed(const struct port_stream *s)
{
	return s == NULL ? 0 : s->completions;
}

uint64_t port_stream_irps_cancelled(const struct port_stream *s)
{
	return s == NULL ? 0 : s->cancellations;
}

/* All audio made into mappings and every IRP completed or cancelled (an
 * IRP whose cancel is still running is not done). */
KEVENT *port_stream_irp_done_event(struct port_stream *s)
{
	return &s->irp_done_event;
}

bool port_stream_finished(const struct port_stream *s)
{
	return s != NULL && s->next_offset >= s->cfg.total_bytes && irps_in_state(s, true) == 0;
}

/* ---- the driver's calls in (wavepci.h) ----------------------------------------- */

/* Each notes where the driver called from and, on return, lets the CPU's
 * call site move again (kernel_backend.h). */
NTSTATUS PortGetMapping(PORT_STREAM *ps, PVOID tag_pointer, PPHYSICAL_ADDRESS physical,
			PVOID *virtual_address, PULONG byte_count, PULONG flags)
{
	KERNEL_NOTE_CALL();
	NTSTATUS st = get_mapping(ps, tag_pointer, physical, virtual_address, byte_count, flags);
	kernel_port_return();
	return st;
}

NTSTATUS PortReleaseMapping(PORT_STREAM *ps, PVOID tag_pointer)
{
	KERNEL_NOTE_CALL();
	NTSTATUS st = release_mapping(ps, tag_pointer);
	kernel_port_return();
	return st;
}

NTSTATUS PortTerminatePacket(PORT_STREAM *ps)
{
	KERNEL_NOTE_CALL();
	NTSTATUS st = terminate_packet(ps);
	kernel_port_return();
	return st;
}

void PortNotify(PORT_STREAM *ps)
{
	KERNEL_NOTE_CALL();
	notify(ps);
	kernel_port_return();
}
