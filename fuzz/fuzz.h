/*
 * fuzz.h - what every fuzz target defines and what the targets share.
 *
 * Each fuzz/fuzz_*.c is one target: LLVMFuzzerTestOneInput decodes the
 * bytes it is given and drives one part of the project with them. The same
 * file links against libFuzzer (`make fuzz`, build-fuzz/) or against
 * replay_main.c, which feeds it the corpus in fixtures/fuzz/TARGET/ once
 * (`make check`), so a crash found once stays fixed. A target reports a
 * broken invariant the way a crash is reported: a message on stderr and
 * abort().
 */
#ifndef AC97SIM_FUZZ_H
#define AC97SIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* libFuzzer's entry point: one input, always 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: prints "fuzz TARGET: what" and aborts. */
_Noreturn void fuzz_fail(const char *target, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* A writable stream that drops what it is given (output the targets make
 * but do not look at). Opened once, never closed. */
FILE *fuzz_null_stream(void);

#endif
