/*
 * continue_run.h - `--continue`: a failing run, and then what came after
 * its failure, so that a glitch is heard (and plotted) in context rather
 * than cut off where it starts.
 *
 * A failure ends a run the moment a checker sees it: the WAV of a replay
 * then holds the audio up to the first wrong sample, a few milliseconds.
 * The continuation is a second run of the same scenario in which the
 * registry's checkers (audio-conservation, stall, hang, ...) are muted:
 *
 * - it replays the recorded decisions, each checked as a replay checks it
 *   (the checkers read the run and never change it, so muting them leaves
 *   every event before the failure as recorded: a continuation that
 *   leaves its recording there is reported as diverged);
 * - from the first decision past the recording, which ends at the
 *   failure, the recording's own strategy and seed decide, as a fork at
 *   that decision does (REPLAY_FORK, decide.h: the strategy's state as
 *   its seed starts it): what happens after the failure is a pure
 *   function of the trace;
 * - it runs to the stream's end. The port's referee ("port-referee") and
 *   the machine's rules ("kernel-rules": bug checks, deadlock, a crash)
 *   cannot be muted: after such a failure the machine cannot go on, and
 *   the continuation stops at it too, which is reported.
 *
 * The verdict and exit status stay the recorded run's: the continuation
 * is for the ear and the eye, never a second opinion.
 */
#ifndef AC97SIM_CONTINUE_RUN_H
#define AC97SIM_CONTINUE_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

/* What the continuation is given besides the scenario: the recorded run
 * (its decisions, strategy, seed and result), where its audio goes and who
 * else watches it. */
struct continue_request {
	const struct decision_log *recorded;
	const struct strategy *strategy;
	uint64_t seed;
	const struct run_result *first;		/* the recorded run's result */
	uint64_t first_link_frames;		/* and the data frames it played */
	const struct ac97_sink *sink;		/* may be NULL */
	const struct scenario_observer *observers;
	uint32_t n_observers;
};

/*
 * Runs the continuation of a failed run (first->verdict == RUN_FAIL) and
 * prints, on report, "continue: ..." lines saying what it replayed, how it
 * ended and how much audio crossed the link after the failure. Returns 0;
 * EXIT_DIVERGED when it left its recording before the failure; EXIT_USAGE
 * (after printing why on stderr) when it could not be set up. out (may be
 * NULL) receives its outcome.
 */
int continue_run(const struct scenario *sc, const struct continue_request *req, FILE *report,
		 struct scenario_outcome *out);

#endif
