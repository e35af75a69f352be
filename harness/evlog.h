/*
 * evlog.h - a run's event log: every kernel call, register access with its
 * value, interrupt, DPC, port call and checker event, with its step and
 * simulated time, folded into one 64-bit hash (FNV-1a over the fields, in
 * a fixed byte order). Nothing logged depends on wall time, host addresses
 * or host iteration order, so the same scenario, seed and build give the
 * same hash. Optionally also written as text, one event a line.
 */
#ifndef AC97SIM_EVLOG_H
#define AC97SIM_EVLOG_H

#include <stdint.h>
#include <stdio.h>

#include "simtime.h"

enum ev_kind {
	EV_KERNEL = 1,		/* a kernel call: text names it, a/b its arguments */
	EV_PORT_READ,		/* a = port offset | width << 16, b = value */
	EV_PORT_WRITE,
	EV_INTERRUPT,		/* a = cpu the ISR ran on, b = claimed */
	EV_DPC,			/* a = dpc id */
	EV_TIMER,		/* a = timer id */
	EV_SCHEDULE,		/* a = chosen option's agent, b = option count */
	EV_DEVICE,		/* a device event (ac97_event) */
	EV_PORT_CALL,		/* a call into the port driver model */
	EV_CHECK,		/* a checker fired */
	EV_NOTE,		/* DbgPrint and scenario notes */
	EV_KIND_COUNT
};

struct evlog {
	uint64_t hash;
	uint64_t count;
	FILE *text;		/* NULL: hash only */
};


void evlog_init(struct evlog *log, FILE *text);
/* Records one event. text may be NULL; it is hashed byte by byte. */
void evlog_add(struct evlog *log, uint64_t step, sim_ticks_t tick, int cpu, enum ev_kind kind,
	       uint64_t a, uint64_t b, const char *text);
const char *ev_kind_name(enum ev_kind kind);

#endif
