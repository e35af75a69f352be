/*
 * evlog.h - a run's event log: every logged event (events.h: kernel calls,
 * register accesses with their values, interrupts, DPCs, port calls,
 * device events, failures) folded into one 64-bit hash, and optionally
 * written as text, one event a line.
 *
 * The hash is FNV-1a over 64-bit words (xor a word, multiply by the FNV
 * prime): the event's kind and CPU, its tick, its six payload words and,
 * for events that carry a name or a note, that text's bytes. Nothing
 * hashed depends on wall time, host addresses or host iteration order, so
 * the same scenario, seed and build give the same hash.
 *
 * The text form starts with a header naming its columns; times are given
 * in microseconds beside ticks, register accesses by register name, port
 * calls with their tags and IRPs, kernel objects by the names the driver
 * gave them.
 */
#ifndef AC97SIM_EVLOG_H
#define AC97SIM_EVLOG_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "fnv1a.h"
#include "simtime.h"

/* The name of kernel object id, for the text form (NULL: "#id"). */
typedef const char *(*evlog_object_name_fn)(void *ctx, uint32_t id);

struct evlog {
	uint64_t hash;
	uint64_t count;
	FILE *text;		/* NULL: hash only */
	evlog_object_name_fn object_name;
	void *object_name_ctx;
};

void evlog_init(struct evlog *log, FILE *text);

/* Writes one event's line of the text form (log->text set). */
void evlog_write_text(const struct evlog *log, const struct sim_event *ev);

/* Records one event (its kind must be EVF_LOGGED). Inline: every logged
 * event of every run is hashed, a few a scheduling step. */
static inline void evlog_add(struct evlog *log, const struct sim_event *ev)
{
	uint64_t h = log->hash;
	h = (h ^ ((uint64_t)ev->kind | (uint64_t)(uint16_t)ev->cpu << 16)) * FNV1A64_PRIME;
	h = (h ^ ev->tick) * FNV1A64_PRIME;
	for (int i = 0; i < 6; i++)
		h = (h ^ ev->u.words[i]) * FNV1A64_PRIME;
	if (ev->text != NULL)
		h = fnv1a64(h, ev->text, strlen(ev->text));
	log->hash = h;
	log->count++;
	if (log->text != NULL)
		evlog_write_text(log, ev);
}

/* The text form of one event's details (no step, time or CPU). */
void evlog_describe(const struct evlog *log, const struct sim_event *ev, char *buf, size_t len);

#endif
