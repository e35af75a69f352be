/*
 * families.h - the race catalogue of docs/wavepci.md as
 * scenario families: for each entry 1-22, scenarios (variants by index)
 * that put the reference driver where that race happens. The regression
 * suite runs each under thousands of random and PCT schedules with every
 * checker on; the driver variants of the historical bugs fail some of them.
 */
#ifndef AC97SIM_FAMILIES_H
#define AC97SIM_FAMILIES_H

#include <stdint.h>

#include "scenario.h"

struct family {
	uint32_t entry;		/* catalogue entry, 1..22 (0: not a catalogue race) */
	const char *name;
	const char *what;
	uint32_t variants;	/* how many scenarios the family has */
	void (*build)(struct scenario *sc, uint32_t variant);
};

extern const struct family families[];
extern const uint32_t family_count;

const struct family *family_find(const char *name);
/* Fills sc with variant `variant` (taken modulo the family's count). */
void family_build(const struct family *f, uint32_t variant, struct scenario *sc);

#endif
