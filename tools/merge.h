/*
 * merge.h - `ac97sim merge OUT.json IN.json...`: the shards of one search
 * (explore --shard K/N --json) joined into the result the unsharded search
 * would have written (explore_result.h).
 */
#ifndef AC97SIM_MERGE_H
#define AC97SIM_MERGE_H

#include <stdio.h>

int cmd_merge(int argc, char **argv);
void help_merge(FILE *f);

#endif
