/*
 * dma_channel.cpp - IDmaChannel for a bus master (NewMasterDmaChannel):
 * its adapter object's operations allocate and free common buffers in
 * memory the device reaches (AcAllocateCommonBuffer), which is what a
 * WavePci miniport builds its buffer descriptor list in; AllocateBuffer is
 * the same, kept by the channel.
 */
#include "runtime.h"

class CDmaChannel : public IDmaChannel, public CUnknown {
      public:
	DECLARE_STD_UNKNOWN();
	DEFINE_STD_CONSTRUCTOR(CDmaChannel);
	~CDmaChannel();
	void Init(ULONG MaximumLength);

	STDMETHODIMP_(NTSTATUS) AllocateBuffer(ULONG BufferSize,
					       PPHYSICAL_ADDRESS PhysicalAddressConstraint);
	STDMETHODIMP_(void) FreeBuffer();
	STDMETHODIMP_(ULONG) TransferCount();
	STDMETHODIMP_(ULONG) MaximumBufferSize();
	STDMETHODIMP_(ULONG) AllocatedBufferSize();
	STDMETHODIMP_(ULONG) BufferSize();
	STDMETHODIMP_(void) SetBufferSize(ULONG BufferSize);
	STDMETHODIMP_(PVOID) SystemAddress();
	STDMETHODIMP_(PHYSICAL_ADDRESS) PhysicalAddress();
	STDMETHODIMP_(PADAPTER_OBJECT) GetAdapterObject();
	STDMETHODIMP_(void) CopyTo(PVOID Destination, PVOID Source, ULONG ByteCount);
	STDMETHODIMP_(void) CopyFrom(PVOID Destination, PVOID Source, ULONG ByteCount);

      private:
	DMA_ADAPTER m_Adapter;
	DMA_OPERATIONS m_Operations;
	ULONG m_MaximumLength;
	PVOID m_Buffer;
	PHYSICAL_ADDRESS m_BufferPhysical;
	ULONG m_AllocatedSize, m_BufferSize;
};

static void put_dma_adapter(PDMA_ADAPTER)
{
}

static PVOID allocate_common_buffer(PDMA_ADAPTER, ULONG Length, PPHYSICAL_ADDRESS LogicalAddress,
				    BOOLEAN)
{
	return AcAllocateCommonBuffer(Length, LogicalAddress);
}

/* Length is the caller's; the machine frees whole pages, so a length that
 * differs from the allocation's within its pages frees the same. */
static void free_common_buffer(PDMA_ADAPTER, ULONG Length, PHYSICAL_ADDRESS, PVOID VirtualAddress,
			       BOOLEAN)
{
	AcFreeCommonBuffer(VirtualAddress, Length);
}

void CDmaChannel::Init(ULONG MaximumLength)
{
	m_MaximumLength = MaximumLength;
	m_Operations.Size = sizeof(m_Operations);
	m_Operations.PutDmaAdapter = put_dma_adapter;
	m_Operations.AllocateCommonBuffer = allocate_common_buffer;
	m_Operations.FreeCommonBuffer = free_common_buffer;
	m_Adapter.Version = 1;
	m_Adapter.Size = sizeof(m_Adapter);
	m_Adapter.DmaOperations = &m_Operations;
}

CDmaChannel::~CDmaChannel()
{
	FreeBuffer();
}

STDMETHODIMP_(NTSTATUS) CDmaChannel::NonDelegatingQueryInterface(REFIID InterfaceId,
								 PVOID *Interface)
{
	if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown) ||
	    IsEqualGUIDAligned(InterfaceId, IID_IDmaChannel)) {
		*Interface = static_cast<PDMACHANNEL>(this);
		AddRef();
		return STATUS_SUCCESS;
	}
	*Interface = NULL;
	return STATUS_INVALID_PARAMETER;
}

STDMETHODIMP_(NTSTATUS) CDmaChannel::AllocateBuffer(ULONG BufferSize, PPHYSICAL_ADDRESS)
{
	if (m_Buffer != NULL || BufferSize == 0 ||
	    (m_MaximumLength != 0 && BufferSize > m_MaximumLength))
		return STATUS_INVALID_PARAMETER;
	m_Buffer = AcAllocateCommonBuffer(BufferSize, &m_BufferPhysical);
	if (m_Buffer == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	m_AllocatedSize = m_BufferSize = BufferSize;
	return STATUS_SUCCESS;
}

STDMETHODIMP_(void) CDmaChannel::FreeBuffer()
{
	if (m_Buffer == NULL)
		return;
	AcFreeCommonBuffer(m_Buffer, m_AllocatedSize);
	m_Buffer = NULL;
	m_AllocatedSize = m_BufferSize = 0;
}

STDMETHODIMP_(ULONG) CDmaChannel::TransferCount() { return m_MaximumLength; }
STDMETHODIMP_(ULONG) CDmaChannel::MaximumBufferSize() { return m_MaximumLength; }
STDMETHODIMP_(ULONG) CDmaChannel::AllocatedBufferSize() { return m_AllocatedSize; }
STDMETHODIMP_(ULONG) CDmaChannel::BufferSize() { return m_BufferSize; }
STDMETHODIMP_(PVOID) CDmaChannel::SystemAddress() { return m_Buffer; }
STDMETHODIMP_(PHYSICAL_ADDRESS) CDmaChannel::PhysicalAddress() { return m_BufferPhysical; }
STDMETHODIMP_(PADAPTER_OBJECT) CDmaChannel::GetAdapterObject() { return &m_Adapter; }

STDMETHODIMP_(void) CDmaChannel::SetBufferSize(ULONG BufferSize)
{
	if (BufferSize <= m_AllocatedSize)
		m_BufferSize = BufferSize;
}

STDMETHODIMP_(void) CDmaChannel::CopyTo(PVOID Destination, PVOID Source, ULONG ByteCount)
{
	RtlCopyMemory(Destination, Source, ByteCount);
}

STDMETHODIMP_(void) CDmaChannel::CopyFrom(PVOID Destination, PVOID Source, ULONG ByteCount)
{
	RtlCopyMemory(Destination, Source, ByteCount);
}

NTSTATUS NewDmaChannel(PDMACHANNEL *OutChannel, PUNKNOWN OuterUnknown, ULONG MaximumLength)
{
	CDmaChannel *channel = new (NonPagedPool, RUNTIME_POOL_TAG) CDmaChannel(OuterUnknown);
	*OutChannel = channel;
	if (channel == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;
	channel->Init(MaximumLength);
	channel->AddRef();
	return STATUS_SUCCESS;
}
