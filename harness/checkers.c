/*
 * checkers.c - the run's oracles (see checkers.h for what each one checks).
 *
 * Everything here is bookkeeping driven by callbacks: the port's observer
 * (mapping states, IRPs, stream state), the device's observer (data DMA
 * ranges, DMA faults, guest errors), the device's sink (render audio as it
 * crosses the AC-link) and the machine's step and end hooks. The checkers
 * keep a mirror of the port's mappings (a record per mapping, never the
 * audio), a table of which mapping last covered each guest page, a cursor
 * into the mappings for render audio and the last position for capture.
 *
 * Rules chosen where the brief was silent (each one has a test):
 * - Render, a lost tail. RR empties the engine's FIFO (bm_engine.c). A
 *   STOP resets the engine by definition, so up to a FIFO's worth of
 *   samples fetched before a STOP may never play: a sample that does not
 *   match the cursor is accepted as the start of what follows when the rest
 *   of the cursor's mapping was all fetched before the last STOP and,
 *   together with any other tails given up for the same sample, fits in the
 *   FIFO (ac97_config.fifo_samples * 2 bytes). Such losses are counted
 *   (fifo_tail_losses). A reset in the middle of a stream (a revoke) must
 *   let the FIFO play out first: a tail it loses fails. A revoked
 *   (REVOKING, REVOKED) or dropped mapping may stop anywhere. Anything else
 *   that does not match fails.
 * - Render, at the end of the run: a RELEASED mapping must have crossed the
 *   link in full, except for a tail fetched before the last STOP that fits
 *   in the FIFO, the tails of the mappings not yet reached by the cursor
 *   counted together. Bytes of a released mapping that were never fetched
 *   are always a failure.
 * - Device misuse, the prefetched descriptor: it is compared only while
 *   CIV != LVI. With LVI = CIV the engine halts at the end of the current
 *   buffer and drops its prefetched copy (bm_engine.c), which is how the
 *   reference miniport gets past a revoked PIV entry, so rewriting that
 *   entry then is not misuse; resuming with LVI past CIV while the stale
 *   copy is still cached is.
 * - Stall: "progress" is a mapping becoming ACQUIRED or RELEASED, a DATA
 *   frame of PCM out crossing the link (render) or a DMA write into a
 *   mapping (capture). The clock starts when the stream enters RUN or audio
 *   becomes available, whichever is later, and is looked at on every step.
 * - Capture: a sample that follows a left-channel sample must be the next
 *   position; after a frame's last channel the position may jump forward by
 *   whole frames (dropped frames), by less than 32768 samples. The first
 *   sample of the stream must be a frame's first channel.
 *
 * Not checked here: position reports (on_position), several streams at
 * once, lock and IRQL rules (the machine's), the port's own rules (the port
 * model's referee).
 */
#include "checkers.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK_WALK_MAX 64u		/* mappings looked at per page for one DMA range */
#define CK_PIECES_MAX 16u	/* undecided pieces of a DMA range within a page */
#define CK_LIST_MAX 4u		/* leaks named in a teardown message */
#define CK_GAP_MAX_SAMPLES 32768u

/* ---- names and configuration ---------------------------------------------------- */

static const char *const names[CHECK_COUNT] = {
	[CHECK_AUDIO] = "audio-conservation",
	[CHECK_DMA_LIVE] = "dma-after-release",
	[CHECK_DEVICE_MISUSE] = "device-misuse",
	[CHECK_TEARDOWN] = "teardown",
	[CHECK_STALL] = "stall",
};

const char *checker_name(enum checker_id id)
{
	return (unsigned)id < CHECK_COUNT ? names[id] : "?";
}

enum checker_id checker_from_name(const char *name)
{
	for (unsigned i = 0; i < CHECK_COUNT; i++)
		if (name != NULL && strcmp(name, names[i]) == 0)
			return (enum checker_id)i;
	return CHECK_COUNT;
}

void checker_config_default(struct checker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->stall_limit_ticks = CHECKER_STALL_LIMIT_TICKS_DEFAULT;
}

/* ---- state ------------------------------------------------------------------------ */

struct ck_mapping {
	struct port_mapping_info info;
	sim_ticks_t state_tick;		/* when the state last changed */
	uint32_t played_bytes;		/* render: what crossed the link, once the cursor left */
	uint32_t dma_hi_bytes;		/* highest offset + 1 that DMA touched */
	sim_ticks_t fetched_tick;	/* when DMA first reached its end (0: not yet) */
	uint32_t link_first, link_count;	/* its entries in links[] (pages it covers) */
	uint32_t terminal_reports;	/* times it became RELEASED, REVOKED or DROPPED */
	bool known;			/* reported by the port (else a hole in the mirror) */
	bool done;			/* render: the cursor left it; capture: written to its end */
};

/* Mapping `owner` covers `page`; prev is the mapping that covered it before
 * (index + 1, 0 for none). Chains run newest first. */
struct ck_link {
	uint64_t page;
	uint32_t prev;
};

struct ck_irp {
	bool known;
	uint32_t completed, cancelled;
};

struct checkers {
	struct machine *m;
	struct ac97 *dev;
	struct gmem *mem;
	struct port_stream *ps;		/* NULL when fed */
	struct port_stream_config scfg;
	struct checker_config cfg;
	struct port_observer obs;	/* what the port holds (kept here: it may keep the pointer) */
	bool render;
	uint32_t fifo_bytes;
	sim_ticks_t last_stop_tick;	/* when the stream last entered STOP (0: never) */
	struct ac97_sink prev_sink;
	bool sink_installed, source_installed;

	KSSTATE state;
	struct ck_mapping *map;
	uint32_t n_map, cap_map;
	uint32_t synced;		/* port mappings looked at by sync_port */
	struct ck_irp *irp;
	uint32_t n_irp, cap_irp;
	uint32_t *page_owner;		/* newest mapping (index + 1) covering each page */
	uint64_t n_pages;
	struct ck_link *links;
	uint32_t n_links, cap_links;

	/* render: the next byte expected on the link */
	uint32_t cur_mi, cur_off;
	/* capture: the last position seen */
	bool cap_have, cap_carry;
	uint16_t cap_last;
	uint8_t cap_lo;
	uint64_t cap_next_offset;

	/* stall */
	uint32_t n_available;		/* PENDING, or ACQUIRED and not done */
	sim_ticks_t last_progress_tick, stall_anchor_tick;

	struct checker_stats stats;
	uint8_t scratch[GMEM_PAGE_BYTES];
};

static const char *state_name(enum port_mapping_state s)
{
	switch (s) {
	case MAPPING_PENDING: return "PENDING";
	case MAPPING_ACQUIRED: return "ACQUIRED";
	case MAPPING_RELEASED: return "RELEASED";
	case MAPPING_REVOKING: return "REVOKING";
	case MAPPING_REVOKED: return "REVOKED";
	case MAPPING_DROPPED: return "DROPPED";
	}
	return "?";
}

static bool is_terminal(enum port_mapping_state s)
{
	return s == MAPPING_RELEASED || s == MAPPING_REVOKED || s == MAPPING_DROPPED;
}

static bool is_revoked(enum port_mapping_state s)
{
	return s == MAPPING_REVOKING || s == MAPPING_REVOKED || s == MAPPING_DROPPED;
}

static bool available(const struct ck_mapping *cm)
{
	return cm->known && (cm->info.state == MAPPING_PENDING ||
			     (cm->info.state == MAPPING_ACQUIRED && !cm->done));
}

static bool on(const struct checkers *c, enum checker_id id)
{
	return !c->cfg.disable[id];
}

static uint64_t us(sim_ticks_t t)
{
	return sim_ticks_to_us(t);
}

/* "mapping 3 (tag 0x2a, IRP 1, RELEASED)" */
static const char *describe(const struct checkers *c, uint32_t index, char *buf, size_t len)
{
	if (index >= c->n_map || !c->map[index].known) {
		snprintf(buf, len, "mapping %" PRIu32 " (not reported by the port)", index);
		return buf;
	}
	const struct port_mapping_info *i = &c->map[index].info;
	snprintf(buf, len, "mapping %" PRIu32 " (tag 0x%" PRIx64 ", IRP %" PRIu32 ", %s)", index,
		 (uint64_t)i->tag, i->irp, state_name(i->state));
	return buf;
}

_Noreturn static void out_of_memory(struct checkers *c)
{
	machine_fail(c->m, "checkers", "out of host memory");
}

static bool grow(void **items, uint32_t *cap, size_t item_bytes, uint32_t need)
{
	if (need <= *cap)
		return true;
	uint32_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > UINT32_MAX / 2)
			return false;
		n *= 2;
	}
	void *p = realloc(*items, (size_t)n * item_bytes);
	if (p == NULL)
		return false;
	memset((char *)p + (size_t)*cap * item_bytes, 0, (size_t)(n - *cap) * item_bytes);
	*items = p;
	*cap = n;
	return true;
}

static void progress(struct checkers *c, sim_ticks_t tick)
{
	if (tick > c->last_progress_tick)
		c->last_progress_tick = tick;
}

/* Sets done, keeping the count of available mappings right. */
static void set_done(struct checkers *c, struct ck_mapping *cm)
{
	if (cm->done)
		return;
	bool was = available(cm);
	cm->done = true;
	c->stats.mappings_done++;
	c->n_available -= was;
}

/* ---- the mirror of the port's mappings and IRPs -------------------------------------- */

static struct ck_irp *irp_slot(struct checkers *c, uint32_t irp)
{
	if (irp == UINT32_MAX || !grow((void **)&c->irp, &c->cap_irp, sizeof(*c->irp), irp + 1))
		return NULL;
	if (irp >= c->n_irp)
		c->n_irp = irp + 1;
	if (!c->irp[irp].known)
		c->stats.irps++;
	c->irp[irp].known = true;
	return &c->irp[irp];
}

/* Which mapping covered page before `index` did (index + 1, or 0). */
static uint32_t link_prev(const struct checkers *c, uint32_t index, uint64_t page)
{
	const struct ck_mapping *cm = &c->map[index];
	for (uint32_t k = cm->link_count; k-- > 0;)
		if (c->links[cm->link_first + k].page == page)
			return c->links[cm->link_first + k].prev;
	return 0;
}

/* Makes mapping `index` the newest owner of every page it covers. */
static bool register_pages(struct checkers *c, uint32_t index)
{
	struct ck_mapping *cm = &c->map[index];
	if (cm->info.byte_count == 0)
		return true;
	uint64_t first = (uint64_t)cm->info.physical / GMEM_PAGE_BYTES;
	uint64_t last = ((uint64_t)cm->info.physical + cm->info.byte_count - 1) / GMEM_PAGE_BYTES;
	if (first >= c->n_pages)
		return true;
	if (last >= c->n_pages)
		last = c->n_pages - 1;
	uint32_t n = (uint32_t)(last - first + 1);
	if (!grow((void **)&c->links, &c->cap_links, sizeof(*c->links), c->n_links + n))
		return false;
	uint32_t link_first = c->n_links;
	for (uint64_t p = first; p <= last; p++) {
		uint32_t prev = c->page_owner[p];
		if (prev == index + 1)	/* registered again (moved): keep the older owner */
			prev = link_prev(c, index, p);
		c->links[c->n_links++] = (struct ck_link){ p, prev };
		c->page_owner[p] = index + 1;
	}
	cm->link_first = link_first;
	cm->link_count = n;
	return true;
}

static void capture_check(struct checkers *c, struct ck_mapping *cm);

/* Takes in what the port says about one mapping. False when out of memory. */
static bool apply_info(struct checkers *c, const struct port_mapping_info *info)
{
	if (info->index == UINT32_MAX ||
	    !grow((void **)&c->map, &c->cap_map, sizeof(*c->map), info->index + 1))
		return false;
	if (info->index >= c->n_map)
		c->n_map = info->index + 1;
	struct ck_mapping *cm = &c->map[info->index];
	bool was_known = cm->known, was_available = available(cm);
	enum port_mapping_state old = cm->info.state;
	bool moved = !was_known || cm->info.physical != info->physical ||
		     cm->info.byte_count != info->byte_count;
	cm->info = *info;
	cm->known = true;
	if (!was_known)
		c->stats.mappings++;
	if (moved && !register_pages(c, info->index))
		return false;
	if (irp_slot(c, info->irp) == NULL)
		return false;
	bool changed = !was_known || old != info->state;
	sim_ticks_t now = machine_now(c->m);
	if (changed) {
		cm->state_tick = now;
		if (is_terminal(info->state))
			cm->terminal_reports++;
		if (info->state == MAPPING_ACQUIRED || info->state == MAPPING_RELEASED)
			progress(c, now);
	}
	c->n_available += available(cm);
	c->n_available -= was_available;
	if (info->byte_count == 0)
		set_done(c, cm);
	if (!c->render && changed && info->state == MAPPING_RELEASED)
		capture_check(c, cm);
	return true;
}

/* Mappings the port made without reporting them (PENDING ones). */
static bool sync_port(struct checkers *c)
{
	if (c->ps == NULL)
		return true;
	uint32_t n = port_stream_mapping_count(c->ps);
	for (; c->synced < n; c->synced++) {
		if (c->synced < c->n_map && c->map[c->synced].known)
			continue;
		const struct port_mapping_info *info = port_stream_mapping(c->ps, c->synced);
		if (info != NULL && !apply_info(c, info))
			return false;
	}
	return true;
}

/* ---- audio conservation: render ------------------------------------------------------- */

static uint8_t expected_byte(const struct checkers *c, uint64_t stream_byte)
{
	uint16_t s = (uint16_t)c->scfg.sample(c->scfg.sample_ctx, stream_byte / 2);
	return (stream_byte & 1) ? (uint8_t)(s >> 8) : (uint8_t)s;
}

/* The cursor leaves its mapping for good: what crossed the link is fixed. */
static void cursor_leave(struct checkers *c, struct ck_mapping *cm)
{
	cm->played_bytes = c->cur_off < cm->info.byte_count ? c->cur_off : cm->info.byte_count;
	set_done(c, cm);
	c->cur_mi++;
	c->cur_off = 0;
}

/* Moves the cursor past mappings that can give nothing more (dropped,
 * empty, consumed). Returns the mapping at the cursor, or NULL past the
 * last one known. A hole in the mirror stops it (returned, !known). */
static struct ck_mapping *cursor_settle(struct checkers *c)
{
	while (c->cur_mi < c->n_map) {
		struct ck_mapping *cm = &c->map[c->cur_mi];
		if (!cm->known)
			return cm;
		if (cm->info.state != MAPPING_DROPPED && c->cur_off < cm->info.byte_count)
			return cm;
		cursor_leave(c, cm);
	}
	return NULL;
}

/* The next mapping after the cursor's that could give bytes, or NULL. */
static const struct ck_mapping *peek_next(const struct checkers *c)
{
	for (uint32_t i = c->cur_mi + 1; i < c->n_map; i++) {
		const struct ck_mapping *cm = &c->map[i];
		if (!cm->known || cm->info.state == MAPPING_PENDING)
			return NULL;
		if (cm->info.state != MAPPING_DROPPED && cm->info.byte_count > 0)
			return cm;
	}
	return NULL;
}

/* The 16-bit sample expected at the cursor; false when it cannot be known
 * (an odd-sized mapping followed by nothing handed out). */
static bool expect_at_cursor(const struct checkers *c, const struct ck_mapping *cm, uint16_t *want)
{
	uint64_t at = cm->info.stream_offset_bytes + c->cur_off;
	if ((at & 1) == 0 && c->cur_off + 2 <= cm->info.byte_count) {
		*want = (uint16_t)c->scfg.sample(c->scfg.sample_ctx, at / 2);
		return true;
	}
	/* A sample split between two mappings (odd sizes): byte by byte. */
	uint8_t lo = expected_byte(c, at), hi;
	if (c->cur_off + 1 < cm->info.byte_count) {
		hi = expected_byte(c, at + 1);
	} else {
		const struct ck_mapping *next = peek_next(c);
		if (next == NULL)
			return false;
		hi = expected_byte(c, next->info.stream_offset_bytes);
	}
	*want = (uint16_t)(lo | hi << 8);
	return true;
}

static void cursor_advance(struct checkers *c, struct ck_mapping *cm)
{
	c->cur_off += 2;
	if (c->cur_off < cm->info.byte_count)
		return;
	uint32_t over = c->cur_off - cm->info.byte_count;
	c->cur_off = cm->info.byte_count;
	cursor_leave(c, cm);
	if (over > 0 && cursor_settle(c) != NULL)
		c->cur_off = over;
}

struct miss {
	uint32_t mi, off;
	uint16_t want;
	bool known;
};

_Noreturn static void render_fail(struct checkers *c, const struct ac97_span *sp, uint64_t frame,
				  uint32_t channel, uint16_t got, const struct miss *first,
				  const struct ck_mapping *last, const char *what)
{
	char a[96], b[96], want[24] = "unknown";
	sim_ticks_t tick = cadence_tick_of(&sp->cadence, sp->first_request + frame);
	if (first->known)
		snprintf(want, sizeof(want), "0x%04x", first->want);
	else if (last == NULL)
		snprintf(want, sizeof(want), "nothing yet");
	uint32_t n = first->mi < c->n_map ? c->map[first->mi].info.byte_count : 0;
	char tried[192] = "";
	if (last != NULL && (uint32_t)(last - c->map) != first->mi)
		snprintf(tried, sizeof(tried), "; nor the start of %s after giving up %" PRIu32
			 " revoked or flushed mapping(s)",
			 describe(c, (uint32_t)(last - c->map), b, sizeof(b)),
			 (uint32_t)(last - c->map) - first->mi);
	machine_fail(c->m, "audio-conservation",
		     "%s: at link tick %" PRIu64 " (%" PRIu64 " us, frame %" PRIu64 " of a %s span), "
		     "channel %" PRIu32 ", expected byte %" PRIu32 " of %" PRIu32 " of %s = %s, "
		     "got 0x%04x%s",
		     what, tick, us(tick), frame, ac97_engine_name(sp->engine), channel, first->off, n,
		     describe(c, first->mi, a, sizeof(a)), want, got, tried);
}

/* A mapping's unplayed tail may be gone only when all of it was fetched
 * into the FIFO and a STOP, whose reset empties the FIFO, came after: a
 * reset in the middle of a stream (a revoke) must let the FIFO play out
 * first, so a tail lost then is lost audio. */
static bool tail_lost_to_stop(const struct checkers *c, const struct ck_mapping *cm)
{
	return cm->dma_hi_bytes >= cm->info.byte_count && cm->fetched_tick != 0 &&
	       c->last_stop_tick >= cm->fetched_tick;
}

/* One link sample against the cursor (see the rules at the top). */
static void render_sample(struct checkers *c, const struct ac97_span *sp, uint64_t frame,
			  uint32_t channel, uint16_t got)
{
	uint32_t flushed = 0;
	struct miss first = { 0 };
	bool missed = false;
	for (;;) {
		struct ck_mapping *cm = cursor_settle(c);
		if (cm == NULL || !cm->known || cm->info.state == MAPPING_PENDING) {
			if (!missed)
				first = (struct miss){ c->cur_mi, c->cur_off, 0, false };
			render_fail(c, sp, frame, channel, got, &first, NULL,
				    "data beyond the mappings handed out");
		}
		uint16_t want = 0;
		bool known = expect_at_cursor(c, cm, &want);
		if (known && want == got) {
			cursor_advance(c, cm);
			c->stats.samples_matched++;
			return;
		}
		if (!missed)
			first = (struct miss){ c->cur_mi, c->cur_off, want, known };
		missed = true;
		uint32_t rest = cm->info.byte_count - c->cur_off;
		if (is_revoked(cm->info.state)) {
			c->stats.revoked_cuts += c->cur_off > 0;
		} else if (tail_lost_to_stop(c, cm) && flushed + rest <= c->fifo_bytes) {
			flushed += rest;
			c->stats.fifo_tail_losses++;
		} else {
			render_fail(c, sp, frame, channel, got, &first, cm,
				    first.mi == c->cur_mi ? "wrong sample on the link"
							  : "audio lost or repeated");
		}
		cursor_leave(c, cm);
	}
}

static void on_span(void *ctx, const struct ac97_span *sp)
{
	struct checkers *c = ctx;
	if (c->prev_sink.on_span != NULL)
		c->prev_sink.on_span(c->prev_sink.ctx, sp);
	if (sp->engine != AC97_PO || sp->n_frames == 0)
		return;
	if (sp->kind != AC97_SPAN_DATA) {
		c->stats.fill_frames += sp->n_frames;
		return;
	}
	progress(c, cadence_tick_of(&sp->cadence, sp->first_request + sp->n_frames - 1));
	if (!on(c, CHECK_AUDIO))
		return;
	const uint8_t *p = sp->pcm_le;
	for (uint64_t f = 0; f < sp->n_frames; f++) {
		for (uint32_t ch = 0; ch < sp->channels; ch++, p += 2) {
			uint16_t got = (uint16_t)(p[0] | p[1] << 8);
			/* The common case inline: the next sample of a live mapping. */
			struct ck_mapping *cm = c->cur_mi < c->n_map ? &c->map[c->cur_mi] : NULL;
			if (cm != NULL && cm->known && cm->info.state != MAPPING_PENDING &&
			    cm->info.state != MAPPING_DROPPED && c->cur_off + 2 < cm->info.byte_count) {
				uint64_t at = cm->info.stream_offset_bytes + c->cur_off;
				if ((at & 1) == 0 &&
				    (uint16_t)c->scfg.sample(c->scfg.sample_ctx, at / 2) == got) {
					c->cur_off += 2;
					c->stats.samples_matched++;
					continue;
				}
			}
			render_sample(c, sp, f, ch, got);
		}
	}
}

/* At the end: released mappings crossed the link in full, but for a tail
 * that was fetched and fits in the FIFO. */
static void end_render_audio(struct checkers *c)
{
	uint32_t tail_bytes = 0;
	for (uint32_t i = 0; i < c->n_map; i++) {
		const struct ck_mapping *cm = &c->map[i];
		if (!cm->known || cm->info.state != MAPPING_RELEASED || cm->info.byte_count == 0)
			continue;
		uint32_t n = cm->info.byte_count;
		uint32_t played = i < c->cur_mi ? cm->played_bytes : i == c->cur_mi ? c->cur_off : 0;
		if (played >= n)
			continue;
		uint32_t missing = n - played;
		bool fetched = tail_lost_to_stop(c, cm);
		if (i >= c->cur_mi)
			tail_bytes += missing;
		if (!fetched || (i < c->cur_mi ? missing : tail_bytes) > c->fifo_bytes) {
			char d[96];
			machine_fail(c->m, "audio-conservation",
				     "%s released but only %" PRIu32 " of %" PRIu32
				     " bytes crossed the link (%" PRIu32 " fetched by DMA; up to %" PRIu32
				     " bytes may stay in the FIFO)",
				     describe(c, i, d, sizeof(d)), played, n, cm->dma_hi_bytes,
				     c->fifo_bytes);
		}
	}
}

/* ---- audio conservation: capture -------------------------------------------------------- */

static void pattern_read(void *ctx, enum ac97_engine_id engine, uint64_t first_frame,
			 int16_t *dst, uint64_t n_frames, uint32_t channels)
{
	(void)ctx;
	(void)engine;
	for (uint64_t f = 0; f < n_frames; f++)
		for (uint32_t ch = 0; ch < channels; ch++)
			dst[f * channels + ch] = (int16_t)(uint16_t)((first_frame + f) * channels + ch);
}

static void capture_sample(struct checkers *c, const struct ck_mapping *cm, uint32_t off,
			   uint16_t v)
{
	uint32_t ch = c->scfg.channels;
	char d[96];
	c->stats.samples_captured++;
	if (!c->cap_have) {
		if (v % ch != 0)
			machine_fail(c->m, "audio-conservation",
				     "capture %s byte %" PRIu32 ": the stream starts with position 0x%04x, "
				     "channel %u of a frame, not channel 0",
				     describe(c, cm->info.index, d, sizeof(d)), off, v, (unsigned)(v % ch));
		c->cap_have = true;
		c->cap_last = v;
		return;
	}
	uint16_t prev = c->cap_last, delta = (uint16_t)(v - prev);
	const char *bad = NULL;
	if (delta == 0)
		bad = "repeats the previous position";
	else if (delta >= CK_GAP_MAX_SAMPLES)
		bad = "goes back";
	else if (prev % ch != ch - 1 && delta != 1)
		bad = "breaks a frame apart";
	else if ((delta - 1u) % ch != 0)
		bad = "jumps by part of a frame";
	if (bad != NULL)
		machine_fail(c->m, "audio-conservation",
			     "capture %s byte %" PRIu32 " of %" PRIu32 ": position 0x%04x after 0x%04x %s "
			     "(expected 0x%04x%s)",
			     describe(c, cm->info.index, d, sizeof(d)), off, cm->info.byte_count, v, prev,
			     bad, (uint16_t)(prev + 1),
			     prev % ch == ch - 1 ? ", or a later frame's start after dropped frames" : "");
	c->stats.capture_gaps += delta > 1;
	c->cap_last = v;
}

/* A capture mapping was released: what is in its memory must continue the
 * positions seen so far. */
static void capture_check(struct checkers *c, struct ck_mapping *cm)
{
	if (!on(c, CHECK_AUDIO) || cm->info.byte_count == 0)
		return;
	char d[96];
	uint64_t at = cm->info.physical, n = cm->info.byte_count;
	uint64_t bad = gmem_first_fault(c->mem, at, n);
	if (bad != GMEM_NO_FAULT)
		machine_fail(c->m, "audio-conservation",
			     "capture %s: its memory at 0x%" PRIx64 " was already gone when it was "
			     "reported released (the port must report before unmapping)",
			     describe(c, cm->info.index, d, sizeof(d)), bad);
	if (cm->info.stream_offset_bytes != c->cap_next_offset)
		c->cap_carry = false;	/* something between was not released */
	c->cap_next_offset = cm->info.stream_offset_bytes + n;
	for (uint64_t done = 0; done < n;) {
		uint64_t k = n - done < sizeof(c->scratch) ? n - done : sizeof(c->scratch);
		gmem_read(c->mem, at + done, c->scratch, k);
		for (uint64_t i = 0; i < k; i++) {
			if (!c->cap_carry) {
				c->cap_lo = c->scratch[i];
				c->cap_carry = true;
			} else {
				c->cap_carry = false;
				capture_sample(c, cm, (uint32_t)(done + i - 1),
					       (uint16_t)(c->cap_lo | c->scratch[i] << 8));
			}
		}
		done += k;
	}
}

/* ---- DMA ranges and faults ------------------------------------------------------------------ */

static void dma_on_mapping(struct checkers *c, const struct ac97_event *ev, struct ck_mapping *cm,
			   uint64_t lo, uint64_t hi)
{
	uint32_t end = (uint32_t)(hi - cm->info.physical);
	if (end > cm->dma_hi_bytes)
		cm->dma_hi_bytes = end;
	if (cm->fetched_tick == 0 && cm->dma_hi_bytes >= cm->info.byte_count)
		cm->fetched_tick = ev->tick > 0 ? ev->tick : 1;
	enum port_mapping_state s = cm->info.state;
	if (s == MAPPING_ACQUIRED || s == MAPPING_REVOKING) {
		if (!c->render && ev->code == 1) {
			progress(c, ev->tick);
			if (cm->dma_hi_bytes >= cm->info.byte_count)
				set_done(c, cm);
		}
		return;
	}
	if (!on(c, CHECK_DMA_LIVE))
		return;
	char d[96];
	machine_fail(c->m, "dma-after-release",
		     "%s DMA %s of [0x%" PRIx64 ", 0x%" PRIx64 ") at tick %" PRIu64 " (%" PRIu64
		     " us) touches bytes %" PRIu64 "..%" PRIu64 " of %s, which is %s since tick %" PRIu64
		     " (%" PRIu64 " us)",
		     ev->engine >= 0 ? ac97_engine_name((enum ac97_engine_id)ev->engine) : "device",
		     ev->code == 1 ? "write" : "read", lo, hi, ev->tick, us(ev->tick),
		     lo - cm->info.physical, hi - cm->info.physical - 1,
		     describe(c, cm->info.index, d, sizeof(d)), state_name(s), cm->state_tick,
		     us(cm->state_tick));
}

/* The newest mapping covering each byte of the range decides for it. */
static void dma_range(struct checkers *c, const struct ac97_event *ev)
{
	uint64_t a = ev->a, end = ev->a + ev->b;
	bool touched = false;
	c->stats.dma_ranges++;
	if (ev->b == 0)
		return;
	for (uint64_t p = a / GMEM_PAGE_BYTES; p <= (end - 1) / GMEM_PAGE_BYTES && p < c->n_pages;
	     p++) {
		uint64_t lo[CK_PIECES_MAX], hi[CK_PIECES_MAX];
		uint32_t n = 1, walked = 0;
		lo[0] = a > p * GMEM_PAGE_BYTES ? a : p * GMEM_PAGE_BYTES;
		hi[0] = end < (p + 1) * GMEM_PAGE_BYTES ? end : (p + 1) * GMEM_PAGE_BYTES;
		for (uint32_t owner = c->page_owner[p]; owner != 0 && n > 0 && walked < CK_WALK_MAX;
		     walked++) {
			uint32_t idx = owner - 1;
			struct ck_mapping *cm = &c->map[idx];
			uint64_t mlo = cm->info.physical, mhi = mlo + cm->info.byte_count;
			for (uint32_t i = 0; i < n;) {
				uint64_t olo = lo[i] > mlo ? lo[i] : mlo, ohi = hi[i] < mhi ? hi[i] : mhi;
				if (olo >= ohi) {
					i++;
					continue;
				}
				touched = true;
				dma_on_mapping(c, ev, cm, olo, ohi);
				/* Those bytes are decided: keep what is left of the piece. */
				if (olo > lo[i] && ohi < hi[i]) {
					if (n < CK_PIECES_MAX) {
						lo[n] = ohi;
						hi[n] = hi[i];
						n++;
					}
					hi[i] = olo;
					i++;
				} else if (olo > lo[i]) {
					hi[i++] = olo;
				} else if (ohi < hi[i]) {
					lo[i++] = ohi;
				} else {
					n--;
					lo[i] = lo[n];
					hi[i] = hi[n];
				}
			}
			owner = link_prev(c, idx, p);
		}
	}
	c->stats.dma_ranges_on_mappings += touched;
}

/* The newest mapping covering addr (index + 1), or 0: for messages. */
static uint32_t mapping_at(const struct checkers *c, uint64_t addr)
{
	uint64_t p = addr / GMEM_PAGE_BYTES;
	if (p >= c->n_pages)
		return 0;
	uint32_t walked = 0;
	for (uint32_t owner = c->page_owner[p]; owner != 0 && walked < CK_WALK_MAX; walked++) {
		const struct ck_mapping *cm = &c->map[owner - 1];
		if (addr >= cm->info.physical && addr < (uint64_t)cm->info.physical + cm->info.byte_count)
			return owner;
		owner = link_prev(c, owner - 1, p);
	}
	return 0;
}

static const char *describe_addr(const struct checkers *c, uint64_t addr, char *buf, size_t len)
{
	uint32_t owner = mapping_at(c, addr);
	if (owner == 0)
		return "no mapping";
	return describe(c, owner - 1, buf, len);
}

static bool misuse_code(uint32_t code)
{
	switch (code) {
	case AC97_GE_RR_WHILE_RUNNING:
	case AC97_GE_RR_WITH_RPBM:
	case AC97_GE_BDBAR_WHILE_RUNNING:
	case AC97_GE_ODD_LENGTH:
	case AC97_GE_ADDR_BIT0:
	case AC97_GE_BD_RESERVED_BITS:
		return true;
	default:
		return false;
	}
}

static void on_device_event(void *ctx, const struct ac97_event *ev)
{
	struct checkers *c = ctx;
	const char *engine = ev->engine >= 0 ? ac97_engine_name((enum ac97_engine_id)ev->engine)
					     : "device";
	char d[96];
	switch (ev->kind) {
	case AC97_EV_DMA:
		dma_range(c, ev);
		break;
	case AC97_EV_DMA_FAULT:
		if (on(c, CHECK_DMA_LIVE))
			machine_fail(c->m, "dma-after-release",
				     "%s: %s at 0x%" PRIx64 " (descriptor %" PRIu64 ") at tick %" PRIu64
				     " (%" PRIu64 " us); last there: %s",
				     engine, ev->what, ev->a, ev->b, ev->tick, us(ev->tick),
				     describe_addr(c, ev->a, d, sizeof(d)));
		break;
	case AC97_EV_GUEST_ERROR:
		if (on(c, CHECK_DEVICE_MISUSE) && misuse_code(ev->code))
			machine_fail(c->m, "device-misuse",
				     "%s: %s (%s, value 0x%" PRIx64 ") at tick %" PRIu64 " (%" PRIu64 " us)",
				     engine, ac97_guest_error_name((enum ac97_guest_error)ev->code),
				     ev->what, ev->a, ev->tick, us(ev->tick));
		break;
	default:
		break;
	}
}

/* ---- the step hook: descriptors and stalls ------------------------------------------------------- */

static void check_descriptor(struct checkers *c, const struct bm_engine *e, uint32_t index,
			     const struct bm_desc *held, const char *role)
{
	uint8_t raw[AC97_BD_BYTES];
	uint64_t at = (uint64_t)(e->bdbar & ~7u) + AC97_BD_BYTES * (uint64_t)index;
	const char *engine = ac97_engine_name((enum ac97_engine_id)e->id);
	c->stats.descriptor_checks++;
	if (gmem_read(c->mem, at, raw, sizeof(raw)) != GMEM_NO_FAULT)
		machine_fail(c->m, "device-misuse",
			     "%s: the %s descriptor %" PRIu32 " at 0x%" PRIx64
			     " is no longer in guest memory while DMA runs",
			     engine, role, index, at);
	uint32_t dw0 = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 |
		       (uint32_t)raw[3] << 24;
	uint32_t dw1 = (uint32_t)raw[4] | (uint32_t)raw[5] << 8 | (uint32_t)raw[6] << 16 |
		       (uint32_t)raw[7] << 24;
	bool same = (dw0 & ~1u) == held->addr && (dw1 & AC97_BD_LEN_MASK) == held->len_samples &&
		    ((dw1 & AC97_BD_IOC) != 0) == held->ioc && ((dw1 & AC97_BD_BUP) != 0) == held->bup;
	if (same)
		return;
	char a[96], b[96];
	machine_fail(c->m, "device-misuse",
		     "%s: the %s descriptor %" PRIu32 " at 0x%" PRIx64
		     " was rewritten while DMA runs: the engine holds addr 0x%08" PRIx32 " (%s), %" PRIu32
		     " samples, IOC %d, BUP %d; memory now says addr 0x%08" PRIx32 " (%s), %" PRIu32
		     " samples, IOC %d, BUP %d",
		     engine, role, index, at, held->addr, describe_addr(c, held->addr, a, sizeof(a)),
		     held->len_samples, held->ioc, held->bup, dw0, describe_addr(c, dw0 & ~1u, b, sizeof(b)),
		     dw1 & AC97_BD_LEN_MASK, (dw1 & AC97_BD_IOC) != 0, (dw1 & AC97_BD_BUP) != 0);
}

static void check_descriptors(struct checkers *c)
{
	for (unsigned i = 0; i < AC97_ENGINE_COUNT; i++) {
		const struct bm_engine *e = &c->dev->engine[i];
		if (!e->dma_active)
			continue;
		if (e->loaded)
			check_descriptor(c, e, e->civ, &e->cur, "current (CIV)");
		if (e->next_cached && e->civ != e->lvi)
			check_descriptor(c, e, e->piv, &e->next, "prefetched (PIV)");
		uint8_t raw[AC97_BD_BYTES];
		uint64_t at = (uint64_t)(e->bdbar & ~7u) + AC97_BD_BYTES * (uint64_t)e->lvi;
		gmem_read(c->mem, at, raw, sizeof(raw));
		static const uint8_t zero[AC97_BD_BYTES];
		if (memcmp(raw, zero, sizeof(raw)) == 0)
			machine_fail(c->m, "device-misuse",
				     "%s: LVI = %u names descriptor %u at 0x%" PRIx64
				     ", which was never written (all zero bytes), while DMA runs (CIV %u)",
				     ac97_engine_name((enum ac97_engine_id)e->id), e->lvi, e->lvi, at, e->civ);
	}
}

struct ck_counts {
	uint32_t pending, acquired, unfinished;
	uint32_t first;		/* first waiting mapping, or UINT32_MAX */
};

static struct ck_counts count_live(const struct checkers *c)
{
	struct ck_counts k = { 0, 0, 0, UINT32_MAX };
	for (uint32_t i = 0; i < c->n_map; i++) {
		const struct ck_mapping *cm = &c->map[i];
		if (!cm->known)
			continue;
		bool pending = cm->info.state == MAPPING_PENDING;
		bool acquired = cm->info.state == MAPPING_ACQUIRED || cm->info.state == MAPPING_REVOKING;
		k.pending += pending;
		k.acquired += acquired;
		k.unfinished += available(cm) && !pending;
		if ((pending || acquired) && k.first == UINT32_MAX)
			k.first = i;
	}
	return k;
}

static void check_stall(struct checkers *c)
{
	sim_ticks_t now = machine_now(c->m);
	if (c->state != KSSTATE_RUN || c->n_available == 0) {
		c->stall_anchor_tick = now;
		return;
	}
	sim_ticks_t since = c->stall_anchor_tick > c->last_progress_tick ? c->stall_anchor_tick
									  : c->last_progress_tick;
	if (now <= since || now - since <= c->cfg.stall_limit_ticks)
		return;
	struct ck_counts k = count_live(c);
	char d[96] = "none";
	if (k.first != UINT32_MAX)
		describe(c, k.first, d, sizeof(d));
	machine_fail(c->m, "stall",
		     "stream in RUN with audio available but nothing moved for %" PRIu64
		     " us (limit %" PRIu64 " us): %" PRIu32 " mappings pending, %" PRIu32
		     " acquired (%" PRIu32 " not yet %s); first waiting: %s; last progress at tick %" PRIu64
		     " (%" PRIu64 " us)",
		     us(now - since), us(c->cfg.stall_limit_ticks), k.pending, k.acquired, k.unfinished,
		     c->render ? "played" : "captured", d, c->last_progress_tick,
		     us(c->last_progress_tick));
}

static void step_hook(void *ctx)
{
	struct checkers *c = ctx;
	c->stats.step_hooks++;
	if (!sync_port(c))
		out_of_memory(c);
	if (on(c, CHECK_DEVICE_MISUSE))
		check_descriptors(c);
	if (on(c, CHECK_STALL))
		check_stall(c);
}

/* ---- the end hook: teardown and leftover work ------------------------------------------------------ */

static KSSTATE stream_state(const struct checkers *c)
{
	return c->ps != NULL ? port_stream_state(c->ps) : c->state;
}

static void end_stall(struct checkers *c)
{
	KSSTATE s = stream_state(c);
	if (s != KSSTATE_RUN && s != KSSTATE_PAUSE)
		return;
	struct ck_counts k = count_live(c);
	if (k.pending + k.acquired == 0)
		return;
	char d[96];
	machine_fail(c->m, "stall",
		     "every CPU is idle and nothing is queued, with the stream in %s and %" PRIu32
		     " mappings pending, %" PRIu32 " acquired (first: %s): nothing will move it again "
		     "(a lost MappingAvailable or interrupt?); last progress at tick %" PRIu64
		     " (%" PRIu64 " us)",
		     ksstate_name(s), k.pending, k.acquired, describe(c, k.first, d, sizeof(d)),
		     c->last_progress_tick, us(c->last_progress_tick));
}

static void end_teardown(struct checkers *c)
{
	char msg[640];
	size_t at = 0;
	uint32_t leaked = 0, twice = 0, irps_open = 0, irps_twice = 0;
#define ADD(...)                                                                              \
	do {                                                                                  \
		if (at < sizeof(msg))                                                         \
			at += (size_t)snprintf(msg + at, sizeof(msg) - at, __VA_ARGS__);     \
	} while (0)
	KSSTATE s = stream_state(c);
	if (s != KSSTATE_STOP)
		ADD("stream left in %s, not STOP; ", ksstate_name(s));
	for (uint32_t i = 0; i < c->n_map; i++) {
		const struct ck_mapping *cm = &c->map[i];
		char d[96];
		if (!cm->known || !is_terminal(cm->info.state)) {
			if (leaked++ < CK_LIST_MAX)
				ADD("%s not released, revoked or dropped; ", describe(c, i, d, sizeof(d)));
		} else if (cm->terminal_reports != 1) {
			if (twice++ < CK_LIST_MAX)
				ADD("%s ended %" PRIu32 " times; ", describe(c, i, d, sizeof(d)),
				    cm->terminal_reports);
		}
	}
	for (uint32_t i = 0; i < c->n_irp; i++) {
		const struct ck_irp *r = &c->irp[i];
		if (!r->known)
			continue;
		uint32_t ends = r->completed + r->cancelled;
		if (ends == 0 && c->ps == NULL) {
			if (irps_open++ < CK_LIST_MAX)
				ADD("IRP %" PRIu32 " neither completed nor cancelled; ", i);
		} else if (ends > 1) {
			if (irps_twice++ < CK_LIST_MAX)
				ADD("IRP %" PRIu32 " completed %" PRIu32 " and cancelled %" PRIu32 " times; ",
				    i, r->completed, r->cancelled);
		}
	}
	if (c->ps != NULL) {
		irps_open = port_stream_irps_outstanding(c->ps);
		if (irps_open > 0)
			ADD("%" PRIu32 " IRPs outstanding; ", irps_open);
	}
#undef ADD
	if (at == 0)
		return;
	if (at >= 2 && at < sizeof(msg))
		msg[at - 2] = '\0';	/* the last "; " */
	machine_fail(c->m, "teardown",
		     "%" PRIu32 " mappings leaked, %" PRIu32 " ended more than once, %" PRIu32
		     " IRPs open, %" PRIu32 " ended more than once: %s",
		     leaked, twice, irps_open, irps_twice, msg);
}

static void end_hook(void *ctx)
{
	struct checkers *c = ctx;
	if (!sync_port(c))
		out_of_memory(c);
	c->stats.end_checked = true;
	if (!c->cfg.ends_early && on(c, CHECK_STALL))
		end_stall(c);
	if (c->render && on(c, CHECK_AUDIO))
		end_render_audio(c);
	if (!c->cfg.ends_early && on(c, CHECK_TEARDOWN))
		end_teardown(c);
}

/* ---- the port's observer ----------------------------------------------------------------------- */

static void on_mapping(void *ctx, const struct port_mapping_info *info)
{
	struct checkers *c = ctx;
	if (!sync_port(c) || !apply_info(c, info))
		out_of_memory(c);
}

static void on_irp(void *ctx, uint32_t irp, bool completed, bool cancelled)
{
	struct checkers *c = ctx;
	struct ck_irp *r = irp_slot(c, irp);
	if (r == NULL)
		out_of_memory(c);
	r->completed += completed;
	r->cancelled += cancelled;
}

static void on_state(void *ctx, KSSTATE state)
{
	struct checkers *c = ctx;
	if (state == KSSTATE_RUN && c->state != KSSTATE_RUN)
		c->stall_anchor_tick = machine_now(c->m);
	if (state == KSSTATE_STOP)
		c->last_stop_tick = machine_now(c->m);
	c->state = state;
}

static void on_position(void *ctx, uint64_t position_bytes)
{
	(void)ctx;
	(void)position_bytes;
}

/* ---- attach and detach ----------------------------------------------------------------------- */

static struct checkers *attach(struct machine *m, struct port_stream *ps,
			       const struct port_stream_config *scfg,
			       const struct checker_config *cfg, const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (scfg->channels != 1 && scfg->channels != 2) {
		*why = "checkers: the stream must have 1 or 2 channels";
		return NULL;
	}
	if (scfg->direction == PORT_RENDER && scfg->sample == NULL) {
		*why = "checkers: a render stream needs a sample function to compare against";
		return NULL;
	}
	struct checkers *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		*why = "checkers: out of host memory";
		return NULL;
	}
	c->m = m;
	c->dev = machine_device(m);
	c->mem = machine_memory(m);
	c->ps = ps;
	c->scfg = *scfg;
	if (cfg != NULL)
		c->cfg = *cfg;
	else
		checker_config_default(&c->cfg);
	if (c->cfg.stall_limit_ticks == 0)
		c->cfg.stall_limit_ticks = CHECKER_STALL_LIMIT_TICKS_DEFAULT;
	c->render = scfg->direction == PORT_RENDER;
	c->fifo_bytes = c->dev->cfg.fifo_samples * 2u;
	c->n_pages = c->mem->size_bytes / GMEM_PAGE_BYTES;
	c->page_owner = calloc(c->n_pages ? (size_t)c->n_pages : 1, sizeof(*c->page_owner));
	c->state = ps != NULL ? port_stream_state(ps) : KSSTATE_STOP;
	c->last_progress_tick = c->stall_anchor_tick = machine_now(m);
	if (c->page_owner == NULL || !sync_port(c)) {
		checkers_detach_free(c);
		*why = "checkers: out of host memory";
		return NULL;
	}
	c->obs = (struct port_observer){ on_mapping, on_irp, on_state, on_position, c };
	machine_set_device_observer(m, (struct ac97_observer){ on_device_event, c });
	machine_set_step_hook(m, step_hook, c);
	machine_set_end_hook(m, end_hook, c);
	if (c->render) {
		c->prev_sink = c->dev->sink;
		ac97_set_sink(c->dev, (struct ac97_sink){ on_span, c });
		c->sink_installed = true;
	} else {
		ac97_set_source(c->dev, (struct ac97_source){ pattern_read, c });
		c->source_installed = true;
	}
	if (ps != NULL)
		port_stream_set_observer(ps, &c->obs);
	return c;
}

struct checkers *checkers_attach(struct machine *m, struct port_stream *ps,
				 const struct checker_config *cfg, const char **why)
{
	assert(m != NULL && ps != NULL);
	return attach(m, ps, port_stream_config(ps), cfg, why);
}

struct checkers *checkers_attach_fed(struct machine *m, const struct port_stream_config *scfg,
				     const struct checker_config *cfg, const char **why)
{
	assert(m != NULL && scfg != NULL);
	return attach(m, NULL, scfg, cfg, why);
}

struct port_observer checkers_port_observer(struct checkers *c)
{
	return (struct port_observer){ on_mapping, on_irp, on_state, on_position, c };
}

struct ac97_observer checkers_device_observer(struct checkers *c)
{
	return (struct ac97_observer){ on_device_event, c };
}

void checkers_detach_free(struct checkers *c)
{
	if (c == NULL)
		return;
	if (c->obs.ctx == c) {	/* the hooks were installed */
		machine_set_device_observer(c->m, (struct ac97_observer){ NULL, NULL });
		machine_set_step_hook(c->m, NULL, NULL);
		machine_set_end_hook(c->m, NULL, NULL);
		if (c->ps != NULL)
			port_stream_set_observer(c->ps, NULL);
	}
	if (c->sink_installed && c->dev->sink.ctx == c)
		ac97_set_sink(c->dev, c->prev_sink);
	if (c->source_installed && c->dev->source.ctx == c)
		ac97_set_source(c->dev, (struct ac97_source){ NULL, NULL });
	free(c->map);
	free(c->irp);
	free(c->page_owner);
	free(c->links);
	free(c);
}

void checkers_stats(const struct checkers *c, struct checker_stats *out)
{
	*out = c->stats;
	out->last_progress_tick = c->last_progress_tick;
}

void checkers_render_cursor(const struct checkers *c, uint32_t *mapping_index,
			    uint32_t *offset_bytes)
{
	*mapping_index = c->cur_mi;
	*offset_bytes = c->cur_off;
}
