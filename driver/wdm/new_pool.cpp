/*
 * new_pool.cpp - the pool's operator new (ac97sim_new.h): memory from
 * ExAllocatePoolWithTag, zero-filled as the kernel's operator new fills
 * it (miniports rely on members being 0 before their constructors run).
 */
#include "runtime.h"

void *operator new(size_t bytes, POOL_TYPE PoolType, ULONG Tag) noexcept
{
	return ExAllocatePoolZero(PoolType, bytes, Tag);
}

void *operator new(size_t bytes, POOL_TYPE PoolType) noexcept
{
	return ExAllocatePoolZero(PoolType, bytes, AC97SIM_UNTAGGED_POOL_TAG);
}

void *operator new[](size_t bytes, POOL_TYPE PoolType, ULONG Tag) noexcept
{
	return ExAllocatePoolZero(PoolType, bytes, Tag);
}

void *operator new[](size_t bytes, POOL_TYPE PoolType) noexcept
{
	return ExAllocatePoolZero(PoolType, bytes, AC97SIM_UNTAGGED_POOL_TAG);
}

void operator delete(void *p, POOL_TYPE, ULONG) noexcept
{
	if (p != NULL)
		ExFreePool(p);
}

void operator delete(void *p, POOL_TYPE) noexcept
{
	if (p != NULL)
		ExFreePool(p);
}
