/*
 * checkers.h - the oracles that referee every run of a stream
 * (docs/scenario-format.md, "Checker names"): each watches the port model, the device and the AC-link and
 * fails the run with machine_fail(m, NAME, ...) the moment what it sees
 * breaks its rule. Every check is on by default and can be switched off.
 *
 *   audio-conservation  render: the PCM that crossed the AC-link is exactly
 *                       the non-revoked mapped bytes, in stream order, each
 *                       once, with only fill/underrun frames between them;
 *                       capture: what landed in each released mapping is a
 *                       gap-free run of source positions (gaps only by whole
 *                       dropped frames), never going back or repeating.
 *   dma-after-release   every data DMA that touches a mapping's memory
 *                       touches a mapping that is ACQUIRED or REVOKING then;
 *                       any DMA to unmapped memory (a DMA fault).
 *   device-misuse       guest errors that are driver bugs (RR while running,
 *                       RR with RPBM, BDBAR while running, odd stereo
 *                       length, address bit 0, reserved descriptor bits);
 *                       a descriptor the running engine loaded (CIV) or
 *                       prefetched (PIV) rewritten in memory; LVI naming a
 *                       descriptor that was never written (all zero bytes).
 *   teardown            at the end of the run: every mapping RELEASED,
 *                       REVOKED or DROPPED exactly once, every IRP completed
 *                       or cancelled, the stream back in STOP.
 *   stall               while the stream is in RUN with audio available
 *                       (mappings PENDING, or ACQUIRED and not yet played /
 *                       captured), something moves (a mapping acquired or
 *                       released, data crossing the link or captured) at
 *                       least every stall_limit_ticks; at the end of the run
 *                       the stream is not left in RUN or PAUSE with
 *                       mappings pending or acquired (a lost wakeup).
 *
 * Each message names the mapping index, tag and IRP involved, what was
 * expected and what was seen, and the link time where it matters;
 * machine_fail adds the step, the simulated time and every CPU's state.
 *
 * Hooks taken (one stream per machine is supported: the machine has one
 * device observer, one step hook and one end hook, and a port stream one
 * observer): machine_set_device_observer, machine_set_step_hook,
 * machine_set_end_hook, port_stream_set_observer; for render the device's
 * sink (the sink that was there before is kept and still called, first:
 * a tool that records the output installs its sink before attaching),
 * for capture the device's source, replaced by a pattern: for the capture
 * engine's frame f and channel c the input is (int16_t)(uint16_t)(f *
 * channels + c). The scenario must set the record gain to 0 dB (and unmute
 * it) so that the pattern lands in memory bit-exact.
 *
 * Assumptions about the port model: mapping indexes count hand-outs in
 * stream order and are never reused (a looping buffer that comes round
 * again gives new indexes); a mapping's pages are still mapped when it is
 * reported RELEASED; the port reports state changes through on_mapping at
 * the moment they happen (PENDING mappings it does not report are found by
 * asking port_stream_mapping()).
 *
 * Memory: a record per mapping and per IRP, and one word per guest page;
 * no audio is kept (the render check is a cursor into the mappings, the
 * capture check a last position).
 */
#ifndef AC97SIM_CHECKERS_H
#define AC97SIM_CHECKERS_H

#include <stdbool.h>
#include <stdint.h>

#include "ac97.h"
#include "machine.h"
#include "port.h"

enum checker_id {
	CHECK_AUDIO,		/* "audio-conservation" */
	CHECK_DMA_LIVE,		/* "dma-after-release" */
	CHECK_DEVICE_MISUSE,	/* "device-misuse" */
	CHECK_TEARDOWN,		/* "teardown" */
	CHECK_STALL,		/* "stall" */
	CHECK_COUNT
};

struct checker_config {
	bool disable[CHECK_COUNT];
	/* The scenario ends the run on purpose with the stream still open:
	 * skips the end-of-run parts of "teardown" and "stall" (the checks
	 * made while the run goes on stay on). */
	bool ends_early;
	/* Longest time without progress while audio is available in RUN
	 * (0: the default). */
	sim_ticks_t stall_limit_ticks;
};

#define CHECKER_STALL_LIMIT_TICKS_DEFAULT (SIM_TICKS_PER_SECOND / 20u)	/* 50 ms */

/* Everything on, stall limit 50 ms of simulated time. */
void checker_config_default(struct checker_config *cfg);

/* "audio-conservation", ...; "?" for an id out of range. */
const char *checker_name(enum checker_id id);
/* The id of a name, or CHECK_COUNT when there is none. */
enum checker_id checker_from_name(const char *name);

struct checkers;

/*
 * Watches the port stream ps on machine m (setup time, before machine_run;
 * ps must belong to m). Returns NULL when out of host memory or when the
 * stream's configuration cannot be checked (render without a sample
 * function, channels not 1 or 2); *why then says which (why may be NULL).
 */
struct checkers *checkers_attach(struct machine *m, struct port_stream *ps,
				 const struct checker_config *cfg, const char **why);

/*
 * The same without a port stream, for tests and tools that play the port
 * themselves: the caller reports what a port would through the observer of
 * checkers_port_observer() (every mapping, PENDING ones included, and the
 * IRPs and states), with scfg describing the stream.
 */
struct checkers *checkers_attach_fed(struct machine *m, const struct port_stream_config *scfg,
				     const struct checker_config *cfg, const char **why);

/* The callbacks installed, for a caller that plays the port or the device
 * (inside the run: they may machine_fail). */
struct port_observer checkers_port_observer(struct checkers *c);
struct ac97_observer checkers_device_observer(struct checkers *c);

/* Takes every hook back (the device's earlier sink is put back; the source
 * is set to none) and frees. Call before port_stream_destroy and
 * machine_destroy. NULL is accepted. */
void checkers_detach_free(struct checkers *c);

/* What the checkers have seen, for tests and reports. */
struct checker_stats {
	uint64_t samples_matched;	/* render: link samples matched to mapped bytes */
	uint64_t fill_frames;		/* render: FILL and UNDERRUN frames */
	uint64_t revoked_cuts;		/* render: revoked mappings left part-played */
	uint64_t fifo_tail_losses;	/* render: tails lost to a FIFO reset (accepted) */
	uint64_t samples_captured;	/* capture: samples decoded from released mappings */
	uint64_t capture_gaps;		/* capture: jumps over dropped frames */
	uint64_t dma_ranges;		/* data DMA ranges seen */
	uint64_t dma_ranges_on_mappings;	/* of which touched a mapping */
	uint64_t descriptor_checks;	/* descriptors compared by the step hook */
	uint64_t step_hooks;
	uint32_t mappings;		/* mappings known */
	uint32_t mappings_done;		/* fully played (render) / written (capture) */
	uint32_t irps;			/* IRPs known */
	sim_ticks_t last_progress_tick;
	bool end_checked;		/* the end-of-run checks ran */
};

void checkers_stats(const struct checkers *c, struct checker_stats *out);

/* Render: where the conservation cursor stands (mapping index, byte). */
void checkers_render_cursor(const struct checkers *c, uint32_t *mapping_index,
			    uint32_t *offset_bytes);

#endif
