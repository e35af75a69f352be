/*
 * spare.h - zeroed blocks of host memory that a thread keeps from one run
 * for the next.
 *
 * explore makes thousands of runs one after another, and each allocated
 * its tables afresh and cleared them (calloc), though the last run's were
 * just freed: a table a run fills sparsely (one entry per guest page, say)
 * can instead be cleared where it was written and handed to the next run.
 * A thread keeps one block per kind; the blocks are freed when the thread
 * ends.
 */
#ifndef AC97SIM_SPARE_H
#define AC97SIM_SPARE_H

#include <stddef.h>

enum spare_kind {
	SPARE_PAGE_OWNERS,	/* the mappings view's owner per guest page */
	SPARE_KINDS
};

/* A block of bytes bytes, all zero: this thread's spare of kind when it
 * has one of that size, else a new one (calloc). NULL when out of host
 * memory. */
void *spare_take_zeroed(enum spare_kind kind, size_t bytes);

/* Gives back a block from spare_take_zeroed, which the caller has made all
 * zero again: kept for the next take of kind on this thread (or freed, when
 * the thread keeps one already). block may be NULL. */
void spare_give_zeroed(enum spare_kind kind, void *block, size_t bytes);

#endif
