/*
 * minwave.cpp - the WavePci wave miniport (see minwave.h): the filter it
 * describes to the port, its bring-up, its ISR, and NewStream.
 *
 * Objects of this driver come from the pool's operator new, which zeroes
 * them: the constructors DEFINE_STD_CONSTRUCTOR gives rely on that, and the
 * destructors test each pointer, so a failed Init is cleaned up by the
 * Release that follows it.
 */
#include "minstream.h"

// ---- The filter ------------------------------------------------------------------------

static KSDATARANGE_AUDIO PinDataRangesStereo[] =
{
    {
        {
            sizeof(KSDATARANGE_AUDIO),
            0,
            0,
            0,
            STATICGUIDOF(KSDATAFORMAT_TYPE_AUDIO),
            STATICGUIDOF(KSDATAFORMAT_SUBTYPE_PCM),
            STATICGUIDOF(KSDATAFORMAT_SPECIFIER_WAVEFORMATEX)
        },
        2,          // channels
        16,         // minimum bits per sample
        16,         // maximum bits per sample
        RATE_MIN_HZ,
        RATE_MAX_HZ
    }
};

static KSDATARANGE_AUDIO PinDataRangesMono[] =
{
    {
        {
            sizeof(KSDATARANGE_AUDIO),
            0,
            0,
            0,
            STATICGUIDOF(KSDATAFORMAT_TYPE_AUDIO),
            STATICGUIDOF(KSDATAFORMAT_SUBTYPE_PCM),
            STATICGUIDOF(KSDATAFORMAT_SPECIFIER_WAVEFORMATEX)
        },
        1,          // the mic ADC is mono
        16,
        16,
        RATE_MIN_HZ,
        RATE_MAX_HZ
    }
};

// The bridge pins carry analog audio: no format to negotiate.
static KSDATARANGE PinDataRangesAnalogBridge[] =
{
    {
        sizeof(KSDATARANGE),
        0,
        0,
        0,
        STATICGUIDOF(KSDATAFORMAT_TYPE_AUDIO),
        STATICGUIDOF(KSDATAFORMAT_SUBTYPE_ANALOG),
        STATICGUIDOF(KSDATAFORMAT_SPECIFIER_NONE)
    }
};

static PKSDATARANGE PinDataRangePointersStereo[] =
{
    PKSDATARANGE(&PinDataRangesStereo[0])
};

static PKSDATARANGE PinDataRangePointersMono[] =
{
    PKSDATARANGE(&PinDataRangesMono[0])
};

static PKSDATARANGE PinDataRangePointersAnalogBridge[] =
{
    &PinDataRangesAnalogBridge[0]
};

static PCPIN_DESCRIPTOR MiniportPins[] =
{
    // PIN_WAVE_OUT
    {
        1, 1, 0,        // one render stream: the controller has one PCM out engine
        NULL,
        {
            0, NULL, 0, NULL,
            SIZEOF_ARRAY(PinDataRangePointersStereo),
            PinDataRangePointersStereo,
            KSPIN_DATAFLOW_IN,
            KSPIN_COMMUNICATION_SINK,
            &KSCATEGORY_AUDIO,
            NULL,
            0
        }
    },
    // PIN_WAVE_OUT_BRIDGE
    {
        0, 0, 0,
        NULL,
        {
            0, NULL, 0, NULL,
            SIZEOF_ARRAY(PinDataRangePointersAnalogBridge),
            PinDataRangePointersAnalogBridge,
            KSPIN_DATAFLOW_OUT,
            KSPIN_COMMUNICATION_NONE,
            &KSNODETYPE_SPEAKER,
            NULL,
            0
        }
    },
    // PIN_WAVE_IN
    {
        1, 1, 0,
        NULL,
        {
            0, NULL, 0, NULL,
            SIZEOF_ARRAY(PinDataRangePointersStereo),
            PinDataRangePointersStereo,
            KSPIN_DATAFLOW_OUT,
            KSPIN_COMMUNICATION_SINK,
            &PINNAME_CAPTURE,
            NULL,
            0
        }
    },
    // PIN_WAVE_IN_BRIDGE
    {
        0, 0, 0,
        NULL,
        {
            0, NULL, 0, NULL,
            SIZEOF_ARRAY(PinDataRangePointersAnalogBridge),
            PinDataRangePointersAnalogBridge,
            KSPIN_DATAFLOW_IN,
            KSPIN_COMMUNICATION_NONE,
            &KSNODETYPE_LINE_CONNECTOR,
            NULL,
            0
        }
    },
    // PIN_MIC_IN
    {
        1, 1, 0,
        NULL,
        {
            0, NULL, 0, NULL,
            SIZEOF_ARRAY(PinDataRangePointersMono),
            PinDataRangePointersMono,
            KSPIN_DATAFLOW_OUT,
            KSPIN_COMMUNICATION_SINK,
            &PINNAME_CAPTURE,
            NULL,
            0
        }
    },
    // PIN_MIC_IN_BRIDGE
    {
        0, 0, 0,
        NULL,
        {
            0, NULL, 0, NULL,
            SIZEOF_ARRAY(PinDataRangePointersAnalogBridge),
            PinDataRangePointersAnalogBridge,
            KSPIN_DATAFLOW_IN,
            KSPIN_COMMUNICATION_NONE,
            &KSNODETYPE_MICROPHONE,
            NULL,
            0
        }
    }
};

static PCNODE_DESCRIPTOR MiniportNodes[] =
{
    { 0, NULL, &KSNODETYPE_DAC, NULL },     // NODE_DAC
    { 0, NULL, &KSNODETYPE_ADC, NULL },     // NODE_ADC
    { 0, NULL, &KSNODETYPE_ADC, NULL }      // NODE_MIC_ADC
};

static PCCONNECTION_DESCRIPTOR MiniportConnections[] =
{
    { PCFILTER_NODE, PIN_WAVE_OUT,       NODE_DAC,      KSNODEPIN_STANDARD_IN },
    { NODE_DAC,      KSNODEPIN_STANDARD_OUT, PCFILTER_NODE, PIN_WAVE_OUT_BRIDGE },
    { PCFILTER_NODE, PIN_WAVE_IN_BRIDGE, NODE_ADC,      KSNODEPIN_STANDARD_IN },
    { NODE_ADC,      KSNODEPIN_STANDARD_OUT, PCFILTER_NODE, PIN_WAVE_IN },
    { PCFILTER_NODE, PIN_MIC_IN_BRIDGE,  NODE_MIC_ADC,  KSNODEPIN_STANDARD_IN },
    { NODE_MIC_ADC,  KSNODEPIN_STANDARD_OUT, PCFILTER_NODE, PIN_MIC_IN }
};

static GUID MiniportCategories[] =
{
    STATICGUIDOF(KSCATEGORY_AUDIO),
    STATICGUIDOF(KSCATEGORY_RENDER),
    STATICGUIDOF(KSCATEGORY_CAPTURE)
};

static PCFILTER_DESCRIPTOR MiniportFilterDescriptor =
{
    0,                                  // version
    NULL,                               // no filter properties
    sizeof(PCPIN_DESCRIPTOR),
    SIZEOF_ARRAY(MiniportPins),
    MiniportPins,
    sizeof(PCNODE_DESCRIPTOR),
    SIZEOF_ARRAY(MiniportNodes),
    MiniportNodes,
    SIZEOF_ARRAY(MiniportConnections),
    MiniportConnections,
    SIZEOF_ARRAY(MiniportCategories),
    MiniportCategories
};

// ---- Creation and COM ---------------------------------------------------------------------

NTSTATUS CreateMiniportWavePci(_Out_ PUNKNOWN *Unknown, _In_ REFCLSID ClassId,
                               _In_opt_ PUNKNOWN UnknownOuter, _In_ POOL_TYPE PoolType)
{
    PAGED_CODE();
    ASSERT(Unknown);
    UNREFERENCED_PARAMETER(ClassId);

    STD_CREATE_BODY_WITH_TAG_(CMiniportWavePci, Unknown, UnknownOuter, PoolType,
                              AC97_POOL_TAG, PMINIPORTWAVEPCI);
}

STDMETHODIMP_(NTSTATUS) CMiniportWavePci::NonDelegatingQueryInterface(_In_ REFIID Interface,
                                                                       _Out_ PVOID *Object)
{
    PAGED_CODE();
    ASSERT(Object);

    if (IsEqualGUIDAligned(Interface, IID_IUnknown))
    {
        *Object = PVOID(PUNKNOWN(PMINIPORTWAVEPCI(this)));
    }
    else if (IsEqualGUIDAligned(Interface, IID_IMiniport))
    {
        *Object = PVOID(PMINIPORT(this));
    }
    else if (IsEqualGUIDAligned(Interface, IID_IMiniportWavePci))
    {
        *Object = PVOID(PMINIPORTWAVEPCI(this));
    }
    else
    {
        *Object = NULL;
        return STATUS_INVALID_PARAMETER;
    }
    PUNKNOWN(*Object)->AddRef();
    return STATUS_SUCCESS;
}

CMiniportWavePci::~CMiniportWavePci()
{
    PAGED_CODE();

    // Streams hold a reference on the miniport: none is left by now.
    for (ULONG engine = 0; engine < ICH_ENGINE_COUNT; engine++)
    {
        ASSERT(m_Streams[engine] == NULL);
    }
    if (m_InterruptSync)
    {
        // No ISR runs once Disconnect returns.
        if (m_InterruptConnected)
        {
            m_InterruptSync->Disconnect();
        }
        m_InterruptSync->Release();
        m_InterruptSync = NULL;
    }
    if (m_DmaChannel)
    {
        m_DmaChannel->Release();
        m_DmaChannel = NULL;
    }
    if (m_AdapterCommon)
    {
        m_AdapterCommon->Release();
        m_AdapterCommon = NULL;
    }
    if (m_Port)
    {
        m_Port->Release();
        m_Port = NULL;
    }
}

// ---- IMiniport ------------------------------------------------------------------------------

STDMETHODIMP_(NTSTATUS) CMiniportWavePci::GetDescription(_Out_ PPCFILTER_DESCRIPTOR *Description)
{
    PAGED_CODE();
    ASSERT(Description);

    *Description = &MiniportFilterDescriptor;
    return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CMiniportWavePci::DataRangeIntersection(
    _In_ ULONG PinId, _In_ PKSDATARANGE DataRange, _In_ PKSDATARANGE MatchingDataRange,
    _In_ ULONG OutputBufferLength, _Out_opt_ PVOID ResultantFormat,
    _Out_ PULONG ResultantFormatLength)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(PinId);
    UNREFERENCED_PARAMETER(DataRange);
    UNREFERENCED_PARAMETER(MatchingDataRange);
    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(ResultantFormat);
    UNREFERENCED_PARAMETER(ResultantFormatLength);

    // The ranges are plain KSDATARANGE_AUDIO: the port's default handler
    // picks from them as well as we would.
    return STATUS_NOT_IMPLEMENTED;
}

// ---- IMiniportWavePci -----------------------------------------------------------------------

STDMETHODIMP_(NTSTATUS) CMiniportWavePci::Init(_In_ PUNKNOWN UnknownAdapter,
                                                _In_ PRESOURCELIST ResourceList,
                                                _In_ PPORTWAVEPCI Port,
                                                _Out_ PSERVICEGROUP *ServiceGroup)
{
    PAGED_CODE();
    ASSERT(UnknownAdapter);
    ASSERT(ResourceList);
    ASSERT(Port);
    ASSERT(ServiceGroup);

    // Each stream has its own service group (NewStream): none for the filter.
    *ServiceGroup = NULL;

    m_Port = Port;
    m_Port->AddRef();

    NTSTATUS ntStatus = UnknownAdapter->QueryInterface(IID_IAc97AdapterCommon,
                                                       (PVOID *)&m_AdapterCommon);
    if (!NT_SUCCESS(ntStatus))
    {
        return ntStatus;
    }

    // One bus-master channel gives the streams the adapter object their
    // BDLs are allocated from. Portcls ignores width, speed and port.
    ntStatus = Port->NewMasterDmaChannel(&m_DmaChannel, NULL, NonPagedPool, NULL,
                                         TRUE,      // scatter/gather: always, for WavePci
                                         TRUE,      // the ICH addresses 32 bits
                                         FALSE,
                                         FALSE,
                                         Width32Bits, MaximumDmaSpeed,
                                         ICH_BD_MAX_SAMPLES * 2, 0);
    if (!NT_SUCCESS(ntStatus))
    {
        return ntStatus;
    }

    // The interrupt last: the ISR needs the adapter common object, and an
    // engine someone else left running may interrupt at once.
    ntStatus = PcNewInterruptSync(&m_InterruptSync, NULL, ResourceList, 0,
                                  InterruptSyncModeNormal);
    if (NT_SUCCESS(ntStatus))
    {
        ntStatus = m_InterruptSync->RegisterServiceRoutine(InterruptServiceRoutine,
                                                           PVOID(this), FALSE);
    }
    if (NT_SUCCESS(ntStatus))
    {
        ntStatus = m_InterruptSync->Connect();
        m_InterruptConnected = NT_SUCCESS(ntStatus);
    }
    return ntStatus;
}

STDMETHODIMP_(NTSTATUS) CMiniportWavePci::NewStream(
    _Out_ PMINIPORTWAVEPCISTREAM *Stream, _In_opt_ PUNKNOWN OuterUnknown,
    _In_ POOL_TYPE PoolType, _In_ PPORTWAVEPCISTREAM PortStream, _In_ ULONG Pin,
    _In_ BOOLEAN Capture, _In_ PKSDATAFORMAT DataFormat, _Out_ PDMACHANNEL *DmaChannel,
    _Out_ PSERVICEGROUP *ServiceGroup)
{
    PAGED_CODE();
    ASSERT(Stream);
    ASSERT(PortStream);
    ASSERT(DataFormat);
    ASSERT(DmaChannel);
    ASSERT(ServiceGroup);

    ULONG engine;
    switch (Pin)
    {
    case PIN_WAVE_OUT:
        engine = ICH_ENGINE_PCM_OUT;
        break;
    case PIN_WAVE_IN:
        engine = ICH_ENGINE_PCM_IN;
        break;
    case PIN_MIC_IN:
        engine = ICH_ENGINE_MIC_IN;
        break;
    default:
        return STATUS_INVALID_PARAMETER;    // bridge pins carry no stream
    }
    if (Capture != (engine != ICH_ENGINE_PCM_OUT))
    {
        return STATUS_INVALID_PARAMETER;
    }
    // One stream per engine (the pins say so; the port checks the instance
    // counts, this keeps the engine from being driven twice regardless).
    if (m_Streams[engine] != NULL)
    {
        return STATUS_INVALID_DEVICE_REQUEST;
    }

    CMiniportWavePciStream *stream =
        new(PoolType, AC97_POOL_TAG) CMiniportWavePciStream(OuterUnknown);
    if (stream == NULL)
    {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    stream->AddRef();

    NTSTATUS ntStatus = stream->Init(this, PortStream, engine, DataFormat);
    if (!NT_SUCCESS(ntStatus))
    {
        stream->Release();
        return ntStatus;
    }

    *Stream = PMINIPORTWAVEPCISTREAM(stream);      // our reference goes to the port
    *DmaChannel = m_DmaChannel;
    m_DmaChannel->AddRef();
    *ServiceGroup = stream->ServiceGroup();
    (*ServiceGroup)->AddRef();
    return STATUS_SUCCESS;
}

STDMETHODIMP_(void) CMiniportWavePci::Service(void)
{
    // Nothing filter-wide: each stream is serviced through its own group.
}

// ---- The interrupt --------------------------------------------------------------------------

struct ENGINE_STREAM_LINK
{
    CMiniportWavePci       *Miniport;
    ULONG                   Engine;
    CMiniportWavePciStream *Stream;
};

NTSTATUS CMiniportWavePci::SetStreamSynchronized(_In_ PINTERRUPTSYNC InterruptSync,
                                                 _In_ PVOID DynamicContext)
{
    UNREFERENCED_PARAMETER(InterruptSync);
    ENGINE_STREAM_LINK *link = (ENGINE_STREAM_LINK *)DynamicContext;
    link->Miniport->m_Streams[link->Engine] = link->Stream;
    return STATUS_SUCCESS;
}

void CMiniportWavePci::SetEngineStream(_In_ ULONG Engine, _In_opt_ CMiniportWavePciStream *Stream)
{
    PAGED_CODE();
    ASSERT(Engine < ICH_ENGINE_COUNT);

    ENGINE_STREAM_LINK link = { this, Engine, Stream };
    m_InterruptSync->CallSynchronizedRoutine(SetStreamSynchronized, &link);
}

/*
 * The ISR, at DIRQL with the interrupt's lock held. For each engine whose
 * interrupt GLOB_STA reports, it clears the status bits it finds set and
 * asks the port to service that engine's stream: IPortWavePci::Notify may
 * be called from here, and the port's DPC then calls the stream's Service.
 * The ISR takes no spin lock and touches no stream state; what the engine
 * finished is worked out in Service, from CIV, because several buffer
 * completions can share one interrupt.
 */
NTSTATUS CMiniportWavePci::InterruptServiceRoutine(_In_ PINTERRUPTSYNC InterruptSync,
                                                   _In_ PVOID DynamicContext)
{
    UNREFERENCED_PARAMETER(InterruptSync);
    ASSERT(DynamicContext);

    static const ULONG engineInterrupt[ICH_ENGINE_COUNT] =
    {
        ICH_GLOB_STA_PIINT,     // ICH_ENGINE_PCM_IN
        ICH_GLOB_STA_POINT,     // ICH_ENGINE_PCM_OUT
        ICH_GLOB_STA_MINT       // ICH_ENGINE_MIC_IN
    };
    CMiniportWavePci *that = (CMiniportWavePci *)DynamicContext;
    PAC97ADAPTERCOMMON common = that->m_AdapterCommon;

    ULONG globalStatus = common->ReadBusMasterUlong(ICH_GLOB_STA);
    BOOLEAN ours = FALSE;
    for (ULONG engine = 0; engine < ICH_ENGINE_COUNT; engine++)
    {
        if (!(globalStatus & engineInterrupt[engine]))
        {
            continue;
        }
        ULONG statusRegister = engine * ICH_ENGINE_STRIDE + ICH_SR;
        USHORT status = common->ReadBusMasterUshort(statusRegister) & ICH_SR_INTERRUPTS;
#ifdef CXX_BUG_ISR_ACKS_BCIS_ONLY
        // BUG (planted): only a buffer completion is taken as this driver's
        // interrupt, as if BCIS were the one source it enabled. LVBCI (the
        // engine reached the last valid buffer) and FIFOE are neither
        // cleared nor claimed, and hold the level-triggered line up.
        status &= ICH_SR_BCIS;
#endif
        if (status == 0)
        {
            continue;
        }
        // Cleared on every engine, streaming or not: the line is level
        // triggered, and status nobody clears would hold it up for ever.
        common->WriteBusMasterUshort(statusRegister, status);
        ours = TRUE;
        CMiniportWavePciStream *stream = that->m_Streams[engine];
        if (stream != NULL)
        {
            that->m_Port->Notify(stream->ServiceGroup());
        }
    }
    // Normal mode: STATUS_SUCCESS says the interrupt was this device's.
    return ours ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
