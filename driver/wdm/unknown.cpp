/*
 * unknown.cpp - CUnknown (stdunk.h): reference counting as portcls's
 * stdunk library does it, and the registry of live objects the port
 * checks at adapter stop.
 *
 * The registry is a list through the objects themselves, in creation
 * order. It lives in the plug-in's static data, which ac97sim puts back
 * as it was after loading before every run, so a run that ended early
 * (a failure) leaves nothing behind for the next. On the native backend
 * objects come and go on several host threads at once: the list is
 * changed under a lock of its own, a test-and-set one (no kernel call, so
 * usable at any IRQL and no scheduling point on the deterministic
 * backend), and whether an object is alive is a mark in the object, which
 * AddRef and Release read without walking the list.
 */
#include <stdio.h>

#include "runtime.h"

#define MARK_LIVE 0x4556494Cu	/* "LIVE" */
#define MARK_DEAD 0x44414544u	/* "DEAD" */

static CUnknown *live_first, *live_last;
static ULONG live_count, created_count;
static volatile bool registry_busy;

static void registry_lock(void)
{
	while (__atomic_test_and_set(&registry_busy, __ATOMIC_ACQUIRE))
		;
}

static void registry_unlock(void)
{
	__atomic_clear(&registry_busy, __ATOMIC_RELEASE);
}

CUnknown::CUnknown(PUNKNOWN pUnknownOuter)
{
	Register(pUnknownOuter, NULL);
}

CUnknown::CUnknown(PUNKNOWN pUnknownOuter, const char *name)
{
	Register(pUnknownOuter, name);
}

void CUnknown::Register(PUNKNOWN pUnknownOuter, const char *name)
{
	m_lRefCount = 0;
	/* Not aggregated: the object is its own outer unknown, its
	 * INonDelegatingUnknown used as an IUnknown (same three slots). */
	m_pUnknownOuter = pUnknownOuter != NULL
				  ? pUnknownOuter
				  : reinterpret_cast<PUNKNOWN>(static_cast<PNONDELEGATINGUNKNOWN>(this));
	m_ObjectName = name;
	__atomic_store_n(&m_LiveMark, MARK_LIVE, __ATOMIC_RELEASE);
	registry_lock();
	m_CreationNumber = ++created_count;
	m_pNextLive = NULL;
	m_pPrevLive = live_last;
	if (live_last != NULL)
		live_last->m_pNextLive = this;
	else
		live_first = this;
	live_last = this;
	live_count++;
	registry_unlock();
}

CUnknown::~CUnknown()
{
	/* An atomic store: the compiler may not drop it as a store to an
	 * object whose life ends (the pool keeps the memory, and a Release
	 * too many reads the mark). */
	__atomic_store_n(&m_LiveMark, MARK_DEAD, __ATOMIC_RELEASE);
	registry_lock();
	if (m_pPrevLive != NULL)
		m_pPrevLive->m_pNextLive = m_pNextLive;
	else
		live_first = m_pNextLive;
	if (m_pNextLive != NULL)
		m_pNextLive->m_pPrevLive = m_pPrevLive;
	else
		live_last = m_pPrevLive;
	live_count--;
	registry_unlock();
}

bool CUnknown::IsAlive() const
{
	return __atomic_load_n(&m_LiveMark, __ATOMIC_ACQUIRE) == MARK_LIVE;
}

STDMETHODIMP_(NTSTATUS) CUnknown::NonDelegatingQueryInterface(REFIID InterfaceId, PVOID *Interface)
{
	if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown)) {
		*Interface = reinterpret_cast<PVOID>(static_cast<PNONDELEGATINGUNKNOWN>(this));
		NonDelegatingAddRef();
		return STATUS_SUCCESS;
	}
	*Interface = NULL;
	return STATUS_INVALID_PARAMETER;
}

STDMETHODIMP_(ULONG) CUnknown::NonDelegatingAddRef()
{
	if (!IsAlive()) {
		char text[160];
		snprintf(text, sizeof(text), "AddRef of a COM object (%s) after its last Release "
			 "destroyed it", m_ObjectName ? m_ObjectName : "class not named");
		AcRuleBroken(AcRuleComRefcount, text);
	}
	return (ULONG)InterlockedIncrement(&m_lRefCount);
}

STDMETHODIMP_(ULONG) CUnknown::NonDelegatingRelease()
{
	/* A Release too many reaches an object already destroyed: the pool
	 * keeps freed blocks for the rest of the run, so the call lands here
	 * and the registry says the object is gone. */
	if (!IsAlive() || m_lRefCount <= 0) {
		char text[160];
		snprintf(text, sizeof(text), "Release of a COM object (%s) whose count was already 0 "
			 "(a Release too many)", m_ObjectName ? m_ObjectName : "class not named");
		AcRuleBroken(AcRuleComRefcount, text);
	}
	LONG count = InterlockedDecrement(&m_lRefCount);
	if (count == 0) {
		/* Held at 1 while it is destroyed, so that a Release from
		 * its destructor (of an interface it gave itself) cannot
		 * delete it twice. */
		m_lRefCount = 1;
		delete this;
		return 0;
	}
	return (ULONG)count;
}

ULONG CUnknown::LiveObjectCount()
{
	return live_count;
}

CUnknown *CUnknown::OldestLiveObject()
{
	return live_first;
}

void ReportLiveObjects(const char *when)
{
	/* At adapter stop every other thread of the driver is done. */
	if (live_first == NULL)
		return;
	char text[320];
	const CUnknown *o = live_first;
	snprintf(text, sizeof(text), "%u COM object%s still referenced %s; the oldest: %s "
		 "(object %u of the run) with %d reference%s left",
		 live_count, live_count == 1 ? "" : "s", when,
		 o->ObjectName() ? o->ObjectName() : "an object whose class does not use "
						      "DEFINE_STD_CONSTRUCTOR",
		 o->CreationNumber(), (int)o->ReferenceCount(), o->ReferenceCount() == 1 ? "" : "s");
	AcRuleBroken(AcRuleComRefcount, text);
}
