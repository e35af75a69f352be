/*
 * shrink_cmd.h - `ac97sim shrink TRACE`: the smallest failing trace near a
 * failing one (harness/shrink.h).
 */
#ifndef AC97SIM_SHRINK_CMD_H
#define AC97SIM_SHRINK_CMD_H

#include <stdio.h>

int cmd_shrink(int argc, char **argv);
void help_shrink(FILE *f);

#endif
