/*
 * evlog.h - a run's event log: every logged event (events.h: kernel calls,
 * register accesses with their values, interrupts, DPCs, port calls,
 * device events, failures) folded into one 64-bit hash, and optionally
 * written as text, one event a line.
 *
 * The hash goes a word at a time (trace format 4): the event's words in
 * pairs - its kind and CPU with its tick, then its six payload words -
 * each pair folded into the hash by one 64x64->128-bit multiply whose
 * halves are xored (evlog_mix); for events that carry a name or a note,
 * that text eight bytes a word (little-endian, the last word zero-padded)
 * and then its length. It starts at the FNV-1a offset basis. Nothing
 * hashed depends on wall time, host addresses or host iteration order, so
 * the same scenario, seed and build give the same hash, on any host.
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

#include "events.h"
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

/* The product of a and b, 128 bits, its halves xored: every bit of either
 * reaches every bit of the result (a plain 64-bit multiply carries only
 * upwards). This one in 32-bit pieces, for compilers without a 128-bit
 * integer (a test checks that the two agree). */
static inline uint64_t evlog_fold_mul_portable(uint64_t a, uint64_t b)
{
	uint64_t a_lo = (uint32_t)a, a_hi = a >> 32, b_lo = (uint32_t)b, b_hi = b >> 32;
	uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	uint64_t lo = (mid << 32) | (uint32_t)ll;
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return lo ^ hi;
}

static inline uint64_t evlog_fold_mul(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 p = (unsigned __int128)a * b;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
	return evlog_fold_mul_portable(a, b);
#endif
}

/* Folds the words a, b into hash h. The hash enters both factors (the
 * second one rotated, so that swapping a and b changes the result): no
 * word value can cancel what came before, except by matching the hash
 * itself (a factor of zero), one chance in 2^64. */
static inline uint64_t evlog_mix(uint64_t h, uint64_t a, uint64_t b)
{
	return evlog_fold_mul(h ^ a, (h >> 32 | h << 32) ^ b);
}

/* Folds text into h eight bytes a word (evlog.c). */
uint64_t evlog_mix_text(uint64_t h, const char *text);

/* Folds one event, given by its hashed fields, into the hash and counts it:
 * what evlog_add does but for the text form. For a publisher whose event
 * nobody reads and no text log writes (only its hash matters), so that
 * the event need not be built. Four multiplies an event (the text, which
 * few events have, is a call). */
static inline void evlog_hash_fields(struct evlog *log, uint16_t kind, int16_t cpu,
				     sim_ticks_t tick, const uint64_t words[6], const char *text)
{
	uint64_t h = log->hash;
	h = evlog_mix(h, (uint64_t)kind | (uint64_t)(uint16_t)cpu << 16, tick);
	h = evlog_mix(h, words[0], words[1]);
	h = evlog_mix(h, words[2], words[3]);
	h = evlog_mix(h, words[4], words[5]);
	if (text != NULL)
		h = evlog_mix_text(h, text);
	log->hash = h;
	log->count++;
}

/* Records one event (its kind must be EVF_LOGGED). Inline: every logged
 * event of every run is hashed, a few a scheduling step. */
static inline void evlog_add(struct evlog *log, const struct sim_event *ev)
{
	evlog_hash_fields(log, ev->kind, ev->cpu, ev->tick, ev->u.words, ev->text);
	if (log->text != NULL)
		evlog_write_text(log, ev);
}

/* The text form of one event's details (no step, time or CPU). */
void evlog_describe(const struct evlog *log, const struct sim_event *ev, char *buf, size_t len);

#endif
