/*
 * driver_option.h - choosing a run's driver and checkers on the command
 * line, the same way in every command that runs one (run, explore, play,
 * capture; replay takes them from the trace), and listing what there is
 * to choose (`ac97sim help drivers`, `ac97sim help checkers`).
 */
#ifndef AC97SIM_DRIVER_OPTION_H
#define AC97SIM_DRIVER_OPTION_H

#include <stdio.h>

#include "scenario.h"

/* The rows of a command's option table. */
#define DRIVER_OPTION                                                                      \
	{ "driver", 0, CLI_VALUE, "NAME|PATH",                                           \
	  "the driver: a built-in's name or a plug-in's path (a\n"                        \
	  ".so built against the SDK); default: the scenario's\n"                         \
	  "(ac97sim help drivers)" }
#define NO_CHECK_OPTION                                                                    \
	{ "no-check", 0, CLI_VALUE, "NAMES",                                               \
	  "switch these checkers off (comma-separated;\n"                                 \
	  "ac97sim help checkers)" }

/* Sets sc's driver to text (a name or a path). On failure prints
 * "ac97sim: COMMAND: reason" and returns -1. */
int driver_option_apply(const char *command, const char *text, struct scenario *sc);

/* Switches off the checkers named in the comma-separated list. On an
 * unknown name prints "ac97sim: COMMAND: ..." with the names there are and
 * returns -1. */
int no_check_option_apply(const char *command, const char *names, struct scenario *sc);

/* `ac97sim help drivers`, `help checkers` and `help windows`. */
void driver_option_list_drivers(FILE *f);
void driver_option_list_checkers(FILE *f);
void driver_option_list_windows(FILE *f);

#endif
