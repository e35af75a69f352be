/*
 * evlog.c - see evlog.h.
 */
#include "evlog.h"

#include <inttypes.h>
#include <string.h>

#include "fnv1a.h"

static const char *const kind_names[EV_KIND_COUNT] = {
	[EV_KERNEL] = "kernel",	     [EV_PORT_READ] = "in",	[EV_PORT_WRITE] = "out",
	[EV_INTERRUPT] = "interrupt", [EV_DPC] = "dpc",		[EV_TIMER] = "timer",
	[EV_SCHEDULE] = "schedule",   [EV_DEVICE] = "device",	[EV_PORT_CALL] = "port",
	[EV_CHECK] = "check",	     [EV_NOTE] = "note",
};

const char *ev_kind_name(enum ev_kind kind)
{
	return (unsigned)kind < EV_KIND_COUNT && kind_names[kind] ? kind_names[kind] : "?";
}

void evlog_init(struct evlog *log, FILE *text)
{
	log->hash = FNV1A64_INIT;
	log->count = 0;
	log->text = text;
}

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));	/* fixed byte order: little-endian */
	return fnv1a64(h, b, sizeof(b));
}

void evlog_add(struct evlog *log, uint64_t step, sim_ticks_t tick, int cpu, enum ev_kind kind,
	       uint64_t a, uint64_t b, const char *text)
{
	uint64_t h = log->hash;
	h = hash_u64(h, tick);
	h = hash_u64(h, (uint64_t)(int64_t)cpu);
	h = hash_u64(h, (uint64_t)kind);
	h = hash_u64(h, a);
	h = hash_u64(h, b);
	if (text != NULL)
		h = fnv1a64(h, text, strlen(text));
	log->hash = h;
	log->count++;
	if (log->text != NULL)
		fprintf(log->text, "%" PRIu64 " %" PRIu64 " cpu%d %s 0x%" PRIx64 " 0x%" PRIx64 " %s\n",
			step, tick, cpu, ev_kind_name(kind), a, b, text ? text : "");
}
