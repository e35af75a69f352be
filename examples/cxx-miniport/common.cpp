/*
 * common.cpp - the adapter-common object (see common.h).
 */
#include "common.h"

// AC'97 2.3 gives a codec up to a second to report ready after a cold reset.
#define CODEC_READY_TIMEOUT_US  1000000
#define CODEC_READY_POLL_US     100
// A codec access takes a few AC-link frames (about 21 us each); give the
// semaphore a generous bound before calling the codec dead.
#define CAS_POLL_US             10
#define CAS_POLL_TRIES          100

class CAc97AdapterCommon : public IAc97AdapterCommon, public CUnknown
{
private:
    PUCHAR          m_CodecBase;        // NAMBAR: the codec's mixer registers
    PUCHAR          m_BusMasterBase;    // NABMBAR: the bus master
    PDEVICE_OBJECT  m_DeviceObject;
    BOOLEAN         m_LinkUp;           // the AC-link is out of reset

    NTSTATUS AcquireCodecSemaphore(void);
    NTSTATUS ResetCodec(void);

public:
    DECLARE_STD_UNKNOWN();
    DEFINE_STD_CONSTRUCTOR(CAc97AdapterCommon);
    ~CAc97AdapterCommon();

    STDMETHODIMP_(NTSTATUS) Init(_In_ PRESOURCELIST ResourceList, _In_ PDEVICE_OBJECT DeviceObject);
    STDMETHODIMP_(UCHAR) ReadBusMasterUchar(_In_ ULONG Offset);
    STDMETHODIMP_(USHORT) ReadBusMasterUshort(_In_ ULONG Offset);
    STDMETHODIMP_(ULONG) ReadBusMasterUlong(_In_ ULONG Offset);
    STDMETHODIMP_(void) WriteBusMasterUchar(_In_ ULONG Offset, _In_ UCHAR Value);
    STDMETHODIMP_(void) WriteBusMasterUshort(_In_ ULONG Offset, _In_ USHORT Value);
    STDMETHODIMP_(void) WriteBusMasterUlong(_In_ ULONG Offset, _In_ ULONG Value);
    STDMETHODIMP_(NTSTATUS) ReadCodecRegister(_In_ ULONG Register, _Out_ PUSHORT Value);
    STDMETHODIMP_(NTSTATUS) WriteCodecRegister(_In_ ULONG Register, _In_ USHORT Value);
    STDMETHODIMP_(NTSTATUS) ProgramSampleRate(_In_ ULONG RateRegister, _In_ ULONG SampleRate);
};

NTSTATUS NewAdapterCommon(_Out_ PUNKNOWN *Unknown, _In_ REFCLSID ClassId,
                          _In_opt_ PUNKNOWN UnknownOuter, _In_ POOL_TYPE PoolType)
{
    PAGED_CODE();
    ASSERT(Unknown);
    UNREFERENCED_PARAMETER(ClassId);

    STD_CREATE_BODY_WITH_TAG_(CAc97AdapterCommon, Unknown, UnknownOuter, PoolType,
                              AC97_POOL_TAG, PAC97ADAPTERCOMMON);
}

CAc97AdapterCommon::~CAc97AdapterCommon()
{
    PAGED_CODE();
    // Every stream is gone by now (the miniport held a reference on us):
    // hold the AC-link in reset again, as it was before Init.
    if (m_LinkUp)
    {
        WriteBusMasterUlong(ICH_GLOB_CNT, 0);
    }
}

STDMETHODIMP_(NTSTATUS) CAc97AdapterCommon::NonDelegatingQueryInterface(_In_ REFIID Interface,
                                                                         _Out_ PVOID *Object)
{
    PAGED_CODE();
    ASSERT(Object);

    if (IsEqualGUIDAligned(Interface, IID_IUnknown))
    {
        *Object = PVOID(PUNKNOWN(PAC97ADAPTERCOMMON(this)));
    }
    else if (IsEqualGUIDAligned(Interface, IID_IAc97AdapterCommon))
    {
        *Object = PVOID(PAC97ADAPTERCOMMON(this));
    }
    else
    {
        *Object = NULL;
        return STATUS_INVALID_PARAMETER;
    }
    PUNKNOWN(*Object)->AddRef();
    return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CAc97AdapterCommon::Init(_In_ PRESOURCELIST ResourceList,
                                                  _In_ PDEVICE_OBJECT DeviceObject)
{
    PAGED_CODE();
    ASSERT(ResourceList);

    // The ICH decodes two I/O ranges: the codec's mixer (NAMBAR) first, then
    // the bus master (NABMBAR). Anything else is not our controller.
    if (ResourceList->NumberOfPorts() < 2)
    {
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    }
    m_DeviceObject = DeviceObject;
    m_CodecBase = (PUCHAR)ResourceList->FindTranslatedPort(0)->u.Port.Start.QuadPart;
    m_BusMasterBase = (PUCHAR)ResourceList->FindTranslatedPort(1)->u.Port.Start.QuadPart;

    NTSTATUS ntStatus = ResetCodec();
    if (!NT_SUCCESS(ntStatus))
    {
        return ntStatus;
    }

    // Master comes out of reset muted. Master and PCM out at 0 dB, the record
    // gains at 0 dB, so that what the application sends is what is heard.
    ntStatus = WriteCodecRegister(AC97REG_MASTER_VOLUME, AC97_VOLUME_0DB);
    if (NT_SUCCESS(ntStatus))
        ntStatus = WriteCodecRegister(AC97REG_PCM_OUT_VOLUME, AC97_VOLUME_GAIN_0DB);
    if (NT_SUCCESS(ntStatus))
        ntStatus = WriteCodecRegister(AC97REG_RECORD_GAIN, AC97_VOLUME_0DB);
    if (NT_SUCCESS(ntStatus))
        ntStatus = WriteCodecRegister(AC97REG_RECORD_GAIN_MIC, AC97_VOLUME_0DB);
    return ntStatus;
}

// Cold reset: COLD# low for longer than the 1 us AC'97 asks, then high, and
// wait for the primary codec to say it is ready.
NTSTATUS CAc97AdapterCommon::ResetCodec(void)
{
    PAGED_CODE();

    WriteBusMasterUlong(ICH_GLOB_CNT, 0);
    KeStallExecutionProcessor(5);
    WriteBusMasterUlong(ICH_GLOB_CNT, ICH_GLOB_CNT_COLD);
    m_LinkUp = TRUE;

    for (ULONG waited = 0; waited < CODEC_READY_TIMEOUT_US; waited += CODEC_READY_POLL_US)
    {
        if (ReadBusMasterUlong(ICH_GLOB_STA) & ICH_GLOB_STA_S0CR)
        {
            return STATUS_SUCCESS;
        }
        KeStallExecutionProcessor(CODEC_READY_POLL_US);
    }
    return STATUS_DEVICE_NOT_READY;
}

// Reading CAS claims the AC-link for one codec access (it reads 1 while an
// access is still under way); the access itself gives it back.
NTSTATUS CAc97AdapterCommon::AcquireCodecSemaphore(void)
{
    for (ULONG tries = 0; tries < CAS_POLL_TRIES; tries++)
    {
        if (!(ReadBusMasterUchar(ICH_CAS) & ICH_CAS_BUSY))
        {
            return STATUS_SUCCESS;
        }
        KeStallExecutionProcessor(CAS_POLL_US);
    }
    return STATUS_IO_TIMEOUT;
}

STDMETHODIMP_(UCHAR) CAc97AdapterCommon::ReadBusMasterUchar(_In_ ULONG Offset)
{
    return READ_PORT_UCHAR(m_BusMasterBase + Offset);
}

STDMETHODIMP_(USHORT) CAc97AdapterCommon::ReadBusMasterUshort(_In_ ULONG Offset)
{
    return READ_PORT_USHORT((PUSHORT)(m_BusMasterBase + Offset));
}

STDMETHODIMP_(ULONG) CAc97AdapterCommon::ReadBusMasterUlong(_In_ ULONG Offset)
{
    return READ_PORT_ULONG((PULONG)(m_BusMasterBase + Offset));
}

STDMETHODIMP_(void) CAc97AdapterCommon::WriteBusMasterUchar(_In_ ULONG Offset, _In_ UCHAR Value)
{
    WRITE_PORT_UCHAR(m_BusMasterBase + Offset, Value);
}

STDMETHODIMP_(void) CAc97AdapterCommon::WriteBusMasterUshort(_In_ ULONG Offset, _In_ USHORT Value)
{
    WRITE_PORT_USHORT((PUSHORT)(m_BusMasterBase + Offset), Value);
}

STDMETHODIMP_(void) CAc97AdapterCommon::WriteBusMasterUlong(_In_ ULONG Offset, _In_ ULONG Value)
{
    WRITE_PORT_ULONG((PULONG)(m_BusMasterBase + Offset), Value);
}

STDMETHODIMP_(NTSTATUS) CAc97AdapterCommon::ReadCodecRegister(_In_ ULONG Register,
                                                               _Out_ PUSHORT Value)
{
    ASSERT(Value);
    NTSTATUS ntStatus = AcquireCodecSemaphore();
    if (NT_SUCCESS(ntStatus))
    {
        *Value = READ_PORT_USHORT((PUSHORT)(m_CodecBase + Register));
    }
    return ntStatus;
}

STDMETHODIMP_(NTSTATUS) CAc97AdapterCommon::WriteCodecRegister(_In_ ULONG Register,
                                                                _In_ USHORT Value)
{
    NTSTATUS ntStatus = AcquireCodecSemaphore();
    if (NT_SUCCESS(ntStatus))
    {
        WRITE_PORT_USHORT((PUSHORT)(m_CodecBase + Register), Value);
    }
    return ntStatus;
}

STDMETHODIMP_(NTSTATUS) CAc97AdapterCommon::ProgramSampleRate(_In_ ULONG RateRegister,
                                                               _In_ ULONG SampleRate)
{
    PAGED_CODE();

    if (SampleRate > 0xFFFF)
    {
        return STATUS_NOT_SUPPORTED;
    }
    // The rate registers are writable only with variable rate audio on
    // (VRM for the mic ADC). At 48 kHz the converters need no VRA.
    if (SampleRate != 48000)
    {
        USHORT extended;
        NTSTATUS ntStatus = ReadCodecRegister(AC97REG_EXT_AUDIO_CTRL, &extended);
        if (NT_SUCCESS(ntStatus))
        {
            ntStatus = WriteCodecRegister(AC97REG_EXT_AUDIO_CTRL,
                                          USHORT(extended | AC97_EXT_VRA | AC97_EXT_VRM));
        }
        if (!NT_SUCCESS(ntStatus))
        {
            return ntStatus;
        }
    }
    NTSTATUS ntStatus = WriteCodecRegister(RateRegister, USHORT(SampleRate));
    if (!NT_SUCCESS(ntStatus))
    {
        return ntStatus;
    }
    // A codec answers a rate it cannot do with the nearest one it can.
    USHORT actual;
    ntStatus = ReadCodecRegister(RateRegister, &actual);
    if (NT_SUCCESS(ntStatus) && actual != SampleRate)
    {
        ntStatus = STATUS_NOT_SUPPORTED;
    }
    return ntStatus;
}
