/*
 * spare.c - see spare.h.
 */
#include "spare.h"

#include <pthread.h>
#include <stdlib.h>

struct spare {
	void *block;
	size_t bytes;
};

static _Thread_local struct spare spares[SPARE_KINDS];
static pthread_key_t spares_key;
static pthread_once_t spares_once = PTHREAD_ONCE_INIT;

/* At thread exit (a key's destructor): the thread's spares. */
static void spares_free(void *list)
{
	struct spare *s = list;
	for (unsigned k = 0; k < SPARE_KINDS; k++) {
		free(s[k].block);
		s[k].block = NULL;
	}
}

static void spares_key_make(void)
{
	if (pthread_key_create(&spares_key, spares_free) != 0)
		abort();	/* no key left in the process: out of host resources */
}

void *spare_take_zeroed(enum spare_kind kind, size_t bytes)
{
	struct spare *s = &spares[kind];
	if (s->block != NULL && s->bytes == bytes) {
		void *block = s->block;
		s->block = NULL;
		return block;
	}
	return calloc(1, bytes ? bytes : 1);
}

void spare_give_zeroed(enum spare_kind kind, void *block, size_t bytes)
{
	struct spare *s = &spares[kind];
	if (block == NULL)
		return;
	if (s->block != NULL) {
		free(block);
		return;
	}
	pthread_once(&spares_once, spares_key_make);
	s->block = block;
	s->bytes = bytes;
	pthread_setspecific(spares_key, spares);	/* freed at thread exit */
}
