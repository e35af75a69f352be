/*
 * bus.h - a run's event stream: publishers put typed events on it
 * (events.h); any number of subscribers read them, each the kinds it asked
 * for, in a fixed order.
 *
 * Order: by phase, then by subscription order. Recorders (the event log,
 * waveform and timeline writers, the scenario's taps) see an event first,
 * models that others read (the checkers' view of the mappings) next, and
 * checkers last, because a checker may end the run in the middle of an
 * event, and everything that records the run must have seen that event.
 * No subscriber calls another: what two need, they each subscribe to.
 *
 * Subscriptions are made while a run is set up; bus_seal then builds, per
 * kind, the list of who gets it, so that publishing costs a loop over that
 * list (most kinds have one or two readers) and nothing when nobody reads.
 */
#ifndef AC97SIM_BUS_H
#define AC97SIM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"

enum bus_phase { BUS_RECORD, BUS_MODEL, BUS_CHECK, BUS_PHASE_COUNT };

#define BUS_SUBSCRIBERS_MAX 32u

typedef void (*bus_fn)(void *ctx, const struct sim_event *ev);

struct bus_subscriber {
	bus_fn fn;
	void *ctx;
	uint64_t kinds;		/* EV_BIT mask */
	enum bus_phase phase;
};

struct bus {
	struct bus_subscriber subs[BUS_SUBSCRIBERS_MAX];
	uint32_t n_subs;
	bool sealed;
	/* Per kind, the subscribers in delivery order (indexes into subs). */
	uint8_t order[EV_KIND_COUNT][BUS_SUBSCRIBERS_MAX];
	uint8_t n_order[EV_KIND_COUNT];
	uint64_t wanted;	/* kinds someone reads */
};

void bus_init(struct bus *b);

/* Adds a subscriber (before bus_seal). Returns 0, or -1 when the bus is
 * full or sealed. */
int bus_subscribe(struct bus *b, enum bus_phase phase, uint64_t kinds, bus_fn fn, void *ctx);

/* Fixes the delivery lists; subscribing afterwards fails. */
void bus_seal(struct bus *b);

/* Whether anyone reads kind: a publisher may skip building the event. */
static inline bool bus_wants(const struct bus *b, enum sim_event_kind kind)
{
	return (b->wanted & EV_BIT(kind)) != 0;
}

/* Delivers ev to its kind's subscribers, in order. */
static inline void bus_publish(const struct bus *b, const struct sim_event *ev)
{
	const uint8_t *o = b->order[ev->kind];
	for (uint32_t i = 0, n = b->n_order[ev->kind]; i < n; i++)
		b->subs[o[i]].fn(b->subs[o[i]].ctx, ev);
}

#endif
