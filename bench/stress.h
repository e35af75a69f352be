/*
 * stress.h - controlled search against free-running stress: for every
 * historical variant, the host time to its first failure on the native
 * backend (stress: host threads, all the scenario's CPUs and actions) and
 * under explore's default portfolio (controlled), and their ratio.
 */
#ifndef AC97BENCH_STRESS_H
#define AC97BENCH_STRESS_H

#include <stdbool.h>

/* Prints the table. Returns false when a variant's controlled search
 * missed it (stress missing one is a finding, not a failure). */
bool stress_table(void);

#endif
