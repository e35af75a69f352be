/*
 * version.h - what `ac97sim --version` reports. The values are compiled
 * into version.o only (the Makefile defines AC97SIM_VERSION and
 * AC97SIM_BUILD_ID for that one object), so a new commit rebuilds one file.
 */
#ifndef AC97SIM_VERSION_H
#define AC97SIM_VERSION_H

/* The release, from the VERSION file, e.g. "0.1.0". */
const char *ac97sim_version(void);

/* The build id (short commit hash), or "unknown" outside a checkout. Traces
 * record it so that a replay on another build can say so. */
const char *ac97sim_build_id(void);

#endif
