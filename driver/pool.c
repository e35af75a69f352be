/*
 * pool.c - see pool.h.
 */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One lock for every pool's books: on the native backend driver code on
 * several host threads allocates and frees at once (native.h); the
 * deterministic machine runs one CPU at a time and never contends. */
static pthread_mutex_t books_lock = PTHREAD_MUTEX_INITIALIZER;

struct pool_block {
	void *bytes;
	size_t size;
	uint32_t tag;
	bool live;
};

void pool_init(struct pool *p)
{
	memset(p, 0, sizeof(*p));
}

static void *pool_alloc_locked(struct pool *p, size_t bytes, uint32_t tag, bool zeroed)
{
	if (bytes > POOL_LIVE_BYTES_MAX - p->live_bytes)
		return NULL;
	if (p->count == p->capacity) {
		uint32_t cap = p->capacity ? p->capacity * 2 : 32;
		struct pool_block *nb = realloc(p->blocks, cap * sizeof(*nb));
		if (nb == NULL)
			return NULL;
		p->blocks = nb;
		p->capacity = cap;
	}
	/* A zero-byte request still gets a block of its own (WDM returns a
	 * valid pointer), so that it can be freed and tracked. */
	void *mem = malloc(bytes ? bytes : 1);
	if (mem == NULL)
		return NULL;
	memset(mem, zeroed ? 0 : POOL_FILL_BYTE, bytes ? bytes : 1);
	p->blocks[p->count++] = (struct pool_block){ mem, bytes, tag, true };
	p->live_bytes += bytes;
	p->live_count++;
	return mem;
}

void *pool_alloc(struct pool *p, size_t bytes, uint32_t tag, bool zeroed)
{
	pthread_mutex_lock(&books_lock);
	void *mem = pool_alloc_locked(p, bytes, tag, zeroed);
	pthread_mutex_unlock(&books_lock);
	return mem;
}

static enum pool_free_result pool_free_locked(struct pool *p, void *block, uint32_t tag,
					      bool tag_checked, uint32_t *tag_out)
{
	/* Newest first: a free is usually of something recent. */
	for (uint32_t i = p->count; i-- > 0;) {
		struct pool_block *b = &p->blocks[i];
		if (b->bytes != block)
			continue;
		*tag_out = b->tag;
		if (!b->live)
			return POOL_ALREADY_FREED;
		if (tag_checked && b->tag != tag)
			return POOL_WRONG_TAG;
		b->live = false;
		p->live_bytes -= b->size;
		p->live_count--;
		return POOL_FREED;
	}
	return POOL_NOT_ALLOCATED;
}

enum pool_free_result pool_free(struct pool *p, void *block, uint32_t tag, bool tag_checked,
				uint32_t *tag_out)
{
	pthread_mutex_lock(&books_lock);
	enum pool_free_result r = pool_free_locked(p, block, tag, tag_checked, tag_out);
	pthread_mutex_unlock(&books_lock);
	return r;
}

bool pool_oldest_live(const struct pool *p, size_t *bytes, uint32_t *tag, uint32_t *seq)
{
	bool found = false;
	pthread_mutex_lock(&books_lock);
	for (uint32_t i = 0; i < p->count && !found; i++)
		if (p->blocks[i].live) {
			*bytes = p->blocks[i].size;
			*tag = p->blocks[i].tag;
			*seq = i;
			found = true;
		}
	pthread_mutex_unlock(&books_lock);
	return found;
}

void pool_destroy(struct pool *p)
{
	for (uint32_t i = 0; i < p->count; i++)
		free(p->blocks[i].bytes);
	free(p->blocks);
	pool_init(p);
}

void pool_tag_text(uint32_t tag, char out[5])
{
	/* A multi-character literal '79CA' has 'A' in its low byte: the
	 * bytes in memory order read "AC97". */
	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)(tag >> (8 * i));
		out[i] = c >= 0x20 && c < 0x7F ? (char)c : '.';
	}
	out[4] = '\0';
}
