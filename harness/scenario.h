/*
 * scenario.h - one stream's life on the machine, as a value: the device
 * and stream configuration, the driver (a built-in one or a plug-in),
 * timed actions that race the stream (cancel an IRP, change state, query
 * the position, stall the bus), and which checkers referee it.
 *
 * A run of a scenario: the machine is built, the adapter started, the
 * stream opened and run to the end of its audio by a script (a passive
 * call, as the OS thread that feeds the stream would be), while each timed
 * action waits on another passive call for its moment. Every schedule of
 * this is one choice of the decision stream; the checkers fail the run the
 * moment something goes wrong.
 *
 * Everything that happens goes onto the run's event stream (bus.h); the
 * event log, the checkers and the run's own taps (the link audio's count
 * and hash, a caller's sink, a capture sink) are its subscribers.
 */
#ifndef AC97SIM_SCENARIO_H
#define AC97SIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ac97.h"
#include "checkers.h"
#include "decide.h"
#include "drivers.h"
#include "machine.h"
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
	SA_SET_FORMAT,		/* arg: the rate the client asks for, in Hz */
	SA_ACTION_KIND_COUNT
};

/* What an action may come after instead of a time: the n-th time the
 * driver did something, as the port saw it. The action joins the passive
 * queue the moment it happens, so the scheduler decides whether it lands
 * before the driver's next step: a way to aim at a window a few
 * microseconds wide whatever the run's timing. */
enum action_after {
	AFTER_NONE,
	AFTER_GET_MAPPING,	/* GetMapping handed a mapping out */
	AFTER_RELEASE_MAPPING,	/* ReleaseMapping accepted */
	AFTER_IRP_DONE,		/* an IRP completed or was cancelled */
	AFTER_NOTIFY,		/* the miniport called Notify */
	AFTER_COUNT
};
extern const char *const action_after_names[AFTER_COUNT];

struct scenario_action {
	enum scenario_action_kind kind;
	sim_ticks_t at_ticks;	/* after the stream starts running */
	sim_ticks_t at_range_ticks;	/* 0, or each run draws at_ticks + [0, this] */
	uint64_t at_step;	/* when non-zero: at this scheduling step instead */
	/* When not AFTER_NONE: after the after_count-th such event instead
	 * (each run draws after_count + [0, after_range]). */
	enum action_after after;
	uint32_t after_count, after_range;
	uint32_t arg;
	sim_ticks_t duration_ticks;
};

#define SCENARIO_ACTIONS_MAX 32u
/* The [miniport] hints' defaults: 65534 samples (even), a 5 ms timer. */
#define SCENARIO_DESCRIPTOR_MAX_BYTES_DEFAULT (0xFFFEu * 2u)
#define SCENARIO_TIMER_PERIOD_MS_DEFAULT 5u
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
	/* The driver: its name as given (a built-in's name, or a plug-in's
	 * path) and what it resolved to (scenario_set_driver). */
	char driver[512];
	struct driver_ref driver_ref;
	/* Ranges each run draws from (SITE_PARAM, scenario_run), 0 for a
	 * fixed value: the IRP size and the first page's offset, in whole
	 * frames, and the device's DMA latency. The drawn values are the
	 * run's; these stay what the file said. */
	uint32_t irp_bytes_range;		/* stream.irp_bytes + [0, this] */
	uint32_t first_page_offset_range_bytes;	/* stream.first_page_offset_bytes + [0, this] */
	sim_ticks_t dma_latency_range_ticks;	/* device.dma_latency_ticks + [0, this] */
	/* The [miniport] section: hints every driver is given when its stream
	 * opens (driver.h). */
	uint32_t descriptor_max_bytes;
	bool timer_service;
	uint32_t timer_period_ms;
	struct scenario_action actions[SCENARIO_ACTIONS_MAX];
	uint32_t n_actions;
	struct checker_config checkers;
	uint64_t max_steps;
	sim_ticks_t max_ticks;
	/* The longest a raised interrupt may wait to be delivered: each rise
	 * draws its latency up to this (SITE_IRQ_LATENCY); past a buffer's
	 * length, interrupts coalesce. */
	sim_ticks_t irq_latency_max_ticks;
	/* Faults each run may switch on (swarm testing, SITE_SWARM): a
	 * random subset of these kinds fires at random moments of the
	 * stream. 0: none. */
	uint32_t swarm_faults;
	/* Not part of the scenario's identity (never hashed): an observer. */
	struct scenario_capture_sink capture_sink;	/* capture streams; may be zero */
};

/* A render scenario of KMixer style at 48 kHz: 3 IRPs of 4 pages in flight,
 * 64 KiB of audio, 2 CPUs, the reference driver, every checker on. */
void scenario_default(struct scenario *sc);

/* Sets the driver: a built-in's name or a plug-in's path (loaded here).
 * Returns 0, or -1 with err ("unknown driver ...", the plug-in's load
 * error). A plug-in stays loaded until scenario_release. */
int scenario_set_driver(struct scenario *sc, const char *name, char *err, size_t err_len);
/* Unloads the scenario's plug-in, if any. */
void scenario_release(struct scenario *sc);

/* A scenario's identity for traces: the hash of its canonical text
 * (scenario_write), which covers its audio's content and its driver's
 * name, not where a plug-in lies or which build of it is loaded. */
uint64_t scenario_hash(const struct scenario *sc);

/* The scenario as a scenario file in canonical form: every key the reader
 * takes, in a fixed order, each section once. What the reader reads back
 * from it is the same scenario (a test holds the two to each other), so
 * the hash of this text covers every field without a second list of
 * them. The audio of a file source is named by its content's hash, a
 * plug-in driver by its name (in comments: such text reads back with the
 * default audio and driver). A key added after scenarios were recorded
 * (hang_limit) is written only when it is not its default, so that their
 * hashes stay what the recordings say. */
void scenario_write(const struct scenario *sc, FILE *out);

struct scenario_outcome {
	struct run_result result;
	uint64_t link_frames;		/* render: data frames that crossed the link */
	uint64_t audio_fnv;		/* FNV-1a 64 of those frames (LE int16 L,R) */
	/* (both 0 in a verdict_only run: scenario_run_options) */
	struct checker_stats checks;	/* what the checkers saw */
	uint64_t decisions_made;	/* recorded or not (a fork: replayed ones too) */
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

/* Someone who watches a run as it goes (a waveform writer, a plot's
 * recorder) without being a checker: attach is called once the run's
 * machine is set up, before it runs, to subscribe to machine_bus(m) at
 * BUS_RECORD (it sees each event before any checker, the failure's
 * EV_FAILURE included). It must not change the run: it reads events and
 * the state they leave (the device, machine_cpu_view), nothing more.
 * Returns 0, or -1 with *why (the run is then not set up). */
struct scenario_observer {
	int (*attach)(void *ctx, struct machine *m, const char **why);
	void *ctx;
};

#define SCENARIO_OBSERVERS_MAX 4u

/* scenario_run with a recording used as plan says (decide.h): exactly,
 * followed, or forked at a step to strategy/seed. */
int scenario_run_plan(const struct scenario *sc, const struct strategy *strategy, uint64_t seed,
		      const struct replay_plan *plan, FILE *log_text,
		      const struct ac97_sink *also_sink, struct scenario_outcome *out,
		      struct decision_log *decisions, const char **why);

/* scenario_run_plan's inputs beyond the scenario, strategy and seed, with
 * what the caller does not need. All zero: a run that decides everything
 * itself and computes everything. */
struct scenario_run_options {
	const struct replay_plan *plan;	/* NULL: no recording */
	FILE *log_text;
	const struct ac97_sink *also_sink;
	struct decision_log *decisions;
	/* The caller reads only the verdict, the checker, the race windows and
	 * the failure's message (explore's workers, thousands of runs): what
	 * is computed only to be printed is skipped, that is the link audio's
	 * frame count and hash (0 in the outcome), a pass over every byte
	 * that crosses the link. The event-log hash is kept: replays and the
	 * determinism checks compare it. */
	bool verdict_only;
	/* Who else watches the run (--vcd, --plot), attached in order after
	 * the run's own taps. */
	struct scenario_observer observers[SCENARIO_OBSERVERS_MAX];
	uint32_t n_observers;
	/* Non-NULL: run on the native backend (native.h), host threads on a
	 * scaled wall clock, instead of the deterministic machine; strategy
	 * and seed then decide only the scenario's draws (run_draws.h), and
	 * plan must be NULL (a native run cannot be replayed). */
	const struct native_config *native;
};

/* scenario_run with options (opt may be NULL: all zero). */
int scenario_run_with(const struct scenario *sc, const struct strategy *strategy, uint64_t seed,
		      const struct scenario_run_options *opt, struct scenario_outcome *out,
		      const char **why);

/* The sample a render scenario's stream carries at sample_index
 * (interleaved, stream order): what audio-conservation expects there. */
int16_t scenario_sample(const struct scenario *sc, uint64_t sample_index);

/* The pattern SOURCE_PATTERN plays: a pure function of the sample index. */
int16_t scenario_pattern_sample(void *ctx, uint64_t sample_index);
/* The same in bulk, as little-endian bytes (port_samples_le_fn). */
void scenario_pattern_samples_le(void *ctx, uint64_t first_sample, uint8_t *dst_le,
				 uint32_t n_samples);

#endif
