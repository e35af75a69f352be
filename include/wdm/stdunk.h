/*
 * stdunk.h - CUnknown, the standard implementation of a COM object's
 * reference count and aggregation, and the macros built on it (ac97sim's
 * WDM compatibility headers). What it does follows the documented
 * behaviour of portcls's stdunk library:
 *
 * - the count starts at 0; a create function AddRefs the new object once;
 * - NonDelegatingRelease deletes the object when the count reaches 0;
 * - an object that is not aggregated is its own outer unknown (its
 *   INonDelegatingUnknown is used as its IUnknown: the two interfaces have
 *   the same three slots);
 * - NonDelegatingQueryInterface answers IID_IUnknown; classes answer more.
 *
 * What ac97sim adds: every live CUnknown is known to the runtime, so that
 * the port can fail the run ("com-refcount") when any is still alive after
 * the adapter has stopped (a leaked reference), or when an object is
 * released after its count reached 0 (a Release too many). Objects named
 * with DEFINE_STD_CONSTRUCTOR are reported by their class name.
 */
#ifndef AC97SIM_STDUNK_H
#define AC97SIM_STDUNK_H

#include "punknown.h"
#include "ac97sim_new.h"

extern "C++" {

DECLARE_INTERFACE(INonDelegatingUnknown)
{
	STDMETHOD_(NTSTATUS, NonDelegatingQueryInterface)(THIS_ REFIID InterfaceId,
							  PVOID * Interface) PURE;
	STDMETHOD_(ULONG, NonDelegatingAddRef)(THIS) PURE;
	STDMETHOD_(ULONG, NonDelegatingRelease)(THIS) PURE;
};
typedef INonDelegatingUnknown *PNONDELEGATINGUNKNOWN;

class CUnknown : public INonDelegatingUnknown {
      public:
	CUnknown(PUNKNOWN pUnknownOuter);
	/* name: the class, for reports (DEFINE_STD_CONSTRUCTOR passes it). */
	CUnknown(PUNKNOWN pUnknownOuter, const char *name);
	virtual ~CUnknown();
	PUNKNOWN GetOuterUnknown() { return m_pUnknownOuter; }
	STDMETHODIMP_(NTSTATUS) NonDelegatingQueryInterface(REFIID InterfaceId, PVOID *Interface);
	STDMETHODIMP_(ULONG) NonDelegatingAddRef();
	STDMETHODIMP_(ULONG) NonDelegatingRelease();

	/* The runtime's registry of live objects (not WDM's). */
	static ULONG LiveObjectCount();
	/* The oldest live object, or NULL. */
	static CUnknown *OldestLiveObject();
	CUnknown *NextLive() const { return m_pNextLive; }
	const char *ObjectName() const { return m_ObjectName; }
	LONG ReferenceCount() const { return m_lRefCount; }
	ULONG CreationNumber() const { return m_CreationNumber; }
	bool IsAlive() const;

      protected:
	LONG m_lRefCount;
	PUNKNOWN m_pUnknownOuter;

      private:
	void Register(PUNKNOWN pUnknownOuter, const char *name);
	const char *m_ObjectName;
	ULONG m_LiveMark;
	CUnknown *m_pNextLive, *m_pPrevLive;
	ULONG m_CreationNumber;
};
typedef CUnknown *PCUNKNOWN;

} /* extern "C++" */

/* In a class body: the IUnknown methods, forwarded to the outer unknown,
 * and the declaration of the class's own NonDelegatingQueryInterface. */
#define DECLARE_STD_UNKNOWN()                                                            \
	STDMETHODIMP_(NTSTATUS) NonDelegatingQueryInterface(REFIID InterfaceId, PVOID *Interface); \
	STDMETHODIMP_(NTSTATUS) QueryInterface(REFIID riid, void **ppv)                  \
	{                                                                                \
		return GetOuterUnknown()->QueryInterface(riid, ppv);                     \
	}                                                                                \
	STDMETHODIMP_(ULONG) AddRef() { return GetOuterUnknown()->AddRef(); }           \
	STDMETHODIMP_(ULONG) Release() { return GetOuterUnknown()->Release(); }

#define DEFINE_STD_CONSTRUCTOR(Class) \
	Class(PUNKNOWN pUnknownOuter) : CUnknown(pUnknownOuter, #Class) {}

#define QICAST(Type) static_cast<Type>(this)
#define QICASTUNKNOWN(Type) static_cast<PUNKNOWN>(static_cast<Type>(this))

/* The body of a create function: a new object in the pool, AddRef'd once,
 * as its IUnknown (through Base when the class has several). */
#define STD_CREATE_BODY_WITH_TAG_(Class, ppUnknown, pUnknownOuter, PoolType, Tag, Base) \
	NTSTATUS ntStatus;                                                                 \
	Class *p = new (PoolType, Tag) Class(pUnknownOuter);                               \
	if (p) {                                                                           \
		*ppUnknown = PUNKNOWN((Base)(p));                                          \
		(*ppUnknown)->AddRef();                                                    \
		ntStatus = STATUS_SUCCESS;                                                 \
	} else {                                                                           \
		ntStatus = STATUS_INSUFFICIENT_RESOURCES;                                  \
	}                                                                                  \
	return ntStatus
#define AC97SIM_STD_CREATE_TAG 0x6B6E7553u	/* "Sunk" */
#define STD_CREATE_BODY_WITH_TAG(Class, ppUnknown, pUnknownOuter, PoolType, Tag) \
	STD_CREATE_BODY_WITH_TAG_(Class, ppUnknown, pUnknownOuter, PoolType, Tag, PUNKNOWN)
#define STD_CREATE_BODY_(Class, ppUnknown, pUnknownOuter, PoolType, Base) \
	STD_CREATE_BODY_WITH_TAG_(Class, ppUnknown, pUnknownOuter, PoolType, AC97SIM_STD_CREATE_TAG, Base)
#define STD_CREATE_BODY(Class, ppUnknown, pUnknownOuter, PoolType) \
	STD_CREATE_BODY_(Class, ppUnknown, pUnknownOuter, PoolType, PUNKNOWN)

#endif
