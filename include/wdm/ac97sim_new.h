/*
 * ac97sim_new.h - the pool's operator new, as portcls.h and stdunk.h
 * both give it (ac97sim's WDM compatibility headers). Defined in the
 * runtime library (libac97sim-wdm), with the ordinary delete that frees to
 * the pool.
 */
#ifndef AC97SIM_NEW_H
#define AC97SIM_NEW_H

#include "wdm.h"

/* The pool's operator new zero-fills, as the kernel's does (miniports
 * rely on members being 0 before their constructor sets them); NULL when
 * the pool has none. Tag: see ExAllocatePoolWithTag. */
extern "C++" {
void *operator new(size_t bytes, POOL_TYPE PoolType, ULONG Tag) noexcept;
void *operator new(size_t bytes, POOL_TYPE PoolType) noexcept;
void *operator new[](size_t bytes, POOL_TYPE PoolType, ULONG Tag) noexcept;
void *operator new[](size_t bytes, POOL_TYPE PoolType) noexcept;
/* Matching deletes, used only if a constructor could throw (never with
 * -fno-exceptions); the ordinary delete frees to the pool. */
void operator delete(void *p, POOL_TYPE PoolType, ULONG Tag) noexcept;
void operator delete(void *p, POOL_TYPE PoolType) noexcept;
}

#endif
