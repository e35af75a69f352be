/*
 * ac97_internal.h - what the engine needs from the device around it.
 * Not part of the public interface of emu/.
 */
#ifndef AC97SIM_AC97_INTERNAL_H
#define AC97SIM_AC97_INTERNAL_H

#include "ac97.h"

void ac97_emit(struct ac97 *dev, sim_ticks_t tick, enum ac97_event_kind kind, int engine,
	       uint64_t a, uint64_t b, const char *what);
void ac97_guest_error(struct ac97 *dev, sim_ticks_t tick, int engine, enum ac97_guest_error ge,
		      uint64_t a, const char *what);
void ac97_record_fault(struct ac97 *dev, sim_ticks_t tick, int engine, uint32_t bd_index,
		       uint64_t addr, bool write);
/* When a DMA transfer requested at request_tick has its data. */
sim_ticks_t ac97_dma_done_tick(const struct ac97 *dev, sim_ticks_t request_tick);

static inline uint16_t ac97_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t ac97_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void ac97_put_le16(uint8_t *p, int16_t v)
{
	uint16_t u = (uint16_t)v;
	p[0] = (uint8_t)u;
	p[1] = (uint8_t)(u >> 8);
}

#endif
