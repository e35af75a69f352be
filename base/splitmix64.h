/*
 * splitmix64.h - the splitmix64 generator (Steele, Lea, Flood: "Fast
 * splittable pseudorandom number generators", OOPSLA 2014): one 64-bit
 * state, one output a call. Used wherever one seed fans out into others
 * (the decision stream's PRNG state, the port's page shuffle), so that
 * every layer derives its numbers the same way.
 */
#ifndef AC97SIM_SPLITMIX64_H
#define AC97SIM_SPLITMIX64_H

#include <stdint.h>

/* Advances *state and returns the next output. */
static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

#endif
