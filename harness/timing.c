/*
 * timing.c - see timing.h.
 */
#include "timing.h"

#define US(x) ((sim_ticks_t)(x) * SIM_TICKS_PER_SECOND / 1000000u)

/* Lengths on a 1-2-5 scale: a window of any width from a microsecond to a
 * few milliseconds has a length of about its size. */
static const sim_ticks_t delay_scale_ticks[] = {
	US(1),	 US(2),	  US(5),   US(10),   US(20),   US(50),
	US(100), US(200), US(500), US(1000), US(2000), US(5000),
};
#define DELAY_SCALE_N (sizeof(delay_scale_ticks) / sizeof(delay_scale_ticks[0]))

static const sim_ticks_t irq_latency_scale_ticks[] = {
	0,	   US(1),     US(2),	 US(5),	    US(10),    US(20),	  US(50),    US(100),
	US(200),   US(500),   US(1000), US(2000), US(5000), US(10000), US(20000), US(50000),
};
#define IRQ_LATENCY_SCALE_N (sizeof(irq_latency_scale_ticks) / sizeof(irq_latency_scale_ticks[0]))

/* Options of a uniform choice over [1, k]: a trace holds at most a million
 * options per decision, so longer runs take steps in strides. */
#define STEP_OPTIONS_MAX 1000000u

void timing_plan_draw(struct timing_plan *p, struct decider *d, uint64_t steps_k,
		      uint64_t evlog_hash)
{
	*p = (struct timing_plan){ 0 };
	p->timer_phase_ticks =
		decide_uniform(d, SITE_PHASE, (uint32_t)TIMING_TIMER_RESOLUTION_TICKS, evlog_hash);
	if (steps_k == 0)
		return;
	uint32_t n = decide_uniform(d, SITE_DELAY, TIMING_DELAYS_MAX + 1u, evlog_hash);
	uint64_t stride = steps_k / STEP_OPTIONS_MAX + 1u;
	uint32_t options = (uint32_t)((steps_k + stride - 1) / stride);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t step = 1u + (uint64_t)decide_uniform(d, SITE_DELAY, options, evlog_hash) * stride;
		sim_ticks_t ticks =
			delay_scale_ticks[decide_uniform(d, SITE_DELAY, DELAY_SCALE_N, evlog_hash)];
		/* Kept in step order; a second delay at a step already taken
		 * lengthens the first rather than being lost. */
		uint32_t at = p->n_delays;
		while (at > 0 && p->delay[at - 1].step > step)
			at--;
		if (at > 0 && p->delay[at - 1].step == step) {
			p->delay[at - 1].ticks += ticks;
			continue;
		}
		for (uint32_t j = p->n_delays; j > at; j--)
			p->delay[j] = p->delay[j - 1];
		p->delay[at] = (struct timing_delay){ step, ticks };
		p->n_delays++;
	}
}

sim_ticks_t timing_irq_latency(struct decider *d, sim_ticks_t max_ticks, uint64_t evlog_hash)
{
	uint32_t n = 1;	/* 0 is always allowed */
	while (n < IRQ_LATENCY_SCALE_N && irq_latency_scale_ticks[n] <= max_ticks)
		n++;
	if (n == 1)
		return 0;
	return irq_latency_scale_ticks[decide_uniform(d, SITE_IRQ_LATENCY, n, evlog_hash)];
}

sim_ticks_t timing_timer_fires(const struct timing_plan *p, sim_ticks_t due_tick)
{
	const sim_ticks_t res = TIMING_TIMER_RESOLUTION_TICKS;
	if (due_tick <= p->timer_phase_ticks)
		return p->timer_phase_ticks;
	sim_ticks_t since = due_tick - p->timer_phase_ticks;
	sim_ticks_t ticks_up = (since + res - 1) / res;
	return p->timer_phase_ticks + ticks_up * res;
}
