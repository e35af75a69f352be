/*
 * continue_run.c - see continue_run.h.
 */
#include "continue_run.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "checkers.h"
#include "exit_status.h"
#include "simtime.h"

/* The first line of a failure's message (the rest lists the CPUs). */
static void first_line(const char *message, char *buf, size_t len)
{
	size_t n = strcspn(message, "\n");
	snprintf(buf, len, "%.*s", (int)n, message);
}

int continue_run(const struct scenario *sc, const struct continue_request *req, FILE *report,
		 struct scenario_outcome *out)
{
	const struct run_result *first = req->first;
	assert(first->verdict == RUN_FAIL && req->n_observers <= SCENARIO_OBSERVERS_MAX);
	/* Every checker of the registry muted; the models' referees stay. */
	struct scenario muted = *sc;
	for (unsigned i = 0; checker_name_at(i) != NULL; i++)
		checker_disable(&muted.checkers, checker_name_at(i));
	/* The recorded decisions exactly, then the strategy and seed. */
	const struct replay_plan plan = { req->recorded, REPLAY_FORK, req->recorded->count };
	struct scenario_run_options opt = {
		.plan = &plan, .also_sink = req->sink, .n_observers = req->n_observers,
	};
	for (uint32_t i = 0; i < req->n_observers; i++)
		opt.observers[i] = req->observers[i];
	struct scenario_outcome o;
	const char *why = NULL;
	if (scenario_run_with(&muted, req->strategy, req->seed, &opt, &o, &why) != 0) {
		fprintf(stderr, "ac97sim: continue: %s\n", why ? why : "cannot set up");
		return EXIT_USAGE;
	}
	if (out != NULL)
		*out = o;
	const struct run_result *r = &o.result;
	char strat[64];
	strategy_format(req->strategy, strat, sizeof(strat));
	if (r->verdict == RUN_DIVERGED) {
		fprintf(report, "continue: with its checkers muted the run left the recording at step "
				"%" PRIu64 " (%s): nothing is continued\n", r->steps, r->message);
		return EXIT_DIVERGED;
	}
	if (o.decisions_made <= req->recorded->count)
		fprintf(report, "continue: checkers muted, the %zu recorded decisions replayed; the run "
				"ended before it needed another\n", req->recorded->count);
	else
		fprintf(report, "continue: checkers muted, the %zu recorded decisions replayed, "
				"then %s from seed %" PRIu64 "\n",
			req->recorded->count, strat, req->seed);
	uint64_t after = o.link_frames > req->first_link_frames
				 ? o.link_frames - req->first_link_frames : 0;
	char line[1024];
	switch (r->verdict) {
	case RUN_PASS:
		fprintf(report, "continue: played to the end of the stream (%" PRIu64 " us)",
			sim_ticks_to_us(r->end_tick));
		break;
	case RUN_LIMIT:
		fprintf(report, "continue: cut by its %s at %" PRIu64 " us", r->checker,
			sim_ticks_to_us(r->end_tick));
		break;
	case RUN_FAIL:
		first_line(r->message, line, sizeof(line));
		if (r->end_tick == first->end_tick && strcmp(r->checker, first->checker) == 0)
			fprintf(report, "continue: stopped at the same failure: %s (%s) cannot be muted, "
					"the machine cannot go on past it", r->checker, r->group);
		else
			fprintf(report, "continue: stopped at %" PRIu64 " us by %s (%s cannot be "
					"muted): %s", sim_ticks_to_us(r->end_tick), r->checker, r->group,
				line);
		break;
	case RUN_DIVERGED:
		break;
	}
	fprintf(report, "; %" PRIu64 " frames crossed the AC-link, %" PRIu64
			" of them after the failure at %" PRIu64 " us\n",
		o.link_frames, after, sim_ticks_to_us(first->end_tick));
	return 0;
}
