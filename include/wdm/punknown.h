/*
 * punknown.h - COM in the kernel: IUnknown as portcls declares it (its
 * QueryInterface returns an NTSTATUS), and the macros interfaces are
 * declared with (ac97sim's WDM compatibility headers).
 *
 * An interface is a struct of pure virtual functions; DECLARE_INTERFACE_
 * and STDMETHOD_ spell that the WDK's way. A reference count is kept by
 * each object; QueryInterface hands out an AddRef'd pointer or NULL with
 * STATUS_INVALID_PARAMETER.
 */
#ifndef AC97SIM_PUNKNOWN_H
#define AC97SIM_PUNKNOWN_H

#include "wdm.h"

extern "C++" {

#define DECLARE_INTERFACE(iface) struct DECLSPEC_NOVTABLE iface
#define DECLARE_INTERFACE_(iface, base) struct DECLSPEC_NOVTABLE iface : public base
#define STDMETHOD(method) virtual HRESULT STDMETHODCALLTYPE method
#define STDMETHOD_(type, method) virtual type STDMETHODCALLTYPE method
#define STDMETHODIMP HRESULT STDMETHODCALLTYPE
#define STDMETHODIMP_(type) type STDMETHODCALLTYPE
#define STDMETHODV(method) virtual HRESULT method
#define STDMETHODV_(type, method) virtual type method
#define PURE = 0
#define THIS_
#define THIS void
#define DEFINE_ABSTRACT_UNKNOWN()                                                        \
	STDMETHOD_(NTSTATUS, QueryInterface)(THIS_ REFIID InterfaceId, PVOID * Interface) PURE; \
	STDMETHOD_(ULONG, AddRef)(THIS) PURE;                                            \
	STDMETHOD_(ULONG, Release)(THIS) PURE;

#define STATIC_IID_IUnknown AC97SIM_NAMED_GUID_INIT("IID_IUnknown")
AC97SIM_DEFINE_STATIC_GUID(IID_IUnknown);

/* Three virtual slots, no virtual destructor: CUnknown relies on this
 * layout being INonDelegatingUnknown's too (stdunk.h). */
DECLARE_INTERFACE(IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()
};
typedef IUnknown *PUNKNOWN;

/* Creates an object of ClassId (a create function's shape in portcls). */
typedef NTSTATUS (*PFNCREATEINSTANCE)(PUNKNOWN *Unknown, REFCLSID ClassId, PUNKNOWN OuterUnknown,
				      POOL_TYPE PoolType);

} /* extern "C++" */

#endif
