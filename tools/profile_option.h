/*
 * profile_option.h - choosing a device profile on the command line, the
 * same way in every command that makes a device (regs, diff, run, explore,
 * play, capture), and listing them (`ac97sim help profiles`).
 */
#ifndef AC97SIM_PROFILE_OPTION_H
#define AC97SIM_PROFILE_OPTION_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "profile.h"

#define PROFILE_OPTION                                                                     \
	{ "profile", 0, CLI_VALUE, "P",                                                    \
	  "the device profile: ich (Intel, the default), qemu,\n"                          \
	  "virtualbox or sis7012 (ac97sim help profiles)" }
#define PROFILES_OPTION                                                                    \
	{ "profiles", 0, CLI_VALUE, "P,Q,...",                                             \
	  "the device profiles, comma-separated (ac97sim help\n"                           \
	  "profiles)" }

#define PROFILE_LIST_MAX 16u

/* The profile named by option "profile" into *out when given (left as it
 * is otherwise). On an unknown name prints "ac97sim: CMD: ..." with the
 * names there are and returns -1. */
int profile_option_get(const struct cli_spec *spec, const struct cli_args *a,
		       const struct ac97_profile **out);

/* A comma-separated list of profile names into out[0..*n): each known, none
 * twice, at most PROFILE_LIST_MAX. On a bad list prints the usage error and
 * returns -1. */
int profile_list_parse(const struct cli_spec *spec, const char *text,
		       const struct ac97_profile **out, size_t *n);

/* `ac97sim help profiles`: each profile, its codec, its quirks. */
void profile_option_list(FILE *f);

#endif
