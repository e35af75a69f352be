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

/*
 * The clock's horizon: simulated time never goes past 2^56 ticks (about 186
 * years). Every entry point that takes a time refuses one past it
 * (ac97_advance_to, ac97_stall_bus_until, `ac97sim regs` at parse), and
 * every duration the model adds to a time is bounded (DMA latency and codec
 * ready delay at most a second, clamped by ac97_init). That keeps all the
 * timing arithmetic below the horizon plus a little, where nothing wraps:
 * frame numbers stay under 2^48, so the cadence's frame * rate products
 * (cadence.h) stay under 2^64, and a tick at the horizon plus any latency
 * or delay stays far from SIM_TICKS_NEVER.
 *
 * A horizon rather than arithmetic that cannot wrap: the wrap is not in one
 * product but in every "time + duration" and "frames * 256" the model does,
 * and each would have to saturate (and every new line of timing code
 * remember to); one bound checked where time comes in, with static asserts
 * where the arithmetic relies on it, covers them all. No run comes near:
 * a scenario lasts a day at most.
 */
#define SIM_TICKS_HORIZON (UINT64_C(1) << 56)
#define SIM_FRAMES_HORIZON (SIM_TICKS_HORIZON / SIM_TICKS_PER_FRAME)	/* 2^48 */

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

/* Nanoseconds, rounded to the nearest (a tick is 81.380208... ns), for
 * waveform files whose timescale must be a power of ten. A tick is more
 * than a nanosecond, so distinct ticks stay distinct and the tick comes
 * back exactly: sim_ns_to_ticks_round(sim_ticks_to_ns_round(t)) == t. */
static inline uint64_t sim_ticks_to_ns_round(sim_ticks_t t)
{
	return t / 192u * 15625u + ((t % 192u) * 15625u + 96u) / 192u;
}

static inline sim_ticks_t sim_ns_to_ticks_round(uint64_t ns)
{
	return ns / 15625u * 192u + ((ns % 15625u) * 192u + 7812u) / 15625u;
}

#endif
