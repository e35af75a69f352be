/*
 * new_plain.cpp - new without a pool type: the kernel has none, so a
 * miniport that uses it gets non-paged pool with the tag "new " rather
 * than the C++ library's heap, which the pool could not track or free.
 */
#include "runtime.h"

#define PLAIN_NEW_TAG 0x2077656Eu	/* "new " */

void *operator new(size_t bytes)
{
	return ExAllocatePoolZero(NonPagedPool, bytes, PLAIN_NEW_TAG);
}

void *operator new[](size_t bytes)
{
	return ExAllocatePoolZero(NonPagedPool, bytes, PLAIN_NEW_TAG);
}
