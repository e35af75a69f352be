/*
 * where.h - a driver call's return address, as the source line it came
 * from: "miniports/ac97_reference.c:463 (produce_locked)". Read from the
 * DWARF line tables of the program and the plug-ins loaded in this process
 * (elfutils' libdwfl), so it works for a plug-in built with -g anywhere.
 */
#ifndef AC97SIM_WHERE_H
#define AC97SIM_WHERE_H

#include <stdbool.h>
#include <stddef.h>

#include "machine.h"

/* The source line of the call that returns to return_address; false (buf
 * says "0x... (no line information)") when there is none. */
bool where_source_line(const void *return_address, char *buf, size_t len);

/* One line a CPU of where r's CPUs last called in, each "  at cpuN:
 * KeAcquireSpinLock from FILE:LINE (function)", the failing CPU first
 * marked; "" when no CPU ever called. */
void where_describe(const struct run_result *r, char *buf, size_t len);

#endif
