/*
 * pool.h - the kernel's pool (ExAllocatePoolWithTag and friends) for one
 * run: host memory handed to driver code, with the bookkeeping Driver
 * Verifier's pool tracking keeps, so that a leak, a double free and a free
 * with the wrong tag are findings.
 *
 * Freed blocks are kept (quarantined) until the run ends rather than given
 * back: a block is never reused within a run, so a late use of a freed
 * object (a Release after the last one) reads what it left rather than
 * somebody else's data, and a double free is recognised. A backend owns
 * one pool per run and calls pool_destroy when the run ends.
 */
#ifndef AC97SIM_POOL_H
#define AC97SIM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a run may hold in the pool at once: far above any miniport's
 * needs; past it the pool answers NULL, as an exhausted one does. */
#define POOL_LIVE_BYTES_MAX (64u << 20)
/* The fill of memory ExAllocatePoolWithTag hands out (not zeroed). */
#define POOL_FILL_BYTE 0xC5

struct pool_block;

struct pool {
	struct pool_block *blocks;	/* in allocation order */
	uint32_t count, capacity;
	uint64_t live_bytes;
	uint32_t live_count;
};

enum pool_free_result { POOL_FREED, POOL_NOT_ALLOCATED, POOL_ALREADY_FREED, POOL_WRONG_TAG };

void pool_init(struct pool *p);
/* NULL when the pool is exhausted or the host has no memory. */
void *pool_alloc(struct pool *p, size_t bytes, uint32_t tag, bool zeroed);
/* tag_checked: ExFreePoolWithTag, whose tag must be the allocation's.
 * *tag_out gets the block's tag when it was found. */
enum pool_free_result pool_free(struct pool *p, void *block, uint32_t tag, bool tag_checked,
				uint32_t *tag_out);
/* The oldest block still allocated: its size, tag and allocation number
 * (0 for the first); false when none is. */
bool pool_oldest_live(const struct pool *p, size_t *bytes, uint32_t *tag, uint32_t *seq);
void pool_destroy(struct pool *p);

/* "AC97" for '79CA': a tag as a dump shows it (printable or '.'). */
void pool_tag_text(uint32_t tag, char out[5]);

#endif
