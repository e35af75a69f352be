/*
 * run_draws.h - what one run of a scenario draws before it starts, from
 * its decision stream, so that one scenario covers a window of moments and
 * sizes instead of one instant, and a trace still replays it exactly:
 *
 * 1. The scenario's ranges (SITE_PARAM), in this order: each action's time
 *    (at = A..B), the IRP size (irp_bytes = A..B, in whole frames), the
 *    first page's offset (in whole frames), the device's DMA latency.
 * 2. The phase (SITE_PHASE): how long after the machine starts the stream
 *    script begins, within a millisecond, which moves the whole stream
 *    against the AC-link's frames and the timer clock.
 * 3. Swarm faults (SITE_SWARM; Groce et al., "Swarm testing", ISSTA 2012):
 *    which of the scenario's swarm fault kinds this run switches on (a
 *    random subset, so that one kind does not mask another), and for each
 *    kind switched on, 1 to 3 occurrences at moments spread over the
 *    stream's expected length, each an action of that kind (refuse-
 *    mappings, delay-interrupts, stall-cpu, stall-bus) with its size drawn
 *    from a scale small enough for a correct driver to ride out.
 *
 * A range of width w in grains g has w / g + 1 options; wider ones are
 * drawn in strides so that a decision has at most RUN_DRAWS_OPTIONS_MAX.
 */
#ifndef AC97SIM_RUN_DRAWS_H
#define AC97SIM_RUN_DRAWS_H

#include <stdint.h>

#include "machine.h"
#include "port.h"
#include "scenario.h"

#define RUN_DRAWS_OPTIONS_MAX 65536u
#define RUN_DRAWS_SWARM_PER_KIND_MAX 3u
#define RUN_DRAWS_SWARM_KINDS 4u
#define RUN_DRAWS_ACTIONS_MAX (SCENARIO_ACTIONS_MAX + RUN_DRAWS_SWARM_KINDS * RUN_DRAWS_SWARM_PER_KIND_MAX)
/* The phase is drawn within this. */
#define RUN_DRAWS_PHASE_MAX_TICKS (SIM_TICKS_PER_SECOND / 1000u)

/* The swarm fault kinds a scenario may name, as bits of
 * scenario.swarm_faults (1u << enum scenario_action_kind). */
#define SWARM_KINDS_ALL                                                                       \
	((1u << SA_REFUSE_MAPPINGS) | (1u << SA_DELAY_INTERRUPTS) | (1u << SA_STALL_CPU) |   \
	 (1u << SA_STALL_BUS))

struct run_draws {
	struct port_stream_config stream;	/* irp_bytes and first page offset drawn */
	sim_ticks_t dma_latency_ticks;
	sim_ticks_t phase_ticks;		/* the stream script starts this late */
	struct scenario_action actions[RUN_DRAWS_ACTIONS_MAX];	/* the scenario's, then the swarm's */
	uint32_t n_actions;
	uint32_t swarm_kinds;			/* bits of the kinds switched on */
};

/* Draws everything above for a run of sc on m (after machine_create,
 * before machine_run). */
void run_draws_make(struct run_draws *d, const struct scenario *sc, struct machine *m);

#endif
