/*
 * native_clock.h - the native backend's clock: the host's monotonic clock,
 * scaled, read as simulated ticks (simtime.h).
 *
 * Scale s means s simulated seconds pass in one wall-clock second, so a
 * 10x run plays 64 KiB of audio (0.34 s) in 34 ms of host time. Driver
 * code costs its real host time times the scale: the faster the scale,
 * the slower the driver looks to the device (at 100x, 10 us of host time
 * is a millisecond of audio). Integers only, as simtime.h asks.
 */
#ifndef AC97SIM_NATIVE_CLOCK_H
#define AC97SIM_NATIVE_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "simtime.h"

struct native_clock {
	uint64_t start_ns;	/* host monotonic time at tick 0 */
	uint32_t scale;		/* simulated seconds per host second, >= 1 */
	int started;
};

static inline uint64_t native_host_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void native_clock_start(struct native_clock *c)
{
	c->start_ns = native_host_ns();
	c->started = 1;
}

/* Simulated ticks since the start (0 before it: setup happens at tick 0,
 * as on the deterministic machine). */
static inline sim_ticks_t native_clock_now(const struct native_clock *c)
{
	if (!c->started)
		return 0;
	uint64_t elapsed_ns = native_host_ns() - c->start_ns;
	return sim_ns_to_ticks_round(elapsed_ns * c->scale);
}

/* Host nanoseconds that ticks of simulated time take at this scale. */
static inline uint64_t native_clock_host_ns(const struct native_clock *c, sim_ticks_t ticks)
{
	return sim_ticks_to_ns_round(ticks) / c->scale;
}

/* The host's monotonic time at which simulated tick t comes. */
static inline uint64_t native_clock_host_at(const struct native_clock *c, sim_ticks_t t)
{
	return c->start_ns + native_clock_host_ns(c, t);
}

/* Sleeps until host monotonic time at_ns (returns at once if past). */
static inline void native_sleep_until_ns(uint64_t at_ns)
{
	struct timespec ts = { (time_t)(at_ns / 1000000000u), (long)(at_ns % 1000000000u) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
	}
}

#endif
