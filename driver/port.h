/*
 * port.h - a model of the WavePci port driver (portcls), as far as a
 * WavePci miniport sees it, and the referee of the miniport's use of it.
 *
 * The miniport's side (what driver code calls): PortGetMapping,
 * PortReleaseMapping, PortNotify. Each is a call into the port: a
 * scheduling point, and bug check 0xC4 if a spin lock is held.
 *
 * The port's side (what the harness does to a stream, as passive calls on
 * the machine): submit IRPs, cancel one, change the state, ask the
 * position. The port calls the miniport stream's SetState, Service,
 * MappingAvailable, RevokeMappings and GetPosition exactly where portcls
 * does (see docs/wavepci.md):
 * - IRPs hold audio on guest pages, physically scattered by default; the
 *   port cuts them into mappings of contiguous physical runs, each at most
 *   16 pages (and a page unless pages happen to be adjacent).
 * - GetMapping hands out mappings in buffer order, flag 1 on an IRP's last
 *   one; with none available it returns STATUS_NOT_FOUND and calls
 *   MappingAvailable once an IRP arrives.
 * - Mappings are released in acquisition order; an IRP completes when all
 *   its mappings are released or revoked, and its pages leave guest memory
 *   then (so later DMA to them is caught).
 * - Cancelling an IRP revokes its acquired mappings: the port picks the
 *   range (first to last acquired tag of that IRP), and calls
 *   RevokeMappings at DISPATCH_LEVEL. A release of a mapping in the range
 *   that lands between the pick and the call's return is accepted and must
 *   not be counted by the miniport. When RevokeMappings returns, the
 *   revoked mappings' pages leave guest memory.
 * - SetState moves one step at a time (STOP, ACQUIRE, PAUSE, RUN); STOP
 *   cancels every outstanding IRP after the miniport's SetState.
 * - PortNotify queues the port's service DPC, which calls Service.
 *
 * The referee fails the run (kernel_fail) the moment the miniport misuses
 * the port: a release of an unknown, already released or revoked tag, a
 * release out of acquisition order, a tag reused while live, GetMapping or
 * ReleaseMapping above DISPATCH_LEVEL, a revoke count that does not match
 * what was still acquired, RevokeMappings failing.
 */
#ifndef AC97SIM_PORT_H
#define AC97SIM_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel.h"

typedef enum { KSSTATE_STOP, KSSTATE_ACQUIRE, KSSTATE_PAUSE, KSSTATE_RUN } KSSTATE;

const char *ksstate_name(KSSTATE s);

/* The tag a miniport gives a mapping (a PVOID in portcls): any value, but
 * unique among live mappings. */
typedef uint64_t MAPPING_TAG;

/* ---- the miniport stream, as the port calls it (IMiniportWavePciStream) ---- */

struct miniport_stream_ops {
	NTSTATUS (*set_state)(void *stream, KSSTATE state);	/* PASSIVE_LEVEL */
	void (*service)(void *stream);				/* DISPATCH_LEVEL */
	void (*mapping_available)(void *stream);		/* <= DISPATCH_LEVEL */
	NTSTATUS (*revoke_mappings)(void *stream, MAPPING_TAG first, MAPPING_TAG last,
				    uint32_t *revoked);		/* DISPATCH_LEVEL */
	NTSTATUS (*get_position)(void *stream, uint64_t *position_bytes); /* <= DISPATCH */
};

/* ---- the port stream, as the miniport calls it (IPortWavePciStream) ------ */

typedef struct PORT_STREAM PORT_STREAM;

#define MAPPING_FLAG_LAST_OF_IRP 1u

NTSTATUS PortGetMapping(PORT_STREAM *ps, MAPPING_TAG tag, PHYSICAL_ADDRESS *physical,
			void **virtual_address, uint32_t *byte_count, uint32_t *flags);
NTSTATUS PortReleaseMapping(PORT_STREAM *ps, MAPPING_TAG tag);
/* IPortWavePci::Notify for the stream's service group: Service follows in
 * the port's DPC. Callable at IRQL <= DISPATCH_LEVEL. */
void PortNotify(PORT_STREAM *ps);

/* ---- the harness side ------------------------------------------------------- */

enum port_direction { PORT_RENDER, PORT_CAPTURE };
enum port_style {
	PORT_STYLE_KMIXER,	/* several IRPs in flight, each completing */
	PORT_STYLE_DSOUND,	/* one looping buffer whose mappings come round again */
};
enum port_layout {
	PORT_PAGES_SCATTERED,	/* each page somewhere else (by a seeded shuffle) */
	PORT_PAGES_CONTIGUOUS,	/* an IRP's pages adjacent: mappings up to 16 pages */
};

/* Where render audio comes from: sample n (interleaved, stream order) of
 * the stream. A pure function, so checkers can ask for it again. */
typedef int16_t (*port_sample_fn)(void *ctx, uint64_t sample_index);

struct port_stream_config {
	enum port_direction direction;
	enum port_style style;
	enum port_layout layout;
	uint32_t channels;		/* 2 */
	uint32_t rate_hz;
	uint32_t irp_bytes;		/* bytes per IRP (DSound: the buffer) */
	uint32_t irps_in_flight;	/* KMixer: kept submitted, >= 1 */
	uint64_t total_bytes;		/* audio the stream carries in all */
	uint32_t first_page_offset_bytes;	/* where an IRP starts in its first page */
	port_sample_fn sample;		/* render content */
	void *sample_ctx;
	uint64_t layout_seed;		/* for PORT_PAGES_SCATTERED */
};

/* What happens to a mapping, for checkers. */
enum port_mapping_state {
	MAPPING_PENDING,	/* not yet handed out */
	MAPPING_ACQUIRED,
	MAPPING_RELEASED,
	MAPPING_REVOKING,	/* in a range the port is revoking */
	MAPPING_REVOKED,
	MAPPING_DROPPED,	/* its IRP was cancelled before it was handed out */
};

struct port_mapping_info {
	uint32_t index;		/* in stream order, from 0 */
	uint32_t irp;		/* which IRP */
	MAPPING_TAG tag;
	PHYSICAL_ADDRESS physical;
	uint32_t byte_count;
	uint64_t stream_offset_bytes;	/* where it sits in the stream */
	enum port_mapping_state state;
	bool last_of_irp;
};

/* Checkers watch the port through this. Every call happens at the
 * moment the event happens in the run. */
struct port_observer {
	void (*on_mapping)(void *ctx, const struct port_mapping_info *m);	/* state changed */
	void (*on_irp)(void *ctx, uint32_t irp, bool completed, bool cancelled);
	void (*on_state)(void *ctx, KSSTATE state);
	void (*on_position)(void *ctx, uint64_t position_bytes);
	void *ctx;
};

struct port_stream;

/* A stream on the machine kernel.h is bound to (the port model uses only
 * kernel.h and kernel_backend.h). NULL when out of host memory or when the
 * configuration is invalid (then *why says so). Call during setup, before
 * the run, or from a passive call. */
struct port_stream *port_stream_create(const struct port_stream_config *cfg, const char **why);
void port_stream_destroy(struct port_stream *s);
void port_stream_set_observer(struct port_stream *s, const struct port_observer *obs);
/* The miniport stream the port drives, and the handle driver code uses. */
void port_stream_bind_miniport(struct port_stream *s, const struct miniport_stream_ops *ops,
			       void *miniport_stream);
PORT_STREAM *port_stream_handle(struct port_stream *s);
const struct port_stream_config *port_stream_config(const struct port_stream *s);

/* Harness actions. Each runs inside the machine as (part of) a passive
 * call, like the OS thread that would do it. */
void port_action_submit(struct port_stream *s);	/* fill up to irps_in_flight */
bool port_action_cancel_irp(struct port_stream *s, uint32_t nth_outstanding);
NTSTATUS port_action_set_state(struct port_stream *s, KSSTATE target);
void port_action_query_position(struct port_stream *s);
/* Fault injection: the next `count` GetMapping calls return
 * STATUS_NOT_FOUND although mappings are there; MappingAvailable follows
 * (from the port's DPC) once they are spent. */
void port_action_refuse_mappings(struct port_stream *s, uint32_t count);

/* Inspection (for checkers, tests, teardown). */
KSSTATE port_stream_state(const struct port_stream *s);
uint32_t port_stream_mapping_count(const struct port_stream *s);
/* NULL past the end. The pointer is valid until the next call into the
 * port (the table grows as mappings are made): copy what you keep. */
const struct port_mapping_info *port_stream_mapping(const struct port_stream *s, uint32_t index);
uint32_t port_stream_irps_outstanding(const struct port_stream *s);
uint64_t port_stream_bytes_submitted(const struct port_stream *s);
bool port_stream_finished(const struct port_stream *s);	/* all audio submitted and done */
/* IRPs done so far: completed (all mappings released) and cancelled. A
 * script that keeps a KMixer stream fed calls port_action_submit after
 * completions go up (submit only adds what is missing). */
uint64_t port_stream_irps_completed(const struct port_stream *s);
uint64_t port_stream_irps_cancelled(const struct port_stream *s);

#endif
