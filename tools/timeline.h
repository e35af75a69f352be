/*
 * timeline.h - the last events before a failure, one lane per CPU: what a
 * reader of the report wants first (who did what, in which order, just
 * before it broke), taken from the run's event log text.
 */
#ifndef AC97SIM_TIMELINE_H
#define AC97SIM_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Prints the last `events` events of log (an event log as --log writes
 * it) other than scheduling choices, in lanes: a time column (us), then
 * one column per CPU (cpu0..cpuN-1) and one for the device. */
void timeline_print(FILE *f, const char *log, size_t len, uint32_t n_cpus, unsigned events);

#endif
