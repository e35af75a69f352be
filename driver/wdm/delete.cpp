/*
 * delete.cpp - the ordinary operator delete of a C++ miniport frees to
 * the pool its objects came from (CUnknown's delete this, with C++14's
 * sized form). Replacing the global operator is safe: the plug-in is
 * linked with these, and its symbols stay in it. A driver that defines its
 * own keeps its own (this object file is then not linked in).
 */
#include "runtime.h"

void operator delete(void *p) noexcept
{
	if (p != NULL)
		ExFreePool(p);
}

void operator delete(void *p, size_t) noexcept
{
	if (p != NULL)
		ExFreePool(p);
}

void operator delete[](void *p) noexcept
{
	if (p != NULL)
		ExFreePool(p);
}

void operator delete[](void *p, size_t) noexcept
{
	if (p != NULL)
		ExFreePool(p);
}
