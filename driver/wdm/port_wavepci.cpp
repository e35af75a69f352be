/*
 * port_wavepci.cpp - IPortWavePci and IPortWavePciStream over ac97sim's
 * port model (wavepci.h). The port model is the referee: each stream call
 * a C++ miniport makes is the C port's call, judged the same way, and is
 * reported from the miniport's own source line (AcCallOnBehalf).
 *
 * Notify(group) requests service of the group: the port stream objects in
 * it ask the port model for the stream's service DPC (PortNotify), and the
 * port itself, a member of the miniport's own group, queues a DPC that
 * calls the miniport's Service. Both are allowed at any IRQL, the ISR's
 * included, as portcls allows them.
 */
#include "runtime.h"

/* ---- the port ------------------------------------------------------------------------ */

class CPortWavePci : public IPortWavePci, public IServiceSink, public CUnknown {
      public:
	DECLARE_STD_UNKNOWN();
	DEFINE_STD_CONSTRUCTOR(CPortWavePci);
	~CPortWavePci();

	STDMETHODIMP_(NTSTATUS) Init(PDEVICE_OBJECT DeviceObject, PIRP Irp, PUNKNOWN UnknownMiniport,
				     PUNKNOWN UnknownAdapter, PRESOURCELIST ResourceList);
	STDMETHODIMP_(NTSTATUS) GetDeviceProperty(DEVICE_REGISTRY_PROPERTY DeviceProperty,
						  ULONG BufferLength, PVOID PropertyBuffer,
						  PULONG ResultLength);
	STDMETHODIMP_(NTSTATUS) NewRegistryKey(PREGISTRYKEY *OutRegistryKey, PUNKNOWN OuterUnknown,
					       ULONG RegistryKeyType, ACCESS_MASK DesiredAccess,
					       POBJECT_ATTRIBUTES ObjectAttributes,
					       ULONG CreateOptions, PULONG Disposition);
	STDMETHODIMP_(void) Notify(PSERVICEGROUP ServiceGroup);
	STDMETHODIMP_(NTSTATUS) NewMasterDmaChannel(PDMACHANNEL *OutDmaChannel,
						    PUNKNOWN OuterUnknown, POOL_TYPE PoolType,
						    PRESOURCELIST ResourceList,
						    BOOLEAN ScatterGather, BOOLEAN Dma32BitAddresses,
						    BOOLEAN Dma64BitAddresses, BOOLEAN IgnoreCount,
						    DMA_WIDTH DmaWidth, DMA_SPEED DmaSpeed,
						    ULONG MaximumLength, ULONG DmaPort);
	STDMETHODIMP_(void) RequestService();

	void Unbind();
	PMINIPORTWAVEPCI Miniport() const { return m_Miniport; }
	const PCFILTER_DESCRIPTOR *Description() const { return m_Description; }

      private:
	static void ServiceDpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2);
	PMINIPORTWAVEPCI m_Miniport;
	PSERVICEGROUP m_ServiceGroup;	/* the miniport's own, from its Init */
	PPCFILTER_DESCRIPTOR m_Description;
	KDPC m_ServiceDpc;
	BOOLEAN m_DpcReady;
};

STDMETHODIMP_(NTSTATUS) CPortWavePci::NonDelegatingQueryInterface(REFIID InterfaceId,
								  PVOID *Interface)
{
	if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown) ||
	    IsEqualGUIDAligned(InterfaceId, IID_IPort) ||
	    IsEqualGUIDAligned(InterfaceId, IID_IPortWavePci)) {
		*Interface = static_cast<PPORTWAVEPCI>(this);
	} else if (IsEqualGUIDAligned(InterfaceId, IID_IServiceSink)) {
		*Interface = static_cast<PSERVICESINK>(this);
	} else {
		*Interface = NULL;
		return STATUS_INVALID_PARAMETER;
	}
	AddRef();
	return STATUS_SUCCESS;
}

CPortWavePci::~CPortWavePci()
{
	Unbind();
}

STDMETHODIMP_(NTSTATUS) CPortWavePci::Init(PDEVICE_OBJECT, PIRP, PUNKNOWN UnknownMiniport,
					   PUNKNOWN UnknownAdapter, PRESOURCELIST ResourceList)
{
	if (UnknownMiniport == NULL || m_Miniport != NULL)
		return STATUS_INVALID_PARAMETER;
	PVOID miniport = NULL;
	NTSTATUS status = UnknownMiniport->QueryInterface(IID_IMiniportWavePci, &miniport);
	if (!NT_SUCCESS(status) || miniport == NULL)
		return NT_SUCCESS(status) ? STATUS_INVALID_PARAMETER : status;
	m_Miniport = static_cast<PMINIPORTWAVEPCI>(miniport);
	KeInitializeDpc(&m_ServiceDpc, ServiceDpc, this);
	m_DpcReady = TRUE;
	status = m_Miniport->Init(UnknownAdapter, ResourceList, this, &m_ServiceGroup);
	if (NT_SUCCESS(status))
		status = m_Miniport->GetDescription(&m_Description);
	if (NT_SUCCESS(status) && m_Description == NULL)
		status = STATUS_INVALID_PARAMETER;
	if (NT_SUCCESS(status) && m_ServiceGroup != NULL)
		status = m_ServiceGroup->AddMember(static_cast<PSERVICESINK>(this));
	if (!NT_SUCCESS(status))
		Unbind();
	return status;
}

/* The port lets go of the miniport (the adapter stops, or Init failed).
 * The group is left first, so that it drops its reference on the port. */
void CPortWavePci::Unbind()
{
	if (m_ServiceGroup != NULL) {
		PSERVICEGROUP group = m_ServiceGroup;
		m_ServiceGroup = NULL;
		group->RemoveMember(static_cast<PSERVICESINK>(this));
		group->Release();
	}
	if (m_DpcReady) {
		KeRemoveQueueDpc(&m_ServiceDpc);
		KeFlushQueuedDpcs();
		m_DpcReady = FALSE;
	}
	if (m_Miniport != NULL) {
		PMINIPORTWAVEPCI miniport = m_Miniport;
		m_Miniport = NULL;
		miniport->Release();
	}
	m_Description = NULL;
}

STDMETHODIMP_(NTSTATUS) CPortWavePci::GetDeviceProperty(DEVICE_REGISTRY_PROPERTY, ULONG, PVOID,
							PULONG ResultLength)
{
	if (ResultLength != NULL)
		*ResultLength = 0;
	return STATUS_NOT_SUPPORTED;
}

/* An empty registry that keeps what is written (registry.cpp). */
STDMETHODIMP_(NTSTATUS) CPortWavePci::NewRegistryKey(PREGISTRYKEY *OutRegistryKey,
						     PUNKNOWN OuterUnknown, ULONG RegistryKeyType,
						     ACCESS_MASK, POBJECT_ATTRIBUTES, ULONG,
						     PULONG Disposition)
{
	if (OutRegistryKey == NULL)
		return STATUS_INVALID_PARAMETER;
	if (Disposition != NULL)
		*Disposition = REG_OPENED_EXISTING_KEY;
	return ::NewRegistryKey(OutRegistryKey, OuterUnknown, RegistryKeyType);
}

STDMETHODIMP_(void) CPortWavePci::Notify(PSERVICEGROUP ServiceGroup)
{
	if (ServiceGroup == NULL)
		AcRuleBroken(AcRuleAssert, "IPortWavePci::Notify(NULL): a service group is required");
	AcCallOnBehalf(__builtin_return_address(0));
	ServiceGroup->RequestService();
	AcCallOnBehalf(NULL);
}

/* The miniport's own group asked for service: its Service, in a DPC. */
STDMETHODIMP_(void) CPortWavePci::RequestService()
{
	if (m_DpcReady)
		KeInsertQueueDpc(&m_ServiceDpc, NULL, NULL);
}

void CPortWavePci::ServiceDpc(PKDPC, PVOID Context, PVOID, PVOID)
{
	CPortWavePci *port = static_cast<CPortWavePci *>(Context);
	if (port->m_Miniport != NULL)
		port->m_Miniport->Service();
}

STDMETHODIMP_(NTSTATUS) CPortWavePci::NewMasterDmaChannel(
	PDMACHANNEL *OutDmaChannel, PUNKNOWN OuterUnknown, POOL_TYPE PoolType, PRESOURCELIST,
	BOOLEAN, BOOLEAN, BOOLEAN, BOOLEAN, DMA_WIDTH, DMA_SPEED, ULONG MaximumLength, ULONG)
{
	if (OutDmaChannel == NULL)
		return STATUS_INVALID_PARAMETER;
	*OutDmaChannel = NULL;
	/* Several IDmaChannel methods run at DISPATCH_LEVEL: the documented
	 * rule is non-paged pool for the object. */
	if ((unsigned)PoolType & 1u)
		return STATUS_INVALID_PARAMETER;
	return NewDmaChannel(OutDmaChannel, OuterUnknown, MaximumLength);
}

NTSTATUS NewPortWavePci(CPortWavePci **OutPort)
{
	CPortWavePci *port = new (NonPagedPool, RUNTIME_POOL_TAG) CPortWavePci(NULL);
	*OutPort = port;
	if (port == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	port->AddRef();
	return STATUS_SUCCESS;
}

NTSTATUS PortBindMiniport(CPortWavePci *port, PUNKNOWN miniport, PUNKNOWN adapter,
			  PRESOURCELIST resources)
{
	return port->Init(NULL, NULL, miniport, adapter, resources);
}

PMINIPORTWAVEPCI PortMiniport(CPortWavePci *port) { return port->Miniport(); }
const PCFILTER_DESCRIPTOR *PortDescription(CPortWavePci *port) { return port->Description(); }
void PortUnbindMiniport(CPortWavePci *port) { port->Unbind(); }
PPORTWAVEPCI PortInterface(CPortWavePci *port) { return port; }
void PortRelease(CPortWavePci *port) { static_cast<PPORTWAVEPCI>(port)->Release(); }

/* ---- a port stream ------------------------------------------------------------------- */

class CPortWavePciStream : public IPortWavePciStream, public IServiceSink, public CUnknown {
      public:
	DECLARE_STD_UNKNOWN();
	DEFINE_STD_CONSTRUCTOR(CPortWavePciStream);
	void Init(PORT_STREAM *stream) { m_Stream = stream; }

	STDMETHODIMP_(NTSTATUS) GetMapping(PVOID Tag, PPHYSICAL_ADDRESS PhysicalAddress,
					   PVOID *VirtualAddress, PULONG ByteCount, PULONG Flags);
	STDMETHODIMP_(NTSTATUS) ReleaseMapping(PVOID Tag);
	STDMETHODIMP_(NTSTATUS) TerminatePacket();
	STDMETHODIMP_(void) RequestService();

      private:
	PORT_STREAM *m_Stream;
};

STDMETHODIMP_(NTSTATUS) CPortWavePciStream::NonDelegatingQueryInterface(REFIID InterfaceId,
									PVOID *Interface)
{
	if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown) ||
	    IsEqualGUIDAligned(InterfaceId, IID_IPortWavePciStream)) {
		*Interface = static_cast<PPORTWAVEPCISTREAM>(this);
	} else if (IsEqualGUIDAligned(InterfaceId, IID_IServiceSink)) {
		*Interface = static_cast<PSERVICESINK>(this);
	} else {
		*Interface = NULL;
		return STATUS_INVALID_PARAMETER;
	}
	AddRef();
	return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CPortWavePciStream::GetMapping(PVOID Tag, PPHYSICAL_ADDRESS PhysicalAddress,
						       PVOID *VirtualAddress, PULONG ByteCount,
						       PULONG Flags)
{
	AcCallOnBehalf(__builtin_return_address(0));
	return PortGetMapping(m_Stream, Tag, PhysicalAddress, VirtualAddress, ByteCount, Flags);
}

STDMETHODIMP_(NTSTATUS) CPortWavePciStream::ReleaseMapping(PVOID Tag)
{
	AcCallOnBehalf(__builtin_return_address(0));
	return PortReleaseMapping(m_Stream, Tag);
}

STDMETHODIMP_(NTSTATUS) CPortWavePciStream::TerminatePacket()
{
	AcCallOnBehalf(__builtin_return_address(0));
	return PortTerminatePacket(m_Stream);
}

STDMETHODIMP_(void) CPortWavePciStream::RequestService()
{
	PortNotify(m_Stream);
}

NTSTATUS NewPortWavePciStream(PPORTWAVEPCISTREAM *OutStream, PSERVICESINK *OutSink,
			      PORT_STREAM *stream)
{
	CPortWavePciStream *s = new (NonPagedPool, RUNTIME_POOL_TAG) CPortWavePciStream(NULL);
	*OutStream = s;
	*OutSink = s;
	if (s == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	s->Init(stream);
	static_cast<PPORTWAVEPCISTREAM>(s)->AddRef();
	return STATUS_SUCCESS;
}
