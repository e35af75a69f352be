/*
 * registry.c - every checker, in the order each sees an event. Adding a
 * checker is one new file in this folder (defining checker_NAME) and one
 * line in CHECKERS below.
 *
 * The order decides which checker reports when two would fire on the same
 * event: stall comes before teardown, so that a run that ends with a
 * mapping waiting for a wakeup that never came is reported as that cause
 * rather than as the leaks it leaves; stall comes before hang, whose bound
 * is the longer one and which covers what stall does not (work DMA has
 * finished but the driver never gives back); lifetime comes last, as what
 * a stream leaves running after close is found as it closes, before the
 * end of the run.
 */
#include "checker.h"

#define CHECKERS(X)                                                                     \
	X(audio_conservation)                                                           \
	X(dma_after_release)                                                            \
	X(device_misuse)                                                                \
	X(position)                                                                     \
	X(stall)                                                                        \
	X(hang)                                                                         \
	X(teardown)                                                                     \
	X(lifetime)

#define DECLARE(name) extern const struct checker_def checker_##name;
CHECKERS(DECLARE)
#undef DECLARE

const struct checker_def *const checker_registry[] = {
#define ENTRY(name) &checker_##name,
	CHECKERS(ENTRY)
#undef ENTRY
	NULL,
};
