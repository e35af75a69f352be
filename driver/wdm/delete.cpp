/*
 * delete.cpp - the ordinary operator delete of a C++ miniport frees to
 * the pool its objects came from (CUnknown's delete this, with C++14's
 * sized form). A process that has the C++ library loaded (the program's
 * own libraries bring it) would bind the plug-in's calls to the library's
 * operators, which hand pool memory to free(): ac97sim-wdm.pc links with
 * -Bsymbolic-functions so that a plug-in's calls bind to its own
 * definitions, these or a driver's own (this object file is then not
 * linked in). The compiler does not let these operators be hidden.
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
