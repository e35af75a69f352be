/*
 * bus.c - see bus.h.
 */
#include "bus.h"

#include <assert.h>
#include <string.h>

void bus_init(struct bus *b)
{
	memset(b, 0, sizeof(*b));
}

int bus_subscribe(struct bus *b, enum bus_phase phase, uint64_t kinds, bus_fn fn, void *ctx)
{
	assert(fn != NULL && (unsigned)phase < BUS_PHASE_COUNT);
	if (b->sealed || b->n_subs == BUS_SUBSCRIBERS_MAX)
		return -1;
	b->subs[b->n_subs++] = (struct bus_subscriber){ fn, ctx, kinds, phase };
	return 0;
}

void bus_seal(struct bus *b)
{
	memset(b->n_order, 0, sizeof(b->n_order));
	b->wanted = 0;
	const uint64_t every_kind = UINT64_MAX >> (64 - EV_KIND_COUNT);
	/* Each kind's list in (phase, subscription) order: phases outermost,
	 * then each subscriber appended to the lists of the kinds it reads
	 * (a bus is sealed for every run: no pass over kinds it does not). */
	for (unsigned p = 0; p < BUS_PHASE_COUNT; p++) {
		for (unsigned i = 0; i < b->n_subs; i++) {
			const struct bus_subscriber *s = &b->subs[i];
			if (s->phase != p)
				continue;
			for (uint64_t kinds = s->kinds & every_kind; kinds != 0;
			     kinds &= kinds - 1) {
				unsigned k = (unsigned)__builtin_ctzll(kinds);
				b->order[k][b->n_order[k]++] = (uint8_t)i;
			}
			b->wanted |= s->kinds & every_kind;
		}
	}
	b->sealed = true;
}
