/*
 * interrupt_sync.cpp - IInterruptSync (PcNewInterruptSync): the
 * miniport's service routines on the controller's interrupt, at DIRQL
 * holding the interrupt's lock, in the order and mode asked for; and
 * CallSynchronizedRoutine, a routine run as the ISR would be.
 */
#include "runtime.h"

#define ROUTINES_MAX 4u
/* InterruptSyncModeRepeat stops after this many passes; a device that is
 * still interrupting is then the kernel's interrupt-storm finding. */
#define REPEAT_PASSES_MAX 16u

class CInterruptSync : public IInterruptSync, public CUnknown {
      public:
	DECLARE_STD_UNKNOWN();
	DEFINE_STD_CONSTRUCTOR(CInterruptSync);
	~CInterruptSync();
	void SetMode(INTERRUPTSYNCMODE Mode) { m_Mode = Mode; }

	STDMETHODIMP_(NTSTATUS) CallSynchronizedRoutine(PINTERRUPTSYNCROUTINE Routine,
							PVOID DynamicContext);
	STDMETHODIMP_(PKINTERRUPT) GetKInterrupt();
	STDMETHODIMP_(NTSTATUS) Connect();
	STDMETHODIMP_(void) Disconnect();
	STDMETHODIMP_(NTSTATUS) RegisterServiceRoutine(PINTERRUPTSYNCROUTINE Routine,
						       PVOID DynamicContext, BOOLEAN First);

      private:
	static BOOLEAN Isr(PKINTERRUPT Interrupt, PVOID ServiceContext);
	static BOOLEAN Synchronized(PVOID Context);
	bool RunPass();
	struct Registered {
		PINTERRUPTSYNCROUTINE routine;
		PVOID context;
	} m_Routines[ROUTINES_MAX];
	ULONG m_RoutineCount;
	INTERRUPTSYNCMODE m_Mode;
	BOOLEAN m_Connected;
	KINTERRUPT m_Interrupt;
};

STDMETHODIMP_(NTSTATUS) CInterruptSync::NonDelegatingQueryInterface(REFIID InterfaceId,
								    PVOID *Interface)
{
	if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown) ||
	    IsEqualGUIDAligned(InterfaceId, IID_IInterruptSync)) {
		*Interface = static_cast<PINTERRUPTSYNC>(this);
		AddRef();
		return STATUS_SUCCESS;
	}
	*Interface = NULL;
	return STATUS_INVALID_PARAMETER;
}

/* As portcls does: an object released while connected disconnects. */
CInterruptSync::~CInterruptSync()
{
	if (m_Connected)
		Disconnect();
}

/* One pass over the routines; true if one claimed the interrupt. */
bool CInterruptSync::RunPass()
{
	bool claimed = false;
	for (ULONG i = 0; i < m_RoutineCount; i++) {
		if (NT_SUCCESS(m_Routines[i].routine(this, m_Routines[i].context))) {
			claimed = true;
			if (m_Mode == InterruptSyncModeNormal)
				break;
		}
	}
	return claimed;
}

BOOLEAN CInterruptSync::Isr(PKINTERRUPT, PVOID ServiceContext)
{
	CInterruptSync *self = static_cast<CInterruptSync *>(ServiceContext);
	bool claimed = self->RunPass();
	if (self->m_Mode == InterruptSyncModeRepeat && claimed)
		for (ULONG pass = 1; pass < REPEAT_PASSES_MAX && self->RunPass(); pass++)
			;
	return claimed ? TRUE : FALSE;
}

STDMETHODIMP_(NTSTATUS) CInterruptSync::RegisterServiceRoutine(PINTERRUPTSYNCROUTINE Routine,
							       PVOID DynamicContext,
							       BOOLEAN First)
{
	if (Routine == NULL)
		return STATUS_INVALID_PARAMETER;
	if (m_RoutineCount == ROUTINES_MAX)
		return STATUS_INSUFFICIENT_RESOURCES;
	if (First) {
		for (ULONG i = m_RoutineCount; i > 0; i--)
			m_Routines[i] = m_Routines[i - 1];
		m_Routines[0] = { Routine, DynamicContext };
	} else {
		m_Routines[m_RoutineCount] = { Routine, DynamicContext };
	}
	m_RoutineCount++;
	return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CInterruptSync::Connect()
{
	if (m_Connected)
		return STATUS_SUCCESS;
	NTSTATUS status = AcConnectInterruptNamed(&m_Interrupt, Isr, this, "IInterruptSync");
	if (NT_SUCCESS(status))
		m_Connected = TRUE;
	return status;
}

STDMETHODIMP_(void) CInterruptSync::Disconnect()
{
	if (!m_Connected)
		return;
	AcDisconnectInterrupt(&m_Interrupt);
	m_Connected = FALSE;
}

STDMETHODIMP_(PKINTERRUPT) CInterruptSync::GetKInterrupt()
{
	return m_Connected ? &m_Interrupt : NULL;
}

struct SynchronizedCall {
	CInterruptSync *sync;
	PINTERRUPTSYNCROUTINE routine;
	PVOID context;
	NTSTATUS status;
};

BOOLEAN CInterruptSync::Synchronized(PVOID Context)
{
	SynchronizedCall *call = static_cast<SynchronizedCall *>(Context);
	call->status = call->routine(call->sync, call->context);
	return TRUE;
}

/* Connected: under the interrupt's lock at DIRQL, as KeSynchronizeExecution
 * runs it. Not connected: there is no ISR to exclude, so at DIRQL only. */
STDMETHODIMP_(NTSTATUS) CInterruptSync::CallSynchronizedRoutine(PINTERRUPTSYNCROUTINE Routine,
								PVOID DynamicContext)
{
	if (Routine == NULL)
		return STATUS_INVALID_PARAMETER;
	SynchronizedCall call = { this, Routine, DynamicContext, STATUS_UNSUCCESSFUL };
	if (m_Connected) {
		KeSynchronizeExecution(&m_Interrupt, Synchronized, &call);
	} else {
		KIRQL old;
		KeRaiseIrql(DIRQL, &old);
		Synchronized(&call);
		KeLowerIrql(old);
	}
	return call.status;
}

NTSTATUS PcNewInterruptSync(PINTERRUPTSYNC *OutInterruptSync, PUNKNOWN OuterUnknown,
			    PRESOURCELIST ResourceList, ULONG ResourceIndex, INTERRUPTSYNCMODE Mode)
{
	if (OutInterruptSync == NULL)
		return STATUS_INVALID_PARAMETER;
	*OutInterruptSync = NULL;
	if (ResourceList == NULL || ResourceList->FindTranslatedInterrupt(ResourceIndex) == NULL)
		return STATUS_INVALID_PARAMETER;
	if (Mode != InterruptSyncModeNormal && Mode != InterruptSyncModeAll &&
	    Mode != InterruptSyncModeRepeat)
		return STATUS_INVALID_PARAMETER;
	CInterruptSync *sync = new (NonPagedPool, RUNTIME_POOL_TAG) CInterruptSync(OuterUnknown);
	if (sync == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	sync->SetMode(Mode);
	*OutInterruptSync = sync;
	sync->AddRef();
	return STATUS_SUCCESS;
}
