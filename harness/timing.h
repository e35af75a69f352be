/*
 * timing.h - the times a run decides, besides the order of its CPUs: the
 * delays (a CPU held back at a scheduling point, even when it is the only
 * one that could run), how late each raised interrupt is delivered, and
 * where the timer clock ticks. A window a few microseconds wide is reached
 * by moving something a few microseconds, not by reordering what is ready:
 * these choices are how a search moves things in time.
 *
 * Every choice comes from the run's decision stream (decide.h: SITE_DELAY,
 * SITE_IRQ_LATENCY, SITE_PHASE), so a trace holds it and a replay repeats
 * it. The plan (delays, timer phase) is drawn once, when the run starts;
 * an interrupt's latency when it is raised.
 *
 * Delay bounding: a run holds back at most TIMING_DELAYS_MAX CPUs, at steps
 * drawn uniformly from [1, k] (k, the run's length as the scenario's
 * calibration run measured it: strategy.pct_steps), each for a time drawn
 * from a scale of 1 us to 5 ms. A few delays anywhere reach most windows
 * that one delay at the right step opens (Emmi, Qadeer, Rakamaric: delay-
 * bounded scheduling, POPL 2011).
 *
 * Timers fire on the timer clock's ticks, as Windows processes timer
 * expirations at its clock interrupt: a timer due at t fires at the first
 * tick at or after t. The clock's period is TIMING_TIMER_RESOLUTION_TICKS
 * (1 ms, the resolution a multimedia application sets), its phase against
 * the AC-link drawn per run.
 */
#ifndef AC97SIM_TIMING_H
#define AC97SIM_TIMING_H

#include <stdbool.h>
#include <stdint.h>

#include "decide.h"
#include "simtime.h"

#define TIMING_DELAYS_MAX 4u
#define TIMING_TIMER_RESOLUTION_TICKS (SIM_TICKS_PER_SECOND / 1000u)
/* The default ceiling of an interrupt's latency (a scenario sets its own). */
#define TIMING_IRQ_LATENCY_MAX_TICKS_DEFAULT (SIM_TICKS_PER_SECOND / 10000u)	/* 100 us */

struct timing_delay {
	uint64_t step;		/* the scheduling step it holds a CPU back at */
	sim_ticks_t ticks;	/* for how long */
};

struct timing_plan {
	struct timing_delay delay[TIMING_DELAYS_MAX];	/* in step order */
	uint32_t n_delays;
	uint32_t next_delay;	/* the first not yet applied */
	sim_ticks_t timer_phase_ticks;	/* the timer clock ticks at phase + n * resolution */
};

/* Draws the plan: the number of delays, their steps in [1, steps_k] (no
 * delays when steps_k is 0), their lengths, the timer phase. */
void timing_plan_draw(struct timing_plan *p, struct decider *d, uint64_t steps_k,
		      uint64_t evlog_hash);

/* The delay due at scheduling step `step`, if any (each applies once). */
static inline bool timing_delay_due(struct timing_plan *p, uint64_t step, sim_ticks_t *ticks)
{
	if (p->next_delay >= p->n_delays || p->delay[p->next_delay].step != step)
		return false;
	*ticks = p->delay[p->next_delay++].ticks;
	return true;
}

/* How late an interrupt raised now is delivered: drawn from the scale of
 * latencies (0 included) up to max_ticks. */
sim_ticks_t timing_irq_latency(struct decider *d, sim_ticks_t max_ticks, uint64_t evlog_hash);

/* When a timer due at due_tick fires: the first tick of the timer clock at
 * or after it. */
sim_ticks_t timing_timer_fires(const struct timing_plan *p, sim_ticks_t due_tick);

#endif
