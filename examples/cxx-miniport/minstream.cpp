/*
 * minstream.cpp - the WavePci stream (see minstream.h for the list and the
 * lock).
 *
 * How mappings move:
 * - Service and MappingAvailable run one "pump" at a time: it releases
 *   what the engine has finished, oldest first, then asks the port for
 *   mappings while descriptors are free. A caller that finds a pump
 *   running leaves it a flag to go round once more, so a MappingAvailable
 *   that lands while the pump has its lock dropped is not lost, and no two
 *   threads append to the list out of GetMapping order.
 * - What the engine finished comes from CIV (and CELV for the entry the
 *   engine halted on), never from counting interrupts.
 * - A mapping leaves the list under the lock; its ReleaseMapping follows
 *   after the lock is dropped. Whoever takes an entry off the list owns
 *   it, so a RevokeMappings that runs in between no longer sees it and
 *   does not count it.
 * - Taking mappings out (RevokeMappings, STOP) halts the engine, notes how
 *   far it got, lets the FIFO play out, resets it and lays the rest of the
 *   list out again from descriptor 0, each entry's descriptor starting
 *   where the engine left it: no sample of a surviving mapping is lost or
 *   played twice, and no revoked one is touched again.
 */
#include "minstream.h"

#define BDL_BYTES (ICH_BDL_ENTRIES * sizeof(ICH_BUFFER_DESCRIPTOR))

static_assert(sizeof(ICH_BUFFER_DESCRIPTOR) == 8, "the controller reads 8-byte descriptors");

// RPBM cleared, the engine stops within a sample or two; a stalled bus can
// hold a transfer longer. The ICH datasheet gives no bound: 2 ms is ample.
#define DMA_HALT_POLL_US        5
#define DMA_HALT_TIMEOUT_US     2000
// The datasheet does not give the FIFO's depth either; no part we know of
// holds more than 64 samples.
#define FIFO_SAMPLES_MAX        64
// What the stream asks the port's allocator for: 10 ms frames.
#define FRAMES_PER_SECOND       100
#define ALLOCATOR_FRAMES        8

// ---- COM ----------------------------------------------------------------------------------

STDMETHODIMP_(NTSTATUS) CMiniportWavePciStream::NonDelegatingQueryInterface(_In_ REFIID Interface,
                                                                             _Out_ PVOID *Object)
{
    ASSERT(Object);

    if (IsEqualGUIDAligned(Interface, IID_IUnknown))
    {
        *Object = PVOID(PUNKNOWN(PMINIPORTWAVEPCISTREAM(this)));
    }
    else if (IsEqualGUIDAligned(Interface, IID_IMiniportWavePciStream))
    {
        *Object = PVOID(PMINIPORTWAVEPCISTREAM(this));
    }
    else
    {
        *Object = NULL;
        return STATUS_INVALID_PARAMETER;
    }
    PUNKNOWN(*Object)->AddRef();
    return STATUS_SUCCESS;
}

// ---- Creation and teardown -----------------------------------------------------------------

NTSTATUS CMiniportWavePciStream::Init(_In_ CMiniportWavePci *Miniport,
                                      _In_ PPORTWAVEPCISTREAM PortStream, _In_ ULONG Engine,
                                      _In_ PKSDATAFORMAT DataFormat)
{
    PAGED_CODE();
    ASSERT(Miniport);
    ASSERT(PortStream);
    ASSERT(Engine < ICH_ENGINE_COUNT);

    m_Miniport = Miniport;
    m_Miniport->AddRef();
    m_AdapterCommon = Miniport->AdapterCommon();
    m_PortStream = PortStream;
    m_PortStream->AddRef();
    m_Engine = Engine;
    m_EngineBase = Engine * ICH_ENGINE_STRIDE;
    m_Capture = Engine != ICH_ENGINE_PCM_OUT;
    m_State = KSSTATE_STOP;
    m_NextTag = 1;
    KeInitializeSpinLock(&m_Lock);

    NTSTATUS ntStatus = PcNewServiceGroup(&m_ServiceGroup, NULL);
    if (!NT_SUCCESS(ntStatus))
    {
        return ntStatus;
    }

    ntStatus = SetFormat(DataFormat);
    if (!NT_SUCCESS(ntStatus))
    {
        return ntStatus;
    }

    // The BDL lives in a common buffer: memory both the CPU and the device
    // reach, at a physical address the 32-bit BDBAR can hold.
    m_DmaAdapter = (PDMA_ADAPTER)Miniport->DmaChannel()->GetAdapterObject();
    m_Bdl = (PICH_BUFFER_DESCRIPTOR)m_DmaAdapter->DmaOperations->AllocateCommonBuffer(
        m_DmaAdapter, BDL_BYTES, &m_BdlPhysical, FALSE);
    if (m_Bdl == NULL)
    {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    ASSERT(m_BdlPhysical.HighPart == 0);
    ASSERT((m_BdlPhysical.LowPart & 7) == 0);
    RtlZeroMemory(m_Bdl, BDL_BYTES);

    // The engine into a known state: halted (something may have left it
    // running), its registers reset, our list as its base.
    KIRQL oldIrql;
    KeAcquireSpinLock(&m_Lock, &oldIrql);
    WriteEngineUchar(ICH_CR, 0);
    for (ULONG waited = 0; waited < DMA_HALT_TIMEOUT_US && !(ReadEngineUshort(ICH_SR) & ICH_SR_DCH);
         waited += DMA_HALT_POLL_US)
    {
        KeStallExecutionProcessor(DMA_HALT_POLL_US);
    }
    WriteEngineUchar(ICH_CR, ICH_CR_RR);
    WriteEngineUlong(ICH_BDBAR, m_BdlPhysical.LowPart);
    KeReleaseSpinLock(&m_Lock, oldIrql);

    m_Miniport->SetEngineStream(m_Engine, this);
    m_Registered = TRUE;
    return STATUS_SUCCESS;
}

CMiniportWavePciStream::~CMiniportWavePciStream()
{
    PAGED_CODE();

    if (m_Bdl != NULL)
    {
        // No DMA and no interrupts from the engine from here on.
        KIRQL oldIrql;
        KeAcquireSpinLock(&m_Lock, &oldIrql);
        // The port revokes what is still listed before it closes the pin.
        ASSERT(m_Count == 0);
        WriteEngineUchar(ICH_CR, 0);
        KeReleaseSpinLock(&m_Lock, oldIrql);
    }
    if (m_Registered)
    {
        // After this the ISR cannot find the stream, nor Notify its group.
        m_Miniport->SetEngineStream(m_Engine, NULL);
        m_Registered = FALSE;
    }
    if (m_Bdl != NULL)
    {
        m_DmaAdapter->DmaOperations->FreeCommonBuffer(m_DmaAdapter, BDL_BYTES, m_BdlPhysical,
                                                      m_Bdl, FALSE);
        m_Bdl = NULL;
    }
    if (m_ServiceGroup)
    {
        m_ServiceGroup->Release();
#ifdef CXX_BUG_GROUP_RELEASED_TWICE
        // Planted bug: a cleanup path that releases the group again, as
        // if the reference handed to the port were still the stream's.
        m_ServiceGroup->Release();
#endif
        m_ServiceGroup = NULL;
    }
#ifndef CXX_BUG_PORT_STREAM_KEPT
    if (m_PortStream)
    {
        m_PortStream->Release();
        m_PortStream = NULL;
    }
#else
    // Planted bug: the reference NewStream took on the port stream is never
    // given back.
    m_PortStream = NULL;
#endif
    if (m_Miniport)
    {
        m_Miniport->Release();
        m_Miniport = NULL;
    }
}

// ---- Registers and the list (all with m_Lock held) -------------------------------------------

UCHAR CMiniportWavePciStream::ReadEngineUchar(ULONG Register)
{
    return m_AdapterCommon->ReadBusMasterUchar(m_EngineBase + Register);
}

USHORT CMiniportWavePciStream::ReadEngineUshort(ULONG Register)
{
    return m_AdapterCommon->ReadBusMasterUshort(m_EngineBase + Register);
}

void CMiniportWavePciStream::WriteEngineUchar(ULONG Register, UCHAR Value)
{
    m_AdapterCommon->WriteBusMasterUchar(m_EngineBase + Register, Value);
}

void CMiniportWavePciStream::WriteEngineUlong(ULONG Register, ULONG Value)
{
    m_AdapterCommon->WriteBusMasterUlong(m_EngineBase + Register, Value);
}

// The descriptor of a slot: what is left of its mapping, with an interrupt
// when it is done. Nothing left: zero length (the engine passes over it),
// pointed at the BDL itself, memory that is there as long as the stream.
void CMiniportWavePciStream::WriteDescriptor(ULONG Slot)
{
    PMAPPING_RECORD record = &m_Records[Slot];
    ULONG bytesLeft = record->ByteCount - record->BytesDone;
    if (bytesLeft == 0)
    {
        m_Bdl[Slot].PhysicalAddress = m_BdlPhysical.LowPart;
        m_Bdl[Slot].Control = 0;
    }
    else
    {
        m_Bdl[Slot].PhysicalAddress = record->PhysicalAddress + record->BytesDone;
        m_Bdl[Slot].Control = ICH_BD_IOC | (bytesLeft / 2);
    }
}

// LVI follows the end of the list at every change: an engine halted at the
// old end goes on with the next descriptor as soon as LVI moves past it.
void CMiniportWavePciStream::WriteLastValidIndex(void)
{
    if (m_Count > 0)
    {
        WriteEngineUchar(ICH_LVI, UCHAR(SlotOf(m_Count - 1)));
    }
}

// Entries already done sit at the head: the last one says it all.
BOOLEAN CMiniportWavePciStream::HasAudioQueued(void)
{
    if (m_Count == 0)
    {
        return FALSE;
    }
    PMAPPING_RECORD last = &m_Records[SlotOf(m_Count - 1)];
    return last->BytesDone < last->ByteCount;
}

// An engine reset since it last ran starts from descriptor 0 once the
// stream runs and there is audio listed.
void CMiniportWavePciStream::StartDmaIfReady(void)
{
    if (m_State != KSSTATE_RUN || m_DmaStarted || !HasAudioQueued())
    {
        return;
    }
    WriteLastValidIndex();
    WriteEngineUchar(ICH_CR, ICH_CR_RPBM | ICH_CR_INTERRUPTS);
    m_DmaStarted = TRUE;
}

// How many entries, from the head, the engine has finished with: those
// before CIV, and the one at CIV if the engine halted there with it done
// (CELV). A CIV outside the list is behind it, on a slot already released.
ULONG CMiniportWavePciStream::EntriesFinished(void)
{
    ULONG done = 0;
    while (done < m_Count && m_Records[SlotOf(done)].BytesDone == m_Records[SlotOf(done)].ByteCount)
    {
        done++;
    }
    if (!m_DmaStarted)
    {
        return done;
    }
    ULONG civ = ReadEngineUchar(ICH_CIV) & 0x1F;
    ULONG atCiv = (civ + ICH_BDL_ENTRIES - m_Head) % ICH_BDL_ENTRIES;
    if (atCiv >= m_Count)
    {
        return done;
    }
    if (ReadEngineUshort(ICH_SR) & ICH_SR_CELV)
    {
        atCiv++;
    }
    return atCiv > done ? atCiv : done;
}

// Bytes the engine has moved (render: fetched, capture: written) since the
// stream was created: what left the list, what the listed entries had moved
// before the last reset, and how far the engine got since.
ULONGLONG CMiniportWavePciStream::HardwareBytes(void)
{
    ULONGLONG bytes = m_BytesRetired;
    for (ULONG i = 0; i < m_Count; i++)
    {
        bytes += m_Records[SlotOf(i)].BytesDone;
    }
    if (!m_DmaStarted || m_Count == 0)
    {
        return bytes;
    }
    // CIV and PICB are two reads: read until CIV holds still around PICB,
    // so both describe the same buffer.
    UCHAR civ, civAgain;
    USHORT samplesLeft, status;
    ULONG tries = 0;
    do
    {
        civ = ReadEngineUchar(ICH_CIV) & 0x1F;
        samplesLeft = ReadEngineUshort(ICH_PICB);
        status = ReadEngineUshort(ICH_SR);
        civAgain = ReadEngineUchar(ICH_CIV) & 0x1F;
    } while (civ != civAgain && ++tries < 8);

    ULONG atCiv = (civ + ICH_BDL_ENTRIES - m_Head) % ICH_BDL_ENTRIES;
    if (atCiv >= m_Count)
    {
        return bytes;
    }
    for (ULONG i = 0; i < atCiv; i++)
    {
        PMAPPING_RECORD record = &m_Records[SlotOf(i)];
        bytes += record->ByteCount - record->BytesDone;
    }
    PMAPPING_RECORD current = &m_Records[civ];
    ULONG bytesLeft = current->ByteCount - current->BytesDone;
    if (status & ICH_SR_CELV)
    {
        bytes += bytesLeft;
    }
    else if (2UL * samplesLeft <= bytesLeft)
    {
        bytes += bytesLeft - 2UL * samplesLeft;
    }
    return bytes;
}

/*
 * Takes the entries tagged FirstTag..LastTag off the list (none when
 * FirstTag > LastTag) and lays the rest out again from descriptor 0, with
 * the engine reset. Returns how many it took off. Lock held. In this order:
 * 1. Halt DMA (RPBM off) and wait for DCH: the engine keeps its own copy of
 *    the prefetched descriptor, so rewriting the list under a running
 *    engine would not keep it off a revoked mapping.
 * 2. Read how far it got: entries before CIV whole, the one at CIV but for
 *    PICB samples (all of it with CELV).
 * 3. Let the FIFO play out (the AC-link keeps taking from it while DMA is
 *    halted): the reset throws away what it holds.
 * 4. RR, then BDBAR (RR does not promise to keep it), the descriptors, LVI.
 */
ULONG CMiniportWavePciStream::ResetEngineAndRelayout(_In_ ULONG FirstTag, _In_ ULONG LastTag)
{
    if (m_DmaStarted)
    {
        WriteEngineUchar(ICH_CR, ICH_CR_INTERRUPTS);
        for (ULONG waited = 0;
             waited < DMA_HALT_TIMEOUT_US && !(ReadEngineUshort(ICH_SR) & ICH_SR_DCH);
             waited += DMA_HALT_POLL_US)
        {
            KeStallExecutionProcessor(DMA_HALT_POLL_US);
        }
        ULONG civ = ReadEngineUchar(ICH_CIV) & 0x1F;
        USHORT samplesLeft = ReadEngineUshort(ICH_PICB);
        USHORT status = ReadEngineUshort(ICH_SR);
        ULONG atCiv = (civ + ICH_BDL_ENTRIES - m_Head) % ICH_BDL_ENTRIES;
        if (atCiv < m_Count)
        {
            for (ULONG i = 0; i < atCiv; i++)
            {
                m_Records[SlotOf(i)].BytesDone = m_Records[SlotOf(i)].ByteCount;
            }
            PMAPPING_RECORD current = &m_Records[civ];
            ULONG bytesLeft = current->ByteCount - current->BytesDone;
            if (status & ICH_SR_CELV)
            {
                current->BytesDone = current->ByteCount;
            }
            else if (2UL * samplesLeft <= bytesLeft)
            {
                current->BytesDone += bytesLeft - 2UL * samplesLeft;
            }
        }
        // Also after a PAUSE: it may have come moments ago.
        ULONG framesInFifo = FIFO_SAMPLES_MAX / m_Format.nChannels;
        KeStallExecutionProcessor(framesInFifo * 1000000UL / m_Format.nSamplesPerSec + 1);
    }

    MAPPING_RECORD kept[ICH_BDL_ENTRIES];
    ULONG keptCount = 0;
    ULONG removed = 0;
    for (ULONG i = 0; i < m_Count; i++)
    {
        PMAPPING_RECORD record = &m_Records[SlotOf(i)];
        if (record->Tag >= FirstTag && record->Tag <= LastTag)
        {
            m_BytesRetired += record->BytesDone;    // moved before it was revoked
            removed++;
        }
        else
        {
            kept[keptCount++] = *record;
        }
    }

    WriteEngineUchar(ICH_CR, ICH_CR_RR);
    WriteEngineUlong(ICH_BDBAR, m_BdlPhysical.LowPart);
    for (ULONG i = 0; i < keptCount; i++)
    {
        m_Records[i] = kept[i];
        WriteDescriptor(i);
    }
    m_Head = 0;
    m_Count = keptCount;
    m_DmaStarted = FALSE;
    WriteLastValidIndex();
    return removed;
}

// ---- The pump ------------------------------------------------------------------------------

// Gives the port back, oldest first, every mapping the engine finished.
// Lock held on entry and on return.
void CMiniportWavePciStream::ReleaseFinishedMappings(_Inout_ PKIRQL OldIrql)
{
    for (;;)
    {
        ULONG finished = EntriesFinished();
        if (finished == 0)
        {
            return;
        }
        // Off the list under the lock; released once it is dropped.
        PVOID tags[ICH_BDL_ENTRIES];
        for (ULONG i = 0; i < finished; i++)
        {
            PMAPPING_RECORD record = &m_Records[m_Head];
            tags[i] = ULongToPtr(record->Tag);
            m_BytesRetired += record->ByteCount;
            m_Head = (m_Head + 1) % ICH_BDL_ENTRIES;
            m_Count--;
        }
#ifdef CXX_BUG_RELEASE_UNDER_LOCK
        // BUG (planted): released with the stream's spin lock still held.
        // Driver Verifier bug checks 0xC4 on it: the port may call back into
        // the stream, which would spin on the lock for ever.
        UNREFERENCED_PARAMETER(OldIrql);
        for (ULONG i = 0; i < finished; i++)
        {
            m_PortStream->ReleaseMapping(tags[i]);
        }
#else
        KeReleaseSpinLock(&m_Lock, *OldIrql);
        for (ULONG i = 0; i < finished; i++)
        {
            m_PortStream->ReleaseMapping(tags[i]);
        }
        KeAcquireSpinLock(&m_Lock, OldIrql);
#endif
    }
}

// Asks the port for mappings while descriptors are free and the stream is
// paused or running. Lock held on entry and on return, dropped around each
// GetMapping: the tail is worked out again after it.
void CMiniportWavePciStream::QueueMappings(_Inout_ PKIRQL OldIrql)
{
    while (m_Count < BDL_ENTRIES_IN_USE_MAX &&
           (m_State == KSSTATE_PAUSE || m_State == KSSTATE_RUN))
    {
        ULONG tag = m_NextTag++;
        PHYSICAL_ADDRESS physicalAddress;
        PVOID virtualAddress;
        ULONG byteCount;
        ULONG flags;

        m_Getting = TRUE;
        m_GettingRevoked = FALSE;
        m_GettingTag = tag;
        KeReleaseSpinLock(&m_Lock, *OldIrql);
        NTSTATUS ntStatus = m_PortStream->GetMapping(ULongToPtr(tag), &physicalAddress,
                                                     &virtualAddress, &byteCount, &flags);
        KeAcquireSpinLock(&m_Lock, OldIrql);
        m_Getting = FALSE;

        if (!NT_SUCCESS(ntStatus))
        {
            break;      // STATUS_NOT_FOUND: MappingAvailable comes when there is more
        }
        if (m_GettingRevoked)
        {
            continue;   // revoked before we could list it: the port has it back
        }
        ASSERT(physicalAddress.HighPart == 0);
        ASSERT(byteCount > 0 && byteCount / 2 <= ICH_BD_MAX_SAMPLES);
        // The engine writes whole frames; a capture buffer must hold them.
        ASSERT(!m_Capture || byteCount % m_Format.nBlockAlign == 0);

        ULONG slot = SlotOf(m_Count);
        m_Records[slot].Tag = tag;
        m_Records[slot].PhysicalAddress = physicalAddress.LowPart;
        m_Records[slot].ByteCount = byteCount;
        m_Records[slot].BytesDone = 0;
        WriteDescriptor(slot);
        m_Count++;
        WriteLastValidIndex();
    }
    StartDmaIfReady();
}

// The one thread releasing and refilling. Lock held.
void CMiniportWavePciStream::Pump(_Inout_ PKIRQL OldIrql)
{
    if (m_Pumping)
    {
        m_PumpAgain = TRUE;     // the running pump looks again before it leaves
        return;
    }
    m_Pumping = TRUE;
    do
    {
        m_PumpAgain = FALSE;
        ReleaseFinishedMappings(OldIrql);
        QueueMappings(OldIrql);
    } while (m_PumpAgain);
    m_Pumping = FALSE;
}

// ---- IMiniportWavePciStream ---------------------------------------------------------------

STDMETHODIMP_(NTSTATUS) CMiniportWavePciStream::SetFormat(_In_ PKSDATAFORMAT DataFormat)
{
    PAGED_CODE();
    ASSERT(DataFormat);

    if (DataFormat->FormatSize < sizeof(KSDATAFORMAT_WAVEFORMATEX) ||
        !IsEqualGUIDAligned(DataFormat->MajorFormat, KSDATAFORMAT_TYPE_AUDIO) ||
        !IsEqualGUIDAligned(DataFormat->Specifier, KSDATAFORMAT_SPECIFIER_WAVEFORMATEX))
    {
        return STATUS_INVALID_PARAMETER;
    }
    PWAVEFORMATEX waveFormat = &PKSDATAFORMAT_WAVEFORMATEX(DataFormat)->WaveFormatEx;
    if (waveFormat->wFormatTag == WAVE_FORMAT_EXTENSIBLE)
    {
        PWAVEFORMATEXTENSIBLE extensible = PWAVEFORMATEXTENSIBLE(waveFormat);
        if (DataFormat->FormatSize < sizeof(KSDATAFORMAT) + sizeof(WAVEFORMATEXTENSIBLE) ||
            !IsEqualGUIDAligned(extensible->SubFormat, KSDATAFORMAT_SUBTYPE_PCM))
        {
            return STATUS_INVALID_PARAMETER;
        }
    }
    else if (waveFormat->wFormatTag != WAVE_FORMAT_PCM)
    {
        return STATUS_INVALID_PARAMETER;
    }
    ULONG channels = m_Engine == ICH_ENGINE_MIC_IN ? 1 : 2;
    if (waveFormat->nChannels != channels || waveFormat->wBitsPerSample != 16 ||
        waveFormat->nBlockAlign != channels * 2 || waveFormat->nSamplesPerSec < RATE_MIN_HZ ||
        waveFormat->nSamplesPerSec > RATE_MAX_HZ)
    {
        return STATUS_INVALID_PARAMETER;
    }
    // The converter's rate cannot change under a running engine.
    if (m_State == KSSTATE_RUN)
    {
        return STATUS_INVALID_DEVICE_REQUEST;
    }

    ULONG rateRegister = m_Engine == ICH_ENGINE_PCM_OUT ? AC97REG_FRONT_DAC_RATE
                         : m_Engine == ICH_ENGINE_PCM_IN ? AC97REG_LR_ADC_RATE
                                                         : AC97REG_MIC_ADC_RATE;
    NTSTATUS ntStatus = m_AdapterCommon->ProgramSampleRate(rateRegister,
                                                           waveFormat->nSamplesPerSec);
    if (NT_SUCCESS(ntStatus))
    {
        m_Format = *waveFormat;
        m_Format.wFormatTag = WAVE_FORMAT_PCM;
        m_Format.cbSize = 0;
    }
    return ntStatus;
}

STDMETHODIMP_(NTSTATUS) CMiniportWavePciStream::SetState(_In_ KSSTATE NewState)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&m_Lock, &oldIrql);
    KSSTATE previous = m_State;
    m_State = NewState;
    switch (NewState)
    {
    case KSSTATE_STOP:
        // Halt and reset the engine; the port revokes what is still listed.
        // The position starts again from 0.
        ResetEngineAndRelayout(1, 0);
        m_PositionBase = HardwareBytes();
        m_LastPosition = 0;
        break;

    case KSSTATE_ACQUIRE:
        break;

    case KSSTATE_PAUSE:
        if (previous == KSSTATE_RUN && m_DmaStarted)
        {
            // RPBM off: the engine halts and keeps CIV and PICB, so RUN
            // continues the same buffer where it stopped.
            WriteEngineUchar(ICH_CR, ICH_CR_INTERRUPTS);
        }
        Pump(&oldIrql);     // a paused stream may fill its list already
        break;

    case KSSTATE_RUN:
        if (m_DmaStarted)
        {
            WriteEngineUchar(ICH_CR, ICH_CR_RPBM | ICH_CR_INTERRUPTS);
        }
        Pump(&oldIrql);     // fills the list and starts the engine
        StartDmaIfReady();
        break;

    default:
        ASSERT(!"unknown KSSTATE");
        break;
    }
    KeReleaseSpinLock(&m_Lock, oldIrql);
    return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CMiniportWavePciStream::GetPosition(_Out_ PULONGLONG Position)
{
    ASSERT(Position);

    KIRQL oldIrql;
    KeAcquireSpinLock(&m_Lock, &oldIrql);
    ULONGLONG position = 0;
    if (m_State != KSSTATE_STOP)
    {
        ULONGLONG total = HardwareBytes();
        position = total > m_PositionBase ? total - m_PositionBase : 0;
        // Never backwards within a run of the stream, whatever a revoke did.
        if (position < m_LastPosition)
        {
            position = m_LastPosition;
        }
        m_LastPosition = position;
    }
    KeReleaseSpinLock(&m_Lock, oldIrql);
    *Position = position;
    return STATUS_SUCCESS;
}

// Bytes into 100 ns units. Any IRQL: no lock, the format changes only while
// the stream is not running.
STDMETHODIMP_(NTSTATUS) CMiniportWavePciStream::NormalizePhysicalPosition(
    _Inout_ PLONGLONG PhysicalPosition)
{
    ASSERT(PhysicalPosition);

    LONGLONG frames = *PhysicalPosition / m_Format.nBlockAlign;
    *PhysicalPosition = frames * _100NS_UNITS_PER_SECOND / m_Format.nSamplesPerSec;
    return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CMiniportWavePciStream::GetAllocatorFraming(
    _Out_ PKSALLOCATOR_FRAMING AllocatorFraming)
{
    PAGED_CODE();
    ASSERT(AllocatorFraming);

    // A preference, not a requirement: any system memory will do, since
    // the port hands the buffers to us as mappings anyway.
    AllocatorFraming->RequirementsFlags =
        KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY | KSALLOCATOR_REQUIREMENTF_PREFERENCES_ONLY;
    AllocatorFraming->PoolType = NonPagedPool;
    AllocatorFraming->Frames = ALLOCATOR_FRAMES;
    ULONG frameSize = m_Format.nAvgBytesPerSec / FRAMES_PER_SECOND;
    AllocatorFraming->FrameSize = frameSize - frameSize % m_Format.nBlockAlign;
    AllocatorFraming->FileAlignment = FILE_LONG_ALIGNMENT;
    AllocatorFraming->Reserved = 0;
    return STATUS_SUCCESS;
}

STDMETHODIMP_(NTSTATUS) CMiniportWavePciStream::RevokeMappings(_In_ PVOID FirstTag,
                                                               _In_ PVOID LastTag,
                                                               _Out_ PULONG MappingsRevoked)
{
    ASSERT(MappingsRevoked);

    // Tags count up and never wrap in a stream's life: the range, in
    // acquisition order, is every tag from FirstTag to LastTag.
    ULONG firstTag = PtrToUlong(FirstTag);
    ULONG lastTag = PtrToUlong(LastTag);
    ASSERT(firstTag <= lastTag);

    KIRQL oldIrql;
    KeAcquireSpinLock(&m_Lock, &oldIrql);

    // Only what is still listed counts: part of the range may have been
    // released since the port chose it. Nothing listed, nothing to reset.
    BOOLEAN listed = FALSE;
    for (ULONG i = 0; i < m_Count && !listed; i++)
    {
        ULONG tag = m_Records[SlotOf(i)].Tag;
        listed = tag >= firstTag && tag <= lastTag;
    }
    ULONG revoked = 0;
    if (listed)
    {
        revoked = ResetEngineAndRelayout(firstTag, lastTag);
        StartDmaIfReady();
    }
    // A GetMapping under way may be handing out a tag of the range: it is
    // revoked now, and the filler drops what the call returns.
    if (m_Getting && !m_GettingRevoked && m_GettingTag >= firstTag && m_GettingTag <= lastTag)
    {
        m_GettingRevoked = TRUE;
        revoked++;
    }
#ifdef CXX_BUG_REVOKE_COUNTS_RANGE
    // BUG (planted): the width of the range taken for the number revoked,
    // as if the port named only mappings we still hold. A mapping of the
    // range whose release is on its way (taken off the list, the lock
    // dropped, ReleaseMapping not yet made) is counted too.
    revoked = lastTag - firstTag + 1;
#endif
    BOOLEAN streaming = m_State == KSSTATE_PAUSE || m_State == KSSTATE_RUN;
    KeReleaseSpinLock(&m_Lock, oldIrql);

    *MappingsRevoked = revoked;
    // The list may be empty now with no interrupt to come: a Service pass
    // asks the port for the next mappings.
    if (listed && streaming)
    {
        m_Miniport->Port()->Notify(m_ServiceGroup);
    }
    return STATUS_SUCCESS;
}

STDMETHODIMP_(void) CMiniportWavePciStream::MappingAvailable(void)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&m_Lock, &oldIrql);
    Pump(&oldIrql);
    KeReleaseSpinLock(&m_Lock, oldIrql);
}

STDMETHODIMP_(void) CMiniportWavePciStream::Service(void)
{
#ifdef CXX_BUG_PAGED_SERVICE
    // Planted bug: Service marked pageable, but the port calls it from its
    // DPC, at DISPATCH_LEVEL.
    PAGED_CODE();
#endif
    KIRQL oldIrql;
    KeAcquireSpinLock(&m_Lock, &oldIrql);
    Pump(&oldIrql);
    KeReleaseSpinLock(&m_Lock, oldIrql);
}
