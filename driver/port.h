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
 * - PortNotify queues the port's service DPC, which calls Service; it may
 *   be called at any IRQL, from the ISR with the interrupt lock held.
 *
 * The referee fails the run (kernel_fail, with a row of port_failures) the
 * moment the miniport misuses the port: a release of an unknown, already
 * released or revoked tag, a release out of acquisition order, a tag
 * reused while live, GetMapping or ReleaseMapping above DISPATCH_LEVEL, a
 * revoke count that does not match what was still acquired, RevokeMappings
 * failing. What it does is published on the run's event stream as
 * port_events (kernel_publish_port), never told to one listener. What
 * GetPosition answers is judged by the "position" checker
 * (harness/checkers/position.c), which sees the device as well: the port
 * publishes the call and the answer.
 */
#ifndef AC97SIM_PORT_H
#define AC97SIM_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "failure.h"
#include "kernel.h"
#include "wavepci.h"

/* The tag a miniport gives a mapping (a PVOID in portcls), as the port
 * keeps it: any value, but unique among live mappings. */
typedef uint64_t MAPPING_TAG;

static inline MAPPING_TAG mapping_tag_of(PVOID tag)
{
	return (MAPPING_TAG)(uintptr_t)tag;
}

/* ---- what the port reports (published on the run's event stream) ------------- */

/* X(ID, "name"): the port's events, with what struct port_event's fields
 * hold for each (a field not named is 0). */
#define PORT_EVENT_KINDS(X)                                                                 \
	/* result: direction | style << 8 | layout << 16; a: irp_bytes; b: total_bytes */   \
	X(STREAM_CREATED, "stream")                                                         \
	/* irp; index: its mappings; result: its pages; a: bytes; b: stream offset */      \
	X(IRP_SUBMITTED, "irp-submitted")                                                   \
	/* irp; index: its mappings; result: 1 cancelled, 0 completed */                    \
	X(IRP_DONE, "irp-done")                                                             \
	/* tag; result: enum port_getmapping_result. OK: irp, index; tag2: 1 on the IRP's   \
	 * last; a: physical | bytes << 32; b: stream offset. REFUSED: index: the next      \
	 * mapping; a: refusals left. NONE: index: mappings made so far. */                 \
	X(GET_MAPPING, "GetMapping")                                                        \
	/* tag, irp, index; result: enum port_release_how */                                \
	X(RELEASE_MAPPING, "ReleaseMapping")                                                \
	X(NOTIFY, "Notify")                                                                 \
	/* result: 1 after mappings came round (DSound); 0 after index new IRPs */           \
	X(MAPPING_AVAILABLE, "MappingAvailable")                                            \
	/* irp; index: the range's first mapping; a: its last; b: how many */                \
	X(CANCEL, "cancel")                                                                 \
	/* irp; index: the range's first mapping; result: the NTSTATUS; tag, tag2: the      \
	 * range; a: count | range << 32; b: released during the call | owed << 32 */       \
	X(REVOKE_RETURNED, "RevokeMappings")                                                \
	/* result: the NTSTATUS; a: from; b: to (KSSTATE) */                                \
	X(STATE, "state")                                                                   \
	/* a: GetMapping calls to refuse */                                                  \
	X(REFUSALS, "refusals")                                                             \
	/* result: the NTSTATUS; a: the position in bytes */                                \
	X(POSITION, "position")                                                             \
	/* a mapping's state changed: index, irp, tag; result: enum port_mapping_state */   \
	X(MAPPING, "mapping")                                                               \
	/* the port is about to call GetPosition (POSITION follows when it returns) */      \
	X(POSITION_ASKED, "position-asked")                                                 \
	/* TerminatePacket: irp (the packet being mapped); index: its mappings dropped;     \
	 * result: 1 when it is done now */                                                   \
	X(TERMINATE_PACKET, "TerminatePacket")

enum port_event_kind {
#define PORT_EVENT_ENUM(id, name) PORT_EV_##id,
	PORT_EVENT_KINDS(PORT_EVENT_ENUM)
#undef PORT_EVENT_ENUM
	PORT_EV_COUNT
};

extern const char *const port_event_names[PORT_EV_COUNT];

enum port_getmapping_result { PORT_GM_OK, PORT_GM_NONE, PORT_GM_REFUSED };
enum port_release_how { PORT_REL_NORMAL, PORT_REL_DURING_REVOKE, PORT_REL_OWED };

/* Six words, fixed-width, no padding: hashed into the event log as they
 * are (the publisher zeroes it first). */
struct port_event {
	uint32_t kind;		/* enum port_event_kind */
	uint32_t irp;
	uint32_t index;
	uint32_t result;
	uint64_t tag, tag2;
	uint64_t a, b;
};

/* ---- how a miniport can fail the port's rules ------------------------------------ */

/* X(ID, "name", "the rule, in words") */
#define PORT_FAILURES(X)                                                                     \
	X(DOUBLE_RELEASE, "double-release",                                                  \
	  "ReleaseMapping names a mapping that was already released")                       \
	X(RELEASE_UNKNOWN, "release-unknown",                                                \
	  "ReleaseMapping names a tag that no GetMapping handed out")                        \
	X(RELEASE_REVOKED, "release-revoked",                                                \
	  "ReleaseMapping names a mapping whose RevokeMappings had already returned")       \
	X(RELEASE_ORDER, "release-order",                                                    \
	  "mappings are released in the order GetMapping handed them out")                  \
	X(TAG_REUSE, "tag-reuse", "a GetMapping tag must be unique among the mappings still live") \
	X(REVOKE_FAILED, "revoke-failed",                                                    \
	  "RevokeMappings must succeed, even when part of its range was released meanwhile") \
	X(REVOKE_COUNT, "revoke-count",                                                      \
	  "RevokeMappings counts exactly the mappings of its range it took back, not those "  \
	  "released before or during the call")                                              \
	X(PORT_IRQL, "port-irql", "GetMapping and ReleaseMapping are for IRQL <= DISPATCH_LEVEL") \
	X(PORT_MISUSE, "port-misuse",                                                        \
	  "the port's interface is used as documented (a live stream, no NULL outputs, the "  \
	  "methods the port needs)")                                                          \
	X(STATE_ORDER, "state-order",                                                        \
	  "the port's own calls come in order (one SetState at a time, at PASSIVE_LEVEL)")

enum port_failure {
#define PORT_FAILURE_ENUM(id, name, rule) PORT_FAIL_##id,
	PORT_FAILURES(PORT_FAILURE_ENUM)
#undef PORT_FAILURE_ENUM
	PORT_FAIL_COUNT
};

/* The port's rules, under the checker name "port-referee". */
extern const struct failure_def port_failures[PORT_FAIL_COUNT];
#define PORT_CHECKER_NAME "port-referee"

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
/* The same samples in bulk: samples [first_sample, first_sample +
 * n_samples) as little-endian int16, 2 bytes each, into dst_le (the form
 * they take in guest memory and on the link). Exactly what the sample
 * function gives, without a call per sample: the port writes, and the
 * audio checker compares, every sample of every run. */
typedef void (*port_samples_le_fn)(void *ctx, uint64_t first_sample, uint8_t *dst_le,
				   uint32_t n_samples);

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
	port_samples_le_fn samples_le;	/* the same in bulk, or NULL (sample is asked) */
	void *sample_ctx;		/* for both */
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

/* "ACQUIRED", ... */
const char *port_mapping_state_name(enum port_mapping_state s);

/* Bytes [first_byte, first_byte + n_bytes) of a render stream as they lie
 * in its buffers: 16-bit little-endian samples, byte o a byte of sample
 * o / 2 (so odd offsets work), from cfg's samples_le where it has one,
 * else from sample, one call a sample. */
void port_stream_bytes(const struct port_stream_config *cfg, uint64_t first_byte, uint8_t *dst,
		       uint64_t n_bytes);

struct port_mapping_info {
	uint32_t index;		/* in stream order, from 0 */
	uint32_t irp;		/* which IRP */
	MAPPING_TAG tag;
	uint32_t physical;	/* guest physical address (32-bit DMA) */
	uint32_t byte_count;
	uint64_t stream_offset_bytes;	/* where it sits in the stream */
	enum port_mapping_state state;
	bool last_of_irp;
};

struct port_stream;

/* A stream on the machine kernel.h is bound to (the port model uses only
 * kernel.h and kernel_backend.h). NULL when out of host memory or when the
 * configuration is invalid (then *why says so). Call during setup, before
 * the run, or from a passive call. */
struct port_stream *port_stream_create(const struct port_stream_config *cfg, const char **why);
void port_stream_destroy(struct port_stream *s);
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
/* The pin closes (the system above closes its handle; after STOP, before
 * the miniport stream is closed): from here the port calls nothing of the
 * miniport stream (a Service or MappingAvailable DPC queued before does
 * nothing, a later action is dropped: submit adds nothing, cancel finds
 * nothing, SetState returns STATUS_UNSUCCESSFUL, GetPosition is not
 * asked), and this returns once every call into it already under way
 * has returned, as portcls takes the stream out of its service group
 * (whose DPC holds the group's lock while it calls Service) before it
 * releases the miniport stream. Passive. */
void port_action_close(struct port_stream *s);
/* Fault injection: the next `count` GetMapping calls return
 * STATUS_NOT_FOUND although mappings are there; MappingAvailable follows
 * each (from the port's DPC). */
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
/* Set (a synchronization event: one waiter wakes, and it resets) each
 * time an IRP is done, completed or cancelled: what KMixer's thread waits
 * for before it sends the next IRP. */
KEVENT *port_stream_irp_done_event(struct port_stream *s);

#endif
