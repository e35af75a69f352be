/*
 * service_group.cpp - IServiceGroup (PcNewServiceGroup): a request for
 * service of the group is a request for service of each member. The port
 * makes a stream's port object a member of the group NewStream hands back,
 * so Notify(group) from the ISR ends in the port's service DPC and the
 * stream's Service. Delayed service is a kernel timer whose DPC requests
 * service.
 *
 * Membership changes at PASSIVE_LEVEL while the ISR may request service
 * at DIRQL; the member array is changed between scheduling points only
 * (the AddRef after the store is the call that can yield), so a request
 * sees a whole array.
 */
#include "runtime.h"

#define MEMBERS_MAX 8u

class CServiceGroup : public IServiceGroup, public CUnknown {
      public:
	DECLARE_STD_UNKNOWN();
	DEFINE_STD_CONSTRUCTOR(CServiceGroup);
	~CServiceGroup();

	STDMETHODIMP_(void) RequestService();
	STDMETHODIMP_(NTSTATUS) AddMember(PSERVICESINK pServiceSink);
	STDMETHODIMP_(void) RemoveMember(PSERVICESINK pServiceSink);
	STDMETHODIMP_(void) SupportDelayedService();
	STDMETHODIMP_(void) RequestDelayedService(ULONGLONG ullDelay);
	STDMETHODIMP_(void) CancelDelayedService();

      private:
	static void DelayedServiceDpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2);
	PSERVICESINK m_Members[MEMBERS_MAX];
	ULONG m_MemberCount;
	BOOLEAN m_DelayedSupported;
	KTIMER m_Timer;
	KDPC m_Dpc;
};

STDMETHODIMP_(NTSTATUS) CServiceGroup::NonDelegatingQueryInterface(REFIID InterfaceId,
								   PVOID *Interface)
{
	if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown) ||
	    IsEqualGUIDAligned(InterfaceId, IID_IServiceSink) ||
	    IsEqualGUIDAligned(InterfaceId, IID_IServiceGroup)) {
		*Interface = static_cast<PSERVICEGROUP>(this);
		AddRef();
		return STATUS_SUCCESS;
	}
	*Interface = NULL;
	return STATUS_INVALID_PARAMETER;
}

CServiceGroup::~CServiceGroup()
{
	if (m_DelayedSupported) {
		KeCancelTimer(&m_Timer);
		KeFlushQueuedDpcs();
	}
	while (m_MemberCount > 0) {
		PSERVICESINK member = m_Members[--m_MemberCount];
		member->Release();
	}
}

STDMETHODIMP_(void) CServiceGroup::RequestService()
{
	for (ULONG i = 0; i < m_MemberCount; i++)
		m_Members[i]->RequestService();
}

STDMETHODIMP_(NTSTATUS) CServiceGroup::AddMember(PSERVICESINK pServiceSink)
{
	if (pServiceSink == NULL)
		return STATUS_INVALID_PARAMETER;
	if (m_MemberCount == MEMBERS_MAX)
		return STATUS_INSUFFICIENT_RESOURCES;
	m_Members[m_MemberCount++] = pServiceSink;
	pServiceSink->AddRef();
	return STATUS_SUCCESS;
}

STDMETHODIMP_(void) CServiceGroup::RemoveMember(PSERVICESINK pServiceSink)
{
	for (ULONG i = 0; i < m_MemberCount; i++) {
		if (m_Members[i] != pServiceSink)
			continue;
		for (ULONG k = i + 1; k < m_MemberCount; k++)
			m_Members[k - 1] = m_Members[k];
		m_MemberCount--;
		pServiceSink->Release();
		return;
	}
}

void CServiceGroup::DelayedServiceDpc(PKDPC, PVOID Context, PVOID, PVOID)
{
	static_cast<CServiceGroup *>(Context)->RequestService();
}

STDMETHODIMP_(void) CServiceGroup::SupportDelayedService()
{
	if (m_DelayedSupported)
		return;
	KeInitializeTimer(&m_Timer);
	KeInitializeDpc(&m_Dpc, DelayedServiceDpc, this);
	m_DelayedSupported = TRUE;
}

/* ullDelay: a KeSetTimer due time (negative: relative, in 100 ns). */
STDMETHODIMP_(void) CServiceGroup::RequestDelayedService(ULONGLONG ullDelay)
{
	if (!m_DelayedSupported)
		AcRuleBroken(AcRuleAssert, "IServiceGroup::RequestDelayedService without "
					   "SupportDelayedService first");
	LARGE_INTEGER due;
	due.QuadPart = (LONGLONG)ullDelay;
	KeSetTimer(&m_Timer, due, &m_Dpc);
}

STDMETHODIMP_(void) CServiceGroup::CancelDelayedService()
{
	if (m_DelayedSupported)
		KeCancelTimer(&m_Timer);
}

NTSTATUS PcNewServiceGroup(PSERVICEGROUP *OutServiceGroup, PUNKNOWN OuterUnknown)
{
	if (OutServiceGroup == NULL)
		return STATUS_INVALID_PARAMETER;
	CServiceGroup *group = new (NonPagedPool, RUNTIME_POOL_TAG) CServiceGroup(OuterUnknown);
	*OutServiceGroup = group;
	if (group == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	group->AddRef();
	return STATUS_SUCCESS;
}
