/*
 * fnv1a.h - FNV-1a 64-bit hash over bytes, incremental.
 *
 * Used for the fingerprints that runs print and compare (audio out of the
 * device, event logs): a hash of a stream is the hash of its concatenated
 * pieces, so a caller can feed it span by span:
 *
 *	uint64_t h = FNV1A64_INIT;
 *	h = fnv1a64(h, a, a_len_bytes);
 *	h = fnv1a64(h, b, b_len_bytes);	// == fnv1a64(INIT, a||b, ...)
 *
 * Not cryptographic; chosen because it is tiny, byte-order free and its
 * value is the same on every host and compiler.
 */
#ifndef AC97SIM_FNV1A_H
#define AC97SIM_FNV1A_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_INIT UINT64_C(0xcbf29ce484222325)	/* offset basis */
#define FNV1A64_PRIME UINT64_C(0x100000001b3)

/* Returns the state after hashing len_bytes bytes at data, starting from
 * state h (FNV1A64_INIT for a fresh hash). data may be NULL when
 * len_bytes is 0. */
static inline uint64_t fnv1a64(uint64_t h, const void *data, size_t len_bytes)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len_bytes; i++) {
		h ^= p[i];
		h *= FNV1A64_PRIME;
	}
	return h;
}

#endif
