/*
 * version.c - the version strings, defined by the Makefile for this object
 * only. The fallbacks keep a build that bypasses the Makefile working.
 */
#include "version.h"

#ifndef AC97SIM_VERSION
#define AC97SIM_VERSION "0.0.0"
#endif

#ifndef AC97SIM_BUILD_ID
#define AC97SIM_BUILD_ID "unknown"
#endif

const char *ac97sim_version(void)
{
	return AC97SIM_VERSION;
}

const char *ac97sim_build_id(void)
{
	return AC97SIM_BUILD_ID;
}
