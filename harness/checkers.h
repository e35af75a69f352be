/*
 * checkers.h - the checker set of a run: the shared view of the port's
 * mappings (checkers/mappings.h) and every checker of the registry
 * (checkers/checker.h, checkers/registry.c) that the run did not switch
 * off, each subscribed to the run's event stream.
 *
 * The checkers, in registry order (docs/scenario-format.md, "Checker
 * names", says what each one watches):
 *   audio-conservation  the audio that crossed the link (or landed, for
 *                       capture) is the mapped audio, in order, once
 *   dma-after-release   DMA touches only live mappings
 *   device-misuse       driver bugs the device sees (RR while running, ...)
 *   position            GetPosition: never back within a run of the stream,
 *                       between what the link played and what DMA fetched
 *   stall               RUN with audio available keeps moving (stall_limit)
 *   hang                RUN with anything outstanding keeps moving
 *                       (hang_limit), and a run cut by its limit had not
 *                       stopped moving
 *   teardown            at the end everything released, the stream in STOP
 *   lifetime            nothing of a stream runs after stream_close, nothing
 *                       of the driver after adapter_stop
 * The port model's own rules ("port-referee", port.h) and the machine's
 * ("kernel-rules", machine.h) are not in the registry: they are the models'
 * referees and always on.
 */
#ifndef AC97SIM_CHECKERS_H
#define AC97SIM_CHECKERS_H

#include <stdbool.h>
#include <stdint.h>

#include "machine.h"
#include "port.h"
#include "simtime.h"

struct checker_def;

#define CHECKERS_MAX 32u

struct checker_config {
	/* Bit i: the registry's checker i is switched off (checker_disable). */
	uint32_t disabled;
	/* The scenario ends the run on purpose with the stream still open:
	 * the end-of-run parts of "teardown" and "stall" are skipped (the
	 * checks made while the run goes on stay on). */
	bool ends_early;
	/* Longest time without progress while audio is available in RUN
	 * (0: the default). */
	sim_ticks_t stall_limit_ticks;
	/* Longest time without progress while anything of the stream is
	 * outstanding in RUN, and the quiet time before a limit that makes the
	 * cut a hang (0: the default). */
	sim_ticks_t hang_limit_ticks;
};

#define CHECKER_STALL_LIMIT_TICKS_DEFAULT (SIM_TICKS_PER_SECOND / 20u)	/* 50 ms */
/* 2 s: longer than a correct driver can be held quiet by what a scenario
 * can do to it: one injected fault (stall-bus, delay-interrupts, stall-cpu:
 * at most 1 s each) followed by one period of a timer-serviced stream (at
 * most 1000 ms); far shorter than the default max_time (60 s), so that a
 * hung run fails rather than running into its limit. */
#define CHECKER_HANG_LIMIT_TICKS_DEFAULT (2u * SIM_TICKS_PER_SECOND)

/* Everything on, stall limit 50 ms and hang limit 2 s of simulated time. */
void checker_config_default(struct checker_config *cfg);

/* The registry's checker named name, or NULL. */
const struct checker_def *checker_find(const char *name);
/* Switches the checker named name off; -1 if there is none. */
int checker_disable(struct checker_config *cfg, const char *name);
bool checker_enabled(const struct checker_config *cfg, const char *name);
/* "audio-conservation, dma-after-release, ..." */
void checker_names(char *buf, size_t len);
/* The registry's checkers by position (NULL past the last). */
const char *checker_name_at(unsigned i);

/* The first sample audio-conservation found wrong on the link (render),
 * for whoever draws it (`--plot`): where it crossed and what was due. */
struct audio_miss {
	bool found;
	sim_ticks_t link_tick;		/* when its frame crossed the AC-link */
	uint32_t channel;		/* of that frame */
	uint16_t got;
	bool want_known;		/* false: nothing could be due (no mapping yet) */
	uint16_t want;
	/* The stream sample (interleaved, stream order) that was due, when
	 * the cursor's mapping was known; link sample j after this one was
	 * due to carry stream sample due_sample + j had the stream gone on. */
	bool due_known;
	uint64_t due_sample;
	uint32_t mapping, mapping_byte;	/* where the cursor was */
};

/* What the checkers have seen, for reports and tests. */
struct checker_stats {
	uint64_t samples_matched;	/* render: link samples matched to mapped bytes */
	uint64_t fill_frames;		/* render: FILL and UNDERRUN frames */
	uint64_t revoked_cuts;		/* render: revoked mappings left part-played */
	uint64_t fifo_tail_losses;	/* render: tails lost to a FIFO reset (accepted) */
	uint64_t samples_captured;	/* capture: samples decoded from released mappings */
	uint64_t capture_gaps;		/* capture: jumps over dropped frames */
	uint64_t dma_ranges;		/* data DMA ranges seen */
	uint64_t dma_ranges_on_mappings;	/* of which touched a mapping */
	uint64_t descriptor_checks;	/* descriptors compared with what the engine holds */
	uint64_t step_hooks;		/* scheduling points the step checks looked at */
	uint64_t positions_checked;	/* GetPosition answers held to the device */
	uint64_t hang_deadlines;	/* check deadlines reached while the machine slept */
	uint64_t lifetime_objects;	/* kernel objects found in the driver's memory */
	uint32_t mappings;		/* mappings known */
	uint32_t mappings_done;		/* fully fetched (render) / written (capture) */
	uint32_t irps;			/* IRPs known */
	sim_ticks_t last_progress_tick;
	bool end_checked;		/* the end-of-run checks ran */
	struct audio_miss first_miss;	/* render: audio-conservation's finding */
};

struct checkers;

/*
 * Watches the port stream ps on machine m (setup time, before machine_run;
 * ps must belong to m). With ps NULL the caller plays the port: it
 * publishes the port's events (PORT_EV_MAPPING with every mapping, PENDING
 * ones included, IRP_DONE, STATE) on the machine's bus itself, and scfg
 * describes the stream. Returns NULL when out of host memory or when a
 * checker cannot watch the stream (render without a sample function,
 * channels not 1 or 2); *why then says which (why may be NULL).
 */
struct checkers *checkers_attach(struct machine *m, struct port_stream *ps,
				 const struct port_stream_config *scfg,
				 const struct checker_config *cfg, const char **why);

/* Frees (after the run). NULL is accepted. */
void checkers_detach_free(struct checkers *c);

void checkers_stats(const struct checkers *c, struct checker_stats *out);

/* The pattern a capture stream's input plays for audio-conservation to
 * recognise: sample c of frame f of the engine is (int16_t)(f * channels +
 * c). An ac97_source read function (ctx unused). */
void checkers_capture_pattern(void *ctx, enum ac97_engine_id engine, uint64_t first_frame,
			      int16_t *dst, uint64_t n_frames, uint32_t channels);

#endif
