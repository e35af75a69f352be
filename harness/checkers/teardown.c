/*
 * teardown.c - at the end of the run: every mapping RELEASED, REVOKED or
 * DROPPED exactly once, every IRP completed or cancelled exactly once, the
 * stream back in STOP. Skipped for a scenario that ends on purpose with
 * the stream open (ends_early).
 */
#include <inttypes.h>
#include <stdio.h>

#include "checker.h"
#include "checkers.h"
#include "mappings.h"

#define LIST_MAX 4u	/* leaks named in a message */

static const struct failure_def failures[] = {
	{ "teardown",
	  "at the end every mapping is released, revoked or dropped exactly once, every IRP "
	  "completed or cancelled, and the stream is back in STOP" },
};

const struct checker_def checker_teardown;
#define SELF (&checker_teardown)

struct state {
	const struct checker_env *env;
};

static void end(struct state *s)
{
	struct mappings *v = s->env->maps;
	char msg[640];
	size_t at = 0;
	uint32_t leaked = 0, twice = 0, irps_open = 0, irps_twice = 0;
#define ADD(...)                                                                              \
	do {                                                                                  \
		if (at < sizeof(msg))                                                         \
			at += (size_t)snprintf(msg + at, sizeof(msg) - at, __VA_ARGS__);     \
	} while (0)
	KSSTATE st = mappings_state(v);
	if (st != KSSTATE_STOP)
		ADD("stream left in %s, not STOP; ", ksstate_name(st));
	for (uint32_t i = 0; i < mappings_count(v); i++) {
		const struct mapping_rec *r = mappings_get(v, i);
		char d[96];
		if (!r->known || !mapping_state_terminal(r->info.state)) {
			if (leaked++ < LIST_MAX)
				ADD("%s not released, revoked or dropped; ",
				    mappings_describe(v, i, d, sizeof(d)));
		} else if (r->terminal_reports != 1) {
			if (twice++ < LIST_MAX)
				ADD("%s ended %" PRIu32 " times; ", mappings_describe(v, i, d, sizeof(d)),
				    r->terminal_reports);
		}
	}
	struct port_stream *ps = mappings_port(v);
	for (uint32_t i = 0; i < mappings_irp_count(v); i++) {
		const struct irp_rec *r = mappings_irp(v, i);
		if (!r->known)
			continue;
		uint32_t ends = r->completed + r->cancelled;
		if (ends == 0 && ps == NULL) {
			if (irps_open++ < LIST_MAX)
				ADD("IRP %" PRIu32 " neither completed nor cancelled; ", i);
		} else if (ends > 1) {
			if (irps_twice++ < LIST_MAX)
				ADD("IRP %" PRIu32 " completed %" PRIu32 " and cancelled %" PRIu32 " times; ",
				    i, r->completed, r->cancelled);
		}
	}
	if (ps != NULL) {
		irps_open = port_stream_irps_outstanding(ps);
		if (irps_open > 0)
			ADD("%" PRIu32 " IRPs outstanding; ", irps_open);
	}
#undef ADD
	if (at == 0)
		return;
	if (at >= 2 && at < sizeof(msg))
		msg[at - 2] = '\0';	/* the last "; " */
	checker_fail(s->env, SELF, 0,
		     "%" PRIu32 " mappings leaked, %" PRIu32 " ended more than once, %" PRIu32
		     " IRPs open, %" PRIu32 " ended more than once: %s",
		     leaked, twice, irps_open, irps_twice, msg);
}

static const char *attach(void *state, const struct checker_env *env)
{
	struct state *s = state;
	s->env = env;
	return NULL;
}

static void on_event(void *state, const struct sim_event *ev)
{
	struct state *s = state;
	if (ev->kind == EV_RUN_END && !s->env->cfg->ends_early)
		end(s);
}

const struct checker_def checker_teardown = {
	.name = "teardown",
	.watches = "the mappings, IRPs and stream state left at the end of the run",
	.failures = failures,
	.n_failures = sizeof(failures) / sizeof(failures[0]),
	.events = EV_BIT(EV_RUN_END),
	.state_bytes = sizeof(struct state),
	.attach = attach,
	.on_event = on_event,
};
