/*
 * checker.h - what a checker is: an oracle that watches a run's event
 * stream and fails the run the moment what it sees breaks its rule.
 *
 * A checker is one file under harness/checkers/ defining a struct
 * checker_def, and one line in registry.c. It names itself (the name
 * scenario files and --no-check switch it off by), says in a line what it
 * watches, lists its failures (each with the rule in words, which the
 * failure report prints), the event kinds it reads, and how much state it
 * needs. The checker set (checkers.h) attaches every enabled checker to a
 * run: it zeroes the state, calls attach, subscribes on_event to the kinds
 * at the bus's CHECK phase, and calls detach when the run is over.
 *
 * What a checker may read besides the events: the shared view of the
 * port's mappings (mappings.h, kept up to date before any checker sees an
 * event), the device's registers and state, guest memory, and the stream's
 * configuration (struct checker_env). What it must not do: call another
 * checker, keep host addresses in anything it reports, or change the run.
 */
#ifndef AC97SIM_CHECKER_H
#define AC97SIM_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ac97.h"
#include "events.h"
#include "failure.h"
#include "gmem.h"
#include "machine.h"
#include "port.h"

struct mappings;
struct checker_config;
struct checker_stats;

struct checker_env {
	struct machine *m;
	struct ac97 *dev;
	struct gmem *mem;
	const struct port_stream_config *scfg;
	const struct checker_config *cfg;
	struct mappings *maps;		/* the shared view of the port's mappings */
	struct checker_stats *stats;	/* what the checkers saw, for reports and tests */
};

struct checker_def {
	const char *name;		/* "audio-conservation" */
	const char *watches;		/* one line: what it looks at */
	const struct failure_def *failures;
	unsigned n_failures;
	uint64_t events;		/* EV_BIT mask of the kinds it reads */
	size_t state_bytes;		/* zeroed before attach */
	/* NULL, or why the checker cannot watch this stream (the run is not
	 * set up then). */
	const char *(*attach)(void *state, const struct checker_env *env);
	void (*on_event)(void *state, const struct sim_event *ev);
	void (*detach)(void *state);	/* NULL: nothing to free */
};

/* Every checker, in registry order (the order they see each event);
 * NULL-terminated. */
extern const struct checker_def *const checker_registry[];

/* Fails the run with checker c's failure number i. */
#define checker_fail(env, c, i, ...) \
	machine_fail((env)->m, (c)->name, &(c)->failures[(i)], __VA_ARGS__)

#endif
