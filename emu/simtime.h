/*
 * simtime.h - simulated time for the whole project.
 *
 * Time is a 64-bit count of AC-link BIT_CLK ticks (12.288 MHz). One AC-link
 * frame is 256 ticks, so frames run at exactly 48 kHz. Every conversion
 * between ticks, frames and microseconds lives here so that no other file
 * does unit arithmetic by hand. Integers only: no floating point in timing.
 */
#ifndef AC97SIM_SIMTIME_H
#define AC97SIM_SIMTIME_H

#include <stdint.h>

typedef uint64_t sim_ticks_t;

#define SIM_TICKS_PER_SECOND 12288000u
#define SIM_TICKS_PER_FRAME 256u
#define SIM_FRAMES_PER_SECOND 48000u
#define SIM_TICKS_NEVER UINT64_MAX

static inline sim_ticks_t sim_frames_to_ticks(uint64_t frames)
{
	return frames * SIM_TICKS_PER_FRAME;
}

/* Frame whose slot window contains tick t. */
static inline uint64_t sim_ticks_to_frames(sim_ticks_t t)
{
	return t / SIM_TICKS_PER_FRAME;
}

/* First frame that starts at or after tick t. */
static inline uint64_t sim_ticks_to_frames_ceil(sim_ticks_t t)
{
	return t / SIM_TICKS_PER_FRAME + (t % SIM_TICKS_PER_FRAME != 0);
}

/* 12.288 ticks per microsecond: exact for whole milliseconds, rounded down
 * below that (1 us = 12 ticks + 288/1000 of one). */
static inline sim_ticks_t sim_us_to_ticks(uint64_t us)
{
	return us / 1000u * 12288u + (us % 1000u) * 12288u / 1000u;
}

static inline uint64_t sim_ticks_to_us(sim_ticks_t t)
{
	return t / 12288u * 1000u + (t % 12288u) * 1000u / 12288u;
}

/* Windows kernel time (KeQueryInterruptTime, timeouts) counts 100 ns units:
 * 12288 ticks per 10000 units, exact for whole milliseconds. */
static inline sim_ticks_t sim_100ns_to_ticks(uint64_t t100)
{
	return t100 / 10000u * 12288u + (t100 % 10000u) * 12288u / 10000u;
}

static inline uint64_t sim_ticks_to_100ns(sim_ticks_t t)
{
	return t / 12288u * 10000u + (t % 12288u) * 10000u / 12288u;
}

/* Rounded up, so that a wait converted from ticks is never shorter. */
static inline uint64_t sim_ticks_to_100ns_ceil(sim_ticks_t t)
{
	return t / 12288u * 10000u + ((t % 12288u) * 10000u + 12287u) / 12288u;
}

#endif
