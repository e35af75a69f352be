/*
 * position.c - what GetPosition answers, held to what the device did.
 *
 * The hardware's position is CIV and PICB (docs/hardware.md, "Position"):
 * the bytes of the buffers before CIV plus the current buffer's length
 * less PICB, PICB counting the samples not yet fetched from memory (render)
 * or not yet written to it (capture). So a position read from the device
 * is exactly the bytes the engine's DMA had moved when PICB was read,
 * counted over the driver's list. Between that and what the listener has
 * heard lies the FIFO: it holds up to fifo_samples samples fetched but not
 * yet played (render), or taken from the link but not yet written
 * (capture). The rule, for every GetPosition that succeeds:
 *
 * - never back: within one run of the stream, a position is at least the
 *   one before. A STOP ends the run: WavePci's position is 0 in
 *   KSSTATE_STOP and counts again from there, so the next answer may be
 *   lower, and everything below is counted again from the STOP.
 * - not ahead: position <= min(moved, handed out) + one frame, where moved
 *   is what the stream's engine's DMA moved (render: read from memory;
 *   capture: wrote to it) by the time GetPosition returned, and handed out
 *   is the bytes of the mappings GetMapping handed out (which replaces the
 *   port's old rule "never past what GetMapping handed out"). Audio the
 *   device has not moved cannot be behind the stream's position.
 * - not behind: position + FIFO + one frame >= reached - revoked, where
 *   reached is what the link had played (render: data frames of PCM out)
 *   or DMA had written (capture) when GetPosition was called, and revoked
 *   is the bytes DMA moved of mappings revoked while the stream ran (a
 *   driver leaves revoked audio out of its position: the part of it that
 *   played cannot be told apart at the link, so all of it is allowed for).
 *
 * Slack, from the hardware: one frame (channels * 2 bytes; 4 for stereo
 * 16-bit) both ways, for a driver that rounds to whole frames; and below,
 * the FIFO's bytes (fifo_samples * 2), because a driver may report the
 * position of the sound rather than of DMA, and can only subtract the FIFO
 * depth, which undershoots what played whenever the FIFO is not full. The
 * lower side uses what had happened when the call began and the upper side
 * what had happened when it returned, so a GetPosition held up for any
 * time (a preempted or stalled CPU) is judged by what it could have seen.
 * A torn CIV/PICB read (catalogue entry 19) is off by a buffer, far more.
 *
 * Bytes are counted from the last STOP; a call that overlaps a STOP is not
 * judged (its answer may belong to either run).
 */
#include <inttypes.h>
#include <stdio.h>

#include "checker.h"
#include "checkers.h"
#include "mappings.h"

enum { FAIL_BACK, FAIL_AHEAD, FAIL_BEHIND };

static const struct failure_def failures[] = {
	[FAIL_BACK] = { "position",
			"GetPosition never goes back within a run of the stream (it may start again "
			"from 0 after STOP)" },
	[FAIL_AHEAD] = { "position-ahead",
			 "GetPosition is at most what the engine's DMA had moved and what GetMapping "
			 "had handed out since STOP when it returned, plus one frame" },
	[FAIL_BEHIND] = { "position-behind",
			  "GetPosition is at least what the link had played (render) or DMA had "
			  "written (capture) since STOP when it was called, less revoked audio, the "
			  "FIFO and one frame" },
};

const struct checker_def checker_position;
#define SELF (&checker_position)

struct state {
	const struct checker_env *env;
	bool render;
	uint64_t frame_bytes, fifo_bytes;
	/* Where the run's DMA and link counts (the mappings view's) stood at
	 * the last STOP: what moved since is theirs less these. */
	uint64_t moved_base, played_base;
	/* Since the last STOP: */
	uint64_t handed_out_bytes;	/* mappings that became ACQUIRED */
	uint64_t revoked_moved_bytes;	/* DMA'd bytes of mappings revoked while not in STOP */
	uint64_t last_position;
	bool have_last;
	/* GetPosition calls under way: what had been reached when the oldest
	 * began, and how many answers belong to a run a STOP ended. */
	uint32_t calls;
	uint64_t reached_at_call;
	uint32_t stale_answers;
};

/* The engine's data DMA since STOP (render reads, capture writes). */
static uint64_t moved_bytes(const struct state *s)
{
	return mappings_engine_moved_bytes(s->env->maps) - s->moved_base;
}

static uint64_t reached(const struct state *s)
{
	return s->render ? mappings_link_data_bytes(s->env->maps) - s->played_base : moved_bytes(s);
}

static void on_stop(struct state *s)
{
	s->moved_base = mappings_engine_moved_bytes(s->env->maps);
	s->played_base = mappings_link_data_bytes(s->env->maps);
	s->handed_out_bytes = s->revoked_moved_bytes = 0;
	s->last_position = 0;
	s->have_last = false;
	s->stale_answers = s->calls;
	s->reached_at_call = 0;
}

static void judge(struct state *s, uint64_t pos)
{
	s->env->stats->positions_checked++;
	if (s->have_last && pos < s->last_position)
		checker_fail(s->env, SELF, FAIL_BACK,
			     "GetPosition went back from %" PRIu64 " to %" PRIu64
			     " bytes with no STOP between (stream in %s)",
			     s->last_position, pos, ksstate_name(mappings_state(s->env->maps)));
	uint64_t moved = moved_bytes(s), out = s->handed_out_bytes;
	uint64_t most = (moved < out ? moved : out) + s->frame_bytes;
	if (pos > most)
		checker_fail(s->env, SELF, FAIL_AHEAD,
			     "GetPosition says %" PRIu64 " bytes, but since STOP the engine's DMA had %s "
			     "%" PRIu64 " bytes and GetMapping had handed out %" PRIu64
			     " (at most %" PRIu64 " with one frame of slack): %" PRIu64
			     " bytes ahead of the device",
			     pos, s->render ? "fetched" : "written", moved, out, most, pos - most);
	uint64_t need = s->reached_at_call > s->revoked_moved_bytes
				? s->reached_at_call - s->revoked_moved_bytes
				: 0;
	uint64_t slack = s->fifo_bytes + s->frame_bytes;
	if (pos + slack < need)
		checker_fail(s->env, SELF, FAIL_BEHIND,
			     "GetPosition says %" PRIu64 " bytes, but when it was called the %s %" PRIu64
			     " bytes since STOP (%" PRIu64 " of them of revoked mappings): at least %" PRIu64
			     " expected with the FIFO (%" PRIu64 " bytes) and a frame of slack, %" PRIu64
			     " bytes behind the device",
			     pos, s->render ? "link had played" : "engine's DMA had written",
			     s->reached_at_call, s->revoked_moved_bytes, need - slack, s->fifo_bytes,
			     need - slack - pos);
	s->last_position = pos;
	s->have_last = true;
}

static void on_port(struct state *s, const struct sim_event *ev)
{
	const struct port_event *p = &ev->u.port;
	switch ((enum port_event_kind)p->kind) {
	case PORT_EV_POSITION_ASKED:
		if (s->calls++ == 0)
			s->reached_at_call = reached(s);
		break;
	case PORT_EV_POSITION:
		if (s->calls > 0)
			s->calls--;
		if (s->stale_answers > 0)
			s->stale_answers--;
		else if (p->result == 0)
			judge(s, p->a);
		break;
	case PORT_EV_STATE:
		if (p->result == 0 && p->b == KSSTATE_STOP)
			on_stop(s);
		break;
	case PORT_EV_MAPPING: {
		const struct mapping_rec *r = mappings_get(s->env->maps, p->index);
		if (r == NULL)
			break;
		if (p->result == MAPPING_ACQUIRED)
			s->handed_out_bytes += r->info.byte_count;
		else if (p->result == MAPPING_REVOKED && mappings_state(s->env->maps) != KSSTATE_STOP)
			s->revoked_moved_bytes += r->dma_hi_bytes;
		break;
	}
	default:
		break;
	}
}

static void on_event(void *state, const struct sim_event *ev)
{
	on_port(state, ev);	/* port events only: DMA and the link are the view's */
}

static const char *attach(void *state, const struct checker_env *env)
{
	struct state *s = state;
	s->env = env;
	s->render = env->scfg->direction == PORT_RENDER;
	s->frame_bytes = 2u * (env->scfg->channels ? env->scfg->channels : 1u);
	s->fifo_bytes = 2u * (uint64_t)env->dev->cfg.fifo_samples;
	return NULL;
}

const struct checker_def checker_position = {
	.name = "position",
	.watches = "GetPosition against what DMA moved and the link played since STOP",
	.failures = failures,
	.n_failures = sizeof(failures) / sizeof(failures[0]),
	.events = EV_BIT(EV_PORT),
	.state_bytes = sizeof(struct state),
	.attach = attach,
	.on_event = on_event,
};
