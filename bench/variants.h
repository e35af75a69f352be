/*
 * variants.h - the bench's table of the bug variants: per built-in variant
 * and per strategy, the schedules and seconds to the first failure.
 */
#ifndef AC97BENCH_VARIANTS_H
#define AC97BENCH_VARIANTS_H

#include <stdbool.h>

/* Prints the table and writes it as Markdown to doc_path. Returns false
 * when a variant is not found within the budget by explore's default. */
bool variant_table(const char *doc_path);

#endif
