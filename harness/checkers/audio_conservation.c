/*
 * audio_conservation.c - render: the PCM that crossed the AC-link is
 * exactly the non-revoked mapped bytes, in stream order, each once, with
 * only fill/underrun frames between them; capture: what landed in each
 * released mapping is a gap-free run of source positions (gaps only by
 * whole dropped frames), never going back or repeating.
 *
 * Render is a cursor into the mappings (the next byte expected on the
 * link); capture is the last position seen. The capture stream's input is
 * the position pattern of checkers_capture_pattern.
 *
 * Rules chosen where the brief was silent (each one has a test):
 * - Render, a lost tail. RR empties the engine's FIFO. A STOP resets the
 *   engine by definition, so up to a FIFO's worth of samples fetched before
 *   a STOP may never play: a sample that does not match the cursor is
 *   accepted as the start of what follows when the rest of the cursor's
 *   mapping was all fetched before the last STOP and, together with any
 *   other tails given up for the same sample, fits in the FIFO. Such losses
 *   are counted (fifo_tail_losses). A reset in the middle of a stream (a
 *   revoke) must let the FIFO play out first: a tail it loses fails. A
 *   revoked (REVOKING, REVOKED) or dropped mapping may stop anywhere.
 *   Anything else that does not match fails.
 * - Render, at the end of the run: a RELEASED mapping must have crossed
 *   the link in full, except for a tail fetched before the last STOP that
 *   fits in the FIFO, the tails of the mappings not yet reached by the
 *   cursor counted together. Bytes of a released mapping never fetched are
 *   always a failure.
 * - Capture: a sample that follows a left-channel sample must be the next
 *   position; after a frame's last channel the position may jump forward
 *   by whole frames (dropped frames), by less than 32768 samples. The first
 *   sample of the stream must be a frame's first channel.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "checkers.h"
#include "mappings.h"

#define GAP_MAX_SAMPLES 32768u

static const struct failure_def failures[] = {
	{ "audio-conservation",
	  "the PCM that crossed the AC-link is exactly the mapped bytes not revoked, in order, "
	  "each once (capture: each released mapping holds the next stretch of the input)" },
};

const struct checker_def checker_audio_conservation;
#define SELF (&checker_audio_conservation)

struct state {
	const struct checker_env *env;
	bool render;
	uint32_t fifo_bytes;
	/* render: the next byte expected on the link, and what crossed the
	 * link of each mapping the cursor has left */
	uint32_t cur_mi, cur_off;
	uint32_t *played_bytes;
	uint32_t n_played, cap_played;
	/* capture: the last position seen */
	bool cap_have, cap_carry;
	uint16_t cap_last;
	uint8_t cap_lo;
	uint64_t cap_next_offset;
	/* Two pages of their own (attach), not in the state, which is
	 * cleared for every run: */
	uint8_t *scratch;	/* capture: guest memory read back */
	/* render: the stream's bytes [expected_at, + expected_bytes), what
	 * the link should carry there (a pure function of the offset, so
	 * made once for the spans that fall in it: many are a frame long) */
	uint8_t *expected;
	uint64_t expected_at;
	uint32_t expected_bytes;
};

#define WORK_BYTES GMEM_PAGE_BYTES	/* each of scratch and expected */

static uint64_t us(sim_ticks_t t)
{
	return sim_ticks_to_us(t);
}

static struct mapping_rec *rec(struct state *s, uint32_t i)
{
	return mappings_get(s->env->maps, i);
}

static uint32_t n_maps(const struct state *s)
{
	return mappings_count(s->env->maps);
}

/* ---- render ------------------------------------------------------------------ */

static uint8_t expected_byte(const struct state *s, uint64_t stream_byte)
{
	const struct port_stream_config *c = s->env->scfg;
	uint16_t v = (uint16_t)c->sample(c->sample_ctx, stream_byte / 2);
	return (stream_byte & 1) ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static void set_played(struct state *s, uint32_t i, uint32_t bytes)
{
	if (i >= s->cap_played) {
		uint32_t n = s->cap_played ? 2 * s->cap_played : 64;
		while (n <= i)
			n *= 2;
		uint32_t *p = realloc(s->played_bytes, (size_t)n * sizeof(*p));
		if (p == NULL)
			machine_fail(s->env->m, HARNESS_CHECKER_NAME,
				     &harness_failures[HARNESS_FAIL_HOST_MEMORY],
				     "out of host memory for audio-conservation's records");
		memset(p + s->cap_played, 0, (size_t)(n - s->cap_played) * sizeof(*p));
		s->played_bytes = p;
		s->cap_played = n;
	}
	s->played_bytes[i] = bytes;
	if (i >= s->n_played)
		s->n_played = i + 1;
}

/* The cursor leaves its mapping for good: what crossed the link is fixed. */
static void cursor_leave(struct state *s, struct mapping_rec *r)
{
	set_played(s, s->cur_mi, s->cur_off < r->info.byte_count ? s->cur_off : r->info.byte_count);
	s->cur_mi++;
	s->cur_off = 0;
}

/* Moves the cursor past mappings that can give nothing more (dropped,
 * empty, consumed). Returns the mapping at the cursor, or NULL past the
 * last one known. A hole in the view stops it (returned, !known). */
static struct mapping_rec *cursor_settle(struct state *s)
{
	while (s->cur_mi < n_maps(s)) {
		struct mapping_rec *r = rec(s, s->cur_mi);
		if (!r->known)
			return r;
		if (r->info.state != MAPPING_DROPPED && s->cur_off < r->info.byte_count)
			return r;
		cursor_leave(s, r);
	}
	return NULL;
}

/* The next mapping after the cursor's that could give bytes, or NULL. */
static const struct mapping_rec *peek_next(struct state *s)
{
	for (uint32_t i = s->cur_mi + 1; i < n_maps(s); i++) {
		const struct mapping_rec *r = rec(s, i);
		if (!r->known || r->info.state == MAPPING_PENDING)
			return NULL;
		if (r->info.state != MAPPING_DROPPED && r->info.byte_count > 0)
			return r;
	}
	return NULL;
}

/* The 16-bit sample expected at the cursor; false when it cannot be known
 * (an odd-sized mapping followed by nothing handed out). */
static bool expect_at_cursor(struct state *s, const struct mapping_rec *r, uint16_t *want)
{
	uint64_t at = r->info.stream_offset_bytes + s->cur_off;
	const struct port_stream_config *c = s->env->scfg;
	if ((at & 1) == 0 && s->cur_off + 2 <= r->info.byte_count) {
		*want = (uint16_t)c->sample(c->sample_ctx, at / 2);
		return true;
	}
	/* A sample split between two mappings (odd sizes): byte by byte. */
	uint8_t lo = expected_byte(s, at), hi;
	if (s->cur_off + 1 < r->info.byte_count) {
		hi = expected_byte(s, at + 1);
	} else {
		const struct mapping_rec *next = peek_next(s);
		if (next == NULL)
			return false;
		hi = expected_byte(s, next->info.stream_offset_bytes);
	}
	*want = (uint16_t)(lo | hi << 8);
	return true;
}

static void cursor_advance(struct state *s, struct mapping_rec *r)
{
	s->cur_off += 2;
	if (s->cur_off < r->info.byte_count)
		return;
	uint32_t over = s->cur_off - r->info.byte_count;
	s->cur_off = r->info.byte_count;
	cursor_leave(s, r);
	if (over > 0 && cursor_settle(s) != NULL)
		s->cur_off = over;
}

struct miss {
	uint32_t mi, off;
	uint16_t want;
	bool known;
};

AC97SIM_NORETURN static void render_fail(struct state *s, const struct ac97_span *sp,
					 uint64_t frame, uint32_t channel, uint16_t got,
					 const struct miss *first, const struct mapping_rec *last,
					 const char *what)
{
	char a[96], b[96], want[24] = "unknown";
	const struct mappings *maps = s->env->maps;
	sim_ticks_t tick = cadence_tick_of(&sp->cadence, sp->first_request + frame);
	if (first->known)
		snprintf(want, sizeof(want), "0x%04x", first->want);
	else if (last == NULL)
		snprintf(want, sizeof(want), "nothing yet");
	const struct mapping_rec *fr = first->mi < n_maps(s) ? rec(s, first->mi) : NULL;
	uint32_t n = fr != NULL ? fr->info.byte_count : 0;
	/* What a plot of the failure needs, before the run ends. */
	struct audio_miss *miss = &s->env->stats->first_miss;
	*miss = (struct audio_miss){
		.found = true, .link_tick = tick, .channel = channel, .got = got,
		.want_known = first->known, .want = first->want, .mapping = first->mi,
		.mapping_byte = first->off,
	};
	if (fr != NULL && fr->known) {
		miss->due_known = true;
		miss->due_sample = (fr->info.stream_offset_bytes + first->off) / 2;
	}
	char tried[192] = "";
	if (last != NULL && last->info.index != first->mi)
		snprintf(tried, sizeof(tried), "; nor the start of %s after giving up %" PRIu32
			 " revoked or flushed mapping(s)",
			 mappings_describe(maps, last->info.index, b, sizeof(b)),
			 last->info.index - first->mi);
	checker_fail(s->env, SELF, 0,
		     "%s: at link tick %" PRIu64 " (%" PRIu64 " us, frame %" PRIu64 " of a %s span), "
		     "channel %" PRIu32 ", expected byte %" PRIu32 " of %" PRIu32 " of %s = %s, "
		     "got 0x%04x%s",
		     what, tick, us(tick), frame, ac97_engine_name(sp->engine), channel, first->off, n,
		     mappings_describe(maps, first->mi, a, sizeof(a)), want, got, tried);
}

/* A mapping's unplayed tail may be gone only when all of it was fetched
 * into the FIFO and a STOP, whose reset empties the FIFO, came after: a
 * reset in the middle of a stream (a revoke) must let the FIFO play out
 * first, so a tail lost then is lost audio. */
static bool tail_lost_to_stop(const struct state *s, const struct mapping_rec *r)
{
	return r->dma_hi_bytes >= r->info.byte_count && r->fetched_tick != 0 &&
	       mappings_last_stop_tick(s->env->maps) >= r->fetched_tick;
}

/* One link sample against the cursor (see the rules at the top). */
static void render_sample(struct state *s, const struct ac97_span *sp, uint64_t frame,
			  uint32_t channel, uint16_t got)
{
	uint32_t flushed = 0;
	struct miss first = { 0 };
	bool missed = false;
	for (;;) {
		struct mapping_rec *r = cursor_settle(s);
		if (r == NULL || !r->known || r->info.state == MAPPING_PENDING) {
			if (!missed)
				first = (struct miss){ s->cur_mi, s->cur_off, 0, false };
			render_fail(s, sp, frame, channel, got, &first, NULL,
				    "data beyond the mappings handed out");
		}
		uint16_t want = 0;
		bool known = expect_at_cursor(s, r, &want);
		if (known && want == got) {
			cursor_advance(s, r);
			s->env->stats->samples_matched++;
			return;
		}
		if (!missed)
			first = (struct miss){ s->cur_mi, s->cur_off, want, known };
		missed = true;
		uint32_t rest = r->info.byte_count - s->cur_off;
		if (mapping_state_revoked(r->info.state)) {
			s->env->stats->revoked_cuts += s->cur_off > 0;
		} else if (tail_lost_to_stop(s, r) && flushed + rest <= s->fifo_bytes) {
			flushed += rest;
			s->env->stats->fifo_tail_losses++;
		} else {
			render_fail(s, sp, frame, channel, got, &first, r,
				    first.mi == s->cur_mi ? "wrong sample on the link"
							  : "audio lost or repeated");
		}
		cursor_leave(s, r);
	}
}

/*
 * The common case in bulk: how many of the next n_samples link samples
 * (little-endian at pcm_le) are the next samples of the cursor's mapping,
 * compared a block at a time against the expected bytes; the cursor moves
 * past them. It stops at the first sample that does not match, before a
 * mapping's last sample, at an odd stream offset and at a mapping that is
 * not live: render_sample, the careful path, takes each of those, so that
 * every message and verdict is the one a sample-by-sample walk gives.
 */
static uint64_t matched_run(struct state *s, const uint8_t *pcm_le, uint64_t n_samples)
{
	uint64_t matched = 0;
	while (matched < n_samples) {
		struct mapping_rec *r = s->cur_mi < n_maps(s) ? rec(s, s->cur_mi) : NULL;
		if (r == NULL || !r->known || r->info.state == MAPPING_PENDING ||
		    r->info.state == MAPPING_DROPPED || s->cur_off + 2 >= r->info.byte_count)
			break;
		uint64_t at = r->info.stream_offset_bytes + s->cur_off;
		if ((at & 1) != 0)
			break;
		/* Samples j with cur_off + 2j + 2 < byte_count: all but the last. */
		uint64_t n = (r->info.byte_count - s->cur_off - 1) / 2;
		if (n > n_samples - matched)
			n = n_samples - matched;
		if (n > WORK_BYTES / 2)
			n = WORK_BYTES / 2;
		const uint8_t *got = pcm_le + 2 * matched;
		if (at < s->expected_at || at - s->expected_at + 2 * n > s->expected_bytes) {
			port_stream_bytes(s->env->scfg, at, s->expected, WORK_BYTES);
			s->expected_at = at;
			s->expected_bytes = WORK_BYTES;
		}
		const uint8_t *want = s->expected + (at - s->expected_at);
		uint64_t same = n;
		if (memcmp(got, want, 2 * n) != 0)
			for (same = 0; got[2 * same] == want[2 * same] &&
				       got[2 * same + 1] == want[2 * same + 1];
			     same++)
				;
		s->cur_off += (uint32_t)(2 * same);
		s->env->stats->samples_matched += same;
		matched += same;
		if (same < n)
			break;
	}
	return matched;
}

static void on_span(struct state *s, const struct ac97_span *sp)
{
	if (sp->engine != AC97_PO || sp->n_frames == 0 || sp->kind != AC97_SPAN_DATA)
		return;
	const uint8_t *p = sp->pcm_le;
	uint64_t n = sp->n_frames * sp->channels;
	for (uint64_t i = 0; i < n; i++) {
		i += matched_run(s, p + 2 * i, n - i);
		if (i == n)
			break;
		uint16_t got = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
		render_sample(s, sp, i / sp->channels, (uint32_t)(i % sp->channels), got);
	}
}

/* At the end: released mappings crossed the link in full, but for a tail
 * that was fetched and fits in the FIFO. */
static void end_render(struct state *s)
{
	uint32_t tail_bytes = 0;
	for (uint32_t i = 0; i < n_maps(s); i++) {
		const struct mapping_rec *r = rec(s, i);
		if (!r->known || r->info.state != MAPPING_RELEASED || r->info.byte_count == 0)
			continue;
		uint32_t n = r->info.byte_count;
		uint32_t played = i < s->cur_mi ? (i < s->n_played ? s->played_bytes[i] : 0)
				  : i == s->cur_mi ? s->cur_off
						   : 0;
		if (played >= n)
			continue;
		uint32_t missing = n - played;
		bool fetched = tail_lost_to_stop(s, r);
		if (i >= s->cur_mi)
			tail_bytes += missing;
		if (!fetched || (i < s->cur_mi ? missing : tail_bytes) > s->fifo_bytes) {
			char d[96];
			checker_fail(s->env, SELF, 0,
				     "%s released but only %" PRIu32 " of %" PRIu32
				     " bytes crossed the link (%" PRIu32 " fetched by DMA; up to %" PRIu32
				     " bytes may stay in the FIFO)",
				     mappings_describe(s->env->maps, i, d, sizeof(d)), played, n,
				     r->dma_hi_bytes, s->fifo_bytes);
		}
	}
}

/* ---- capture ---------------------------------------------------------------------- */

static void capture_sample(struct state *s, const struct mapping_rec *r, uint32_t off, uint16_t v)
{
	uint32_t ch = s->env->scfg->channels;
	char d[96];
	s->env->stats->samples_captured++;
	if (!s->cap_have) {
		if (v % ch != 0)
			checker_fail(s->env, SELF, 0,
				     "capture %s byte %" PRIu32 ": the stream starts with position 0x%04x, "
				     "channel %u of a frame, not channel 0",
				     mappings_describe(s->env->maps, r->info.index, d, sizeof(d)), off, v,
				     (unsigned)(v % ch));
		s->cap_have = true;
		s->cap_last = v;
		return;
	}
	uint16_t prev = s->cap_last, delta = (uint16_t)(v - prev);
	const char *bad = NULL;
	if (delta == 0)
		bad = "repeats the previous position";
	else if (delta >= GAP_MAX_SAMPLES)
		bad = "goes back";
	else if (prev % ch != ch - 1 && delta != 1)
		bad = "breaks a frame apart";
	else if ((delta - 1u) % ch != 0)
		bad = "jumps by part of a frame";
	if (bad != NULL)
		checker_fail(s->env, SELF, 0,
			     "capture %s byte %" PRIu32 " of %" PRIu32 ": position 0x%04x after 0x%04x %s "
			     "(expected 0x%04x%s)",
			     mappings_describe(s->env->maps, r->info.index, d, sizeof(d)), off,
			     r->info.byte_count, v, prev, bad, (uint16_t)(prev + 1),
			     prev % ch == ch - 1 ? ", or a later frame's start after dropped frames" : "");
	s->env->stats->capture_gaps += delta > 1;
	s->cap_last = v;
}

/* A capture mapping was released: what is in its memory must continue the
 * positions seen so far. */
static void capture_released(struct state *s, const struct mapping_rec *r)
{
	if (r->info.byte_count == 0)
		return;
	char d[96];
	uint64_t at = r->info.physical, n = r->info.byte_count;
	struct gmem *mem = s->env->mem;
	uint64_t bad = gmem_first_fault(mem, at, n);
	if (bad != GMEM_NO_FAULT)
		checker_fail(s->env, SELF, 0,
			     "capture %s: its memory at 0x%" PRIx64 " was already gone when it was "
			     "reported released (the port must report before unmapping)",
			     mappings_describe(s->env->maps, r->info.index, d, sizeof(d)), bad);
	if (r->info.stream_offset_bytes != s->cap_next_offset)
		s->cap_carry = false;	/* something between was not released */
	s->cap_next_offset = r->info.stream_offset_bytes + n;
	for (uint64_t done = 0; done < n;) {
		uint64_t k = n - done < WORK_BYTES ? n - done : WORK_BYTES;
		gmem_read(mem, at + done, s->scratch, k);
		for (uint64_t i = 0; i < k; i++) {
			if (!s->cap_carry && s->cap_have) {
				/* The common case a run at a time: each position one past
				 * the last, which capture_sample accepts, counting no gap. */
				uint64_t j = i;
				uint16_t next = (uint16_t)(s->cap_last + 1u);
				while (j + 1 < k && (uint16_t)(s->scratch[j] | s->scratch[j + 1] << 8) == next) {
					j += 2;
					next++;
				}
				if (j > i) {
					s->env->stats->samples_captured += (j - i) / 2;
					s->cap_last = (uint16_t)(next - 1u);
					i = j - 1;
					continue;
				}
			}
			if (!s->cap_carry) {
				s->cap_lo = s->scratch[i];
				s->cap_carry = true;
			} else {
				s->cap_carry = false;
				capture_sample(s, r, (uint32_t)(done + i - 1),
					       (uint16_t)(s->cap_lo | s->scratch[i] << 8));
			}
		}
		done += k;
	}
}

/* ---- the checker ---------------------------------------------------------------------- */

static const char *attach(void *state, const struct checker_env *env)
{
	struct state *s = state;
	s->env = env;
	s->render = env->scfg->direction == PORT_RENDER;
	s->fifo_bytes = env->dev->cfg.fifo_samples * 2u;
	if (env->scfg->channels != 1 && env->scfg->channels != 2)
		return "audio-conservation: the stream must have 1 or 2 channels";
	if (s->render && env->scfg->sample == NULL)
		return "audio-conservation: a render stream needs a sample function to compare against";
	s->scratch = malloc(2 * WORK_BYTES);
	if (s->scratch == NULL)
		return "audio-conservation: out of host memory";
	s->expected = s->scratch + WORK_BYTES;
	return NULL;
}

static void on_event(void *state, const struct sim_event *ev)
{
	struct state *s = state;
	switch ((enum sim_event_kind)ev->kind) {
	case EV_SPAN:
		if (s->render)
			on_span(s, ev->ref);
		break;
	case EV_PORT:
		if (!s->render && ev->u.port.kind == PORT_EV_MAPPING &&
		    ev->u.port.result == MAPPING_RELEASED)
			capture_released(s, rec(s, ev->u.port.index));
		break;
	case EV_RUN_END:
		if (s->render)
			end_render(s);
		break;
	default:
		break;
	}
}

static void detach(void *state)
{
	struct state *s = state;
	free(s->played_bytes);
	free(s->scratch);
}

const struct checker_def checker_audio_conservation = {
	.name = "audio-conservation",
	.watches = "the audio on the AC-link (render) and in released buffers (capture)",
	.failures = failures,
	.n_failures = sizeof(failures) / sizeof(failures[0]),
	.events = EV_BIT(EV_SPAN) | EV_BIT(EV_PORT) | EV_BIT(EV_RUN_END),
	.state_bytes = sizeof(struct state),
	.attach = attach,
	.on_event = on_event,
	.detach = detach,
};
