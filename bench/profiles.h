/*
 * profiles.h - the bench's table of the reference driver on every device
 * profile: each scenario of the catalogue (the .ini files of fixtures/scenarios),
 * searched on each profile as explore would, and what it found.
 */
#ifndef AC97BENCH_PROFILES_H
#define AC97BENCH_PROFILES_H

#include <stdbool.h>

/* Prints the table and writes it as Markdown to doc_path. Returns false
 * when the reference driver fails a scenario on ich (the reference must
 * pass its own catalogue there). */
bool profile_table(const char *doc_path);

#endif
