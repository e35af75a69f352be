/*
 * scenario.h - one stream's life on the machine, as a value: the device
 * and stream configuration, the driver (reference or a variant), timed
 * actions that race the stream (cancel an IRP, change state, query the
 * position, stall the bus), and which checkers referee it.
 *
 * A run of a scenario: the machine is built, the adapter started, the
 * stream opened and run to the end of its audio by a script (a passive
 * call, as the OS thread that feeds the stream would be), while each timed
 * action waits on another passive call for its moment. Every schedule of
 * this is one choice of the decision stream; the checkers fail the run the
 * moment something goes wrong.
 */
#ifndef AC97SIM_SCENARIO_H
#define AC97SIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ac97.h"
#include "checkers.h"
#include "decide.h"
#include "machine.h"
#include "miniport_ac97.h"
#include "port.h"

enum scenario_action_kind {
	SA_CANCEL_IRP,		/* arg: which outstanding IRP (0 = oldest) */
	SA_SET_STATE,		/* arg: KSSTATE */
	SA_QUERY_POSITION,
	SA_STALL_BUS,		/* duration_ticks: DMA waits that long */
	SA_STRAY_ENGINE,	/* arg: an engine no stream owns raises status */
	SA_REFUSE_MAPPINGS,	/* arg: GetMapping refuses that many calls */
	SA_DELAY_INTERRUPTS,	/* duration_ticks: no interrupt delivered meanwhile */
	SA_STALL_CPU,		/* arg: which CPU runs nothing for duration_ticks */
	SA_ACTION_KIND_COUNT
};

struct scenario_action {
	enum scenario_action_kind kind;
	sim_ticks_t at_ticks;	/* after the stream starts running */
	uint64_t at_step;	/* when non-zero: at this scheduling step instead */
	uint32_t arg;
	sim_ticks_t duration_ticks;
};

#define SCENARIO_ACTIONS_MAX 32u
#define SCENARIO_NAME_MAX 64u

/* The audio a stream carries: render, what its IRPs hold; capture, the
 * signal at the codec's input (PCM in, or the mic for AC97_MC).
 *
 * SOURCE_SAMPLES on a capture stream: the input plays `samples`
 * (stream.channels interleaved) like a tape that moves only while the
 * engine takes frames: the n-th frame the codec's ADC hands to the running
 * engine is frame n of samples (silence past the end), so with the record
 * gain at 0 dB the stream's bytes are the samples, in order, unless the
 * device drops frames (a full FIFO). The checkers' capture check needs its
 * own position pattern as the input, so for such a run audio-conservation
 * is off and the caller compares what landed (capture_sink) with samples.
 *
 * The n_samples samples live either in memory (`samples`, short audio a
 * caller made) or behind `reader` (when its sample function is set), which
 * a caller streaming a file provides: the port's fill, the checkers'
 * expected values and the capture tape all ask it for sample i, mostly in
 * increasing order a few IRPs apart, so memory stays flat however long the
 * audio. Either way the samples enter scenario_hash as their content hash
 * (scenario_samples_hash), never one by one. */
enum scenario_source {
	SOURCE_PATTERN,		/* render: sample n = hash(n); capture: the checkers' pattern */
	SOURCE_SAMPLES,		/* samples supplied by the caller (a file) */
};

struct scenario_sample_reader {
	/* Sample i (interleaved) for i < n_samples; a pure function of i. */
	int16_t (*sample)(void *ctx, uint64_t sample_index);
	void *ctx;
	/* scenario_samples_hash of the n_samples samples, which the reader's
	 * owner computes once (a streaming pass). */
	uint64_t content_hash;
};

/* FNV-1a 64 of samples as little-endian int16, in order: what identifies
 * SOURCE_SAMPLES audio. */
uint64_t scenario_samples_hash(const int16_t *samples, uint64_t n_samples);

/* Capture: what landed in a mapping, when the port reports it RELEASED
 * (bytes valid during the call). Called inside the run. */
struct scenario_capture_sink {
	void (*on_released)(void *ctx, const struct port_mapping_info *m, const uint8_t *bytes);
	void *ctx;
};

struct scenario {
	char name[SCENARIO_NAME_MAX];
	uint32_t cpus;
	struct ac97_config device;
	enum ac97_engine_id engine;	/* PO render, PI or MC capture */
	struct port_stream_config stream;	/* sample/sample_ctx set by the runner */
	enum scenario_source source;
	uint64_t n_samples;		/* SOURCE_SAMPLES: how many (interleaved) */
	const int16_t *samples;		/* in memory, or NULL with reader set */
	struct scenario_sample_reader reader;
	char driver[32];		/* "reference" or a variant name */
	struct miniport_config miniport;
	struct scenario_action actions[SCENARIO_ACTIONS_MAX];
	uint32_t n_actions;
	struct checker_config checkers;
	uint64_t max_steps;
	sim_ticks_t max_ticks;
	uint32_t irq_defer_max;
	/* Not part of the scenario's identity (never hashed): an observer. */
	struct scenario_capture_sink capture_sink;	/* capture streams; may be zero */
};

/* A render scenario of KMixer style at 48 kHz: 3 IRPs of 4 pages in flight,
 * 64 KiB of audio, 2 CPUs, the reference driver, every checker on. */
void scenario_default(struct scenario *sc);

/* Applies a driver variant's quirks to sc->miniport; -1 if unknown. */
int scenario_set_driver(struct scenario *sc, const char *name);
/* The names of the variants, NULL-terminated ("reference" first). */
extern const char *const scenario_drivers[];

/* A scenario's identity for traces: hash of everything that shapes a run. */
uint64_t scenario_hash(const struct scenario *sc);

struct scenario_outcome {
	struct run_result result;
	uint64_t link_frames;		/* render: data frames that crossed the link */
	uint64_t audio_fnv;		/* FNV-1a 64 of those frames (LE int16 L,R) */
	struct checker_stats checks;	/* what the checkers saw */
};

/* Runs sc once under strategy/seed, or replaying `replay` when non-NULL.
 * log_text (may be NULL) receives the event log; decisions (may be NULL,
 * empty) the run's decisions, which are recorded only when it is given
 * (a run without it keeps no decision log, so a long one stays flat in
 * memory); sink (may be NULL) also sees every span that crosses the link,
 * e.g. to write a WAV. Returns 0, or -1 when the scenario cannot be set up
 * (then *why says why). */
int scenario_run(const struct scenario *sc, const struct strategy *strategy, uint64_t seed,
		 const struct decision_log *replay, FILE *log_text,
		 const struct ac97_sink *also_sink, struct scenario_outcome *out,
		 struct decision_log *decisions, const char **why);

/* The pattern SOURCE_PATTERN plays: a pure function of the sample index. */
int16_t scenario_pattern_sample(void *ctx, uint64_t sample_index);

#endif
